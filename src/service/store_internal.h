/* Shared by the store's files only: the connection and its prepared statements. */
#ifndef REFUGE_STORE_INTERNAL_H
#define REFUGE_STORE_INTERNAL_H

#include <sqlite3.h>

#include "refuge/audit.h"

enum store_statement {
	STMT_BEGIN,
	STMT_COMMIT,
	STMT_ROLLBACK,
	STMT_EVENT_INSERT,
	STMT_UNIT_STATE,
	STMT_UNIT_SEEN,
	STMT_UNIT_FIRMWARE,
	STMT_UNIT_ATTRIBUTES,
	STMT_UNITS_ALL,
	STMT_ALARM_INSERT,
	STMT_ALARM_ATTACH,
	STMT_ALARM_ATTACH_EVENT,
	STMT_ALARM_CLAIM,
	STMT_ALARM_RESOLVE,
	STMT_ALARM_NOTE,
	STMT_ALARMS_OPEN,
	STMT_ALARM_STATE,
	STMT_COMMAND_INSERT,
	STMT_COMMAND_RESULT,
	STMT_TEST_SET,
	STMT_TESTS_ALL,
	STMT_HISTORY,
	STMT_STATS,
	STMT_AUDIT_LAST,
	STMT_AUDIT_INSERT,
	STMT_AUDIT_ALL,
	STMT_COUNT
};

struct store {
	sqlite3		*db;
	sqlite3_stmt	*stmt[STMT_COUNT];
	int64_t		 audit_last_id;
	char		 audit_last_hash[AUDIT_HASH_HEX];
};

/* Steps a statement that returns no rows, then resets it. Returns 0 or -1. */
int	store_step_done(struct store *, enum store_statement);
/* Resets and clears a statement after a failed bind; returns -1. */
int	store_bind_failed(struct store *, enum store_statement);
/*
 * Steps a statement that returns rows: 1 with a row, 0 at the end, -1 on an
 * error; at 0 or -1 the statement is reset for its next use. A walk that stops
 * early calls store_walk_end.
 */
int	store_walk(struct store *, enum store_statement);
void	store_walk_end(struct store *, enum store_statement);
/* Reloads the audit chain's tail after a rollback or at open. */
int	store_audit_load_tail(struct store *);
const char *store_column_text(sqlite3_stmt *, int column);

#endif
