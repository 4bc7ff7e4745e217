/*
 * What operators do to alarms: claim, release, resolve, note. Each change is
 * its own transaction with its audit row, committed before it is pushed.
 */
#include <stdio.h>
#include <string.h>

#include "refuge/alarmq.h"
#include "refuge/daemon.h"
#include "refuge/log.h"
#include "refuge/operator.h"
#include "refuge/opproto.h"
#include "refuge/stack.h"
#include "stack_internal.h"

/* An alarm that is not open: resolved, or never was. */
static const char *
stack_not_open(struct stack *stack, int64_t id, char *text, size_t textlen)
{
	enum alarm_state	state;

	if (store_alarm_state(stack->daemon->store, id, &state) == 1 &&
	    state == ALARM_RESOLVED) {
		snprintf(text, textlen, "alarm %lld is already resolved",
		    (long long)id);
		return OPPROTO_ERR_STATE;
	}
	snprintf(text, textlen, "no alarm %lld", (long long)id);
	return OPPROTO_ERR_NOTFOUND;
}

static const char *
stack_status_code(enum alarm_status status, char *text, size_t textlen)
{
	snprintf(text, textlen, "%s", alarm_status_text(status));
	switch (status) {
	case ALARM_OK:
		return NULL;
	case ALARM_ERR_CLAIMED:
		return OPPROTO_ERR_CLAIMED;
	case ALARM_ERR_DENIED:
		return OPPROTO_ERR_DENIED;
	case ALARM_ERR_CLASSIFY:
		return OPPROTO_ERR_SYNTAX;
	default:
		return OPPROTO_ERR_STATE;
	}
}

const char *
stack_store_failed(struct stack *stack, char *text, size_t textlen)
{
	log_error("store: operator action not stored: %s",
	    store_error(stack->daemon->store));
	store_rollback(stack->daemon->store);
	snprintf(text, textlen, "storage failed; nothing changed");
	return OPPROTO_ERR_INTERNAL;
}

/* Stores a claim state change of copy, then makes it the alarm's. */
static const char *
stack_save_claim(struct stack *stack, struct alarm *alarm,
    const struct alarm *copy, const char *user, const char *action,
    char *text, size_t textlen)
{
	struct store	*store = stack->daemon->store;

	if (store_begin(store) == -1 || store_alarm_save_claim(store, copy) == -1 ||
	    store_audit_append(store, timenow_wall_ms(), user, alarm->id, action,
	    "") == -1 || store_commit(store, NULL, NULL) == -1)
		return stack_store_failed(stack, text, textlen);
	*alarm = *copy;
	return NULL;
}

const char *
stack_claim(struct stack *stack, int64_t id, const char *user, char *text,
    size_t textlen)
{
	struct alarm		*alarm, copy;
	enum alarm_status	 status;
	const char		*code;
	int			 first_claim;

	if ((alarm = alarmq_find(stack->queue, id)) == NULL)
		return stack_not_open(stack, id, text, textlen);
	if (alarm->state == ALARM_CLAIMED &&
	    strcmp(alarm->claimed_by, user) == 0)
		return NULL;
	copy = *alarm;
	first_claim = alarm->first_claimed_ms < 0;
	if ((status = alarm_claim(&copy, user, timenow_wall_ms())) != ALARM_OK)
		return stack_status_code(status, text, textlen);
	if ((code = stack_save_claim(stack, alarm, &copy, user, "claim", text,
	    textlen)) != NULL)
		return code;
	if (copy.first_claimed_ms >= 0 && first_claim)
		metrics_observe(&stack->daemon->metrics.time_to_claim,
		    (copy.first_claimed_ms - copy.raised_ms) / 1000.0);
	log_info("alarm=%lld claimed by=%s", (long long)id, user);
	operator_push_alarm(stack->daemon, alarm);
	operator_push(stack->daemon, "CLAIMED %lld by=%s", (long long)id, user);
	return NULL;
}

const char *
stack_release(struct stack *stack, int64_t id, const char *user,
    int supervisor, char *text, size_t textlen)
{
	struct alarm		*alarm, copy;
	enum alarm_status	 status;
	const char		*code;

	if ((alarm = alarmq_find(stack->queue, id)) == NULL)
		return stack_not_open(stack, id, text, textlen);
	copy = *alarm;
	/* Releasing someone else's claim is a state error, not a race lost. */
	if ((status = alarm_release(&copy, user, supervisor)) == ALARM_ERR_CLAIMED)
		status = ALARM_ERR_NOT_CLAIMED;
	if (status != ALARM_OK)
		return stack_status_code(status, text, textlen);
	if ((code = stack_save_claim(stack, alarm, &copy, user, "release", text,
	    textlen)) != NULL)
		return code;
	log_info("alarm=%lld released by=%s", (long long)id, user);
	operator_push_alarm(stack->daemon, alarm);
	operator_push(stack->daemon, "RELEASED %lld", (long long)id);
	return NULL;
}

void
stack_release_user(struct stack *stack, const char *user)
{
	struct alarm	**all, copy;
	size_t		  i, count;

	count = stack_sorted(stack, &all);
	for (i = 0; i < count; i++) {
		copy = *all[i];
		if (!alarm_release_user(&copy, user))
			continue;
		if (stack_save_claim(stack, all[i], &copy, user,
		    "release-on-disconnect", (char [64]){ 0 }, 64) != NULL)
			continue;
		log_info("alarm=%lld released: %s disconnected",
		    (long long)copy.id, user);
		operator_push_alarm(stack->daemon, all[i]);
		operator_push(stack->daemon, "RELEASED %lld", (long long)copy.id);
	}
}

const char *
stack_resolve(struct stack *stack, int64_t id, const char *user,
    int supervisor, enum alarm_outcome outcome, const char *reason,
    const char *action, const char *note, char *text, size_t textlen)
{
	struct store		*store = stack->daemon->store;
	struct alarm		*alarm, copy;
	enum alarm_status	 status;
	char			 detail[160];
	int64_t			 now = timenow_wall_ms();

	if ((alarm = alarmq_find(stack->queue, id)) == NULL)
		return stack_not_open(stack, id, text, textlen);
	copy = *alarm;
	status = alarm_resolve(&copy, user, supervisor, outcome, reason, action);
	if (status == ALARM_ERR_CLAIMED)
		status = ALARM_ERR_NOT_CLAIMED;
	if (status != ALARM_OK)
		return stack_status_code(status, text, textlen);
	snprintf(detail, sizeof(detail), "outcome=%s %s=%s",
	    alarm_outcome_name(outcome), reason ? "reason" : "action",
	    reason ? reason : action);
	if (store_begin(store) == -1 || store_alarm_resolve(store, &copy, user,
	    now, reason, action, note) == -1 ||
	    store_audit_append(store, now, user, id, "resolve", detail) == -1 ||
	    store_commit(store, NULL, NULL) == -1)
		return stack_store_failed(stack, text, textlen);
	log_info("alarm=%lld resolved by=%s %s", (long long)id, user, detail);
	stack_delete(stack, alarm);
	operator_push(stack->daemon, "RESOLVED %lld outcome=%s by=%s", (long long)id,
	    alarm_outcome_name(outcome), user);
	return NULL;
}

const char *
stack_note(struct stack *stack, int64_t id, const char *user, const char *note,
    char *text, size_t textlen)
{
	struct store	*store = stack->daemon->store;
	int64_t		 now = timenow_wall_ms();

	if (alarmq_find(stack->queue, id) == NULL)
		return stack_not_open(stack, id, text, textlen);
	if (store_begin(store) == -1 ||
	    store_alarm_note(store, id, now, user, note) == -1 ||
	    store_audit_append(store, now, user, id, "note", note) == -1 ||
	    store_commit(store, NULL, NULL) == -1)
		return stack_store_failed(stack, text, textlen);
	return NULL;
}

int
stack_audit(struct stack *stack, const char *user, int64_t alarm_id,
    const char *action, const char *detail)
{
	struct store	*store = stack->daemon->store;
	char		 text[64];

	if (store_begin(store) == -1 ||
	    store_audit_append(store, timenow_wall_ms(), user, alarm_id, action,
	    detail) == -1 || store_commit(store, NULL, NULL) == -1) {
		stack_store_failed(stack, text, sizeof(text));
		return -1;
	}
	return 0;
}
