/* The refuged process: what every session shares. */
#ifndef REFUGE_DAEMON_H
#define REFUGE_DAEMON_H

#include <stdint.h>
#include <sys/queue.h>

#include "config.h"
#include "metrics.h"
#include "registry.h"
#include "store.h"
#include "timenow.h"

struct conn_rate;
struct event;
struct event_base;
struct ingest;
struct listener;
struct metrics_server;
struct notify;
struct stack;
struct tlsctx;
struct unit_session;
struct operator_link;
struct unit_command;

/* What the receiver knows of one registered unit, connected or not. */
struct unit_record {
	struct daemon			*daemon;
	const struct registry_unit	*reg;
	struct unit_session		*session;	/* NULL while not connected */
	enum store_unit_state		 state;
	int64_t				 last_seen_ms;	/* wall clock, -1: never */
	int64_t				 last_heard_mono_ms;
	int64_t				 welcomed_heartbeat_ms;	/* told in WELCOME; 0: none */
	struct event			*deadline;	/* supervision */
	struct unit_command		*commands;	/* awaiting DONE/FAIL */
	struct alarm			**alarms;	/* this unit's open alarms */
	size_t				 alarm_count;
	size_t				 alarm_capacity;
	int64_t				 test_until_ms;	/* on test until; 0: not */
	struct event			*test_end;
};

struct daemon {
	struct event_base	*base;
	struct refuge_config	*config;
	struct registry		*registry;
	struct store		*store;
	struct tlsctx		*tls;
	struct listener		*unit_listener;
	struct ingest		*ingest;
	struct stack		*stack;
	struct operator_link	*operators;
	struct unit_record	**records;	/* parallel to registry->units */
	LIST_HEAD(, unit_session) unit_sessions;	/* every open unit session */
	struct event		*signals[3];
	uint64_t		 next_command;
	int64_t			 started_ms;
	int64_t			 started_mono_ms;
	uint64_t		 next_receiver_event;
	int			 stopping;
	int			 verbose;	/* -v: debug logging whatever log.level says */
	struct metrics		 metrics;
	struct metrics_server	*metrics_server;	/* NULL unless listen.metrics */
	struct notify		*notify;
	struct event		*status_timer;	/* STATUS= and the watchdog */
	struct conn_rate	*unit_rate;	/* read cap of each unit link */
	uint64_t		 watchdog_usec;
	char			 reload_error[160];	/* "" after a good reload */
};

struct unit_record	*daemon_unit_find(struct daemon *, const char *unit_id);
/* The unit's heartbeat interval: its own, or the configuration's. */
int64_t			 daemon_unit_heartbeat_ms(const struct daemon *,
			    const struct unit_record *);

/*
 * Events of the daemon's own (timers, signals, the commit) run at the first
 * priority, beside established links, so that neither a flood on open links
 * nor a storm of new handshakes (the second priority) can starve them.
 */
struct event		*daemon_event_new(struct daemon *, int fd, short what,
			    void (*cb)(int, short, void *), void *arg);
#define daemon_timer_new(daemon, cb, arg)	daemon_event_new((daemon), -1, 0, (cb), (arg))

/* A record for a registered unit, and its end (timers, commands, alarm list). */
struct unit_record	*unit_record_new(struct daemon *, const struct registry_unit *);
void			 unit_record_free(struct unit_record *);

/*
 * SIGHUP: re-reads refuge.yaml's reloadable parts, the registry, the
 * certificates and the CRL. All or nothing: on any error the running set-up
 * stays in force. Returns 0 or -1.
 */
int			 daemon_reload(struct daemon *);
/* The one-line summary for logs and systemd's STATUS=. */
void			 daemon_status(struct daemon *, char *buf, size_t buflen);

/* Start-up: everything that can fail does so here, with a message, before serving. */
/* Takes config and registry, also when it fails; daemon_free frees them. */
struct daemon	*daemon_new(struct refuge_config *, struct registry *,
		    char *err, size_t errlen);
int		 daemon_run(struct daemon *);
void		 daemon_free(struct daemon *);

#endif
