/*
 * Operator protocol v1, the client's half: parses every line the receiver
 * sends an operator into a typed message. Pure. The receiver's half, which
 * parses requests and formats these lines, is opproto.h.
 * Later versions add attributes and push kinds: an attribute this version
 * does not know is listed in other[], and a push of a kind it does not know
 * is OPPROTO_CLIENT_OTHER; neither is an error.
 */
#ifndef REFUGE_OPPROTO_CLIENT_H
#define REFUGE_OPPROTO_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "line.h"

/*
 * The longest line taken. The receiver's lines may pass LINE_MAX_BYTES (an
 * ERR quoting a long request, an ALARM with a long unit name); such a line
 * is still told apart as a reply or a push, and OK, ERR and a CMD push's
 * reason are read, but what has to be tokenised stops at LINE_MAX_BYTES.
 */
#define OPPROTO_CLIENT_MAX_BYTES	4096

enum opproto_client_kind {
	OPPROTO_CLIENT_OK,		/* OK [detail] */
	OPPROTO_CLIENT_ERR,		/* ERR <code> <text> */
	OPPROTO_CLIENT_ALARM,		/* ALARM <id> prio= state= ... (data or push) */
	OPPROTO_CLIENT_UNIT,		/* UNIT <id> state= ... ; * UNIT <id> online|offline */
	OPPROTO_CLIENT_STEP,		/* STEP <n> "<text>" */
	OPPROTO_CLIENT_EVENT,		/* EVENT <unit-event-id> <TYPE> at= ... */
	OPPROTO_CLIENT_STAT,		/* STAT <name> key=value ... */
	OPPROTO_CLIENT_CLAIMED,		/* * CLAIMED <id> by=<user> */
	OPPROTO_CLIENT_RELEASED,	/* * RELEASED <id> */
	OPPROTO_CLIENT_RESOLVED,	/* * RESOLVED <id> outcome= by= */
	OPPROTO_CLIENT_ESCALATE,	/* * ESCALATE <id> waited=<s> */
	OPPROTO_CLIENT_TESTSIGNAL,	/* * TESTSIGNAL <unit> <TYPE> */
	OPPROTO_CLIENT_TESTMODE,	/* * TESTMODE <unit> until=<iso> | off */
	OPPROTO_CLIENT_CMD,		/* * CMD <cmd-id> done|fail|timeout [reason] */
	OPPROTO_CLIENT_RELOADED,	/* * RELOADED units=<n> */
	OPPROTO_CLIENT_RECEIVER,	/* * RECEIVER active|standby store= ... */
	OPPROTO_CLIENT_LOG,		/* LOG <iso> <what> [by=] [k=v ...] ["text"] */
	OPPROTO_CLIENT_OPERATOR,	/* OPERATOR <user> role= desk= claimed= */
	OPPROTO_CLIENT_HANDOVER,	/* [* ]HANDOVER by= at= "text" */
	OPPROTO_CLIENT_OTHER		/* a kind this version does not know */
};

/*
 * Every string below points into the message itself (its tokens or its copy
 * of the line), or is a constant "", so a message must not be copied by
 * assignment and its strings live as long as it is not parsed into again.
 * An optional attribute that is absent reads as "" (strings), -1 (times and
 * counts) or as its stated default.
 */
struct opproto_client_ok {
	const char	*detail;	/* what follows "OK ", as sent; "" if none */
	int64_t		 count;		/* the detail when it is a number, else -1 */
	const char	*role;		/* role= (LOGIN), else "" */
	const char	*cmd_id;	/* cmd= (CMD), else "" */
	const char	*tz;		/* tz= (LOGIN): the receiver's zone, else "" */
};

struct opproto_client_err {
	const char	*code;		/* auth, locked, syntax, ... (opproto.h) */
	const char	*text;		/* the rest of the line, as sent; may be "" */
};

/* ALARM: id, prio=, state= and unit= are required, the rest optional. */
struct opproto_client_alarm {
	int64_t		 id;
	int		 priority;	/* 1-9 */
	const char	*state;		/* queued, claimed, resolved */
	const char	*type;
	const char	*unit;
	const char	*site;
	const char	*at;		/* as sent */
	int64_t		 at_ms;		/* -1 if absent or unreadable */
	const char	*name;
	int		 count;		/* 1 if absent */
	int		 restored;	/* restored=1 */
	const char	*by;
	int		 unstored;	/* stored=no: shown before its commit */
	int		 located;	/* lat= and lon= were given */
	double		 lat, lon;
	const char	*outcome;	/* a resolved alarm's (DETAIL, SEARCH), else "" */
	const char	*code;		/* code=, verify=, path=: from a DC-09 */
	const char	*verify;	/* panel's event ("" when absent) */
	const char	*path;
};

/*
 * UNIT <id> state= last_seen= heard= site= name= [test_until=] lat= lon=
 * [address=] (state= required),
 * or the push UNIT <id> online|offline, which sets id and state only.
 */
struct opproto_client_unit {
	const char	*id;
	const char	*state;		/* online, offline, unknown */
	const char	*last_seen;	/* as sent: an ISO time or "-" (never) */
	int64_t		 last_seen_ms;	/* -1 if never, absent or unreadable */
	const char	*site;
	const char	*name;
	const char	*test_until;	/* "" unless the unit is on test */
	int64_t		 test_until_ms;
	const char	*heard;		/* last heard, heartbeats too: ISO or "-" */
	int64_t		 heard_ms;	/* -1 if never, absent or unreadable */
	int		 located;	/* lat= and lon= were given */
	double		 lat, lon;
	const char	*address;	/* "" if none */
	const char	*paths;		/* "tls,dc09", "-"; "" when absent */
	int		 no_commands;	/* commands=no: reachable only by DC-09 */
};

/* LOG: one step of an alarm's life (DETAIL); its key=value words in other[]. */
struct opproto_client_log {
	const char	*at;		/* as sent */
	int64_t		 at_ms;
	const char	*what;		/* raised, claimed, note, resolved, ... */
	const char	*by;		/* "" for the receiver */
	int		 cut;		/* cut=1: the text was cut to fit */
	const char	*text;		/* "" if none */
};

/* OPERATOR: one logged-in operator (WHO). */
struct opproto_client_operator {
	const char	*user;
	const char	*role;
	const char	*desk;		/* as sent: a URI, or "-" for none */
	const char	*claimed;	/* as sent: "id,id,...", or "-" for none */
	int64_t		 more;		/* claimed alarms left out, 0 if none */
};

/* HANDOVER: the shift's handover note (a push, or after LOGIN). */
struct opproto_client_handover {
	const char	*by;
	const char	*at;
	int64_t		 at_ms;
	const char	*text;
};

struct opproto_client_step {
	int		 number;	/* from 1 */
	const char	*text;
};

/* A HISTORY line; the attributes the unit sent are in other[]. */
struct opproto_client_event {
	const char	*event_id;	/* the unit's own id */
	const char	*type;		/* as sent (evtype_from_name for the enum) */
	const char	*at;		/* received, as sent */
	int64_t		 at_ms;
	int		 from_receiver;	/* source=receiver */
	const char	*unit_at;	/* the unit's own time, "" if it gave none */
	int64_t		 unit_at_ms;
};

/* STAT <name>: the figures are all in other[] (opproto_client_attr finds one). */
struct opproto_client_stat {
	const char	*name;		/* alarms, false, genuine, to_claim, ... */
};

/* CLAIMED, RELEASED, RESOLVED and ESCALATE. */
struct opproto_client_change {
	int64_t		 alarm_id;
	const char	*by;		/* CLAIMED, RESOLVED */
	const char	*outcome;	/* RESOLVED: genuine or false */
	int64_t		 waited_s;	/* ESCALATE */
};

/* TESTSIGNAL and TESTMODE. */
struct opproto_client_test {
	const char	*unit;
	const char	*type;		/* TESTSIGNAL: the event type */
	const char	*until;		/* TESTMODE: "" for off */
	int64_t		 until_ms;	/* -1 for off or unreadable */
};

struct opproto_client_cmd {
	const char	*cmd_id;
	const char	*result;	/* done, fail, timeout */
	const char	*reason;	/* the rest of the line, as sent; may be "" */
};

/* RECEIVER <role> store=ok|failing [name=] [active=] ["reason"] */
struct opproto_client_receiver {
	const char	*role;		/* active, standby */
	int		 store_failing;
	const char	*name;		/* "" if none */
	const char	*active;	/* "" if none */
	const char	*reason;	/* "" if none */
};

struct opproto_client_reloaded {
	int64_t		 units;		/* units=, -1 if absent */
};

struct opproto_client_msg {
	enum opproto_client_kind	 kind;
	int				 push;	/* the line began with "* " (set even when it is bad) */
	const char			*word;	/* its first word after any "* " */
	/* The text after that word as sent (leading spaces dropped); may be "". */
	const char			*args;
	union {
		struct opproto_client_ok	 ok;
		struct opproto_client_err	 err;
		struct opproto_client_alarm	 alarm;
		struct opproto_client_unit	 unit;
		struct opproto_client_step	 step;
		struct opproto_client_event	 event;
		struct opproto_client_stat	 stat;
		struct opproto_client_change	 change;
		struct opproto_client_test	 test;
		struct opproto_client_cmd	 cmd;
		struct opproto_client_reloaded	 reloaded;
		struct opproto_client_receiver	 receiver;
		struct opproto_client_log	 log;
		struct opproto_client_operator	 op;
		struct opproto_client_handover	 handover;
	};
	/* key=value tokens this version does not know, in line order. */
	const struct line_token		*other[LINE_MAX_TOKENS];
	size_t				 other_count;
	struct line_parsed		 line;	/* the tokens, "* " not among them */
	char				 raw[OPPROTO_CLIENT_MAX_BYTES + 1];
};

/*
 * Parses one line from the receiver (without its LF or CR). Returns 0, or -1
 * with a short reason in err (the tokeniser's, or what is wrong: "no
 * keyword", "bad alarm id", "no state", ...); kind is then OTHER, but
 * push tells whether the line was a push. A reply and a push of a known
 * kind must carry their required words; OK and ERR take the rest of the line
 * as it came, and so does a CMD push's reason, since the receiver does not
 * quote them. A known attribute given twice counts the first time.
 */
int	opproto_client_parse(struct opproto_client_msg *, const char *line,
	    size_t len, char *err, size_t errlen);

/*
 * The value of any key=value attribute of the message, known or not, or
 * NULL. Not for OK's detail when it is not made of tokens, nor ERR or a
 * CMD push's reason.
 */
const char	*opproto_client_attr(const struct opproto_client_msg *,
		    const char *key);

/* The kind's name as on the wire ("ALARM", "CLAIMED", ...; "OTHER"). */
const char	*opproto_client_kind_name(enum opproto_client_kind);

#endif
