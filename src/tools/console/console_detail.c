/*
 * The detail pane (console_detail.h): what an operator needs about one
 * alarm, in the order of the call: what and when, where (address and
 * coordinates, for the 999 call), the plan step by step, then the record.
 * Times are local, to the second, with their age.
 */
#include <stdio.h>
#include <string.h>

#include "refuge/when.h"

#include "console_detail.h"
#include "console_draw.h"
#include "console_model.h"

/* "2026-12-02 10:15:18 (3 min ago)", or "-" for an unknown time. */
static void
console_detail_when(char *buf, size_t len, int64_t ms, int64_t now_ms)
{
	char	local[WHEN_LOCAL_LEN], ago[32];

	if (ms < 0) {
		snprintf(buf, len, "-");
		return;
	}
	when_local(ms, local);
	snprintf(buf, len, "%s (%s)", local, when_ago(ms, now_ms, ago,
	    sizeof(ago)));
}

/* Where: the address, the coordinates, and when the unit was last heard. */
static int
console_detail_location(struct console_unit *u, const char *lat,
    const char *lon, int y, int x, int bottom, int width, int64_t now_ms)
{
	char	heard[96];

	if ((lat == NULL || lat[0] == '\0') && u != NULL) {
		lat = u->lat;
		lon = u->lon;
	}
	/* One line, so that the plan fits a small screen; y copies it. */
	if (y < bottom)
		console_draw_put(y++, x, width, A_BOLD, "Where: %s  (%s, %s)",
		    u != NULL && u->address[0] ? u->address :
		    "no address in the registry", lat && lat[0] ? lat : "-",
		    lon && lon[0] ? lon : "-");
	if (u != NULL && y < bottom) {
		console_detail_when(heard, sizeof(heard), u->heard_ms, now_ms);
		if (u->state[0] != '\0')
			console_draw_put(y++, x, width, A_NORMAL, "Unit %s, "
			    "last heard %s", u->state, heard);
		else
			console_draw_put(y++, x, width, A_NORMAL, "Last heard "
			    "%s", heard);
	}
	return y;
}

static int
console_detail_plan(struct console_alarm *a, int y, int x, int bottom,
    int width, int64_t now_ms)
{
	const struct console_step	*st;
	char				 when[WHEN_LOCAL_LEN + 8];
	size_t				 i;

	if (!a->plan_read || y >= bottom)
		return y;
	console_draw_put(y++, x, width, A_BOLD, "Trigger plan:%s%s%s (t "
	    "ticks a step)", a->plan_id[0] ? " " : "", a->plan_id,
	    a->plan_night ? ", night" : "");
	for (i = 0; i < a->step_count && y < bottom; i++) {
		st = &a->steps[i];
		when[0] = '\0';
		if (st->done && st->at_ms >= 0) {
			when_local(st->at_ms, when);
			memmove(when + 1, when, strlen(when) + 1);
			when[0] = ' ';
		}
		console_draw_put(y++, x, width, st->done ? A_DIM : A_NORMAL,
		    " [%s] %zu. %s%s%s%s%s%s%s", st->done ? "x" : " ", i + 1,
		    st->text, st->done && st->by[0] ? "  - " : "", st->by, when,
		    st->note[0] ? " \"" : "", st->note, st->note[0] ? "\"" : "");
	}
	for (i = 0; i < a->contact_count && y < bottom; i++)
		console_draw_put(y++, x, width, A_NORMAL, " Contact: %s  %s",
		    a->contacts[i].name, a->contacts[i].phone);
	(void)now_ms;
	return y;
}

void
console_detail_draw_alarm(struct console_model *m, struct console_alarm *a,
    int top, int x, int height, int width, int colours, int64_t now_ms)
{
	struct console_unit		*u = console_model_unit(m, a->unit);
	const struct console_cmd	*cmd;
	char				 raised[96];
	int				 y = top, bottom = top + height;
	size_t				 i, first;

	console_draw_put(y++, x, width, console_draw_priority_attr(colours,
	    a->priority), "Alarm %lld  priority %d  %s  %s%s%s",
	    (long long)a->id, a->priority, a->type, a->state,
	    a->by[0] ? " by " : "", a->by);
	console_draw_put(y++, x, width, A_NORMAL, "Unit %s \"%s\" at site %s%s",
	    a->unit, a->name, a->site, u != NULL && u->audio_open ?
	    "  [audio open]" : "");
	console_detail_when(raised, sizeof(raised), a->at_ms, now_ms);
	console_draw_put(y++, x, width, A_NORMAL, "Raised %s  events %d%s",
	    raised, a->count, a->restored ? "  RESTORED" : "");
	y = console_detail_location(u, a->lat, a->lon, y, x, bottom, width,
	    now_ms);
	if (a->verify[0] != '\0' && y < bottom)
		console_draw_put(y++, x, width, A_BOLD, "Verify: %s", a->verify);
	if (a->code[0] != '\0' && y < bottom)
		console_draw_put(y++, x, width, A_NORMAL, "Panel code %s",
		    a->code);
	if (u != NULL && u->no_commands && y < bottom)
		console_draw_put(y++, x, width, A_BOLD, "This unit takes no "
		    "commands (reachable only by SIA DC-09)");
	if (a->unstored && y < bottom)
		console_draw_put(y++, x, width, A_BOLD, "NOT STORED YET: the "
		    "receiver cannot write its database");
	if (a->escalated_ms >= 0 && y < bottom)
		console_draw_put(y++, x, width, A_BOLD, "ESCALATED (level %d): "
		    "waited %lld s unclaimed", a->escalate_level,
		    (long long)a->waited_s);
	y = console_detail_plan(a, y, x, bottom, width, now_ms);
	/*
	 * The record (DETAIL) has every note; without it, this console's.
	 * Short of room, its newest lines: what just happened matters most.
	 */
	if (m->record_loaded && m->record.id == a->id) {
		first = 0;
		if (bottom - y - 1 > 0 && m->record_count >
		    (size_t)(bottom - y - 1))
			first = m->record_count - (size_t)(bottom - y - 1);
		if (y < bottom)
			console_draw_put(y++, x, width, A_BOLD, "Record%s:",
			    first > 0 ? " (newest)" : "");
		for (i = first; i < m->record_count && y < bottom; i++)
			console_draw_put(y++, x, width, A_NORMAL, "  %s",
			    m->record_lines[i]);
	} else
		for (i = 0; i < a->note_count && y < bottom; i++)
			console_draw_put(y++, x, width, A_NORMAL, "Note: %s",
			    a->notes[i]);
	for (i = 0; (cmd = console_model_cmd(m, i)) != NULL && y < bottom; i++)
		if (strcmp(cmd->unit, a->unit) == 0)
			console_draw_put(y++, x, width, A_NORMAL, "Command %s %s: "
			    "%s%s%s", cmd->id, cmd->what, cmd->result,
			    cmd->reason[0] ? " " : "", cmd->reason);
	if (strcmp(m->history_unit, a->unit) == 0 && y < bottom) {
		console_draw_put(y++, x, width, A_BOLD, "History of %s:",
		    a->unit);
		for (i = 0; i < m->history_count && y < bottom; i++)
			console_draw_put(y++, x, width, A_NORMAL, "  %s",
			    m->history[i]);
	}
}

void
console_detail_draw_record(struct console_model *m, int top, int x,
    int height, int width, int64_t now_ms, long *skip)
{
	struct console_hit	*h = &m->record;
	struct console_unit	*u = &m->record_unit;
	char			 raised[96];
	int			 y = top, bottom = top + height;
	long			 i, rows;

	if (!m->record_loaded) {
		console_draw_put(y, x, width, A_NORMAL, h->id > 0 ?
		    "reading alarm %lld ..." : "Enter shows the selected "
		    "alarm's record", (long long)h->id);
		return;
	}
	console_draw_put(y++, x, width, A_BOLD, "Alarm %lld  priority %d  %s  "
	    "%s%s%s%s%s", (long long)h->id, h->priority, h->type, h->state,
	    h->outcome[0] ? "  " : "", h->outcome, h->detail[0] ? " " : "",
	    h->detail);
	console_detail_when(raised, sizeof(raised), h->at_ms, now_ms);
	console_draw_put(y++, x, width, A_NORMAL, "Unit %s \"%s\" at site %s, "
	    "raised %s", h->unit, h->name, h->site, raised);
	/* A past alarm's where on one line; when it was last heard is not news. */
	console_draw_put(y++, x, width, A_NORMAL, "Where: %s  (%s, %s)",
	    u->address[0] ? u->address : "no address in the registry",
	    h->lat[0] ? h->lat : u->lat[0] ? u->lat : "-",
	    h->lon[0] ? h->lon : u->lon[0] ? u->lon : "-");
	rows = bottom - y - 1;
	if (rows < 1)
		return;
	if (*skip > (long)m->record_count - rows)
		*skip = (long)m->record_count - rows;
	if (*skip < 0)
		*skip = 0;
	console_draw_put(y++, x, width, A_BOLD, "Record%s:", *skip > 0 ||
	    (long)m->record_count > rows ? " (PgUp/PgDn scroll)" : "");
	for (i = *skip; i < (long)m->record_count && y < bottom; i++)
		console_draw_put(y++, x, width, A_NORMAL, "  %s",
		    m->record_lines[i]);
}
