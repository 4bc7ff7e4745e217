/*
 * The scheme's figures over a period, for refugectl report: activations
 * (BUTTON presses) apart from technical alarms, genuine and false with their
 * reasons and actions, per site and per unit (hot spots), per week or month,
 * by hour of day and day of week in local time, and handling times (stats.h)
 * against EN 50518. Local time is the process's TZ (when.h). Pure.
 */
#ifndef REFUGE_REPORT_H
#define REFUGE_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "stats.h"

/* One site's or unit's figures. */
struct report_place {
	char	key[72];
	size_t	activations, genuine, false_alarms, open, technical;
};

/* One week (Monday to Sunday) or month of activations, local time. */
struct report_period {
	int64_t	start_ms;
	size_t	genuine, false_alarms, open;
};

struct report {
	int64_t			 since_ms, until_ms;	/* the period covered */
	size_t			 alarms;		/* every alarm raised */
	size_t			 activations;		/* BUTTON alarms */
	size_t			 genuine, false_alarms, open;	/* of activations */
	size_t			 unanswered;	/* activations never claimed */
	struct stats_counter	 reasons[STATS_MAX_KEYS];	/* false, by reason */
	size_t			 reason_count;
	struct stats_counter	 actions[STATS_MAX_KEYS];	/* genuine, by action */
	size_t			 action_count;
	size_t			 technical, technical_open;	/* other types */
	struct stats_counter	 technical_types[STATS_MAX_KEYS];
	size_t			 technical_type_count;
	struct report_place	*sites;		/* by activations, then id */
	size_t			 site_count;
	struct report_place	*units;		/* by activations, then id */
	size_t			 unit_count;
	int			 monthly;	/* periods are months, else weeks */
	struct report_period	*periods;	/* in time order, gaps included */
	size_t			 period_count;
	size_t			 heat[7][24];	/* activations, Monday 0, local hour */
	struct stats_summary	 handling;	/* every alarm: time to claim, to resolve */
};

/*
 * Computes the figures of count alarms raised in [since_ms, until_ms) (-1:
 * from the first, or until now_ms). Periods are weeks up to 20 weeks, else
 * months, at most 520 of them. Returns 0, or -1 when out of memory.
 */
int	report_compute(const struct stats_alarm *, size_t count,
	    int64_t since_ms, int64_t until_ms, int64_t now_ms, struct report *);
void	report_free(struct report *);
/* A token shown with spaces for its dashes: "child-playing" -> "child playing". */
void	report_words(const char *token, char *buf, size_t len);

#endif
