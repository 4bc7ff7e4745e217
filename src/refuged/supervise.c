/*
 * Heartbeat supervision with one libevent timer per unit (a min-heap, fine
 * for 100,000 units). Hearing from a unit only stamps the time; the timer
 * re-arms itself lazily when it fires early, so a heartbeat costs no heap work.
 */
#include <event2/event.h>

#include "refuge/daemon.h"
#include "refuge/ingest.h"
#include "refuge/log.h"
#include "refuge/supervise.h"

/*
 * A connected unit heartbeats at the interval its WELCOME gave; a reload that
 * shortened it must not declare the unit offline before it is welcomed anew.
 */
static int64_t
supervise_window_ms(const struct unit_record *record)
{
	int64_t	heartbeat = daemon_unit_heartbeat_ms(record->daemon, record);

	if (record->session != NULL && record->welcomed_heartbeat_ms > heartbeat)
		heartbeat = record->welcomed_heartbeat_ms;
	return heartbeat * record->daemon->config->missed;
}

static void
supervise_arm(struct unit_record *record, int64_t delay_ms)
{
	struct timeval	tv;

	if (delay_ms < 0)
		delay_ms = 0;
	tv.tv_sec = delay_ms / 1000;
	tv.tv_usec = (delay_ms % 1000) * 1000;
	evtimer_add(record->deadline, &tv);
}

static void
supervise_expired(evutil_socket_t fd, short what, void *arg)
{
	struct unit_record	*record = arg;
	struct daemon		*daemon = record->daemon;
	int64_t			 silent, window;

	(void)fd;
	(void)what;
	window = supervise_window_ms(record);
	silent = timenow_mono_ms() - record->last_heard_mono_ms;
	if (silent < window) {
		supervise_arm(record, window - silent);
		return;
	}
	if (record->state == STORE_UNIT_OFFLINE)
		return;
	log_warnx("unit=%s offline: nothing heard for %lld ms", record->reg->id,
	    (long long)silent);
	record->state = STORE_UNIT_OFFLINE;
	if (ingest_receiver_event(daemon->ingest, record, EVTYPE_UNIT_OFFLINE)
	    == -1 || ingest_unit_state(daemon->ingest, record,
	    STORE_UNIT_OFFLINE) == -1)
		log_error("unit=%s offline event could not be queued",
		    record->reg->id);
}

int
supervise_add(struct unit_record *record)
{
	if (record->deadline == NULL &&
	    (record->deadline = daemon_timer_new(record->daemon,
	    supervise_expired, record)) == NULL)
		return -1;
	record->last_heard_mono_ms = timenow_mono_ms();
	supervise_arm(record, supervise_window_ms(record));
	return 0;
}

int
supervise_start(struct daemon *daemon)
{
	size_t	i;

	for (i = 0; i < daemon->registry->unit_count; i++)
		if (supervise_add(daemon->records[i]) == -1)
			return -1;
	return 0;
}

void
supervise_heard(struct unit_record *record)
{
	record->last_heard_mono_ms = timenow_mono_ms();
	if (!evtimer_pending(record->deadline, NULL))
		supervise_arm(record, supervise_window_ms(record));
}

void
supervise_stop(struct unit_record *record)
{
	if (record->deadline != NULL) {
		event_free(record->deadline);
		record->deadline = NULL;
	}
}
