/*
 * A unit link: one path by which a unit reaches the receiver. Every kind
 * (our TLS line protocol in unit.c; SIA DC-09 next) fills in this table
 * and embeds struct link as the first member of its own session, so the
 * rest of the daemon acknowledges, refuses, commands and closes a link
 * without naming its kind. A link is attached to its unit only once the
 * unit is known (after HELLO, or a DC-09 account's first frame).
 */
#ifndef REFUGE_LINK_H
#define REFUGE_LINK_H

#include <stddef.h>
#include <stdint.h>

struct link;
struct unit_record;
struct uproto_cmd;

struct link_ops {
	const char	*kind;		/* "tls", "dc09": UNITS shows it */
	/* The event is durably stored: tell the unit. */
	void		(*ack)(struct link *, const char *event_id);
	/* The event is refused and will not be stored: tell the unit why. */
	void		(*refuse)(struct link *, const char *event_id,
			    const char *reason);
	/*
	 * Sends a command with its id. 0, or -1 with *reason. NULL for a kind
	 * that takes no commands (a one-way path).
	 */
	int		(*command)(struct link *, const char *cmd_id,
			    const struct uproto_cmd *, const char **reason);
	/* Ends the link from our side; the kind logs why and frees it later. */
	void		(*close)(struct link *, const char *reason);
	/* When the unit was last heard on this link (monotonic ms). */
	int64_t		(*last_heard)(const struct link *);
	/* After a reload: closes the link if its credentials no longer hold. */
	void		(*recheck)(struct link *);
	/* "10.0.0.5:41822", for logs. */
	const char	*(*peer)(const struct link *);
};

struct link {
	const struct link_ops	*ops;
	struct unit_record	*unit;	/* NULL until attached */
};

void		 link_ack(struct link *, const char *event_id);
void		 link_refuse(struct link *, const char *event_id,
		    const char *reason);
int		 link_takes_commands(const struct link *);
int		 link_command(struct link *, const char *cmd_id,
		    const struct uproto_cmd *, const char **reason);
void		 link_close(struct link *, const char *reason);
int64_t		 link_last_heard(const struct link *);
void		 link_recheck(struct link *);
const char	*link_peer(const struct link *);
const char	*link_kind(const struct link *);

#endif
