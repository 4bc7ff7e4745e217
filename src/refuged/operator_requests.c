/*
 * Operator requests once logged in: the stack's views and actions, unit
 * commands, history, figures. Most handlers answer in one go: data lines
 * and the final OK/ERR are queued together, so no push falls inside.
 * ALARMS, UNITS and HISTORY, which can be long, set up a reply that
 * operator_reply.c produces as the link drains.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refuge/command.h"
#include "refuge/line.h"
#include "refuge/operator.h"
#include "refuge/opproto.h"
#include "refuge/stack.h"
#include "refuge/stats.h"
#include "refuge/store.h"
#include "refuge/timefmt.h"
#include "refuge/timenow.h"
#include "refuge/units.h"
#include "refuge/uproto.h"
#include "operator_internal.h"

/* A stack action's answer: the domain status as an ERR code and text. */
void
operator_answer(struct operator_session *session, enum alarm_status status,
    int64_t alarm_id)
{
	char	text[256];

	switch (status) {
	case ALARM_OK:
		operator_ok(session, NULL);
		return;
	case ALARM_ERR_NOT_FOUND:
		snprintf(text, sizeof(text), "no alarm %lld", (long long)alarm_id);
		operator_err(session, OPPROTO_ERR_NOTFOUND, text);
		return;
	case ALARM_ERR_RESOLVED:
		snprintf(text, sizeof(text), "alarm %lld is already resolved",
		    (long long)alarm_id);
		operator_err(session, OPPROTO_ERR_STATE, text);
		return;
	case ALARM_ERR_STORE:
		operator_err(session, OPPROTO_ERR_INTERNAL,
		    alarm_status_text(status));
		return;
	case ALARM_ERR_CLAIMED:
		operator_err(session, OPPROTO_ERR_CLAIMED,
		    alarm_status_text(status));
		return;
	case ALARM_ERR_DENIED:
		operator_err(session, OPPROTO_ERR_DENIED,
		    alarm_status_text(status));
		return;
	case ALARM_ERR_CLASSIFY:
	case ALARM_ERR_OUTCOME:
		operator_err(session, OPPROTO_ERR_SYNTAX,
		    alarm_status_text(status));
		return;
	case ALARM_ERR_NOT_CLAIMED:
	case ALARM_ERR_NOT_STORED:
		break;
	}
	operator_err(session, OPPROTO_ERR_STATE, alarm_status_text(status));
}

static void
operator_ping(struct operator_session *session,
    const struct opproto_request *request)
{
	(void)request;
	operator_ok(session, NULL);
}

int
operator_standby(struct operator_link *link, const char **active)
{
	struct change	change;

	*active = "";
	if (link->deps.receiver_state == NULL)
		return 0;
	memset(&change, 0, sizeof(change));
	change.kind = CHANGE_RECEIVER;
	link->deps.receiver_state(&change, link->deps.receiver_arg);
	if (change.role == NULL || strcmp(change.role, "standby") != 0)
		return 0;
	if (change.active != NULL)
		*active = change.active;
	return 1;
}

void
operator_standby_refuse(struct operator_session *session, const char *active)
{
	if (active[0] == '\0')
		operator_printf(session, "ERR %s this receiver is a standby; "
		    "the active one is not known yet", OPPROTO_ERR_STANDBY);
	else
		operator_printf(session, "ERR %s active=%s", OPPROTO_ERR_STANDBY,
		    active);
}

static void
operator_alarms(struct operator_session *session,
    const struct opproto_request *request)
{
	struct operator_reply	 *r = &session->reply;
	struct alarm		**all;
	const char		 *active;
	char			  err[256];
	size_t			  i, count;

	(void)request;
	/* A standby's stack is a look at the store, taken afresh each time. */
	if (operator_standby(session->link, &active) &&
	    stack_view(session->link->deps.stack, err, sizeof(err)) == -1) {
		log_warnx("operator=%s ALARMS on a standby: %s", session->user,
		    err);
		operator_err(session, OPPROTO_ERR_INTERNAL, "the database "
		    "cannot be read");
		return;
	}
	count = stack_sorted(session->link->deps.stack, &all);
	if (count > 0 && (r->ids = calloc(count, sizeof(*r->ids))) == NULL) {
		operator_err(session, OPPROTO_ERR_INTERNAL, "out of memory");
		return;
	}
	/* Ids, not pointers: an alarm may be resolved and freed meanwhile. */
	for (i = 0; i < count; i++)
		r->ids[i] = all[i]->id;
	r->kind = OPERATOR_REPLY_ALARMS;
	r->total = count;
	operator_reply_start(session);
}

static void
operator_units(struct operator_session *session,
    const struct opproto_request *request)
{
	struct operator_deps	*deps = &session->link->deps;
	const char		*active;

	(void)request;
	/* A standby's unit states are the active receiver's, as stored. */
	if (operator_standby(session->link, &active) &&
	    units_reload_state(deps->units, deps->store) == -1)
		log_warnx("operator=%s UNITS on a standby: states not read: %s",
		    session->user, store_error(deps->store));
	session->reply.kind = OPERATOR_REPLY_UNITS;
	session->reply.total = units_count(session->link->deps.units);
	operator_reply_start(session);
}

static void
operator_release(struct operator_session *session,
    const struct opproto_request *request)
{
	operator_answer(session, stack_release(session->link->deps.stack,
	    request->alarm_id, session->user,
	    session->role == REGISTRY_ROLE_SUPERVISOR), request->alarm_id);
}

static void
operator_note(struct operator_session *session,
    const struct opproto_request *request)
{
	operator_answer(session, stack_note(session->link->deps.stack,
	    request->alarm_id, session->user, request->text), request->alarm_id);
}

static void
operator_resolve(struct operator_session *session,
    const struct opproto_request *request)
{
	if (request->bulk_restored) {
		operator_outcomes_bulk(session, request);
		return;
	}
	operator_answer(session, stack_resolve(session->link->deps.stack,
	    request->alarm_id, session->user,
	    session->role == REGISTRY_ROLE_SUPERVISOR, request->outcome,
	    request->reason, request->action, request->text), request->alarm_id);
}

static void
operator_cmd(struct operator_session *session,
    const struct opproto_request *request)
{
	struct unit_record	*record;
	struct uproto_cmd	 cmd;
	const char		*reason;
	char			 err[128], cmd_id[COMMAND_ID_LEN];
	char			 text[LINE_MAX_BYTES];
	size_t			 i, off = 0;

	if ((record = units_find(session->link->deps.units,
	    request->unit_id)) == NULL) {
		operator_printf(session, "ERR %s unknown unit %s",
		    OPPROTO_ERR_NOTFOUND, request->unit_id);
		return;
	}
	if (units_dc09_only(record)) {
		/* DC-09 is one-way: say so now rather than time out. */
		operator_err(session, OPPROTO_ERR_STATE,
		    "unit takes no commands (dc09 only)");
		return;
	}
	if (uproto_cmd_parse(&cmd, request->words, request->word_count, err,
	    sizeof(err)) == -1) {
		operator_err(session, OPPROTO_ERR_SYNTAX, err);
		return;
	}
	if (cmd.kind == UPROTO_CMD_AUDIO_OPEN && cmd.arg[0] == '\0' &&
	    operator_desk_audio_uri(session, record, &cmd) == -1)
		return;
	text[0] = '\0';
	for (i = 0; i < request->word_count && off < sizeof(text); i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off, "%s%s",
		    i ? " " : "", request->words[i]);
	/* The record shows the uri the desk or the registry gave. */
	if (request->word_count == 2 && cmd.kind == UPROTO_CMD_AUDIO_OPEN &&
	    off < sizeof(text))
		snprintf(text + off, sizeof(text) - off, " %s", cmd.arg);
	if (command_send(session->link->deps.command, record, &cmd, 0,
	    session->user, text, cmd_id, &reason) == -1) {
		operator_err(session, OPPROTO_ERR_OFFLINE, reason);
		return;
	}
	operator_printf(session, "OK cmd=%s", cmd_id);
}

/* HISTORY's lines, gathered when asked (at most 1,000) and sent as it drains. */
struct operator_history {
	char	*text;
	size_t	 len, cap;
	size_t	 count;
	int	 failed;
};

/* Appends a line of n bytes: 1, 0 when it did not fit its buffer, -1 out of memory. */
static int
operator_history_add(struct operator_history *history, const char *line,
    int n, size_t max)
{
	size_t	 cap;
	char	*grown;

	if (n < 0 || (size_t)n >= max)
		return 0;	/* cannot happen: every field is bounded */
	if (history->len + (size_t)n > history->cap) {
		cap = history->cap ? history->cap : 16384;
		while (cap < history->len + (size_t)n)
			cap *= 2;
		if ((grown = realloc(history->text, cap)) == NULL) {
			history->failed = 1;
			return -1;
		}
		history->text = grown;
		history->cap = cap;
	}
	memcpy(history->text + history->len, line, (size_t)n);
	history->len += (size_t)n;
	return 1;
}

static int
operator_history_line(const struct store_history_event *event, void *arg)
{
	struct operator_history	*history = arg;
	char			 at[TIMEFMT_ISO_LEN], unit_at[TIMEFMT_ISO_LEN + 16];
	char			 line[2048];
	int			 receiver = strcmp(event->source, "receiver") == 0;
	int			 added;

	timefmt_iso8601(event->received_ms, at);
	unit_at[0] = '\0';
	if (event->unit_time_ms >= 0) {
		memcpy(unit_at, " unit_at=", 9);
		timefmt_iso8601(event->unit_time_ms, unit_at + 9);
	}
	added = operator_history_add(history, line, snprintf(line, sizeof(line),
	    "EVENT %s %s at=%s%s%s%s%s\n", event->unit_event_id, event->type, at,
	    receiver ? " source=receiver" : "", unit_at,
	    event->attributes[0] ? " " : "", event->attributes), sizeof(line));
	if (added == 1)
		history->count++;
	return added == -1 ? -1 : 0;
}

static void
operator_history(struct operator_session *session,
    const struct opproto_request *request)
{
	struct store		*store = session->link->deps.store;
	struct operator_history	 history = { NULL, 0, 0, 0, 0 };
	char			 final[32];

	if (units_find(session->link->deps.units, request->unit_id) == NULL) {
		operator_printf(session, "ERR %s unknown unit %s",
		    OPPROTO_ERR_NOTFOUND, request->unit_id);
		return;
	}
	if (store_history_each(store, request->unit_id,
	    request->history_count, operator_history_line, &history) == -1 ||
	    history.failed || operator_history_add(&history, final,
	    snprintf(final, sizeof(final), "OK %zu\n", history.count),
	    sizeof(final)) != 1) {
		free(history.text);
		operator_err(session, OPPROTO_ERR_INTERNAL, history.failed ?
		    "out of memory" : "cannot read history");
		return;
	}
	session->reply.kind = OPERATOR_REPLY_TEXT;
	session->reply.text = history.text;
	session->reply.total = history.len;
	operator_reply_start(session);
}

/* Resolved and open alarms copied out of the store for stats_compute. */
struct operator_stats_rows {
	struct stats_alarm	*rows;
	size_t			 count;
	size_t			 capacity;
};

static int
operator_stats_row(const struct stats_alarm *alarm, void *arg)
{
	struct operator_stats_rows	*rows = arg;
	struct stats_alarm		*grown, *row;
	size_t				 capacity;

	if (rows->count == rows->capacity) {
		capacity = rows->capacity ? rows->capacity * 2 : 256;
		if ((grown = realloc(rows->rows, capacity * sizeof(*grown))) ==
		    NULL)
			return -1;
		rows->rows = grown;
		rows->capacity = capacity;
	}
	row = &rows->rows[rows->count];
	if (stats_alarm_copy(row, alarm) == -1)
		return -1;
	rows->count++;
	return 0;
}

static void
operator_stats_percentiles(struct operator_session *session, const char *name,
    const struct stats_percentiles *p)
{
	operator_printf(session, "STAT %s count=%zu median=%.3f p80=%.3f "
	    "p98_5=%.3f max=%.3f within_30s=%.1f within_60s=%.1f", name,
	    p->count, p->p50_ms / 1000.0, p->p80_ms / 1000.0,
	    p->p985_ms / 1000.0, p->max_ms / 1000.0, p->within_30s * 100.0,
	    p->within_60s * 100.0);
	if (p->waiting > 0)
		operator_printf(session, "STAT %s_waiting count=%zu", name,
		    p->waiting);
}

static void
operator_stats(struct operator_session *session,
    const struct opproto_request *request)
{
	struct operator_stats_rows	 rows = { NULL, 0, 0 };
	struct stats_summary		*summary;
	size_t				 i;

	if ((summary = calloc(1, sizeof(*summary))) == NULL ||
	    store_stats_each(session->link->deps.store, request->since_ms, -1,
	    operator_stats_row, &rows) == -1 ||
	    stats_compute(rows.rows, rows.count, summary) == -1) {
		operator_err(session, OPPROTO_ERR_INTERNAL, "cannot compute figures");
		goto done;
	}
	operator_printf(session, "STAT alarms total=%zu open=%zu genuine=%zu "
	    "false=%zu technical=%zu genuine_share=%.1f", summary->total,
	    summary->open, summary->genuine, summary->false_alarms,
	    summary->technical, 100.0 * stats_genuine_share(summary));
	for (i = 0; i < summary->reason_count; i++)
		operator_printf(session, "STAT false reason=%s count=%zu",
		    summary->reasons[i].key, summary->reasons[i].count);
	for (i = 0; i < summary->action_count; i++)
		operator_printf(session, "STAT genuine action=%s count=%zu",
		    summary->actions[i].key, summary->actions[i].count);
	for (i = 0; i < summary->technical_action_count; i++)
		operator_printf(session, "STAT technical action=%s count=%zu",
		    summary->technical_actions[i].key,
		    summary->technical_actions[i].count);
	operator_stats_percentiles(session, "to_claim", &summary->to_claim);
	operator_stats_percentiles(session, "to_resolve", &summary->to_resolve);
	for (i = 0; i < summary->site_count; i++)
		operator_printf(session, "STAT site id=%s count=%zu",
		    summary->sites[i].key, summary->sites[i].count);
	operator_ok(session, NULL);
done:
	for (i = 0; i < rows.count; i++) {
		stats_alarm_clear(&rows.rows[i]);
	}
	free(rows.rows);
	free(summary);
}

static void
operator_testmode(struct operator_session *session,
    const struct opproto_request *request)
{
	struct unit_record	*record;

	if ((record = units_find(session->link->deps.units,
	    request->unit_id)) == NULL) {
		operator_printf(session, "ERR %s unknown unit %s",
		    OPPROTO_ERR_NOTFOUND, request->unit_id);
		return;
	}
	operator_answer(session, stack_testmode(session->link->deps.stack, record,
	    request->duration_ms, session->user), 0);
}

static const struct operator_command operator_commands[] = {
	{ OPPROTO_LOGIN,	0, 0, operator_login, 0 },
	{ OPPROTO_PING,		0, 0, operator_ping, 0 },
	{ OPPROTO_LOGOUT,	1, 0, operator_logout, 0 },
	{ OPPROTO_ALARMS,	1, 0, operator_alarms, 0 },
	{ OPPROTO_UNITS,	1, 0, operator_units, 0 },
	{ OPPROTO_CLAIM,	1, 0, operator_record_run, 1 },
	{ OPPROTO_RELEASE,	1, 0, operator_release, 1 },
	{ OPPROTO_NOTE,		1, 0, operator_note, 1 },
	{ OPPROTO_RESOLVE,	1, 0, operator_resolve, 1 },
	{ OPPROTO_PLAN,		1, 0, operator_desk_plan_request, 0 },
	{ OPPROTO_CMD,		1, 0, operator_cmd, 1 },
	{ OPPROTO_HISTORY,	1, 0, operator_history, 0 },
	{ OPPROTO_STATS,	1, 0, operator_stats, 0 },
	{ OPPROTO_TESTMODE,	1, 1, operator_testmode, 1 },
	{ OPPROTO_STEP,		1, 0, operator_desk_step, 1 },
	{ OPPROTO_OUTCOMES,	1, 0, operator_outcomes, 0 },
	{ OPPROTO_DETAIL,	1, 0, operator_record_run, 0 },
	{ OPPROTO_SEARCH,	1, 0, operator_record_run, 0 },
	{ OPPROTO_WHO,		1, 0, operator_record_run, 0 },
	{ OPPROTO_HANDOVER,	1, 0, operator_record_run, 1 },
};

const struct operator_command *
operator_command_find(enum opproto_command command)
{
	size_t	i;

	for (i = 0; i < sizeof(operator_commands) / sizeof(operator_commands[0]);
	    i++)
		if (operator_commands[i].command == command)
			return &operator_commands[i];
	return NULL;
}
