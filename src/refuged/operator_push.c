/*
 * Pushes to logged-in operators, through a push queue per session (pushq).
 * A change's line is queued, not written: the conn gets lines only while
 * its output is below OPERATOR_PUSH_TARGET (priority 1 at once), and more
 * each time it drains, and the socket's send buffer is small
 * (OPERATOR_SNDBUF, operator.c). So a console
 * that falls behind keeps its backlog here, in order of importance, and a
 * press queued behind thousands of lines goes out next.
 *
 * The order: rank first (an alarm's priority; the receiver's own lines
 * with priority 1; lines about no alarm last), arrival within a rank; lines
 * about one unit (so one alarm) never overtake each other. A reply is
 * written at once, ahead of queued pushes; pushes wait while a request
 * runs and while a long reply is produced, so the pushes a request causes
 * follow its final line. While a priority-1 event is read and not yet
 * committed (feed_urgent), nothing of lower rank is given to the conn.
 * limits.operator_output bounds the queue's bytes: a console past it is
 * closed.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <event2/event.h>

#include "refuge/config.h"
#include "refuge/conn.h"
#include "refuge/feed.h"
#include "refuge/log.h"
#include "refuge/loop.h"
#include "refuge/pushq.h"
#include "refuge/registry.h"
#include "operator_internal.h"

/* What the conn may hold of pushes, and where it asks for more. */
#define OPERATOR_PUSH_TARGET	(16 * 1024)
#define OPERATOR_PUSH_LOW	(4 * 1024)
/* The rank of lines about no alarm: unit states, test mode, command results. */
#define OPERATOR_PUSH_RANK_LAST	(PUSHQ_RANKS - 1)
/* The receiver's own lines (its state, a reload) come with the presses. */
#define OPERATOR_PUSH_RANK_RECEIVER	1

static int
operator_push_rank(const struct operator_link *link,
    const struct change *change)
{
	const int	*priorities = link->deps.registry->priorities;

	switch (change->kind) {
	case CHANGE_RAISED:
	case CHANGE_STORED:
	case CHANGE_REPEATED:
	case CHANGE_RESTORED:
	case CHANGE_CLAIMED:
	case CHANGE_RELEASED:
	case CHANGE_NOTED:
	case CHANGE_RESOLVED:
	case CHANGE_ESCALATED:
		if (change->alarm != NULL && change->alarm->priority > 0)
			return change->alarm->priority;
		return OPERATOR_PUSH_RANK_LAST;
	case CHANGE_FLOOD:
		/* As the alarms it stands for; never priority 1. */
		if (priorities[change->type] > 0)
			return priorities[change->type];
		return OPERATOR_PUSH_RANK_LAST;
	case CHANGE_RECEIVER:
	case CHANGE_RELOADED:
		return OPERATOR_PUSH_RANK_RECEIVER;
	case CHANGE_TESTSIGNAL:
	case CHANGE_TESTMODE:
	case CHANGE_UNIT_STATE:
	case CHANGE_COMMAND:
		break;
	}
	return OPERATOR_PUSH_RANK_LAST;
}

/* The unit a line is about, which keeps its lines in order; NULL: none. */
static const char *
operator_push_key(const struct change *change)
{
	if (change->alarm != NULL)
		return change->alarm->unit_id;
	if (change->kind == CHANGE_FLOOD || change->kind == CHANGE_RECEIVER ||
	    change->kind == CHANGE_RELOADED)
		return NULL;
	return change->unit_id;
}

static void
operator_push_drained(struct conn *conn, void *arg)
{
	(void)conn;
	operator_push_pump(arg);
}

/* The link's pushes wait for a press's commit: try again right after it. */
static void
operator_push_defer(struct operator_link *link)
{
	if (!event_pending(link->push_later, EV_TIMEOUT, NULL))
		event_active(link->push_later, EV_TIMEOUT, 0);
}

void
operator_push_pump(struct operator_session *session)
{
	struct operator_link	*link = session->link;
	const char		*line;
	size_t			 len;
	int			 rank;

	if (session->state != OPERATOR_READY || session->pumping ||
	    session->overflowed ||
	    session->reply.kind != OPERATOR_REPLY_NONE ||
	    link->requesting == session)
		return;
	if (!session->push_drain) {
		conn_set_drain(session->conn, OPERATOR_PUSH_LOW,
		    operator_push_drained, session);
		session->push_drain = 1;
	}
	session->pumping = 1;
	while ((line = pushq_peek(session->pushq, &len, &rank)) != NULL) {
		/*
		 * Priority 1 goes in at once, behind what the conn holds, rather
		 * than a turn of the loop later, at its next drain; lines of
		 * priority 1 are few (the conn's own bound holds them anyway).
		 */
		if (rank > 1 && conn_output_length(session->conn) >=
		    OPERATOR_PUSH_TARGET)
			break;
		if (rank > 1 && feed_urgent(link->deps.feed)) {
			operator_push_defer(link);
			break;
		}
		/* A failing conn tells the session in a later turn. */
		if (conn_send(session->conn, line, len) == -1)
			break;
		pushq_pop(session->pushq);
	}
	session->pumping = 0;
}

/*
 * Queues one line for the session; 0, or -1 when it fell too far behind:
 * it is closed from its timer, not here, where closing would publish
 * (its user's claims released) into the fan-out under way.
 */
static int
operator_push_queue(struct operator_session *session, int rank,
    const char *key, const char *buf, size_t len)
{
	switch (pushq_push(session->pushq, rank, key, buf, len)) {
	case PUSHQ_OK:
		return 0;
	case PUSHQ_FULL:
		/* It fell behind for good: it reconnects and asks for ALARMS. */
		log_warnx("operator=%s peer=%s closed reason=\"output buffer "
		    "full\": %zu bytes of pushes waiting", session->user,
		    session->peer, pushq_bytes(session->pushq));
		break;
	case PUSHQ_NOMEM:
		log_warnx("operator=%s peer=%s closed reason=\"out of memory\"",
		    session->user, session->peer);
		break;
	}
	session->overflowed = 1;
	pushq_clear(session->pushq);
	event_active(session->timer, EV_TIMEOUT, 0);
	return -1;
}

void
operator_push_change(struct operator_link *link, const struct change *change,
    const char *buf, size_t len)
{
	struct operator_session	*session, *next;
	int			 rank = operator_push_rank(link, change);
	const char		*key = operator_push_key(change);

	/* A push may drop a session that cannot take it: step past it first. */
	for (session = LIST_FIRST(&link->sessions); session != NULL;
	    session = next) {
		next = LIST_NEXT(session, entry);
		if (session->state != OPERATOR_READY || session->overflowed ||
		    !operator_audience(session, change))
			continue;
		if (operator_push_queue(session, rank, key, buf, len) == -1)
			continue;
		if (session->reply.kind != OPERATOR_REPLY_NONE &&
		    pushq_count(session->pushq) == 1)
			log_debug("operator=%s peer=%s pushes held until the "
			    "reply ends", session->user, session->peer);
		operator_push_pump(session);
	}
}

void
operator_push_session(struct operator_session *session,
    const struct alarm *alarm, const char *buf, size_t len)
{
	int	rank = alarm != NULL && alarm->priority > 0 ? alarm->priority :
		    OPERATOR_PUSH_RANK_LAST;

	if (session->state != OPERATOR_READY || session->overflowed)
		return;
	if (operator_push_queue(session, rank, alarm != NULL ? alarm->unit_id :
	    NULL, buf, len) == 0)
		operator_push_pump(session);
}

void
operator_reply_push(struct operator_session *session, const char *buf,
    size_t len)
{
	operator_push_session(session, NULL, buf, len);
}

static void
operator_push_later(evutil_socket_t fd, short what, void *arg)
{
	struct operator_link	*link = arg;
	struct operator_session	*session, *next;

	(void)fd;
	(void)what;
	/* Another press came after the last commit: its commit is queued too. */
	if (feed_urgent(link->deps.feed)) {
		loop_timer_add(link->push_later, 1);
		return;
	}
	for (session = LIST_FIRST(&link->sessions); session != NULL;
	    session = next) {
		next = LIST_NEXT(session, entry);
		if (session->state == OPERATOR_READY &&
		    pushq_count(session->pushq) > 0)
			operator_push_pump(session);
	}
}

int
operator_push_init(struct operator_link *link)
{
	link->push_later = loop_timer_new(link->deps.base, operator_push_later,
	    link);
	return link->push_later == NULL ? -1 : 0;
}

void
operator_push_free(struct operator_link *link)
{
	if (link->push_later != NULL)
		event_free(link->push_later);
	link->push_later = NULL;
}
