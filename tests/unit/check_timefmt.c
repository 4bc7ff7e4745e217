/* Unit tests for UTC ISO 8601 timestamps. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "refuge/timefmt.h"

static int64_t
parsed(const char *s)
{
	int64_t	ms = -42;

	ck_assert_msg(timefmt_parse_iso8601(s, &ms) == 0, "\"%s\" rejected", s);
	return ms;
}

START_TEST(format_known_instants)
{
	static const struct {
		int64_t		 ms;
		const char	*text;
	} cases[] = {
		{ 0, "1970-01-01T00:00:00.000Z" },
		{ 1, "1970-01-01T00:00:00.001Z" },
		{ -1, "1969-12-31T23:59:59.999Z" },
		{ 951782400000LL, "2000-02-29T00:00:00.000Z" },
		{ 1709251199999LL, "2024-02-29T23:59:59.999Z" },
		{ 1795642490123LL, "2026-11-25T21:34:50.123Z" },
		{ 4102444800000LL, "2100-01-01T00:00:00.000Z" },
		{ 253402300799999LL, "9999-12-31T23:59:59.999Z" },
		{ -62135596800000LL, "0001-01-01T00:00:00.000Z" },
	};
	char	buf[TIMEFMT_ISO_LEN];
	size_t	i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		timefmt_iso8601(cases[i].ms, buf);
		ck_assert_str_eq(buf, cases[i].text);
		ck_assert_int_eq(parsed(buf), cases[i].ms);
	}
}
END_TEST

START_TEST(format_extremes_fit)
{
	char	buf[TIMEFMT_ISO_LEN];

	timefmt_iso8601(INT64_MAX, buf);
	ck_assert_str_eq(buf, "292278994-08-17T07:12:55.807Z");
	timefmt_iso8601(INT64_MIN, buf);
	ck_assert_str_eq(buf, "-292275055-05-16T16:47:04.192Z");
}
END_TEST

START_TEST(parse_forms)
{
	ck_assert_int_eq(parsed("2026-11-25"), 1795564800000LL);
	ck_assert_int_eq(parsed("2026-11-25T21:34:50Z"), 1795642490000LL);
	ck_assert_int_eq(parsed("2026-11-25 21:34:50Z"), 1795642490000LL);
	ck_assert_int_eq(parsed("2026-11-25T21:34:50.123Z"), 1795642490123LL);
	ck_assert_int_eq(parsed("2026-11-25T21:34:50.007Z"), 1795642490007LL);
	ck_assert_int_eq(parsed("1969-12-31T23:59:59.999Z"), -1);
	ck_assert_int_eq(parsed("2000-02-29"), 951782400000LL);
}
END_TEST

START_TEST(parse_rejects)
{
	static const char *const bad[] = {
		"", "2026", "2026-11", "2026-13-01", "2026-00-10", "2026-11-00",
		"2026-11-31", "2026-02-29", "2100-02-29", "2026-02-30",
		"26-11-25", "2026-1-25", "2026-11-5", "2026/11/25",
		"2026-11-25T", "2026-11-25T21:34:50", "2026-11-25T21:34Z",
		"2026-11-25T24:00:00Z", "2026-11-25T23:60:00Z",
		"2026-11-25T23:59:60Z", "2026-11-25T21:34:50.1Z",
		"2026-11-25T21:34:50.1234Z", "2026-11-25T21:34:50.Z",
		"2026-11-25T21:34:50Z ", " 2026-11-25", "2026-11-25x",
		"2026-11-25t21:34:50Z", "2026-11-25T21:34:50+00:00",
		"2026-11-25T21:34:50z", "+026-11-25",
	};
	size_t	i;
	int64_t	ms;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ms = -42;
		ck_assert_msg(timefmt_parse_iso8601(bad[i], &ms) == -1,
		    "\"%s\" accepted", bad[i]);
		ck_assert_int_eq(ms, -42);
	}
}
END_TEST

/* Every day of four centuries: the format and the parser agree. */
START_TEST(roundtrip_every_day)
{
	char	buf[TIMEFMT_ISO_LEN];
	int64_t	ms, day;

	for (day = -146097; day < 146097; day++) {
		ms = day * 86400000LL + 45296789;
		timefmt_iso8601(ms, buf);
		ck_assert_int_eq(parsed(buf), ms);
	}
}
END_TEST

static Suite *
timefmt_suite(void)
{
	Suite	*s = suite_create("timefmt");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, format_known_instants);
	tcase_add_test(tc, format_extremes_fit);
	tcase_add_test(tc, parse_forms);
	tcase_add_test(tc, parse_rejects);
	tcase_add_test(tc, roundtrip_every_day);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(timefmt_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
