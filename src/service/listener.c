/* Accepting connections within per-address and total limits. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	struct evconnlistener	*evl;
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
	struct evconnlistener	*evl;
	struct listener_backoff	*backoff;
	struct log_limit	 refusals;
	struct event		*flush;		/* reports suppressed refusals */
	listener_accept_fn	*accept_fn;
	void			*arg;
	int			 per_address;
	int			 max_total;
	int			 open;
	uint64_t		 refused;
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

static void
listener_accept(struct evconnlistener *evl, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct listener		 *l = arg;
	struct listener_peer	**slot, *peer;
	char			  text[LISTENER_PEER_LEN];
	int			  family, one = 1;

	(void)evl;
	listener_backoff_accepted(l->backoff);
	listener_format_peer(sa, text, sizeof(text));
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
	l->accept_fn(l, fd, sa, (socklen_t)salen, text, l->arg);
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
	if (b->paused || b->held)
		evconnlistener_disable(b->evl);
	else
		evconnlistener_enable(b->evl);
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

struct listener_backoff *
listener_backoff_new(struct event_base *base, struct evconnlistener *evl,
    const char *name)
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
	return b;
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

static void
listener_error(struct evconnlistener *evl, void *arg)
{
	struct listener	*l = arg;

	(void)evl;
	(void)listener_backoff_failed(l->backoff, EVUTIL_SOCKET_ERROR());
}

struct evconnlistener *
listener_bind(struct event_base *base, const char *name, const char *hostport,
    int backlog, char *err, size_t errlen)
{
	struct evconnlistener	*evl;
	struct addrinfo		 hints, *res = NULL;
	char			 host[256], port_text[16];
	int			 port, rc;

	if (config_split_hostport(hostport, host, sizeof(host), &port) == -1) {
		snprintf(err, errlen, "%s: bad address %s", name, hostport);
		return NULL;
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
		return NULL;
	}
	evl = evconnlistener_new_bind(base, NULL, NULL, LEV_OPT_CLOSE_ON_FREE |
	    LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_REUSEABLE | LEV_OPT_DISABLED,
	    backlog, res->ai_addr, (int)res->ai_addrlen);
	freeaddrinfo(res);
	if (evl == NULL)
		snprintf(err, errlen, "%s: cannot listen on %s: %s", name,
		    hostport, strerror(errno));
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
	snprintf(l->name, sizeof(l->name), "%s", name);
	snprintf(l->limit_name, sizeof(l->limit_name), "%s: refused", name);
	l->refusals = (struct log_limit)LOG_LIMIT_DEFAULT(l->limit_name);
	l->accept_fn = fn;
	l->arg = arg;
	l->per_address = per_address;
	l->max_total = max_total;
	if ((l->evl = listener_bind(base, name, hostport, LISTENER_BACKLOG, err,
	    errlen)) == NULL)
		goto fail;
	if ((l->backoff = listener_backoff_new(base, l->evl, name)) == NULL ||
	    (l->flush = evtimer_new(base, listener_flush, l)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	evconnlistener_set_error_cb(l->evl, listener_error);
	evconnlistener_set_cb(l->evl, listener_accept, l);
	evconnlistener_enable(l->evl);
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
	if (l->evl != NULL)
		evconnlistener_free(l->evl);
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

	if (getsockname(evconnlistener_get_fd(l->evl), (struct sockaddr *)&ss,
	    &len) == -1) {
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
	listener_backoff_hold(l->backoff, 1);
}
