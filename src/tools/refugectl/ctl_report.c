/*
 * report: what a scheme hands to its partnership, from the store's alarm
 * rows through report_compute (report.h), as text, CSV (figures or one row
 * per alarm) or a PDF with charts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "refuge/config.h"
#include "refuge/store.h"
#include "refuge/timenow.h"

#include "ctl.h"
#include "ctl_draw.h"
#include "ctl_report.h"

static int
ctl_report_row(const struct stats_alarm *a, void *arg)
{
	struct ctl_report	*r = arg;
	struct stats_alarm	*p;

	if ((r->site != NULL && strcmp(a->site_id, r->site) != 0) ||
	    (r->unit != NULL && strcmp(a->unit_id, r->unit) != 0))
		return 0;
	if (r->count == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 256;
		if ((p = reallocarray(r->alarms, r->cap, sizeof(*p))) == NULL)
			goto fail;
		r->alarms = p;
	}
	if (stats_alarm_copy(&r->alarms[r->count], a) == -1)
		goto fail;
	r->count++;
	return 0;
fail:
	r->failed = 1;
	return -1;
}

static void
ctl_report_free(struct ctl_report *r)
{
	size_t	i;

	for (i = 0; i < r->count; i++)
		stats_alarm_clear(&r->alarms[i]);
	free(r->alarms);
	report_free(&r->fig);
}

double
ctl_report_share(size_t part, size_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

const char *
ctl_report_met(const struct stats_percentiles *p, double share, double target)
{
	if (p->count == 0)
		return "not measured";
	return share + 1e-9 >= target ? "met" : "NOT met";
}

/* --format, or the -o file's extension; both given must agree. */
static int
ctl_report_format(const char *format, const char *output, int rows,
    enum ctl_format *out)
{
	enum ctl_format	by_name = CTL_FORMAT_NONE, by_path = CTL_FORMAT_NONE;

	if (format != NULL && ((by_name = ctl_format_of_name(format)) ==
	    CTL_FORMAT_NONE || by_name == CTL_FORMAT_SVG ||
	    by_name == CTL_FORMAT_PNG))
		return ctl_usage_error("report", "--format is text, csv or "
		    "pdf, not '%s'", format);
	if (output != NULL && strcmp(output, "-") != 0 &&
	    (by_path = ctl_format_of_path(output)) != CTL_FORMAT_NONE &&
	    by_path != CTL_FORMAT_TEXT && by_path != CTL_FORMAT_CSV &&
	    by_path != CTL_FORMAT_PDF)
		return ctl_usage_error("report", "-o %s: a report is text "
		    "(.txt), csv (.csv) or pdf (.pdf)", output);
	if (by_name != CTL_FORMAT_NONE && by_path != CTL_FORMAT_NONE &&
	    by_name != by_path)
		return ctl_usage_error("report", "--format %s and -o %s "
		    "disagree", format, output);
	*out = by_name != CTL_FORMAT_NONE ? by_name : by_path !=
	    CTL_FORMAT_NONE ? by_path : CTL_FORMAT_TEXT;
	if (rows && *out != CTL_FORMAT_CSV)
		return ctl_usage_error("report", "--rows is for --format csv");
	if (*out == CTL_FORMAT_PDF && (output == NULL ||
	    strcmp(output, "-") == 0) && isatty(STDOUT_FILENO))
		return ctl_usage_error("report", "a PDF is not for a terminal: "
		    "give -o FILE.pdf or redirect the output");
	return 0;
}

static int
ctl_report_when(const char *opt, const char *text, int end, int64_t *ms)
{
	if (text == NULL)
		return 0;
	if (when_parse(text, timenow_wall_ms(), end, ms) == 0)
		return 0;
	ctl_usage_error("report", "--%s wants %s, not '%s'", opt, when_grammar,
	    text);
	return -1;
}

static int
ctl_report_times(const char *since_opt, const char *until_opt,
    int64_t *since_ms, int64_t *until_ms)
{
	if (ctl_report_when("since", since_opt, 0, since_ms) == -1 ||
	    ctl_report_when("until", until_opt, 1, until_ms) == -1)
		return -1;
	if (*since_ms >= 0 && *until_ms >= 0 && *until_ms <= *since_ms) {
		ctl_usage_error("report", "--until must come after --since");
		return -1;
	}
	return 0;
}

static int
ctl_report_write(const struct ctl_report *r, enum ctl_format format,
    int rows, const char *output)
{
	FILE	*out = stdout;
	char	 err[512];
	int	 rc = 0;

	if (format == CTL_FORMAT_PDF) {
		if (ctl_report_pdf(output != NULL ? output : "-", r, err,
		    sizeof(err)) == -1) {
			ctl_warnx("report: %s", err);
			return -1;
		}
		return 0;
	}
	if (output != NULL && strcmp(output, "-") != 0 &&
	    (out = fopen(output, "w")) == NULL) {
		ctl_warnx("report: %s: %m", output);
		return -1;
	}
	if (format == CTL_FORMAT_CSV && rows)
		ctl_report_rows(out, r);
	else if (format == CTL_FORMAT_CSV)
		ctl_report_csv(out, r);
	else
		ctl_report_text(out, r);
	if (ferror(out) || (out != stdout ? fclose(out) : fflush(out)) != 0) {
		ctl_warnx("report: writing %s failed", output != NULL ?
		    output : "the report");
		rc = -1;
	}
	return rc;
}

int
ctl_cmd_report(struct ctl *ctl, int argc, char *argv[])
{
	struct refuge_config	*config = NULL;
	struct store		*store = NULL;
	struct ctl_report	 r;
	const char		*pos[1], *since_opt = NULL, *until_opt = NULL;
	const char		*format = NULL, *output = NULL, *rows = NULL;
	const struct ctl_opt	 opts[] = {
		{ "since", 1, &since_opt },
		{ "until", 1, &until_opt },
		{ "site", 1, &r.site },
		{ "unit", 1, &r.unit },
		{ "format", 1, &format },
		{ "output", 1, &output },
		{ "rows", 0, &rows },
		{ NULL, 0, NULL }
	};
	enum ctl_format		 fmt = CTL_FORMAT_TEXT;
	int64_t			 since_ms = -1, until_ms = -1, now;
	int			 npos, rc = CTL_FAIL;

	memset(&r, 0, sizeof(r));
	if (ctl_args("report", argc, argv, opts, pos, 0, &npos) == -1 ||
	    ctl_report_format(format, output, rows != NULL, &fmt) != 0)
		return CTL_USAGE;
	/*
	 * Times are local to refuge.yaml's zone, which ctl_store sets: parsed
	 * once before it to refuse a bad one as a usage error whatever the
	 * configuration, and again after it for the figures.
	 */
	if (ctl_report_times(since_opt, until_opt, &since_ms, &until_ms) == -1)
		return CTL_USAGE;
	if ((store = ctl_store(ctl, &config)) == NULL)
		goto done;
	if (ctl_report_times(since_opt, until_opt, &since_ms, &until_ms) == -1)
		goto done;
	if (store_stats_each(store, since_ms, until_ms, ctl_report_row, &r) ==
	    -1) {
		ctl_warnx("reading alarms: %s", r.failed ? "out of memory" :
		    store_error(store));
		goto done;
	}
	now = timenow_wall_ms();
	if (report_compute(r.alarms, r.count, since_ms, until_ms, now,
	    &r.fig) == -1) {
		ctl_warnx("out of memory");
		goto done;
	}
	r.zone = timenow_zone_name();
	when_local(r.fig.since_ms, r.since);
	when_local(r.fig.until_ms, r.until);
	if (ctl_report_write(&r, fmt, rows != NULL, output) == 0)
		rc = CTL_OK;
done:
	ctl_report_free(&r);
	store_close(store);
	config_free(config);
	return rc;
}
