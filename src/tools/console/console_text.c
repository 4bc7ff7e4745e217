/*
 * Text for a screen of any width (console_text.h): fitting with an
 * ellipsis, the stack's column widths, and base64 for OSC 52. Pure.
 */
#include <stdio.h>
#include <string.h>

#include "console_text.h"

static int
console_text_lead(unsigned char c)
{
	return (c & 0xc0) != 0x80;
}

int
console_text_cols(const char *src)
{
	int	n = 0;

	for (; *src != '\0'; src++)
		if (console_text_lead((unsigned char)*src))
			n++;
	return n;
}

void
console_text_fit(char *dst, size_t len, const char *src, int cols,
    const char *ellipsis, int pad)
{
	size_t	i = 0, out = 0, keep;
	int	used = 0, total = console_text_cols(src), limit;

	if (len == 0)
		return;
	dst[0] = '\0';
	if (cols <= 0)
		return;
	/* Cut: cols - 1 characters, then the ellipsis. */
	limit = total > cols ? cols - 1 : cols;
	while (src[i] != '\0') {
		if (console_text_lead((unsigned char)src[i])) {
			if (used == limit)
				break;
			used++;
		}
		i++;
	}
	keep = i;
	if (keep >= len)
		keep = len - 1;
	/* Never split a character when dst is short. */
	while (keep > 0 && keep < i && !console_text_lead((unsigned char)src[keep]))
		keep--;
	memcpy(dst, src, keep);
	out = keep;
	if (total > cols && out + strlen(ellipsis) < len) {
		memcpy(dst + out, ellipsis, strlen(ellipsis));
		out += strlen(ellipsis);
		used++;
	}
	while (pad && used < cols && out + 1 < len) {
		dst[out++] = ' ';
		used++;
	}
	dst[out] = '\0';
}

void
console_text_columns(int cols, int w[CONSOLE_COLS])
{
	int	left, fixed, i;

	/* The mark column before ID, then one space after each column. */
	w[CONSOLE_COL_ID] = 6;
	w[CONSOLE_COL_PRIO] = 1;
	w[CONSOLE_COL_AGE] = 8;
	w[CONSOLE_COL_STATE] = cols >= 120 ? 18 : 13;
	w[CONSOLE_COL_TYPE] = cols >= 120 ? 14 : 12;
	w[CONSOLE_COL_UNIT] = cols >= 120 ? 12 : 8;
	fixed = 1;
	for (i = CONSOLE_COL_ID; i <= CONSOLE_COL_UNIT; i++)
		fixed += w[i] + 1;
	left = cols - fixed - 1;
	w[CONSOLE_COL_NAME] = left * 2 / 3;
	w[CONSOLE_COL_SITE] = left - w[CONSOLE_COL_NAME];
	/* Past what a name or site needs, the rest stays blank. */
	if (w[CONSOLE_COL_NAME] > 60)
		w[CONSOLE_COL_NAME] = 60;
	if (w[CONSOLE_COL_SITE] > 40)
		w[CONSOLE_COL_SITE] = 40;
	for (i = 0; i < CONSOLE_COLS; i++)
		if (w[i] < 1)
			w[i] = 1;
}

int
console_text_base64(char *dst, size_t dstlen, const char *src, size_t len)
{
	static const char	 abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "abcdefghijklmnopqrstuvwxyz0123456789+/";
	const unsigned char	*s = (const unsigned char *)src;
	size_t			 i, o = 0;
	unsigned long		 v;

	if (dstlen < (len + 2) / 3 * 4 + 1)
		return -1;
	for (i = 0; i < len; i += 3) {
		v = (unsigned long)s[i] << 16;
		if (i + 1 < len)
			v |= (unsigned long)s[i + 1] << 8;
		if (i + 2 < len)
			v |= s[i + 2];
		dst[o++] = abc[(v >> 18) & 63];
		dst[o++] = abc[(v >> 12) & 63];
		dst[o++] = i + 1 < len ? abc[(v >> 6) & 63] : '=';
		dst[o++] = i + 2 < len ? abc[v & 63] : '=';
	}
	dst[o] = '\0';
	return 0;
}
