/*
 * Moving over (refugectl migrate): a SQLite database read in one read
 * transaction, so that every table is of the same moment, and written into
 * PostgreSQL in one transaction of COPY ... FROM STDIN, a table at a time
 * in the order their references need, ids kept: SQLite's rowid of
 * alarm_events and unit_commands becomes their rid, which seals name.
 * COPY streams a million events in seconds where row-by-row INSERTs would
 * take minutes. This file owns both ends: the sqlite3 reads and, on a
 * connection of the PostgreSQL backend's kind (store_pg.h), the writes.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>
#include <sqlite3.h>

#include "refuge/store_copy.h"
#include "store_pg.h"

/* What is sent to PostgreSQL at a time: bounded, whatever the table. */
#define STORE_COPY_CHUNK	(256 * 1024)
#define STORE_COPY_SQL_MAX	1024

/* One table: the columns (the same names on both sides) and its keys. */
struct store_copy_spec {
	const char	*name;
	const char	*source;	/* SQLite's columns: rowid for a rid */
	const char	*columns;	/* PostgreSQL's */
	const char	*order;		/* SQLite's key, for id order */
	int		 blob;		/* the BYTEA column; -1 none */
	const char	*identity;	/* the column whose sequence follows */
};

/* In the order of their references: events before alarms before notes. */
static const struct store_copy_spec store_copy_specs[STORE_COPY_TABLES] = {
	{ "units", "id, state, last_seen_ms, firmware, attributes",
	    "id, state, last_seen_ms, firmware, attributes", "id", -1, NULL },
	{ "events", "id, unit_id, unit_event_id, type, priority, source, "
	    "unit_time_ms, received_ms, attributes", "id, unit_id, "
	    "unit_event_id, type, priority, source, unit_time_ms, received_ms, "
	    "attributes", "id", -1, "id" },
	{ "alarms", "id, event_id, unit_id, site_id, type, priority, state, "
	    "raised_ms, count, restored_ms, claimed_by, claimed_ms, "
	    "first_claimed_ms, resolved_by, resolved_ms, outcome, reason, "
	    "action, note", "id, event_id, unit_id, site_id, type, priority, "
	    "state, raised_ms, count, restored_ms, claimed_by, claimed_ms, "
	    "first_claimed_ms, resolved_by, resolved_ms, outcome, reason, "
	    "action, note", "id", -1, NULL },
	{ "alarm_events", "rowid, alarm_id, event_id",
	    "rid, alarm_id, event_id", "rowid", -1, "rid" },
	{ "alarm_notes", "id, alarm_id, time_ms, \"user\", text",
	    "id, alarm_id, time_ms, \"user\", text", "id", -1, "id" },
	{ "unit_commands", "rowid, cmd_id, unit_id, alarm_id, \"user\", "
	    "command, sent_ms, result, reason, done_ms", "rid, cmd_id, "
	    "unit_id, alarm_id, \"user\", command, sent_ms, result, reason, "
	    "done_ms",
	    "rowid", -1, "rid" },
	{ "unit_tests", "unit_id, until_ms, set_by, set_ms",
	    "unit_id, until_ms, set_by, set_ms", "unit_id", -1, NULL },
	{ "audit", "id, time_ms, \"user\", alarm_id, action, detail, "
	    "prev_hash, hash", "id, time_ms, \"user\", alarm_id, action, "
	    "detail, prev_hash, hash", "id", -1, NULL },
	{ "seal_entries", "audit_id, tbl, first, last, hash, rows",
	    "audit_id, tbl, first, last, hash, rows", "rowid", 5, NULL },
	{ "seal_state", "id, anchored", "id, anchored", "id", -1, NULL },
	{ "handover", "id, time_ms, \"user\", text",
	    "id, time_ms, \"user\", text", "id", -1, "id" },
};

/* The rows on their way to PostgreSQL, in COPY's text format. */
struct store_copy_buf {
	char	*data;
	size_t	 len, cap;
};

static int
store_copy_fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
store_copy_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;
	size_t	 len;
	char	*p = err;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	/* libpq's messages are lines (ERROR, DETAIL): one line here. */
	len = err != NULL ? strlen(err) : 0;
	while (len > 0 && (err[len - 1] == '\n' || err[len - 1] == ' '))
		err[--len] = '\0';
	for (p = err; p != NULL && (p = strchr(p, '\n')) != NULL;)
		*p = ' ';
	return -1;
}

/* A connection of the backend's kind, blocking: a tool waits for it. */
static struct store_pg *
store_copy_pg_open(const char *database, char *err, size_t errlen)
{
	struct store_pg	*pg;

	if ((pg = calloc(1, sizeof(*pg))) == NULL ||
	    (pg->conninfo = strdup(database)) == NULL) {
		free(pg);
		store_copy_fail(err, errlen, "out of memory");
		return NULL;
	}
	if (store_pg_connect(pg) == -1 || PQsetnonblocking(pg->conn, 0) == -1) {
		store_copy_fail(err, errlen, "%s: %s", database, pg->error);
		store_pg_drop(pg);
		free(pg->conninfo);
		free(pg);
		return NULL;
	}
	return pg;
}

static void
store_copy_pg_close(struct store_pg *pg)
{
	if (pg == NULL)
		return;
	store_pg_drop(pg);
	store_pg_seal_free(pg);
	free(pg->conninfo);
	free(pg);
}

static int
store_copy_put(struct store_copy_buf *b, const char *p, size_t n)
{
	char	*grown;
	size_t	 cap;

	if (b->len + n + 1 > b->cap) {
		cap = b->cap ? b->cap : STORE_COPY_CHUNK + 4096;
		while (cap < b->len + n + 1)
			cap *= 2;
		if ((grown = realloc(b->data, cap)) == NULL)
			return -1;
		b->data = grown;
		b->cap = cap;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

/* One value in COPY's text format: \N for NULL, specials escaped. */
static int
store_copy_value(struct store_copy_buf *b, sqlite3_stmt *st, int col,
    int blob)
{
	static const char	 hex[] = "0123456789abcdef";
	const unsigned char	*p;
	char			 two[2];
	int			 i, n, rc = 0;

	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return store_copy_put(b, "\\N", 2);
	if (blob) {
		p = sqlite3_column_blob(st, col);
		n = sqlite3_column_bytes(st, col);
		/* bytea's hex input, its backslash doubled for COPY. */
		rc = store_copy_put(b, "\\\\x", 3);
		for (i = 0; i < n && rc == 0; i++) {
			two[0] = hex[p[i] >> 4];
			two[1] = hex[p[i] & 15];
			rc = store_copy_put(b, two, 2);
		}
		return rc;
	}
	p = sqlite3_column_text(st, col);
	n = sqlite3_column_bytes(st, col);
	for (i = 0; i < n && rc == 0; i++) {
		switch (p[i]) {
		case '\\':
			rc = store_copy_put(b, "\\\\", 2);
			break;
		case '\t':
			rc = store_copy_put(b, "\\t", 2);
			break;
		case '\n':
			rc = store_copy_put(b, "\\n", 2);
			break;
		case '\r':
			rc = store_copy_put(b, "\\r", 2);
			break;
		default:
			rc = store_copy_put(b, (const char *)&p[i], 1);
		}
	}
	return rc;
}

/* Ends a COPY (why non-NULL: abandons it) and reads its outcome. */
static int
store_copy_end(PGconn *conn, const char *why, int64_t *copied, char *err,
    size_t errlen)
{
	PGresult	*res;
	int		 rc = 0;

	if (PQputCopyEnd(conn, why) != 1)
		rc = store_copy_fail(err, errlen, "%s", PQerrorMessage(conn));
	while ((res = PQgetResult(conn)) != NULL) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK && rc == 0 &&
		    why == NULL)
			rc = store_copy_fail(err, errlen, "%s",
			    PQresultErrorMessage(res));
		else if (PQresultStatus(res) == PGRES_COMMAND_OK)
			*copied = strtoll(PQcmdTuples(res), NULL, 10);
		PQclear(res);
	}
	return why != NULL ? -1 : rc;
}

/* Streams one table's rows, in id order, through COPY. */
static int
store_copy_rows(sqlite3 *db, PGconn *conn, const struct store_copy_spec *s,
    struct store_copy_table *t, char *err, size_t errlen)
{
	struct store_copy_buf	 b = { NULL, 0, 0 };
	sqlite3_stmt		*st = NULL;
	PGresult		*res;
	char			 sql[STORE_COPY_SQL_MAX];
	const char		*why = NULL;
	int			 col, cols, rc;

	snprintf(sql, sizeof(sql), "SELECT %s FROM %s ORDER BY %s", s->source,
	    s->name, s->order);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return store_copy_fail(err, errlen, "reading %s: %s", s->name,
		    sqlite3_errmsg(db));
	snprintf(sql, sizeof(sql), "COPY %s (%s) FROM STDIN", s->name,
	    s->columns);
	res = PQexec(conn, sql);
	if (PQresultStatus(res) != PGRES_COPY_IN) {
		/* The connection's message: res may be NULL (no memory). */
		store_copy_fail(err, errlen, "copying %s: %s", s->name,
		    PQerrorMessage(conn));
		PQclear(res);
		sqlite3_finalize(st);
		return -1;
	}
	PQclear(res);
	cols = sqlite3_column_count(st);
	while (why == NULL && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		for (col = 0; col < cols && why == NULL; col++)
			if (store_copy_value(&b, st, col, col == s->blob) ==
			    -1 || store_copy_put(&b, col + 1 < cols ? "\t" :
			    "\n", 1) == -1)
				why = "out of memory";
		if (why == NULL && b.len >= STORE_COPY_CHUNK) {
			if (PQputCopyData(conn, b.data, (int)b.len) != 1)
				why = PQerrorMessage(conn);
			b.len = 0;
		}
		t->source++;
	}
	if (why == NULL && rc != SQLITE_DONE)
		why = sqlite3_errmsg(db);
	if (why == NULL && b.len > 0 &&
	    PQputCopyData(conn, b.data, (int)b.len) != 1)
		why = PQerrorMessage(conn);
	if (why != NULL) {
		store_copy_fail(err, errlen, "copying %s: %s", s->name, why);
		(void)store_copy_end(conn, "abandoned", &t->copied, NULL, 0);
		rc = -1;
	} else if ((rc = store_copy_end(conn, NULL, &t->copied, sql,
	    sizeof(sql))) == -1)
		store_copy_fail(err, errlen, "copying %s: %s", s->name, sql);
	sqlite3_finalize(st);
	free(b.data);
	return rc;
}

/* A statement of the copy's own, text made here: 0, or -1 with err. */
static int
store_copy_command(struct store_pg *pg, const char *sql, char *err,
    size_t errlen)
{
	if (store_pg_command(pg, sql, NULL) == -1)
		return store_copy_fail(err, errlen, "%s", pg->error);
	return 0;
}

/*
 * Inside the transaction: every table locked against a receiver's writes
 * and checked empty. seal_state's one row is the schema's, replaced.
 */
static int
store_copy_target_empty(struct store_pg *pg, char *err, size_t errlen)
{
	PGresult	*res;
	char		 sql[STORE_COPY_SQL_MAX];
	size_t		 i, len;
	int		 rows;

	len = (size_t)snprintf(sql, sizeof(sql), "LOCK TABLE ");
	for (i = 0; i < STORE_COPY_TABLES && len < sizeof(sql); i++)
		len += (size_t)snprintf(sql + len, sizeof(sql) - len, "%s%s",
		    i > 0 ? ", " : "", store_copy_specs[i].name);
	if (len < sizeof(sql))
		snprintf(sql + len, sizeof(sql) - len, " IN EXCLUSIVE MODE");
	if (store_copy_command(pg, sql, err, errlen) == -1)
		return -1;
	for (i = 0; i < STORE_COPY_TABLES; i++) {
		if (strcmp(store_copy_specs[i].name, "seal_state") == 0)
			continue;
		snprintf(sql, sizeof(sql), "SELECT 1 FROM %s LIMIT 1",
		    store_copy_specs[i].name);
		if ((res = store_pg_query(pg, sql, NULL)) == NULL)
			return store_copy_fail(err, errlen, "%s", pg->error);
		rows = PQntuples(res);
		PQclear(res);
		if (rows > 0)
			return store_copy_fail(err, errlen, "the PostgreSQL "
			    "database is not empty (table %s has rows); "
			    "migrate copies into a new database only",
			    store_copy_specs[i].name);
	}
	return store_copy_command(pg, "DELETE FROM seal_state", err, errlen);
}

/* Each identity sequence set past the ids copied, for the next insert. */
static int
store_copy_sequences(struct store_pg *pg, char *err, size_t errlen)
{
	const struct store_copy_spec	*s;
	char				 sql[STORE_COPY_SQL_MAX];
	size_t				 i;

	for (i = 0; i < STORE_COPY_TABLES; i++) {
		s = &store_copy_specs[i];
		if (s->identity == NULL)
			continue;
		snprintf(sql, sizeof(sql), "SELECT setval("
		    "pg_get_serial_sequence('%s', '%s'), "
		    "coalesce(max(%s), 0) + 1, false) FROM %s",
		    s->name, s->identity, s->identity, s->name);
		if (store_copy_command(pg, sql, err, errlen) == -1)
			return -1;
	}
	return 0;
}

/* Every table's rows counted again after the commit, on both sides. */
static int
store_copy_count(sqlite3 *db, struct store_pg *pg,
    struct store_copy_result *r, char *err, size_t errlen)
{
	sqlite3_stmt	*st;
	PGresult	*res;
	char		 sql[STORE_COPY_SQL_MAX];
	size_t		 i;
	int		 rc;

	for (i = 0; i < STORE_COPY_TABLES; i++) {
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s",
		    store_copy_specs[i].name);
		if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
			return store_copy_fail(err, errlen, "counting %s: %s",
			    store_copy_specs[i].name, sqlite3_errmsg(db));
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			r->tables[i].source = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
		if (rc != SQLITE_ROW)
			return store_copy_fail(err, errlen, "counting %s: %s",
			    store_copy_specs[i].name, sqlite3_errmsg(db));
		if ((res = store_pg_query(pg, sql, NULL)) == NULL)
			return store_copy_fail(err, errlen, "counting %s: %s",
			    store_copy_specs[i].name, pg->error);
		r->tables[i].target = store_pg_int(res, 0, 0);
		PQclear(res);
	}
	return 0;
}

/* The copy itself, in one transaction on each side. */
static int
store_copy_all(sqlite3 *db, struct store_pg *pg, struct store_copy_result *r,
    store_copy_progress_fn *progress, void *arg, char *err, size_t errlen)
{
	size_t	i;

	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return store_copy_fail(err, errlen, "reading: %s",
		    sqlite3_errmsg(db));
	if (store_copy_command(pg, "BEGIN", err, errlen) == -1)
		goto fail;
	pg->in_tx = 1;
	if (store_copy_target_empty(pg, err, errlen) == -1)
		goto fail;
	for (i = 0; i < STORE_COPY_TABLES; i++) {
		if (store_copy_rows(db, pg->conn, &store_copy_specs[i],
		    &r->tables[i], err, errlen) == -1)
			goto fail;
		if (progress != NULL)
			progress(&r->tables[i], arg);
	}
	if (store_copy_sequences(pg, err, errlen) == -1 ||
	    store_copy_command(pg, "COMMIT", err, errlen) == -1)
		goto fail;
	pg->in_tx = 0;
	(void)sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	return 0;
fail:
	if (pg->conn != NULL && pg->in_tx)
		(void)store_pg_command(pg, "ROLLBACK", NULL);
	pg->in_tx = 0;
	(void)sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

int
store_copy_sqlite_to_pg(const char *from, const char *to,
    struct store_copy_result *r, store_copy_progress_fn *progress, void *arg,
    char *err, size_t errlen)
{
	sqlite3		*db = NULL;
	struct store_pg	*pg = NULL;
	size_t		 i;
	int		 rc = -1;

	memset(r, 0, sizeof(*r));
	r->count = STORE_COPY_TABLES;
	for (i = 0; i < STORE_COPY_TABLES; i++)
		r->tables[i].name = store_copy_specs[i].name;
	if (sqlite3_open_v2(from, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK) {
		store_copy_fail(err, errlen, "%s: %s", from, db != NULL ?
		    sqlite3_errmsg(db) : "out of memory");
		goto done;
	}
	sqlite3_busy_timeout(db, 5000);
	if ((pg = store_copy_pg_open(to, err, errlen)) == NULL)
		goto done;
	if (store_copy_all(db, pg, r, progress, arg, err, errlen) == -1 ||
	    store_copy_count(db, pg, r, err, errlen) == -1)
		goto done;
	rc = 0;
done:
	store_copy_pg_close(pg);
	sqlite3_close(db);
	return rc;
}

int
store_copy_pg_active(const char *database, char *err, size_t errlen)
{
	struct store_pg_params	 params;
	struct store_pg		*pg;
	PGresult		*res;
	int			 rc;

	if ((pg = store_copy_pg_open(database, err, errlen)) == NULL)
		return -1;
	/* A bigint advisory key shows as classid (high) and objid (low). */
	store_pg_params_init(&params);
	store_pg_param_int(&params, STORE_PG_LOCK_LEASE);
	if ((res = store_pg_query(pg, "SELECT count(*) FROM pg_locks l, "
	    "pg_database d WHERE l.locktype = 'advisory' AND l.granted AND "
	    "l.database = d.oid AND d.datname = current_database() AND "
	    "l.objsubid = 1 AND ((l.classid::bigint << 32) | "
	    "l.objid::bigint) = $1", &params)) == NULL) {
		store_copy_fail(err, errlen, "%s", pg->error);
		store_copy_pg_close(pg);
		return -1;
	}
	rc = store_pg_int(res, 0, 0) > 0;
	PQclear(res);
	store_copy_pg_close(pg);
	return rc;
}
