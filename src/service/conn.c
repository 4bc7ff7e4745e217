/*
 * TLS line connections over bufferevent_openssl.
 * States: OPEN (reading lines) -> CLOSING (flushing after conn_close) or
 * FAILED (waiting to tell the session) -> freed from conn_reap, which runs as
 * its own event so no bufferevent or session frame is live when it frees.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/err.h>

#include "refuge/conn.h"
#include "refuge/listener.h"
#include "refuge/tlsctx.h"

#define CONN_LINGER_SECONDS	2
#define CONN_READ_HIGH_WATER	16384

enum conn_state {
	CONN_OPEN,
	CONN_CLOSING,
	CONN_FAILED
};

struct conn {
	struct bufferevent		*bev;
	struct event			*reap;
	struct event			*resume;	/* delivers lines held while paused */
	enum conn_state			 state;
	int				 paused;
	int				 established;	/* TLS handshake done */
	struct conn_limits		 limits;
	const struct conn_callbacks	*callbacks;
	void				*arg;
	struct listener			*owner;
	struct sockaddr_storage		 addr;
	char				 peer[LISTENER_PEER_LEN];
	char				 reason[256];
	char				*line;	/* max_line + 2 bytes */
};

static void
conn_free(struct conn *conn)
{
	if (conn->bev != NULL)
		bufferevent_free(conn->bev);
	if (conn->reap != NULL)
		event_free(conn->reap);
	if (conn->resume != NULL)
		event_free(conn->resume);
	if (conn->owner != NULL)
		listener_release(conn->owner, (struct sockaddr *)&conn->addr);
	free(conn->line);
	free(conn);
}

static void
conn_reap(evutil_socket_t fd, short what, void *arg)
{
	struct conn	*conn = arg;

	(void)fd;
	(void)what;
	if (conn->state == CONN_FAILED && conn->callbacks->failed != NULL)
		conn->callbacks->failed(conn, conn->reason, conn->arg);
	conn_free(conn);
}

static void
conn_fail(struct conn *conn, const char *reason)
{
	if (conn->state != CONN_OPEN) {
		if (conn->state == CONN_CLOSING)
			event_active(conn->reap, 0, 0);
		return;
	}
	conn->state = CONN_FAILED;
	snprintf(conn->reason, sizeof(conn->reason), "%s", reason);
	bufferevent_disable(conn->bev, EV_READ | EV_WRITE);
	event_active(conn->reap, 0, 0);
}

static void
conn_read(struct bufferevent *bev, void *arg)
{
	struct conn		*conn = arg;
	struct evbuffer		*input = bufferevent_get_input(bev);
	struct evbuffer_ptr	 eol;
	size_t			 eol_len, len;

	while (conn->state == CONN_OPEN && !conn->paused) {
		eol = evbuffer_search_eol(input, NULL, &eol_len, EVBUFFER_EOL_LF);
		if (eol.pos < 0) {
			/* No LF yet: more than a line plus CR buffered is too long already. */
			if (evbuffer_get_length(input) > conn->limits.max_line + 1)
				goto overlong;
			return;
		}
		len = (size_t)eol.pos;
		if (len > conn->limits.max_line + 1)
			goto overlong;
		if (evbuffer_remove(input, conn->line, len + 1) != (int)(len + 1)) {
			conn_fail(conn, "read error");
			return;
		}
		if (len > 0 && conn->line[len - 1] == '\r')
			len--;
		if (len > conn->limits.max_line)
			goto overlong;
		conn->line[len] = '\0';
		conn->callbacks->line(conn, conn->line, len, conn->arg);
	}
	return;
overlong:
	evbuffer_drain(input, evbuffer_get_length(input));
	conn->callbacks->overlong(conn, conn->arg);
}

static void
conn_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn	*conn = arg;

	(void)fd;
	(void)what;
	if (conn->state == CONN_OPEN && !conn->paused)
		conn_read(conn->bev, conn);
}

void
conn_pause(struct conn *conn)
{
	conn->paused = 1;
	if (conn->state == CONN_OPEN)
		bufferevent_disable(conn->bev, EV_READ);
}

void
conn_resume(struct conn *conn)
{
	conn->paused = 0;
	if (conn->state != CONN_OPEN)
		return;
	bufferevent_enable(conn->bev, EV_READ);
	event_active(conn->resume, 0, 0);
}

static void
conn_write(struct bufferevent *bev, void *arg)
{
	struct conn	*conn = arg;

	(void)bev;
	if (conn->state == CONN_CLOSING)
		event_active(conn->reap, 0, 0);
}

static void
conn_event(struct bufferevent *bev, short what, void *arg)
{
	struct conn	*conn = arg;
	unsigned long	 error;
	int		 socket_error;
	char		 reason[256];

	if (what & BEV_EVENT_CONNECTED) {
		conn->established = 1;
		if (conn->state == CONN_OPEN && conn->callbacks->connected != NULL)
			conn->callbacks->connected(conn, conn->arg);
		return;
	}
	if (what & BEV_EVENT_TIMEOUT) {
		conn_fail(conn, "write timeout");
		return;
	}
	if (what & BEV_EVENT_ERROR) {
		error = bufferevent_get_openssl_error(bev);
		socket_error = EVUTIL_SOCKET_ERROR();
		if (!conn->established)
			tlsctx_failure_reason(conn_ssl(conn), error, reason,
			    sizeof(reason));
		/* Most embedded TLS stacks just close the socket when done. */
		else if (ERR_GET_REASON(error) == SSL_R_UNEXPECTED_EOF_WHILE_READING ||
		    (error == 0 && socket_error == 0))
			snprintf(reason, sizeof(reason), "closed by peer");
		else if (error != 0)
			snprintf(reason, sizeof(reason), "tls error: %s",
			    ERR_reason_error_string(error) ?
			    ERR_reason_error_string(error) : "unknown");
		else
			snprintf(reason, sizeof(reason), "connection error: %s",
			    evutil_socket_error_to_string(socket_error));
		while (bufferevent_get_openssl_error(bev) != 0)
			;
		conn_fail(conn, reason);
		return;
	}
	if (what & BEV_EVENT_EOF)
		conn_fail(conn, "closed by peer");
}

struct conn *
conn_new(struct event_base *base, SSL_CTX *ctx, int fd,
    const struct sockaddr *sa, socklen_t salen, const char *peer,
    struct listener *owner, const struct conn_limits *limits,
    const struct conn_callbacks *callbacks, void *arg)
{
	struct conn	*conn;
	SSL		*ssl = NULL;

	if ((conn = calloc(1, sizeof(*conn))) == NULL) {
		close(fd);
		if (owner != NULL)
			listener_release(owner, sa);
		return NULL;
	}
	conn->owner = owner;
	memcpy(&conn->addr, sa, salen < sizeof(conn->addr) ? salen :
	    sizeof(conn->addr));
	snprintf(conn->peer, sizeof(conn->peer), "%s", peer);
	conn->limits = *limits;
	conn->callbacks = callbacks;
	conn->arg = arg;
	if ((conn->line = malloc(limits->max_line + 2)) == NULL ||
	    (conn->reap = event_new(base, -1, 0, conn_reap, conn)) == NULL ||
	    (conn->resume = event_new(base, -1, 0, conn_resume_cb, conn)) == NULL ||
	    (ssl = SSL_new(ctx)) == NULL)
		goto fail;
	conn->bev = bufferevent_openssl_socket_new(base, fd, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (conn->bev == NULL)
		goto fail;
	bufferevent_openssl_set_allow_dirty_shutdown(conn->bev, 1);
	bufferevent_setcb(conn->bev, conn_read, conn_write, conn_event, conn);
	bufferevent_setwatermark(conn->bev, EV_READ, 0, CONN_READ_HIGH_WATER);
	if (bufferevent_enable(conn->bev, EV_READ | EV_WRITE) == -1)
		goto fail;
	return conn;
fail:
	if (conn->bev == NULL) {
		SSL_free(ssl);
		close(fd);
	}
	ERR_clear_error();
	conn_free(conn);
	return NULL;
}

int
conn_send(struct conn *conn, const char *buf, size_t len)
{
	struct evbuffer	*output;

	if (conn->state != CONN_OPEN)
		return -1;
	output = bufferevent_get_output(conn->bev);
	if (evbuffer_get_length(output) + len > conn->limits.max_output) {
		conn_fail(conn, "output buffer full");
		return -1;
	}
	if (bufferevent_write(conn->bev, buf, len) == -1) {
		conn_fail(conn, "out of memory");
		return -1;
	}
	return 0;
}

void
conn_close(struct conn *conn)
{
	struct timeval	linger = { CONN_LINGER_SECONDS, 0 };

	if (conn->state == CONN_FAILED) {
		/* The session is going away on its own; do not call it back. */
		conn->state = CONN_CLOSING;
		return;
	}
	if (conn->state == CONN_CLOSING)
		return;
	conn->state = CONN_CLOSING;
	bufferevent_disable(conn->bev, EV_READ);
	if (evbuffer_get_length(bufferevent_get_output(conn->bev)) == 0)
		event_active(conn->reap, 0, 0);
	else
		bufferevent_set_timeouts(conn->bev, NULL, &linger);
}

const char *
conn_peer(const struct conn *conn)
{
	return conn->peer;
}

SSL *
conn_ssl(struct conn *conn)
{
	return bufferevent_openssl_get_ssl(conn->bev);
}

size_t
conn_output_length(struct conn *conn)
{
	return evbuffer_get_length(bufferevent_get_output(conn->bev));
}
