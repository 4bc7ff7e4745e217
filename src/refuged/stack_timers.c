/*
 * What time does to the stack: escalation of queued alarms, claims orphaned
 * by a restart, and units' test windows opening and closing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "refuge/config.h"
#include "refuge/feed.h"
#include "refuge/log.h"
#include "refuge/loop.h"
#include "refuge/stack.h"
#include "refuge/store.h"
#include "refuge/timefmt.h"
#include "refuge/timenow.h"
#include "refuge/units.h"
#include "stack_internal.h"

/* A test window's end timer: the record, and whose stack it is. */
struct stack_test_timer {
	struct stack		*stack;
	struct unit_record	*record;
};

static void
stack_publish_testmode(struct stack *stack, struct unit_record *record,
    int64_t until_ms)
{
	struct change	change;

	memset(&change, 0, sizeof(change));
	change.kind = CHANGE_TESTMODE;
	change.unit_id = record->reg->id;
	change.unit_name = record->reg->name;
	change.until_ms = until_ms;
	feed_publish(stack->feed, &change);
}

static void
stack_test_ended(evutil_socket_t fd, short what, void *arg)
{
	struct stack_test_timer	*timer = arg;

	(void)fd;
	(void)what;
	log_info("unit=%s test window ended", timer->record->reg->id);
	/*
	 * Ended when its timer says so: the wall clock may lag the monotonic
	 * one by a moment, and a press then must not be taken for a test.
	 */
	timer->record->test_until_ms = 0;
	stack_publish_testmode(timer->stack, timer->record, 0);
}

void
stack_test_arm(struct stack *stack, struct unit_record *record, int64_t now)
{
	struct stack_test_timer	*timer;

	if (record->test_end == NULL) {
		if ((timer = malloc(sizeof(*timer))) == NULL ||
		    (record->test_end = loop_timer_new(stack->base,
		    stack_test_ended, timer)) == NULL) {
			free(timer);
			log_warnx("unit=%s cannot arm the end of its test window",
			    record->reg->id);
			return;
		}
		timer->stack = stack;
		timer->record = record;
	}
	evtimer_del(record->test_end);
	if (record->test_until_ms <= now)
		return;
	loop_timer_add(record->test_end, record->test_until_ms - now);
}

void
stack_unit_free(struct unit_record *record)
{
	if (record->test_end == NULL)
		return;
	free(event_get_callback_arg(record->test_end));
	event_free(record->test_end);
	record->test_end = NULL;
}

enum alarm_status
stack_testmode(struct stack *stack, struct unit_record *record,
    int64_t duration_ms, const char *user)
{
	struct store	*store = stack->store;
	int64_t		 now = timenow_wall_ms();
	int64_t		 until = duration_ms > 0 ? now + duration_ms : 0;
	char		 detail[96], iso[TIMEFMT_ISO_LEN];

	if (until > 0)
		timefmt_iso8601(until, iso);
	snprintf(detail, sizeof(detail), "unit=%s until=%s", record->reg->id,
	    until > 0 ? iso : "off");
	if (store_begin(store) == -1 ||
	    store_test_set(store, record->reg->id, until, user, now) == -1 ||
	    store_audit_append(store, now, user, 0, "testmode", detail) == -1 ||
	    store_commit(store, NULL, NULL) == -1)
		return stack_store_failed(stack);
	record->test_until_ms = until;
	stack_test_arm(stack, record, now);
	log_info("unit=%s test mode %s by=%s", record->reg->id,
	    until > 0 ? iso : "off", user);
	stack_publish_testmode(stack, record, until);
	return ALARM_OK;
}

void
stack_test_set(struct stack *stack, struct unit_record *record,
    int64_t until_ms)
{
	int64_t	now = timenow_wall_ms();

	record->test_until_ms = until_ms;
	stack_test_arm(stack, record, now);
	stack_publish_testmode(stack, record, until_ms > now ? until_ms : 0);
}

/* A claim that outlived its operator's link (a restart), past one period. */
static int
stack_orphaned(struct stack *stack, const struct alarm *alarm, int64_t after)
{
	return alarm->state == ALARM_CLAIMED &&
	    timenow_mono_ms() - stack->started_mono_ms >= after &&
	    (stack->present == NULL ||
	    !stack->present(alarm->claimed_by, stack->present_arg));
}

void
stack_set_operators(struct stack *stack, stack_operators_fn *fn, void *arg)
{
	stack->operators = fn;
	stack->operators_arg = arg;
}

/*
 * No operator to see a queued alarm. Not in the first escalation.after of
 * a run: consoles reconnect after a restart, and open alarms must not page
 * the duty engineer each time refuged starts.
 */
static int
stack_unwatched(struct stack *stack)
{
	return stack->operators != NULL &&
	    stack->operators(stack->operators_arg) == 0 &&
	    timenow_mono_ms() - stack->started_mono_ms >=
	    stack->config->escalation_after_ms;
}

void
stack_escalation_raised(struct stack *stack)
{
	if (stack_unwatched(stack))
		event_active(stack->escalation, EV_TIMEOUT, 0);
}

static void
stack_escalate_publish(struct stack *stack, struct alarm *alarm, int level,
    int64_t waited_s, int first, int command)
{
	struct change	change;

	memset(&change, 0, sizeof(change));
	change.kind = CHANGE_ESCALATED;
	change.alarm = alarm;
	change.unit_id = alarm->unit_id;
	change.waited_s = waited_s;
	change.level = level;
	change.escalated_first = first;
	if (level >= 2) {
		/* Supervisors see level 2; everyone else still level 1. */
		change.audience = CHANGE_AUDIENCE_SUPERVISORS;
		change.command = command;
		feed_publish(stack->feed, &change);
		change.audience = CHANGE_AUDIENCE_OPERATORS;
		change.level = 1;
		change.escalated_first = 0;
		change.command = 0;
	}
	feed_publish(stack->feed, &change);
}

/*
 * An alarm loaded from the store at start-up, not raised in this run. The
 * levels its age implies were reached in the last run, and their command
 * run then: a restart must not page the duty engineer again.
 */
static int
stack_from_last_run(const struct alarm *alarm)
{
	return alarm->from_last_run && alarm->last_escalated_ms < 0;
}

/*
 * One alarm's escalation: a new level is published and audited at once, a
 * level reached before again every escalation.repeat. Returns the level
 * reached now (0: nothing published), and *audit set for a new level.
 */
static int
stack_escalate_one(struct stack *stack, struct alarm *alarm, int64_t now,
    int unwatched, int *audit)
{
	const struct refuge_config	*cf = stack->config;
	int64_t				 waited = now - alarm->raised_ms;
	int				 level, previous = alarm->escalation_level;

	*audit = 0;
	level = alarm_escalation_level(waited, cf->escalation_after_ms,
	    cf->escalation_supervisor_after_ms);
	if (previous == 0 && level > 0 && stack_from_last_run(alarm)) {
		/* Escalated in the last run: told again, not paged again. */
		alarm->escalation_level = previous = level;
		alarm->last_escalated_ms = now - cf->escalation_repeat_ms;
	}
	if (unwatched)
		level = 2;
	if (level == 0)
		return 0;
	if (level <= alarm->escalation_level) {
		if (alarm->last_escalated_ms >= 0 &&
		    now - alarm->last_escalated_ms < cf->escalation_repeat_ms)
			return 0;
		level = alarm->escalation_level;
	} else
		*audit = 1;
	alarm->last_escalated_ms = now;
	alarm->escalation_level = level;
	/* The command: once, when the alarm first reaches level 2. */
	stack_escalate_publish(stack, alarm, level, waited / 1000,
	    previous == 0, level == 2 && previous < 2);
	return level;
}

/* A new level's audit row, in the tick's one transaction. */
static void
stack_escalate_audit(struct stack *stack, const struct alarm *alarm,
    int64_t now, int *open)
{
	char	detail[64];

	if (!*open) {
		if (store_begin(stack->store) == -1) {
			(void)stack_store_failed(stack);
			return;
		}
		*open = 1;
	}
	snprintf(detail, sizeof(detail), "level=%d waited=%lld",
	    alarm->escalation_level,
	    (long long)((now - alarm->raised_ms) / 1000));
	if (store_audit_append(stack->store, now, "", alarm->id, "escalate",
	    detail) == -1) {
		(void)stack_store_failed(stack);
		*open = 0;
	}
}

/*
 * Queued alarms: level 1 after escalation.after (every console), level 2
 * after escalation.supervisor_after (supervisors, and the command), or at
 * once when no operator is logged in; each level again every
 * escalation.repeat while the alarm stays queued.
 */
void
stack_escalation_tick(evutil_socket_t fd, short what, void *arg)
{
	struct stack	 *stack = arg;
	struct alarm	**all, *alarm;
	int64_t		  now = timenow_wall_ms();
	int64_t		  after = stack->config->escalation_after_ms;
	char		  orphaned[STACK_ORPHANS_PER_TICK][ALARM_USER_MAX + 1];
	size_t		  i, count, orphans = 0, escalated = 0;
	int		  unwatched = -1, audit, open = 0, level;

	(void)fd;
	(void)what;
	count = stack_sorted(stack, &all);
	for (i = 0; i < count; i++) {
		alarm = all[i];
		/* Such a claim goes back to the queue. */
		if (orphans < STACK_ORPHANS_PER_TICK &&
		    stack_orphaned(stack, alarm, after)) {
			snprintf(orphaned[orphans++], sizeof(orphaned[0]), "%s",
			    alarm->claimed_by);
			continue;
		}
		if (alarm->state != ALARM_QUEUED)
			continue;
		if (unwatched == -1)
			unwatched = stack_unwatched(stack);
		if ((level = stack_escalate_one(stack, alarm, now, unwatched,
		    &audit)) == 0)
			continue;
		if (audit && !alarm->unstored)
			stack_escalate_audit(stack, alarm, now, &open);
		/* A mass outage must not bury the log: name a few, count the rest. */
		if (audit && ++escalated <= STACK_ESCALATIONS_LOGGED)
			log_warnx("alarm=%lld escalated unit=%s type=%s "
			    "level=%d: queued for %lld s%s", (long long)alarm->id,
			    alarm->unit_id, evtype_name(alarm->type), level,
			    (long long)((now - alarm->raised_ms) / 1000),
			    unwatched ? ", no operator logged in" : "");
	}
	if (open && store_commit(stack->store, NULL, NULL) == -1)
		(void)stack_store_failed(stack);
	if (escalated > STACK_ESCALATIONS_LOGGED)
		log_warnx("%zu alarms escalated in all, %zu not named above",
		    escalated, escalated - STACK_ESCALATIONS_LOGGED);
	/* After the walk: releasing re-sorts the array it walked. */
	for (i = 0; i < orphans; i++)
		stack_release_user(stack, orphaned[i]);
}
