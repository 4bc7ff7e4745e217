/*
 * A supervisor's take-over of a claimed alarm (CLAIM <id> force): the claim
 * moves to the supervisor in one transaction with its audit row, which
 * names whose claim it was, and operators are told as for any claim.
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

enum alarm_status
stack_claim_force(struct stack *stack, int64_t id, const char *user)
{
	struct store		*store = stack->store;
	struct alarm		*alarm, copy;
	struct change		 change;
	enum alarm_status	 status;
	char			 from[ALARM_USER_MAX + 1];
	char			 detail[ALARM_USER_MAX + 32];
	int64_t			 now = timenow_wall_ms();

	if ((alarm = alarmq_find(stack->queue, id)) == NULL ||
	    alarm->state != ALARM_CLAIMED ||
	    strcmp(alarm->claimed_by, user) == 0)
		return stack_claim(stack, id, user);
	if (alarm->unstored)
		return ALARM_ERR_NOT_STORED;
	snprintf(from, sizeof(from), "%s", alarm->claimed_by);
	copy = *alarm;
	copy.state = ALARM_QUEUED;
	copy.claimed_by[0] = '\0';
	if ((status = alarm_claim(&copy, user, now)) != ALARM_OK)
		return status;
	snprintf(detail, sizeof(detail), "force=1 from=%s", from);
	if (store_begin(store) == -1 || store_alarm_save_claim(store, &copy) ==
	    -1 || store_audit_append(store, now, user, id, "claim", detail) ==
	    -1 || store_commit(store, NULL, NULL) == -1)
		return stack_store_failed(stack);
	*alarm = copy;
	log_info("alarm=%lld claimed by=%s force=1 from=%s", (long long)id, user,
	    from);
	memset(&change, 0, sizeof(change));
	change.kind = CHANGE_CLAIMED;
	change.alarm = alarm;
	change.unit_id = alarm->unit_id;
	change.unit_name = stack_unit_name(stack, alarm->unit_id);
	stack_locate(stack, &change);
	change.user = user;
	feed_publish(stack->feed, &change);
	return ALARM_OK;
}
