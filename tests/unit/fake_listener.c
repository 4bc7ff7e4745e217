/*
 * A test double of listener.h: listener_new binds nothing and records the
 * accept function; fake_listener_accept() plays an accepted connection
 * (fd -1, a loopback address) and counts it open until listener_release().
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refuge/listener.h"
#include "fakes.h"

struct listener {
	struct listener		*next;
	listener_accept_fn	*accept;
	void			*arg;
	char			 name[32];
	int			 open;
	int			 disabled;
	int			 per_address;
	int			 max_total;
	int			 handshakes;
	int			 max_handshakes;
};

static struct listener	*fake_listeners;

struct listener *
listener_new(struct event_base *base, const char *name, const char *hostport,
    int per_address, int max_total, listener_accept_fn *fn, void *arg,
    char *err, size_t errlen)
{
	struct listener	*l;

	(void)base;
	(void)hostport;
	if ((l = calloc(1, sizeof(*l))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	l->accept = fn;
	l->arg = arg;
	snprintf(l->name, sizeof(l->name), "%s", name);
	l->per_address = per_address;
	l->max_total = max_total;
	l->next = fake_listeners;
	fake_listeners = l;
	return l;
}

void
listener_free(struct listener *l)
{
	struct listener	**slot;

	if (l == NULL)
		return;
	for (slot = &fake_listeners; *slot != NULL; slot = &(*slot)->next)
		if (*slot == l) {
			*slot = l->next;
			break;
		}
	free(l);
}

void
listener_release(struct listener *l, const struct sockaddr *sa)
{
	(void)sa;
	l->open--;
}

void
listener_address(struct listener *l, char *buf, size_t buflen)
{
	snprintf(buf, buflen, "127.0.0.1:0 (%s, fake)", l->name);
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
	(void)l;
	return 0;
}

void
listener_disable(struct listener *l)
{
	l->disabled = 1;
}

void
listener_set_handshake_limit(struct listener *l, int max)
{
	l->max_handshakes = max;
}

void
listener_handshake_begin(struct listener *l)
{
	l->handshakes++;
}

void
listener_handshake_end(struct listener *l)
{
	l->handshakes--;
}

int
listener_handshake_count(const struct listener *l)
{
	return l->handshakes;
}

uint64_t
listener_pause_count(const struct listener *l)
{
	(void)l;
	return 0;
}

void
listener_format_peer(const struct sockaddr *sa, char *buf, size_t buflen)
{
	const struct sockaddr_in	*sin = (const struct sockaddr_in *)sa;
	char				 host[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
	snprintf(buf, buflen, "%s:%u", host, ntohs(sin->sin_port));
}

struct listener *
fake_listener_find(const char *name)
{
	struct listener	*l;

	for (l = fake_listeners; l != NULL; l = l->next)
		if (strcmp(l->name, name) == 0)
			return l;
	return NULL;
}

struct conn *
fake_listener_accept(struct listener *l, const char *peer)
{
	struct sockaddr_in	 sin;
	struct conn		*before = fake_conn_last();

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons(40000);
	l->open++;
	l->accept(l, -1, (struct sockaddr *)&sin, sizeof(sin), peer, l->arg);
	return fake_conn_last() != before ? fake_conn_last() : NULL;
}

int
fake_listener_disabled(const struct listener *l)
{
	return l->disabled;
}

int
fake_listener_handshake_limit(const struct listener *l)
{
	return l->max_handshakes;
}
