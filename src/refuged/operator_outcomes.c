/*
 * The outcome lists an operator classifies with (OUTCOMES), and a
 * supervisor's bulk close of restored technical alarms after a mass event
 * (RESOLVE restored type=<TYPE> [site=<s>] technical).
 */
#include <stdio.h>
#include <string.h>

#include "refuge/registry.h"
#include "refuge/stack.h"
#include "operator_internal.h"

/* One OUTCOME line: at most ALARM_WORDS_MAX + 1 words, so it fits 512 bytes. */
static void
operator_outcomes_line(struct operator_session *session, const char *outcome,
    const char *const *words)
{
	char	line[LINE_MAX_BYTES + 1];
	size_t	off;
	int	n;

	n = snprintf(line, sizeof(line), "OUTCOME %s", outcome);
	off = n > 0 ? (size_t)n : 0;
	for (; *words != NULL && off < sizeof(line); words++) {
		n = snprintf(line + off, sizeof(line) - off, " %s", *words);
		if (n < 0 || (size_t)n >= sizeof(line) - off)
			break;	/* cannot happen: registry_outcomes bounds them */
		off += (size_t)n;
	}
	line[off] = '\0';
	operator_printf(session, "%s", line);
}

void
operator_outcomes(struct operator_session *session,
    const struct opproto_request *request)
{
	struct alarm_lists	lists;

	(void)request;
	registry_outcomes_lists(session->link->deps.registry, &lists);
	operator_outcomes_line(session, "false", lists.false_reasons);
	operator_outcomes_line(session, "genuine", lists.genuine_actions);
	operator_outcomes_line(session, "technical", lists.technical_actions);
	operator_ok(session, NULL);
}

void
operator_outcomes_bulk(struct operator_session *session,
    const struct opproto_request *request)
{
	char	detail[32];
	size_t	count;

	if (session->role != REGISTRY_ROLE_SUPERVISOR) {
		operator_err(session, OPPROTO_ERR_DENIED,
		    "only a supervisor may resolve in bulk");
		return;
	}
	if (stack_resolve_restored(session->link->deps.stack, request->type,
	    request->site_id, session->user, &count) != ALARM_OK) {
		operator_err(session, OPPROTO_ERR_INTERNAL,
		    alarm_status_text(ALARM_ERR_STORE));
		return;
	}
	snprintf(detail, sizeof(detail), "%zu", count);
	operator_ok(session, detail);
}
