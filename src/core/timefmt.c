/*
 * UTC timestamps by civil-calendar arithmetic (Howard Hinnant's
 * days_from_civil), so the result never depends on TZ or the C library.
 */
#include <inttypes.h>
#include <stdio.h>

#include "refuge/timefmt.h"

#define TIMEFMT_DAY_MS	(86400LL * 1000)

static int64_t
timefmt_floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t
timefmt_days_from_civil(int64_t y, int m, int d)
{
	int64_t	era, yoe, doy, doe;

	y -= m <= 2;
	era = timefmt_floor_div(y, 400);
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
timefmt_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t	era, doe, yoe, doy, mp;

	z += 719468;
	era = timefmt_floor_div(z, 146097);
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

void
timefmt_iso8601(int64_t unix_ms, char buf[TIMEFMT_ISO_LEN])
{
	int64_t	days, rem, y;
	int	m, d;

	/* Not days * TIMEFMT_DAY_MS: near INT64_MIN that would overflow. */
	days = unix_ms / TIMEFMT_DAY_MS;
	rem = unix_ms % TIMEFMT_DAY_MS;
	if (rem < 0) {
		days--;
		rem += TIMEFMT_DAY_MS;
	}
	timefmt_civil_from_days(days, &y, &m, &d);
	snprintf(buf, TIMEFMT_ISO_LEN,
	    "%04" PRId64 "-%02d-%02dT%02d:%02d:%02d.%03dZ", y, m, d,
	    (int)(rem / 3600000), (int)(rem / 60000 % 60),
	    (int)(rem / 1000 % 60), (int)(rem % 1000));
}

/* Reads exactly n digits. */
static int
timefmt_digits(const char **pp, int n, int *out)
{
	const char	*p = *pp;
	int		 v = 0, i;

	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	*pp = p + n;
	*out = v;
	return 0;
}

static int
timefmt_expect(const char **pp, char c)
{
	if (**pp != c)
		return -1;
	(*pp)++;
	return 0;
}

static int
timefmt_days_in_month(int y, int m)
{
	static const int	 mdays[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	if (m == 2 && (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return 29;
	return mdays[m - 1];
}

int
timefmt_parse_iso8601(const char *text, int64_t *unix_ms)
{
	const char	*p = text;
	int		 y, mo, d, h = 0, mi = 0, s = 0, ms = 0;

	if (timefmt_digits(&p, 4, &y) == -1 || timefmt_expect(&p, '-') == -1 ||
	    timefmt_digits(&p, 2, &mo) == -1 || timefmt_expect(&p, '-') == -1 ||
	    timefmt_digits(&p, 2, &d) == -1)
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > timefmt_days_in_month(y, mo))
		return -1;
	if (*p != '\0') {
		if (*p != 'T' && *p != ' ')
			return -1;
		p++;
		if (timefmt_digits(&p, 2, &h) == -1 ||
		    timefmt_expect(&p, ':') == -1 ||
		    timefmt_digits(&p, 2, &mi) == -1 ||
		    timefmt_expect(&p, ':') == -1 ||
		    timefmt_digits(&p, 2, &s) == -1)
			return -1;
		if (*p == '.' && (p++, timefmt_digits(&p, 3, &ms) == -1))
			return -1;
		if (timefmt_expect(&p, 'Z') == -1 || *p != '\0')
			return -1;
		if (h > 23 || mi > 59 || s > 59)
			return -1;
	}
	*unix_ms = timefmt_days_from_civil(y, mo, d) * TIMEFMT_DAY_MS +
	    ((int64_t)h * 3600 + mi * 60 + s) * 1000 + ms;
	return 0;
}
