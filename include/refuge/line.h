/*
 * Protocol line tokeniser, shared by the unit and operator protocols. Pure.
 * A line is at most LINE_MAX_BYTES bytes before its LF (CRLF accepted by the
 * reader). Tokens are separated by one or more spaces; a token is a word,
 * key=value, or a double-quoted string; values may be double-quoted with
 * \" and \\ escapes.
 */
#ifndef REFUGE_LINE_H
#define REFUGE_LINE_H

#include <stddef.h>

#define LINE_MAX_BYTES	512
#define LINE_MAX_TOKENS	40

struct line_token {
	const char	*key;		/* NULL unless the token was key=value */
	const char	*value;		/* the word, the value, or the unquoted string */
	int		 quoted;	/* value was written in double quotes */
};

struct line_parsed {
	char			 storage[LINE_MAX_BYTES + LINE_MAX_TOKENS + 2];
	size_t			 count;
	struct line_token	 tokens[LINE_MAX_TOKENS];
};

/*
 * Splits one line (without its LF or CR) into tokens. Returns 0, or -1 with a
 * short reason in err ("line too long", "unterminated quote", "bad escape",
 * "bad quote" (a quote inside a word, or text right after a closing quote),
 * "bad attribute key" (key of key=value not 1-32 of [a-z0-9_]),
 * "too many tokens", "control character", "empty line"). A bare word's value
 * may hold further '=' ("a=b=c" is key "a", value "b=c"); "k=" has value "".
 */
int	line_parse(struct line_parsed *, const char *line, size_t len,
	    char *err, size_t errlen);

/*
 * Writes value to dst, double-quoted with escapes when it is empty or holds a
 * space, a quote, a backslash or '='; bare otherwise. Returns the length
 * written, or -1 if it does not fit or value holds a control character,
 * which no line can carry (dst is then an empty string).
 */
int	line_quote(char *dst, size_t dstlen, const char *value);

/* 1 if s is 1-64 of [A-Za-z0-9._:-] (event ids, unit ids, command ids). */
int	line_is_ident(const char *s);

#endif
