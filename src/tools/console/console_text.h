/*
 * refuge-console's text helpers: fitting a string into so many columns with
 * an ellipsis, sizing the stack's columns to the screen, and base64 for the
 * clipboard (OSC 52). Pure; below the screen.
 */
#ifndef REFUGE_CONSOLE_TEXT_H
#define REFUGE_CONSOLE_TEXT_H

#include <stddef.h>

/* The stack's columns, in the order drawn. */
enum console_col {
	CONSOLE_COL_ID,
	CONSOLE_COL_PRIO,
	CONSOLE_COL_AGE,
	CONSOLE_COL_STATE,
	CONSOLE_COL_TYPE,
	CONSOLE_COL_UNIT,
	CONSOLE_COL_NAME,
	CONSOLE_COL_SITE,
	CONSOLE_COLS
};

/*
 * Copies src into dst cut to at most cols columns (a UTF-8 character is one
 * column), ending in ellipsis ("…" or "~") when cut, and padded with spaces
 * to exactly cols when pad is set. dst must hold 4 * cols + 1 bytes.
 */
void	console_text_fit(char *dst, size_t len, const char *src, int cols,
	    const char *ellipsis, int pad);
/* Columns src takes (UTF-8 characters). */
int	console_text_cols(const char *src);
/*
 * Widths of the stack's columns for a screen cols wide, one column of space
 * between them: the fixed ones first, what is left shared by name and site
 * (name two thirds); each at least 1.
 */
void	console_text_columns(int cols, int widths[CONSOLE_COLS]);
/* base64 of len bytes of src into dst; -1 if dst is too small. */
int	console_text_base64(char *dst, size_t dstlen, const char *src,
	    size_t len);

#endif
