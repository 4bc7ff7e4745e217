/* Unit tests for the local-time grammar (when.h), in Europe/London across DST. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "refuge/timefmt.h"
#include "refuge/when.h"

static int64_t
utc(const char *iso)
{
	int64_t	ms;

	ck_assert_msg(timefmt_parse_iso8601(iso, &ms) == 0, "bad fixture %s",
	    iso);
	return ms;
}

static int64_t
when(const char *text, const char *now, int end)
{
	int64_t	ms = -42;

	ck_assert_msg(when_parse(text, utc(now), end, &ms) == 0,
	    "\"%s\" rejected", text);
	return ms;
}

START_TEST(dates_are_local_midnights)
{
	/* Summer: London is UTC+1, so local midnight is 23:00 the day before. */
	ck_assert_int_eq(when("2026-07-01", "2026-12-02T10:00:00Z", 0),
	    utc("2026-06-30T23:00:00Z"));
	ck_assert_int_eq(when("2026-07-01", "2026-12-02T10:00:00Z", 1),
	    utc("2026-07-01T23:00:00Z"));
	/* Winter: UTC+0. */
	ck_assert_int_eq(when("2026-12-01", "2026-12-02T10:00:00Z", 0),
	    utc("2026-12-01T00:00:00Z"));
	ck_assert_int_eq(when("2026-12-01T18:30", "2026-12-02T10:00:00Z", 0),
	    utc("2026-12-01T18:30:00Z"));
	ck_assert_int_eq(when("2026-07-01 18:30:05", "2026-12-02T10:00:00Z", 0),
	    utc("2026-07-01T17:30:05Z"));
	/* An explicit Z is UTC whatever the zone. */
	ck_assert_int_eq(when("2026-07-01T18:30:05Z", "2026-12-02T10:00:00Z",
	    0), utc("2026-07-01T18:30:05Z"));
}
END_TEST

START_TEST(today_and_yesterday_cross_dst)
{
	/* 2026-03-29: clocks go forward at 01:00 UTC; that day has 23 hours. */
	const char	*now = "2026-03-29T12:00:00Z";

	ck_assert_int_eq(when("today", now, 0), utc("2026-03-29T00:00:00Z"));
	ck_assert_int_eq(when("today", now, 1), utc("2026-03-29T23:00:00Z"));
	ck_assert_int_eq(when("yesterday", now, 0), utc("2026-03-28T00:00:00Z"));
	ck_assert_int_eq(when("yesterday", now, 1), utc("2026-03-29T00:00:00Z"));
	/* 2026-10-25: clocks go back; that day has 25 hours. */
	ck_assert_int_eq(when("today", "2026-10-25T20:00:00Z", 1),
	    utc("2026-10-26T00:00:00Z"));
	ck_assert_int_eq(when("today", "2026-10-25T20:00:00Z", 0),
	    utc("2026-10-24T23:00:00Z"));
}
END_TEST

START_TEST(spans_count_back_from_now)
{
	const char	*now = "2026-12-02T10:00:00Z";

	ck_assert_int_eq(when("1h", now, 0), utc("2026-12-02T09:00:00Z"));
	ck_assert_int_eq(when("7d", now, 0), utc("2026-11-25T10:00:00Z"));
	ck_assert_int_eq(when("36h", now, 1), utc("2026-11-30T22:00:00Z"));
}
END_TEST

START_TEST(rejects)
{
	static const char	*bad[] = {
		"", "tomorrow", "0h", "-1d", "7", "7w", "d", "1hh", "2026-13-01",
		"2026-02-30", "2026-12-01T25:00", "2026-12-01T10", "2026-12-01x",
		"2026-12-01T10:00:00+01:00", "100001d", "Today",
	};
	int64_t			 ms;
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(when_parse(bad[i], 0, 0, &ms) == -1,
		    "\"%s\" accepted", bad[i]);
}
END_TEST

START_TEST(local_display_and_ages)
{
	char	buf[WHEN_LOCAL_LEN], ago[32];

	when_local(utc("2026-07-01T17:30:05.900Z"), buf);
	ck_assert_str_eq(buf, "2026-07-01 18:30:05");
	ck_assert_int_eq(when_offset(utc("2026-07-01T17:30:05Z")), 3600);
	ck_assert_str_eq(when_ago(0, 3000, ago, sizeof(ago)), "just now");
	ck_assert_str_eq(when_ago(0, 42000, ago, sizeof(ago)), "42 s ago");
	ck_assert_str_eq(when_ago(0, 180000, ago, sizeof(ago)), "3 min ago");
	ck_assert_str_eq(when_ago(0, 3LL * 3600000, ago, sizeof(ago)),
	    "3 h ago");
	ck_assert_str_eq(when_ago(0, 5LL * 86400000, ago, sizeof(ago)),
	    "5 days ago");
	ck_assert_str_eq(when_ago(60000, 0, ago, sizeof(ago)), "in 60 s");
}
END_TEST

static Suite *
when_suite(void)
{
	Suite	*s = suite_create("when");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, dates_are_local_midnights);
	tcase_add_test(tc, today_and_yesterday_cross_dst);
	tcase_add_test(tc, spans_count_back_from_now);
	tcase_add_test(tc, rejects);
	tcase_add_test(tc, local_display_and_ages);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	/* The zone is the process's, as timenow_set_zone() leaves it. */
	setenv("TZ", "Europe/London", 1);
	tzset();
	sr = srunner_create(when_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
