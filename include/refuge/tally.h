/*
 * Figures for /metrics drawn from the stack's changes: a feed subscriber
 * counting escalations and timing first claims.
 */
#ifndef REFUGE_TALLY_H
#define REFUGE_TALLY_H

#include <stdint.h>

#include "metrics.h"

struct feed;
struct tally;

struct tally_counters {
	uint64_t			escalations;
	struct metrics_histogram	time_to_claim;	/* raised -> first claim */
};

struct tally			*tally_new(struct feed *);
void				 tally_free(struct tally *);
const struct tally_counters	*tally_counters(const struct tally *);

#endif
