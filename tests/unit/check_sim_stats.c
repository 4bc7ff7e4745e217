/* Unit tests for refuge-sim's latency histogram, rate parser and Poisson gaps. */
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "sim_stats.h"

static struct sim_stats	stats;

START_TEST(empty_is_zero)
{
	sim_stats_init(&stats);
	ck_assert_uint_eq(sim_stats_percentile(&stats, 50), 0);
	ck_assert_uint_eq(sim_stats_percentile(&stats, 100), 0);
	ck_assert_uint_eq(stats.count, 0);
}
END_TEST

START_TEST(percentiles_within_resolution)
{
	static const double	ps[] = { 1, 50, 80, 99, 99.9 };
	uint64_t		v, got, want;
	size_t			i;

	sim_stats_init(&stats);
	/* 1..100000 microseconds once each: percentile p is about p% of 100000. */
	for (v = 1; v <= 100000; v++)
		sim_stats_add(&stats, v);
	ck_assert_uint_eq(stats.count, 100000);
	ck_assert_uint_eq(stats.max, 100000);
	for (i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
		want = (uint64_t)(ps[i] * 1000);
		got = sim_stats_percentile(&stats, ps[i]);
		ck_assert_msg(got >= want * 0.96 && got <= want * 1.04,
		    "p%g: %llu, want about %llu", ps[i], (unsigned long long)got,
		    (unsigned long long)want);
	}
	ck_assert_uint_eq(sim_stats_percentile(&stats, 100), 100000);
}
END_TEST

START_TEST(small_values_are_exact)
{
	uint64_t	v;

	sim_stats_init(&stats);
	for (v = 0; v < 32; v++)
		sim_stats_add(&stats, 7);
	ck_assert_uint_eq(sim_stats_percentile(&stats, 50), 7);
	ck_assert_uint_eq(sim_stats_percentile(&stats, 99), 7);
}
END_TEST

START_TEST(huge_values_do_not_overflow)
{
	sim_stats_init(&stats);
	sim_stats_add(&stats, UINT64_MAX);
	sim_stats_add(&stats, 1);
	ck_assert_uint_eq(stats.max, UINT64_MAX);
	ck_assert_uint_ge(sim_stats_percentile(&stats, 100), UINT64_MAX / 2);
}
END_TEST

START_TEST(rates)
{
	double	r;

	ck_assert_int_eq(sim_stats_rate_parse("5", &r), 0);
	ck_assert_double_eq_tol(r, 5, 1e-9);
	ck_assert_int_eq(sim_stats_rate_parse("5/s", &r), 0);
	ck_assert_double_eq_tol(r, 5, 1e-9);
	ck_assert_int_eq(sim_stats_rate_parse("0.2/s", &r), 0);
	ck_assert_double_eq_tol(r, 0.2, 1e-9);
	ck_assert_int_eq(sim_stats_rate_parse("60/m", &r), 0);
	ck_assert_double_eq_tol(r, 1, 1e-9);
	ck_assert_int_eq(sim_stats_rate_parse("3600/h", &r), 0);
	ck_assert_double_eq_tol(r, 1, 1e-9);
	ck_assert_int_eq(sim_stats_rate_parse("0", &r), 0);
	ck_assert_double_eq_tol(r, 0, 1e-9);
}
END_TEST

START_TEST(bad_rates)
{
	static const char *const bad[] = { "", "-1", "x", "5/d", "5/", "/s",
	    "5 /s", "nan", "1e999" };
	double	r;
	size_t	i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(sim_stats_rate_parse(bad[i], &r) == -1,
		    "\"%s\" accepted", bad[i]);
}
END_TEST

START_TEST(poisson_gaps)
{
	double	u, gap, sum = 0;
	int	n = 0;

	/* The gap is -ln(1 - u) / rate; its mean over uniform u is 1 / rate. */
	for (u = 0; u < 1; u += 0.0001, n++) {
		gap = sim_stats_poisson_gap(4, u);
		ck_assert_double_eq_tol(gap, -log(1 - u) / 4, 1e-9);
		sum += gap;
	}
	ck_assert_double_eq_tol(sum / n, 0.25, 0.01);
	ck_assert_double_eq_tol(sim_stats_poisson_gap(0, 0.5), 0, 1e-12);
}
END_TEST

static Suite *
sim_stats_suite(void)
{
	Suite	*s = suite_create("sim_stats");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, empty_is_zero);
	tcase_add_test(tc, percentiles_within_resolution);
	tcase_add_test(tc, small_values_are_exact);
	tcase_add_test(tc, huge_values_do_not_overflow);
	tcase_add_test(tc, rates);
	tcase_add_test(tc, bad_rates);
	tcase_add_test(tc, poisson_gaps);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(sim_stats_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
