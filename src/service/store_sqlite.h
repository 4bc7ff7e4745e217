/* The SQLite backend's files only: the connection and its prepared statements. */
#ifndef REFUGE_STORE_SQLITE_H
#define REFUGE_STORE_SQLITE_H

#include <sqlite3.h>

#include "refuge/store_backend.h"

/* What every refusal of a database file tells the admin to do. */
#define STORE_SQLITE_RESTORE_HINT \
	"restore the latest backup with \"refugectl restore FILE\""

enum store_sqlite_statement {
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
	STMT_ALARM_MAX_ID,
	STMT_PROBE,
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
	STMT_AUDIT_ALARM,
	STMT_RUN_START,
	STMT_RUN_STOP,
	STMT_COUNT
};

struct store_sqlite_seal;

/* The backend's "be": one connection. */
struct store_sqlite {
	sqlite3				*db;
	sqlite3_stmt			*stmt[STMT_COUNT];
	struct store_sqlite_seal	*seal;		/* NULL when read-only */
	char				 seal_error[256];	/* "": none */
};

/* Steps a statement that returns no rows, then resets it. Returns 0 or -1. */
int	store_sqlite_step_done(struct store_sqlite *,
	    enum store_sqlite_statement);
/* Resets and clears a statement after a failed bind; returns -1. */
int	store_sqlite_bind_failed(struct store_sqlite *,
	    enum store_sqlite_statement);
/*
 * Steps a statement that returns rows: 1 with a row, 0 at the end, -1 on an
 * error; at 0 or -1 the statement is reset for its next use. A walk that stops
 * early calls store_sqlite_walk_end.
 */
int	store_sqlite_walk(struct store_sqlite *, enum store_sqlite_statement);
void	store_sqlite_walk_end(struct store_sqlite *,
	    enum store_sqlite_statement);
const char *store_sqlite_text(sqlite3_stmt *, int column);

/* store_sqlite_alarms.c */
int	store_sqlite_alarm_insert(void *, struct alarm *, int64_t event_id);
int	store_sqlite_alarm_attach(void *, const struct alarm *,
	    int64_t event_id, int64_t restored_ms);
int	store_sqlite_alarm_save_claim(void *, const struct alarm *);
int	store_sqlite_alarm_resolve(void *, const struct alarm *,
	    const char *user, int64_t resolved_ms, const char *reason,
	    const char *action, const char *note);
int	store_sqlite_alarm_note(void *, int64_t alarm_id, int64_t time_ms,
	    const char *user, const char *text);
int	store_sqlite_alarm_state(void *, int64_t alarm_id, enum alarm_state *);
int	store_sqlite_alarms_open_each(void *, store_alarm_fn *, void *arg);
int	store_sqlite_alarm_max_id(void *, int64_t *);
int	store_sqlite_probe(void *, int64_t);
int	store_sqlite_command_insert(void *, const char *cmd_id,
	    const char *unit_id, int64_t alarm_id, const char *user,
	    const char *command, int64_t sent_ms);
int	store_sqlite_command_result(void *, const char *cmd_id,
	    const char *result, const char *reason, int64_t done_ms);
int	store_sqlite_test_set(void *, const char *unit_id, int64_t until_ms,
	    const char *user, int64_t now_ms);
int	store_sqlite_tests_each(void *, store_test_fn *, void *arg);
int	store_sqlite_history_each(void *, const char *unit_id, int count,
	    store_history_fn *, void *arg);
int	store_sqlite_stats_each(void *, int64_t since_ms, int64_t until_ms,
	    store_stats_fn *, void *arg);

/* store_sqlite_seal.c: rows sealed into the audit chain (005-seal.sql). */
int	store_sqlite_seal_init(struct store_sqlite *, char *err, size_t errlen);
void	store_sqlite_seal_free(struct store_sqlite *);
/* Forgets the rows written since the last seal (a rollback, a begin). */
void	store_sqlite_seal_forget(struct store_sqlite *);
int	store_sqlite_seal(void *, int64_t audit_id, size_t *entries,
	    char digest[65]);
int	store_sqlite_seal_anchor(void *, int64_t audit_id, size_t *entries,
	    char digest[65]);
int	store_sqlite_seal_verify(void *, char *problem, size_t len,
	    size_t *rows);
/* The sealed tables and their columns, and a row's digest (32 bytes) as
 * sealed, from a statement selecting rowid and those columns. */
size_t	 store_sqlite_seal_table_count(void);
const char *store_sqlite_seal_table_name(size_t);
const char *store_sqlite_seal_table_columns(size_t);
int	 store_sqlite_seal_row_digest(sqlite3_stmt *, unsigned char *out);
/* Resealing for a purge: begin, ranges of table i, end with the digest. */
struct store_sqlite_reseal;
struct store_sqlite_reseal *store_sqlite_reseal_begin(struct store_sqlite *,
	    int64_t audit_id);
int	 store_sqlite_reseal(struct store_sqlite_reseal *, size_t table,
	    int64_t first, int64_t last);
int	 store_sqlite_reseal_end(struct store_sqlite_reseal *, size_t *entries,
	    char digest[65]);
/* While paused, the rows written are not seen (a purge's deletions). */
void	 store_sqlite_seal_pause(struct store_sqlite *, int paused);
/* The digest of seal entries as a seal's audit row holds it (verify). */
int	 store_sqlite_seal_entries_digest(sqlite3_stmt *, char out[65],
	    size_t *count);
/* store_sqlite_purge.c */
int	 store_sqlite_purge(void *, const struct store_purge *,
	    int64_t audit_id, struct store_purge_result *,
	    struct store_purge_seal *);

/* store_sqlite_file.c: the file itself, before and beside the connection. */

/*
 * Looks at path with stat(2) only, never a descriptor (see the .c): 0 with
 * *exists 0 when there is no file, 0 with *exists 1 for a regular file
 * that is not empty, 1 with what is wrong in problem (empty, not a regular
 * file), -1 with problem when it cannot be looked at. The header is checked
 * by SQLite, reading the schema version (store_sqlite_schema_check).
 */
int	store_sqlite_file_check(const char *path, int *exists, char *problem,
	    size_t len);
/* A read-only connection; immutable for a file nobody else uses (no WAL files). */
int	store_sqlite_open_ro(const char *path, int immutable, sqlite3 **,
	    char *err, size_t errlen);
/*
 * The schema version, or -1 with err when newer than ours, not SQLite's
 * header, or unreadable.
 */
int	store_sqlite_schema_check(sqlite3 *, const char *path, char *err,
	    size_t errlen);
/* PRAGMA quick_check on db: 0 sound, 1 damaged, -1 error (err: what). */
int	store_sqlite_quick_check(sqlite3 *, store_progress_fn *, void *arg,
	    char *err, size_t errlen);
/* Makes a new empty database file, 0600 whatever the umask, durable. */
int	store_sqlite_create(const char *path, char *err, size_t errlen);
/* fsync(2) of the directory holding path; -1 with errno. */
int	store_sqlite_sync_dir(const char *path);
/* When root: fchown(2) of fd to the owner of path's directory. */
int	store_sqlite_give_to_dir_owner(int fd, const char *path);
int	store_sqlite_inspect(const char *path, struct store_file_state *,
	    char *err, size_t errlen);
int	store_sqlite_check(const char *path, store_progress_fn *, void *arg,
	    char *err, size_t errlen);
void	*store_sqlite_lock(const char *path, char *err, size_t errlen);
void	store_sqlite_unlock(void *);

/* store_sqlite_restore.c */
int	store_sqlite_restore(const char *path, const char *source, char *err,
	    size_t errlen);

/* store_sqlite_search.c: the record's reads and the handover notes */
int	store_sqlite_alarm_record(void *, int64_t alarm_id, store_record_fn *,
	    void *arg);
int	store_sqlite_alarms_search(void *, const struct store_search *,
	    store_record_fn *, void *arg);
int	store_sqlite_alarm_events_each(void *, int64_t alarm_id,
	    store_history_fn *, void *arg);
int	store_sqlite_alarm_commands_each(void *, int64_t alarm_id,
	    store_command_fn *, void *arg);
int	store_sqlite_handover_add(void *, int64_t time_ms, const char *user,
	    const char *text);
int	store_sqlite_handover_last(void *, store_handover_fn *, void *arg);

/* store_sqlite_audit.c */
int	store_sqlite_audit_insert(void *, const struct store_audit_record *);
int	store_sqlite_audit_each(void *, store_audit_record_fn *, void *arg);
int	store_sqlite_audit_last(void *, store_audit_record_fn *, void *arg);
int	store_sqlite_audit_alarm(void *, int64_t alarm_id,
	    store_audit_record_fn *, void *arg);

#endif
