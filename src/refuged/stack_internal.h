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
	STACK_TESTSIGNAL
};

/* One thing a batch did: undone on abort, published on commit. */
struct stack_change {
	enum stack_change_kind	 kind;
	struct alarm		*alarm;
	struct unit_record	*record;
	enum evtype		 type;
	int			 old_value;
};

struct stack {
	struct event_base		*base;
	struct store			*store;
	struct units			*units;
	struct feed			*feed;
	const struct refuge_config	*config;
	const struct registry		*registry;
	stack_presence_fn		*present;
	void				*present_arg;
	int64_t				 started_mono_ms;
	struct alarmq			*queue;
	struct event			*escalation;
	uint64_t			 next_seq;
	struct stack_change		*changes;
	size_t				 change_count;
	size_t				 change_capacity;
	struct alarm			**sorted;
	size_t				 sorted_capacity;
};

/* stack.c */
int		 stack_unit_add(struct unit_record *, struct alarm *);
/* Takes the alarm out of the queue and its unit's list, and frees it. */
void		 stack_delete(struct stack *, struct alarm *);
/* Publishes a change of the alarm (kind, user) to the feed. */
void		 stack_publish(struct stack *, enum change_kind,
		    const struct alarm *, const char *user);

/* stack_actions.c: logs, rolls back and answers ALARM_ERR_STORE. */
enum alarm_status	stack_store_failed(struct stack *);

/* stack_timers.c */
/* Arms (or disarms) the end of the unit's test window. */
void		 stack_test_arm(struct stack *, struct unit_record *,
		    int64_t now_ms);
void		 stack_escalation_tick(evutil_socket_t, short, void *);

#endif
