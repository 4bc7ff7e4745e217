/*
 * Group commit. Items queue during a loop turn; the first item activates the
 * commit event, which libevent runs after the callbacks already active in
 * that turn. One BEGIN ... COMMIT stores them all; only then are ACKs sent.
 * A large batch commits its priority-1 events (button presses) first, in a
 * transaction of their own, so a burst or a mass outage cannot hold them back.
 * When a commit fails nothing of it is acknowledged: units retransmit, and
 * the receiver's own items stay queued and are retried.
 *
 * Overload (refuged(8)): a commit takes at most INGEST_COMMIT_MAX items, the
 * rest waits for the next one, after a loop turn that reads the links and
 * runs the timers; past limits.ingest_queue items waiting, a unit's event of
 * any priority but 1 is shed: dropped unacknowledged, for the unit to send
 * again after WELCOME's retry=. Items before head are done; items after it
 * may be done too (a priority-1 event commits ahead of its turn).
 * A press starts a commit at the first priority, beside the reads; any
 * other item at the second (conn.h), after the reads that are ready: one
 * commit for a loop turn's reads, even for links read at the second
 * priority, rather than one after each of them.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "refuge/conn.h"
#include "refuge/feed.h"
#include "refuge/ingest.h"
#include "refuge/line.h"
#include "refuge/link.h"
#include "refuge/log.h"
#include "refuge/loop.h"
#include "refuge/registry.h"
#include "refuge/stack.h"
#include "refuge/timenow.h"
#include "refuge/units.h"

#include "ingest_internal.h"

static void	ingest_commit_cb(evutil_socket_t, short, void *);

/* An event at the second priority, where the loop has priorities. */
static struct event *
ingest_low_event(struct event_base *base, struct ingest *ingest)
{
	struct event	*ev;

	if ((ev = event_new(base, -1, 0, ingest_commit_cb, ingest)) == NULL)
		return NULL;
	if (event_base_get_npriorities(base) == CONN_PRIORITIES &&
	    event_priority_set(ev, CONN_PRIORITY_BUSY) == -1) {
		event_free(ev);
		return NULL;
	}
	return ev;
}

struct ingest *
ingest_new(struct event_base *base, struct store *store, struct stack *stack,
    struct feed *feed, const struct registry *registry)
{
	struct ingest	*ingest;

	if ((ingest = calloc(1, sizeof(*ingest))) == NULL)
		return NULL;
	ingest->store = store;
	ingest->stack = stack;
	ingest->feed = feed;
	ingest->registry = registry;
	ingest->queue_max = INGEST_QUEUE_DEFAULT;
	ingest->failed_log = (struct log_limit)LOG_LIMIT_DEFAULT("store: write failed");
	ingest->shed_log = (struct log_limit)LOG_LIMIT_DEFAULT("ingest: shed");
	ingest->full_log = (struct log_limit)LOG_LIMIT_DEFAULT("ingest: dropped");
	metrics_histogram_latency(&ingest->counters.ack_latency);
	metrics_histogram_latency(&ingest->counters.commit_latency);
	/* Same priority as the reads: it runs after those already active. */
	ingest->commit = loop_event_new(base, -1, 0, ingest_commit_cb, ingest);
	ingest->retry = loop_timer_new(base, ingest_commit_cb, ingest);
	ingest->batch = ingest_low_event(base, ingest);
	/* A timer, not event_active: the loop polls the links between commits. */
	ingest->again = ingest_low_event(base, ingest);
	if (ingest->commit == NULL || ingest->retry == NULL ||
	    ingest->batch == NULL || ingest->again == NULL) {
		ingest_free(ingest);
		return NULL;
	}
	return ingest;
}

void
ingest_reconfigure(struct ingest *ingest, const struct registry *registry)
{
	ingest->registry = registry;
}

void
ingest_set_queue_limit(struct ingest *ingest, size_t queue_max)
{
	ingest->queue_max = queue_max > 0 ? queue_max : INGEST_QUEUE_DEFAULT;
}

size_t
ingest_waiting(const struct ingest *ingest)
{
	return ingest->waiting;
}

const struct ingest_counters *
ingest_counters(const struct ingest *ingest)
{
	return &ingest->counters;
}

void
ingest_log_tick(struct ingest *ingest, int flush)
{
	struct log_limit	*limits[] = { &ingest->failed_log,
				    &ingest->shed_log, &ingest->full_log };
	size_t			 i;

	for (i = 0; i < sizeof(limits) / sizeof(limits[0]); i++)
		if (flush)
			log_limit_flush(limits[i]);
		else
			(void)log_limit_tick(limits[i]);
}

void
ingest_free(struct ingest *ingest)
{
	if (ingest == NULL)
		return;
	ingest_log_tick(ingest, 1);
	if (ingest->commit != NULL)
		event_free(ingest->commit);
	if (ingest->retry != NULL)
		event_free(ingest->retry);
	if (ingest->again != NULL)
		event_free(ingest->again);
	if (ingest->batch != NULL)
		event_free(ingest->batch);
	free(ingest->seen);
	free(ingest->items);
	free(ingest);
}

static struct ingest_item *
ingest_add(struct ingest *ingest, enum ingest_kind kind,
    struct unit_record *record, int urgent)
{
	struct ingest_item	*item, *grown;
	size_t			 capacity;

	if (ingest->waiting >= ingest->queue_max + INGEST_RESERVE) {
		log_ratelimited(&ingest->full_log, CONFIG_LOG_WARNING,
		    "ingest: %zu items waiting for the store, unit=%s item "
		    "dropped", ingest->waiting, record->reg->id);
		return NULL;
	}
	if (ingest->count == ingest->capacity && ingest->head > 0) {
		/* Reuse the room of what is done rather than grow. */
		memmove(ingest->items, ingest->items + ingest->head,
		    (ingest->count - ingest->head) * sizeof(*ingest->items));
		ingest->count -= ingest->head;
		ingest->head = 0;
	}
	if (ingest->count == ingest->capacity) {
		capacity = ingest->capacity ? ingest->capacity * 2 : 256;
		grown = realloc(ingest->items, capacity * sizeof(*grown));
		if (grown == NULL) {
			log_warnx("ingest: out of memory, unit=%s item dropped",
			    record->reg->id);
			return NULL;
		}
		ingest->items = grown;
		ingest->capacity = capacity;
	}
	item = &ingest->items[ingest->count++];
	memset(item, 0, offsetof(struct ingest_item, text));
	item->text[0] = '\0';
	item->kind = kind;
	item->record = record;
	item->urgent = kind == INGEST_EVENT && urgent;
	item->unit_time_ms = -1;
	item->received_ms = timenow_wall_ms();
	item->queued_us = timenow_mono_us();
	ingest->waiting++;
	ingest->urgent += item->urgent;
	/* After a failure the rest waits for the retry; a press never does. */
	if (item->urgent)
		event_active(ingest->commit, 0, 0);
	else if (!evtimer_pending(ingest->retry, NULL))
		event_active(ingest->batch, 0, 0);
	return item;
}

int
ingest_unit_event(struct ingest *ingest, struct link *link,
    struct unit_record *record, const char *event_id, enum evtype type,
    int64_t unit_time_ms, const char *attributes)
{
	struct ingest_item	*item;
	size_t			 i;
	int			 urgent = ingest->registry->priorities[type] == 1;

	/* While the store fails, a retransmission joins the item still queued. */
	if (ingest->failing)
		for (i = ingest->head; i < ingest->count; i++) {
			item = &ingest->items[i];
			if (item->kind == INGEST_EVENT && item->record == record &&
			    !item->from_receiver && !item->committed &&
			    strcmp(item->event_id, event_id) == 0) {
				item->link = link;
				return 0;
			}
		}
	/* Overloaded: what the unit will send again waits there, not here. */
	if (!urgent && ingest->waiting >= ingest->queue_max) {
		ingest->counters.shed++;
		log_ratelimited(&ingest->shed_log, CONFIG_LOG_WARNING,
		    "ingest: %zu items waiting to be stored (limits.ingest_queue), "
		    "unit=%s event=%s type=%s shed: not acknowledged, the unit "
		    "sends it again", ingest->waiting, record->reg->id, event_id,
		    evtype_name(type));
		return 1;
	}
	if ((item = ingest_add(ingest, INGEST_EVENT, record, urgent)) == NULL)
		return -1;
	item->link = link;
	item->type = type;
	item->unit_time_ms = unit_time_ms;
	snprintf(item->event_id, sizeof(item->event_id), "%s", event_id);
	snprintf(item->text, sizeof(item->text), "%s", attributes);
	return 0;
}

int
ingest_receiver_event(struct ingest *ingest, struct unit_record *record,
    enum evtype type)
{
	return ingest_receiver_event_attrs(ingest, record, type, "");
}

int
ingest_receiver_event_attrs(struct ingest *ingest, struct unit_record *record,
    enum evtype type, const char *attributes)
{
	struct ingest_item	*item;

	if ((item = ingest_add(ingest, INGEST_EVENT, record,
	    ingest->registry->priorities[type] == 1)) == NULL)
		return -1;
	item->from_receiver = 1;
	item->type = type;
	/* Unique per unit for ever: receiver time plus a per-process counter. */
	snprintf(item->event_id, sizeof(item->event_id), "rx-%lld-%llu",
	    (long long)item->received_ms,
	    (unsigned long long)ingest->next_receiver_event++);
	snprintf(item->text, sizeof(item->text), "%s", attributes);
	return 0;
}

int
ingest_unit_state(struct ingest *ingest, struct unit_record *record,
    enum store_unit_state state)
{
	struct ingest_item	*item;

	if ((item = ingest_add(ingest, INGEST_STATE, record, 0)) == NULL)
		return -1;
	item->state = state;
	item->seen_ms = record->last_seen_ms;
	return 0;
}

int
ingest_unit_firmware(struct ingest *ingest, struct unit_record *record,
    const char *firmware)
{
	struct ingest_item	*item;

	if ((item = ingest_add(ingest, INGEST_FIRMWARE, record, 0)) == NULL)
		return -1;
	snprintf(item->text, sizeof(item->text), "%s", firmware);
	return 0;
}

int
ingest_unit_attributes(struct ingest *ingest, struct unit_record *record,
    const char *attributes)
{
	struct ingest_item	*item;

	if ((item = ingest_add(ingest, INGEST_ATTRIBUTES, record, 0)) == NULL)
		return -1;
	snprintf(item->text, sizeof(item->text), "%s", attributes);
	return 0;
}

void
ingest_forget_link(struct ingest *ingest, struct link *link)
{
	size_t	i;

	for (i = ingest->head; i < ingest->count; i++)
		if (ingest->items[i].link == link)
			ingest->items[i].link = NULL;
}

static int
ingest_store_item(struct ingest *ingest, struct ingest_item *item)
{
	struct store		*store = ingest->store;
	struct store_event	 event;
	const char		*unit_id = item->record->reg->id;
	int64_t			 row_id;
	int			 inserted;

	switch (item->kind) {
	case INGEST_EVENT:
		event.unit_id = unit_id;
		event.unit_event_id = item->event_id;
		event.type = item->type;
		event.priority = ingest->registry->priorities[item->type];
		event.from_receiver = item->from_receiver;
		event.unit_time_ms = item->unit_time_ms;
		event.received_ms = item->received_ms;
		event.attributes = item->text;
		if (store_event_insert(store, &event, &inserted, &row_id) == -1)
			return -1;
		item->inserted = inserted;
		if (inserted && stack_event_detail(ingest->stack, item->record,
		    item->type, row_id, item->received_ms, item->held,
		    item->text) == -1)
			return -1;
		if (!inserted && item->held > 0) {
			/* A retransmission of an event stored before the failure. */
			stack_drop_held(ingest->stack, item->held);
			item->held = 0;
		}
		/*
		 * The receiver's own events (offline, online) are no word from
		 * the unit; of a unit's events in one pass, the newest says it.
		 */
		if (item->from_receiver || !item->seen_last)
			return 0;
		return store_unit_set_seen(store, unit_id, item->received_ms);
	case INGEST_STATE:
		return store_unit_set_state(store, unit_id, item->state,
		    item->seen_ms);
	case INGEST_FIRMWARE:
		return store_unit_set_firmware(store, unit_id, item->text);
	case INGEST_ATTRIBUTES:
		return store_unit_set_attributes(store, unit_id, item->text);
	}
	return -1;
}

/* What a commit takes: its whole round, or the round's presses first. */
enum ingest_pass {
	INGEST_NONE,
	INGEST_ALL,
	INGEST_URGENT,
	INGEST_REST
};

static int
ingest_takes(const struct ingest_item *item, enum ingest_pass pass)
{
	if (item->committed || item->pass == INGEST_NONE)
		return 0;
	return pass == INGEST_ALL || (pass == INGEST_URGENT) == item->urgent;
}

/*
 * Marks seen_last on each unit's newest event of the pass, walking back with
 * a set of the units met: one last_seen update a unit, not one an event.
 */
static void
ingest_mark_seen(struct ingest *ingest, enum ingest_pass pass, size_t end)
{
	const struct unit_record	**grown;
	struct ingest_item		 *item;
	size_t				  i, n = 0, size, slot;

	for (i = ingest->head; i < end; i++)
		n += ingest_takes(&ingest->items[i], pass);
	for (size = 64; size < 2 * n; size *= 2)
		;
	if (size > ingest->seen_size) {
		if ((grown = reallocarray(ingest->seen, size,
		    sizeof(*grown))) == NULL)
			size = 0;	/* then every event says it */
		else {
			ingest->seen = grown;
			ingest->seen_size = size;
		}
	}
	size = size == 0 ? 0 : ingest->seen_size;
	if (size > 0)
		memset(ingest->seen, 0, size * sizeof(*ingest->seen));
	for (i = end; i > ingest->head; i--) {
		item = &ingest->items[i - 1];
		/* The receiver's own events say nothing of the unit. */
		if (!ingest_takes(item, pass) || item->kind != INGEST_EVENT ||
		    item->from_receiver)
			continue;
		item->seen_last = 1;
		if (size == 0)
			continue;
		slot = ((uintptr_t)item->record >> 4) * 0x9E3779B1u & (size - 1);
		while (ingest->seen[slot] != NULL &&
		    ingest->seen[slot] != item->record)
			slot = (slot + 1) & (size - 1);
		if (ingest->seen[slot] == item->record)
			item->seen_last = 0;
		ingest->seen[slot] = item->record;
	}
}

/* After the commit of a pass: pushes to operators first, then the ACKs. */
static void
ingest_committed(struct ingest *ingest, enum ingest_pass pass, size_t end)
{
	struct ingest_counters	*counters = &ingest->counters;
	struct ingest_item	*item;
	struct change		 change;
	size_t			 i;

	stack_batch_commit(ingest->stack);
	for (i = ingest->head; i < end; i++) {
		item = &ingest->items[i];
		if (item->kind != INGEST_STATE || !ingest_takes(item, pass))
			continue;
		memset(&change, 0, sizeof(change));
		change.kind = CHANGE_UNIT_STATE;
		change.unit_id = item->record->reg->id;
		change.state = store_unit_state_name(item->state);
		feed_publish(ingest->feed, &change);
	}
	for (i = ingest->head; i < end; i++) {
		item = &ingest->items[i];
		if (!ingest_takes(item, pass))
			continue;
		item->committed = 1;
		ingest->waiting--;
		ingest->urgent -= item->urgent;
		if (item->kind != INGEST_EVENT)
			continue;
		if (item->inserted)
			counters->events[item->type]++;
		else
			counters->duplicates++;
		if (item->link != NULL) {
			link_ack(item->link, item->event_id);
			metrics_observe(&counters->ack_latency,
			    (timenow_mono_us() - item->queued_us) / 1e6);
		}
		if (!item->inserted)
			log_debug("unit=%s event=%s duplicate acknowledged",
			    item->record->reg->id, item->event_id);
		else if (item->type == EVTYPE_BUTTON || item->from_receiver)
			log_info("unit=%s event=%s type=%s stored",
			    item->record->reg->id, item->event_id,
			    evtype_name(item->type));
	}
	stack_batch_finish(ingest->stack);
}

/*
 * A failed commit: each press not yet shown is raised in memory and shown
 * unstored; its item stays queued and stores the alarm when a commit works.
 */
static void
ingest_hold(struct ingest *ingest, enum ingest_pass pass, size_t end)
{
	struct ingest_item	*item;
	size_t			 i, held = 0;

	for (i = ingest->head; i < end; i++) {
		item = &ingest->items[i];
		if (!ingest_takes(item, pass) || item->held > 0 || !item->urgent)
			continue;
		if ((item->held = stack_hold(ingest->stack, item->record,
		    item->type, item->received_ms)) > 0)
			held++;
	}
	if (held > 0)
		stack_hold_settle(ingest->stack);
}

static int
ingest_commit(struct ingest *ingest, enum ingest_pass pass, size_t end)
{
	struct store		*store = ingest->store;
	struct ingest_counters	*counters = &ingest->counters;
	int64_t			 began_us = timenow_mono_us();
	size_t			 i;

	ingest_mark_seen(ingest, pass, end);
	if (store_begin(store) == -1)
		goto fail;
	for (i = ingest->head; i < end; i++)
		if (ingest_takes(&ingest->items[i], pass) &&
		    ingest_store_item(ingest, &ingest->items[i]) == -1)
			goto fail;
	if (store_commit(store, NULL, NULL) == -1)
		goto fail;
	counters->commits++;
	metrics_observe(&counters->commit_latency,
	    (timenow_mono_us() - began_us) / 1e6);
	ingest_committed(ingest, pass, end);
	return 0;
fail:
	log_ratelimited(&ingest->failed_log, CONFIG_LOG_ERROR,
	    "store: write failed, nothing acknowledged, will retry: %s",
	    store_error(store));
	counters->commit_errors++;
	store_rollback(store);
	stack_batch_abort(ingest->stack);
	ingest_hold(ingest, pass, end);
	return -1;
}

/*
 * After a failure keeps only what the receiver itself made, to try again
 * (units send theirs again), and the presses; drops what is done.
 */
static void
ingest_compact(struct ingest *ingest, int failed)
{
	struct ingest_item	*item;
	size_t			 i, kept = 0;

	ingest->waiting = ingest->urgent = 0;
	for (i = ingest->head; i < ingest->count; i++) {
		item = &ingest->items[i];
		/*
		 * Units send again what was not acknowledged, and STATE anew;
		 * a press stays, shown unstored, to be stored as soon as can be.
		 */
		if (item->committed || (failed && !item->from_receiver &&
		    item->kind != INGEST_STATE && !item->urgent))
			continue;
		item->pass = INGEST_NONE;
		ingest->waiting++;
		ingest->urgent += item->urgent;
		if (kept != i)
			ingest->items[kept] = *item;
		kept++;
	}
	ingest->head = 0;
	ingest->count = kept;
}

/*
 * Marks what the next commit takes: every priority-1 event waiting, then the
 * oldest of the rest, INGEST_COMMIT_MAX items in all. Returns the end of the
 * marked range; *urgent and *rest count what was marked.
 */
static size_t
ingest_select(struct ingest *ingest, size_t *urgent, size_t *rest)
{
	struct ingest_item	*item;
	size_t			 i, end = ingest->head;

	*urgent = *rest = 0;
	for (i = ingest->head; i < ingest->count; i++) {
		item = &ingest->items[i];
		if (item->committed)
			continue;
		item->pass = INGEST_NONE;
		if (item->urgent)
			(*urgent)++;
		else if (*urgent + *rest < INGEST_COMMIT_MAX)
			(*rest)++;
		else if (*urgent == ingest->urgent)
			break;	/* full, and no press left behind */
		else
			continue;
		item->pass = INGEST_ALL;
		end = i + 1;
	}
	return end;
}

/* One bounded commit: a round. Returns 0, or -1 if it failed. */
static int
ingest_round(struct ingest *ingest)
{
	size_t		i, urgent, rest, end;
	int		rc;

	end = ingest_select(ingest, &urgent, &rest);
	/*
	 * A big batch (a burst, a mass outage) would hold a button press back
	 * for its whole commit: store and push priority-1 events first.
	 */
	if (urgent > 0 && rest > 0 && urgent + rest >= INGEST_URGENT_SPLIT) {
		rc = ingest_commit(ingest, INGEST_URGENT, end);
		if (rc == 0)
			rc = ingest_commit(ingest, INGEST_REST, end);
	} else
		rc = ingest_commit(ingest, INGEST_ALL, end);
	if (rc == -1)
		ingest_compact(ingest, 1);
	else {
		for (i = ingest->head; i < end; i++)
			ingest->items[i].pass = INGEST_NONE;
		while (ingest->head < ingest->count &&
		    ingest->items[ingest->head].committed)
			ingest->head++;
		if (ingest->head == ingest->count)
			ingest->head = ingest->count = 0;
	}
	ingest_set_failing(ingest, rc == -1);
	if (rc == 0)
		evtimer_del(ingest->retry);
	if (rc == -1) {
		/* Held presses are retried; with nothing held, the probe is. */
		if (!evtimer_pending(ingest->retry, NULL))
			loop_timer_add(ingest->retry, INGEST_RETRY_MS);
		return -1;
	}
	log_debug("ingest: committed %zu items%s, %zu waiting", urgent + rest,
	    urgent > 0 && rest > 0 && urgent + rest >= INGEST_URGENT_SPLIT ?
	    ", priority 1 first" : "", ingest->waiting);
	return 0;
}

int
ingest_flush(struct ingest *ingest)
{
	while (ingest->waiting > 0)
		if (ingest_round(ingest) == -1)
			return -1;
	return 0;
}

static void
ingest_commit_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ingest	*ingest = arg;

	(void)fd;
	(void)what;
	/* One round serves both: a press's commit takes the rest too. */
	event_del(ingest->commit);
	event_del(ingest->batch);
	if (ingest->waiting == 0 && ingest->failing) {
		ingest_probe(ingest);
		if (ingest->failing && !evtimer_pending(ingest->retry, NULL))
			loop_timer_add(ingest->retry, INGEST_RETRY_MS);
		return;
	}
	if (ingest->waiting == 0 || ingest_round(ingest) == -1)
		return;
	/* More than one commit takes: the rest after the loop has polled. */
	if (ingest->waiting > 0 && !evtimer_pending(ingest->again, NULL))
		loop_timer_add(ingest->again, 0);
}
