/* The SQLite store: every statement is prepared once at open. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "refuge/store.h"
#include "store_internal.h"

#define STORE_WRITER_BUSY_MS	50
#define STORE_READER_BUSY_MS	5000

extern const char *const	store_migrations[];
extern const size_t		store_migration_count;

static const char *const store_sql[STMT_COUNT] = {
	[STMT_BEGIN] = "BEGIN IMMEDIATE",
	[STMT_COMMIT] = "COMMIT",
	[STMT_ROLLBACK] = "ROLLBACK",
	[STMT_EVENT_INSERT] =
	    "INSERT OR IGNORE INTO events (unit_id, unit_event_id, type, "
	    "priority, source, unit_time_ms, received_ms, attributes) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[STMT_UNIT_STATE] =
	    "INSERT INTO units (id, state, last_seen_ms) VALUES (?1, ?2, ?3) "
	    "ON CONFLICT (id) DO UPDATE SET state = ?2, "
	    "last_seen_ms = coalesce(?3, last_seen_ms)",
	[STMT_UNIT_SEEN] =
	    "INSERT INTO units (id, last_seen_ms) VALUES (?1, ?2) "
	    "ON CONFLICT (id) DO UPDATE SET last_seen_ms = ?2",
	[STMT_UNIT_FIRMWARE] =
	    "INSERT INTO units (id, firmware) VALUES (?1, ?2) "
	    "ON CONFLICT (id) DO UPDATE SET firmware = ?2",
	[STMT_UNIT_ATTRIBUTES] =
	    "INSERT INTO units (id, attributes) VALUES (?1, ?2) "
	    "ON CONFLICT (id) DO UPDATE SET attributes = ?2",
	[STMT_UNITS_ALL] = "SELECT id, state, coalesce(last_seen_ms, -1) FROM units",
	[STMT_ALARM_INSERT] =
	    "INSERT INTO alarms (event_id, unit_id, site_id, type, priority, "
	    "state, raised_ms, count) VALUES (?1, ?2, ?3, ?4, ?5, 'queued', ?6, ?7)",
	[STMT_ALARM_ATTACH] =
	    "UPDATE alarms SET count = ?2, "
	    "restored_ms = coalesce(?3, restored_ms) WHERE id = ?1",
	[STMT_ALARM_ATTACH_EVENT] =
	    "INSERT OR IGNORE INTO alarm_events (alarm_id, event_id) VALUES (?1, ?2)",
	[STMT_ALARM_CLAIM] =
	    "UPDATE alarms SET state = ?2, claimed_by = ?3, claimed_ms = ?4, "
	    "first_claimed_ms = ?5 WHERE id = ?1",
	[STMT_ALARM_RESOLVE] =
	    "UPDATE alarms SET state = 'resolved', resolved_by = ?2, "
	    "resolved_ms = ?3, outcome = ?4, reason = ?5, action = ?6, note = ?7, "
	    "claimed_by = NULL WHERE id = ?1",
	[STMT_ALARM_NOTE] =
	    "INSERT INTO alarm_notes (alarm_id, time_ms, user, text) "
	    "VALUES (?1, ?2, ?3, ?4)",
	[STMT_ALARM_STATE] = "SELECT state FROM alarms WHERE id = ?1",
	[STMT_ALARMS_OPEN] =
	    "SELECT id, unit_id, site_id, type, priority, state, raised_ms, count, "
	    "restored_ms IS NOT NULL, coalesce(claimed_by, ''), "
	    "coalesce(claimed_ms, -1), coalesce(first_claimed_ms, -1) "
	    "FROM alarms WHERE state <> 'resolved' ORDER BY id",
	[STMT_COMMAND_INSERT] =
	    "INSERT INTO unit_commands (cmd_id, unit_id, alarm_id, user, command, "
	    "sent_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[STMT_COMMAND_RESULT] =
	    "UPDATE unit_commands SET result = ?2, reason = ?3, done_ms = ?4 "
	    "WHERE cmd_id = ?1",
	[STMT_TEST_SET] =
	    "INSERT INTO unit_tests (unit_id, until_ms, set_by, set_ms) "
	    "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (unit_id) DO UPDATE SET "
	    "until_ms = ?2, set_by = ?3, set_ms = ?4",
	[STMT_TESTS_ALL] = "SELECT unit_id, until_ms FROM unit_tests",
	[STMT_HISTORY] =
	    "SELECT unit_event_id, type, source, received_ms, "
	    "coalesce(unit_time_ms, -1), attributes FROM events "
	    "WHERE unit_id = ?1 ORDER BY received_ms DESC, id DESC LIMIT ?2",
	[STMT_STATS] =
	    "SELECT site_id, unit_id, type, coalesce(outcome, ''), "
	    "coalesce(reason, action, ''), raised_ms, "
	    "coalesce(first_claimed_ms, -1), coalesce(resolved_ms, -1) "
	    "FROM alarms WHERE raised_ms >= ?1 AND raised_ms < ?2 ORDER BY id",
	[STMT_AUDIT_LAST] = "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1",
	[STMT_AUDIT_INSERT] =
	    "INSERT INTO audit (id, time_ms, user, alarm_id, action, detail, "
	    "prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[STMT_AUDIT_ALL] =
	    "SELECT id, time_ms, user, alarm_id, action, detail, prev_hash, hash "
	    "FROM audit ORDER BY id",
};

static int
store_exec(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
	char	*message = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &message) != SQLITE_OK) {
		snprintf(err, errlen, "%s", message ? message : sqlite3_errmsg(db));
		sqlite3_free(message);
		return -1;
	}
	return 0;
}

static int
store_migrate(sqlite3 *db, char *err, size_t errlen)
{
	sqlite3_stmt	*stmt;
	char		 sql[64];
	int		 version;
	size_t		 i;

	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, NULL) !=
	    SQLITE_OK || sqlite3_step(stmt) != SQLITE_ROW) {
		snprintf(err, errlen, "reading schema version: %s",
		    sqlite3_errmsg(db));
		sqlite3_finalize(stmt);
		return -1;
	}
	version = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	if (version < 0 || (size_t)version > store_migration_count) {
		snprintf(err, errlen, "database schema version %d is newer than "
		    "this refuge (%zu)", version, store_migration_count);
		return -1;
	}
	for (i = (size_t)version; i < store_migration_count; i++) {
		if (store_exec(db, "BEGIN IMMEDIATE", err, errlen) == -1)
			return -1;
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %zu", i + 1);
		if (store_exec(db, store_migrations[i], err, errlen) == -1 ||
		    store_exec(db, sql, err, errlen) == -1 ||
		    store_exec(db, "COMMIT", err, errlen) == -1) {
			store_exec(db, "ROLLBACK", sql, sizeof(sql));
			return -1;
		}
	}
	return 0;
}

static struct store *
store_open_mode(const char *path, int readonly, char *err, size_t errlen)
{
	struct store	*store;
	sqlite3_stmt	*stmt = NULL;
	char		 reason[512];
	int		 i, version;

	if ((store = calloc(1, sizeof(*store))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (sqlite3_open_v2(path, &store->db, (readonly ? SQLITE_OPEN_READONLY :
	    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX,
	    NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, store->db ?
		    sqlite3_errmsg(store->db) : "out of memory");
		goto fail;
	}
	sqlite3_extended_result_codes(store->db, 1);
	/*
	 * The daemon's loop must not stall behind another writer: it gives up
	 * quickly, acknowledges nothing, and retries. A reader beside it may wait.
	 */
	sqlite3_busy_timeout(store->db, readonly ? STORE_READER_BUSY_MS :
	    STORE_WRITER_BUSY_MS);
	if (readonly) {
		if (sqlite3_prepare_v2(store->db, "PRAGMA user_version", -1, &stmt,
		    NULL) != SQLITE_OK || sqlite3_step(stmt) != SQLITE_ROW) {
			snprintf(err, errlen, "%s: %s", path,
			    sqlite3_errmsg(store->db));
			goto fail;
		}
		version = sqlite3_column_int(stmt, 0);
		sqlite3_finalize(stmt);
		stmt = NULL;
		if (version != (int)store_migration_count) {
			snprintf(err, errlen, "%s: schema version %d, this refuge "
			    "reads %zu", path, version, store_migration_count);
			goto fail;
		}
	/* WAL with synchronous=FULL: a commit that returned is on disk. */
	} else if (store_exec(store->db, "PRAGMA journal_mode = WAL", reason,
	    sizeof(reason)) == -1 ||
	    store_exec(store->db, "PRAGMA synchronous = FULL", reason,
	    sizeof(reason)) == -1 ||
	    store_exec(store->db, "PRAGMA foreign_keys = ON", reason,
	    sizeof(reason)) == -1 ||
	    store_migrate(store->db, reason, sizeof(reason)) == -1) {
		snprintf(err, errlen, "%s: %s", path, reason);
		goto fail;
	}
	for (i = 0; i < STMT_COUNT; i++) {
		if (sqlite3_prepare_v3(store->db, store_sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &store->stmt[i], NULL) != SQLITE_OK) {
			snprintf(err, errlen, "%s: preparing statement %d: %s",
			    path, i, sqlite3_errmsg(store->db));
			goto fail;
		}
	}
	if (store_audit_load_tail(store) == -1) {
		snprintf(err, errlen, "%s: reading audit chain: %s", path,
		    sqlite3_errmsg(store->db));
		goto fail;
	}
	return store;
fail:
	sqlite3_finalize(stmt);
	store_close(store);
	return NULL;
}

struct store *
store_open(const char *path, char *err, size_t errlen)
{
	return store_open_mode(path, 0, err, errlen);
}

struct store *
store_open_readonly(const char *path, char *err, size_t errlen)
{
	return store_open_mode(path, 1, err, errlen);
}

int
store_backup(struct store *store, const char *dest, char *err, size_t errlen)
{
	sqlite3_backup	*backup;
	sqlite3		*copy;
	int		 rc;

	if (sqlite3_open_v2(dest, &copy, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", dest, copy ? sqlite3_errmsg(copy) :
		    "out of memory");
		sqlite3_close(copy);
		return -1;
	}
	if ((backup = sqlite3_backup_init(copy, "main", store->db, "main")) ==
	    NULL) {
		snprintf(err, errlen, "%s: %s", dest, sqlite3_errmsg(copy));
		sqlite3_close(copy);
		return -1;
	}
	/* Small steps let refuged keep writing; a step restarts if it did. */
	while ((rc = sqlite3_backup_step(backup, 256)) == SQLITE_OK ||
	    rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
		sqlite3_sleep(5);
	sqlite3_backup_finish(backup);
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "%s: %s", dest, sqlite3_errstr(rc));
		sqlite3_close(copy);
		return -1;
	}
	if (sqlite3_close(copy) != SQLITE_OK) {
		snprintf(err, errlen, "%s: closing failed", dest);
		return -1;
	}
	return 0;
}

void
store_close(struct store *store)
{
	int	i;

	if (store == NULL)
		return;
	for (i = 0; i < STMT_COUNT; i++)
		sqlite3_finalize(store->stmt[i]);
	sqlite3_close(store->db);
	free(store);
}

const char *
store_error(struct store *store)
{
	return sqlite3_errmsg(store->db);
}

int
store_step_done(struct store *store, enum store_statement which)
{
	sqlite3_stmt	*stmt = store->stmt[which];
	int		 rc;

	rc = sqlite3_step(stmt);
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
store_begin(struct store *store)
{
	return store_step_done(store, STMT_BEGIN);
}

int
store_commit(struct store *store, store_done_fn *done, void *arg)
{
	int	rc = store_step_done(store, STMT_COMMIT);

	if (done == NULL)
		return rc;
	/* TODO(store backends): keep the commit's error text across the rollback. */
	if (rc == -1)
		store_rollback(store);
	done(rc, arg);
	return 0;
}

void
store_rollback(struct store *store)
{
	if (!sqlite3_get_autocommit(store->db))
		(void)store_step_done(store, STMT_ROLLBACK);
	/* The chain's tail in memory may name a row that was rolled back. */
	(void)store_audit_load_tail(store);
}

int
store_bind_failed(struct store *store, enum store_statement which)
{
	sqlite3_reset(store->stmt[which]);
	sqlite3_clear_bindings(store->stmt[which]);
	return -1;
}

int
store_walk(struct store *store, enum store_statement which)
{
	int	rc = sqlite3_step(store->stmt[which]);

	if (rc == SQLITE_ROW)
		return 1;
	store_walk_end(store, which);
	return rc == SQLITE_DONE ? 0 : -1;
}

void
store_walk_end(struct store *store, enum store_statement which)
{
	sqlite3_reset(store->stmt[which]);
	sqlite3_clear_bindings(store->stmt[which]);
}

const char *
store_column_text(sqlite3_stmt *stmt, int column)
{
	const char	*text = (const char *)sqlite3_column_text(stmt, column);

	return text != NULL ? text : "";
}

int
store_event_insert(struct store *store, const struct store_event *event,
    int *inserted, int64_t *row_id)
{
	sqlite3_stmt	*stmt = store->stmt[STMT_EVENT_INSERT];

	if (sqlite3_bind_text(stmt, 1, event->unit_id, -1, SQLITE_STATIC) ||
	    sqlite3_bind_text(stmt, 2, event->unit_event_id, -1, SQLITE_STATIC) ||
	    sqlite3_bind_text(stmt, 3, evtype_name(event->type), -1,
	    SQLITE_STATIC) ||
	    sqlite3_bind_int(stmt, 4, event->priority) ||
	    sqlite3_bind_text(stmt, 5, event->from_receiver ? "receiver" : "unit",
	    -1, SQLITE_STATIC) ||
	    (event->unit_time_ms >= 0 ?
	    sqlite3_bind_int64(stmt, 6, event->unit_time_ms) :
	    sqlite3_bind_null(stmt, 6)) ||
	    sqlite3_bind_int64(stmt, 7, event->received_ms) ||
	    sqlite3_bind_text(stmt, 8, event->attributes ? event->attributes : "",
	    -1, SQLITE_STATIC)) {
		sqlite3_reset(stmt);
		sqlite3_clear_bindings(stmt);
		return -1;
	}
	if (store_step_done(store, STMT_EVENT_INSERT) == -1)
		return -1;
	*inserted = sqlite3_changes(store->db) > 0;
	if (row_id != NULL)
		*row_id = *inserted ? sqlite3_last_insert_rowid(store->db) : 0;
	return 0;
}

int
store_unit_set_state(struct store *store, const char *unit_id,
    enum store_unit_state state, int64_t last_seen_ms)
{
	sqlite3_stmt	*stmt = store->stmt[STMT_UNIT_STATE];

	if (sqlite3_bind_text(stmt, 1, unit_id, -1, SQLITE_STATIC) ||
	    sqlite3_bind_text(stmt, 2, store_unit_state_name(state), -1,
	    SQLITE_STATIC) ||
	    (last_seen_ms >= 0 ? sqlite3_bind_int64(stmt, 3, last_seen_ms) :
	    sqlite3_bind_null(stmt, 3))) {
		sqlite3_reset(stmt);
		return -1;
	}
	return store_step_done(store, STMT_UNIT_STATE);
}

static int
store_unit_set_text(struct store *store, enum store_statement which,
    const char *unit_id, const char *text)
{
	sqlite3_stmt	*stmt = store->stmt[which];

	if (sqlite3_bind_text(stmt, 1, unit_id, -1, SQLITE_STATIC) ||
	    (text != NULL ? sqlite3_bind_text(stmt, 2, text, -1, SQLITE_STATIC) :
	    sqlite3_bind_null(stmt, 2))) {
		sqlite3_reset(stmt);
		return -1;
	}
	return store_step_done(store, which);
}

int
store_unit_set_seen(struct store *store, const char *unit_id,
    int64_t last_seen_ms)
{
	sqlite3_stmt	*stmt = store->stmt[STMT_UNIT_SEEN];

	if (sqlite3_bind_text(stmt, 1, unit_id, -1, SQLITE_STATIC) ||
	    sqlite3_bind_int64(stmt, 2, last_seen_ms)) {
		sqlite3_reset(stmt);
		return -1;
	}
	return store_step_done(store, STMT_UNIT_SEEN);
}

int
store_unit_set_firmware(struct store *store, const char *unit_id,
    const char *firmware)
{
	return store_unit_set_text(store, STMT_UNIT_FIRMWARE, unit_id, firmware);
}

int
store_unit_set_attributes(struct store *store, const char *unit_id,
    const char *attributes)
{
	return store_unit_set_text(store, STMT_UNIT_ATTRIBUTES, unit_id,
	    attributes);
}

int
store_units_each(struct store *store, int (*fn)(const char *,
    enum store_unit_state, int64_t, void *), void *arg)
{
	sqlite3_stmt		*stmt = store->stmt[STMT_UNITS_ALL];
	const char		*state;
	enum store_unit_state	 value;
	int			 rc;

	while ((rc = store_walk(store, STMT_UNITS_ALL)) == 1) {
		state = (const char *)sqlite3_column_text(stmt, 1);
		if (state != NULL && strcmp(state, "online") == 0)
			value = STORE_UNIT_ONLINE;
		else if (state != NULL && strcmp(state, "offline") == 0)
			value = STORE_UNIT_OFFLINE;
		else
			value = STORE_UNIT_UNKNOWN;
		if (fn((const char *)sqlite3_column_text(stmt, 0), value,
		    sqlite3_column_int64(stmt, 2), arg) == -1) {
			store_walk_end(store, STMT_UNITS_ALL);
			return -1;
		}
	}
	return rc;
}

const char *
store_unit_state_name(enum store_unit_state state)
{
	switch (state) {
	case STORE_UNIT_ONLINE:
		return "online";
	case STORE_UNIT_OFFLINE:
		return "offline";
	default:
		return "unknown";
	}
}
