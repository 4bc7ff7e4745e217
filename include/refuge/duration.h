/* Durations as written in the configuration and protocols. Pure. */
#ifndef REFUGE_DURATION_H
#define REFUGE_DURATION_H

#include <stdint.h>

/*
 * Parses "<digits><unit>" with unit ms, s, m, h or d, or bare digits meaning
 * seconds ("30s", "500ms", "5m", "1h", "30"). Result in milliseconds, at most
 * 366 days. Returns 0 or -1.
 */
int	duration_parse(const char *text, int64_t *ms);
/* Formats ms as the shortest exact "<n><unit>". */
void	duration_format(int64_t ms, char *buf, int buflen);

#endif
