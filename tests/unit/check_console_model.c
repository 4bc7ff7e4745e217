/* Unit tests for refuge-console's model: protocol lines in, stack and units out. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"

#define NOW	1795000000000LL

static struct console_model	*m;
static enum console_effect	 effect;
static int			 prio;
static char			 err[256];

static void
setup(void)
{
	m = console_model_new();
	ck_assert_ptr_nonnull(m);
}

static void
teardown(void)
{
	console_model_free(m);
	m = NULL;
}

static int
apply(const char *line)
{
	err[0] = '\0';
	return console_model_apply(m, line, NOW, &effect, &prio, err,
	    sizeof(err));
}

static void
ok(const char *line)
{
	ck_assert_msg(apply(line) == 0, "'%s' failed: %s", line, err);
}

static void
order(const long long *ids, size_t n)
{
	size_t	i;

	ck_assert_uint_eq(m->alarm_count, n);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(m->alarms[i]->id, ids[i]);
}

#define ALARM(id, p, state, extra) \
	"ALARM " #id " prio=" #p " state=" state " type=BUTTON unit=HP-001 " \
	"site=racecourse at=2026-11-25T21:34:50.123Z name=\"Racecourse Park " \
	"point 1\"" extra

START_TEST(alarm_line_fields)
{
	struct console_alarm	*a;
	int64_t			 at;

	ok(ALARM(7, 2, "claimed", " count=3 restored=1 by=alice"));
	ck_assert_int_eq(effect, CONSOLE_EFFECT_CHANGED);	/* a reply, not news */
	a = console_model_alarm(m, 7);
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(a->priority, 2);
	ck_assert_str_eq(a->state, "claimed");
	ck_assert_str_eq(a->type, "BUTTON");
	ck_assert_str_eq(a->unit, "HP-001");
	ck_assert_str_eq(a->site, "racecourse");
	ck_assert_str_eq(a->name, "Racecourse Park point 1");
	ck_assert_int_eq(a->count, 3);
	ck_assert_int_eq(a->restored, 1);
	ck_assert_str_eq(a->by, "alice");
	ck_assert_int_eq(timefmt_parse_iso8601("2026-11-25T21:34:50.123Z",
	    &at), 0);
	ck_assert_int_eq(a->at_ms, at);
	ck_assert_int_eq(a->escalated_ms, -1);
}
END_TEST

START_TEST(stack_order_priority_then_id)
{
	static const long long	want[] = { 2, 5, 1, 4, 3 };

	ok(ALARM(3, 4, "queued", ""));
	ok(ALARM(1, 2, "queued", ""));
	ok(ALARM(4, 2, "queued", ""));
	ok(ALARM(5, 1, "queued", ""));
	ok(ALARM(2, 1, "queued", ""));
	order(want, 5);
}
END_TEST

START_TEST(push_new_alarm_is_news)
{
	ok("* " ALARM(9, 1, "queued", ""));
	ck_assert_int_eq(effect, CONSOLE_EFFECT_NEW_ALARM);
	ck_assert_int_eq(prio, 1);
	ok("* " ALARM(9, 1, "queued", " count=2"));
	ck_assert_int_eq(effect, CONSOLE_EFFECT_CHANGED);
	ck_assert_int_eq(console_model_alarm(m, 9)->count, 2);
}
END_TEST

START_TEST(priority_change_moves_alarm)
{
	static const long long	before[] = { 1, 2 }, after[] = { 2, 1 };

	ok(ALARM(1, 2, "queued", ""));
	ok(ALARM(2, 3, "queued", ""));
	order(before, 2);
	ok("* " ALARM(2, 1, "queued", ""));
	order(after, 2);
}
END_TEST

START_TEST(flood_push_is_a_message)
{
	ok("* FLOOD MAINS_FAIL count=51 sites=3 since=2026-11-25T21:33:20.123Z");
	ck_assert_int_eq(effect, CONSOLE_EFFECT_CHANGED);
	ck_assert_str_eq(console_model_message_get(m, 0), "FLOOD MAINS_FAIL "
	    "count=51 sites=3 since=2026-11-25T21:33:20.123Z");
	ok("* FLOOD MAINS_FAIL end count=60");
	ck_assert_str_eq(console_model_message_get(m, 0),
	    "FLOOD MAINS_FAIL end count=60");
	/* Another push it does not know changes nothing. */
	ok("* FROBNICATED 3");
	ck_assert_int_eq(effect, CONSOLE_EFFECT_NONE);
}
END_TEST

START_TEST(claim_release_resolve_pushes)
{
	struct console_counts	c;

	ok(ALARM(1, 1, "queued", ""));
	ok(ALARM(2, 3, "queued", ""));
	ok("* CLAIMED 1 by=alice");
	ck_assert_str_eq(console_model_alarm(m, 1)->state, "claimed");
	ck_assert_str_eq(console_model_alarm(m, 1)->by, "alice");
	console_model_counts(m, &c);
	ck_assert_uint_eq(c.open, 2);
	ck_assert_uint_eq(c.queued, 1);
	ck_assert_uint_eq(c.claimed, 1);
	ok("* RELEASED 1");
	ck_assert_str_eq(console_model_alarm(m, 1)->state, "queued");
	ck_assert_str_eq(console_model_alarm(m, 1)->by, "");
	ok("* RESOLVED 1 outcome=false by=alice");
	ck_assert_ptr_null(console_model_alarm(m, 1));
	ck_assert_uint_eq(m->alarm_count, 1);
	ck_assert_ptr_nonnull(strstr(console_model_message_get(m, 0),
	    "resolved false by alice"));
	/* An alarm line saying resolved removes it too. */
	ok("* " ALARM(2, 3, "resolved", ""));
	ck_assert_uint_eq(m->alarm_count, 0);
	/* Pushes about alarms not held are harmless. */
	ok("* CLAIMED 99 by=bob");
	ok("* RESOLVED 99 outcome=genuine by=bob");
}
END_TEST

START_TEST(escalation_until_claimed)
{
	struct console_alarm	*a;

	ok(ALARM(4, 1, "queued", ""));
	ok("* ESCALATE 4 waited=31");
	a = console_model_alarm(m, 4);
	ck_assert_int_eq(a->escalated_ms, NOW);
	ck_assert_int_eq(a->waited_s, 31);
	ok("* " ALARM(4, 1, "queued", " count=2"));
	ck_assert_int_eq(a->escalated_ms, NOW);	/* still waiting */
	ok("* CLAIMED 4 by=alice");
	ck_assert_int_eq(a->escalated_ms, -1);
}
END_TEST

START_TEST(reread_sweeps_what_is_gone)
{
	static const long long	want[] = { 2 };

	ok(ALARM(1, 1, "queued", ""));
	ok(ALARM(2, 1, "queued", ""));
	ck_assert_int_eq(console_model_note(m, 2, "caller is safe"), 0);
	console_model_mark_alarms(m);
	ok(ALARM(2, 1, "claimed", " by=bob"));
	console_model_sweep_alarms(m);
	order(want, 1);
	/* What only this console knew survives a re-read. */
	ck_assert_uint_eq(m->alarms[0]->note_count, 1);
	ck_assert_str_eq(m->alarms[0]->notes[0], "caller is safe");
}
END_TEST

START_TEST(units_and_unit_pushes)
{
	struct console_unit	*u;
	struct console_counts	 c;

	ok("UNIT HP-001 state=online last_seen=2026-11-25T21:34:50.123Z "
	    "site=racecourse name=\"Racecourse Park point 1\"");
	ok("UNIT HP-002 state=offline last_seen=- site=racecourse "
	    "name=\"Point 2\" test_until=2026-11-25T22:00:00.000Z");
	u = console_model_unit(m, "HP-002");
	ck_assert_ptr_nonnull(u);
	ck_assert_int_eq(u->last_seen_ms, -1);
	ck_assert_str_eq(u->test_until, "2026-11-25T22:00:00.000Z");
	console_model_counts(m, &c);
	ck_assert_uint_eq(c.units_total, 2);
	ck_assert_uint_eq(c.units_online, 1);
	ok("* UNIT HP-002 online");
	ck_assert_str_eq(u->state, "online");
	ck_assert_int_eq(u->last_seen_ms, NOW);
	ok("* TESTMODE HP-002 off");
	ck_assert_str_eq(u->test_until, "");
	ok("* TESTMODE HP-002 until=2026-11-25T23:00:00.000Z");
	ck_assert_str_eq(u->test_until, "2026-11-25T23:00:00.000Z");
	console_model_counts(m, &c);
	ck_assert_uint_eq(c.units_online, 2);
	console_model_mark_units(m);
	ok("UNIT HP-002 state=online last_seen=- site=racecourse name=x");
	console_model_sweep_units(m);
	ck_assert_uint_eq(m->unit_count, 1);
	ck_assert_str_eq(m->units[0].id, "HP-002");
}
END_TEST

START_TEST(command_results)
{
	const struct console_cmd	*c;

	console_model_cmd_sent(m, "c7", "HP-001", "LIGHT FLASH");
	c = console_model_cmd(m, 0);
	ck_assert_str_eq(c->result, "sent");
	ok("* CMD c7 fail no  light fitted");
	ck_assert_str_eq(c->result, "fail");
	ck_assert_str_eq(c->reason, "no  light fitted");
	ok("* CMD c7 done");
	ck_assert_str_eq(c->reason, "");
	ck_assert_ptr_null(console_model_cmd(m, 1));
}
END_TEST

START_TEST(plan_and_history)
{
	struct console_alarm	*a;

	ok(ALARM(1, 1, "queued", ""));
	ck_assert_int_eq(console_model_plan_clear(m, 1), 0);
	ck_assert_int_eq(console_model_plan_step(m, 1,
	    "STEP 1 \"Look at the camera\"", err, sizeof(err)), 0);
	ck_assert_int_eq(console_model_plan_step(m, 1, "STEP 2 Speak", err,
	    sizeof(err)), 0);
	ck_assert_int_eq(console_model_plan_step(m, 1, "ALARM 1", err,
	    sizeof(err)), -1);
	ck_assert_int_eq(console_model_plan_step(m, 2, "STEP 1 x", err,
	    sizeof(err)), -1);
	a = console_model_alarm(m, 1);
	ck_assert_int_eq(a->plan_read, 1);
	ck_assert_uint_eq(a->step_count, 2);
	ck_assert_str_eq(a->steps[0].text, "Look at the camera");
	console_model_history_clear(m, "HP-001");
	console_model_history_line(m, "EVENT e1 BUTTON at=2026-11-25T21:34:50.123Z");
	ck_assert_str_eq(m->history_unit, "HP-001");
	ck_assert_uint_eq(m->history_count, 1);
	ck_assert_str_eq(m->history[0], "e1 BUTTON at=2026-11-25T21:34:50.123Z");
}
END_TEST

START_TEST(bad_lines_change_nothing)
{
	static const char *const bad[] = {
		"ALARM x prio=1 state=queued unit=HP-001",
		"ALARM 1 prio=0 state=queued unit=HP-001",
		"ALARM 1 prio=1 unit=HP-001",
		"ALARM 1 prio=1 state=queued",
		"ALARM 1 prio=1 state=queued unit=HP-001 name=\"open",
		"UNIT HP-001",
		"UNIT HP-001 site=x",
		"* UNIT HP-001 state=online",
		"STEP 1 x",
		"",
	};
	size_t	i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(apply(bad[i]) == -1, "'%s' accepted", bad[i]);
		ck_assert_str_ne(err, "");
	}
	ck_assert_uint_eq(m->alarm_count, 0);
	ck_assert_uint_eq(m->unit_count, 0);
	/* An unknown push is ignored, not an error. */
	ok("* SOMETHING new");
	ck_assert_int_eq(effect, CONSOLE_EFFECT_NONE);
}
END_TEST

START_TEST(notes_ring_keeps_newest)
{
	char	text[32];
	int	i;

	ok(ALARM(1, 1, "queued", ""));
	for (i = 0; i < CONSOLE_MAX_NOTES + 3; i++) {
		snprintf(text, sizeof(text), "note %d", i);
		ck_assert_int_eq(console_model_note(m, 1, text), 0);
	}
	ck_assert_int_eq(console_model_note(m, 2, "x"), -1);
	ck_assert_uint_eq(m->alarms[0]->note_count, CONSOLE_MAX_NOTES);
	ck_assert_str_eq(m->alarms[0]->notes[CONSOLE_MAX_NOTES - 1], "note 18");
	ck_assert_str_eq(m->alarms[0]->notes[0], "note 3");
}
END_TEST

static Suite *
console_model_suite(void)
{
	Suite	*s = suite_create("console_model");
	TCase	*tc = tcase_create("model");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, alarm_line_fields);
	tcase_add_test(tc, stack_order_priority_then_id);
	tcase_add_test(tc, push_new_alarm_is_news);
	tcase_add_test(tc, priority_change_moves_alarm);
	tcase_add_test(tc, flood_push_is_a_message);
	tcase_add_test(tc, claim_release_resolve_pushes);
	tcase_add_test(tc, escalation_until_claimed);
	tcase_add_test(tc, reread_sweeps_what_is_gone);
	tcase_add_test(tc, units_and_unit_pushes);
	tcase_add_test(tc, command_results);
	tcase_add_test(tc, plan_and_history);
	tcase_add_test(tc, bad_lines_change_nothing);
	tcase_add_test(tc, notes_ring_keeps_newest);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(console_model_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
