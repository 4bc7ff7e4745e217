/*
 * refugectl's own modules: the command table (refugectl.c), the private CA
 * with its certificates and CRL (ctl_pki.c), revoke (ctl_revoke.c), init
 * (ctl_setup.c), passwd (ctl_passwd.c), enroll (ctl_enroll.c) with the
 * textual editing of units.yaml (ctl_yaml.c), the read-only views, verify
 * and backup (ctl_views.c), check --database and restore (ctl_database.c),
 * the report (ctl_report*.c) and the printed matter (ctl_draw.c, ctl_map.c,
 * ctl_sign.c). Never daemon code.
 */
#ifndef REFUGE_CTL_H
#define REFUGE_CTL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "refuge/config.h"
#include "refuge/registry.h"

/* Exit statuses: done, an operational failure, a usage error. */
#define CTL_OK		0
#define CTL_FAIL	1
#define CTL_USAGE	2

#define CTL_DEFAULT_CONFIG	REFUGE_SYSCONFDIR "/refuge/refuge.yaml"

struct ctl {
	const char	*config_path;	/* the global -c */
};

/* A command's long options: "--name VALUE", "--name=VALUE" or a flag. */
struct ctl_opt {
	const char	 *name;		/* without the dashes */
	int		  has_value;
	const char	**value;	/* the value, or "" for a flag that was given */
};

/*
 * Splits a command's arguments into options and at most maxpos positional
 * arguments. Returns 0, or prints why to stderr and returns -1.
 */
int	ctl_args(const char *cmd, int argc, char *argv[],
	    const struct ctl_opt *opts, const char **pos, int maxpos, int *npos);
/* Prints "refugectl CMD: what" and the command's usage; returns CTL_USAGE. */
int	ctl_usage_error(const char *cmd, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Prints "refugectl: what" to stderr. */
void	ctl_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* strtol with bounds over the whole text; 0 or -1. */
int	ctl_parse_int(const char *text, long min, long max, long *out);
/* 1 for 1-64 of [A-Za-z0-9._:-] not starting with '.' (safe as a file name). */
int	ctl_valid_unit_id(const char *);

/* Loads the configuration, printing every problem; NULL on failure. */
struct refuge_config	*ctl_config(const struct ctl *);
/* Loads the registry the configuration names, printing every problem. */
struct registry		*ctl_registry(const struct refuge_config *);
struct store;
/* Loads the configuration and opens its database read-only; NULL on failure. */
struct store		*ctl_store(const struct ctl *, struct refuge_config **);

/* The commands: each returns CTL_OK, CTL_FAIL or CTL_USAGE. */
int	ctl_cmd_init(struct ctl *, int, char *[]);
int	ctl_cmd_enroll(struct ctl *, int, char *[]);
int	ctl_cmd_revoke(struct ctl *, int, char *[]);
int	ctl_cmd_passwd(struct ctl *, int, char *[]);
int	ctl_cmd_check(struct ctl *, int, char *[]);
int	ctl_cmd_units(struct ctl *, int, char *[]);
int	ctl_cmd_alarms(struct ctl *, int, char *[]);
int	ctl_cmd_history(struct ctl *, int, char *[]);
int	ctl_cmd_report(struct ctl *, int, char *[]);
int	ctl_cmd_verify(struct ctl *, int, char *[]);
int	ctl_cmd_backup(struct ctl *, int, char *[]);
int	ctl_cmd_restore(struct ctl *, int, char *[]);
int	ctl_cmd_map(struct ctl *, int, char *[]);
int	ctl_cmd_purge(struct ctl *, int, char *[]);
int	ctl_cmd_incident(struct ctl *, int, char *[]);
int	ctl_cmd_sign(struct ctl *, int, char *[]);
int	ctl_cmd_migrate(struct ctl *, int, char *[]);

/* The directory units.yaml is in (malloc'd): map_image files are relative to it. */
char	*ctl_registry_dir(const struct registry *);

/* ctl_views.c: the audit chain walked, for verify and incident. */
struct ctl_chain {
	char		 prev[65];	/* the last row's hash */
	size_t		 rows;
	int64_t		 broken_id;	/* the first bad row; -1: its start */
	int64_t		 last_id;
	char		 why[256];
	const char	*head;		/* in: a head to find, or NULL */
	int64_t		 head_id;	/* out: where it is; 0: not in it */
	char		 resumed[65];	/* a purged chain's first prev_hash */
	char		 resume[65];	/* the latest purge's resume= */
};

/* 0 intact, 1 broken (broken_id, why), -1 not read (store_error). */
struct store;
int	ctl_verify_chain(struct store *, struct ctl_chain *);

/* ctl_database.c: the database file's integrity. */

/* check --database: quick_check, read-only; prints the outcome. CTL_OK or CTL_FAIL. */
int	ctl_check_database(const char *database);
/* 1 when the database string names PostgreSQL (postgresql://, postgres://). */
int	ctl_database_is_pg(const char *database);
/* The database string as it may be printed: a password in a URL is not. */
void	ctl_database_shown(const char *database, char *buf, size_t len);
/* backup on PostgreSQL: pg_dump -Fc into file (made already). CTL_*. */
int	ctl_database_pg_backup(const char *database, const char *file);

/* ctl_pki.c: EC P-256 keys, X.509 certificates and the CRL, all in PEM. */

struct ctl_ca;

/* Days a certificate made here is valid. */
#define CTL_CA_DAYS	3650
#define CTL_CERT_DAYS	3650

/* The CA key's path for a unit_ca path: "x.crt" -> "x.key", else "x.key" appended. */
char		*ctl_ca_key_path(const char *ca_cert);
/* Makes a self-signed CA and writes cert (0644) and key (0600). */
struct ctl_ca	*ctl_ca_create(const char *cert_path, const char *key_path,
		    const char *cn, char *err, size_t errlen);
struct ctl_ca	*ctl_ca_load(const char *cert_path, const char *key_path,
		    char *err, size_t errlen);
void		 ctl_ca_free(struct ctl_ca *);

enum ctl_cert_kind {
	CTL_CERT_SERVER,	/* serverAuth, SAN from dns/ips */
	CTL_CERT_UNIT		/* clientAuth, CN = unit id */
};

/*
 * A new key (key_path, 0600, refused if present) and a certificate for cn
 * (cert_path, 0644). For a server, dns and ips (NULL-terminated, may be
 * NULL) become the subjectAltName. Returns 0 or -1 with err.
 */
int	ctl_ca_issue(struct ctl_ca *, enum ctl_cert_kind, const char *cn,
	    const char *const *dns, const char *const *ips,
	    const char *key_path, const char *cert_path, char *err, size_t errlen);
/*
 * Writes crl_path afresh, signed by the CA: what the old CRL there listed
 * (if any) plus revoke_cert (NULL: nothing new). *already is set to 1 when
 * revoke_cert was listed before. Returns 0 or -1 with err.
 */
int	ctl_ca_write_crl(struct ctl_ca *, const char *crl_path,
	    const char *revoke_cert, int *already, char *err, size_t errlen);

/* The file units/ID.EXT in the registry's directory (malloc'd). */
char	*ctl_unit_file(const char *registry, const char *id, const char *ext);

/* ctl_setup.c: random passwords and crypt(3) hashes. */

/* A random password of len - 1 letters and digits. Returns 0 or -1. */
int	ctl_random_password(char *buf, size_t len);
/* A yescrypt hash of password in out (CRYPT_OUTPUT_SIZE). Returns 0 or -1. */
int	ctl_hash_password(const char *password, char *out, size_t outlen);

/* ctl_yaml.c: units.yaml edited as text, so comments and order stay. */
struct ctl_unit_entry;
/*
 * ctl_enroll_dc09.c: enroll --dc09: a DC-09 account with a fresh key on a
 * unit, or on a new unit with no certificate. Returns a CTL_* status.
 */
int	ctl_cmd_enroll_dc09(struct ctl *, int argc, char *argv[]);
/* enroll: with --dc09 or --aes, ctl_cmd_enroll_dc09; else ctl_cmd_enroll. */
int	ctl_cmd_enroll_any(struct ctl *, int argc, char *argv[]);

struct ctl_unit_entry {
	const char	*id;
	const char	*name;
	const char	*site;
	double		 lat, lon;
};

/* The YAML stanza for a unit, indented by indent; malloc'd, NULL on memory. */
char	*ctl_yaml_unit_stanza(const struct ctl_unit_entry *, int indent);
/*
 * Returns text with the unit's stanza added at the end of the top-level
 * units: block (malloc'd), or NULL with why in err when the block cannot be
 * found or edited safely.
 */
char	*ctl_yaml_add_unit(const char *text, const struct ctl_unit_entry *,
	    char *err, size_t errlen);
/*
 * Writes text to a temporary file beside path, with mode and owner (uid and
 * gid -1 keep ours); returns its malloc'd name.
 */
char	*ctl_write_temp(const char *path, const char *text, int mode,
	    uid_t uid, gid_t gid, char *err, size_t errlen);
/* Makes a rename into path's directory durable. Returns 0 or -1. */
int	ctl_sync_dir(const char *path);
/* The offset of line (1-based) in text, or of its end. */
size_t	ctl_yaml_line_offset(const char *text, size_t line);
/* Where the scalar starting at offset at ends (a quoted one after its quote). */
size_t	ctl_yaml_scalar_end(const char *text, size_t at);
/* text with [from, to) replaced by with; malloc'd, NULL on memory. */
char	*ctl_yaml_splice(const char *text, size_t from, size_t to,
	    const char *with);
struct yamltree_node;
/* The offset of the first line after a block list or mapping's lines. */
size_t	ctl_yaml_block_end(const char *text, const struct yamltree_node *);
/* ctl_decommission.c: decommissioned: in units.yaml, and a new certificate. */
int	ctl_decommission_mark(const char *registry, const char *id, int on,
	    char *err, size_t errlen);
/* enroll of a decommissioned unit: CTL_OK, CTL_FAIL. */
int	ctl_reenroll(const struct refuge_config *, const char *id);

/* Reads a whole file (NUL-terminated, malloc'd); NULL with err. */
char	*ctl_read_file(const char *path, char *err, size_t errlen);

#endif
