/* The daemon: start-up order, the unit table, signals, shutdown. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "refuge/conn.h"
#include "refuge/daemon.h"
#include "refuge/ingest.h"
#include "refuge/listener.h"
#include "refuge/log.h"
#include "refuge/notify.h"
#include "refuge/operator.h"
#include "refuge/stack.h"
#include "refuge/timenow.h"
#include "refuge/supervise.h"
#include "refuge/tlsctx.h"
#include "refuge/unit.h"

#define DAEMON_SHUTDOWN_POLL_MS		50
#define DAEMON_STATUS_MS		5000
#define DAEMON_UNIT_READ_RATE		32768	/* bytes per second */
#define DAEMON_UNIT_READ_BURST		65536
#define DAEMON_SHUTDOWN_LIMIT_MS	3000

struct event *
daemon_event_new(struct daemon *daemon, int fd, short what,
    void (*cb)(int, short, void *), void *arg)
{
	struct event	*ev;

	if ((ev = event_new(daemon->base, fd, what, cb, arg)) == NULL)
		return NULL;
	if (event_priority_set(ev, CONN_PRIORITY_ESTABLISHED) == -1) {
		event_free(ev);
		return NULL;
	}
	return ev;
}

struct unit_record *
daemon_unit_find(struct daemon *daemon, const char *unit_id)
{
	const struct registry_unit	*unit;

	if ((unit = registry_unit_find(daemon->registry, unit_id)) == NULL)
		return NULL;
	return daemon->records[unit - daemon->registry->units];
}

int64_t
daemon_unit_heartbeat_ms(const struct daemon *daemon,
    const struct unit_record *record)
{
	return record->reg->heartbeat_ms > 0 ? record->reg->heartbeat_ms :
	    daemon->config->heartbeat_ms;
}

static int
daemon_load_unit(const char *unit_id, enum store_unit_state state,
    int64_t last_seen_ms, void *arg)
{
	struct daemon		*daemon = arg;
	struct unit_record	*record;

	if ((record = daemon_unit_find(daemon, unit_id)) != NULL) {
		record->state = state;
		record->last_seen_ms = last_seen_ms;
	}
	return 0;
}

struct unit_record *
unit_record_new(struct daemon *daemon, const struct registry_unit *reg)
{
	struct unit_record	*record;

	if ((record = calloc(1, sizeof(*record))) == NULL)
		return NULL;
	record->daemon = daemon;
	record->reg = reg;
	record->state = STORE_UNIT_UNKNOWN;
	record->last_seen_ms = -1;
	return record;
}

void
unit_record_free(struct unit_record *record)
{
	if (record == NULL)
		return;
	supervise_stop(record);
	unit_record_commands_free(record);
	if (record->test_end != NULL)
		event_free(record->test_end);
	free(record->alarms);
	free(record);
}

static int
daemon_records_new(struct daemon *daemon, char *err, size_t errlen)
{
	size_t	i, count = daemon->registry->unit_count;

	if ((daemon->records = calloc(count ? count : 1,
	    sizeof(*daemon->records))) == NULL) {
		snprintf(err, errlen, "out of memory for %zu units", count);
		return -1;
	}
	for (i = 0; i < count; i++)
		if ((daemon->records[i] = unit_record_new(daemon,
		    &daemon->registry->units[i])) == NULL) {
			snprintf(err, errlen, "out of memory for %zu units", count);
			return -1;
		}
	if (store_units_each(daemon->store, daemon_load_unit, daemon) == -1) {
		snprintf(err, errlen, "reading units: %s",
		    store_error(daemon->store));
		return -1;
	}
	return 0;
}

void
daemon_status(struct daemon *daemon, char *buf, size_t buflen)
{
	size_t	i, online = 0;

	for (i = 0; i < daemon->registry->unit_count; i++)
		if (daemon->records[i]->state == STORE_UNIT_ONLINE)
			online++;
	snprintf(buf, buflen, "units online %zu/%zu, open alarms %zu%s%s",
	    online, daemon->registry->unit_count,
	    stack_open_count(daemon->stack),
	    daemon->reload_error[0] ? "; " : "", daemon->reload_error);
}

static void
daemon_gauges(struct metrics_gauges *gauges, void *arg)
{
	struct daemon	 *daemon = arg;
	struct alarm	**all;
	size_t		  i, count;
	int		  priority;

	memset(gauges, 0, sizeof(*gauges));
	gauges->units_registered = daemon->registry->unit_count;
	for (i = 0; i < daemon->registry->unit_count; i++) {
		if (daemon->records[i]->state == STORE_UNIT_ONLINE)
			gauges->units_online++;
		else if (daemon->records[i]->state == STORE_UNIT_OFFLINE)
			gauges->units_offline++;
	}
	gauges->unit_connections = (size_t)listener_open_count(
	    daemon->unit_listener);
	gauges->operator_connections = (size_t)operator_open_count(daemon);
	gauges->operator_sessions = (size_t)operator_session_count(daemon);
	count = stack_sorted(daemon->stack, &all);
	for (i = 0; i < count; i++) {
		priority = all[i]->priority < 0 ? 0 : all[i]->priority > 9 ? 9 :
		    all[i]->priority;
		gauges->alarms_open[priority][all[i]->state == ALARM_CLAIMED]++;
	}
	daemon->metrics.refused[METRICS_REFUSED_LIMIT] =
	    listener_refused_count(daemon->unit_listener);
}

static const char *
daemon_health(void *arg)
{
	struct daemon	*daemon = arg;

	if (daemon->stopping)
		return "stopping";
	if (ingest_failing(daemon->ingest))
		return "database writes are failing";
	return NULL;
}

/* Every few seconds: systemd's STATUS=, and WATCHDOG=1 at half its interval. */
static void
daemon_status_tick(evutil_socket_t fd, short what, void *arg)
{
	struct daemon	*daemon = arg;
	char		 status[256];

	(void)fd;
	(void)what;
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
	struct timeval	 tv = { 0, DAEMON_SHUTDOWN_POLL_MS * 1000 };

	(void)fd;
	(void)what;
	daemon->stopping += DAEMON_SHUTDOWN_POLL_MS;
	if ((listener_open_count(daemon->unit_listener) == 0 &&
	    operator_open_count(daemon) == 0) ||
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
	listener_disable(daemon->unit_listener);
	operator_shutdown(daemon);
	if (ingest_flush(daemon->ingest) == -1)
		log_error("shutdown: queued events were not stored; units "
		    "will send them again");
	for (i = 0; i < daemon->registry->unit_count; i++)
		supervise_stop(daemon->records[i]);
	unit_close_all(daemon);
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
			daemon->metrics.reloads_ok++;
			daemon->reload_error[0] = '\0';
		} else {
			daemon->metrics.reloads_failed++;
			snprintf(daemon->reload_error, sizeof(daemon->reload_error),
			    "last reload failed, old set-up in force (see log)");
		}
		daemon_status(daemon, status, sizeof(status));
		(void)notify_send(daemon->notify, "READY=1\nSTATUS=%s", status);
		break;
	}
}

struct daemon *
daemon_new(struct refuge_config *config, struct registry *registry, char *err,
    size_t errlen)
{
	static const int	 signals[] = { SIGTERM, SIGINT, SIGHUP };
	struct daemon		*daemon;
	size_t			 i;

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
	daemon->started_mono_ms = timenow_mono_ms();
	LIST_INIT(&daemon->unit_sessions);
	/*
	 * Two priorities: established links and the commit run first (0);
	 * accepts, TLS handshakes and timers after (1), so a flood of new
	 * connections cannot hold back a button press on an open link.
	 */
	if ((daemon->base = event_base_new()) == NULL ||
	    event_base_priority_init(daemon->base, CONN_PRIORITIES) == -1) {
		snprintf(err, errlen, "cannot create event loop");
		goto fail;
	}
	if ((daemon->store = store_open(config->database, err, errlen)) == NULL ||
	    (daemon->tls = tlsctx_new(config, err, errlen)) == NULL ||
	    daemon_records_new(daemon, err, errlen) == -1)
		goto fail;
	/* A Help Point sends a few lines a minute; a link reading more is a fault. */
	daemon->unit_rate = conn_rate_new(DAEMON_UNIT_READ_RATE,
	    DAEMON_UNIT_READ_BURST);
	if (daemon->unit_rate == NULL ||
	    (daemon->ingest = ingest_new(daemon)) == NULL ||
	    (daemon->stack = stack_new(daemon)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (stack_load(daemon->stack, err, errlen) == -1)
		goto fail;
	daemon->unit_listener = listener_new(daemon->base, "units",
	    config->listen_units, config->connections_per_address,
	    config->max_connections, unit_accept, daemon, err, errlen);
	if (daemon->unit_listener == NULL || operator_start(daemon, err,
	    errlen) == -1)
		goto fail;
	for (i = 0; i < sizeof(signals) / sizeof(signals[0]); i++) {
		daemon->signals[i] = daemon_event_new(daemon, signals[i],
		    EV_SIGNAL | EV_PERSIST, daemon_signal, daemon);
		if (daemon->signals[i] == NULL ||
		    evsignal_add(daemon->signals[i], NULL) == -1) {
			snprintf(err, errlen, "cannot install signal handlers");
			goto fail;
		}
	}
	if (supervise_start(daemon) == -1) {
		snprintf(err, errlen, "out of memory for supervision timers");
		goto fail;
	}
	if (config->listen_metrics != NULL &&
	    (daemon->metrics_server = metrics_server_new(daemon->base,
	    config->listen_metrics, &daemon->metrics, daemon_gauges,
	    daemon_health, daemon, err, errlen)) == NULL)
		goto fail;
	if ((daemon->notify = notify_open(err, errlen)) == NULL && err[0] != '\0')
		goto fail;
	daemon->watchdog_usec = notify_watchdog_usec();
	if ((daemon->status_timer = daemon_event_new(daemon, -1, EV_PERSIST,
	    daemon_status_tick, daemon)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	return daemon;
fail:
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

	listener_address(daemon->unit_listener, units, sizeof(units));
	operator_address(daemon, operators, sizeof(operators));
	metrics[0] = '\0';
	if (daemon->metrics_server != NULL) {
		memcpy(metrics, " metrics=", 10);
		metrics_server_address(daemon->metrics_server, metrics + 9,
		    sizeof(metrics) - 9);
	}
	log_info("ready units=%s operators=%s%s registry=%zu units", units,
	    operators, metrics, daemon->registry->unit_count);
	daemon_status(daemon, status, sizeof(status));
	(void)notify_send(daemon->notify, "READY=1\nSTATUS=%s", status);
	/* The watchdog is fed at half its interval, from the loop itself. */
	if (daemon->watchdog_usec > 0 && daemon->watchdog_usec / 2 < period_usec)
		period_usec = daemon->watchdog_usec / 2;
	tv.tv_sec = (time_t)(period_usec / 1000000);
	tv.tv_usec = (suseconds_t)(period_usec % 1000000);
	event_add(daemon->status_timer, &tv);
	if (event_base_dispatch(daemon->base) == -1) {
		log_error("event loop failed");
		return -1;
	}
	return 0;
}

void
daemon_free(struct daemon *daemon)
{
	size_t	i;

	if (daemon == NULL)
		return;
	for (i = 0; i < sizeof(daemon->signals) / sizeof(daemon->signals[0]); i++)
		if (daemon->signals[i] != NULL)
			event_free(daemon->signals[i]);
	if (daemon->status_timer != NULL)
		event_free(daemon->status_timer);
	metrics_server_free(daemon->metrics_server);
	notify_close(daemon->notify);
	stack_free(daemon->stack);
	if (daemon->records != NULL)
		for (i = 0; i < daemon->registry->unit_count; i++)
			unit_record_free(daemon->records[i]);
	operator_free_all(daemon);
	listener_free(daemon->unit_listener);
	ingest_free(daemon->ingest);
	free(daemon->records);
	registry_free(daemon->registry);
	config_free(daemon->config);
	tlsctx_free(daemon->tls);
	store_close(daemon->store);
	if (daemon->base != NULL)
		event_base_free(daemon->base);
	conn_rate_free(daemon->unit_rate);
	free(daemon);
}
