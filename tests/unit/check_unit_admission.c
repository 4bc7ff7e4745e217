/*
 * The unit sessions' side of admission control (unit.c through the fake
 * conn and listener): limits.handshakes reaches the listener, at start and on
 * reload; a connection counts as a handshake in progress until its WELCOME
 * or its end, whichever comes first; only welcomed sessions count as unit
 * connections; a unit link gets its share of the first priority.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refuge/unit.h"
#include "fakes.h"
#include "l3_bench.h"

static struct l3	*t;

static void
setup(void)
{
	t = l3_new();
	t->config.max_handshakes = 7;
	l3_supervise(t);
	l3_unit_links(t);
}

static void
teardown(void)
{
	l3_free(t);
	t = NULL;
}

static struct conn *
accept_from(const char *peer)
{
	struct conn	*conn;

	conn = fake_listener_accept(fake_listener_find("units"), peer);
	ck_assert_ptr_nonnull(conn);
	return conn;
}

static int
handshakes(void)
{
	return unit_links_handshake_count(t->unit_links);
}

static int
welcomed(void)
{
	return unit_links_welcomed_count(t->unit_links);
}

static int
closed(void *arg)
{
	return fake_conn_closed(arg);
}

START_TEST(limit_reaches_the_listener_at_start_and_on_reload)
{
	struct refuge_config	config = t->config;

	ck_assert_int_eq(fake_listener_handshake_limit(
	    fake_listener_find("units")), 7);
	config.max_handshakes = 128;
	unit_links_reconfigure(t->unit_links, &config, NULL, t->units);
	ck_assert_int_eq(fake_listener_handshake_limit(
	    fake_listener_find("units")), 128);
	unit_links_reconfigure(t->unit_links, &t->config, NULL, t->units);
}
END_TEST

START_TEST(welcome_ends_the_handshake)
{
	struct conn	*conn;

	conn = accept_from("10.0.0.5:41822");
	/* A unit link has a share of the first priority (conn.h). */
	ck_assert_int_eq(fake_conn_line_share(conn), 16);
	ck_assert_int_eq(handshakes(), 1);
	ck_assert_int_eq(welcomed(), 0);
	/* TLS done, HELLO not yet: still in progress. */
	fake_tls_identity("HP-001", NULL);
	fake_conn_connected(conn);
	ck_assert_int_eq(handshakes(), 1);
	ck_assert_int_eq(fake_conn_line(conn, "HELLO HP-001 1"), 0);
	l3_expect_prefix(conn, "WELCOME ");
	ck_assert_int_eq(handshakes(), 0);
	ck_assert_int_eq(welcomed(), 1);
	ck_assert_int_eq(unit_links_open_count(t->unit_links), 1);
	/* The link going away ends nothing more. */
	fake_conn_fail(conn, "closed by peer");
	ck_assert_int_eq(handshakes(), 0);
	ck_assert_int_eq(welcomed(), 0);
	ck_assert_int_eq(unit_links_open_count(t->unit_links), 0);
}
END_TEST

START_TEST(every_other_end_frees_the_place_too)
{
	struct conn	*refused, *denied, *silent, *replaced, *again;

	/* TLS fails. */
	refused = accept_from("10.0.0.5:1");
	fake_conn_fail(refused, "verify failed: certificate revoked");
	ck_assert_int_eq(handshakes(), 0);
	/* HELLO refused. */
	denied = accept_from("10.0.0.5:2");
	fake_tls_identity("HP-001", NULL);
	fake_conn_connected(denied);
	fake_conn_line(denied, "HELLO HP-002 1");
	l3_expect_prefix(denied, "DENIED ");
	ck_assert(fake_conn_closed(denied));
	ck_assert_int_eq(handshakes(), 0);
	/* Nothing said before the deadline. */
	t->config.handshake_timeout_ms = 100;
	silent = accept_from("10.0.0.5:3");
	ck_assert_int_eq(handshakes(), 1);
	ck_assert(l3_wait(t, closed, silent, 3000));
	ck_assert_int_eq(handshakes(), 0);
	/* A second link of a welcomed unit replaces the first. */
	t->config.handshake_timeout_ms = 10000;
	replaced = accept_from("10.0.0.5:4");
	fake_tls_identity("HP-001", NULL);
	fake_conn_connected(replaced);
	fake_conn_line(replaced, "HELLO HP-001 1");
	l3_expect_prefix(replaced, "WELCOME ");
	again = accept_from("10.0.0.5:5");
	fake_conn_connected(again);
	fake_conn_line(again, "HELLO HP-001 1");
	l3_expect_prefix(again, "WELCOME ");
	ck_assert(fake_conn_closed(replaced));
	ck_assert_int_eq(handshakes(), 0);
	ck_assert_int_eq(welcomed(), 1);
	/* Shutdown. */
	(void)accept_from("10.0.0.5:6");
	ck_assert_int_eq(handshakes(), 1);
	unit_links_close_all(t->unit_links);
	ck_assert_int_eq(handshakes(), 0);
	ck_assert_int_eq(welcomed(), 0);
}
END_TEST

static Suite *
unit_admission_suite(void)
{
	Suite	*s = suite_create("unit_admission");
	TCase	*tc = tcase_create("admission");

	tcase_add_unchecked_fixture(tc, l3_dir_create, l3_dir_remove);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, limit_reaches_the_listener_at_start_and_on_reload);
	tcase_add_test(tc, welcome_ends_the_handshake);
	tcase_add_test(tc, every_other_end_frees_the_place_too);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(unit_admission_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
