/*
 * What the receiver's replies mean to the console's model, request kind by
 * request kind (console_feed.h). The link calls these; they call only the
 * model.
 */
#include <stdio.h>
#include <string.h>

#include "refuge/opproto_client.h"

#include "console_feed.h"
#include "console_model.h"

void
console_feed_sending(struct console_model *m, enum console_req_kind kind,
    int64_t alarm_id, const char *unit, const char *what)
{
	switch (kind) {
	case CONSOLE_REQ_ALARMS:
		console_model_mark_alarms(m);
		break;
	case CONSOLE_REQ_UNITS:
		console_model_mark_units(m);
		break;
	case CONSOLE_REQ_HISTORY:
		console_model_history_clear(m, unit);
		break;
	case CONSOLE_REQ_PLAN:
		(void)console_model_plan_clear(m, alarm_id);
		break;
	case CONSOLE_REQ_SEARCH:
		console_record_search_clear(m);
		break;
	case CONSOLE_REQ_DETAIL:
		console_record_detail_clear(m, alarm_id);
		break;
	case CONSOLE_REQ_INFO:
		console_record_info_clear(m, what);
		break;
	case CONSOLE_REQ_OUTCOMES:
		console_record_outcomes_clear(m);
		break;
	default:
		break;
	}
}

void
console_feed_data(struct console_model *m, enum console_req_kind kind,
    int64_t alarm_id, const struct opproto_client_msg *msg, const char *line,
    const char *err)
{
	char	why[128];

	switch (kind) {
	case CONSOLE_REQ_HISTORY:
		console_model_history_line(m, line);
		break;
	case CONSOLE_REQ_PLAN:
		if (msg == NULL)
			console_model_message(m, "PLAN: %s", err);
		else if (console_model_plan_step_msg(m, alarm_id, msg, why,
		    sizeof(why)) == -1 && msg->kind == OPPROTO_CLIENT_STEP)
			console_model_message(m, "PLAN: %s", why);
		break;
	case CONSOLE_REQ_SEARCH:
		if (msg != NULL)
			(void)console_record_search_msg(m, msg);
		break;
	case CONSOLE_REQ_DETAIL:
		if (msg != NULL)
			(void)console_record_detail_msg(m, msg);
		break;
	case CONSOLE_REQ_INFO:
		if (msg != NULL)
			console_record_info_line(m, msg);
		break;
	case CONSOLE_REQ_OUTCOMES:
		if (msg != NULL)
			(void)console_record_outcome_msg(m, msg);
		break;
	default:
		break;
	}
}

/* What the message line says of a request's OK or ERR. */
static void
console_feed_message(struct console_model *m, enum console_req_kind kind,
    int64_t alarm_id, const char *what, const struct opproto_client_msg *msg,
    const char *line)
{
	int	ok = msg->kind == OPPROTO_CLIENT_OK;

	switch (kind) {
	case CONSOLE_REQ_NOTE:
		console_model_message(m, "NOTE %lld: %s", (long long)alarm_id,
		    line);
		return;
	case CONSOLE_REQ_PING:
		return;
	case CONSOLE_REQ_ALARMS:
	case CONSOLE_REQ_UNITS:
	case CONSOLE_REQ_HISTORY:
	case CONSOLE_REQ_PLAN:
	case CONSOLE_REQ_INFO:
	case CONSOLE_REQ_DETAIL:
		if (ok)
			return;
		break;
	case CONSOLE_REQ_CMD:
		if (!ok && strcmp(msg->err.code, "nodesk") == 0) {
			console_model_message(m, "%s: no desk phone: start "
			    "with --desk sip:... or REFUGE_DESK (%s)", what,
			    line);
			return;
		}
		break;
	default:
		break;
	}
	console_model_message(m, "%s: %s", what, line);
}

void
console_feed_done(struct console_model *m, enum console_req_kind kind,
    int64_t alarm_id, const char *unit, const char *what,
    const struct opproto_client_msg *msg, const char *line)
{
	int	ok = msg->kind == OPPROTO_CLIENT_OK;

	/* What this console did to the record's alarm is in its record now. */
	if (ok && alarm_id != 0 && alarm_id == m->record.id &&
	    kind != CONSOLE_REQ_DETAIL && kind != CONSOLE_REQ_PLAN &&
	    kind != CONSOLE_REQ_HISTORY)
		m->record_stale = 1;
	switch (kind) {
	case CONSOLE_REQ_ALARMS:
		if (ok)
			console_model_sweep_alarms(m);
		break;
	case CONSOLE_REQ_UNITS:
		if (ok)
			console_model_sweep_units(m);
		break;
	case CONSOLE_REQ_NOTE:
		if (ok)
			(void)console_model_note(m, alarm_id, what);
		break;
	case CONSOLE_REQ_CMD:
		if (ok && msg->ok.cmd_id[0] != '\0')
			console_model_cmd_sent(m, msg->ok.cmd_id, unit, what);
		break;
	case CONSOLE_REQ_SEARCH:
		console_record_search_done(m, ok ? msg->ok.detail : NULL);
		break;
	case CONSOLE_REQ_DETAIL:
		if (ok)
			m->record_loaded = 1;
		else if (strcmp(msg->err.code, "unknown") == 0 ||
		    strcmp(msg->err.code, "syntax") == 0) {
			/* An older receiver: the live view stops asking. */
			m->detail_unsupported = 1;
			return;
		}
		break;
	case CONSOLE_REQ_OUTCOMES:
		return;		/* ERR: an older receiver; the defaults stay */
	default:
		break;
	}
	console_feed_message(m, kind, alarm_id, what, msg, line);
}
