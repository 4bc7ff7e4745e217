/*
 * refuge-console's drawing helpers over ncurses, shared by the screen's
 * panes (console_ui.c, console_detail.c, console_history.c): a clipped line,
 * a bar, a priority's colour, and a field fitted with an ellipsis.
 */
#ifndef REFUGE_CONSOLE_DRAW_H
#define REFUGE_CONSOLE_DRAW_H

#define NCURSES_WIDECHAR	1
#include <curses.h>
#include <stddef.h>

/* Prints a formatted line at y, x, cut with an ellipsis to width columns. */
void	console_draw_put(int y, int x, int width, attr_t attr,
	    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* A full-width bar: the text then spaces. */
void	console_draw_bar(int y, attr_t attr, const char *text);
/* colours: the terminal has them (pairs 1-5 made by the screen). */
attr_t	console_draw_priority_attr(int colours, int priority);
/* src fitted to cols columns and padded, into dst (see console_text_fit). */
const char *console_draw_fit(char *dst, size_t len, const char *src, int cols);
/* "…" where the locale can show it, else "~". */
const char *console_draw_ellipsis(void);

#endif
