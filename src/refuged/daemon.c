/* The daemon: start-up order, the unit table, signals, shutdown. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "refuge/activate.h"
#include "refuge/alarmlog.h"
#include "refuge/command.h"
#include "refuge/conn.h"
#include "refuge/daemon.h"
#include "refuge/dc09_link.h"
#include "refuge/feed.h"
#include "refuge/flood.h"
#include "refuge/ingest.h"
#include "refuge/integrity.h"
#include "refuge/listener.h"
#include "refuge/log.h"
#include "refuge/retention.h"
#include "refuge/loop.h"
#include "refuge/notify.h"
#include "refuge/operator.h"
#include "refuge/receiver.h"
#include "refuge/stack.h"
#include "refuge/store.h"
#include "refuge/supervise.h"
#include "refuge/tally.h"
#include "refuge/escalate.h"
#include "refuge/timenow.h"
#include "refuge/tlsctx.h"
#include "refuge/unit.h"
#include "refuge/units.h"

#define DAEMON_SHUTDOWN_POLL_MS		50
#define DAEMON_STATUS_MS		5000
#define DAEMON_SHUTDOWN_LIMIT_MS	3000

/* Why the store fails, for people: damage found says so itself. */
static const char *
daemon_store_problem(struct daemon *daemon, char *buf, size_t buflen)
{
	const char	*failure = ingest_failure(daemon->ingest);

	if (failure == NULL)
		return NULL;
	if (store_damaged(daemon->store) != NULL)
		snprintf(buf, buflen, "%s", failure);
	else
		snprintf(buf, buflen, "database writes are failing: %s", failure);
	return buf;
}

void
daemon_status(struct daemon *daemon, char *buf, size_t buflen)
{
	char		 problem[256];
	const char	*failure = daemon_store_problem(daemon, problem,
			    sizeof(problem));

	if (daemon->receiver != NULL && !receiver_active(daemon->receiver)) {
		snprintf(buf, buflen, "standby receiver %s, active %s",
		    receiver_name(daemon->receiver),
		    receiver_active_address(daemon->receiver)[0] != '\0' ?
		    receiver_active_address(daemon->receiver) : "unknown");
		return;
	}
	snprintf(buf, buflen, "units online %zu/%zu, open alarms %zu%s%s%s%s",
	    units_online(daemon->units), units_count(daemon->units),
	    stack_open_count(daemon->stack), failure != NULL ? "; " : "",
	    failure != NULL ? failure : "",
	    daemon->reload_error[0] ? "; " : "", daemon->reload_error);
}

/* The counters live in the modules that count them: gather them for a scrape. */
static void
daemon_counters(struct daemon *daemon)
{
	struct metrics			*m = &daemon->metrics;
	const struct ingest_counters	*ingest = ingest_counters(daemon->ingest);
	const struct tally_counters	*tally = tally_counters(daemon->tally);
	const struct operator_counters	*ops =
					    operator_link_counters(daemon->operators);
	struct unit_counters		 units;

	unit_links_counters(daemon->unit_links, &units);
	m->handshakes_ok = units.handshakes_ok;
	memcpy(m->refused, units.refused, sizeof(m->refused));
	m->accept_paused = units.accept_paused;
	memcpy(m->events, ingest->events, sizeof(m->events));
	m->duplicates = ingest->duplicates;
	m->commits = ingest->commits;
	m->commit_errors = ingest->commit_errors;
	m->events_shed = ingest->shed;
	m->ack_latency = ingest->ack_latency;
	m->commit_latency = ingest->commit_latency;
	m->escalations = tally->escalations;
	m->time_to_claim = tally->time_to_claim;
	m->reloads_ok = daemon->reloads_ok;
	m->reloads_failed = daemon->reloads_failed;
	m->operator_logins = ops->logins;
	m->operator_login_failures = ops->login_failures;
	if (daemon->dc09_links != NULL) {
		const struct dc09_counters *dc = dc09_links_counters(
		    daemon->dc09_links);

		m->dc09_frames[0] = dc->acks;
		m->dc09_frames[1] = dc->naks;
		m->dc09_frames[2] = dc->duhs;
		m->dc09_frames[3] = dc->dropped;
	}
}

static void
daemon_gauges(struct metrics_gauges *gauges, void *arg)
{
	struct daemon	 *daemon = arg;
	struct alarm	**all;
	size_t		  i, count;
	int		  priority;

	memset(gauges, 0, sizeof(*gauges));
	gauges->units_registered = units_count(daemon->units);
	gauges->units_online = units_online(daemon->units);
	gauges->units_offline = units_offline(daemon->units);
	gauges->unit_connections = (size_t)unit_links_welcomed_count(
	    daemon->unit_links);
	gauges->handshakes_in_progress = (size_t)unit_links_handshake_count(
	    daemon->unit_links);
	gauges->operator_connections = (size_t)operator_link_open_count(
	    daemon->operators);
	gauges->operator_sessions = (size_t)operator_link_sessions(
	    daemon->operators);
	gauges->operators_connected = gauges->operator_sessions;
	gauges->store_ok = !ingest_failing(daemon->ingest);
	gauges->clock_synced = timenow_clock_synced() == 1;
	gauges->receiver_active = daemon->receiver == NULL ||
	    receiver_active(daemon->receiver);
	count = stack_sorted(daemon->stack, &all);
	for (i = 0; i < count; i++) {
		priority = all[i]->priority < 0 ? 0 : all[i]->priority > 9 ? 9 :
		    all[i]->priority;
		gauges->alarms_open[priority][all[i]->state == ALARM_CLAIMED]++;
	}
	daemon_counters(daemon);
}

/* /healthz's operators line: with none logged in, alarms escalate at once. */
static void
daemon_health_operators(struct daemon *daemon)
{
	size_t	used = strlen(daemon->health);
	int	n = operator_link_sessions(daemon->operators);

	if (n > 0)
		snprintf(daemon->health + used, sizeof(daemon->health) - used,
		    "operators %d logged in\n", n);
	else
		snprintf(daemon->health + used, sizeof(daemon->health) - used,
		    "no operator logged in: queued alarms escalate at once\n");
}

/* /healthz: 503 while stopping or while the store fails; the clock's state. */
static const char *
daemon_health(void *arg, int *ok)
{
	struct daemon	*daemon = arg;
	char		 problem[256];
	int		 synced = timenow_clock_synced();

	*ok = 0;
	if (daemon->stopping)
		snprintf(daemon->health, sizeof(daemon->health), "stopping\n");
	else if (daemon->receiver != NULL && !receiver_active(daemon->receiver))
		snprintf(daemon->health, sizeof(daemon->health), "standby\n");
	else if (ingest_failing(daemon->ingest))
		snprintf(daemon->health, sizeof(daemon->health), "%s\n",
		    daemon_store_problem(daemon, problem, sizeof(problem)));
	else {
		*ok = 1;
		snprintf(daemon->health, sizeof(daemon->health), "ok\n");
	}
	snprintf(daemon->health + strlen(daemon->health), sizeof(daemon->health) -
	    strlen(daemon->health), "clock %s\n", synced == 1 ? "synchronised" :
	    synced == 0 ? "not synchronised" : "state unknown");
	daemon_health_operators(daemon);
	return daemon->health;
}

static void	daemon_receiver_state(struct change *, void *);

/* The store started or stopped failing: operators and systemd are told. */
static void
daemon_store_changed(void *arg)
{
	struct daemon	*daemon = arg;
	struct change	 change;
	char		 status[256];

	memset(&change, 0, sizeof(change));
	daemon_receiver_state(&change, daemon);
	feed_publish(daemon->feed, &change);
	daemon_status(daemon, status, sizeof(status));
	(void)notify_send(daemon->notify, "STATUS=%s", status);
}

/* Every few seconds: systemd's STATUS=, and WATCHDOG=1 at half its interval. */
static void
daemon_status_tick(evutil_socket_t fd, short what, void *arg)
{
	struct daemon	*daemon = arg;
	char		 status[256];

	(void)fd;
	(void)what;
	unit_links_log_tick(daemon->unit_links, 0);
	operator_link_log_tick(daemon->operators, 0);
	ingest_log_tick(daemon->ingest, 0);
	daemon_status(daemon, status, sizeof(status));
	if (daemon->watchdog_usec > 0)
		(void)notify_send(daemon->notify, "WATCHDOG=1\nSTATUS=%s", status);
	else
		(void)notify_send(daemon->notify, "STATUS=%s", status);
}

static void
daemon_shutdown_poll(evutil_socket_t fd, short what, void *arg)
{
	struct daemon	*daemon = arg;
	struct timeval	 tv = timenow_tv(DAEMON_SHUTDOWN_POLL_MS);

	(void)fd;
	(void)what;
	daemon->stopping += DAEMON_SHUTDOWN_POLL_MS;
	if ((unit_links_open_count(daemon->unit_links) == 0 &&
	    operator_link_open_count(daemon->operators) == 0) ||
	    daemon->stopping >= DAEMON_SHUTDOWN_LIMIT_MS) {
		event_base_loopbreak(daemon->base);
		return;
	}
	event_base_once(daemon->base, -1, EV_TIMEOUT, daemon_shutdown_poll,
	    daemon, &tv);
}

/* Stop accepting, store and acknowledge what is queued, then close every link. */
static void
daemon_stop(struct daemon *daemon)
{
	size_t	i;

	log_info("shutting down");
	(void)notify_send(daemon->notify, "STOPPING=1");
	daemon->stopping = 1;
	unit_links_disable(daemon->unit_links);
	operator_link_shutdown(daemon->operators);
	if (ingest_flush(daemon->ingest) == -1)
		log_error("shutdown: queued events were not stored; units "
		    "will send them again");
	/* What was queued is stored: the standby may take over now. */
	receiver_stop(daemon->receiver);
	for (i = 0; i < units_count(daemon->units); i++)
		supervise_stop(units_at(daemon->units, i));
	unit_links_close_all(daemon->unit_links);
	if (daemon->dc09_links != NULL)
		dc09_links_close_all(daemon->dc09_links);
	for (i = 0; i < sizeof(daemon->signals) / sizeof(daemon->signals[0]); i++)
		event_del(daemon->signals[i]);
	if (daemon->status_timer != NULL)
		event_del(daemon->status_timer);
	metrics_server_free(daemon->metrics_server);
	daemon->metrics_server = NULL;
	daemon_shutdown_poll(-1, 0, daemon);
}

static void
daemon_signal(evutil_socket_t signo, short what, void *arg)
{
	struct daemon	*daemon = arg;
	char		 status[256];

	(void)what;
	switch (signo) {
	case SIGTERM:
	case SIGINT:
		if (!daemon->stopping)
			daemon_stop(daemon);
		break;
	case SIGHUP:
		if (daemon->stopping)
			break;
		(void)notify_send(daemon->notify, "RELOADING=1\nMONOTONIC_USEC=%llu",
		    (unsigned long long)notify_monotonic_usec());
		if (daemon_reload(daemon) == 0) {
			daemon->reloads_ok++;
			daemon->reload_error[0] = '\0';
		} else {
			daemon->reloads_failed++;
			snprintf(daemon->reload_error, sizeof(daemon->reload_error),
			    "last reload failed, old set-up in force (see log)");
		}
		daemon_status(daemon, status, sizeof(status));
		(void)notify_send(daemon->notify, "READY=1\nSTATUS=%s", status);
		break;
	}
}

/* The receiver's state for operators: active or standby, its store. */
static void
daemon_receiver_state(struct change *change, void *arg)
{
	struct daemon	*daemon = arg;
	struct receiver	*rx = daemon->receiver;

	change->kind = CHANGE_RECEIVER;
	change->role = "active";
	if (rx != NULL && receiver_shared(rx)) {
		change->name = receiver_name(rx);
		if (receiver_active_address(rx)[0] != '\0')
			change->active = receiver_active_address(rx);
		if (!receiver_active(rx)) {
			change->role = "standby";
			/* A standby writes nothing: its store is read only. */
			return;
		}
	}
	change->store_failing = ingest_failure(daemon->ingest) != NULL;
	if (change->store_failing)
		change->reason = daemon_store_problem(daemon,
		    daemon->receiver_reason, sizeof(daemon->receiver_reason));
}

/* Stack escalation: how many operator sessions are logged in. */
static int
daemon_operators(void *arg)
{
	return operator_link_sessions(arg);
}

/* Stack presence: does the user have a logged-in operator session? */
static int
daemon_user_present(const char *user, void *arg)
{
	return operator_link_user_sessions(arg, user) > 0;
}

/* The modules, each given what it uses. */
static int
daemon_wire(struct daemon *daemon, char *err, size_t errlen)
{
	struct refuge_config	*config = daemon->config;
	struct operator_deps	 deps;

	if ((daemon->feed = feed_new()) == NULL ||
	    (daemon->command = command_new(daemon->base, daemon->store,
	    daemon->feed, config->command_timeout_ms, daemon->started_ms)) ==
	    NULL ||
	    (daemon->stack = stack_new(daemon->base, daemon->store,
	    daemon->units, daemon->feed, config, daemon->registry)) == NULL ||
	    (daemon->ingest = ingest_new(daemon->base, daemon->store,
	    daemon->stack, daemon->feed, daemon->registry)) == NULL ||
	    (daemon->supervise = supervise_new(daemon->base, daemon->units,
	    daemon->ingest, config)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	ingest_set_queue_limit(daemon->ingest, (size_t)config->ingest_queue);
	/* A receiver of a pair loads its stack when it takes the lease. */
	if (!store_shared(daemon->store) &&
	    stack_load(daemon->stack, err, errlen) == -1)
		return -1;
	if ((daemon->unit_links = unit_links_new(daemon->base, config,
	    daemon->tls, daemon->units, daemon->ingest, daemon->supervise,
	    daemon->command, err, errlen)) == NULL)
		return -1;
	if (config->listen_dc09 != NULL && (daemon->dc09_links =
	    dc09_links_new(daemon->base, config, daemon->registry,
	    daemon->units, daemon->ingest, daemon->supervise, err, errlen)) ==
	    NULL)
		return -1;
	/* Retention runs on the active receiver only: made at a takeover. */
	if ((daemon->flood = flood_new(daemon->base, daemon->feed,
	    config->flood_threshold)) == NULL ||
	    (!store_shared(daemon->store) && (daemon->retention =
	    retention_new(daemon->base, daemon->store, config)) == NULL)) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* Operators are told of a change before activation acts on it. */
	deps = (struct operator_deps){ daemon->base, config, daemon->registry,
	    daemon->tls, daemon->store, daemon->units, daemon->stack,
	    daemon->command, daemon->feed, daemon_receiver_state, daemon,
	    daemon->flood };
	if ((daemon->operators = operator_link_new(&deps, err, errlen)) == NULL)
		return -1;
	stack_set_presence(daemon->stack, daemon_user_present, daemon->operators);
	stack_set_operators(daemon->stack, daemon_operators, daemon->operators);
	if ((daemon->escalate = escalate_new(daemon->base, daemon->feed,
	    daemon->flood, config)) == NULL) {
		snprintf(err, errlen, "cannot set up escalation.command");
		return -1;
	}
	ingest_set_watch(daemon->ingest, daemon_store_changed, daemon);
	if ((daemon->activate = activate_new(daemon->base, daemon->feed,
	    daemon->units, daemon->command)) == NULL ||
	    (daemon->tally = tally_new(daemon->feed)) == NULL ||
	    (daemon->alarmlog = alarmlog_new(daemon->feed)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/*
 * The database, before anything else is written: exclusive use, the file's
 * checks (an unclean stop's integrity check among them), then the writer;
 * the run is marked, so that a crash from now on is noticed.
 */
static int
daemon_store_open(struct daemon *daemon, int *background, char *err,
    size_t errlen)
{
	const char	*database = daemon->config->database;

	if ((daemon->store_lock = store_lock(database, err, errlen)) == NULL ||
	    integrity_startup(database, daemon->notify, background, err,
	    errlen) == -1 ||
	    (daemon->store = store_open(database, err, errlen)) == NULL)
		return -1;
	/*
	 * A full disk must not keep the receiver from showing presses: it
	 * starts, ingest goes failing; the worker checks the file meanwhile.
	 */
	if (store_run_mark(daemon->store, 1, timenow_wall_ms()) == -1)
		log_warnx("database: %s: the start of this run was not recorded "
		    "(%s): after a crash the next start checks the file while "
		    "serving, not before", database, store_error(daemon->store));
	return 0;
}

/* Systemd's STATUS= and the operators' push: the role changed. */
static void
daemon_role_told(struct daemon *daemon)
{
	struct change	change;
	char		status[256];

	memset(&change, 0, sizeof(change));
	daemon_receiver_state(&change, daemon);
	feed_publish(daemon->feed, &change);
	daemon_status(daemon, status, sizeof(status));
	(void)notify_send(daemon->notify, "STATUS=%s", status);
}

/* Stepping down: no unit served, no DC-09 frame answered, nothing timed. */
static void
daemon_standby(struct daemon *daemon)
{
	size_t	i;

	/* units_disconnect's links go; new HELLOs are denied from now on. */
	unit_links_close_all(daemon->unit_links);
	if (daemon->dc09_links != NULL)
		dc09_links_close_all(daemon->dc09_links);
	for (i = 0; i < units_count(daemon->units); i++)
		supervise_stop(units_at(daemon->units, i));
	stack_unload(daemon->stack);
	retention_free(daemon->retention);
	daemon->retention = NULL;
	daemon_role_told(daemon);
}

/*
 * A takeover: the stack rebuilt from the database (what the other
 * receiver left), the units' states read again, supervision started, units
 * welcomed (unit_links asks the receiver), and everyone told.
 */
static int
daemon_takeover(struct daemon *daemon)
{
	struct receiver	*rx = daemon->receiver;
	char		 err[256];

	stack_unload(daemon->stack);
	if (units_reload_state(daemon->units, daemon->store) == -1) {
		log_error("receiver: reading the units' states: %s",
		    store_error(daemon->store));
		return -1;
	}
	if (stack_load(daemon->stack, err, sizeof(err)) == -1) {
		log_error("receiver: rebuilding the stack: %s", err);
		stack_unload(daemon->stack);
		return -1;
	}
	if (supervise_start(daemon->supervise) == -1) {
		log_error("receiver: out of memory for supervision timers");
		stack_unload(daemon->stack);
		return -1;
	}
	if (daemon->retention == NULL && (daemon->retention =
	    retention_new(daemon->base, daemon->store, daemon->config)) == NULL)
		log_warnx("receiver: out of memory: no retention purge until "
		    "a restart");
	log_info("receiver: active term=%lld (took over from %s) name=%s "
	    "address=%s", (long long)receiver_term(rx),
	    receiver_previous(rx)[0] != '\0' ? receiver_previous(rx) : "nobody",
	    receiver_name(rx), receiver_active_address(rx));
	daemon_role_told(daemon);
	return 0;
}

static int
daemon_role(enum receiver_change change, void *arg)
{
	struct daemon	*daemon = arg;

	if (daemon->stopping)
		return change == RECEIVER_BECAME_ACTIVE ? -1 : 0;
	switch (change) {
	case RECEIVER_BECAME_ACTIVE:
		return daemon_takeover(daemon);
	case RECEIVER_BECAME_STANDBY:
		daemon_standby(daemon);
		break;
	case RECEIVER_MOVED:
		daemon_role_told(daemon);
		break;
	}
	return 0;
}

/*
 * receiver.name (default: the host name) and receiver.address (default:
 * the units' listening address, a wildcard host replaced by the host name).
 */
static int
daemon_receiver_new(struct daemon *daemon, char *err, size_t errlen)
{
	struct refuge_config	*config = daemon->config;
	char			 host[STORE_LEASE_NAME_MAX];
	char			 name[STORE_LEASE_NAME_MAX];
	char			 units[LISTENER_PEER_LEN];
	char			 bound[LISTENER_PEER_LEN];
	char			 address[STORE_LEASE_ADDR_MAX];
	int			 port;

	if (gethostname(host, sizeof(host)) == -1)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	snprintf(name, sizeof(name), "%s", config->receiver_name != NULL ?
	    config->receiver_name : host);
	unit_links_address(daemon->unit_links, units, sizeof(units));
	if (config->receiver_address != NULL)
		snprintf(address, sizeof(address), "%s",
		    config->receiver_address);
	else if (config_split_hostport(units, bound, sizeof(bound), &port) ==
	    0 && (strcmp(bound, "0.0.0.0") == 0 || strcmp(bound, "::") == 0))
		snprintf(address, sizeof(address), "%s:%d", host, port);
	else
		snprintf(address, sizeof(address), "%s", units);
	if ((daemon->receiver = receiver_new(daemon->base, daemon->store, name,
	    address, config->receiver_lease_ms, daemon_role, daemon, err,
	    errlen)) == NULL)
		return -1;
	if (receiver_shared(daemon->receiver)) {
		unit_links_set_receiver(daemon->unit_links, daemon->receiver);
		if (daemon->dc09_links != NULL)
			dc09_links_set_receiver(daemon->dc09_links,
			    daemon->receiver);
	}
	return 0;
}

struct daemon *
daemon_new(struct refuge_config *config, struct registry *registry, char *err,
    size_t errlen)
{
	static const int	 signals[] = { SIGTERM, SIGINT, SIGHUP };
	struct daemon		*daemon;
	size_t			 i;
	int			 background;

	if ((daemon = calloc(1, sizeof(*daemon))) == NULL) {
		snprintf(err, errlen, "out of memory");
		registry_free(registry);
		config_free(config);
		return NULL;
	}
	daemon->config = config;
	daemon->registry = registry;
	daemon->started_ms = timenow_wall_ms();
	metrics_init(&daemon->metrics, daemon->started_ms);
	/*
	 * Two priorities: established links, timers and the commit run first
	 * (0); accepts and TLS handshakes after (1), so a flood of new
	 * connections cannot hold back a button press on an open link.
	 */
	if ((daemon->base = event_base_new()) == NULL ||
	    event_base_priority_init(daemon->base, CONN_PRIORITIES) == -1) {
		snprintf(err, errlen, "cannot create event loop");
		goto fail;
	}
	/* Early, so that a long start-up check can ask systemd for time. */
	if ((daemon->notify = notify_open(err, errlen)) == NULL)
		goto fail;
	if (daemon_store_open(daemon, &background, err, errlen) == -1 ||
	    (daemon->tls = tlsctx_new(config, err, errlen)) == NULL ||
	    (daemon->units = units_new(registry, daemon->store, err,
	    errlen)) == NULL || daemon_wire(daemon, err, errlen) == -1 ||
	    (daemon->integrity = integrity_new(daemon->base, config->database,
	    daemon->store, daemon->ingest, err, errlen)) == NULL)
		goto fail;
	for (i = 0; i < sizeof(signals) / sizeof(signals[0]); i++) {
		daemon->signals[i] = loop_event_new(daemon->base, signals[i],
		    EV_SIGNAL | EV_PERSIST, daemon_signal, daemon);
		if (daemon->signals[i] == NULL ||
		    evsignal_add(daemon->signals[i], NULL) == -1) {
			snprintf(err, errlen, "cannot install signal handlers");
			goto fail;
		}
	}
	if (daemon_receiver_new(daemon, err, errlen) == -1)
		goto fail;
	if (receiver_active(daemon->receiver) &&
	    supervise_start(daemon->supervise) == -1) {
		snprintf(err, errlen, "out of memory for supervision timers");
		goto fail;
	}
	if (config->listen_metrics != NULL &&
	    (daemon->metrics_server = metrics_server_new(daemon->base,
	    config->listen_metrics, &daemon->metrics, daemon_gauges,
	    daemon_health, daemon, err, errlen)) == NULL)
		goto fail;
	daemon->watchdog_usec = notify_watchdog_usec();
	if ((daemon->status_timer = loop_event_new(daemon->base, -1, EV_PERSIST,
	    daemon_status_tick, daemon)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (receiver_start(daemon->receiver) == -1) {
		snprintf(err, errlen, "cannot start the receiver's lease poll");
		goto fail;
	}
	if (integrity_start(daemon->integrity, background) == -1) {
		snprintf(err, errlen, "cannot start the database's integrity "
		    "check");
		goto fail;
	}
	return daemon;
fail:
	/* Nothing was served: the file is as clean as it was checked or found. */
	if (daemon->store != NULL)
		(void)store_run_mark(daemon->store, 0, timenow_wall_ms());
	daemon_free(daemon);
	return NULL;
}

int
daemon_run(struct daemon *daemon)
{
	char		units[LISTENER_PEER_LEN], operators[LISTENER_PEER_LEN];
	char		metrics[LISTENER_PEER_LEN + 16], status[256];
	uint64_t	period_usec = DAEMON_STATUS_MS * 1000ULL;
	struct timeval	tv;

	unit_links_address(daemon->unit_links, units, sizeof(units));
	operator_link_address(daemon->operators, operators, sizeof(operators));
	metrics[0] = '\0';
	if (daemon->metrics_server != NULL) {
		memcpy(metrics, " metrics=", 10);
		metrics_server_address(daemon->metrics_server, metrics + 9,
		    sizeof(metrics) - 9);
	}
	if (daemon->dc09_links != NULL) {
		dc09_links_address(daemon->dc09_links, status, sizeof(status));
		log_info("dc09: listening on %s (tcp, udp)", status);
	}
	log_info("ready units=%s operators=%s%s registry=%zu units", units,
	    operators, metrics, units_count(daemon->units));
	daemon_status(daemon, status, sizeof(status));
	(void)notify_send(daemon->notify, "READY=1\nSTATUS=%s", status);
	/* The watchdog is fed at half its interval, from the loop itself. */
	if (daemon->watchdog_usec > 0 && daemon->watchdog_usec / 2 < period_usec)
		period_usec = daemon->watchdog_usec / 2;
	tv = timenow_tv((int64_t)(period_usec / 1000));
	event_add(daemon->status_timer, &tv);
	if (event_base_dispatch(daemon->base) == -1) {
		log_error("event loop failed");
		return -1;
	}
	/* The last write: the next start need not check the whole file first. */
	if (!store_shared(daemon->store) &&
	    store_run_mark(daemon->store, 0, timenow_wall_ms()) == -1)
		log_warnx("database: the clean stop was not recorded (%s); the "
		    "next start checks the database first",
		    store_error(daemon->store));
	return 0;
}

void
daemon_free(struct daemon *daemon)
{
	struct unit_record	*record;
	size_t			 i;

	if (daemon == NULL)
		return;
	for (i = 0; i < sizeof(daemon->signals) / sizeof(daemon->signals[0]); i++)
		if (daemon->signals[i] != NULL)
			event_free(daemon->signals[i]);
	if (daemon->status_timer != NULL)
		event_free(daemon->status_timer);
	metrics_server_free(daemon->metrics_server);
	notify_close(daemon->notify);
	receiver_free(daemon->receiver);
	operator_link_free(daemon->operators);
	unit_links_free(daemon->unit_links);
	dc09_links_free(daemon->dc09_links);
	activate_free(daemon->activate);
	flood_free(daemon->flood);
	retention_free(daemon->retention);
	escalate_free(daemon->escalate);
	tally_free(daemon->tally);
	alarmlog_free(daemon->alarmlog);
	if (daemon->units != NULL)
		for (i = 0; i < units_count(daemon->units); i++) {
			record = units_at(daemon->units, i);
			supervise_stop(record);
			command_unit_free(record);
			stack_unit_free(record);
		}
	supervise_free(daemon->supervise);
	stack_free(daemon->stack);
	ingest_free(daemon->ingest);
	command_free(daemon->command);
	feed_free(daemon->feed);
	units_free(daemon->units);
	registry_free(daemon->registry);
	config_free(daemon->config);
	tlsctx_free(daemon->tls);
	integrity_free(daemon->integrity);
	store_close(daemon->store);
	store_unlock(daemon->store_lock);
	if (daemon->base != NULL)
		event_base_free(daemon->base);
	free(daemon);
}
