/*
 * incident: one alarm's whole record for an evidence request, from the same
 * data as DETAIL (the alarm, its unit and place, every event, every action
 * with who and when, the commands, the outcome), with the audit chain's and
 * the seals' verification and the hash of every audit row printed, as text
 * or as a PDF that shows the same lines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "refuge/config.h"
#include "refuge/evtype.h"
#include "refuge/registry.h"
#include "refuge/store.h"
#include "refuge/timenow.h"
#include "refuge/when.h"

#include "ctl.h"
#include "ctl_draw.h"

struct ctl_incident {
	FILE		*out;
	int		 found;
	int64_t		 events, actions, commands;
};

static const char *
ctl_incident_time(int64_t ms, char buf[WHEN_LOCAL_LEN])
{
	if (ms < 0)
		return "-";
	when_local(ms, buf);
	return buf;
}

static int
ctl_incident_alarm(const struct store_alarm_record *r, void *arg)
{
	struct ctl_incident	*in = arg;
	const struct alarm	*a = &r->alarm;
	char			 t[WHEN_LOCAL_LEN];

	in->found = 1;
	fprintf(in->out, "Alarm       %lld, %s, priority %d, %s\n",
	    (long long)a->id, evtype_name(a->type), a->priority,
	    r->outcome[0] ? "resolved" : a->state == ALARM_CLAIMED ?
	    "claimed, open" : "queued, open");
	fprintf(in->out, "Raised      %s\n", ctl_incident_time(a->raised_ms,
	    t));
	fprintf(in->out, "Claimed     %s%s%s\n",
	    ctl_incident_time(a->first_claimed_ms, t),
	    a->claimed_by[0] ? " by " : "", a->claimed_by);
	if (r->restored_ms >= 0)
		fprintf(in->out, "Restored    %s\n",
		    ctl_incident_time(r->restored_ms, t));
	if (r->outcome[0] != '\0') {
		fprintf(in->out, "Resolved    %s by %s: %s%s%s%s%s\n",
		    ctl_incident_time(r->resolved_ms, t), r->resolved_by,
		    r->outcome, r->reason[0] ? ", reason " : "", r->reason,
		    r->action[0] ? ", action " : "", r->action);
		if (r->note[0] != '\0')
			fprintf(in->out, "Note        \"%s\"\n", r->note);
	}
	fprintf(in->out, "Unit        %s\n", a->unit_id);
	fprintf(in->out, "Site        %s\n", a->site_id);
	return 0;
}

static int
ctl_incident_event(const struct store_history_event *e, void *arg)
{
	struct ctl_incident	*in = arg;
	char			 t[WHEN_LOCAL_LEN], u[WHEN_LOCAL_LEN];

	in->events++;
	fprintf(in->out, "  %s  %-16s id=%s source=%s unit-time=%s%s%s\n",
	    ctl_incident_time(e->received_ms, t), e->type, e->unit_event_id,
	    e->source, ctl_incident_time(e->unit_time_ms, u),
	    e->attributes[0] ? " " : "", e->attributes);
	return 0;
}

static int
ctl_incident_action(const struct audit_row *row, void *arg)
{
	struct ctl_incident	*in = arg;
	char			 t[WHEN_LOCAL_LEN];

	in->actions++;
	fprintf(in->out, "  #%-6lld %s  %-10s %s%s\n          hash %s\n",
	    (long long)row->id, ctl_incident_time(row->time_ms, t), row->action,
	    row->user[0] ? "by " : "by the receiver", row->user, row->hash);
	if (row->detail[0] != '\0')
		fprintf(in->out, "          %s\n", row->detail);
	return 0;
}

static int
ctl_incident_command(const struct store_command_record *c, void *arg)
{
	struct ctl_incident	*in = arg;
	char			 t[WHEN_LOCAL_LEN], d[WHEN_LOCAL_LEN];

	in->commands++;
	fprintf(in->out, "  %s  %s by %s: %s%s%s at %s\n",
	    ctl_incident_time(c->sent_ms, t), c->command,
	    c->user[0] ? c->user : "the receiver",
	    c->result[0] ? c->result : "no answer yet",
	    c->reason[0] ? ", " : "", c->reason,
	    ctl_incident_time(c->done_ms, d));
	return 0;
}

static int
ctl_incident_unit_id(const struct store_alarm_record *r, void *arg)
{
	snprintf(arg, 65, "%s", r->alarm.unit_id);
	return 0;
}

static void
ctl_incident_unit(FILE *out, const struct registry *reg, const char *unit)
{
	const struct registry_unit	*u;
	const struct registry_site	*s;

	if (reg == NULL || (u = registry_unit_find(reg, unit)) == NULL) {
		fprintf(out, "Place       (the unit is no longer in the "
		    "registry)\n");
		return;
	}
	s = registry_site_find(reg, u->site);
	fprintf(out, "Place       %s%s%s\n", u->name, s ? ", " : "",
	    s ? s->name : "");
	if (u->address != NULL)
		fprintf(out, "Address     %s\n", u->address);
	fprintf(out, "Location    %.6f, %.6f\n", u->lat, u->lon);
}

/* The record's verification, as verify would print it. */
static void
ctl_incident_verify(FILE *out, struct store *store)
{
	struct ctl_chain	w;
	char			problem[512];
	size_t			rows;
	int			rc;

	fprintf(out, "\nVerification\n");
	memset(&w, 0, sizeof(w));
	rc = ctl_verify_chain(store, &w);
	if (rc == -1)
		fprintf(out, "  audit chain: not read: %s\n", store_error(store));
	else if (rc == 1)
		fprintf(out, "  audit chain: BROKEN at row %lld: %s\n",
		    (long long)w.broken_id, w.why);
	else
		fprintf(out, "  audit chain: intact, %zu rows, head row %lld "
		    "hash %s\n", w.rows, (long long)w.last_id, w.prev);
	rc = store_seal_verify(store, problem, sizeof(problem), &rows);
	if (rc == -1)
		fprintf(out, "  records: not checked: %s\n", store_error(store));
	else if (rc == 1)
		fprintf(out, "  records: BROKEN: %s\n", problem);
	else
		fprintf(out, "  records: intact, %zu rows match their seals\n",
		    rows);
}

/* The whole record into a buffer; 1 when there is no such alarm. */
static int
ctl_incident_text(struct store *store, const struct registry *reg,
    int64_t id, char **text, size_t *len)
{
	struct ctl_incident	in;
	char			unit[65] = "", now[WHEN_LOCAL_LEN];
	int			rc = -1;

	memset(&in, 0, sizeof(in));
	if ((in.out = open_memstream(text, len)) == NULL)
		return -1;
	when_local(timenow_wall_ms(), now);
	fprintf(in.out, "INCIDENT RECORD: alarm %lld\nPrinted %s (%s) from "
	    "the receiver's database\n\n", (long long)id, now,
	    timenow_zone_name());
	if (store_alarm_record(store, id, ctl_incident_alarm, &in) == -1)
		goto done;
	if (!in.found) {
		rc = 1;
		goto done;
	}
	if (store_alarm_record(store, id, ctl_incident_unit_id, unit) == -1)
		goto done;
	ctl_incident_unit(in.out, reg, unit);
	fprintf(in.out, "\nEvents\n");
	if (store_alarm_events_each(store, id, ctl_incident_event, &in) == -1)
		goto done;
	fprintf(in.out, "\nActions (audit rows, with their hashes)\n");
	if (store_audit_alarm_each(store, id, ctl_incident_action, &in) == -1)
		goto done;
	fprintf(in.out, "\nCommands to the unit\n");
	if (store_alarm_commands_each(store, id, ctl_incident_command, &in) ==
	    -1)
		goto done;
	if (in.commands == 0)
		fprintf(in.out, "  none\n");
	ctl_incident_verify(in.out, store);
	rc = 0;
done:
	if (fclose(in.out) != 0)
		rc = -1;
	return rc;
}

/* The same lines on A4 pages, in a fixed-width face so columns stay. */
static int
ctl_incident_pdf(const char *path, const char *text, char *err, size_t errlen)
{
	struct ctl_drawing	 d;
	const double		 w = 595.28, h = 841.89, top = 56, lead = 11;
	const char		*p = text, *nl;
	double			 y = top;
	char			 line[160];
	size_t			 n;

	if (ctl_draw_open(&d, path, CTL_FORMAT_PDF, w, h, err, errlen) == -1)
		return -1;
	for (; *p != '\0'; p = nl + (*nl != '\0')) {
		if ((nl = strchr(p, '\n')) == NULL)
			nl = p + strlen(p);
		n = (size_t)(nl - p);
		if (y > h - 48) {
			ctl_draw_page(&d);
			y = top;
		}
		snprintf(line, sizeof(line), "%.*s", (int)(n < 130 ? n : 130),
		    p);
		cairo_select_font_face(d.cr, "DejaVu Sans Mono",
		    CAIRO_FONT_SLANT_NORMAL, y == top && p == text ?
		    CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
		cairo_set_font_size(d.cr, y == top && p == text ? 12 : 7.2);
		cairo_set_source_rgb(d.cr, 0, 0, 0);
		cairo_move_to(d.cr, 36, y);
		cairo_show_text(d.cr, line);
		y += lead;
	}
	return ctl_draw_close(&d, err, errlen);
}

int
ctl_cmd_incident(struct ctl *ctl, int argc, char *argv[])
{
	struct refuge_config	*config = NULL;
	struct registry		*reg = NULL;
	struct store		*store = NULL;
	const char		*pos[1], *format = NULL, *output = NULL;
	const struct ctl_opt	 opts[] = {
		{ "format", 1, &format },
		{ "output", 1, &output },
		{ NULL, 0, NULL }
	};
	enum ctl_format		 fmt = CTL_FORMAT_TEXT;
	char			*text = NULL, err[512];
	size_t			 len = 0;
	long			 id;
	int			 npos, rc = CTL_FAIL, found;
	FILE			*out = stdout;

	if (ctl_args("incident", argc, argv, opts, pos, 1, &npos) == -1)
		return CTL_USAGE;
	if (npos != 1 || ctl_parse_int(pos[0], 1, 0x7fffffffL, &id) == -1)
		return ctl_usage_error("incident", "which alarm? give its id");
	if (format != NULL && (fmt = ctl_format_of_name(format)) !=
	    CTL_FORMAT_TEXT && fmt != CTL_FORMAT_PDF)
		return ctl_usage_error("incident", "--format is text or pdf, "
		    "not '%s'", format);
	if (output != NULL && format == NULL && (fmt =
	    ctl_format_of_path(output)) != CTL_FORMAT_PDF)
		fmt = CTL_FORMAT_TEXT;
	if (output != NULL && format != NULL &&
	    ctl_format_of_path(output) != CTL_FORMAT_NONE &&
	    ctl_format_of_path(output) != fmt)
		return ctl_usage_error("incident", "--format %s and -o %s "
		    "disagree", format, output);
	if (fmt == CTL_FORMAT_PDF && output == NULL && isatty(STDOUT_FILENO))
		return ctl_usage_error("incident", "a PDF is not for a "
		    "terminal: give -o FILE.pdf or redirect the output");
	if ((store = ctl_store(ctl, &config)) == NULL)
		goto done;
	reg = ctl_registry(config);
	if ((found = ctl_incident_text(store, reg, id, &text, &len)) == -1) {
		ctl_warnx("incident: %s", store_error(store));
		goto done;
	}
	if (found == 1) {
		ctl_warnx("incident: no alarm %ld", id);
		goto done;
	}
	if (fmt == CTL_FORMAT_PDF) {
		if (ctl_incident_pdf(output != NULL ? output : "-", text, err,
		    sizeof(err)) == -1) {
			ctl_warnx("incident: %s", err);
			goto done;
		}
	} else {
		if (output != NULL && (out = fopen(output, "w")) == NULL) {
			ctl_warnx("incident: %s: %m", output);
			goto done;
		}
		if (fwrite(text, 1, len, out) != len ||
		    (out != stdout ? fclose(out) : fflush(out)) != 0) {
			ctl_warnx("incident: writing %s failed", output ?
			    output : "the record");
			goto done;
		}
	}
	rc = CTL_OK;
done:
	free(text);
	registry_free(reg);
	store_close(store);
	config_free(config);
	return rc;
}
