/*
 * The TLS unit session (unit.c) line by line through the fake conn, with the
 * certificate's CN and key from the fake tlsctx: HELLO first and its checks,
 * HB, EVENT acknowledged after the commit, NAK, the error limit, commands'
 * DONE and FAIL, activation after the ACK, a replaced or lost link.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refuge/command.h"
#include "refuge/link.h"
#include "refuge/stack.h"
#include "refuge/store.h"
#include "refuge/supervise.h"
#include "refuge/timenow.h"
#include "refuge/unit.h"
#include "refuge/units.h"
#include "refuge/uproto.h"
#include "fakes.h"
#include "l3_bench.h"

static struct l3	*t;

static void
setup(void)
{
	t = l3_new();
	l3_supervise(t);
	l3_unit_links(t);
}

static void
teardown(void)
{
	l3_free(t);
	t = NULL;
}

/* A connection whose TLS handshake is done, its certificate for cn. */
static struct conn *
connect_as(const char *cn)
{
	struct conn	*conn;

	fake_tls_identity(cn, strcmp(cn, "HP-002") == 0 ? l3_hp002_spki : NULL);
	conn = fake_listener_accept(fake_listener_find("units"),
	    "10.0.0.5:41822");
	ck_assert_ptr_nonnull(conn);
	fake_conn_connected(conn);
	return conn;
}

/* A unit that said HELLO and was welcomed. */
static struct conn *
greeted(const char *unit_id)
{
	struct conn	*conn = connect_as(unit_id);
	char		 hello[128];

	snprintf(hello, sizeof(hello), "HELLO %s 1 fw=2.4.1", unit_id);
	ck_assert_int_eq(fake_conn_line(conn, hello), 0);
	l3_expect_prefix(conn, "WELCOME ");
	ck_assert(!fake_conn_closed(conn));
	return conn;
}

static int
open_links(void)
{
	return unit_links_open_count(t->unit_links);
}

START_TEST(hello_required_first)
{
	struct conn	*conn = connect_as("HP-001");

	ck_assert_int_eq(open_links(), 1);
	fake_conn_line(conn, "HB 1");
	l3_expect_line(conn, "ERR hello required");
	l3_expect_nothing(conn);
	ck_assert(fake_conn_closed_by_session(conn));
	ck_assert_int_eq(open_links(), 0);

	conn = connect_as("HP-001");
	fake_conn_line(conn, "EVENT e1 BUTTON");
	l3_expect_line(conn, "ERR hello required");
	ck_assert(fake_conn_closed(conn));
	l3_turn(t);
	ck_assert_int_eq(l3_sql_int(t, "SELECT count(*) FROM events"), 0);
}
END_TEST

START_TEST(malformed_hello_says_what_is_wrong)
{
	struct conn	*conn = connect_as("HP-001");

	fake_conn_line(conn, "HELLO HP-001 x");
	l3_expect_line(conn, "ERR bad protocol version");
	ck_assert(fake_conn_closed(conn));
	conn = connect_as("HP-001");
	fake_conn_line(conn, "HELLO HP-001");
	l3_expect_line(conn, "ERR missing protocol version");
	ck_assert(fake_conn_closed(conn));
	conn = connect_as("HP-001");
	fake_conn_line(conn, "HELLO HP-001 1 colour=blue");
	l3_expect_line(conn, "ERR unknown attribute");
	ck_assert(fake_conn_closed(conn));
}
END_TEST

START_TEST(hello_checks_version_certificate_registry_and_pin)
{
	struct unit_counters	 counters;
	struct conn		*conn;

	conn = connect_as("HP-001");
	fake_conn_line(conn, "HELLO HP-001 2");
	l3_expect_line(conn, "DENIED unsupported protocol version");
	ck_assert(fake_conn_closed(conn));

	conn = connect_as("HP-002");
	fake_conn_line(conn, "HELLO HP-001 1");
	l3_expect_line(conn, "DENIED unit id does not match certificate");
	ck_assert(fake_conn_closed(conn));

	conn = connect_as("HP-009");
	fake_conn_line(conn, "HELLO HP-009 1");
	l3_expect_line(conn, "DENIED unknown unit");
	ck_assert(fake_conn_closed(conn));

	/* HP-002's registry entry pins a key this certificate does not hold. */
	fake_tls_identity("HP-002", NULL);
	conn = fake_listener_accept(fake_listener_find("units"), "10.0.0.6:1");
	fake_conn_connected(conn);
	fake_conn_line(conn, "HELLO HP-002 1");
	l3_expect_line(conn, "DENIED key does not match registry");
	ck_assert(fake_conn_closed(conn));

	conn = connect_as("HP-001");
	fake_tls_identity_error("certificate has no usable common name");
	fake_conn_line(conn, "HELLO HP-001 1");
	l3_expect_line(conn, "DENIED certificate has no usable common name");
	ck_assert(fake_conn_closed(conn));

	unit_links_counters(t->unit_links, &counters);
	ck_assert_uint_eq(counters.refused[METRICS_REFUSED_DENIED], 5);
	ck_assert_int_eq(open_links(), 0);
	ck_assert_uint_eq(l3_record(t, "HP-001")->link_count, 0);
	ck_assert_uint_eq(l3_record(t, "HP-002")->link_count, 0);
	/* The pinned key itself is welcome. */
	greeted("HP-002");
	ck_assert_ptr_nonnull(units_link(l3_record(t, "HP-002"), "tls"));
}
END_TEST

START_TEST(welcome_attaches_link_and_unit_is_online)
{
	struct unit_record	*r = l3_record(t, "HP-001");
	struct unit_counters	 counters;
	struct conn		*conn;
	struct link		*link;
	const char		*rest;
	char			*end;
	long long		 now = timenow_wall_ms() / 1000, then;

	conn = connect_as("HP-001");
	fake_conn_line(conn, "HELLO HP-001 1 fw=2.4.1");
	rest = l3_expect_prefix(conn, "WELCOME 30 ");
	then = strtoll(rest, &end, 10);
	ck_assert_msg(then >= now && then <= now + 2, "time %s", rest);
	/* How long the unit waits for an ACK: supervision.retry. */
	ck_assert_str_eq(end, " retry=10");
	ck_assert(fake_conn_rate_limited(conn));
	link = units_link(r, "tls");
	ck_assert_ptr_nonnull(link);
	ck_assert_str_eq(link_kind(link), "tls");
	ck_assert_str_eq(link_peer(link), "10.0.0.5:41822");
	ck_assert(link_takes_commands(link));
	ck_assert_int_eq(r->welcomed_heartbeat_ms, 30000);
	ck_assert_int_eq(r->state, STORE_UNIT_ONLINE);
	l3_turn(t);
	ck_assert_int_eq(l3_sql_int(t, "SELECT count(*) FROM units WHERE "
	    "id = 'HP-001' AND firmware = '2.4.1' AND state = 'online'"), 1);
	ck_assert_int_eq(l3_sql_int(t, "SELECT count(*) FROM events WHERE "
	    "type = 'UNIT_ONLINE' AND unit_id = 'HP-001'"), 1);
	ck_assert_str_eq(l3_last_change(t, CHANGE_UNIT_STATE)->unit_id, "HP-001");
	unit_links_counters(t->unit_links, &counters);
	ck_assert_uint_eq(counters.handshakes_ok, 1);
	/* HP-003's own heartbeat is what its WELCOME gives. */
	conn = connect_as("HP-003");
	fake_conn_line(conn, "HELLO HP-003 1");
	l3_expect_prefix(conn, "WELCOME 2 ");
}
END_TEST

static int
closed(void *arg)
{
	return fake_conn_closed(arg);
}

START_TEST(handshake_timer_ends_at_welcome)
{
	struct unit_counters	 counters;
	struct conn		*waiting, *silent, *active;

	t->config.handshake_timeout_ms = 150;
	waiting = fake_listener_accept(fake_listener_find("units"), "10.0.0.7:1");
	silent = connect_as("HP-004");
	active = greeted("HP-001");
	ck_assert(l3_wait(t, closed, silent, 3000));
	ck_assert(l3_wait(t, closed, waiting, 3000));
	l3_expect_nothing(silent);
	/* The welcomed link outlives the deadline. */
	ck_assert(!l3_wait(t, closed, active, 300));
	unit_links_counters(t->unit_links, &counters);
	ck_assert_uint_eq(counters.refused[METRICS_REFUSED_TIMEOUT], 2);
}
END_TEST

START_TEST(heartbeat_answered)
{
	struct conn	*conn = greeted("HP-001");

	fake_conn_line(conn, "HB 17");
	l3_expect_line(conn, "HBACK 17");
	fake_conn_line(conn, "HB 00000000000000000001");
	l3_expect_line(conn, "HBACK 00000000000000000001");
	l3_expect_nothing(conn);
}
END_TEST

START_TEST(event_acked_after_commit_and_again_when_resent)
{
	struct conn	*conn = greeted("HP-001");

	l3_turn(t);	/* the greeting's own items */
	fake_conn_line(conn, "EVENT e1 TAMPER zone=3 at=1795642491120");
	l3_expect_nothing(conn);
	ck_assert_int_eq(l3_sql_int(t, "SELECT count(*) FROM events WHERE "
	    "unit_event_id = 'e1'"), 0);
	l3_turn(t);
	l3_expect_line(conn, "ACK e1");
	ck_assert_int_eq(l3_sql_int(t, "SELECT count(*) FROM events WHERE "
	    "unit_id = 'HP-001' AND unit_event_id = 'e1' AND type = 'TAMPER' "
	    "AND unit_time_ms = 1795642491120 AND attributes = 'zone=3'"), 1);
	fake_conn_line(conn, "EVENT e1 TAMPER zone=3 at=1795642491120");
	l3_turn(t);
	l3_expect_line(conn, "ACK e1");
	ck_assert_int_eq(l3_sql_int(t, "SELECT count(*) FROM events WHERE "
	    "unit_event_id = 'e1'"), 1);
	ck_assert_uint_eq(stack_open_count(t->stack), 1);
}
END_TEST

START_TEST(bad_event_naked_link_stays)
{
	struct conn	*conn = greeted("HP-001");

	fake_conn_line(conn, "EVENT e2 DOOR_OPEN");
	l3_expect_line(conn, "NAK e2 unknown event type");
	fake_conn_line(conn, "EVENT e3 UNIT_OFFLINE");
	l3_expect_line(conn, "NAK e3 event type not allowed");
	fake_conn_line(conn, "EVENT e4 BUTTON at=soon");
	l3_expect_line(conn, "NAK e4 bad at");
	fake_conn_line(conn, "EVENT");
	l3_expect_line(conn, "ERR missing event id");
	l3_turn(t);
	l3_expect_nothing(conn);
	ck_assert(!fake_conn_closed(conn));
	ck_assert_int_eq(l3_sql_int(t, "SELECT count(*) FROM events WHERE "
	    "source = 'unit'"), 0);
	fake_conn_line(conn, "EVENT e5 BUTTON");
	l3_turn(t);
	l3_expect_line(conn, "ACK e5");
}
END_TEST

START_TEST(sixteenth_protocol_error_closes)
{
	struct conn	*conn = greeted("HP-001");
	int		 i;

	fake_conn_line(conn, "HELLO HP-001 1");
	l3_expect_line(conn, "ERR already greeted");
	for (i = 2; i < 16; i++) {
		fake_conn_line(conn, "FROB");
		l3_expect_line(conn, "ERR unknown command");
	}
	/* NAKs are answers, not protocol errors. */
	fake_conn_line(conn, "EVENT e9 DOOR_OPEN");
	l3_expect_line(conn, "NAK e9 unknown event type");
	ck_assert(!fake_conn_closed(conn));
	fake_conn_line(conn, "FROB");
	l3_expect_line(conn, "ERR unknown command");
	ck_assert(fake_conn_closed_by_session(conn));
	ck_assert_ptr_null(units_link(l3_record(t, "HP-001"), "tls"));
}
END_TEST

START_TEST(overlong_line_answered_and_closed)
{
	struct conn	*conn = greeted("HP-001");

	fake_conn_overlong(conn);
	l3_expect_line(conn, "ERR line too long");
	ck_assert(fake_conn_closed_by_session(conn));
	ck_assert_uint_eq(l3_record(t, "HP-001")->link_count, 0);
}
END_TEST

START_TEST(state_stored_without_reply)
{
	struct conn	*conn = greeted("HP-001");

	fake_conn_line(conn, "STATE mains=ok battery=13.1");
	l3_turn(t);
	l3_expect_nothing(conn);
	ck_assert_int_eq(l3_sql_int(t, "SELECT count(*) FROM units WHERE "
	    "id = 'HP-001' AND attributes = 'mains=ok battery=13.1'"), 1);
}
END_TEST

static int
command_result(void *arg)
{
	return l3_changes_of(arg, CHANGE_COMMAND) > 0;
}

START_TEST(done_and_fail_reach_commands)
{
	struct unit_record	*r = l3_record(t, "HP-001");
	struct conn		*conn = greeted("HP-001");
	struct uproto_cmd	 cmd = { UPROTO_CMD_LIGHT, "FLASH" };
	const struct l3_change	*c;
	const char		*reason;
	char			 id1[COMMAND_ID_LEN], id2[COMMAND_ID_LEN];
	char			 line[128];

	ck_assert_int_eq(command_send(t->command, r, &cmd, 0, "alice",
	    "LIGHT FLASH", id1, &reason), 0);
	snprintf(line, sizeof(line), "CMD %s LIGHT FLASH", id1);
	l3_expect_line(conn, line);
	cmd.kind = UPROTO_CMD_CAMERA;
	snprintf(cmd.arg, sizeof(cmd.arg), "3");
	ck_assert_int_eq(command_send(t->command, r, &cmd, 0, "alice",
	    "CAMERA PRESET 3", id2, &reason), 0);
	snprintf(line, sizeof(line), "CMD %s CAMERA PRESET 3", id2);
	l3_expect_line(conn, line);
	ck_assert_str_ne(id1, id2);

	fake_conn_line(conn, "DONE c0-999");	/* not ours: ignored */
	ck_assert_uint_eq(l3_changes_of(t, CHANGE_COMMAND), 0);
	snprintf(line, sizeof(line), "DONE %s", id1);
	fake_conn_line(conn, line);
	c = l3_last_change(t, CHANGE_COMMAND);
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(c->cmd_id, id1);
	ck_assert_str_eq(c->result, "done");
	ck_assert_str_eq(c->unit_id, "HP-001");
	ck_assert(!c->has_reason);
	snprintf(line, sizeof(line), "FAIL %s preset out of range", id2);
	fake_conn_line(conn, line);
	c = l3_last_change(t, CHANGE_COMMAND);
	ck_assert_str_eq(c->cmd_id, id2);
	ck_assert_str_eq(c->result, "fail");
	ck_assert_str_eq(c->reason, "preset out of range");
	/* Answered once: a second DONE is for a command no longer waited for. */
	fake_conn_line(conn, line);
	ck_assert_uint_eq(l3_changes_of(t, CHANGE_COMMAND), 2);
	l3_expect_nothing(conn);
	ck_assert_int_eq(l3_sql_int(t, "SELECT count(*) FROM unit_commands WHERE "
	    "cmd_id = %Q AND result = 'done' AND user = 'alice'", id1), 1);
	ck_assert_int_eq(l3_sql_int(t, "SELECT count(*) FROM unit_commands WHERE "
	    "cmd_id = %Q AND result = 'fail' AND reason = 'preset out of range'",
	    id2), 1);
	ck_assert_ptr_null(r->commands);
}
END_TEST

START_TEST(unanswered_command_times_out)
{
	struct unit_record	*r = l3_record(t, "HP-001");
	struct uproto_cmd	 cmd = { UPROTO_CMD_RESET, "" };
	const char		*reason;
	char			 id[COMMAND_ID_LEN];
	int64_t			 sent;

	greeted("HP-001");
	command_reconfigure(t->command, 150);
	sent = timenow_mono_ms();
	ck_assert_int_eq(command_send(t->command, r, &cmd, 0, "sam", "RESET", id,
	    &reason), 0);
	ck_assert(l3_wait(t, command_result, t, 3000));
	ck_assert_int_ge(timenow_mono_ms() - sent, 140);
	ck_assert_str_eq(l3_last_change(t, CHANGE_COMMAND)->result, "timeout");
	ck_assert_int_eq(l3_sql_int(t, "SELECT count(*) FROM unit_commands WHERE "
	    "cmd_id = %Q AND result = 'timeout'", id), 1);
	/* Without a link, no command. */
	ck_assert_int_eq(command_send(t->command, l3_record(t, "HP-004"), &cmd, 0,
	    "sam", "RESET", id, &reason), -1);
	ck_assert_str_eq(reason, "unit not connected");
}
END_TEST

START_TEST(button_activates_light_and_camera_after_ack)
{
	struct conn	*conn;
	char		 got[256];
	const char	*id;

	l3_activate(t);
	conn = greeted("HP-001");
	fake_conn_line(conn, "EVENT p1 BUTTON");
	l3_expect_nothing(conn);
	l3_turn(t);
	l3_expect_line(conn, "ACK p1");
	id = l3_expect_prefix(conn, "CMD ");
	ck_assert_msg(strstr(id, " LIGHT FLASH") != NULL, "%s", id);
	id = l3_expect_prefix(conn, "CMD ");
	ck_assert_msg(strstr(id, " CAMERA PRESET 7") != NULL, "%s", id);
	l3_expect_nothing(conn);
	/* A repeated press attaches to the open alarm and sends nothing more. */
	fake_conn_line(conn, "EVENT p2 BUTTON");
	l3_turn(t);
	l3_expect_line(conn, "ACK p2");
	ck_assert(!fake_conn_next(conn, got, sizeof(got)));
	ck_assert_int_eq(l3_sql_int(t, "SELECT count(*) FROM unit_commands WHERE "
	    "unit_id = 'HP-001' AND user = '' AND alarm_id = 1"), 2);
	/* HP-004 has no camera preset: the light only. */
	conn = greeted("HP-004");
	fake_conn_line(conn, "EVENT q1 BUTTON");
	l3_turn(t);
	l3_expect_line(conn, "ACK q1");
	id = l3_expect_prefix(conn, "CMD ");
	ck_assert_msg(strstr(id, " LIGHT FLASH") != NULL, "%s", id);
	l3_expect_nothing(conn);
}
END_TEST

START_TEST(second_link_replaces_first_whose_acks_are_lost)
{
	struct unit_record	*r = l3_record(t, "HP-001");
	struct conn		*first, *second;

	first = greeted("HP-001");
	l3_turn(t);
	fake_conn_line(first, "EVENT a1 TAMPER");
	second = greeted("HP-001");
	ck_assert(fake_conn_closed_by_session(first));
	ck_assert_uint_eq(r->link_count, 1);
	l3_turn(t);
	l3_expect_nothing(first);
	ck_assert_int_eq(l3_sql_int(t, "SELECT count(*) FROM events WHERE "
	    "unit_event_id = 'a1'"), 1);
	/* Sent again on the new link: acknowledged, not stored twice. */
	fake_conn_line(second, "EVENT a1 TAMPER");
	l3_turn(t);
	l3_expect_line(second, "ACK a1");
	ck_assert_int_eq(l3_sql_int(t, "SELECT count(*) FROM events WHERE "
	    "unit_event_id = 'a1'"), 1);
	ck_assert_int_eq(open_links(), 1);
}
END_TEST

START_TEST(link_lost_before_commit_is_never_acknowledged)
{
	struct unit_record	*r = l3_record(t, "HP-001");
	struct conn		*conn = greeted("HP-001");

	r->last_heard_mono_ms = 0;	/* as if supervision had started long ago */
	fake_conn_line(conn, "EVENT e1 BUTTON");
	/* The session is freed here; ingest must not write to it (ASan). */
	fake_conn_fail(conn, "closed by peer");
	ck_assert_ptr_null(units_link(r, "tls"));
	ck_assert_int_eq(open_links(), 0);
	l3_turn(t);
	ck_assert_int_eq(l3_sql_int(t, "SELECT count(*) FROM events WHERE "
	    "unit_event_id = 'e1'"), 1);
	l3_expect_nothing(conn);
	/* Its last word still counts for supervision. */
	ck_assert_int_ge(r->last_heard_mono_ms, timenow_mono_ms() - 1000);
}
END_TEST

START_TEST(recheck_closes_a_link_that_no_longer_verifies)
{
	struct conn	*one = greeted("HP-001"), *two = greeted("HP-002");

	link_recheck(units_link(l3_record(t, "HP-001"), "tls"));
	ck_assert(!fake_conn_closed(one));
	fake_tls_recheck("certificate revoked");
	link_recheck(units_link(l3_record(t, "HP-002"), "tls"));
	ck_assert(fake_conn_closed_by_session(two));
	l3_expect_nothing(two);
	ck_assert_ptr_null(units_link(l3_record(t, "HP-002"), "tls"));
	fake_tls_recheck(NULL);
}
END_TEST

static int
unit_offline(void *arg)
{
	return ((struct unit_record *)arg)->state == STORE_UNIT_OFFLINE;
}

START_TEST(silent_open_link_offline_then_any_line_brings_it_back)
{
	struct unit_record	*r = l3_record(t, "HP-001");
	struct conn		*conn;

	t->config.heartbeat_ms = 1000;
	t->config.missed = 1;
	ck_assert_int_eq(supervise_add(t->supervise, r), 0);	/* re-armed */
	conn = greeted("HP-001");
	ck_assert(l3_wait(t, unit_offline, r, 3000));
	ck_assert(!fake_conn_closed(conn));
	/* Even a line answered with ERR counts; no new HELLO is needed. */
	fake_conn_line(conn, "FROB");
	l3_expect_line(conn, "ERR unknown command");
	ck_assert_int_eq(r->state, STORE_UNIT_ONLINE);
	l3_turn(t);
	ck_assert_int_eq(l3_sql_int(t, "SELECT count(*) FROM events WHERE "
	    "unit_id = 'HP-001' AND type = 'UNIT_ONLINE'"), 2);
	ck_assert_int_eq(l3_last_change(t, CHANGE_RESTORED)->alarm_type,
	    EVTYPE_UNIT_OFFLINE);
}
END_TEST

/*
 * BUG (src/refuged/unit.c, unit_line, the test before ACTIVE): a bare
 * "HELLO" (no unit id) is a malformed HELLO, which refuge-protocol(7) says
 * is answered "ERR missing unit id"; unit_line only keeps the parser's
 * reason for lines starting "HELLO " (with a space) and answers
 * "ERR hello required".
 */
START_TEST(bare_hello_is_missing_unit_id)
{
	struct conn	*conn = connect_as("HP-001");

	fake_conn_line(conn, "HELLO");
	l3_expect_line(conn, "ERR missing unit id");
	ck_assert(fake_conn_closed(conn));
}
END_TEST

static Suite *
unit_session_suite(void)
{
	Suite	*s = suite_create("unit_session");
	TCase	*tc = tcase_create("session");

	tcase_add_unchecked_fixture(tc, l3_dir_create, l3_dir_remove);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, hello_required_first);
	tcase_add_test(tc, malformed_hello_says_what_is_wrong);
	tcase_add_test(tc, hello_checks_version_certificate_registry_and_pin);
	tcase_add_test(tc, welcome_attaches_link_and_unit_is_online);
	tcase_add_test(tc, handshake_timer_ends_at_welcome);
	tcase_add_test(tc, heartbeat_answered);
	tcase_add_test(tc, event_acked_after_commit_and_again_when_resent);
	tcase_add_test(tc, bad_event_naked_link_stays);
	tcase_add_test(tc, sixteenth_protocol_error_closes);
	tcase_add_test(tc, overlong_line_answered_and_closed);
	tcase_add_test(tc, state_stored_without_reply);
	tcase_add_test(tc, done_and_fail_reach_commands);
	tcase_add_test(tc, unanswered_command_times_out);
	tcase_add_test(tc, button_activates_light_and_camera_after_ack);
	tcase_add_test(tc, second_link_replaces_first_whose_acks_are_lost);
	tcase_add_test(tc, link_lost_before_commit_is_never_acknowledged);
	tcase_add_test(tc, recheck_closes_a_link_that_no_longer_verifies);
	tcase_add_test(tc, silent_open_link_offline_then_any_line_brings_it_back);
	tcase_add_test(tc, bare_hello_is_missing_unit_id);
	suite_add_tcase(s, tc);
	/* Tests of documented behaviour that layer 3 does not have yet. */
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(unit_session_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
