/*
 * Operator sessions.
 * States: HANDSHAKE (TLS) -> LOGIN (only LOGIN and PING) -> QUEUED (the
 * LOGIN waits its turn for a password check) -> CHECKING -> READY; WAITING
 * holds a refused login's reply for a moment with reading paused, so a
 * guesser gets one answer per delay and nothing else slips in.
 * Until READY a link is in the pre-login pool (operator_prelogin.c), which
 * never competes with logged-in links for room.
 * Most replies are queued in one go; ALARMS, UNITS and HISTORY are produced
 * as the link drains (operator_reply.c). Either way a push never falls
 * inside a reply, and a session reads no request until its reply is done.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "refuge/config.h"
#include "refuge/conn.h"
#include "refuge/feed.h"
#include "refuge/flood.h"
#include "refuge/listener.h"
#include "refuge/log.h"
#include "refuge/loop.h"
#include "refuge/operator.h"
#include "refuge/opproto.h"
#include "refuge/pushq.h"
#include "refuge/pwcheck.h"
#include "refuge/stack.h"
#include "refuge/timenow.h"
#include "refuge/tlsctx.h"
#include "operator_internal.h"

#define OPERATOR_MAX_OUTPUT_BEFORE_LOGIN	16384
#define OPERATOR_LOGIN_TIMEOUT_MS	120000
/*
 * A small kernel buffer: the backlog waits in the push queue, in order.
 * Not smaller: a turn of the loop writes at most what the socket takes, and
 * in an avalanche turns are slow (refuged(8), Pushes to operators).
 */
#define OPERATOR_SNDBUF			(64 * 1024)

static void	operator_connected(struct conn *, void *);
static void	operator_line(struct conn *, const char *, size_t, void *);
static void	operator_overlong(struct conn *, void *);
static void	operator_failed(struct conn *, const char *, void *);

static const struct conn_callbacks operator_callbacks = {
	.connected = operator_connected,
	.line = operator_line,
	.overlong = operator_overlong,
	.failed = operator_failed,
};

void
operator_send(struct operator_session *session, const char *buf, int len)
{
	if (len < 0) {
		log_warnx("operator=%s peer=%s reply line does not fit",
		    session->user, session->peer);
		return;
	}
	(void)conn_send(session->conn, buf, (size_t)len);
}

void
operator_printf(struct operator_session *session, const char *fmt, ...)
{
	char	buf[2048];
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf) - 1) {
		operator_send(session, buf, -1);
		return;
	}
	buf[n++] = '\n';
	operator_send(session, buf, n);
}

void
operator_err(struct operator_session *session, const char *code,
    const char *text)
{
	char	buf[LINE_MAX_BYTES + 64];

	operator_send(session, buf, opproto_format_err(buf, sizeof(buf), code,
	    text));
}

void
operator_ok(struct operator_session *session, const char *detail)
{
	char	buf[LINE_MAX_BYTES + 64];

	operator_send(session, buf, opproto_format_ok(buf, sizeof(buf), detail));
}

int
operator_link_sessions(const struct operator_link *link)
{
	return link->ready;
}

int
operator_link_user_sessions(const struct operator_link *link,
    const char *user)
{
	struct operator_session	*session;
	int			 count = 0;

	LIST_FOREACH(session, &link->sessions, entry)
		if (session->state == OPERATOR_READY &&
		    strcmp(session->user, user) == 0)
			count++;
	return count;
}

static void
operator_session_free(struct operator_session *session)
{
	struct operator_link	*link = session->link;
	char			 user[sizeof(session->user)];
	int			 was_ready = session->state == OPERATOR_READY;

	snprintf(user, sizeof(user), "%s", session->user);
	if (session->check != 0)
		pwcheck_cancel(link->pwcheck, session->check);
	operator_prelogin_remove(session);
	operator_reply_clear(session);
	pushq_free(session->pushq);
	if (link->requesting == session)
		link->requesting = NULL;
	if (session->password != NULL) {
		explicit_bzero(session->password, strlen(session->password));
		free(session->password);
	}
	if (was_ready)
		link->ready--;
	LIST_REMOVE(session, entry);
	if (session->timer != NULL)
		event_free(session->timer);
	free(session);
	/* The user's last link is gone: nobody is handling their claims. */
	if (was_ready && !link->stopping) {
		(void)stack_audit(link->deps.stack, user, 0, "logout", "");
		if (operator_link_user_sessions(link, user) == 0)
			stack_release_user(link->deps.stack, user);
	}
}

void
operator_close(struct operator_session *session)
{
	conn_close(session->conn);
	operator_session_free(session);
}

void
operator_drop(struct operator_session *session, const char *reason)
{
	log_ratelimited(&session->link->dropped_log, CONFIG_LOG_WARNING,
	    "operators: dropped peer=%s reason=\"%s\"", session->peer,
	    reason);
	conn_drop(session->conn);
	operator_session_free(session);
}

void
operator_arm(struct operator_session *session, int64_t ms)
{
	loop_timer_add(session->timer, ms);
}

static void
operator_timer(evutil_socket_t fd, short what, void *arg)
{
	struct operator_session	*session = arg;

	(void)fd;
	(void)what;
	if (session->state == OPERATOR_WAITING) {
		operator_login_delayed(session);
		return;
	}
	/* Its pushes passed limits.operator_output (logged then). */
	if (session->overflowed) {
		operator_close(session);
		return;
	}
	log_ratelimited(&session->link->closed_log, CONFIG_LOG_WARNING,
	    "operators: closed peer=%s reason=\"%s timeout\"", session->peer,
	    session->state == OPERATOR_HANDSHAKE ? "handshake" : "login");
	operator_close(session);
}

static void
operator_accept(struct listener *listener, int fd, const struct sockaddr *sa,
    socklen_t salen, const char *peer, void *arg)
{
	struct operator_link	*link = arg;
	struct operator_session	*session;
	struct conn_limits	 limits = { LINE_MAX_BYTES,
				    OPERATOR_MAX_OUTPUT_BEFORE_LOGIN,
				    OPERATOR_SNDBUF };
	char			*colon;

	if ((session = calloc(1, sizeof(*session))) == NULL ||
	    (session->pushq = pushq_new((size_t)
	    link->deps.config->operator_output)) == NULL ||
	    (session->timer = loop_timer_new(link->deps.base, operator_timer,
	    session)) == NULL) {
		log_ratelimited(&link->refused_log, CONFIG_LOG_WARNING,
		    "operators: refused peer=%s reason=\"out of memory\"",
		    peer);
		if (session != NULL)
			pushq_free(session->pushq);
		free(session);
		close(fd);
		listener_release(listener, sa);
		return;
	}
	session->link = link;
	session->state = OPERATOR_HANDSHAKE;
	session->seq = ++link->accepted;
	snprintf(session->user, sizeof(session->user), "-");
	snprintf(session->peer, sizeof(session->peer), "%s", peer);
	snprintf(session->host, sizeof(session->host), "%s", peer);
	if ((colon = strrchr(session->host, ':')) != NULL)
		*colon = '\0';
	/* Room is made before the newcomer joins: it is never the one dropped. */
	if (operator_prelogin_add(session) == -1) {
		log_ratelimited(&link->refused_log, CONFIG_LOG_WARNING,
		    "operators: refused peer=%s reason=\"out of memory\"",
		    peer);
		event_free(session->timer);
		pushq_free(session->pushq);
		free(session);
		close(fd);
		listener_release(listener, sa);
		return;
	}
	LIST_INSERT_HEAD(&link->sessions, session, entry);
	session->conn = conn_new(link->deps.base, tlsctx_operators(link->deps.tls),
	    fd, sa, salen, peer, listener, &limits, &operator_callbacks, session);
	if (session->conn == NULL) {
		log_ratelimited(&link->refused_log, CONFIG_LOG_WARNING,
		    "operators: refused peer=%s reason=\"out of memory\"",
		    peer);
		operator_prelogin_remove(session);
		LIST_REMOVE(session, entry);
		event_free(session->timer);
		pushq_free(session->pushq);
		free(session);
		return;
	}
	operator_arm(session, link->deps.config->handshake_timeout_ms);
}

static void
operator_connected(struct conn *conn, void *arg)
{
	struct operator_session	*session = arg;

	session->state = OPERATOR_LOGIN;
	session->login_deadline_ms = timenow_mono_ms() + OPERATOR_LOGIN_TIMEOUT_MS;
	evtimer_del(session->timer);
	operator_arm(session, OPERATOR_LOGIN_TIMEOUT_MS);
	/* Until login a link earns only short replies: keep its queue short too. */
	conn_set_max_output(conn, OPERATOR_MAX_OUTPUT_BEFORE_LOGIN);
}

static void
operator_failed(struct conn *conn, const char *reason, void *arg)
{
	struct operator_session	*session = arg;

	(void)conn;
	if (session->state == OPERATOR_HANDSHAKE)
		log_ratelimited(&session->link->refused_log, CONFIG_LOG_WARNING,
		    "operators: refused peer=%s reason=\"%s\"",
		    session->peer, reason);
	else
		log_info("operator=%s peer=%s disconnected reason=\"%s\"",
		    session->user, session->peer, reason);
	operator_session_free(session);
}

static void
operator_overlong(struct conn *conn, void *arg)
{
	struct operator_session	*session = arg;

	(void)conn;
	log_warnx("operator=%s peer=%s closed reason=\"line too long\"",
	    session->user, session->peer);
	operator_err(session, OPPROTO_ERR_TOOLONG, "line longer than 512 bytes");
	operator_close(session);
}

static void
operator_line(struct conn *conn, const char *line, size_t len, void *arg)
{
	struct operator_session		*session = arg;
	struct operator_link		*link = session->link;
	struct opproto_request		*request;
	const struct operator_command	*command;
	const char			*code, *active;
	char				 err[256];

	(void)conn;
	if ((request = malloc(sizeof(*request))) == NULL) {
		operator_err(session, OPPROTO_ERR_INTERNAL, "out of memory");
		return;
	}
	/* Before login, anything but LOGIN and PING is refused unread. */
	if (session->state != OPERATOR_READY && strncmp(line, "LOGIN ", 6) != 0 &&
	    strcmp(line, "LOGIN") != 0 && strcmp(line, "PING") != 0 &&
	    strncmp(line, "PING ", 5) != 0) {
		operator_err(session, OPPROTO_ERR_LOGIN, "log in first");
		goto done;
	}
	if (opproto_parse(request, line, len, &code, err, sizeof(err)) == -1) {
		operator_err(session, code, err);
		goto done;
	}
	if ((command = operator_command_find(request->command)) == NULL) {
		operator_err(session, OPPROTO_ERR_UNKNOWN, "unknown command");
		goto done;
	}
	if (command->needs_login && session->state != OPERATOR_READY) {
		operator_err(session, OPPROTO_ERR_LOGIN, "log in first");
		goto done;
	}
	if (command->supervisor_only &&
	    session->role != REGISTRY_ROLE_SUPERVISOR) {
		operator_err(session, OPPROTO_ERR_DENIED,
		    "only a supervisor may do that");
		goto done;
	}
	if (command->writes && operator_standby(link, &active)) {
		operator_standby_refuse(session, active);
		goto done;
	}
	/* Its pushes follow the reply: pumped once it is written. */
	link->requesting = session;
	command->run(session, request);
	if (link->requesting == session) {	/* the session was not freed */
		link->requesting = NULL;
		operator_push_pump(session);
	}
done:
	free(request);
}

int
operator_audience(const struct operator_session *session,
    const struct change *change)
{
	int	supervisor = session->role == REGISTRY_ROLE_SUPERVISOR;

	switch (change->audience) {
	case CHANGE_AUDIENCE_SUPERVISORS:
		return supervisor;
	case CHANGE_AUDIENCE_OPERATORS:
		return !supervisor;
	default:
		return 1;
	}
}

/* A change of the stack, formatted once and sent to every logged-in operator. */
static void
operator_change(const struct change *change, void *arg)
{
	struct operator_link	*link = arg;
	char			 buf[2 * (LINE_MAX_BYTES + 256)];
	int			 n;

	/* A mass event is told in FLOOD lines, not an ALARM line each. */
	if (link->deps.flood != NULL && flood_absorbs(link->deps.flood, change))
		return;
	if ((n = opproto_format_change(buf, sizeof(buf), change)) <= 0) {
		if (n < 0)
			log_warnx("operators: %s push does not fit",
			    change_kind_name(change->kind));
		return;
	}
	operator_push_change(link, change, buf, (size_t)n);
}

/*
 * The listener's own bound, per address and in all: every logged-in link,
 * the pre-login pool, and the newcomer for whom a pre-login link is
 * dropped. The pool's limits are operator_prelogin.c's, by dropping.
 */
static int
operator_listen_limit(const struct refuge_config *config)
{
	return config->operator_sessions + config->operator_prelogin + 1;
}

struct operator_link *
operator_link_new(const struct operator_deps *deps, char *err, size_t errlen)
{
	struct operator_link	*link;
	struct feed_subscriber	 sub;

	if ((link = calloc(1, sizeof(*link))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	link->deps = *deps;
	link->refused_log = (struct log_limit)LOG_LIMIT_DEFAULT("operators: refused");
	link->closed_log = (struct log_limit)LOG_LIMIT_DEFAULT("operators: closed");
	link->dropped_log = (struct log_limit)LOG_LIMIT_DEFAULT("operators: dropped");
	LIST_INIT(&link->sessions);
	TAILQ_INIT(&link->hosts);
	if ((link->pwcheck = pwcheck_new(deps->base, err, errlen)) == NULL)
		goto fail;
	if (operator_prelogin_init(link) == -1 ||
	    operator_push_init(link) == -1) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	link->listener = listener_new(deps->base, "operators",
	    deps->config->listen_operators, operator_listen_limit(deps->config),
	    operator_listen_limit(deps->config), operator_accept, link, err,
	    errlen);
	if (link->listener == NULL)
		goto fail;
	sub.change = operator_change;
	sub.settle = NULL;
	sub.arg = link;
	if (feed_subscribe(deps->feed, &sub) == -1) {
		snprintf(err, errlen, "too many feed subscribers");
		goto fail;
	}
	return link;
fail:
	operator_link_free(link);
	return NULL;
}

void
operator_link_address(struct operator_link *link, char *buf, size_t buflen)
{
	listener_address(link->listener, buf, buflen);
}

void
operator_link_shutdown(struct operator_link *link)
{
	struct operator_session	*session;

	link->stopping = 1;
	listener_disable(link->listener);
	while ((session = LIST_FIRST(&link->sessions)) != NULL)
		operator_close(session);
}

void
operator_link_reconfigure(struct operator_link *link,
    const struct refuge_config *config, const struct registry *registry,
    struct tlsctx *tls, struct units *units)
{
	const struct registry_operator	*account;
	struct operator_session		*session, *next;

	link->deps.config = config;
	link->deps.registry = registry;
	link->deps.tls = tls;
	link->deps.units = units;
	listener_set_limits(link->listener, operator_listen_limit(config),
	    operator_listen_limit(config));
	/* A smaller pool drops links now; fewer sessions refuse new logins only. */
	operator_prelogin_trim(link);
	for (session = LIST_FIRST(&link->sessions); session != NULL;
	    session = next) {
		next = LIST_NEXT(session, entry);
		if (session->state != OPERATOR_READY)
			continue;
		conn_set_max_output(session->conn, (size_t)config->operator_output);
		pushq_set_max(session->pushq, (size_t)config->operator_output);
		account = registry_operator_find(registry, session->user);
		if (account != NULL) {
			session->role = account->role;
			continue;
		}
		log_warnx("operator=%s peer=%s closed reason=\"account removed\"",
		    session->user, session->peer);
		operator_close(session);
	}
}

int
operator_link_open_count(const struct operator_link *link)
{
	return listener_open_count(link->listener);
}

const struct operator_counters *
operator_link_counters(const struct operator_link *link)
{
	return &link->counters;
}

void
operator_link_log_tick(struct operator_link *link, int flush)
{
	struct log_limit	*limits[] = { &link->refused_log, &link->closed_log,
				    &link->dropped_log };
	size_t			 i;

	for (i = 0; i < sizeof(limits) / sizeof(limits[0]); i++)
		if (flush)
			log_limit_flush(limits[i]);
		else
			(void)log_limit_tick(limits[i]);
}

void
operator_link_free(struct operator_link *link)
{
	if (link == NULL)
		return;
	operator_link_log_tick(link, 1);
	pwcheck_free(link->pwcheck);
	operator_prelogin_free(link);
	operator_push_free(link);
	listener_free(link->listener);
	free(link);
}
