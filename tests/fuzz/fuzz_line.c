/*
 * libFuzzer harness for line_parse. Beyond not crashing, every accepted line
 * must survive a round trip: tokens written back with line_quote parse to
 * the same tokens.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "refuge/line.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
fuzz_line_check_token(const struct line_parsed *lp, size_t i)
{
	const struct line_token	*t = &lp->tokens[i];
	const char		*end = lp->storage + sizeof(lp->storage);

	if (t->value < lp->storage || t->value >= end ||
	    memchr(t->value, '\0', (size_t)(end - t->value)) == NULL)
		abort();
	if (t->key != NULL && (t->key < lp->storage || t->key >= t->value ||
	    t->key[0] == '\0'))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct line_parsed	 a, b;
	char				 err[64], out[4 * LINE_MAX_BYTES];
	size_t				 i, n = 0;
	int				 r;

	if (line_parse(&a, (const char *)data, size, err, sizeof(err)) == -1) {
		if (err[0] == '\0' || strchr(err, '\n') != NULL)
			abort();
		return 0;
	}
	if (a.count == 0 || a.count > LINE_MAX_TOKENS)
		abort();
	for (i = 0; i < a.count; i++) {
		fuzz_line_check_token(&a, i);
		if (i > 0)
			out[n++] = ' ';
		if (a.tokens[i].key != NULL) {
			r = (int)strlen(a.tokens[i].key);
			memcpy(out + n, a.tokens[i].key, (size_t)r);
			n += (size_t)r;
			out[n++] = '=';
		}
		r = line_quote(out + n, sizeof(out) - n, a.tokens[i].value);
		if (r < 0)
			abort();
		n += (size_t)r;
	}
	if (n > LINE_MAX_BYTES)
		return 0;
	if (line_parse(&b, out, n, err, sizeof(err)) == -1 || b.count != a.count)
		abort();
	for (i = 0; i < a.count; i++) {
		if ((a.tokens[i].key == NULL) != (b.tokens[i].key == NULL) ||
		    strcmp(a.tokens[i].value, b.tokens[i].value) != 0 ||
		    (a.tokens[i].key != NULL &&
		    strcmp(a.tokens[i].key, b.tokens[i].key) != 0))
			abort();
	}
	return 0;
}
