/*
 * TLS line connections over bufferevent_openssl.
 * States: OPEN (reading lines) -> CLOSING (flushing after conn_close) or
 * FAILED (waiting to tell the session) -> freed from conn_reap, which runs as
 * its own event so no bufferevent or session frame is live when it frees.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/bufferevent_struct.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "refuge/config.h"
#include "refuge/conn.h"
#include "refuge/listener.h"
#include "refuge/timenow.h"
#include "refuge/tlsctx.h"

#define CONN_LINGER_SECONDS	2
#define CONN_READ_HIGH_WATER	16384
/*
 * A link's share of the first priority (conn_set_line_share): that many
 * lines a second, after CONN_SHARE_BURST_S seconds' worth at once. A link
 * that reads more is busy: it steps down to CONN_PRIORITY_BUSY and takes
 * turns with new connections' handshakes and /metrics, rather than starve
 * them (libevent's priorities are strict), until its budget is full again.
 */
#define CONN_SHARE_BURST_S	4
/*
 * The second priority's turn. Links each within their share, but many
 * together, could keep the first priority busy for ever, and handshakes,
 * HELLOs, busy links and the commit would never be served. While shared
 * links are read, a probe timer at the second priority is kept armed,
 * CONN_TICK_MS ahead; when it has waited for its turn over CONN_TURN_MS, a
 * shared link just read steps down for its next read, so the first priority
 * empties and the second has its turn, in arrival order with those links.
 * An idle loop arms nothing.
 */
#define CONN_TICK_MS		10
#define CONN_TURN_MS		25

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
	int				 handshaking;	/* counted by owner until admitted */
	int				 prioritised;	/* the base has CONN_PRIORITIES */
	int				 shared;	/* prioritised, with a line share */
	int				 line_share;	/* lines a second */
	int				 busy;		/* at CONN_PRIORITY_BUSY */
	int				 budget;	/* lines left at the first priority */
	int64_t				 budget_ms;	/* when budget was last refilled */
	struct conn_limits		 limits;
	const struct conn_callbacks	*callbacks;
	void				*arg;
	conn_drain_fn			*drain;		/* see conn_set_drain */
	void				*drain_arg;
	struct listener			*owner;
	struct sockaddr_storage		 addr;
	char				 peer[LISTENER_PEER_LEN];
	char				*reason;	/* set on failure only */
};

/* One event loop with priorities a process (refuged's); see CONN_TURN_MS. */
static struct {
	struct event_base	*base;
	struct event		*tick;
	int			 armed;		/* pending, or waiting for its turn */
	int64_t			 due_ms;	/* when it fires */
} conn_turn;

static void
conn_turn_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	conn_turn.armed = 0;
}

/* Makes the probe on the first link of a loop with priorities. */
static void
conn_turn_watch(struct event_base *base)
{
	if (conn_turn.base == base)
		return;
	/* Another loop (a test's): the old one's probe went with it. */
	conn_turn.base = base;
	conn_turn.armed = 0;
	conn_turn.tick = event_new(base, -1, 0, conn_turn_cb, NULL);
	if (conn_turn.tick != NULL &&
	    event_priority_set(conn_turn.tick, CONN_PRIORITY_HANDSHAKE) == -1) {
		event_free(conn_turn.tick);
		conn_turn.tick = NULL;
	}
}

/* 1 when the second priority waited too long; else keeps the probe armed. */
static int
conn_turn_late(void)
{
	struct timeval	tv;
	int64_t		now;

	if (conn_turn.tick == NULL)
		return 0;
	now = timenow_mono_ms();
	if (conn_turn.armed)
		return now - conn_turn.due_ms > CONN_TURN_MS;
	tv = timenow_tv(CONN_TICK_MS);
	if (event_add(conn_turn.tick, &tv) == 0) {
		conn_turn.armed = 1;
		conn_turn.due_ms = now + CONN_TICK_MS;
	}
	return 0;
}

/* The connection no longer counts against its listener's handshake cap. */
static void
conn_handshake_over(struct conn *conn)
{
	if (!conn->handshaking)
		return;
	conn->handshaking = 0;
	listener_handshake_end(conn->owner);
}

static void
conn_free(struct conn *conn)
{
	conn_handshake_over(conn);
	if (conn->bev != NULL)
		bufferevent_free(conn->bev);
	if (conn->reap != NULL)
		event_free(conn->reap);
	if (conn->resume != NULL)
		event_free(conn->resume);
	if (conn->owner != NULL)
		listener_release(conn->owner, (struct sockaddr *)&conn->addr);
	free(conn->reason);
	free(conn);
}

static void
conn_reap(evutil_socket_t fd, short what, void *arg)
{
	struct conn	*conn = arg;

	(void)fd;
	(void)what;
	if (conn->state == CONN_FAILED && conn->callbacks->failed != NULL)
		conn->callbacks->failed(conn, conn->reason != NULL ?
		    conn->reason : "out of memory", conn->arg);
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
	conn_handshake_over(conn);
	/* Kept only while failing: 256 bytes on every idle link otherwise. */
	conn->reason = strndup(reason, 255);
	bufferevent_disable(conn->bev, EV_READ | EV_WRITE);
	event_active(conn->reap, 0, 0);
}

/*
 * Moves an established link's socket events between the two priorities.
 * Not bufferevent_priority_set(): libevent 2.1 also gives the bufferevent's
 * deferred callback the new priority without looking whether it is queued,
 * and bufferevent_openssl queues it after every write: a queued one is then
 * taken off the wrong queue, which corrupts the loop. The deferred callback
 * keeps the first priority: it mostly reports a write done.
 */
static void
conn_set_busy(struct conn *conn, int busy)
{
	int	pri = busy ? CONN_PRIORITY_BUSY : CONN_PRIORITY_ESTABLISHED;
	int	was = busy ? CONN_PRIORITY_ESTABLISHED : CONN_PRIORITY_BUSY;

	/* Either fails while queued to run: tried again at the next line. */
	if (event_priority_set(&conn->bev->ev_write, pri) == -1)
		return;
	if (event_priority_set(&conn->bev->ev_read, pri) == -1) {
		(void)event_priority_set(&conn->bev->ev_write, was);
		return;
	}
	conn->busy = busy;
}

/*
 * One line buffer for every link, grown to the longest max_line: a line is
 * handed to its callback and done with before the next is read, all on the
 * one loop thread; a buffer per link cost half a kilobyte on each idle one.
 */
static char	*conn_line;
static size_t	 conn_line_size;

static int
conn_line_reserve(size_t size)
{
	char	*grown;

	if (size <= conn_line_size)
		return 0;
	if ((grown = realloc(conn_line, size)) == NULL)
		return -1;
	conn_line = grown;
	conn_line_size = size;
	return 0;
}

/* Refills the budget for the time passed; a busy link with a full one steps up. */
static void
conn_budget_refill(struct conn *conn)
{
	int64_t	now = timenow_mono_ms(), rate = conn->line_share;
	int64_t	full = rate * CONN_SHARE_BURST_S;
	int64_t	gain = (now - conn->budget_ms) * rate / 1000;

	if (gain <= 0)
		return;
	if (conn->budget + gain >= full) {
		conn->budget = (int)full;
		conn->budget_ms = now;
	} else {
		conn->budget += (int)gain;
		conn->budget_ms += gain * 1000 / rate;
	}
	if (conn->busy && conn->budget == full)
		conn_set_busy(conn, 0);
}

static void
conn_budget_spend(struct conn *conn)
{
	if (conn->budget > 0)
		conn->budget--;
	if (conn->budget == 0 && !conn->busy)
		conn_set_busy(conn, 1);
}

static void
conn_read(struct bufferevent *bev, void *arg)
{
	struct conn		*conn = arg;
	struct evbuffer		*input = bufferevent_get_input(bev);
	struct evbuffer_ptr	 eol;
	size_t			 eol_len, len;

	if (conn->shared) {
		conn_budget_refill(conn);
		/* This read goes on; the next waits its turn at the second priority. */
		if (conn_turn_late() && !conn->busy)
			conn_set_busy(conn, 1);
	}
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
		if (evbuffer_remove(input, conn_line, len + 1) != (int)(len + 1)) {
			conn_fail(conn, "read error");
			return;
		}
		if (len > 0 && conn_line[len - 1] == '\r')
			len--;
		if (len > conn->limits.max_line)
			goto overlong;
		conn_line[len] = '\0';
		if (conn->shared)
			conn_budget_spend(conn);
		conn->callbacks->line(conn, conn_line, len, conn->arg);
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
conn_set_max_output(struct conn *conn, size_t max_output)
{
	conn->limits.max_output = max_output;
}

void
conn_set_drain(struct conn *conn, size_t low_mark, conn_drain_fn *fn,
    void *arg)
{
	conn->drain = fn;
	conn->drain_arg = arg;
	/* The write callback then fires at low_mark instead of at empty. */
	bufferevent_setwatermark(conn->bev, EV_WRITE, fn != NULL ? low_mark : 0,
	    0);
}

void
conn_set_line_share(struct conn *conn, int per_second)
{
	if (conn->busy)
		conn_set_busy(conn, 0);
	conn->line_share = per_second > 0 ? per_second : 0;
	conn->shared = conn->prioritised && conn->line_share > 0;
	conn->budget = conn->line_share * CONN_SHARE_BURST_S;
	conn->budget_ms = timenow_mono_ms();
}

/* Only a name for libevent's token bucket configuration. */
struct conn_rate {
	struct ev_token_bucket_cfg	*cfg;
};

struct conn_rate *
conn_rate_new(size_t per_second, size_t burst)
{
	struct conn_rate	*rate;

	if ((rate = calloc(1, sizeof(*rate))) == NULL)
		return NULL;
	if ((rate->cfg = ev_token_bucket_cfg_new(per_second, burst,
	    EV_RATE_LIMIT_MAX, EV_RATE_LIMIT_MAX, NULL)) == NULL) {
		free(rate);
		return NULL;
	}
	return rate;
}

void
conn_rate_free(struct conn_rate *rate)
{
	if (rate == NULL)
		return;
	ev_token_bucket_cfg_free(rate->cfg);
	free(rate);
}

int
conn_rate_limit(struct conn *conn, struct conn_rate *rate)
{
	return bufferevent_set_rate_limit(conn->bev, rate->cfg);
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
	/* Made at the first resume: only operators' links pause, units' never. */
	if (conn->resume == NULL &&
	    ((conn->resume = event_new(bufferevent_get_base(conn->bev), -1, 0,
	    conn_resume_cb, conn)) == NULL || (conn->prioritised &&
	    event_priority_set(conn->resume, CONN_PRIORITY_ESTABLISHED) == -1))) {
		conn_fail(conn, "out of memory");
		return;
	}
	event_active(conn->resume, 0, 0);
}

static void
conn_write(struct bufferevent *bev, void *arg)
{
	struct conn	*conn = arg;

	if (conn->state == CONN_CLOSING) {
		if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
			event_active(conn->reap, 0, 0);
		return;
	}
	if (conn->state == CONN_OPEN && conn->drain != NULL)
		conn->drain(conn, conn->drain_arg);
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
		/* libevent gave the link's events the default priority again. */
		if (conn->prioritised)
			(void)bufferevent_priority_set(bev,
			    CONN_PRIORITY_ESTABLISHED);
		conn->budget = conn->line_share * CONN_SHARE_BURST_S;
		conn->budget_ms = timenow_mono_ms();
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
		if (!conn->established && error == 0 && socket_error != 0)
			snprintf(reason, sizeof(reason), "connection error: %s",
			    evutil_socket_error_to_string(socket_error));
		else if (!conn->established)
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
	if (what & BEV_EVENT_EOF) {
		/* A client's refused connect reaches the TLS filter as an EOF. */
		socket_error = EVUTIL_SOCKET_ERROR();
		if (!conn->established && conn->owner == NULL &&
		    socket_error != 0 && socket_error != EAGAIN) {
			snprintf(reason, sizeof(reason), "connection error: %s",
			    evutil_socket_error_to_string(socket_error));
			conn_fail(conn, reason);
		} else
			conn_fail(conn, conn->established ? "closed by peer" :
			    "closed by peer during the TLS handshake");
	}
}

static struct conn	*conn_setup(struct event_base *, SSL *, int,
			    enum bufferevent_ssl_state, const struct conn_limits *,
			    const struct conn_callbacks *, void *);

struct conn *
conn_new(struct event_base *base, SSL_CTX *ctx, int fd,
    const struct sockaddr *sa, socklen_t salen, const char *peer,
    struct listener *owner, const struct conn_limits *limits,
    const struct conn_callbacks *callbacks, void *arg)
{
	struct conn	*conn;
	SSL		*ssl;

	/* A small send buffer keeps a peer that stops reading from hiding in the kernel. */
	if (limits->socket_sndbuf > 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &limits->socket_sndbuf,
		    sizeof(limits->socket_sndbuf));
	if ((ssl = SSL_new(ctx)) == NULL) {
		ERR_clear_error();
		close(fd);
		conn = NULL;
	} else
		conn = conn_setup(base, ssl, fd, BUFFEREVENT_SSL_ACCEPTING,
		    limits, callbacks, arg);
	if (conn == NULL) {
		if (owner != NULL)
			listener_release(owner, sa);
		return NULL;
	}
	conn->owner = owner;
	memcpy(&conn->addr, sa, salen < sizeof(conn->addr) ? salen :
	    sizeof(conn->addr));
	snprintf(conn->peer, sizeof(conn->peer), "%s", peer);
	/* Counted until the session says it is admitted: the listener caps how many. */
	if (owner != NULL) {
		conn->handshaking = 1;
		listener_handshake_begin(owner);
	}
	if (bufferevent_enable(conn->bev, EV_READ | EV_WRITE) == -1) {
		conn_free(conn);
		return NULL;
	}
	return conn;
}

void
conn_admitted(struct conn *conn)
{
	conn_handshake_over(conn);
}

/* The parts conn_new and conn_connect share; takes ownership of fd and ssl. */
static struct conn *
conn_setup(struct event_base *base, SSL *ssl, int fd,
    enum bufferevent_ssl_state role, const struct conn_limits *limits,
    const struct conn_callbacks *callbacks, void *arg)
{
	struct conn	*conn;

	if ((conn = calloc(1, sizeof(*conn))) == NULL)
		goto fail;
	conn->limits = *limits;
	conn->callbacks = callbacks;
	conn->arg = arg;
	if (conn_line_reserve(limits->max_line + 2) == -1 ||
	    (conn->reap = event_new(base, -1, 0, conn_reap, conn)) == NULL)
		goto fail;
	conn->bev = bufferevent_openssl_socket_new(base, fd, ssl, role,
	    BEV_OPT_CLOSE_ON_FREE);
	if (conn->bev == NULL) {
		/*
		 * libevent frees the SSL on this path itself; whether it closes
		 * the socket is not promised, so it may leak (out of memory only)
		 * rather than risk closing a descriptor reused meanwhile.
		 */
		conn_free(conn);
		return NULL;
	}
	bufferevent_openssl_set_allow_dirty_shutdown(conn->bev, 1);
	bufferevent_setcb(conn->bev, conn_read, conn_write, conn_event, conn);
	bufferevent_setwatermark(conn->bev, EV_READ, 0, CONN_READ_HIGH_WATER);
	conn->prioritised = event_base_get_npriorities(base) == CONN_PRIORITIES;
	if (conn->prioritised)
		conn_turn_watch(base);
	if (conn->prioritised &&
	    (bufferevent_priority_set(conn->bev, CONN_PRIORITY_HANDSHAKE) == -1 ||
	    event_priority_set(conn->reap, CONN_PRIORITY_ESTABLISHED) == -1))
		goto fail_setup;
	return conn;
fail_setup:
	/* The bufferevent owns the SSL and the socket now. */
	conn_free(conn);
	return NULL;
fail:
	SSL_free(ssl);
	close(fd);
	ERR_clear_error();
	if (conn != NULL)
		conn_free(conn);
	return NULL;
}

int
conn_resolve(const char *hostport, struct sockaddr_storage *ss,
    socklen_t *sslen, char *err, size_t errlen)
{
	struct addrinfo	 hints, *res;
	char		 host[256], port_text[16];
	int		 port, rc;

	if (config_split_hostport(hostport, host, sizeof(host), &port) == -1 ||
	    host[0] == '\0') {
		snprintf(err, errlen, "bad address %s (host:port)", hostport);
		return -1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(port_text, sizeof(port_text), "%d", port);
	if ((rc = getaddrinfo(host, port_text, &hints, &res)) != 0) {
		snprintf(err, errlen, "%s: %s", hostport, gai_strerror(rc));
		return -1;
	}
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*sslen = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

struct conn *
conn_connect(struct event_base *base, SSL_CTX *ctx, const struct sockaddr *to,
    socklen_t tolen, const struct sockaddr *from, socklen_t fromlen,
    const char *server_name, const struct conn_limits *limits,
    const struct conn_callbacks *callbacks, void *arg, char *err,
    size_t errlen)
{
	struct conn	*conn;
	SSL		*ssl;
	char		 name[256];
	int		 fd, one = 1;

	if ((fd = socket(to->sa_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return NULL;
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (from != NULL && bind(fd, from, fromlen) == -1) {
		snprintf(err, errlen, "bind: %s", strerror(errno));
		close(fd);
		return NULL;
	}
	if ((ssl = SSL_new(ctx)) == NULL) {
		snprintf(err, errlen, "out of memory");
		close(fd);
		return NULL;
	}
	if (server_name != NULL) {
		X509_VERIFY_PARAM *param = SSL_get0_param(ssl);

		/* An address is checked against IP SANs, a name against DNS SANs. */
		if (X509_VERIFY_PARAM_set1_ip_asc(param, server_name) != 1) {
			ERR_clear_error();
			/* The SNI macro casts away const; give it a copy. */
			snprintf(name, sizeof(name), "%s", server_name);
			if (SSL_set_tlsext_host_name(ssl, name) != 1 ||
			    SSL_set1_host(ssl, server_name) != 1) {
				snprintf(err, errlen, "bad server name %s",
				    server_name);
				SSL_free(ssl);
				close(fd);
				return NULL;
			}
		}
	}
	if ((conn = conn_setup(base, ssl, fd, BUFFEREVENT_SSL_CONNECTING, limits,
	    callbacks, arg)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	listener_format_peer(to, conn->peer, sizeof(conn->peer));
	memcpy(&conn->addr, to, tolen < sizeof(conn->addr) ? tolen :
	    sizeof(conn->addr));
	if (bufferevent_socket_connect(conn->bev, to, (int)tolen) == -1) {
		snprintf(err, errlen, "connect %s: %s", conn->peer,
		    strerror(errno));
		conn_free(conn);
		return NULL;
	}
	if (bufferevent_enable(conn->bev, EV_READ | EV_WRITE) == -1) {
		snprintf(err, errlen, "out of memory");
		conn_free(conn);
		return NULL;
	}
	return conn;
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
	conn->drain = NULL;
	bufferevent_setwatermark(conn->bev, EV_WRITE, 0, 0);
	/* A connection flushing its last words does no handshake work. */
	conn_handshake_over(conn);
	bufferevent_disable(conn->bev, EV_READ);
	if (evbuffer_get_length(bufferevent_get_output(conn->bev)) == 0)
		event_active(conn->reap, 0, 0);
	else
		bufferevent_set_timeouts(conn->bev, NULL, &linger);
}

void
conn_drop(struct conn *conn)
{
	struct evbuffer	*output;

	if (conn->state == CONN_CLOSING)
		return;
	conn->state = CONN_CLOSING;
	conn->drain = NULL;
	conn_handshake_over(conn);
	bufferevent_disable(conn->bev, EV_READ | EV_WRITE);
	output = bufferevent_get_output(conn->bev);
	evbuffer_drain(output, evbuffer_get_length(output));
	if (conn->owner != NULL) {
		listener_release(conn->owner, (struct sockaddr *)&conn->addr);
		conn->owner = NULL;
	}
	event_active(conn->reap, 0, 0);
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
