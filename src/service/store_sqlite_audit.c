/* SQLite: the audit table's rows, stored and read back as given (the facade chains them). */
#include <string.h>

#include <sqlite3.h>

#include "refuge/store_backend.h"
#include "store_sqlite.h"

int
store_sqlite_audit_insert(void *be, const struct store_audit_record *row)
{
	struct store_sqlite	*sq = be;
	sqlite3_stmt		*stmt = sq->stmt[STMT_AUDIT_INSERT];

	if (sqlite3_bind_int64(stmt, 1, row->id) ||
	    sqlite3_bind_int64(stmt, 2, row->time_ms) ||
	    sqlite3_bind_text(stmt, 3, row->user, -1, SQLITE_STATIC) ||
	    sqlite3_bind_int64(stmt, 4, row->alarm_id) ||
	    sqlite3_bind_text(stmt, 5, row->action, -1, SQLITE_STATIC) ||
	    sqlite3_bind_text(stmt, 6, row->detail, -1, SQLITE_STATIC) ||
	    sqlite3_bind_text(stmt, 7, row->prev_hash, -1, SQLITE_STATIC) ||
	    sqlite3_bind_text(stmt, 8, row->hash, -1, SQLITE_STATIC))
		return store_sqlite_bind_failed(sq, STMT_AUDIT_INSERT);
	return store_sqlite_step_done(sq, STMT_AUDIT_INSERT);
}

/* One audit row of a statement whose columns are those of STMT_AUDIT_ALL. */
static void
store_sqlite_audit_record(sqlite3_stmt *stmt, struct store_audit_record *row)
{
	memset(row, 0, sizeof(*row));
	row->id = sqlite3_column_int64(stmt, 0);
	row->time_ms = sqlite3_column_int64(stmt, 1);
	row->user = store_sqlite_text(stmt, 2);
	row->alarm_id = sqlite3_column_int64(stmt, 3);
	row->action = store_sqlite_text(stmt, 4);
	row->detail = store_sqlite_text(stmt, 5);
	row->prev_hash = store_sqlite_text(stmt, 6);
	row->hash = store_sqlite_text(stmt, 7);
}

static int
store_sqlite_audit_walk(struct store_sqlite *sq,
    enum store_sqlite_statement which, store_audit_record_fn *fn, void *arg)
{
	struct store_audit_record	 row;
	int				 rc;

	while ((rc = store_sqlite_walk(sq, which)) == 1) {
		store_sqlite_audit_record(sq->stmt[which], &row);
		if (fn(&row, arg) == -1) {
			store_sqlite_walk_end(sq, which);
			return -1;
		}
	}
	return rc;
}

int
store_sqlite_audit_each(void *be, store_audit_record_fn *fn, void *arg)
{
	return store_sqlite_audit_walk(be, STMT_AUDIT_ALL, fn, arg);
}

int
store_sqlite_audit_last(void *be, store_audit_record_fn *fn, void *arg)
{
	return store_sqlite_audit_walk(be, STMT_AUDIT_LAST, fn, arg);
}

int
store_sqlite_audit_alarm(void *be, int64_t alarm_id, store_audit_record_fn *fn,
    void *arg)
{
	struct store_sqlite	*sq = be;

	if (sqlite3_bind_int64(sq->stmt[STMT_AUDIT_ALARM], 1, alarm_id))
		return store_sqlite_bind_failed(sq, STMT_AUDIT_ALARM);
	return store_sqlite_audit_walk(sq, STMT_AUDIT_ALARM, fn, arg);
}
