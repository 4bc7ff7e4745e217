/*
 * report as a few A4 pages a partnership meeting can read: the summary,
 * activations per week or month stacked genuine / false, a heat map of
 * hour by weekday, the hot spots, handling times against the 30 s and 60 s
 * lines, and the tables. cairo draws; the words are real text, so the PDF
 * can be searched and read back.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ctl_draw.h"
#include "ctl_report.h"

#define PW	595.28
#define PH	841.89
#define ML	48.0		/* left margin */
#define CW	(PW - 2 * ML)	/* content width */

static const char *const pdf_days[7] = {
	"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"
};

/* Genuine red, false grey, open amber: the same in every chart. */
static void
pdf_colour(cairo_t *cr, int which)
{
	if (which == 0)
		cairo_set_source_rgb(cr, 0.80, 0.15, 0.15);
	else if (which == 1)
		cairo_set_source_rgb(cr, 0.62, 0.65, 0.70);
	else
		cairo_set_source_rgb(cr, 0.95, 0.65, 0.10);
}

static double
pdf_heading(cairo_t *cr, const char *text, double y)
{
	cairo_set_source_rgb(cr, 0.0, 0.30, 0.60);
	ctl_draw_font(cr, 15, 1);
	cairo_move_to(cr, ML, y);
	cairo_show_text(cr, text);
	cairo_set_source_rgb(cr, 0, 0, 0);
	return y + 22;
}

static double
pdf_line(cairo_t *cr, double y, int bold, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static double
pdf_line(cairo_t *cr, double y, int bold, const char *fmt, ...)
{
	char	buf[512];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	ctl_draw_font(cr, 10.5, bold);
	cairo_move_to(cr, ML, y);
	cairo_show_text(cr, buf);
	return y + 15;
}

static double
pdf_counters(cairo_t *cr, double y, const char *title,
    const struct stats_counter *c, size_t n)
{
	char	words[80];
	size_t	i;

	y = pdf_line(cr, y, 1, "%s", title);
	if (n == 0)
		y = pdf_line(cr, y, 0, "    none");
	for (i = 0; i < n && i < 12; i++) {
		report_words(c[i].key, words, sizeof(words));
		y = pdf_line(cr, y, 0, "    %s: %zu", words, c[i].count);
	}
	return y + 6;
}

static void
pdf_summary(cairo_t *cr, const struct ctl_report *r)
{
	const struct report		*f = &r->fig;
	const struct stats_percentiles	*c = &f->handling.to_claim;
	size_t				 resolved = f->genuine + f->false_alarms;
	double				 y = 60;

	cairo_set_source_rgb(cr, 0.0, 0.37, 0.72);
	cairo_rectangle(cr, 0, 0, PW, 36);
	cairo_fill(cr);
	cairo_set_source_rgb(cr, 1, 1, 1);
	ctl_draw_font(cr, 16, 1);
	cairo_move_to(cr, ML, 24);
	cairo_show_text(cr, "Help Point activations report");
	cairo_set_source_rgb(cr, 0, 0, 0);
	y = pdf_line(cr, y, 0, "Alarms raised from %s until %s (%s)", r->since,
	    r->until, r->zone);
	if (r->site != NULL || r->unit != NULL)
		y = pdf_line(cr, y, 0, "Only %s %s", r->site ? "site" : "unit",
		    r->site ? r->site : r->unit);
	y = pdf_heading(cr, "Summary", y + 12);
	y = pdf_line(cr, y, 1, "Activations (button presses): %zu",
	    f->activations);
	y = pdf_line(cr, y, 0, "    genuine: %zu (%.1f%% of resolved)",
	    f->genuine, ctl_report_share(f->genuine, resolved));
	y = pdf_line(cr, y, 0, "    false: %zu (%.1f%% of resolved)",
	    f->false_alarms, ctl_report_share(f->false_alarms, resolved));
	y = pdf_line(cr, y, 0, "    still open: %zu; never claimed: %zu",
	    f->open, f->unanswered);
	y = pdf_line(cr, y, 1, "Technical alarms (not activations): %zu",
	    f->technical);
	y = pdf_line(cr, y, 0, "    offline, power, tamper and faults; still "
	    "open: %zu", f->technical_open);
	y = pdf_heading(cr, "Handling (EN 50518)", y + 12);
	y = pdf_line(cr, y, 0, "Claimed within 30 s: %.1f%% (target 80%%): %s",
	    100.0 * c->within_30s, ctl_report_met(c, c->within_30s,
	    CTL_TARGET_30S));
	y = pdf_line(cr, y, 0, "Claimed within 60 s: %.1f%% (target 98.5%%): "
	    "%s", 100.0 * c->within_60s, ctl_report_met(c, c->within_60s,
	    CTL_TARGET_60S));
	y = pdf_line(cr, y, 0, "Time to claim: median %.0f s, 80%% %.0f s, "
	    "max %.0f s", c->p50_ms / 1000.0, c->p80_ms / 1000.0,
	    c->max_ms / 1000.0);
	y = pdf_line(cr, y, 0, "Time to resolve: median %.0f s, max %.0f s",
	    f->handling.to_resolve.p50_ms / 1000.0,
	    f->handling.to_resolve.max_ms / 1000.0);
	y = pdf_heading(cr, "Why", y + 12);
	y = pdf_counters(cr, y, "False activations by reason", f->reasons,
	    f->reason_count);
	y = pdf_counters(cr, y, "Genuine activations by action", f->actions,
	    f->action_count);
	pdf_counters(cr, y, "Technical alarms by type", f->technical_types,
	    f->technical_type_count);
}

/* Activations per week or month, stacked genuine / false / open. */
static double
pdf_periods(cairo_t *cr, const struct report *f, double y)
{
	double	h = 190, bw, x, top = 1, v[3];
	size_t	i, k, total;
	char	label[WHEN_LOCAL_LEN];

	y = pdf_heading(cr, f->monthly ? "Activations per month" :
	    "Activations per week", y);
	for (i = 0; i < f->period_count; i++) {
		total = f->periods[i].genuine + f->periods[i].false_alarms +
		    f->periods[i].open;
		if (total > top)
			top = (double)total;
	}
	bw = f->period_count ? CW / (double)f->period_count : CW;
	for (i = 0; i < f->period_count; i++) {
		double	base = y + h;

		v[0] = (double)f->periods[i].genuine;
		v[1] = (double)f->periods[i].false_alarms;
		v[2] = (double)f->periods[i].open;
		x = ML + (double)i * bw;
		for (k = 0; k < 3; k++) {
			pdf_colour(cr, (int)k);
			cairo_rectangle(cr, x + bw * 0.1, base - v[k] / top * h,
			    bw * 0.8, v[k] / top * h);
			cairo_fill(cr);
			base -= v[k] / top * h;
		}
		if (f->period_count <= 26 || i % (f->period_count / 13 + 1) ==
		    0) {
			when_local(f->periods[i].start_ms, label);
			label[f->monthly ? 7 : 10] = '\0';
			cairo_set_source_rgb(cr, 0, 0, 0);
			ctl_draw_font(cr, 6, 0);
			cairo_move_to(cr, x + bw * 0.1, y + h + 9);
			cairo_show_text(cr, f->monthly ? label : label + 5);
		}
	}
	cairo_set_source_rgb(cr, 0, 0, 0);
	ctl_draw_font(cr, 8, 0);
	snprintf(label, sizeof(label), "%.0f", top);
	cairo_move_to(cr, ML - 20, y + 6);
	cairo_show_text(cr, label);
	for (k = 0; k < 3; k++) {
		pdf_colour(cr, (int)k);
		cairo_rectangle(cr, ML + (double)k * 90, y + h + 18, 8, 8);
		cairo_fill(cr);
		cairo_set_source_rgb(cr, 0, 0, 0);
		cairo_move_to(cr, ML + (double)k * 90 + 12, y + h + 25);
		cairo_show_text(cr, k == 0 ? "genuine" : k == 1 ? "false" :
		    "open");
	}
	return y + h + 50;
}

/* Hour of day across, weekday down: darker is busier. */
static double
pdf_heat(cairo_t *cr, const struct report *f, double y)
{
	double	cw = (CW - 30) / 24, ch = 16, top = 0, v;
	size_t	d, h;
	char	label[8];

	y = pdf_heading(cr, "Activations by hour and weekday (local time)", y);
	for (d = 0; d < 7; d++)
		for (h = 0; h < 24; h++)
			if ((double)f->heat[d][h] > top)
				top = (double)f->heat[d][h];
	ctl_draw_font(cr, 7, 0);
	for (d = 0; d < 7; d++) {
		cairo_set_source_rgb(cr, 0, 0, 0);
		cairo_move_to(cr, ML, y + (double)d * ch + 11);
		cairo_show_text(cr, pdf_days[d]);
		for (h = 0; h < 24; h++) {
			v = top > 0 ? (double)f->heat[d][h] / top : 0;
			cairo_set_source_rgb(cr, 1 - 0.2 * v, 1 - 0.85 * v,
			    1 - 0.85 * v);
			cairo_rectangle(cr, ML + 30 + (double)h * cw,
			    y + (double)d * ch, cw - 1, ch - 1);
			cairo_fill(cr);
		}
	}
	cairo_set_source_rgb(cr, 0, 0, 0);
	for (h = 0; h < 24; h += 3) {
		snprintf(label, sizeof(label), "%02zu", h);
		cairo_move_to(cr, ML + 30 + (double)h * cw, y + 7 * ch + 9);
		cairo_show_text(cr, label);
	}
	return y + 7 * ch + 30;
}

/* The units with the most activations, as bars. */
static double
pdf_hot_spots(cairo_t *cr, const struct report *f, double y)
{
	double	top = 1, bar;
	size_t	i, n = f->unit_count < 15 ? f->unit_count : 15;
	char	label[100];

	y = pdf_heading(cr, "Hot spots: activations per unit", y);
	for (i = 0; i < n; i++)
		if ((double)f->units[i].activations > top)
			top = (double)f->units[i].activations;
	for (i = 0; i < n; i++) {
		const struct report_place	*u = &f->units[i];

		cairo_set_source_rgb(cr, 0, 0, 0);
		ctl_draw_font(cr, 8, 0);
		cairo_move_to(cr, ML, y + 9);
		cairo_show_text(cr, u->key);
		bar = (CW - 150) / top;
		pdf_colour(cr, 0);
		cairo_rectangle(cr, ML + 110, y, (double)u->genuine * bar, 11);
		cairo_fill(cr);
		pdf_colour(cr, 1);
		cairo_rectangle(cr, ML + 110 + (double)u->genuine * bar, y,
		    (double)(u->activations - u->genuine) * bar, 11);
		cairo_fill(cr);
		cairo_set_source_rgb(cr, 0, 0, 0);
		snprintf(label, sizeof(label), "%zu", u->activations);
		cairo_move_to(cr, ML + 114 + (double)u->activations * bar,
		    y + 9);
		cairo_show_text(cr, label);
		y += 15;
	}
	return y + 20;
}

/* Time to claim, every alarm, in 5-second bins to 120 s, with the lines. */
static double
pdf_handling(cairo_t *cr, const struct ctl_report *r, double y)
{
	size_t	bins[25], i, bin, top = 1;
	double	h = 150, bw = CW / 25, x;
	char	label[16];

	y = pdf_heading(cr, "Time to claim (seconds)", y);
	memset(bins, 0, sizeof(bins));
	for (i = 0; i < r->count; i++) {
		const struct stats_alarm	*a = &r->alarms[i];

		if (a->first_claimed_ms < 0)
			continue;
		bin = (size_t)((a->first_claimed_ms - a->raised_ms) / 5000);
		bins[bin > 24 ? 24 : bin]++;
	}
	for (i = 0; i < 25; i++)
		if (bins[i] > top)
			top = bins[i];
	for (i = 0; i < 25; i++) {
		pdf_colour(cr, 1);
		x = ML + (double)i * bw;
		cairo_rectangle(cr, x + 1, y + h - (double)bins[i] / (double)top
		    * h, bw - 2, (double)bins[i] / (double)top * h);
		cairo_fill(cr);
	}
	cairo_set_source_rgb(cr, 0.8, 0.1, 0.1);
	cairo_set_line_width(cr, 1.2);
	for (i = 6; i <= 12; i += 6) {
		x = ML + (double)i * bw;
		cairo_move_to(cr, x, y - 4);
		cairo_line_to(cr, x, y + h);
		cairo_stroke(cr);
		ctl_draw_font(cr, 8, 1);
		cairo_move_to(cr, x + 2, y + 4);
		cairo_show_text(cr, i == 6 ? "30 s" : "60 s");
	}
	cairo_set_source_rgb(cr, 0, 0, 0);
	ctl_draw_font(cr, 7, 0);
	for (i = 0; i <= 24; i += 4) {
		snprintf(label, sizeof(label), i == 24 ? "120+" : "%zu", i * 5);
		cairo_move_to(cr, ML + (double)i * bw, y + h + 9);
		cairo_show_text(cr, label);
	}
	return y + h + 30;
}

static double
pdf_places(cairo_t *cr, const char *title, const struct report_place *p,
    size_t n, double y)
{
	size_t	i;

	y = pdf_heading(cr, title, y);
	y = pdf_line(cr, y, 1, "%-24s activations  genuine  false  open  "
	    "technical", "");
	for (i = 0; i < n && y < PH - 50; i++)
		y = pdf_line(cr, y, 0, "%s: %zu activations, %zu genuine, %zu "
		    "false, %zu open, %zu technical", p[i].key,
		    p[i].activations, p[i].genuine, p[i].false_alarms,
		    p[i].open, p[i].technical);
	return y + 12;
}

int
ctl_report_pdf(const char *path, const struct ctl_report *r, char *err,
    size_t errlen)
{
	struct ctl_drawing	d;
	double			y;

	if (ctl_draw_open(&d, path, CTL_FORMAT_PDF, PW, PH, err, errlen) ==
	    -1)
		return -1;
	pdf_summary(d.cr, r);
	ctl_draw_page(&d);
	y = pdf_periods(d.cr, &r->fig, 60);
	pdf_heat(d.cr, &r->fig, y);
	ctl_draw_page(&d);
	y = pdf_hot_spots(d.cr, &r->fig, 60);
	pdf_handling(d.cr, r, y);
	ctl_draw_page(&d);
	y = pdf_places(d.cr, "Per site", r->fig.sites, r->fig.site_count, 60);
	pdf_places(d.cr, "Per unit", r->fig.units, r->fig.unit_count, y);
	return ctl_draw_close(&d, err, errlen);
}
