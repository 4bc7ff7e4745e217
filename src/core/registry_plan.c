/*
 * The desk's keys of units.yaml: who to call with a plan (contacts), which
 * plan a site follows at night, and how a unit looks at rest. Read through
 * registry.c's key tables; the choice of plan by local time is here too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refuge/registry.h"
#include "refuge/when.h"
#include "refuge/yamltree.h"
#include "registry_plan.h"

/* A contact's value: non-empty, at most max bytes, only of chars if given. */
static int
registry_plan_contact_value(struct yamltree_doc *doc,
    const struct yamltree_node *map, const char *key, const char *path,
    size_t max, const char *chars, char **out)
{
	const struct yamltree_node	*n;
	char				 item[YAMLTREE_PATH_MAX];
	const char			*s;

	yamltree_path_key(item, path, key);
	if ((n = yamltree_get(map, key)) == NULL)
		return -1;	/* yamltree_fields said so */
	if (yamltree_string(doc, n, item, &s) == -1)
		return -1;
	if (*s == '\0' || strlen(s) > max) {
		yamltree_error(doc, n, item, "expected 1 to %zu bytes", max);
		return -1;
	}
	if (chars != NULL && strspn(s, chars) != strlen(s)) {
		yamltree_error(doc, n, item, "expected only '%s'", chars);
		return -1;
	}
	return yamltree_strdup(doc, n, item, out);
}

/* Keys are checked by yamltree_fields; the values are read after. */
static void
registry_plan_ignore(void *arg, const struct yamltree_field *f,
    const struct yamltree_node *n, const char *path)
{
	(void)arg;
	(void)f;
	(void)n;
	(void)path;
}

void
registry_plan_contacts(struct yamltree_doc *doc, struct registry_plan *p,
    const struct yamltree_node *n, const char *path)
{
	static const struct yamltree_field	 fields[] = {
		{ .key = "name", .required = 1 },
		{ .key = "phone", .required = 1 },
		{ .key = NULL }
	};
	struct registry_contact			*c;
	char					 item[YAMLTREE_PATH_MAX];
	size_t					 i;

	if (n->kind != YAMLTREE_SEQUENCE || n->count > REGISTRY_CONTACTS_MAX) {
		yamltree_error(doc, n, path, "expected a list of at most %d "
		    "{name, phone}", REGISTRY_CONTACTS_MAX);
		return;
	}
	if (n->count == 0)
		return;
	if ((p->contacts = calloc(n->count, sizeof(*p->contacts))) == NULL) {
		yamltree_error(doc, n, path, "out of memory");
		return;
	}
	p->contact_count = n->count;
	for (i = 0; i < n->count; i++) {
		c = &p->contacts[i];
		yamltree_path_index(item, path, i);
		if (yamltree_fields(doc, n->items[i], item, fields,
		    registry_plan_ignore, NULL) == -1)
			continue;
		(void)registry_plan_contact_value(doc, n->items[i], "name",
		    item, REGISTRY_CONTACT_NAME_MAX, NULL, &c->name);
		(void)registry_plan_contact_value(doc, n->items[i], "phone",
		    item, REGISTRY_CONTACT_PHONE_MAX, "0123456789 +-()",
		    &c->phone);
	}
}

void
registry_plan_free_contacts(struct registry_plan *p)
{
	size_t	i;

	for (i = 0; i < p->contact_count; i++) {
		free(p->contacts[i].name);
		free(p->contacts[i].phone);
	}
	free(p->contacts);
}

/* "HH:MM" at s to minutes of the day; -1 if it is not one. */
static int
registry_plan_hhmm(const char *s)
{
	int	h, m;

	if (strlen(s) < 5 || s[0] < '0' || s[0] > '2' || s[1] < '0' ||
	    s[1] > '9' || s[2] != ':' || s[3] < '0' || s[3] > '5' ||
	    s[4] < '0' || s[4] > '9')
		return -1;
	h = (s[0] - '0') * 10 + (s[1] - '0');
	m = (s[3] - '0') * 10 + (s[4] - '0');
	return h > 23 ? -1 : h * 60 + m;
}

void
registry_plan_night(struct yamltree_doc *doc, struct registry_site *site,
    const struct yamltree_node *n, const char *path)
{
	const char	*s;
	int		 from, to;

	if (yamltree_string(doc, n, path, &s) == -1)
		return;
	if (strlen(s) != 11 || s[5] != '-' ||
	    (from = registry_plan_hhmm(s)) == -1 ||
	    (to = registry_plan_hhmm(s + 6)) == -1 || from == to) {
		yamltree_error(doc, n, path, "bad window '%.32s' (use e.g. "
		    "\"18:00-06:00\", local time, start and end differing)", s);
		return;
	}
	site->night_from_min = from;
	site->night_to_min = to;
}

void
registry_plan_light_idle(struct yamltree_doc *doc, struct registry_unit *u,
    const struct yamltree_node *n, const char *path)
{
	const char	*s;

	if (yamltree_string(doc, n, path, &s) == -1)
		return;
	if (strcmp(s, "on") == 0)
		u->light_idle_off = 0;
	else if (strcmp(s, "off") == 0)
		u->light_idle_off = 1;
	else
		yamltree_error(doc, n, path, "expected on or off");
}

void
registry_plan_site_done(struct yamltree_doc *doc,
    const struct registry_site *site, const struct yamltree_node *map,
    const char *path)
{
	int	has_night = yamltree_get(map, "night") != NULL;

	if (site->night_plan != NULL && !has_night)
		yamltree_error(doc, map, path, "night_plan needs night "
		    "(e.g. night: \"18:00-06:00\")");
	else if (site->night_plan == NULL && has_night &&
	    yamltree_get(map, "night_plan") == NULL)
		yamltree_error(doc, map, path, "night needs night_plan");
}

const struct registry_plan *
registry_site_plan(const struct registry *r, const struct registry_site *site,
    int64_t now_ms, int *night)
{
	int64_t	local_s;
	int	m, in;

	*night = 0;
	if (site->night_plan != NULL) {
		local_s = now_ms / 1000 + when_offset(now_ms);
		m = (int)(((local_s % 86400) + 86400) % 86400 / 60);
		if (site->night_from_min < site->night_to_min)
			in = m >= site->night_from_min && m < site->night_to_min;
		else
			in = m >= site->night_from_min || m < site->night_to_min;
		if (in) {
			*night = 1;
			return registry_plan_find(r, site->night_plan);
		}
	}
	return site->plan != NULL ? registry_plan_find(r, site->plan) : NULL;
}
