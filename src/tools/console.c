/*
 * refuge-console: the operator client. This file holds main, the options,
 * the batch and watch modes and the link to refuged.
 * Link states: DISCONNECTED (retry timer armed, back-off 1 s doubling to
 * 30 s) -> CONNECTING (TCP + TLS) -> LOGGING_IN -> READY. Requests wait in
 * one queue and go out one at a time: the head is in flight once sent, and
 * every line that is not a push ("* ") belongs to it until its OK or ERR.
 * Invariant: a request is in flight only while the link is up; a dropped
 * link drops the queue.
 */
#include <sys/queue.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/crypto.h>

#include "refuge/config.h"
#include "refuge/conn.h"
#include "refuge/line.h"
#include "refuge/timenow.h"
#include "refuge/tlsctx.h"

#include "console.h"

#define CONSOLE_DEFAULT_SERVER	"127.0.0.1:7401"
#define CONSOLE_BACKOFF_MIN_MS	1000
#define CONSOLE_BACKOFF_MAX_MS	30000
#define CONSOLE_REPLY_TIMEOUT_S	30
#define CONSOLE_PING_S		20
#define CONSOLE_MAX_OUTPUT	(1024 * 1024)
#define CONSOLE_INPUT_HIGH	(64 * 1024)
#define CONSOLE_PASSWORD_MAX	256

enum console_mode {
	CONSOLE_MODE_UI,
	CONSOLE_MODE_BATCH,
	CONSOLE_MODE_WATCH
};

struct console_req {
	TAILQ_ENTRY(console_req) entry;
	enum console_req_kind	 kind;
	int64_t			 alarm_id;
	char			 unit[CONSOLE_ID_MAX];
	char			 what[CONSOLE_TEXT_MAX];
	char			*line;		/* with its '\n', NUL-terminated */
	size_t			 len;
};

struct console {
	struct event_base		*base;
	SSL_CTX				*ctx;
	struct sockaddr_storage		 addr;
	socklen_t			 addrlen;
	char				 server[300];	/* host:port as given */
	char				 host[256];	/* the server name to verify */
	char				 user[ALARM_USER_MAX + 1];	/* "" : no login */
	char				 password[CONSOLE_PASSWORD_MAX];
	enum console_mode		 mode;
	enum console_link_state		 state;
	struct conn			*conn;
	TAILQ_HEAD(, console_req)	 queue;
	int				 in_flight;	/* the queue's head is sent */
	struct event			*retry;
	struct event			*deadline;
	struct event			*ping;
	struct event			*input;
	struct event			*sigint;
	struct event			*sigterm;
	int64_t				 backoff_ms;
	int64_t				 retry_at_ms;
	char				 down_reason[256];
	struct console_model		*model;
	struct console_ui		*ui;
	int				 exit_status;
	int				 finished;
	char				 fatal[512];	/* printed after the screen is gone */
	/* batch: stdin, buffered */
	char				*inbuf;
	size_t				 inlen;
	size_t				 incap;
	int				 in_eof;
};

static void	console_link_line(struct conn *, const char *, size_t, void *);
static void	console_link_connected(struct conn *, void *);
static void	console_link_overlong(struct conn *, void *);
static void	console_link_failed(struct conn *, const char *, void *);
static void	console_link_down(struct console *, const char *);
static void	console_send_next(struct console *);
static void	console_batch_next(struct console *);

static const struct conn_callbacks console_callbacks = {
	.connected = console_link_connected,
	.line = console_link_line,
	.overlong = console_link_overlong,
	.failed = console_link_failed,
};

static __attribute__((noreturn)) void
console_usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: refuge-console [-H host:port] [-u user] [--password-file file]\n"
	    "                      [--ca file | --insecure] [--batch | --watch]\n"
	    "       refuge-console -V\n");
	exit(status);
}

struct console_model *
console_get_model(struct console *c)
{
	return c->model;
}

enum console_link_state
console_get_state(const struct console *c)
{
	return c->state;
}

const char *
console_get_user(const struct console *c)
{
	return c->user;
}

const char *
console_get_server(const struct console *c)
{
	return c->server;
}

const char *
console_get_down_reason(const struct console *c)
{
	return c->down_reason;
}

int
console_get_retry_in(const struct console *c, int64_t now_ms)
{
	int64_t	left;

	(void)now_ms;
	if (c->state != CONSOLE_DISCONNECTED || c->retry_at_ms == 0)
		return -1;
	left = c->retry_at_ms - timenow_mono_ms();
	return left <= 0 ? 0 : (int)((left + 999) / 1000);
}

/* Ends the loop; main tears down. status is the exit status. */
static void
console_finish(struct console *c, int status)
{
	if (c->finished)
		return;
	c->finished = 1;
	c->exit_status = status;
	event_base_loopbreak(c->base);
}

void
console_quit(struct console *c)
{
	console_finish(c, 0);
}

/* A line printed as received, in batch and watch modes. */
static void
console_print(const char *line)
{
	fputs(line, stdout);
	fputc('\n', stdout);
	fflush(stdout);
}

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
console_request(struct console *c, enum console_req_kind kind,
    int64_t alarm_id, const char *unit, const char *what, const char *fmt, ...)
{
	struct console_req	*req;
	char			 text[LINE_MAX_BYTES + 1];
	va_list			 ap;
	int			 n;

	if (c->state != CONSOLE_READY)
		return -1;
	va_start(ap, fmt);
	n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(text) || memchr(text, '\n', (size_t)n))
		return -1;
	if ((req = console_req_make(kind, alarm_id, unit, what, text,
	    (size_t)n)) == NULL)
		return -1;
	TAILQ_INSERT_TAIL(&c->queue, req, entry);
	console_send_next(c);
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

static void
console_send_next(struct console *c)
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

static void
console_drop_queue(struct console *c)
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

static void
console_connect(struct console *c)
{
	struct conn_limits	limits = { 4096, CONSOLE_MAX_OUTPUT };
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
	console_connect(arg);
}

/* The link is gone (the conn is already freed or closing). */
static void
console_link_down(struct console *c, const char *reason)
{
	int	was_ready = c->state == CONSOLE_READY;

	c->conn = NULL;
	evtimer_del(c->deadline);
	console_drop_queue(c);
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
		(void)console_request(c, CONSOLE_REQ_PING, 0, NULL, NULL, "PING");
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
	console_send_next(c);
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
		(void)console_request(c, CONSOLE_REQ_ALARMS, 0, NULL, "ALARMS",
		    "ALARMS");
		(void)console_request(c, CONSOLE_REQ_UNITS, 0, NULL, "UNITS",
		    "UNITS");
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
		console_print(line);
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
		console_print(line);
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
			console_print(line);
		console_changed(c);
		return;
	}
	req = c->in_flight ? TAILQ_FIRST(&c->queue) : NULL;
	if (req == NULL) {
		if (c->mode == CONSOLE_MODE_BATCH)
			console_print(line);
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
	console_send_next(c);
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

/* ---- batch mode: requests from stdin, one at a time */

static void
console_batch_next(struct console *c)
{
	struct console_req	*req;
	char			*nl, *start;
	size_t			 len;

	while (c->state == CONSOLE_READY && !c->finished && !c->in_flight &&
	    TAILQ_EMPTY(&c->queue)) {
		nl = memchr(c->inbuf, '\n', c->inlen);
		if (nl == NULL && c->in_eof && c->inlen > 0)
			nl = c->inbuf + c->inlen;	/* a last line without LF */
		if (nl == NULL) {
			if (c->in_eof)
				console_finish(c, 0);
			else if (c->input != NULL && c->inlen < CONSOLE_INPUT_HIGH)
				event_add(c->input, NULL);
			return;
		}
		start = c->inbuf;
		len = (size_t)(nl - start);
		if (len > 0 && start[len - 1] == '\r')
			len--;
		if (len > 0) {
			if ((req = console_req_make(CONSOLE_REQ_RAW, 0, NULL, NULL,
			    start, len)) == NULL) {
				fprintf(stderr, "refuge-console: out of memory\n");
				console_finish(c, 1);
				return;
			}
			TAILQ_INSERT_TAIL(&c->queue, req, entry);
		}
		len = nl < c->inbuf + c->inlen ? (size_t)(nl - c->inbuf) + 1 :
		    c->inlen;
		memmove(c->inbuf, c->inbuf + len, c->inlen - len);
		c->inlen -= len;
		console_send_next(c);
	}
}

/* Appends what read() gives; returns bytes read, 0 at EOF, -1 on error. */
static ssize_t
console_input_read(struct console *c)
{
	char	*grown;
	size_t	 cap;
	ssize_t	 n;

	if (c->incap - c->inlen < 4096) {
		cap = c->incap ? c->incap * 2 : 8192;
		if ((grown = realloc(c->inbuf, cap)) == NULL)
			return -1;
		c->inbuf = grown;
		c->incap = cap;
	}
	do
		n = read(STDIN_FILENO, c->inbuf + c->inlen, c->incap - c->inlen);
	while (n == -1 && errno == EINTR);
	if (n > 0)
		c->inlen += (size_t)n;
	return n;
}

static void
console_input_cb(evutil_socket_t fd, short what, void *arg)
{
	struct console	*c = arg;
	ssize_t		 n;

	(void)fd;
	(void)what;
	n = console_input_read(c);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	if (n <= 0) {
		c->in_eof = 1;
		event_del(c->input);
	} else if (c->inlen >= CONSOLE_INPUT_HIGH)
		event_del(c->input);
	console_batch_next(c);
}

/* Regular files and /dev/null cannot be polled: read them whole at once. */
static int
console_input_start(struct console *c)
{
	struct stat	st;
	ssize_t		n;

	if (fstat(STDIN_FILENO, &st) == -1)
		return -1;
	if (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) ||
	    isatty(STDIN_FILENO)) {
		if ((c->input = event_new(c->base, STDIN_FILENO, EV_READ |
		    EV_PERSIST, console_input_cb, c)) == NULL)
			return -1;
		return event_add(c->input, NULL);
	}
	while ((n = console_input_read(c)) > 0)
		;
	c->in_eof = 1;
	return n == -1 ? -1 : 0;
}

/* ---- start-up */

static void
console_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct console	*c = arg;

	(void)what;
	(void)sig;
	console_finish(c, c->mode == CONSOLE_MODE_BATCH ? 1 : 0);
}

static int
console_password_file(const char *path, char *buf, size_t len)
{
	FILE	*f;
	int	 ok;

	if ((f = fopen(path, "r")) == NULL)
		return -1;
	ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	if (!ok)
		buf[0] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

/* Asks on the terminal with echo off. */
static int
console_password_prompt(const char *user, char *buf, size_t len)
{
	struct termios	 old, quiet;
	char		 prompt[128];
	size_t		 n = 0;
	ssize_t		 r;
	char		 ch;
	int		 fd, restore;

	if ((fd = open("/dev/tty", O_RDWR | O_CLOEXEC)) == -1)
		return -1;
	snprintf(prompt, sizeof(prompt), "Password for %.64s: ", user);
	if (write(fd, prompt, strlen(prompt)) < 0) {
		close(fd);
		return -1;
	}
	restore = tcgetattr(fd, &old) == 0;
	if (restore) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		quiet.c_lflag |= ICANON;
		(void)tcsetattr(fd, TCSAFLUSH, &quiet);
	}
	while ((r = read(fd, &ch, 1)) == 1 && ch != '\n' && ch != '\r')
		if (n + 1 < len)
			buf[n++] = ch;
	buf[n] = '\0';
	if (restore)
		(void)tcsetattr(fd, TCSAFLUSH, &old);
	(void)write(fd, "\n", 1);
	close(fd);
	return r < 0 ? -1 : 0;
}

static void
console_free(struct console *c)
{
	struct event	**evs[] = { &c->retry, &c->deadline, &c->ping,
			    &c->input, &c->sigint, &c->sigterm };
	size_t		  i;

	console_ui_free(c->ui);
	c->ui = NULL;
	for (i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
		if (*evs[i] != NULL) {
			event_free(*evs[i]);
			*evs[i] = NULL;
		}
	console_drop_queue(c);
	if (c->conn != NULL) {
		conn_close(c->conn);
		c->conn = NULL;
		/* Lets the conn flush and free itself; nothing else is left. */
		event_base_dispatch(c->base);
	}
	console_model_free(c->model);
	if (c->ctx != NULL)
		SSL_CTX_free(c->ctx);
	if (c->base != NULL)
		event_base_free(c->base);
	free(c->inbuf);
	OPENSSL_cleanse(c->password, sizeof(c->password));
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "batch",		no_argument,		NULL, 'b' },
		{ "watch",		no_argument,		NULL, 'w' },
		{ "password-file",	required_argument,	NULL, 'P' },
		{ "ca",			required_argument,	NULL, 'C' },
		{ "insecure",		no_argument,		NULL, 'I' },
		{ "help",		no_argument,		NULL, 'h' },
		{ "version",		no_argument,		NULL, 'V' },
		{ NULL,			0,			NULL, 0 }
	};
	static struct console	 console;
	struct console		*c = &console;
	const char		*ca = NULL, *password_file = NULL, *env;
	char			 err[512];
	int			 ch, insecure = 0, batch = 0, watch = 0, port;
	int			 status;

	setlocale(LC_ALL, "");
	snprintf(c->server, sizeof(c->server), "%s", CONSOLE_DEFAULT_SERVER);
	while ((ch = getopt_long(argc, argv, "H:u:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'H':
			snprintf(c->server, sizeof(c->server), "%s", optarg);
			break;
		case 'u':
			if (!line_is_ident(optarg) ||
			    strlen(optarg) > ALARM_USER_MAX) {
				fprintf(stderr, "refuge-console: bad user name "
				    "%s\n", optarg);
				return 2;
			}
			snprintf(c->user, sizeof(c->user), "%s", optarg);
			break;
		case 'b':
			batch = 1;
			break;
		case 'w':
			watch = 1;
			break;
		case 'P':
			password_file = optarg;
			break;
		case 'C':
			ca = optarg;
			break;
		case 'I':
			insecure = 1;
			break;
		case 'h':
			console_usage(0);
		case 'V':
			printf("refuge-console %s\n", REFUGE_VERSION);
			return 0;
		default:
			console_usage(2);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "refuge-console: unexpected argument %s\n",
		    argv[optind]);
		console_usage(2);
	}
	if (batch && watch) {
		fprintf(stderr, "refuge-console: --batch and --watch exclude "
		    "each other\n");
		console_usage(2);
	}
	c->mode = batch ? CONSOLE_MODE_BATCH : watch ? CONSOLE_MODE_WATCH :
	    CONSOLE_MODE_UI;
	if (c->user[0] == '\0' && c->mode != CONSOLE_MODE_BATCH) {
		fprintf(stderr, "refuge-console: give the user with -u\n");
		console_usage(2);
	}
	if (ca == NULL && !insecure) {
		fprintf(stderr, "refuge-console: refusing to connect without "
		    "--ca to verify the server (or --insecure)\n");
		return 2;
	}
	if (config_split_hostport(c->server, c->host, (int)sizeof(c->host),
	    &port) == -1 || c->host[0] == '\0' || port <= 0) {
		fprintf(stderr, "refuge-console: bad -H %s (host:port)\n",
		    c->server);
		return 2;
	}
	if (c->mode == CONSOLE_MODE_UI &&
	    (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
		fprintf(stderr, "refuge-console: the screen needs a terminal; "
		    "use --batch or --watch from scripts\n");
		return 2;
	}
	if (c->user[0] != '\0') {
		if (password_file != NULL) {
			if (console_password_file(password_file, c->password,
			    sizeof(c->password)) == -1) {
				fprintf(stderr, "refuge-console: %s: %s\n",
				    password_file, strerror(errno));
				return 1;
			}
		} else if ((env = getenv("REFUGE_PASSWORD")) != NULL)
			snprintf(c->password, sizeof(c->password), "%s", env);
		else if (console_password_prompt(c->user, c->password,
		    sizeof(c->password)) == -1) {
			fprintf(stderr, "refuge-console: no terminal to ask the "
			    "password on; use --password-file or REFUGE_PASSWORD\n");
			return 1;
		}
	}
	if (conn_resolve(c->server, &c->addr, &c->addrlen, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "refuge-console: %s\n", err);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	if ((c->ctx = tlsctx_client_new(ca, NULL, NULL, err, sizeof(err))) ==
	    NULL) {
		fprintf(stderr, "refuge-console: %s\n", err);
		return 1;
	}
	TAILQ_INIT(&c->queue);
	c->backoff_ms = CONSOLE_BACKOFF_MIN_MS;
	if ((c->base = event_base_new()) == NULL ||
	    (c->model = console_model_new()) == NULL ||
	    (c->retry = evtimer_new(c->base, console_retry_cb, c)) == NULL ||
	    (c->deadline = evtimer_new(c->base, console_deadline_cb, c)) ==
	    NULL ||
	    (c->sigint = evsignal_new(c->base, SIGINT, console_signal_cb, c)) ==
	    NULL ||
	    (c->sigterm = evsignal_new(c->base, SIGTERM, console_signal_cb,
	    c)) == NULL ||
	    evsignal_add(c->sigint, NULL) == -1 ||
	    evsignal_add(c->sigterm, NULL) == -1) {
		fprintf(stderr, "refuge-console: out of memory\n");
		console_free(c);
		return 1;
	}
	if (c->mode != CONSOLE_MODE_BATCH) {
		struct timeval	tv = { CONSOLE_PING_S, 0 };

		if ((c->ping = event_new(c->base, -1, EV_PERSIST,
		    console_ping_cb, c)) == NULL || event_add(c->ping, &tv) == -1) {
			fprintf(stderr, "refuge-console: out of memory\n");
			console_free(c);
			return 1;
		}
	}
	if (c->mode == CONSOLE_MODE_BATCH && console_input_start(c) == -1) {
		fprintf(stderr, "refuge-console: reading stdin: %s\n",
		    strerror(errno));
		console_free(c);
		return 1;
	}
	if (c->mode == CONSOLE_MODE_UI &&
	    (c->ui = console_ui_new(c, c->base, err, sizeof(err))) == NULL) {
		fprintf(stderr, "refuge-console: %s\n", err);
		console_free(c);
		return 1;
	}
	console_connect(c);
	if (!c->finished)
		event_base_dispatch(c->base);
	status = c->exit_status;
	console_free(c);
	if (c->mode == CONSOLE_MODE_UI && c->fatal[0] != '\0')
		fprintf(stderr, "refuge-console: %s\n", c->fatal);
	return status;
}
