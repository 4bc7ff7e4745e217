/* Unit protocol v1: parse what a Help Point sends, format what the receiver sends. Pure. */
#ifndef REFUGE_UPROTO_H
#define REFUGE_UPROTO_H

#include <stddef.h>
#include <stdint.h>

#include "evtype.h"
#include "line.h"

#define UPROTO_VERSION	1

enum uproto_kind {
	UPROTO_HELLO,
	UPROTO_HB,
	UPROTO_EVENT,
	UPROTO_STATE,
	UPROTO_DONE,
	UPROTO_FAIL
};

/* Pointers in a message point into its own line, so a message is self-contained. */
struct uproto_msg {
	enum uproto_kind	 kind;
	struct line_parsed	 line;
	const char		*unit_id;	/* HELLO */
	int			 version;	/* HELLO */
	const char		*firmware;	/* HELLO fw=, or NULL */
	const char		*counter;	/* HB: 1-20 digits, echoed in HBACK */
	const char		*event_id;	/* EVENT */
	enum evtype		 type;		/* EVENT */
	int64_t			 at_ms;		/* EVENT at=, or -1 */
	const char		*cmd_id;	/* DONE, FAIL */
	const char		*reason;	/* FAIL: the rest of the line, may be "" */
	/* EVENT attributes other than at=, and STATE attributes: key=value tokens. */
	size_t			 attr_first;	/* index into line.tokens */
	size_t			 attr_count;
	char			 reason_buf[LINE_MAX_BYTES + 1];	/* FAIL reason's storage */
};

enum uproto_status {
	UPROTO_OK = 0,
	UPROTO_BAD_LINE = -1,	/* reply "ERR <reason>" */
	UPROTO_BAD_EVENT = -2	/* reply "NAK <event_id> <reason>"; msg->event_id is set */
};

/*
 * Parses one line from a unit. On failure, err holds the reason
 * (lowercase words, no newline) for the ERR or NAK reply. An EVENT's at= may
 * stand anywhere among its attributes; parsing moves its token ahead of them.
 */
enum uproto_status	uproto_parse(struct uproto_msg *, const char *line,
			    size_t len, char *err, size_t errlen);

/*
 * Serialises the message's attributes as "k=v k=v" (quoted where needed), as
 * stored in the database. Returns the length, or -1 if it does not fit.
 */
int	uproto_attrs_format(const struct uproto_msg *, char *buf, size_t buflen);

/*
 * Receiver to unit. Each returns the line length including '\n', or -1 if it
 * does not fit or an argument could not be parsed back (an id that is not
 * line_is_ident, a counter that is not 1-20 digits, an empty reason or one
 * with a control character, a heartbeat under 1, a retry out of range).
 */
/* Retry time a WELCOME may carry, in seconds (retry=). */
#define UPROTO_RETRY_MIN	5
#define UPROTO_RETRY_MAX	120
/* WELCOME alt=: at most this many receivers, host:port, commas between. */
#define UPROTO_ALT_MAX		4
/*
 * WELCOME <heartbeat-seconds> <unix-time> [retry=<seconds>]
 * [alt=<host:port>[,...]]: retry_seconds 0 leaves retry= out, else it must
 * be UPROTO_RETRY_MIN..UPROTO_RETRY_MAX; alt NULL or "" leaves alt= out,
 * else it is 1 to UPROTO_ALT_MAX host:port (uproto_alt_valid).
 */
struct uproto_welcome {
	int		 heartbeat_seconds;
	int64_t		 receiver_unix_time;
	int		 retry_seconds;
	const char	*alt;
};
/* 0 when alt is 1 to UPROTO_ALT_MAX host:port joined by commas, else -1. */
int	uproto_alt_valid(const char *alt);
int	uproto_format_welcome(char *buf, size_t len,
	    const struct uproto_welcome *);
int	uproto_format_denied(char *buf, size_t len, const char *reason);
int	uproto_format_hback(char *buf, size_t len, const char *counter);
int	uproto_format_ack(char *buf, size_t len, const char *event_id);
int	uproto_format_nak(char *buf, size_t len, const char *event_id,
	    const char *reason);
int	uproto_format_err(char *buf, size_t len, const char *reason);

/* Commands the receiver sends a unit ("CMD <cmd-id> ..."). */
enum uproto_cmd_kind {
	UPROTO_CMD_LIGHT,	/* arg: FLASH, ON or OFF */
	UPROTO_CMD_CAMERA,	/* arg: preset number */
	UPROTO_CMD_AUDIO_OPEN,	/* arg: uri */
	UPROTO_CMD_AUDIO_CLOSE,
	UPROTO_CMD_RESET
};

struct uproto_cmd {
	enum uproto_cmd_kind	 kind;
	char			 arg[256];
};

/*
 * Parses the words after "CMD <cmd-id>" as an operator writes them
 * ("LIGHT FLASH", "CAMERA PRESET 2", "AUDIO OPEN sip:x", "AUDIO CLOSE",
 * "RESET"). words[0] is the command name. Returns 0, or -1 with err set.
 * An AUDIO OPEN without a URI is accepted with arg "" (the caller fills it).
 */
int	uproto_cmd_parse(struct uproto_cmd *, const char *const *words,
	    size_t nwords, char *err, size_t errlen);
/* As the other formatters; -1 also for an AUDIO OPEN whose uri is still "". */
int	uproto_format_cmd(char *buf, size_t len, const char *cmd_id,
	    const struct uproto_cmd *);

#endif
