/* Operator protocol v1: parse operators' requests, format replies and pushes. Pure. */
#ifndef REFUGE_OPPROTO_H
#define REFUGE_OPPROTO_H

#include <stddef.h>
#include <stdint.h>

#include "alarm.h"
#include "change.h"
#include "line.h"

enum opproto_command {
	OPPROTO_LOGIN,
	OPPROTO_LOGOUT,
	OPPROTO_PING,
	OPPROTO_ALARMS,
	OPPROTO_UNITS,
	OPPROTO_CLAIM,
	OPPROTO_RELEASE,
	OPPROTO_NOTE,
	OPPROTO_RESOLVE,
	OPPROTO_PLAN,
	OPPROTO_CMD,
	OPPROTO_HISTORY,
	OPPROTO_STATS,
	OPPROTO_TESTMODE,
	OPPROTO_STEP,
	OPPROTO_OUTCOMES,	/* the outcome lists: OUTCOME <outcome> <word>... */
	OPPROTO_DETAIL,
	OPPROTO_SEARCH,
	OPPROTO_WHO,
	OPPROTO_HANDOVER
};

#define OPPROTO_HISTORY_DEFAULT	20
#define OPPROTO_HISTORY_MAX	1000
#define OPPROTO_SEARCH_DEFAULT	100
#define OPPROTO_SEARCH_MAX	1000

/* SEARCH's filters; NULL: not given. since and until are when.h text. */
struct opproto_search {
	const char	*since, *until;
	const char	*unit, *site, *type;
	const char	*outcome;	/* genuine false technical open */
	const char	*by;
	int		 limit;		/* default 100, 1..1000 */
};

/* Pointers point into the request's own line. */
struct opproto_request {
	enum opproto_command	 command;
	struct line_parsed	 line;
	const char		*user;		/* LOGIN */
	const char		*password;	/* LOGIN */
	const char		*desk;		/* LOGIN desk=, or NULL */
	int64_t			 alarm_id;	/* CLAIM RELEASE NOTE RESOLVE PLAN STEP */
	int			 step;		/* STEP: 1-based */
	const char		*unit_id;	/* CMD HISTORY TESTMODE */
	const char		*text;		/* NOTE HANDOVER; RESOLVE's, STEP's optional note, or NULL */
	enum alarm_outcome	 outcome;	/* RESOLVE */
	int			 bulk_restored;	/* RESOLVE restored type= [site=] technical */
	enum evtype		 type;		/* RESOLVE restored: the type */
	const char		*site_id;	/* RESOLVE restored: site=, or NULL */
	const char		*reason;	/* RESOLVE reason=, or NULL */
	const char		*action;	/* RESOLVE action=, or NULL */
	const char		*words[8];	/* CMD: the words after the unit */
	size_t			 word_count;
	int			 history_count;	/* HISTORY, default 20, 1..1000 */
	int64_t			 since_ms;	/* STATS since=, or -1 */
	int64_t			 duration_ms;	/* TESTMODE; 0 for "off" */
	int			 force;		/* CLAIM <id> force */
	struct opproto_search	 search;	/* SEARCH */
};

/* Error codes of "ERR <code> <text>". */
#define OPPROTO_ERR_AUTH	"auth"		/* bad user or password */
#define OPPROTO_ERR_LOCKED	"locked"	/* too many failed logins from the address */
#define OPPROTO_ERR_LOGIN	"login"		/* log in first */
#define OPPROTO_ERR_UNKNOWN	"unknown"	/* unknown command */
#define OPPROTO_ERR_SYNTAX	"syntax"	/* missing or bad argument */
#define OPPROTO_ERR_NOTFOUND	"notfound"	/* no such alarm, unit or plan */
#define OPPROTO_ERR_CLAIMED	"claimed"	/* claimed by another operator */
#define OPPROTO_ERR_STATE	"state"		/* resolved, or not claimed by you */
#define OPPROTO_ERR_DENIED	"denied"	/* the role does not allow it */
#define OPPROTO_ERR_OFFLINE	"offline"	/* the unit is not connected */
#define OPPROTO_ERR_TOOLONG	"toolong"	/* line over 512 bytes */
#define OPPROTO_ERR_INTERNAL	"internal"	/* storage failed; nothing changed */
#define OPPROTO_ERR_STANDBY	"standby"	/* a standby receiver: active=<host:port> */
#define OPPROTO_ERR_NODESK	"nodesk"	/* AUDIO OPEN with no uri, desk or audio_uri */

/*
 * Parses one request line. Returns 0, or -1 with *code (one of the
 * OPPROTO_ERR_* strings: unknown or syntax) and a precise text in err.
 */
int	opproto_parse(struct opproto_request *, const char *line, size_t len,
	    const char **code, char *err, size_t errlen);

/* What an ALARM line shows besides the alarm itself. */
struct opproto_alarm_view {
	const struct alarm	*alarm;
	const char		*unit_name;
	int			 located;	/* lat and lon below are the unit's */
	double			 lat, lon;
	const char		*outcome;	/* a resolved alarm's as stored, or NULL */
};

/*
 * Each formatter writes one line with its '\n' and returns its length, or
 * -1 if it does not fit. push adds the "* " prefix.
 * ALARM <id> prio=<n> state=<s> type=<T> unit=<u> site=<s> at=<iso> name="..."
 *   [lat=<d> lon=<d>] [count=<n>] [restored=1] [by=<user>] [stored=no]
 *   [outcome=<o>]
 */
int	opproto_format_alarm(char *buf, size_t len, int push,
	    const struct opproto_alarm_view *);
/*
 * The push lines ("* ...") that tell operators of a change, one or more,
 * each with its '\n'. Returns their length, 0 when operators are not told
 * of this kind (a note), or -1 if they do not fit.
 */
int	opproto_format_change(char *buf, size_t len, const struct change *);
int	opproto_format_ok(char *buf, size_t len, const char *detail);
int	opproto_format_err(char *buf, size_t len, const char *code,
	    const char *text);

/* A UNIT line: the unit's state, when it was last heard and where it is. */
struct opproto_unit_view {
	const char	*id;
	const char	*state;		/* online offline unknown */
	int64_t		 last_seen_ms;	/* -1: never */
	int64_t		 heard_ms;	/* last word on any path, heartbeats too; -1 */
	const char	*site;
	const char	*name;
	int64_t		 test_until_ms;	/* 0: not on test */
	double		 lat, lon;
	const char	*address;	/* NULL or "": none */
	const char	*paths;		/* "tls,dc09", "-"; NULL: left out */
	int		 no_commands;	/* reachable only by DC-09 */
};

/*
 * UNIT <id> state= last_seen=<iso|-> heard=<iso|-> site= name="..."
 *   [test_until=<iso>] lat= lon= [address="..."] [paths= [commands=no]]
 * paths= and commands=no close the line, and are left out of a line that
 * the longest ids, name and address already fill.
 */
int	opproto_format_unit(char *buf, size_t len,
	    const struct opproto_unit_view *);
/*
 * LOG <iso> <what> [by=<user>] [key=value ...] ["text"]: one audit row of an
 * alarm. The action is named as operators read it (raise: raised, claim:
 * claimed, ...; others as stored); detail's leading key=value words are
 * kept as such and the rest becomes the quoted text, cut to fit the line
 * (then cut=1 comes before it).
 */
int	opproto_format_log(char *buf, size_t len, int64_t time_ms,
	    const char *user, const char *action, const char *detail);
/* The word LOG shows for an audit action. */
const char	*opproto_log_word(const char *action);
/*
 * OPERATOR <user> role=<r> desk=<uri|-> claimed=<id,id,...|-> [more=<n>]:
 * as many ids as fit; more= counts those left out.
 */
int	opproto_format_operator(char *buf, size_t len, const char *user,
	    const char *role, const char *desk, const int64_t *claimed,
	    size_t count);
/* [* ]HANDOVER by=<user> at=<iso> "text" */
int	opproto_format_handover(char *buf, size_t len, int push,
	    const char *user, int64_t at_ms, const char *text);

/* Formats any other line from a printf format; words are not quoted for you. */
int	opproto_format(char *buf, size_t len, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* The desk (opproto_desk.c). */

#define OPPROTO_DESK_MAX	128	/* bytes of a LOGIN desk= uri */
#define OPPROTO_STEP_MAX	99	/* STEP's n */

/* 1 if s is a sip:, sips: or tel: uri of at most OPPROTO_DESK_MAX bytes. */
int	opproto_desk_ok(const char *s);

/* A plan step's state for PLAN; by NULL when not ticked. */
struct opproto_step_view {
	int		 n;		/* 1-based */
	const char	*text;
	const char	*by;
	int64_t		 at_ms;
	const char	*note;		/* or NULL */
};

/*
 * PLAN's lines, each with its '\n', or -1 if it does not fit. push 0
 * gives the reply's form, an alarm id the push sent after a CLAIM:
 * PLAN <plan-id> site=<site> steps=<n> contacts=<n> [night=1]
 * STEP <n> "text" [by=<user> at=<iso> [note="..."]]
 * CONTACT name="..." phone="..."
 * * PLAN <alarm-id> <plan-id> ..., * STEP <alarm-id> <n> ...,
 * * CONTACT <alarm-id> ...
 * A step's note that would take the line past LINE_MAX_BYTES is cut.
 */
int	opproto_format_plan(char *buf, size_t len, int64_t push,
	    const char *plan_id, const char *site_id, size_t steps,
	    size_t contacts, int night);
int	opproto_format_step(char *buf, size_t len, int64_t push,
	    const struct opproto_step_view *);
int	opproto_format_contact(char *buf, size_t len, int64_t push,
	    const char *name, const char *phone);

#endif
