/*
 * SQLite: the record's reads (an alarm open or resolved, its events and
 * commands; SEARCH) and the handover notes. These run when an
 * operator asks, not per event, so each statement is prepared for its call
 * and finalised after it, keeping the connection's table of hot statements
 * (store_sqlite.c) as it is.
 */
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "refuge/store_backend.h"
#include "store_sqlite.h"

/* The columns store_sqlite_search_row reads, in order. */
#define STORE_SQLITE_RECORD_COLUMNS \
	"SELECT id, unit_id, site_id, type, priority, state, raised_ms, " \
	"count, coalesce(restored_ms, -1), coalesce(claimed_by, ''), " \
	"coalesce(claimed_ms, -1), coalesce(first_claimed_ms, -1), " \
	"coalesce(resolved_by, ''), coalesce(resolved_ms, -1), " \
	"coalesce(outcome, ''), coalesce(reason, ''), coalesce(action, ''), " \
	"coalesce(note, '') FROM alarms "

static const char store_sqlite_record_sql[] =
    STORE_SQLITE_RECORD_COLUMNS "WHERE id = ?1";
static const char store_sqlite_search_sql[] =
    STORE_SQLITE_RECORD_COLUMNS
    "WHERE (?1 IS NULL OR raised_ms >= ?1) AND (?2 IS NULL OR raised_ms < ?2) "
    "AND (?3 IS NULL OR unit_id = ?3) AND (?4 IS NULL OR site_id = ?4) "
    "AND (?5 IS NULL OR type = ?5) "
    "AND (?6 IS NULL OR (?6 = 'open' AND state <> 'resolved') OR "
    "(state = 'resolved' AND outcome = ?6)) "
    "AND (?7 IS NULL OR EXISTS (SELECT 1 FROM audit "
    "WHERE audit.alarm_id = alarms.id AND audit.user = ?7)) "
    "ORDER BY raised_ms DESC, id DESC LIMIT ?8";
static const char store_sqlite_events_sql[] =
    "SELECT unit_event_id, type, source, received_ms, "
    "coalesce(unit_time_ms, -1), attributes FROM events "
    "WHERE id = (SELECT event_id FROM alarms WHERE id = ?1) "
    "OR id IN (SELECT event_id FROM alarm_events WHERE alarm_id = ?1) "
    "ORDER BY received_ms, id";
static const char store_sqlite_commands_sql[] =
    "SELECT cmd_id, user, command, sent_ms, coalesce(result, ''), "
    "coalesce(reason, ''), coalesce(done_ms, -1) FROM unit_commands "
    "WHERE alarm_id = ?1 ORDER BY sent_ms, cmd_id";
static const char store_sqlite_handover_add_sql[] =
    "INSERT INTO handover (time_ms, user, text) VALUES (?1, ?2, ?3)";
static const char store_sqlite_handover_last_sql[] =
    "SELECT time_ms, user, text FROM handover ORDER BY id DESC LIMIT 1";

/* The statement for one call: NULL when it cannot be prepared (error(be) says why). */
static sqlite3_stmt *
store_sqlite_search_prepare(struct store_sqlite *sq, const char *sql)
{
	sqlite3_stmt	*stmt = NULL;

	if (sqlite3_prepare_v2(sq->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		sqlite3_finalize(stmt);
		return NULL;
	}
	return stmt;
}

/* Steps: 1 a row, 0 the end, -1 an error. */
static int
store_sqlite_search_step(sqlite3_stmt *stmt)
{
	int	rc = sqlite3_step(stmt);

	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : -1;
}

static int
store_sqlite_bind_opt(sqlite3_stmt *stmt, int index, const char *text)
{
	return text != NULL ? sqlite3_bind_text(stmt, index, text, -1,
	    SQLITE_STATIC) : sqlite3_bind_null(stmt, index);
}

/* One row of STORE_SQLITE_RECORD_COLUMNS; -1 for a row this build cannot read. */
static int
store_sqlite_search_row(sqlite3_stmt *stmt, struct store_alarm_record *r)
{
	struct alarm	*a = &r->alarm;

	memset(r, 0, sizeof(*r));
	a->id = sqlite3_column_int64(stmt, 0);
	snprintf(a->unit_id, sizeof(a->unit_id), "%s",
	    store_sqlite_text(stmt, 1));
	snprintf(a->site_id, sizeof(a->site_id), "%s",
	    store_sqlite_text(stmt, 2));
	if (evtype_from_name(store_sqlite_text(stmt, 3), &a->type) == -1 ||
	    alarm_state_from_name(store_sqlite_text(stmt, 5), &a->state) == -1)
		return -1;
	a->priority = sqlite3_column_int(stmt, 4);
	a->raised_ms = sqlite3_column_int64(stmt, 6);
	a->count = sqlite3_column_int(stmt, 7);
	r->restored_ms = sqlite3_column_int64(stmt, 8);
	a->restored = r->restored_ms >= 0;
	snprintf(a->claimed_by, sizeof(a->claimed_by), "%s",
	    store_sqlite_text(stmt, 9));
	a->claimed_ms = sqlite3_column_int64(stmt, 10);
	a->first_claimed_ms = sqlite3_column_int64(stmt, 11);
	a->last_escalated_ms = -1;
	r->resolved_by = store_sqlite_text(stmt, 12);
	r->resolved_ms = sqlite3_column_int64(stmt, 13);
	r->outcome = store_sqlite_text(stmt, 14);
	if (alarm_outcome_from_name(r->outcome, &a->outcome) == -1)
		a->outcome = ALARM_OUTCOME_NONE;
	r->reason = store_sqlite_text(stmt, 15);
	r->action = store_sqlite_text(stmt, 16);
	r->note = store_sqlite_text(stmt, 17);
	return 0;
}

/* Walks the record rows of a bound statement; returns the rows given to fn, or -1. */
static int
store_sqlite_search_records(sqlite3_stmt *stmt, store_record_fn *fn,
    void *arg)
{
	struct store_alarm_record	record;
	int				rc, rows = 0;

	while ((rc = store_sqlite_search_step(stmt)) == 1) {
		if (store_sqlite_search_row(stmt, &record) == -1)
			continue;
		rows++;
		if (fn(&record, arg) == -1)
			return -1;
	}
	return rc == -1 ? -1 : rows;
}

int
store_sqlite_alarm_record(void *be, int64_t alarm_id, store_record_fn *fn,
    void *arg)
{
	struct store_sqlite	*sq = be;
	sqlite3_stmt		*stmt;
	int			 rc;

	if ((stmt = store_sqlite_search_prepare(sq,
	    store_sqlite_record_sql)) == NULL)
		return -1;
	if (sqlite3_bind_int64(stmt, 1, alarm_id) != SQLITE_OK)
		rc = -1;
	else
		rc = store_sqlite_search_records(stmt, fn, arg);
	sqlite3_finalize(stmt);
	return rc == -1 ? -1 : rc > 0;
}

int
store_sqlite_alarms_search(void *be, const struct store_search *search,
    store_record_fn *fn, void *arg)
{
	struct store_sqlite	*sq = be;
	sqlite3_stmt		*stmt;
	int			 rc = -1;

	if ((stmt = store_sqlite_search_prepare(sq,
	    store_sqlite_search_sql)) == NULL)
		return -1;
	if ((search->since_ms >= 0 ? sqlite3_bind_int64(stmt, 1,
	    search->since_ms) : sqlite3_bind_null(stmt, 1)) == SQLITE_OK &&
	    (search->until_ms >= 0 ? sqlite3_bind_int64(stmt, 2,
	    search->until_ms) : sqlite3_bind_null(stmt, 2)) == SQLITE_OK &&
	    store_sqlite_bind_opt(stmt, 3, search->unit_id) == SQLITE_OK &&
	    store_sqlite_bind_opt(stmt, 4, search->site_id) == SQLITE_OK &&
	    store_sqlite_bind_opt(stmt, 5, search->type) == SQLITE_OK &&
	    store_sqlite_bind_opt(stmt, 6, search->outcome) == SQLITE_OK &&
	    store_sqlite_bind_opt(stmt, 7, search->user) == SQLITE_OK &&
	    sqlite3_bind_int(stmt, 8, search->limit) == SQLITE_OK)
		rc = store_sqlite_search_records(stmt, fn, arg);
	sqlite3_finalize(stmt);
	return rc == -1 ? -1 : 0;
}

int
store_sqlite_alarm_events_each(void *be, int64_t alarm_id,
    store_history_fn *fn, void *arg)
{
	struct store_sqlite		*sq = be;
	struct store_history_event	 event;
	sqlite3_stmt			*stmt;
	int				 rc = -1;

	if ((stmt = store_sqlite_search_prepare(sq,
	    store_sqlite_events_sql)) == NULL)
		return -1;
	if (sqlite3_bind_int64(stmt, 1, alarm_id) != SQLITE_OK)
		goto done;
	while ((rc = store_sqlite_search_step(stmt)) == 1) {
		event.unit_event_id = store_sqlite_text(stmt, 0);
		event.type = store_sqlite_text(stmt, 1);
		event.source = store_sqlite_text(stmt, 2);
		event.received_ms = sqlite3_column_int64(stmt, 3);
		event.unit_time_ms = sqlite3_column_int64(stmt, 4);
		event.attributes = store_sqlite_text(stmt, 5);
		if (fn(&event, arg) == -1) {
			rc = -1;
			break;
		}
	}
done:
	sqlite3_finalize(stmt);
	return rc == -1 ? -1 : 0;
}

int
store_sqlite_alarm_commands_each(void *be, int64_t alarm_id,
    store_command_fn *fn, void *arg)
{
	struct store_sqlite		*sq = be;
	struct store_command_record	 cmd;
	sqlite3_stmt			*stmt;
	int				 rc = -1;

	if ((stmt = store_sqlite_search_prepare(sq,
	    store_sqlite_commands_sql)) == NULL)
		return -1;
	if (sqlite3_bind_int64(stmt, 1, alarm_id) != SQLITE_OK)
		goto done;
	while ((rc = store_sqlite_search_step(stmt)) == 1) {
		cmd.cmd_id = store_sqlite_text(stmt, 0);
		cmd.user = store_sqlite_text(stmt, 1);
		cmd.command = store_sqlite_text(stmt, 2);
		cmd.sent_ms = sqlite3_column_int64(stmt, 3);
		cmd.result = store_sqlite_text(stmt, 4);
		cmd.reason = store_sqlite_text(stmt, 5);
		cmd.done_ms = sqlite3_column_int64(stmt, 6);
		if (fn(&cmd, arg) == -1) {
			rc = -1;
			break;
		}
	}
done:
	sqlite3_finalize(stmt);
	return rc == -1 ? -1 : 0;
}

int
store_sqlite_handover_add(void *be, int64_t time_ms, const char *user,
    const char *text)
{
	struct store_sqlite	*sq = be;
	sqlite3_stmt		*stmt;
	int			 rc = -1;

	if ((stmt = store_sqlite_search_prepare(sq,
	    store_sqlite_handover_add_sql)) == NULL)
		return -1;
	if (sqlite3_bind_int64(stmt, 1, time_ms) == SQLITE_OK &&
	    sqlite3_bind_text(stmt, 2, user, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_bind_text(stmt, 3, text, -1, SQLITE_STATIC) == SQLITE_OK &&
	    sqlite3_step(stmt) == SQLITE_DONE)
		rc = 0;
	sqlite3_finalize(stmt);
	return rc;
}

int
store_sqlite_handover_last(void *be, store_handover_fn *fn, void *arg)
{
	struct store_sqlite	*sq = be;
	sqlite3_stmt		*stmt;
	int			 rc;

	if ((stmt = store_sqlite_search_prepare(sq,
	    store_sqlite_handover_last_sql)) == NULL)
		return -1;
	if ((rc = store_sqlite_search_step(stmt)) == 1 &&
	    fn(sqlite3_column_int64(stmt, 0), store_sqlite_text(stmt, 1),
	    store_sqlite_text(stmt, 2), arg) == -1)
		rc = -1;
	sqlite3_finalize(stmt);
	return rc;
}
