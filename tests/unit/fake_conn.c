/*
 * A test double of conn.h: no socket, no TLS, no bufferevent. Output is
 * appended to a buffer the test reads; lines come from fake_conn_line().
 * What it keeps of conn's contract: conn_close() ends the callbacks at once;
 * lines delivered while paused are held and, after conn_resume(), delivered
 * from the event loop (never from inside conn_resume); a failure runs the
 * failed callback once. It does not bound output (nothing is ever queued:
 * every byte counts as written at once).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "refuge/conn.h"
#include "refuge/listener.h"
#include "fakes.h"

#define FAKE_HELD_MAX	64

struct conn_rate {
	size_t	per_second;
	size_t	burst;
};

struct conn {
	struct conn			*next;	/* every conn made, newest first */
	const struct conn_callbacks	*callbacks;
	void				*arg;
	struct listener			*owner;
	struct sockaddr_storage		 addr;
	struct event			*resume;
	char				 peer[LISTENER_PEER_LEN];
	size_t				 max_output;
	int				 closed;
	int				 closed_by_session;
	int				 paused;
	int				 rate_limited;
	int				 handshaking;	/* as conn: until admitted */
	int				 line_share;
	char				*out;
	size_t				 out_len;
	size_t				 out_cap;
	size_t				 read_off;	/* what the test has read */
	char				*held[FAKE_HELD_MAX];
	size_t				 held_count;
};

static struct conn	*fake_conns;

static void
fake_conn_deliver(struct conn *conn, const char *line)
{
	char	*copy;
	size_t	 len = strlen(line);

	/* The session may keep nothing of it past the call, as with conn. */
	if ((copy = strdup(line)) == NULL)
		abort();
	conn->callbacks->line(conn, copy, len, conn->arg);
	free(copy);
}

static void
fake_conn_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn	*conn = arg;
	char		*line;

	(void)fd;
	(void)what;
	while (!conn->closed && !conn->paused && conn->held_count > 0) {
		line = conn->held[0];
		memmove(&conn->held[0], &conn->held[1],
		    (conn->held_count - 1) * sizeof(conn->held[0]));
		conn->held_count--;
		fake_conn_deliver(conn, line);
		free(line);
	}
}

struct conn *
conn_new(struct event_base *base, SSL_CTX *ctx, int fd,
    const struct sockaddr *sa, socklen_t salen, const char *peer,
    struct listener *owner, const struct conn_limits *limits,
    const struct conn_callbacks *callbacks, void *arg)
{
	struct conn	*conn;

	(void)ctx;
	if (fd >= 0)
		close(fd);
	if ((conn = calloc(1, sizeof(*conn))) == NULL ||
	    (conn->resume = event_new(base, -1, 0, fake_conn_resume_cb,
	    conn)) == NULL) {
		free(conn);
		if (owner != NULL)
			listener_release(owner, sa);
		return NULL;
	}
	if (event_base_get_npriorities(base) == CONN_PRIORITIES)
		(void)event_priority_set(conn->resume, CONN_PRIORITY_ESTABLISHED);
	conn->callbacks = callbacks;
	conn->arg = arg;
	conn->owner = owner;
	memcpy(&conn->addr, sa, salen < sizeof(conn->addr) ? salen :
	    sizeof(conn->addr));
	snprintf(conn->peer, sizeof(conn->peer), "%s", peer);
	conn->max_output = limits->max_output;
	conn->next = fake_conns;
	fake_conns = conn;
	if (owner != NULL) {
		conn->handshaking = 1;
		listener_handshake_begin(owner);
	}
	return conn;
}

void
conn_set_line_share(struct conn *conn, int per_second)
{
	conn->line_share = per_second;
}

int
fake_conn_line_share(const struct conn *conn)
{
	return conn->line_share;
}

void
conn_admitted(struct conn *conn)
{
	if (!conn->handshaking)
		return;
	conn->handshaking = 0;
	listener_handshake_end(conn->owner);
}

/* Marks the conn closed and gives its place back to the listener. */
static void
fake_conn_end(struct conn *conn)
{
	conn->closed = 1;
	conn_admitted(conn);
	if (conn->owner != NULL) {
		listener_release(conn->owner, (struct sockaddr *)&conn->addr);
		conn->owner = NULL;
	}
}

int
conn_send(struct conn *conn, const char *buf, size_t len)
{
	char	*grown;
	size_t	 cap;

	if (conn->closed)
		return -1;
	if (conn->out_len + len + 1 > conn->out_cap) {
		cap = conn->out_cap ? conn->out_cap : 256;
		while (conn->out_len + len + 1 > cap)
			cap *= 2;
		if ((grown = realloc(conn->out, cap)) == NULL)
			abort();
		conn->out = grown;
		conn->out_cap = cap;
	}
	memcpy(conn->out + conn->out_len, buf, len);
	conn->out_len += len;
	conn->out[conn->out_len] = '\0';
	return 0;
}

void
conn_close(struct conn *conn)
{
	if (conn->closed)
		return;
	conn->closed_by_session = 1;
	fake_conn_end(conn);
}

void
conn_set_max_output(struct conn *conn, size_t max_output)
{
	conn->max_output = max_output;
}

/* The fake's output never waits (conn_output_length is 0): no drain to report. */
void
conn_set_drain(struct conn *conn, size_t low_mark, conn_drain_fn *fn,
    void *arg)
{
	(void)conn;
	(void)low_mark;
	(void)fn;
	(void)arg;
}

void
conn_drop(struct conn *conn)
{
	conn_close(conn);
}

struct conn_rate *
conn_rate_new(size_t per_second, size_t burst)
{
	struct conn_rate	*rate;

	if ((rate = calloc(1, sizeof(*rate))) == NULL)
		return NULL;
	rate->per_second = per_second;
	rate->burst = burst;
	return rate;
}

void
conn_rate_free(struct conn_rate *rate)
{
	free(rate);
}

int
conn_rate_limit(struct conn *conn, struct conn_rate *rate)
{
	conn->rate_limited = rate != NULL;
	return 0;
}

void
conn_pause(struct conn *conn)
{
	conn->paused = 1;
}

void
conn_resume(struct conn *conn)
{
	conn->paused = 0;
	if (!conn->closed)
		event_active(conn->resume, 0, 0);
}

const char *
conn_peer(const struct conn *conn)
{
	return conn->peer;
}

/* The fake tlsctx ignores it: every link's identity is fake_tls_identity's. */
SSL *
conn_ssl(struct conn *conn)
{
	(void)conn;
	return NULL;
}

size_t
conn_output_length(struct conn *conn)
{
	(void)conn;
	return 0;
}

struct conn *
fake_conn_last(void)
{
	return fake_conns;
}

void
fake_conn_connected(struct conn *conn)
{
	if (!conn->closed && conn->callbacks->connected != NULL)
		conn->callbacks->connected(conn, conn->arg);
}

int
fake_conn_line(struct conn *conn, const char *line)
{
	if (conn->closed)
		return -1;
	if (conn->paused || conn->held_count > 0) {
		if (conn->held_count == FAKE_HELD_MAX ||
		    (conn->held[conn->held_count] = strdup(line)) == NULL)
			abort();
		conn->held_count++;
		return 0;
	}
	fake_conn_deliver(conn, line);
	return 0;
}

void
fake_conn_overlong(struct conn *conn)
{
	if (!conn->closed)
		conn->callbacks->overlong(conn, conn->arg);
}

void
fake_conn_fail(struct conn *conn, const char *reason)
{
	if (conn->closed)
		return;
	fake_conn_end(conn);
	if (conn->callbacks->failed != NULL)
		conn->callbacks->failed(conn, reason, conn->arg);
}

int
fake_conn_closed(const struct conn *conn)
{
	return conn->closed;
}

int
fake_conn_closed_by_session(const struct conn *conn)
{
	return conn->closed_by_session;
}

int
fake_conn_paused(const struct conn *conn)
{
	return conn->paused;
}

size_t
fake_conn_held(const struct conn *conn)
{
	return conn->held_count;
}

const char *
fake_conn_output(const struct conn *conn)
{
	return conn->out != NULL ? conn->out : "";
}

int
fake_conn_next(struct conn *conn, char *buf, size_t buflen)
{
	const char	*start, *lf;
	size_t		 len;

	if (conn->out == NULL || conn->read_off >= conn->out_len)
		return 0;
	start = conn->out + conn->read_off;
	if ((lf = strchr(start, '\n')) == NULL)
		return 0;
	len = (size_t)(lf - start);
	snprintf(buf, buflen, "%.*s", (int)len, start);
	conn->read_off += len + 1;
	return 1;
}

int
fake_conn_pending(const struct conn *conn)
{
	return conn->out != NULL && conn->read_off < conn->out_len &&
	    strchr(conn->out + conn->read_off, '\n') != NULL;
}

void
fake_conn_skip(struct conn *conn)
{
	conn->read_off = conn->out_len;
}

int
fake_conn_rate_limited(const struct conn *conn)
{
	return conn->rate_limited;
}

size_t
fake_conn_max_output(const struct conn *conn)
{
	return conn->max_output;
}

void
fake_conn_free_all(void)
{
	struct conn	*conn;
	size_t		 i;

	while ((conn = fake_conns) != NULL) {
		fake_conns = conn->next;
		for (i = 0; i < conn->held_count; i++)
			free(conn->held[i]);
		event_free(conn->resume);
		free(conn->out);
		free(conn);
	}
}
