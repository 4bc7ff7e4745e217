/*
 * What the alarm stack and the receiver did, as typed records. The daemon
 * publishes each after its commit; every audience formats it with its own
 * codec (operators: opproto_format_change). Pure data: pointers borrow from
 * the publisher for the duration of the call.
 */
#ifndef REFUGE_CHANGE_H
#define REFUGE_CHANGE_H

#include <stddef.h>
#include <stdint.h>

#include "alarm.h"
#include "evtype.h"

enum change_kind {
	CHANGE_RAISED,		/* a new alarm (alarm->unstored: not stored yet) */
	CHANGE_STORED,		/* an alarm shown before its commit is stored now */
	CHANGE_REPEATED,	/* another event of the alarm's type attached */
	CHANGE_RESTORED,	/* its restore arrived */
	CHANGE_CLAIMED,
	CHANGE_RELEASED,	/* by the claimer, a supervisor, or a link lost */
	CHANGE_NOTED,
	CHANGE_RESOLVED,
	CHANGE_ESCALATED,
	CHANGE_TESTSIGNAL,	/* an alarm event from a unit on test */
	CHANGE_TESTMODE,	/* a unit's test window opened or closed */
	CHANGE_UNIT_STATE,	/* online, offline */
	CHANGE_COMMAND,		/* a unit command's result */
	CHANGE_RELOADED,
	CHANGE_RECEIVER,	/* the receiver's own state: role, store */
	CHANGE_FLOOD		/* many alarms of one type at once, told as one */
};

/* Who is told of a change; every logged-in operator unless said. */
enum change_audience {
	CHANGE_AUDIENCE_ALL,
	CHANGE_AUDIENCE_SUPERVISORS,	/* supervisors only */
	CHANGE_AUDIENCE_OPERATORS	/* everyone but supervisors */
};

struct change {
	enum change_kind	 kind;
	enum change_audience	 audience;
	/* RAISED ... ESCALATED: the alarm as it is now (RESOLVED: as resolved). */
	const struct alarm	*alarm;
	const char		*unit_id;	/* every kind but COMMAND and RELOADED */
	const char		*unit_name;	/* for ALARM lines; may be NULL */
	int			 located;	/* for ALARM lines: lat, lon set */
	double			 lat, lon;
	const char		*user;		/* CLAIMED RELEASED NOTED RESOLVED */
	const char		*text;		/* NOTED: the note */
	enum evtype		 type;		/* TESTSIGNAL: the event's type */
	int			 first_claim;	/* CLAIMED: the alarm's first */
	int64_t			 until_ms;	/* TESTMODE: window end, 0: off */
	int64_t			 waited_s;	/* ESCALATED */
	int			 level;		/* ESCALATED: 1 consoles, 2 supervisors */
	int			 escalated_first;	/* ESCALATED: the alarm's first push */
	int			 command;	/* ESCALATED: escalation.command is due */
	const char		*state;		/* UNIT_STATE: "online", "offline" */
	const char		*cmd_id;	/* COMMAND */
	const char		*result;	/* COMMAND: done, fail, timeout */
	const char		*reason;	/* COMMAND: FAIL's reason; RECEIVER: why */
	size_t			 units;		/* RELOADED: units registered */
	const char		*role;		/* RECEIVER: "active", "standby" */
	int			 store_failing;	/* RECEIVER */
	const char		*name;		/* RECEIVER: receiver.name, or NULL */
	const char		*active;	/* RECEIVER: the active one's host:port, or NULL */
	size_t			 count;		/* FLOOD: alarms raised in it */
	size_t			 sites;		/* FLOOD: sites they came from */
	int64_t			 since_ms;	/* FLOOD: its first alarm */
	int			 ended;		/* FLOOD: it is over */
};

const char	*change_kind_name(enum change_kind);

#endif
