/*
 * floor_rx: the floor the benchmarks measure refuged against (`make bench`
 * builds it; it is no part of refuge). A bare libevent TLS line server with
 * refuged's TLS settings for units (TLS 1.2+, client certificate verified
 * against the CA, no tickets, no session cache, SSL_MODE_RELEASE_BUFFERS),
 * and nothing of its stack: for each line it reads it answers at once
 *
 *   HELLO <id> ...   WELCOME <hb> <unix-time>
 *   HB <n>           HBACK <n>
 *   EVENT <id> ...   ACK <id>; with --db, after the loop turn's events
 *                    were inserted in one durable transaction (WAL,
 *                    synchronous=FULL), one row each
 *
 * and ignores anything else. That is what a receiver cannot do without:
 * TLS, line framing, a reply, and for events the batched commit.
 *
 *   floor_rx --cert F --key F --ca F [--db FILE] [--hb SECONDS]
 *
 * Prints "floor_rx: ready port=<n>" once listening on 127.0.0.1; on SIGTERM
 * or SIGINT prints its counters and exits.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sqlite3.h>

#define FLOOR_MAX_LINE	1024

struct floor_conn {
	struct bufferevent	*bev;
	unsigned		 refs;		/* itself, plus events awaiting commit */
	int			 closed;
};

struct floor_pending {
	struct floor_conn	*conn;
	char			 id[80];
};

static struct event_base	*base;
static sqlite3			*db;
static sqlite3_stmt		*insert;
static struct event		*commit_ev;
static struct floor_pending	*pending;
static size_t			 npending, cap_pending;
static int			 hb_seconds = 60;
static unsigned long long	 n_conns, n_lines, n_events, n_commits;

static void
floor_unref(struct floor_conn *c)
{
	if (--c->refs == 0)
		free(c);
}

static void
floor_close(struct floor_conn *c)
{
	if (c->closed)
		return;
	c->closed = 1;
	bufferevent_free(c->bev);
	c->bev = NULL;
	floor_unref(c);
}

static void
floor_reply(struct floor_conn *c, const char *fmt, const char *word)
{
	char	out[FLOOR_MAX_LINE + 32];
	int	len = snprintf(out, sizeof(out), fmt, word);

	if (!c->closed && len > 0 && (size_t)len < sizeof(out))
		bufferevent_write(c->bev, out, (size_t)len);
}

static void
floor_commit(evutil_socket_t fd, short what, void *arg)
{
	size_t	i;
	int	ok = 1;

	(void)fd;
	(void)what;
	(void)arg;
	if (npending == 0)
		return;
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		ok = 0;
	for (i = 0; ok && i < npending; i++) {
		sqlite3_bind_text(insert, 1, pending[i].id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(insert, 2, (sqlite3_int64)time(NULL) * 1000);
		ok = sqlite3_step(insert) == SQLITE_DONE;
		sqlite3_reset(insert);
	}
	if (!ok || sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		fprintf(stderr, "floor_rx: commit failed: %s\n", sqlite3_errmsg(db));
		exit(1);
	}
	n_commits++;
	for (i = 0; i < npending; i++) {
		floor_reply(pending[i].conn, "ACK %s\n", pending[i].id);
		floor_unref(pending[i].conn);
	}
	npending = 0;
}

static void
floor_event(struct floor_conn *c, const char *id)
{
	struct floor_pending	*grown;

	n_events++;
	if (db == NULL) {
		floor_reply(c, "ACK %s\n", id);
		return;
	}
	if (npending == cap_pending) {
		cap_pending = cap_pending ? cap_pending * 2 : 1024;
		if ((grown = realloc(pending, cap_pending * sizeof(*pending))) ==
		    NULL) {
			fprintf(stderr, "floor_rx: out of memory\n");
			exit(1);
		}
		pending = grown;
	}
	pending[npending].conn = c;
	snprintf(pending[npending].id, sizeof(pending[npending].id), "%s", id);
	npending++;
	c->refs++;
	/* Runs after every read already due in this loop turn: a group commit. */
	if (npending == 1)
		event_active(commit_ev, EV_TIMEOUT, 0);
}

static void
floor_line(struct floor_conn *c, char *line)
{
	char	*word = strchr(line, ' '), *end, when[32];

	n_lines++;
	if (word == NULL)
		return;
	*word++ = '\0';
	if ((end = strchr(word, ' ')) != NULL)
		*end = '\0';
	if (strcmp(line, "HB") == 0)
		floor_reply(c, "HBACK %s\n", word);
	else if (strcmp(line, "EVENT") == 0)
		floor_event(c, word);
	else if (strcmp(line, "HELLO") == 0) {
		snprintf(when, sizeof(when), "%d %lld", hb_seconds,
		    (long long)time(NULL));
		floor_reply(c, "WELCOME %s\n", when);
	}
}

static void
floor_read(struct bufferevent *bev, void *arg)
{
	struct floor_conn	*c = arg;
	struct evbuffer		*in = bufferevent_get_input(bev);
	char			*line;
	size_t			 len;

	while (!c->closed && (line = evbuffer_readln(in, &len,
	    EVBUFFER_EOL_LF)) != NULL) {
		floor_line(c, line);
		free(line);
	}
	if (!c->closed && evbuffer_get_length(in) > FLOOR_MAX_LINE)
		floor_close(c);
}

static void
floor_bev_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT))
		floor_close(arg);
}

static void
floor_accept(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	SSL_CTX			*ctx = arg;
	SSL			*ssl;
	struct floor_conn	*c;
	int			 one = 1;

	(void)l;
	(void)sa;
	(void)salen;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if ((c = calloc(1, sizeof(*c))) == NULL || (ssl = SSL_new(ctx)) == NULL) {
		free(c);
		evutil_closesocket(fd);
		return;
	}
	c->refs = 1;
	if ((c->bev = bufferevent_openssl_socket_new(base, fd, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		SSL_free(ssl);
		evutil_closesocket(fd);
		free(c);
		return;
	}
	n_conns++;
	bufferevent_setcb(c->bev, floor_read, NULL, floor_bev_event, c);
	bufferevent_enable(c->bev, EV_READ);
}

static void
floor_stop(evutil_socket_t sig, short what, void *arg)
{
	(void)sig;
	(void)what;
	(void)arg;
	event_base_loopbreak(base);
}

static SSL_CTX *
floor_ctx(const char *cert, const char *key, const char *ca)
{
	SSL_CTX	*ctx = SSL_CTX_new(TLS_server_method());

	if (ctx == NULL ||
	    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1) {
		ERR_print_errors_fp(stderr);
		exit(1);
	}
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_num_tickets(ctx, 0);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
	    NULL);
	SSL_CTX_set_verify_depth(ctx, 4);
	return ctx;
}

static void
floor_db_open(const char *path)
{
	if (sqlite3_open(path, &db) != SQLITE_OK ||
	    sqlite3_exec(db, "PRAGMA journal_mode = WAL; "
	    "PRAGMA synchronous = FULL; CREATE TABLE IF NOT EXISTS events ("
	    "id INTEGER PRIMARY KEY, event_id TEXT NOT NULL, "
	    "received_ms INTEGER NOT NULL)", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO events (event_id, received_ms) "
	    "VALUES (?, ?)", -1, &insert, NULL) != SQLITE_OK) {
		fprintf(stderr, "floor_rx: %s: %s\n", path, sqlite3_errmsg(db));
		exit(1);
	}
	if ((commit_ev = event_new(base, -1, 0, floor_commit, NULL)) == NULL)
		exit(1);
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cert", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "ca", required_argument, NULL, 'a' },
		{ "db", required_argument, NULL, 'd' },
		{ "hb", required_argument, NULL, 'b' },
		{ NULL, 0, NULL, 0 }
	};
	const char		*cert = NULL, *key = NULL, *ca = NULL, *dbpath = NULL;
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	struct evconnlistener	*l;
	struct event		*sigterm, *sigint;
	SSL_CTX			*ctx;
	int			 ch;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': cert = optarg; break;
		case 'k': key = optarg; break;
		case 'a': ca = optarg; break;
		case 'd': dbpath = optarg; break;
		case 'b': hb_seconds = atoi(optarg); break;
		default: goto usage;
		}
	}
	if (cert == NULL || key == NULL || ca == NULL || hb_seconds < 1)
		goto usage;
	signal(SIGPIPE, SIG_IGN);
	if ((base = event_base_new()) == NULL)
		return 1;
	ctx = floor_ctx(cert, key, ca);
	if (dbpath != NULL)
		floor_db_open(dbpath);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((l = evconnlistener_new_bind(base, floor_accept, ctx,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 4096,
	    (struct sockaddr *)&sin, sizeof(sin))) == NULL ||
	    getsockname(evconnlistener_get_fd(l), (struct sockaddr *)&sin,
	    &len) == -1) {
		fprintf(stderr, "floor_rx: listen: %s\n", strerror(errno));
		return 1;
	}
	sigterm = evsignal_new(base, SIGTERM, floor_stop, NULL);
	sigint = evsignal_new(base, SIGINT, floor_stop, NULL);
	if (sigterm == NULL || sigint == NULL || evsignal_add(sigterm, NULL) ||
	    evsignal_add(sigint, NULL))
		return 1;
	printf("floor_rx: ready port=%d\n", ntohs(sin.sin_port));
	fflush(stdout);
	event_base_dispatch(base);
	printf("floor_rx: connections=%llu lines=%llu events=%llu commits=%llu\n",
	    n_conns, n_lines, n_events, n_commits);
	return 0;
usage:
	fprintf(stderr, "usage: floor_rx --cert F --key F --ca F [--db FILE] "
	    "[--hb SECONDS]\n");
	return 2;
}
