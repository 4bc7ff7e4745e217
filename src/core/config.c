/* refuge.yaml to struct refuge_config, through a table of keys. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refuge/config.h"
#include "refuge/yamltree.h"
#include "config_lists.h"

#define CONFIG_SECOND	1000LL
#define CONFIG_HOUR	(3600 * CONFIG_SECOND)
#define CONFIG_KB	1024LL
#define CONFIG_MB	(1024 * CONFIG_KB)
#define CONFIG_GB	(1024 * CONFIG_MB)

enum config_kind {
	CONFIG_SECTION,		/* a nested mapping: sub */
	CONFIG_HOSTPORT,	/* char *, "host:port" */
	CONFIG_PATH,		/* char *, a file's name, resolved by files */
	CONFIG_READABLE,	/* CONFIG_PATH that files says can be read */
	CONFIG_DATABASE,	/* CONFIG_PATH, or a PostgreSQL URL as written */
	CONFIG_TLSVER,		/* int, "1.2" or "1.3" */
	CONFIG_DURATION,	/* int64_t milliseconds in min..max */
	CONFIG_INT,		/* int in min..max */
	CONFIG_SIZE,		/* int64_t bytes in min..max: 65536, 64KB, 8MB, 1GB */
	CONFIG_LOGLEVEL,	/* enum config_log_level */
	CONFIG_ZONE,		/* char *, an IANA zone name ("Europe/London") */
	CONFIG_RETENTION,	/* int64_t ms from "<n>d", or -1 for "keep" */
	CONFIG_ARGV,		/* char **, a command (config_lists.c) */
	CONFIG_RESTORABLE,	/* int[EVTYPE_COUNT], event types (config_lists.c) */
	CONFIG_NAME		/* char *, a receiver's name: config_name_valid */
};

struct config_ctx {
	struct yamltree_doc	*doc;
	struct refuge_config	*cf;
	const struct config_files *files;	/* NULL: names kept as written */
};

#define OFF(member)	offsetof(struct refuge_config, member)

static const struct yamltree_field config_listen[] = {
	{ .key = "units", .kind = CONFIG_HOSTPORT, .offset = OFF(listen_units) },
	{ .key = "operators", .kind = CONFIG_HOSTPORT,
	  .offset = OFF(listen_operators) },
	{ .key = "metrics", .kind = CONFIG_HOSTPORT,
	  .offset = OFF(listen_metrics) },
	{ .key = "dc09", .kind = CONFIG_HOSTPORT, .offset = OFF(listen_dc09) },
	{ .key = NULL }
};

/* SIA DC-09's time window (refuge-dc09(7)). */
static const struct yamltree_field config_dc09[] = {
	{ .key = "max_age", .kind = CONFIG_DURATION,
	  .offset = OFF(dc09_max_age_ms), .min = CONFIG_SECOND,
	  .max = CONFIG_HOUR },
	{ .key = "max_ahead", .kind = CONFIG_DURATION,
	  .offset = OFF(dc09_max_ahead_ms), .min = CONFIG_SECOND,
	  .max = CONFIG_HOUR },
	{ .key = NULL }
};

static const struct yamltree_field config_tls[] = {
	{ .key = "cert", .required = 1, .kind = CONFIG_READABLE,
	  .offset = OFF(tls_cert) },
	{ .key = "key", .required = 1, .kind = CONFIG_READABLE,
	  .offset = OFF(tls_key) },
	{ .key = "unit_ca", .required = 1, .kind = CONFIG_READABLE,
	  .offset = OFF(tls_unit_ca) },
	{ .key = "crl", .kind = CONFIG_READABLE, .offset = OFF(tls_crl) },
	{ .key = "min_version", .kind = CONFIG_TLSVER,
	  .offset = OFF(tls_min_version) },
	{ .key = NULL }
};

static const struct yamltree_field config_supervision[] = {
	{ .key = "heartbeat", .kind = CONFIG_DURATION,
	  .offset = OFF(heartbeat_ms), .min = CONFIG_SECOND, .max = CONFIG_HOUR },
	{ .key = "missed", .kind = CONFIG_INT, .offset = OFF(missed),
	  .min = 1, .max = 100 },
	{ .key = "retry", .kind = CONFIG_DURATION, .offset = OFF(retry_ms),
	  .min = 5 * CONFIG_SECOND, .max = 120 * CONFIG_SECOND },
	{ .key = NULL }
};

static const struct yamltree_field config_limits[] = {
	{ .key = "connections_per_address", .kind = CONFIG_INT,
	  .offset = OFF(connections_per_address), .min = 1, .max = 1000000 },
	{ .key = "max_connections", .kind = CONFIG_INT,
	  .offset = OFF(max_connections), .min = 1, .max = 1000000 },
	{ .key = "handshakes", .kind = CONFIG_INT,
	  .offset = OFF(max_handshakes), .min = 1, .max = 100000 },
	{ .key = "ingest_queue", .kind = CONFIG_INT,
	  .offset = OFF(ingest_queue), .min = 1, .max = 1000000 },
	{ .key = "handshake_timeout", .kind = CONFIG_DURATION,
	  .offset = OFF(handshake_timeout_ms), .min = 100,
	  .max = 5 * 60 * CONFIG_SECOND },
	{ .key = "command_timeout", .kind = CONFIG_DURATION,
	  .offset = OFF(command_timeout_ms), .min = CONFIG_SECOND,
	  .max = CONFIG_HOUR },
	{ .key = "operator_prelogin", .kind = CONFIG_INT,
	  .offset = OFF(operator_prelogin), .min = 1, .max = 10000 },
	{ .key = "operator_prelogin_per_address", .kind = CONFIG_INT,
	  .offset = OFF(operator_prelogin_per_address), .min = 1, .max = 10000 },
	{ .key = "operator_sessions", .kind = CONFIG_INT,
	  .offset = OFF(operator_sessions), .min = 1, .max = 10000 },
	{ .key = "operator_output", .kind = CONFIG_SIZE,
	  .offset = OFF(operator_output), .min = 64 * CONFIG_KB,
	  .max = CONFIG_GB },
	{ .key = NULL }
};

static const struct yamltree_field config_escalation[] = {
	{ .key = "after", .kind = CONFIG_DURATION,
	  .offset = OFF(escalation_after_ms), .min = CONFIG_SECOND,
	  .max = CONFIG_HOUR },
	{ .key = "supervisor_after", .kind = CONFIG_DURATION,
	  .offset = OFF(escalation_supervisor_after_ms), .min = CONFIG_SECOND,
	  .max = CONFIG_HOUR },
	{ .key = "repeat", .kind = CONFIG_DURATION,
	  .offset = OFF(escalation_repeat_ms), .min = CONFIG_SECOND,
	  .max = CONFIG_HOUR },
	{ .key = "command", .kind = CONFIG_ARGV,
	  .offset = OFF(escalation_command) },
	{ .key = "command_max_priority", .kind = CONFIG_INT,
	  .offset = OFF(escalation_command_max_priority), .min = 1, .max = 9 },
	{ .key = NULL }
};

static const struct yamltree_field config_alarms[] = {
	{ .key = "flood_threshold", .kind = CONFIG_INT,
	  .offset = OFF(flood_threshold), .min = 0, .max = 10000 },
	{ .key = "auto_resolve_restored", .kind = CONFIG_RESTORABLE,
	  .offset = OFF(auto_resolve_restored) },
	{ .key = NULL }
};

static const struct yamltree_field config_retention[] = {
	{ .key = "events", .kind = CONFIG_RETENTION,
	  .offset = OFF(retention_events_ms) },
	{ .key = "alarms", .kind = CONFIG_RETENTION,
	  .offset = OFF(retention_alarms_ms) },
	{ .key = "audit", .kind = CONFIG_RETENTION,
	  .offset = OFF(retention_audit_ms) },
	{ .key = NULL }
};

/* The receiver pair (PostgreSQL only); the defaults are refuged's to find. */
static const struct yamltree_field config_receiver[] = {
	{ .key = "name", .kind = CONFIG_NAME, .offset = OFF(receiver_name) },
	{ .key = "address", .kind = CONFIG_HOSTPORT,
	  .offset = OFF(receiver_address) },
	{ .key = "lease", .kind = CONFIG_DURATION,
	  .offset = OFF(receiver_lease_ms), .min = CONFIG_SECOND,
	  .max = 60 * CONFIG_SECOND },
	{ .key = NULL }
};

static const struct yamltree_field config_log[] = {
	{ .key = "level", .kind = CONFIG_LOGLEVEL, .offset = OFF(log_level) },
	{ .key = NULL }
};

static const struct yamltree_field config_top[] = {
	{ .key = "listen", .kind = CONFIG_SECTION, .sub = config_listen },
	{ .key = "tls", .required = 1, .kind = CONFIG_SECTION,
	  .sub = config_tls },
	{ .key = "database", .kind = CONFIG_DATABASE,
	  .offset = OFF(database) },
	{ .key = "registry", .kind = CONFIG_PATH, .offset = OFF(registry) },
	{ .key = "supervision", .kind = CONFIG_SECTION,
	  .sub = config_supervision },
	{ .key = "limits", .kind = CONFIG_SECTION, .sub = config_limits },
	{ .key = "escalation", .kind = CONFIG_SECTION, .sub = config_escalation },
	{ .key = "alarms", .kind = CONFIG_SECTION, .sub = config_alarms },
	{ .key = "log", .kind = CONFIG_SECTION, .sub = config_log },
	{ .key = "timezone", .kind = CONFIG_ZONE, .offset = OFF(timezone) },
	{ .key = "dc09", .kind = CONFIG_SECTION, .sub = config_dc09 },
	{ .key = "retention", .kind = CONFIG_SECTION, .sub = config_retention },
	{ .key = "receiver", .kind = CONFIG_SECTION, .sub = config_receiver },
	{ .key = NULL }
};

static const char *const config_level_names[] = {
	[CONFIG_LOG_ERROR] = "error",
	[CONFIG_LOG_WARNING] = "warning",
	[CONFIG_LOG_INFO] = "info",
	[CONFIG_LOG_DEBUG] = "debug"
};

int
config_split_hostport(const char *text, char *host, int hostlen, int *port)
{
	const char	*h, *p, *end;
	size_t		 len, i;
	long		 n = 0;

	if (text[0] == '[') {
		h = text + 1;
		if ((end = strchr(h, ']')) == NULL || end[1] != ':')
			return -1;
		p = end + 2;
	} else {
		h = text;
		/* A bare v6 address would be ambiguous: it needs brackets. */
		if ((end = strchr(h, ':')) == NULL || strchr(end + 1, ':'))
			return -1;
		p = end + 1;
	}
	len = (size_t)(end - h);
	if (len == 0 || hostlen <= 0 || len >= (size_t)hostlen)
		return -1;
	for (i = 0; i < len; i++)
		if ((unsigned char)h[i] <= ' ' || h[i] == '[' || h[i] == ']' ||
		    h[i] == '/' || h[i] == 0x7f)
			return -1;
	if (*p == '\0' || strlen(p) > 5)
		return -1;
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		n = n * 10 + (*p - '0');
	}
	if (n > 65535)
		return -1;
	memcpy(host, h, len);
	host[len] = '\0';
	*port = (int)n;
	return 0;
}

/* The path to keep for a value naming a file, as files resolves it. */
static char *
config_resolve(const struct config_files *files, const char *name)
{
	if (files == NULL || files->resolve == NULL)
		return strdup(name);
	return files->resolve(files->arg, name);
}

static void
config_set_string(struct config_ctx *ctx, const struct yamltree_field *f,
    char *value)
{
	char	**slot = (char **)(void *)((char *)ctx->cf + f->offset);

	free(*slot);
	*slot = value;
}

static void
config_hostport(struct config_ctx *ctx, const struct yamltree_field *f,
    const struct yamltree_node *n, const char *path)
{
	const char	*s;
	char		 host[256], *copy;
	int		 port;

	if (yamltree_string(ctx->doc, n, path, &s) == -1)
		return;
	if (config_split_hostport(s, host, sizeof(host), &port) == -1) {
		yamltree_error(ctx->doc, n, path,
		    "expected host:port or [address]:port, port 0-65535");
		return;
	}
	if ((copy = strdup(s)) == NULL) {
		yamltree_error(ctx->doc, n, path, "out of memory");
		return;
	}
	config_set_string(ctx, f, copy);
}

static void
config_path(struct config_ctx *ctx, const struct yamltree_field *f,
    const struct yamltree_node *n, const char *path)
{
	const struct config_files	*files = ctx->files;
	const char			*s;
	char				*full, why[128];

	if (yamltree_string(ctx->doc, n, path, &s) == -1)
		return;
	if (*s == '\0') {
		yamltree_error(ctx->doc, n, path, "must not be empty");
		return;
	}
	/* A URL (store_backend_choose) is libpq's to read, not a file. */
	if (f->kind == CONFIG_DATABASE && (strncmp(s, "postgresql://", 13) ==
	    0 || strncmp(s, "postgres://", 11) == 0))
		full = strdup(s);
	else
		full = config_resolve(files, s);
	if (full == NULL) {
		yamltree_error(ctx->doc, n, path, "out of memory");
		return;
	}
	if (f->kind == CONFIG_READABLE && files != NULL &&
	    files->readable != NULL &&
	    files->readable(files->arg, full, why, sizeof(why)) == -1) {
		yamltree_error(ctx->doc, n, path, "cannot read %s: %s", full,
		    why);
		free(full);
		return;
	}
	config_set_string(ctx, f, full);
}

static void
config_tlsver(struct config_ctx *ctx, const struct yamltree_field *f,
    const struct yamltree_node *n, const char *path)
{
	int		*slot = (int *)(void *)((char *)ctx->cf + f->offset);
	const char	*s;

	if (yamltree_string(ctx->doc, n, path, &s) == -1)
		return;
	if (strcmp(s, "1.3") == 0)
		*slot = 0x0304;
	else if (strcmp(s, "1.2") == 0)
		*slot = 0x0303;
	else
		yamltree_error(ctx->doc, n, path, "expected \"1.2\" or \"1.3\"");
}

static void
config_loglevel(struct config_ctx *ctx, const struct yamltree_node *n,
    const char *path)
{
	const char	*s;
	size_t		 i;

	if (yamltree_string(ctx->doc, n, path, &s) == -1)
		return;
	for (i = 0; i <= CONFIG_LOG_DEBUG; i++) {
		if (strcmp(s, config_level_names[i]) == 0) {
			ctx->cf->log_level = (enum config_log_level)i;
			return;
		}
	}
	yamltree_error(ctx->doc, n, path,
	    "expected error, warning, info or debug");
}

/* Formats a size in bytes as the largest unit that divides it. */
static void
config_size_format(int64_t v, char *buf, size_t len)
{
	if (v >= CONFIG_GB && v % CONFIG_GB == 0)
		snprintf(buf, len, "%lldGB", (long long)(v / CONFIG_GB));
	else if (v >= CONFIG_MB && v % CONFIG_MB == 0)
		snprintf(buf, len, "%lldMB", (long long)(v / CONFIG_MB));
	else if (v >= CONFIG_KB && v % CONFIG_KB == 0)
		snprintf(buf, len, "%lldKB", (long long)(v / CONFIG_KB));
	else
		snprintf(buf, len, "%lld", (long long)v);
}

/* A size: whole bytes, or a number with KB, MB or GB (powers of 1024). */
static void
config_size(struct config_ctx *ctx, const struct yamltree_field *f,
    const struct yamltree_node *n, const char *path)
{
	static const struct {
		const char	*suffix;
		int64_t		 unit;
	} units[] = { { "", 1 }, { "KB", CONFIG_KB }, { "MB", CONFIG_MB },
	    { "GB", CONFIG_GB } };
	const char	*s;
	char		 lo[32], hi[32];
	int64_t		 v = 0;
	size_t		 digits, i;

	if (yamltree_string(ctx->doc, n, path, &s) == -1)
		return;
	digits = strspn(s, "0123456789");
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(s + digits, units[i].suffix) == 0)
			break;
	if (digits == 0 || digits > 10 || i == sizeof(units) / sizeof(units[0])) {
		yamltree_error(ctx->doc, n, path, "bad size '%.64s' "
		    "(use e.g. 65536, 64KB, 8MB, 1GB)", s);
		return;
	}
	/* At most 10 digits: no overflow before the unit, none after it. */
	v = strtoll(s, NULL, 10);
	if (v > f->max / units[i].unit || v * units[i].unit < f->min) {
		config_size_format(f->min, lo, sizeof(lo));
		config_size_format(f->max, hi, sizeof(hi));
		yamltree_error(ctx->doc, n, path, "must be between %s and %s",
		    lo, hi);
		return;
	}
	*(int64_t *)(void *)((char *)ctx->cf + f->offset) = v * units[i].unit;
}

/*
 * The zone's name only: whether the system knows it is timenow_set_zone()'s
 * question, asked at start-up (the rules are files, and files are not ours).
 */
static void
config_zone(struct config_ctx *ctx, const struct yamltree_field *f,
    const struct yamltree_node *n, const char *path)
{
	const char	*s;
	char		**slot = (char **)(void *)((char *)ctx->cf + f->offset);

	if (yamltree_string(ctx->doc, n, path, &s) == -1)
		return;
	if (config_zone_valid(s) == -1) {
		yamltree_error(ctx->doc, n, path, "bad time zone '%.64s' (use "
		    "an IANA name such as Europe/London or UTC)", s);
		return;
	}
	free(*slot);
	if ((*slot = strdup(s)) == NULL)
		yamltree_error(ctx->doc, n, path, "out of memory");
}

int
config_name_valid(const char *name)
{
	size_t	len = strlen(name);

	if (len == 0 || len > CONFIG_NAME_MAX ||
	    strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789._-") != len)
		return -1;
	return 0;
}

static void
config_name(struct config_ctx *ctx, const struct yamltree_field *f,
    const struct yamltree_node *n, const char *path)
{
	const char	*s;
	char		*copy;

	if (yamltree_string(ctx->doc, n, path, &s) == -1)
		return;
	if (config_name_valid(s) == -1) {
		yamltree_error(ctx->doc, n, path, "bad name '%.64s' (1 to %d "
		    "letters, digits, '.', '_' or '-')", s, CONFIG_NAME_MAX);
		return;
	}
	if ((copy = strdup(s)) == NULL) {
		yamltree_error(ctx->doc, n, path, "out of memory");
		return;
	}
	config_set_string(ctx, f, copy);
}

/* "keep", or "<n>d": whole days, 1 to 100 years. */
static void
config_retention_value(struct config_ctx *ctx, const struct yamltree_field *f,
    const struct yamltree_node *n, const char *path)
{
	const char	*s;
	char		*end;
	long		 days;

	if (yamltree_string(ctx->doc, n, path, &s) == -1)
		return;
	if (strcmp(s, "keep") == 0) {
		*(int64_t *)(void *)((char *)ctx->cf + f->offset) = -1;
		return;
	}
	days = strtol(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || strcmp(end, "d") != 0 || days < 1 ||
	    days > 36525) {
		yamltree_error(ctx->doc, n, path, "bad retention '%.64s' (use "
		    "whole days, e.g. 31d or 2190d, or keep)", s);
		return;
	}
	*(int64_t *)(void *)((char *)ctx->cf + f->offset) = days * 24 *
	    CONFIG_HOUR;
}

/* Called by yamltree_fields for every known key present. */
static void
config_field(void *arg, const struct yamltree_field *f,
    const struct yamltree_node *n, const char *path)
{
	struct config_ctx	*ctx = arg;
	char			*base = (char *)ctx->cf;
	int64_t			 v;

	switch (f->kind) {
	case CONFIG_SECTION:
		yamltree_fields(ctx->doc, n, path, f->sub, config_field, ctx);
		break;
	case CONFIG_HOSTPORT:
		config_hostport(ctx, f, n, path);
		break;
	case CONFIG_PATH:
	case CONFIG_READABLE:
	case CONFIG_DATABASE:
		config_path(ctx, f, n, path);
		break;
	case CONFIG_TLSVER:
		config_tlsver(ctx, f, n, path);
		break;
	case CONFIG_DURATION:
		if (yamltree_duration(ctx->doc, n, path, f->min, f->max,
		    &v) == 0)
			*(int64_t *)(void *)(base + f->offset) = v;
		break;
	case CONFIG_INT:
		if (yamltree_int(ctx->doc, n, path, f->min, f->max, &v) == 0)
			*(int *)(void *)(base + f->offset) = (int)v;
		break;
	case CONFIG_SIZE:
		config_size(ctx, f, n, path);
		break;
	case CONFIG_LOGLEVEL:
		config_loglevel(ctx, n, path);
		break;
	case CONFIG_ZONE:
		config_zone(ctx, f, n, path);
		break;
	case CONFIG_RETENTION:
		config_retention_value(ctx, f, n, path);
		break;
	case CONFIG_ARGV:
		config_lists_argv(ctx->doc, n, path,
		    (char ***)(void *)(base + f->offset));
		break;
	case CONFIG_RESTORABLE:
		config_lists_restorable(ctx->doc, n, path,
		    (int *)(void *)(base + f->offset));
		break;
	case CONFIG_NAME:
		config_name(ctx, f, n, path);
		break;
	}
}

/* Fills the string defaults that the file left out. */
static int
config_defaults(struct refuge_config *cf, const struct config_files *files)
{
	if (cf->listen_units == NULL &&
	    (cf->listen_units = strdup("0.0.0.0:7400")) == NULL)
		return -1;
	if (cf->listen_operators == NULL &&
	    (cf->listen_operators = strdup("127.0.0.1:7401")) == NULL)
		return -1;
	if (cf->database == NULL &&
	    (cf->database = config_resolve(files, "refuge.db")) == NULL)
		return -1;
	if (cf->registry == NULL &&
	    (cf->registry = config_resolve(files, "units.yaml")) == NULL)
		return -1;
	return 0;
}

static struct refuge_config *
config_new(const char *path)
{
	struct refuge_config	*cf;

	if ((cf = calloc(1, sizeof(*cf))) == NULL)
		return NULL;
	if ((cf->path = strdup(path)) == NULL) {
		free(cf);
		return NULL;
	}
	cf->tls_min_version = 0x0304;
	cf->heartbeat_ms = 30 * CONFIG_SECOND;
	cf->missed = 3;
	cf->retry_ms = 10 * CONFIG_SECOND;
	cf->handshake_timeout_ms = 10 * CONFIG_SECOND;
	cf->connections_per_address = 64;
	cf->max_connections = 200000;
	/* Measured with bench/handshake_storm.py; refuged(8), Connection storms. */
	cf->max_handshakes = 128;
	/* About a second of the durable rate: refuged(8), Overload. */
	cf->ingest_queue = 10000;
	cf->command_timeout_ms = 30 * CONFIG_SECOND;
	cf->dc09_max_age_ms = 40 * CONFIG_SECOND;
	cf->dc09_max_ahead_ms = 20 * CONFIG_SECOND;
	cf->operator_prelogin = 64;
	cf->operator_prelogin_per_address = 4;
	cf->operator_sessions = 256;
	cf->operator_output = 8 * CONFIG_MB;
	cf->escalation_after_ms = 30 * CONFIG_SECOND;
	cf->escalation_supervisor_after_ms = 60 * CONFIG_SECOND;
	cf->escalation_repeat_ms = 60 * CONFIG_SECOND;
	cf->escalation_command_max_priority = 1;
	cf->flood_threshold = 50;
	cf->retention_events_ms = -1;
	cf->retention_alarms_ms = -1;
	cf->retention_audit_ms = -1;
	cf->receiver_lease_ms = 5 * CONFIG_SECOND;
	cf->log_level = CONFIG_LOG_INFO;
	return cf;
}

int
config_zone_valid(const char *name)
{
	size_t	len = strlen(name);

	if (len == 0 || len > 64 || name[0] == '/' || name[0] == '.' ||
	    strstr(name, "..") != NULL ||
	    strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789/_+-") != len)
		return -1;
	return 0;
}

int
config_parse(const char *name, const char *buf, size_t len,
    const struct config_files *files, struct refuge_config **out,
    struct diag *d)
{
	struct yamltree_doc	 doc;
	struct config_ctx	 ctx;

	*out = NULL;
	memset(&doc, 0, sizeof(doc));
	memset(&ctx, 0, sizeof(ctx));
	ctx.files = files;
	if ((ctx.cf = config_new(name)) == NULL) {
		diag_add(d, name, 0, 0, "out of memory");
		goto fail;
	}
	if (yamltree_parse(name, buf, len, &doc, d) == -1)
		goto fail;
	ctx.doc = &doc;
	if (doc.root == NULL)
		yamltree_error(&doc, NULL, NULL, "empty file, expected a mapping");
	else
		yamltree_fields(&doc, doc.root, "", config_top, config_field,
		    &ctx);
	if (doc.errors > 0)
		goto fail;
	if (config_defaults(ctx.cf, files) == -1) {
		diag_add(d, name, 0, 0, "out of memory");
		goto fail;
	}
	yamltree_free(&doc);
	*out = ctx.cf;
	return 0;
fail:
	yamltree_flush(&doc);
	yamltree_free(&doc);
	config_free(ctx.cf);
	return -1;
}

void
config_free(struct refuge_config *cf)
{
	if (cf == NULL)
		return;
	free(cf->path);
	free(cf->listen_units);
	free(cf->listen_operators);
	free(cf->listen_metrics);
	free(cf->listen_dc09);
	free(cf->tls_cert);
	free(cf->tls_key);
	free(cf->tls_unit_ca);
	free(cf->tls_crl);
	free(cf->database);
	free(cf->registry);
	free(cf->timezone);
	free(cf->receiver_name);
	free(cf->receiver_address);
	config_lists_argv_free(cf->escalation_command);
	free(cf);
}
