/*
 * The alarm stack (stack.c, stack_actions.c, stack_timers.c) on a real
 * store: events' effects inside a transaction as ingest runs them, the
 * changes published after commit (and nothing after an abort), operators'
 * actions and their statuses, test windows, escalation, and the rebuild
 * from the store.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refuge/tally.h"
#include "refuge/stack.h"
#include "refuge/store.h"
#include "refuge/timenow.h"
#include "refuge/units.h"
#include "l3_bench.h"

static struct l3	*t;
static unsigned		 next_event;

static void
setup(void)
{
	t = l3_new();
	next_event = 0;
}

static void
teardown(void)
{
	l3_free(t);
	t = NULL;
}

static void
batch_begin(void)
{
	ck_assert_int_eq(store_begin(t->store), 0);
}

/* What ingest does with one new event inside its transaction. */
static void
batch_event(const char *unit_id, enum evtype type)
{
	struct store_event	ev;
	int64_t			row;
	int			inserted;
	char			id[32];

	snprintf(id, sizeof(id), "s%u", next_event++);
	memset(&ev, 0, sizeof(ev));
	ev.unit_id = unit_id;
	ev.unit_event_id = id;
	ev.type = type;
	ev.priority = t->registry->priorities[type];
	ev.unit_time_ms = -1;
	ev.received_ms = timenow_wall_ms();
	ev.attributes = "";
	ck_assert_int_eq(store_event_insert(t->store, &ev, &inserted, &row), 0);
	ck_assert_int_eq(inserted, 1);
	ck_assert_int_eq(stack_event(t->stack, l3_record(t, unit_id), type, row,
	    ev.received_ms, 0), 0);
}

/* What ingest does after its commit. */
static void
batch_commit(void)
{
	ck_assert_int_eq(store_commit(t->store, NULL, NULL), 0);
	stack_batch_commit(t->stack);
	stack_batch_finish(t->stack);
}

/* One event in a batch of its own; returns the change count before it. */
static size_t
one_event(const char *unit_id, enum evtype type)
{
	size_t	before = t->change_count;

	batch_begin();
	batch_event(unit_id, type);
	batch_commit();
	return before;
}

static const struct l3_change *
change_at(size_t i)
{
	ck_assert_uint_lt(i, t->change_count);
	return &t->changes[i];
}

START_TEST(raise_repeat_restore)
{
	const struct l3_change	*c;
	int64_t			 id;

	batch_begin();
	batch_event("HP-001", EVTYPE_TAMPER);
	/* Nothing is published before the commit. */
	ck_assert_uint_eq(t->change_count, 0);
	batch_commit();
	ck_assert_uint_eq(t->change_count, 1);
	c = change_at(0);
	ck_assert_int_eq(c->kind, CHANGE_RAISED);
	ck_assert_int_eq(c->alarm_type, EVTYPE_TAMPER);
	ck_assert_int_eq(c->priority, 2);
	ck_assert_int_eq(c->alarm_state, ALARM_QUEUED);
	ck_assert_int_eq(c->count, 1);
	ck_assert_str_eq(c->unit_id, "HP-001");
	ck_assert_str_eq(c->unit_name, "Main gate");
	id = c->alarm_id;
	ck_assert_int_gt(id, 0);
	ck_assert_uint_eq(t->settles, 1);

	one_event("HP-001", EVTYPE_TAMPER);
	c = change_at(1);
	ck_assert_int_eq(c->kind, CHANGE_REPEATED);
	ck_assert_int_eq(c->alarm_id, id);
	ck_assert_int_eq(c->count, 2);
	ck_assert_int_eq(c->restored, 0);

	one_event("HP-001", EVTYPE_TAMPER_RESTORE);
	c = change_at(2);
	ck_assert_int_eq(c->kind, CHANGE_RESTORED);
	ck_assert_int_eq(c->alarm_id, id);
	ck_assert_int_eq(c->restored, 1);
	/* A restore does not close the alarm: an operator still must. */
	ck_assert_uint_eq(stack_open_count(t->stack), 1);
	ck_assert_ptr_nonnull(stack_find(t->stack, id));

	one_event("HP-001", EVTYPE_TAMPER);
	ck_assert_int_eq(change_at(3)->kind, CHANGE_REPEATED);
	ck_assert_int_eq(change_at(3)->count, 3);

	ck_assert_int_eq(l3_sql_int(t, "SELECT count FROM alarms WHERE id = %lld",
	    (long long)id), 3);
	ck_assert_int_eq(l3_sql_int(t, "SELECT restored_ms IS NOT NULL FROM "
	    "alarms WHERE id = %lld", (long long)id), 1);
	ck_assert_int_eq(l3_sql_int(t, "SELECT count(*) FROM alarm_events WHERE "
	    "alarm_id = %lld", (long long)id), 3);
	ck_assert_int_eq(l3_sql_int(t, "SELECT count(*) FROM audit WHERE "
	    "action IN ('raise', 'repeat', 'restore') AND user = ''"), 4);
}
END_TEST

START_TEST(events_without_alarm_only_stored)
{
	one_event("HP-001", EVTYPE_MAINS_RESTORE);	/* nothing open to restore */
	one_event("HP-001", EVTYPE_TEST);
	one_event("HP-001", EVTYPE_UNIT_ONLINE);
	ck_assert_uint_eq(t->change_count, 0);
	ck_assert_uint_eq(stack_open_count(t->stack), 0);
	ck_assert_int_eq(l3_sql_int(t, "SELECT count(*) FROM alarms"), 0);
	/* Each unit's alarm is its own; a restore finds only its unit's. */
	one_event("HP-001", EVTYPE_MAINS_FAIL);
	one_event("HP-002", EVTYPE_MAINS_FAIL);
	one_event("HP-002", EVTYPE_MAINS_RESTORE);
	ck_assert_uint_eq(l3_changes_of(t, CHANGE_RAISED), 2);
	ck_assert_str_eq(change_at(2)->unit_id, "HP-002");
	ck_assert_int_eq(change_at(2)->kind, CHANGE_RESTORED);
	ck_assert_int_eq(stack_find(t->stack, change_at(0)->alarm_id)->restored, 0);
}
END_TEST

START_TEST(priority_one_published_first)
{
	batch_begin();
	batch_event("HP-001", EVTYPE_TAMPER);
	batch_event("HP-002", EVTYPE_MAINS_FAIL);
	batch_event("HP-003", EVTYPE_BUTTON);
	batch_event("HP-004", EVTYPE_LIGHT_FAULT);
	batch_commit();
	ck_assert_uint_eq(t->change_count, 4);
	ck_assert_int_eq(change_at(0)->alarm_type, EVTYPE_BUTTON);
	ck_assert_int_eq(change_at(1)->alarm_type, EVTYPE_TAMPER);
	ck_assert_int_eq(change_at(2)->alarm_type, EVTYPE_MAINS_FAIL);
	ck_assert_int_eq(change_at(3)->alarm_type, EVTYPE_LIGHT_FAULT);
	/* The stack itself is in priority order, then arrival. */
	{
		struct alarm	**all;

		ck_assert_uint_eq(stack_sorted(t->stack, &all), 4);
		ck_assert_int_eq(all[0]->type, EVTYPE_BUTTON);
		ck_assert_int_eq(all[1]->type, EVTYPE_TAMPER);
		ck_assert_int_eq(all[2]->type, EVTYPE_MAINS_FAIL);
		ck_assert_int_eq(all[3]->type, EVTYPE_LIGHT_FAULT);
	}
}
END_TEST

START_TEST(abort_undoes_the_batch)
{
	struct unit_record	*r1 = l3_record(t, "HP-001");
	struct alarm		*a;
	int64_t			 id;

	one_event("HP-001", EVTYPE_TAMPER);
	id = change_at(0)->alarm_id;
	batch_begin();
	batch_event("HP-001", EVTYPE_TAMPER);		/* count 2 */
	batch_event("HP-001", EVTYPE_TAMPER_RESTORE);	/* restored */
	batch_event("HP-001", EVTYPE_BUTTON);		/* a new alarm */
	batch_event("HP-001", EVTYPE_BUTTON);		/* and its repeat */
	ck_assert_uint_eq(stack_open_count(t->stack), 2);
	store_rollback(t->store);
	stack_batch_abort(t->stack);

	a = stack_find(t->stack, id);
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(a->count, 1);
	ck_assert_int_eq(a->restored, 0);
	ck_assert_uint_eq(stack_open_count(t->stack), 1);
	ck_assert_uint_eq(r1->alarm_count, 1);
	ck_assert_ptr_eq(r1->alarms[0], a);
	ck_assert_uint_eq(t->change_count, 1);
	/* The journal is empty: the next commit publishes only its own. */
	batch_begin();
	batch_commit();
	ck_assert_uint_eq(t->change_count, 1);
	one_event("HP-001", EVTYPE_BUTTON);
	ck_assert_uint_eq(t->change_count, 2);
	ck_assert_int_eq(change_at(1)->kind, CHANGE_RAISED);
	ck_assert_int_eq(change_at(1)->count, 1);
	ck_assert_int_eq(l3_sql_int(t, "SELECT count(*) FROM alarms"), 2);
}
END_TEST

START_TEST(claim_and_release_statuses)
{
	const struct l3_change	*c;
	struct alarm		*a;
	int64_t			 id;

	one_event("HP-001", EVTYPE_TAMPER);
	id = change_at(0)->alarm_id;
	ck_assert_int_eq(stack_claim(t->stack, id, "alice"), ALARM_OK);
	c = change_at(1);
	ck_assert_int_eq(c->kind, CHANGE_CLAIMED);
	ck_assert_int_eq(c->alarm_state, ALARM_CLAIMED);
	ck_assert_str_eq(c->claimed_by, "alice");
	ck_assert_str_eq(c->user, "alice");
	ck_assert_int_eq(c->first_claim, 1);
	ck_assert_int_eq(l3_sql_int(t, "SELECT count(*) FROM alarms WHERE "
	    "id = %lld AND state = 'claimed' AND claimed_by = 'alice' AND "
	    "first_claimed_ms IS NOT NULL", (long long)id), 1);

	/* Claiming what one holds is OK and changes nothing. */
	ck_assert_int_eq(stack_claim(t->stack, id, "alice"), ALARM_OK);
	ck_assert_int_eq(stack_claim(t->stack, id, "bob"), ALARM_ERR_CLAIMED);
	ck_assert_int_eq(stack_claim(t->stack, id, ""), ALARM_ERR_DENIED);
	/* Releasing another's claim is a state error, not a race lost. */
	ck_assert_int_eq(stack_release(t->stack, id, "bob", 0),
	    ALARM_ERR_NOT_CLAIMED);
	ck_assert_uint_eq(t->change_count, 2);
	a = stack_find(t->stack, id);
	ck_assert_str_eq(a->claimed_by, "alice");

	ck_assert_int_eq(stack_release(t->stack, id, "alice", 0), ALARM_OK);
	c = change_at(2);
	ck_assert_int_eq(c->kind, CHANGE_RELEASED);
	ck_assert_int_eq(c->alarm_state, ALARM_QUEUED);
	ck_assert_str_eq(c->user, "alice");
	ck_assert_int_eq(stack_release(t->stack, id, "alice", 0),
	    ALARM_ERR_NOT_CLAIMED);
	ck_assert_int_eq(a->state, ALARM_QUEUED);

	/* A second claim is not the first; a supervisor may release it. */
	ck_assert_int_eq(stack_claim(t->stack, id, "bob"), ALARM_OK);
	ck_assert_int_eq(change_at(3)->first_claim, 0);
	ck_assert_int_eq(stack_release(t->stack, id, "sam", 1), ALARM_OK);
	ck_assert_int_eq(change_at(4)->kind, CHANGE_RELEASED);
	ck_assert_int_eq(a->state, ALARM_QUEUED);
	ck_assert_int_eq(l3_sql_int(t, "SELECT count(*) FROM audit WHERE "
	    "action IN ('claim', 'release')"), 4);

	ck_assert_int_eq(stack_claim(t->stack, 99, "alice"), ALARM_ERR_NOT_FOUND);
	ck_assert_int_eq(stack_release(t->stack, 99, "alice", 1),
	    ALARM_ERR_NOT_FOUND);
	ck_assert_int_eq(stack_note(t->stack, 99, "alice", "x"),
	    ALARM_ERR_NOT_FOUND);
	ck_assert_int_eq(stack_resolve(t->stack, 99, "sam", 1,
	    ALARM_OUTCOME_GENUINE, NULL, "police", NULL), ALARM_ERR_NOT_FOUND);
	ck_assert_uint_eq(t->change_count, 5);
}
END_TEST

START_TEST(resolve_statuses)
{
	const struct l3_change	*c;
	int64_t			 id, other;
	size_t			 before;

	one_event("HP-001", EVTYPE_BUTTON);
	one_event("HP-002", EVTYPE_MAINS_FAIL);
	id = change_at(0)->alarm_id;
	other = change_at(1)->alarm_id;
	ck_assert_int_eq(stack_resolve(t->stack, id, "alice", 0,
	    ALARM_OUTCOME_GENUINE, NULL, "police", NULL), ALARM_ERR_NOT_CLAIMED);
	ck_assert_int_eq(stack_claim(t->stack, id, "alice"), ALARM_OK);
	ck_assert_int_eq(stack_resolve(t->stack, id, "bob", 0,
	    ALARM_OUTCOME_GENUINE, NULL, "police", NULL), ALARM_ERR_NOT_CLAIMED);
	/* Classification: genuine needs an action, false a reason, not both. */
	ck_assert_int_eq(stack_resolve(t->stack, id, "alice", 0,
	    ALARM_OUTCOME_GENUINE, NULL, NULL, NULL), ALARM_ERR_CLASSIFY);
	ck_assert_int_eq(stack_resolve(t->stack, id, "alice", 0,
	    ALARM_OUTCOME_GENUINE, "accidental", "police", NULL),
	    ALARM_ERR_CLASSIFY);
	ck_assert_int_eq(stack_resolve(t->stack, id, "alice", 0,
	    ALARM_OUTCOME_FALSE, NULL, "police", NULL), ALARM_ERR_CLASSIFY);
	ck_assert_int_eq(stack_resolve(t->stack, id, "alice", 0,
	    ALARM_OUTCOME_FALSE, "bogus", NULL, NULL), ALARM_ERR_CLASSIFY);
	ck_assert_int_eq(stack_resolve(t->stack, id, "alice", 0,
	    ALARM_OUTCOME_NONE, NULL, NULL, NULL), ALARM_ERR_CLASSIFY);
	/* A press is an activation: never technical. */
	ck_assert_int_eq(stack_resolve(t->stack, id, "alice", 0,
	    ALARM_OUTCOME_TECHNICAL, NULL, "engineer", NULL), ALARM_ERR_OUTCOME);
	before = t->change_count;
	ck_assert_int_eq(stack_find(t->stack, id)->state, ALARM_CLAIMED);

	ck_assert_int_eq(stack_resolve(t->stack, id, "alice", 0,
	    ALARM_OUTCOME_FALSE, "accidental", NULL, "kids"), ALARM_OK);
	ck_assert_uint_eq(t->change_count, before + 1);
	c = change_at(before);
	ck_assert_int_eq(c->kind, CHANGE_RESOLVED);
	ck_assert_int_eq(c->alarm_id, id);
	ck_assert_int_eq(c->alarm_state, ALARM_RESOLVED);
	ck_assert_int_eq(c->outcome, ALARM_OUTCOME_FALSE);
	ck_assert_str_eq(c->user, "alice");
	ck_assert_ptr_null(stack_find(t->stack, id));
	ck_assert_uint_eq(l3_record(t, "HP-001")->alarm_count, 0);
	ck_assert_int_eq(l3_sql_int(t, "SELECT count(*) FROM alarms WHERE "
	    "id = %lld AND state = 'resolved' AND outcome = 'false' AND "
	    "reason = 'accidental' AND resolved_by = 'alice' AND note = 'kids'",
	    (long long)id), 1);

	/* Resolved is told apart from never existed. */
	ck_assert_int_eq(stack_claim(t->stack, id, "alice"), ALARM_ERR_RESOLVED);
	ck_assert_int_eq(stack_release(t->stack, id, "sam", 1),
	    ALARM_ERR_RESOLVED);
	ck_assert_int_eq(stack_note(t->stack, id, "alice", "late"),
	    ALARM_ERR_RESOLVED);
	ck_assert_int_eq(stack_resolve(t->stack, id, "sam", 1,
	    ALARM_OUTCOME_GENUINE, NULL, "police", NULL), ALARM_ERR_RESOLVED);

	/* A supervisor resolves another's claim, and an alarm nobody claimed. */
	one_event("HP-003", EVTYPE_TAMPER);
	ck_assert_int_eq(stack_claim(t->stack,
	    l3_last_change(t, CHANGE_RAISED)->alarm_id, "bob"), ALARM_OK);
	/* A technical alarm is never false. */
	ck_assert_int_eq(stack_resolve(t->stack,
	    l3_last_change(t, CHANGE_RAISED)->alarm_id, "sam", 1,
	    ALARM_OUTCOME_FALSE, "test", NULL, NULL), ALARM_ERR_OUTCOME);
	ck_assert_int_eq(stack_resolve(t->stack,
	    l3_last_change(t, CHANGE_RAISED)->alarm_id, "sam", 1,
	    ALARM_OUTCOME_TECHNICAL, NULL, NULL, NULL), ALARM_OK);
	ck_assert_int_eq(l3_last_change(t, CHANGE_RESOLVED)->outcome,
	    ALARM_OUTCOME_TECHNICAL);
	ck_assert_str_eq(l3_last_change(t, CHANGE_RESOLVED)->user, "sam");
	ck_assert_int_eq(l3_sql_int(t, "SELECT count(*) FROM alarms WHERE "
	    "outcome = 'technical' AND action IS NULL"), 1);
	ck_assert_int_eq(stack_resolve(t->stack, other, "sam", 1,
	    ALARM_OUTCOME_GENUINE, NULL, "fire", NULL), ALARM_OK);
	ck_assert_int_eq(l3_last_change(t, CHANGE_RESOLVED)->outcome,
	    ALARM_OUTCOME_GENUINE);
	ck_assert_uint_eq(stack_open_count(t->stack), 0);
	/* A new event of the type raises a new alarm once the old is closed. */
	one_event("HP-001", EVTYPE_TAMPER);
	ck_assert_int_eq(l3_last_change(t, CHANGE_RAISED)->count, 1);
	ck_assert_int_ne(l3_last_change(t, CHANGE_RAISED)->alarm_id, id);
}
END_TEST

START_TEST(note_is_stored_and_published_as_noted)
{
	const struct l3_change	*c;
	int64_t			 id;

	one_event("HP-001", EVTYPE_TAMPER);
	id = change_at(0)->alarm_id;
	ck_assert_int_eq(stack_note(t->stack, id, "bob", "caller hung up"),
	    ALARM_OK);
	c = change_at(1);
	ck_assert_int_eq(c->kind, CHANGE_NOTED);
	ck_assert_str_eq(c->text, "caller hung up");
	ck_assert_str_eq(c->user, "bob");
	ck_assert_int_eq(l3_sql_int(t, "SELECT count(*) FROM alarm_notes WHERE "
	    "alarm_id = %lld AND user = 'bob' AND text = 'caller hung up'",
	    (long long)id), 1);
	ck_assert_int_eq(l3_sql_int(t, "SELECT count(*) FROM audit WHERE "
	    "action = 'note'"), 1);
}
END_TEST

START_TEST(store_failure_changes_nothing)
{
	struct alarm	*a;
	int64_t		 id;

	one_event("HP-001", EVTYPE_TAMPER);
	id = change_at(0)->alarm_id;
	a = stack_find(t->stack, id);
	ck_assert_int_eq(l3_sql(t, "BEGIN IMMEDIATE"), SQLITE_OK);
	ck_assert_int_eq(stack_claim(t->stack, id, "alice"), ALARM_ERR_STORE);
	ck_assert_int_eq(a->state, ALARM_QUEUED);
	ck_assert_str_eq(a->claimed_by, "");
	ck_assert_int_eq(stack_resolve(t->stack, id, "sam", 1,
	    ALARM_OUTCOME_GENUINE, NULL, "police", NULL), ALARM_ERR_STORE);
	ck_assert_ptr_eq(stack_find(t->stack, id), a);
	ck_assert_int_eq(stack_note(t->stack, id, "sam", "x"), ALARM_ERR_STORE);
	ck_assert_uint_eq(t->change_count, 1);
	ck_assert_int_eq(l3_sql(t, "COMMIT"), SQLITE_OK);
	ck_assert_int_eq(stack_claim(t->stack, id, "alice"), ALARM_OK);
	ck_assert_int_eq(a->state, ALARM_CLAIMED);
	ck_assert_uint_eq(t->change_count, 2);
}
END_TEST

START_TEST(release_user_returns_only_their_claims)
{
	int64_t	a1, a2, b3;

	one_event("HP-001", EVTYPE_TAMPER);
	one_event("HP-002", EVTYPE_TAMPER);
	one_event("HP-003", EVTYPE_TAMPER);
	a1 = change_at(0)->alarm_id;
	a2 = change_at(1)->alarm_id;
	b3 = change_at(2)->alarm_id;
	ck_assert_int_eq(stack_claim(t->stack, a1, "alice"), ALARM_OK);
	ck_assert_int_eq(stack_claim(t->stack, a2, "alice"), ALARM_OK);
	ck_assert_int_eq(stack_claim(t->stack, b3, "bob"), ALARM_OK);
	stack_release_user(t->stack, "alice");
	ck_assert_uint_eq(l3_changes_of(t, CHANGE_RELEASED), 2);
	ck_assert_int_eq(stack_find(t->stack, a1)->state, ALARM_QUEUED);
	ck_assert_int_eq(stack_find(t->stack, a2)->state, ALARM_QUEUED);
	ck_assert_int_eq(stack_find(t->stack, b3)->state, ALARM_CLAIMED);
	ck_assert_int_eq(l3_sql_int(t, "SELECT count(*) FROM audit WHERE "
	    "action = 'release-on-disconnect' AND user = 'alice'"), 2);
	ck_assert_int_eq(l3_sql_int(t, "SELECT count(*) FROM alarms WHERE "
	    "state = 'claimed'"), 1);
}
END_TEST

static int
test_window_closed(void *arg)
{
	const struct l3_change	*c = l3_last_change(arg, CHANGE_TESTMODE);

	return c != NULL && c->until_ms == 0;
}

START_TEST(test_window_turns_alarms_into_testsignals)
{
	struct unit_record	*r1 = l3_record(t, "HP-001");
	const struct l3_change	*c;
	int64_t			 opened = timenow_mono_ms();

	ck_assert_int_eq(stack_testmode(t->stack, r1, 300, "sam"), ALARM_OK);
	c = change_at(0);
	ck_assert_int_eq(c->kind, CHANGE_TESTMODE);
	ck_assert_str_eq(c->unit_id, "HP-001");
	ck_assert_int_gt(c->until_ms, timenow_wall_ms());
	ck_assert_int_eq(stack_unit_on_test(r1, timenow_wall_ms()), 1);
	ck_assert_int_eq(l3_sql_int(t, "SELECT count(*) FROM unit_tests WHERE "
	    "unit_id = 'HP-001' AND until_ms > 0 AND set_by = 'sam'"), 1);

	one_event("HP-001", EVTYPE_BUTTON);
	one_event("HP-001", EVTYPE_TEST);		/* would raise nothing anyway */
	one_event("HP-002", EVTYPE_BUTTON);		/* not on test */
	ck_assert_uint_eq(t->change_count, 3);
	c = change_at(1);
	ck_assert_int_eq(c->kind, CHANGE_TESTSIGNAL);
	ck_assert_int_eq(c->type, EVTYPE_BUTTON);
	ck_assert_str_eq(c->unit_id, "HP-001");
	ck_assert_int_eq(change_at(2)->kind, CHANGE_RAISED);
	ck_assert_str_eq(change_at(2)->unit_id, "HP-002");
	ck_assert_uint_eq(r1->alarm_count, 0);

	/* The window's end is pushed by its timer, not before it. */
	ck_assert_msg(l3_wait(t, test_window_closed, t, 3000), "no end pushed");
	ck_assert_int_ge(timenow_mono_ms() - opened, 290);
	ck_assert_str_eq(l3_last_change(t, CHANGE_TESTMODE)->unit_id, "HP-001");
	one_event("HP-001", EVTYPE_BUTTON);
	ck_assert_int_eq(l3_last_change(t, CHANGE_RAISED)->alarm_type,
	    EVTYPE_BUTTON);
	ck_assert_str_eq(l3_last_change(t, CHANGE_RAISED)->unit_id, "HP-001");
}
END_TEST

START_TEST(testmode_off_at_once)
{
	struct unit_record	*r2 = l3_record(t, "HP-002");

	ck_assert_int_eq(stack_testmode(t->stack, r2, 3600 * 1000, "sam"),
	    ALARM_OK);
	one_event("HP-002", EVTYPE_TAMPER);
	ck_assert_int_eq(l3_last_change(t, CHANGE_TESTSIGNAL)->type,
	    EVTYPE_TAMPER);
	ck_assert_int_eq(stack_testmode(t->stack, r2, 0, "sam"), ALARM_OK);
	ck_assert_int_eq(l3_last_change(t, CHANGE_TESTMODE)->until_ms, 0);
	ck_assert_int_eq(l3_sql_int(t, "SELECT until_ms FROM unit_tests WHERE "
	    "unit_id = 'HP-002'"), 0);
	one_event("HP-002", EVTYPE_TAMPER);
	ck_assert_int_eq(l3_last_change(t, CHANGE_RAISED)->alarm_type,
	    EVTYPE_TAMPER);
	ck_assert_int_eq(l3_sql_int(t, "SELECT count(*) FROM audit WHERE "
	    "action = 'testmode'"), 2);
}
END_TEST

static int
present_alice(const char *user, void *arg)
{
	(void)arg;
	return strcmp(user, "alice") == 0;
}

static int
escalated(void *arg)
{
	return l3_changes_of(arg, CHANGE_ESCALATED) > 0;
}

START_TEST(queued_alarm_escalates_claimed_does_not)
{
	const struct l3_change	*c;
	int64_t			 queued, claimed;

	t->config.escalation_after_ms = 100;
	stack_set_presence(t->stack, present_alice, NULL);
	one_event("HP-001", EVTYPE_TAMPER);
	one_event("HP-002", EVTYPE_TAMPER);
	queued = change_at(0)->alarm_id;
	claimed = change_at(1)->alarm_id;
	ck_assert_int_eq(stack_claim(t->stack, claimed, "alice"), ALARM_OK);
	ck_assert_msg(l3_wait(t, escalated, t, 3000), "nothing escalated");
	ck_assert_uint_eq(l3_changes_of(t, CHANGE_ESCALATED), 1);
	c = l3_last_change(t, CHANGE_ESCALATED);
	ck_assert_int_eq(c->alarm_id, queued);
	ck_assert_int_ge(c->waited_s, 0);
	ck_assert_uint_eq(tally_counters(t->tally)->escalations, 1);
	/* alice is logged in: her claim is no orphan. */
	ck_assert_uint_eq(l3_changes_of(t, CHANGE_RELEASED), 0);
	ck_assert_int_eq(stack_find(t->stack, claimed)->state, ALARM_CLAIMED);
}
END_TEST

static int
level_two(void *arg)
{
	const struct l3_change	*c = l3_last_change(arg, CHANGE_ESCALATED);

	return c != NULL && c->audience == CHANGE_AUDIENCE_OPERATORS;
}

static int
no_operators(void *arg)
{
	(void)arg;
	return 0;
}

/* Level 1 to all, level 2 to supervisors with the command once, repeats. */
START_TEST(escalation_levels_audiences_and_repeats)
{
	const struct l3_change	*c;
	int64_t			 id;
	size_t			 i, firsts = 0, commands = 0, sup = 0, ops = 0;
	size_t			 all = 0;

	t->config.escalation_after_ms = 100;
	t->config.escalation_supervisor_after_ms = 1100;
	t->config.escalation_repeat_ms = 1000;
	stack_set_presence(t->stack, present_alice, NULL);
	one_event("HP-001", EVTYPE_TAMPER);
	id = change_at(0)->alarm_id;
	ck_assert_msg(l3_wait(t, escalated, t, 3000), "nothing escalated");
	/* The first one: on a loaded machine a repeat may follow before we look. */
	for (i = 0, c = NULL; i < t->change_count && c == NULL; i++)
		if (t->changes[i].kind == CHANGE_ESCALATED)
			c = &t->changes[i];
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(c->level, 1);
	ck_assert_int_eq(c->audience, CHANGE_AUDIENCE_ALL);
	ck_assert_int_eq(c->escalated_first, 1);
	ck_assert_int_eq(c->command, 0);
	ck_assert_msg(l3_wait(t, level_two, t, 4000), "no level 2");
	for (i = 0; i < t->change_count; i++) {
		c = &t->changes[i];
		if (c->kind != CHANGE_ESCALATED)
			continue;
		ck_assert_int_eq(c->alarm_id, id);
		firsts += c->escalated_first;
		commands += c->command;
		sup += c->audience == CHANGE_AUDIENCE_SUPERVISORS;
		ops += c->audience == CHANGE_AUDIENCE_OPERATORS;
		all += c->audience == CHANGE_AUDIENCE_ALL;
		if (c->audience == CHANGE_AUDIENCE_SUPERVISORS)
			ck_assert_int_eq(c->level, 2);
		else
			ck_assert_int_eq(c->level, 1);
	}
	ck_assert_uint_eq(firsts, 1);
	ck_assert_uint_eq(commands, 1);
	ck_assert_uint_eq(sup, 1);
	ck_assert_uint_eq(ops, 1);
	ck_assert_uint_eq(all, 1);
	ck_assert_uint_eq(tally_counters(t->tally)->escalations, 1);
	ck_assert_int_eq(l3_sql_int(t, "SELECT count(*) FROM audit WHERE "
	    "action = 'escalate'"), 2);
	ck_assert_int_eq(stack_find(t->stack, id)->escalation_level, 2);
}
END_TEST

START_TEST(escalation_at_once_without_operators)
{
	const struct l3_change	*c;

	t->config.escalation_after_ms = 1000;
	stack_set_operators(t->stack, no_operators, NULL);
	/* Not in the first escalation.after of a run: consoles reconnect. */
	l3_run_for(t, 1100);
	one_event("HP-001", EVTYPE_BUTTON);
	/* Level 2 long before supervisor_after (60 s here). */
	ck_assert_msg(l3_wait(t, escalated, t, 5000), "not at once");
	c = l3_last_change(t, CHANGE_ESCALATED);
	ck_assert_int_eq(c->audience, CHANGE_AUDIENCE_OPERATORS);
	ck_assert_int_eq(c->level, 1);
	c = &t->changes[t->change_count - 2];
	ck_assert_int_eq(c->kind, CHANGE_ESCALATED);
	ck_assert_int_eq(c->level, 2);
	ck_assert_int_eq(c->command, 1);
	ck_assert_int_eq(c->escalated_first, 1);
	ck_assert_int_lt(c->waited_s, 60);
}
END_TEST

/* alarms.auto_resolve_restored, and a supervisor's bulk close. */
START_TEST(restored_technical_alarms_close)
{
	int64_t		mains, claimed, tamper;
	size_t		n;

	t->config.auto_resolve_restored[EVTYPE_MAINS_FAIL] = 1;
	one_event("HP-001", EVTYPE_MAINS_FAIL);
	one_event("HP-002", EVTYPE_MAINS_FAIL);
	one_event("HP-003", EVTYPE_TAMPER);
	mains = change_at(0)->alarm_id;
	claimed = change_at(1)->alarm_id;
	tamper = change_at(2)->alarm_id;
	ck_assert_int_eq(stack_claim(t->stack, claimed, "alice"), ALARM_OK);
	one_event("HP-001", EVTYPE_MAINS_RESTORE);
	one_event("HP-002", EVTYPE_MAINS_RESTORE);
	one_event("HP-003", EVTYPE_TAMPER_RESTORE);
	ck_assert_ptr_null(stack_find(t->stack, mains));
	ck_assert_int_eq(l3_last_change(t, CHANGE_RESOLVED)->alarm_id, mains);
	ck_assert_str_eq(l3_last_change(t, CHANGE_RESOLVED)->user, "receiver");
	ck_assert_int_eq(l3_last_change(t, CHANGE_RESOLVED)->outcome,
	    ALARM_OUTCOME_TECHNICAL);
	ck_assert_int_eq(l3_sql_int(t, "SELECT count(*) FROM alarms WHERE "
	    "id = %lld AND outcome = 'technical' AND action = 'restored' AND "
	    "resolved_by = 'receiver'", (long long)mains), 1);
	ck_assert_ptr_nonnull(stack_find(t->stack, claimed));
	ck_assert_ptr_nonnull(stack_find(t->stack, tamper));

	/* The bulk close takes claimed ones too, of the type only. */
	ck_assert_int_eq(stack_resolve_restored(t->stack, EVTYPE_MAINS_FAIL,
	    "elsewhere", "sam", &n), ALARM_OK);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(stack_resolve_restored(t->stack, EVTYPE_MAINS_FAIL,
	    NULL, "sam", &n), ALARM_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_ptr_null(stack_find(t->stack, claimed));
	ck_assert_ptr_nonnull(stack_find(t->stack, tamper));
	ck_assert_int_eq(l3_sql_int(t, "SELECT count(*) FROM audit WHERE "
	    "action = 'resolve' AND user = 'sam' AND alarm_id = %lld",
	    (long long)claimed), 1);
	/* Store failing: nothing changes. */
	ck_assert_int_eq(l3_sql(t, "BEGIN IMMEDIATE"), SQLITE_OK);
	ck_assert_int_eq(stack_resolve_restored(t->stack, EVTYPE_TAMPER, NULL,
	    "sam", &n), ALARM_ERR_STORE);
	ck_assert_int_eq(l3_sql(t, "COMMIT"), SQLITE_OK);
	ck_assert_ptr_nonnull(stack_find(t->stack, tamper));
	ck_assert_int_eq(stack_resolve_restored(t->stack, EVTYPE_TAMPER, NULL,
	    "sam", &n), ALARM_OK);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(stack_open_count(t->stack), 0);
}
END_TEST

static int
released(void *arg)
{
	return l3_changes_of(arg, CHANGE_RELEASED) > 0;
}

START_TEST(orphaned_claim_goes_back_to_the_queue)
{
	int64_t	id;

	/* Nobody is logged in: a claim outliving its claimer's link is orphaned. */
	t->config.escalation_after_ms = 100;
	one_event("HP-001", EVTYPE_TAMPER);
	id = change_at(0)->alarm_id;
	ck_assert_int_eq(stack_claim(t->stack, id, "bob"), ALARM_OK);
	ck_assert_msg(l3_wait(t, released, t, 3000), "claim kept");
	ck_assert_str_eq(l3_last_change(t, CHANGE_RELEASED)->user, "bob");
	ck_assert_int_eq(stack_find(t->stack, id)->state, ALARM_QUEUED);
	ck_assert_int_eq(l3_sql_int(t, "SELECT count(*) FROM alarms WHERE "
	    "state = 'queued'"), 1);
}
END_TEST

START_TEST(load_rebuilds_stack_and_test_windows)
{
	struct units	*units;
	struct stack	*stack;
	struct alarm	*a;
	char		 err[256] = "";
	int64_t		 id1, id2;
	size_t		 i;

	one_event("HP-001", EVTYPE_TAMPER);
	one_event("HP-002", EVTYPE_BUTTON);
	one_event("HP-001", EVTYPE_TAMPER);
	id1 = change_at(0)->alarm_id;
	id2 = change_at(1)->alarm_id;
	ck_assert_int_eq(stack_claim(t->stack, id1, "alice"), ALARM_OK);
	ck_assert_int_eq(stack_testmode(t->stack, l3_record(t, "HP-003"),
	    3600 * 1000, "sam"), ALARM_OK);

	/* A restart: new records and a new stack from the same store. */
	units = units_new(t->registry, t->store, err, sizeof(err));
	ck_assert_msg(units != NULL, "%s", err);
	stack = stack_new(t->base, t->store, units, t->feed, &t->config,
	    t->registry);
	ck_assert_ptr_nonnull(stack);
	ck_assert_msg(stack_load(stack, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(stack_open_count(stack), 2);
	a = stack_find(stack, id1);
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(a->state, ALARM_CLAIMED);
	ck_assert_str_eq(a->claimed_by, "alice");
	ck_assert_int_eq(a->count, 2);
	ck_assert_int_eq(stack_find(stack, id2)->priority, 1);
	ck_assert_uint_eq(units_find(units, "HP-001")->alarm_count, 1);
	ck_assert_uint_eq(units_find(units, "HP-002")->alarm_count, 1);
	ck_assert_int_eq(stack_unit_on_test(units_find(units, "HP-003"),
	    timenow_wall_ms()), 1);
	ck_assert_int_eq(stack_unit_on_test(units_find(units, "HP-004"),
	    timenow_wall_ms()), 0);
	for (i = 0; i < units_count(units); i++)
		stack_unit_free(units_at(units, i));
	stack_free(stack);
	units_free(units);
}
END_TEST

static Suite *
stack_suite(void)
{
	Suite	*s = suite_create("stack");
	TCase	*tc = tcase_create("stack");

	tcase_add_unchecked_fixture(tc, l3_dir_create, l3_dir_remove);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, raise_repeat_restore);
	tcase_add_test(tc, events_without_alarm_only_stored);
	tcase_add_test(tc, priority_one_published_first);
	tcase_add_test(tc, abort_undoes_the_batch);
	tcase_add_test(tc, claim_and_release_statuses);
	tcase_add_test(tc, resolve_statuses);
	tcase_add_test(tc, note_is_stored_and_published_as_noted);
	tcase_add_test(tc, store_failure_changes_nothing);
	tcase_add_test(tc, release_user_returns_only_their_claims);
	tcase_add_test(tc, test_window_turns_alarms_into_testsignals);
	tcase_add_test(tc, testmode_off_at_once);
	tcase_add_test(tc, queued_alarm_escalates_claimed_does_not);
	tcase_add_test(tc, escalation_levels_audiences_and_repeats);
	tcase_add_test(tc, escalation_at_once_without_operators);
	tcase_add_test(tc, restored_technical_alarms_close);
	tcase_add_test(tc, orphaned_claim_goes_back_to_the_queue);
	tcase_add_test(tc, load_rebuilds_stack_and_test_windows);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(stack_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
