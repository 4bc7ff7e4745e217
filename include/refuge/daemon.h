/*
 * The refuged process: the wiring. Only daemon.c (start-up, signals,
 * shutdown), reload.c (SIGHUP) and refuged.c (main) know every module;
 * each module is given the collaborators it uses when it is made.
 */
#ifndef REFUGE_DAEMON_H
#define REFUGE_DAEMON_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "metrics.h"
#include "registry.h"

struct activate;
struct alarmlog;
struct command;
struct dc09_links;
struct escalate;
struct event;
struct event_base;
struct feed;
struct flood;
struct ingest;
struct integrity;
struct metrics_server;
struct notify;
struct operator_link;
struct receiver;
struct retention;
struct stack;
struct store;
struct store_lock;
struct supervise;
struct tally;
struct tlsctx;
struct unit_links;
struct unit_record;
struct units;

struct daemon {
	struct event_base	*base;
	struct refuge_config	*config;
	struct registry		*registry;
	struct store		*store;
	struct store_lock	*store_lock;	/* held while refuged runs */
	struct integrity	*integrity;	/* the database's check */
	struct tlsctx		*tls;
	struct feed		*feed;
	struct units		*units;
	struct ingest		*ingest;
	struct stack		*stack;
	struct supervise	*supervise;
	struct command		*command;
	struct activate		*activate;
	struct tally		*tally;
	struct alarmlog		*alarmlog;	/* raised alarms in the log */
	struct flood		*flood;
	struct retention	*retention;	/* retention:; NULL on a standby */
	struct escalate		*escalate;	/* escalation.command */
	struct unit_links	*unit_links;
	struct dc09_links	*dc09_links;	/* NULL unless listen.dc09 */
	struct operator_link	*operators;
	struct receiver		*receiver;	/* active or standby (a pair) */
	struct event		*signals[3];
	int64_t			 started_ms;
	int			 stopping;
	int			 verbose;	/* -v: debug logging whatever log.level says */
	uint64_t		 reloads_ok;
	uint64_t		 reloads_failed;
	struct metrics		 metrics;	/* gathered from the modules at scrape time */
	struct metrics_server	*metrics_server;	/* NULL unless listen.metrics */
	struct notify		*notify;
	struct event		*status_timer;	/* STATUS= and the watchdog */
	uint64_t		 watchdog_usec;
	char			 reload_error[160];	/* "" after a good reload */
	char			 health[320];	/* the last /healthz body */
	char			 receiver_reason[200];	/* of the last RECEIVER push */
};

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
