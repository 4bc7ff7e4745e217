/*
 * enroll --dc09: a DC-09 account with a fresh AES key for a unit, added to
 * units.yaml as text (comments and layout stay): a dc09: block at the end
 * of an existing unit's block-style entry, or a new unit with no
 * certificate. The edited file is loaded before it replaces units.yaml.
 * Prints what the installer types into the panel.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "refuge/config.h"
#include "refuge/confload.h"
#include "refuge/dc09.h"
#include "refuge/diag.h"
#include "refuge/registry.h"

#include "ctl.h"

#define CTL_DC09_SUPERVISION	"90s"

/* One line: [start, end) and where the next begins. */
static const char *
ctl_dc09_line(const char *p, const char **end, size_t *indent)
{
	const char	*nl = strchr(p, '\n');

	*end = nl != NULL ? nl : p + strlen(p);
	*indent = strspn(p, " ");
	return nl != NULL ? nl + 1 : *end;
}

/* Does [p, end) after indent read "- id: ID" or "id: ID" (quoted or not)? */
static int
ctl_dc09_is_id_line(const char *p, const char *end, const char *id)
{
	size_t	n = strlen(id);

	if (end - p >= 2 && p[0] == '-' && p[1] == ' ')
		p += 2 + strspn(p + 2, " ");
	if (end - p < 4 || strncmp(p, "id:", 3) != 0)
		return 0;
	p += 3 + strspn(p + 3, " ");
	if (p < end && (*p == '"' || *p == '\'')) {
		if ((size_t)(end - p) < n + 2 || strncmp(p + 1, id, n) != 0 ||
		    p[n + 1] != p[0])
			return 0;
		p += n + 2;
	} else {
		if ((size_t)(end - p) < n || strncmp(p, id, n) != 0)
			return 0;
		p += n;
	}
	p += strspn(p, " ");
	return p == end || *p == '#' || *p == '\r';
}

/*
 * text with "dc09:" lines appended to unit id's block entry; NULL with err
 * when the entry is not found in block style (a flow entry is left alone).
 */
static char *
ctl_dc09_insert(const char *text, const char *id, const char *block_fmt,
    const char *account, const char *key_hex, char *err, size_t errlen)
{
	const char	*p, *end, *next, *item = NULL, *insert = NULL;
	size_t		 indent, item_indent = 0, field_indent = 0, n;
	char		*out;
	int		 in_units = 0;

	for (p = text; *p != '\0'; p = next) {
		next = ctl_dc09_line(p, &end, &indent);
		if (p + indent == end || p[indent] == '#')
			continue;
		/* Only the top-level units: list: a site may share the id. */
		if (indent == 0 && p[0] != '-')
			in_units = strncmp(p, "units:", 6) == 0;
		if (item == NULL) {
			if (!in_units)
				continue;
			if (ctl_dc09_is_id_line(p + indent, end, id)) {
				item = p;
				item_indent = p[indent] == '-' ? indent : indent - 2;
				field_indent = item_indent + 2;
				insert = next;
			}
			continue;
		}
		/* The entry ends at the next item or anything less indented. */
		if (indent <= item_indent)
			break;
		if (strncmp(p + indent, "dc09:", 5) == 0) {
			snprintf(err, errlen, "%s has a dc09: block already", id);
			return NULL;
		}
		insert = next;
	}
	if (item == NULL) {
		snprintf(err, errlen, "no block-style entry with id: %s", id);
		return NULL;
	}
	n = (size_t)(insert - text);
	if ((out = malloc(strlen(text) + 512)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	memcpy(out, text, n);
	if (n > 0 && out[n - 1] != '\n')
		out[n++] = '\n';
	n += (size_t)snprintf(out + n, 512, block_fmt, (int)field_indent, "",
	    (int)field_indent + 2, "", account, (int)field_indent + 2, "",
	    key_hex, (int)field_indent + 2, "");
	memcpy(out + n, insert, strlen(insert) + 1);
	return out;
}

/* The edited file must load with the account on the unit. */
static int
ctl_dc09_validate(const char *tmp, const char *id, const char *account)
{
	const struct registry_unit	*u;
	struct registry			*r = NULL;
	struct diag			 d;
	size_t				 i;
	int				 rc = -1;

	diag_init(&d);
	if (confload_registry(tmp, &r, &d) == -1) {
		for (i = 0; i < d.count; i++)
			fprintf(stderr, "%s\n", d.messages[i]);
	} else if ((u = registry_dc09_find(r, account)) != NULL &&
	    strcmp(u->id, id) == 0)
		rc = 0;
	diag_clear(&d);
	registry_free(r);
	return rc;
}

static void
ctl_dc09_print(const struct refuge_config *config, const char *id,
    const char *account, const char *key_hex, int bits, int is_new)
{
	printf("%s %s: DC-09 account %s\n", is_new ? "enrolled new unit" :
	    "added to", id, account);
	printf("Type into the panel or communicator:\n");
	if (config->listen_dc09 != NULL)
		printf("  receiver     %s (give the address panels reach, if "
		    "this listens on all)\n", config->listen_dc09);
	else
		printf("  receiver     none yet: set listen.dc09 in %s\n",
		    config->path);
	printf("  transport    TCP or UDP, same port\n"
	    "  protocol     SIA DC-09, SIA-DCS or ADM-CID (Contact ID)\n"
	    "  account      %s\n"
	    "  encryption   AES-%d\n"
	    "  key          %s\n"
	    "  supervision  %s (poll at least this often)\n"
	    "reload refuged (SIGHUP) for it to accept the account\n",
	    account, bits, key_hex, CTL_DC09_SUPERVISION);
}

static int
ctl_enroll_dc09(struct ctl *ctl, struct ctl_unit_entry *u, int is_new,
    const char *account_opt, const char *aes_opt)
{
	static const char	 fmt[] = "%*sdc09:\n%*saccount: \"%s\"\n"
				    "%*skey_hex: \"%s\"\n%*ssupervision: "
				    CTL_DC09_SUPERVISION "\n";
	struct refuge_config	*config = NULL;
	struct registry		*registry = NULL;
	struct stat		 st;
	unsigned char		 key[32];
	char			 key_hex[65], account[17], err[512];
	char			*path = NULL, *text = NULL, *added = NULL;
	char			*edited = NULL, *tmp = NULL;
	int			 bits = 256, rc = CTL_FAIL;
	size_t			 i;

	if (!dc09_account_valid(account_opt))
		return ctl_usage_error("enroll", "--dc09 wants an account of 3-16 "
		    "hex digits, not '%s'", account_opt);
	if (aes_opt != NULL && (strcmp(aes_opt, "128") == 0 ||
	    strcmp(aes_opt, "192") == 0 || strcmp(aes_opt, "256") == 0))
		bits = atoi(aes_opt);
	else if (aes_opt != NULL)
		return ctl_usage_error("enroll", "--aes wants 128, 192 or 256");
	for (i = 0; account_opt[i] != '\0'; i++)
		account[i] = (char)(account_opt[i] >= 'a' && account_opt[i] <= 'f' ?
		    account_opt[i] - 'a' + 'A' : account_opt[i]);
	account[i] = '\0';
	if (RAND_bytes(key, bits / 8) != 1) {
		ctl_warnx("no random bytes for the key");
		return CTL_FAIL;
	}
	for (i = 0; i < (size_t)bits / 8; i++)
		snprintf(key_hex + 2 * i, 3, "%02X", key[i]);
	if ((config = ctl_config(ctl)) == NULL ||
	    (registry = ctl_registry(config)) == NULL)
		goto done;
	if (registry_dc09_find(registry, account) != NULL) {
		ctl_warnx("account %s is taken (unit %s)", account,
		    registry_dc09_find(registry, account)->id);
		goto done;
	}
	if ((path = realpath(config->registry, NULL)) == NULL ||
	    (text = ctl_read_file(path, err, sizeof(err))) == NULL ||
	    stat(path, &st) == -1) {
		ctl_warnx("%s: %s", config->registry, path == NULL || text != NULL ?
		    strerror(errno) : err);
		goto done;
	}
	if (is_new && (added = ctl_yaml_add_unit(text, u, err, sizeof(err))) ==
	    NULL) {
		ctl_warnx("%s not changed: %s", config->registry, err);
		goto done;
	}
	if ((edited = ctl_dc09_insert(added != NULL ? added : text, u->id, fmt,
	    account, key_hex, err, sizeof(err))) == NULL) {
		ctl_warnx("%s not changed: %s; add this to %s's entry by hand:",
		    config->registry, err, u->id);
		printf(fmt, 4, "", 6, "", account, 6, "", key_hex, 6, "");
		goto done;
	}
	if ((tmp = ctl_write_temp(path, edited, (int)(st.st_mode & 07777),
	    st.st_uid, st.st_gid, err, sizeof(err))) == NULL) {
		ctl_warnx("%s", err);
		goto done;
	}
	if (ctl_dc09_validate(tmp, u->id, account) == -1) {
		ctl_warnx("%s would not load with the account added; not changed",
		    config->registry);
		goto done;
	}
	if (rename(tmp, path) == -1) {
		ctl_warnx("replacing %s: %s", path, strerror(errno));
		goto done;
	}
	free(tmp);
	tmp = NULL;
	if (ctl_sync_dir(path) == -1)
		ctl_warnx("syncing the directory of %s: %s", path,
		    strerror(errno));
	ctl_dc09_print(config, u->id, account, key_hex, bits, is_new);
	rc = CTL_OK;
done:
	if (tmp != NULL) {
		unlink(tmp);
		free(tmp);
	}
	OPENSSL_cleanse(key, sizeof(key));
	free(edited);
	free(added);
	free(text);
	free(path);
	registry_free(registry);
	config_free(config);
	return rc;
}

int
ctl_cmd_enroll_any(struct ctl *ctl, int argc, char *argv[])
{
	int	i;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--dc09") == 0 || strcmp(argv[i], "--aes") == 0 ||
		    strncmp(argv[i], "--dc09=", 7) == 0 ||
		    strncmp(argv[i], "--aes=", 6) == 0)
			return ctl_cmd_enroll_dc09(ctl, argc, argv);
	return ctl_cmd_enroll(ctl, argc, argv);
}

/* Where a new unit stands: --lat/--lon, or the average of its site's units. */
static int
ctl_dc09_position(const struct registry *r, struct ctl_unit_entry *u,
    const char *lat, const char *lon)
{
	char	*end;
	size_t	 i, n = 0;

	if (lat != NULL || lon != NULL) {
		if (lat == NULL || lon == NULL)
			return -1;
		u->lat = strtod(lat, &end);
		if (*end != '\0' || !(u->lat >= -90 && u->lat <= 90))
			return -1;
		u->lon = strtod(lon, &end);
		return *end != '\0' || !(u->lon >= -180 && u->lon <= 180) ? -1 : 0;
	}
	u->lat = u->lon = 0;
	for (i = 0; i < r->unit_count; i++)
		if (strcmp(r->units[i].site, u->site) == 0) {
			u->lat += r->units[i].lat;
			u->lon += r->units[i].lon;
			n++;
		}
	if (n == 0)
		return -1;
	u->lat /= (double)n;
	u->lon /= (double)n;
	return 0;
}

int
ctl_cmd_enroll_dc09(struct ctl *ctl, int argc, char *argv[])
{
	struct refuge_config	*config = NULL;
	struct registry		*registry = NULL;
	struct ctl_unit_entry	 u;
	const char		*pos[1], *site = NULL, *name = NULL, *lat = NULL;
	const char		*lon = NULL, *dc09 = NULL, *aes = NULL;
	const struct ctl_opt	 opts[] = {
		{ "site", 1, &site }, { "name", 1, &name }, { "lat", 1, &lat },
		{ "lon", 1, &lon }, { "dc09", 1, &dc09 }, { "aes", 1, &aes },
		{ NULL, 0, NULL }
	};
	int			 npos, rc = CTL_FAIL;

	if (ctl_args("enroll", argc, argv, opts, pos, 1, &npos) == -1)
		return CTL_USAGE;
	if (npos != 1)
		return ctl_usage_error("enroll", "which unit? give its id");
	if (dc09 == NULL)
		return ctl_usage_error("enroll", "--aes goes with --dc09");
	memset(&u, 0, sizeof(u));
	u.id = pos[0];
	if (!ctl_valid_unit_id(u.id))
		return ctl_usage_error("enroll", "bad unit id '%s'", u.id);
	if (name != NULL && (name[0] == '\0' || strpbrk(name, "\r\n\t") != NULL))
		return ctl_usage_error("enroll", "--name wants one line of text");
	if ((config = ctl_config(ctl)) == NULL ||
	    (registry = ctl_registry(config)) == NULL)
		goto done;
	if (registry_unit_find(registry, u.id) != NULL) {
		rc = ctl_enroll_dc09(ctl, &u, 0, dc09, aes);
		goto done;
	}
	if (site == NULL && registry->site_count == 1)
		site = registry->sites[0].id;
	if (site == NULL || registry_site_find(registry, site) == NULL) {
		rc = ctl_usage_error("enroll", "say which site with --site (one "
		    "of %s)", config->registry);
		goto done;
	}
	u.site = site;
	u.name = name != NULL ? name : u.id;
	if (ctl_dc09_position(registry, &u, lat, lon) == -1) {
		rc = ctl_usage_error("enroll", "give --lat (-90 to 90) and --lon "
		    "(-180 to 180): the site has no units to take them from");
		goto done;
	}
	rc = ctl_enroll_dc09(ctl, &u, 1, dc09, aes);
done:
	registry_free(registry);
	config_free(config);
	return rc;
}
