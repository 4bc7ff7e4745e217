/*
 * Latency histogram for refuge-sim. Pure. Values below 32 have a bucket
 * each; above, each power of two is split into 32 equal buckets, so a
 * percentile is exact to about 3% and the histogram has a fixed size.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sim_stats.h"

void
sim_stats_init(struct sim_stats *stats)
{
	memset(stats, 0, sizeof(*stats));
}

static int
sim_stats_msb(uint64_t value)
{
	int	msb = 0;

	while (value >>= 1)
		msb++;
	return msb;
}

static size_t
sim_stats_index(uint64_t value)
{
	int	msb;

	if (value < SIM_STATS_SUB)
		return (size_t)value;
	msb = sim_stats_msb(value);
	return (size_t)(msb - SIM_STATS_SUB_BITS + 1) * SIM_STATS_SUB +
	    (size_t)((value >> (msb - SIM_STATS_SUB_BITS)) - SIM_STATS_SUB);
}

/* The largest value that falls in bucket i. */
static uint64_t
sim_stats_upper(size_t i)
{
	size_t		k = i / SIM_STATS_SUB;
	uint64_t	mantissa = i % SIM_STATS_SUB + SIM_STATS_SUB;

	if (k == 0)
		return (uint64_t)i;
	return ((mantissa + 1) << (k - 1)) - 1;
}

void
sim_stats_add(struct sim_stats *stats, uint64_t value)
{
	stats->buckets[sim_stats_index(value)]++;
	stats->count++;
	if (value > stats->max)
		stats->max = value;
}

uint64_t
sim_stats_percentile(const struct sim_stats *stats, double p)
{
	uint64_t	rank, seen = 0, upper;
	double		exact;
	size_t		i;

	if (stats->count == 0)
		return 0;
	if (p <= 0)
		p = 0;
	exact = p / 100.0 * (double)stats->count;
	rank = (uint64_t)exact;
	if ((double)rank < exact)
		rank++;
	if (rank < 1)
		rank = 1;
	if (rank > stats->count)
		rank = stats->count;
	for (i = 0; i < SIM_STATS_BUCKETS; i++) {
		seen += stats->buckets[i];
		if (seen >= rank) {
			upper = sim_stats_upper(i);
			return upper < stats->max ? upper : stats->max;
		}
	}
	return stats->max;
}

int
sim_stats_rate_parse(const char *text, double *per_second)
{
	char	*end;
	double	 value, per = 1;

	if (text == NULL || *text == '\0' || *text == '-' || *text == '+')
		return -1;
	errno = 0;
	value = strtod(text, &end);
	if (end == text || errno != 0 || !isfinite(value) || value < 0)
		return -1;
	if (*end == '/') {
		if (strcmp(end, "/s") == 0)
			per = 1;
		else if (strcmp(end, "/m") == 0 || strcmp(end, "/min") == 0)
			per = 60;
		else if (strcmp(end, "/h") == 0)
			per = 3600;
		else
			return -1;
	} else if (*end != '\0')
		return -1;
	*per_second = value / per;
	return 0;
}

/* Natural logarithm for x > 0, so the tool needs no libm. */
static double
sim_stats_ln(double x)
{
	double	z, z2, term, sum = 0;
	int	e = 0, k;

	while (x < 0.5) {
		x *= 2;
		e--;
	}
	while (x >= 1) {
		x /= 2;
		e++;
	}
	/* ln x = 2 atanh((x - 1) / (x + 1)); |z| <= 1/3 converges quickly. */
	z = (x - 1) / (x + 1);
	z2 = z * z;
	term = z;
	for (k = 1; k < 60; k += 2) {
		sum += term / k;
		term *= z2;
	}
	return 2 * sum + e * 0.69314718055994530942;
}

double
sim_stats_poisson_gap(double rate, double u)
{
	if (rate <= 0)
		return 0;
	if (u < 0 || u >= 1)
		u = 0;
	return -sim_stats_ln(1 - u) / rate;
}
