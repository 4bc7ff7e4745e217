/*
 * units.yaml to struct registry. Each list is read entry by entry through a
 * table of keys; then ids are sorted (O(n log n)) to find duplicates and to
 * resolve site and plan names, and the arrays are put in id order for
 * bsearch. Any error frees everything: a registry is loaded whole or not.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refuge/pwhash.h"
#include "refuge/registry.h"
#include "refuge/registry_dc09.h"
#include "refuge/registry_print.h"
#include "refuge/timefmt.h"
#include "refuge/yamltree.h"
#include "registry_plan.h"
#include "registry_outcomes.h"
#include "registry_text.h"

enum registry_kind {
	REGISTRY_LIST,		/* top level: a list of entries, .offset the list */
	REGISTRY_PRIORITIES,	/* top level: event type name -> 1..9 */
	REGISTRY_OUTCOMES,	/* top level: registry_outcomes.c */
	REGISTRY_ID,		/* char *, non-empty: the entry's id */
	REGISTRY_UNIT_ID,	/* REGISTRY_ID of 1-64 [A-Za-z0-9._:-] */
	REGISTRY_TEXT,		/* char * */
	REGISTRY_REF,		/* char *, non-empty: names a site or a plan */
	REGISTRY_PASSWORD,	/* char *, an accepted crypt(3) hash (pwhash.h) */
	REGISTRY_ROLE,		/* enum registry_role */
	REGISTRY_COORD,		/* double in min..max */
	REGISTRY_SHA256,	/* 64 hex digits to 32 bytes */
	REGISTRY_HEARTBEAT,	/* int64_t ms */
	REGISTRY_PRESET,	/* int 0..255 */
	REGISTRY_UNTIL,		/* int64_t unix ms from ISO 8601 */
	REGISTRY_STEPS,		/* a plan's non-empty list of strings */
	REGISTRY_DC09,		/* a unit's dc09: block (registry_dc09.c) */
	REGISTRY_DC09_CODES,	/* top level: dc09_codes (registry_dc09.c) */
	REGISTRY_CONTACTS,	/* a plan's list of {name, phone} */
	REGISTRY_NIGHT,		/* a site's "HH:MM-HH:MM" */
	REGISTRY_NIGHT_PLAN,	/* char *, names a plan */
	REGISTRY_LIGHT_IDLE,	/* on or off */
	REGISTRY_PRINT		/* signs:, routes:, map_image: (registry_print.c) */
};

enum registry_list_id {
	REGISTRY_SITES,
	REGISTRY_UNITS,
	REGISTRY_PLANS,
	REGISTRY_OPERATORS,
	REGISTRY_NLISTS
};

/* What the checks after reading need to know of one entry. */
struct registry_entry {
	void				*base;
	const struct yamltree_node	*id;	/* its id's node */
	const struct yamltree_node	*ref;	/* its site or plan name's node */
	const struct yamltree_node	*password;	/* an operator's password */
	const struct yamltree_node	*night_ref;	/* a site's night_plan */
};

/* An id sorted with where it came from. */
struct registry_ref {
	const char	*id;
	size_t		 index;
};

struct registry_ctx {
	struct yamltree_doc	*doc;
	struct registry		*reg;
	struct registry_entry	*ents[REGISTRY_NLISTS];
	size_t			 nents[REGISTRY_NLISTS];
	struct registry_ref	*refs[REGISTRY_NLISTS];
	int			 bad[REGISTRY_NLISTS];	/* not a list */
	struct registry_entry	*cur;
};

#define SITE(m)		offsetof(struct registry_site, m)
#define UNIT(m)		offsetof(struct registry_unit, m)
#define PLAN(m)		offsetof(struct registry_plan, m)
#define OPER(m)		offsetof(struct registry_operator, m)

static const struct yamltree_field registry_site_fields[] = {
	{ .key = "id", .required = 1, .kind = REGISTRY_ID, .offset = SITE(id),
	  .max = 64 },
	{ .key = "name", .required = 1, .kind = REGISTRY_TEXT,
	  .offset = SITE(name) },
	{ .key = "plan", .kind = REGISTRY_REF, .offset = SITE(plan) },
	{ .key = "night_plan", .kind = REGISTRY_NIGHT_PLAN,
	  .offset = SITE(night_plan) },
	{ .key = "night", .kind = REGISTRY_NIGHT },
	{ .key = "map_image", .kind = REGISTRY_PRINT },
	{ .key = NULL }
};

static const struct yamltree_field registry_unit_fields[] = {
	{ .key = "id", .required = 1, .kind = REGISTRY_UNIT_ID,
	  .offset = UNIT(id) },
	{ .key = "name", .required = 1, .kind = REGISTRY_TEXT,
	  .offset = UNIT(name), .max = REGISTRY_TEXT_MAX },
	{ .key = "address", .kind = REGISTRY_TEXT, .offset = UNIT(address),
	  .max = REGISTRY_TEXT_MAX },
	{ .key = "site", .required = 1, .kind = REGISTRY_REF,
	  .offset = UNIT(site) },
	{ .key = "lat", .required = 1, .kind = REGISTRY_COORD,
	  .offset = UNIT(lat), .min = -90, .max = 90 },
	{ .key = "lon", .required = 1, .kind = REGISTRY_COORD,
	  .offset = UNIT(lon), .min = -180, .max = 180 },
	{ .key = "key_sha256", .kind = REGISTRY_SHA256,
	  .offset = UNIT(key_sha256) },
	{ .key = "heartbeat", .kind = REGISTRY_HEARTBEAT,
	  .offset = UNIT(heartbeat_ms), .min = 1000, .max = 3600 * 1000 },
	{ .key = "camera_preset", .kind = REGISTRY_PRESET,
	  .offset = UNIT(camera_preset), .min = 0, .max = 255 },
	{ .key = "audio_uri", .kind = REGISTRY_TEXT, .offset = UNIT(audio_uri) },
	{ .key = "on_test_until", .kind = REGISTRY_UNTIL,
	  .offset = UNIT(on_test_until_ms) },
	{ .key = "dc09", .kind = REGISTRY_DC09, .offset = UNIT(dc09) },
	{ .key = "light_idle", .kind = REGISTRY_LIGHT_IDLE },
	{ .key = "camera_home", .kind = REGISTRY_PRESET,
	  .offset = UNIT(camera_home), .min = 0, .max = 255 },
	{ .key = NULL }
};

static const struct yamltree_field registry_plan_fields[] = {
	{ .key = "id", .required = 1, .kind = REGISTRY_ID, .offset = PLAN(id) },
	{ .key = "steps", .required = 1, .kind = REGISTRY_STEPS },
	{ .key = "contacts", .kind = REGISTRY_CONTACTS },
	{ .key = NULL }
};

static const struct yamltree_field registry_operator_fields[] = {
	{ .key = "user", .required = 1, .kind = REGISTRY_ID,
	  .offset = OPER(user) },
	{ .key = "password", .required = 1, .kind = REGISTRY_PASSWORD,
	  .offset = OPER(password_hash) },
	{ .key = "role", .required = 1, .kind = REGISTRY_ROLE,
	  .offset = OPER(role) },
	{ .key = NULL }
};

static const struct yamltree_field registry_top[] = {
	{ .key = "sites", .kind = REGISTRY_LIST, .offset = REGISTRY_SITES,
	  .sub = registry_site_fields },
	{ .key = "units", .kind = REGISTRY_LIST, .offset = REGISTRY_UNITS,
	  .sub = registry_unit_fields },
	{ .key = "plans", .kind = REGISTRY_LIST, .offset = REGISTRY_PLANS,
	  .sub = registry_plan_fields },
	{ .key = "operators", .kind = REGISTRY_LIST,
	  .offset = REGISTRY_OPERATORS, .sub = registry_operator_fields },
	{ .key = "priorities", .kind = REGISTRY_PRIORITIES },
	{ .key = "dc09_codes", .kind = REGISTRY_DC09_CODES },
	{ .key = "outcomes", .kind = REGISTRY_OUTCOMES },
	{ .key = "signs", .kind = REGISTRY_PRINT },
	{ .key = "routes", .kind = REGISTRY_PRINT },
	{ .key = NULL }
};

/* Per list: its key, the name of its id in messages, its id key, entry size. */
static const struct {
	const char	*name, *what, *idkey;
	size_t		 size;
} registry_lists[REGISTRY_NLISTS] = {
	[REGISTRY_SITES] = { "sites", "site id", "id",
	    sizeof(struct registry_site) },
	[REGISTRY_UNITS] = { "units", "unit id", "id",
	    sizeof(struct registry_unit) },
	[REGISTRY_PLANS] = { "plans", "plan id", "id",
	    sizeof(struct registry_plan) },
	[REGISTRY_OPERATORS] = { "operators", "operator", "user",
	    sizeof(struct registry_operator) },
};

static int
registry_unit_id_ok(const char *s)
{
	size_t	len = strlen(s);

	if (len < 1 || len > 64)
		return 0;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789._:-") == len;
}

static int
registry_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void
registry_sha256(struct registry_ctx *ctx, const struct yamltree_node *n,
    const char *path)
{
	struct registry_unit	*u = ctx->cur->base;
	unsigned char		 key[32];
	const char		*s;
	size_t			 i;
	int			 hi, lo;

	if (yamltree_string(ctx->doc, n, path, &s) == -1)
		return;
	for (i = 0; strlen(s) == 64 && i < 32; i++) {
		if ((hi = registry_hex(s[2 * i])) == -1 ||
		    (lo = registry_hex(s[2 * i + 1])) == -1)
			break;
		key[i] = (unsigned char)(hi << 4 | lo);
	}
	if (i != 32) {
		yamltree_error(ctx->doc, n, path,
		    "expected 64 hexadecimal digits");
		return;
	}
	memcpy(u->key_sha256, key, sizeof(key));
	u->has_key_sha256 = 1;
}

static void
registry_steps(struct registry_ctx *ctx, const struct yamltree_node *n,
    const char *path)
{
	struct registry_plan	*p = ctx->cur->base;
	char			 item[YAMLTREE_PATH_MAX];
	size_t			 i;

	if (n->kind != YAMLTREE_SEQUENCE || n->count == 0) {
		yamltree_error(ctx->doc, n, path,
		    "expected a non-empty list of strings");
		return;
	}
	if ((p->steps = calloc(n->count, sizeof(*p->steps))) == NULL) {
		yamltree_error(ctx->doc, n, path, "out of memory");
		return;
	}
	p->step_count = n->count;
	for (i = 0; i < n->count; i++) {
		yamltree_path_index(item, path, i);
		if (yamltree_strdup(ctx->doc, n->items[i], item,
		    &p->steps[i]) == 0 && strlen(p->steps[i]) > REGISTRY_STEP_MAX)
			yamltree_error(ctx->doc, n->items[i], item, "longer than "
			    "%d bytes", REGISTRY_STEP_MAX);
	}
}

/* A string value: ids, names, references and passwords. */
static void
registry_string(struct registry_ctx *ctx, const struct yamltree_field *f,
    const struct yamltree_node *n, const char *path)
{
	char		**slot = (char **)(void *)((char *)ctx->cur->base +
			    f->offset);
	const char	 *s;

	if (yamltree_string(ctx->doc, n, path, &s) == -1)
		return;
	if (f->kind != REGISTRY_TEXT && *s == '\0') {
		yamltree_error(ctx->doc, n, path, "must not be empty");
		return;
	}
	if (f->max > 0 && registry_text_check(ctx->doc, n, path, s,
	    (size_t)f->max) == -1)
		return;
	if (f->kind == REGISTRY_UNIT_ID && !registry_unit_id_ok(s)) {
		yamltree_error(ctx->doc, n, path, "bad unit id '%.64s' "
		    "(1-64 of A-Z a-z 0-9 . _ : -)", s);
		return;
	}
	if (yamltree_strdup(ctx->doc, n, path, slot) == -1)
		return;
	if (f->kind == REGISTRY_ID || f->kind == REGISTRY_UNIT_ID)
		ctx->cur->id = n;
	else if (f->kind == REGISTRY_REF)
		ctx->cur->ref = n;
	else if (f->kind == REGISTRY_PASSWORD)
		ctx->cur->password = n;
	else if (f->kind == REGISTRY_NIGHT_PLAN)
		ctx->cur->night_ref = n;
}

/*
 * After an operator's keys: a password must be an accepted hash. Checked
 * here rather than per key so that the advice can name the user. The value
 * is never quoted back: it may be a password in clear.
 */
static void
registry_password(struct registry_ctx *ctx, const char *item)
{
	struct registry_operator	*o = ctx->cur->base;
	enum pwhash_verdict		 verdict;
	const char			*scheme, *user;
	char				 path[YAMLTREE_PATH_MAX];

	if (o->password_hash == NULL || ctx->cur->password == NULL)
		return;
	if ((verdict = pwhash_check(o->password_hash, &scheme)) == PWHASH_OK)
		return;
	user = o->user != NULL && *o->user != '\0' ? o->user : "USER";
	yamltree_path_key(path, item, "password");
	if (verdict == PWHASH_MALFORMED)
		yamltree_error(ctx->doc, ctx->cur->password, path,
		    "not a well-formed %s hash; make a new one with "
		    "'refugectl passwd %s'", scheme, user);
	else
		yamltree_error(ctx->doc, ctx->cur->password, path,
		    "%s; make a yescrypt hash with 'refugectl passwd %s'",
		    pwhash_verdict_text(verdict), user);
}

static void
registry_role(struct registry_ctx *ctx, const struct yamltree_node *n,
    const char *path)
{
	struct registry_operator	*o = ctx->cur->base;
	const char			*s;

	if (yamltree_string(ctx->doc, n, path, &s) == -1)
		return;
	if (strcmp(s, "operator") == 0)
		o->role = REGISTRY_ROLE_OPERATOR;
	else if (strcmp(s, "supervisor") == 0)
		o->role = REGISTRY_ROLE_SUPERVISOR;
	else
		yamltree_error(ctx->doc, n, path,
		    "expected operator or supervisor");
}

static void
registry_until(struct registry_ctx *ctx, const struct yamltree_node *n,
    const char *path)
{
	struct registry_unit	*u = ctx->cur->base;
	const char		*s;

	if (yamltree_string(ctx->doc, n, path, &s) == -1)
		return;
	if (timefmt_parse_iso8601(s, &u->on_test_until_ms) == -1)
		yamltree_error(ctx->doc, n, path, "bad time '%.64s' "
		    "(use e.g. 2026-12-01T09:00:00Z)", s);
}

/* Called by yamltree_fields for each key of an entry. */
static void
registry_field(void *arg, const struct yamltree_field *f,
    const struct yamltree_node *n, const char *path)
{
	struct registry_ctx	*ctx = arg;
	char			*base = ctx->cur->base;
	int64_t			 v;

	switch (f->kind) {
	case REGISTRY_ID:
	case REGISTRY_UNIT_ID:
	case REGISTRY_TEXT:
	case REGISTRY_REF:
	case REGISTRY_PASSWORD:
	case REGISTRY_NIGHT_PLAN:
		registry_string(ctx, f, n, path);
		break;
	case REGISTRY_ROLE:
		registry_role(ctx, n, path);
		break;
	case REGISTRY_COORD:
		yamltree_double(ctx->doc, n, path, (double)f->min,
		    (double)f->max, (double *)(void *)(base + f->offset));
		break;
	case REGISTRY_SHA256:
		registry_sha256(ctx, n, path);
		break;
	case REGISTRY_HEARTBEAT:
		yamltree_duration(ctx->doc, n, path, f->min, f->max,
		    (int64_t *)(void *)(base + f->offset));
		break;
	case REGISTRY_PRESET:
		if (yamltree_int(ctx->doc, n, path, f->min, f->max, &v) == 0)
			*(int *)(void *)(base + f->offset) = (int)v;
		break;
	case REGISTRY_UNTIL:
		registry_until(ctx, n, path);
		break;
	case REGISTRY_STEPS:
		registry_steps(ctx, n, path);
		break;
	case REGISTRY_DC09:
		registry_dc09_block(ctx->doc, n, path,
		    (struct registry_dc09 **)(void *)(base + f->offset));
		break;
	case REGISTRY_CONTACTS:
		registry_plan_contacts(ctx->doc, ctx->cur->base, n, path);
		break;
	case REGISTRY_NIGHT:
		registry_plan_night(ctx->doc, ctx->cur->base, n, path);
		break;
	case REGISTRY_LIGHT_IDLE:
		registry_plan_light_idle(ctx->doc, ctx->cur->base, n, path);
		break;
	case REGISTRY_PRINT:
		registry_print_map_image(ctx->doc, ctx->cur->base, n, path);
		break;
	}
}

/* The array of a list, allocated for n entries (none for n 0). */
static void *
registry_alloc(struct registry *r, enum registry_list_id list, size_t n)
{
	void	*a;

	if (n == 0 || (a = calloc(n, registry_lists[list].size)) == NULL)
		return NULL;
	switch (list) {
	case REGISTRY_SITES:
		r->sites = a;
		r->site_count = n;
		break;
	case REGISTRY_UNITS:
		r->units = a;
		r->unit_count = n;
		break;
	case REGISTRY_PLANS:
		r->plans = a;
		r->plan_count = n;
		break;
	default:
		r->operators = a;
		r->operator_count = n;
		break;
	}
	return a;
}

static void
registry_list(struct registry_ctx *ctx, const struct yamltree_field *f,
    const struct yamltree_node *n, const char *path)
{
	enum registry_list_id	 list = (enum registry_list_id)f->offset;
	char			*array, item[YAMLTREE_PATH_MAX];
	size_t			 i;

	if (n->kind != YAMLTREE_SEQUENCE) {
		yamltree_error(ctx->doc, n, path, "expected a list");
		ctx->bad[list] = 1;
		return;
	}
	if (n->count == 0)
		return;
	if ((array = registry_alloc(ctx->reg, list, n->count)) == NULL ||
	    (ctx->ents[list] = calloc(n->count, sizeof(**ctx->ents))) == NULL) {
		yamltree_error(ctx->doc, n, path, "out of memory");
		return;
	}
	ctx->nents[list] = n->count;
	for (i = 0; i < n->count; i++) {
		ctx->cur = &ctx->ents[list][i];
		ctx->cur->base = array + i * registry_lists[list].size;
		if (list == REGISTRY_UNITS) {
			((struct registry_unit *)ctx->cur->base)->camera_preset =
			    -1;
			((struct registry_unit *)ctx->cur->base)->camera_home =
			    -1;
		}
		yamltree_path_index(item, path, i);
		yamltree_fields(ctx->doc, n->items[i], item, f->sub,
		    registry_field, ctx);
		if (list == REGISTRY_OPERATORS)
			registry_password(ctx, item);
		if (list == REGISTRY_SITES)
			registry_plan_site_done(ctx->doc, ctx->cur->base,
			    n->items[i], item);
	}
}

static void
registry_priorities(struct registry_ctx *ctx, const struct yamltree_node *n,
    const char *path)
{
	const struct yamltree_node	*key;
	size_t				 first[EVTYPE_COUNT], i;
	char				 item[YAMLTREE_PATH_MAX];
	enum evtype			 type;
	int64_t				 v;

	if (n->kind != YAMLTREE_MAPPING) {
		yamltree_error(ctx->doc, n, path, "expected a mapping");
		return;
	}
	memset(first, 0, sizeof(first));
	for (i = 0; i < n->count; i++) {
		key = n->keys[i];
		yamltree_path_key(item, path, key->text);
		if (evtype_from_name(key->text, &type) == -1) {
			yamltree_error(ctx->doc, key, item,
			    "unknown event type");
			continue;
		}
		if (first[type] != 0) {
			yamltree_error(ctx->doc, key, item,
			    "duplicate key (first at line %zu)", first[type]);
			continue;
		}
		first[type] = key->line;
		if (evtype_default_priority(type) == 0)
			yamltree_error(ctx->doc, key, item, "%s never raises "
			    "an alarm and cannot have a priority", key->text);
		else if (yamltree_int(ctx->doc, n->items[i], item, 1, 9,
		    &v) == 0)
			ctx->reg->priorities[type] = (int)v;
	}
}

static void
registry_top_field(void *arg, const struct yamltree_field *f,
    const struct yamltree_node *n, const char *path)
{
	struct registry_ctx	*ctx = arg;

	if (f->kind == REGISTRY_LIST)
		registry_list(arg, f, n, path);
	else if (f->kind == REGISTRY_DC09_CODES)
		registry_dc09_codes(ctx->doc, n, path, ctx->reg);
	else if (f->kind == REGISTRY_OUTCOMES)
		registry_outcomes_parse(ctx->doc, n, path, ctx->reg);
	else if (f->kind == REGISTRY_PRINT && strcmp(f->key, "signs") == 0)
		registry_print_signs(ctx->doc, ctx->reg, n, path);
	else if (f->kind == REGISTRY_PRINT)
		registry_print_routes(ctx->doc, ctx->reg, n, path);
	else
		registry_priorities(arg, n, path);
}

static int
registry_ref_cmp(const void *a, const void *b)
{
	const struct registry_ref	*x = a, *y = b;
	int				 c;

	if ((c = strcmp(x->id, y->id)) != 0)
		return c;
	return (x->index > y->index) - (x->index < y->index);
}

static int
registry_ref_find(const void *key, const void *elem)
{
	const struct registry_ref	*r = elem;

	return strcmp(key, r->id);
}

/* Sorts a list's ids and reports each repeat; returns how many were sorted. */
static size_t
registry_sort_ids(struct registry_ctx *ctx, enum registry_list_id list)
{
	struct registry_entry	*e = ctx->ents[list];
	struct registry_ref	*refs;
	size_t			 i, n = 0, first = 0;
	char			 path[YAMLTREE_PATH_MAX];

	if (ctx->nents[list] == 0)
		return 0;
	if ((refs = calloc(ctx->nents[list], sizeof(*refs))) == NULL) {
		yamltree_error(ctx->doc, NULL, NULL, "out of memory");
		return 0;
	}
	for (i = 0; i < ctx->nents[list]; i++)
		if (e[i].id != NULL) {
			refs[n].id = e[i].id->text;
			refs[n++].index = i;
		}
	qsort(refs, n, sizeof(*refs), registry_ref_cmp);
	for (i = 1; i < n; i++) {
		if (strcmp(refs[i].id, refs[first].id) != 0) {
			first = i;
			continue;
		}
		snprintf(path, sizeof(path), "%s[%zu].%s",
		    registry_lists[list].name, refs[i].index,
		    registry_lists[list].idkey);
		yamltree_error(ctx->doc, e[refs[i].index].id, path,
		    "duplicate %s '%s' (first at line %zu)",
		    registry_lists[list].what, refs[i].id,
		    e[refs[first].index].id->line);
	}
	ctx->refs[list] = refs;
	return n;
}

/* Reports each entry of list whose reference is not an id of target. */
static void
registry_check_refs(struct registry_ctx *ctx, enum registry_list_id list,
    enum registry_list_id target, size_t ntarget, const char *key,
    const char *what)
{
	struct registry_entry	*e = ctx->ents[list];
	char			 path[YAMLTREE_PATH_MAX];
	size_t			 i;

	if (ctx->bad[target])
		return;
	for (i = 0; i < ctx->nents[list]; i++) {
		if (e[i].ref == NULL || (ntarget > 0 && bsearch(e[i].ref->text,
		    ctx->refs[target], ntarget, sizeof(struct registry_ref),
		    registry_ref_find) != NULL))
			continue;
		snprintf(path, sizeof(path), "%s[%zu].%s",
		    registry_lists[list].name, i, key);
		yamltree_error(ctx->doc, e[i].ref, path, "unknown %s '%s'",
		    what, e[i].ref->text);
	}
}

/* Puts a list's array in the order of its sorted refs. */
static int
registry_permute(struct registry_ctx *ctx, enum registry_list_id list)
{
	size_t	 size = registry_lists[list].size, n = ctx->nents[list], i;
	char	*tmp, *array;

	if (n == 0)
		return 0;
	array = ctx->ents[list][0].base;
	if ((tmp = calloc(n, size)) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		memcpy(tmp + i * size, ctx->ents[list][ctx->refs[list][i].index].base,
		    size);
	memcpy(array, tmp, n * size);
	free(tmp);
	return 0;
}

/* Everything that needs the whole file: duplicates, references, order. */
static void
registry_finish(struct registry_ctx *ctx)
{
	size_t	nsorted[REGISTRY_NLISTS], i;
	int	list;

	for (list = 0; list < REGISTRY_NLISTS; list++)
		nsorted[list] = registry_sort_ids(ctx, list);
	registry_check_refs(ctx, REGISTRY_UNITS, REGISTRY_SITES,
	    nsorted[REGISTRY_SITES], "site", "site");
	registry_check_refs(ctx, REGISTRY_SITES, REGISTRY_PLANS,
	    nsorted[REGISTRY_PLANS], "plan", "plan");
	/* A site's night_plan is a second reference to a plan. */
	for (i = 0; i < ctx->nents[REGISTRY_SITES]; i++)
		ctx->ents[REGISTRY_SITES][i].ref =
		    ctx->ents[REGISTRY_SITES][i].night_ref;
	registry_check_refs(ctx, REGISTRY_SITES, REGISTRY_PLANS,
	    nsorted[REGISTRY_PLANS], "night_plan", "plan");
	if (ctx->doc->errors > 0)
		return;
	for (list = 0; list < REGISTRY_NLISTS; list++)
		if (registry_permute(ctx, list) == -1) {
			yamltree_error(ctx->doc, NULL, NULL, "out of memory");
			return;
		}
	registry_dc09_finish(ctx->doc, ctx->reg);
	registry_print_check(ctx->doc, ctx->reg);
}

int
registry_parse(const char *name, const char *buf, size_t len,
    struct registry **out, struct diag *d)
{
	struct yamltree_doc	 doc;
	struct registry_ctx	 ctx;
	int			 i, rc = -1;

	*out = NULL;
	memset(&doc, 0, sizeof(doc));
	memset(&ctx, 0, sizeof(ctx));
	if ((ctx.reg = calloc(1, sizeof(*ctx.reg))) == NULL ||
	    (ctx.reg->path = strdup(name)) == NULL) {
		diag_add(d, name, 0, 0, "out of memory");
		goto done;
	}
	for (i = 0; i < EVTYPE_COUNT; i++)
		ctx.reg->priorities[i] = evtype_default_priority(i);
	if (yamltree_parse(name, buf, len, &doc, d) == -1)
		goto done;
	ctx.doc = &doc;
	if (doc.root == NULL)
		yamltree_error(&doc, NULL, NULL, "empty file, expected a mapping");
	else if (yamltree_fields(&doc, doc.root, "", registry_top,
	    registry_top_field, &ctx) == 0)
		registry_finish(&ctx);
	if (doc.errors == 0) {
		*out = ctx.reg;
		ctx.reg = NULL;
		rc = 0;
	}
done:
	for (i = 0; i < REGISTRY_NLISTS; i++) {
		free(ctx.ents[i]);
		free(ctx.refs[i]);
	}
	yamltree_flush(&doc);
	yamltree_free(&doc);
	registry_free(ctx.reg);
	return rc;
}

void
registry_free(struct registry *r)
{
	size_t	i, j;

	if (r == NULL)
		return;
	registry_dc09_free(r);
	registry_print_free(r);
	for (i = 0; i < r->site_count; i++) {
		free(r->sites[i].id);
		free(r->sites[i].name);
		free(r->sites[i].plan);
		free(r->sites[i].night_plan);
	}
	for (i = 0; i < r->unit_count; i++) {
		free(r->units[i].id);
		free(r->units[i].name);
		free(r->units[i].site);
		free(r->units[i].audio_uri);
		free(r->units[i].address);
	}
	for (i = 0; i < r->plan_count; i++) {
		free(r->plans[i].id);
		for (j = 0; j < r->plans[i].step_count; j++)
			free(r->plans[i].steps[j]);
		free(r->plans[i].steps);
		registry_plan_free_contacts(&r->plans[i]);
	}
	for (i = 0; i < r->operator_count; i++) {
		free(r->operators[i].user);
		free(r->operators[i].password_hash);
	}
	free(r->sites);
	free(r->units);
	free(r->plans);
	free(r->operators);
	registry_outcomes_free(r);
	free(r->path);
	free(r);
}

/* Every entry struct starts with its id, so one comparison does for all. */
static int
registry_id_cmp(const void *key, const void *elem)
{
	return strcmp(key, *(char *const *)elem);
}

const struct registry_unit *
registry_unit_find(const struct registry *r, const char *id)
{
	if (r->unit_count == 0)
		return NULL;
	return bsearch(id, r->units, r->unit_count, sizeof(*r->units),
	    registry_id_cmp);
}

const struct registry_site *
registry_site_find(const struct registry *r, const char *id)
{
	if (r->site_count == 0)
		return NULL;
	return bsearch(id, r->sites, r->site_count, sizeof(*r->sites),
	    registry_id_cmp);
}

const struct registry_plan *
registry_plan_find(const struct registry *r, const char *id)
{
	if (r->plan_count == 0)
		return NULL;
	return bsearch(id, r->plans, r->plan_count, sizeof(*r->plans),
	    registry_id_cmp);
}

const struct registry_operator *
registry_operator_find(const struct registry *r, const char *user)
{
	if (r->operator_count == 0)
		return NULL;
	return bsearch(user, r->operators, r->operator_count,
	    sizeof(*r->operators), registry_id_cmp);
}

const char *
registry_role_name(enum registry_role role)
{
	return role == REGISTRY_ROLE_SUPERVISOR ? "supervisor" : "operator";
}
