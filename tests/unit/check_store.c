/* Unit tests for the store: migrations, duplicate events, alarms, the audit chain. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "refuge/store.h"

static char	db_path[64];

static struct store *
open_fresh(void)
{
	struct store	*store;
	char		 err[256];

	snprintf(db_path, sizeof(db_path), "/tmp/check_store.%ld.db",
	    (long)getpid());
	unlink(db_path);
	store = store_open(db_path, err, sizeof(err));
	ck_assert_msg(store != NULL, "store_open: %s", err);
	return store;
}

static void
remove_files(void)
{
	char	path[80];

	unlink(db_path);
	snprintf(path, sizeof(path), "%s-wal", db_path);
	unlink(path);
	snprintf(path, sizeof(path), "%s-shm", db_path);
	unlink(path);
}

static int
pragma_int(const char *pragma)
{
	sqlite3		*db;
	sqlite3_stmt	*stmt;
	int		 value = -1;

	ck_assert_int_eq(sqlite3_open(db_path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, pragma, -1, &stmt, NULL),
	    SQLITE_OK);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		value = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return value;
}

static struct store_event
event(const char *unit, const char *id, enum evtype type)
{
	struct store_event	e = {
		.unit_id = unit, .unit_event_id = id, .type = type,
		.priority = evtype_default_priority(type), .unit_time_ms = -1,
		.received_ms = 1700000000000, .attributes = "zone=gate"
	};

	return e;
}

START_TEST(migrations_reach_latest_and_reopen)
{
	struct store	*store = open_fresh();
	char		 err[256];

	store_close(store);
	ck_assert_int_eq(pragma_int("PRAGMA user_version"), 2);
	store = store_open(db_path, err, sizeof(err));
	ck_assert_msg(store != NULL, "reopen: %s", err);
	store_close(store);
	ck_assert_int_eq(pragma_int("PRAGMA user_version"), 2);
	remove_files();
}
END_TEST

START_TEST(newer_schema_is_refused)
{
	struct store	*store = open_fresh();
	sqlite3		*db;
	char		 err[256];

	store_close(store);
	ck_assert_int_eq(sqlite3_open(db_path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL,
	    NULL), SQLITE_OK);
	sqlite3_close(db);
	ck_assert_ptr_null(store_open(db_path, err, sizeof(err)));
	ck_assert_msg(strstr(err, "newer") != NULL, "%s", err);
	remove_files();
}
END_TEST

START_TEST(duplicate_event_is_ignored)
{
	struct store		*store = open_fresh();
	struct store_event	 e = event("HP-001", "e1", EVTYPE_BUTTON);
	int64_t			 row = 0;
	int			 inserted = -1;

	ck_assert_int_eq(store_begin(store), 0);
	ck_assert_int_eq(store_event_insert(store, &e, &inserted, &row), 0);
	ck_assert_int_eq(inserted, 1);
	ck_assert_int_gt(row, 0);
	ck_assert_int_eq(store_event_insert(store, &e, &inserted, &row), 0);
	ck_assert_int_eq(inserted, 0);
	ck_assert_int_eq(row, 0);
	e.unit_id = "HP-002";	/* same event id, other unit: a new event */
	ck_assert_int_eq(store_event_insert(store, &e, &inserted, &row), 0);
	ck_assert_int_eq(inserted, 1);
	ck_assert_int_eq(store_commit(store, NULL, NULL), 0);
	store_close(store);
	remove_files();
}
END_TEST

static int
collect_alarm(const struct alarm *alarm, void *arg)
{
	struct alarm	*out = arg;

	*out = *alarm;
	return 0;
}

START_TEST(alarm_round_trip)
{
	struct store		*store = open_fresh();
	struct store_event	 e = event("HP-001", "e1", EVTYPE_BUTTON);
	struct alarm		 alarm, loaded;
	int64_t			 row;
	int			 inserted;

	memset(&alarm, 0, sizeof(alarm));
	snprintf(alarm.unit_id, sizeof(alarm.unit_id), "HP-001");
	snprintf(alarm.site_id, sizeof(alarm.site_id), "park");
	alarm.type = EVTYPE_BUTTON;
	alarm.priority = 1;
	alarm.raised_ms = 1700000000000;
	alarm.count = 1;
	alarm.first_claimed_ms = -1;
	ck_assert_int_eq(store_begin(store), 0);
	ck_assert_int_eq(store_event_insert(store, &e, &inserted, &row), 0);
	ck_assert_int_eq(store_alarm_insert(store, &alarm, row), 0);
	ck_assert_int_gt(alarm.id, 0);
	alarm.count = 2;
	ck_assert_int_eq(store_alarm_attach(store, &alarm, row, 1700000000500), 0);
	alarm.state = ALARM_CLAIMED;
	snprintf(alarm.claimed_by, sizeof(alarm.claimed_by), "alice");
	alarm.claimed_ms = alarm.first_claimed_ms = 1700000001000;
	ck_assert_int_eq(store_alarm_save_claim(store, &alarm), 0);
	ck_assert_int_eq(store_commit(store, NULL, NULL), 0);

	memset(&loaded, 0, sizeof(loaded));
	ck_assert_int_eq(store_alarms_open_each(store, collect_alarm, &loaded), 0);
	ck_assert_int_eq(loaded.id, alarm.id);
	ck_assert_int_eq(loaded.state, ALARM_CLAIMED);
	ck_assert_str_eq(loaded.claimed_by, "alice");
	ck_assert_int_eq(loaded.count, 2);
	ck_assert_int_eq(loaded.restored, 1);
	ck_assert_int_eq(loaded.first_claimed_ms, 1700000001000);

	alarm.outcome = ALARM_OUTCOME_FALSE;
	ck_assert_int_eq(store_begin(store), 0);
	ck_assert_int_eq(store_alarm_resolve(store, &alarm, "alice",
	    1700000002000, "accidental", NULL, NULL), 0);
	ck_assert_int_eq(store_commit(store, NULL, NULL), 0);
	loaded.id = 0;
	ck_assert_int_eq(store_alarms_open_each(store, collect_alarm, &loaded), 0);
	ck_assert_int_eq(loaded.id, 0);
	store_close(store);
	remove_files();
}
END_TEST

struct chain_walk {
	char	prev[AUDIT_HASH_HEX];
	int	rows;
	int	broken;
};

static int
walk(const struct audit_row *row, void *arg)
{
	struct chain_walk	*w = arg;
	char			 err[128];

	if (audit_check(row, w->prev, err, sizeof(err)) == -1)
		w->broken++;
	memcpy(w->prev, row->hash, sizeof(w->prev));
	w->rows++;
	return 0;
}

START_TEST(audit_chain_survives_rollback_and_reopen)
{
	struct store		*store = open_fresh();
	struct chain_walk	 w;
	char			 err[256];

	ck_assert_int_eq(store_begin(store), 0);
	ck_assert_int_eq(store_audit_append(store, 1, "alice", 7, "claim", ""), 0);
	ck_assert_int_eq(store_commit(store, NULL, NULL), 0);
	/* A rolled-back row must not leave the chain pointing at it. */
	ck_assert_int_eq(store_begin(store), 0);
	ck_assert_int_eq(store_audit_append(store, 2, "alice", 7, "note", "x"), 0);
	store_rollback(store);
	ck_assert_int_eq(store_begin(store), 0);
	ck_assert_int_eq(store_audit_append(store, 3, "bob", 7, "resolve",
	    "outcome=false"), 0);
	ck_assert_int_eq(store_commit(store, NULL, NULL), 0);
	store_close(store);
	store = store_open(db_path, err, sizeof(err));
	ck_assert_ptr_nonnull(store);
	ck_assert_int_eq(store_begin(store), 0);
	ck_assert_int_eq(store_audit_append(store, 4, "", 0, "raise", "y"), 0);
	ck_assert_int_eq(store_commit(store, NULL, NULL), 0);

	memset(&w, 0, sizeof(w));
	ck_assert_int_eq(store_audit_each(store, walk, &w), 0);
	ck_assert_int_eq(w.rows, 3);
	ck_assert_int_eq(w.broken, 0);
	store_close(store);
	remove_files();
}
END_TEST

static Suite *
store_suite(void)
{
	Suite	*s = suite_create("store");
	TCase	*tc = tcase_create("store");

	tcase_add_test(tc, migrations_reach_latest_and_reopen);
	tcase_add_test(tc, newer_schema_is_refused);
	tcase_add_test(tc, duplicate_event_is_ignored);
	tcase_add_test(tc, alarm_round_trip);
	tcase_add_test(tc, audit_chain_survives_rollback_and_reopen);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(store_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
