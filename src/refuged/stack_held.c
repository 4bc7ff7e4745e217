/*
 * Alarms shown before their commit. When the store cannot commit (a full
 * disk), a new priority-1 alarm is still published at once, marked
 * unstored; ingest keeps its event and retries. Operators may claim,
 * release and annotate it meanwhile: the stack applies that in memory and
 * keeps the audit rows and notes here, in order, to write in the same
 * transaction as the alarm itself. Resolving waits for the commit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refuge/log.h"
#include "refuge/stack.h"
#include "refuge/store.h"
#include "refuge/timenow.h"
#include "stack_internal.h"

int
stack_held_store(struct stack *stack, struct alarm *alarm,
    int64_t event_row_id)
{
	struct store		*store = stack->store;
	struct stack_pending	*p;
	char			 detail[160];
	size_t			 i;

	snprintf(detail, sizeof(detail), "type=%s unit=%s prio=%d",
	    evtype_name(alarm->type), alarm->unit_id, alarm->priority);
	if (store_alarm_insert(store, alarm, event_row_id) == -1 ||
	    store_audit_append(store, alarm->raised_ms, "", alarm->id, "raise",
	    detail) == -1)
		return -1;
	for (i = 0; i < stack->pending_count; i++) {
		p = &stack->pending[i];
		if (p->alarm_id != alarm->id)
			continue;
		if (store_audit_append(store, p->time_ms, p->user, p->alarm_id,
		    p->action, p->text != NULL ? p->text : "") == -1 ||
		    (p->text != NULL && store_alarm_note(store, p->alarm_id,
		    p->time_ms, p->user, p->text) == -1))
			return -1;
	}
	if ((alarm->state != ALARM_QUEUED || alarm->first_claimed_ms >= 0) &&
	    store_alarm_save_claim(store, alarm) == -1)
		return -1;
	return 0;
}

enum alarm_status
stack_held_action(struct stack *stack, struct alarm *alarm,
    const struct alarm *copy, const char *user, const char *action,
    const char *text)
{
	struct stack_pending	*grown, *p;

	if (stack->pending_count == STACK_PENDING_MAX) {
		log_warnx("alarm=%lld %s by=%s refused: %d actions already wait "
		    "for the store", (long long)alarm->id, action, user,
		    STACK_PENDING_MAX);
		return ALARM_ERR_STORE;
	}
	if ((grown = realloc(stack->pending, (stack->pending_count + 1) *
	    sizeof(*grown))) == NULL)
		return ALARM_ERR_STORE;
	stack->pending = grown;
	p = &stack->pending[stack->pending_count];
	memset(p, 0, sizeof(*p));
	if (text != NULL && (p->text = strdup(text)) == NULL)
		return ALARM_ERR_STORE;
	p->alarm_id = alarm->id;
	p->time_ms = timenow_wall_ms();
	snprintf(p->user, sizeof(p->user), "%s", user);
	snprintf(p->action, sizeof(p->action), "%s", action);
	stack->pending_count++;
	if (copy != NULL)
		*alarm = *copy;
	return ALARM_OK;
}

void
stack_held_done(struct stack *stack, int64_t alarm_id)
{
	size_t	i, kept = 0;

	for (i = 0; i < stack->pending_count; i++) {
		if (stack->pending[i].alarm_id == alarm_id) {
			free(stack->pending[i].text);
			continue;
		}
		stack->pending[kept++] = stack->pending[i];
	}
	stack->pending_count = kept;
}

void
stack_held_free(struct stack *stack)
{
	size_t	i;

	for (i = 0; i < stack->pending_count; i++)
		free(stack->pending[i].text);
	free(stack->pending);
	stack->pending = NULL;
	stack->pending_count = 0;
}
