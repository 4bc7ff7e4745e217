/*
 * The scheme's figures. A Help Point is judged by its presses: over 99% are
 * false, so the genuine share is over resolved BUTTON alarms only; a unit
 * that goes offline or loses mains is counted apart, as technical.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "refuge/report.h"

#define REPORT_MAX_PERIODS	520
#define REPORT_WEEKS_MAX	20
#define REPORT_DAY_MS		(24LL * 3600 * 1000)

static void
report_count(struct stats_counter *c, size_t *n, const char *key)
{
	char	k[sizeof(c->key)];
	size_t	i;

	snprintf(k, sizeof(k), "%s", key == NULL || key[0] == '\0' ?
	    "(none)" : key);
	for (i = 0; i < *n; i++)
		if (strcmp(c[i].key, k) == 0) {
			c[i].count++;
			return;
		}
	if (*n == STATS_MAX_KEYS) {
		i = STATS_MAX_KEYS - 1;
		snprintf(c[i].key, sizeof(c[i].key), "(other)");
		c[i].count++;
		return;
	}
	memcpy(c[*n].key, k, sizeof(k));
	c[(*n)++].count = 1;
}

static int
report_counter_cmp(const void *a, const void *b)
{
	const struct stats_counter	*x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->key, y->key);
}

static int
report_place_cmp(const void *a, const void *b)
{
	const struct report_place	*x = a, *y = b;

	if (x->activations != y->activations)
		return x->activations > y->activations ? -1 : 1;
	if (x->technical != y->technical)
		return x->technical > y->technical ? -1 : 1;
	return strcmp(x->key, y->key);
}

/* The place called key in *places (grown as needed), or NULL (memory). */
static struct report_place *
report_place(struct report_place **places, size_t *n, size_t *cap,
    const char *key)
{
	struct report_place	*p;
	size_t			 i;

	for (i = 0; i < *n; i++)
		if (strcmp((*places)[i].key, key) == 0)
			return &(*places)[i];
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 32;
		if ((p = reallocarray(*places, *cap, sizeof(*p))) == NULL)
			return NULL;
		*places = p;
	}
	p = &(*places)[(*n)++];
	memset(p, 0, sizeof(*p));
	snprintf(p->key, sizeof(p->key), "%s", key);
	return p;
}

static void
report_place_add(struct report_place *p, const struct stats_alarm *a)
{
	if (a->type != EVTYPE_BUTTON) {
		p->technical++;
		return;
	}
	p->activations++;
	if (a->outcome == ALARM_OUTCOME_GENUINE)
		p->genuine++;
	else if (a->outcome == ALARM_OUTCOME_FALSE)
		p->false_alarms++;
	else if (a->resolved_ms < 0)
		p->open++;
}

/* The start of the local week (Monday) or month holding ms, or of the next. */
static int64_t
report_period_start(int64_t ms, int monthly, int next)
{
	struct tm	tm;
	time_t		t = (time_t)(ms / 1000);

	if (localtime_r(&t, &tm) == NULL)
		return ms;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	if (monthly) {
		tm.tm_mday = 1;
		tm.tm_mon += next;
	} else
		tm.tm_mday -= (tm.tm_wday + 6) % 7 - 7 * next;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm) * 1000;
}

static int
report_periods(struct report *r)
{
	int64_t	start, end = r->until_ms;
	size_t	n = 0;

	r->monthly = end - r->since_ms > REPORT_WEEKS_MAX * 7 * REPORT_DAY_MS;
	start = report_period_start(r->since_ms, r->monthly, 0);
	while (start < end && n < REPORT_MAX_PERIODS) {
		n++;
		start = report_period_start(start, r->monthly, 1);
	}
	if (n == 0)
		return 0;
	if ((r->periods = calloc(n, sizeof(*r->periods))) == NULL)
		return -1;
	start = report_period_start(r->since_ms, r->monthly, 0);
	for (r->period_count = 0; r->period_count < n; r->period_count++) {
		r->periods[r->period_count].start_ms = start;
		start = report_period_start(start, r->monthly, 1);
	}
	return 0;
}

static void
report_activation(struct report *r, const struct stats_alarm *a)
{
	struct tm	tm;
	time_t		t = (time_t)(a->raised_ms / 1000);
	size_t		i;

	r->activations++;
	if (a->first_claimed_ms < 0)
		r->unanswered++;
	if (a->outcome == ALARM_OUTCOME_GENUINE) {
		r->genuine++;
		report_count(r->actions, &r->action_count, a->reason);
	} else if (a->outcome == ALARM_OUTCOME_FALSE) {
		r->false_alarms++;
		report_count(r->reasons, &r->reason_count, a->reason);
	} else if (a->resolved_ms < 0)
		r->open++;
	if (localtime_r(&t, &tm) != NULL)
		r->heat[(tm.tm_wday + 6) % 7][tm.tm_hour]++;
	for (i = r->period_count; i > 0; i--)
		if (r->periods[i - 1].start_ms <= a->raised_ms)
			break;
	if (i == 0)
		return;
	if (a->outcome == ALARM_OUTCOME_GENUINE)
		r->periods[i - 1].genuine++;
	else if (a->outcome == ALARM_OUTCOME_FALSE)
		r->periods[i - 1].false_alarms++;
	else
		r->periods[i - 1].open++;
}

int
report_compute(const struct stats_alarm *alarms, size_t count,
    int64_t since_ms, int64_t until_ms, int64_t now_ms, struct report *r)
{
	struct report_place	*p;
	size_t			 i, site_cap = 0, unit_cap = 0;

	memset(r, 0, sizeof(*r));
	r->since_ms = since_ms;
	r->until_ms = until_ms >= 0 ? until_ms : now_ms;
	if (since_ms < 0)
		r->since_ms = count > 0 ? alarms[0].raised_ms : r->until_ms;
	for (i = 0; i < count && since_ms < 0; i++)
		if (alarms[i].raised_ms < r->since_ms)
			r->since_ms = alarms[i].raised_ms;
	if (report_periods(r) == -1 ||
	    stats_compute(alarms, count, &r->handling) == -1)
		goto fail;
	for (i = 0; i < count; i++) {
		const struct stats_alarm	*a = &alarms[i];

		r->alarms++;
		if (a->type == EVTYPE_BUTTON)
			report_activation(r, a);
		else {
			r->technical++;
			if (a->resolved_ms < 0)
				r->technical_open++;
			report_count(r->technical_types,
			    &r->technical_type_count, evtype_name(a->type));
		}
		if ((p = report_place(&r->sites, &r->site_count, &site_cap,
		    a->site_id)) == NULL)
			goto fail;
		report_place_add(p, a);
		if ((p = report_place(&r->units, &r->unit_count, &unit_cap,
		    a->unit_id)) == NULL)
			goto fail;
		report_place_add(p, a);
	}
	qsort(r->reasons, r->reason_count, sizeof(*r->reasons),
	    report_counter_cmp);
	qsort(r->actions, r->action_count, sizeof(*r->actions),
	    report_counter_cmp);
	qsort(r->technical_types, r->technical_type_count,
	    sizeof(*r->technical_types), report_counter_cmp);
	if (r->site_count > 0)
		qsort(r->sites, r->site_count, sizeof(*r->sites),
		    report_place_cmp);
	if (r->unit_count > 0)
		qsort(r->units, r->unit_count, sizeof(*r->units),
		    report_place_cmp);
	return 0;
fail:
	report_free(r);
	return -1;
}

void
report_free(struct report *r)
{
	free(r->sites);
	free(r->units);
	free(r->periods);
	r->sites = r->units = NULL;
	r->periods = NULL;
	r->site_count = r->unit_count = r->period_count = 0;
}

void
report_words(const char *token, char *buf, size_t len)
{
	size_t	i;

	snprintf(buf, len, "%s", token);
	for (i = 0; buf[i] != '\0'; i++)
		if (buf[i] == '-' || buf[i] == '_')
			buf[i] = ' ';
}
