/* SQLite: the alarm stack's rows: alarms, attachments, notes, commands, tests, figures. */
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "refuge/store_backend.h"
#include "refuge/timenow.h"
#include "store_sqlite.h"

static int
store_sqlite_bind_text_or_null(sqlite3_stmt *stmt, int index, const char *text)
{
	return text != NULL ? sqlite3_bind_text(stmt, index, text, -1,
	    SQLITE_STATIC) : sqlite3_bind_null(stmt, index);
}

static int
store_sqlite_bind_ms_or_null(sqlite3_stmt *stmt, int index, int64_t ms)
{
	return ms >= 0 ? sqlite3_bind_int64(stmt, index, ms) :
	    sqlite3_bind_null(stmt, index);
}

int
store_sqlite_alarm_insert(void *be, struct alarm *alarm, int64_t event_id)
{
	struct store_sqlite	*sq = be;
	sqlite3_stmt		*stmt = sq->stmt[STMT_ALARM_INSERT];

	if (sqlite3_bind_int64(stmt, 1, event_id) ||
	    sqlite3_bind_text(stmt, 2, alarm->unit_id, -1, SQLITE_STATIC) ||
	    sqlite3_bind_text(stmt, 3, alarm->site_id, -1, SQLITE_STATIC) ||
	    sqlite3_bind_text(stmt, 4, evtype_name(alarm->type), -1,
	    SQLITE_STATIC) ||
	    sqlite3_bind_int(stmt, 5, alarm->priority) ||
	    sqlite3_bind_int64(stmt, 6, alarm->raised_ms) ||
	    sqlite3_bind_int(stmt, 7, alarm->count) ||
	    (alarm->id > 0 ? sqlite3_bind_int64(stmt, 8, alarm->id) :
	    sqlite3_bind_null(stmt, 8)))
		return store_sqlite_bind_failed(sq, STMT_ALARM_INSERT);
	if (store_sqlite_step_done(sq, STMT_ALARM_INSERT) == -1)
		return -1;
	alarm->id = sqlite3_last_insert_rowid(sq->db);
	return 0;
}

int
store_sqlite_alarm_max_id(void *be, int64_t *max_id)
{
	struct store_sqlite	*sq = be;
	int			 rc;

	if ((rc = store_sqlite_walk(sq, STMT_ALARM_MAX_ID)) != 1)
		return -1;
	*max_id = sqlite3_column_int64(sq->stmt[STMT_ALARM_MAX_ID], 0);
	store_sqlite_walk_end(sq, STMT_ALARM_MAX_ID);
	return 0;
}

int
store_sqlite_probe(void *be, int64_t now_ms)
{
	struct store_sqlite	*sq = be;

	if (sqlite3_bind_int64(sq->stmt[STMT_PROBE], 1, now_ms))
		return store_sqlite_bind_failed(sq, STMT_PROBE);
	return store_sqlite_step_done(sq, STMT_PROBE);
}

int
store_sqlite_alarm_attach(void *be, const struct alarm *alarm,
    int64_t event_id, int64_t restored_ms)
{
	struct store_sqlite	*sq = be;
	sqlite3_stmt		*update = sq->stmt[STMT_ALARM_ATTACH];
	sqlite3_stmt		*attach = sq->stmt[STMT_ALARM_ATTACH_EVENT];

	if (sqlite3_bind_int64(update, 1, alarm->id) ||
	    sqlite3_bind_int(update, 2, alarm->count) ||
	    store_sqlite_bind_ms_or_null(update, 3, restored_ms))
		return store_sqlite_bind_failed(sq, STMT_ALARM_ATTACH);
	if (store_sqlite_step_done(sq, STMT_ALARM_ATTACH) == -1)
		return -1;
	if (sqlite3_bind_int64(attach, 1, alarm->id) ||
	    sqlite3_bind_int64(attach, 2, event_id))
		return store_sqlite_bind_failed(sq, STMT_ALARM_ATTACH_EVENT);
	return store_sqlite_step_done(sq, STMT_ALARM_ATTACH_EVENT);
}

int
store_sqlite_alarm_save_claim(void *be, const struct alarm *alarm)
{
	struct store_sqlite	*sq = be;
	sqlite3_stmt		*stmt = sq->stmt[STMT_ALARM_CLAIM];
	int			 claimed = alarm->state == ALARM_CLAIMED;

	if (sqlite3_bind_int64(stmt, 1, alarm->id) ||
	    sqlite3_bind_text(stmt, 2, alarm_state_name(alarm->state), -1,
	    SQLITE_STATIC) ||
	    store_sqlite_bind_text_or_null(stmt, 3,
	    claimed ? alarm->claimed_by : NULL) ||
	    store_sqlite_bind_ms_or_null(stmt, 4,
	    claimed ? alarm->claimed_ms : -1) ||
	    store_sqlite_bind_ms_or_null(stmt, 5, alarm->first_claimed_ms))
		return store_sqlite_bind_failed(sq, STMT_ALARM_CLAIM);
	return store_sqlite_step_done(sq, STMT_ALARM_CLAIM);
}

int
store_sqlite_alarm_resolve(void *be, const struct alarm *alarm,
    const char *user, int64_t resolved_ms, const char *reason,
    const char *action, const char *note)
{
	struct store_sqlite	*sq = be;
	sqlite3_stmt		*stmt = sq->stmt[STMT_ALARM_RESOLVE];

	if (sqlite3_bind_int64(stmt, 1, alarm->id) ||
	    sqlite3_bind_text(stmt, 2, user, -1, SQLITE_STATIC) ||
	    sqlite3_bind_int64(stmt, 3, resolved_ms) ||
	    sqlite3_bind_text(stmt, 4, alarm_outcome_name(alarm->outcome), -1,
	    SQLITE_STATIC) ||
	    store_sqlite_bind_text_or_null(stmt, 5, reason) ||
	    store_sqlite_bind_text_or_null(stmt, 6, action) ||
	    store_sqlite_bind_text_or_null(stmt, 7, note))
		return store_sqlite_bind_failed(sq, STMT_ALARM_RESOLVE);
	return store_sqlite_step_done(sq, STMT_ALARM_RESOLVE);
}

int
store_sqlite_alarm_note(void *be, int64_t alarm_id, int64_t time_ms,
    const char *user, const char *text)
{
	struct store_sqlite	*sq = be;
	sqlite3_stmt		*stmt = sq->stmt[STMT_ALARM_NOTE];

	if (sqlite3_bind_int64(stmt, 1, alarm_id) ||
	    sqlite3_bind_int64(stmt, 2, time_ms) ||
	    sqlite3_bind_text(stmt, 3, user, -1, SQLITE_STATIC) ||
	    sqlite3_bind_text(stmt, 4, text, -1, SQLITE_STATIC))
		return store_sqlite_bind_failed(sq, STMT_ALARM_NOTE);
	return store_sqlite_step_done(sq, STMT_ALARM_NOTE);
}

int
store_sqlite_alarm_state(void *be, int64_t alarm_id,
    enum alarm_state *state)
{
	struct store_sqlite	*sq = be;
	sqlite3_stmt		*stmt = sq->stmt[STMT_ALARM_STATE];
	int			 rc, found = 0;

	if (sqlite3_bind_int64(stmt, 1, alarm_id))
		return store_sqlite_bind_failed(sq, STMT_ALARM_STATE);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		found = alarm_state_from_name(store_sqlite_text(stmt, 0),
		    state) == 0;
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? found : -1;
}

int
store_sqlite_alarms_open_each(void *be, store_alarm_fn *fn, void *arg)
{
	struct store_sqlite	*sq = be;
	sqlite3_stmt		*stmt = sq->stmt[STMT_ALARMS_OPEN];
	struct alarm		 alarm;
	int			 rc;

	while ((rc = store_sqlite_walk(sq, STMT_ALARMS_OPEN)) == 1) {
		memset(&alarm, 0, sizeof(alarm));
		alarm.id = sqlite3_column_int64(stmt, 0);
		snprintf(alarm.unit_id, sizeof(alarm.unit_id), "%s",
		    store_sqlite_text(stmt, 1));
		snprintf(alarm.site_id, sizeof(alarm.site_id), "%s",
		    store_sqlite_text(stmt, 2));
		if (evtype_from_name(store_sqlite_text(stmt, 3),
		    &alarm.type) == -1 ||
		    alarm_state_from_name(store_sqlite_text(stmt, 5),
		    &alarm.state) == -1)
			continue;
		alarm.priority = sqlite3_column_int(stmt, 4);
		alarm.raised_ms = sqlite3_column_int64(stmt, 6);
		alarm.count = sqlite3_column_int(stmt, 7);
		alarm.restored = sqlite3_column_int(stmt, 8);
		snprintf(alarm.claimed_by, sizeof(alarm.claimed_by), "%s",
		    store_sqlite_text(stmt, 9));
		alarm.claimed_ms = sqlite3_column_int64(stmt, 10);
		alarm.first_claimed_ms = sqlite3_column_int64(stmt, 11);
		alarm_detail(store_sqlite_text(stmt, 12), alarm.detail,
		    sizeof(alarm.detail));
		alarm.last_escalated_ms = -1;
		alarm.outcome = ALARM_OUTCOME_NONE;
		if (fn(&alarm, arg) == -1) {
			store_sqlite_walk_end(sq, STMT_ALARMS_OPEN);
			return -1;
		}
	}
	return rc;
}

int
store_sqlite_command_insert(void *be, const char *cmd_id,
    const char *unit_id, int64_t alarm_id, const char *user,
    const char *command, int64_t sent_ms)
{
	struct store_sqlite	*sq = be;
	sqlite3_stmt		*stmt = sq->stmt[STMT_COMMAND_INSERT];

	if (sqlite3_bind_text(stmt, 1, cmd_id, -1, SQLITE_STATIC) ||
	    sqlite3_bind_text(stmt, 2, unit_id, -1, SQLITE_STATIC) ||
	    (alarm_id > 0 ? sqlite3_bind_int64(stmt, 3, alarm_id) :
	    sqlite3_bind_null(stmt, 3)) ||
	    sqlite3_bind_text(stmt, 4, user, -1, SQLITE_STATIC) ||
	    sqlite3_bind_text(stmt, 5, command, -1, SQLITE_STATIC) ||
	    sqlite3_bind_int64(stmt, 6, sent_ms))
		return store_sqlite_bind_failed(sq, STMT_COMMAND_INSERT);
	return store_sqlite_step_done(sq, STMT_COMMAND_INSERT);
}

int
store_sqlite_command_result(void *be, const char *cmd_id,
    const char *result, const char *reason, int64_t done_ms)
{
	struct store_sqlite	*sq = be;
	sqlite3_stmt		*stmt = sq->stmt[STMT_COMMAND_RESULT];

	if (sqlite3_bind_text(stmt, 1, cmd_id, -1, SQLITE_STATIC) ||
	    sqlite3_bind_text(stmt, 2, result, -1, SQLITE_STATIC) ||
	    store_sqlite_bind_text_or_null(stmt, 3, reason) ||
	    sqlite3_bind_int64(stmt, 4, done_ms))
		return store_sqlite_bind_failed(sq, STMT_COMMAND_RESULT);
	return store_sqlite_step_done(sq, STMT_COMMAND_RESULT);
}

int
store_sqlite_test_set(void *be, const char *unit_id, int64_t until_ms,
    const char *user, int64_t now_ms)
{
	struct store_sqlite	*sq = be;
	sqlite3_stmt		*stmt = sq->stmt[STMT_TEST_SET];

	if (sqlite3_bind_text(stmt, 1, unit_id, -1, SQLITE_STATIC) ||
	    sqlite3_bind_int64(stmt, 2, until_ms) ||
	    sqlite3_bind_text(stmt, 3, user, -1, SQLITE_STATIC) ||
	    sqlite3_bind_int64(stmt, 4, now_ms))
		return store_sqlite_bind_failed(sq, STMT_TEST_SET);
	return store_sqlite_step_done(sq, STMT_TEST_SET);
}

int
store_sqlite_tests_each(void *be, store_test_fn *fn, void *arg)
{
	struct store_sqlite	*sq = be;
	sqlite3_stmt		*stmt = sq->stmt[STMT_TESTS_ALL];
	int			 rc;

	while ((rc = store_sqlite_walk(sq, STMT_TESTS_ALL)) == 1)
		if (fn(store_sqlite_text(stmt, 0),
		    sqlite3_column_int64(stmt, 1), arg) == -1) {
			store_sqlite_walk_end(sq, STMT_TESTS_ALL);
			return -1;
		}
	return rc;
}

int
store_sqlite_history_each(void *be, const char *unit_id, int count,
    store_history_fn *fn, void *arg)
{
	struct store_sqlite		*sq = be;
	sqlite3_stmt			*stmt = sq->stmt[STMT_HISTORY];
	struct store_history_event	 event;
	int				 rc;

	if (sqlite3_bind_text(stmt, 1, unit_id, -1, SQLITE_STATIC) ||
	    sqlite3_bind_int(stmt, 2, count))
		return store_sqlite_bind_failed(sq, STMT_HISTORY);
	while ((rc = store_sqlite_walk(sq, STMT_HISTORY)) == 1) {
		event.unit_event_id = store_sqlite_text(stmt, 0);
		event.type = store_sqlite_text(stmt, 1);
		event.source = store_sqlite_text(stmt, 2);
		event.received_ms = sqlite3_column_int64(stmt, 3);
		event.unit_time_ms = sqlite3_column_int64(stmt, 4);
		event.attributes = store_sqlite_text(stmt, 5);
		if (fn(&event, arg) == -1) {
			store_sqlite_walk_end(sq, STMT_HISTORY);
			return -1;
		}
	}
	return rc;
}

int
store_sqlite_stats_each(void *be, int64_t since_ms, int64_t until_ms,
    store_stats_fn *fn, void *arg)
{
	struct store_sqlite	*sq = be;
	sqlite3_stmt		*stmt = sq->stmt[STMT_STATS];
	struct stats_alarm	 alarm;
	const char		*outcome;
	int64_t			 as_of = timenow_wall_ms();
	int			 rc;

	if (until_ms >= 0 && until_ms < as_of)
		as_of = until_ms;
	if (sqlite3_bind_int64(stmt, 1, since_ms >= 0 ? since_ms : 0) ||
	    sqlite3_bind_int64(stmt, 2, until_ms >= 0 ? until_ms : INT64_MAX))
		return store_sqlite_bind_failed(sq, STMT_STATS);
	while ((rc = store_sqlite_walk(sq, STMT_STATS)) == 1) {
		memset(&alarm, 0, sizeof(alarm));
		alarm.site_id = store_sqlite_text(stmt, 0);
		alarm.unit_id = store_sqlite_text(stmt, 1);
		if (evtype_from_name(store_sqlite_text(stmt, 2),
		    &alarm.type) == -1)
			continue;
		outcome = store_sqlite_text(stmt, 3);
		if (alarm_outcome_from_name(outcome, &alarm.outcome) == -1)
			alarm.outcome = ALARM_OUTCOME_NONE;
		alarm.reason = store_sqlite_text(stmt, 4);
		alarm.raised_ms = sqlite3_column_int64(stmt, 5);
		alarm.first_claimed_ms = sqlite3_column_int64(stmt, 6);
		alarm.resolved_ms = sqlite3_column_int64(stmt, 7);
		alarm.as_of_ms = as_of;
		alarm.id = sqlite3_column_int64(stmt, 8);
		alarm.operator = store_sqlite_text(stmt, 9);
		alarm.note = store_sqlite_text(stmt, 10);
		if (fn(&alarm, arg) == -1) {
			store_sqlite_walk_end(sq, STMT_STATS);
			return -1;
		}
	}
	return rc;
}
