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

#define LISTENER_BUCKETS	65536
#define LISTENER_BACKOFF_MS	1000

/* Open connections from one address. */
struct listener_peer {
	struct listener_peer	*next;
	int			 family;
	unsigned char		 addr[16];
	int			 count;
};

struct listener {
	char			 name[16];
	struct evconnlistener	*evl;
	struct event		*backoff;
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
listener_accept(struct evconnlistener *evl, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct listener		 *l = arg;
	struct listener_peer	**slot, *peer;
	char			  text[LISTENER_PEER_LEN];
	int			  family, one = 1;

	(void)evl;
	listener_format_peer(sa, text, sizeof(text));
	if (l->open >= l->max_total) {
		log_warnx("%s: refused peer=%s reason=\"too many connections\"",
		    l->name, text);
		l->refused++;
		close(fd);
		return;
	}
	slot = listener_slot(l, sa);
	if (*slot != NULL && (*slot)->count >= l->per_address) {
		log_warnx("%s: refused peer=%s reason=\"too many connections "
		    "from address\"", l->name, text);
		l->refused++;
		close(fd);
		return;
	}
	if (*slot == NULL) {
		if ((peer = calloc(1, sizeof(*peer))) == NULL) {
			log_warnx("%s: refused peer=%s reason=\"out of memory\"",
			    l->name, text);
			close(fd);
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
listener_resume(evutil_socket_t fd, short what, void *arg)
{
	struct listener	*l = arg;

	(void)fd;
	(void)what;
	evconnlistener_enable(l->evl);
}

/* Out of descriptors: stop accepting for a moment rather than spin. */
static void
listener_error(struct evconnlistener *evl, void *arg)
{
	struct listener	*l = arg;
	struct timeval	 tv = { LISTENER_BACKOFF_MS / 1000, 0 };
	int		 error = EVUTIL_SOCKET_ERROR();

	(void)evl;
	log_warnx("%s: accept: %s; pausing for %d ms", l->name,
	    evutil_socket_error_to_string(error), LISTENER_BACKOFF_MS);
	evconnlistener_disable(l->evl);
	evtimer_add(l->backoff, &tv);
}

struct listener *
listener_new(struct event_base *base, const char *name, const char *hostport,
    int per_address, int max_total, listener_accept_fn *fn, void *arg,
    char *err, size_t errlen)
{
	struct listener		*l;
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
	if ((l = calloc(1, sizeof(*l))) == NULL) {
		freeaddrinfo(res);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	snprintf(l->name, sizeof(l->name), "%s", name);
	l->accept_fn = fn;
	l->arg = arg;
	l->per_address = per_address;
	l->max_total = max_total;
	l->evl = evconnlistener_new_bind(base, listener_accept, l,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_REUSEABLE,
	    4096, res->ai_addr, (int)res->ai_addrlen);
	freeaddrinfo(res);
	if (l->evl == NULL) {
		snprintf(err, errlen, "%s: cannot listen on %s: %s", name,
		    hostport, strerror(errno));
		goto fail;
	}
	evconnlistener_set_error_cb(l->evl, listener_error);
	if ((l->backoff = evtimer_new(base, listener_resume, l)) == NULL) {
		snprintf(err, errlen, "out of memory");
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
	if (l->evl != NULL)
		evconnlistener_free(l->evl);
	if (l->backoff != NULL)
		event_free(l->backoff);
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
	evconnlistener_disable(l->evl);
	evtimer_del(l->backoff);
}
