/*
 * A store backend: the table of operations the store facade (store.c)
 * dispatches to, and the opaque pointer "be" to one open database. Only the
 * facade, the backends and their tests include this header; the daemon and
 * the tools see store.h.
 *
 * Adding a backend is adding files: src/service/store_<name>*.c defining
 * "const struct store_backend store_backend_<name>" (added to SERVICE_SRCS),
 * its migrations in schema/<name>/NNN-name.sql (embedded by schema/embed.sh as
 * store_<name>_migrations, installed through SCHEMA_BACKENDS), and one line
 * in the chooser's table in store_backend.c naming the database string's
 * prefix that selects it.
 *
 * Every int operation returns -1 on failure, and then error(be) names the
 * failure until the backend's next call (the facade copies it at once, so a
 * rollback may overwrite it). Row pointers handed to a walk's fn are valid
 * only during that call. The audit hash chain is the facade's: a backend
 * stores audit rows as given and reads them back as stored.
 */
#ifndef REFUGE_STORE_BACKEND_H
#define REFUGE_STORE_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* What a purge resealed, for its checkpoint row (store_purge). */
struct store_purge_seal {
	size_t	entries;		/* new entries under the checkpoint */
	char	digest[65];		/* of those entries */
	int64_t	through;		/* the seals this checkpoint stands for */
	char	old_digest[65];		/* of their entries that are left */
	char	resume[65];		/* prev_hash of the chain's new first row; "" */
};

/* An audit row as a backend keeps it; the facade checks the hashes. */
struct store_audit_record {
	int64_t		 id;
	int64_t		 time_ms;
	const char	*user;
	int64_t		 alarm_id;
	const char	*action;
	const char	*detail;
	const char	*prev_hash;
	const char	*hash;
};

typedef int	store_unit_fn(const char *unit_id, enum store_unit_state,
		    int64_t last_seen_ms, void *arg);
typedef int	store_alarm_fn(const struct alarm *, void *arg);
typedef int	store_test_fn(const char *unit_id, int64_t until_ms, void *arg);
typedef int	store_history_fn(const struct store_history_event *, void *arg);
typedef int	store_stats_fn(const struct stats_alarm *, void *arg);
typedef int	store_audit_record_fn(const struct store_audit_record *,
		    void *arg);
typedef int	store_handover_fn(int64_t time_ms, const char *user,
		    const char *text, void *arg);

struct store_backend {
	const char	*name;		/* "sqlite": in messages */

	/* Opens (creating if needed) and migrates; NULL with err set. */
	void		*(*open)(const char *database, char *err,
			    size_t errlen);
	/* Frees be; a commit under way is abandoned, its done never called. */
	void		 (*close)(void *be);
	/* The text of the last failed operation. */
	const char	*(*error)(void *be);

	int		 (*begin)(void *be);
	/*
	 * Ends the transaction. With done NULL waits and returns 0 or -1;
	 * with done set returns 0 and calls done(status, arg) exactly once,
	 * before returning or from the event loop later. Never rolls back:
	 * the facade does.
	 */
	int		 (*commit)(void *be, store_done_fn *done, void *arg);
	/* Abandons the open transaction, if any; keeps error(be) or not. */
	void		 (*rollback)(void *be);

	int		 (*event_insert)(void *be, const struct store_event *,
			    int *inserted, int64_t *row_id);
	int		 (*unit_set_state)(void *be, const char *unit_id,
			    enum store_unit_state, int64_t last_seen_ms);
	int		 (*unit_set_seen)(void *be, const char *unit_id,
			    int64_t last_seen_ms);
	int		 (*unit_set_firmware)(void *be, const char *unit_id,
			    const char *firmware);
	int		 (*unit_set_attributes)(void *be, const char *unit_id,
			    const char *attributes);
	int		 (*units_each)(void *be, store_unit_fn *, void *arg);

	int		 (*alarm_insert)(void *be, struct alarm *,
			    int64_t event_id);
	int		 (*alarm_attach)(void *be, const struct alarm *,
			    int64_t event_id, int64_t restored_ms);
	int		 (*alarm_save_claim)(void *be, const struct alarm *);
	int		 (*alarm_resolve)(void *be, const struct alarm *,
			    const char *user, int64_t resolved_ms,
			    const char *reason, const char *action,
			    const char *note);
	int		 (*alarm_note)(void *be, int64_t alarm_id,
			    int64_t time_ms, const char *user,
			    const char *text);
	/* 1 found, 0 no such alarm, -1 error. */
	int		 (*alarm_state)(void *be, int64_t alarm_id,
			    enum alarm_state *);
	int		 (*alarms_open_each)(void *be, store_alarm_fn *,
			    void *arg);
	/* The highest alarm id stored, 0 for none. */
	int		 (*alarm_max_id)(void *be, int64_t *max_id);
	/* Rewrites the one row of the health probe (a write that must reach the disk). */
	int		 (*probe)(void *be, int64_t now_ms);

	int		 (*command_insert)(void *be, const char *cmd_id,
			    const char *unit_id, int64_t alarm_id,
			    const char *user, const char *command,
			    int64_t sent_ms);
	int		 (*command_result)(void *be, const char *cmd_id,
			    const char *result, const char *reason,
			    int64_t done_ms);
	int		 (*test_set)(void *be, const char *unit_id,
			    int64_t until_ms, const char *user, int64_t now_ms);
	int		 (*tests_each)(void *be, store_test_fn *, void *arg);
	int		 (*history_each)(void *be, const char *unit_id,
			    int count, store_history_fn *, void *arg);
	int		 (*stats_each)(void *be, int64_t since_ms,
			    int64_t until_ms, store_stats_fn *, void *arg);

	int		 (*audit_insert)(void *be,
			    const struct store_audit_record *);
	/* Every audit row in id order. */
	int		 (*audit_each)(void *be, store_audit_record_fn *,
			    void *arg);
	/* The row with the highest id, if any: fn is called at most once. */
	int		 (*audit_last)(void *be, store_audit_record_fn *,
			    void *arg);
	/* One alarm's audit rows in id order. */
	int		 (*audit_alarm)(void *be, int64_t alarm_id,
			    store_audit_record_fn *, void *arg);

	/* Optional (NULL: the facade answers "not supported"). */
	void		*(*open_readonly)(const char *database, char *err,
			    size_t errlen);
	int		 (*backup)(void *be, const char *dest, char *err,
			    size_t errlen);
	/* The integrity operations of store.h, also optional. */
	int		 (*check)(const char *database, store_progress_fn *,
			    void *arg, char *err, size_t errlen);
	int		 (*restore)(const char *database, const char *source,
			    char *err, size_t errlen);
	/* Optional, with a fallback: NULL inspects as sound and clean. */
	int		 (*inspect)(const char *database,
			    struct store_file_state *, char *err,
			    size_t errlen);
	/* Optional: NULL marks nothing (no unclean stop to detect). */
	int		 (*run_mark)(void *be, int running, int64_t now_ms);
	/*
	 * Optional, together (NULL: nothing is sealed). seal writes entries
	 * for the rows of the tables reports are made from that this
	 * connection wrote since the transaction began, under audit row
	 * audit_id, and gives their count and digest (0 entries: no row
	 * written, the facade appends no audit row). seal_anchor does the
	 * same once for every row there before sealing began (0 entries
	 * afterwards). seal_verify checks every row against its newest seal:
	 * 0 sound, 1 with problem naming the first bad row, -1 an error.
	 */
	int		 (*seal)(void *be, int64_t audit_id, size_t *entries,
			    char digest[65]);
	int		 (*seal_anchor)(void *be, int64_t audit_id,
			    size_t *entries, char digest[65]);
	int		 (*seal_verify)(void *be, char *problem, size_t len,
			    size_t *rows);
	/* Optional: the deletions of store_purge, inside its transaction. */
	int		 (*purge)(void *be, const struct store_purge *,
			    int64_t audit_id, struct store_purge_result *,
			    struct store_purge_seal *);
	/* Optional: NULL locks nothing. A non-NULL handle for unlock. */
	void		*(*lock)(const char *database, char *err,
			    size_t errlen);
	void		 (*unlock)(void *handle);

	/* Optional: the record's reads and the handover notes (store.h). */
	int		 (*alarm_record)(void *be, int64_t alarm_id,
			    store_record_fn *, void *arg);
	int		 (*alarms_search)(void *be, const struct store_search *,
			    store_record_fn *, void *arg);
	int		 (*alarm_events_each)(void *be, int64_t alarm_id,
			    store_history_fn *, void *arg);
	int		 (*alarm_commands_each)(void *be, int64_t alarm_id,
			    store_command_fn *, void *arg);
	int		 (*handover_add)(void *be, int64_t time_ms,
			    const char *user, const char *text);
	int		 (*handover_last)(void *be, store_handover_fn *,
			    void *arg);

	/*
	 * Optional, together: the receiver pair's lease (store.h). NULL: the
	 * store is one process's and always active.
	 */
	int		 (*receiver)(void *be, const char *name,
			    const char *address, int64_t lease_ms);
	int		 (*lease_take)(void *be, int64_t now_ms,
			    struct store_lease *);
	int		 (*lease_renew)(void *be, int64_t now_ms,
			    struct store_lease *);
	int		 (*lease_held)(void *be);
	void		 (*lease_release)(void *be);
};

/*
 * The facade's own files (store.c, store_record.c): the backend of a store
 * and its handle; and rc as an operation's result, its failure's text kept
 * for store_error (unsupported set: the backend lacks the operation, -1).
 */
const struct store_backend *store_backend_of(struct store *, void **be);
int	store_backend_checked(struct store *, int rc, const char *unsupported);
/* Reads the audit chain's tail again (another receiver wrote it): 0 or -1. */
int	store_audit_load_tail(struct store *);

/* The backends built in. */
extern const struct store_backend	store_backend_sqlite;
extern const struct store_backend	store_backend_postgresql;

/*
 * The backend a database string names (store_backend.c): a postgresql://
 * or postgres:// URL a PostgreSQL backend, anything else an SQLite path.
 * NULL with err set when that backend is not built in.
 */
const struct store_backend *store_backend_choose(const char *database,
	    char *err, size_t errlen);
/*
 * Opens a store on the given backend (store.c): what store_open and
 * store_open_readonly do after choosing; tests pass a fake backend.
 */
struct store	*store_open_backend(const struct store_backend *,
		    const char *database, int readonly, char *err,
		    size_t errlen);

#endif
