/* Shared by the stack's files only. */
#ifndef REFUGE_STACK_INTERNAL_H
#define REFUGE_STACK_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "refuge/alarm.h"
#include "refuge/change.h"
#include "refuge/stack.h"

struct alarmq;
struct unit_record;

#define STACK_ESCALATION_TICK_MS	1000
#define STACK_ORPHANS_PER_TICK		8
#define STACK_ESCALATIONS_LOGGED	10

enum stack_change_kind {
	STACK_RAISED,
	STACK_REPEATED,
	STACK_RESTORED,
	STACK_TESTSIGNAL,
	STACK_STORED		/* an unstored alarm written in this batch */
};

/* One thing a batch did: undone on abort, published on commit. */
struct stack_change {
	enum stack_change_kind	 kind;
	struct alarm		*alarm;
	struct unit_record	*record;
	enum evtype		 type;
	int			 old_value;
};

/* What operators did to an alarm shown before its commit, written with it. */
struct stack_pending {
	int64_t	 alarm_id;
	int64_t	 time_ms;
	char	 user[ALARM_USER_MAX + 1];
	char	 action[24];	/* claim, release, release-on-disconnect, note */
	char	*text;		/* the note, or NULL */
};

#define STACK_PENDING_MAX	4096

struct stack {
	struct event_base		*base;
	struct store			*store;
	struct units			*units;
	struct feed			*feed;
	const struct refuge_config	*config;
	const struct registry		*registry;
	stack_presence_fn		*present;
	void				*present_arg;
	stack_operators_fn		*operators;	/* NULL: assume some */
	void				*operators_arg;
	int64_t				 started_mono_ms;
	struct alarmq			*queue;
	struct event			*escalation;
	uint64_t			 next_seq;
	int64_t				 next_alarm_id;	/* the receiver allocates ids */
	struct stack_pending		*pending;
	size_t				 pending_count;
	struct stack_change		*changes;
	size_t				 change_count;
	size_t				 change_capacity;
	struct alarm			**sorted;
	size_t				 sorted_capacity;
};

/* stack_queue.c */
int		 stack_unit_add(struct unit_record *, struct alarm *);
/* The unit's newest open alarm of a type, or NULL. */
struct alarm	*stack_unit_newest(struct unit_record *, enum evtype);
/* A new alarm of the unit's, with its final id, not yet in the stack. */
struct alarm	*stack_alarm_new(struct stack *, struct unit_record *,
		    enum evtype, int64_t received_ms);
/* Puts an alarm in the queue and its unit's list; frees it on failure. */
int		 stack_insert(struct stack *, struct unit_record *,
		    struct alarm *);
/* Takes the alarm out of the queue and its unit's list, and frees it. */
void		 stack_delete(struct stack *, struct alarm *);
/* Sets an ALARM change's location from the unit's registry entry. */
void		 stack_locate(struct stack *, struct change *);
/* Publishes a change of the alarm (kind, user) to the feed. */
void		 stack_publish(struct stack *, enum change_kind,
		    const struct alarm *, const char *user);

/* stack_actions.c: logs, rolls back and answers ALARM_ERR_STORE. */
enum alarm_status	stack_store_failed(struct stack *);
/* Who closes an alarm on its restore (alarms.auto_resolve_restored). */
#define STACK_RECEIVER_USER	"receiver"
/* After a commit: the restored alarms of ids that alarms.auto_resolve_restored closes. */
void		 stack_auto_resolve(struct stack *, const int64_t *ids,
		    size_t n);

/* stack_held.c: alarms shown before their commit. */
/* Inside ingest's transaction: writes the held alarm and what was done to it. */
int		 stack_held_store(struct stack *, struct alarm *,
		    int64_t event_row_id);
/* An operator's claim change or note on a held alarm, kept for its commit. */
enum alarm_status	stack_held_action(struct stack *, struct alarm *,
			    const struct alarm *copy, const char *user,
			    const char *action, const char *text);
/* The alarm was stored: drop what was kept for it. */
void		 stack_held_done(struct stack *, int64_t alarm_id);
void		 stack_held_free(struct stack *);

/* stack_timers.c */
/* Arms (or disarms) the end of the unit's test window. */
void		 stack_test_arm(struct stack *, struct unit_record *,
		    int64_t now_ms);
void		 stack_escalation_tick(evutil_socket_t, short, void *);
/* A batch raised alarms: escalate at once if no operator is there to see them. */
void		 stack_escalation_raised(struct stack *);

#endif
