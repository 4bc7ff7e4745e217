/*
 * Seals: the rows refuged itself writes to the tables reports and incidents
 * are made from, hashed into the audit chain at each commit (schema
 * 005-seal.sql says what an entry holds). SQLite's update hook names every
 * row this connection inserts or updates, and only those: an edit made with
 * another program is never sealed, so verify finds it. Events, the events
 * attached to alarms and notes are only ever added, so one entry covers a
 * run of them; alarms and commands change, so each change seals the row
 * again and the newest entry is the one that counts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "refuge/audit.h"
#include "store_sqlite.h"

#define SEAL_PREFIX	8	/* bytes of each row's digest kept in rows */
#define SEAL_RUN_MAX	4096	/* rows in one entry */
#define SEAL_DIGEST	32

struct seal_table {
	const char	*name;
	int		 immutable;
	const char	*columns;	/* what is sealed, in this order */
};

/* Add a column here and old seals no longer verify: add a table instead. */
static const struct seal_table seal_tables[] = {
	{ "events", 1, "id, unit_id, unit_event_id, type, priority, source, "
	    "unit_time_ms, received_ms, attributes" },
	{ "alarm_events", 1, "alarm_id, event_id" },
	{ "alarm_notes", 1, "id, alarm_id, time_ms, user, text" },
	{ "alarms", 0, "id, event_id, unit_id, site_id, type, priority, state, "
	    "raised_ms, count, restored_ms, claimed_by, claimed_ms, "
	    "first_claimed_ms, resolved_by, resolved_ms, outcome, reason, "
	    "action, note" },
	{ "unit_commands", 0, "cmd_id, unit_id, alarm_id, user, command, "
	    "sent_ms, result, reason, done_ms" },
};

#define SEAL_NTABLES	(sizeof(seal_tables) / sizeof(seal_tables[0]))

struct seal_row {
	unsigned	 table;
	sqlite3_int64	 rowid;
};

struct store_sqlite_seal {
	struct seal_row	*pending;	/* rows written since the last seal */
	size_t		 count, cap;
	int		 overflow;	/* memory ran out: the seal fails */
	int		 paused;	/* a purge: its deletions are no rows to seal */
	sqlite3_stmt	*select[SEAL_NTABLES];	/* rowid BETWEEN ?1 AND ?2 */
	sqlite3_stmt	*insert;
};

/* One entry being built: a run of rows of one table. */
struct seal_entry {
	unsigned	 table;
	sqlite3_int64	 first, last;
	EVP_MD_CTX	*md;
	unsigned char	 rows[SEAL_RUN_MAX * SEAL_PREFIX];
	char		 hash[AUDIT_HASH_HEX];
};

static void
seal_hook(void *arg, int op, const char *dbname, const char *table,
    sqlite3_int64 rowid)
{
	struct store_sqlite_seal	*s = arg;
	struct seal_row			*p;
	unsigned			 t;

	(void)op;
	(void)dbname;
	for (t = 0; t < SEAL_NTABLES; t++)
		if (strcmp(table, seal_tables[t].name) == 0)
			break;
	if (t == SEAL_NTABLES || s->overflow || s->paused)
		return;
	if (s->count == s->cap) {
		size_t	cap = s->cap ? s->cap * 2 : 1024;

		if ((p = reallocarray(s->pending, cap, sizeof(*p))) == NULL) {
			s->overflow = 1;
			return;
		}
		s->pending = p;
		s->cap = cap;
	}
	s->pending[s->count].table = t;
	s->pending[s->count++].rowid = rowid;
}

static sqlite3_stmt *
seal_prepare_select(sqlite3 *db, unsigned t, int whole)
{
	char		 sql[512];
	sqlite3_stmt	*st = NULL;

	snprintf(sql, sizeof(sql), "SELECT rowid, %s FROM %s %s ORDER BY rowid",
	    seal_tables[t].columns, seal_tables[t].name, whole ? "" :
	    "WHERE rowid BETWEEN ?1 AND ?2");
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	return st;
}

int
store_sqlite_seal_init(struct store_sqlite *sq, char *err, size_t errlen)
{
	struct store_sqlite_seal	*s;
	unsigned			 t;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	sq->seal = s;
	for (t = 0; t < SEAL_NTABLES; t++)
		if ((s->select[t] = seal_prepare_select(sq->db, t, 0)) == NULL)
			goto fail;
	if (sqlite3_prepare_v2(sq->db, "INSERT INTO seal_entries (audit_id, "
	    "tbl, first, last, hash, rows) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", -1,
	    &s->insert, NULL) != SQLITE_OK)
		goto fail;
	sqlite3_update_hook(sq->db, seal_hook, s);
	return 0;
fail:
	snprintf(err, errlen, "preparing the seal statements: %s",
	    sqlite3_errmsg(sq->db));
	return -1;
}

void
store_sqlite_seal_free(struct store_sqlite *sq)
{
	struct store_sqlite_seal	*s = sq->seal;
	unsigned			 t;

	if (s == NULL)
		return;
	sqlite3_update_hook(sq->db, NULL, NULL);
	for (t = 0; t < SEAL_NTABLES; t++)
		sqlite3_finalize(s->select[t]);
	sqlite3_finalize(s->insert);
	free(s->pending);
	free(s);
	sq->seal = NULL;
}

void
store_sqlite_seal_forget(struct store_sqlite *sq)
{
	if (sq->seal == NULL)
		return;
	sq->seal->count = 0;
	sq->seal->overflow = 0;
}

size_t
store_sqlite_seal_table_count(void)
{
	return SEAL_NTABLES;
}

const char *
store_sqlite_seal_table_name(size_t i)
{
	return seal_tables[i].name;
}

const char *
store_sqlite_seal_table_columns(size_t i)
{
	return seal_tables[i].columns;
}

/* A row's digest: its rowid and each sealed column, typed and delimited. */
int
store_sqlite_seal_row_digest(sqlite3_stmt *st, unsigned char *out)
{
	EVP_MD_CTX	*md;
	char		 num[48];
	int		 i, n = sqlite3_column_count(st), len;
	unsigned int	 dlen = 0;

	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
		goto fail;
	for (i = 0; i < n; i++) {
		switch (sqlite3_column_type(st, i)) {
		case SQLITE_NULL:
			len = snprintf(num, sizeof(num), "N;");
			break;
		case SQLITE_INTEGER:
			len = snprintf(num, sizeof(num), "I%lld;",
			    (long long)sqlite3_column_int64(st, i));
			break;
		case SQLITE_FLOAT:
			len = snprintf(num, sizeof(num), "F%.17g;",
			    sqlite3_column_double(st, i));
			break;
		default:
			len = snprintf(num, sizeof(num), "T%d:",
			    sqlite3_column_bytes(st, i));
			if (EVP_DigestUpdate(md, num, (size_t)len) != 1 ||
			    EVP_DigestUpdate(md, sqlite3_column_blob(st, i),
			    (size_t)sqlite3_column_bytes(st, i)) != 1)
				goto fail;
			len = snprintf(num, sizeof(num), ";");
			break;
		}
		if (EVP_DigestUpdate(md, num, (size_t)len) != 1)
			goto fail;
	}
	if (EVP_DigestFinal_ex(md, out, &dlen) != 1)
		goto fail;
	EVP_MD_CTX_free(md);
	return 0;
fail:
	EVP_MD_CTX_free(md);
	return -1;
}

static int
seal_entry_start(struct seal_entry *e, unsigned t, sqlite3_int64 rowid)
{
	e->table = t;
	e->first = e->last = rowid;
	if (e->md == NULL && (e->md = EVP_MD_CTX_new()) == NULL)
		return -1;
	return EVP_DigestInit_ex(e->md, EVP_sha256(), NULL) == 1 ? 0 : -1;
}

static int
seal_entry_add(struct seal_entry *e, const unsigned char d[SEAL_DIGEST])
{
	memcpy(e->rows + (size_t)(e->last - e->first) * SEAL_PREFIX, d,
	    SEAL_PREFIX);
	return EVP_DigestUpdate(e->md, d, SEAL_DIGEST) == 1 ? 0 : -1;
}

static int
seal_entry_finish(struct seal_entry *e)
{
	unsigned char	d[SEAL_DIGEST];
	unsigned int	len = 0;

	if (EVP_DigestFinal_ex(e->md, d, &len) != 1)
		return -1;
	audit_hex(d, SEAL_DIGEST, e->hash);
	return 0;
}

/* What a seal writes: entries under one audit row, and their digest. */
struct seal_out {
	struct store_sqlite	*sq;
	int64_t			 audit_id;
	size_t			 entries;
	EVP_MD_CTX		*md;
};

static int
seal_entry_store(struct seal_out *o, struct seal_entry *e)
{
	sqlite3_stmt	*st = o->sq->seal->insert;
	char		 line[160];
	int		 len, rc;

	if (seal_entry_finish(e) == -1)
		return -1;
	len = snprintf(line, sizeof(line), "%s %lld %lld %s\n",
	    seal_tables[e->table].name, (long long)e->first,
	    (long long)e->last, e->hash);
	if (EVP_DigestUpdate(o->md, line, (size_t)len) != 1)
		return -1;
	if (sqlite3_bind_int64(st, 1, o->audit_id) != SQLITE_OK ||
	    sqlite3_bind_text(st, 2, seal_tables[e->table].name, -1,
	    SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, e->first) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 4, e->last) != SQLITE_OK ||
	    sqlite3_bind_text(st, 5, e->hash, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_blob(st, 6, e->rows, (int)((e->last - e->first + 1) *
	    SEAL_PREFIX), SQLITE_STATIC) != SQLITE_OK) {
		sqlite3_reset(st);
		return -1;
	}
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		return -1;
	o->entries++;
	return 0;
}

/*
 * Seals rows first..last of table t as they are now: a run for a table only
 * added to, one entry a row for one that changes; a row missing from the
 * range (gone again in the same transaction) splits the run.
 */
static int
seal_range(struct seal_out *o, sqlite3_stmt *st, unsigned t,
    sqlite3_int64 first, sqlite3_int64 last, struct seal_entry *e)
{
	unsigned char	d[SEAL_DIGEST];
	sqlite3_int64	rowid;
	int		open = 0, rc;

	if (sqlite3_bind_int64(st, 1, first) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 2, last) != SQLITE_OK)
		goto fail;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		rowid = sqlite3_column_int64(st, 0);
		if (store_sqlite_seal_row_digest(st, d) == -1)
			goto fail;
		if (open && (rowid != e->last + 1 || !seal_tables[t].immutable ||
		    e->last - e->first + 1 == SEAL_RUN_MAX)) {
			if (seal_entry_store(o, e) == -1)
				goto fail;
			open = 0;
		}
		if (!open) {
			if (seal_entry_start(e, t, rowid) == -1)
				goto fail;
			open = 1;
		} else
			e->last = rowid;
		if (seal_entry_add(e, d) == -1)
			goto fail;
	}
	if (rc != SQLITE_DONE || (open && seal_entry_store(o, e) == -1))
		goto fail;
	sqlite3_reset(st);
	return 0;
fail:
	sqlite3_reset(st);
	return -1;
}

static int
seal_row_cmp(const void *a, const void *b)
{
	const struct seal_row	*x = a, *y = b;

	if (x->table != y->table)
		return x->table < y->table ? -1 : 1;
	return (x->rowid > y->rowid) - (x->rowid < y->rowid);
}

static int
seal_begin_out(struct seal_out *o, struct store_sqlite *sq, int64_t audit_id)
{
	memset(o, 0, sizeof(*o));
	o->sq = sq;
	o->audit_id = audit_id;
	if ((o->md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(o->md, EVP_sha256(), NULL) != 1)
		return -1;
	return 0;
}

static int
seal_end_out(struct seal_out *o, size_t *entries, char digest[AUDIT_HASH_HEX])
{
	unsigned char	d[SEAL_DIGEST];
	unsigned int	len = 0;
	int		rc;

	rc = EVP_DigestFinal_ex(o->md, d, &len) == 1 ? 0 : -1;
	EVP_MD_CTX_free(o->md);
	audit_hex(d, SEAL_DIGEST, digest);
	*entries = o->entries;
	return rc;
}

static int
seal_error(struct store_sqlite *sq, const char *what)
{
	snprintf(sq->seal_error, sizeof(sq->seal_error), "sealing rows: %s: %s",
	    what, sqlite3_errmsg(sq->db));
	return -1;
}

int
store_sqlite_seal(void *be, int64_t audit_id, size_t *entries,
    char digest[AUDIT_HASH_HEX])
{
	struct store_sqlite		*sq = be;
	struct store_sqlite_seal	*s = sq->seal;
	struct seal_out			 o;
	struct seal_entry		*e = NULL;
	size_t				 i, j;
	int				 rc = -1;

	*entries = 0;
	if (s == NULL || s->count == 0)
		return 0;
	if (s->overflow)
		return seal_error(sq, "out of memory");
	qsort(s->pending, s->count, sizeof(*s->pending), seal_row_cmp);
	if ((e = calloc(1, sizeof(*e))) == NULL ||
	    seal_begin_out(&o, sq, audit_id) == -1) {
		free(e);
		return seal_error(sq, "out of memory");
	}
	for (i = 0; i < s->count; i = j) {
		/* A run of consecutive rowids (duplicates folded) of one table. */
		for (j = i + 1; j < s->count && s->pending[j].table ==
		    s->pending[i].table && s->pending[j].rowid <=
		    s->pending[j - 1].rowid + 1; j++)
			;
		if (seal_range(&o, s->select[s->pending[i].table],
		    s->pending[i].table, s->pending[i].rowid,
		    s->pending[j - 1].rowid, e) == -1)
			goto done;
	}
	rc = 0;
done:
	if (seal_end_out(&o, entries, digest) == -1)
		rc = -1;
	EVP_MD_CTX_free(e->md);
	free(e);
	s->count = 0;
	return rc == 0 ? 0 : seal_error(sq, "writing the entries");
}

/*
 * Reseals rows first..last of table t as they are now, under audit_id,
 * adding to the digest a caller keeps across calls (purge's checkpoint).
 */
struct store_sqlite_reseal {
	struct seal_out		 o;
	struct seal_entry	*e;
};

struct store_sqlite_reseal *
store_sqlite_reseal_begin(struct store_sqlite *sq, int64_t audit_id)
{
	struct store_sqlite_reseal	*r;

	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (r->e = calloc(1, sizeof(*r->e))) == NULL ||
	    seal_begin_out(&r->o, sq, audit_id) == -1) {
		if (r != NULL)
			free(r->e);
		free(r);
		return NULL;
	}
	return r;
}

int
store_sqlite_reseal(struct store_sqlite_reseal *r, size_t table,
    int64_t first, int64_t last)
{
	return seal_range(&r->o, r->o.sq->seal->select[table], (unsigned)table,
	    first, last, r->e);
}

int
store_sqlite_reseal_end(struct store_sqlite_reseal *r, size_t *entries,
    char digest[AUDIT_HASH_HEX])
{
	int	rc = seal_end_out(&r->o, entries, digest);

	EVP_MD_CTX_free(r->e->md);
	free(r->e);
	free(r);
	return rc;
}

void
store_sqlite_seal_pause(struct store_sqlite *sq, int paused)
{
	if (sq->seal != NULL) {
		sq->seal->paused = paused;
		sq->seal->count = 0;
	}
}

int
store_sqlite_seal_anchor(void *be, int64_t audit_id, size_t *entries,
    char digest[AUDIT_HASH_HEX])
{
	struct store_sqlite	*sq = be;
	struct seal_out		 o;
	struct seal_entry	*e = NULL;
	sqlite3_stmt		*st = NULL;
	unsigned		 t;
	int			 anchored = 1, rc = -1;

	*entries = 0;
	if (sqlite3_prepare_v2(sq->db, "SELECT anchored FROM seal_state", -1,
	    &st, NULL) != SQLITE_OK)
		return seal_error(sq, "reading seal_state");
	if (sqlite3_step(st) == SQLITE_ROW)
		anchored = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	if (anchored)
		return 0;
	if ((e = calloc(1, sizeof(*e))) == NULL ||
	    seal_begin_out(&o, sq, audit_id) == -1) {
		free(e);
		return seal_error(sq, "out of memory");
	}
	/* Every row there now, in the same runs as sealing would make. */
	for (t = 0; t < SEAL_NTABLES; t++)
		if (seal_range(&o, sq->seal->select[t], t, 0, INT64_MAX, e) ==
		    -1)
			goto done;
	if (sqlite3_exec(sq->db, "UPDATE seal_state SET anchored = 1", NULL,
	    NULL, NULL) != SQLITE_OK)
		goto done;
	rc = 0;
done:
	if (seal_end_out(&o, entries, digest) == -1)
		rc = -1;
	EVP_MD_CTX_free(e->md);
	free(e);
	/* The anchor's own writes are not pending rows. */
	sq->seal->count = 0;
	return rc == 0 ? 0 : seal_error(sq, "anchoring");
}
