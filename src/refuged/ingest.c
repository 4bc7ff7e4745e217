/*
 * Group commit. Items queue during a loop turn; the first item activates the
 * commit event, which libevent runs after the callbacks already active in
 * that turn. One BEGIN ... COMMIT stores them all; only then are ACKs sent.
 * A large batch commits its priority-1 events (button presses) first, in a
 * transaction of their own, so a burst or a mass outage cannot hold them back.
 * When a commit fails nothing of it is acknowledged: units retransmit, and
 * the receiver's own items stay queued and are retried.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

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

#define INGEST_RETRY_MS		1000
#define INGEST_URGENT_SPLIT	32
#define INGEST_MAX_ITEMS	200000

enum ingest_kind {
	INGEST_EVENT,
	INGEST_STATE,
	INGEST_FIRMWARE,
	INGEST_ATTRIBUTES
};

struct ingest_item {
	enum ingest_kind	 kind;
	struct link		*link;		/* EVENT from a unit; NULL once gone */
	struct unit_record	*record;
	int			 from_receiver;
	int			 inserted;	/* a new row, not a retransmission */
	int64_t			 held;		/* its priority-1 alarm, shown unstored */
	int			 committed;
	enum evtype		 type;
	enum store_unit_state	 state;
	int64_t			 unit_time_ms;
	int64_t			 received_ms;
	int64_t			 seen_ms;
	int64_t			 queued_us;	/* monotonic, for the ACK latency */
	size_t			 links_before;	/* links read before it in its turn */
	char			 event_id[72];
	char			 text[LINE_MAX_BYTES + 1];
};

struct ingest {
	struct store		*store;
	struct stack		*stack;
	struct feed		*feed;
	const struct registry	*registry;
	struct ingest_counters	 counters;
	uint64_t		 next_receiver_event;
	struct event		*commit;
	struct event		*retry;
	struct ingest_item	*items;
	size_t			 count;
	size_t			 capacity;
	int			 failing;	/* the last commit failed */
	char			 failure[160];	/* why, while failing */
	int64_t			 probed_ms;	/* last probe write of ingest_failing */
	ingest_watch_fn		*watch;
	void			*watch_arg;
	struct log_limit	 failed_log;	/* a full disk fails every turn */
	/* Unit links read since the last commit, for a press's log line. */
	size_t			 turn_links;
	const struct link	*turn_last;
};

static void	ingest_commit_cb(evutil_socket_t, short, void *);

/* The store started or stopped failing: say so once, to whoever watches. */
static void
ingest_set_failing(struct ingest *ingest, int failing)
{
	if (failing)
		snprintf(ingest->failure, sizeof(ingest->failure), "%s",
		    store_error(ingest->store));
	if (failing == ingest->failing)
		return;
	ingest->failing = failing;
	if (!failing) {
		log_info("store: writes succeed again");
		ingest->failure[0] = '\0';
	}
	if (ingest->watch != NULL)
		ingest->watch(ingest->watch_arg);
}

void
ingest_set_watch(struct ingest *ingest, ingest_watch_fn *fn, void *arg)
{
	ingest->watch = fn;
	ingest->watch_arg = arg;
}

const char *
ingest_failure(const struct ingest *ingest)
{
	return ingest->failing ? ingest->failure : NULL;
}

/* An empty transaction would succeed on a full disk; a row must reach it. */
static void
ingest_probe_write(struct ingest *ingest)
{
	struct store	*store = ingest->store;

	ingest->probed_ms = timenow_mono_ms();
	if (store_begin(store) == 0 &&
	    store_probe(store, timenow_wall_ms()) == 0 &&
	    store_commit(store, NULL, NULL) == 0)
		ingest_set_failing(ingest, 0);
	else {
		store_rollback(store);
		ingest_set_failing(ingest, 1);
	}
}

/*
 * Nothing to store may follow a failure for long: write the probe's row,
 * at most once a second (it may wait behind another writer).
 */
static void
ingest_probe(struct ingest *ingest)
{
	if (!ingest->failing || ingest->count > 0 ||
	    timenow_mono_ms() - ingest->probed_ms < 1000)
		return;
	ingest_probe_write(ingest);
}

void
ingest_recheck(struct ingest *ingest)
{
	ingest_probe_write(ingest);
}

int
ingest_failing(struct ingest *ingest)
{
	ingest_probe(ingest);
	return ingest->failing;
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
	ingest->failed_log = (struct log_limit)LOG_LIMIT_DEFAULT("store: write failed");
	metrics_histogram_latency(&ingest->counters.ack_latency);
	metrics_histogram_latency(&ingest->counters.commit_latency);
	/* Same priority as the reads: it runs after those already active. */
	ingest->commit = loop_event_new(base, -1, 0, ingest_commit_cb, ingest);
	ingest->retry = loop_timer_new(base, ingest_commit_cb, ingest);
	if (ingest->commit == NULL || ingest->retry == NULL) {
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

const struct ingest_counters *
ingest_counters(const struct ingest *ingest)
{
	return &ingest->counters;
}

void
ingest_log_tick(struct ingest *ingest, int flush)
{
	if (flush)
		log_limit_flush(&ingest->failed_log);
	else
		(void)log_limit_tick(&ingest->failed_log);
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
	free(ingest->items);
	free(ingest);
}

static struct ingest_item *
ingest_add(struct ingest *ingest, enum ingest_kind kind,
    struct unit_record *record, int urgent)
{
	struct ingest_item	*item, *grown;
	size_t			 capacity;

	/* A database that keeps failing must not turn into memory that grows. */
	if (ingest->count >= INGEST_MAX_ITEMS) {
		log_warnx("ingest: %zu items waiting for the store, unit=%s item "
		    "dropped", ingest->count, record->reg->id);
		return NULL;
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
	item->unit_time_ms = -1;
	item->received_ms = timenow_wall_ms();
	item->queued_us = timenow_mono_us();
	/* After a failure the rest waits for the retry; a press never does. */
	if (!evtimer_pending(ingest->retry, NULL) ||
	    (kind == INGEST_EVENT && urgent))
		event_active(ingest->commit, 0, 0);
	return item;
}

int
ingest_unit_event(struct ingest *ingest, struct link *link,
    struct unit_record *record, const char *event_id, enum evtype type,
    int64_t unit_time_ms, const char *attributes)
{
	struct ingest_item	*item;
	size_t			 i;

	/* While the store fails, a retransmission joins the item still queued. */
	if (ingest->failing)
		for (i = 0; i < ingest->count; i++) {
			item = &ingest->items[i];
			if (item->kind == INGEST_EVENT && item->record == record &&
			    !item->from_receiver &&
			    strcmp(item->event_id, event_id) == 0) {
				item->link = link;
				return 0;
			}
		}
	if ((item = ingest_add(ingest, INGEST_EVENT, record,
	    ingest->registry->priorities[type] == 1)) == NULL)
		return -1;
	item->link = link;
	/* A link's lines of one read come together: count the runs. */
	if (link != ingest->turn_last) {
		ingest->turn_links++;
		ingest->turn_last = link;
	}
	item->links_before = ingest->turn_links - 1;
	/* Operators write nothing lower until this press is pushed. */
	if (ingest->registry->priorities[type] == 1)
		feed_set_urgent(ingest->feed, 1);
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

	for (i = 0; i < ingest->count; i++)
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
		if (inserted && stack_event(ingest->stack, item->record,
		    item->type, row_id, item->received_ms, item->held) == -1)
			return -1;
		if (!inserted && item->held > 0) {
			/* A retransmission of an event stored before the failure. */
			stack_drop_held(ingest->stack, item->held);
			item->held = 0;
		}
		/* The receiver's own events (offline, online) are no word from the unit. */
		if (item->from_receiver)
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

/* Which items a commit takes: all, or a large batch's priority-1 events first. */
enum ingest_pass {
	INGEST_ALL,
	INGEST_URGENT,
	INGEST_REST
};

static int
ingest_urgent(const struct ingest *ingest, const struct ingest_item *item)
{
	return item->kind == INGEST_EVENT &&
	    ingest->registry->priorities[item->type] == 1;
}

static int
ingest_takes(const struct ingest *ingest, const struct ingest_item *item,
    enum ingest_pass pass)
{
	return pass == INGEST_ALL || (pass == INGEST_URGENT) ==
	    ingest_urgent(ingest, item);
}

/* After the commit of a pass: pushes to operators first, then the ACKs. */
static void
ingest_committed(struct ingest *ingest, enum ingest_pass pass)
{
	struct ingest_counters	*counters = &ingest->counters;
	struct ingest_item	*item;
	struct change		 change;
	size_t			 i;

	stack_batch_commit(ingest->stack);
	for (i = 0; i < ingest->count; i++) {
		item = &ingest->items[i];
		if (item->kind != INGEST_STATE || !ingest_takes(ingest, item, pass))
			continue;
		memset(&change, 0, sizeof(change));
		change.kind = CHANGE_UNIT_STATE;
		change.unit_id = item->record->reg->id;
		change.state = store_unit_state_name(item->state);
		feed_publish(ingest->feed, &change);
	}
	for (i = 0; i < ingest->count; i++) {
		item = &ingest->items[i];
		if (!ingest_takes(ingest, item, pass))
			continue;
		item->committed = 1;
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
		else if (ingest_urgent(ingest, item) && !item->from_receiver)
			log_info("unit=%s event=%s type=%s stored links_before=%zu",
			    item->record->reg->id, item->event_id,
			    evtype_name(item->type), item->links_before);
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
ingest_hold(struct ingest *ingest, enum ingest_pass pass)
{
	struct ingest_item	*item;
	size_t			 i, held = 0;

	for (i = 0; i < ingest->count; i++) {
		item = &ingest->items[i];
		if (!ingest_takes(ingest, item, pass) || item->held > 0 ||
		    !ingest_urgent(ingest, item))
			continue;
		if ((item->held = stack_hold(ingest->stack, item->record,
		    item->type, item->received_ms)) > 0)
			held++;
	}
	if (held > 0)
		stack_hold_settle(ingest->stack);
}

static int
ingest_commit(struct ingest *ingest, enum ingest_pass pass)
{
	struct store		*store = ingest->store;
	struct ingest_counters	*counters = &ingest->counters;
	int64_t			 began_us = timenow_mono_us();
	size_t		 i;

	if (store_begin(store) == -1)
		goto fail;
	for (i = 0; i < ingest->count; i++)
		if (ingest_takes(ingest, &ingest->items[i], pass) &&
		    ingest_store_item(ingest, &ingest->items[i]) == -1)
			goto fail;
	if (store_commit(store, NULL, NULL) == -1)
		goto fail;
	counters->commits++;
	metrics_observe(&counters->commit_latency,
	    (timenow_mono_us() - began_us) / 1e6);
	ingest_committed(ingest, pass);
	return 0;
fail:
	log_ratelimited(&ingest->failed_log, CONFIG_LOG_ERROR,
	    "store: write failed, nothing acknowledged, will retry: %s",
	    store_error(store));
	counters->commit_errors++;
	store_rollback(store);
	stack_batch_abort(ingest->stack);
	ingest_hold(ingest, pass);
	return -1;
}

/*
 * Drops what was committed; after a failure keeps only what the receiver
 * itself made, to try again (units send theirs again).
 */
static void
ingest_compact(struct ingest *ingest, int failed)
{
	struct ingest_item	*item;
	size_t			 i, kept = 0;

	for (i = 0; i < ingest->count; i++) {
		item = &ingest->items[i];
		/*
		 * Units send again what was not acknowledged, and STATE anew;
		 * a press stays, shown unstored, to be stored as soon as can be.
		 */
		if (item->committed || (failed && !item->from_receiver &&
		    item->kind != INGEST_STATE && !ingest_urgent(ingest, item)))
			continue;
		ingest->items[kept++] = *item;
	}
	ingest->count = kept;
}

int
ingest_flush(struct ingest *ingest)
{
	size_t		i, urgent = 0, total = ingest->count;
	int		rc;

	if (ingest->count == 0)
		return 0;
	/*
	 * A big batch (a burst, a mass outage) would hold a button press back
	 * for its whole commit: store and push priority-1 events first.
	 */
	if (ingest->count >= INGEST_URGENT_SPLIT)
		for (i = 0; i < ingest->count; i++)
			urgent += ingest_urgent(ingest, &ingest->items[i]);
	if (urgent > 0 && urgent < ingest->count) {
		rc = ingest_commit(ingest, INGEST_URGENT);
		if (rc == 0)
			rc = ingest_commit(ingest, INGEST_REST);
	} else
		rc = ingest_commit(ingest, INGEST_ALL);
	feed_set_urgent(ingest->feed, 0);
	ingest->turn_links = 0;
	ingest->turn_last = NULL;
	ingest_compact(ingest, rc == -1);
	ingest_set_failing(ingest, rc == -1);
	if (rc == 0)
		evtimer_del(ingest->retry);
	if (rc == -1) {
		/* Held presses are retried; with nothing held, the probe is. */
		if (!evtimer_pending(ingest->retry, NULL))
			loop_timer_add(ingest->retry, INGEST_RETRY_MS);
		return -1;
	}
	log_debug("ingest: committed %zu items%s", total,
	    urgent > 0 && urgent < total ? ", priority 1 first" : "");
	return 0;
}

static void
ingest_commit_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ingest	*ingest = arg;

	(void)fd;
	(void)what;
	if (ingest->count == 0 && ingest->failing) {
		ingest_probe(ingest);
		if (ingest->failing && !evtimer_pending(ingest->retry, NULL))
			loop_timer_add(ingest->retry, INGEST_RETRY_MS);
		return;
	}
	(void)ingest_flush(ingest);
}
