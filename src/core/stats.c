/* Handling figures over a set of alarms. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refuge/stats.h"

#define STATS_HOUR_MS	(3600LL * 1000)
#define STATS_TARGET_30S_MS	30000	/* EN 50518: 80% answered within */
#define STATS_TARGET_60S_MS	60000	/* EN 50518: 98.5% answered within */
#define STATS_OTHER	"(other)"
#define STATS_NONE	"(none)"

/*
 * Counts key in the table. Once STATS_MAX_KEYS distinct keys are there,
 * the last one is folded into "(other)", which then takes every new key.
 */
static void
stats_count(struct stats_counter *c, size_t *n, const char *key)
{
	char	k[sizeof(c->key)];
	size_t	i;

	snprintf(k, sizeof(k), "%s", key == NULL || key[0] == '\0' ?
	    STATS_NONE : key);
	for (i = 0; i < *n; i++) {
		if (strcmp(c[i].key, k) == 0) {
			c[i].count++;
			return;
		}
	}
	if (*n < STATS_MAX_KEYS) {
		memcpy(c[*n].key, k, sizeof(k));
		c[(*n)++].count = 1;
		return;
	}
	i = STATS_MAX_KEYS - 1;
	if (strcmp(c[i].key, STATS_OTHER) != 0)
		snprintf(c[i].key, sizeof(c[i].key), "%s", STATS_OTHER);
	c[i].count++;
}

static int
stats_counter_cmp(const void *a, const void *b)
{
	const struct stats_counter	*x = a, *y = b;
	int				 xo, yo;

	xo = strcmp(x->key, STATS_OTHER) == 0;
	yo = strcmp(y->key, STATS_OTHER) == 0;
	if (xo != yo)
		return xo - yo;
	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->key, y->key);
}

static int
stats_int64_cmp(const void *a, const void *b)
{
	const int64_t	*x = a, *y = b;

	return *x < *y ? -1 : *x > *y;
}

int64_t
stats_percentile(const int64_t *sorted, size_t count, double p)
{
	double	x;
	size_t	r;

	if (count == 0)
		return 0;
	/* rank = ceil(p / 100 * count), p * count first: exact for 98.5. */
	x = p * (double)count / 100.0;
	if (!(x > 1))
		r = 1;
	else if (x >= (double)count)
		r = count;
	else {
		r = (size_t)x;
		if ((double)r < x)
			r++;
	}
	return sorted[r - 1];
}

static void
stats_fill(struct stats_percentiles *sp, int64_t *v, size_t n)
{
	size_t	i, w30 = 0, w60 = 0;

	memset(sp, 0, sizeof(*sp));
	sp->count = n;
	if (n == 0)
		return;
	qsort(v, n, sizeof(*v), stats_int64_cmp);
	sp->p50_ms = stats_percentile(v, n, 50);
	sp->p80_ms = stats_percentile(v, n, 80);
	sp->p985_ms = stats_percentile(v, n, 98.5);
	sp->max_ms = v[n - 1];
	for (i = 0; i < n; i++) {
		w30 += v[i] <= STATS_TARGET_30S_MS;
		w60 += v[i] <= STATS_TARGET_60S_MS;
	}
	sp->within_30s = (double)w30 / (double)n;
	sp->within_60s = (double)w60 / (double)n;
}

/* A span, never negative: clocks that stepped back count as zero. */
static int64_t
stats_span(int64_t from, int64_t to)
{
	return to > from ? to - from : 0;
}

int
stats_compute(const struct stats_alarm *alarms, size_t count,
    struct stats_summary *s)
{
	const struct stats_alarm	*a;
	int64_t				*claim = NULL, *resolve = NULL, h;
	size_t				 i, nc = 0, nr = 0, waiting = 0;

	memset(s, 0, sizeof(*s));
	if (count > 0) {
		claim = calloc(count, sizeof(*claim));
		resolve = calloc(count, sizeof(*resolve));
		if (claim == NULL || resolve == NULL) {
			free(claim);
			free(resolve);
			return -1;
		}
	}
	for (i = 0; i < count; i++) {
		a = &alarms[i];
		s->total++;
		switch (a->outcome) {
		case ALARM_OUTCOME_FALSE:
			s->false_alarms++;
			stats_count(s->reasons, &s->reason_count, a->reason);
			break;
		case ALARM_OUTCOME_GENUINE:
			s->genuine++;
			stats_count(s->actions, &s->action_count, a->reason);
			break;
		case ALARM_OUTCOME_TECHNICAL:
			s->technical++;
			stats_count(s->technical_actions,
			    &s->technical_action_count, a->reason);
			break;
		default:
			s->open++;
			break;
		}
		if (alarm_is_activation(a->type) && (a->outcome ==
		    ALARM_OUTCOME_GENUINE || a->outcome == ALARM_OUTCOME_FALSE)) {
			s->activations_resolved++;
			s->activations_genuine += a->outcome ==
			    ALARM_OUTCOME_GENUINE;
		}
		stats_count(s->sites, &s->site_count, a->site_id);
		h = (a->raised_ms / STATS_HOUR_MS) % 24;
		if (a->raised_ms < 0 && a->raised_ms % STATS_HOUR_MS != 0)
			h--;
		s->by_hour[(h + 24) % 24]++;
		if (a->first_claimed_ms >= 0)
			claim[nc++] = stats_span(a->raised_ms,
			    a->first_claimed_ms);
		else if (a->resolved_ms >= 0)
			claim[nc++] = stats_span(a->raised_ms, a->resolved_ms);
		else if (a->as_of_ms > 0 &&
		    a->as_of_ms - a->raised_ms > STATS_TARGET_60S_MS) {
			claim[nc++] = stats_span(a->raised_ms, a->as_of_ms);
			waiting++;
		}
		if (a->outcome != ALARM_OUTCOME_NONE && a->resolved_ms >= 0)
			resolve[nr++] = stats_span(a->raised_ms,
			    a->resolved_ms);
	}
	stats_fill(&s->to_claim, claim, nc);
	s->to_claim.waiting = waiting;
	stats_fill(&s->to_resolve, resolve, nr);
	qsort(s->reasons, s->reason_count, sizeof(s->reasons[0]),
	    stats_counter_cmp);
	qsort(s->actions, s->action_count, sizeof(s->actions[0]),
	    stats_counter_cmp);
	qsort(s->technical_actions, s->technical_action_count,
	    sizeof(s->technical_actions[0]), stats_counter_cmp);
	qsort(s->sites, s->site_count, sizeof(s->sites[0]), stats_counter_cmp);
	free(claim);
	free(resolve);
	return 0;
}

double
stats_genuine_share(const struct stats_summary *s)
{
	if (s->activations_resolved == 0)
		return 0.0;
	return (double)s->activations_genuine / (double)s->activations_resolved;
}

static char *
stats_dup(const char *s)
{
	return strdup(s != NULL ? s : "");
}

int
stats_alarm_copy(struct stats_alarm *dst, const struct stats_alarm *src)
{
	*dst = *src;
	dst->site_id = stats_dup(src->site_id);
	dst->unit_id = stats_dup(src->unit_id);
	dst->reason = stats_dup(src->reason);
	dst->operator = stats_dup(src->operator);
	dst->note = stats_dup(src->note);
	if (dst->site_id == NULL || dst->unit_id == NULL ||
	    dst->reason == NULL || dst->operator == NULL || dst->note == NULL) {
		stats_alarm_clear(dst);
		return -1;
	}
	return 0;
}

void
stats_alarm_clear(struct stats_alarm *a)
{
	/* The copy's strings are its own: the const is the store's promise. */
	free((void *)(uintptr_t)a->site_id);
	free((void *)(uintptr_t)a->unit_id);
	free((void *)(uintptr_t)a->reason);
	free((void *)(uintptr_t)a->operator);
	free((void *)(uintptr_t)a->note);
	a->site_id = a->unit_id = a->reason = a->operator = a->note = NULL;
}
