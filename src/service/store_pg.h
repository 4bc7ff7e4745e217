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
 * In store_pg_begin: a receiver's write transaction locks the lease row
 * and checks the term is still its own; -1 (standby, or the lease lost).
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

/* store_pg_data.c, store_pg_alarms.c: the data. */
#define STORE_PG_DATA_OPS

/* store_pg_search.c: the record's reads and the handover notes. */
#define STORE_PG_RECORD_OPS

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
