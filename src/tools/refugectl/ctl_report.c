/*
 * report: false activations and handling over a period, from the store's
 * alarm rows through stats_compute, with the per-unit table made here.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refuge/alarm.h"
#include "refuge/config.h"
#include "refuge/stats.h"
#include "refuge/store.h"
#include "refuge/timefmt.h"

#include "ctl.h"

#define CTL_DAY_MS	(24LL * 3600 * 1000)
#define CTL_BAR_MAX	40

struct ctl_report {
	struct stats_alarm	*alarms;	/* strings owned here */
	size_t			 count, cap;
	int			 failed;
};

struct ctl_unit_count {
	const char	*unit;
	size_t		 total, genuine, false_alarms, open;
};

static int
ctl_report_row(const struct stats_alarm *a, void *arg)
{
	struct ctl_report	*r = arg;
	struct stats_alarm	*p, *copy;

	if (r->count == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 256;
		if ((p = reallocarray(r->alarms, r->cap, sizeof(*p))) == NULL)
			goto fail;
		r->alarms = p;
	}
	copy = &r->alarms[r->count];
	*copy = *a;
	copy->site_id = strdup(a->site_id);
	copy->unit_id = strdup(a->unit_id);
	copy->reason = strdup(a->reason != NULL ? a->reason : "");
	r->count++;
	if (copy->site_id == NULL || copy->unit_id == NULL || copy->reason == NULL)
		goto fail;
	return 0;
fail:
	r->failed = 1;
	return -1;
}

static void
ctl_report_free(struct ctl_report *r)
{
	size_t	i;

	for (i = 0; i < r->count; i++) {
		free((void *)(uintptr_t)r->alarms[i].site_id);
		free((void *)(uintptr_t)r->alarms[i].unit_id);
		free((void *)(uintptr_t)r->alarms[i].reason);
	}
	free(r->alarms);
}

static int
ctl_report_by_unit_cmp(const void *a, const void *b)
{
	const struct stats_alarm	*const *x = a, *const *y = b;

	return strcmp((*x)->unit_id, (*y)->unit_id);
}

/* Alarms per unit, in unit id order; *n of them. NULL on memory (n 0: none). */
static struct ctl_unit_count *
ctl_report_units(const struct ctl_report *r, size_t *n)
{
	const struct stats_alarm	**order;
	struct ctl_unit_count		 *out;
	size_t				  i;

	*n = 0;
	if (r->count == 0)
		return NULL;
	if ((order = calloc(r->count, sizeof(*order))) == NULL)
		return NULL;
	if ((out = calloc(r->count, sizeof(*out))) == NULL) {
		free(order);
		return NULL;
	}
	for (i = 0; i < r->count; i++)
		order[i] = &r->alarms[i];
	qsort(order, r->count, sizeof(*order), ctl_report_by_unit_cmp);
	for (i = 0; i < r->count; i++) {
		if (*n == 0 || strcmp(out[*n - 1].unit, order[i]->unit_id) != 0)
			out[(*n)++].unit = order[i]->unit_id;
		out[*n - 1].total++;
		switch (order[i]->outcome) {
		case ALARM_OUTCOME_GENUINE:
			out[*n - 1].genuine++;
			break;
		case ALARM_OUTCOME_FALSE:
			out[*n - 1].false_alarms++;
			break;
		default:
			out[*n - 1].open++;
			break;
		}
	}
	free(order);
	return out;
}

static double
ctl_report_secs(int64_t ms)
{
	return (double)ms / 1000.0;
}

static double
ctl_report_share(size_t part, size_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

/* The EN 50518 targets for time to claim: 80% in 30 s and 98.5% in 60 s. */
static int
ctl_report_met(double share, double target)
{
	return share + 1e-9 >= target;
}

static void
ctl_report_text_counters(const char *title, const struct stats_counter *c, size_t n)
{
	size_t	i;

	printf("%s\n", title);
	if (n == 0)
		printf("  (none)\n");
	for (i = 0; i < n; i++)
		printf("  %-20s %6zu\n", c[i].key, c[i].count);
}

static void
ctl_report_text_times(const char *title, const char *what,
    const struct stats_percentiles *p, int targets)
{
	printf("%s (%zu %s)\n", title, p->count, what);
	if (p->count == 0) {
		printf("  no %s alarms%s\n", what, targets ?
		    ": EN 50518 targets not measured" : "");
		return;
	}
	printf("  median %.1fs  80%% %.1fs  98.5%% %.1fs  max %.1fs\n",
	    ctl_report_secs(p->p50_ms), ctl_report_secs(p->p80_ms), ctl_report_secs(p->p985_ms),
	    ctl_report_secs(p->max_ms));
	if (!targets)
		return;
	if (p->waiting > 0)
		printf("  never claimed and waiting over 60 s: %zu (counted with "
		    "their wait so far)\n", p->waiting);
	printf("  EN 50518 80%% within 30 s: %.1f%% within, %s\n",
	    100.0 * p->within_30s, ctl_report_met(p->within_30s, 0.80) ? "met" :
	    "NOT met");
	printf("  EN 50518 98.5%% within 60 s: %.1f%% within, %s\n",
	    100.0 * p->within_60s, ctl_report_met(p->within_60s, 0.985) ? "met" :
	    "NOT met");
}

static void
ctl_report_text(const char *since, const char *until,
    const struct stats_summary *s, const struct ctl_unit_count *units,
    size_t nunits)
{
	size_t	i, resolved = s->genuine + s->false_alarms, top = 0;
	int	bar;

	printf("refuge report: alarms raised from %s until %s\n\n", since, until);
	printf("alarms %14zu\n", s->total);
	printf("  genuine %11zu  %5.1f%% of resolved\n", s->genuine,
	    ctl_report_share(s->genuine, resolved));
	printf("  false %13zu  %5.1f%% of resolved\n", s->false_alarms,
	    ctl_report_share(s->false_alarms, resolved));
	printf("  open %14zu\n\n", s->open);
	ctl_report_text_counters("false by reason", s->reasons, s->reason_count);
	ctl_report_text_counters("genuine by action", s->actions, s->action_count);
	printf("\n");
	ctl_report_text_counters("by site", s->sites, s->site_count);
	printf("\n%-22s %6s %8s %6s %6s\n", "by unit", "alarms", "genuine",
	    "false", "open");
	if (nunits == 0)
		printf("  (none)\n");
	for (i = 0; i < nunits; i++)
		printf("  %-20s %6zu %8zu %6zu %6zu\n", units[i].unit,
		    units[i].total, units[i].genuine, units[i].false_alarms,
		    units[i].open);
	printf("\nby hour of day (UTC)\n");
	for (i = 0; i < 24; i++)
		if (s->by_hour[i] > top)
			top = s->by_hour[i];
	for (i = 0; i < 24; i++) {
		bar = top ? (int)((s->by_hour[i] * CTL_BAR_MAX + top - 1) / top) : 0;
		printf("  %02zu %6zu %.*s\n", i, s->by_hour[i], bar,
		    "########################################");
	}
	printf("\n");
	ctl_report_text_times("time to claim", "claimed", &s->to_claim, 1);
	ctl_report_text_times("time to resolve", "resolved", &s->to_resolve, 0);
}

/* A CSV field, quoted when it must be. */
static void
ctl_report_csv_field(const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, stdout);
		return;
	}
	putchar('"');
	for (; *s != '\0'; s++) {
		if (*s == '"')
			putchar('"');
		putchar(*s);
	}
	putchar('"');
}

static void
ctl_report_csv_line(const char *section, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
ctl_report_csv_line(const char *section, const char *key, const char *fmt, ...)
{
	va_list	ap;

	ctl_report_csv_field(section);
	putchar(',');
	ctl_report_csv_field(key);
	putchar(',');
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static void
ctl_report_csv_times(const char *section, const struct stats_percentiles *p)
{
	ctl_report_csv_line(section, "count", "%zu", p->count);
	ctl_report_csv_line(section, "p50_ms", "%lld", (long long)p->p50_ms);
	ctl_report_csv_line(section, "p80_ms", "%lld", (long long)p->p80_ms);
	ctl_report_csv_line(section, "p98.5_ms", "%lld", (long long)p->p985_ms);
	ctl_report_csv_line(section, "max_ms", "%lld", (long long)p->max_ms);
	ctl_report_csv_line(section, "within_30s", "%.4f", p->within_30s);
	ctl_report_csv_line(section, "within_60s", "%.4f", p->within_60s);
}

static void
ctl_report_csv(const char *since, const char *until,
    const struct stats_summary *s, const struct ctl_unit_count *units,
    size_t nunits)
{
	size_t	i;
	char	hour[4];

	printf("section,key,value\n");
	ctl_report_csv_line("period", "since", "%s", since);
	ctl_report_csv_line("period", "until", "%s", until);
	ctl_report_csv_line("total", "alarms", "%zu", s->total);
	ctl_report_csv_line("total", "genuine", "%zu", s->genuine);
	ctl_report_csv_line("total", "false", "%zu", s->false_alarms);
	ctl_report_csv_line("total", "open", "%zu", s->open);
	for (i = 0; i < s->reason_count; i++)
		ctl_report_csv_line("false_reason", s->reasons[i].key, "%zu",
		    s->reasons[i].count);
	for (i = 0; i < s->action_count; i++)
		ctl_report_csv_line("genuine_action", s->actions[i].key, "%zu",
		    s->actions[i].count);
	for (i = 0; i < s->site_count; i++)
		ctl_report_csv_line("site", s->sites[i].key, "%zu", s->sites[i].count);
	for (i = 0; i < nunits; i++) {
		ctl_report_csv_line("unit_alarms", units[i].unit, "%zu", units[i].total);
		ctl_report_csv_line("unit_genuine", units[i].unit, "%zu", units[i].genuine);
		ctl_report_csv_line("unit_false", units[i].unit, "%zu",
		    units[i].false_alarms);
		ctl_report_csv_line("unit_open", units[i].unit, "%zu", units[i].open);
	}
	for (i = 0; i < 24; i++) {
		snprintf(hour, sizeof(hour), "%02zu", i);
		ctl_report_csv_line("hour", hour, "%zu", s->by_hour[i]);
	}
	ctl_report_csv_times("to_claim", &s->to_claim);
	ctl_report_csv_times("to_resolve", &s->to_resolve);
	ctl_report_csv_line("target", "claim_80pct_within_30s", "%s",
	    s->to_claim.count == 0 ? "not measured" :
	    ctl_report_met(s->to_claim.within_30s, 0.80) ? "met" : "NOT met");
	ctl_report_csv_line("target", "claim_98.5pct_within_60s", "%s",
	    s->to_claim.count == 0 ? "not measured" :
	    ctl_report_met(s->to_claim.within_60s, 0.985) ? "met" : "NOT met");
}

/* An ISO date or date-time; a date alone as until means the end of that day. */
static int
ctl_report_parse_when(const char *text, int until, int64_t *ms)
{
	if (timefmt_parse_iso8601(text, ms) == -1)
		return -1;
	if (until && strlen(text) == 10)
		*ms += CTL_DAY_MS;
	return 0;
}

int
ctl_cmd_report(struct ctl *ctl, int argc, char *argv[])
{
	struct refuge_config	*config = NULL;
	struct store		*store = NULL;
	struct ctl_report	 r = { NULL, 0, 0, 0 };
	struct stats_summary	*s = NULL;
	struct ctl_unit_count	*units = NULL;
	const char		*pos[1], *since_opt = NULL, *until_opt = NULL;
	const char		*format = NULL;
	const struct ctl_opt	 opts[] = {
		{ "since", 1, &since_opt },
		{ "until", 1, &until_opt },
		{ "format", 1, &format },
		{ NULL, 0, NULL }
	};
	char			 since[TIMEFMT_ISO_LEN] = "the start";
	char			 until[TIMEFMT_ISO_LEN] = "now";
	int64_t			 since_ms = -1, until_ms = -1;
	size_t			 nunits = 0;
	int			 npos, csv = 0, rc = CTL_FAIL;

	if (ctl_args("report", argc, argv, opts, pos, 0, &npos) == -1)
		return CTL_USAGE;
	if (format != NULL && strcmp(format, "csv") == 0)
		csv = 1;
	else if (format != NULL && strcmp(format, "text") != 0)
		return ctl_usage_error("report", "--format is text or csv, not "
		    "'%s'", format);
	if (since_opt != NULL && ctl_report_parse_when(since_opt, 0, &since_ms) == -1)
		return ctl_usage_error("report", "--since wants a date "
		    "(YYYY-MM-DD) or date-time (YYYY-MM-DDTHH:MM:SSZ), not '%s'",
		    since_opt);
	if (until_opt != NULL && ctl_report_parse_when(until_opt, 1, &until_ms) == -1)
		return ctl_usage_error("report", "--until wants a date "
		    "(YYYY-MM-DD) or date-time (YYYY-MM-DDTHH:MM:SSZ), not '%s'",
		    until_opt);
	if (since_ms >= 0 && until_ms >= 0 && until_ms <= since_ms)
		return ctl_usage_error("report", "--until must come after "
		    "--since");
	if (since_ms >= 0)
		timefmt_iso8601(since_ms, since);
	if (until_ms >= 0)
		timefmt_iso8601(until_ms, until);
	if ((store = ctl_store(ctl, &config)) == NULL)
		goto done;
	if (store_stats_each(store, since_ms, until_ms, ctl_report_row, &r) ==
	    -1) {
		ctl_warnx("reading alarms: %s", r.failed ? "out of memory" :
		    store_error(store));
		goto done;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    stats_compute(r.alarms, r.count, s) == -1 ||
	    ((units = ctl_report_units(&r, &nunits)) == NULL && r.count > 0)) {
		ctl_warnx("out of memory");
		goto done;
	}
	if (csv)
		ctl_report_csv(since_ms >= 0 ? since : "", until_ms >= 0 ? until :
		    "", s, units, nunits);
	else
		ctl_report_text(since, until, s, units, nunits);
	rc = CTL_OK;
done:
	free(units);
	free(s);
	ctl_report_free(&r);
	store_close(store);
	config_free(config);
	return rc;
}
