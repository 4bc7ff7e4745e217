/*
 * Changes as operators read them: opproto_format_change gives, for every
 * kind, exactly the push lines of refuge-protocol(7) ("Pushes"), and
 * nothing for a note.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refuge/change.h"
#include "refuge/opproto.h"

/* The man page's example alarm: 2026-11-25T21:34:51.130Z. */
#define RAISED_MS	1795642491130LL
#define ALARM_LINE	"* ALARM 41 prio=1 state=%s type=BUTTON unit=HP-001 " \
			"site=racecourse at=2026-11-25T21:34:51.130Z " \
			"name=\"Main gate, Kettering Road\""

static struct alarm
example_alarm(void)
{
	struct alarm	a;

	memset(&a, 0, sizeof(a));
	a.id = 41;
	a.priority = 1;
	a.state = ALARM_QUEUED;
	a.type = EVTYPE_BUTTON;
	strcpy(a.unit_id, "HP-001");
	strcpy(a.site_id, "racecourse");
	a.raised_ms = RAISED_MS;
	a.count = 1;
	a.first_claimed_ms = -1;
	a.last_escalated_ms = -1;
	return a;
}

static struct change
alarm_change(enum change_kind kind, const struct alarm *a, const char *user)
{
	struct change	c;

	memset(&c, 0, sizeof(c));
	c.kind = kind;
	c.alarm = a;
	c.unit_id = a->unit_id;
	c.unit_name = "Main gate, Kettering Road";
	c.user = user;
	return c;
}

/* Formats c and checks the whole text and the returned length. */
static void
expect_push(const struct change *c, const char *want)
{
	char	buf[2048];
	int	n;

	n = opproto_format_change(buf, sizeof(buf), c);
	ck_assert_msg(n >= 0, "%s: refused", change_kind_name(c->kind));
	ck_assert_str_eq(buf, want);
	ck_assert_int_eq(n, (int)strlen(want));
}

START_TEST(raised_repeated_restored_are_alarm_lines)
{
	struct alarm	a = example_alarm();
	struct change	c;
	char		want[512];

	c = alarm_change(CHANGE_RAISED, &a, NULL);
	snprintf(want, sizeof(want), ALARM_LINE "\n", "queued");
	expect_push(&c, want);
	a.count = 3;
	c = alarm_change(CHANGE_REPEATED, &a, NULL);
	snprintf(want, sizeof(want), ALARM_LINE " count=3\n", "queued");
	expect_push(&c, want);
	a.restored = 1;
	c = alarm_change(CHANGE_RESTORED, &a, NULL);
	snprintf(want, sizeof(want), ALARM_LINE " count=3 restored=1\n", "queued");
	expect_push(&c, want);
}
END_TEST

START_TEST(claimed_and_released_add_their_line)
{
	struct alarm	a = example_alarm();
	struct change	c;
	char		want[512];

	a.state = ALARM_CLAIMED;
	strcpy(a.claimed_by, "alice");
	c = alarm_change(CHANGE_CLAIMED, &a, "alice");
	c.first_claim = 1;
	snprintf(want, sizeof(want), ALARM_LINE " by=alice\n"
	    "* CLAIMED 41 by=alice\n", "claimed");
	expect_push(&c, want);
	a.state = ALARM_QUEUED;
	a.claimed_by[0] = '\0';
	c = alarm_change(CHANGE_RELEASED, &a, "alice");
	snprintf(want, sizeof(want), ALARM_LINE "\n* RELEASED 41\n", "queued");
	expect_push(&c, want);
}
END_TEST

START_TEST(other_kinds_one_line_each)
{
	struct alarm	a = example_alarm();
	struct change	c;

	a.state = ALARM_RESOLVED;
	a.outcome = ALARM_OUTCOME_GENUINE;
	c = alarm_change(CHANGE_RESOLVED, &a, "alice");
	expect_push(&c, "* RESOLVED 41 outcome=genuine by=alice\n");
	a.outcome = ALARM_OUTCOME_FALSE;
	expect_push(&c, "* RESOLVED 41 outcome=false by=alice\n");

	a = example_alarm();
	c = alarm_change(CHANGE_ESCALATED, &a, NULL);
	c.waited_s = 30;
	expect_push(&c, "* ESCALATE 41 waited=30 level=1\n");
	c.level = 2;
	c.waited_s = 61;
	expect_push(&c, "* ESCALATE 41 waited=61 level=2\n");
	a.state = ALARM_RESOLVED;
	a.outcome = ALARM_OUTCOME_TECHNICAL;
	c = alarm_change(CHANGE_RESOLVED, &a, "receiver");
	expect_push(&c, "* RESOLVED 41 outcome=technical by=receiver\n");
	a = example_alarm();

	memset(&c, 0, sizeof(c));
	c.kind = CHANGE_TESTSIGNAL;
	c.unit_id = "HP-003";
	c.type = EVTYPE_TAMPER;
	expect_push(&c, "* TESTSIGNAL HP-003 TAMPER\n");

	memset(&c, 0, sizeof(c));
	c.kind = CHANGE_TESTMODE;
	c.unit_id = "HP-003";
	c.until_ms = 1795650000000LL;
	expect_push(&c, "* TESTMODE HP-003 until=2026-11-25T23:40:00.000Z\n");
	c.until_ms = 0;
	expect_push(&c, "* TESTMODE HP-003 off\n");

	memset(&c, 0, sizeof(c));
	c.kind = CHANGE_UNIT_STATE;
	c.unit_id = "HP-002";
	c.state = "offline";
	expect_push(&c, "* UNIT HP-002 offline\n");
	c.state = "online";
	expect_push(&c, "* UNIT HP-002 online\n");

	memset(&c, 0, sizeof(c));
	c.kind = CHANGE_COMMAND;
	c.cmd_id = "c1795642400123-3";
	c.result = "done";
	expect_push(&c, "* CMD c1795642400123-3 done\n");
	c.result = "timeout";
	expect_push(&c, "* CMD c1795642400123-3 timeout\n");
	c.result = "fail";
	c.reason = "preset out of range";
	expect_push(&c, "* CMD c1795642400123-3 fail preset out of range\n");

	memset(&c, 0, sizeof(c));
	c.kind = CHANGE_RELOADED;
	c.units = 3;
	expect_push(&c, "* RELOADED units=3\n");

	memset(&c, 0, sizeof(c));
	c.kind = CHANGE_RECEIVER;
	c.role = "active";
	c.store_failing = 1;
	c.reason = "database writes are failing: database or disk is full";
	expect_push(&c, "* RECEIVER active store=failing \"database writes are "
	    "failing: database or disk is full\"\n");
	c.store_failing = 0;
	c.reason = NULL;
	c.name = "rx-a";
	expect_push(&c, "* RECEIVER active store=ok name=rx-a\n");

	memset(&c, 0, sizeof(c));
	c.kind = CHANGE_FLOOD;
	c.type = EVTYPE_MAINS_FAIL;
	c.count = 51;
	c.sites = 3;
	c.since_ms = 1795642400123LL;
	expect_push(&c, "* FLOOD MAINS_FAIL count=51 sites=3 "
	    "since=2026-11-25T21:33:20.123Z\n");
	c.ended = 1;
	c.count = 10000;
	expect_push(&c, "* FLOOD MAINS_FAIL end count=10000\n");
}
END_TEST

START_TEST(noted_formats_nothing)
{
	struct alarm	a = example_alarm();
	struct change	c = alarm_change(CHANGE_NOTED, &a, "alice");
	char		buf[64];

	c.text = "caller hung up";
	memset(buf, 'x', sizeof(buf));
	ck_assert_int_eq(opproto_format_change(buf, sizeof(buf), &c), 0);
	ck_assert_str_eq(buf, "");
}
END_TEST

START_TEST(too_small_a_buffer_is_refused)
{
	struct alarm	a = example_alarm();
	struct change	c = alarm_change(CHANGE_CLAIMED, &a, "alice");
	char		buf[2048];
	int		n, len;

	a.state = ALARM_CLAIMED;
	strcpy(a.claimed_by, "alice");
	len = opproto_format_change(buf, sizeof(buf), &c);
	ck_assert_int_gt(len, 0);
	/* Room for the ALARM line but not the CLAIMED one: all or nothing. */
	n = opproto_format_change(buf, (size_t)len, &c);
	ck_assert_int_eq(n, -1);
	ck_assert_ptr_null(strstr(buf, "* CLAIMED"));
	ck_assert_int_eq(opproto_format_change(buf, (size_t)len + 1, &c), len);
}
END_TEST

START_TEST(kind_names)
{
	ck_assert_str_eq(change_kind_name(CHANGE_RAISED), "raised");
	ck_assert_str_eq(change_kind_name(CHANGE_UNIT_STATE), "unit-state");
	ck_assert_str_eq(change_kind_name(CHANGE_RELOADED), "reloaded");
	ck_assert_str_eq(change_kind_name((enum change_kind)99), "?");
}
END_TEST

static Suite *
change_suite(void)
{
	Suite	*s = suite_create("change");
	TCase	*tc = tcase_create("pushes");

	tcase_add_test(tc, raised_repeated_restored_are_alarm_lines);
	tcase_add_test(tc, claimed_and_released_add_their_line);
	tcase_add_test(tc, other_kinds_one_line_each);
	tcase_add_test(tc, noted_formats_nothing);
	tcase_add_test(tc, too_small_a_buffer_is_refused);
	tcase_add_test(tc, kind_names);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(change_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
