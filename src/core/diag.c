/* Collected validation messages. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refuge/diag.h"

void
diag_init(struct diag *d)
{
	memset(d, 0, sizeof(*d));
}

void
diag_add(struct diag *d, const char *file, size_t line, size_t column,
    const char *fmt, ...)
{
	char	 text[1024], where[512], **grown, *message;
	va_list	 ap;
	int	 n;

	if (d->count >= DIAG_MAX_MESSAGES) {
		d->truncated = 1;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (line > 0 && column > 0)
		snprintf(where, sizeof(where), "%s:%zu:%zu: ", file, line, column);
	else if (line > 0)
		snprintf(where, sizeof(where), "%s:%zu: ", file, line);
	else
		snprintf(where, sizeof(where), "%s: ", file);
	n = snprintf(NULL, 0, "%s%s", where, text);
	/* Out of memory loses the message but never the fact of an error. */
	if (n < 0 || (message = malloc((size_t)n + 1)) == NULL) {
		d->truncated = 1;
		return;
	}
	snprintf(message, (size_t)n + 1, "%s%s", where, text);
	grown = realloc(d->messages, (d->count + 1) * sizeof(*d->messages));
	if (grown == NULL) {
		free(message);
		d->truncated = 1;
		return;
	}
	d->messages = grown;
	d->messages[d->count++] = message;
}

void
diag_clear(struct diag *d)
{
	size_t	i;

	for (i = 0; i < d->count; i++)
		free(d->messages[i]);
	free(d->messages);
	diag_init(d);
}
