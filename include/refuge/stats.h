/*
 * Handling figures over resolved alarms: counts by outcome and reason,
 * genuine share, time-to-claim and time-to-resolve percentiles against the
 * EN 50518 targets (80% claimed within 30 s, 98.5% within 60 s). Pure.
 */
#ifndef REFUGE_STATS_H
#define REFUGE_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "alarm.h"

struct stats_alarm {
	const char		*site_id;
	const char		*unit_id;
	enum evtype		 type;
	enum alarm_outcome	 outcome;	/* NONE while open */
	const char		*reason;	/* false: the reason; genuine, technical: the action */
	int64_t			 raised_ms;
	int64_t			 first_claimed_ms;	/* -1: never */
	int64_t			 resolved_ms;		/* -1: open */
	/*
	 * When the figures are taken (0: unknown). An alarm never claimed
	 * counts as answered when resolved (a supervisor closing it), and one
	 * still waiting after 60 s counts with its wait so far: leaving the
	 * unanswered out would flatter the EN 50518 figures.
	 */
	int64_t			 as_of_ms;
	int64_t			 id;		/* the alarm's id */
	const char		*operator;	/* who resolved it, else claimed it; "" none */
	const char		*note;		/* the resolution's note; "" none */
};

struct stats_percentiles {
	size_t	count;
	size_t	waiting;	/* to_claim: never claimed, still waiting past 60 s */
	int64_t	p50_ms, p80_ms, p985_ms, max_ms;
	double	within_30s;	/* share 0..1 */
	double	within_60s;
};

#define STATS_MAX_KEYS	64

struct stats_counter {
	char	key[72];	/* a reason, an action, a site or a unit */
	size_t	count;
};

struct stats_summary {
	size_t				total;
	size_t				open;
	size_t				genuine;
	size_t				false_alarms;
	size_t				technical;
	/* The genuine share is over activations (BUTTON) only. */
	size_t				activations_resolved;
	size_t				activations_genuine;
	struct stats_counter		reasons[STATS_MAX_KEYS];	/* false, by reason */
	size_t				reason_count;
	struct stats_counter		actions[STATS_MAX_KEYS];	/* genuine, by action */
	size_t				action_count;
	struct stats_counter		technical_actions[STATS_MAX_KEYS];
	size_t				technical_action_count;
	struct stats_counter		sites[STATS_MAX_KEYS];
	size_t				site_count;
	size_t				by_hour[24];	/* raised, UTC hour of day */
	struct stats_percentiles	to_claim;
	struct stats_percentiles	to_resolve;
};

/*
 * A copy of src whose strings dst owns (a store hands rows that live only
 * for its callback). Returns 0, or -1 with nothing allocated. The copy is
 * freed by stats_alarm_clear.
 */
int	stats_alarm_copy(struct stats_alarm *dst, const struct stats_alarm *src);
void	stats_alarm_clear(struct stats_alarm *);

/* Computes the summary; may reorder nothing in alarms. Returns 0 or -1 (memory). */
/* The genuine share of resolved activations, 0..1 (0 when none). */
double	stats_genuine_share(const struct stats_summary *);
int	stats_compute(const struct stats_alarm *, size_t count,
	    struct stats_summary *);
/* Nearest-rank percentile of sorted values (p in 0..100). */
int64_t	stats_percentile(const int64_t *sorted, size_t count, double p);

#endif
