/* report as text for people and as CSV for the council's own analysis. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "refuge/evtype.h"
#include "refuge/timefmt.h"

#include "ctl_report.h"

#define CTL_BAR	"########################################"
#define CTL_BAR_MAX	40

static const char *const ctl_days[7] = {
	"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"
};

static void
ctl_text_counters(FILE *out, const char *title, const struct stats_counter *c,
    size_t n)
{
	char	words[80];
	size_t	i;

	fprintf(out, "%s\n", title);
	if (n == 0)
		fprintf(out, "  (none)\n");
	for (i = 0; i < n; i++) {
		report_words(c[i].key, words, sizeof(words));
		fprintf(out, "  %-24s %6zu\n", words, c[i].count);
	}
}

static void
ctl_text_places(FILE *out, const char *title, const struct report_place *p,
    size_t n)
{
	size_t	i;

	fprintf(out, "%-22s %11s %8s %6s %5s %10s\n", title, "activations",
	    "genuine", "false", "open", "technical");
	if (n == 0)
		fprintf(out, "  (none)\n");
	for (i = 0; i < n; i++)
		fprintf(out, "  %-20s %11zu %8zu %6zu %5zu %10zu\n", p[i].key,
		    p[i].activations, p[i].genuine, p[i].false_alarms,
		    p[i].open, p[i].technical);
}

static double
ctl_secs(int64_t ms)
{
	return (double)ms / 1000.0;
}

static void
ctl_text_times(FILE *out, const char *title, const char *what,
    const struct stats_percentiles *p, int targets)
{
	fprintf(out, "%s (%zu %s)\n", title, p->count, what);
	if (p->count == 0) {
		fprintf(out, "  no %s alarms%s\n", what, targets ?
		    ": EN 50518 targets not measured" : "");
		return;
	}
	fprintf(out, "  median %.1fs  80%% %.1fs  98.5%% %.1fs  max %.1fs\n",
	    ctl_secs(p->p50_ms), ctl_secs(p->p80_ms), ctl_secs(p->p985_ms),
	    ctl_secs(p->max_ms));
	if (!targets)
		return;
	if (p->waiting > 0)
		fprintf(out, "  never claimed and waiting over 60 s: %zu "
		    "(counted with their wait so far)\n", p->waiting);
	fprintf(out, "  EN 50518 80%% within 30 s: %.1f%% within, %s\n",
	    100.0 * p->within_30s, ctl_report_met(p, p->within_30s,
	    CTL_TARGET_30S));
	fprintf(out, "  EN 50518 98.5%% within 60 s: %.1f%% within, %s\n",
	    100.0 * p->within_60s, ctl_report_met(p, p->within_60s,
	    CTL_TARGET_60S));
}

static int
ctl_bar(size_t v, size_t top)
{
	return top ? (int)((v * CTL_BAR_MAX + top - 1) / top) : 0;
}

static void
ctl_text_when(FILE *out, const struct report *f)
{
	char	start[WHEN_LOCAL_LEN];
	size_t	i, h, d, top = 0, total;

	fprintf(out, "activations per %s (local time)\n", f->monthly ? "month" :
	    "week, from Monday");
	for (i = 0; i < f->period_count; i++) {
		total = f->periods[i].genuine + f->periods[i].false_alarms +
		    f->periods[i].open;
		if (total > top)
			top = total;
	}
	for (i = 0; i < f->period_count; i++) {
		const struct report_period	*p = &f->periods[i];

		when_local(p->start_ms, start);
		start[f->monthly ? 7 : 10] = '\0';
		total = p->genuine + p->false_alarms + p->open;
		fprintf(out, "  %-10s %5zu  genuine %3zu false %4zu open %3zu "
		    "%.*s\n", start, total, p->genuine, p->false_alarms,
		    p->open, ctl_bar(total, top), CTL_BAR);
	}
	fprintf(out, "\nactivations by hour of day (local time)\n");
	for (top = 0, h = 0; h < 24; h++) {
		for (total = 0, d = 0; d < 7; d++)
			total += f->heat[d][h];
		if (total > top)
			top = total;
	}
	for (h = 0; h < 24; h++) {
		for (total = 0, d = 0; d < 7; d++)
			total += f->heat[d][h];
		fprintf(out, "  %02zu %6zu %.*s\n", h, total, ctl_bar(total,
		    top), CTL_BAR);
	}
	fprintf(out, "\nactivations by day of week (local time)\n");
	for (d = 0; d < 7; d++) {
		for (total = 0, h = 0; h < 24; h++)
			total += f->heat[d][h];
		fprintf(out, "  %s %6zu\n", ctl_days[d], total);
	}
}

void
ctl_report_text(FILE *out, const struct ctl_report *r)
{
	const struct report	*f = &r->fig;
	size_t			 resolved = f->genuine + f->false_alarms;

	fprintf(out, "refuge report: alarms raised from %s until %s (%s)%s%s"
	    "%s%s\n\n", r->since, r->until, r->zone, r->site ? ", site " :
	    "", r->site ? r->site : "", r->unit ? ", unit " : "",
	    r->unit ? r->unit : "");
	fprintf(out, "activations (BUTTON presses) %6zu\n", f->activations);
	fprintf(out, "  genuine %11zu  %5.1f%% of resolved\n", f->genuine,
	    ctl_report_share(f->genuine, resolved));
	fprintf(out, "  false %13zu  %5.1f%% of resolved\n", f->false_alarms,
	    ctl_report_share(f->false_alarms, resolved));
	fprintf(out, "  open %14zu\n", f->open);
	fprintf(out, "  never claimed %5zu\n\n", f->unanswered);
	ctl_text_counters(out, "false activations by reason", f->reasons,
	    f->reason_count);
	ctl_text_counters(out, "genuine activations by action", f->actions,
	    f->action_count);
	fprintf(out, "\ntechnical alarms (not activations) %zu, open %zu\n",
	    f->technical, f->technical_open);
	ctl_text_counters(out, "technical alarms by type", f->technical_types,
	    f->technical_type_count);
	fprintf(out, "\nalarms %zu\n\n", f->alarms);
	ctl_text_places(out, "by site", f->sites, f->site_count);
	fprintf(out, "\n");
	ctl_text_places(out, "hot spots (by unit)", f->units, f->unit_count);
	fprintf(out, "\n");
	ctl_text_when(out, f);
	fprintf(out, "\nhandling, every alarm\n");
	ctl_text_times(out, "time to claim", "claimed", &f->handling.to_claim,
	    1);
	ctl_text_times(out, "time to resolve", "resolved",
	    &f->handling.to_resolve, 0);
}

/* A CSV field, quoted when it must be. */
static void
ctl_csv_field(FILE *out, const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

static void
ctl_csv_line(FILE *out, const char *section, const char *key,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
ctl_csv_line(FILE *out, const char *section, const char *key,
    const char *fmt, ...)
{
	va_list	ap;

	ctl_csv_field(out, section);
	fputc(',', out);
	ctl_csv_field(out, key);
	fputc(',', out);
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputc('\n', out);
}

static void
ctl_csv_times(FILE *out, const char *section,
    const struct stats_percentiles *p)
{
	ctl_csv_line(out, section, "count", "%zu", p->count);
	ctl_csv_line(out, section, "p50_ms", "%lld", (long long)p->p50_ms);
	ctl_csv_line(out, section, "p80_ms", "%lld", (long long)p->p80_ms);
	ctl_csv_line(out, section, "p98.5_ms", "%lld", (long long)p->p985_ms);
	ctl_csv_line(out, section, "max_ms", "%lld", (long long)p->max_ms);
	ctl_csv_line(out, section, "within_30s", "%.4f", p->within_30s);
	ctl_csv_line(out, section, "within_60s", "%.4f", p->within_60s);
}

static void
ctl_csv_places(FILE *out, const char *prefix, const struct report_place *p,
    size_t n)
{
	char	section[32];
	size_t	i;

	for (i = 0; i < n; i++) {
		snprintf(section, sizeof(section), "%s_activations", prefix);
		ctl_csv_line(out, section, p[i].key, "%zu", p[i].activations);
		snprintf(section, sizeof(section), "%s_genuine", prefix);
		ctl_csv_line(out, section, p[i].key, "%zu", p[i].genuine);
		snprintf(section, sizeof(section), "%s_false", prefix);
		ctl_csv_line(out, section, p[i].key, "%zu", p[i].false_alarms);
		snprintf(section, sizeof(section), "%s_open", prefix);
		ctl_csv_line(out, section, p[i].key, "%zu", p[i].open);
		snprintf(section, sizeof(section), "%s_technical", prefix);
		ctl_csv_line(out, section, p[i].key, "%zu", p[i].technical);
	}
}

void
ctl_report_csv(FILE *out, const struct ctl_report *r)
{
	const struct report	*f = &r->fig;
	char			 key[WHEN_LOCAL_LEN + 8];
	size_t			 i, d, h;

	fprintf(out, "section,key,value\n");
	ctl_csv_line(out, "period", "since", "%s", r->since);
	ctl_csv_line(out, "period", "until", "%s", r->until);
	ctl_csv_line(out, "period", "timezone", "%s", r->zone);
	ctl_csv_line(out, "total", "alarms", "%zu", f->alarms);
	ctl_csv_line(out, "activations", "total", "%zu", f->activations);
	ctl_csv_line(out, "activations", "genuine", "%zu", f->genuine);
	ctl_csv_line(out, "activations", "false", "%zu", f->false_alarms);
	ctl_csv_line(out, "activations", "open", "%zu", f->open);
	ctl_csv_line(out, "activations", "never_claimed", "%zu", f->unanswered);
	ctl_csv_line(out, "technical", "total", "%zu", f->technical);
	ctl_csv_line(out, "technical", "open", "%zu", f->technical_open);
	for (i = 0; i < f->technical_type_count; i++)
		ctl_csv_line(out, "technical_type", f->technical_types[i].key,
		    "%zu", f->technical_types[i].count);
	for (i = 0; i < f->reason_count; i++)
		ctl_csv_line(out, "false_reason", f->reasons[i].key, "%zu",
		    f->reasons[i].count);
	for (i = 0; i < f->action_count; i++)
		ctl_csv_line(out, "genuine_action", f->actions[i].key, "%zu",
		    f->actions[i].count);
	ctl_csv_places(out, "site", f->sites, f->site_count);
	ctl_csv_places(out, "unit", f->units, f->unit_count);
	for (i = 0; i < f->period_count; i++) {
		when_local(f->periods[i].start_ms, key);
		key[10] = '\0';
		ctl_csv_line(out, f->monthly ? "month" : "week", key,
		    "%zu", f->periods[i].genuine + f->periods[i].false_alarms +
		    f->periods[i].open);
	}
	for (h = 0; h < 24; h++) {
		size_t	total = 0;

		for (d = 0; d < 7; d++)
			total += f->heat[d][h];
		snprintf(key, sizeof(key), "%02zu", h);
		ctl_csv_line(out, "hour", key, "%zu", total);
	}
	for (d = 0; d < 7; d++)
		for (h = 0; h < 24; h++) {
			snprintf(key, sizeof(key), "%s %02zu", ctl_days[d], h);
			ctl_csv_line(out, "weekday_hour", key, "%zu",
			    f->heat[d][h]);
		}
	ctl_csv_times(out, "to_claim", &f->handling.to_claim);
	ctl_csv_times(out, "to_resolve", &f->handling.to_resolve);
	ctl_csv_line(out, "target", "claim_80pct_within_30s", "%s",
	    ctl_report_met(&f->handling.to_claim,
	    f->handling.to_claim.within_30s, CTL_TARGET_30S));
	ctl_csv_line(out, "target", "claim_98.5pct_within_60s", "%s",
	    ctl_report_met(&f->handling.to_claim,
	    f->handling.to_claim.within_60s, CTL_TARGET_60S));
}

static void
ctl_csv_time(FILE *out, int64_t ms)
{
	char	buf[WHEN_LOCAL_LEN];

	if (ms >= 0) {
		when_local(ms, buf);
		fputs(buf, out);
	}
	fputc(',', out);
}

static void
ctl_csv_secs(FILE *out, int64_t from, int64_t to)
{
	if (from >= 0 && to >= 0)
		fprintf(out, "%lld", (long long)((to - from) / 1000));
	fputc(',', out);
}

void
ctl_report_rows(FILE *out, const struct ctl_report *r)
{
	size_t	i;

	fprintf(out, "id,raised,claimed,resolved,unit,site,type,outcome,"
	    "reason_or_action,operator,seconds_to_claim,seconds_to_resolve,"
	    "note\n");
	for (i = 0; i < r->count; i++) {
		const struct stats_alarm	*a = &r->alarms[i];

		fprintf(out, "%lld,", (long long)a->id);
		ctl_csv_time(out, a->raised_ms);
		ctl_csv_time(out, a->first_claimed_ms);
		ctl_csv_time(out, a->resolved_ms);
		ctl_csv_field(out, a->unit_id);
		fputc(',', out);
		ctl_csv_field(out, a->site_id);
		fprintf(out, ",%s,%s,", evtype_name(a->type),
		    a->outcome == ALARM_OUTCOME_NONE ? "open" :
		    alarm_outcome_name(a->outcome));
		ctl_csv_field(out, a->reason);
		fputc(',', out);
		ctl_csv_field(out, a->operator);
		fputc(',', out);
		ctl_csv_secs(out, a->raised_ms, a->first_claimed_ms);
		ctl_csv_secs(out, a->raised_ms, a->resolved_ms);
		ctl_csv_field(out, a->note);
		fputc('\n', out);
	}
}
