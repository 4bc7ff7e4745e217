/* The audit table: rows appended with their place in the hash chain. */
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "refuge/store.h"
#include "store_internal.h"

int
store_audit_load_tail(struct store *store)
{
	sqlite3_stmt	*stmt = store->stmt[STMT_AUDIT_LAST];
	int		 rc;

	store->audit_last_id = 0;
	store->audit_last_hash[0] = '\0';
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		store->audit_last_id = sqlite3_column_int64(stmt, 0);
		snprintf(store->audit_last_hash, sizeof(store->audit_last_hash),
		    "%s", store_column_text(stmt, 1));
	}
	sqlite3_reset(stmt);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int
store_audit_append(struct store *store, int64_t time_ms, const char *user,
    int64_t alarm_id, const char *action, const char *detail)
{
	sqlite3_stmt		*stmt = store->stmt[STMT_AUDIT_INSERT];
	struct audit_row	 row;

	memset(&row, 0, sizeof(row));
	row.id = store->audit_last_id + 1;
	row.time_ms = time_ms;
	row.user = user;
	row.alarm_id = alarm_id;
	row.action = action;
	row.detail = detail;
	memcpy(row.prev_hash, store->audit_last_hash, sizeof(row.prev_hash));
	if (audit_hash(&row) == -1)
		return -1;
	if (sqlite3_bind_int64(stmt, 1, row.id) ||
	    sqlite3_bind_int64(stmt, 2, row.time_ms) ||
	    sqlite3_bind_text(stmt, 3, user, -1, SQLITE_STATIC) ||
	    sqlite3_bind_int64(stmt, 4, alarm_id) ||
	    sqlite3_bind_text(stmt, 5, action, -1, SQLITE_STATIC) ||
	    sqlite3_bind_text(stmt, 6, detail, -1, SQLITE_STATIC) ||
	    sqlite3_bind_text(stmt, 7, row.prev_hash, -1, SQLITE_STATIC) ||
	    sqlite3_bind_text(stmt, 8, row.hash, -1, SQLITE_STATIC))
		return store_bind_failed(store, STMT_AUDIT_INSERT);
	if (store_step_done(store, STMT_AUDIT_INSERT) == -1)
		return -1;
	store->audit_last_id = row.id;
	memcpy(store->audit_last_hash, row.hash, sizeof(row.hash));
	return 0;
}

int
store_audit_each(struct store *store,
    int (*fn)(const struct audit_row *, void *), void *arg)
{
	sqlite3_stmt		*stmt = store->stmt[STMT_AUDIT_ALL];
	struct audit_row	 row;
	int			 rc;

	while ((rc = store_walk(store, STMT_AUDIT_ALL)) == 1) {
		memset(&row, 0, sizeof(row));
		row.id = sqlite3_column_int64(stmt, 0);
		row.time_ms = sqlite3_column_int64(stmt, 1);
		row.user = store_column_text(stmt, 2);
		row.alarm_id = sqlite3_column_int64(stmt, 3);
		row.action = store_column_text(stmt, 4);
		row.detail = store_column_text(stmt, 5);
		/* A hash edited longer must not verify by being cut to size. */
		if (strlen(store_column_text(stmt, 6)) >= sizeof(row.prev_hash) ||
		    strlen(store_column_text(stmt, 7)) >= sizeof(row.hash))
			snprintf(row.hash, sizeof(row.hash), "(too long)");
		else {
			snprintf(row.prev_hash, sizeof(row.prev_hash), "%s",
			    store_column_text(stmt, 6));
			snprintf(row.hash, sizeof(row.hash), "%s",
			    store_column_text(stmt, 7));
		}
		if (fn(&row, arg) == -1) {
			store_walk_end(store, STMT_AUDIT_ALL);
			return -1;
		}
	}
	return rc;
}
