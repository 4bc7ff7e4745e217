/*
 * Seals on PostgreSQL: the rows each transaction wrote, sealed into the
 * audit chain at its commit (as store_sqlite_seal.c does for SQLite).
 * PostgreSQL has no update hook: the backend's writes name each row of a
 * sealed table they write (store_pg_written), and only those, so an edit
 * made with another program is never sealed and verify finds it. The rows
 * are kept as runs of rowids for the transaction only (a begin, a rollback
 * or a lost connection forgets them), so the list grows with what one
 * transaction wrote, never with time.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "refuge/audit.h"
#include "store_pg_seal.h"

#define SEAL_RANGES_MAX	(1 << 20)	/* runs one transaction may name */
#define SEAL_BATCH	(1 << 20)	/* bytes of entries per INSERT */

struct seal_range {
	size_t	table;
	int64_t	first, last;
};

struct store_pg_seal {
	struct seal_range	*pending;	/* rows written since begin */
	size_t			 count, cap;
	int			 overflow;	/* too many, or no memory */
};

/* A growing text, for the arrays of one INSERT. */
struct seal_text {
	char	*s;
	size_t	 len, cap;
	int	 failed;
};

/* One entry being built: a run of rows of one table. */
struct seal_entry {
	size_t		 table;
	int64_t		 first, last;
	EVP_MD_CTX	*md;
	unsigned char	 rows[STORE_PG_SEAL_RUN_MAX * STORE_PG_SEAL_PREFIX];
};

/* What a seal writes: entries under one audit row, and their digest. */
struct seal_out {
	struct store_pg		*pg;
	int64_t			 audit_id;
	size_t			 entries, batched;
	EVP_MD_CTX		*md;
	struct seal_entry	 e;
	/* The batch: Postgres arrays of tbl, first, last, hash, rows (hex). */
	struct seal_text	 a[5];
};

/* A write's row could not be kept (calloc failed): never changed, or freed. */
static struct store_pg_seal	seal_no_memory = { NULL, 0, 0, 1 };

/* store_pg.h's names of the tables, as indexes of store_pg_seal_table. */
static const size_t seal_index[STORE_PG_TABLES] = {
	[STORE_PG_EVENTS] = 0,
	[STORE_PG_ALARM_EVENTS] = 1,
	[STORE_PG_ALARM_NOTES] = 2,
	[STORE_PG_ALARMS] = 3,
	[STORE_PG_UNIT_COMMANDS] = 4,
};

void
store_pg_written(struct store_pg *pg, enum store_pg_table name, int64_t rid)
{
	struct store_pg_seal	*s = pg->seal;
	struct seal_range	*p;
	size_t			 cap, table;

	if (s == NULL) {
		/* Nothing can be kept: the seal, and so the commit, fails. */
		if ((s = calloc(1, sizeof(*s))) == NULL)
			s = &seal_no_memory;
		pg->seal = s;
	}
	if (s->overflow || (unsigned)name >= STORE_PG_TABLES)
		return;
	table = seal_index[name];
	if (s->count > 0) {
		p = &s->pending[s->count - 1];
		if (p->table == table && rid >= p->first &&
		    rid <= p->last + 1) {
			if (rid > p->last)
				p->last = rid;
			return;
		}
	}
	if (s->count == s->cap) {
		cap = s->cap ? s->cap * 2 : 64;
		if (cap > SEAL_RANGES_MAX || (p = reallocarray(s->pending, cap,
		    sizeof(*p))) == NULL) {
			s->overflow = 1;
			return;
		}
		s->pending = p;
		s->cap = cap;
	}
	s->pending[s->count].table = table;
	s->pending[s->count].first = rid;
	s->pending[s->count++].last = rid;
}

void
store_pg_seal_forget(struct store_pg *pg)
{
	if (pg->seal == &seal_no_memory)
		pg->seal = NULL;
	if (pg->seal == NULL)
		return;
	pg->seal->count = 0;
	pg->seal->overflow = 0;
	/* A long transaction's list is given back, not kept for the next. */
	if (pg->seal->cap > 1024) {
		free(pg->seal->pending);
		pg->seal->pending = NULL;
		pg->seal->cap = 0;
	}
}

void
store_pg_seal_free(struct store_pg *pg)
{
	if (pg->seal == NULL || pg->seal == &seal_no_memory) {
		pg->seal = NULL;
		return;
	}
	free(pg->seal->pending);
	free(pg->seal);
	pg->seal = NULL;
}

static void
seal_text_add(struct seal_text *t, const char *s)
{
	size_t	n = strlen(s), cap;
	char	*p;

	if (t->failed)
		return;
	if (t->len + n + 2 > t->cap) {
		cap = t->cap ? t->cap : 1024;
		while (t->len + n + 2 > cap)
			cap *= 2;
		if ((p = realloc(t->s, cap)) == NULL) {
			t->failed = 1;
			return;
		}
		t->s = p;
		t->cap = cap;
	}
	/* "{a" then ",b" ...: closed by seal_flush. */
	t->s[t->len] = t->len == 0 ? '{' : ',';
	t->len++;
	memcpy(t->s + t->len, s, n + 1);
	t->len += n;
}

/* Writes the batched entries in one INSERT. */
static int
seal_flush(struct seal_out *o)
{
	struct store_pg_params	params;
	size_t			i;
	int			rc;

	if (o->batched == 0)
		return 0;
	store_pg_params_init(&params);
	store_pg_param_int(&params, o->audit_id);
	for (i = 0; i < 5; i++) {
		seal_text_add(&o->a[i], "");
		if (o->a[i].failed)
			return store_pg_fail(o->pg, "sealing: out of memory");
		o->a[i].s[o->a[i].len - 1] = '}';
		store_pg_param_text(&params, o->a[i].s);
	}
	rc = store_pg_command(o->pg, "INSERT INTO seal_entries (audit_id, tbl, "
	    "first, last, hash, rows) SELECT $1, u.t, u.f, u.l, u.h, "
	    "decode(u.r, 'hex') FROM unnest($2::text[], $3::bigint[], "
	    "$4::bigint[], $5::text[], $6::text[]) WITH ORDINALITY AS "
	    "u(t, f, l, h, r, n) ORDER BY u.n", &params);
	for (i = 0; i < 5; i++)
		o->a[i].len = 0;
	o->batched = 0;
	return rc;
}

static int
seal_entry_store(struct seal_out *o)
{
	struct seal_entry	*e = &o->e;
	unsigned char		 d[STORE_PG_SEAL_DIGEST];
	unsigned int		 dl = 0;
	char			 hash[STORE_PG_SEAL_HEX], line[160], n[24];
	char			*hex;
	size_t			 rows = (size_t)(e->last - e->first + 1);
	int			 len;

	if (EVP_DigestFinal_ex(e->md, d, &dl) != 1)
		return store_pg_fail(o->pg, "sealing: digest failed");
	audit_hex(d, STORE_PG_SEAL_DIGEST, hash);
	len = snprintf(line, sizeof(line), "%s %" PRId64 " %" PRId64 " %s\n",
	    store_pg_seal_table(e->table)->name, e->first, e->last, hash);
	if (EVP_DigestUpdate(o->md, line, (size_t)len) != 1)
		return store_pg_fail(o->pg, "sealing: digest failed");
	if ((hex = malloc(rows * STORE_PG_SEAL_PREFIX * 2 + 1)) == NULL)
		return store_pg_fail(o->pg, "sealing: out of memory");
	audit_hex(e->rows, rows * STORE_PG_SEAL_PREFIX, hex);
	seal_text_add(&o->a[0], store_pg_seal_table(e->table)->name);
	snprintf(n, sizeof(n), "%" PRId64, e->first);
	seal_text_add(&o->a[1], n);
	snprintf(n, sizeof(n), "%" PRId64, e->last);
	seal_text_add(&o->a[2], n);
	seal_text_add(&o->a[3], hash);
	seal_text_add(&o->a[4], hex);
	free(hex);
	o->entries++;
	o->batched++;
	return o->a[4].len >= SEAL_BATCH ? seal_flush(o) : 0;
}

static int
seal_entry_start(struct seal_out *o, size_t t, int64_t rowid)
{
	o->e.table = t;
	o->e.first = o->e.last = rowid;
	if ((o->e.md == NULL && (o->e.md = EVP_MD_CTX_new()) == NULL) ||
	    EVP_DigestInit_ex(o->e.md, EVP_sha256(), NULL) != 1)
		return store_pg_fail(o->pg, "sealing: out of memory");
	return 0;
}

/*
 * Seals rows first..last of table t as they are now: a run for a table only
 * added to, one entry a row for one that changes; a row missing from the
 * range splits the run (store_sqlite_seal.c's seal_range).
 */
static int
seal_range(struct seal_out *o, size_t t, int64_t first, int64_t last)
{
	struct store_pg_seal_rows	 rows;
	struct seal_entry		*e = &o->e;
	const PGresult			*res;
	unsigned char			 d[STORE_PG_SEAL_DIGEST];
	int64_t				 rowid;
	int				 row, step, open = 0, rc = -1;

	store_pg_seal_rows_open(&rows, o->pg, t, first, last);
	while ((step = store_pg_seal_rows_next(&rows, &res, &row)) == 1) {
		rowid = store_pg_seal_rowid(res, row);
		if (store_pg_seal_row_digest(res, row, t, d) == -1) {
			store_pg_fail(o->pg, "sealing: %s row %" PRId64 ": "
			    "cannot digest it", store_pg_seal_table(t)->name,
			    rowid);
			goto done;
		}
		if (open && (rowid != e->last + 1 ||
		    !store_pg_seal_table(t)->immutable ||
		    e->last - e->first + 1 == STORE_PG_SEAL_RUN_MAX)) {
			if (seal_entry_store(o) == -1)
				goto done;
			open = 0;
		}
		if (!open) {
			if (seal_entry_start(o, t, rowid) == -1)
				goto done;
			open = 1;
		} else
			e->last = rowid;
		memcpy(e->rows + (size_t)(e->last - e->first) *
		    STORE_PG_SEAL_PREFIX, d, STORE_PG_SEAL_PREFIX);
		if (EVP_DigestUpdate(e->md, d, sizeof(d)) != 1) {
			store_pg_fail(o->pg, "sealing: digest failed");
			goto done;
		}
	}
	if (step == -1 || (open && seal_entry_store(o) == -1))
		goto done;
	rc = 0;
done:
	store_pg_seal_rows_close(&rows);
	return rc;
}

static struct seal_out *
seal_out_new(struct store_pg *pg, int64_t audit_id)
{
	struct seal_out	*o;

	if ((o = calloc(1, sizeof(*o))) == NULL)
		return NULL;
	o->pg = pg;
	o->audit_id = audit_id;
	if ((o->md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(o->md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(o->md);
		free(o);
		return NULL;
	}
	return o;
}

/* Writes what is batched, gives the count and digest, frees o: 0 or -1. */
static int
seal_out_end(struct seal_out *o, int rc, size_t *entries,
    char digest[STORE_PG_SEAL_HEX])
{
	unsigned char	d[STORE_PG_SEAL_DIGEST];
	unsigned int	len = 0;
	size_t		i;

	if (rc == 0 && seal_flush(o) == -1)
		rc = -1;
	if (EVP_DigestFinal_ex(o->md, d, &len) != 1 && rc == 0)
		rc = store_pg_fail(o->pg, "sealing: digest failed");
	audit_hex(d, STORE_PG_SEAL_DIGEST, digest);
	*entries = o->entries;
	EVP_MD_CTX_free(o->md);
	EVP_MD_CTX_free(o->e.md);
	for (i = 0; i < 5; i++)
		free(o->a[i].s);
	free(o);
	return rc;
}

/* pg->error prefixed with what was being done: -1. */
static int
seal_fail(struct store_pg *pg, const char *what)
{
	char	why[sizeof(pg->error)];

	memcpy(why, pg->error, sizeof(why));
	return store_pg_fail(pg, "%s: %s", what, why);
}

static int
seal_range_cmp(const void *a, const void *b)
{
	const struct seal_range	*x = a, *y = b;

	if (x->table != y->table)
		return x->table < y->table ? -1 : 1;
	return (x->first > y->first) - (x->first < y->first);
}

int
store_pg_seal(void *be, int64_t audit_id, size_t *entries,
    char digest[STORE_PG_SEAL_HEX])
{
	struct store_pg		*pg = be;
	struct store_pg_seal	*s = pg->seal;
	struct seal_out		*o;
	struct seal_range	 r;
	size_t			 i, j;
	int			 rc = -1;

	*entries = 0;
	if (s == NULL)
		return 0;
	if (s->overflow)
		return store_pg_fail(pg, "sealing rows: too many rows or out "
		    "of memory");
	if (s->count == 0)
		return 0;
	if ((o = seal_out_new(pg, audit_id)) == NULL)
		return store_pg_fail(pg, "sealing rows: out of memory");
	qsort(s->pending, s->count, sizeof(*s->pending), seal_range_cmp);
	for (i = 0; i < s->count; i = j) {
		/* Runs that touch or overlap are read as one. */
		r = s->pending[i];
		for (j = i + 1; j < s->count && s->pending[j].table ==
		    r.table && s->pending[j].first <= r.last + 1; j++)
			if (s->pending[j].last > r.last)
				r.last = s->pending[j].last;
		if (seal_range(o, r.table, r.first, r.last) == -1)
			goto done;
	}
	rc = 0;
done:
	s->count = 0;
	if (seal_out_end(o, rc, entries, digest) == -1)
		return seal_fail(pg, "sealing rows");
	return 0;
}

struct store_pg_reseal {
	struct seal_out	*o;
};

struct store_pg_reseal *
store_pg_reseal_begin(struct store_pg *pg, int64_t audit_id)
{
	struct store_pg_reseal	*r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	if ((r->o = seal_out_new(pg, audit_id)) == NULL) {
		free(r);
		return NULL;
	}
	return r;
}

int
store_pg_reseal(struct store_pg_reseal *r, size_t table, int64_t first,
    int64_t last)
{
	return seal_range(r->o, table, first, last);
}

int
store_pg_reseal_end(struct store_pg_reseal *r, size_t *entries,
    char digest[STORE_PG_SEAL_HEX])
{
	int	rc = seal_out_end(r->o, 0, entries, digest);

	free(r);
	return rc;
}

/*
 * Once per database: every row there is sealed as it is. The state row is
 * locked first, so that of two receivers opening an unanchored database at
 * once, the second waits and then finds the anchor made.
 */
int
store_pg_seal_anchor(void *be, int64_t audit_id, size_t *entries,
    char digest[STORE_PG_SEAL_HEX])
{
	struct store_pg	*pg = be;
	struct seal_out	*o;
	PGresult	*res;
	int64_t		 anchored;
	size_t		 t;
	int		 rc = -1;

	*entries = 0;
	if ((res = store_pg_query(pg, "SELECT anchored FROM seal_state "
	    "FOR UPDATE", NULL)) == NULL)
		return seal_fail(pg, "reading seal_state");
	anchored = PQntuples(res) > 0 ? store_pg_int(res, 0, 0) : 1;
	PQclear(res);
	if (anchored)
		return 0;
	if ((o = seal_out_new(pg, audit_id)) == NULL)
		return store_pg_fail(pg, "anchoring: out of memory");
	for (t = 0; t < store_pg_seal_table_count(); t++)
		if (seal_range(o, t, INT64_MIN, INT64_MAX) == -1)
			goto done;
	if (store_pg_command(pg, "UPDATE seal_state SET anchored = 1", NULL) ==
	    -1)
		goto done;
	rc = 0;
done:
	/* The anchor's own writes are not rows to seal. */
	store_pg_seal_forget(pg);
	rc = seal_out_end(o, rc, entries, digest);
	return rc == 0 ? 0 : seal_fail(pg, "anchoring");
}
