/*
 * Group commit (ingest.c) through fake links on a real store and loop: an
 * ACK only after the commit, retransmissions stored once, a large batch's
 * priority-1 events first, nothing acknowledged when a commit fails, and no
 * ACK to a link that went away; under overload, bounded commits and, past
 * the queue limit, units' events shed unacknowledged but never a press.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "refuge/ingest.h"
#include "refuge/stack.h"
#include "refuge/units.h"
#include "l3_bench.h"

/* A store failure only for some rows: the transaction fails part-way. */
#define FAIL_TRIGGER(when) \
	"CREATE TRIGGER l3_fail BEFORE INSERT ON events WHEN " when \
	" BEGIN SELECT RAISE(ABORT, 'l3: store failure'); END"

static struct l3	*t;

static void
setup(void)
{
	t = l3_new();
}

static void
teardown(void)
{
	l3_free(t);
	t = NULL;
}

static int
any_event_stored(void *arg)
{
	return l3_sql_int(arg, "SELECT count(*) FROM events") > 0;
}

START_TEST(event_acked_only_after_commit)
{
	struct l3_link	*a = l3_link(t, "HP-001");

	l3_event(t, a, "e1", EVTYPE_TAMPER);
	/* Queued, not stored: nothing may be acknowledged yet. */
	ck_assert_uint_eq(a->acks, 0);
	ck_assert_int_eq(l3_sql_int(t, "SELECT count(*) FROM events"), 0);
	l3_turn(t);
	ck_assert_uint_eq(a->acks, 1);
	ck_assert_str_eq(a->ack_ids[0], "e1");
	/* Another connection saw the row when the ACK went out: committed. */
	ck_assert_int_eq(a->ack_stored[0], 1);
	ck_assert_int_eq(l3_sql_int(t, "SELECT count(*) FROM events WHERE "
	    "unit_id = 'HP-001' AND unit_event_id = 'e1' AND type = 'TAMPER' "
	    "AND source = 'unit'"), 1);
	ck_assert_uint_eq(ingest_counters(t->ingest)->commits, 1);
	ck_assert_uint_eq(ingest_counters(t->ingest)->events[EVTYPE_TAMPER], 1);
	/* The alarm was pushed before the ACK, and the batch settled after it. */
	ck_assert_int_eq(l3_log_index(t, "change raised 1 TAMPER HP-001", 0), 0);
	ck_assert_int_eq(l3_log_index(t, "ack HP-001 e1", 0), 1);
	ck_assert_int_eq(l3_log_index(t, "settle", 0), 2);
}
END_TEST

START_TEST(retransmission_acked_again_and_stored_once)
{
	struct l3_link	*a = l3_link(t, "HP-001");

	l3_event(t, a, "e1", EVTYPE_BUTTON);
	l3_turn(t);
	ck_assert_uint_eq(a->acks, 1);
	/* The ACK was lost: the unit sends it again, twice in one batch even. */
	l3_event(t, a, "e1", EVTYPE_BUTTON);
	l3_event(t, a, "e1", EVTYPE_BUTTON);
	l3_turn(t);
	ck_assert_uint_eq(a->acks, 3);
	ck_assert_str_eq(a->ack_ids[1], "e1");
	ck_assert_str_eq(a->ack_ids[2], "e1");
	ck_assert_int_eq(l3_sql_int(t, "SELECT count(*) FROM events"), 1);
	ck_assert_int_eq(l3_sql_int(t, "SELECT count(*) FROM alarms"), 1);
	/* No second alarm, and no repeat either: a duplicate is not an event. */
	ck_assert_uint_eq(stack_open_count(t->stack), 1);
	ck_assert_uint_eq(t->change_count, 1);
	ck_assert_int_eq(t->changes[0].kind, CHANGE_RAISED);
	ck_assert_int_eq(stack_find(t->stack, t->changes[0].alarm_id)->count, 1);
	ck_assert_uint_eq(ingest_counters(t->ingest)->duplicates, 2);
	ck_assert_uint_eq(ingest_counters(t->ingest)->events[EVTYPE_BUTTON], 1);
}
END_TEST

START_TEST(large_batch_commits_acks_and_pushes_button_first)
{
	static const char *const units[] = { "HP-001", "HP-002", "HP-003" };
	struct l3_link	*links[3], *d = l3_link(t, "HP-004");
	char		 id[32], line[L3_LINE];
	long		 button_ack, i, j;

	for (i = 0; i < 3; i++)
		links[i] = l3_link(t, units[i]);
	/* 39 items before it: alarms of lower priority and routine tests. */
	for (i = 0; i < 3; i++) {
		snprintf(id, sizeof(id), "t%ld", i);
		l3_event(t, links[i], id, EVTYPE_TAMPER);
		snprintf(id, sizeof(id), "m%ld", i);
		l3_event(t, links[i], id, EVTYPE_MAINS_FAIL);
	}
	for (i = 0; i < 33; i++) {
		snprintf(id, sizeof(id), "x%ld", i);
		l3_event(t, links[i % 3], id, EVTYPE_TEST);
	}
	l3_event(t, d, "press", EVTYPE_BUTTON);
	l3_turn(t);

	/* The press went in a transaction of its own, ahead of the rest. */
	ck_assert_uint_eq(ingest_counters(t->ingest)->commits, 2);
	ck_assert_msg(strncmp(t->log[0], "change raised ", 14) == 0 &&
	    strstr(t->log[0], " BUTTON HP-004") != NULL, "first: %s", t->log[0]);
	ck_assert_str_eq(t->log[1], "ack HP-004 press");
	ck_assert_str_eq(t->log[2], "settle");
	button_ack = 1;
	/* Everything else after it: 6 alarms pushed, then 39 ACKs. */
	for (i = 3; i < 9; i++)
		ck_assert_msg(strncmp(t->log[i], "change raised ", 14) == 0,
		    "[%ld] %s", i, t->log[i]);
	for (i = 0; i < 3; i++) {
		ck_assert_uint_eq(links[i]->acks, 13);
		for (j = 0; j < 13; j++)
			ck_assert_int_eq(links[i]->ack_stored[j], 1);
		snprintf(line, sizeof(line), "ack %s t%ld", units[i], i);
		ck_assert_int_gt(l3_log_index(t, line, 0), button_ack);
	}
	ck_assert_uint_eq(d->acks, 1);
	ck_assert_int_eq(d->ack_stored[0], 1);
	ck_assert_str_eq(t->log[t->log_count - 1], "settle");
	ck_assert_uint_eq(t->settles, 2);
	ck_assert_int_eq(l3_sql_int(t, "SELECT count(*) FROM events"), 40);
	ck_assert_uint_eq(stack_open_count(t->stack), 7);
}
END_TEST

START_TEST(small_batch_one_transaction_button_pushed_first)
{
	struct l3_link	*a = l3_link(t, "HP-001"), *b = l3_link(t, "HP-002");

	l3_event(t, a, "a1", EVTYPE_TAMPER);
	l3_event(t, a, "a2", EVTYPE_MAINS_FAIL);
	l3_event(t, b, "b1", EVTYPE_BUTTON);
	l3_turn(t);
	ck_assert_uint_eq(ingest_counters(t->ingest)->commits, 1);
	/* Of alarms stored together, priority 1 is pushed first... */
	ck_assert_str_eq(t->log[0], "change raised 3 BUTTON HP-002");
	ck_assert_str_eq(t->log[1], "change raised 1 TAMPER HP-001");
	ck_assert_str_eq(t->log[2], "change raised 2 MAINS_FAIL HP-001");
	/* ...and every push comes before the ACKs, which keep arrival order. */
	ck_assert_str_eq(t->log[3], "ack HP-001 a1");
	ck_assert_str_eq(t->log[4], "ack HP-001 a2");
	ck_assert_str_eq(t->log[5], "ack HP-002 b1");
	ck_assert_str_eq(t->log[6], "settle");
	ck_assert_uint_eq(t->log_count, 7);
}
END_TEST

START_TEST(unit_state_pushed_after_alarms_before_acks)
{
	struct l3_link		*a = l3_link(t, "HP-001");
	struct unit_record	*r3 = l3_record(t, "HP-003");

	/* Queued first, pushed after the alarms: "* ALARM ..., then * UNIT". */
	ck_assert_int_eq(ingest_unit_state(t->ingest, r3, STORE_UNIT_OFFLINE), 0);
	l3_event(t, a, "a1", EVTYPE_TAMPER);
	l3_turn(t);
	ck_assert_str_eq(t->log[0], "change raised 1 TAMPER HP-001");
	ck_assert_str_eq(t->log[1], "change unit-state HP-003 offline");
	ck_assert_str_eq(t->log[2], "ack HP-001 a1");
	ck_assert_int_eq(l3_sql_int(t, "SELECT count(*) FROM units WHERE "
	    "id = 'HP-003' AND state = 'offline'"), 1);
}
END_TEST

START_TEST(failed_commit_acknowledges_nothing_and_retries_own_items)
{
	struct l3_link		*a = l3_link(t, "HP-001"), *b = l3_link(t, "HP-002");
	struct unit_record	*r3 = l3_record(t, "HP-003");

	/* The batch fails at its last row, after HP-001's alarm was raised. */
	ck_assert_int_eq(l3_sql(t, FAIL_TRIGGER("NEW.unit_id = 'HP-002'")),
	    SQLITE_OK);
	l3_event(t, a, "a1", EVTYPE_TAMPER);
	ck_assert_int_eq(ingest_receiver_event(t->ingest, r3,
	    EVTYPE_UNIT_OFFLINE), 0);
	ck_assert_int_eq(ingest_unit_state(t->ingest, r3, STORE_UNIT_OFFLINE), 0);
	ck_assert_int_eq(ingest_unit_firmware(t->ingest, a->link.unit, "9.9"), 0);
	l3_event(t, b, "b1", EVTYPE_BUTTON);
	l3_turn(t);

	ck_assert_uint_eq(a->acks, 0);
	ck_assert_uint_eq(b->acks, 0);
	/* The press alone is shown, not stored; the tamper's raise is undone. */
	ck_assert_uint_eq(t->log_count, 2);
	ck_assert_str_eq(t->log[0], "change raised 1 BUTTON HP-002");
	ck_assert_str_eq(t->log[1], "settle");
	ck_assert_uint_eq(stack_open_count(t->stack), 1);
	ck_assert_int_eq(stack_find(t->stack, 1)->unstored, 1);
	ck_assert_int_eq(l3_record(t, "HP-001")->alarm_count, 0);
	ck_assert_int_eq(ingest_failing(t->ingest), 1);
	ck_assert_uint_eq(ingest_counters(t->ingest)->commit_errors, 1);
	ck_assert_int_eq(l3_sql_int(t, "SELECT count(*) FROM events"), 0);
	ck_assert_int_eq(l3_sql_int(t, "SELECT count(*) FROM alarms"), 0);
	ck_assert_int_eq(l3_sql_int(t, "SELECT count(*) FROM audit"), 0);

	/* The disk is back: the retry stores the press and the receiver's items. */
	t->log_count = 0;
	ck_assert_int_eq(l3_sql(t, "DROP TRIGGER l3_fail"), SQLITE_OK);
	ck_assert_msg(l3_wait(t, any_event_stored, t, 3000), "no retry");
	ck_assert_int_eq(l3_sql_int(t, "SELECT count(*) FROM events WHERE "
	    "unit_id = 'HP-003' AND type = 'UNIT_OFFLINE' AND source = "
	    "'receiver' AND unit_event_id LIKE 'rx-%%'"), 1);
	ck_assert_int_eq(l3_sql_int(t, "SELECT count(*) FROM units WHERE "
	    "id = 'HP-003' AND state = 'offline'"), 1);
	/* The press kept its id; a1 and the firmware were not kept. */
	ck_assert_int_eq(l3_sql_int(t, "SELECT count(*) FROM events"), 2);
	ck_assert_int_eq(l3_sql_int(t, "SELECT id FROM alarms WHERE "
	    "type = 'BUTTON'"), 1);
	ck_assert_int_eq(l3_sql_int(t, "SELECT count(*) FROM units WHERE "
	    "firmware IS NOT NULL"), 0);
	ck_assert_uint_eq(a->acks, 0);
	ck_assert_uint_eq(b->acks, 1);
	ck_assert_int_eq(b->ack_stored[0], 1);
	ck_assert_str_eq(t->log[0], "change stored 1 BUTTON HP-002");
	ck_assert_str_eq(t->log[1], "change raised 2 UNIT_OFFLINE HP-003");
	ck_assert_str_eq(t->log[2], "change unit-state HP-003 offline");
	ck_assert_int_eq(stack_find(t->stack, 1)->unstored, 0);
	ck_assert_int_eq(ingest_failing(t->ingest), 0);

	l3_event(t, a, "a1", EVTYPE_TAMPER);
	l3_turn(t);
	ck_assert_uint_eq(a->acks, 1);
	ck_assert_int_eq(a->ack_stored[0], 1);
	ck_assert_uint_eq(stack_open_count(t->stack), 3);
}
END_TEST

START_TEST(failed_rest_of_large_batch_keeps_button_acknowledged)
{
	struct l3_link	*a = l3_link(t, "HP-001"), *b = l3_link(t, "HP-002");
	char		 id[32];
	int		 i;

	ck_assert_int_eq(l3_sql(t, FAIL_TRIGGER("NEW.type = 'TAMPER'")),
	    SQLITE_OK);
	for (i = 0; i < 31; i++) {
		snprintf(id, sizeof(id), "x%d", i);
		l3_event(t, a, id, EVTYPE_TEST);
	}
	l3_event(t, a, "tamper", EVTYPE_TAMPER);
	l3_event(t, b, "press", EVTYPE_BUTTON);
	l3_turn(t);
	/* The press's own transaction held; the rest's failed as a whole. */
	ck_assert_uint_eq(b->acks, 1);
	ck_assert_int_eq(b->ack_stored[0], 1);
	ck_assert_uint_eq(a->acks, 0);
	ck_assert_int_eq(l3_sql_int(t, "SELECT count(*) FROM events"), 1);
	ck_assert_uint_eq(stack_open_count(t->stack), 1);
	ck_assert_int_eq(stack_find(t->stack, 1)->type, EVTYPE_BUTTON);
	ck_assert_uint_eq(l3_changes_of(t, CHANGE_RAISED), 1);
	ck_assert_uint_eq(ingest_counters(t->ingest)->commits, 1);
	ck_assert_uint_eq(ingest_counters(t->ingest)->commit_errors, 1);
}
END_TEST

START_TEST(locked_store_acknowledges_nothing)
{
	struct l3_link	*a = l3_link(t, "HP-001");

	/* Another writer holds the database: BEGIN IMMEDIATE gives up. */
	ck_assert_int_eq(l3_sql(t, "BEGIN IMMEDIATE"), SQLITE_OK);
	l3_event(t, a, "a1", EVTYPE_BUTTON);
	l3_turn(t);
	ck_assert_uint_eq(a->acks, 0);
	/* Not stored, but shown: a press is never invisible. */
	ck_assert_str_eq(t->log[0], "change raised 1 BUTTON HP-001");
	ck_assert_uint_eq(stack_open_count(t->stack), 1);
	ck_assert_int_eq(stack_find(t->stack, 1)->unstored, 1);
	ck_assert_uint_eq(ingest_counters(t->ingest)->commit_errors, 1);
	ck_assert_int_eq(ingest_failing(t->ingest), 1);
	/* A retransmission while failing joins the queued item. */
	l3_event(t, a, "a1", EVTYPE_BUTTON);
	ck_assert_int_eq(l3_sql(t, "COMMIT"), SQLITE_OK);
	l3_turn(t);
	ck_assert_msg(l3_wait(t, any_event_stored, t, 3000), "no retry");
	ck_assert_uint_eq(a->acks, 1);
	ck_assert_int_eq(a->ack_stored[0], 1);
	ck_assert_uint_eq(stack_open_count(t->stack), 1);
	ck_assert_int_eq(stack_find(t->stack, 1)->unstored, 0);
	ck_assert_int_eq(l3_sql_int(t, "SELECT count(*) FROM events"), 1);
	ck_assert_int_eq(ingest_failing(t->ingest), 0);
}
END_TEST

START_TEST(forgotten_link_gets_no_ack)
{
	struct l3_link	*a = l3_link(t, "HP-001"), *b = l3_link(t, "HP-002");

	l3_event(t, a, "a1", EVTYPE_TAMPER);
	l3_event(t, b, "b1", EVTYPE_TAMPER);
	/* A's session goes before the commit: its event is stored, unanswered. */
	ingest_forget_link(t->ingest, &a->link);
	l3_turn(t);
	ck_assert_uint_eq(a->acks, 0);
	ck_assert_uint_eq(b->acks, 1);
	ck_assert_int_eq(l3_sql_int(t, "SELECT count(*) FROM events WHERE "
	    "unit_event_id = 'a1'"), 1);
	ck_assert_uint_eq(stack_open_count(t->stack), 2);
}
END_TEST

START_TEST(flush_commits_at_once)
{
	struct l3_link	*a = l3_link(t, "HP-001");

	/* Shutdown and reload store what is queued without the loop. */
	l3_event(t, a, "a1", EVTYPE_TAMPER);
	ck_assert_int_eq(ingest_flush(t->ingest), 0);
	ck_assert_uint_eq(a->acks, 1);
	ck_assert_int_eq(a->ack_stored[0], 1);
	/* The commit event then finds nothing left to store. */
	l3_turn(t);
	ck_assert_uint_eq(a->acks, 1);
	ck_assert_uint_eq(ingest_counters(t->ingest)->commits, 1);
}
END_TEST

static int
nothing_waiting(void *arg)
{
	return ingest_waiting(arg) == 0;
}

START_TEST(commit_is_bounded_and_rest_follows_after_a_turn)
{
	struct l3_link	*a = l3_link(t, "HP-001"), *b = l3_link(t, "HP-002");
	char		 id[32];
	int		 i;

	for (i = 0; i < 1200; i++) {
		snprintf(id, sizeof(id), "x%d", i);
		l3_event(t, a, id, EVTYPE_TEST);
	}
	/* A's session went: its events are stored all the same, unanswered. */
	ingest_forget_link(t->ingest, &a->link);
	/* One loop iteration: one commit of the oldest 1000... */
	ck_assert_int_ne(event_base_loop(t->base, EVLOOP_ONCE), -1);
	ck_assert_uint_eq(ingest_counters(t->ingest)->commits, 1);
	ck_assert_int_eq(l3_sql_int(t, "SELECT count(*) FROM events"), 1000);
	ck_assert_int_eq(l3_sql_int(t, "SELECT count(*) FROM events WHERE "
	    "unit_event_id = 'x999'"), 1);
	/* ...the rest waits for the next, after the loop has polled. */
	ck_assert_uint_eq(ingest_waiting(t->ingest), 200);
	/* A press behind them goes first, in a transaction of its own. */
	l3_event(t, b, "press", EVTYPE_BUTTON);
	ck_assert(l3_wait(t, nothing_waiting, t->ingest, 5000));
	ck_assert_uint_eq(ingest_counters(t->ingest)->commits, 3);
	ck_assert_uint_eq(b->acks, 1);
	ck_assert_int_eq(b->ack_stored[0], 1);
	ck_assert_int_eq(l3_sql_int(t, "SELECT count(*) FROM events"), 1201);
	ck_assert_int_lt(l3_sql_int(t, "SELECT id FROM events WHERE "
	    "unit_event_id = 'press'"), l3_sql_int(t, "SELECT id FROM events "
	    "WHERE unit_event_id = 'x1000'"));
	/* One last_seen for a unit's events of a commit: the newest. */
	ck_assert_int_eq(l3_sql_int(t, "SELECT last_seen_ms FROM units WHERE "
	    "id = 'HP-001'"), l3_sql_int(t, "SELECT max(received_ms) FROM events "
	    "WHERE unit_id = 'HP-001'"));
}
END_TEST

START_TEST(last_seen_is_the_units_newest_event_not_the_receivers)
{
	struct l3_link	*a = l3_link(t, "HP-001");

	l3_event(t, a, "e1", EVTYPE_TEST);
	l3_event(t, a, "e2", EVTYPE_TEST);
	/* Made by the receiver after them: it is no word from the unit. */
	ck_assert_int_eq(ingest_receiver_event(t->ingest, a->link.unit,
	    EVTYPE_UNIT_ONLINE), 0);
	l3_turn(t);
	ck_assert_uint_eq(ingest_counters(t->ingest)->commits, 1);
	ck_assert_int_eq(l3_sql_int(t, "SELECT count(*) FROM units WHERE "
	    "id = 'HP-001' AND last_seen_ms = (SELECT received_ms FROM events "
	    "WHERE unit_event_id = 'e2')"), 1);
}
END_TEST

static int
queue(struct l3_link *l, const char *id, enum evtype type)
{
	return ingest_unit_event(t->ingest, &l->link, l->link.unit, id, type, -1,
	    "");
}

START_TEST(overloaded_queue_sheds_unit_events_but_never_a_press)
{
	struct l3_link	*a = l3_link(t, "HP-001"), *b = l3_link(t, "HP-002");
	struct l3_link	*c = l3_link(t, "HP-003");

	ingest_set_queue_limit(t->ingest, 3);
	ck_assert_int_eq(queue(a, "x1", EVTYPE_TEST), 0);
	ck_assert_int_eq(queue(a, "x2", EVTYPE_TEST), 0);
	ck_assert_int_eq(queue(b, "m1", EVTYPE_MAINS_FAIL), 0);
	/* At the limit: a unit's event of priority other than 1 is shed... */
	ck_assert_int_eq(queue(a, "x3", EVTYPE_TEST), 1);
	ck_assert_int_eq(queue(b, "m2", EVTYPE_MAINS_FAIL), 1);
	ck_assert_int_eq(queue(b, "r1", EVTYPE_MAINS_RESTORE), 1);
	ck_assert_uint_eq(ingest_counters(t->ingest)->shed, 3);
	/* ...a press never is, nor what the receiver itself makes. */
	ck_assert_int_eq(queue(c, "p1", EVTYPE_BUTTON), 0);
	ck_assert_int_eq(ingest_receiver_event(t->ingest, c->link.unit,
	    EVTYPE_UNIT_ONLINE), 0);
	ck_assert_int_eq(ingest_unit_state(t->ingest, c->link.unit,
	    STORE_UNIT_ONLINE), 0);
	ck_assert_uint_eq(ingest_waiting(t->ingest), 6);
	l3_turn(t);
	ck_assert_uint_eq(a->acks, 2);
	ck_assert_uint_eq(b->acks, 1);
	ck_assert_uint_eq(c->acks, 1);
	ck_assert_str_eq(c->ack_ids[0], "p1");
	ck_assert_int_eq(l3_sql_int(t, "SELECT count(*) FROM events WHERE "
	    "unit_event_id IN ('x3', 'm2', 'r1')"), 0);
	/* Sent again once the queue has room: stored and acknowledged. */
	ck_assert_int_eq(queue(a, "x3", EVTYPE_TEST), 0);
	ck_assert_int_eq(queue(b, "m2", EVTYPE_MAINS_FAIL), 0);
	l3_turn(t);
	ck_assert_uint_eq(a->acks, 3);
	ck_assert_str_eq(a->ack_ids[2], "x3");
	ck_assert_int_eq(a->ack_stored[2], 1);
	ck_assert_uint_eq(b->acks, 2);
	ck_assert_str_eq(b->ack_ids[1], "m2");
	ck_assert_uint_eq(ingest_counters(t->ingest)->shed, 3);
}
END_TEST

static Suite *
ingest_suite(void)
{
	Suite	*s = suite_create("ingest");
	TCase	*tc = tcase_create("group commit");

	tcase_add_unchecked_fixture(tc, l3_dir_create, l3_dir_remove);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, event_acked_only_after_commit);
	tcase_add_test(tc, retransmission_acked_again_and_stored_once);
	tcase_add_test(tc, large_batch_commits_acks_and_pushes_button_first);
	tcase_add_test(tc, small_batch_one_transaction_button_pushed_first);
	tcase_add_test(tc, unit_state_pushed_after_alarms_before_acks);
	tcase_add_test(tc, failed_commit_acknowledges_nothing_and_retries_own_items);
	tcase_add_test(tc, failed_rest_of_large_batch_keeps_button_acknowledged);
	tcase_add_test(tc, locked_store_acknowledges_nothing);
	tcase_add_test(tc, forgotten_link_gets_no_ack);
	tcase_add_test(tc, flush_commits_at_once);
	tcase_add_test(tc, commit_is_bounded_and_rest_follows_after_a_turn);
	tcase_add_test(tc, overloaded_queue_sheds_unit_events_but_never_a_press);
	tcase_add_test(tc, last_seen_is_the_units_newest_event_not_the_receivers);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(ingest_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
