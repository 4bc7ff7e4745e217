/*
 * refuge-console's history view, beside the live stack: the search form
 * (since, until, unit, site, type, outcome), SEARCH's list, and the record
 * of the alarm chosen (DETAIL). Drawing only; the keys edit the form in the
 * model and ask through the link.
 */
#ifndef REFUGE_CONSOLE_HISTORY_H
#define REFUGE_CONSOLE_HISTORY_H

#include <stdint.h>

#include "console_model.h"

/* The field's label as on the wire ("since", ...). */
const char	*console_history_field_name(int field);
/*
 * Draws the view in rows top .. top + height - 1. row is the list's
 * selection; field the form field being edited, or -1; skip the record's
 * first line shown (see console_detail_draw_record).
 */
void	console_history_draw(struct console_model *, int top, int height,
	    long row, int field, int colours, int64_t now_ms, long *skip);

#endif
