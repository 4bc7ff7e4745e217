/*
 * The PostgreSQL backend's files only: the connection, its bounded waits,
 * and the parameters of a statement. libpq runs non-blocking: every wait
 * for the server is a poll(2) with a deadline (store_pg_query), so a
 * database that went silent stops a receiver's loop for at most its lease,
 * never for good; the connection is then dropped and made again on next use.
 */
#ifndef REFUGE_STORE_PG_H
#define REFUGE_STORE_PG_H

#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "refuge/store_backend.h"

/* The advisory locks' keys: the lease, and the schema's migration. */
#define STORE_PG_LOCK_LEASE	7400001
#define STORE_PG_LOCK_MIGRATE	7400002

/* How long a receiver's loop waits for a connection in one call. */
#define STORE_PG_CONNECT_SLICE_MS	100

/* Parameters of one statement, as text; NULL is SQL NULL. */
#define STORE_PG_PARAMS_MAX	16
struct store_pg_params {
	const char	*value[STORE_PG_PARAMS_MAX];
	char		 number[STORE_PG_PARAMS_MAX][24];
	int		 count;
};

struct store_pg_seal;

/* The backend's "be": one connection, made again when it breaks. */
struct store_pg {
	PGconn			*conn;		/* NULL: broken, made at next use */
	int			 connecting;	/* conn is being made */
	int			 connect_state;	/* PostgresPollingStatusType */
	int64_t			 connect_started_ms;
	char			*conninfo;
	char			 error[512];
	int			 in_tx;
	int			 readonly;	/* open_readonly: no writes */
	/* A receiver's (store_receiver): writes need the lease. */
	int			 receiver;
	int64_t			 timeout_ms;	/* 0: wait as long as it takes */
	char			 name[STORE_LEASE_NAME_MAX];
	char			 address[STORE_LEASE_ADDR_MAX];
	int			 holding;	/* the lock and term below */
	int64_t			 term;
	uint64_t		 session;	/* counts connections made */
	uint64_t		 lease_session;	/* the one holding the lock */
	struct store_pg_seal	*seal;		/* store_pg_seal.c; NULL */
};

/* Sets pg->error from fmt; returns -1. */
int		 store_pg_fail(struct store_pg *, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
/*
 * Makes the connection if there is none (bounded by timeout_ms like any
 * wait). 0, or -1 with pg->error.
 */
int		 store_pg_connect(struct store_pg *);
/* Drops the connection (a timeout, a broken link): the next use makes one. */
void		 store_pg_drop(struct store_pg *);
/*
 * Runs one statement with text parameters (params may be NULL) and waits
 * for its result, at most timeout_ms: a PGresult of PGRES_TUPLES_OK or
 * PGRES_COMMAND_OK for the caller to PQclear, or NULL with pg->error. A
 * timeout or a lost connection drops the connection (and with it, on the
 * server, the transaction and the lease's lock).
 */
PGresult	*store_pg_query(struct store_pg *, const char *sql,
		    const struct store_pg_params *);
/* The same for a statement whose rows are not wanted: 0 or -1. */
int		 store_pg_command(struct store_pg *, const char *sql,
		    const struct store_pg_params *);
/*
 * Runs a query and calls fn for each row of its result, in order; stops
 * and returns -1 when fn does (fn's failure: pg->error is not set). The
 * whole result is held in memory: a walk over a table that grows without
 * bound belongs to a tool, or takes LIMIT.
 */
typedef int	 store_pg_row_fn(const PGresult *, int row, void *arg);
int		 store_pg_walk(struct store_pg *, const char *sql,
		    const struct store_pg_params *, store_pg_row_fn *,
		    void *arg);
/* Rows a command changed (PQcmdTuples), for UPDATE ... WHERE checks. */
int64_t		 store_pg_changed(PGresult *);

void		 store_pg_params_init(struct store_pg_params *);
void		 store_pg_param_text(struct store_pg_params *, const char *);
void		 store_pg_param_int(struct store_pg_params *, int64_t);
/* An integer, or SQL NULL when it equals none (-1 for "not given"). */
void		 store_pg_param_opt(struct store_pg_params *, int64_t value,
		    int64_t none);
/* A column as an integer (SQL NULL: -1), or as text (SQL NULL: ""). */
int64_t		 store_pg_int(const PGresult *, int row, int column);
const char	*store_pg_text(const PGresult *, int row, int column);

/* store_pg_lease.c: the receiver pair's lease. */
int		 store_pg_receiver(void *, const char *name,
		    const char *address, int64_t lease_ms);
int		 store_pg_lease_take(void *, int64_t now_ms,
		    struct store_lease *);
int		 store_pg_lease_renew(void *, int64_t now_ms,
		    struct store_lease *);
int		 store_pg_lease_held(void *);
void		 store_pg_lease_release(void *);
/*
 * store_pg_begin's for a receiver: BEGIN, then the lease row locked and
 * the term checked to be still its own; -1 (standby, or the lease lost).
 */
int		 store_pg_lease_check(struct store_pg *);

/*
 * Written rows, for the seal (store_pg_seal.c): each write of a sealed
 * table names its row; a rollback or a begin forgets them.
 */
enum store_pg_table {
	STORE_PG_EVENTS,
	STORE_PG_ALARMS,
	STORE_PG_ALARM_EVENTS,
	STORE_PG_ALARM_NOTES,
	STORE_PG_UNIT_COMMANDS,
	STORE_PG_TABLES
};
void		 store_pg_written(struct store_pg *, enum store_pg_table,
		    int64_t rid);
void		 store_pg_seal_forget(struct store_pg *);
void		 store_pg_seal_free(struct store_pg *);

/*
 * The backend's table (store_pg.c) takes each part's operations from its
 * macro, so that each file's owner lists its own.
 */

/* store_pg_audit.c */
int	store_pg_audit_insert(void *, const struct store_audit_record *);
int	store_pg_audit_each(void *, store_audit_record_fn *, void *arg);
int	store_pg_audit_last(void *, store_audit_record_fn *, void *arg);
int	store_pg_audit_alarm(void *, int64_t alarm_id,
	    store_audit_record_fn *, void *arg);
#define STORE_PG_AUDIT_OPS \
	.audit_insert = store_pg_audit_insert, \
	.audit_each = store_pg_audit_each, \
	.audit_last = store_pg_audit_last, \
	.audit_alarm = store_pg_audit_alarm,

/* store_pg_data.c: events, units, commands, tests, HISTORY, figures. */
int	store_pg_event_insert(void *, const struct store_event *,
	    int *inserted, int64_t *row_id);
int	store_pg_unit_set_state(void *, const char *unit_id,
	    enum store_unit_state, int64_t last_seen_ms);
int	store_pg_unit_set_seen(void *, const char *unit_id,
	    int64_t last_seen_ms);
int	store_pg_unit_set_firmware(void *, const char *unit_id,
	    const char *firmware);
int	store_pg_unit_set_attributes(void *, const char *unit_id,
	    const char *attributes);
int	store_pg_units_each(void *, store_unit_fn *, void *arg);
int	store_pg_probe(void *, int64_t now_ms);
int	store_pg_command_insert(void *, const char *cmd_id,
	    const char *unit_id, int64_t alarm_id, const char *user,
	    const char *command, int64_t sent_ms);
int	store_pg_command_result(void *, const char *cmd_id,
	    const char *result, const char *reason, int64_t done_ms);
int	store_pg_test_set(void *, const char *unit_id, int64_t until_ms,
	    const char *user, int64_t now_ms);
int	store_pg_tests_each(void *, store_test_fn *, void *arg);
int	store_pg_history_each(void *, const char *unit_id, int count,
	    store_history_fn *, void *arg);
int	store_pg_stats_each(void *, int64_t since_ms, int64_t until_ms,
	    store_stats_fn *, void *arg);
/* An event as HISTORY shows it: these columns, read by store_pg_history_row. */
#define STORE_PG_HISTORY_COLUMNS \
	"SELECT unit_event_id, type, source, received_ms, " \
	"coalesce(unit_time_ms, -1), attributes FROM events "
struct store_pg_history_walk {
	store_history_fn	*fn;
	void			*arg;
};
int	store_pg_history_row(const PGresult *, int row, void *walk);

/* store_pg_alarms.c: alarms, their events and notes. */
int	store_pg_alarm_insert(void *, struct alarm *, int64_t event_id);
int	store_pg_alarm_attach(void *, const struct alarm *, int64_t event_id,
	    int64_t restored_ms);
int	store_pg_alarm_save_claim(void *, const struct alarm *);
int	store_pg_alarm_resolve(void *, const struct alarm *,
	    const char *user, int64_t resolved_ms, const char *reason,
	    const char *action, const char *note);
int	store_pg_alarm_note(void *, int64_t alarm_id, int64_t time_ms,
	    const char *user, const char *text);
int	store_pg_alarm_state(void *, int64_t alarm_id, enum alarm_state *);
int	store_pg_alarms_open_each(void *, store_alarm_fn *, void *arg);
int	store_pg_alarm_max_id(void *, int64_t *max_id);

#define STORE_PG_DATA_OPS \
	.event_insert = store_pg_event_insert, \
	.unit_set_state = store_pg_unit_set_state, \
	.unit_set_seen = store_pg_unit_set_seen, \
	.unit_set_firmware = store_pg_unit_set_firmware, \
	.unit_set_attributes = store_pg_unit_set_attributes, \
	.units_each = store_pg_units_each, \
	.alarm_insert = store_pg_alarm_insert, \
	.alarm_attach = store_pg_alarm_attach, \
	.alarm_save_claim = store_pg_alarm_save_claim, \
	.alarm_resolve = store_pg_alarm_resolve, \
	.alarm_note = store_pg_alarm_note, \
	.alarm_state = store_pg_alarm_state, \
	.alarms_open_each = store_pg_alarms_open_each, \
	.alarm_max_id = store_pg_alarm_max_id, \
	.probe = store_pg_probe, \
	.command_insert = store_pg_command_insert, \
	.command_result = store_pg_command_result, \
	.test_set = store_pg_test_set, \
	.tests_each = store_pg_tests_each, \
	.history_each = store_pg_history_each, \
	.stats_each = store_pg_stats_each,

/* store_pg_search.c: the record's reads and the handover notes. */
int	store_pg_alarm_record(void *, int64_t alarm_id, store_record_fn *,
	    void *arg);
int	store_pg_alarms_search(void *, const struct store_search *,
	    store_record_fn *, void *arg);
int	store_pg_alarm_events_each(void *, int64_t alarm_id,
	    store_history_fn *, void *arg);
int	store_pg_alarm_commands_each(void *, int64_t alarm_id,
	    store_command_fn *, void *arg);
int	store_pg_handover_add(void *, int64_t time_ms, const char *user,
	    const char *text);
int	store_pg_handover_last(void *, store_handover_fn *, void *arg);
#define STORE_PG_RECORD_OPS \
	.alarm_record = store_pg_alarm_record, \
	.alarms_search = store_pg_alarms_search, \
	.alarm_events_each = store_pg_alarm_events_each, \
	.alarm_commands_each = store_pg_alarm_commands_each, \
	.handover_add = store_pg_handover_add, \
	.handover_last = store_pg_handover_last,

/* store_pg_seal*.c, store_pg_purge.c: seals and retention. */
int	store_pg_seal(void *, int64_t audit_id, size_t *entries,
	    char digest[65]);
int	store_pg_seal_anchor(void *, int64_t audit_id, size_t *entries,
	    char digest[65]);
int	store_pg_seal_verify(void *, char *problem, size_t len, size_t *rows);
int	store_pg_purge(void *, const struct store_purge *, int64_t audit_id,
	    struct store_purge_result *, struct store_purge_seal *);
#define STORE_PG_SEAL_OPS \
	.seal = store_pg_seal, \
	.seal_anchor = store_pg_seal_anchor, \
	.seal_verify = store_pg_seal_verify, \
	.purge = store_pg_purge,

#endif
