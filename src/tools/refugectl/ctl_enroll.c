/*
 * enroll: a key and certificate from the unit CA, and the unit's stanza
 * appended to units.yaml. The new registry is written to a temporary file
 * and loaded before anything is issued; it replaces units.yaml last.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "refuge/config.h"
#include "refuge/confload.h"
#include "refuge/diag.h"
#include "refuge/registry.h"

#include "ctl.h"

static int
ctl_enroll_parse_coord(const char *text, double limit, double *out)
{
	char	*end;
	double	 v;

	errno = 0;
	v = strtod(text, &end);
	if (text[0] == '\0' || *end != '\0' || errno != 0 || !(v >= -limit) ||
	    !(v <= limit))
		return -1;
	*out = v;
	return 0;
}

/* Where the site's units stand on average; -1 when it has none. */
static int
ctl_enroll_site_centre(const struct registry *r, const char *site, double *lat,
    double *lon)
{
	size_t	i, n = 0;

	*lat = *lon = 0;
	for (i = 0; i < r->unit_count; i++) {
		if (strcmp(r->units[i].site, site) != 0)
			continue;
		*lat += r->units[i].lat;
		*lon += r->units[i].lon;
		n++;
	}
	if (n == 0)
		return -1;
	*lat /= (double)n;
	*lon /= (double)n;
	return 0;
}

/* The edited registry must load and hold every old unit plus the new one. */
static int
ctl_enroll_validate(const char *tmp, const struct registry *old,
    const struct ctl_unit_entry *u)
{
	const struct registry_unit	*found;
	struct registry			*r = NULL;
	struct diag			 d;
	size_t				 i;
	int				 rc = -1;

	diag_init(&d);
	if (confload_registry(tmp, &r, &d) == -1) {
		for (i = 0; i < d.count; i++)
			fprintf(stderr, "%s\n", d.messages[i]);
		goto done;
	}
	if (r->unit_count != old->unit_count + 1 ||
	    (found = registry_unit_find(r, u->id)) == NULL ||
	    strcmp(found->site, u->site) != 0)
		goto done;
	for (i = 0; i < old->unit_count; i++)
		if (registry_unit_find(r, old->units[i].id) == NULL)
			goto done;
	rc = 0;
done:
	diag_clear(&d);
	registry_free(r);
	return rc;
}

int
ctl_cmd_enroll(struct ctl *ctl, int argc, char *argv[])
{
	struct refuge_config		*config = NULL;
	struct registry			*registry = NULL;
	struct ctl_ca			*ca = NULL;
	const struct registry_site	*site;
	struct ctl_unit_entry		 u;
	struct stat			 st;
	char				*registry_path = NULL;
	const char			*pos[1], *site_opt = NULL, *name_opt = NULL;
	const char			*lat_opt = NULL, *lon_opt = NULL;
	const struct ctl_opt		 opts[] = {
		{ "site", 1, &site_opt },
		{ "name", 1, &name_opt },
		{ "lat", 1, &lat_opt },
		{ "lon", 1, &lon_opt },
		{ NULL, 0, NULL }
	};
	char				*key = NULL, *crt = NULL, *ca_key = NULL;
	char				*text = NULL, *edited = NULL, *tmp = NULL;
	char				*stanza = NULL, *dir = NULL, *slash;
	char				 err[1024];
	int				 npos, rc = CTL_FAIL;
	size_t				 i;

	if (ctl_args("enroll", argc, argv, opts, pos, 1, &npos) == -1)
		return CTL_USAGE;
	if (npos != 1)
		return ctl_usage_error("enroll", "which unit? give its id");
	memset(&u, 0, sizeof(u));
	u.id = pos[0];
	if (!ctl_valid_unit_id(u.id))
		return ctl_usage_error("enroll", "bad unit id '%s' (1-64 of "
		    "A-Z a-z 0-9 . _ : -, not starting with '.')", u.id);
	if ((lat_opt == NULL) != (lon_opt == NULL))
		return ctl_usage_error("enroll", "give --lat and --lon together");
	if (lat_opt != NULL && ctl_enroll_parse_coord(lat_opt, 90, &u.lat) == -1)
		return ctl_usage_error("enroll", "--lat wants degrees from -90 "
		    "to 90, not '%s'", lat_opt);
	if (lon_opt != NULL && ctl_enroll_parse_coord(lon_opt, 180, &u.lon) == -1)
		return ctl_usage_error("enroll", "--lon wants degrees from -180 "
		    "to 180, not '%s'", lon_opt);
	if (name_opt != NULL && (name_opt[0] == '\0' ||
	    strpbrk(name_opt, "\r\n\t") != NULL))
		return ctl_usage_error("enroll", "--name wants one line of text");
	if ((config = ctl_config(ctl)) == NULL ||
	    (registry = ctl_registry(config)) == NULL)
		goto done;
	if (registry_unit_find(registry, u.id) != NULL) {
		ctl_warnx("%s is already in %s; refusing to enroll it again",
		    u.id, config->registry);
		goto done;
	}
	if (site_opt != NULL) {
		if ((site = registry_site_find(registry, site_opt)) == NULL) {
			ctl_warnx("no site '%s' in %s", site_opt,
			    config->registry);
			goto done;
		}
	} else if (registry->site_count == 1)
		site = &registry->sites[0];
	else {
		fprintf(stderr, "refugectl enroll: %s has %zu sites; say which "
		    "with --site:", config->registry, registry->site_count);
		for (i = 0; i < registry->site_count; i++)
			fprintf(stderr, " %s", registry->sites[i].id);
		fprintf(stderr, "\n");
		rc = CTL_USAGE;
		goto done;
	}
	u.site = site->id;
	u.name = name_opt != NULL ? name_opt : u.id;
	if (lat_opt == NULL && ctl_enroll_site_centre(registry, u.site, &u.lat,
	    &u.lon) == -1) {
		rc = ctl_usage_error("enroll", "site %s has no units to take a "
		    "position from: give --lat and --lon", u.site);
		goto done;
	}
	if ((key = ctl_unit_file(config->registry, u.id, "key")) == NULL ||
	    (crt = ctl_unit_file(config->registry, u.id, "crt")) == NULL ||
	    (ca_key = ctl_ca_key_path(config->tls_unit_ca)) == NULL ||
	    (dir = strdup(key)) == NULL)
		goto nomem;
	if (access(crt, F_OK) == 0 || access(key, F_OK) == 0) {
		ctl_warnx("%s or %s exists already; move it away first",
		    crt, key);
		goto done;
	}
	if ((slash = strrchr(dir, '/')) != NULL) {
		*slash = '\0';
		if (mkdir(dir, 0755) == -1 && errno != EEXIST) {
			ctl_warnx("%s: %s", dir, strerror(errno));
			goto done;
		}
	}
	if ((ca = ctl_ca_load(config->tls_unit_ca, ca_key, err,
	    sizeof(err))) == NULL) {
		ctl_warnx("%s", err);
		goto done;
	}
	/* Through a symlink to the file itself, which is what gets replaced. */
	if ((registry_path = realpath(config->registry, NULL)) == NULL) {
		ctl_warnx("%s: %s", config->registry, strerror(errno));
		goto done;
	}
	if ((text = ctl_read_file(registry_path, err, sizeof(err))) == NULL ||
	    stat(registry_path, &st) == -1) {
		ctl_warnx("%s", text == NULL ? err : strerror(errno));
		goto done;
	}
	if ((edited = ctl_yaml_add_unit(text, &u, err, sizeof(err))) == NULL) {
		/* Issue anyway, and let the admin place the stanza. */
		if (ctl_ca_issue(ca, CTL_CERT_UNIT, u.id, NULL, NULL, key, crt,
		    err, sizeof(err)) == -1) {
			ctl_warnx("%s", err);
			goto done;
		}
		if ((stanza = ctl_yaml_unit_stanza(&u, 2)) == NULL)
			goto nomem;
		ctl_warnx("%s not changed: %s", config->registry, err);
		fprintf(stderr, "issued %s and %s; add this to the units: list "
		    "of %s by hand:\n", key, crt, config->registry);
		printf("%s", stanza);
		goto done;
	}
	if ((tmp = ctl_write_temp(registry_path, edited,
	    (int)(st.st_mode & 07777), st.st_uid, st.st_gid, err,
	    sizeof(err))) == NULL) {
		ctl_warnx("%s", err);
		goto done;
	}
	if (ctl_enroll_validate(tmp, registry, &u) == -1) {
		ctl_warnx("%s would not load with %s added; not changed",
		    config->registry, u.id);
		goto done;
	}
	if (ctl_ca_issue(ca, CTL_CERT_UNIT, u.id, NULL, NULL, key, crt, err,
	    sizeof(err)) == -1) {
		ctl_warnx("%s", err);
		goto done;
	}
	if (rename(tmp, registry_path) == -1) {
		ctl_warnx("replacing %s: %s", registry_path, strerror(errno));
		unlink(key);
		unlink(crt);
		goto done;
	}
	if (ctl_sync_dir(registry_path) == -1)
		ctl_warnx("syncing the directory of %s: %s", registry_path,
		    strerror(errno));
	free(tmp);
	tmp = NULL;
	printf("enrolled %s at site %s (%.6f, %.6f)\n"
	    "  key          %s\n"
	    "  certificate  %s\n"
	    "  registry     %s\n"
	    "reload refuged (SIGHUP) for it to accept %s\n", u.id, u.site,
	    u.lat, u.lon, key, crt, config->registry, u.id);
	rc = CTL_OK;
	goto done;
nomem:
	ctl_warnx("out of memory");
done:
	if (tmp != NULL) {
		unlink(tmp);
		free(tmp);
	}
	free(stanza);
	free(edited);
	free(text);
	free(registry_path);
	free(dir);
	free(ca_key);
	free(crt);
	free(key);
	ctl_ca_free(ca);
	registry_free(registry);
	config_free(config);
	return rc;
}
