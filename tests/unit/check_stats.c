/* Unit tests for the handling figures. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refuge/stats.h"

#define T0	1795642490123LL		/* 2026-11-25T21:34:50.123Z */
#define HOUR	(3600LL * 1000)

static struct stats_summary	sum;

static const struct stats_counter *
counter(const struct stats_counter *c, size_t n, const char *key)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (strcmp(c[i].key, key) == 0)
			return &c[i];
	}
	return NULL;
}

static size_t
count_of(const struct stats_counter *c, size_t n, const char *key)
{
	const struct stats_counter	*e = counter(c, n, key);

	return e == NULL ? 0 : e->count;
}

START_TEST(percentile_nearest_rank)
{
	int64_t	v[200];
	int64_t	one = 42, three[3] = { 10, 20, 30 };
	size_t	i;

	for (i = 0; i < 200; i++)
		v[i] = (int64_t)i + 1;
	ck_assert_int_eq(stats_percentile(v, 200, 50), 100);
	ck_assert_int_eq(stats_percentile(v, 200, 80), 160);
	ck_assert_int_eq(stats_percentile(v, 200, 98.5), 197);
	ck_assert_int_eq(stats_percentile(v, 200, 100), 200);
	ck_assert_int_eq(stats_percentile(v, 200, 0), 1);
	ck_assert_int_eq(stats_percentile(v, 200, 0.1), 1);
	ck_assert_int_eq(stats_percentile(v, 200, 0.6), 2);
	ck_assert_int_eq(stats_percentile(v, 10, 98.5), 10);
	ck_assert_int_eq(stats_percentile(v, 10, 80), 8);
	ck_assert_int_eq(stats_percentile(v, 10, 81), 9);
	ck_assert_int_eq(stats_percentile(three, 3, 50), 20);
	ck_assert_int_eq(stats_percentile(three, 3, 33), 10);
	ck_assert_int_eq(stats_percentile(three, 3, 34), 20);
	ck_assert_int_eq(stats_percentile(&one, 1, 98.5), 42);
	ck_assert_int_eq(stats_percentile(&one, 1, 0), 42);
	ck_assert_int_eq(stats_percentile(NULL, 0, 50), 0);
	ck_assert_int_eq(stats_percentile(v, 200, 150), 200);
	ck_assert_int_eq(stats_percentile(v, 200, -5), 1);
}
END_TEST

START_TEST(empty_set)
{
	memset(&sum, 0xff, sizeof(sum));
	ck_assert_int_eq(stats_compute(NULL, 0, &sum), 0);
	ck_assert_uint_eq(sum.total, 0);
	ck_assert_uint_eq(sum.open, 0);
	ck_assert_uint_eq(sum.site_count, 0);
	ck_assert_uint_eq(sum.to_claim.count, 0);
	ck_assert_int_eq(sum.to_claim.p50_ms, 0);
	ck_assert_int_eq(sum.to_claim.max_ms, 0);
	ck_assert(sum.to_claim.within_30s == 0.0);
	ck_assert(sum.to_resolve.within_60s == 0.0);
	for (int h = 0; h < 24; h++)
		ck_assert_uint_eq(sum.by_hour[h], 0);
}
END_TEST

/*
 * Ten claimed alarms whose times to claim, sorted, are 2 5 8 12 20 30 31 45
 * 60 61 s, and two never claimed.
 */
START_TEST(known_data_set)
{
	static const int64_t	claim_s[10] = { 5, 12, 31, 8, 61, 20, 30, 60,
				    45, 2 };
	struct stats_alarm	a[12];
	size_t			i;

	memset(a, 0, sizeof(a));
	for (i = 0; i < 12; i++) {
		a[i].site_id = i < 6 ? "gare-nord" : i < 10 ? "bercy" : "opera";
		a[i].unit_id = "HP-001";
		a[i].type = EVTYPE_BUTTON;
		a[i].raised_ms = T0 + (int64_t)i * HOUR;
		a[i].first_claimed_ms = -1;
		a[i].resolved_ms = -1;
		if (i < 10)
			a[i].first_claimed_ms = a[i].raised_ms +
			    claim_s[i] * 1000;
	}
	/* Outcomes: 0-4 false, 5-8 genuine, 9-11 open. */
	a[0].reason = "test";
	a[1].reason = "test";
	a[2].reason = "accidental";
	a[3].reason = "misuse";
	a[4].reason = "test";
	a[5].reason = "police";
	a[6].reason = "ambulance";
	a[7].reason = "police";
	a[8].reason = "police";
	for (i = 0; i < 9; i++) {
		a[i].outcome = i < 5 ? ALARM_OUTCOME_FALSE :
		    ALARM_OUTCOME_GENUINE;
		/* Resolved after 1..9 minutes. */
		a[i].resolved_ms = a[i].raised_ms + (int64_t)(i + 1) * 60000;
	}
	/* An open alarm with a stray resolved_ms is not counted as resolved. */
	a[9].resolved_ms = a[9].raised_ms + 1;

	ck_assert_int_eq(stats_compute(a, 12, &sum), 0);
	ck_assert_uint_eq(sum.total, 12);
	ck_assert_uint_eq(sum.open, 3);
	ck_assert_uint_eq(sum.false_alarms, 5);
	ck_assert_uint_eq(sum.genuine, 4);

	ck_assert_uint_eq(sum.reason_count, 3);
	ck_assert_str_eq(sum.reasons[0].key, "test");
	ck_assert_uint_eq(sum.reasons[0].count, 3);
	/* Ties by key. */
	ck_assert_str_eq(sum.reasons[1].key, "accidental");
	ck_assert_str_eq(sum.reasons[2].key, "misuse");
	ck_assert_uint_eq(sum.action_count, 2);
	ck_assert_str_eq(sum.actions[0].key, "police");
	ck_assert_uint_eq(sum.actions[0].count, 3);
	ck_assert_str_eq(sum.actions[1].key, "ambulance");
	ck_assert_uint_eq(sum.actions[1].count, 1);

	ck_assert_uint_eq(sum.site_count, 3);
	ck_assert_str_eq(sum.sites[0].key, "gare-nord");
	ck_assert_uint_eq(sum.sites[0].count, 6);
	ck_assert_uint_eq(count_of(sum.sites, sum.site_count, "bercy"), 4);
	ck_assert_uint_eq(count_of(sum.sites, sum.site_count, "opera"), 2);

	/* Raised at 21:34 plus i hours: 21, 22, 23, 0, ... 8. */
	for (int h = 0; h < 24; h++) {
		size_t	want = (h >= 21 || h <= 8) ? 1 : 0;

		ck_assert_uint_eq(sum.by_hour[h], want);
	}

	ck_assert_uint_eq(sum.to_claim.count, 10);
	ck_assert_int_eq(sum.to_claim.p50_ms, 20000);
	ck_assert_int_eq(sum.to_claim.p80_ms, 45000);
	ck_assert_int_eq(sum.to_claim.p985_ms, 61000);
	ck_assert_int_eq(sum.to_claim.max_ms, 61000);
	ck_assert_double_eq_tol(sum.to_claim.within_30s, 0.6, 1e-12);
	ck_assert_double_eq_tol(sum.to_claim.within_60s, 0.9, 1e-12);

	ck_assert_uint_eq(sum.to_resolve.count, 9);
	ck_assert_int_eq(sum.to_resolve.p50_ms, 5 * 60000);
	ck_assert_int_eq(sum.to_resolve.p80_ms, 8 * 60000);
	ck_assert_int_eq(sum.to_resolve.p985_ms, 9 * 60000);
	ck_assert_int_eq(sum.to_resolve.max_ms, 9 * 60000);
	ck_assert(sum.to_resolve.within_30s == 0.0);
	ck_assert(sum.to_resolve.within_60s == 1.0 / 9.0);

	/* The input is left as it was. */
	ck_assert_int_eq(a[0].first_claimed_ms - a[0].raised_ms, 5000);
	ck_assert_str_eq(a[2].reason, "accidental");
}
END_TEST

START_TEST(boundaries_30_60)
{
	struct stats_alarm	a[4];
	static const int64_t	d[4] = { 30000, 30001, 60000, 60001 };
	size_t			i;

	memset(a, 0, sizeof(a));
	for (i = 0; i < 4; i++) {
		a[i].site_id = "s";
		a[i].raised_ms = T0;
		a[i].first_claimed_ms = T0 + d[i];
		a[i].resolved_ms = -1;
	}
	ck_assert_int_eq(stats_compute(a, 4, &sum), 0);
	ck_assert_double_eq_tol(sum.to_claim.within_30s, 0.25, 1e-12);
	ck_assert_double_eq_tol(sum.to_claim.within_60s, 0.75, 1e-12);
	ck_assert_uint_eq(sum.to_resolve.count, 0);
	ck_assert_uint_eq(sum.open, 4);
}
END_TEST

START_TEST(odd_times_and_keys)
{
	struct stats_alarm	a[3];

	memset(a, 0, sizeof(a));
	/* Claimed "before" it was raised: counts as 0. */
	a[0].raised_ms = T0;
	a[0].first_claimed_ms = T0 - 5000;
	a[0].resolved_ms = -1;
	a[0].outcome = ALARM_OUTCOME_FALSE;
	a[0].reason = NULL;
	a[0].site_id = NULL;
	/* Before 1970: still the right UTC hour. */
	a[1].raised_ms = -1;
	a[1].first_claimed_ms = -1;
	a[1].resolved_ms = -1;
	a[1].site_id = "";
	a[2].raised_ms = -HOUR;
	a[2].first_claimed_ms = 0;
	a[2].resolved_ms = -1;
	a[2].site_id = "s";
	ck_assert_int_eq(stats_compute(a, 3, &sum), 0);
	ck_assert_uint_eq(sum.to_claim.count, 2);
	ck_assert_int_eq(sum.to_claim.p50_ms, 0);
	ck_assert_int_eq(sum.to_claim.max_ms, HOUR);
	ck_assert_uint_eq(sum.by_hour[23], 2);
	ck_assert_uint_eq(sum.by_hour[21], 1);
	ck_assert_uint_eq(count_of(sum.reasons, sum.reason_count, "(none)"), 1);
	ck_assert_uint_eq(count_of(sum.sites, sum.site_count, "(none)"), 2);
	ck_assert_uint_eq(count_of(sum.sites, sum.site_count, "s"), 1);
}
END_TEST

/* 70 sites: 63 keep their own key and the other 7 share "(other)". */
START_TEST(too_many_keys)
{
	struct stats_alarm	a[140];
	char			names[70][16];
	size_t			i, total = 0;

	memset(a, 0, sizeof(a));
	for (i = 0; i < 70; i++)
		snprintf(names[i], sizeof(names[i]), "site-%02zu", i);
	for (i = 0; i < 140; i++) {
		a[i].site_id = names[i % 70];
		a[i].raised_ms = T0;
		a[i].first_claimed_ms = a[i].resolved_ms = -1;
	}
	ck_assert_int_eq(stats_compute(a, 140, &sum), 0);
	ck_assert_uint_eq(sum.site_count, STATS_MAX_KEYS);
	ck_assert_str_eq(sum.sites[STATS_MAX_KEYS - 1].key, "(other)");
	ck_assert_uint_eq(sum.sites[STATS_MAX_KEYS - 1].count, 14);
	for (i = 0; i < STATS_MAX_KEYS - 1; i++) {
		ck_assert_uint_eq(sum.sites[i].count, 2);
		total += sum.sites[i].count;
	}
	ck_assert_uint_eq(total + 14, 140);
	ck_assert_str_eq(sum.sites[0].key, "site-00");
	ck_assert_ptr_null(counter(sum.sites, sum.site_count, "site-63"));

	/* Exactly 64 distinct keys all fit. */
	ck_assert_int_eq(stats_compute(a, 64, &sum), 0);
	ck_assert_uint_eq(sum.site_count, 64);
	ck_assert_ptr_null(counter(sum.sites, sum.site_count, "(other)"));
	ck_assert_uint_eq(count_of(sum.sites, sum.site_count, "site-63"), 1);
}
END_TEST

START_TEST(long_key_truncated)
{
	struct stats_alarm	a;
	char			key[100];

	memset(&a, 0, sizeof(a));
	memset(key, 'k', sizeof(key) - 1);
	key[sizeof(key) - 1] = '\0';
	a.site_id = key;
	a.first_claimed_ms = a.resolved_ms = -1;
	ck_assert_int_eq(stats_compute(&a, 1, &sum), 0);
	ck_assert_uint_eq(strlen(sum.sites[0].key), sizeof(sum.sites[0].key) - 1);
}
END_TEST

/* Unanswered alarms must not flatter the EN 50518 figures. */
/* Technical alarms are counted apart; the genuine share is of presses only. */
START_TEST(technical_apart_and_share_of_presses)
{
	static const struct {
		enum evtype		 type;
		enum alarm_outcome	 outcome;
		const char		*word;
	} rows[] = {
		{ EVTYPE_BUTTON, ALARM_OUTCOME_GENUINE, "police" },
		{ EVTYPE_BUTTON, ALARM_OUTCOME_FALSE, "test" },
		{ EVTYPE_BUTTON, ALARM_OUTCOME_FALSE, "accidental" },
		{ EVTYPE_BUTTON, ALARM_OUTCOME_NONE, "" },
		{ EVTYPE_TAMPER, ALARM_OUTCOME_GENUINE, "police" },
		{ EVTYPE_UNIT_OFFLINE, ALARM_OUTCOME_TECHNICAL, "restored" },
		{ EVTYPE_UNIT_OFFLINE, ALARM_OUTCOME_TECHNICAL, "restored" },
		{ EVTYPE_MAINS_FAIL, ALARM_OUTCOME_TECHNICAL, "engineer" },
		{ EVTYPE_LIGHT_FAULT, ALARM_OUTCOME_TECHNICAL, "" },
	};
	struct stats_alarm	a[sizeof(rows) / sizeof(rows[0])];
	size_t			i, n = sizeof(rows) / sizeof(rows[0]);

	memset(a, 0, sizeof(a));
	for (i = 0; i < n; i++) {
		a[i].site_id = "park";
		a[i].unit_id = "HP-001";
		a[i].type = rows[i].type;
		a[i].outcome = rows[i].outcome;
		a[i].reason = rows[i].word;
		a[i].raised_ms = T0;
		a[i].first_claimed_ms = T0 + 1000;
		a[i].resolved_ms = rows[i].outcome == ALARM_OUTCOME_NONE ? -1 :
		    T0 + 2000;
	}
	ck_assert_int_eq(stats_compute(a, n, &sum), 0);
	ck_assert_uint_eq(sum.total, 9);
	ck_assert_uint_eq(sum.open, 1);
	ck_assert_uint_eq(sum.genuine, 2);
	ck_assert_uint_eq(sum.false_alarms, 2);
	ck_assert_uint_eq(sum.technical, 4);
	ck_assert_uint_eq(sum.activations_resolved, 3);
	ck_assert_uint_eq(sum.activations_genuine, 1);
	ck_assert_double_eq_tol(stats_genuine_share(&sum), 1.0 / 3, 1e-9);
	ck_assert_uint_eq(sum.technical_action_count, 3);
	ck_assert_str_eq(sum.technical_actions[0].key, "restored");
	ck_assert_uint_eq(sum.technical_actions[0].count, 2);
	ck_assert_uint_eq(count_of(sum.technical_actions,
	    sum.technical_action_count, "engineer"), 1);
	ck_assert_uint_eq(count_of(sum.technical_actions,
	    sum.technical_action_count, "(none)"), 1);
	/* Technical actions are not genuine ones. */
	ck_assert_uint_eq(count_of(sum.actions, sum.action_count, "restored"), 0);
	ck_assert_uint_eq(sum.to_resolve.count, 8);
	/* No press resolved: a share of 0, not a division by zero. */
	ck_assert_int_eq(stats_compute(a + 4, n - 4, &sum), 0);
	ck_assert_double_eq(stats_genuine_share(&sum), 0.0);
}
END_TEST

START_TEST(unclaimed_alarms_count_against_the_targets)
{
	struct stats_alarm	a[11];
	int64_t			t0 = 1700000000000;
	size_t			i;

	memset(a, 0, sizeof(a));
	for (i = 0; i < 11; i++) {
		a[i].site_id = "park";
		a[i].unit_id = "HP-001";
		a[i].type = EVTYPE_BUTTON;
		a[i].reason = "";
		a[i].raised_ms = t0;
		a[i].first_claimed_ms = -1;
		a[i].resolved_ms = -1;
		a[i].as_of_ms = t0 + 3600 * 1000;
	}
	for (i = 0; i < 8; i++)
		a[i].first_claimed_ms = t0 + 10000;
	/* Never claimed, an hour waiting: past both targets. */
	/* a[8], a[9] stay so. A supervisor resolved a[10] at 45 s unclaimed. */
	a[10].resolved_ms = t0 + 45000;
	a[10].outcome = ALARM_OUTCOME_FALSE;
	a[10].reason = "test";
	ck_assert_int_eq(stats_compute(a, 11, &sum), 0);
	ck_assert_uint_eq(sum.to_claim.count, 11);
	ck_assert_uint_eq(sum.to_claim.waiting, 2);
	ck_assert_double_eq_tol(sum.to_claim.within_30s, 8.0 / 11, 1e-9);
	ck_assert_double_eq_tol(sum.to_claim.within_60s, 9.0 / 11, 1e-9);
	ck_assert_int_eq(sum.to_claim.max_ms, 3600 * 1000);
	/* Still inside the window: not yet counted either way. */
	a[8].as_of_ms = a[9].as_of_ms = t0 + 20000;
	ck_assert_int_eq(stats_compute(a, 11, &sum), 0);
	ck_assert_uint_eq(sum.to_claim.count, 9);
	ck_assert_uint_eq(sum.to_claim.waiting, 0);
}
END_TEST

static Suite *
stats_suite(void)
{
	Suite	*s = suite_create("stats");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, percentile_nearest_rank);
	tcase_add_test(tc, empty_set);
	tcase_add_test(tc, known_data_set);
	tcase_add_test(tc, boundaries_30_60);
	tcase_add_test(tc, odd_times_and_keys);
	tcase_add_test(tc, too_many_keys);
	tcase_add_test(tc, long_key_truncated);
	tcase_add_test(tc, unclaimed_alarms_count_against_the_targets);
	tcase_add_test(tc, technical_apart_and_share_of_presses);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(stats_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
