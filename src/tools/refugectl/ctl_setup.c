/* init: a complete working set-up. */
#include <crypt.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "refuge/config.h"
#include "refuge/diag.h"
#include "refuge/registry.h"
#include "refuge/tlsctx.h"

#include "ctl.h"
#include "../pwprompt.h"

#define CTL_INIT_MAX_UNITS	999
#define CTL_PASSWORD_LEN	17	/* 16 characters and NUL */
#define CTL_PASSWORD_MAX	1024

/* Files init made so far, removed again if it fails half-way. */
struct ctl_made {
	char	*paths[CTL_INIT_MAX_UNITS * 2 + 16];
	size_t	 count;
};

int
ctl_random_password(char *buf, size_t len)
{
	static const char	 alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZ"
	    "abcdefghijkmnopqrstuvwxyz23456789";
	unsigned char		 byte;
	size_t			 i = 0, n = sizeof(alphabet) - 1;

	while (i + 1 < len) {
		if (RAND_bytes(&byte, 1) != 1)
			return -1;
		/* Rejection sampling keeps every character equally likely. */
		if (byte >= 256 - 256 % n)
			continue;
		buf[i++] = alphabet[byte % n];
	}
	buf[i] = '\0';
	return 0;
}

int
ctl_hash_password(const char *password, char *out, size_t outlen)
{
	struct crypt_data	*data;
	char			 salt[CRYPT_GENSALT_OUTPUT_SIZE];
	const char		*hash;
	int			 rc = -1;

	if (crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof(salt)) == NULL)
		return -1;
	if ((data = calloc(1, sizeof(*data))) == NULL)
		return -1;
	hash = crypt_r(password, salt, data);
	if (hash != NULL && hash[0] == '$' && strlen(hash) < outlen) {
		memcpy(out, hash, strlen(hash) + 1);
		rc = 0;
	}
	OPENSSL_cleanse(data, sizeof(*data));
	free(data);
	return rc;
}

static char *
ctl_setup_made_path(struct ctl_made *made, const char *dir, const char *name)
{
	char	*path;

	if (asprintf(&path, "%s/%s", dir, name) == -1)
		return NULL;
	if (made->count < sizeof(made->paths) / sizeof(made->paths[0]))
		made->paths[made->count++] = path;
	return path;
}

static void
ctl_setup_made_undo(struct ctl_made *made, int remove)
{
	while (made->count > 0) {
		made->count--;
		if (remove)
			unlink(made->paths[made->count]);
		free(made->paths[made->count]);
	}
}

static int
ctl_setup_write_text(const char *path, const char *text, int mode)
{
	char	 err[1024];
	char	*tmp;

	if ((tmp = ctl_write_temp(path, text, mode, (uid_t)-1, (gid_t)-1, err,
	    sizeof(err))) == NULL) {
		ctl_warnx("%s", err);
		return -1;
	}
	if (link(tmp, path) == -1) {
		ctl_warnx("%s: %s", path, errno == EEXIST ?
		    "exists already, not replaced" : strerror(errno));
		unlink(tmp);
		free(tmp);
		return -1;
	}
	unlink(tmp);
	free(tmp);
	return 0;
}

static const char *const ctl_demo_names[] = {
	"Racecourse Park, Kettering Road gate",
	"Racecourse Park, pavilion",
	"Racecourse Park, East Park Parade path",
	"Racecourse Park, children's play area",
	"Racecourse Park, bowling green",
};

static char *
ctl_setup_init_registry(int units, const char *alice_hash, const char *bob_hash)
{
	struct ctl_unit_entry	 u;
	char			 id[16], name[96], *stanza, *text = NULL, *all;
	int			 i;

	if (asprintf(&text,
	    "# units.yaml: the Help Point registry, written by refugectl init.\n"
	    "# See refuge.yaml(5). Add units with \"refugectl enroll\".\n"
	    "\n"
	    "# What the operator does for an alarm from a site.\n"
	    "plans:\n"
	    "  - id: park-emergency\n"
	    "    steps:\n"
	    "      - \"Look at the Help Point camera and speak to the caller\"\n"
	    "      - \"If anyone is hurt or in danger, call 999 and give the "
	    "Help Point's location\"\n"
	    "      - \"Send the park patrol and stay on the line until they "
	    "arrive\"\n"
	    "\n"
	    "sites:\n"
	    "  - id: racecourse\n"
	    "    name: \"Racecourse Park\"\n"
	    "    plan: park-emergency\n"
	    "\n"
	    "units:\n") == -1)
		return NULL;
	for (i = 1; i <= units; i++) {
		snprintf(id, sizeof(id), "HP-%03d", i);
		if ((size_t)i <= sizeof(ctl_demo_names) / sizeof(ctl_demo_names[0]))
			snprintf(name, sizeof(name), "%s", ctl_demo_names[i - 1]);
		else
			snprintf(name, sizeof(name), "Racecourse Park, point %d", i);
		u.id = id;
		u.name = name;
		u.site = "racecourse";
		u.lat = 52.2482 - 0.0007 * (i - 1);
		u.lon = -0.8871 + 0.0005 * (i - 1);
		if ((stanza = ctl_yaml_unit_stanza(&u, 2)) == NULL)
			goto fail;
		all = NULL;
		if (asprintf(&all, "%s%s", text, stanza) == -1)
			all = NULL;
		free(stanza);
		free(text);
		if ((text = all) == NULL)
			return NULL;
	}
	all = NULL;
	if (asprintf(&all, "%s\n"
	    "# Control-room accounts; password is a crypt(3) hash (refugectl "
	    "passwd).\n"
	    "operators:\n"
	    "  - user: alice\n"
	    "    password: '%s'\n"
	    "    role: operator\n"
	    "  - user: bob\n"
	    "    password: '%s'\n"
	    "    role: supervisor\n", text, alice_hash, bob_hash) == -1)
		all = NULL;
	free(text);
	return all;
fail:
	free(text);
	return NULL;
}

static const char ctl_init_config[] =
    "# refuge.yaml, written by refugectl init. See refuge.yaml(5).\n"
    "# Paths are relative to this file.\n"
    "listen:\n"
    "  # Loopback only: put the address Help Points reach here, such as\n"
    "  # \"0.0.0.0:7400\", to take units from the network.\n"
    "  units: \"127.0.0.1:7400\"\n"
    "  operators: \"127.0.0.1:7401\"\n"
    "tls:\n"
    "  cert: server.crt\n"
    "  key: server.key\n"
    "  # The unit CA; its key is ca.key beside it (refugectl enroll, revoke).\n"
    "  unit_ca: ca.crt\n"
    "  crl: units.crl\n"
    "  min_version: \"1.3\"\n"
    "database: refuge.db\n"
    "registry: units.yaml\n"
    "supervision:\n"
    "  heartbeat: 30s\n"
    "  missed: 3\n"
    "escalation:\n"
    "  after: 30s\n"
    "log:\n"
    "  level: info\n";

/* Loads what init wrote as refuged -t would. */
static int
ctl_setup_init_selftest(const char *config_path)
{
	struct ctl		 ctl = { .config_path = config_path };
	struct refuge_config	*config;
	struct registry		*registry;
	struct tlsctx		*tls = NULL;
	char			 err[1024];

	if ((config = ctl_config(&ctl)) == NULL)
		return -1;
	if ((registry = ctl_registry(config)) == NULL ||
	    (tls = tlsctx_new(config, err, sizeof(err))) == NULL) {
		if (registry != NULL)
			ctl_warnx("%s: %s", config_path, err);
		registry_free(registry);
		config_free(config);
		return -1;
	}
	tlsctx_free(tls);
	registry_free(registry);
	config_free(config);
	return 0;
}

int
ctl_cmd_init(struct ctl *ctl, int argc, char *argv[])
{
	static const char *const	 existing[] = { "refuge.yaml", "units.yaml",
	    "ca.crt", "ca.key", "server.crt", "server.key", "units.crl",
	    "refuge.db", NULL };
	static struct ctl_made		 made;
	struct ctl_ca			*ca = NULL;
	const char			*pos[1], *units_opt = NULL, *dir;
	const char			*dns[3] = { "localhost", NULL, NULL };
	const char *const		 ips[] = { "127.0.0.1", "::1", NULL };
	const struct ctl_opt		 opts[] = {
		{ "units", 1, &units_opt },
		{ NULL, 0, NULL }
	};
	char				 err[1024], probe[1024], host[256], id[16];
	char				 name[64];
	char				 alice_pw[CTL_PASSWORD_LEN];
	char				 bob_pw[CTL_PASSWORD_LEN];
	char				 alice_hash[CRYPT_OUTPUT_SIZE];
	char				 bob_hash[CRYPT_OUTPUT_SIZE];
	char				*path, *key, *text = NULL, *units_dir = NULL;
	long				 units = 3;
	int				 npos, i, made_dir = 0, made_units = 0;
	int				 rc = CTL_FAIL;

	(void)ctl;	/* init writes the set-up; it reads no configuration */
	if (ctl_args("init", argc, argv, opts, pos, 1, &npos) == -1)
		return CTL_USAGE;
	if (npos != 1)
		return ctl_usage_error("init", "where? give the directory");
	if (units_opt != NULL && ctl_parse_int(units_opt, 1, CTL_INIT_MAX_UNITS,
	    &units) == -1)
		return ctl_usage_error("init", "--units wants a number from 1 to "
		    "%d, not '%s'", CTL_INIT_MAX_UNITS, units_opt);
	dir = pos[0];
	for (i = 0; existing[i] != NULL; i++) {
		snprintf(err, sizeof(err), "%s/%s", dir, existing[i]);
		if (access(err, F_OK) == 0) {
			ctl_warnx("%s exists: %s already holds a set-up; refusing "
			    "to overwrite it", err, dir);
			return CTL_FAIL;
		}
	}
	/* Cleaning up after a failure removes what init made: nothing else. */
	for (i = 1; i <= units; i++) {
		snprintf(err, sizeof(err), "%s/units/HP-%03d.crt", dir, i);
		snprintf(probe, sizeof(probe), "%s/units/HP-%03d.key", dir, i);
		if (access(err, F_OK) == 0 || access(probe, F_OK) == 0) {
			ctl_warnx("%s/units already holds HP-%03d's certificate or "
			    "key; refusing to overwrite it", dir, i);
			return CTL_FAIL;
		}
	}
	if (mkdir(dir, 0755) == 0)
		made_dir = 1;
	else if (errno != EEXIST) {
		ctl_warnx("%s: %s", dir, strerror(errno));
		return CTL_FAIL;
	}
	if (asprintf(&units_dir, "%s/units", dir) == -1) {
		units_dir = NULL;
		goto fail;
	}
	if (mkdir(units_dir, 0755) == 0)
		made_units = 1;
	else if (errno != EEXIST) {
		ctl_warnx("%s: %s", units_dir, strerror(errno));
		goto fail;
	}
	if ((path = ctl_setup_made_path(&made, dir, "ca.crt")) == NULL ||
	    (key = ctl_setup_made_path(&made, dir, "ca.key")) == NULL)
		goto nomem;
	if ((ca = ctl_ca_create(path, key, "refuge unit CA", err,
	    sizeof(err))) == NULL)
		goto ssl_fail;
	if (gethostname(host, sizeof(host)) == 0 && host[0] != '\0' &&
	    strcmp(host, "localhost") != 0 && strspn(host,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-")
	    == strlen(host))
		dns[1] = host;
	if ((path = ctl_setup_made_path(&made, dir, "server.crt")) == NULL ||
	    (key = ctl_setup_made_path(&made, dir, "server.key")) == NULL)
		goto nomem;
	if (ctl_ca_issue(ca, CTL_CERT_SERVER, "localhost", dns, ips, key, path,
	    err, sizeof(err)) == -1)
		goto ssl_fail;
	for (i = 1; i <= units; i++) {
		snprintf(id, sizeof(id), "HP-%03d", i);
		snprintf(name, sizeof(name), "units/%s.crt", id);
		if ((path = ctl_setup_made_path(&made, dir, name)) == NULL)
			goto nomem;
		snprintf(name, sizeof(name), "units/%s.key", id);
		if ((key = ctl_setup_made_path(&made, dir, name)) == NULL)
			goto nomem;
		if (ctl_ca_issue(ca, CTL_CERT_UNIT, id, NULL, NULL, key, path,
		    err, sizeof(err)) == -1)
			goto ssl_fail;
	}
	if ((path = ctl_setup_made_path(&made, dir, "units.crl")) == NULL)
		goto nomem;
	if (ctl_ca_write_crl(ca, path, NULL, &i, err, sizeof(err)) == -1)
		goto ssl_fail;
	if (ctl_random_password(alice_pw, sizeof(alice_pw)) == -1 ||
	    ctl_random_password(bob_pw, sizeof(bob_pw)) == -1 ||
	    ctl_hash_password(alice_pw, alice_hash, sizeof(alice_hash)) == -1 ||
	    ctl_hash_password(bob_pw, bob_hash, sizeof(bob_hash)) == -1) {
		ctl_warnx("cannot make the operators' passwords");
		goto fail;
	}
	if ((text = ctl_setup_init_registry((int)units, alice_hash, bob_hash)) == NULL)
		goto nomem;
	if ((path = ctl_setup_made_path(&made, dir, "units.yaml")) == NULL)
		goto nomem;
	if (ctl_setup_write_text(path, text, 0600) == -1)
		goto fail;
	/* Written last: its presence marks a finished set-up. */
	if ((path = ctl_setup_made_path(&made, dir, "refuge.yaml")) == NULL)
		goto nomem;
	if (ctl_setup_write_text(path, ctl_init_config, 0644) == -1 ||
	    ctl_setup_init_selftest(path) == -1)
		goto fail;
	printf("refuge set up in %s\n"
	    "  configuration  %s/refuge.yaml (units on 127.0.0.1:7400, "
	    "operators on 127.0.0.1:7401)\n"
	    "  registry       %s/units.yaml (site racecourse, units HP-001.."
	    "HP-%03ld)\n"
	    "  unit CA        %s/ca.crt (its key: %s/ca.key, keep it safe)\n"
	    "  server         %s/server.crt (localhost%s%s)\n"
	    "  units          %s/units/<id>.crt and .key\n"
	    "  CRL            %s/units.crl\n"
	    "  database       %s/refuge.db (made when refuged starts)\n"
	    "Operator passwords, shown only now:\n"
	    "  alice (operator)    %s\n"
	    "  bob (supervisor)    %s\n"
	    "Start the receiver with: refuged -c %s/refuge.yaml\n",
	    dir, dir, dir, units, dir, dir, dir, dns[1] ? ", " : "",
	    dns[1] ? dns[1] : "", dir, dir, dir, alice_pw, bob_pw, dir);
	rc = CTL_OK;
	goto done;
nomem:
	ctl_warnx("out of memory");
	goto fail;
ssl_fail:
	ctl_warnx("%s", err);
fail:
	ctl_setup_made_undo(&made, 1);
	if (made_units)
		rmdir(units_dir);
	if (made_dir)
		rmdir(dir);
done:
	OPENSSL_cleanse(alice_pw, sizeof(alice_pw));
	OPENSSL_cleanse(bob_pw, sizeof(bob_pw));
	ctl_setup_made_undo(&made, 0);
	ctl_ca_free(ca);
	free(units_dir);
	free(text);
	return rc;
}
