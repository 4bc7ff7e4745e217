/*
 * refuge-console's link to refuged and its request queue.
 * Link states: DISCONNECTED (retry timer armed, back-off 1 s doubling to
 * 30 s) -> CONNECTING (TCP + TLS) -> LOGGING_IN -> READY. With several
 * receivers (console_rx) a lost link tries the next at once, backing off
 * only after a round of them, and a standby that names the active one
 * sends the link there at once. Requests wait in
 * one queue and go out one at a time: the head is in flight once sent, and
 * every line that is not a push ("* ") belongs to it until its OK or ERR.
 * Lines are told apart, and the model fed, with opproto_client.
 * Invariants: a request is in flight only while the link is up; a dropped
 * link drops the queue; once finished, the link sends and reports nothing.
 */
#include <sys/queue.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <openssl/crypto.h>

#include "refuge/conn.h"
#include "refuge/line.h"
#include "refuge/opproto_client.h"
#include "refuge/timenow.h"

#include "console_feed.h"
#include "console_link.h"
#include "console_model.h"
#include "console_rx.h"

#define CONSOLE_LINK_BACKOFF_MIN_MS	1000
#define CONSOLE_LINK_BACKOFF_MAX_MS	30000
#define CONSOLE_LINK_REPLY_TIMEOUT_S	30
#define CONSOLE_LINK_PING_S		20
#define CONSOLE_LINK_MAX_OUTPUT		(1024 * 1024)

struct console_req {
	TAILQ_ENTRY(console_req) entry;
	enum console_req_kind	 kind;
	int64_t			 alarm_id;
	char			 unit[CONSOLE_ID_MAX];
	char			 what[CONSOLE_TEXT_MAX];
	char			*line;		/* with its '\n', NUL-terminated */
	size_t			 len;
};

struct console_link {
	struct console_link_params	 p;
	struct console_link_callbacks	 cb;
	void				*arg;
	struct console_rx		 rx;
	int				 was_ready;	/* ever logged in */
	char				 user[ALARM_USER_MAX + 1];
	char				 password[CONSOLE_PASSWORD_MAX];
	char				 desk[LINE_MAX_BYTES / 2];
	char				 tz[CONSOLE_ZONE_MAX];
	int				 desk_refused;	/* LOGIN with desk= got ERR syntax */
	int64_t				 down_since_ms;	/* monotonic; 0: up */
	enum console_link_state		 state;
	struct conn			*conn;
	TAILQ_HEAD(, console_req)	 queue;
	int				 in_flight;	/* the queue's head is sent */
	int				 finished;
	struct event			*retry;
	struct event			*deadline;
	struct event			*ping;
	int64_t				 backoff_ms;
	int64_t				 retry_at_ms;
	char				 down_reason[256];
	struct opproto_client_msg	 msg;	/* the line being handled */
};

static void	console_link_line(struct conn *, const char *, size_t, void *);
static void	console_link_connected(struct conn *, void *);
static void	console_link_overlong(struct conn *, void *);
static void	console_link_failed(struct conn *, const char *, void *);
static void	console_link_down(struct console_link *, const char *);

static const struct conn_callbacks console_link_conn_callbacks = {
	.connected = console_link_connected,
	.line = console_link_line,
	.overlong = console_link_overlong,
	.failed = console_link_failed,
};

/* ---- telling the owner */

static void
console_link_changed(struct console_link *l)
{
	if (l->cb.changed != NULL)
		l->cb.changed(l->arg);
}

static void
console_link_idle_now(struct console_link *l)
{
	if (l->cb.idle != NULL && console_link_idle(l))
		l->cb.idle(l->arg);
}

/* Gives up for good: the owner ends the program. */
static void
console_link_finish(struct console_link *l, int status, const char *why)
{
	if (l->finished)
		return;
	l->finished = 1;
	if (l->cb.finished != NULL)
		l->cb.finished(status, why, l->arg);
}

static void
console_link_arm(struct event *ev, int seconds)
{
	struct timeval	tv = timenow_tv((int64_t)seconds * 1000);

	evtimer_add(ev, &tv);
}

/* ---- the queue */

static void
console_link_req_free(struct console_req *req)
{
	if (req == NULL)
		return;
	free(req->line);
	free(req);
}

static struct console_req *
console_link_req_make(enum console_req_kind kind, int64_t alarm_id,
    const char *unit, const char *what, const char *text, size_t len)
{
	struct console_req	*req;

	if ((req = calloc(1, sizeof(*req))) == NULL ||
	    (req->line = malloc(len + 2)) == NULL) {
		free(req);
		return NULL;
	}
	req->kind = kind;
	req->alarm_id = alarm_id;
	snprintf(req->unit, sizeof(req->unit), "%s", unit ? unit : "");
	snprintf(req->what, sizeof(req->what), "%s", what ? what : "");
	memcpy(req->line, text, len);
	req->line[len] = '\n';
	req->line[len + 1] = '\0';
	req->len = len + 1;
	return req;
}

int
console_link_queue(struct console_link *l, enum console_req_kind kind,
    int64_t alarm_id, const char *unit, const char *what, const char *text,
    size_t len)
{
	struct console_req	*req;

	if ((req = console_link_req_make(kind, alarm_id, unit, what, text,
	    len)) == NULL)
		return -1;
	TAILQ_INSERT_TAIL(&l->queue, req, entry);
	return 0;
}

int
console_link_request(struct console_link *l, enum console_req_kind kind,
    int64_t alarm_id, const char *unit, const char *what, const char *fmt, ...)
{
	char	text[LINE_MAX_BYTES + 1];
	va_list	ap;
	int	n;

	if (l->state != CONSOLE_READY || l->finished)
		return -1;
	va_start(ap, fmt);
	n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(text) || memchr(text, '\n', (size_t)n))
		return -1;
	if (console_link_queue(l, kind, alarm_id, unit, what, text,
	    (size_t)n) == -1)
		return -1;
	console_link_send_next(l);
	return 0;
}

void
console_link_send_next(struct console_link *l)
{
	struct console_req	*req;

	if (l->in_flight || l->conn == NULL || l->finished ||
	    (req = TAILQ_FIRST(&l->queue)) == NULL)
		return;
	if (l->state != CONSOLE_READY && req->kind != CONSOLE_REQ_LOGIN)
		return;
	if (l->p.model != NULL)
		console_feed_sending(l->p.model, req->kind, req->alarm_id,
		    req->unit, req->what);
	if (conn_send(l->conn, req->line, req->len) == -1)
		return;		/* the conn fails and tells us */
	l->in_flight = 1;
	console_link_arm(l->deadline, CONSOLE_LINK_REPLY_TIMEOUT_S);
}

static void
console_link_drop_queue(struct console_link *l)
{
	struct console_req	*req;

	while ((req = TAILQ_FIRST(&l->queue)) != NULL) {
		TAILQ_REMOVE(&l->queue, req, entry);
		if (l->p.model != NULL && req->kind == CONSOLE_REQ_OTHER)
			console_model_message(l->p.model, "%s: not answered, "
			    "link down", req->what);
		console_link_req_free(req);
	}
	l->in_flight = 0;
}

int
console_link_idle(const struct console_link *l)
{
	return l->state == CONSOLE_READY && !l->finished && !l->in_flight &&
	    TAILQ_EMPTY(&l->queue);
}

/* ---- the connection */

void
console_link_connect(struct console_link *l)
{
	struct conn_limits		 limits = { OPPROTO_CLIENT_MAX_BYTES,
					    CONSOLE_LINK_MAX_OUTPUT, 0 };
	const struct console_rx_addr	*a;
	char				 err[256];

	if (l->finished)
		return;
	l->retry_at_ms = 0;
	l->state = CONSOLE_CONNECTING;
	if ((a = console_rx_addr(&l->rx, err, sizeof(err))) != NULL)
		l->conn = conn_connect(l->p.base, l->p.ctx,
		    (const struct sockaddr *)&a->addr, a->len, NULL, 0,
		    a->host, &limits, &console_link_conn_callbacks, l, err,
		    sizeof(err));
	if (a == NULL || l->conn == NULL) {
		console_link_down(l, err);
		return;
	}
	console_link_arm(l->deadline, CONSOLE_LINK_REPLY_TIMEOUT_S);
	console_link_changed(l);
}

static void
console_link_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	console_link_connect(arg);
}

/*
 * The link is gone (the conn is already freed or closing). The next
 * receiver is tried at once, or after the back-off once a round of them is
 * over; without reconnect only the first connection goes round them.
 */
static void
console_link_down(struct console_link *l, const char *reason)
{
	char	why[UPROTO_CLIENT_ADDR_MAX + sizeof(l->down_reason) + 4];
	int	was_ready = l->state == CONSOLE_READY, wait;

	l->conn = NULL;
	evtimer_del(l->deadline);
	console_link_drop_queue(l);
	snprintf(l->down_reason, sizeof(l->down_reason), "%s", reason);
	snprintf(why, sizeof(why), "%s: %s", console_rx_server(&l->rx), reason);
	l->state = CONSOLE_DISCONNECTED;
	if (l->down_since_ms == 0)
		l->down_since_ms = timenow_mono_ms();
	wait = console_rx_next(&l->rx);
	if (!l->p.reconnect && (l->was_ready || wait)) {
		console_link_finish(l, 1, why);
		return;
	}
	if (was_ready && l->p.model != NULL)
		console_model_message(l->p.model, "link down: %s", reason);
	if (!wait) {
		l->retry_at_ms = timenow_mono_ms();
		console_link_arm(l->retry, 0);
		console_link_changed(l);
		return;
	}
	l->retry_at_ms = timenow_mono_ms() + l->backoff_ms;
	console_link_arm(l->retry, (int)(l->backoff_ms / 1000));
	l->backoff_ms *= 2;
	if (l->backoff_ms > CONSOLE_LINK_BACKOFF_MAX_MS)
		l->backoff_ms = CONSOLE_LINK_BACKOFF_MAX_MS;
	console_link_changed(l);
}

static void
console_link_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct console_link	*l = arg;

	(void)fd;
	(void)what;
	if (l->conn == NULL)
		return;
	conn_close(l->conn);
	console_link_down(l, l->state == CONSOLE_CONNECTING ?
	    "no TLS handshake within 30 s" : "no reply within 30 s");
}

static void
console_link_ping_cb(evutil_socket_t fd, short what, void *arg)
{
	struct console_link	*l = arg;

	(void)fd;
	(void)what;
	if (l->state == CONSOLE_READY && TAILQ_EMPTY(&l->queue))
		(void)console_link_request(l, CONSOLE_REQ_PING, 0, NULL, NULL,
		    "PING");
}

/* Logged in (or connected with no one to log in): re-read what the model holds. */
static void
console_link_ready(struct console_link *l)
{
	l->state = CONSOLE_READY;
	l->was_ready = 1;
	l->backoff_ms = CONSOLE_LINK_BACKOFF_MIN_MS;
	l->down_reason[0] = '\0';
	l->down_since_ms = 0;
	if (l->p.model != NULL) {
		(void)console_link_request(l, CONSOLE_REQ_ALARMS, 0, NULL,
		    "ALARMS", "ALARMS");
		(void)console_link_request(l, CONSOLE_REQ_UNITS, 0, NULL,
		    "UNITS", "UNITS");
		(void)console_link_request(l, CONSOLE_REQ_OUTCOMES, 0, NULL,
		    "OUTCOMES", "OUTCOMES");
	}
	if (l->cb.ready != NULL)
		l->cb.ready(l->arg);
	console_link_idle_now(l);
	console_link_changed(l);
}

/* Sends LOGIN, with desk= unless this receiver refused it. */
static void
console_link_login(struct console_link *l)
{
	struct console_req	*req;
	char			 quoted[CONSOLE_PASSWORD_MAX + 8];
	char			 desk[sizeof(l->desk) + 8];
	char			 line[LINE_MAX_BYTES + 1];
	int			 n;

	l->state = CONSOLE_LOGGING_IN;
	desk[0] = '\0';
	if (l->desk[0] != '\0' && !l->desk_refused) {
		memcpy(desk, " desk=", 6);
		if (line_quote(desk + 6, sizeof(desk) - 6, l->desk) < 0)
			desk[0] = '\0';
	}
	if (line_quote(quoted, sizeof(quoted), l->password) < 0 ||
	    (n = snprintf(line, sizeof(line), "LOGIN %s %s%s", l->user,
	    quoted, desk)) < 0 || (size_t)n >= sizeof(line) ||
	    (req = console_link_req_make(CONSOLE_REQ_LOGIN, 0, NULL, "LOGIN",
	    line, (size_t)n)) == NULL) {
		OPENSSL_cleanse(line, sizeof(line));
		OPENSSL_cleanse(quoted, sizeof(quoted));
		console_link_finish(l, 1, "cannot make the LOGIN line");
		return;
	}
	OPENSSL_cleanse(line, sizeof(line));
	OPENSSL_cleanse(quoted, sizeof(quoted));
	TAILQ_INSERT_HEAD(&l->queue, req, entry);
	console_link_send_next(l);
	console_link_changed(l);
}

static void
console_link_connected(struct conn *conn, void *arg)
{
	struct console_link	*l = arg;

	(void)conn;
	evtimer_del(l->deadline);
	if (l->user[0] == '\0') {
		/* Batch without -u: the script logs in itself. */
		console_link_ready(l);
		return;
	}
	console_link_login(l);
}

/* ---- lines from refuged */

/* "* RECEIVER": a standby naming the active receiver sends the link there. */
static void
console_link_receiver(struct console_link *l,
    const struct opproto_client_receiver *r)
{
	char	reason[sizeof(l->down_reason)];

	if (!console_rx_heard(&l->rx, r, l->p.reconnect && l->conn != NULL))
		return;
	snprintf(reason, sizeof(reason), "receiver %s%sstands by; moving to "
	    "the active one, %s", r->name, r->name[0] ? " " : "", r->active);
	conn_close(l->conn);
	console_link_down(l, reason);
}

/* A push, or an ALARMS or UNITS data line, for the model. */
static void
console_link_apply(struct console_link *l, const struct opproto_client_msg *msg)
{
	enum console_effect	effect;
	int			priority;
	char			err[128];

	if (console_model_apply_msg(l->p.model, msg, timenow_wall_ms(), &effect,
	    &priority, err, sizeof(err)) == -1) {
		console_model_message(l->p.model, "not understood: %s", err);
		return;
	}
	/* The registry changed: names, sites and locations with it. */
	if (effect == CONSOLE_EFFECT_RELOADED)
		(void)console_link_request(l, CONSOLE_REQ_UNITS, 0, NULL,
		    "UNITS", "UNITS");
	if (l->cb.effect != NULL)
		l->cb.effect(effect, priority, l->arg);
}

/*
 * A line of the in-flight request's reply before its OK or ERR; msg is NULL
 * when the line did not parse (err says why).
 */
static void
console_link_req_data(struct console_link *l, struct console_req *req,
    const struct opproto_client_msg *msg, const char *line, const char *err)
{
	struct console_model	*m = l->p.model;

	if (req->kind == CONSOLE_REQ_RAW) {
		if (l->cb.reply != NULL)
			l->cb.reply(line, l->arg);
		return;
	}
	if (m == NULL)
		return;
	switch (req->kind) {
	case CONSOLE_REQ_ALARMS:
	case CONSOLE_REQ_UNITS:
		if (msg != NULL)
			console_link_apply(l, msg);
		else
			console_model_message(m, "not understood: %s", err);
		break;
	default:
		console_feed_data(m, req->kind, req->alarm_id, msg, line, err);
		break;
	}
}

/* LOGIN's OK: the zone; LOGIN's ERR: finish, or wait for a new password. */
static void
console_link_login_done(struct console_link *l,
    const struct opproto_client_msg *msg, const char *line)
{
	char		 why[LINE_MAX_BYTES + 64];
	const char	*tz;

	if (msg->kind == OPPROTO_CLIENT_OK) {
		tz = opproto_client_attr(msg, "tz");
		snprintf(l->tz, sizeof(l->tz), "%s", tz != NULL ? tz : "");
		console_link_ready(l);
		return;
	}
	/* A receiver from before desk= refuses the word: log in without it. */
	if (l->desk[0] != '\0' && !l->desk_refused &&
	    strcmp(msg->err.code, "syntax") == 0) {
		l->desk_refused = 1;
		if (l->p.model != NULL)
			console_model_message(l->p.model, "this receiver takes "
			    "no desk=; audio calls the unit's own uri");
		console_link_login(l);
		return;
	}
	snprintf(why, sizeof(why), "login as %s failed: %.*s", l->user,
	    LINE_MAX_BYTES, line);
	if (l->cb.login_refused == NULL ||
	    strcmp(msg->err.code, "auth") != 0) {
		console_link_finish(l, 1, why);
		return;
	}
	/* Down, with no retry armed, until the owner has a new password. */
	conn_close(l->conn);
	l->conn = NULL;
	evtimer_del(l->deadline);
	console_link_drop_queue(l);
	l->state = CONSOLE_DISCONNECTED;
	l->retry_at_ms = 0;
	snprintf(l->down_reason, sizeof(l->down_reason), "login refused");
	if (l->down_since_ms == 0)
		l->down_since_ms = timenow_mono_ms();
	l->cb.login_refused(why, l->arg);
}

void
console_link_retry_login(struct console_link *l, const char *password)
{
	snprintf(l->password, sizeof(l->password), "%s", password);
	if (l->state == CONSOLE_DISCONNECTED && l->conn == NULL && !l->finished)
		console_link_connect(l);
}

/* The in-flight request's OK or ERR. */
static void
console_link_req_done(struct console_link *l, struct console_req *req,
    const struct opproto_client_msg *msg, const char *line)
{
	struct console_model	*m = l->p.model;
	int			 ok = msg->kind == OPPROTO_CLIENT_OK;

	switch (req->kind) {
	case CONSOLE_REQ_RAW:
		if (l->cb.reply != NULL)
			l->cb.reply(line, l->arg);
		/* The server closes after LOGOUT: that is the script's end. */
		if (ok && strcmp(req->line, "LOGOUT\n") == 0)
			console_link_finish(l, 0, NULL);
		return;
	case CONSOLE_REQ_LOGIN:
		console_link_login_done(l, msg, line);
		return;
	case CONSOLE_REQ_HANDOVER:
		/*
		 * The end of a shift: the receiver closes the link, and a
		 * console that logged in again would undo that.
		 */
		if (ok) {
			console_link_finish(l, 0, "handover note left for the "
			    "next shift; session ended");
			return;
		}
		break;
	default:
		break;
	}
	if (m == NULL)
		return;
	/* Claiming shows the plan at once; a ticked step shows in it. */
	if ((req->kind == CONSOLE_REQ_CLAIM || req->kind == CONSOLE_REQ_STEP) &&
	    ok)
		(void)console_link_request(l, CONSOLE_REQ_PLAN, req->alarm_id,
		    req->unit, "PLAN", "PLAN %lld", (long long)req->alarm_id);
	console_feed_done(m, req->kind, req->alarm_id, req->unit, req->what,
	    msg, line);
}

static void
console_link_line(struct conn *conn, const char *line, size_t len, void *arg)
{
	struct console_link		*l = arg;
	struct console_req		*req;
	struct opproto_client_msg	*msg = &l->msg;
	char				 err[128];
	int				 parsed;

	(void)conn;
	if (l->finished)
		return;
	parsed = opproto_client_parse(msg, line, len, err, sizeof(err)) == 0;
	if (msg->push && parsed && msg->kind == OPPROTO_CLIENT_RECEIVER)
		console_link_receiver(l, &msg->receiver);
	if (msg->push) {
		if (l->p.model != NULL) {
			if (parsed)
				console_link_apply(l, msg);
			else
				console_model_message(l->p.model,
				    "not understood: %s", err);
		} else if (l->state == CONSOLE_READY && l->cb.push != NULL)
			l->cb.push(line, l->arg);
		console_link_changed(l);
		return;
	}
	req = l->in_flight ? TAILQ_FIRST(&l->queue) : NULL;
	if (req == NULL) {
		if (l->p.model != NULL)
			console_model_message(l->p.model, "unexpected: %.200s",
			    line);
		else if (l->cb.reply != NULL)
			l->cb.reply(line, l->arg);
		return;
	}
	console_link_arm(l->deadline, CONSOLE_LINK_REPLY_TIMEOUT_S);
	if (!parsed || (msg->kind != OPPROTO_CLIENT_OK &&
	    msg->kind != OPPROTO_CLIENT_ERR)) {
		console_link_req_data(l, req, parsed ? msg : NULL, line, err);
		return;
	}
	TAILQ_REMOVE(&l->queue, req, entry);
	l->in_flight = 0;
	evtimer_del(l->deadline);
	console_link_req_done(l, req, msg, line);
	console_link_req_free(req);
	if (l->finished)
		return;
	console_link_send_next(l);
	console_link_idle_now(l);
	console_link_changed(l);
}

static void
console_link_overlong(struct conn *conn, void *arg)
{
	struct console_link	*l = arg;

	conn_close(conn);
	console_link_down(l, "line from the server too long");
}

static void
console_link_failed(struct conn *conn, const char *reason, void *arg)
{
	(void)conn;
	console_link_down(arg, reason);
}

/* ---- life cycle and what the screen asks */

struct console_link *
console_link_new(const struct console_link_params *p,
    const struct console_link_callbacks *cb, void *arg)
{
	struct console_link	*l;
	struct timeval		 tv = timenow_tv(CONSOLE_LINK_PING_S * 1000);

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	l->p = *p;
	l->cb = *cb;
	l->arg = arg;
	TAILQ_INIT(&l->queue);
	if (p->rx == NULL || p->rx->count == 0)
		goto fail;
	console_rx_init(&l->rx, p->rx);
	snprintf(l->user, sizeof(l->user), "%s", p->user);
	snprintf(l->password, sizeof(l->password), "%s", p->password);
	snprintf(l->desk, sizeof(l->desk), "%s", p->desk ? p->desk : "");
	/* The copies above are what the link uses; p's strings may go. */
	l->p.rx = NULL;
	l->p.user = l->p.password = NULL;
	l->p.desk = NULL;
	l->state = CONSOLE_DISCONNECTED;
	l->backoff_ms = CONSOLE_LINK_BACKOFF_MIN_MS;
	if ((l->retry = evtimer_new(p->base, console_link_retry_cb, l)) ==
	    NULL ||
	    (l->deadline = evtimer_new(p->base, console_link_deadline_cb,
	    l)) == NULL)
		goto fail;
	if (p->ping && ((l->ping = event_new(p->base, -1, EV_PERSIST,
	    console_link_ping_cb, l)) == NULL || event_add(l->ping, &tv) == -1))
		goto fail;
	return l;
fail:
	console_link_free(l);
	return NULL;
}

void
console_link_free(struct console_link *l)
{
	if (l == NULL)
		return;
	if (l->retry != NULL)
		event_free(l->retry);
	if (l->deadline != NULL)
		event_free(l->deadline);
	if (l->ping != NULL)
		event_free(l->ping);
	console_link_drop_queue(l);
	/* Lets the conn flush and free itself; no callback follows. */
	if (l->conn != NULL)
		conn_close(l->conn);
	OPENSSL_cleanse(l->password, sizeof(l->password));
	free(l);
}

enum console_link_state
console_link_state(const struct console_link *l)
{
	return l->state;
}

const char *
console_link_user(const struct console_link *l)
{
	return l->user;
}

const char *
console_link_server(const struct console_link *l)
{
	return console_rx_server(&l->rx);
}

const char *
console_link_rx_name(const struct console_link *l)
{
	return l->rx.name;
}

const char *
console_link_rx_role(const struct console_link *l)
{
	return l->rx.role;
}

const char *
console_link_down_reason(const struct console_link *l)
{
	return l->down_reason;
}

const char *
console_link_tz(const struct console_link *l)
{
	return l->tz;
}

const char *
console_link_desk(const struct console_link *l)
{
	return l->desk;
}

int64_t
console_link_down_since(const struct console_link *l)
{
	return l->down_since_ms;
}

int
console_link_retry_in(const struct console_link *l)
{
	int64_t	left;

	if (l->state != CONSOLE_DISCONNECTED || l->retry_at_ms == 0)
		return -1;
	left = l->retry_at_ms - timenow_mono_ms();
	return left <= 0 ? 0 : (int)((left + 999) / 1000);
}
