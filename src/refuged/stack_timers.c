/*
 * What time does to the stack: escalation of queued alarms, claims orphaned
 * by a restart, and units' test windows opening and closing.
 */
#include <stdio.h>
#include <string.h>

#include <event2/event.h>

#include "refuge/daemon.h"
#include "refuge/log.h"
#include "refuge/operator.h"
#include "refuge/stack.h"
#include "refuge/timefmt.h"
#include "stack_internal.h"

void
stack_test_arm(struct stack *stack, struct unit_record *record, int64_t now)
{
	struct timeval	tv;
	int64_t		delay;

	if (record->test_end == NULL &&
	    (record->test_end = daemon_timer_new(stack->daemon,
	    stack_test_ended, record)) == NULL) {
		log_warnx("unit=%s cannot arm the end of its test window",
		    record->reg->id);
		return;
	}
	evtimer_del(record->test_end);
	if (record->test_until_ms <= now)
		return;
	delay = record->test_until_ms - now;
	tv.tv_sec = delay / 1000;
	tv.tv_usec = (delay % 1000) * 1000;
	evtimer_add(record->test_end, &tv);
}

const char *
stack_testmode(struct stack *stack, struct unit_record *record,
    int64_t duration_ms, const char *user, char *text, size_t textlen)
{
	struct store	*store = stack->daemon->store;
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
		return stack_store_failed(stack, text, textlen);
	record->test_until_ms = until;
	stack_test_arm(stack, record, now);
	log_info("unit=%s test mode %s by=%s", record->reg->id,
	    until > 0 ? iso : "off", user);
	operator_push(stack->daemon, "TESTMODE %s %s%s", record->reg->id,
	    until > 0 ? "until=" : "off", until > 0 ? iso : "");
	return NULL;
}

void
stack_test_set(struct stack *stack, struct unit_record *record,
    int64_t until_ms)
{
	char	iso[TIMEFMT_ISO_LEN];
	int64_t	now = timenow_wall_ms();

	record->test_until_ms = until_ms;
	stack_test_arm(stack, record, now);
	if (until_ms > now) {
		timefmt_iso8601(until_ms, iso);
		operator_push(stack->daemon, "TESTMODE %s until=%s",
		    record->reg->id, iso);
	} else
		operator_push(stack->daemon, "TESTMODE %s off", record->reg->id);
}

void
stack_test_ended(evutil_socket_t fd, short what, void *arg)
{
	struct unit_record	*record = arg;

	(void)fd;
	(void)what;
	log_info("unit=%s test window ended", record->reg->id);
	operator_push(record->daemon, "TESTMODE %s off", record->reg->id);
}

int
stack_unit_on_test(const struct unit_record *record, int64_t now_ms)
{
	return record->test_until_ms > now_ms;
}

/* Queued alarms older than escalation.after are pushed again each period. */
void
stack_escalation_tick(evutil_socket_t fd, short what, void *arg)
{
	struct stack	 *stack = arg;
	struct alarm	**all, *alarm;
	int64_t		  now = timenow_wall_ms();
	int64_t		  after = stack->daemon->config->escalation_after_ms;
	char		  orphaned[STACK_ORPHANS_PER_TICK][ALARM_USER_MAX + 1];
	size_t		  i, count, orphans = 0, escalated = 0;

	(void)fd;
	(void)what;
	count = stack_sorted(stack, &all);
	for (i = 0; i < count; i++) {
		alarm = all[i];
		/*
		 * A claim that outlived its operator's link (a restart) goes back
		 * to the queue if they do not return within one period.
		 */
		if (alarm->state == ALARM_CLAIMED && orphans < STACK_ORPHANS_PER_TICK &&
		    timenow_mono_ms() - stack->daemon->started_mono_ms >= after &&
		    operator_user_sessions(stack->daemon, alarm->claimed_by) == 0) {
			snprintf(orphaned[orphans++], sizeof(orphaned[0]), "%s",
			    alarm->claimed_by);
			continue;
		}
		if (alarm->state != ALARM_QUEUED || now - alarm->raised_ms < after)
			continue;
		if (alarm->last_escalated_ms >= 0 &&
		    now - alarm->last_escalated_ms < after)
			continue;
		alarm->last_escalated_ms = now;
		stack->daemon->metrics.escalations++;
		/* A mass outage must not bury the log: name a few, count the rest. */
		if (++escalated <= STACK_ESCALATIONS_LOGGED)
			log_warnx("alarm=%lld escalated: queued for %lld s",
			    (long long)alarm->id,
			    (long long)((now - alarm->raised_ms) / 1000));
		operator_push(stack->daemon, "ESCALATE %lld waited=%lld",
		    (long long)alarm->id,
		    (long long)((now - alarm->raised_ms) / 1000));
	}
	if (escalated > STACK_ESCALATIONS_LOGGED)
		log_warnx("%zu alarms escalated in all, %zu not named above",
		    escalated, escalated - STACK_ESCALATIONS_LOGGED);
	/* After the walk: releasing re-sorts the array it walked. */
	for (i = 0; i < orphans; i++)
		stack_release_user(stack, orphaned[i]);
}
