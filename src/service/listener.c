/*
 * Accepting connections within per-address and total limits, and within a
 * cap on the handshakes in progress (admission control).
 *
 * A listener of listener_new() accepts from its own event at the last
 * priority, beside the handshakes it starts, LISTENER_SLICE connections a
 * turn at most: the socket stays readable, so the next slice is taken on a
 * later turn, after the links that became ready meanwhile. It is enabled
 * while none of these holds: paused after an accept error (back-off),
 * disabled (stopping), full (the handshake cap reached).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>

#include "refuge/config.h"
#include "refuge/listener.h"
#include "refuge/log.h"
#include "refuge/timenow.h"

#define LISTENER_BUCKETS	65536
#define LISTENER_BACKLOG	4096

/* Open connections from one address. */
struct listener_peer {
	struct listener_peer	*next;
	int			 family;
	unsigned char		 addr[16];
	int			 count;
};

/*
 * An episode begins at an accept failure and ends after a quiet second
 * without one. Within it the listener is paused after each failure, for
 * twice as long as the last time unless an accept succeeded meanwhile.
 */
struct listener_backoff {
	char			 name[16];
	struct evconnlistener	*evl;		/* or: */
	struct event		*ev;		/* our own accept event */
	struct event		*timer;		/* ends a pause, then the episode */
	int			 delay_ms;	/* 0: no episode */
	int			 paused;
	int			 held;
	int			 accepted;	/* since the last failure */
	uint64_t		 failures;	/* in this episode */
};

struct listener {
	char			 name[16];
	char			 limit_name[32];
	int			 fd;		/* the listening socket */
	struct event		*accept_ev;
	struct listener_backoff	*backoff;
	struct log_limit	 refusals;
	struct event		*flush;		/* reports suppressed refusals */
	listener_accept_fn	*accept_fn;
	void			*arg;
	int			 per_address;
	int			 max_total;
	int			 open;
	uint64_t		 refused;
	int			 disabled;	/* stopping */
	int			 handshakes;	/* in progress */
	int			 max_handshakes; /* 0: no cap */
	int			 full;		/* paused at the cap */
	uint64_t		 pauses;
	/* A storm: from the first pause at the cap until the queue is empty. */
	int			 storm;
	uint64_t		 storm_pauses;
	uint64_t		 storm_abandoned;	/* closed by the peer while queued */
	int64_t			 storm_start_ms;
	struct listener_peer	*buckets[LISTENER_BUCKETS];
};

/* The address bytes of a peer (no port); returns their length. */
static size_t
listener_key(const struct sockaddr *sa, unsigned char key[16], int *family)
{
	*family = sa->sa_family;
	if (sa->sa_family == AF_INET6) {
		memcpy(key, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, 16);
		return 16;
	}
	memcpy(key, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
	return 4;
}

static struct listener_peer **
listener_slot(struct listener *l, const struct sockaddr *sa)
{
	struct listener_peer	**slot;
	unsigned char		  key[16];
	uint32_t		  hash = 2166136261u;
	size_t			  len, i;
	int			  family;

	len = listener_key(sa, key, &family);
	for (i = 0; i < len; i++)
		hash = (hash ^ key[i]) * 16777619u;
	slot = &l->buckets[hash % LISTENER_BUCKETS];
	while (*slot != NULL && ((*slot)->family != family ||
	    memcmp((*slot)->addr, key, len) != 0))
		slot = &(*slot)->next;
	return slot;
}

void
listener_format_peer(const struct sockaddr *sa, char *buf, size_t buflen)
{
	char	host[INET6_ADDRSTRLEN] = "?";

	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)sa;

		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		snprintf(buf, buflen, "[%s]:%u", host, ntohs(sin6->sin6_port));
	} else if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)sa;

		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		snprintf(buf, buflen, "%s:%u", host, ntohs(sin->sin_port));
	} else
		snprintf(buf, buflen, "unknown");
}

static void
listener_flush(evutil_socket_t fd, short what, void *arg)
{
	struct listener	*l = arg;
	struct timeval	 tv;

	(void)fd;
	(void)what;
	if (log_limit_tick(&l->refusals)) {
		tv = timenow_tv(l->refusals.window_ms);
		evtimer_add(l->flush, &tv);
	}
}

/* Closes a refused connection; a flood of them is logged as a count. */
static void
listener_refuse(struct listener *l, int fd, const char *peer,
    const char *reason)
{
	struct timeval	tv;

	log_ratelimited(&l->refusals, CONFIG_LOG_WARNING,
	    "%s: refused peer=%s reason=\"%s\"", l->name, peer, reason);
	if (l->refusals.suppressed > 0 && !evtimer_pending(l->flush, NULL)) {
		tv = timenow_tv(l->refusals.window_ms);
		evtimer_add(l->flush, &tv);
	}
	close(fd);
}

/*
 * The peer closed its end while it waited in the listen queue (it gave up:
 * its own deadline passed). Its hello may be there still, but answering it
 * would cost a TLS handshake's work for nobody.
 */
static int
listener_abandoned(int fd)
{
	struct pollfd	pfd = { .fd = fd, .events = POLLRDHUP };

	return poll(&pfd, 1, 0) == 1 &&
	    (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

/* One accepted socket: within the limits it goes to the accept function. */
static void
listener_take(struct listener *l, int fd, const struct sockaddr *sa,
    socklen_t salen)
{
	struct listener_peer	**slot, *peer;
	char			  text[LISTENER_PEER_LEN];
	int			  family, one = 1;

	listener_backoff_accepted(l->backoff);
	listener_format_peer(sa, text, sizeof(text));
	if (listener_abandoned(fd)) {
		log_debug("%s: peer=%s gave up while queued", l->name, text);
		l->storm_abandoned++;
		close(fd);
		return;
	}
	if (l->open >= l->max_total) {
		listener_refuse(l, fd, text, "too many connections");
		l->refused++;
		return;
	}
	slot = listener_slot(l, sa);
	if (*slot != NULL && (*slot)->count >= l->per_address) {
		listener_refuse(l, fd, text, "too many connections from address");
		l->refused++;
		return;
	}
	if (*slot == NULL) {
		if ((peer = calloc(1, sizeof(*peer))) == NULL) {
			listener_refuse(l, fd, text, "out of memory");
			return;
		}
		listener_key(sa, peer->addr, &family);
		peer->family = family;
		*slot = peer;
	}
	(*slot)->count++;
	l->open++;
	/* Lines are small and latency matters: no Nagle delay on replies. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	l->accept_fn(l, fd, sa, salen, text, l->arg);
}

static int
listener_accepting(const struct listener *l)
{
	return !l->disabled && !l->full && !l->backoff->paused;
}

/* The listen queue is empty: a storm, if one was on, is over. */
static void
listener_drained(struct listener *l)
{
	if (!l->storm)
		return;
	l->storm = 0;
	log_info("%s: listen queue empty; accepting was paused %llu times at "
	    "the handshake limit over %.1f s; %llu connections closed by their "
	    "peer while queued", l->name, (unsigned long long)l->storm_pauses,
	    (double)(timenow_mono_ms() - l->storm_start_ms) / 1000.0,
	    (unsigned long long)l->storm_abandoned);
}

/*
 * Errors Linux passes on from a connection that failed in the queue: that
 * one is gone, the next may be fine (accept(2)).
 */
static int
listener_retriable(int error)
{
	switch (error) {
	case EINTR:
	case ECONNABORTED:
	case EPROTO:
	case ENETDOWN:
	case ENOPROTOOPT:
	case EHOSTDOWN:
	case ENONET:
	case EHOSTUNREACH:
	case EOPNOTSUPP:
	case ENETUNREACH:
		return 1;
	}
	return 0;
}

/* Takes one slice of the listen queue. */
static void
listener_readable(evutil_socket_t lfd, short what, void *arg)
{
	struct listener		*l = arg;
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	int			 fd, n;

	(void)what;
	for (n = 0; n < LISTENER_SLICE && listener_accepting(l); n++) {
		sslen = sizeof(ss);
		fd = accept4(lfd, (struct sockaddr *)&ss, &sslen,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			listener_drained(l);
			return;
		}
		if (fd == -1 && listener_retriable(errno))
			continue;
		if (fd == -1) {
			(void)listener_backoff_failed(l->backoff, errno);
			return;
		}
		listener_take(l, fd, (struct sockaddr *)&ss, sslen);
	}
}

void
listener_release(struct listener *l, const struct sockaddr *sa)
{
	struct listener_peer	**slot, *peer;

	slot = listener_slot(l, sa);
	if ((peer = *slot) == NULL)
		return;
	l->open--;
	if (--peer->count == 0) {
		*slot = peer->next;
		free(peer);
	}
}

static void
listener_backoff_update(struct listener_backoff *b)
{
	int	on = !b->paused && !b->held;

	if (b->evl != NULL && on)
		evconnlistener_enable(b->evl);
	else if (b->evl != NULL)
		evconnlistener_disable(b->evl);
	else if (on)
		event_add(b->ev, NULL);
	else
		event_del(b->ev);
}

static void
listener_backoff_timer(evutil_socket_t fd, short what, void *arg)
{
	struct listener_backoff	*b = arg;
	struct timeval		 tv;

	(void)fd;
	(void)what;
	if (b->paused) {
		b->paused = 0;
		listener_backoff_update(b);
		tv = timenow_tv(LISTENER_BACKOFF_QUIET_MS);
		evtimer_add(b->timer, &tv);
		return;
	}
	log_warnx("%s: accept: recovered; %llu accepts failed meanwhile",
	    b->name, (unsigned long long)b->failures);
	b->delay_ms = 0;
	b->failures = 0;
}

/* For an evconnlistener (evl) or our own accept event (ev). */
static struct listener_backoff *
listener_backoff_make(struct event_base *base, struct evconnlistener *evl,
    struct event *ev, const char *name)
{
	struct listener_backoff	*b;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	if ((b->timer = evtimer_new(base, listener_backoff_timer, b)) == NULL) {
		free(b);
		return NULL;
	}
	snprintf(b->name, sizeof(b->name), "%s", name);
	b->evl = evl;
	b->ev = ev;
	return b;
}

struct listener_backoff *
listener_backoff_new(struct event_base *base, struct evconnlistener *evl,
    const char *name)
{
	return listener_backoff_make(base, evl, NULL, name);
}

void
listener_backoff_free(struct listener_backoff *b)
{
	if (b == NULL)
		return;
	event_free(b->timer);
	free(b);
}

/*
 * Out of descriptors (or buffers): the listening socket stays readable, so
 * stop accepting for a moment rather than spin and log at every turn.
 */
int
listener_backoff_failed(struct listener_backoff *b, int error)
{
	struct timeval	tv;

	b->failures++;
	if (b->delay_ms == 0) {
		log_warnx("%s: accept: %s; pausing", b->name,
		    evutil_socket_error_to_string(error));
		b->delay_ms = LISTENER_BACKOFF_FIRST_MS;
	} else if (b->accepted)
		b->delay_ms = LISTENER_BACKOFF_FIRST_MS;
	else if ((b->delay_ms *= 2) > LISTENER_BACKOFF_MAX_MS)
		b->delay_ms = LISTENER_BACKOFF_MAX_MS;
	b->accepted = 0;
	b->paused = 1;
	listener_backoff_update(b);
	tv = timenow_tv(b->delay_ms);
	evtimer_add(b->timer, &tv);
	return b->delay_ms;
}

void
listener_backoff_accepted(struct listener_backoff *b)
{
	b->accepted = 1;
}

void
listener_backoff_hold(struct listener_backoff *b, int hold)
{
	b->held = hold;
	listener_backoff_update(b);
}

/* A bound, listening, non-blocking socket; -1 with err set. */
static int
listener_socket(const char *name, const char *hostport, int backlog,
    char *err, size_t errlen)
{
	struct addrinfo	 hints, *res = NULL;
	char		 host[256], port_text[16];
	int		 port, rc, fd, one = 1;

	if (config_split_hostport(hostport, host, sizeof(host), &port) == -1) {
		snprintf(err, errlen, "%s: bad address %s", name, hostport);
		return -1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(port_text, sizeof(port_text), "%d", port);
	if ((rc = getaddrinfo(host[0] ? host : NULL, port_text, &hints, &res))
	    != 0) {
		snprintf(err, errlen, "%s: %s: %s", name, hostport,
		    gai_strerror(rc));
		return -1;
	}
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	/* A restarted receiver binds again while old links are in TIME_WAIT. */
	if (fd == -1 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
	    sizeof(one)) == -1 || bind(fd, res->ai_addr, res->ai_addrlen) == -1 ||
	    listen(fd, backlog) == -1) {
		snprintf(err, errlen, "%s: cannot listen on %s: %s", name,
		    hostport, strerror(errno));
		if (fd != -1)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

struct evconnlistener *
listener_bind(struct event_base *base, const char *name, const char *hostport,
    int backlog, char *err, size_t errlen)
{
	struct evconnlistener	*evl;
	int			 fd;

	if ((fd = listener_socket(name, hostport, backlog, err, errlen)) == -1)
		return NULL;
	/* Backlog 0: the socket listens already. */
	if ((evl = evconnlistener_new(base, NULL, NULL, LEV_OPT_CLOSE_ON_FREE |
	    LEV_OPT_DISABLED, 0, fd)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", name);
		close(fd);
	}
	return evl;
}

struct listener *
listener_new(struct event_base *base, const char *name, const char *hostport,
    int per_address, int max_total, listener_accept_fn *fn, void *arg,
    char *err, size_t errlen)
{
	struct listener	*l;

	if ((l = calloc(1, sizeof(*l))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	l->fd = -1;
	snprintf(l->name, sizeof(l->name), "%s", name);
	snprintf(l->limit_name, sizeof(l->limit_name), "%s: refused", name);
	l->refusals = (struct log_limit)LOG_LIMIT_DEFAULT(l->limit_name);
	l->accept_fn = fn;
	l->arg = arg;
	l->per_address = per_address;
	l->max_total = max_total;
	if ((l->fd = listener_socket(name, hostport, LISTENER_BACKLOG, err,
	    errlen)) == -1)
		goto fail;
	if ((l->accept_ev = event_new(base, l->fd, EV_READ | EV_PERSIST,
	    listener_readable, l)) == NULL ||
	    event_priority_set(l->accept_ev,
	    event_base_get_npriorities(base) - 1) == -1 ||
	    (l->backoff = listener_backoff_make(base, NULL, l->accept_ev,
	    name)) == NULL ||
	    (l->flush = evtimer_new(base, listener_flush, l)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (event_add(l->accept_ev, NULL) == -1) {
		snprintf(err, errlen, "%s: cannot watch %s", name, hostport);
		goto fail;
	}
	return l;
fail:
	listener_free(l);
	return NULL;
}

void
listener_free(struct listener *l)
{
	struct listener_peer	*peer, *next;
	size_t			 i;

	if (l == NULL)
		return;
	if (l->flush != NULL) {
		log_limit_flush(&l->refusals);
		event_free(l->flush);
	}
	listener_backoff_free(l->backoff);
	if (l->accept_ev != NULL)
		event_free(l->accept_ev);
	if (l->fd != -1)
		close(l->fd);
	for (i = 0; i < LISTENER_BUCKETS; i++)
		for (peer = l->buckets[i]; peer != NULL; peer = next) {
			next = peer->next;
			free(peer);
		}
	free(l);
}

void
listener_address(struct listener *l, char *buf, size_t buflen)
{
	struct sockaddr_storage	ss;
	socklen_t		len = sizeof(ss);

	if (getsockname(l->fd, (struct sockaddr *)&ss, &len) == -1) {
		snprintf(buf, buflen, "unknown");
		return;
	}
	listener_format_peer((struct sockaddr *)&ss, buf, buflen);
}

int
listener_open_count(const struct listener *l)
{
	return l->open;
}

void
listener_set_limits(struct listener *l, int per_address, int max_total)
{
	l->per_address = per_address;
	l->max_total = max_total;
}

uint64_t
listener_refused_count(const struct listener *l)
{
	return l->refused;
}

void
listener_disable(struct listener *l)
{
	l->disabled = 1;
	listener_backoff_hold(l->backoff, 1);
}

/* Pauses accepting at the cap, or resumes it and takes the next connection now. */
static void
listener_set_full(struct listener *l, int full)
{
	l->full = full;
	listener_backoff_hold(l->backoff, l->disabled || l->full);
	if (full) {
		l->pauses++;
		if (!l->storm) {
			l->storm = 1;
			l->storm_pauses = 0;
			l->storm_abandoned = 0;
			l->storm_start_ms = timenow_mono_ms();
			log_info("%s: %d handshakes in progress, the limit; "
			    "accepting paused, new connections wait in the "
			    "listen queue", l->name, l->handshakes);
		}
		l->storm_pauses++;
	} else if (listener_accepting(l))
		/* Also when the queue is empty: the accept that fails ends the storm. */
		event_active(l->accept_ev, EV_READ, 1);
}

void
listener_set_handshake_limit(struct listener *l, int max)
{
	l->max_handshakes = max > 0 ? max : 0;
	if (l->max_handshakes > 0 && l->handshakes >= l->max_handshakes) {
		if (!l->full)
			listener_set_full(l, 1);
	} else if (l->full)
		listener_set_full(l, 0);
}

void
listener_handshake_begin(struct listener *l)
{
	l->handshakes++;
	if (l->max_handshakes > 0 && l->handshakes >= l->max_handshakes &&
	    !l->full)
		listener_set_full(l, 1);
}

void
listener_handshake_end(struct listener *l)
{
	if (l->handshakes > 0)
		l->handshakes--;
	if (l->full && (l->max_handshakes == 0 ||
	    l->handshakes < l->max_handshakes))
		listener_set_full(l, 0);
}

int
listener_handshake_count(const struct listener *l)
{
	return l->handshakes;
}

uint64_t
listener_pause_count(const struct listener *l)
{
	return l->pauses;
}
