/*
 * A unit taken out of service and brought back: revoke marks it
 * decommissioned: true in units.yaml (no supervision, no alarms, listed as
 * such), and enrolling it again gives it a new key and certificate and
 * clears the mark. units.yaml is edited as text where its parse says the
 * unit's entry is, so comments and layout stay; the edit must load.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "refuge/confload.h"
#include "refuge/diag.h"
#include "refuge/registry.h"
#include "refuge/yamltree.h"

#include "ctl.h"

/* The unit's entry in units: and the one after it (NULL: the last). */
static const struct yamltree_node *
ctl_dc_find(const struct yamltree_node *root, const char *id,
    const struct yamltree_node **list, const struct yamltree_node **next)
{
	const struct yamltree_node	*u, *v;
	size_t				 i;

	*list = *next = NULL;
	if (root == NULL || root->kind != YAMLTREE_MAPPING ||
	    (u = yamltree_get(root, "units")) == NULL ||
	    u->kind != YAMLTREE_SEQUENCE)
		return NULL;
	*list = u;
	for (i = 0; i < u->count; i++) {
		if ((v = yamltree_get(u->items[i], "id")) == NULL ||
		    v->kind != YAMLTREE_SCALAR || strcmp(v->text, id) != 0)
			continue;
		*next = i + 1 < u->count ? u->items[i + 1] : NULL;
		return u->items[i];
	}
	return NULL;
}

/* text with the unit's decommissioned: set to on (malloc'd), or NULL with err. */
static char *
ctl_dc_edit(const char *text, const struct yamltree_node *root,
    const char *id, int on, char *err, size_t errlen)
{
	const struct yamltree_node	*list, *next, *item, *key, *flag;
	char				 line[128];
	size_t				 at, end, indent;

	if ((item = ctl_dc_find(root, id, &list, &next)) == NULL) {
		snprintf(err, errlen, "no unit %s in the units: list", id);
		return NULL;
	}
	if (item->kind != YAMLTREE_MAPPING || item->count == 0 ||
	    text[ctl_yaml_line_offset(text, item->line) + item->column - 1] ==
	    '{') {
		snprintf(err, errlen, "the entry of %s is not a block mapping "
		    "this tool can edit; set decommissioned: %s by hand", id,
		    on ? "true" : "false");
		return NULL;
	}
	if ((flag = yamltree_get(item, "decommissioned")) != NULL) {
		at = ctl_yaml_line_offset(text, flag->line);
		end = ctl_yaml_line_offset(text, flag->line + 1);
		/* Cleared: the line goes, as it was before revoke wrote it. */
		if (!on && strspn(text + at, " ") + 1 == (size_t)
		    (strstr(text + at, "decommissioned:") - (text + at)) + 1)
			return ctl_yaml_splice(text, at, end, "");
		at += flag->column - 1;
		end = ctl_yaml_scalar_end(text, at);
		return ctl_yaml_splice(text, at, end, on ? "true" : "false");
	}
	if (!on)
		return ctl_yaml_splice(text, 0, 0, "");
	key = item->keys[0];
	indent = key->column - 1;
	/* After the entry's last line: the next entry's, or the block's end. */
	end = next != NULL ? ctl_yaml_line_offset(text, next->line) :
	    ctl_yaml_block_end(text, list);
	while (end >= 2 && text[end - 1] == '\n' && text[end - 2] == '\n')
		end--;
	snprintf(line, sizeof(line), "%s%*sdecommissioned: true\n",
	    end > 0 && text[end - 1] != '\n' ? "\n" : "", (int)indent, "");
	return ctl_yaml_splice(text, end, end, line);
}

int
ctl_decommission_mark(const char *registry, const char *id, int on,
    char *err, size_t errlen)
{
	struct yamltree_doc	 doc;
	struct registry		*r = NULL;
	const struct registry_unit *u;
	struct diag		 d;
	struct stat		 st;
	char			*text = NULL, *edited = NULL, *tmp = NULL;
	int			 rc = -1;

	memset(&doc, 0, sizeof(doc));
	diag_init(&d);
	if ((text = ctl_read_file(registry, err, errlen)) == NULL)
		goto done;
	if (stat(registry, &st) == -1 ||
	    yamltree_parse(registry, text, strlen(text), &doc, &d) == -1) {
		snprintf(err, errlen, "%s: cannot read it as YAML", registry);
		goto done;
	}
	if ((edited = ctl_dc_edit(text, doc.root, id, on, err, errlen)) ==
	    NULL)
		goto done;
	if ((tmp = ctl_write_temp(registry, edited, (int)(st.st_mode & 07777),
	    st.st_uid, st.st_gid, err, errlen)) == NULL)
		goto done;
	diag_clear(&d);
	diag_init(&d);
	if (confload_registry(tmp, &r, &d) == -1 ||
	    (u = registry_unit_find(r, id)) == NULL ||
	    u->decommissioned != on) {
		snprintf(err, errlen, "%s would not load with the change",
		    registry);
		unlink(tmp);
		goto done;
	}
	if (rename(tmp, registry) == -1) {
		snprintf(err, errlen, "replacing %s: %s", registry,
		    strerror(errno));
		unlink(tmp);
		goto done;
	}
	(void)ctl_sync_dir(registry);
	rc = 0;
done:
	yamltree_flush(&doc);
	yamltree_free(&doc);
	diag_clear(&d);
	registry_free(r);
	free(text);
	free(edited);
	free(tmp);
	return rc;
}

/*
 * enroll of a decommissioned unit: its old key and certificate are kept
 * aside as ID.key.revoked-<time> and ID.crt.revoked-<time>, a new pair is
 * issued, and the mark is cleared.
 */
int
ctl_reenroll(const struct refuge_config *config, const char *id)
{
	struct ctl_ca	*ca = NULL;
	char		*key = NULL, *crt = NULL, *ca_key = NULL;
	char		 old_key[4200], old_crt[4200], err[1024];
	long		 now = (long)time(NULL);
	int		 rc = CTL_FAIL;

	if ((key = ctl_unit_file(config->registry, id, "key")) == NULL ||
	    (crt = ctl_unit_file(config->registry, id, "crt")) == NULL ||
	    (ca_key = ctl_ca_key_path(config->tls_unit_ca)) == NULL) {
		ctl_warnx("out of memory");
		goto done;
	}
	if ((ca = ctl_ca_load(config->tls_unit_ca, ca_key, err,
	    sizeof(err))) == NULL) {
		ctl_warnx("%s", err);
		goto done;
	}
	snprintf(old_key, sizeof(old_key), "%s.revoked-%ld", key, now);
	snprintf(old_crt, sizeof(old_crt), "%s.revoked-%ld", crt, now);
	if ((access(key, F_OK) == 0 && rename(key, old_key) == -1) ||
	    (access(crt, F_OK) == 0 && rename(crt, old_crt) == -1)) {
		ctl_warnx("moving the old key and certificate aside: %s",
		    strerror(errno));
		goto done;
	}
	if (ctl_ca_issue(ca, CTL_CERT_UNIT, id, NULL, NULL, key, crt, err,
	    sizeof(err)) == -1 ||
	    ctl_decommission_mark(config->registry, id, 0, err,
	    sizeof(err)) == -1) {
		ctl_warnx("%s", err);
		goto done;
	}
	printf("enrolled %s again with a new key and certificate\n"
	    "  key          %s\n"
	    "  certificate  %s\n"
	    "  the old ones %s, %s (revoked)\n"
	    "reload refuged (SIGHUP) for it to accept %s\n", id, key, crt,
	    old_key, old_crt, id);
	rc = CTL_OK;
done:
	ctl_ca_free(ca);
	free(key);
	free(crt);
	free(ca_key);
	return rc;
}
