/*
 * A TLS line connection: the only user of bufferevents. Reads are capped
 * lines, writes are bounded, and closing is always deferred to the event
 * loop so a session may close its connection from inside any callback.
 */
#ifndef REFUGE_CONN_H
#define REFUGE_CONN_H

#include <stddef.h>
#include <sys/socket.h>

#include <openssl/ssl.h>

struct event_base;
struct listener;
struct conn;
struct conn_rate;

/*
 * With event_base_priority_init(base, CONN_PRIORITIES), links that finished
 * their handshake run at CONN_PRIORITY_ESTABLISHED, before new connections'
 * handshakes (CONN_PRIORITY_HANDSHAKE). A link that reads more lines than its
 * share (conn_set_line_share) is busy: it runs at CONN_PRIORITY_BUSY,
 * taking turns with the handshakes, until it has been quiet long enough.
 * Without priorities all are the default.
 */
#define CONN_PRIORITIES			2
#define CONN_PRIORITY_ESTABLISHED	0
#define CONN_PRIORITY_HANDSHAKE		1
#define CONN_PRIORITY_BUSY		1

struct conn_callbacks {
	/* The TLS handshake completed. */
	void	(*connected)(struct conn *, void *arg);
	/* One line without its LF or CR; line is NUL-terminated. */
	void	(*line)(struct conn *, const char *line, size_t len, void *arg);
	/* A line longer than the cap; the session replies and closes. */
	void	(*overlong)(struct conn *, void *arg);
	/*
	 * The connection ended without conn_close() (peer EOF, error, failed
	 * handshake, output over its bound). The conn is freed right after.
	 */
	void	(*failed)(struct conn *, const char *reason, void *arg);
};

/* Called when a conn's queued output has drained to its low mark or below. */
typedef void	conn_drain_fn(struct conn *, void *arg);

struct conn_limits {
	size_t	max_line;	/* bytes before the LF */
	size_t	max_output;	/* queued bytes before the peer is dropped */
	int	socket_sndbuf;	/* SO_SNDBUF of an accepted socket; 0: the kernel's */
};

/* Takes ownership of fd; on failure closes it, releases it from owner and returns NULL. */
struct conn	*conn_new(struct event_base *, SSL_CTX *, int fd,
		    const struct sockaddr *, socklen_t, const char *peer,
		    struct listener *owner, const struct conn_limits *,
		    const struct conn_callbacks *, void *arg);
/*
 * Client side: a non-blocking connect to `to` (from `from` when not NULL, so
 * a load generator can spread over several source addresses), then a TLS
 * handshake. server_name, when not NULL, is sent as SNI and must match the
 * server's certificate (a name, or an IP address). The outcome arrives as
 * the connected or failed callback. NULL with err set on immediate failure.
 */
struct conn	*conn_connect(struct event_base *, SSL_CTX *,
		    const struct sockaddr *to, socklen_t tolen,
		    const struct sockaddr *from, socklen_t fromlen,
		    const char *server_name, const struct conn_limits *,
		    const struct conn_callbacks *, void *arg, char *err,
		    size_t errlen);
/* Resolves "host:port" or "[v6]:port" (blocking; for tools). Returns 0 or -1 with err. */
int		 conn_resolve(const char *hostport, struct sockaddr_storage *,
		    socklen_t *, char *err, size_t errlen);
/*
 * Queues len bytes. Returns 0, or -1 when the connection is closing or its
 * output bound is exceeded (it then fails with "output buffer full").
 */
int		 conn_send(struct conn *, const char *buf, size_t len);
/* Stops reading, flushes what is queued (for a bounded time), then frees. No callbacks follow. */
void		 conn_close(struct conn *);
/*
 * Closes at once: unsent output is discarded, the listener's slot is given
 * back now (so a peer dropped to make room frees it in the same turn), and
 * the conn is freed from the loop. No callbacks follow.
 */
void		 conn_drop(struct conn *);
/* A new output bound, for what is queued from now on. */
void		 conn_set_max_output(struct conn *, size_t);
/*
 * Calls fn each time the queued output drains to low_mark bytes or fewer,
 * while the conn is open, so a long reply can be produced as the peer
 * reads it rather than queued whole. fn NULL stops it. fn is not called
 * for output already that small when it is set: produce, then wait.
 */
void		 conn_set_drain(struct conn *, size_t low_mark, conn_drain_fn *fn,
		    void *arg);
/*
 * The session's handshake is over (TLS and its greeting): the connection no
 * longer counts against its listener's handshake cap. Closing it does that
 * too; calling this twice is harmless.
 */
void		 conn_admitted(struct conn *);
/*
 * The link's share of CONN_PRIORITY_ESTABLISHED: lines a second, after a
 * first 4 seconds' worth at once; a link reading more is busy until its
 * share has filled up again. 0 (the default): no share, never busy.
 */
void		 conn_set_line_share(struct conn *, int per_second);
/* A read cap, shared by many links: bytes per second and the burst allowed. */
struct conn_rate	*conn_rate_new(size_t per_second, size_t burst);
void			 conn_rate_free(struct conn_rate *);
/* Caps how fast the peer is read, so one busy link cannot hold the loop. */
int		 conn_rate_limit(struct conn *, struct conn_rate *);
/* Stops delivering lines; conn_resume() delivers what arrived meanwhile. */
void		 conn_pause(struct conn *);
void		 conn_resume(struct conn *);
const char	*conn_peer(const struct conn *);
SSL		*conn_ssl(struct conn *);
size_t		 conn_output_length(struct conn *);

#endif
