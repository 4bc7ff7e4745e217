/*
 * Unit protocol v1, the unit's half: formats what a Help Point sends and
 * parses what the receiver sends it. Pure. The receiver's half is uproto.h;
 * what one half formats, the other parses.
 */
#ifndef REFUGE_UPROTO_CLIENT_H
#define REFUGE_UPROTO_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "evtype.h"
#include "line.h"
#include "uproto.h"

/* One key=value of EVENT or STATE; the value is quoted as needed. */
struct uproto_client_attr {
	const char	*key;		/* 1-32 of [a-z0-9_] */
	const char	*value;		/* no control characters */
};

/*
 * Unit to receiver. Each writes one line with its '\n' and returns its
 * length, or -1 (buf then "") if it does not fit or the receiver could not
 * parse it back: an id that is not line_is_ident, a firmware version that is
 * empty or over 64 bytes, a type a unit may not send, an at_ms outside 0 to
 * 16 digits, a bad or repeated attribute key (EVENT's "at" included: at_ms
 * gives it), a value or reason with a control character, a STATE without
 * attributes.
 */
/* HELLO <unit-id> 1 [fw=<version>]; firmware NULL: no fw=. */
int	uproto_client_format_hello(char *buf, size_t len, const char *unit_id,
	    const char *firmware);
/* HB <n> */
int	uproto_client_format_hb(char *buf, size_t len, uint64_t counter);
/* EVENT <event-id> <TYPE> [at=<unix-ms>] [key=value ...]; at_ms -1: no at=. */
int	uproto_client_format_event(char *buf, size_t len, const char *event_id,
	    enum evtype type, int64_t at_ms,
	    const struct uproto_client_attr *attrs, size_t nattrs);
/* STATE key=value ... */
int	uproto_client_format_state(char *buf, size_t len,
	    const struct uproto_client_attr *attrs, size_t nattrs);
/* DONE <cmd-id> */
int	uproto_client_format_done(char *buf, size_t len, const char *cmd_id);
/*
 * FAIL <cmd-id> [reason]; reason NULL or "": none. The reason goes as words
 * when the receiver reads them back as the same text, else as one quoted
 * string.
 */
int	uproto_client_format_fail(char *buf, size_t len, const char *cmd_id,
	    const char *reason);

/* Receiver to unit. */
enum uproto_client_kind {
	UPROTO_CLIENT_WELCOME,	/* WELCOME <heartbeat-seconds> <unix-time> [key=value ...] */
	UPROTO_CLIENT_HBACK,	/* HBACK <n> */
	UPROTO_CLIENT_ACK,	/* ACK <event-id> */
	UPROTO_CLIENT_NAK,	/* NAK <event-id> <reason> */
	UPROTO_CLIENT_DENIED,	/* DENIED <reason> */
	UPROTO_CLIENT_ERR,	/* ERR <reason> */
	UPROTO_CLIENT_CMD,	/* CMD <cmd-id> <command ...> */
	UPROTO_CLIENT_UNKNOWN	/* a keyword this version does not know */
};

/*
 * A receiver's address as units are given it: "host:port" or "[v6]:port",
 * the host of letters, digits, '.', '-' and '_' (or hex digits, ':' and
 * '.' in brackets), the port 1 to 65535.
 */
#define UPROTO_CLIENT_ADDR_MAX	261
#define UPROTO_CLIENT_ALT_MAX	4	/* WELCOME alt= addresses taken */

/* Strings point into the message itself: do not copy it by assignment. */
struct uproto_client_msg {
	enum uproto_client_kind	 kind;
	int			 heartbeat_s;	/* WELCOME, >= 1 */
	int64_t			 receiver_time;	/* WELCOME, unix seconds */
	int			 retry_s;	/* WELCOME retry=, 5-120; 0: none given */
	const char		*counter;	/* HBACK: 1-20 digits */
	const char		*event_id;	/* ACK, NAK */
	const char		*reason;	/* NAK, DENIED, ERR: the rest of the line as sent; may be "" */
	const char		*cmd_id;	/* CMD */
	struct uproto_cmd	 cmd;		/* CMD */
	/* WELCOME alt=: the other receivers of a pair, good ones only */
	size_t			 alt_count;
	char			 alt[UPROTO_CLIENT_ALT_MAX]
				    [UPROTO_CLIENT_ADDR_MAX + 1];
	/* DENIED standby [active=<addr>]: standby 1, and active "" if none */
	int			 standby;
	char			 active[UPROTO_CLIENT_ADDR_MAX + 1];
	struct line_parsed	 line;
	char			 raw[LINE_MAX_BYTES + 1];
};

enum uproto_client_status {
	UPROTO_CLIENT_OK = 0,
	UPROTO_CLIENT_BAD_LINE = -1,	/* err says why; nothing to answer */
	UPROTO_CLIENT_BAD_CMD = -2	/* a command the unit cannot do: answer
					   "FAIL <cmd_id> <err>"; msg->cmd_id is set */
};

/*
 * Parses one line from the receiver (without its LF or CR). Of WELCOME's
 * key=value tokens after the time, retry= is read (a value that is not a
 * number of seconds from UPROTO_RETRY_MIN to UPROTO_RETRY_MAX is passed
 * over, retry_s staying 0) and alt= (comma-separated addresses: bad ones
 * are passed over, and those after the first UPROTO_CLIENT_ALT_MAX); keys
 * not known here are ignored (a later version adds some), and so are those
 * among a command's words. A DENIED whose reason's first word is "standby"
 * sets standby, and active from an active= word of a good address. The
 * reasons are free text, taken as they came. A CMD's words go through
 * uproto_cmd_parse. kind is set from the keyword even when the rest of the
 * line is bad (UNKNOWN for a keyword not known here, which is a bad line
 * too).
 */
enum uproto_client_status	uproto_client_parse(struct uproto_client_msg *,
				    const char *line, size_t len, char *err,
				    size_t errlen);

/*
 * The receivers a client knows, in the order it tries them: those it was
 * given, then those WELCOME's alt= and DENIED standby named. Entries are
 * never removed, so an index stays good; many clients (a simulator's
 * units) may share one list, each with its own position.
 */
#define UPROTO_CLIENT_RX_MAX	8

struct uproto_client_rx {
	char	 addr[UPROTO_CLIENT_RX_MAX][UPROTO_CLIENT_ADDR_MAX + 1];
	size_t	 count;
};

/* A client's place in the list; all zero is the first receiver, a new round. */
struct uproto_client_rx_pos {
	uint8_t	 current;	/* the receiver tried or on now */
	uint8_t	 tries;		/* moves since a WELCOME or back-off */
	uint8_t	 redirected;	/* this try followed a DENIED standby */
};

/* 1 if s is an address as units are given one. */
int	uproto_client_addr_ok(const char *s);
/*
 * Fills the list from "a,b,..." (1 to UPROTO_CLIENT_RX_MAX good addresses,
 * duplicates kept once). Returns 0, or -1 with err saying which is bad.
 */
int	uproto_client_rx_parse(struct uproto_client_rx *, const char *list,
	    char *err, size_t errlen);
/* The index of addr, added if new; -1 if it is bad or the list is full. */
int	uproto_client_rx_add(struct uproto_client_rx *, const char *addr);
/* Welcomed by the current receiver: a new round; alt= joins the list. */
void	uproto_client_rx_welcomed(struct uproto_client_rx *,
	    struct uproto_client_rx_pos *, const struct uproto_client_msg *);
/*
 * The link is lost or refused: moves to the next receiver, round-robin.
 * Returns 1 when every receiver has had its try since the last WELCOME or
 * back-off (back off before trying the next), 0 to try it at once.
 */
int	uproto_client_rx_lost(const struct uproto_client_rx *,
	    struct uproto_client_rx_pos *);
/*
 * Told "standby, the active one is addr": moves there. Returns 0 to go at
 * once, or 1 to back off first: the try being refused was itself such a
 * redirect (at most one in a row, so two standbys naming each other do not
 * make a tight loop), or the moves since the last WELCOME have gone round
 * the list. addr NULL, "" or one that cannot join the list: as
 * uproto_client_rx_lost.
 */
int	uproto_client_rx_standby(struct uproto_client_rx *,
	    struct uproto_client_rx_pos *, const char *addr);

#endif
