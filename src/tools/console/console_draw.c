/*
 * Drawing helpers for refuge-console's panes (console_draw.h). Every line
 * goes through console_draw_put, which cuts it to its pane with an
 * ellipsis, so that no pane runs into the next.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console_draw.h"
#include "console_text.h"

const char *
console_draw_ellipsis(void)
{
	return MB_CUR_MAX > 1 ? "\xe2\x80\xa6" : "~";
}

const char *
console_draw_fit(char *dst, size_t len, const char *src, int cols)
{
	console_text_fit(dst, len, src, cols, console_draw_ellipsis(), 1);
	return dst;
}

void
console_draw_put(int y, int x, int width, attr_t attr, const char *fmt, ...)
{
	char	buf[1024], fitted[4 * 1024 + 1];
	va_list	ap;

	if (width <= 0 || y < 0 || y >= LINES || x >= COLS)
		return;
	if (x + width > COLS)
		width = COLS - x;
	if (width > 1024)
		width = 1024;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	console_text_fit(fitted, sizeof(fitted), buf, width,
	    console_draw_ellipsis(), 0);
	attron(attr);
	mvaddstr(y, x, fitted);
	attroff(attr);
}

void
console_draw_bar(int y, attr_t attr, const char *text)
{
	attron(attr);
	mvhline(y, 0, ' ', COLS);
	attroff(attr);
	console_draw_put(y, 0, COLS, attr, "%s", text);
}

attr_t
console_draw_priority_attr(int colours, int priority)
{
	int	pair = priority >= 1 && priority <= 4 ? priority : 0;

	if (!colours || pair == 0)
		return priority <= 2 ? A_BOLD : A_NORMAL;
	return COLOR_PAIR(pair) | (priority <= 2 ? A_BOLD : A_NORMAL);
}
