/*
 * A batch from ingest: inside ingest's transaction each stored event may
 * raise, repeat or restore an alarm; a journal keeps what the batch changed
 * in memory and the changes it owes the feed. Commit publishes them (priority
 * 1 first), abort walks the journal backwards. When the store fails, a
 * press is held: raised in memory, shown unstored, written later.
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

static int
stack_raise(struct stack *stack, struct unit_record *record, enum evtype type,
    int64_t event_row_id, int64_t received_ms, const char *attributes)
{
	struct alarm	*alarm;
	char		 detail[160];

	if ((alarm = stack_alarm_new(stack, record, type, received_ms)) == NULL)
		return -1;
	alarm_detail(attributes, alarm->detail, sizeof(alarm->detail));
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
	return stack_event_detail(stack, record, type, event_row_id,
	    received_ms, held, NULL);
}

int
stack_event_detail(struct stack *stack, struct unit_record *record,
    enum evtype type, int64_t event_row_id, int64_t received_ms, int64_t held,
    const char *attributes)
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
		return stack_raise(stack, record, type, event_row_id, received_ms,
		    attributes);
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
	stack_escalation_raised(stack);
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
	int				 pass, raised = 0;

	/* Priority-1 alarms go out before anything else of the batch. */
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < stack->change_count; i++) {
			change = &stack->changes[i];
			if ((change->alarm != NULL &&
			    change->alarm->priority == 1) != (pass == 0))
				continue;
			if (change->kind == STACK_STORED)
				stack_held_done(stack, change->alarm->id);
			raised |= change->kind == STACK_RAISED;
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
	if (raised)
		stack_escalation_raised(stack);
}

/* alarms.auto_resolve_restored: the batch's restores that close their alarm. */
static void
stack_batch_auto_resolve(struct stack *stack)
{
	struct stack_change	*change;
	int64_t			*ids;
	size_t			 i, n = 0;

	for (i = 0; i < stack->change_count; i++)
		if (stack->changes[i].kind == STACK_RESTORED &&
		    stack->config->auto_resolve_restored[
		    stack->changes[i].alarm->type])
			n++;
	if (n == 0)
		return;
	if ((ids = calloc(n, sizeof(*ids))) == NULL) {
		log_warnx("auto-resolve: out of memory; restored alarms stay "
		    "open");
		return;
	}
	for (i = 0, n = 0; i < stack->change_count; i++) {
		change = &stack->changes[i];
		if (change->kind == STACK_RESTORED &&
		    stack->config->auto_resolve_restored[change->alarm->type])
			ids[n++] = change->alarm->id;
	}
	stack_auto_resolve(stack, ids, n);
	free(ids);
}

void
stack_batch_finish(struct stack *stack)
{
	stack_batch_auto_resolve(stack);
	stack->change_count = 0;
	feed_settle(stack->feed);
}
