/* refuge.yaml: the daemon's configuration, parsed and validated. Pure. */
#ifndef REFUGE_CONFIG_H
#define REFUGE_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "evtype.h"

enum config_log_level {
	CONFIG_LOG_ERROR,
	CONFIG_LOG_WARNING,
	CONFIG_LOG_INFO,
	CONFIG_LOG_DEBUG
};

/* Every path as config_files resolved it (confload: against the file's directory). */
struct refuge_config {
	char			*path;			/* this file */
	char			*listen_units;		/* "host:port", default "0.0.0.0:7400" */
	char			*listen_operators;	/* default "127.0.0.1:7401" */
	char			*listen_metrics;	/* NULL unless given */
	char			*tls_cert;		/* required */
	char			*tls_key;		/* required */
	char			*tls_unit_ca;		/* required */
	char			*tls_crl;		/* NULL unless given */
	int			 tls_min_version;	/* 0x0304 (TLS 1.3, default) or 0x0303 */
	char			*database;		/* default "refuge.db" */
	char			*registry;		/* default "units.yaml" */
	int64_t			 heartbeat_ms;		/* supervision.heartbeat, default 30s */
	int			 missed;		/* supervision.missed, default 3, 1..100 */
	int64_t			 retry_ms;		/* supervision.retry (WELCOME retry=), default 10s, 5s..120s */
	int64_t			 handshake_timeout_ms;	/* limits.handshake_timeout, default 10s */
	int			 connections_per_address; /* limits.connections_per_address, default 64 */
	int			 max_connections;	/* limits.max_connections, default 200000 */
	int			 max_handshakes;	/* limits.handshakes, default 128 */
	int			 ingest_queue;		/* limits.ingest_queue, default 10000 */
	int64_t			 command_timeout_ms;	/* limits.command_timeout, default 30s */
	int			 operator_prelogin;	/* limits.operator_prelogin, default 64 */
	int			 operator_prelogin_per_address;	/* default 4 */
	int			 operator_sessions;	/* limits.operator_sessions, default 256 */
	int64_t			 operator_output;	/* limits.operator_output bytes, default 8 MB */
	int64_t			 escalation_after_ms;	/* escalation.after, default 30s */
	int64_t			 escalation_supervisor_after_ms;	/* escalation.supervisor_after, default 60s */
	int64_t			 escalation_repeat_ms;	/* escalation.repeat, default 60s */
	char			**escalation_command;	/* escalation.command: argv, NULL-terminated; NULL: none */
	int			 escalation_command_max_priority;	/* escalation.command_max_priority, default 1 */
	int			 auto_resolve_restored[EVTYPE_COUNT];	/* alarms.auto_resolve_restored: 1 per type */
	int			 flood_threshold;	/* alarms.flood_threshold, default 50; 0: off */
	enum config_log_level	 log_level;		/* log.level, default info */
	char			*timezone;		/* IANA name; NULL: the system's */
	char			*listen_dc09;		/* listen.dc09: TCP and UDP; NULL: none */
	int64_t			 dc09_max_age_ms;	/* dc09.max_age, default 40s */
	int64_t			 dc09_max_ahead_ms;	/* dc09.max_ahead, default 20s */
	/* retention.events, .alarms, .audit: how long rows are kept; -1 keep. */
	int64_t			 retention_events_ms;
	int64_t			 retention_alarms_ms;
	int64_t			 retention_audit_ms;
	/*
	 * receiver: (PostgreSQL only; ignored with SQLite). name NULL: the
	 * host name; address NULL: listen.units' (refuged fills both in).
	 */
	char			*receiver_name;
	char			*receiver_address;	/* "host:port" units reach */
	int64_t			 receiver_lease_ms;	/* receiver.lease, default 5s, 1s..60s */
};

/*
 * What config_parse asks about a value that names a file. resolve returns the
 * path to keep for name (malloc'ed; NULL when out of memory); readable returns
 * 0 when path can be read, or -1 with the reason in why (reported as "cannot
 * read PATH: WHY"). Either may be NULL: a name is then kept as written, or not
 * checked. confload.h resolves against the file's directory and asks the disk.
 */
struct config_files {
	char	*(*resolve)(void *arg, const char *name);
	int	 (*readable)(void *arg, const char *path, char *why,
		    size_t whylen);
	void	 *arg;
};

/*
 * Parses and validates len bytes of buf as the file called name (kept as
 * ->path and put in messages). On success returns 0 and *out; on failure -1,
 * *out NULL, and every problem found in d as "file:line:column: what".
 * files NULL keeps file names as written and checks none. Reading refuge.yaml
 * from disk is confload_config() (confload.h).
 */
int	config_parse(const char *name, const char *buf, size_t len,
	    const struct config_files *files, struct refuge_config **out,
	    struct diag *d);
void	config_free(struct refuge_config *);

/* receiver.name: 1 to CONFIG_NAME_MAX of [A-Za-z0-9._-]; 0 or -1. */
#define CONFIG_NAME_MAX	63
int	config_name_valid(const char *name);

/* 0 when name has the form of an IANA zone name ("Europe/London"), else -1. */
int	config_zone_valid(const char *name);

/* Splits "host:port" or "[v6]:port". Returns 0, or -1 on a bad form. */
int	config_split_hostport(const char *text, char *host, int hostlen,
	    int *port);

#endif
