/*
 * Operator sessions (operator.c, operator_requests.c) through the fake conn:
 * LOGIN first, its password checked on the pwcheck worker (the loop is run
 * until the verdict, with a deadline), ERR codes from the stack's statuses,
 * pushes to logged-in sessions only and never inside a reply, claims given
 * back when a user's last session ends.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refuge/command.h"
#include "refuge/ingest.h"
#include "refuge/operator.h"
#include "refuge/stack.h"
#include "refuge/timenow.h"
#include "refuge/units.h"
#include "fakes.h"
#include "l3_bench.h"

#define VERDICT_MS	5000	/* a password check and the 1 s failure delay */

static struct l3	*t;

static void
setup(void)
{
	/* LOGIN's reply names the zone: one known to the tests. */
	setenv("TZ", "UTC", 1);
	t = l3_new();
	l3_operator_link(t);
}

static void
teardown(void)
{
	l3_free(t);
	t = NULL;
}

static struct conn *
op_connect(void)
{
	struct conn	*conn;

	conn = fake_listener_accept(fake_listener_find("operators"),
	    "127.0.0.1:50000");
	ck_assert_ptr_nonnull(conn);
	fake_conn_connected(conn);
	return conn;
}

static int
has_line(void *arg)
{
	return fake_conn_pending(arg);
}

/* Sends LOGIN and runs the loop until the worker's verdict is answered. */
static void
op_login_as(struct conn *conn, const char *user, const char *password)
{
	char	line[128];

	snprintf(line, sizeof(line), "LOGIN %s %s", user, password);
	ck_assert_int_eq(fake_conn_line(conn, line), 0);
	ck_assert_msg(l3_wait(t, has_line, conn, VERDICT_MS), "no verdict");
}

static struct conn *
op_logged_in(const char *user)
{
	struct conn	*conn = op_connect();

	op_login_as(conn, user, "secret");
	l3_expect_line(conn, strcmp(user, "sam") == 0 ?
	    "OK role=supervisor tz=UTC" : "OK role=operator tz=UTC");
	return conn;
}

/* An alarm raised by an event queued without a link, committed now. */
static int64_t
raise_alarm(const char *unit_id, const char *event_id, enum evtype type)
{
	ck_assert_int_eq(ingest_unit_event(t->ingest, NULL, l3_record(t, unit_id),
	    event_id, type, -1, ""), 0);
	l3_turn(t);
	return l3_last_change(t, CHANGE_RAISED)->alarm_id;
}

START_TEST(only_login_and_ping_before_login)
{
	struct conn	*conn = op_connect();

	fake_conn_line(conn, "ALARMS");
	l3_expect_line(conn, "ERR login log in first");
	fake_conn_line(conn, "LOGOUT");
	l3_expect_line(conn, "ERR login log in first");
	fake_conn_line(conn, "CLAIM 1");
	l3_expect_line(conn, "ERR login log in first");
	fake_conn_line(conn, "PING");
	l3_expect_line(conn, "OK");
	ck_assert(!fake_conn_closed(conn));
	/* Not logged in: no pushes. */
	raise_alarm("HP-001", "e1", EVTYPE_TAMPER);
	ck_assert_uint_eq(t->change_count, 1);
	l3_expect_nothing(conn);
	ck_assert_int_eq(operator_link_sessions(t->operators), 0);
	ck_assert_int_eq(operator_link_open_count(t->operators), 1);
	/* Until login the output is bounded short. */
	ck_assert_uint_eq(fake_conn_max_output(conn), 16384);
}
END_TEST

START_TEST(login_verdict_from_worker_in_order)
{
	struct conn	*conn = op_connect();

	fake_conn_line(conn, "LOGIN alice secret");
	/* The hash runs on the worker; the link reads nothing meanwhile. */
	l3_expect_nothing(conn);
	ck_assert(fake_conn_paused(conn));
	fake_conn_line(conn, "PING");
	fake_conn_line(conn, "ALARMS");
	ck_assert_uint_eq(fake_conn_held(conn), 2);
	ck_assert(l3_wait(t, has_line, conn, VERDICT_MS));
	l3_expect_line(conn, "OK role=operator tz=UTC");
	l3_turn(t);	/* the resume delivers what was held */
	l3_expect_line(conn, "OK");
	l3_expect_line(conn, "OK 0");
	l3_expect_nothing(conn);
	ck_assert_int_eq(operator_link_user_sessions(t->operators, "alice"), 1);
	ck_assert_uint_eq(operator_link_counters(t->operators)->logins, 1);
	ck_assert_uint_gt(fake_conn_max_output(conn), 16384);
	ck_assert_int_eq(l3_sql_int(t, "SELECT count(*) FROM audit WHERE "
	    "action = 'login' AND user = 'alice'"), 1);
	fake_conn_line(conn, "LOGIN alice secret");
	l3_expect_line(conn, "ERR state already logged in");
	op_logged_in("sam");
}
END_TEST

START_TEST(failed_login_answered_after_delay)
{
	struct conn	*wrong = op_connect(), *nobody = op_connect();
	int64_t		 sent = timenow_mono_ms();

	/* A wrong password and an unknown user look the same, and wait alike. */
	fake_conn_line(wrong, "LOGIN alice wrong");
	fake_conn_line(nobody, "LOGIN mallory secret");
	ck_assert(l3_wait(t, has_line, wrong, VERDICT_MS));
	ck_assert(l3_wait(t, has_line, nobody, VERDICT_MS));
	ck_assert_int_ge(timenow_mono_ms() - sent, 950);
	l3_expect_line(wrong, "ERR auth bad user or password");
	l3_expect_line(nobody, "ERR auth bad user or password");
	ck_assert_uint_eq(operator_link_counters(t->operators)->login_failures, 2);
	ck_assert_int_eq(operator_link_sessions(t->operators), 0);
	/* The link stays and may try again. */
	ck_assert(!fake_conn_closed(wrong));
	op_login_as(wrong, "alice", "secret");
	l3_expect_line(wrong, "OK role=operator tz=UTC");
}
END_TEST

START_TEST(err_codes_follow_alarm_status)
{
	struct conn	*alice = op_logged_in("alice"), *bob = op_logged_in("bob");
	int64_t		 id, other;

	id = raise_alarm("HP-001", "e1", EVTYPE_TAMPER);
	other = raise_alarm("HP-002", "e2", EVTYPE_MAINS_FAIL);
	ck_assert_int_eq(id, 1);
	ck_assert_int_eq(other, 2);
	fake_conn_skip(alice);
	fake_conn_skip(bob);

	fake_conn_line(alice, "CLAIM 1");
	fake_conn_skip(alice);
	fake_conn_skip(bob);
	fake_conn_line(bob, "CLAIM 1");
	l3_expect_line(bob, "ERR claimed alarm is claimed by another operator");
	fake_conn_line(bob, "CLAIM 99");
	l3_expect_line(bob, "ERR notfound no alarm 99");
	fake_conn_line(bob, "RELEASE 1");
	l3_expect_line(bob, "ERR state alarm is not claimed by you");
	fake_conn_line(bob, "RELEASE 2");
	l3_expect_line(bob, "ERR state alarm is not claimed by you");
	fake_conn_line(bob, "RESOLVE 1 genuine action=police");
	l3_expect_line(bob, "ERR state alarm is not claimed by you");
	fake_conn_line(alice, "RESOLVE 1 false");
	l3_expect_line(alice, "ERR syntax false needs reason= (OUTCOMES lists "
	    "them)");
	/* A TAMPER alarm is technical: never false. */
	fake_conn_line(alice, "RESOLVE 1 false reason=test");
	l3_expect_line(alice, "ERR syntax a BUTTON alarm resolves genuine or "
	    "false, any other type technical or genuine");
	fake_conn_line(alice, "RESOLVE 1 technical action=bogus");
	l3_expect_line(alice, "ERR syntax false needs reason=, genuine action=, "
	    "technical an optional action=, each from the lists OUTCOMES gives");
	fake_conn_line(alice, "RESOLVE restored type=TAMPER technical");
	l3_expect_line(alice, "ERR denied only a supervisor may resolve in bulk");
	fake_conn_line(alice, "OUTCOMES");
	l3_expect_line(alice, "OUTCOME false accidental misuse test no-one-there "
	    "fault other");
	l3_expect_line(alice, "OUTCOME genuine police fire ambulance advice "
	    "other");
	l3_expect_line(alice, "OUTCOME technical engineer restored none other");
	l3_expect_line(alice, "OK");
	fake_conn_line(alice, "RESOLVE 1 genuine action=police");
	l3_expect_line(alice, "* RESOLVED 1 outcome=genuine by=alice");
	l3_expect_line(alice, "OK");
	l3_expect_line(bob, "* RESOLVED 1 outcome=genuine by=alice");
	fake_conn_line(bob, "CLAIM 1");
	l3_expect_line(bob, "ERR state alarm 1 is already resolved");
	fake_conn_line(bob, "NOTE 1 too late");
	l3_expect_line(bob, "ERR state alarm 1 is already resolved");
	fake_conn_line(alice, "TESTMODE HP-003 2h");
	l3_expect_line(alice, "ERR denied only a supervisor may do that");
	fake_conn_line(alice, "CMD HP-004 LIGHT ON");
	l3_expect_line(alice, "ERR offline unit not connected");
	fake_conn_line(alice, "FROBNICATE");
	l3_expect_line(alice, "ERR unknown unknown command 'FROBNICATE'");
	fake_conn_line(alice, "PLAN 2");
	l3_expect_line(alice, "PLAN park site=park steps=2 contacts=0");
	l3_expect_line(alice, "STEP 1 \"Open audio and speak to the caller\"");
	l3_expect_line(alice, "STEP 2 \"Call the warden\"");
	l3_expect_line(alice, "OK");
	/* The store refuses: internal, and nothing changed. */
	ck_assert_int_eq(l3_sql(t, "BEGIN IMMEDIATE"), SQLITE_OK);
	fake_conn_line(bob, "CLAIM 2");
	l3_expect_line(bob, "ERR internal storage failed; nothing changed");
	ck_assert_int_eq(l3_sql(t, "COMMIT"), SQLITE_OK);
	ck_assert_int_eq(stack_find(t->stack, other)->state, ALARM_QUEUED);
	l3_expect_nothing(alice);
	l3_expect_nothing(bob);
}
END_TEST

START_TEST(claim_pushed_to_every_logged_in_session_before_ok)
{
	struct conn	*alice = op_logged_in("alice"), *bob = op_logged_in("bob");
	struct conn	*anon = op_connect(), *checking = op_connect();
	const char	*claimed = "* ALARM 1 prio=2 state=claimed type=TAMPER "
			    "unit=HP-001 site=park at=";
	const char	*rest;
	char		 tail[256];

	raise_alarm("HP-001", "e1", EVTYPE_TAMPER);
	rest = l3_expect_prefix(alice, "* ALARM 1 prio=2 state=queued "
	    "type=TAMPER unit=HP-001 site=park at=");
	ck_assert_msg(strstr(rest, " name=\"Main gate\"") != NULL, "%s", rest);
	l3_expect_prefix(bob, "* ALARM 1 prio=2 state=queued ");
	fake_conn_line(checking, "LOGIN bob secret");	/* verdict pending */

	fake_conn_line(alice, "CLAIM 1");
	rest = l3_expect_prefix(alice, claimed);
	snprintf(tail, sizeof(tail), "%s", rest);
	ck_assert_msg(strstr(tail, " name=\"Main gate\" lat=52.100000 "
	    "lon=-0.800000 by=alice") != NULL, "%s", tail);
	/* The push a request causes comes before its final line. */
	l3_expect_line(alice, "* CLAIMED 1 by=alice");
	l3_expect_line(alice, "OK");
	/* The claimer, only, is shown the plan at once. */
	l3_expect_line(alice, "* PLAN 1 park site=park steps=2 contacts=0");
	l3_expect_line(alice, "* STEP 1 1 \"Open audio and speak to the caller\"");
	l3_expect_line(alice, "* STEP 1 2 \"Call the warden\"");
	l3_expect_prefix(bob, claimed);
	l3_expect_line(bob, "* CLAIMED 1 by=alice");
	l3_expect_nothing(bob);
	l3_expect_nothing(anon);
	l3_expect_nothing(checking);
	/* Claiming what one holds: OK, the plan again, no push to others. */
	fake_conn_line(alice, "CLAIM 1");
	l3_expect_line(alice, "OK");
	l3_expect_prefix(alice, "* PLAN 1 ");
	l3_expect_prefix(alice, "* STEP 1 1 ");
	l3_expect_prefix(alice, "* STEP 1 2 ");
	l3_expect_nothing(bob);
	/* A note is stored, pushed to nobody. */
	fake_conn_line(bob, "NOTE 1 \"caller hung up\"");
	l3_expect_line(bob, "OK");
	l3_expect_nothing(alice);
	ck_assert(l3_wait(t, has_line, checking, VERDICT_MS));
	l3_expect_line(checking, "OK role=operator tz=UTC");
	l3_expect_nothing(checking);
}
END_TEST

/* Every line up to the next OK/ERR: data lines only, no push among them. */
static size_t
reply_without_push(struct conn *conn, const char *data, const char *final)
{
	char	line[2048];
	size_t	n = 0;

	for (;;) {
		ck_assert_msg(fake_conn_next(conn, line, sizeof(line)),
		    "reply ended early");
		if (strncmp(line, "OK", 2) == 0 || strncmp(line, "ERR", 3) == 0)
			break;
		ck_assert_msg(strncmp(line, data, strlen(data)) == 0,
		    "inside the reply: \"%s\"", line);
		n++;
	}
	ck_assert_str_eq(line, final);
	return n;
}

START_TEST(reply_lines_are_contiguous)
{
	struct conn	*alice = op_logged_in("alice"), *sam = op_logged_in("sam");

	raise_alarm("HP-003", "e3", EVTYPE_LIGHT_FAULT);
	raise_alarm("HP-001", "e1", EVTYPE_TAMPER);
	raise_alarm("HP-002", "e2", EVTYPE_BUTTON);
	fake_conn_skip(alice);
	fake_conn_skip(sam);
	/* Pushes caused by others come between replies, never inside one. */
	fake_conn_line(sam, "CLAIM 2");
	fake_conn_line(alice, "ALARMS");
	fake_conn_line(sam, "TESTMODE HP-004 1h");
	fake_conn_line(alice, "UNITS");
	l3_expect_prefix(alice, "* ALARM 2 ");
	l3_expect_line(alice, "* CLAIMED 2 by=sam");
	l3_expect_prefix(alice, "ALARM 3 prio=1 state=queued type=BUTTON ");
	l3_expect_prefix(alice, "ALARM 2 prio=2 state=claimed type=TAMPER ");
	l3_expect_prefix(alice, "ALARM 1 prio=5 state=queued type=LIGHT_FAULT ");
	l3_expect_line(alice, "OK 3");
	l3_expect_prefix(alice, "* TESTMODE HP-004 until=");
	ck_assert_uint_eq(reply_without_push(alice, "UNIT ", "OK 4"), 4);
	l3_expect_nothing(alice);
	l3_expect_prefix(sam, "* ALARM 2 ");
	l3_expect_line(sam, "* CLAIMED 2 by=sam");
	l3_expect_line(sam, "OK");
	l3_expect_prefix(sam, "* PLAN 2 ");
	l3_expect_prefix(sam, "* STEP 2 1 ");
	l3_expect_prefix(sam, "* STEP 2 2 ");
	l3_expect_prefix(sam, "* TESTMODE HP-004 until=");
	l3_expect_line(sam, "OK");
	fake_conn_line(sam, "HISTORY HP-001");
	ck_assert_uint_eq(reply_without_push(sam, "EVENT ", "OK 1"), 1);
	fake_conn_line(sam, "UNITS");
	l3_expect_line(sam, "UNIT HP-001 state=unknown last_seen=- heard=- "
	    "site=park name=\"Main gate\" lat=52.100000 lon=-0.800000 paths=-");
	l3_expect_prefix(sam, "UNIT HP-002 ");
	l3_expect_prefix(sam, "UNIT HP-003 ");
	l3_expect_prefix(sam, "UNIT HP-004 state=unknown last_seen=- heard=- "
	    "site=square name=\"Pavilion\" test_until=");
	l3_expect_line(sam, "OK 4");
}
END_TEST

START_TEST(last_session_gone_releases_claims)
{
	struct conn	*a1 = op_logged_in("alice"), *a2 = op_logged_in("alice");
	struct conn	*bob = op_logged_in("bob");
	int64_t		 id;

	id = raise_alarm("HP-001", "e1", EVTYPE_TAMPER);
	fake_conn_line(a1, "CLAIM 1");
	fake_conn_skip(bob);
	fake_conn_line(a1, "LOGOUT");
	ck_assert(fake_conn_closed_by_session(a1));
	ck_assert_str_eq(fake_conn_output(a1) + strlen(fake_conn_output(a1)) - 3,
	    "OK\n");
	/* alice is still logged in elsewhere: her claim stands. */
	l3_expect_nothing(bob);
	ck_assert_int_eq(stack_find(t->stack, id)->state, ALARM_CLAIMED);
	fake_conn_fail(a2, "closed by peer");
	l3_expect_prefix(bob, "* ALARM 1 prio=2 state=queued ");
	l3_expect_line(bob, "* RELEASED 1");
	l3_expect_nothing(bob);
	ck_assert_int_eq(stack_find(t->stack, id)->state, ALARM_QUEUED);
	ck_assert_int_eq(operator_link_user_sessions(t->operators, "alice"), 0);
	ck_assert_int_eq(l3_sql_int(t, "SELECT count(*) FROM audit WHERE "
	    "action = 'logout' AND user = 'alice'"), 2);
	ck_assert_int_eq(l3_sql_int(t, "SELECT count(*) FROM audit WHERE "
	    "action = 'release-on-disconnect'"), 1);
}
END_TEST

START_TEST(cmd_goes_to_the_unit_link_and_result_is_pushed)
{
	struct conn		*alice = op_logged_in("alice");
	struct l3_link		*l = l3_link(t, "HP-001");
	const char		*id;
	char			 cmd_id[COMMAND_ID_LEN], push[128];

	fake_conn_line(alice, "CMD HP-001 LIGHT ON");
	id = l3_expect_prefix(alice, "OK cmd=");
	snprintf(cmd_id, sizeof(cmd_id), "%s", id);
	ck_assert_uint_eq(l->commands, 1);
	ck_assert_str_eq(l->command_ids[0], cmd_id);
	ck_assert_int_eq(l->command_args[0].kind, UPROTO_CMD_LIGHT);
	ck_assert_str_eq(l->command_args[0].arg, "ON");
	/* AUDIO OPEN without a URI takes the registry's. */
	fake_conn_line(alice, "CMD HP-001 AUDIO OPEN");
	l3_expect_prefix(alice, "OK cmd=");
	ck_assert_str_eq(l->command_args[1].arg, "sip:hp-001@pbx");
	fake_conn_line(alice, "CMD HP-004 AUDIO OPEN");
	l3_expect_line(alice, "ERR nodesk log in with desk=<sip-uri>");
	fake_conn_line(alice, "CMD HP-009 RESET");
	l3_expect_line(alice, "ERR notfound unknown unit HP-009");
	l->busy = 1;
	fake_conn_line(alice, "CMD HP-001 RESET");
	l3_expect_line(alice, "ERR offline unit link busy");
	command_answer(t->command, l->link.unit, cmd_id, 1, NULL);
	snprintf(push, sizeof(push), "* CMD %s done", cmd_id);
	l3_expect_line(alice, push);
	l3_expect_nothing(alice);
}
END_TEST

START_TEST(session_gone_during_password_check)
{
	struct conn	*gone = op_connect(), *conn;

	fake_conn_line(gone, "LOGIN alice secret");
	fake_conn_fail(gone, "closed by peer");
	/* The worker answers in order: the later check's verdict comes after. */
	conn = op_logged_in("bob");
	ck_assert_uint_eq(operator_link_counters(t->operators)->logins, 1);
	ck_assert_int_eq(operator_link_user_sessions(t->operators, "alice"), 0);
	l3_expect_nothing(gone);
	l3_expect_nothing(conn);
}
END_TEST

START_TEST(failed_logins_lock_the_user_at_that_address)
{
	struct conn	*tries[5], *late, *other;
	int		 i;

	/* Five failures as one user from one address within a minute... */
	for (i = 0; i < 5; i++) {
		tries[i] = op_connect();
		fake_conn_line(tries[i], "LOGIN alice wrong");
		ck_assert(l3_wait(t, has_line, tries[i], VERDICT_MS));
		l3_expect_line(tries[i], "ERR auth bad user or password");
	}
	/* ...lock that pair: the right password gets "locked" after the delay... */
	late = op_connect();
	fake_conn_line(late, "LOGIN alice secret");
	l3_expect_nothing(late);
	ck_assert(fake_conn_paused(late));
	ck_assert(l3_wait(t, has_line, late, VERDICT_MS));
	l3_expect_line(late, "ERR locked too many failed logins as this user "
	    "from this address; try again later");
	/* ...but not another user there: nobody locks an operator out. */
	other = op_connect();
	fake_conn_line(other, "LOGIN sam secret");
	ck_assert(l3_wait(t, has_line, other, VERDICT_MS));
	ck_assert_str_eq(fake_conn_output(other), "OK role=supervisor tz=UTC\n");
}
END_TEST

START_TEST(more_than_ten_checks_a_second_wait_their_turn)
{
	struct conn	*conns[11];
	int		 i;

	for (i = 0; i < 11; i++) {
		conns[i] = op_connect();
		fake_conn_line(conns[i], "LOGIN bob secret");
	}
	/* Over the cap a LOGIN is queued, not refused: all eleven get in. */
	for (i = 0; i < 11; i++) {
		ck_assert(l3_wait(t, has_line, conns[i], 3 * VERDICT_MS));
		ck_assert_str_eq(fake_conn_output(conns[i]), "OK role=operator tz=UTC\n");
	}
}
END_TEST

/*
 * BUG (src/refuged/operator.c, operator_line, the pre-login filter): it lets
 * through any line starting "PING" (strncmp with length 4), so before login
 * "PINGPONG" is parsed and answered "ERR unknown ..." where
 * refuge-protocol(7) says anything but LOGIN and PING gets
 * "ERR login log in first".
 */
START_TEST(only_ping_itself_passes_before_login)
{
	struct conn	*conn = op_connect();

	fake_conn_line(conn, "PINGPONG");
	l3_expect_line(conn, "ERR login log in first");
}
END_TEST

static int
closed(void *arg)
{
	return fake_conn_closed(arg);
}

START_TEST(handshake_deadline_and_overlong_line_close)
{
	struct conn	*slow, *conn;

	t->config.handshake_timeout_ms = 100;
	slow = fake_listener_accept(fake_listener_find("operators"), "127.0.0.1:1");
	conn = op_logged_in("alice");
	ck_assert(l3_wait(t, closed, slow, 3000));
	l3_expect_nothing(slow);
	ck_assert(!fake_conn_closed(conn));
	fake_conn_overlong(conn);
	l3_expect_line(conn, "ERR toolong line longer than 512 bytes");
	ck_assert(fake_conn_closed_by_session(conn));
	ck_assert_int_eq(operator_link_open_count(t->operators), 0);
}
END_TEST

static Suite *
operator_session_suite(void)
{
	Suite	*s = suite_create("operator_session");
	TCase	*tc = tcase_create("session");

	tcase_add_unchecked_fixture(tc, l3_dir_create, l3_dir_remove);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, only_login_and_ping_before_login);
	tcase_add_test(tc, login_verdict_from_worker_in_order);
	tcase_add_test(tc, failed_login_answered_after_delay);
	tcase_add_test(tc, err_codes_follow_alarm_status);
	tcase_add_test(tc, claim_pushed_to_every_logged_in_session_before_ok);
	tcase_add_test(tc, reply_lines_are_contiguous);
	tcase_add_test(tc, last_session_gone_releases_claims);
	tcase_add_test(tc, cmd_goes_to_the_unit_link_and_result_is_pushed);
	tcase_add_test(tc, session_gone_during_password_check);
	tcase_add_test(tc, handshake_deadline_and_overlong_line_close);
	tcase_add_test(tc, failed_logins_lock_the_user_at_that_address);
	tcase_add_test(tc, more_than_ten_checks_a_second_wait_their_turn);
	tcase_add_test(tc, only_ping_itself_passes_before_login);
	suite_add_tcase(s, tc);
	/* Tests of documented behaviour that layer 3 does not have yet. */
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(operator_session_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
