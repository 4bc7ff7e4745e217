/*
 * Replies produced as the link drains: ALARMS, UNITS and HISTORY. A console
 * reconnecting in a mass outage must get every open alarm, however small
 * its output bound; so these replies are written a little at a time, while
 * the queued output is below a target, and go on each time conn says it
 * drained. Their lines never count against limits.operator_output.
 *
 * Meanwhile the session reads nothing (replies stay in request order) and
 * its pushes wait in reply.held, in order; they count against the bound,
 * and are written right after the final line, so a push never falls inside
 * a reply. ALARMS walks the ids of the stack's order when asked and shows
 * each alarm as it is when its line is written (one resolved meanwhile is
 * left out; the held pushes tell the rest).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refuge/config.h"
#include "refuge/conn.h"
#include "refuge/line.h"
#include "refuge/log.h"
#include "refuge/opproto.h"
#include "refuge/stack.h"
#include "refuge/units.h"
#include "operator_internal.h"

#define OPERATOR_REPLY_TARGET	(64 * 1024)

/* Output queued beyond which production waits: small, and well inside the bound. */
static size_t
operator_reply_target(const struct operator_session *session)
{
	size_t	target = (size_t)session->link->deps.config->operator_output / 4;

	return target < OPERATOR_REPLY_TARGET ? target : OPERATOR_REPLY_TARGET;
}

static size_t
operator_reply_low(const struct operator_session *session)
{
	return operator_reply_target(session) / 2;
}

/* One ALARMS line (0 when that alarm has gone), or the final line. */
static int
operator_reply_alarm(struct operator_session *session, char *buf, size_t len)
{
	struct operator_reply		*r = &session->reply;
	struct stack			*stack = session->link->deps.stack;
	struct opproto_alarm_view	 view;
	struct unit_record		*record;

	memset(&view, 0, sizeof(view));
	if (r->next == r->total) {
		r->done = 1;
		return snprintf(buf, len, "OK %zu\n", r->sent);
	}
	if ((view.alarm = stack_find(stack, r->ids[r->next++])) == NULL)
		return 0;
	view.unit_name = stack_unit_name(stack, view.alarm->unit_id);
	if ((record = units_find(session->link->deps.units,
	    view.alarm->unit_id)) != NULL) {
		view.located = 1;
		view.lat = record->reg->lat;
		view.lon = record->reg->lon;
	}
	r->sent++;
	return opproto_format_alarm(buf, len, 0, &view);
}

/* One UNITS line, or the final line; a reload meanwhile may shorten the table. */
static int
operator_reply_unit(struct operator_session *session, char *buf, size_t len)
{
	struct operator_reply	*r = &session->reply;
	struct units		*units = session->link->deps.units;

	if (r->next >= r->total || r->next >= units_count(units)) {
		r->done = 1;
		return snprintf(buf, len, "OK %zu\n", r->sent);
	}
	r->sent++;
	return operator_unit_line(units_at(units, r->next++), buf, len);
}

/* Queues the reply's next piece; -1 when the link is failing. */
static int
operator_reply_step(struct operator_session *session, size_t room)
{
	struct operator_reply	*r = &session->reply;
	char			 buf[2 * LINE_MAX_BYTES + 512];
	size_t			 chunk;
	int			 n;

	switch (r->kind) {
	case OPERATOR_REPLY_ALARMS:
		n = operator_reply_alarm(session, buf, sizeof(buf));
		break;
	case OPERATOR_REPLY_UNITS:
		n = operator_reply_unit(session, buf, sizeof(buf));
		break;
	case OPERATOR_REPLY_TEXT:
		chunk = r->total - r->next < room ? r->total - r->next : room;
		if (conn_send(session->conn, r->text + r->next, chunk) == -1)
			return -1;
		r->next += chunk;
		r->done = r->next == r->total;
		return 0;
	default:
		r->done = 1;
		return 0;
	}
	if (n < 0 || (size_t)n >= sizeof(buf)) {
		log_warnx("operator=%s peer=%s reply line does not fit",
		    session->user, session->peer);
		return 0;
	}
	return n == 0 ? 0 : conn_send(session->conn, buf, (size_t)n);
}

/* The final line is queued: the held pushes follow once they fit. */
static void
operator_reply_finish(struct operator_session *session)
{
	struct operator_reply	*r = &session->reply;
	size_t			 bound;

	bound = (size_t)session->link->deps.config->operator_output;
	if (r->held_len > 0) {
		if (conn_output_length(session->conn) + r->held_len > bound)
			return;		/* the next drain comes back here */
		if (conn_send(session->conn, r->held, r->held_len) == -1)
			return;
	}
	operator_reply_clear(session);
	conn_set_drain(session->conn, 0, NULL, NULL);
	conn_resume(session->conn);
}

/* Produces while the queued output is below the target. */
static void
operator_reply_pump(struct operator_session *session)
{
	struct operator_reply	*r = &session->reply;
	size_t			 target = operator_reply_target(session), queued;

	while (!r->done && (queued = conn_output_length(session->conn)) <
	    target)
		if (operator_reply_step(session, target - queued) == -1)
			return;
	if (r->done)
		operator_reply_finish(session);
}

static void
operator_reply_drained(struct conn *conn, void *arg)
{
	(void)conn;
	operator_reply_pump(arg);
}

void
operator_reply_start(struct operator_session *session)
{
	conn_pause(session->conn);
	conn_set_drain(session->conn, operator_reply_low(session),
	    operator_reply_drained, session);
	operator_reply_pump(session);
}

void
operator_reply_push(struct operator_session *session, const char *buf,
    size_t len)
{
	struct operator_reply	*r = &session->reply;
	size_t			 bound, cap;
	char			*grown;

	if (r->kind == OPERATOR_REPLY_NONE) {
		(void)conn_send(session->conn, buf, len);
		return;
	}
	/* Held pushes must fit beside the reply's low mark when they go. */
	bound = (size_t)session->link->deps.config->operator_output -
	    operator_reply_low(session);
	if (r->held_len + len > bound) {
		log_warnx("operator=%s peer=%s closed reason=\"output buffer "
		    "full\"", session->user, session->peer);
		operator_close(session);
		return;
	}
	if (r->held_len + len > r->held_cap) {
		cap = r->held_cap ? r->held_cap : 4096;
		while (cap < r->held_len + len)
			cap *= 2;
		if ((grown = realloc(r->held, cap)) == NULL) {
			log_warnx("operator=%s peer=%s closed reason=\"out of "
			    "memory\"", session->user, session->peer);
			operator_close(session);
			return;
		}
		r->held = grown;
		r->held_cap = cap;
	}
	if (r->held_len == 0)
		log_debug("operator=%s peer=%s pushes held until the reply ends",
		    session->user, session->peer);
	memcpy(r->held + r->held_len, buf, len);
	r->held_len += len;
}

void
operator_reply_clear(struct operator_session *session)
{
	struct operator_reply	*r = &session->reply;

	free(r->ids);
	free(r->text);
	free(r->held);
	memset(r, 0, sizeof(*r));
}
