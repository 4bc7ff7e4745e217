/*
 * Heartbeat supervision with one libevent timer per unit (a min-heap, fine
 * for 100,000 units). Hearing from a unit only stamps the time on its link;
 * the timer re-arms itself lazily when it fires early, reading when the
 * unit was last heard through its links, so a heartbeat costs no heap work.
 */
#include <stdlib.h>

#include <event2/event.h>

#include "refuge/config.h"
#include "refuge/ingest.h"
#include "refuge/log.h"
#include "refuge/loop.h"
#include "refuge/supervise.h"
#include "refuge/timenow.h"
#include "refuge/units.h"

struct supervise {
	struct event_base		*base;
	struct units			*units;
	struct ingest			*ingest;
	const struct refuge_config	*config;
};

/* One timer's argument: the record, and who supervises it. */
struct supervise_timer {
	struct supervise	*sup;
	struct unit_record	*record;
};

struct supervise *
supervise_new(struct event_base *base, struct units *units,
    struct ingest *ingest, const struct refuge_config *config)
{
	struct supervise	*sup;

	if ((sup = calloc(1, sizeof(*sup))) == NULL)
		return NULL;
	sup->base = base;
	sup->units = units;
	sup->ingest = ingest;
	sup->config = config;
	return sup;
}

void
supervise_free(struct supervise *sup)
{
	free(sup);
}

void
supervise_reconfigure(struct supervise *sup, struct units *units,
    const struct refuge_config *config)
{
	sup->units = units;
	sup->config = config;
}

int64_t
supervise_heartbeat_ms(const struct supervise *sup,
    const struct unit_record *record)
{
	return record->reg->heartbeat_ms > 0 ? record->reg->heartbeat_ms :
	    sup->config->heartbeat_ms;
}

/*
 * A connected unit heartbeats at the interval its WELCOME gave; a reload that
 * shortened it must not declare the unit offline before it is welcomed anew.
 */
static int64_t
supervise_window_ms(const struct supervise *sup,
    const struct unit_record *record)
{
	int64_t	heartbeat = supervise_heartbeat_ms(sup, record), window;

	if (record->link_count > 0 && record->welcomed_heartbeat_ms > heartbeat)
		heartbeat = record->welcomed_heartbeat_ms;
	window = heartbeat * sup->config->missed;
	/* A DC-09 account's own interval; with TLS too, the longer of the two. */
	if (record->reg->dc09 != NULL && (units_dc09_only(record) ||
	    record->reg->dc09->supervision_ms > window))
		window = record->reg->dc09->supervision_ms;
	return window;
}

static void
supervise_expired(evutil_socket_t fd, short what, void *arg)
{
	struct supervise_timer	*timer = arg;
	struct supervise	*sup = timer->sup;
	struct unit_record	*record = timer->record;
	int64_t			 silent, window;

	(void)fd;
	(void)what;
	window = supervise_window_ms(sup, record);
	silent = timenow_mono_ms() - units_last_heard(record);
	if (silent < window) {
		loop_timer_add(record->deadline, window - silent);
		return;
	}
	if (record->state == STORE_UNIT_OFFLINE)
		return;
	log_warnx("unit=%s offline: nothing heard for %lld ms", record->reg->id,
	    (long long)silent);
	record->state = STORE_UNIT_OFFLINE;
	if (ingest_receiver_event(sup->ingest, record, EVTYPE_UNIT_OFFLINE)
	    == -1 || ingest_unit_state(sup->ingest, record,
	    STORE_UNIT_OFFLINE) == -1)
		log_error("unit=%s offline event could not be queued",
		    record->reg->id);
}

int
supervise_add(struct supervise *sup, struct unit_record *record)
{
	struct supervise_timer	*timer;

	if (record->deadline == NULL) {
		if ((timer = malloc(sizeof(*timer))) == NULL)
			return -1;
		timer->sup = sup;
		timer->record = record;
		if ((record->deadline = loop_timer_new(sup->base,
		    supervise_expired, timer)) == NULL) {
			free(timer);
			return -1;
		}
	}
	record->last_heard_mono_ms = timenow_mono_ms();
	loop_timer_add(record->deadline, supervise_window_ms(sup, record));
	return 0;
}

int
supervise_start(struct supervise *sup)
{
	size_t	i;

	for (i = 0; i < units_count(sup->units); i++)
		if (supervise_add(sup, units_at(sup->units, i)) == -1)
			return -1;
	return 0;
}

void
supervise_heard(struct supervise *sup, struct unit_record *record)
{
	record->last_seen_ms = timenow_wall_ms();
	if (!evtimer_pending(record->deadline, NULL))
		loop_timer_add(record->deadline, supervise_window_ms(sup, record));
	if (record->state == STORE_UNIT_ONLINE)
		return;
	if (record->state == STORE_UNIT_OFFLINE)
		log_info("unit=%s online again", record->reg->id);
	record->state = STORE_UNIT_ONLINE;
	(void)ingest_receiver_event(sup->ingest, record, EVTYPE_UNIT_ONLINE);
	(void)ingest_unit_state(sup->ingest, record, STORE_UNIT_ONLINE);
}

void
supervise_stop(struct unit_record *record)
{
	if (record->deadline != NULL) {
		free(event_get_callback_arg(record->deadline));
		event_free(record->deadline);
		record->deadline = NULL;
	}
}
