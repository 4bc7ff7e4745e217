/*
 * Protocol line tokeniser. The line is copied into the caller's storage and
 * split in place: separators and '=' become NULs and quoted strings are
 * unescaped where they stand, so every token points into that storage.
 */
#include <stdio.h>
#include <string.h>

#include "refuge/line.h"

#define LINE_KEY_MAX	32
#define LINE_IDENT_MAX	64

static int
line_fail(struct line_parsed *lp, char *err, size_t errlen, const char *why)
{
	lp->count = 0;
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", why);
	return -1;
}

static int
line_is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

static int
line_key_ok(const char *s, size_t n)
{
	size_t	i;

	if (n == 0 || n > LINE_KEY_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	}
	return 1;
}

/*
 * Unescapes the quoted string whose opening quote is at *pp, writing it over
 * itself from that quote on. Leaves *pp just past the closing quote.
 */
static const char *
line_unquote(char **pp, const char **why)
{
	char	*r = *pp + 1, *w = *pp, *start = *pp;

	for (;;) {
		if (*r == '\0') {
			*why = "unterminated quote";
			return NULL;
		}
		if (*r == '"')
			break;
		if (*r == '\\') {
			r++;
			if (*r != '"' && *r != '\\') {
				*why = *r == '\0' ? "unterminated quote" :
				    "bad escape";
				return NULL;
			}
		}
		*w++ = *r++;
	}
	r++;
	if (*r != ' ' && *r != '\0') {
		*why = "bad quote";
		return NULL;
	}
	*w = '\0';
	*pp = r;
	return start;
}

/* Reads a bare word up to a space or the end; a quote inside is an error. */
static const char *
line_bare(char **pp, const char **why)
{
	char	*p = *pp, *start = *pp;

	while (*p != ' ' && *p != '\0') {
		if (*p == '"') {
			*why = "bad quote";
			return NULL;
		}
		p++;
	}
	*pp = p;
	return start;
}

int
line_parse(struct line_parsed *lp, const char *line, size_t len,
    char *err, size_t errlen)
{
	struct line_token	*t;
	const char		*why = NULL;
	char			*p, *s;
	size_t			 i;

	lp->count = 0;
	if (len > LINE_MAX_BYTES)
		return line_fail(lp, err, errlen, "line too long");
	for (i = 0; i < len; i++) {
		if (line_is_ctl((unsigned char)line[i]))
			return line_fail(lp, err, errlen, "control character");
	}
	memcpy(lp->storage, line, len);
	lp->storage[len] = '\0';

	p = lp->storage;
	for (;;) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		if (lp->count == LINE_MAX_TOKENS)
			return line_fail(lp, err, errlen, "too many tokens");
		t = &lp->tokens[lp->count];
		t->key = NULL;
		t->quoted = 0;
		if (*p == '"') {
			t->quoted = 1;
			t->value = line_unquote(&p, &why);
		} else {
			s = p;
			while (*p != ' ' && *p != '\0' && *p != '=' &&
			    *p != '"')
				p++;
			if (*p == '=') {
				if (!line_key_ok(s, (size_t)(p - s)))
					return line_fail(lp, err, errlen,
					    "bad attribute key");
				*p++ = '\0';
				t->key = s;
				if (*p == '"') {
					t->quoted = 1;
					t->value = line_unquote(&p, &why);
				} else
					t->value = line_bare(&p, &why);
			} else {
				p = s;
				t->value = line_bare(&p, &why);
			}
		}
		if (t->value == NULL)
			return line_fail(lp, err, errlen, why);
		/* p is at the separating space or the end. */
		if (*p == ' ')
			*p++ = '\0';
		lp->count++;
	}
	if (lp->count == 0)
		return line_fail(lp, err, errlen, "empty line");
	return 0;
}

int
line_quote(char *dst, size_t dstlen, const char *value)
{
	const char	*v;
	size_t		 n = 0;
	int		 quote = value[0] == '\0';

	for (v = value; *v != '\0'; v++) {
		if (line_is_ctl((unsigned char)*v))
			goto fail;
		if (*v == ' ' || *v == '"' || *v == '\\' || *v == '=')
			quote = 1;
	}
	if (quote && n < dstlen)
		dst[n++] = '"';
	for (v = value; *v != '\0'; v++) {
		if (quote && (*v == '"' || *v == '\\')) {
			if (n + 1 >= dstlen)
				goto fail;
			dst[n++] = '\\';
		}
		if (n + 1 >= dstlen)
			goto fail;
		dst[n++] = *v;
	}
	if (quote) {
		if (n + 1 >= dstlen)
			goto fail;
		dst[n++] = '"';
	}
	if (n >= dstlen)
		goto fail;
	dst[n] = '\0';
	return (int)n;
fail:
	if (dstlen > 0)
		dst[0] = '\0';
	return -1;
}

int
line_is_ident(const char *s)
{
	size_t	i;

	for (i = 0; s[i] != '\0'; i++) {
		if (i == LINE_IDENT_MAX)
			return 0;
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '.' || s[i] == '_' || s[i] == ':' || s[i] == '-'))
			return 0;
	}
	return i > 0;
}
