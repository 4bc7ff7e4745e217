/*
 * Operator sessions.
 * States: HANDSHAKE (TLS) -> LOGIN (only LOGIN and PING) -> READY; WAITING
 * holds a failed login's reply for a moment with reading paused, so a guesser
 * gets one answer per delay and nothing else slips in.
 * Requests are answered synchronously: data lines and the final OK/ERR are
 * queued in one go, so a push ("* ...") never falls inside a reply.
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
#include "refuge/listener.h"
#include "refuge/log.h"
#include "refuge/loop.h"
#include "refuge/operator.h"
#include "refuge/opproto.h"
#include "refuge/pwcheck.h"
#include "refuge/stack.h"
#include "refuge/timenow.h"
#include "refuge/tlsctx.h"
#include "operator_internal.h"

#define OPERATOR_MAX_OUTPUT		(32 * 1024 * 1024)
#define OPERATOR_MAX_OUTPUT_BEFORE_LOGIN	16384
#define OPERATOR_PER_ADDRESS		16
#define OPERATOR_MAX_SESSIONS		256
#define OPERATOR_LOGIN_TIMEOUT_MS	120000
#define OPERATOR_AUTH_DELAY_MS		1000
#define OPERATOR_LOCK_WINDOW_MS		60000
#define OPERATOR_LOCK_MS		60000
#define OPERATOR_CHECKS_PER_SECOND	10

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
	struct operator_session	*session;
	int			 count = 0;

	LIST_FOREACH(session, &link->sessions, entry)
		if (session->state == OPERATOR_READY)
			count++;
	return count;
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

static void
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
		operator_err(session, session->delayed, session->delayed +
		    strlen(session->delayed) + 1);
		session->state = OPERATOR_LOGIN;
		/* Failed attempts do not buy time: the deadline stays where it was. */
		if (session->login_deadline_ms <= timenow_mono_ms()) {
			log_warnx("operators: closed peer=%s reason=\"login timeout\"",
			    session->peer);
			operator_close(session);
			return;
		}
		operator_arm(session, session->login_deadline_ms -
		    timenow_mono_ms());
		conn_resume(session->conn);
		return;
	}
	log_warnx("operators: closed peer=%s reason=\"%s timeout\"", session->peer,
	    session->state == OPERATOR_HANDSHAKE ? "handshake" : "login");
	operator_close(session);
}

static void
operator_accept(struct listener *listener, int fd, const struct sockaddr *sa,
    socklen_t salen, const char *peer, void *arg)
{
	struct operator_link	*link = arg;
	struct operator_session	*session;
	struct conn_limits	 limits = { LINE_MAX_BYTES, OPERATOR_MAX_OUTPUT, 0 };
	char			*colon;

	if ((session = calloc(1, sizeof(*session))) == NULL ||
	    (session->timer = loop_timer_new(link->deps.base, operator_timer,
	    session)) == NULL) {
		log_warnx("operators: refused peer=%s reason=\"out of memory\"",
		    peer);
		free(session);
		close(fd);
		listener_release(listener, sa);
		return;
	}
	session->link = link;
	session->state = OPERATOR_HANDSHAKE;
	snprintf(session->user, sizeof(session->user), "-");
	snprintf(session->peer, sizeof(session->peer), "%s", peer);
	snprintf(session->host, sizeof(session->host), "%s", peer);
	if ((colon = strrchr(session->host, ':')) != NULL)
		*colon = '\0';
	session->conn = conn_new(link->deps.base, tlsctx_operators(link->deps.tls),
	    fd,
	    sa, salen, peer, listener, &limits, &operator_callbacks, session);
	if (session->conn == NULL) {
		log_warnx("operators: refused peer=%s reason=\"out of memory\"",
		    peer);
		event_free(session->timer);
		free(session);
		return;
	}
	LIST_INSERT_HEAD(&link->sessions, session, entry);
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
		log_warnx("operators: refused peer=%s reason=\"%s\"",
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

static struct operator_failures *
operator_failures_find(struct operator_link *link, const char *host,
    int create)
{
	struct operator_failures	*slot, *oldest = &link->failures[0];
	size_t				 i;

	for (i = 0; i < OPERATOR_FAILURE_SLOTS; i++) {
		slot = &link->failures[i];
		if (strcmp(slot->host, host) == 0)
			return slot;
		if (slot->last_ms < oldest->last_ms)
			oldest = slot;
	}
	if (!create)
		return NULL;
	memset(oldest, 0, sizeof(*oldest));
	snprintf(oldest->host, sizeof(oldest->host), "%s", host);
	return oldest;
}

/* Answers after a delay; returns with the session paused. */
static void
operator_delay_err(struct operator_session *session, const char *code,
    const char *text)
{
	size_t	len = strlen(code) + 1;

	snprintf(session->delayed, sizeof(session->delayed), "%s", code);
	snprintf(session->delayed + len, sizeof(session->delayed) - len, "%s",
	    text);
	session->state = OPERATOR_WAITING;
	conn_pause(session->conn);
	evtimer_del(session->timer);
	operator_arm(session, OPERATOR_AUTH_DELAY_MS);
}

/* A LOGIN whose password was checked and failed, or named no account. */
static void
operator_login_failed(struct operator_session *session, int known)
{
	struct operator_link		*link = session->link;
	struct operator_failures	*failures;
	int64_t				 now = timenow_mono_ms();
	size_t				 i, recent = 0;

	failures = operator_failures_find(link, session->host, 1);
	failures->times[failures->next++ % OPERATOR_LOCK_FAILURES] = now;
	failures->last_ms = now;
	for (i = 0; i < OPERATOR_LOCK_FAILURES; i++)
		if (failures->times[i] > 0 &&
		    now - failures->times[i] < OPERATOR_LOCK_WINDOW_MS)
			recent++;
	if (recent >= OPERATOR_LOCK_FAILURES) {
		failures->locked_until = now + OPERATOR_LOCK_MS;
		log_warnx("operators: lockout peer=%s reason=\"%zu failed "
		    "logins within a minute\"", session->peer, recent);
	}
	log_warnx("operators: refused peer=%s user=%s reason=\"%s\"",
	    session->peer, session->user, known ? "bad password" :
	    "unknown user");
	snprintf(session->user, sizeof(session->user), "-");
	link->counters.login_failures++;
	operator_delay_err(session, OPPROTO_ERR_AUTH, "bad user or password");
}

/* Right after LOGIN: what the receiver is (active or standby, its store). */
static void
operator_receiver_state(struct operator_session *session)
{
	struct operator_link	*link = session->link;
	struct change		 change;
	char			 buf[LINE_MAX_BYTES + 64];

	if (link->deps.receiver_state == NULL)
		return;
	memset(&change, 0, sizeof(change));
	change.kind = CHANGE_RECEIVER;
	link->deps.receiver_state(&change, link->deps.receiver_arg);
	operator_send(session, buf, opproto_format_change(buf, sizeof(buf),
	    &change));
}

/* The worker's verdict on a LOGIN's password, back in the loop. */
static void
operator_login_checked(int ok, void *arg)
{
	struct operator_session		*session = arg;
	struct operator_link		*link = session->link;
	const struct registry_operator	*account;
	char				 detail[96];

	session->check = 0;
	session->state = OPERATOR_LOGIN;
	conn_resume(session->conn);
	/* The account may have gone with a reload while the hash ran. */
	account = registry_operator_find(link->deps.registry, session->user);
	if (!ok || !session->check_known || account == NULL) {
		operator_login_failed(session, session->check_known);
		return;
	}
	session->state = OPERATOR_READY;
	session->role = account->role;
	conn_set_max_output(session->conn, OPERATOR_MAX_OUTPUT);
	link->counters.logins++;
	evtimer_del(session->timer);
	log_info("operator=%s peer=%s logged in role=%s", session->user,
	    session->peer, registry_role_name(session->role));
	snprintf(detail, sizeof(detail), "peer=%s", session->peer);
	(void)stack_audit(link->deps.stack, session->user, 0, "login", detail);
	operator_printf(session, "OK role=%s", registry_role_name(session->role));
	operator_receiver_state(session);
}

void
operator_login(struct operator_session *session,
    const struct opproto_request *request)
{
	struct operator_link		*link = session->link;
	const struct registry		*registry = link->deps.registry;
	const struct registry_operator	*account;
	struct operator_failures	*failures;
	const char			*hash;
	int64_t				 now = timenow_mono_ms();

	if (session->state == OPERATOR_READY) {
		operator_err(session, OPPROTO_ERR_STATE, "already logged in");
		return;
	}
	failures = operator_failures_find(link, session->host, 0);
	if (failures != NULL && failures->locked_until > now) {
		log_warnx("operators: refused peer=%s user=%s reason=\"address "
		    "locked out\"", session->peer, request->user);
		operator_delay_err(session, OPPROTO_ERR_LOCKED,
		    "too many failed logins from this address; try again later");
		return;
	}
	/* Hashes run on a worker, but a flood of them would still queue up. */
	if (now - link->checks_since >= 1000) {
		link->checks_since = now;
		link->checks = 0;
	}
	if (++link->checks > OPERATOR_CHECKS_PER_SECOND) {
		log_warnx("operators: refused peer=%s user=%s reason=\"too many "
		    "logins at once\"", session->peer, request->user);
		operator_delay_err(session, OPPROTO_ERR_LOCKED,
		    "too many logins at once; try again in a moment");
		return;
	}
	account = registry_operator_find(registry, request->user);
	/* An unknown user costs a hash too, so timing does not tell who exists. */
	hash = account != NULL ? account->password_hash :
	    registry->operator_count > 0 ?
	    registry->operators[0].password_hash : "*";
	snprintf(session->user, sizeof(session->user), "%s", request->user);
	session->check_known = account != NULL;
	session->check = pwcheck_submit(link->pwcheck, request->password, hash,
	    operator_login_checked, session);
	if (session->check == 0) {
		operator_login_failed(session, session->check_known);
		return;
	}
	/* Nothing else is read until the verdict: replies stay in order. */
	session->state = OPERATOR_CHECKING;
	conn_pause(session->conn);
}

void
operator_logout(struct operator_session *session,
    const struct opproto_request *request)
{
	(void)request;
	log_info("operator=%s peer=%s logged out", session->user, session->peer);
	operator_ok(session, NULL);
	operator_close(session);
}

static void
operator_line(struct conn *conn, const char *line, size_t len, void *arg)
{
	struct operator_session		*session = arg;
	struct opproto_request		*request;
	const struct operator_command	*command;
	const char			*code;
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
	command->run(session, request);
done:
	free(request);
}

/* A change of the stack, formatted once and sent to every logged-in operator. */
static void
operator_change(const struct change *change, void *arg)
{
	struct operator_link	*link = arg;
	struct operator_session	*session;
	char			 buf[2 * (LINE_MAX_BYTES + 256)];
	int			 n;

	if ((n = opproto_format_change(buf, sizeof(buf), change)) <= 0) {
		if (n < 0)
			log_warnx("operators: %s push does not fit",
			    change_kind_name(change->kind));
		return;
	}
	LIST_FOREACH(session, &link->sessions, entry)
		if (session->state == OPERATOR_READY)
			(void)conn_send(session->conn, buf, (size_t)n);
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
	LIST_INIT(&link->sessions);
	if ((link->pwcheck = pwcheck_new(deps->base, err, errlen)) == NULL)
		goto fail;
	link->listener = listener_new(deps->base, "operators",
	    deps->config->listen_operators, OPERATOR_PER_ADDRESS,
	    OPERATOR_MAX_SESSIONS, operator_accept, link, err, errlen);
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
	for (session = LIST_FIRST(&link->sessions); session != NULL;
	    session = next) {
		next = LIST_NEXT(session, entry);
		if (session->state != OPERATOR_READY)
			continue;
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
operator_link_free(struct operator_link *link)
{
	if (link == NULL)
		return;
	pwcheck_free(link->pwcheck);
	listener_free(link->listener);
	free(link);
}
