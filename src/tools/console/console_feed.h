/*
 * refuge-console's feed: what each kind of request does to the model as it
 * goes out, with each line of its reply, and with its OK or ERR. Between the
 * model and the link: the link owns the queue and the connection, this file
 * only what the replies mean. Pure.
 */
#ifndef REFUGE_CONSOLE_FEED_H
#define REFUGE_CONSOLE_FEED_H

#include <stdint.h>

#include "refuge/opproto_client.h"

#include "console_model.h"

/* What a request's reply feeds. */
enum console_req_kind {
	CONSOLE_REQ_RAW,	/* batch: printed as received */
	CONSOLE_REQ_LOGIN,
	CONSOLE_REQ_ALARMS,
	CONSOLE_REQ_UNITS,
	CONSOLE_REQ_HISTORY,
	CONSOLE_REQ_PLAN,
	CONSOLE_REQ_NOTE,
	CONSOLE_REQ_CMD,
	CONSOLE_REQ_PING,
	CONSOLE_REQ_CLAIM,	/* OK: the plan is read at once */
	CONSOLE_REQ_STEP,	/* OK: the plan is read again */
	CONSOLE_REQ_SEARCH,	/* the history view's list */
	CONSOLE_REQ_DETAIL,	/* the history view's record */
	CONSOLE_REQ_INFO,	/* WHO, STATS: lines for the info pane */
	CONSOLE_REQ_OUTCOMES,	/* the resolve lists; ERR keeps the defaults */
	CONSOLE_REQ_HANDOVER,	/* OK: the receiver ends the session; so do we */
	CONSOLE_REQ_OTHER	/* RELEASE, RESOLVE, ...: the reply is a message */
};

/* Before a request goes out: clear or mark what its reply refills. */
void	console_feed_sending(struct console_model *, enum console_req_kind,
	    int64_t alarm_id, const char *unit, const char *what);
/*
 * A line of a reply before its OK or ERR, but for ALARMS' and UNITS' (the
 * link applies those itself); msg is NULL when the line did not parse.
 */
void	console_feed_data(struct console_model *, enum console_req_kind,
	    int64_t alarm_id, const struct opproto_client_msg *,
	    const char *line, const char *err);
/* The reply's OK or ERR (msg), and the message line it makes. */
void	console_feed_done(struct console_model *, enum console_req_kind,
	    int64_t alarm_id, const char *unit, const char *what,
	    const struct opproto_client_msg *, const char *line);

#endif
