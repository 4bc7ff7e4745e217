/*
 * The alarm stack. Alarms live in an alarmq (priority order, id index) and
 * in their unit's open list; both point at the same heap-allocated struct,
 * freed when the alarm is resolved. A batch from ingest keeps a journal of
 * what it changed in memory and the changes it owes the feed: commit
 * publishes them, abort walks the journal backwards.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "refuge/alarmq.h"
#include "refuge/config.h"
#include "refuge/feed.h"
#include "refuge/log.h"
#include "refuge/loop.h"
#include "refuge/registry.h"
#include "refuge/stack.h"
#include "refuge/store.h"
#include "refuge/timenow.h"
#include "refuge/units.h"
#include "stack_internal.h"

struct stack *
stack_new(struct event_base *base, struct store *store, struct units *units,
    struct feed *feed, const struct refuge_config *config,
    const struct registry *registry)
{
	struct stack	*stack;

	if ((stack = calloc(1, sizeof(*stack))) == NULL)
		return NULL;
	stack->base = base;
	stack->store = store;
	stack->units = units;
	stack->feed = feed;
	stack->config = config;
	stack->registry = registry;
	stack->started_mono_ms = timenow_mono_ms();
	stack->next_seq = 1;
	if ((stack->queue = alarmq_new()) == NULL ||
	    (stack->escalation = loop_event_new(base, -1, EV_PERSIST,
	    stack_escalation_tick, stack)) == NULL) {
		stack_free(stack);
		return NULL;
	}
	return stack;
}

void
stack_set_presence(struct stack *stack, stack_presence_fn *present, void *arg)
{
	stack->present = present;
	stack->present_arg = arg;
}

void
stack_reconfigure(struct stack *stack, struct units *units,
    const struct refuge_config *config, const struct registry *registry)
{
	stack->units = units;
	stack->config = config;
	stack->registry = registry;
}

const char *
stack_unit_name(struct stack *stack, const char *unit_id)
{
	struct unit_record	*record;

	record = units_find(stack->units, unit_id);
	return record != NULL ? record->reg->name : "";
}

void
stack_publish(struct stack *stack, enum change_kind kind,
    const struct alarm *alarm, const char *user)
{
	struct change	change;

	memset(&change, 0, sizeof(change));
	change.kind = kind;
	change.alarm = alarm;
	change.unit_id = alarm->unit_id;
	change.unit_name = stack_unit_name(stack, alarm->unit_id);
	change.user = user;
	feed_publish(stack->feed, &change);
}

void
stack_free(struct stack *stack)
{
	struct alarm	**all;
	size_t		  i, count;

	if (stack == NULL)
		return;
	if (stack->queue != NULL) {
		count = stack_sorted(stack, &all);
		for (i = 0; i < count; i++)
			free(all[i]);
		alarmq_free(stack->queue);
	}
	if (stack->escalation != NULL)
		event_free(stack->escalation);
	stack_held_free(stack);
	free(stack->changes);
	free(stack->sorted);
	free(stack);
}

int
stack_unit_add(struct unit_record *record, struct alarm *alarm)
{
	struct alarm	**grown;
	size_t		  capacity;

	if (record->alarm_count == record->alarm_capacity) {
		capacity = record->alarm_capacity ? record->alarm_capacity * 2 : 4;
		if ((grown = realloc(record->alarms, capacity *
		    sizeof(*grown))) == NULL)
			return -1;
		record->alarms = grown;
		record->alarm_capacity = capacity;
	}
	record->alarms[record->alarm_count++] = alarm;
	return 0;
}

static void
stack_unit_remove(struct unit_record *record, struct alarm *alarm)
{
	size_t	i;

	for (i = 0; i < record->alarm_count; i++)
		if (record->alarms[i] == alarm) {
			memmove(&record->alarms[i], &record->alarms[i + 1],
			    (record->alarm_count - i - 1) * sizeof(*record->alarms));
			record->alarm_count--;
			return;
		}
}

static int
stack_by_seq(const void *a, const void *b)
{
	const struct alarm	*x = *(struct alarm *const *)a;
	const struct alarm	*y = *(struct alarm *const *)b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The unit's newest open alarm of a type, or NULL. */
static struct alarm *
stack_unit_newest(struct unit_record *record, enum evtype type)
{
	size_t	i;

	for (i = record->alarm_count; i > 0; i--)
		if (record->alarms[i - 1]->type == type)
			return record->alarms[i - 1];
	return NULL;
}

/* Puts an alarm in the queue and its unit's list; frees it on failure. */
static int
stack_insert(struct stack *stack, struct unit_record *record,
    struct alarm *alarm)
{
	alarm->seq = stack->next_seq++;
	if (alarmq_push(stack->queue, alarm) == -1) {
		free(alarm);
		return -1;
	}
	if (stack_unit_add(record, alarm) == -1) {
		alarmq_remove(stack->queue, alarm);
		free(alarm);
		return -1;
	}
	return 0;
}

void
stack_delete(struct stack *stack, struct alarm *alarm)
{
	struct unit_record	*record;

	alarmq_remove(stack->queue, alarm);
	if ((record = units_find(stack->units, alarm->unit_id)) != NULL)
		stack_unit_remove(record, alarm);
	free(alarm);
}

static int
stack_load_alarm(const struct alarm *stored, void *arg)
{
	struct stack		*stack = arg;
	struct unit_record	*record;
	struct alarm		*alarm;

	if ((record = units_find(stack->units, stored->unit_id)) == NULL) {
		log_warnx("alarm %lld of unit %s, which is no longer registered, "
		    "stays in the store only", (long long)stored->id,
		    stored->unit_id);
		return 0;
	}
	if ((alarm = malloc(sizeof(*alarm))) == NULL)
		return -1;
	*alarm = *stored;
	return stack_insert(stack, record, alarm);
}

static int
stack_load_test(const char *unit_id, int64_t until_ms, void *arg)
{
	struct stack		*stack = arg;
	struct unit_record	*record;

	if ((record = units_find(stack->units, unit_id)) != NULL)
		record->test_until_ms = until_ms;
	return 0;
}

int
stack_load(struct stack *stack, char *err, size_t errlen)
{
	struct timeval		 tick = timenow_tv(STACK_ESCALATION_TICK_MS);
	struct unit_record	*record;
	int64_t			 now = timenow_wall_ms(), max_id;
	size_t			 i;

	for (i = 0; i < units_count(stack->units); i++) {
		record = units_at(stack->units, i);
		record->test_until_ms = record->reg->on_test_until_ms;
	}
	if (store_alarms_open_each(stack->store, stack_load_alarm, stack) == -1 ||
	    store_tests_each(stack->store, stack_load_test, stack) == -1) {
		snprintf(err, errlen, "loading open alarms: %s",
		    store_error(stack->store));
		return -1;
	}
	if (store_alarm_max_id(stack->store, &max_id) == -1) {
		snprintf(err, errlen, "reading alarm ids: %s",
		    store_error(stack->store));
		return -1;
	}
	stack->next_alarm_id = max_id + 1;
	for (i = 0; i < units_count(stack->units); i++)
		if (units_at(stack->units, i)->test_until_ms > now)
			stack_test_arm(stack, units_at(stack->units, i), now);
	if (event_add(stack->escalation, &tick) == -1) {
		snprintf(err, errlen, "cannot start the escalation timer");
		return -1;
	}
	if (alarmq_count(stack->queue) > 0)
		log_info("stack: %zu open alarms restored",
		    alarmq_count(stack->queue));
	return 0;
}

static int
stack_journal(struct stack *stack, enum stack_change_kind kind,
    struct alarm *alarm, struct unit_record *record, enum evtype type,
    int old_value)
{
	struct stack_change	*grown;
	size_t			 capacity;

	if (stack->change_count == stack->change_capacity) {
		capacity = stack->change_capacity ? stack->change_capacity * 2 : 64;
		if ((grown = realloc(stack->changes, capacity *
		    sizeof(*grown))) == NULL)
			return -1;
		stack->changes = grown;
		stack->change_capacity = capacity;
	}
	stack->changes[stack->change_count++] = (struct stack_change){
		.kind = kind, .alarm = alarm, .record = record, .type = type,
		.old_value = old_value
	};
	return 0;
}

/* A new alarm of the unit's, with its final id, not yet in the stack. */
static struct alarm *
stack_alarm_new(struct stack *stack, struct unit_record *record,
    enum evtype type, int64_t received_ms)
{
	struct alarm	*alarm;

	if ((alarm = calloc(1, sizeof(*alarm))) == NULL)
		return NULL;
	alarm->priority = stack->registry->priorities[type];
	alarm->state = ALARM_QUEUED;
	alarm->type = type;
	snprintf(alarm->unit_id, sizeof(alarm->unit_id), "%s", record->reg->id);
	snprintf(alarm->site_id, sizeof(alarm->site_id), "%s", record->reg->site);
	alarm->raised_ms = received_ms;
	alarm->count = 1;
	alarm->first_claimed_ms = -1;
	alarm->last_escalated_ms = -1;
	/* Its final id before any commit: an alarm shown unstored keeps it. */
	alarm->id = stack->next_alarm_id++;
	return alarm;
}

static int
stack_raise(struct stack *stack, struct unit_record *record, enum evtype type,
    int64_t event_row_id, int64_t received_ms)
{
	struct alarm	*alarm;
	char		 detail[160];

	if ((alarm = stack_alarm_new(stack, record, type, received_ms)) == NULL)
		return -1;
	snprintf(detail, sizeof(detail), "type=%s unit=%s prio=%d",
	    evtype_name(type), alarm->unit_id, alarm->priority);
	if (store_alarm_insert(stack->store, alarm, event_row_id) == -1 ||
	    store_audit_append(stack->store, received_ms, "", alarm->id, "raise",
	    detail) == -1) {
		free(alarm);
		return -1;
	}
	if (stack_insert(stack, record, alarm) == -1)
		return -1;
	if (stack_journal(stack, STACK_RAISED, alarm, record, type, 0) == -1) {
		stack_delete(stack, alarm);
		return -1;
	}
	return 0;
}

/* A held alarm's event is in this transaction: write the alarm with it. */
static int
stack_store_held(struct stack *stack, struct unit_record *record,
    int64_t event_row_id, int64_t id)
{
	struct alarm	*alarm;

	if ((alarm = alarmq_find(stack->queue, id)) == NULL || !alarm->unstored)
		return 0;	/* resolved meanwhile cannot be; gone with a reload */
	if (stack_held_store(stack, alarm, event_row_id) == -1)
		return -1;
	alarm->unstored = 0;
	return stack_journal(stack, STACK_STORED, alarm, record, alarm->type, 1);
}

int
stack_event(struct stack *stack, struct unit_record *record, enum evtype type,
    int64_t event_row_id, int64_t received_ms, int64_t held)
{
	struct store		*store = stack->store;
	const int		*priorities = stack->registry->priorities;
	struct alarm		*open = NULL;
	enum alarm_effect	 effect;
	char			 detail[96];
	int			 lookup, old;

	if (held > 0)
		return stack_store_held(stack, record, event_row_id, held);
	if ((lookup = alarm_effect_lookup_type(priorities, type)) >= 0)
		open = stack_unit_newest(record, (enum evtype)lookup);
	effect = alarm_effect(priorities, type,
	    stack_unit_on_test(record, received_ms), open);
	switch (effect) {
	case ALARM_EFFECT_NONE:
		return 0;
	case ALARM_EFFECT_RAISE:
		return stack_raise(stack, record, type, event_row_id, received_ms);
	case ALARM_EFFECT_TESTSIGNAL:
		return stack_journal(stack, STACK_TESTSIGNAL, NULL, record, type, 0);
	case ALARM_EFFECT_REPEAT:
		old = open->count++;
		snprintf(detail, sizeof(detail), "type=%s count=%d",
		    evtype_name(type), open->count);
		if (store_alarm_attach(store, open, event_row_id, -1) == -1 ||
		    store_audit_append(store, received_ms, "", open->id,
		    "repeat", detail) == -1 ||
		    stack_journal(stack, STACK_REPEATED, open, record, type,
		    old) == -1) {
			open->count = old;
			return -1;
		}
		return 0;
	case ALARM_EFFECT_RESTORE:
		old = open->restored;
		open->restored = 1;
		snprintf(detail, sizeof(detail), "type=%s", evtype_name(type));
		if (store_alarm_attach(store, open, event_row_id,
		    received_ms) == -1 ||
		    store_audit_append(store, received_ms, "", open->id,
		    "restore", detail) == -1 ||
		    stack_journal(stack, STACK_RESTORED, open, record, type,
		    old) == -1) {
			open->restored = old;
			return -1;
		}
		return 0;
	}
	return 0;
}

void
stack_batch_abort(struct stack *stack)
{
	struct stack_change	*change;
	size_t			 i;

	for (i = stack->change_count; i > 0; i--) {
		change = &stack->changes[i - 1];
		switch (change->kind) {
		case STACK_RAISED:
			/* The batch's ids were the last given: give them again. */
			if (change->alarm->id < stack->next_alarm_id)
				stack->next_alarm_id = change->alarm->id;
			stack_delete(stack, change->alarm);
			break;
		case STACK_STORED:
			change->alarm->unstored = 1;
			break;
		case STACK_REPEATED:
			change->alarm->count = change->old_value;
			break;
		case STACK_RESTORED:
			change->alarm->restored = change->old_value;
			break;
		case STACK_TESTSIGNAL:
			break;
		}
	}
	stack->change_count = 0;
}

int64_t
stack_hold(struct stack *stack, struct unit_record *record, enum evtype type,
    int64_t received_ms)
{
	const int		*priorities = stack->registry->priorities;
	struct alarm		*alarm, *open = NULL;
	int			 lookup;

	if ((lookup = alarm_effect_lookup_type(priorities, type)) >= 0)
		open = stack_unit_newest(record, (enum evtype)lookup);
	if (alarm_effect(priorities, type, stack_unit_on_test(record,
	    received_ms), open) != ALARM_EFFECT_RAISE || priorities[type] != 1)
		return 0;
	if ((alarm = stack_alarm_new(stack, record, type, received_ms)) == NULL)
		return 0;
	alarm->unstored = 1;
	if (stack_insert(stack, record, alarm) == -1)
		return 0;
	log_warnx("alarm=%lld unit=%s type=%s shown to operators before it is "
	    "stored", (long long)alarm->id, alarm->unit_id, evtype_name(type));
	stack_publish(stack, CHANGE_RAISED, alarm, NULL);
	return alarm->id;
}

void
stack_hold_settle(struct stack *stack)
{
	feed_settle(stack->feed);
}

void
stack_drop_held(struct stack *stack, int64_t id)
{
	struct alarm	*alarm;

	if ((alarm = alarmq_find(stack->queue, id)) == NULL || !alarm->unstored)
		return;
	log_warnx("alarm=%lld unit=%s dropped: its event was stored before, a "
	    "retransmission had raised it again", (long long)id, alarm->unit_id);
	stack_held_done(stack, id);
	stack_delete(stack, alarm);
}

void
stack_batch_commit(struct stack *stack)
{
	static const enum change_kind	 kinds[] = {
		[STACK_RAISED] = CHANGE_RAISED,
		[STACK_REPEATED] = CHANGE_REPEATED,
		[STACK_RESTORED] = CHANGE_RESTORED,
		[STACK_TESTSIGNAL] = CHANGE_TESTSIGNAL,
		[STACK_STORED] = CHANGE_STORED
	};
	struct stack_change		*change;
	struct change			 testsignal;
	size_t				 i;
	int				 pass;

	/* Priority-1 alarms go out before anything else of the batch. */
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < stack->change_count; i++) {
			change = &stack->changes[i];
			if ((change->alarm != NULL &&
			    change->alarm->priority == 1) != (pass == 0))
				continue;
			if (change->kind == STACK_STORED)
				stack_held_done(stack, change->alarm->id);
			if (change->kind != STACK_TESTSIGNAL) {
				stack_publish(stack, kinds[change->kind],
				    change->alarm, NULL);
				continue;
			}
			memset(&testsignal, 0, sizeof(testsignal));
			testsignal.kind = CHANGE_TESTSIGNAL;
			testsignal.unit_id = change->record->reg->id;
			testsignal.unit_name = change->record->reg->name;
			testsignal.type = change->type;
			feed_publish(stack->feed, &testsignal);
		}
}

void
stack_batch_finish(struct stack *stack)
{
	stack->change_count = 0;
	feed_settle(stack->feed);
}

void
stack_unit_added(struct stack *stack, struct unit_record *record)
{
	struct alarm	**all;
	size_t		  i, count;

	count = stack_sorted(stack, &all);
	for (i = 0; i < count; i++)
		if (strcmp(all[i]->unit_id, record->reg->id) == 0 &&
		    stack_unit_add(record, all[i]) == -1)
			log_warnx("unit=%s alarm=%lld not linked: out of memory",
			    record->reg->id, (long long)all[i]->id);
	/* Alarms were sorted by priority; the unit's list wants arrival order. */
	if (record->alarm_count > 1)
		qsort(record->alarms, record->alarm_count,
		    sizeof(*record->alarms), stack_by_seq);
	if (record->reg->on_test_until_ms > timenow_wall_ms())
		stack_test_set(stack, record, record->reg->on_test_until_ms);
}

struct alarm *
stack_find(struct stack *stack, int64_t id)
{
	return alarmq_find(stack->queue, id);
}

size_t
stack_sorted(struct stack *stack, struct alarm ***out)
{
	struct alarm	**grown;
	size_t		  count = alarmq_count(stack->queue);

	if (count > stack->sorted_capacity) {
		if ((grown = realloc(stack->sorted, count * sizeof(*grown))) ==
		    NULL) {
			*out = stack->sorted;
			return 0;
		}
		stack->sorted = grown;
		stack->sorted_capacity = count;
	}
	*out = stack->sorted;
	return count ? alarmq_sorted(stack->queue, stack->sorted) : 0;
}

size_t
stack_open_count(struct stack *stack)
{
	return alarmq_count(stack->queue);
}
