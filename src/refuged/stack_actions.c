/*
 * What operators do to alarms: claim, release, resolve, note. Each change is
 * its own transaction with its audit row, committed before it is published.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refuge/alarmq.h"
#include "refuge/config.h"
#include "refuge/feed.h"
#include "refuge/log.h"
#include "refuge/registry.h"
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
	log_info("alarm=%lld claimed unit=%s type=%s by=%s", (long long)id,
	    alarm->unit_id, evtype_name(alarm->type), user);
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
	log_info("alarm=%lld released unit=%s by=%s", (long long)id,
	    alarm->unit_id, user);
	stack_publish(stack, CHANGE_RELEASED, alarm, user);
	return ALARM_OK;
}

void
stack_release_user(struct stack *stack, const char *user)
{
	struct alarm	**all, copy;
	size_t		  i, count;

	/* A standby's view is not its to change: the active one releases. */
	if (!store_lease_held(stack->store))
		return;
	count = stack_sorted(stack, &all);
	for (i = 0; i < count; i++) {
		copy = *all[i];
		if (!alarm_release_user(&copy, user))
			continue;
		if (stack_save_claim(stack, all[i], &copy, user,
		    "release-on-disconnect") != ALARM_OK)
			continue;
		log_info("alarm=%lld released unit=%s: %s disconnected",
		    (long long)copy.id, copy.unit_id, user);
		stack_publish(stack, CHANGE_RELEASED, all[i], user);
	}
}

/* The audit detail of a resolve: "outcome=false reason=test". */
static void
stack_resolve_detail(char *buf, size_t len, enum alarm_outcome outcome,
    const char *reason, const char *action)
{
	snprintf(buf, len, "outcome=%s%s%s", alarm_outcome_name(outcome),
	    reason != NULL ? " reason=" : action != NULL ? " action=" : "",
	    reason != NULL ? reason : action != NULL ? action : "");
}

/* Inside a transaction: the resolve of copy, which the state machine passed. */
static int
stack_resolve_write(struct stack *stack, const struct alarm *copy,
    const char *user, const char *audit_user, int64_t now, const char *reason,
    const char *action, const char *note)
{
	char	detail[160];

	stack_resolve_detail(detail, sizeof(detail), copy->outcome, reason,
	    action);
	if (store_alarm_resolve(stack->store, copy, user, now, reason, action,
	    note) == -1 ||
	    store_audit_append(stack->store, now, audit_user, copy->id,
	    "resolve", detail) == -1)
		return -1;
	return 0;
}

/* After the commit: the alarm leaves the stack, operators are told. */
static void
stack_resolve_done(struct stack *stack, struct alarm *alarm,
    struct alarm *copy, const char *user)
{
	stack_delete(stack, alarm);
	copy->state = ALARM_RESOLVED;
	stack_publish(stack, CHANGE_RESOLVED, copy, user);
}

enum alarm_status
stack_resolve(struct stack *stack, int64_t id, const char *user,
    int supervisor, enum alarm_outcome outcome, const char *reason,
    const char *action, const char *note)
{
	struct store		*store = stack->store;
	struct alarm		*alarm, copy;
	struct alarm_lists	 lists;
	enum alarm_status	 status;
	char			 detail[160];
	int64_t			 now = timenow_wall_ms();

	if ((alarm = alarmq_find(stack->queue, id)) == NULL)
		return stack_not_open(stack, id);
	if (alarm->unstored)
		return ALARM_ERR_NOT_STORED;
	copy = *alarm;
	registry_outcomes_lists(stack->registry, &lists);
	status = alarm_resolve_with(&copy, user, supervisor, outcome, reason,
	    action, &lists);
	if (status == ALARM_ERR_CLAIMED)
		status = ALARM_ERR_NOT_CLAIMED;
	if (status != ALARM_OK)
		return status;
	if (store_begin(store) == -1 || stack_resolve_write(stack, &copy, user,
	    user, now, reason, action, note) == -1 ||
	    store_commit(store, NULL, NULL) == -1)
		return stack_store_failed(stack);
	stack_resolve_detail(detail, sizeof(detail), outcome, reason, action);
	log_info("alarm=%lld resolved unit=%s type=%s by=%s %s", (long long)id,
	    copy.unit_id, evtype_name(copy.type), user, detail);
	stack_resolve_done(stack, alarm, &copy, user);
	return ALARM_OK;
}

/*
 * Resolves the alarms of ids still open as technical action=restored, in
 * one transaction (a mass restore is one commit, not thousands), each with
 * its own audit row. user is who is named (resolved_by, the push);
 * audit_user the audit's ("" for the receiver). *count: how many.
 */
static enum alarm_status
stack_resolve_many(struct stack *stack, const int64_t *ids, size_t n,
    const char *user, const char *audit_user, size_t *count)
{
	struct alarm	*alarm, copy;
	int64_t		 now = timenow_wall_ms();
	size_t		 i, done = 0;

	*count = 0;
	if (n == 0)
		return ALARM_OK;
	if (store_begin(stack->store) == -1)
		return stack_store_failed(stack);
	for (i = 0; i < n; i++) {
		if ((alarm = alarmq_find(stack->queue, ids[i])) == NULL)
			continue;
		copy = *alarm;
		if (alarm_resolve_with(&copy, user, 1, ALARM_OUTCOME_TECHNICAL,
		    NULL, ALARM_ACTION_RESTORED, NULL) != ALARM_OK)
			continue;
		if (stack_resolve_write(stack, &copy, user, audit_user, now,
		    NULL, ALARM_ACTION_RESTORED, NULL) == -1)
			return stack_store_failed(stack);
		done++;
	}
	if (store_commit(stack->store, NULL, NULL) == -1)
		return stack_store_failed(stack);
	/* Nothing changed since the first pass: the same alarms pass. */
	for (i = 0; i < n; i++) {
		if ((alarm = alarmq_find(stack->queue, ids[i])) == NULL)
			continue;
		copy = *alarm;
		if (alarm_resolve_with(&copy, user, 1, ALARM_OUTCOME_TECHNICAL,
		    NULL, ALARM_ACTION_RESTORED, NULL) != ALARM_OK)
			continue;
		log_info("alarm=%lld resolved unit=%s type=%s by=%s "
		    "outcome=technical action=restored", (long long)copy.id,
		    copy.unit_id, evtype_name(copy.type), user);
		stack_resolve_done(stack, alarm, &copy, user);
	}
	*count = done;
	return ALARM_OK;
}

/* An alarm that a restore may close: technical, restored, stored. */
static int
stack_restored_technical(const struct alarm *alarm)
{
	return alarm->restored && !alarm->unstored &&
	    !alarm_is_activation(alarm->type);
}

enum alarm_status
stack_resolve_restored(struct stack *stack, enum evtype type,
    const char *site_id, const char *user, size_t *count)
{
	struct alarm		**all;
	int64_t			 *ids;
	enum alarm_status	  status;
	size_t			  i, n = 0, total;

	*count = 0;
	total = stack_sorted(stack, &all);
	if (total == 0)
		return ALARM_OK;
	if ((ids = calloc(total, sizeof(*ids))) == NULL)
		return ALARM_ERR_STORE;
	/* Ids, not pointers: publishing may walk the stack again. */
	for (i = 0; i < total; i++)
		if (all[i]->type == type && stack_restored_technical(all[i]) &&
		    (site_id == NULL || strcmp(all[i]->site_id, site_id) == 0))
			ids[n++] = all[i]->id;
	status = stack_resolve_many(stack, ids, n, user, user, count);
	if (status == ALARM_OK)
		log_info("bulk resolve by=%s type=%s site=%s: %zu alarms",
		    user, evtype_name(type), site_id ? site_id : "-", *count);
	free(ids);
	return status;
}

void
stack_auto_resolve(struct stack *stack, const int64_t *ids, size_t n)
{
	struct alarm	*alarm;
	int64_t		*due;
	size_t		 i, count = 0, done;

	if (n == 0 || (due = calloc(n, sizeof(*due))) == NULL)
		return;
	for (i = 0; i < n; i++) {
		alarm = alarmq_find(stack->queue, ids[i]);
		/* Claimed ones are an operator's to close. */
		if (alarm != NULL && alarm->state == ALARM_QUEUED &&
		    stack_restored_technical(alarm) &&
		    stack->config->auto_resolve_restored[alarm->type])
			due[count++] = ids[i];
	}
	(void)stack_resolve_many(stack, due, count, STACK_RECEIVER_USER, "",
	    &done);
	free(due);
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

	/* A standby writes nothing: its logins are in its log only. */
	if (!store_lease_held(store))
		return -1;
	if (store_begin(store) == -1 ||
	    store_audit_append(store, timenow_wall_ms(), user, alarm_id, action,
	    detail) == -1 || store_commit(store, NULL, NULL) == -1) {
		(void)stack_store_failed(stack);
		return -1;
	}
	return 0;
}
