/*
 * The history view (console_history.h): the form on two rows, the list of
 * alarms found (newest first, as SEARCH gives them) and the record of the
 * one chosen. Times are local.
 */
#include <stdio.h>
#include <string.h>

#include "refuge/when.h"

#include "console_detail.h"
#include "console_draw.h"
#include "console_history.h"
#include "console_model.h"
#include "console_text.h"

static const char *const console_history_fields[CONSOLE_FIELDS] = {
	"since", "until", "unit", "site", "type", "outcome"
};

const char *
console_history_field_name(int field)
{
	if (field < 0 || field >= CONSOLE_FIELDS)
		return "";
	return console_history_fields[field];
}

static void
console_history_form(struct console_model *m, int y, int field)
{
	char	fitted[4 * 64 + 1];
	int	f, x, w, per_row = 3, cell = COLS / per_row, label;

	for (f = 0; f < CONSOLE_FIELDS; f++) {
		x = (f % per_row) * cell;
		label = (int)strlen(console_history_fields[f]) + 1;
		w = cell - label - 2;
		if (w < 1)
			w = 1;
		console_draw_put(y + f / per_row, x, label, A_NORMAL, "%s:",
		    console_history_fields[f]);
		console_draw_fit(fitted, sizeof(fitted), m->form[f], w);
		if (f == field)
			console_draw_put(y + f / per_row, x + label, w,
			    A_REVERSE, "%s", fitted);
		else
			console_draw_put(y + f / per_row, x + label, w,
			    A_UNDERLINE, "%s", fitted);
	}
}

static void
console_history_list(struct console_model *m, int top, int height, long row,
    int colours)
{
	struct console_hit	*h;
	char			 when[WHEN_LOCAL_LEN], name[4 * 64 + 1];
	char			 outcome[160];
	long			 first = 0, i;
	int			 y, name_w = COLS - 50 - 32;
	attr_t			 attr;

	/* The outcome matters more than the name: narrow screens drop the name. */
	if (name_w < 8)
		name_w = 0;
	if (name_w > 60)
		name_w = 60;
	console_draw_put(top, 0, COLS, A_BOLD | A_UNDERLINE, "%6s %-19s %-12s "
	    "%-8s %-*s%s%s", "ID", "RAISED", "TYPE", "UNIT", name_w,
	    name_w > 0 ? "NAME" : "", name_w > 0 ? " " : "", "OUTCOME");
	if (m->hit_count == 0) {
		console_draw_put(top + 1, 2, COLS - 2, A_NORMAL, "%s",
		    m->searched ? "no alarms found" : "/ opens the search "
		    "form; Enter in it searches");
		return;
	}
	if (row >= height - 1)
		first = row - (height - 1) + 1;
	for (i = first, y = top + 1; i < (long)m->hit_count &&
	    y < top + height; i++, y++) {
		h = &m->hits[i];
		if (h->at_ms >= 0)
			when_local(h->at_ms, when);
		else
			snprintf(when, sizeof(when), "-");
		snprintf(outcome, sizeof(outcome), "%s%s%s%s%s",
		    h->outcome[0] ? h->outcome : h->state,
		    h->detail[0] ? " " : "", h->detail, h->by[0] ? " by " : "",
		    h->by);
		attr = console_draw_priority_attr(colours, h->priority);
		if (i == row)
			attr |= A_REVERSE;
		console_draw_put(y, 0, COLS, attr, "%6lld %-19s %-12.12s "
		    "%-8.8s %s%s%s", (long long)h->id, when, h->type, h->unit,
		    console_draw_fit(name, sizeof(name), h->name, name_w),
		    name_w > 0 ? " " : "", outcome);
	}
}

void
console_history_draw(struct console_model *m, int top, int height, long row,
    int field, int colours, int64_t now_ms, long *skip)
{
	int	list_h, record_top;

	console_draw_put(top, 0, COLS, A_BOLD, "HISTORY: %zu found%s  "
	    "(/ search form, Tab next field, Enter record, Esc live stack)",
	    m->hit_count, m->hits_more ? ", more: narrow the search" : "");
	console_history_form(m, top + 1, field);
	/* The list as long as it needs, up to half; the record gets the rest. */
	list_h = (height - 3) / 2;
	if (list_h > (int)m->hit_count + 2)
		list_h = (int)m->hit_count + 2;
	if (list_h < 3)
		list_h = 3;
	console_history_list(m, top + 3, list_h, row, colours);
	record_top = top + 3 + list_h;
	if (record_top >= top + height)
		return;
	console_draw_put(record_top, 0, COLS, A_BOLD | A_UNDERLINE, "%s",
	    "RECORD");
	console_detail_draw_record(m, record_top + 1, 0,
	    top + height - record_top - 1, COLS, now_ms, skip);
}
