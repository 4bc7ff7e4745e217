/*
 * verify's half of the seals on PostgreSQL (store_sqlite_seal_verify.c's
 * twin): every seal's entries against the digest its audit row holds, then
 * every sealed table walked beside its entries in rowid order, so that the
 * first row edited, deleted or added outside refuged is named. All of it
 * reads one snapshot (a REPEATABLE READ transaction), so a receiver writing
 * meanwhile is not taken for an intruder, and reads a page or a cursor's
 * batch at a time, so a large record is verified in bounded memory.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "store_pg_seal.h"

#define SV_SEAL_ACTIONS	"action IN ('seal', 'anchor', 'purge')"
#define SV_BATCH	1000	/* narrow rows a FETCH takes */
#define SV_WIDE_BATCH	16	/* entries with their rows: up to 64 KB each */

struct sv {
	struct store_pg	*pg;
	char		*problem;
	size_t		 len;
	size_t		 rows;
	int64_t		 through;	/* the latest checkpoint's */
};

/* The latest retention checkpoint, and its digest over the older entries. */
static int
sv_checkpoint(struct sv *v)
{
	struct store_pg_params	 params;
	PGresult		*res;
	char			 through[32], cp[STORE_PG_SEAL_HEX];
	char			 got[STORE_PG_SEAL_HEX];
	size_t			 count;
	int64_t			 id;
	int			 ok;

	if ((res = store_pg_query(v->pg, "SELECT id, detail FROM audit WHERE "
	    "action = 'purge' ORDER BY id DESC LIMIT 1", NULL)) == NULL)
		return -1;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return 0;
	}
	id = store_pg_int(res, 0, 0);
	ok = audit_detail_get(PQgetvalue(res, 0, 1), "through", through,
	    sizeof(through)) == 0 && audit_detail_get(PQgetvalue(res, 0, 1), "cp", cp,
	    sizeof(cp)) == 0;
	PQclear(res);
	if (!ok) {
		snprintf(v->problem, v->len, "audit row %" PRId64 " (purge): "
		    "no through= or cp=", id);
		return 1;
	}
	v->through = strtoll(through, NULL, 10);
	store_pg_params_init(&params);
	store_pg_param_int(&params, v->through);
	if (store_pg_seal_entries_digest(v->pg, "SELECT tbl, first, last, hash "
	    "FROM seal_entries WHERE audit_id <= $1 ORDER BY "
	    STORE_PG_SEAL_ORDER, &params, got, &count) == -1)
		return -1;
	if (strcmp(got, cp) != 0) {
		snprintf(v->problem, v->len, "audit row %" PRId64 " (purge): "
		    "the seal entries it stands for were changed", id);
		return 1;
	}
	return 0;
}

/* One seal's entries, taken from the entries' cursor: its digest's match. */
struct sv_walk {
	struct store_pg_cursor	 ents;
	const PGresult		*res;
	int			 row;
	int			 have;	/* res/row is the next entry */
	int64_t			 orphan_audit, orphan_first;
	char			 orphan_tbl[32];
};

static int
sv_walk_next(struct sv_walk *w)
{
	int	step = store_pg_cursor_next(&w->ents, &w->res, &w->row);

	w->have = step == 1;
	return step == -1 ? -1 : 0;
}

static void
sv_orphan(struct sv_walk *w, int64_t audit_id)
{
	if (w->orphan_audit != 0)
		return;
	w->orphan_audit = audit_id;
	w->orphan_first = store_pg_int(w->res, w->row, 1);
	snprintf(w->orphan_tbl, sizeof(w->orphan_tbl), "%s",
	    PQgetvalue(w->res, w->row, 0));
}

/* The entries of seal id: 0 they match detail, 1 not, -1 an error. */
static int
sv_seal_one(struct sv *v, struct sv_walk *w, int64_t id, const char *detail)
{
	EVP_MD_CTX	*md;
	unsigned char	 d[STORE_PG_SEAL_DIGEST];
	unsigned int	 dl = 0;
	char		 line[200], want[STORE_PG_SEAL_HEX], n[32];
	char		 got[STORE_PG_SEAL_HEX];
	size_t		 count = 0;
	int64_t		 audit_id;
	int		 len, rc = -1;

	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		store_pg_fail(v->pg, "out of memory");
		goto done;
	}
	while (w->have && (audit_id = store_pg_int(w->res, w->row, 4)) <= id) {
		if (audit_id < id)
			sv_orphan(w, audit_id);
		else {
			len = snprintf(line, sizeof(line), "%s %lld %lld %s\n",
			    PQgetvalue(w->res, w->row, 0),
			    (long long)store_pg_int(w->res, w->row, 1),
			    (long long)store_pg_int(w->res, w->row, 2),
			    PQgetvalue(w->res, w->row, 3));
			if (len < 0 || (size_t)len >= sizeof(line) ||
			    EVP_DigestUpdate(md, line, (size_t)len) != 1) {
				store_pg_fail(v->pg, "a seal entry too long");
				goto done;
			}
			count++;
		}
		if (sv_walk_next(w) == -1)
			goto done;
	}
	if (EVP_DigestFinal_ex(md, d, &dl) != 1) {
		store_pg_fail(v->pg, "digest failed");
		goto done;
	}
	audit_hex(d, STORE_PG_SEAL_DIGEST, got);
	rc = audit_detail_get(detail, "digest", want, sizeof(want)) == -1 ||
	    audit_detail_get(detail, "entries", n, sizeof(n)) == -1 ||
	    strcmp(want, got) != 0 || strtoull(n, NULL, 10) != count;
done:
	EVP_MD_CTX_free(md);
	return rc;
}

/*
 * Each seal's entries match its audit row; entries belong to a seal. Both
 * are walked once, side by side, in audit row order.
 */
static int
sv_seals(struct sv *v)
{
	struct store_pg_params	 params;
	struct store_pg_cursor	 seals;
	struct sv_walk		 w;
	const PGresult		*res;
	int			 row, step, rc = -1;

	memset(&w, 0, sizeof(w));
	memset(&seals, 0, sizeof(seals));
	store_pg_params_init(&params);
	store_pg_param_int(&params, v->through);
	if (store_pg_cursor_open(&seals, v->pg, "refuge_sv_seals", SV_BATCH,
	    "SELECT id, action, detail FROM audit WHERE " SV_SEAL_ACTIONS
	    " AND id > $1 ORDER BY id", &params) == -1 ||
	    store_pg_cursor_open(&w.ents, v->pg, "refuge_sv_entries", SV_BATCH,
	    "SELECT tbl, first, last, hash, audit_id FROM seal_entries WHERE "
	    "audit_id > $1 ORDER BY " STORE_PG_SEAL_ORDER, &params) == -1 ||
	    sv_walk_next(&w) == -1)
		goto done;
	while ((step = store_pg_cursor_next(&seals, &res, &row)) == 1) {
		int64_t	id = store_pg_int(res, row, 0);

		if ((rc = sv_seal_one(v, &w, id, PQgetvalue(res, row, 2))) ==
		    -1)
			goto done;
		if (rc == 1) {
			snprintf(v->problem, v->len, "audit row %" PRId64
			    " (%s): its seal entries were changed", id,
			    PQgetvalue(res, row, 1));
			goto done;
		}
	}
	rc = -1;
	if (step == -1)
		goto done;
	if (w.have)
		sv_orphan(&w, store_pg_int(w.res, w.row, 4));
	if (w.orphan_audit != 0) {
		snprintf(v->problem, v->len, "seal entry for %s row %" PRId64
		    " names audit row %" PRId64 ", which is no seal",
		    w.orphan_tbl, w.orphan_first, w.orphan_audit);
		rc = 1;
		goto done;
	}
	rc = 0;
done:
	store_pg_cursor_close(&seals);
	store_pg_cursor_close(&w.ents);
	return rc;
}

static int
sv_bad(struct sv *v, const char *table, int64_t rowid, const char *what,
    int64_t audit_id)
{
	if (audit_id > 0)
		snprintf(v->problem, v->len, "%s row %" PRId64 " %s (sealed in "
		    "audit row %" PRId64 ")", table, rowid, what, audit_id);
	else
		snprintf(v->problem, v->len, "%s row %" PRId64 " %s", table,
		    rowid, what);
	return 1;
}

/* The table's walk: the next row (rowid -1 at the end) and its digest. */
struct sv_rows {
	struct store_pg_seal_rows	 pager;
	size_t				 table;
	int64_t				 rowid;
	unsigned char			 d[STORE_PG_SEAL_DIGEST];
};

static int
sv_rows_next(struct sv_rows *r)
{
	const PGresult	*res;
	int		 row, step;

	if ((step = store_pg_seal_rows_next(&r->pager, &res, &row)) != 1) {
		r->rowid = -1;
		return step;
	}
	r->rowid = store_pg_seal_rowid(res, row);
	if (store_pg_seal_row_digest(res, row, r->table, r->d) == -1)
		return store_pg_fail(r->pager.pg, "%s row %" PRId64 ": cannot "
		    "digest it", store_pg_seal_table(r->table)->name, r->rowid);
	return 0;
}

/* One entry's rows against it: 0 sound, 1 a problem, -1 an error. */
static int
sv_entry(struct sv *v, struct sv_rows *r, const PGresult *res, int row,
    EVP_MD_CTX *md)
{
	const char	*table = store_pg_seal_table(r->table)->name;
	int64_t		 first = store_pg_int(res, row, 0);
	int64_t		 last = store_pg_int(res, row, 1);
	int64_t		 audit_id = store_pg_int(res, row, 4), i;
	unsigned char	 blob[STORE_PG_SEAL_RUN_MAX * STORE_PG_SEAL_PREFIX];
	unsigned char	 d[STORE_PG_SEAL_DIGEST];
	unsigned int	 dl = 0;
	char		 got[STORE_PG_SEAL_HEX];
	int		 n;

	n = store_pg_seal_unhex(PQgetvalue(res, row, 3),
	    (size_t)PQgetlength(res, row, 3), blob, sizeof(blob));
	if (last < first || last - first >= STORE_PG_SEAL_RUN_MAX ||
	    n != (last - first + 1) * STORE_PG_SEAL_PREFIX) {
		snprintf(v->problem, v->len, "%s: seal entry for rows %" PRId64
		    "-%" PRId64 " (audit row %" PRId64 ") is malformed", table,
		    first, last, audit_id);
		return 1;
	}
	if (r->rowid != -1 && r->rowid < first)
		return sv_bad(v, table, r->rowid, "was added outside refuged "
		    "(no seal covers it)", 0);
	if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
		return store_pg_fail(v->pg, "digest failed");
	for (i = first; i <= last; i++) {
		if (r->rowid != i)
			return sv_bad(v, table, i, "was deleted", audit_id);
		if (EVP_DigestUpdate(md, r->d, sizeof(r->d)) != 1)
			return store_pg_fail(v->pg, "digest failed");
		if (memcmp(r->d, blob + (i - first) * STORE_PG_SEAL_PREFIX,
		    STORE_PG_SEAL_PREFIX) != 0)
			return sv_bad(v, table, i, "was changed after it was "
			    "sealed", audit_id);
		v->rows++;
		if (sv_rows_next(r) == -1)
			return -1;
	}
	if (EVP_DigestFinal_ex(md, d, &dl) != 1)
		return store_pg_fail(v->pg, "digest failed");
	audit_hex(d, STORE_PG_SEAL_DIGEST, got);
	if (strcmp(got, PQgetvalue(res, row, 2)) != 0)
		return sv_bad(v, table, first, "or one after it in its seal "
		    "entry was changed", audit_id);
	return 0;
}

/*
 * One table beside its entries (newest first for a row sealed again):
 * returns 0 sound, 1 a problem, -1 an error.
 */
static int
sv_table(struct sv *v, size_t t)
{
	struct store_pg_params	 params;
	struct store_pg_cursor	 ents;
	struct sv_rows		 r;
	const PGresult		*res;
	EVP_MD_CTX		*md;
	int64_t			 first, prev_first = INT64_MIN;
	int			 row, step, rc = -1;

	memset(&ents, 0, sizeof(ents));
	memset(&r, 0, sizeof(r));
	r.table = t;
	store_pg_seal_rows_open(&r.pager, v->pg, t, INT64_MIN, INT64_MAX);
	if ((md = EVP_MD_CTX_new()) == NULL) {
		store_pg_fail(v->pg, "out of memory");
		goto done;
	}
	store_pg_params_init(&params);
	store_pg_param_text(&params, store_pg_seal_table(t)->name);
	if (store_pg_cursor_open(&ents, v->pg, "refuge_sv_table", SV_WIDE_BATCH,
	    "SELECT first, last, hash, encode(rows, 'hex'), audit_id FROM "
	    "seal_entries WHERE tbl = $1 ORDER BY first, audit_id DESC",
	    &params) == -1 ||
	    sv_rows_next(&r) == -1)
		goto done;
	while ((step = store_pg_cursor_next(&ents, &res, &row)) == 1) {
		first = store_pg_int(res, row, 0);
		if (first == prev_first && prev_first != INT64_MIN)
			continue;	/* an older seal of the same row */
		prev_first = first;
		if ((rc = sv_entry(v, &r, res, row, md)) != 0)
			goto done;
	}
	rc = -1;
	if (step == -1)
		goto done;
	if (r.rowid != -1) {
		rc = sv_bad(v, store_pg_seal_table(t)->name, r.rowid,
		    "was added outside refuged (no seal covers it)", 0);
		goto done;
	}
	rc = 0;
done:
	EVP_MD_CTX_free(md);
	store_pg_cursor_close(&ents);
	store_pg_seal_rows_close(&r.pager);
	return rc;
}

static int
sv_all(struct sv *v)
{
	size_t	t;
	int	rc;

	if ((rc = sv_checkpoint(v)) != 0 || (rc = sv_seals(v)) != 0)
		return rc;
	for (t = 0; t < store_pg_seal_table_count(); t++)
		if ((rc = sv_table(v, t)) != 0)
			return rc;
	return 0;
}

int
store_pg_seal_verify(void *be, char *problem, size_t len, size_t *rows)
{
	struct store_pg	*pg = be;
	struct sv	 v;
	char		 why[sizeof(pg->error)];
	int		 rc, own = !pg->in_tx;

	memset(&v, 0, sizeof(v));
	v.pg = pg;
	v.problem = problem;
	v.len = len;
	problem[0] = '\0';
	*rows = 0;
	if (own) {
		if (store_pg_command(pg, "BEGIN ISOLATION LEVEL "
		    "REPEATABLE READ READ ONLY", NULL) == -1)
			goto fail;
		pg->in_tx = 1;
	}
	rc = sv_all(&v);
	memcpy(why, pg->error, sizeof(why));
	if (own && pg->in_tx) {
		pg->in_tx = 0;
		if (store_pg_command(pg, rc == -1 ? "ROLLBACK" : "COMMIT",
		    NULL) == -1 && rc != -1) {
			rc = -1;
			memcpy(why, pg->error, sizeof(why));
		}
	}
	*rows = v.rows;
	if (rc != -1)
		return rc;
	return store_pg_fail(pg, "verifying the seals: %s", why);
fail:
	memcpy(why, pg->error, sizeof(why));
	return store_pg_fail(pg, "verifying the seals: %s", why);
}
