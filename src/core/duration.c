/* Durations: "<digits>[ms|s|m|h|d]" to milliseconds and back. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "refuge/duration.h"

#define DURATION_MAX_MS	(366LL * 24 * 3600 * 1000)

struct duration_unit {
	const char	*suffix;
	int64_t		 ms;
};

/* Largest first, so formatting picks the shortest exact form. */
static const struct duration_unit duration_units[] = {
	{ "d",	24LL * 3600 * 1000 },
	{ "h",	3600LL * 1000 },
	{ "m",	60LL * 1000 },
	{ "s",	1000 },
	{ "ms",	1 },
};

#define DURATION_NUNITS	(sizeof(duration_units) / sizeof(duration_units[0]))

int
duration_parse(const char *text, int64_t *ms)
{
	const char	*p = text;
	int64_t		 n = 0, mult = -1;
	size_t		 i;

	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		n = n * 10 + (*p - '0');
		/* Anything past the cap in ms is past it in every unit. */
		if (n > DURATION_MAX_MS)
			return -1;
	}
	if (*p == '\0')
		mult = 1000;
	for (i = 0; mult == -1 && i < DURATION_NUNITS; i++) {
		if (strcmp(p, duration_units[i].suffix) == 0)
			mult = duration_units[i].ms;
	}
	if (mult == -1 || n > DURATION_MAX_MS / mult)
		return -1;
	*ms = n * mult;
	return 0;
}

void
duration_format(int64_t ms, char *buf, int buflen)
{
	size_t	i;

	if (buflen <= 0)
		return;
	if (ms == 0) {
		snprintf(buf, (size_t)buflen, "0s");
		return;
	}
	for (i = 0; i < DURATION_NUNITS; i++) {
		if (ms % duration_units[i].ms == 0)
			break;
	}
	snprintf(buf, (size_t)buflen, "%" PRId64 "%s",
	    ms / duration_units[i].ms, duration_units[i].suffix);
}
