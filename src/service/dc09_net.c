/*
 * DC-09's sockets. A stream reads into a fixed buffer and hands the bytes
 * on; replies are tiny (an ACK is under 160 bytes), so a write is tried at
 * once and only a rest is queued, up to max_output. Callbacks may close the
 * stream: the read loop notices and frees it when they return.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "refuge/conn.h"
#include "refuge/dc09_net.h"
#include "refuge/listener.h"
#include "refuge/timenow.h"

#define DC09_NET_READ		4096
#define DC09_NET_DGRAMS		64	/* datagrams a wake-up, then others' turn */

struct dc09_stream {
	int					 fd;
	struct event				*read_ev;
	struct event				*write_ev;
	struct listener				*owner;
	struct sockaddr_storage			 sa;
	socklen_t				 salen;
	int64_t					 idle_ms;
	const struct dc09_stream_callbacks	*cb;
	void					*arg;
	char					*out;
	size_t					 out_len, max_output;
	int					 in_callback;
	int					 closing;	/* close asked for in a callback */
	int					 failed;	/* fail once the callback returns */
	const char				*why;
};

struct dc09_dgram {
	int		 fd;
	struct event	*ev;
	dc09_dgram_fn	*fn;
	void		*arg;
};

static void
dc09_stream_free(struct dc09_stream *s)
{
	if (s->read_ev != NULL)
		event_free(s->read_ev);
	if (s->write_ev != NULL)
		event_free(s->write_ev);
	close(s->fd);
	if (s->owner != NULL)
		listener_release(s->owner, (struct sockaddr *)&s->sa);
	free(s->out);
	free(s);
}

/* Fails the stream now, or when the callback in progress returns. */
static void
dc09_stream_fail(struct dc09_stream *s, const char *why)
{
	if (s->in_callback) {
		if (!s->failed) {
			s->failed = 1;
			s->why = why;
		}
		return;
	}
	s->cb->failed(s, why, s->arg);
	dc09_stream_free(s);
}

static void
dc09_stream_flush(struct dc09_stream *s)
{
	ssize_t	n;

	while (s->out_len > 0) {
		n = send(s->fd, s->out, s->out_len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				s->out_len = 0;	/* the read side reports the error */
			break;
		}
		memmove(s->out, s->out + n, s->out_len - (size_t)n);
		s->out_len -= (size_t)n;
	}
	if (s->out_len > 0)
		event_add(s->write_ev, NULL);
}

static void
dc09_stream_writable(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	dc09_stream_flush(arg);
}

static void
dc09_stream_readable(evutil_socket_t fd, short what, void *arg)
{
	struct dc09_stream	*s = arg;
	char			 buf[DC09_NET_READ];
	ssize_t			 n;

	(void)fd;
	if (what & EV_TIMEOUT) {
		dc09_stream_fail(s, "idle timeout");
		return;
	}
	n = recv(s->fd, buf, sizeof(buf), 0);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n <= 0) {
		dc09_stream_fail(s, n == 0 ? "closed by peer" : strerror(errno));
		return;
	}
	s->in_callback = 1;
	s->cb->data(s, buf, (size_t)n, s->arg);
	s->in_callback = 0;
	if (s->closing) {
		dc09_stream_flush(s);
		dc09_stream_free(s);
	} else if (s->failed)
		dc09_stream_fail(s, s->why);
}

struct dc09_stream *
dc09_stream_new(struct event_base *base, int fd, const struct sockaddr *sa,
    socklen_t salen, struct listener *owner, int64_t idle_ms,
    size_t max_output, const struct dc09_stream_callbacks *cb, void *arg)
{
	struct dc09_stream	*s;
	struct timeval		 tv = timenow_tv(idle_ms);

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		close(fd);
		if (owner != NULL)
			listener_release(owner, sa);
		return NULL;
	}
	s->fd = fd;
	s->owner = owner;
	if (salen > sizeof(s->sa))
		salen = sizeof(s->sa);
	memcpy(&s->sa, sa, salen);
	s->salen = salen;
	s->idle_ms = idle_ms;
	s->max_output = max_output;
	s->cb = cb;
	s->arg = arg;
	if (evutil_make_socket_nonblocking(fd) == -1 ||
	    (s->read_ev = event_new(base, fd, EV_READ | EV_PERSIST,
	    dc09_stream_readable, s)) == NULL ||
	    (s->write_ev = event_new(base, fd, EV_WRITE, dc09_stream_writable,
	    s)) == NULL ||
	    /*
	     * As established unit links (conn.h): at a lower priority than
	     * ingest's commit, each frame would be committed on its own.
	     */
	    event_priority_set(s->read_ev, CONN_PRIORITY_ESTABLISHED) == -1 ||
	    event_add(s->read_ev, &tv) == -1) {
		dc09_stream_free(s);
		return NULL;
	}
	return s;
}

int
dc09_stream_send(struct dc09_stream *s, const char *buf, size_t len)
{
	char	*grown;

	if (s->closing || s->failed)
		return -1;
	if (s->out_len + len > s->max_output) {
		dc09_stream_fail(s, "output buffer full");
		return -1;
	}
	if ((grown = realloc(s->out, s->out_len + len)) == NULL) {
		dc09_stream_fail(s, "out of memory");
		return -1;
	}
	s->out = grown;
	memcpy(s->out + s->out_len, buf, len);
	s->out_len += len;
	dc09_stream_flush(s);
	return 0;
}

void
dc09_stream_close(struct dc09_stream *s)
{
	if (s->in_callback) {
		s->closing = 1;
		return;
	}
	dc09_stream_flush(s);
	dc09_stream_free(s);
}

static void
dc09_dgram_readable(evutil_socket_t fd, short what, void *arg)
{
	struct dc09_dgram	*d = arg;
	struct sockaddr_storage	 sa;
	socklen_t		 salen;
	char			 buf[2048], peer[LISTENER_PEER_LEN];
	ssize_t			 n;
	int			 i;

	(void)what;
	for (i = 0; i < DC09_NET_DGRAMS; i++) {
		salen = sizeof(sa);
		n = recvfrom(fd, buf, sizeof(buf), MSG_TRUNC,
		    (struct sockaddr *)&sa, &salen);
		if (n < 0)
			return;
		listener_format_peer((struct sockaddr *)&sa, peer, sizeof(peer));
		/* A datagram larger than the buffer is reported at its full size. */
		d->fn(d->arg, buf, (size_t)n > sizeof(buf) ? sizeof(buf) + 1 :
		    (size_t)n, (struct sockaddr *)&sa, salen, peer);
	}
}

struct dc09_dgram *
dc09_dgram_new(struct event_base *base, const char *host, int port,
    dc09_dgram_fn *fn, void *arg, char *err, size_t errlen)
{
	struct dc09_dgram	*d;
	struct addrinfo		 hints, *ai = NULL;
	char			 service[16];
	int			 rc, one = 1;

	if ((d = calloc(1, sizeof(*d))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	d->fd = -1;
	d->fn = fn;
	d->arg = arg;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(service, sizeof(service), "%d", port);
	if ((rc = getaddrinfo(host, service, &hints, &ai)) != 0) {
		snprintf(err, errlen, "dc09 udp %s:%d: %s", host, port,
		    gai_strerror(rc));
		goto fail;
	}
	if ((d->fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1 ||
	    setsockopt(d->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ==
	    -1 || bind(d->fd, ai->ai_addr, ai->ai_addrlen) == -1) {
		snprintf(err, errlen, "dc09 udp %s:%d: %s", host, port,
		    strerror(errno));
		goto fail;
	}
	if ((d->ev = event_new(base, d->fd, EV_READ | EV_PERSIST,
	    dc09_dgram_readable, d)) == NULL ||
	    event_priority_set(d->ev, CONN_PRIORITY_ESTABLISHED) == -1 ||
	    event_add(d->ev, NULL) == -1) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	freeaddrinfo(ai);
	return d;
fail:
	if (ai != NULL)
		freeaddrinfo(ai);
	dc09_dgram_free(d);
	return NULL;
}

void
dc09_dgram_free(struct dc09_dgram *d)
{
	if (d == NULL)
		return;
	if (d->ev != NULL)
		event_free(d->ev);
	if (d->fd != -1)
		close(d->fd);
	free(d);
}

int
dc09_dgram_send(struct dc09_dgram *d, const char *buf, size_t len,
    const struct sockaddr *sa, socklen_t salen)
{
	return sendto(d->fd, buf, len, 0, sa, salen) == (ssize_t)len ? 0 : -1;
}
