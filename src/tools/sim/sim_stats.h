/* refuge-sim's latency histogram and rate parser. Pure: no I/O, no globals. */
#ifndef REFUGE_SIM_STATS_H
#define REFUGE_SIM_STATS_H

#include <stdint.h>

/* A log-linear histogram: 32 buckets per power of two, about 3% resolution. */
#define SIM_STATS_SUB_BITS	5
#define SIM_STATS_SUB		(1 << SIM_STATS_SUB_BITS)
#define SIM_STATS_BUCKETS	((64 - SIM_STATS_SUB_BITS + 1) * SIM_STATS_SUB)

struct sim_stats {
	uint64_t	count;
	uint64_t	max;
	uint64_t	buckets[SIM_STATS_BUCKETS];
};

void		sim_stats_init(struct sim_stats *);
void		sim_stats_add(struct sim_stats *, uint64_t value);
/* The value at percentile p (0-100), within the bucket resolution; 0 when empty. */
uint64_t	sim_stats_percentile(const struct sim_stats *, double p);
/* Parses "R", "R/s", "R/m" or "R/h" (R a decimal number >= 0) as events per second. */
int		sim_stats_rate_parse(const char *text, double *per_second);

/* A gap between events of a Poisson process of rate r, from u uniform in [0, 1). */
double		sim_stats_poisson_gap(double rate, double u);

#endif
