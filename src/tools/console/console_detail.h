/*
 * refuge-console's detail pane: the selected alarm with where it is (the
 * address and coordinates), its plan with step states and contacts, notes,
 * commands and the unit's history; and the history view's record (DETAIL).
 * Drawing only; above the model, below the screen.
 */
#ifndef REFUGE_CONSOLE_DETAIL_H
#define REFUGE_CONSOLE_DETAIL_H

#include <stdint.h>

#include "console_model.h"

/* The live alarm a in the box top, x, height, width. */
void	console_detail_draw_alarm(struct console_model *, struct console_alarm *,
	    int top, int x, int height, int width, int colours, int64_t now_ms);
/*
 * The record DETAIL gave, in the same kind of box, its lines from the
 * skip-th on (a long record scrolls); skip is lowered to what can show.
 */
void	console_detail_draw_record(struct console_model *, int top, int x,
	    int height, int width, int64_t now_ms, long *skip);

#endif
