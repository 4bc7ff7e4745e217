/*
 * Local moments through the C library's zone rules (localtime_r, mktime),
 * which follow the process's TZ: the conversion across a DST change is the
 * library's, not ours.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "refuge/timefmt.h"
#include "refuge/when.h"

#define WHEN_HOUR_MS	(3600LL * 1000)
#define WHEN_DAY_MS	(24 * WHEN_HOUR_MS)

const char when_grammar[] = "an ISO date or time (YYYY-MM-DD, "
    "YYYY-MM-DDTHH:MM[:SS], or UTC with Z), today, yesterday, <n>h or <n>d";

/* Local midnight days after the day holding ms (days may be negative). */
static int
when_midnight(int64_t ms, int days, int64_t *out)
{
	struct tm	tm;
	time_t		t = (time_t)(ms / 1000), r;

	if (localtime_r(&t, &tm) == NULL)
		return -1;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_mday += days;
	tm.tm_isdst = -1;
	if ((r = mktime(&tm)) == (time_t)-1)
		return -1;
	*out = (int64_t)r * 1000;
	return 0;
}

/* "<n>h" or "<n>d": 0 and the span in ms, or -1. */
static int
when_span(const char *text, int64_t *span)
{
	char	*end;
	long	 n;

	if (text[0] < '0' || text[0] > '9')
		return -1;
	n = strtol(text, &end, 10);
	if (n < 1 || n > 100000 || end[0] == '\0' || end[1] != '\0')
		return -1;
	if (end[0] == 'h')
		*span = n * WHEN_HOUR_MS;
	else if (end[0] == 'd')
		*span = n * WHEN_DAY_MS;
	else
		return -1;
	return 0;
}

/* "YYYY-MM-DD[(T| )HH:MM[:SS]]" in local time. */
static int
when_local_iso(const char *text, int end, int64_t *ms)
{
	struct tm	tm;
	time_t		r;
	int		y, mo, d, h = 0, mi = 0, s = 0, n = 0, len;
	int64_t		check;

	len = (int)strlen(text);
	if (sscanf(text, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
		return -1;
	/* The calendar check is timefmt's: a real date, whatever the zone. */
	{
		char	date[11];

		memcpy(date, text, 10);
		date[10] = '\0';
		if (timefmt_parse_iso8601(date, &check) == -1)
			return -1;
	}
	if (len > 10) {
		if (text[10] != 'T' && text[10] != ' ')
			return -1;
		n = 0;
		if (len == 16 && sscanf(text + 11, "%2d:%2d%n", &h, &mi, &n) ==
		    2 && n == 5)
			;
		else if (len == 19 && sscanf(text + 11, "%2d:%2d:%2d%n", &h,
		    &mi, &s, &n) == 3 && n == 8)
			;
		else
			return -1;
		if (h > 23 || mi > 59 || s > 59 || text[13] != ':')
			return -1;
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d + (len == 10 && end);
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	tm.tm_isdst = -1;
	if ((r = mktime(&tm)) == (time_t)-1)
		return -1;
	*ms = (int64_t)r * 1000;
	return 0;
}

int
when_parse(const char *text, int64_t now_ms, int end, int64_t *ms)
{
	int64_t	span;
	size_t	len;

	if (text == NULL || (len = strlen(text)) == 0 || len > 32)
		return -1;
	if (strcmp(text, "today") == 0)
		return when_midnight(now_ms, end ? 1 : 0, ms);
	if (strcmp(text, "yesterday") == 0)
		return when_midnight(now_ms, end ? 0 : -1, ms);
	if (when_span(text, &span) == 0) {
		*ms = now_ms - span;
		return 0;
	}
	if (text[len - 1] == 'Z')
		return timefmt_parse_iso8601(text, ms);
	return when_local_iso(text, end, ms);
}

void
when_local(int64_t ms, char buf[WHEN_LOCAL_LEN])
{
	struct tm	tm;
	time_t		t = (time_t)(ms / 1000);

	if (ms < 0 || localtime_r(&t, &tm) == NULL ||
	    strftime(buf, WHEN_LOCAL_LEN, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(buf, WHEN_LOCAL_LEN, "-");
}

const char *
when_ago(int64_t ms, int64_t now_ms, char *buf, size_t len)
{
	int64_t	d = (now_ms - ms) / 1000;
	int	ahead = d < 0;

	if (ahead)
		d = -d;
	if (d < 5)
		snprintf(buf, len, "just now");
	else if (d < 120)
		snprintf(buf, len, ahead ? "in %lld s" : "%lld s ago",
		    (long long)d);
	else if (d < 2 * 3600)
		snprintf(buf, len, ahead ? "in %lld min" : "%lld min ago",
		    (long long)(d / 60));
	else if (d < 2 * 86400)
		snprintf(buf, len, ahead ? "in %lld h" : "%lld h ago",
		    (long long)(d / 3600));
	else
		snprintf(buf, len, ahead ? "in %lld days" : "%lld days ago",
		    (long long)(d / 86400));
	return buf;
}

long
when_offset(int64_t ms)
{
	struct tm	tm;
	time_t		t = (time_t)(ms / 1000);

	if (localtime_r(&t, &tm) == NULL)
		return 0;
	return tm.tm_gmtoff;
}
