/* Listening sockets: accept, per-address and total limits, EMFILE back-off. */
#ifndef REFUGE_LISTENER_H
#define REFUGE_LISTENER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct event_base;
struct listener;

#define LISTENER_PEER_LEN	64

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
/* Formats a peer as "10.0.0.5:41822" or "[::1]:41822". */
void		 listener_format_peer(const struct sockaddr *, char *buf,
		    size_t buflen);

#endif
