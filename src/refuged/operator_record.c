/*
 * The record and the shift: DETAIL (one alarm's whole life), SEARCH
 * (stored alarms by filter), WHO (who is at a desk), HANDOVER (a note for
 * the next shift, pushed now and after every LOGIN), CLAIM force (a
 * supervisor takes over), and the UNIT line with where a unit is and when
 * it was last heard. DETAIL and SEARCH gather their lines when asked (at
 * most about 1,000) and hand them to operator_reply.c, which sends them
 * as the link drains, so a long answer neither blocks nor overflows.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refuge/line.h"
#include "refuge/opproto.h"
#include "refuge/stack.h"
#include "refuge/store.h"
#include "refuge/timefmt.h"
#include "refuge/timenow.h"
#include "refuge/units.h"
#include "refuge/when.h"
#include "operator_internal.h"

#define OPERATOR_LINE_BUF	(2 * LINE_MAX_BYTES + 256)

/* Lines gathered for a reply; failed once memory ran out. */
struct operator_text {
	char	*text;
	size_t	 len, cap;
	int	 failed;
};

/* Appends a formatted line of n bytes (n < 0: one that did not fit, left out). */
static void
operator_text_add(struct operator_text *t, const char *line, int n)
{
	size_t	 cap;
	char	*grown;

	if (n <= 0 || t->failed)
		return;
	if (t->len + (size_t)n > t->cap) {
		cap = t->cap ? t->cap : 16384;
		while (cap < t->len + (size_t)n)
			cap *= 2;
		if ((grown = realloc(t->text, cap)) == NULL) {
			t->failed = 1;
			return;
		}
		t->text = grown;
		t->cap = cap;
	}
	memcpy(t->text + t->len, line, (size_t)n);
	t->len += (size_t)n;
}

/* Hands the gathered lines to the session as a reply, or answers ERR. */
static void
operator_text_send(struct operator_session *session, struct operator_text *t)
{
	if (t->failed) {
		free(t->text);
		operator_err(session, OPPROTO_ERR_INTERNAL, "out of memory");
		return;
	}
	session->reply.kind = OPERATOR_REPLY_TEXT;
	session->reply.text = t->text;
	session->reply.total = t->len;
	operator_reply_start(session);
}

/* When the unit was last heard on any path, heartbeats included; -1 never. */
static int64_t
operator_unit_heard(const struct unit_record *record)
{
	int64_t	heard = record->last_seen_ms, linked;

	if (record->link_count > 0) {
		linked = timenow_wall_ms() - (timenow_mono_ms() -
		    units_last_heard(record));
		if (linked > heard)
			heard = linked;
	}
	return heard;
}

int
operator_unit_line(struct unit_record *record, char *buf, size_t len)
{
	struct opproto_unit_view	view;
	char				paths[32];

	memset(&view, 0, sizeof(view));
	view.id = record->reg->id;
	view.state = store_unit_state_name(record->state);
	view.last_seen_ms = record->last_seen_ms;
	view.heard_ms = operator_unit_heard(record);
	view.site = record->reg->site;
	view.name = record->reg->name;
	if (stack_unit_on_test(record, timenow_wall_ms()))
		view.test_until_ms = record->test_until_ms;
	view.lat = record->reg->lat;
	view.lon = record->reg->lon;
	view.address = record->reg->address;
	units_paths(record, paths, sizeof(paths));
	view.paths = paths;
	view.no_commands = units_dc09_only(record);
	return opproto_format_unit(buf, len, &view);
}

/* An ALARM line of a stored alarm, with its unit's name and place when registered. */
static int
operator_record_alarm(struct operator_session *session,
    const struct store_alarm_record *r, char *buf, size_t len)
{
	struct opproto_alarm_view	 view;
	struct unit_record		*record;

	memset(&view, 0, sizeof(view));
	view.alarm = &r->alarm;
	view.unit_name = "";
	view.outcome = r->outcome;
	if ((record = units_find(session->link->deps.units,
	    r->alarm.unit_id)) != NULL) {
		view.unit_name = record->reg->name;
		view.located = 1;
		view.lat = record->reg->lat;
		view.lon = record->reg->lon;
	}
	return opproto_format_alarm(buf, len, 0, &view);
}

/* DETAIL's gathering: the lines so far and what the later lines need. */
struct operator_detail {
	struct operator_session	*session;
	struct operator_text	 out;
	char			 unit_id[sizeof(((struct alarm *)0)->unit_id)];
	char			*note;		/* RESOLVE's note, or NULL */
	int			 found;
	struct operator_log	*logs;		/* LOG lines, sorted before sending */
	size_t			 log_count, log_cap;
};

/* One LOG line and where it goes: by time, then as read. */
struct operator_log {
	int64_t	 time_ms;
	size_t	 seq;
	char	*line;
	int	 len;
};

static int
operator_detail_record(const struct store_alarm_record *r, void *arg)
{
	struct operator_detail	*d = arg;
	char			 line[OPERATOR_LINE_BUF];

	d->found = 1;
	snprintf(d->unit_id, sizeof(d->unit_id), "%s", r->alarm.unit_id);
	if (r->note[0] != '\0' && (d->note = strdup(r->note)) == NULL)
		d->out.failed = 1;
	operator_text_add(&d->out, line, operator_record_alarm(d->session, r,
	    line, sizeof(line)));
	return 0;
}

/* EVENT lines as HISTORY writes them. */
static int
operator_detail_event(const struct store_history_event *event, void *arg)
{
	struct operator_detail	*d = arg;
	char			 at[TIMEFMT_ISO_LEN], unit_at[TIMEFMT_ISO_LEN + 16];
	char			 line[OPERATOR_LINE_BUF];
	int			 n;

	timefmt_iso8601(event->received_ms, at);
	unit_at[0] = '\0';
	if (event->unit_time_ms >= 0) {
		memcpy(unit_at, " unit_at=", 9);
		timefmt_iso8601(event->unit_time_ms, unit_at + 9);
	}
	n = snprintf(line, sizeof(line), "EVENT %s %s at=%s%s%s%s%s\n",
	    event->unit_event_id, event->type, at,
	    strcmp(event->source, "receiver") == 0 ? " source=receiver" : "",
	    unit_at, event->attributes[0] ? " " : "", event->attributes);
	operator_text_add(&d->out, line, n > 0 && (size_t)n < sizeof(line) ?
	    n : -1);
	return 0;
}

static void
operator_detail_log(struct operator_detail *d, int64_t time_ms,
    const char *user, const char *action, const char *detail)
{
	struct operator_log	*grown, *l;
	char			 line[OPERATOR_LINE_BUF];
	size_t			 cap;
	int			 n;

	if ((n = opproto_format_log(line, sizeof(line), time_ms, user, action,
	    detail)) <= 0 || d->out.failed)
		return;
	if (d->log_count == d->log_cap) {
		cap = d->log_cap ? d->log_cap * 2 : 32;
		if ((grown = realloc(d->logs, cap * sizeof(*grown))) == NULL) {
			d->out.failed = 1;
			return;
		}
		d->logs = grown;
		d->log_cap = cap;
	}
	l = &d->logs[d->log_count];
	if ((l->line = malloc((size_t)n)) == NULL) {
		d->out.failed = 1;
		return;
	}
	memcpy(l->line, line, (size_t)n);
	l->len = n;
	l->time_ms = time_ms;
	l->seq = d->log_count++;
}

/* An audit row; a resolve's row carries the resolve note as its text. */
static int
operator_detail_audit(const struct audit_row *row, void *arg)
{
	struct operator_detail	*d = arg;
	char			 detail[LINE_MAX_BYTES * 6], quoted[LINE_MAX_BYTES * 4];

	if (strcmp(row->action, "resolve") == 0 && d->note != NULL &&
	    line_quote(quoted, sizeof(quoted), d->note) >= 0) {
		snprintf(detail, sizeof(detail), "%s%s%s", row->detail,
		    row->detail[0] != '\0' ? " " : "", quoted);
		operator_detail_log(d, row->time_ms, row->user, row->action,
		    detail);
	} else
		operator_detail_log(d, row->time_ms, row->user, row->action,
		    row->detail);
	return 0;
}

/* A command's result, from the commands table (the audit holds the sending). */
static int
operator_detail_command(const struct store_command_record *cmd, void *arg)
{
	struct operator_detail	*d = arg;
	char			 detail[LINE_MAX_BYTES * 6], quoted[LINE_MAX_BYTES * 4];

	if (cmd->result[0] == '\0' || cmd->done_ms < 0)
		return 0;
	if (line_quote(quoted, sizeof(quoted), cmd->reason) < 0 ||
	    cmd->reason[0] == '\0')
		quoted[0] = '\0';
	snprintf(detail, sizeof(detail), "cmd=%s result=%s%s%s", cmd->cmd_id,
	    cmd->result, quoted[0] ? " " : "", quoted);
	operator_detail_log(d, cmd->done_ms, cmd->user, "result", detail);
	return 0;
}

static int
operator_log_cmp(const void *a, const void *b)
{
	const struct operator_log	*x = a, *y = b;

	if (x->time_ms != y->time_ms)
		return x->time_ms < y->time_ms ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void
operator_detail_free(struct operator_detail *d)
{
	size_t	i;

	for (i = 0; i < d->log_count; i++)
		free(d->logs[i].line);
	free(d->logs);
	free(d->note);
}

static void
operator_detail(struct operator_session *session,
    const struct opproto_request *request)
{
	struct store		*store = session->link->deps.store;
	struct operator_detail	 d;
	struct unit_record	*record;
	char			 line[OPERATOR_LINE_BUF];
	size_t			 i;
	int			 found;

	memset(&d, 0, sizeof(d));
	d.session = session;
	found = store_alarm_record(store, request->alarm_id,
	    operator_detail_record, &d);
	if (found == 0) {
		operator_detail_free(&d);
		operator_printf(session, "ERR %s no alarm %lld",
		    OPPROTO_ERR_NOTFOUND, (long long)request->alarm_id);
		return;
	}
	if (found == 1 && (record = units_find(session->link->deps.units,
	    d.unit_id)) != NULL)
		operator_text_add(&d.out, line, operator_unit_line(record, line,
		    sizeof(line)));
	if (found == -1 ||
	    store_alarm_events_each(store, request->alarm_id,
	    operator_detail_event, &d) == -1 ||
	    store_audit_alarm_each(store, request->alarm_id,
	    operator_detail_audit, &d) == -1 ||
	    store_alarm_commands_each(store, request->alarm_id,
	    operator_detail_command, &d) == -1) {
		operator_detail_free(&d);
		free(d.out.text);
		operator_err(session, OPPROTO_ERR_INTERNAL, "cannot read the alarm");
		return;
	}
	if (d.log_count > 1)
		qsort(d.logs, d.log_count, sizeof(*d.logs), operator_log_cmp);
	for (i = 0; i < d.log_count; i++)
		operator_text_add(&d.out, d.logs[i].line, d.logs[i].len);
	operator_text_add(&d.out, "OK\n", 3);
	operator_detail_free(&d);
	operator_text_send(session, &d.out);
}

/* SEARCH's gathering: where each line starts, to drop the one past the limit. */
struct operator_search {
	struct operator_session	*session;
	struct operator_text	 out;
	size_t			 count;
	size_t			 last_start;
};

static int
operator_search_row(const struct store_alarm_record *r, void *arg)
{
	struct operator_search	*s = arg;
	char			 line[OPERATOR_LINE_BUF];

	s->last_start = s->out.len;
	operator_text_add(&s->out, line, operator_record_alarm(s->session, r,
	    line, sizeof(line)));
	s->count++;
	return s->out.failed ? -1 : 0;
}

static void
operator_search(struct operator_session *session,
    const struct opproto_request *request)
{
	const struct opproto_search	*q = &request->search;
	struct operator_search		 s;
	struct store_search		 filter;
	char				 final[48];
	int64_t				 now = timenow_wall_ms();
	int				 more = 0;

	memset(&filter, 0, sizeof(filter));
	filter.since_ms = filter.until_ms = -1;
	if ((q->since != NULL && when_parse(q->since, now, 0,
	    &filter.since_ms) == -1) || (q->until != NULL &&
	    when_parse(q->until, now, 1, &filter.until_ms) == -1)) {
		operator_err(session, OPPROTO_ERR_SYNTAX, "bad since or until");
		return;
	}
	filter.unit_id = q->unit;
	filter.site_id = q->site;
	filter.type = q->type;
	filter.outcome = q->outcome;
	filter.user = q->by;
	filter.limit = q->limit + 1;	/* one more tells that the limit cut */
	memset(&s, 0, sizeof(s));
	s.session = session;
	if (store_alarms_search(session->link->deps.store, &filter,
	    operator_search_row, &s) == -1 && !s.out.failed) {
		free(s.out.text);
		operator_err(session, OPPROTO_ERR_INTERNAL, "cannot search alarms");
		return;
	}
	if (s.count > (size_t)q->limit) {
		s.out.len = s.last_start;
		s.count--;
		more = 1;
	}
	operator_text_add(&s.out, final, snprintf(final, sizeof(final),
	    "OK %zu%s\n", s.count, more ? " more=1" : ""));
	operator_text_send(session, &s.out);
}

static void
operator_who(struct operator_session *session,
    const struct opproto_request *request)
{
	struct operator_link	 *link = session->link;
	struct operator_session	 *other;
	struct alarm		**all;
	int64_t			 *ids = NULL;
	char			  line[OPERATOR_LINE_BUF];
	size_t			  i, count, n;
	int			  sessions = 0;

	(void)request;
	count = stack_sorted(link->deps.stack, &all);
	if (count > 0 && (ids = calloc(count, sizeof(*ids))) == NULL) {
		operator_err(session, OPPROTO_ERR_INTERNAL, "out of memory");
		return;
	}
	LIST_FOREACH(other, &link->sessions, entry) {
		if (other->state != OPERATOR_READY)
			continue;
		for (i = 0, n = 0; i < count; i++)
			if (all[i]->state == ALARM_CLAIMED &&
			    strcmp(all[i]->claimed_by, other->user) == 0)
				ids[n++] = all[i]->id;
		if (opproto_format_operator(line, sizeof(line), other->user,
		    registry_role_name(other->role), other->desk, ids, n) > 0) {
			operator_send(session, line, (int)strlen(line));
			sessions++;
		}
	}
	free(ids);
	operator_printf(session, "OK %d", sessions);
}

/* Sends "* HANDOVER" to one session: a push, held while a reply is produced. */
static int
operator_handover_to(int64_t time_ms, const char *user, const char *text,
    void *arg)
{
	struct operator_session	*session = arg;
	char			 line[OPERATOR_LINE_BUF];
	int			 n;

	if ((n = opproto_format_handover(line, sizeof(line), 1, user, time_ms,
	    text)) > 0)
		operator_reply_push(session, line, (size_t)n);
	return 0;
}

static void
operator_handover(struct operator_session *session,
    const struct opproto_request *request)
{
	struct operator_link	*link = session->link;
	struct store		*store = link->deps.store;
	struct operator_session	*other, *next;
	char			 line[OPERATOR_LINE_BUF];
	int64_t			 now = timenow_wall_ms();
	int			 n;

	if ((n = opproto_format_handover(line, sizeof(line), 1, session->user,
	    now, request->text)) <= 0) {
		operator_err(session, OPPROTO_ERR_SYNTAX,
		    "handover text too long");
		return;
	}
	if (store_begin(store) == -1 ||
	    store_handover_add(store, now, session->user, request->text) == -1 ||
	    store_audit_append(store, now, session->user, 0, "handover",
	    request->text) == -1 || store_commit(store, NULL, NULL) == -1) {
		log_error("store: handover by %s not stored: %s", session->user,
		    store_error(store));
		store_rollback(store);
		operator_err(session, OPPROTO_ERR_INTERNAL,
		    "handover not stored");
		return;
	}
	log_info("operator=%s handover stored", session->user);
	/* A push may drop a session that cannot take it: step past it first. */
	for (other = LIST_FIRST(&link->sessions); other != NULL; other = next) {
		next = LIST_NEXT(other, entry);
		if (other->state == OPERATOR_READY)
			operator_reply_push(other, line, (size_t)n);
	}
	operator_ok(session, NULL);
}

void
operator_record_login(struct operator_session *session)
{
	if (store_handover_last(session->link->deps.store, operator_handover_to,
	    session) == -1)
		log_warnx("operator=%s handover note not read: %s",
		    session->user, store_error(session->link->deps.store));
}

static void
operator_claim(struct operator_session *session,
    const struct opproto_request *request)
{
	struct stack		*stack = session->link->deps.stack;
	enum alarm_status	 status;

	if (request->force && session->role != REGISTRY_ROLE_SUPERVISOR) {
		operator_err(session, OPPROTO_ERR_DENIED,
		    "only a supervisor may take over a claim");
		return;
	}
	status = request->force ? stack_claim_force(stack, request->alarm_id,
	    session->user) : stack_claim(stack, request->alarm_id,
	    session->user);
	operator_answer(session, status, request->alarm_id);
	/* The claimer is shown the plan at once (operator_desk.c). */
	if (status == ALARM_OK)
		operator_desk_claimed(session, request->alarm_id);
}

void
operator_record_run(struct operator_session *session,
    const struct opproto_request *request)
{
	switch (request->command) {
	case OPPROTO_CLAIM:
		operator_claim(session, request);
		break;
	case OPPROTO_DETAIL:
		operator_detail(session, request);
		break;
	case OPPROTO_SEARCH:
		operator_search(session, request);
		break;
	case OPPROTO_WHO:
		operator_who(session, request);
		break;
	case OPPROTO_HANDOVER:
		operator_handover(session, request);
		break;
	default:
		operator_err(session, OPPROTO_ERR_UNKNOWN, "unknown command");
		break;
	}
}
