/*
 * Retention for SQLite: resolved alarms with their notes, commands and
 * attached events, events no alarm refers to, and the oldest prefix of the
 * audit chain are deleted; the seal entries that covered a deleted row are
 * replaced by entries for the rows left (sealed under the checkpoint row),
 * and the digest of every older entry that remains goes into the
 * checkpoint, so that verify still passes and still finds any other
 * deletion. Runs inside the transaction store_purge opened.
 */
#include <stdio.h>
#include <string.h>

#include "refuge/audit.h"
#include "store_sqlite.h"

static int
purge_exec(struct store_sqlite *sq, const char *sql, int64_t arg,
    int64_t *changed)
{
	sqlite3_stmt	*st = NULL;
	int		 rc;

	if (sqlite3_prepare_v2(sq->db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_bind_parameter_count(st) > 0)
		sqlite3_bind_int64(st, 1, arg);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return -1;
	if (changed != NULL)
		*changed += sqlite3_changes(sq->db);
	return 0;
}

static int
purge_alarms(struct store_sqlite *sq, int64_t before,
    struct store_purge_result *r)
{
	if (purge_exec(sq, "CREATE TEMP TABLE purge_alarms AS SELECT id FROM "
	    "alarms WHERE state = 'resolved' AND raised_ms < ?1", before,
	    NULL) == -1 ||
	    purge_exec(sq, "DELETE FROM alarm_notes WHERE alarm_id IN (SELECT "
	    "id FROM purge_alarms)", 0, &r->notes) == -1 ||
	    purge_exec(sq, "DELETE FROM unit_commands WHERE alarm_id IN "
	    "(SELECT id FROM purge_alarms)", 0, &r->commands) == -1 ||
	    purge_exec(sq, "DELETE FROM alarm_events WHERE alarm_id IN (SELECT "
	    "id FROM purge_alarms)", 0, &r->attached) == -1 ||
	    purge_exec(sq, "DELETE FROM alarms WHERE id IN (SELECT id FROM "
	    "purge_alarms)", 0, &r->alarms) == -1)
		return -1;
	return purge_exec(sq, "DROP TABLE purge_alarms", 0, NULL);
}

/*
 * Entries that lost rows go; their rows that are left are sealed again
 * under the checkpoint. An entry of a table that changes covers one row, so
 * its row is either there (the entry stands) or gone.
 */
static int
purge_reseal(struct store_sqlite *sq, struct store_sqlite_reseal *rs)
{
	sqlite3_stmt	*st = NULL, *del = NULL;
	char		 sql[512];
	size_t		 t;
	int		 rc = -1, step;

	if (sqlite3_prepare_v2(sq->db, "DELETE FROM seal_entries WHERE rowid = "
	    "?1", -1, &del, NULL) != SQLITE_OK)
		goto done;
	for (t = 0; t < store_sqlite_seal_table_count(); t++) {
		snprintf(sql, sizeof(sql), "SELECT rowid, first, last FROM "
		    "seal_entries WHERE tbl = '%s' AND (SELECT count(*) FROM %s "
		    "WHERE rowid BETWEEN first AND last) <> last - first + 1",
		    store_sqlite_seal_table_name(t),
		    store_sqlite_seal_table_name(t));
		if (sqlite3_prepare_v2(sq->db, sql, -1, &st, NULL) != SQLITE_OK)
			goto done;
		while ((step = sqlite3_step(st)) == SQLITE_ROW) {
			int64_t	first = sqlite3_column_int64(st, 1);
			int64_t	last = sqlite3_column_int64(st, 2);

			sqlite3_reset(del);
			sqlite3_bind_int64(del, 1, sqlite3_column_int64(st, 0));
			if (sqlite3_step(del) != SQLITE_DONE ||
			    store_sqlite_reseal(rs, t, first, last) == -1)
				goto done;
		}
		if (step != SQLITE_DONE)
			goto done;
		sqlite3_finalize(st);
		st = NULL;
	}
	rc = 0;
done:
	sqlite3_finalize(st);
	sqlite3_finalize(del);
	return rc;
}

/*
 * The chain's oldest rows go as a prefix, up to the first row that is
 * recent or belongs to an alarm still kept; resume is the prev_hash of the
 * new first row, which the checkpoint records.
 */
static int
purge_audit(struct store_sqlite *sq, int64_t before, int64_t audit_id,
    struct store_purge_result *r, char resume[AUDIT_HASH_HEX])
{
	sqlite3_stmt	*st = NULL;
	int64_t		 keep = audit_id;
	int		 rc = -1;

	if (sqlite3_prepare_v2(sq->db, "SELECT id, prev_hash FROM audit WHERE "
	    "time_ms >= ?1 OR (alarm_id <> 0 AND alarm_id IN (SELECT id FROM "
	    "alarms)) ORDER BY id LIMIT 1", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, before);
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		keep = sqlite3_column_int64(st, 0);
		snprintf(resume, AUDIT_HASH_HEX, "%s",
		    (const char *)sqlite3_column_text(st, 1));
		break;
	case SQLITE_DONE:
		/* Every row may go: the checkpoint will be the first. */
		sqlite3_finalize(st);
		st = NULL;
		if (sqlite3_prepare_v2(sq->db, "SELECT hash FROM audit ORDER BY "
		    "id DESC LIMIT 1", -1, &st, NULL) != SQLITE_OK)
			return -1;
		if (sqlite3_step(st) == SQLITE_ROW)
			snprintf(resume, AUDIT_HASH_HEX, "%s",
			    (const char *)sqlite3_column_text(st, 0));
		break;
	default:
		goto done;
	}
	if (purge_exec(sq, "DELETE FROM audit WHERE id < ?1", keep,
	    &r->audit) == -1)
		goto done;
	if (r->audit == 0)
		resume[0] = '\0';
	rc = 0;
done:
	sqlite3_finalize(st);
	return rc;
}

int
store_sqlite_purge(void *be, const struct store_purge *p, int64_t audit_id,
    struct store_purge_result *r, struct store_purge_seal *seal)
{
	struct store_sqlite		*sq = be;
	struct store_sqlite_reseal	*rs = NULL;
	sqlite3_stmt			*st = NULL;
	size_t				 count;
	int				 rc = -1;

	memset(r, 0, sizeof(*r));
	memset(seal, 0, sizeof(*seal));
	seal->through = audit_id - 1;
	store_sqlite_seal_pause(sq, 1);
	if (p->alarms_before_ms >= 0 && purge_alarms(sq, p->alarms_before_ms,
	    r) == -1)
		goto done;
	if (p->events_before_ms >= 0 && purge_exec(sq, "DELETE FROM events "
	    "WHERE received_ms < ?1 AND id NOT IN (SELECT event_id FROM alarms) "
	    "AND id NOT IN (SELECT event_id FROM alarm_events)",
	    p->events_before_ms, &r->events) == -1)
		goto done;
	if ((rs = store_sqlite_reseal_begin(sq, audit_id)) == NULL ||
	    purge_reseal(sq, rs) == -1)
		goto done;
	if (store_sqlite_reseal_end(rs, &seal->entries, seal->digest) == -1) {
		rs = NULL;
		goto done;
	}
	rs = NULL;
	if (p->audit_before_ms >= 0 && purge_audit(sq, p->audit_before_ms,
	    audit_id, r, seal->resume) == -1)
		goto done;
	if (sqlite3_prepare_v2(sq->db, "SELECT tbl, first, last, hash FROM "
	    "seal_entries WHERE audit_id <= ?1 ORDER BY audit_id, rowid", -1,
	    &st, NULL) != SQLITE_OK)
		goto done;
	sqlite3_bind_int64(st, 1, seal->through);
	if (store_sqlite_seal_entries_digest(st, seal->old_digest, &count) ==
	    -1)
		goto done;
	rc = 0;
done:
	if (rs != NULL)
		store_sqlite_reseal_end(rs, &count, seal->digest);
	sqlite3_finalize(st);
	store_sqlite_seal_pause(sq, 0);
	if (rc == -1)
		snprintf(sq->seal_error, sizeof(sq->seal_error), "purging: %s",
		    sqlite3_errmsg(sq->db));
	return rc;
}
