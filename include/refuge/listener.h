/*
 * Listening sockets: accept, per-address and total limits, EMFILE back-off,
 * and admission control: a cap on the handshakes in progress.
 */
#ifndef REFUGE_LISTENER_H
#define REFUGE_LISTENER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct event_base;
struct evconnlistener;
struct listener;
struct listener_backoff;

#define LISTENER_PEER_LEN	64
/* The accept back-off: the first pause, doubled while errors go on, to a cap. */
#define LISTENER_BACKOFF_FIRST_MS	100
#define LISTENER_BACKOFF_MAX_MS		1000
/* An episode of accept errors ends after this long without one. */
#define LISTENER_BACKOFF_QUIET_MS	1000
/*
 * At most this many connections are accepted per turn of the event loop: a
 * burst is taken in slices, and established links are served between them.
 */
#define LISTENER_SLICE			16

/* Called with a new socket that counts against the limits until listener_release(). */
typedef void	listener_accept_fn(struct listener *, int fd,
		    const struct sockaddr *, socklen_t, const char *peer,
		    void *arg);

struct listener	*listener_new(struct event_base *, const char *name,
		    const char *hostport, int per_address, int max_total,
		    listener_accept_fn *, void *arg, char *err, size_t errlen);
void		 listener_free(struct listener *);
void		 listener_release(struct listener *, const struct sockaddr *);
/* The bound address as "host:port" (port 0 in the configuration resolved). */
void		 listener_address(struct listener *, char *buf, size_t buflen);
int		 listener_open_count(const struct listener *);
/* New limits for connections accepted from now on. */
void		 listener_set_limits(struct listener *, int per_address,
		    int max_total);
/* Connections refused for the per-address or total limit, since start. */
uint64_t	 listener_refused_count(const struct listener *);
void		 listener_disable(struct listener *);

/*
 * Admission control. A connection is "handshaking" from conn_new() until its
 * session says the handshake is over (conn_admitted()) or it closes; conn
 * calls begin and end. With a cap (max > 0), accepting stops while max are
 * handshaking: the rest wait in the kernel's listen queue, and accepting
 * resumes as soon as one ends. 0: no cap (the default).
 */
void		 listener_set_handshake_limit(struct listener *, int max);
void		 listener_handshake_begin(struct listener *);
void		 listener_handshake_end(struct listener *);
int		 listener_handshake_count(const struct listener *);
/* How often the cap paused accepting, since start. */
uint64_t	 listener_pause_count(const struct listener *);
/* Formats a peer as "10.0.0.5:41822" or "[::1]:41822". */
void		 listener_format_peer(const struct sockaddr *, char *buf,
		    size_t buflen);

/*
 * A bound TCP listener, disabled and without a callback, for a server that
 * installs its own (evhttp_bind_listener). NULL with err set.
 */
struct evconnlistener	*listener_bind(struct event_base *, const char *name,
			    const char *hostport, int backlog, char *err,
			    size_t errlen);

/*
 * Accept back-off for an evconnlistener. On an accept error (EMFILE, ENFILE,
 * ENOBUFS, ...) the listener pauses rather than spin on a socket that stays
 * readable: 100 ms, then twice as long at each failure that follows without
 * an accepted connection in between, up to 1 s. An episode of failures is
 * logged twice: at its first ("NAME: accept: REASON; pausing") and when a
 * second has passed without one ("NAME: accept: recovered; N accepts failed
 * meanwhile"). The listener is enabled only while neither paused nor held.
 */
struct listener_backoff	*listener_backoff_new(struct event_base *,
			    struct evconnlistener *, const char *name);
void			 listener_backoff_free(struct listener_backoff *);
/* From the listener's error callback, with the socket error. Returns the pause in ms. */
int			 listener_backoff_failed(struct listener_backoff *,
			    int error);
/* After each accepted connection. */
void			 listener_backoff_accepted(struct listener_backoff *);
/* Keeps the listener disabled (hold 1: a connection limit reached, stopping) or lets it run. */
void			 listener_backoff_hold(struct listener_backoff *,
			    int hold);

#endif
