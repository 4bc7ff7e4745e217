/*
 * The alarm stack's queue: alarms live in an alarmq (priority order, id
 * index) and in their unit's open list; both point at the same
 * heap-allocated struct, freed when the alarm is resolved. The bottom of
 * the stack's files: it calls none of the others.
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

const char *
stack_unit_name(struct stack *stack, const char *unit_id)
{
	struct unit_record	*record;

	record = units_find(stack->units, unit_id);
	return record != NULL ? record->reg->name : "";
}

/* An ALARM line's location: the unit's lat and lon from the registry. */
void
stack_locate(struct stack *stack, struct change *change)
{
	struct unit_record	*record;

	if ((record = units_find(stack->units, change->unit_id)) == NULL)
		return;
	change->located = 1;
	change->lat = record->reg->lat;
	change->lon = record->reg->lon;
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
	stack_locate(stack, &change);
	change.user = user;
	feed_publish(stack->feed, &change);
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

/* The unit's newest open alarm of a type, or NULL. */
struct alarm *
stack_unit_newest(struct unit_record *record, enum evtype type)
{
	size_t	i;

	for (i = record->alarm_count; i > 0; i--)
		if (record->alarms[i - 1]->type == type)
			return record->alarms[i - 1];
	return NULL;
}

/* Puts an alarm in the queue and its unit's list; frees it on failure. */
int
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

/* A new alarm of the unit's, with its final id, not yet in the stack. */
struct alarm *
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

int
stack_unit_on_test(const struct unit_record *record, int64_t now_ms)
{
	return record->test_until_ms > now_ms;
}
