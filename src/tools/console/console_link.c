/*
 * refuge-console's link to refuged and its request queue.
 * Link states: DISCONNECTED (retry timer armed, back-off 1 s doubling to
 * 30 s) -> CONNECTING (TCP + TLS) -> LOGGING_IN -> READY. Requests wait in
 * one queue and go out one at a time: the head is in flight once sent, and
 * every line that is not a push ("* ") belongs to it until its OK or ERR.
 * Invariant: a request is in flight only while the link is up; a dropped
 * link drops the queue.
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
#include "refuge/timenow.h"

#include "console.h"

#define CONSOLE_BACKOFF_MIN_MS	1000
#define CONSOLE_BACKOFF_MAX_MS	30000
#define CONSOLE_REPLY_TIMEOUT_S	30
#define CONSOLE_PING_S		20
#define CONSOLE_MAX_OUTPUT	(1024 * 1024)

struct console_req {
	TAILQ_ENTRY(console_req) entry;
	enum console_req_kind	 kind;
	int64_t			 alarm_id;
	char			 unit[CONSOLE_ID_MAX];
	char			 what[CONSOLE_TEXT_MAX];
	char			*line;		/* with its '\n', NUL-terminated */
	size_t			 len;
};

static void	console_link_line(struct conn *, const char *, size_t, void *);
static void	console_link_connected(struct conn *, void *);
static void	console_link_overlong(struct conn *, void *);
static void	console_link_failed(struct conn *, const char *, void *);
static void	console_link_down(struct console *, const char *);

static const struct conn_callbacks console_callbacks = {
	.connected = console_link_connected,
	.line = console_link_line,
	.overlong = console_link_overlong,
	.failed = console_link_failed,
};

static void
console_changed(struct console *c)
{
	if (c->ui != NULL)
		console_ui_changed(c->ui);
}

static void
console_arm(struct event *ev, int seconds)
{
	struct timeval	tv = { seconds, 0 };

	evtimer_add(ev, &tv);
}

static void
console_req_free(struct console_req *req)
{
	if (req == NULL)
		return;
	free(req->line);
	free(req);
}

static struct console_req *
console_req_make(enum console_req_kind kind, int64_t alarm_id,
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
console_link_queue(struct console *c, enum console_req_kind kind,
    int64_t alarm_id, const char *unit, const char *what, const char *text,
    size_t len)
{
	struct console_req	*req;

	if ((req = console_req_make(kind, alarm_id, unit, what, text, len)) ==
	    NULL)
		return -1;
	TAILQ_INSERT_TAIL(&c->queue, req, entry);
	return 0;
}

int
console_link_request(struct console *c, enum console_req_kind kind,
    int64_t alarm_id, const char *unit, const char *what, const char *fmt, ...)
{
	char	text[LINE_MAX_BYTES + 1];
	va_list	ap;
	int	n;

	if (c->state != CONSOLE_READY)
		return -1;
	va_start(ap, fmt);
	n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(text) || memchr(text, '\n', (size_t)n))
		return -1;
	if (console_link_queue(c, kind, alarm_id, unit, what, text,
	    (size_t)n) == -1)
		return -1;
	console_link_send_next(c);
	return 0;
}

/* What a request does to the model as it goes out. */
static void
console_req_sending(struct console *c, struct console_req *req)
{
	switch (req->kind) {
	case CONSOLE_REQ_ALARMS:
		console_model_mark_alarms(c->model);
		break;
	case CONSOLE_REQ_UNITS:
		console_model_mark_units(c->model);
		break;
	case CONSOLE_REQ_HISTORY:
		console_model_history_clear(c->model, req->unit);
		break;
	case CONSOLE_REQ_PLAN:
		(void)console_model_plan_clear(c->model, req->alarm_id);
		break;
	default:
		break;
	}
}

void
console_link_send_next(struct console *c)
{
	struct console_req	*req;

	if (c->in_flight || c->conn == NULL ||
	    (req = TAILQ_FIRST(&c->queue)) == NULL)
		return;
	if (c->state != CONSOLE_READY && req->kind != CONSOLE_REQ_LOGIN)
		return;
	console_req_sending(c, req);
	if (conn_send(c->conn, req->line, req->len) == -1)
		return;		/* the conn fails and tells us */
	c->in_flight = 1;
	console_arm(c->deadline, CONSOLE_REPLY_TIMEOUT_S);
}

void
console_link_drop_queue(struct console *c)
{
	struct console_req	*req;

	while ((req = TAILQ_FIRST(&c->queue)) != NULL) {
		TAILQ_REMOVE(&c->queue, req, entry);
		if (c->mode == CONSOLE_MODE_UI && req->kind == CONSOLE_REQ_OTHER)
			console_model_message(c->model, "%s: not answered, "
			    "link down", req->what);
		console_req_free(req);
	}
	c->in_flight = 0;
}

void
console_link_connect(struct console *c)
{
	struct conn_limits	limits = { 4096, CONSOLE_MAX_OUTPUT, 0 };
	char			err[256];

	c->retry_at_ms = 0;
	c->state = CONSOLE_CONNECTING;
	c->conn = conn_connect(c->base, c->ctx, (struct sockaddr *)&c->addr,
	    c->addrlen, NULL, 0, c->host, &limits, &console_callbacks, c, err,
	    sizeof(err));
	if (c->conn == NULL) {
		console_link_down(c, err);
		return;
	}
	console_arm(c->deadline, CONSOLE_REPLY_TIMEOUT_S);
	console_changed(c);
}

static void
console_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	console_link_connect(arg);
}

/* The link is gone (the conn is already freed or closing). */
static void
console_link_down(struct console *c, const char *reason)
{
	int	was_ready = c->state == CONSOLE_READY;

	c->conn = NULL;
	evtimer_del(c->deadline);
	console_link_drop_queue(c);
	snprintf(c->down_reason, sizeof(c->down_reason), "%s", reason);
	c->state = CONSOLE_DISCONNECTED;
	if (c->mode != CONSOLE_MODE_UI) {
		fprintf(stderr, "refuge-console: %s: %s\n", c->server, reason);
		console_finish(c, 1);
		return;
	}
	if (was_ready)
		console_model_message(c->model, "link down: %s", reason);
	c->retry_at_ms = timenow_mono_ms() + c->backoff_ms;
	console_arm(c->retry, (int)(c->backoff_ms / 1000));
	c->backoff_ms *= 2;
	if (c->backoff_ms > CONSOLE_BACKOFF_MAX_MS)
		c->backoff_ms = CONSOLE_BACKOFF_MAX_MS;
	console_changed(c);
}

static void
console_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct console	*c = arg;

	(void)fd;
	(void)what;
	if (c->conn == NULL)
		return;
	conn_close(c->conn);
	console_link_down(c, c->state == CONSOLE_CONNECTING ?
	    "no TLS handshake within 30 s" : "no reply within 30 s");
}

static void
console_ping_cb(evutil_socket_t fd, short what, void *arg)
{
	struct console	*c = arg;

	(void)fd;
	(void)what;
	if (c->state == CONSOLE_READY && TAILQ_EMPTY(&c->queue))
		(void)console_link_request(c, CONSOLE_REQ_PING, 0, NULL, NULL,
		    "PING");
}

int
console_link_init(struct console *c)
{
	struct timeval	tv = { CONSOLE_PING_S, 0 };

	c->backoff_ms = CONSOLE_BACKOFF_MIN_MS;
	if ((c->retry = evtimer_new(c->base, console_retry_cb, c)) == NULL ||
	    (c->deadline = evtimer_new(c->base, console_deadline_cb, c)) ==
	    NULL)
		return -1;
	if (c->mode == CONSOLE_MODE_BATCH)
		return 0;
	if ((c->ping = event_new(c->base, -1, EV_PERSIST, console_ping_cb,
	    c)) == NULL || event_add(c->ping, &tv) == -1)
		return -1;
	return 0;
}

static void
console_link_connected(struct conn *conn, void *arg)
{
	struct console		*c = arg;
	struct console_req	*req;
	char			 quoted[CONSOLE_PASSWORD_MAX + 8];
	char			 line[LINE_MAX_BYTES + 1];
	int			 n;

	(void)conn;
	evtimer_del(c->deadline);
	if (c->user[0] == '\0') {
		/* Batch without -u: the script logs in itself. */
		c->state = CONSOLE_READY;
		console_batch_next(c);
		return;
	}
	c->state = CONSOLE_LOGGING_IN;
	if (line_quote(quoted, sizeof(quoted), c->password) < 0 ||
	    (n = snprintf(line, sizeof(line), "LOGIN %s %s", c->user,
	    quoted)) < 0 || (size_t)n >= sizeof(line) ||
	    (req = console_req_make(CONSOLE_REQ_LOGIN, 0, NULL, "LOGIN", line,
	    (size_t)n)) == NULL) {
		snprintf(c->fatal, sizeof(c->fatal), "cannot make the LOGIN line");
		console_finish(c, 1);
		return;
	}
	OPENSSL_cleanse(line, sizeof(line));
	OPENSSL_cleanse(quoted, sizeof(quoted));
	TAILQ_INSERT_HEAD(&c->queue, req, entry);
	console_link_send_next(c);
	console_changed(c);
}

static void
console_ready(struct console *c)
{
	c->state = CONSOLE_READY;
	c->backoff_ms = CONSOLE_BACKOFF_MIN_MS;
	c->down_reason[0] = '\0';
	switch (c->mode) {
	case CONSOLE_MODE_BATCH:
		console_batch_next(c);
		break;
	case CONSOLE_MODE_WATCH:
		break;
	case CONSOLE_MODE_UI:
		(void)console_link_request(c, CONSOLE_REQ_ALARMS, 0, NULL,
		    "ALARMS", "ALARMS");
		(void)console_link_request(c, CONSOLE_REQ_UNITS, 0, NULL,
		    "UNITS", "UNITS");
		console_ui_ready(c->ui);
		break;
	}
	console_changed(c);
}

static void
console_apply(struct console *c, const char *line)
{
	enum console_effect	effect;
	int			priority;
	char			err[128];

	if (console_model_apply(c->model, line, timenow_wall_ms(), &effect,
	    &priority, err, sizeof(err)) == -1) {
		console_model_message(c->model, "not understood: %s", err);
		return;
	}
	if (c->ui != NULL)
		console_ui_effect(c->ui, effect, priority);
}

static void
console_req_data(struct console *c, struct console_req *req, const char *line)
{
	char	err[128];

	switch (req->kind) {
	case CONSOLE_REQ_RAW:
		console_batch_print(line);
		break;
	case CONSOLE_REQ_ALARMS:
	case CONSOLE_REQ_UNITS:
		console_apply(c, line);
		break;
	case CONSOLE_REQ_HISTORY:
		console_model_history_line(c->model, line);
		break;
	case CONSOLE_REQ_PLAN:
		if (console_model_plan_step(c->model, req->alarm_id, line, err,
		    sizeof(err)) == -1)
			console_model_message(c->model, "PLAN: %s", err);
		break;
	default:
		break;
	}
}

static void
console_req_done(struct console *c, struct console_req *req, const char *line)
{
	int	ok = line[0] == 'O';

	switch (req->kind) {
	case CONSOLE_REQ_RAW:
		console_batch_print(line);
		/* The server closes after LOGOUT: that is the script's end. */
		if (ok && strcmp(req->line, "LOGOUT\n") == 0)
			console_finish(c, 0);
		break;
	case CONSOLE_REQ_LOGIN:
		if (!ok) {
			snprintf(c->fatal, sizeof(c->fatal), "login as %s "
			    "failed: %s", c->user, line);
			if (c->mode != CONSOLE_MODE_UI)
				fprintf(stderr, "refuge-console: %s\n", c->fatal);
			console_finish(c, 1);
			return;
		}
		console_ready(c);
		return;
	case CONSOLE_REQ_ALARMS:
		if (ok)
			console_model_sweep_alarms(c->model);
		break;
	case CONSOLE_REQ_UNITS:
		if (ok)
			console_model_sweep_units(c->model);
		break;
	case CONSOLE_REQ_NOTE:
		if (ok)
			(void)console_model_note(c->model, req->alarm_id,
			    req->what);
		break;
	case CONSOLE_REQ_CMD:
		if (ok && strncmp(line, "OK cmd=", 7) == 0) {
			struct console_unit	*u;

			console_model_cmd_sent(c->model, line + 7, req->unit,
			    req->what);
			if ((u = console_model_unit(c->model, req->unit)) != NULL) {
				if (strncmp(req->what, "AUDIO OPEN", 10) == 0)
					u->audio_open = 1;
				else if (strcmp(req->what, "AUDIO CLOSE") == 0)
					u->audio_open = 0;
			}
		}
		break;
	default:
		break;
	}
	if (req->kind == CONSOLE_REQ_NOTE)
		console_model_message(c->model, "NOTE %lld: %s",
		    (long long)req->alarm_id, line);
	else if (c->mode == CONSOLE_MODE_UI && req->kind != CONSOLE_REQ_PING &&
	    (!ok || req->kind != CONSOLE_REQ_ALARMS) &&
	    (!ok || req->kind != CONSOLE_REQ_UNITS) &&
	    (!ok || req->kind != CONSOLE_REQ_HISTORY))
		console_model_message(c->model, "%s: %s", req->what, line);
}

static void
console_link_line(struct conn *conn, const char *line, size_t len, void *arg)
{
	struct console		*c = arg;
	struct console_req	*req;

	(void)conn;
	(void)len;
	if (strncmp(line, "* ", 2) == 0) {
		if (c->mode == CONSOLE_MODE_UI)
			console_apply(c, line);
		else if (c->state == CONSOLE_READY)
			console_batch_print(line);
		console_changed(c);
		return;
	}
	req = c->in_flight ? TAILQ_FIRST(&c->queue) : NULL;
	if (req == NULL) {
		if (c->mode == CONSOLE_MODE_BATCH)
			console_batch_print(line);
		else if (c->mode == CONSOLE_MODE_UI)
			console_model_message(c->model, "unexpected: %.200s",
			    line);
		return;
	}
	console_arm(c->deadline, CONSOLE_REPLY_TIMEOUT_S);
	if (strcmp(line, "OK") != 0 && strncmp(line, "OK ", 3) != 0 &&
	    strncmp(line, "ERR ", 4) != 0) {
		console_req_data(c, req, line);
		return;
	}
	TAILQ_REMOVE(&c->queue, req, entry);
	c->in_flight = 0;
	evtimer_del(c->deadline);
	console_req_done(c, req, line);
	console_req_free(req);
	if (c->finished)
		return;
	console_link_send_next(c);
	if (c->mode == CONSOLE_MODE_BATCH)
		console_batch_next(c);
	console_changed(c);
}

static void
console_link_overlong(struct conn *conn, void *arg)
{
	struct console	*c = arg;

	conn_close(conn);
	console_link_down(c, "line from the server too long");
}

static void
console_link_failed(struct conn *conn, const char *reason, void *arg)
{
	(void)conn;
	console_link_down(arg, reason);
}
