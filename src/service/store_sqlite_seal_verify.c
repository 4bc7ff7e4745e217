/*
 * verify's half of the seals: every seal's entries against the digest its
 * audit row holds (the chain itself is checked by the facade), then every
 * sealed table walked beside its entries, in rowid order, so that the first
 * row edited, deleted or added outside refuged is named. A retention
 * checkpoint (an audit row 'purge', through=<id> digest=<d>) stands for the
 * seals at or before it, whose entries lost the rows purged.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "refuge/audit.h"
#include "store_sqlite.h"

#define SV_PREFIX	8
#define SV_DIGEST	32

struct sv {
	struct store_sqlite	*sq;
	char			*problem;
	size_t			 len;
	size_t			 rows;
	int64_t			 through;	/* the latest checkpoint's */
	char			 through_digest[AUDIT_HASH_HEX];
};

static void
sv_hex(const unsigned char *d, size_t n, char *out)
{
	static const char	hex[] = "0123456789abcdef";
	size_t			i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[2 * n] = '\0';
}

static sqlite3_stmt *
sv_prepare(struct sv *v, const char *sql)
{
	sqlite3_stmt	*st = NULL;

	if (sqlite3_prepare_v2(v->sq->db, sql, -1, &st, NULL) != SQLITE_OK)
		return NULL;
	return st;
}

/* The digest of the entries st yields (tbl, first, last, hash per row). */
int
store_sqlite_seal_entries_digest(sqlite3_stmt *st, char out[AUDIT_HASH_HEX],
    size_t *count)
{
	EVP_MD_CTX	*md;
	unsigned char	 d[SV_DIGEST];
	unsigned int	 dl = 0;
	char		 line[200];
	int		 len, rc;

	*count = 0;
	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
		goto fail;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		len = snprintf(line, sizeof(line), "%s %lld %lld %s\n",
		    (const char *)sqlite3_column_text(st, 0),
		    (long long)sqlite3_column_int64(st, 1),
		    (long long)sqlite3_column_int64(st, 2),
		    (const char *)sqlite3_column_text(st, 3));
		if (len < 0 || (size_t)len >= sizeof(line) ||
		    EVP_DigestUpdate(md, line, (size_t)len) != 1)
			goto fail;
		(*count)++;
	}
	if (rc != SQLITE_DONE || EVP_DigestFinal_ex(md, d, &dl) != 1)
		goto fail;
	EVP_MD_CTX_free(md);
	sv_hex(d, SV_DIGEST, out);
	return 0;
fail:
	EVP_MD_CTX_free(md);
	return -1;
}

/* Each seal's entries match its audit row; entries belong to a seal. */
static int
sv_seals(struct sv *v)
{
	sqlite3_stmt	*seals, *entries = NULL, *orphan = NULL;
	char		 want[AUDIT_HASH_HEX], got[AUDIT_HASH_HEX], n[32];
	size_t		 count;
	int		 rc = -1, step;

	if ((seals = sv_prepare(v, "SELECT id, action, detail FROM audit "
	    "WHERE action IN ('seal', 'anchor', 'purge') AND id > ?1 ORDER BY id")) ==
	    NULL || (entries = sv_prepare(v, "SELECT tbl, first, last, hash "
	    "FROM seal_entries WHERE audit_id = ?1 ORDER BY rowid")) == NULL ||
	    (orphan = sv_prepare(v, "SELECT audit_id, tbl, first FROM "
	    "seal_entries WHERE audit_id > ?1 AND audit_id NOT IN (SELECT id "
	    "FROM audit WHERE action IN ('seal', 'anchor', 'purge')) LIMIT 1")) == NULL)
		goto done;
	sqlite3_bind_int64(seals, 1, v->through);
	while ((step = sqlite3_step(seals)) == SQLITE_ROW) {
		const char	*detail = (const char *)sqlite3_column_text(seals,
				    2);
		int64_t		 id = sqlite3_column_int64(seals, 0);

		sqlite3_reset(entries);
		sqlite3_bind_int64(entries, 1, id);
		if (store_sqlite_seal_entries_digest(entries, got, &count) == -1)
			goto done;
		if (audit_detail_get(detail, "digest", want, sizeof(want)) == -1 ||
		    audit_detail_get(detail, "entries", n, sizeof(n)) == -1 ||
		    strcmp(want, got) != 0 || strtoull(n, NULL, 10) != count) {
			snprintf(v->problem, v->len, "audit row %lld (%s): its "
			    "seal entries were changed", (long long)id,
			    (const char *)sqlite3_column_text(seals, 1));
			rc = 1;
			goto done;
		}
	}
	if (step != SQLITE_DONE)
		goto done;
	sqlite3_bind_int64(orphan, 1, v->through);
	if ((step = sqlite3_step(orphan)) == SQLITE_ROW) {
		snprintf(v->problem, v->len, "seal entry for %s row %lld names "
		    "audit row %lld, which is no seal",
		    (const char *)sqlite3_column_text(orphan, 1),
		    (long long)sqlite3_column_int64(orphan, 2),
		    (long long)sqlite3_column_int64(orphan, 0));
		rc = 1;
		goto done;
	}
	rc = step == SQLITE_DONE ? 0 : -1;
done:
	sqlite3_finalize(seals);
	sqlite3_finalize(entries);
	sqlite3_finalize(orphan);
	return rc;
}

/* The latest retention checkpoint, and its digest over the older entries. */
static int
sv_checkpoint(struct sv *v)
{
	sqlite3_stmt	*cp, *entries = NULL;
	char		 through[32], got[AUDIT_HASH_HEX];
	size_t		 count;
	int		 rc = -1, step;
	int64_t		 id = 0;

	if ((cp = sv_prepare(v, "SELECT id, detail FROM audit WHERE action = "
	    "'purge' ORDER BY id DESC LIMIT 1")) == NULL)
		return -1;
	if ((step = sqlite3_step(cp)) == SQLITE_DONE) {
		rc = 0;
		goto done;
	}
	if (step != SQLITE_ROW)
		goto done;
	id = sqlite3_column_int64(cp, 0);
	if (audit_detail_get((const char *)sqlite3_column_text(cp, 1), "through",
	    through, sizeof(through)) == -1 ||
	    audit_detail_get((const char *)sqlite3_column_text(cp, 1), "cp",
	    v->through_digest, sizeof(v->through_digest)) == -1) {
		snprintf(v->problem, v->len, "audit row %lld (purge): no "
		    "through= or cp=", (long long)id);
		rc = 1;
		goto done;
	}
	v->through = strtoll(through, NULL, 10);
	if ((entries = sv_prepare(v, "SELECT tbl, first, last, hash FROM "
	    "seal_entries WHERE audit_id <= ?1 ORDER BY audit_id, rowid")) ==
	    NULL)
		goto done;
	sqlite3_bind_int64(entries, 1, v->through);
	if (store_sqlite_seal_entries_digest(entries, got, &count) == -1)
		goto done;
	if (strcmp(got, v->through_digest) != 0) {
		snprintf(v->problem, v->len, "audit row %lld (purge): the seal "
		    "entries it stands for were changed", (long long)id);
		rc = 1;
		goto done;
	}
	rc = 0;
done:
	sqlite3_finalize(cp);
	sqlite3_finalize(entries);
	return rc;
}

/* The next row of the table, or none (rowid -1). */
static int
sv_next_row(sqlite3_stmt *rows, int64_t *rowid)
{
	int	step = sqlite3_step(rows);

	if (step == SQLITE_ROW) {
		*rowid = sqlite3_column_int64(rows, 0);
		return 0;
	}
	*rowid = -1;
	return step == SQLITE_DONE ? 0 : -1;
}

static int
sv_bad(struct sv *v, const char *table, int64_t rowid, const char *what,
    int64_t audit_id)
{
	if (audit_id > 0)
		snprintf(v->problem, v->len, "%s row %lld %s (sealed in audit "
		    "row %lld)", table, (long long)rowid, what,
		    (long long)audit_id);
	else
		snprintf(v->problem, v->len, "%s row %lld %s", table,
		    (long long)rowid, what);
	return 1;
}

/*
 * One table beside its entries (newest first for a row sealed again):
 * returns 0 sound, 1 a problem, -1 an error.
 */
static int
sv_table(struct sv *v, const char *table, const char *columns)
{
	sqlite3_stmt	*rows = NULL, *ents = NULL;
	unsigned char	 d[SV_DIGEST];
	char		 sql[600], got[AUDIT_HASH_HEX];
	int64_t		 rowid, first, last, prev_first = -1, audit_id, r;
	EVP_MD_CTX	*md = NULL;
	unsigned int	 dl;
	const unsigned char *blob;
	int		 rc = -1;

	snprintf(sql, sizeof(sql), "SELECT rowid, %s FROM %s ORDER BY rowid",
	    columns, table);
	if ((rows = sv_prepare(v, sql)) == NULL || (ents = sv_prepare(v,
	    "SELECT first, last, hash, rows, audit_id FROM seal_entries WHERE "
	    "tbl = ?1 ORDER BY first, audit_id DESC")) == NULL ||
	    (md = EVP_MD_CTX_new()) == NULL)
		goto done;
	sqlite3_bind_text(ents, 1, table, -1, SQLITE_STATIC);
	if (sv_next_row(rows, &rowid) == -1)
		goto done;
	while (sqlite3_step(ents) == SQLITE_ROW) {
		first = sqlite3_column_int64(ents, 0);
		last = sqlite3_column_int64(ents, 1);
		audit_id = sqlite3_column_int64(ents, 4);
		blob = sqlite3_column_blob(ents, 3);
		if (first == prev_first)
			continue;	/* an older seal of the same row */
		if (first <= prev_first || last < first ||
		    sqlite3_column_bytes(ents, 3) != (last - first + 1) *
		    SV_PREFIX) {
			snprintf(v->problem, v->len, "%s: seal entry for rows "
			    "%lld-%lld (audit row %lld) is malformed", table,
			    (long long)first, (long long)last,
			    (long long)audit_id);
			rc = 1;
			goto done;
		}
		prev_first = first;
		if (rowid != -1 && rowid < first) {
			rc = sv_bad(v, table, rowid, "was added outside refuged "
			    "(no seal covers it)", 0);
			goto done;
		}
		if (EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
			goto done;
		for (r = first; r <= last; r++) {
			if (rowid != r) {
				rc = sv_bad(v, table, r, "was deleted",
				    audit_id);
				goto done;
			}
			if (store_sqlite_seal_row_digest(rows, d) == -1 ||
			    EVP_DigestUpdate(md, d, SV_DIGEST) != 1)
				goto done;
			if (memcmp(d, blob + (r - first) * SV_PREFIX,
			    SV_PREFIX) != 0) {
				rc = sv_bad(v, table, r, "was changed after it "
				    "was sealed", audit_id);
				goto done;
			}
			v->rows++;
			if (sv_next_row(rows, &rowid) == -1)
				goto done;
		}
		if (EVP_DigestFinal_ex(md, d, &dl) != 1)
			goto done;
		sv_hex(d, SV_DIGEST, got);
		if (strcmp(got, (const char *)sqlite3_column_text(ents, 2)) !=
		    0) {
			rc = sv_bad(v, table, first, "or one after it in its "
			    "seal entry was changed", audit_id);
			goto done;
		}
	}
	if (rowid != -1) {
		rc = sv_bad(v, table, rowid, "was added outside refuged (no seal "
		    "covers it)", 0);
		goto done;
	}
	rc = 0;
done:
	EVP_MD_CTX_free(md);
	sqlite3_finalize(rows);
	sqlite3_finalize(ents);
	return rc;
}

int
store_sqlite_seal_verify(void *be, char *problem, size_t len, size_t *rows)
{
	struct sv	v;
	size_t		i;
	int		rc;

	memset(&v, 0, sizeof(v));
	v.sq = be;
	v.problem = problem;
	v.len = len;
	problem[0] = '\0';
	if ((rc = sv_checkpoint(&v)) != 0 || (rc = sv_seals(&v)) != 0)
		goto done;
	for (i = 0; i < store_sqlite_seal_table_count(); i++)
		if ((rc = sv_table(&v, store_sqlite_seal_table_name(i),
		    store_sqlite_seal_table_columns(i))) != 0)
			goto done;
done:
	*rows = v.rows;
	if (rc == -1)
		snprintf(v.sq->seal_error, sizeof(v.sq->seal_error), "verifying "
		    "the seals: %s", sqlite3_errmsg(v.sq->db));
	return rc;
}
