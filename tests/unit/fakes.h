/*
 * Test doubles of layer 2 for the layer-3 suites, linked instead of
 * src/service/conn.c, listener.c and tlsctx.c: no sockets, no TLS. A test
 * accepts a connection by hand, delivers lines to the session as conn would,
 * and reads back every byte the session sent.
 */
#ifndef REFUGE_TEST_FAKES_H
#define REFUGE_TEST_FAKES_H

#include <stddef.h>

struct conn;
struct listener;

/*
 * fake_conn.c. Every conn made stays (closed or not) until
 * fake_conn_free_all(), so its output can be read after its session is gone.
 */
struct conn	*fake_conn_last(void);
/* Runs the connected callback: the TLS handshake is done. */
void		 fake_conn_connected(struct conn *);
/*
 * Delivers one line (without LF), or holds it while the conn is paused; a
 * resume delivers held lines from the loop, as conn does. -1 once closed.
 */
int		 fake_conn_line(struct conn *, const char *line);
/* A line over the cap arrived. */
void		 fake_conn_overlong(struct conn *);
/* The peer went away: the failed callback runs; the session frees itself. */
void		 fake_conn_fail(struct conn *, const char *reason);
/* Closed by conn_close() or by a failure. */
int		 fake_conn_closed(const struct conn *);
/* Closed by the session itself (conn_close). */
int		 fake_conn_closed_by_session(const struct conn *);
int		 fake_conn_paused(const struct conn *);
size_t		 fake_conn_held(const struct conn *);
/* Everything sent so far, NUL-terminated. */
const char	*fake_conn_output(const struct conn *);
/* The next line sent that the test has not read, without LF. 1, or 0: none. */
int		 fake_conn_next(struct conn *, char *buf, size_t buflen);
/* 1 if a whole line was sent that the test has not read yet. */
int		 fake_conn_pending(const struct conn *);
/* Skips what was sent so far. */
void		 fake_conn_skip(struct conn *);
/* 1 once conn_rate_limit() was applied. */
int		 fake_conn_rate_limited(const struct conn *);
size_t		 fake_conn_max_output(const struct conn *);
/* What conn_set_line_share() set. */
int		 fake_conn_line_share(const struct conn *);
void		 fake_conn_free_all(void);

/* fake_listener.c: listener_new records the accept function; no socket. */
struct listener	*fake_listener_find(const char *name);
/* Accepts a connection from peer ("10.0.0.5:41822"); the conn made, or NULL. */
struct conn	*fake_listener_accept(struct listener *, const char *peer);
int		 fake_listener_disabled(const struct listener *);
/* What listener_set_handshake_limit() set last. */
int		 fake_listener_handshake_limit(const struct listener *);

/* fake_tlsctx.c: what the "certificate" of every unit link says. */
void		 fake_tls_identity(const char *cn, const unsigned char spki[32]);
/* tlsctx_peer_identity fails with err (NULL: succeeds again). */
void		 fake_tls_identity_error(const char *err);
/* tlsctx_recheck_peer fails with reason (NULL: passes). */
void		 fake_tls_recheck(const char *reason);

#endif
