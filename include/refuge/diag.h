/* Error messages collected while validating input ("file:line:column: what"). Pure. */
#ifndef REFUGE_DIAG_H
#define REFUGE_DIAG_H

#include <stddef.h>

#define DIAG_MAX_MESSAGES 200

struct diag {
	size_t	  count;
	char	**messages;
	int	  truncated;	/* more than DIAG_MAX_MESSAGES were added */
};

void	diag_init(struct diag *);
/* Appends "file:line:column: message"; line/column are 1-based, 0 omits them. */
void	diag_add(struct diag *, const char *file, size_t line, size_t column,
	    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void	diag_clear(struct diag *);

#endif
