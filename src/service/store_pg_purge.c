/*
 * Retention on PostgreSQL (store_sqlite_purge.c's twin): resolved alarms
 * with their notes, commands and attached events, events no alarm refers
 * to, and the oldest prefix of the audit chain are deleted; the seal
 * entries that covered a deleted row are replaced by entries for the rows
 * left (sealed under the checkpoint row), and the digest of every older
 * entry that remains goes into the checkpoint, so that verify still passes
 * and still finds any other deletion. Runs inside the transaction
 * store_purge opened. The deletions call no store_pg_written: they are no
 * rows to seal.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "refuge/audit.h"
#include "store_pg_seal.h"

static int
purge_exec(struct store_pg *pg, const char *sql, int64_t arg, int64_t *changed)
{
	struct store_pg_params	 params;
	PGresult		*res;

	store_pg_params_init(&params);
	store_pg_param_int(&params, arg);
	if ((res = store_pg_query(pg, sql, strstr(sql, "$1") != NULL ?
	    &params : NULL)) == NULL)
		return -1;
	if (changed != NULL)
		*changed += store_pg_changed(res);
	PQclear(res);
	return 0;
}

static int
purge_alarms(struct store_pg *pg, int64_t before, struct store_purge_result *r)
{
	if (purge_exec(pg, "CREATE TEMP TABLE refuge_purge_alarms ON COMMIT "
	    "DROP AS SELECT id FROM alarms WHERE state = 'resolved' AND "
	    "raised_ms < $1", before, NULL) == -1 ||
	    purge_exec(pg, "DELETE FROM alarm_notes WHERE alarm_id IN (SELECT "
	    "id FROM refuge_purge_alarms)", 0, &r->notes) == -1 ||
	    purge_exec(pg, "DELETE FROM unit_commands WHERE alarm_id IN "
	    "(SELECT id FROM refuge_purge_alarms)", 0, &r->commands) == -1 ||
	    purge_exec(pg, "DELETE FROM alarm_events WHERE alarm_id IN (SELECT "
	    "id FROM refuge_purge_alarms)", 0, &r->attached) == -1 ||
	    purge_exec(pg, "DELETE FROM alarms WHERE id IN (SELECT id FROM "
	    "refuge_purge_alarms)", 0, &r->alarms) == -1)
		return -1;
	return purge_exec(pg, "DROP TABLE refuge_purge_alarms", 0, NULL);
}

/*
 * Entries that lost rows go; their rows that are left are sealed again
 * under the checkpoint. An entry of a table that changes covers one row, so
 * its row is either there (the entry stands) or gone.
 */
static int
purge_reseal(struct store_pg *pg, struct store_pg_reseal *rs)
{
	const struct store_pg_seal_table	*t;
	PGresult				*res = NULL;
	char					 sql[512];
	size_t					 i;
	int					 row;

	for (i = 0; i < store_pg_seal_table_count(); i++) {
		t = store_pg_seal_table(i);
		snprintf(sql, sizeof(sql), "DELETE FROM seal_entries e WHERE "
		    "tbl = '%s' AND (SELECT count(*) FROM %s WHERE %s BETWEEN "
		    "e.first AND e.last) <> e.last - e.first + 1 "
		    "RETURNING first, last", t->name, t->name, t->rowid);
		if ((res = store_pg_query(pg, sql, NULL)) == NULL)
			return -1;
		for (row = 0; row < PQntuples(res); row++)
			if (store_pg_reseal(rs, i, store_pg_int(res, row, 0),
			    store_pg_int(res, row, 1)) == -1) {
				PQclear(res);
				return -1;
			}
		PQclear(res);
	}
	return 0;
}

/*
 * The chain's oldest rows go as a prefix, up to the first row that is
 * recent or belongs to an alarm still kept; resume is the prev_hash of the
 * new first row, which the checkpoint records.
 */
static int
purge_audit(struct store_pg *pg, int64_t before, int64_t audit_id,
    struct store_purge_result *r, char resume[AUDIT_HASH_HEX])
{
	struct store_pg_params	 params;
	PGresult		*res;
	int64_t			 keep = audit_id;

	store_pg_params_init(&params);
	store_pg_param_int(&params, before);
	if ((res = store_pg_query(pg, "SELECT id, prev_hash FROM audit WHERE "
	    "time_ms >= $1 OR (alarm_id <> 0 AND alarm_id IN (SELECT id FROM "
	    "alarms)) ORDER BY id LIMIT 1", &params)) == NULL)
		return -1;
	if (PQntuples(res) > 0) {
		keep = store_pg_int(res, 0, 0);
		snprintf(resume, AUDIT_HASH_HEX, "%s", PQgetvalue(res, 0, 1));
	} else {
		/* Every row may go: the checkpoint will be the first. */
		PQclear(res);
		if ((res = store_pg_query(pg, "SELECT hash FROM audit ORDER BY "
		    "id DESC LIMIT 1", NULL)) == NULL)
			return -1;
		if (PQntuples(res) > 0)
			snprintf(resume, AUDIT_HASH_HEX, "%s",
			    PQgetvalue(res, 0, 0));
	}
	PQclear(res);
	if (purge_exec(pg, "DELETE FROM audit WHERE id < $1", keep,
	    &r->audit) == -1)
		return -1;
	if (r->audit == 0)
		resume[0] = '\0';
	return 0;
}

/*
 * The lease's lock, for this transaction: a purge from refugectl while a
 * receiver writes would race it for the chain's next row, so it is refused
 * while one holds the lease. A receiver's own purge (retention:) holds it
 * already, on this session, and takes it again.
 */
static int
purge_lease(struct store_pg *pg)
{
	struct store_pg_params	 params;
	PGresult		*res;
	int			 got;

	store_pg_params_init(&params);
	store_pg_param_int(&params, STORE_PG_LOCK_LEASE);
	if ((res = store_pg_query(pg, "SELECT pg_try_advisory_xact_lock($1)",
	    &params)) == NULL)
		return -1;
	got = PQntuples(res) == 1 && strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (!got)
		return store_pg_fail(pg, "a receiver holds the database's "
		    "lease (refuged running on it)");
	return 0;
}

static int
purge_deletions(struct store_pg *pg, const struct store_purge *p,
    struct store_purge_result *r)
{
	if (purge_lease(pg) == -1)
		return -1;
	if (p->alarms_before_ms >= 0 && purge_alarms(pg, p->alarms_before_ms,
	    r) == -1)
		return -1;
	if (p->events_before_ms >= 0 && purge_exec(pg, "DELETE FROM events e "
	    "WHERE received_ms < $1 AND NOT EXISTS (SELECT 1 FROM alarms a "
	    "WHERE a.event_id = e.id) AND NOT EXISTS (SELECT 1 FROM "
	    "alarm_events ae WHERE ae.event_id = e.id)", p->events_before_ms,
	    &r->events) == -1)
		return -1;
	return 0;
}

int
store_pg_purge(void *be, const struct store_purge *p, int64_t audit_id,
    struct store_purge_result *r, struct store_purge_seal *seal)
{
	struct store_pg		*pg = be;
	struct store_pg_reseal	*rs = NULL;
	struct store_pg_params	 params;
	char			 why[sizeof(pg->error)];
	size_t			 count;

	memset(r, 0, sizeof(*r));
	memset(seal, 0, sizeof(*seal));
	seal->through = audit_id - 1;
	if (purge_deletions(pg, p, r) == -1)
		goto fail;
	if ((rs = store_pg_reseal_begin(pg, audit_id)) == NULL) {
		store_pg_fail(pg, "out of memory");
		goto fail;
	}
	if (purge_reseal(pg, rs) == -1) {
		memcpy(why, pg->error, sizeof(why));
		(void)store_pg_reseal_end(rs, &count, seal->digest);
		memcpy(pg->error, why, sizeof(why));
		goto fail;
	}
	if (store_pg_reseal_end(rs, &seal->entries, seal->digest) == -1)
		goto fail;
	if (p->audit_before_ms >= 0 && purge_audit(pg, p->audit_before_ms,
	    audit_id, r, seal->resume) == -1)
		goto fail;
	store_pg_params_init(&params);
	store_pg_param_int(&params, seal->through);
	if (store_pg_seal_entries_digest(pg, "SELECT tbl, first, last, hash "
	    "FROM seal_entries WHERE audit_id <= $1 ORDER BY "
	    STORE_PG_SEAL_ORDER, &params, seal->old_digest, &count) == -1)
		goto fail;
	return 0;
fail:
	memcpy(why, pg->error, sizeof(why));
	return store_pg_fail(pg, "purging: %s", why);
}
