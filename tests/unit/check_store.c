/*
 * Unit tests for the store: migrations, duplicate events, alarms, the audit
 * chain, the backend chooser, commit completions and optional operations;
 * and the database file's integrity: what is refused before anything is
 * written, the mode of a new file, the run marker, quick_check, damage,
 * the lock and restore.
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "refuge/store.h"
#include "refuge/store_backend.h"

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
pragma_int_of(const char *path, const char *pragma)
{
	sqlite3		*db;
	sqlite3_stmt	*stmt;
	int		 value = -1;

	ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL),
	    SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, pragma, -1, &stmt, NULL),
	    SQLITE_OK);
	if (sqlite3_step(stmt) == SQLITE_ROW)
		value = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return value;
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

/* One per file in schema/sqlite/ (schema/embed.sh). */
extern const size_t	store_sqlite_migration_count;

START_TEST(migrations_reach_latest_and_reopen)
{
	struct store	*store = open_fresh();
	char		 err[256];

	store_close(store);
	ck_assert_int_eq(pragma_int("PRAGMA user_version"),
	    (int)store_sqlite_migration_count);
	store = store_open(db_path, err, sizeof(err));
	ck_assert_msg(store != NULL, "reopen: %s", err);
	store_close(store);
	ck_assert_int_eq(pragma_int("PRAGMA user_version"),
	    (int)store_sqlite_migration_count);
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

START_TEST(postgresql_url_chooses_postgresql)
{
	char	err[256];

	snprintf(db_path, sizeof(db_path), "/tmp/check_store.%ld.db",
	    (long)getpid());
	/* Nobody listens on port 1: refused at once, the password not told. */
	ck_assert_ptr_null(store_open("postgresql://refuge:s3cret@127.0.0.1:1/"
	    "refuge", err, sizeof(err)));
	ck_assert_msg(strstr(err, "connecting") != NULL, "%s", err);
	ck_assert_msg(strstr(err, "s3cret") == NULL, "%s", err);
	ck_assert_ptr_null(store_open_readonly("postgres://127.0.0.1:1/refuge",
	    err, sizeof(err)));
	ck_assert_msg(strstr(err, "connecting") != NULL, "%s", err);
	ck_assert_ptr_eq(store_backend_choose("postgres://db", err,
	    sizeof(err)), &store_backend_postgresql);
	ck_assert_int_eq(store_check_supported("postgres://db", err,
	    sizeof(err)), 0);
	ck_assert_int_eq(store_check_supported("refuge.db", err,
	    sizeof(err)), 1);
	ck_assert_ptr_eq(store_backend_choose(db_path, err, sizeof(err)),
	    &store_backend_sqlite);
	ck_assert_str_eq(store_backend_choose("refuge.db", err,
	    sizeof(err))->name, "sqlite");
}
END_TEST

struct completion {
	int	calls;
	int	status;
	int	returned;	/* store_commit had returned when done ran */
	int	*returned_flag;
};

static void
completed(int status, void *arg)
{
	struct completion	*c = arg;

	c->calls++;
	c->status = status;
	c->returned = *c->returned_flag;
}

START_TEST(commit_done_is_called_once_in_the_same_turn)
{
	struct store		*store = open_fresh();
	struct store_event	 e = event("HP-001", "e1", EVTYPE_BUTTON);
	struct completion	 c;
	char			 err[256];
	int			 inserted, returned = 0;

	memset(&c, 0, sizeof(c));
	c.status = -2;
	c.returned_flag = &returned;
	ck_assert_int_eq(store_begin(store), 0);
	ck_assert_int_eq(store_event_insert(store, &e, &inserted, NULL), 0);
	ck_assert_int_eq(store_commit(store, completed, &c), 0);
	returned = 1;
	ck_assert_int_eq(c.calls, 1);
	ck_assert_int_eq(c.status, 0);
	ck_assert_int_eq(c.returned, 0);
	/* It is durable: a second store sees it. */
	store_close(store);
	store = store_open(db_path, err, sizeof(err));
	ck_assert_msg(store != NULL, "reopen: %s", err);
	ck_assert_int_eq(store_begin(store), 0);
	ck_assert_int_eq(store_event_insert(store, &e, &inserted, NULL), 0);
	ck_assert_int_eq(inserted, 0);
	store_rollback(store);
	store_close(store);
	remove_files();
}
END_TEST

/*
 * Makes COMMIT itself fail: an event named "doomed" adds a row breaking a
 * deferred foreign key, which SQLite checks only at COMMIT.
 */
static struct store *
open_doomed(void)
{
	struct store	*store = open_fresh();
	sqlite3		*db;
	char		 err[256];

	store_close(store);
	ck_assert_int_eq(sqlite3_open(db_path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db,
	    "CREATE TABLE nowhere (id INTEGER PRIMARY KEY);"
	    "CREATE TABLE doomed (event_id INTEGER REFERENCES nowhere (id) "
	    "DEFERRABLE INITIALLY DEFERRED);"
	    "CREATE TRIGGER doom AFTER INSERT ON events "
	    "WHEN NEW.unit_event_id = 'doomed' "
	    "BEGIN INSERT INTO doomed VALUES (NEW.id); END;",
	    NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	store = store_open(db_path, err, sizeof(err));
	ck_assert_msg(store != NULL, "store_open: %s", err);
	return store;
}

static int
count_event(const struct store_history_event *event, void *arg)
{
	(void)event;
	(*(int *)arg)++;
	return 0;
}

START_TEST(failed_commit_done_gets_minus_one_and_keeps_the_error)
{
	struct store		*store = open_doomed();
	struct store_event	 e = event("HP-001", "doomed", EVTYPE_BUTTON);
	struct completion	 c;
	struct chain_walk	 w;
	int			 inserted, returned = 0, events = 0;

	ck_assert_int_eq(store_begin(store), 0);
	ck_assert_int_eq(store_audit_append(store, 1, "alice", 0, "note", "a"),
	    0);
	ck_assert_int_eq(store_commit(store, NULL, NULL), 0);

	memset(&c, 0, sizeof(c));
	c.returned_flag = &returned;
	ck_assert_int_eq(store_begin(store), 0);
	ck_assert_int_eq(store_event_insert(store, &e, &inserted, NULL), 0);
	ck_assert_int_eq(store_audit_append(store, 2, "", 0, "raise", "b"), 0);
	ck_assert_int_eq(store_commit(store, completed, &c), 0);
	returned = 1;
	ck_assert_int_eq(c.calls, 1);
	ck_assert_int_eq(c.status, -1);
	ck_assert_int_eq(c.returned, 0);
	/* The store rolled back, and the commit's reason outlived it. */
	ck_assert_msg(strstr(store_error(store), "FOREIGN KEY") != NULL, "%s",
	    store_error(store));
	ck_assert_int_eq(store_history_each(store, "HP-001", 10, count_event,
	    &events), 0);
	ck_assert_int_eq(events, 0);

	/* Waiting for the status: the caller rolls back, the reason stays. */
	ck_assert_int_eq(store_begin(store), 0);
	ck_assert_int_eq(store_event_insert(store, &e, &inserted, NULL), 0);
	ck_assert_int_eq(store_commit(store, NULL, NULL), -1);
	store_rollback(store);
	ck_assert_msg(strstr(store_error(store), "FOREIGN KEY") != NULL, "%s",
	    store_error(store));

	/* The chain goes on from the committed row. */
	ck_assert_int_eq(store_begin(store), 0);
	ck_assert_int_eq(store_audit_append(store, 3, "bob", 0, "note", "c"), 0);
	ck_assert_int_eq(store_commit(store, NULL, NULL), 0);
	memset(&w, 0, sizeof(w));
	ck_assert_int_eq(store_audit_each(store, walk, &w), 0);
	ck_assert_int_eq(w.rows, 2);
	ck_assert_int_eq(w.broken, 0);
	store_close(store);
	remove_files();
}
END_TEST

START_TEST(readonly_write_error_survives_rollback)
{
	struct store		*store = open_fresh();
	struct store_event	 e = event("HP-001", "e1", EVTYPE_BUTTON);
	char			 err[256];
	int			 inserted;

	store_close(store);
	store = store_open_readonly(db_path, err, sizeof(err));
	ck_assert_msg(store != NULL, "store_open_readonly: %s", err);
	ck_assert_int_eq(store_begin(store), 0);
	ck_assert_int_eq(store_event_insert(store, &e, &inserted, NULL), -1);
	store_rollback(store);
	ck_assert_msg(strstr(store_error(store), "readonly") != NULL, "%s",
	    store_error(store));
	store_close(store);
	remove_files();
}
END_TEST

/*
 * A fake backend keeping audit rows in memory, whose commit finishes when
 * the test says (as a network database would), with no backup and no
 * read-only open.
 */
struct fake_row {
	struct audit_row	 row;
	char			 user[16];
	char			 action[16];
	char			 detail[16];
};

struct fake {
	struct fake_row		 rows[8];
	int			 committed, count;
	int			 in_transaction, rollbacks;
	int			 fail_last;
	store_done_fn		*done;
	void			*done_arg;
	const char		*error;
};

static struct fake	fake_db;

static void *
fake_open(const char *database, char *err, size_t errlen)
{
	(void)database, (void)err, (void)errlen;
	memset(&fake_db, 0, sizeof(fake_db));
	fake_db.error = "no error";
	return &fake_db;
}

static void
fake_close(void *be)
{
	(void)be;
}

static const char *
fake_error(void *be)
{
	return ((struct fake *)be)->error;
}

static int
fake_begin(void *be)
{
	((struct fake *)be)->in_transaction = 1;
	return 0;
}

static int
fake_commit(void *be, store_done_fn *done, void *arg)
{
	struct fake	*f = be;

	ck_assert_ptr_nonnull(done);
	f->done = done;
	f->done_arg = arg;
	return 0;
}

/* The network answers: the commit of fake_db is durable, or it is not. */
static void
fake_finish_commit(int status)
{
	store_done_fn	*done = fake_db.done;

	fake_db.done = NULL;
	if (status == 0) {
		fake_db.committed = fake_db.count;
		fake_db.in_transaction = 0;
	} else
		fake_db.error = "connection lost during COMMIT";
	done(status, fake_db.done_arg);
}

static void
fake_rollback(void *be)
{
	struct fake	*f = be;

	f->count = f->committed;
	f->in_transaction = 0;
	f->rollbacks++;
	f->error = "ROLLBACK done";	/* a backend may forget the reason */
}

static int
fake_audit_insert(void *be, const struct store_audit_record *record)
{
	struct fake		*f = be;
	struct fake_row		*kept;
	struct audit_row	*row;

	ck_assert_int_lt(f->count, 8);
	kept = &f->rows[f->count++];
	row = &kept->row;
	memset(kept, 0, sizeof(*kept));
	row->id = record->id;
	row->time_ms = record->time_ms;
	row->alarm_id = record->alarm_id;
	snprintf(kept->user, sizeof(kept->user), "%s", record->user);
	snprintf(kept->action, sizeof(kept->action), "%s", record->action);
	snprintf(kept->detail, sizeof(kept->detail), "%s", record->detail);
	row->user = kept->user;
	row->action = kept->action;
	row->detail = kept->detail;
	snprintf(row->prev_hash, sizeof(row->prev_hash), "%s",
	    record->prev_hash);
	snprintf(row->hash, sizeof(row->hash), "%s", record->hash);
	return 0;
}

static int
fake_record(const struct audit_row *row, store_audit_record_fn *fn,
    void *arg)
{
	struct store_audit_record	record = {
		.id = row->id, .time_ms = row->time_ms, .user = row->user,
		.alarm_id = row->alarm_id, .action = row->action,
		.detail = row->detail, .prev_hash = row->prev_hash,
		.hash = row->hash
	};

	return fn(&record, arg);
}

static int
fake_audit_each(void *be, store_audit_record_fn *fn, void *arg)
{
	struct fake	*f = be;
	int		 i;

	for (i = 0; i < f->count; i++)
		if (fake_record(&f->rows[i].row, fn, arg) == -1)
			return -1;
	return 0;
}

static int
fake_audit_last(void *be, store_audit_record_fn *fn, void *arg)
{
	struct fake	*f = be;

	if (f->fail_last) {
		f->error = "cannot read the audit tail";
		return -1;
	}
	return f->count > 0 ? fake_record(&f->rows[f->count - 1].row, fn,
	    arg) : 0;
}

static const struct store_backend fake_backend = {
	.name = "fake",
	.open = fake_open,
	.close = fake_close,
	.error = fake_error,
	.begin = fake_begin,
	.commit = fake_commit,
	.rollback = fake_rollback,
	.audit_insert = fake_audit_insert,
	.audit_each = fake_audit_each,
	.audit_last = fake_audit_last,
};

START_TEST(missing_optional_operations_are_refused)
{
	struct store	*store;
	char		 err[256];

	ck_assert_ptr_null(store_open_backend(&fake_backend, "fake", 1, err,
	    sizeof(err)));
	ck_assert_msg(strstr(err, "not supported by the fake backend") != NULL,
	    "%s", err);
	store = store_open_backend(&fake_backend, "fake", 0, err, sizeof(err));
	ck_assert_msg(store != NULL, "%s", err);
	err[0] = '\0';
	ck_assert_int_eq(store_backup(store, "/tmp/never", err, sizeof(err)),
	    -1);
	ck_assert_msg(strstr(err, "backup is not supported by the fake "
	    "backend") != NULL, "%s", err);
	ck_assert_int_eq(access("/tmp/never", F_OK), -1);
	store_close(store);
}
END_TEST

START_TEST(later_commit_failure_rolls_back_before_done)
{
	struct store		*store;
	struct completion	 c;
	struct chain_walk	 w;
	char			 err[256];
	int			 returned = 1;

	store = store_open_backend(&fake_backend, "fake", 0, err, sizeof(err));
	ck_assert_msg(store != NULL, "%s", err);
	memset(&c, 0, sizeof(c));
	c.returned_flag = &returned;
	ck_assert_int_eq(store_begin(store), 0);
	ck_assert_int_eq(store_audit_append(store, 1, "alice", 0, "note", ""),
	    0);
	ck_assert_int_eq(store_commit(store, completed, &c), 0);
	ck_assert_int_eq(c.calls, 0);	/* still on the wire */
	fake_finish_commit(0);
	ck_assert_int_eq(c.calls, 1);
	ck_assert_int_eq(c.status, 0);

	/* A commit that fails later: rolled back first, then done(-1) once. */
	ck_assert_int_eq(store_begin(store), 0);
	ck_assert_int_eq(store_audit_append(store, 2, "bob", 0, "note", ""), 0);
	ck_assert_int_eq(store_commit(store, completed, &c), 0);
	ck_assert_int_eq(fake_db.rollbacks, 0);
	/* The backend cannot say where the chain ends after the rollback. */
	fake_db.fail_last = 1;
	fake_finish_commit(-1);
	fake_db.fail_last = 0;
	ck_assert_int_eq(c.calls, 2);
	ck_assert_int_eq(c.status, -1);
	ck_assert_int_eq(fake_db.rollbacks, 1);
	ck_assert_str_eq(store_error(store), "connection lost during COMMIT");

	/* The chain goes on from the committed row, not the lost one. */
	ck_assert_int_eq(store_begin(store), 0);
	ck_assert_int_eq(store_audit_append(store, 3, "carol", 0, "note", ""),
	    0);
	ck_assert_int_eq(store_commit(store, completed, &c), 0);
	fake_finish_commit(0);
	ck_assert_int_eq(c.calls, 3);
	memset(&w, 0, sizeof(w));
	ck_assert_int_eq(store_audit_each(store, walk, &w), 0);
	ck_assert_int_eq(w.rows, 2);
	ck_assert_int_eq(w.broken, 0);
	ck_assert_int_eq(fake_db.rows[1].row.id, 2);
	ck_assert_str_eq(fake_db.rows[1].user, "carol");
	store_close(store);
}
END_TEST


/* ---- the database file's integrity */

static char	file_path[96];

static void
remove_named(const char *path)
{
	char	name[128];

	unlink(path);
	snprintf(name, sizeof(name), "%s-wal", path);
	unlink(name);
	snprintf(name, sizeof(name), "%s-shm", path);
	unlink(name);
	snprintf(name, sizeof(name), "%s.lock", path);
	unlink(name);
}

/* A name for this test's file, with nothing there yet. */
static const char *
fresh_name(const char *what)
{
	snprintf(file_path, sizeof(file_path), "/tmp/check_store.%ld.%s.db",
	    (long)getpid(), what);
	remove_named(file_path);
	return file_path;
}

/* The whole file, malloc'd; *len its size. */
static unsigned char *
slurp(const char *path, size_t *len)
{
	struct stat	 st;
	unsigned char	*buf;
	int		 fd;

	ck_assert_int_ne(fd = open(path, O_RDONLY), -1);
	ck_assert_int_eq(fstat(fd, &st), 0);
	*len = (size_t)st.st_size;
	ck_assert_ptr_nonnull(buf = malloc(*len + 1));
	ck_assert_int_eq(read(fd, buf, *len), (ssize_t)*len);
	close(fd);
	return buf;
}

static void
write_bytes(const char *path, off_t offset, const void *buf, size_t len,
    int flags)
{
	int	fd;

	ck_assert_int_ne(fd = open(path, O_WRONLY | flags, 0600), -1);
	ck_assert_int_eq(pwrite(fd, buf, len, offset), (ssize_t)len);
	close(fd);
}

static int
exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* Garbage that looks like nothing SQLite wrote: a fixed xorshift stream. */
static void
garbage(unsigned char *buf, size_t len)
{
	uint32_t	x = 2463534242u;
	size_t		i;

	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = (unsigned char)x;
	}
}

/* A database of ours with enough events that 256 KiB in lies their pages. */
static void
make_full(const char *path, int events)
{
	struct store		*store;
	struct store_event	 e = event("HP-001", "", EVTYPE_TEST);
	char			 id[32], err[256];
	int64_t			 row;
	int			 i, inserted;

	store = store_open(path, err, sizeof(err));
	ck_assert_msg(store != NULL, "store_open: %s", err);
	ck_assert_int_eq(store_begin(store), 0);
	for (i = 0; i < events; i++) {
		snprintf(id, sizeof(id), "e%06d", i);
		e.unit_event_id = id;
		ck_assert_int_eq(store_event_insert(store, &e, &inserted, &row),
		    0);
	}
	ck_assert_int_eq(store_commit(store, NULL, NULL), 0);
	ck_assert_int_eq(store_run_mark(store, 0, 1700000000000), 0);
	store_close(store);
}

START_TEST(empty_file_is_refused_and_left_empty)
{
	const char	*path = fresh_name("empty");
	char		 err[512], wal[128];
	struct stat	 st;

	write_bytes(path, 0, "", 0, O_CREAT);
	ck_assert_ptr_null(store_open(path, err, sizeof(err)));
	ck_assert_msg(strstr(err, path) != NULL && strstr(err, "empty file (0 "
	    "bytes)") != NULL && strstr(err, "refugectl restore") != NULL, "%s",
	    err);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_size, 0);
	snprintf(wal, sizeof(wal), "%s-wal", path);
	ck_assert(!exists(wal));
	/* The read-only opening and the inspection refuse it the same way. */
	ck_assert_ptr_null(store_open_readonly(path, err, sizeof(err)));
	ck_assert_msg(strstr(err, "empty file") != NULL, "%s", err);
	remove_named(path);
}
END_TEST

START_TEST(foreign_header_is_refused_and_left_unchanged)
{
	const char	*path = fresh_name("foreign");
	char		 err[512], text[4096], name[128];
	unsigned char	*after;
	size_t		 len;

	memset(text, 'x', sizeof(text));
	memcpy(text, "SQLite format 2", 15);	/* near, but not it */
	write_bytes(path, 0, text, sizeof(text), O_CREAT);
	ck_assert_ptr_null(store_open(path, err, sizeof(err)));
	ck_assert_msg(strstr(err, "not an SQLite database") != NULL &&
	    strstr(err, "refugectl restore") != NULL, "%s", err);
	after = slurp(path, &len);
	ck_assert_uint_eq(len, sizeof(text));
	ck_assert(memcmp(after, text, len) == 0);
	free(after);
	snprintf(name, sizeof(name), "%s-wal", path);
	ck_assert(!exists(name));
	snprintf(name, sizeof(name), "%s-journal", path);
	ck_assert(!exists(name));
	remove_named(path);
}
END_TEST

/* The header's bytes 18-19: 1 for a rollback journal, 2 for WAL. */
START_TEST(newer_schema_is_refused_without_the_switch_to_wal)
{
	const char	*path = fresh_name("newer");
	unsigned char	*before, *after;
	size_t		 len, len2;
	sqlite3		*db;
	char		 err[512], wal[128];

	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "CREATE TABLE future (x); "
	    "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	before = slurp(path, &len);
	ck_assert_int_eq(before[18], 1);
	ck_assert_int_eq(before[19], 1);
	ck_assert_ptr_null(store_open(path, err, sizeof(err)));
	ck_assert_msg(strstr(err, "schema version 99 is newer") != NULL &&
	    strstr(err, "refugectl restore") != NULL, "%s", err);
	after = slurp(path, &len2);
	ck_assert_uint_eq(len, len2);
	ck_assert(memcmp(before, after, len) == 0);
	snprintf(wal, sizeof(wal), "%s-wal", path);
	ck_assert(!exists(wal));
	free(before);
	free(after);
	remove_named(path);
}
END_TEST

START_TEST(new_database_is_0600_whatever_the_umask)
{
	const char	*path = fresh_name("mode");
	struct store	*store;
	struct store_event e = event("HP-001", "m1", EVTYPE_TEST);
	struct stat	 st;
	char		 err[256], wal[128];
	mode_t		 old = umask(022);
	int64_t		 row;
	int		 inserted;

	store = store_open(path, err, sizeof(err));
	umask(old);
	ck_assert_msg(store != NULL, "store_open: %s", err);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(store_begin(store), 0);
	ck_assert_int_eq(store_event_insert(store, &e, &inserted, &row), 0);
	ck_assert_int_eq(store_commit(store, NULL, NULL), 0);
	snprintf(wal, sizeof(wal), "%s-wal", path);
	ck_assert_int_eq(stat(wal, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	store_close(store);
	remove_named(path);
}
END_TEST

START_TEST(inspect_tells_an_unclean_stop)
{
	const char		*path = fresh_name("run");
	struct store_file_state	 state;
	struct store		*store;
	char			 err[256];

	ck_assert_int_eq(store_inspect(path, &state, err, sizeof(err)), 0);
	ck_assert_int_eq(state.exists, 0);
	store = store_open(path, err, sizeof(err));
	ck_assert_msg(store != NULL, "store_open: %s", err);
	/* Never marked (a database from before the marker): not clean. */
	ck_assert_int_eq(store_inspect(path, &state, err, sizeof(err)), 0);
	ck_assert_int_eq(state.exists, 1);
	ck_assert_int_eq(state.clean_stop, 0);
	ck_assert_int_eq(state.mode, 0600);
	ck_assert_int_eq(store_run_mark(store, 0, 1700000000123), 0);
	ck_assert_int_eq(store_inspect(path, &state, err, sizeof(err)), 0);
	ck_assert_int_eq(state.clean_stop, 1);
	ck_assert_int_eq(state.stopped_ms, 1700000000123);
	/* Running again: a crash from now on is an unclean stop. */
	ck_assert_int_eq(store_run_mark(store, 1, 1700000000456), 0);
	ck_assert_int_eq(store_inspect(path, &state, err, sizeof(err)), 0);
	ck_assert_int_eq(state.clean_stop, 0);
	store_close(store);
	remove_named(path);
}
END_TEST

START_TEST(quick_check_finds_garbage_in_the_middle)
{
	const char	*path = fresh_name("damage");
	unsigned char	 junk[16384];
	char		 err[512];
	struct stat	 st;
	size_t		 i;

	make_full(path, 10000);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_gt(st.st_size, 262144 + (off_t)sizeof(junk));
	ck_assert_int_eq(store_check(path, NULL, NULL, err, sizeof(err)), 0);
	garbage(junk, sizeof(junk));
	write_bytes(path, 262144, junk, sizeof(junk), 0);
	ck_assert_int_eq(store_check(path, NULL, NULL, err, sizeof(err)), 1);
	ck_assert(err[0] != '\0');
	for (i = 0; err[i] != '\0'; i++)
		ck_assert_msg(err[i] >= 0x20 && err[i] < 0x7f, "%s", err);
	remove_named(path);
}
END_TEST

static int
abandon(void *arg)
{
	int	*calls = arg;

	(*calls)++;
	return 1;
}

START_TEST(quick_check_can_be_abandoned)
{
	const char	*path = fresh_name("abandon");
	char		 err[256];
	int		 calls = 0;

	make_full(path, 20000);	/* long enough to be asked about it */
	ck_assert_int_eq(store_check(path, abandon, &calls, err, sizeof(err)),
	    -1);
	ck_assert_int_ge(calls, 1);
	ck_assert_str_eq(err, "check abandoned");
	ck_assert_int_eq(store_check("/nonexistent/refuge.db", NULL, NULL, err,
	    sizeof(err)), -1);
	remove_named(path);
}
END_TEST

START_TEST(damaged_store_refuses_every_write)
{
	const char		*path = fresh_name("refuse");
	struct store		*store;
	struct store_event	 e = event("HP-001", "d1", EVTYPE_BUTTON);
	int			 returned = 1;
	struct completion	 c = { 0, 0, 0, &returned };
	char			 err[256];
	int64_t			 row;
	int			 inserted;

	store = store_open(path, err, sizeof(err));
	ck_assert_msg(store != NULL, "store_open: %s", err);
	ck_assert_ptr_null(store_damaged(store));
	/* A transaction open when the damage is found fails at its commit. */
	ck_assert_int_eq(store_begin(store), 0);
	ck_assert_int_eq(store_event_insert(store, &e, &inserted, &row), 0);
	store_mark_damaged(store, "database damaged: page 17 is bad");
	store_mark_damaged(store, "database damaged: a later word");
	ck_assert_str_eq(store_damaged(store), "database damaged: page 17 is bad");
	ck_assert_int_eq(store_commit(store, completed, &c), 0);
	ck_assert_int_eq(c.calls, 1);
	ck_assert_int_eq(c.status, -1);
	ck_assert_str_eq(store_error(store), "database damaged: page 17 is bad");
	ck_assert_int_eq(store_begin(store), -1);
	ck_assert_str_eq(store_error(store), "database damaged: page 17 is bad");
	ck_assert_int_eq(store_run_mark(store, 0, 1700000000000), -1);
	store_close(store);
	/* Nothing of it reached the file; the run is not marked clean. */
	ck_assert_int_eq(pragma_int_of(path,
	    "SELECT count(*) FROM events"), 0);
	remove_named(path);
}
END_TEST

START_TEST(lock_is_exclusive)
{
	const char		*path = fresh_name("lock");
	struct store_lock	*first, *second;
	char			 err[256];

	first = store_lock(path, err, sizeof(err));
	ck_assert_msg(first != NULL, "store_lock: %s", err);
	ck_assert_ptr_null(store_lock(path, err, sizeof(err)));
	ck_assert_msg(strstr(err, "in use") != NULL, "%s", err);
	store_unlock(first);
	second = store_lock(path, err, sizeof(err));
	ck_assert_msg(second != NULL, "store_lock again: %s", err);
	store_unlock(second);
	store_unlock(NULL);
	remove_named(path);
}
END_TEST

static void
add_event(const char *path, const char *id)
{
	struct store		*store;
	struct store_event	 e = event("HP-001", id, EVTYPE_TEST);
	char			 err[256];
	int64_t			 row;
	int			 inserted;

	store = store_open(path, err, sizeof(err));
	ck_assert_msg(store != NULL, "store_open: %s", err);
	ck_assert_int_eq(store_begin(store), 0);
	ck_assert_int_eq(store_event_insert(store, &e, &inserted, &row), 0);
	ck_assert_int_eq(store_commit(store, NULL, NULL), 0);
	store_close(store);
}

START_TEST(restore_puts_a_checked_backup_in_place)
{
	char			 path[96], backup[128], name[160], err[512];
	struct store		*store;
	struct store_lock	*lock;
	unsigned char		*before, *after, junk[16384];
	size_t			 len, len2;
	struct stat		 st;
	int			 fd;

	snprintf(path, sizeof(path), "%s", fresh_name("restore"));
	snprintf(backup, sizeof(backup), "%s.backup", path);
	unlink(backup);
	add_event(path, "b1");
	store = store_open(path, err, sizeof(err));
	ck_assert_msg(store != NULL, "store_open: %s", err);
	ck_assert_int_ne(fd = open(backup, O_WRONLY | O_CREAT | O_EXCL, 0600),
	    -1);
	close(fd);
	ck_assert_int_eq(store_backup(store, backup, err, sizeof(err)), 0);
	store_close(store);
	add_event(path, "after-backup");

	/* Refused while someone (refuged) holds the lock: nothing changes. */
	ck_assert_ptr_nonnull(lock = store_lock(path, err, sizeof(err)));
	before = slurp(path, &len);
	ck_assert_int_eq(store_restore(path, backup, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "in use") != NULL && strstr(err,
	    "stop refuged") != NULL, "%s", err);
	after = slurp(path, &len2);
	ck_assert(len == len2 && memcmp(before, after, len) == 0);
	free(before);
	free(after);
	store_unlock(lock);

	/* A stale WAL of the old file must not be replayed into the new one. */
	snprintf(name, sizeof(name), "%s-wal", path);
	write_bytes(name, 0, "stale", 5, O_CREAT);
	ck_assert_int_eq(store_restore(path, backup, err, sizeof(err)), 0);
	ck_assert(!exists(name));
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(pragma_int_of(path, "SELECT count(*) FROM events "
	    "WHERE unit_event_id = 'b1'"), 1);
	ck_assert_int_eq(pragma_int_of(path, "SELECT count(*) FROM events "
	    "WHERE unit_event_id = 'after-backup'"), 0);

	/* A damaged backup is refused, and the database stays as it is. */
	remove_named(backup);
	make_full(backup, 10000);
	garbage(junk, sizeof(junk));
	write_bytes(backup, 262144, junk, sizeof(junk), 0);
	before = slurp(path, &len);
	ck_assert_int_eq(store_restore(path, backup, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "is damaged") != NULL, "%s", err);
	after = slurp(path, &len2);
	ck_assert(len == len2 && memcmp(before, after, len) == 0);
	free(before);
	free(after);
	remove_named(backup);
	remove_named(path);
}
END_TEST

START_TEST(restore_refuses_what_refuged_would)
{
	char		 path[96], source[128], name[160], err[512];
	sqlite3		*db;

	snprintf(path, sizeof(path), "%s", fresh_name("refusals"));
	snprintf(source, sizeof(source), "%s.source", path);
	remove_named(source);
	/* Empty, foreign, newer, and not refuge's at all. */
	write_bytes(source, 0, "", 0, O_CREAT);
	ck_assert_int_eq(store_restore(path, source, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "empty file") != NULL, "%s", err);
	write_bytes(source, 0, "not a database at all, not at all", 33, 0);
	ck_assert_int_eq(store_restore(path, source, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "not an SQLite database") != NULL, "%s", err);
	unlink(source);
	ck_assert_int_eq(sqlite3_open(source, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "CREATE TABLE x (y); "
	    "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	ck_assert_int_eq(store_restore(path, source, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "newer") != NULL, "%s", err);
	ck_assert_int_eq(sqlite3_open(source, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "PRAGMA user_version = 0", NULL, NULL,
	    NULL), SQLITE_OK);
	sqlite3_close(db);
	ck_assert_int_eq(store_restore(path, source, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "not a refuge database") != NULL, "%s", err);
	/* A database with its WAL beside it is in use, not a backup. */
	unlink(source);
	make_full(source, 1);
	snprintf(name, sizeof(name), "%s-wal", source);
	write_bytes(name, 0, "frames", 6, O_CREAT);
	ck_assert_int_eq(store_restore(path, source, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "write-ahead log") != NULL, "%s", err);
	/* Nothing was made where the database goes, no copy left behind. */
	ck_assert(!exists(path));
	remove_named(source);
	remove_named(path);
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
	tcase_add_test(tc, postgresql_url_chooses_postgresql);
	tcase_add_test(tc, commit_done_is_called_once_in_the_same_turn);
	tcase_add_test(tc, failed_commit_done_gets_minus_one_and_keeps_the_error);
	tcase_add_test(tc, readonly_write_error_survives_rollback);
	tcase_add_test(tc, missing_optional_operations_are_refused);
	tcase_add_test(tc, later_commit_failure_rolls_back_before_done);
	suite_add_tcase(s, tc);
	tc = tcase_create("integrity");
	tcase_add_test(tc, empty_file_is_refused_and_left_empty);
	tcase_add_test(tc, foreign_header_is_refused_and_left_unchanged);
	tcase_add_test(tc, newer_schema_is_refused_without_the_switch_to_wal);
	tcase_add_test(tc, new_database_is_0600_whatever_the_umask);
	tcase_add_test(tc, inspect_tells_an_unclean_stop);
	tcase_add_test(tc, quick_check_finds_garbage_in_the_middle);
	tcase_add_test(tc, quick_check_can_be_abandoned);
	tcase_add_test(tc, damaged_store_refuses_every_write);
	tcase_add_test(tc, lock_is_exclusive);
	tcase_add_test(tc, restore_puts_a_checked_backup_in_place);
	tcase_add_test(tc, restore_refuses_what_refuged_would);
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
