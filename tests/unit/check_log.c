/* Unit tests for the log's rate limiter, on a clock of the test's own and a captured stderr. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "refuge/log.h"

static int64_t	fake_now;
static FILE	*captured;

static int64_t
fake_clock(void)
{
	return fake_now;
}

/* stderr goes to a temporary file for the test (each test runs in its own process). */
static void
setup(void)
{
	captured = tmpfile();
	ck_assert_ptr_nonnull(captured);
	ck_assert_int_ge(dup2(fileno(captured), STDERR_FILENO), 0);
	log_init("refuged", CONFIG_LOG_INFO, 0);
	log_set_clock(fake_clock);
	fake_now = 5000;
}

static void
teardown(void)
{
	log_set_clock(NULL);
	fclose(captured);
}

/* What was logged since the last call, into buf. */
static const char *
logged(char *buf, size_t buflen)
{
	static long	 done;
	size_t		 n;

	fflush(stderr);
	ck_assert_int_eq(fseek(captured, done, SEEK_SET), 0);
	n = fread(buf, 1, buflen - 1, captured);
	buf[n] = '\0';
	done += (long)n;
	return buf;
}

static int
count_lines(const char *text, const char *needle)
{
	const char	*p;
	int		 n = 0;

	for (p = text; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

START_TEST(burst_passes_then_excess_is_counted)
{
	struct log_limit	l = LOG_LIMIT_INIT("units: refused", 3, 1000);
	char			buf[4096];
	int			i;

	for (i = 0; i < 10; i++)
		log_ratelimited(&l, CONFIG_LOG_WARNING,
		    "units: refused peer=10.0.0.%d:1 reason=\"x\"", i);
	ck_assert_str_eq(logged(buf, sizeof(buf)),
	    "refuged: warning: units: refused peer=10.0.0.0:1 reason=\"x\"\n"
	    "refuged: warning: units: refused peer=10.0.0.1:1 reason=\"x\"\n"
	    "refuged: warning: units: refused peer=10.0.0.2:1 reason=\"x\"\n");
	ck_assert_uint_eq(l.suppressed, 7);
}
END_TEST

START_TEST(summary_comes_before_the_next_window)
{
	struct log_limit	l = LOG_LIMIT_INIT("units: refused", 2, 1000);
	char			buf[4096];
	int			i;

	for (i = 0; i < 5; i++)
		log_ratelimited(&l, CONFIG_LOG_WARNING, "units: refused n=%d", i);
	(void)logged(buf, sizeof(buf));
	fake_now += 999;	/* still the same window */
	log_ratelimited(&l, CONFIG_LOG_WARNING, "units: refused n=5");
	ck_assert_str_eq(logged(buf, sizeof(buf)), "");
	fake_now += 1;
	log_ratelimited(&l, CONFIG_LOG_WARNING, "units: refused n=6");
	ck_assert_str_eq(logged(buf, sizeof(buf)),
	    "refuged: warning: 4 more \"units: refused\" lines suppressed\n"
	    "refuged: warning: units: refused n=6\n");
	ck_assert_uint_eq(l.suppressed, 0);
	/* The new window has its own burst. */
	log_ratelimited(&l, CONFIG_LOG_WARNING, "units: refused n=7");
	log_ratelimited(&l, CONFIG_LOG_WARNING, "units: refused n=8");
	ck_assert_str_eq(logged(buf, sizeof(buf)),
	    "refuged: warning: units: refused n=7\n");
	ck_assert_uint_eq(l.suppressed, 1);
}
END_TEST

START_TEST(no_summary_when_nothing_was_suppressed)
{
	struct log_limit	l = LOG_LIMIT_INIT("store: write failed", 2, 1000);
	char			buf[4096];

	log_ratelimited(&l, CONFIG_LOG_ERROR, "store: write failed: a");
	fake_now += 5000;
	log_ratelimited(&l, CONFIG_LOG_ERROR, "store: write failed: b");
	log_limit_flush(&l);
	ck_assert_str_eq(logged(buf, sizeof(buf)),
	    "refuged: ERROR: store: write failed: a\n"
	    "refuged: ERROR: store: write failed: b\n");
}
END_TEST

START_TEST(flush_reports_at_the_level_of_the_lines)
{
	struct log_limit	l = LOG_LIMIT_INIT("store: write failed", 1, 1000);
	char			buf[4096];

	log_ratelimited(&l, CONFIG_LOG_ERROR, "store: write failed: a");
	log_ratelimited(&l, CONFIG_LOG_ERROR, "store: write failed: b");
	log_ratelimited(&l, CONFIG_LOG_ERROR, "store: write failed: c");
	log_limit_flush(&l);
	log_limit_flush(&l);	/* nothing more to report */
	ck_assert_str_eq(logged(buf, sizeof(buf)),
	    "refuged: ERROR: store: write failed: a\n"
	    "refuged: ERROR: 2 more \"store: write failed\" lines suppressed\n");
	/* Flushing does not open a new window. */
	log_ratelimited(&l, CONFIG_LOG_ERROR, "store: write failed: d");
	ck_assert_str_eq(logged(buf, sizeof(buf)), "");
	ck_assert_uint_eq(l.suppressed, 1);
}
END_TEST

START_TEST(tick_reports_once_the_window_has_passed)
{
	struct log_limit	l = LOG_LIMIT_INIT("units: closed", 1, 1000);
	char			buf[4096];

	ck_assert_int_eq(log_limit_tick(&l), 0);
	log_ratelimited(&l, CONFIG_LOG_WARNING, "units: closed a");
	log_ratelimited(&l, CONFIG_LOG_WARNING, "units: closed b");
	log_ratelimited(&l, CONFIG_LOG_WARNING, "units: closed c");
	fake_now += 500;
	ck_assert_int_eq(log_limit_tick(&l), 1);
	ck_assert_str_eq(logged(buf, sizeof(buf)),
	    "refuged: warning: units: closed a\n");
	fake_now += 500;
	ck_assert_int_eq(log_limit_tick(&l), 0);
	ck_assert_int_eq(log_limit_tick(&l), 0);
	ck_assert_str_eq(logged(buf, sizeof(buf)),
	    "refuged: warning: 2 more \"units: closed\" lines suppressed\n");
	/* The next line starts a window of its own, with no second summary. */
	log_ratelimited(&l, CONFIG_LOG_WARNING, "units: closed d");
	ck_assert_str_eq(logged(buf, sizeof(buf)),
	    "refuged: warning: units: closed d\n");
}
END_TEST

START_TEST(journald_summary)
{
	struct log_limit	l = LOG_LIMIT_INIT("operators: refused", 1, 1000);
	char			buf[4096];

	log_init("refuged", CONFIG_LOG_INFO, 1);
	log_ratelimited(&l, CONFIG_LOG_WARNING, "operators: refused a");
	log_ratelimited(&l, CONFIG_LOG_WARNING, "operators: refused b");
	fake_now += 1000;
	log_ratelimited(&l, CONFIG_LOG_WARNING, "operators: refused c");
	ck_assert_str_eq(logged(buf, sizeof(buf)),
	    "<4>operators: refused a\n"
	    "<4>1 more \"operators: refused\" lines suppressed\n"
	    "<4>operators: refused c\n");
}
END_TEST

START_TEST(lines_below_the_level_are_not_counted)
{
	struct log_limit	l = LOG_LIMIT_INIT("units: closed", 1, 1000);
	char			buf[4096];
	int			i;

	for (i = 0; i < 100; i++)
		log_ratelimited(&l, CONFIG_LOG_DEBUG, "units: closed n=%d", i);
	ck_assert_uint_eq(l.suppressed, 0);
	log_ratelimited(&l, CONFIG_LOG_WARNING, "units: closed n=100");
	ck_assert_str_eq(logged(buf, sizeof(buf)),
	    "refuged: warning: units: closed n=100\n");
}
END_TEST

START_TEST(a_flood_is_bounded)
{
	struct log_limit	l = LOG_LIMIT_DEFAULT("units: refused");
	static char		buf[1 << 20];
	int			i;

	/* 42,000 a second for 3 seconds, as an accept loop at EMFILE once logged. */
	for (i = 0; i < 126000; i++) {
		fake_now = 5000 + i / 42;
		log_ratelimited(&l, CONFIG_LOG_WARNING, "units: refused n=%d", i);
	}
	log_limit_flush(&l);
	(void)logged(buf, sizeof(buf));
	ck_assert_int_eq(count_lines(buf, "units: refused n="),
	    3 * LOG_LIMIT_BURST);
	ck_assert_int_eq(count_lines(buf, "lines suppressed"), 3);
	ck_assert_ptr_nonnull(strstr(buf, "41990 more \"units: refused\" lines "
	    "suppressed\n"));
}
END_TEST

START_TEST(a_clock_going_back_starts_a_window)
{
	struct log_limit	l = LOG_LIMIT_INIT("units: refused", 1, 1000);
	char			buf[4096];

	log_ratelimited(&l, CONFIG_LOG_WARNING, "a");
	log_ratelimited(&l, CONFIG_LOG_WARNING, "b");
	fake_now -= 10;
	log_ratelimited(&l, CONFIG_LOG_WARNING, "c");
	ck_assert_str_eq(logged(buf, sizeof(buf)),
	    "refuged: warning: a\n"
	    "refuged: warning: 1 more \"units: refused\" lines suppressed\n"
	    "refuged: warning: c\n");
}
END_TEST

static Suite *
log_suite(void)
{
	Suite	*s = suite_create("log");
	TCase	*tc = tcase_create("ratelimit");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, burst_passes_then_excess_is_counted);
	tcase_add_test(tc, summary_comes_before_the_next_window);
	tcase_add_test(tc, no_summary_when_nothing_was_suppressed);
	tcase_add_test(tc, flush_reports_at_the_level_of_the_lines);
	tcase_add_test(tc, tick_reports_once_the_window_has_passed);
	tcase_add_test(tc, journald_summary);
	tcase_add_test(tc, lines_below_the_level_are_not_counted);
	tcase_add_test(tc, a_flood_is_bounded);
	tcase_add_test(tc, a_clock_going_back_starts_a_window);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(log_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
