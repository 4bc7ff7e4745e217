/*
 * The store: events, units, alarms and the audit chain, behind one facade
 * (store.c) over a backend chosen by the database string (store_backend.h;
 * today SQLite, which owns all SQL and every sqlite3_stmt).
 */
#ifndef REFUGE_STORE_H
#define REFUGE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "alarm.h"
#include "audit.h"
#include "evtype.h"
#include "stats.h"

struct store;

struct store_event {
	const char	*unit_id;
	const char	*unit_event_id;
	enum evtype	 type;
	int		 priority;
	int		 from_receiver;
	int64_t		 unit_time_ms;	/* -1: the unit gave none */
	int64_t		 received_ms;
	const char	*attributes;	/* "k=v k=v" */
};

enum store_unit_state {
	STORE_UNIT_UNKNOWN,
	STORE_UNIT_ONLINE,
	STORE_UNIT_OFFLINE
};

/*
 * Opens the database and applies pending migrations; SQLite runs in WAL mode
 * with synchronous=FULL. A file that does not exist is created (mode 0600,
 * whatever the umask); an existing one is first checked read-only, and
 * refused, with nothing written, when it is empty (0 bytes), not an SQLite
 * file, or of a schema newer than this refuge's. A postgresql:// or
 * postgres:// URL opens PostgreSQL instead (store_backend.h), migrating
 * its schema. Returns NULL with err set on failure; err names the file,
 * what is wrong and what to do.
 */
struct store	*store_open(const char *path, char *err, size_t errlen);
/*
 * Opens an existing database read-only (a WAL reader beside a running
 * refuged); it must be an SQLite file of this refuge's schema. NULL with
 * err set, also when the backend cannot ("not supported by the <name>
 * backend").
 */
struct store	*store_open_readonly(const char *path, char *err, size_t errlen);
void		 store_close(struct store *);
/*
 * An online, consistent copy to dest (SQLite backup API). Returns 0 or -1
 * with err, also when the backend cannot.
 */
int		 store_backup(struct store *, const char *dest, char *err,
		    size_t errlen);
/* Why the last failed operation failed, for logs; a rollback keeps it. */
const char	*store_error(struct store *);

/*
 * Integrity. A database is checked before it is written to after an
 * unclean stop (store_inspect says which), and checked again while in use;
 * damage found makes the store refuse every write (store_mark_damaged).
 */

/* What store_inspect learns of a database without writing to it. */
struct store_file_state {
	int	exists;		/* 0: none yet, store_open creates it */
	int	clean_stop;	/* 1: the last refuged using it stopped cleanly */
	int64_t	stopped_ms;	/* when, if clean_stop */
	int	mode;		/* the file's permission bits, if it exists */
};

/*
 * Reads the database read-only, writing nothing: -1 with err (the file, what
 * is wrong, what to do) when store_open would refuse it, else 0 and state.
 * A backend with nothing to inspect says exists and clean_stop.
 */
int		 store_inspect(const char *database, struct store_file_state *,
		    char *err, size_t errlen);
/* Called now and then during a long check; nonzero abandons it. */
typedef int	store_progress_fn(void *arg);
/*
 * Checks the database's integrity (SQLite: PRAGMA quick_check) on a
 * read-only connection of its own, so any thread may call it beside an open
 * store. Returns 0 when sound, 1 when damaged (err: the first problem found,
 * one printable line), -1 when it could not check or progress abandoned it
 * (err: why).
 */
int		 store_check(const char *database, store_progress_fn *progress,
		    void *arg, char *err, size_t errlen);
/*
 * 1 when the database's backend checks integrity (store_check), 0 when it
 * leaves that to the database server (PostgreSQL), -1 with err when the
 * string names no backend built in.
 */
int		 store_check_supported(const char *database, char *err,
		    size_t errlen);
/*
 * The store has been found damaged: from now on every store_begin and
 * store_commit fails with reason as store_error (the first reason stays).
 */
void		 store_mark_damaged(struct store *, const char *reason);
/* The reason given to store_mark_damaged, or NULL. */
const char	*store_damaged(const struct store *);
/*
 * Marks the database in use (running 1, at start) or stopped cleanly
 * (running 0, the last write before store_close), each in a transaction of
 * its own: store_inspect's clean_stop. Returns 0 or -1.
 */
int		 store_run_mark(struct store *, int running, int64_t now_ms);

/*
 * Exclusive use of a database by one process: refuged holds it while it
 * runs, refugectl restore while it replaces the file (SQLite: flock(2) on
 * "<database>.lock", made 0600 if missing). NULL with err when another
 * holds it or it cannot be taken.
 */
struct store_lock;
struct store_lock *store_lock(const char *database, char *err, size_t errlen);
void		 store_unlock(struct store_lock *);
/*
 * Puts a copy of source in place of database (refugectl restore): copies it
 * beside database, checks the copy (a database of this refuge's schema or
 * older, sound by store_check), takes store_lock, removes database's stale
 * WAL files and renames the copy into place (0600, made durable). Returns 0,
 * or -1 with err and database untouched.
 */
int		 store_restore(const char *database, const char *source,
		    char *err, size_t errlen);

/*
 * One write transaction (BEGIN IMMEDIATE ... COMMIT). A backend may finish
 * a commit later (a network database): with done set, store_commit returns
 * at once and done(status, arg) is called exactly once, status 0 when the
 * transaction is durable, -1 when it failed (and was rolled back); SQLite
 * calls it before returning, within the same loop turn. With done NULL it
 * waits and returns the status (tools, tests), and the caller rolls back
 * a failure; with done set the store rolls back before calling done.
 */
typedef void	store_done_fn(int status, void *arg);
int	store_begin(struct store *);
int	store_commit(struct store *, store_done_fn *done, void *arg);
void	store_rollback(struct store *);

/* INSERT OR IGNORE: *inserted is 1 for a new row, 0 for a duplicate (unit, event id). */
int	store_event_insert(struct store *, const struct store_event *,
	    int *inserted, int64_t *row_id);

int	store_unit_set_state(struct store *, const char *unit_id,
	    enum store_unit_state, int64_t last_seen_ms);
int	store_unit_set_seen(struct store *, const char *unit_id,
	    int64_t last_seen_ms);
int	store_unit_set_firmware(struct store *, const char *unit_id,
	    const char *firmware);
int	store_unit_set_attributes(struct store *, const char *unit_id,
	    const char *attributes);

/* Calls fn for every unit row; stops and returns -1 if fn does. */
int	store_units_each(struct store *,
	    int (*fn)(const char *unit_id, enum store_unit_state,
	    int64_t last_seen_ms, void *arg), void *arg);

const char	*store_unit_state_name(enum store_unit_state);

/* Alarms. Every write runs inside store_begin/store_commit. */

/* Inserts a new alarm raised by event row event_id, with alarm->id when set (> 0), else sets it. */
int	store_alarm_insert(struct store *, struct alarm *, int64_t event_id);
/* Attaches an event (a repeat or a restore) and saves count and restored. */
int	store_alarm_attach(struct store *, const struct alarm *,
	    int64_t event_id, int64_t restored_ms);
/* Saves state, claimed_by, claimed_ms and first_claimed_ms. */
int	store_alarm_save_claim(struct store *, const struct alarm *);
int	store_alarm_resolve(struct store *, const struct alarm *,
	    const char *user, int64_t resolved_ms, const char *reason,
	    const char *action, const char *note);
int	store_alarm_note(struct store *, int64_t alarm_id, int64_t time_ms,
	    const char *user, const char *text);
/* An alarm's state, open or not: 1 found, 0 no such alarm, -1 error. */
int	store_alarm_state(struct store *, int64_t alarm_id, enum alarm_state *);
/* Calls fn for every open alarm, oldest first. */
/* The highest alarm id stored (0: none): the receiver allocates the next ones. */
int	store_alarm_max_id(struct store *, int64_t *max_id);
/* Inside a transaction: rewrites the health probe's row, a write that must reach the disk. */
int	store_probe(struct store *, int64_t now_ms);
int	store_alarms_open_each(struct store *,
	    int (*fn)(const struct alarm *, void *arg), void *arg);

int	store_command_insert(struct store *, const char *cmd_id,
	    const char *unit_id, int64_t alarm_id, const char *user,
	    const char *command, int64_t sent_ms);
int	store_command_result(struct store *, const char *cmd_id,
	    const char *result, const char *reason, int64_t done_ms);

/* A supervisor's test window for a unit; until_ms 0 switches it off. */
int	store_test_set(struct store *, const char *unit_id, int64_t until_ms,
	    const char *user, int64_t now_ms);
int	store_tests_each(struct store *,
	    int (*fn)(const char *unit_id, int64_t until_ms, void *arg),
	    void *arg);

/* One event as HISTORY shows it. */
struct store_history_event {
	const char	*unit_event_id;
	const char	*type;
	const char	*source;
	int64_t		 received_ms;
	int64_t		 unit_time_ms;	/* -1: none */
	const char	*attributes;
};

/* The unit's newest count events, newest first. */
int	store_history_each(struct store *, const char *unit_id, int count,
	    int (*fn)(const struct store_history_event *, void *arg),
	    void *arg);
/* Every alarm raised at or after since_ms (-1: all), for the figures. */
int	store_stats_each(struct store *, int64_t since_ms, int64_t until_ms,
	    int (*fn)(const struct stats_alarm *, void *arg), void *arg);

/*
 * The record (DETAIL, SEARCH, HANDOVER): reads of stored alarms, open or
 * resolved, and the shift's handover notes. Optional in a backend: without
 * them these fail with "not supported".
 */

/* An alarm as stored. Strings are "" when not set, times -1. */
struct store_alarm_record {
	struct alarm	 alarm;		/* as the stack knows it; outcome as below */
	int64_t		 restored_ms;
	const char	*resolved_by;
	int64_t		 resolved_ms;
	const char	*outcome;	/* genuine, false, technical, ...; "" if open */
	const char	*reason;
	const char	*action;
	const char	*note;		/* RESOLVE's note */
};
typedef int	store_record_fn(const struct store_alarm_record *, void *arg);

/* SEARCH's filters: NULL (times -1) for any. */
struct store_search {
	int64_t		 since_ms;	/* raised at or after */
	int64_t		 until_ms;	/* raised before */
	const char	*unit_id;
	const char	*site_id;
	const char	*type;
	const char	*outcome;	/* a stored outcome, or "open" */
	const char	*user;		/* in the alarm's audit (claimed, noted, ...) */
	int		 limit;		/* rows at most */
};

/* A unit command sent for an alarm, with its result. */
struct store_command_record {
	const char	*cmd_id;
	const char	*user;
	const char	*command;
	int64_t		 sent_ms;
	const char	*result;	/* done, fail, timeout; "" while pending */
	const char	*reason;
	int64_t		 done_ms;	/* -1 while pending */
};
typedef int	store_command_fn(const struct store_command_record *, void *arg);

/* One alarm: 1 found (fn called), 0 no such alarm, -1 error. */
int	store_alarm_record(struct store *, int64_t alarm_id, store_record_fn *,
	    void *arg);
/* Alarms matching the filters, newest first, at most limit. */
int	store_alarms_search(struct store *, const struct store_search *,
	    store_record_fn *, void *arg);
/* The alarm's events, the raising one first, then those attached, in arrival order. */
int	store_alarm_events_each(struct store *, int64_t alarm_id,
	    int (*fn)(const struct store_history_event *, void *arg),
	    void *arg);
/* The commands sent for the alarm, oldest first. */
int	store_alarm_commands_each(struct store *, int64_t alarm_id,
	    store_command_fn *, void *arg);
/* Inside a transaction: stores a shift handover note. */
int	store_handover_add(struct store *, int64_t time_ms, const char *user,
	    const char *text);
/* The latest handover note: 1 (fn called), 0 none yet, -1 error. */
int	store_handover_last(struct store *,
	    int (*fn)(int64_t time_ms, const char *user, const char *text,
	    void *arg), void *arg);

/* The audit chain: the facade chains, the backend stores. */

/* Appends a row chained to the last one. */
int	store_audit_append(struct store *, int64_t time_ms, const char *user,
	    int64_t alarm_id, const char *action, const char *detail);
/* Calls fn for every row in id order. */
int	store_audit_each(struct store *,
	    int (*fn)(const struct audit_row *, void *arg), void *arg);
/*
 * Checks every sealed table against the seals in the audit chain (their
 * entries against each seal's digest, every row against its newest seal,
 * no row unsealed): 0 sound, 1 with problem naming the first bad row, -1
 * on an error (store_error). rows counts the rows checked.
 */
int	store_seal_verify(struct store *, char *problem, size_t len,
	    size_t *rows);

/* Retention: what is older than each time goes (-1: that kind is kept). */
struct store_purge {
	int64_t	events_before_ms;	/* events no alarm refers to */
	int64_t	alarms_before_ms;	/* resolved alarms, their notes, commands */
	int64_t	audit_before_ms;	/* the chain's oldest rows, as a prefix */
};

struct store_purge_result {
	int64_t	events, alarms, notes, commands, attached, audit;
	int64_t	checkpoint_id;		/* the audit row written; 0: none */
};

/*
 * Deletes in one transaction, then writes a checkpoint row ('purge') into
 * the chain that reseals what the deletion cut from older seals, so that
 * verify still passes and still finds any other deletion. Returns 0 or -1.
 */
int	store_purge(struct store *, const struct store_purge *,
	    struct store_purge_result *);
/* Calls fn for one alarm's rows in id order (PLAN's ticked steps). */
int	store_audit_alarm_each(struct store *, int64_t alarm_id,
	    int (*fn)(const struct audit_row *, void *arg), void *arg);

/*
 * The receiver pair (a database several receivers share: PostgreSQL). One
 * receiver holds the lease (a session's advisory lock and a term number
 * that every write transaction checks); the others stand by. A backend
 * without a lease (SQLite: one process only) is always active.
 */
#define STORE_LEASE_ALT_MAX	4
#define STORE_LEASE_ADDR_MAX	256
#define STORE_LEASE_NAME_MAX	64

struct store_lease {
	int64_t	term;				/* 0: nobody has held it */
	char	holder[STORE_LEASE_NAME_MAX];	/* receiver.name; "" */
	char	address[STORE_LEASE_ADDR_MAX];	/* its receiver.address; "" */
	/* The other receivers seen lately (WELCOME alt=), not this one. */
	char	alt[STORE_LEASE_ALT_MAX][STORE_LEASE_ADDR_MAX];
	size_t	alt_count;
};

/* 1 when receivers share this store and must hold its lease to write. */
int	store_shared(struct store *);
/*
 * Makes this store a receiver's: from now on a write transaction needs the
 * lease (store_begin fails with "standby" without it), and no statement
 * waits longer than lease_ms for the database (the connection is dropped
 * and made again at the next use). name and address are receiver.name and
 * receiver.address. Returns 0, or -1 when the store is not shared.
 */
int	store_receiver(struct store *, const char *name, const char *address,
	    int64_t lease_ms);
/*
 * Tries to take the lease (a standby's poll; also records this receiver as
 * seen, for the others' alt=): 1 taken (lease: the new term, this
 * receiver), 0 held by another (lease: who), -1 error (store_error). After
 * a take the audit chain's tail is read again: the other receiver wrote it.
 */
int	store_lease_take(struct store *, int64_t now_ms, struct store_lease *);
/*
 * The holder's renewal: 0 renewed (lease: as held, alt= filled), 1 lost
 * (another receiver took it, or the session that held it ended and the
 * lock went with it), -1 failed this time (store_error; try again until
 * the lease runs out).
 */
int	store_lease_renew(struct store *, int64_t now_ms, struct store_lease *);
/* 1 while this store holds the lease (or is not shared). */
int	store_lease_held(struct store *);
/* Gives the lease up (a clean stop), so that a standby takes it at once. */
void	store_lease_release(struct store *);

#endif
