/*
 * The alarm stack's life: made with its collaborators, rebuilt from the
 * store at start-up, told of units a reload added, freed. The top of the
 * stack's files: queue (stack_queue.c), batches (stack_batch.c), operator
 * actions (stack_actions.c), alarms held while the store fails
 * (stack_held.c) and time (stack_timers.c) lie below it, in that order.
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

static int
stack_by_seq(const void *a, const void *b)
{
	const struct alarm	*x = *(struct alarm *const *)a;
	const struct alarm	*y = *(struct alarm *const *)b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
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
	alarm->from_last_run = 1;
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

/* The open alarms and the test windows, as the store has them. */
static int
stack_load_store(struct stack *stack, char *err, size_t errlen)
{
	struct unit_record	*record;
	int64_t			 max_id;
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
	return 0;
}

int
stack_load(struct stack *stack, char *err, size_t errlen)
{
	struct timeval	tick = timenow_tv(STACK_ESCALATION_TICK_MS);
	int64_t		now = timenow_wall_ms();
	size_t		i;

	if (stack_load_store(stack, err, errlen) == -1)
		return -1;
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

void
stack_unload(struct stack *stack)
{
	struct alarm	**all;
	size_t		  i, count;

	event_del(stack->escalation);
	count = stack_sorted(stack, &all);
	for (i = 0; i < count; i++)
		stack_delete(stack, all[i]);
	/* Whatever stack_sorted could not list (out of memory) goes too. */
	while ((count = stack_sorted(stack, &all)) > 0)
		for (i = 0; i < count; i++)
			stack_delete(stack, all[i]);
	for (i = 0; i < units_count(stack->units); i++) {
		units_at(stack->units, i)->alarm_count = 0;
		stack_unit_free(units_at(stack->units, i));
	}
	stack_held_free(stack);
	stack->change_count = 0;
	/* Claims restored from here on wait escalation.after from now. */
	stack->started_mono_ms = timenow_mono_ms();
}

int
stack_view(struct stack *stack, char *err, size_t errlen)
{
	stack_unload(stack);
	return stack_load_store(stack, err, errlen);
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
