/*
 * The HTTP server of /healthz and /metrics (libevent's evhttp), on a
 * listener of our own: at most METRICS_MAX_CONNECTIONS connections, and the
 * listener's accept back-off when descriptors run out.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <event2/util.h>

#include "refuge/listener.h"
#include "refuge/log.h"
#include "refuge/metrics.h"
#include "refuge/timenow.h"

#define METRICS_MAX_HEADERS	8192
#define METRICS_MAX_BODY	1024
#define METRICS_TIMEOUT_S	10
/* Scrapers and health checks need a few; connections beyond wait in the backlog. */
#define METRICS_MAX_CONNECTIONS	64
#define METRICS_BACKLOG		128
/* While at the limit, how often to look for connections evhttp has closed. */
#define METRICS_RECHECK_MS	100
/* "metrics: 64 connections open" at most this often, then counted. */
#define METRICS_FULL_LOG_MS	60000

/*
 * A connection's socket, known by its inode as well as its number: once
 * evhttp has closed it, the number may be reused by another socket.
 */
struct metrics_socket {
	int	fd;
	dev_t	dev;
	ino_t	ino;
};

struct metrics_server {
	struct metrics_server		*next;
	struct evhttp			*http;
	struct evconnlistener		*evl;		/* owned by http */
	struct listener_backoff		*backoff;
	struct event			*adopt;
	struct event			*recheck;	/* while full, or a summary pending */
	struct log_limit		 full_log;
	int				 full;
	/* Accepted this turn: held (incref) until their socket is known. */
	struct bufferevent		*pending[METRICS_MAX_CONNECTIONS];
	size_t				 npending;
	struct metrics_socket		 open[METRICS_MAX_CONNECTIONS];
	size_t				 nopen;
	const struct metrics		*metrics;
	metrics_gauges_fn		*gauges_fn;
	metrics_health_fn		*health_fn;
	void				*arg;
	char				 address[LISTENER_PEER_LEN];
};

/*
 * evhttp_bind_listener() makes the evhttp the listener's callback argument,
 * so the error callback finds its server here.
 */
static struct metrics_server	*metrics_servers;

/* Replies with a short text body; HEAD gets the headers alone. */
static void
metrics_reply(struct evhttp_request *req, int code, const char *reason,
    const char *type, struct evbuffer *body)
{
	struct evkeyvalq	*headers = evhttp_request_get_output_headers(req);
	char			 len[32];

	evhttp_add_header(headers, "Content-Type", type);
	evhttp_add_header(headers, "Cache-Control", "no-store");
	if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD) {
		snprintf(len, sizeof(len), "%zu", evbuffer_get_length(body));
		evhttp_add_header(headers, "Content-Length", len);
		evbuffer_drain(body, evbuffer_get_length(body));
	}
	evhttp_send_reply(req, code, reason, body);
}

static void
metrics_request(struct evhttp_request *req, void *arg)
{
	struct metrics_server	*s = arg;
	struct metrics_gauges	 g;
	struct evbuffer		*body;
	const char		*path, *why;
	int			 ok;
	enum evhttp_cmd_type	 cmd = evhttp_request_get_command(req);

	if ((body = evbuffer_new()) == NULL) {
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
	if (path == NULL)
		path = "";
	if (cmd != EVHTTP_REQ_GET && cmd != EVHTTP_REQ_HEAD) {
		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow",
		    "GET, HEAD");
		evbuffer_add_printf(body, "method not allowed\n");
		metrics_reply(req, 405, "Method Not Allowed", "text/plain", body);
	} else if (strcmp(path, "/healthz") == 0) {
		ok = 1;
		why = s->health_fn != NULL ? s->health_fn(s->arg, &ok) : "ok\n";
		evbuffer_add_printf(body, "%s", why);
		if (ok)
			metrics_reply(req, HTTP_OK, "OK", "text/plain", body);
		else
			metrics_reply(req, 503, "Service Unavailable", "text/plain",
			    body);
	} else if (strcmp(path, "/metrics") == 0) {
		memset(&g, 0, sizeof(g));
		if (s->gauges_fn != NULL)
			s->gauges_fn(&g, s->arg);
		if (metrics_render(s->metrics, &g, body) == -1) {
			evbuffer_drain(body, evbuffer_get_length(body));
			evbuffer_add_printf(body, "out of memory\n");
			metrics_reply(req, HTTP_INTERNAL, "Internal Server Error",
			    "text/plain", body);
		} else
			metrics_reply(req, HTTP_OK, "OK", "text/plain; version=0.0.4",
			    body);
	} else {
		evbuffer_add_printf(body, "not found\n");
		metrics_reply(req, HTTP_NOTFOUND, "Not Found", "text/plain", body);
	}
	evbuffer_free(body);
}

static void
metrics_accept_error(struct evconnlistener *evl, void *arg)
{
	struct metrics_server	*s;
	int			 error = EVUTIL_SOCKET_ERROR();

	(void)arg;
	for (s = metrics_servers; s != NULL; s = s->next)
		if (s->evl == evl) {
			(void)listener_backoff_failed(s->backoff, error);
			return;
		}
	evconnlistener_disable(evl);	/* not ours: never spin on it */
}

/* Forgets the sockets that evhttp has closed. */
static void
metrics_sweep(struct metrics_server *s)
{
	struct stat	st;
	size_t		i, kept = 0;

	for (i = 0; i < s->nopen; i++)
		if (fstat(s->open[i].fd, &st) == 0 &&
		    st.st_dev == s->open[i].dev && st.st_ino == s->open[i].ino)
			s->open[kept++] = s->open[i];
	s->nopen = kept;
}

/* Holds the listener while METRICS_MAX_CONNECTIONS are open, else lets it run. */
static void
metrics_limit(struct metrics_server *s)
{
	struct timeval	tv;

	if (s->nopen + s->npending >= METRICS_MAX_CONNECTIONS)
		metrics_sweep(s);
	if (s->nopen + s->npending < METRICS_MAX_CONNECTIONS) {
		s->full = 0;
		listener_backoff_hold(s->backoff, 0);
		return;
	}
	if (!s->full)
		log_ratelimited(&s->full_log, CONFIG_LOG_WARNING,
		    "metrics: %d connections open; new ones wait",
		    METRICS_MAX_CONNECTIONS);
	s->full = 1;
	listener_backoff_hold(s->backoff, 1);
	if (!evtimer_pending(s->recheck, NULL)) {
		tv = timenow_tv(METRICS_RECHECK_MS);
		evtimer_add(s->recheck, &tv);
	}
}

static void
metrics_recheck(evutil_socket_t fd, short what, void *arg)
{
	struct metrics_server	*s = arg;
	struct timeval		 tv;

	(void)fd;
	(void)what;
	metrics_limit(s);
	/* The summary of suppressed lines is due a window after the first. */
	if (log_limit_tick(&s->full_log) && !evtimer_pending(s->recheck, NULL)) {
		tv = timenow_tv(METRICS_FULL_LOG_MS / 10);
		evtimer_add(s->recheck, &tv);
	}
}

/* After the accepts of one turn: evhttp has given each bufferevent its socket. */
static void
metrics_adopt(evutil_socket_t fd, short what, void *arg)
{
	struct metrics_server	*s = arg;
	struct stat		 st;
	size_t			 i;
	int			 sock;

	(void)fd;
	(void)what;
	for (i = 0; i < s->npending; i++) {
		sock = bufferevent_getfd(s->pending[i]);
		if (s->nopen == METRICS_MAX_CONNECTIONS)
			metrics_sweep(s);
		if (sock >= 0 && fstat(sock, &st) == 0 &&
		    s->nopen < METRICS_MAX_CONNECTIONS) {
			s->open[s->nopen].fd = sock;
			s->open[s->nopen].dev = st.st_dev;
			s->open[s->nopen].ino = st.st_ino;
			s->nopen++;
		}
		bufferevent_decref(s->pending[i]);
	}
	s->npending = 0;
	metrics_limit(s);
}

/*
 * evhttp asks here for each accepted connection's bufferevent. evhttp 2.1
 * has no connection limit and tells of no connection's end, so the server
 * counts the sockets itself: it keeps the bufferevent alive until the end of
 * the loop turn, when evhttp has set its socket, and notes that socket. At
 * the limit the listener is disabled, so further connections wait in the
 * kernel's backlog and cost no descriptor here.
 */
static struct bufferevent *
metrics_connection_new(struct event_base *base, void *arg)
{
	struct metrics_server	*s = arg;
	struct bufferevent	*bev;

	listener_backoff_accepted(s->backoff);
	/* On NULL evhttp tries a bufferevent of its own. */
	if ((bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE)) ==
	    NULL)
		return NULL;
	if (s->npending < METRICS_MAX_CONNECTIONS) {
		bufferevent_incref(bev);
		s->pending[s->npending++] = bev;
		event_active(s->adopt, EV_TIMEOUT, 0);
	}
	if (s->nopen + s->npending >= METRICS_MAX_CONNECTIONS)
		metrics_limit(s);
	return bev;
}

struct metrics_server *
metrics_server_new(struct event_base *base, const char *hostport,
    const struct metrics *m, metrics_gauges_fn *gauges_fn,
    metrics_health_fn *health_fn, void *arg, char *err, size_t errlen)
{
	struct metrics_server	*s;
	struct evconnlistener	*evl;
	struct sockaddr_storage	 ss;
	socklen_t		 sslen = sizeof(ss);

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errlen, "metrics: out of memory");
		return NULL;
	}
	s->full_log = (struct log_limit)LOG_LIMIT_INIT("metrics: connections open",
	    1, METRICS_FULL_LOG_MS);
	s->next = metrics_servers;
	metrics_servers = s;
	s->metrics = m;
	s->gauges_fn = gauges_fn;
	s->health_fn = health_fn;
	s->arg = arg;
	if ((s->http = evhttp_new(base)) == NULL ||
	    (s->adopt = event_new(base, -1, 0, metrics_adopt, s)) == NULL ||
	    (s->recheck = evtimer_new(base, metrics_recheck, s)) == NULL) {
		snprintf(err, errlen, "metrics: out of memory");
		goto fail;
	}
	/* Every method reaches the callback, so others get 405 and not 501. */
	evhttp_set_allowed_methods(s->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD |
	    EVHTTP_REQ_POST | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT |
	    EVHTTP_REQ_PATCH);
	evhttp_set_max_headers_size(s->http, METRICS_MAX_HEADERS);
	evhttp_set_max_body_size(s->http, METRICS_MAX_BODY);
	evhttp_set_timeout(s->http, METRICS_TIMEOUT_S);
	evhttp_set_gencb(s->http, metrics_request, s);
	evhttp_set_bevcb(s->http, metrics_connection_new, s);
	if ((evl = listener_bind(base, "metrics", hostport, METRICS_BACKLOG,
	    err, errlen)) == NULL)
		goto fail;
	if (evhttp_bind_listener(s->http, evl) == NULL) {
		evconnlistener_free(evl);
		snprintf(err, errlen, "metrics: out of memory");
		goto fail;
	}
	s->evl = evl;
	if ((s->backoff = listener_backoff_new(base, evl, "metrics")) == NULL) {
		snprintf(err, errlen, "metrics: out of memory");
		goto fail;
	}
	evconnlistener_set_error_cb(evl, metrics_accept_error);
	evconnlistener_enable(evl);
	if (getsockname(evconnlistener_get_fd(evl), (struct sockaddr *)&ss,
	    &sslen) == 0)
		listener_format_peer((struct sockaddr *)&ss, s->address,
		    sizeof(s->address));
	else
		snprintf(s->address, sizeof(s->address), "%s", hostport);
	return s;
fail:
	metrics_server_free(s);
	return NULL;
}

void
metrics_server_address(struct metrics_server *s, char *buf, size_t buflen)
{
	snprintf(buf, buflen, "%s", s->address);
}

void
metrics_server_free(struct metrics_server *s)
{
	struct metrics_server	**p;
	size_t			  i;

	if (s == NULL)
		return;
	for (p = &metrics_servers; *p != NULL; p = &(*p)->next)
		if (*p == s) {
			*p = s->next;
			break;
		}
	listener_backoff_free(s->backoff);
	if (s->http != NULL)
		evhttp_free(s->http);
	for (i = 0; i < s->npending; i++)
		bufferevent_decref(s->pending[i]);
	if (s->adopt != NULL)
		event_free(s->adopt);
	if (s->recheck != NULL)
		event_free(s->recheck);
	log_limit_flush(&s->full_log);
	free(s);
}
