/*
 * What operators do to alarms: claim, release, resolve, note. Each change is
 * its own transaction with its audit row, committed before it is published.
 */
#include <stdio.h>
#include <string.h>

#include "refuge/alarmq.h"
#include "refuge/feed.h"
#include "refuge/log.h"
#include "refuge/stack.h"
#include "refuge/store.h"
#include "refuge/timenow.h"
#include "stack_internal.h"

/* An alarm that is not open: resolved, or never was. */
static enum alarm_status
stack_not_open(struct stack *stack, int64_t id)
{
	enum alarm_state	state;

	if (store_alarm_state(stack->store, id, &state) == 1 &&
	    state == ALARM_RESOLVED)
		return ALARM_ERR_RESOLVED;
	return ALARM_ERR_NOT_FOUND;
}

enum alarm_status
stack_store_failed(struct stack *stack)
{
	log_error("store: operator action not stored: %s",
	    store_error(stack->store));
	store_rollback(stack->store);
	return ALARM_ERR_STORE;
}

/* Stores a claim state change of copy, then makes it the alarm's. */
static enum alarm_status
stack_save_claim(struct stack *stack, struct alarm *alarm,
    const struct alarm *copy, const char *user, const char *action)
{
	struct store	*store = stack->store;

	/* Not stored yet: written with the alarm itself. */
	if (alarm->unstored)
		return stack_held_action(stack, alarm, copy, user, action, NULL);
	if (store_begin(store) == -1 || store_alarm_save_claim(store, copy) == -1 ||
	    store_audit_append(store, timenow_wall_ms(), user, alarm->id, action,
	    "") == -1 || store_commit(store, NULL, NULL) == -1)
		return stack_store_failed(stack);
	*alarm = *copy;
	return ALARM_OK;
}

enum alarm_status
stack_claim(struct stack *stack, int64_t id, const char *user)
{
	struct alarm		*alarm, copy;
	enum alarm_status	 status;
	struct change		 change;
	int			 first_claim;

	if ((alarm = alarmq_find(stack->queue, id)) == NULL)
		return stack_not_open(stack, id);
	if (alarm->state == ALARM_CLAIMED &&
	    strcmp(alarm->claimed_by, user) == 0)
		return ALARM_OK;
	copy = *alarm;
	first_claim = alarm->first_claimed_ms < 0;
	if ((status = alarm_claim(&copy, user, timenow_wall_ms())) != ALARM_OK ||
	    (status = stack_save_claim(stack, alarm, &copy, user, "claim")) !=
	    ALARM_OK)
		return status;
	log_info("alarm=%lld claimed by=%s", (long long)id, user);
	memset(&change, 0, sizeof(change));
	change.kind = CHANGE_CLAIMED;
	change.alarm = alarm;
	change.unit_id = alarm->unit_id;
	change.unit_name = stack_unit_name(stack, alarm->unit_id);
	stack_locate(stack, &change);
	change.user = user;
	change.first_claim = first_claim;
	feed_publish(stack->feed, &change);
	return ALARM_OK;
}

enum alarm_status
stack_release(struct stack *stack, int64_t id, const char *user,
    int supervisor)
{
	struct alarm		*alarm, copy;
	enum alarm_status	 status;

	if ((alarm = alarmq_find(stack->queue, id)) == NULL)
		return stack_not_open(stack, id);
	copy = *alarm;
	/* Releasing someone else's claim is a state error, not a race lost. */
	if ((status = alarm_release(&copy, user, supervisor)) == ALARM_ERR_CLAIMED)
		status = ALARM_ERR_NOT_CLAIMED;
	if (status != ALARM_OK ||
	    (status = stack_save_claim(stack, alarm, &copy, user, "release")) !=
	    ALARM_OK)
		return status;
	log_info("alarm=%lld released by=%s", (long long)id, user);
	stack_publish(stack, CHANGE_RELEASED, alarm, user);
	return ALARM_OK;
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
		    "release-on-disconnect") != ALARM_OK)
			continue;
		log_info("alarm=%lld released: %s disconnected",
		    (long long)copy.id, user);
		stack_publish(stack, CHANGE_RELEASED, all[i], user);
	}
}

enum alarm_status
stack_resolve(struct stack *stack, int64_t id, const char *user,
    int supervisor, enum alarm_outcome outcome, const char *reason,
    const char *action, const char *note)
{
	struct store		*store = stack->store;
	struct alarm		*alarm, copy;
	enum alarm_status	 status;
	char			 detail[160];
	int64_t			 now = timenow_wall_ms();

	if ((alarm = alarmq_find(stack->queue, id)) == NULL)
		return stack_not_open(stack, id);
	if (alarm->unstored)
		return ALARM_ERR_NOT_STORED;
	copy = *alarm;
	status = alarm_resolve(&copy, user, supervisor, outcome, reason, action);
	if (status == ALARM_ERR_CLAIMED)
		status = ALARM_ERR_NOT_CLAIMED;
	if (status != ALARM_OK)
		return status;
	snprintf(detail, sizeof(detail), "outcome=%s %s=%s",
	    alarm_outcome_name(outcome), reason ? "reason" : "action",
	    reason ? reason : action);
	if (store_begin(store) == -1 || store_alarm_resolve(store, &copy, user,
	    now, reason, action, note) == -1 ||
	    store_audit_append(store, now, user, id, "resolve", detail) == -1 ||
	    store_commit(store, NULL, NULL) == -1)
		return stack_store_failed(stack);
	log_info("alarm=%lld resolved by=%s %s", (long long)id, user, detail);
	stack_delete(stack, alarm);
	copy.state = ALARM_RESOLVED;
	copy.outcome = outcome;
	stack_publish(stack, CHANGE_RESOLVED, &copy, user);
	return ALARM_OK;
}

enum alarm_status
stack_note(struct stack *stack, int64_t id, const char *user, const char *note)
{
	struct store		*store = stack->store;
	struct alarm		*alarm;
	struct change		 change;
	enum alarm_status	 status;
	int64_t			 now = timenow_wall_ms();

	if ((alarm = alarmq_find(stack->queue, id)) == NULL)
		return stack_not_open(stack, id);
	if (alarm->unstored) {
		if ((status = stack_held_action(stack, alarm, NULL, user, "note",
		    note)) != ALARM_OK)
			return status;
	} else if (store_begin(store) == -1 ||
	    store_alarm_note(store, id, now, user, note) == -1 ||
	    store_audit_append(store, now, user, id, "note", note) == -1 ||
	    store_commit(store, NULL, NULL) == -1)
		return stack_store_failed(stack);
	memset(&change, 0, sizeof(change));
	change.kind = CHANGE_NOTED;
	change.alarm = alarm;
	change.unit_id = alarm->unit_id;
	change.user = user;
	change.text = note;
	feed_publish(stack->feed, &change);
	return ALARM_OK;
}

int
stack_audit(struct stack *stack, const char *user, int64_t alarm_id,
    const char *action, const char *detail)
{
	struct store	*store = stack->store;

	if (store_begin(store) == -1 ||
	    store_audit_append(store, timenow_wall_ms(), user, alarm_id, action,
	    detail) == -1 || store_commit(store, NULL, NULL) == -1) {
		(void)stack_store_failed(stack);
		return -1;
	}
	return 0;
}
