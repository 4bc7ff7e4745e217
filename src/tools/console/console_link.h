/*
 * refuge-console's link to refuged: connecting, logging in, reconnecting,
 * and the queue of requests whose replies it matches up. It feeds the model
 * it is given and tells its owner the rest through callbacks.
 */
#ifndef REFUGE_CONSOLE_LINK_H
#define REFUGE_CONSOLE_LINK_H

#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#include "refuge/uproto_client.h"

#include "console_feed.h"
#include "console_model.h"

#define CONSOLE_PASSWORD_MAX	256

enum console_link_state {
	CONSOLE_DISCONNECTED,	/* waiting to reconnect */
	CONSOLE_CONNECTING,	/* TCP and TLS */
	CONSOLE_LOGGING_IN,
	CONSOLE_READY
};


struct console_link;
struct event_base;
struct ssl_ctx_st;		/* SSL_CTX */

struct console_link_params {
	struct event_base	*base;
	struct ssl_ctx_st	*ctx;
	/*
	 * The receivers, tried in turn until one answers (copied): a lost
	 * link goes on to the next at once, backing off after a round, and
	 * with reconnect a standby's "* RECEIVER standby ... active=" sends
	 * the link to the active one.
	 */
	const struct uproto_client_rx *rx;
	const char		*user;		/* "": no login (the script logs in) */
	const char		*password;	/* copied; the caller may wipe its own */
	const char		*desk;		/* desk= of LOGIN; NULL or "": none */
	int			 reconnect;	/* a lost link retries; else it finishes */
	int			 ping;		/* PING every 20 s when idle */
	/*
	 * Fed with pushes and the replies to ALARMS, UNITS, PLAN, HISTORY,
	 * NOTE and CMD, re-read on every login, and told of what goes wrong
	 * (messages). NULL: no model; pushes go to the push callback.
	 */
	struct console_model	*model;
};

/* What the link tells its owner; any may be NULL. arg is the owner's. */
struct console_link_callbacks {
	/* The link's state or the model changed: time to redraw. */
	void	(*changed)(void *arg);
	/* A line was applied to the model with this effect. */
	void	(*effect)(enum console_effect, int priority, void *arg);
	/* Logged in, or connected when there is no user. */
	void	(*ready)(void *arg);
	/* Ready, nothing queued and nothing in flight: the next request may go. */
	void	(*idle)(void *arg);
	/* Without a model: a push, once ready. */
	void	(*push)(const char *line, void *arg);
	/* Every line of a RAW request's reply, and lines no request awaited. */
	void	(*reply)(const char *line, void *arg);
	/*
	 * The link gives up: a LOGIN refused, a lost link that does not
	 * reconnect, the OK of a script's LOGOUT. status is for exit(3); why,
	 * if not NULL, says what went wrong. Nothing more happens on the link.
	 */
	void	(*finished)(int status, const char *why, void *arg);
	/*
	 * LOGIN was refused (ERR auth): when set, the link waits, down, for
	 * console_link_retry_login instead of finishing.
	 */
	void	(*login_refused)(const char *why, void *arg);
};

/* Makes the link's timers; connects on console_link_connect. NULL on memory. */
struct console_link	*console_link_new(const struct console_link_params *,
			    const struct console_link_callbacks *, void *arg);
/*
 * Drops the queue and frees the link; its connection, if any, is closed and
 * flushes in the event loop (run it once more to let it go).
 */
void	console_link_free(struct console_link *);
/* Starts a connection; a failure goes down and, with reconnect, retries. */
void	console_link_connect(struct console_link *);
/*
 * Queues a request; it goes out when every earlier one has its OK/ERR.
 * alarm_id, unit and what say what the reply is about. Returns 0, or -1
 * (not logged in, or the line cannot be made).
 */
int	console_link_request(struct console_link *, enum console_req_kind,
	    int64_t alarm_id, const char *unit, const char *what,
	    const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Queues len bytes of text as one line, not sent yet. Returns 0 or -1. */
int	console_link_queue(struct console_link *, enum console_req_kind,
	    int64_t alarm_id, const char *unit, const char *what,
	    const char *text, size_t len);
/* Sends the queue's head if nothing is in flight. */
void	console_link_send_next(struct console_link *);
/* 1 if ready with nothing queued and nothing in flight. */
int	console_link_idle(const struct console_link *);

enum console_link_state	 console_link_state(const struct console_link *);
const char		*console_link_user(const struct console_link *);
/* The receiver's host:port the link is on or trying. */
const char		*console_link_server(const struct console_link *);
/* Its name= and role (active, standby) from "* RECEIVER"; "" until told. */
const char		*console_link_rx_name(const struct console_link *);
const char		*console_link_rx_role(const struct console_link *);
/* Why the link is down, and seconds until the next attempt (-1: none). */
const char		*console_link_down_reason(const struct console_link *);
int			 console_link_retry_in(const struct console_link *);
/* The zone LOGIN's reply named (tz=), or "". */
const char		*console_link_tz(const struct console_link *);
/* The desk URI given for LOGIN, or "". */
const char		*console_link_desk(const struct console_link *);
/* Down since (monotonic ms), or 0 while up. */
int64_t			 console_link_down_since(const struct console_link *);
/* After login_refused: a new password (copied), and connects again. */
void			 console_link_retry_login(struct console_link *,
			    const char *password);

#endif
