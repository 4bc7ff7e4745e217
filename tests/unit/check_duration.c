/* Unit tests for duration parsing and formatting. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "refuge/duration.h"

#define DAY_MS	(86400LL * 1000)

static int64_t
parsed(const char *s)
{
	int64_t	ms = -42;

	ck_assert_msg(duration_parse(s, &ms) == 0, "\"%s\" rejected", s);
	return ms;
}

START_TEST(units)
{
	ck_assert_int_eq(parsed("500ms"), 500);
	ck_assert_int_eq(parsed("30s"), 30000);
	ck_assert_int_eq(parsed("30"), 30000);
	ck_assert_int_eq(parsed("5m"), 300000);
	ck_assert_int_eq(parsed("1h"), 3600000);
	ck_assert_int_eq(parsed("2d"), 2 * DAY_MS);
	ck_assert_int_eq(parsed("0"), 0);
	ck_assert_int_eq(parsed("0ms"), 0);
	ck_assert_int_eq(parsed("007s"), 7000);
}
END_TEST

START_TEST(cap_at_366_days)
{
	ck_assert_int_eq(parsed("366d"), 366 * DAY_MS);
	ck_assert_int_eq(parsed("8784h"), 366 * DAY_MS);
	ck_assert_int_eq(parsed("31622400"), 366 * DAY_MS);
	ck_assert_int_eq(parsed("31622400000ms"), 366 * DAY_MS);
}
END_TEST

START_TEST(rejects)
{
	static const char *const bad[] = {
		"", "s", "ms", "-1s", "-1", "+1s", " 1s", "1s ", "1 s", "1.5s",
		"1S", "1sec", "1w", "1y", "1mss", "1dd", "0x10", "367d", "8785h",
		"31622401", "31622400001ms",
		"99999999999999999999999999999999ms", "9223372036854775808",
		"9223372036854775807d",
	};
	size_t	i;
	int64_t	ms;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ms = -42;
		ck_assert_msg(duration_parse(bad[i], &ms) == -1,
		    "\"%s\" accepted", bad[i]);
		ck_assert_int_eq(ms, -42);
	}
}
END_TEST

START_TEST(format_shortest)
{
	static const struct {
		int64_t		 ms;
		const char	*text;
	} cases[] = {
		{ 30000, "30s" }, { 1500, "1500ms" }, { 120000, "2m" },
		{ 3600000, "1h" }, { DAY_MS, "1d" }, { 90000, "90s" },
		{ 5400000, "90m" }, { 1, "1ms" }, { 0, "0s" },
		{ 366 * DAY_MS, "366d" }, { 25 * 3600000LL, "25h" },
	};
	char	buf[32];
	int64_t	back;
	size_t	i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		duration_format(cases[i].ms, buf, sizeof(buf));
		ck_assert_str_eq(buf, cases[i].text);
		ck_assert_int_eq(duration_parse(buf, &back), 0);
		ck_assert_int_eq(back, cases[i].ms);
	}
}
END_TEST

START_TEST(format_truncates_safely)
{
	char	buf[4] = "zzz";

	duration_format(1500, buf, sizeof(buf));
	ck_assert_str_eq(buf, "150");
	duration_format(1500, buf, 0);
	ck_assert_str_eq(buf, "150");
}
END_TEST

static Suite *
duration_suite(void)
{
	Suite	*s = suite_create("duration");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, units);
	tcase_add_test(tc, cap_at_366_days);
	tcase_add_test(tc, rejects);
	tcase_add_test(tc, format_shortest);
	tcase_add_test(tc, format_truncates_safely);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(duration_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
