/* Unit tests for the scheme's figures (report.h), in Europe/London. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "refuge/report.h"
#include "refuge/timefmt.h"

static int64_t
utc(const char *iso)
{
	int64_t	ms;

	ck_assert(timefmt_parse_iso8601(iso, &ms) == 0);
	return ms;
}

static struct stats_alarm
row(const char *unit, enum evtype type, const char *raised,
    enum alarm_outcome outcome, const char *reason, int claimed)
{
	struct stats_alarm	a;

	memset(&a, 0, sizeof(a));
	a.site_id = strcmp(unit, "HP-003") == 0 ? "market" : "park";
	a.unit_id = unit;
	a.type = type;
	a.outcome = outcome;
	a.reason = reason;
	a.raised_ms = utc(raised);
	a.first_claimed_ms = claimed ? a.raised_ms + 10000 : -1;
	a.resolved_ms = outcome != ALARM_OUTCOME_NONE ? a.raised_ms + 60000 :
	    -1;
	a.as_of_ms = utc("2026-05-01T00:00:00Z");
	return a;
}

START_TEST(activations_apart_from_technical)
{
	struct stats_alarm	a[6];
	struct report		r;

	a[0] = row("HP-001", EVTYPE_BUTTON, "2026-03-28T08:30:00Z",
	    ALARM_OUTCOME_FALSE, "accidental", 1);
	a[1] = row("HP-001", EVTYPE_BUTTON, "2026-03-30T08:30:00Z",
	    ALARM_OUTCOME_GENUINE, "police", 1);
	a[2] = row("HP-002", EVTYPE_BUTTON, "2026-03-30T09:00:00Z",
	    ALARM_OUTCOME_NONE, NULL, 0);
	/* A technical alarm resolved "false" in the old way stays technical. */
	a[3] = row("HP-002", EVTYPE_TAMPER, "2026-03-30T10:00:00Z",
	    ALARM_OUTCOME_FALSE, "fault", 1);
	a[4] = row("HP-003", EVTYPE_UNIT_OFFLINE, "2026-04-02T10:00:00Z",
	    ALARM_OUTCOME_NONE, NULL, 0);
	a[5] = row("HP-001", EVTYPE_BUTTON, "2026-04-02T23:30:00Z",
	    ALARM_OUTCOME_FALSE, "accidental", 1);
	ck_assert_int_eq(report_compute(a, 6, utc("2026-03-23T00:00:00Z"),
	    utc("2026-04-05T23:00:00Z"), 0, &r), 0);
	ck_assert_uint_eq(r.alarms, 6);
	ck_assert_uint_eq(r.activations, 4);
	ck_assert_uint_eq(r.genuine, 1);
	ck_assert_uint_eq(r.false_alarms, 2);
	ck_assert_uint_eq(r.open, 1);
	ck_assert_uint_eq(r.unanswered, 1);
	ck_assert_uint_eq(r.technical, 2);
	ck_assert_uint_eq(r.technical_open, 1);
	ck_assert_uint_eq(r.reason_count, 1);	/* "fault" is the TAMPER's */
	ck_assert_str_eq(r.reasons[0].key, "accidental");
	ck_assert_uint_eq(r.reasons[0].count, 2);
	/* Hot spots: HP-001 has most activations, HP-003 only a technical one. */
	ck_assert_uint_eq(r.unit_count, 3);
	ck_assert_str_eq(r.units[0].key, "HP-001");
	ck_assert_uint_eq(r.units[0].activations, 3);
	ck_assert_str_eq(r.units[2].key, "HP-003");
	ck_assert_uint_eq(r.units[2].technical, 1);
	/* Local hours: 08:30 GMT on Saturday, 09:30 and 10:00 BST on Monday,
	 * and 00:30 BST on Friday 3 April for the 23:30 UTC press. */
	ck_assert_uint_eq(r.heat[5][8], 1);
	ck_assert_uint_eq(r.heat[0][9], 1);
	ck_assert_uint_eq(r.heat[0][10], 1);
	ck_assert_uint_eq(r.heat[4][0], 1);
	/* Two weeks, from local Mondays 23 and 30 March. */
	ck_assert(!r.monthly);
	ck_assert_uint_eq(r.period_count, 2);
	ck_assert_int_eq(r.periods[0].start_ms, utc("2026-03-23T00:00:00Z"));
	ck_assert_int_eq(r.periods[1].start_ms, utc("2026-03-29T23:00:00Z"));
	ck_assert_uint_eq(r.periods[0].false_alarms, 1);
	ck_assert_uint_eq(r.periods[1].genuine, 1);
	ck_assert_uint_eq(r.periods[1].open, 1);
	ck_assert_uint_eq(r.periods[1].false_alarms, 1);
	report_free(&r);
}
END_TEST

START_TEST(months_over_twenty_weeks)
{
	struct stats_alarm	a[1];
	struct report		r;

	a[0] = row("HP-001", EVTYPE_BUTTON, "2026-02-10T12:00:00Z",
	    ALARM_OUTCOME_FALSE, "misuse", 1);
	ck_assert_int_eq(report_compute(a, 1, utc("2026-01-15T00:00:00Z"),
	    utc("2026-07-01T00:00:00Z"), 0, &r), 0);
	ck_assert(r.monthly);
	ck_assert_uint_eq(r.period_count, 7);	/* January to July's start */
	ck_assert_int_eq(r.periods[0].start_ms, utc("2026-01-01T00:00:00Z"));
	ck_assert_int_eq(r.periods[4].start_ms, utc("2026-04-30T23:00:00Z"));
	ck_assert_uint_eq(r.periods[1].false_alarms, 1);
	report_free(&r);
}
END_TEST

START_TEST(words_for_tokens)
{
	char	buf[32];

	report_words("child-playing", buf, sizeof(buf));
	ck_assert_str_eq(buf, "child playing");
	report_words("welfare_check", buf, sizeof(buf));
	ck_assert_str_eq(buf, "welfare check");
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("report");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	setenv("TZ", "Europe/London", 1);
	tzset();
	tcase_add_test(tc, activations_apart_from_technical);
	tcase_add_test(tc, months_over_twenty_weeks);
	tcase_add_test(tc, words_for_tokens);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
