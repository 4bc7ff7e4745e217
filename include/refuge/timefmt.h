/* UTC ISO 8601 timestamps with milliseconds ("2026-11-25T21:34:50.123Z"). Pure. */
#ifndef REFUGE_TIMEFMT_H
#define REFUGE_TIMEFMT_H

#include <stdint.h>

#define TIMEFMT_ISO_LEN	32

void	timefmt_iso8601(int64_t unix_ms, char buf[TIMEFMT_ISO_LEN]);
/*
 * Accepts "YYYY-MM-DD", "YYYY-MM-DDTHH:MM:SS[.mmm]Z" (also with ' ' for 'T').
 * Returns 0 and unix milliseconds, or -1.
 */
int	timefmt_parse_iso8601(const char *text, int64_t *unix_ms);

#endif
