/*
 * DC-09's sockets: plain TCP byte streams (panels send frames, not lines,
 * and no TLS) and the UDP socket beside the TCP listener's port. Bounded
 * output; closing from inside a callback is safe.
 */
#ifndef REFUGE_DC09_NET_H
#define REFUGE_DC09_NET_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct event_base;
struct listener;
struct dc09_stream;
struct dc09_dgram;

struct dc09_stream_callbacks {
	/* Bytes as read, in order. */
	void	(*data)(struct dc09_stream *, const char *buf, size_t len,
		    void *arg);
	/* Peer EOF, error, idle timeout, output over its bound: freed right after. */
	void	(*failed)(struct dc09_stream *, const char *reason, void *arg);
};

/* Takes ownership of an accepted fd (released from owner when freed). NULL: closed. */
struct dc09_stream	*dc09_stream_new(struct event_base *, int fd,
			    const struct sockaddr *, socklen_t,
			    struct listener *owner, int64_t idle_ms,
			    size_t max_output,
			    const struct dc09_stream_callbacks *, void *arg);
/* Queues len bytes: 0, or -1 when over the bound (the stream then fails). */
int			 dc09_stream_send(struct dc09_stream *, const char *buf,
			    size_t len);
/* Flushes what it can now and frees; no callbacks follow. */
void			 dc09_stream_close(struct dc09_stream *);

typedef void	dc09_dgram_fn(void *arg, const char *buf, size_t len,
		    const struct sockaddr *, socklen_t, const char *peer);

/* A UDP socket bound to host:port. NULL with err. */
struct dc09_dgram	*dc09_dgram_new(struct event_base *, const char *host,
			    int port, dc09_dgram_fn *, void *arg, char *err,
			    size_t errlen);
void			 dc09_dgram_free(struct dc09_dgram *);
/* One datagram to sa; 0 or -1 (dropped: UDP gives no promise). */
int			 dc09_dgram_send(struct dc09_dgram *, const char *buf,
			    size_t len, const struct sockaddr *, socklen_t);

#endif
