/*
 * Escalation that goes somewhere: a feed subscriber that runs
 * escalation.command when an alarm reaches the second level (the stack's
 * escalation timer decides the levels and marks the change). Once per
 * alarm, only up to escalation.command_max_priority, and once per flood
 * (flood.h) rather than per alarm; at most ESCALATE_RUNNING at once, each
 * killed after ESCALATE_KILL_MS. The program gets the configured argv with
 * <alarm-id> <unit> <site> <type> <waited-seconds> appended.
 */
#ifndef REFUGE_ESCALATE_H
#define REFUGE_ESCALATE_H

#include <stdint.h>

struct event_base;
struct escalate;
struct feed;
struct flood;
struct refuge_config;

#define ESCALATE_RUNNING	4
#define ESCALATE_KILL_MS	30000

struct escalate_counters {
	uint64_t	commands_run;
	uint64_t	commands_skipped;	/* at the cap, or fork failed */
};

struct escalate	*escalate_new(struct event_base *, struct feed *,
		    struct flood *, const struct refuge_config *);
void		 escalate_reconfigure(struct escalate *,
		    const struct refuge_config *);
void		 escalate_free(struct escalate *);
const struct escalate_counters	*escalate_counters(const struct escalate *);

#endif
