/*
 * Reading sealed rows on PostgreSQL: the tables and columns sealed, a row's
 * digest, and bounded reads (pages of rows, cursors over entries). The
 * digest is SQLite's to the byte: "I<n>;" for an integer, "N;" for NULL,
 * "T<bytes>:<UTF-8 bytes>;" for text. Integers are parsed back from libpq's
 * decimal text and printed as SQLite's side prints them; text is fetched as
 * hex of its UTF-8 encoding, whatever client_encoding the session has.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "store_pg_seal.h"

#define ROWS_PAGE	1024	/* rows a page reads */
#define CURSOR_BATCH	1000

static const char *const events_cols[] = { "Iid", "Tunit_id",
	"Tunit_event_id", "Ttype", "Ipriority", "Tsource", "Iunit_time_ms",
	"Ireceived_ms", "Tattributes", NULL };
static const char *const alarm_events_cols[] = { "Ialarm_id", "Ievent_id",
	NULL };
static const char *const alarm_notes_cols[] = { "Iid", "Ialarm_id",
	"Itime_ms", "T\"user\"", "Ttext", NULL };
static const char *const alarms_cols[] = { "Iid", "Ievent_id", "Tunit_id",
	"Tsite_id", "Ttype", "Ipriority", "Tstate", "Iraised_ms", "Icount",
	"Irestored_ms", "Tclaimed_by", "Iclaimed_ms", "Ifirst_claimed_ms",
	"Tresolved_by", "Iresolved_ms", "Toutcome", "Treason", "Taction",
	"Tnote", NULL };
static const char *const unit_commands_cols[] = { "Tcmd_id", "Tunit_id",
	"Ialarm_id", "T\"user\"", "Tcommand", "Isent_ms", "Tresult", "Treason",
	"Idone_ms", NULL };

/* SQLite's list (store_sqlite_seal.c), in its order: both must agree. */
static const struct store_pg_seal_table tables[] = {
	{ "events", 1, "id", events_cols },
	{ "alarm_events", 1, "rid", alarm_events_cols },
	{ "alarm_notes", 1, "id", alarm_notes_cols },
	{ "alarms", 0, "id", alarms_cols },
	{ "unit_commands", 0, "rid", unit_commands_cols },
};

#define NTABLES	(sizeof(tables) / sizeof(tables[0]))

size_t
store_pg_seal_table_count(void)
{
	return NTABLES;
}

const struct store_pg_seal_table *
store_pg_seal_table(size_t i)
{
	return &tables[i];
}

static int
seal_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
store_pg_seal_unhex(const char *s, size_t len, unsigned char *out,
    size_t outlen)
{
	size_t	i;
	int	hi, lo;

	if (len % 2 != 0 || len / 2 > outlen)
		return -1;
	for (i = 0; i < len / 2; i++) {
		if ((hi = seal_nibble(s[2 * i])) == -1 ||
		    (lo = seal_nibble(s[2 * i + 1])) == -1)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return (int)(len / 2);
}

/* "SELECT rowid, columns FROM table": text columns as hex of UTF-8. */
static int
seal_select(size_t t, char *sql, size_t len)
{
	const char *const	*c;
	size_t			 n;
	int			 w;

	n = (size_t)snprintf(sql, len, "SELECT %s", tables[t].rowid);
	for (c = tables[t].columns; *c != NULL && n < len; c++) {
		if ((*c)[0] == 'T')
			w = snprintf(sql + n, len - n, ", encode(convert_to("
			    "%s, 'UTF8'), 'hex')", *c + 1);
		else
			w = snprintf(sql + n, len - n, ", %s", *c + 1);
		n += (size_t)w;
	}
	if (n < len)
		n += (size_t)snprintf(sql + n, len - n, " FROM %s WHERE %s "
		    "BETWEEN $1 AND $2 ORDER BY %s LIMIT %d", tables[t].name,
		    tables[t].rowid, tables[t].rowid, ROWS_PAGE);
	return n < len ? 0 : -1;
}

void
store_pg_seal_rows_open(struct store_pg_seal_rows *r, struct store_pg *pg,
    size_t table, int64_t first, int64_t last)
{
	memset(r, 0, sizeof(*r));
	r->pg = pg;
	r->table = table;
	r->next = first;
	r->last = last;
	r->done = first > last;
}

int
store_pg_seal_rows_next(struct store_pg_seal_rows *r, const PGresult **res,
    int *row)
{
	struct store_pg_params	params;
	char			sql[1024];
	int64_t			rowid;

	if (r->res != NULL && r->row < PQntuples(r->res))
		goto give;
	/* A short page was the last one. */
	if (r->res != NULL && PQntuples(r->res) < ROWS_PAGE)
		r->done = 1;
	PQclear(r->res);
	r->res = NULL;
	if (r->done)
		return 0;
	if (seal_select(r->table, sql, sizeof(sql)) == -1)
		return store_pg_fail(r->pg, "sealing: a query too long");
	store_pg_params_init(&params);
	store_pg_param_int(&params, r->next);
	store_pg_param_int(&params, r->last);
	if ((r->res = store_pg_query(r->pg, sql, &params)) == NULL)
		return -1;
	r->row = 0;
	if (PQntuples(r->res) == 0) {
		r->done = 1;
		return 0;
	}
give:
	*res = r->res;
	*row = r->row++;
	rowid = store_pg_seal_rowid(r->res, *row);
	if (rowid == r->last)
		r->done = 1;
	else
		r->next = rowid + 1;
	return 1;
}

void
store_pg_seal_rows_close(struct store_pg_seal_rows *r)
{
	PQclear(r->res);
	r->res = NULL;
}

int64_t
store_pg_seal_rowid(const PGresult *res, int row)
{
	return strtoll(PQgetvalue(res, row, 0), NULL, 10);
}

/* A text column: its length, then its bytes, decoded from hex in chunks. */
static int
seal_digest_text(EVP_MD_CTX *md, const char *hex, size_t len)
{
	unsigned char	buf[256];
	char		num[32];
	size_t		off, n;
	int		w;

	w = snprintf(num, sizeof(num), "T%zu:", len / 2);
	if (EVP_DigestUpdate(md, num, (size_t)w) != 1)
		return -1;
	for (off = 0; off < len; off += n) {
		n = len - off < 2 * sizeof(buf) ? len - off : 2 * sizeof(buf);
		if (store_pg_seal_unhex(hex + off, n, buf, sizeof(buf)) == -1 ||
		    EVP_DigestUpdate(md, buf, n / 2) != 1)
			return -1;
	}
	return EVP_DigestUpdate(md, ";", 1) == 1 ? 0 : -1;
}

static int
seal_digest_int(EVP_MD_CTX *md, const char *text)
{
	char		 num[48], *end;
	long long	 v;
	int		 w;

	errno = 0;
	v = strtoll(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0')
		return -1;
	w = snprintf(num, sizeof(num), "I%lld;", v);
	return EVP_DigestUpdate(md, num, (size_t)w) == 1 ? 0 : -1;
}

int
store_pg_seal_row_digest(const PGresult *res, int row, size_t table,
    unsigned char out[STORE_PG_SEAL_DIGEST])
{
	const char *const	*c = tables[table].columns;
	EVP_MD_CTX		*md;
	unsigned int		 dlen = 0;
	int			 i, rc;

	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1 ||
	    seal_digest_int(md, PQgetvalue(res, row, 0)) == -1)
		goto fail;
	for (i = 1; c[i - 1] != NULL; i++) {
		if (PQgetisnull(res, row, i))
			rc = EVP_DigestUpdate(md, "N;", 2) == 1 ? 0 : -1;
		else if (c[i - 1][0] == 'T')
			rc = seal_digest_text(md, PQgetvalue(res, row, i),
			    (size_t)PQgetlength(res, row, i));
		else
			rc = seal_digest_int(md, PQgetvalue(res, row, i));
		if (rc == -1)
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

int
store_pg_cursor_open(struct store_pg_cursor *c, struct store_pg *pg,
    const char *name, int batch, const char *sql,
    const struct store_pg_params *params)
{
	char	*declare;
	size_t	 len = strlen(name) + strlen(sql) + 64;
	int	 rc;

	memset(c, 0, sizeof(*c));
	c->pg = pg;
	c->name = name;
	c->batch = batch;
	if ((declare = malloc(len)) == NULL)
		return store_pg_fail(pg, "out of memory");
	snprintf(declare, len, "DECLARE %s NO SCROLL CURSOR FOR %s", name, sql);
	rc = store_pg_command(pg, declare, params);
	free(declare);
	if (rc == 0)
		c->open = 1;
	return rc;
}

int
store_pg_cursor_next(struct store_pg_cursor *c, const PGresult **res,
    int *row)
{
	char	sql[96];

	if (c->res == NULL || c->row >= PQntuples(c->res)) {
		if (c->res != NULL && PQntuples(c->res) < c->batch)
			c->done = 1;
		PQclear(c->res);
		c->res = NULL;
		if (c->done || !c->open)
			return 0;
		snprintf(sql, sizeof(sql), "FETCH %d FROM %s", c->batch,
		    c->name);
		if ((c->res = store_pg_query(c->pg, sql, NULL)) == NULL)
			return -1;
		c->row = 0;
		if (PQntuples(c->res) == 0) {
			c->done = 1;
			return 0;
		}
	}
	*res = c->res;
	*row = c->row++;
	return 1;
}

void
store_pg_cursor_close(struct store_pg_cursor *c)
{
	char	sql[96];
	char	keep[sizeof(c->pg->error)];

	PQclear(c->res);
	c->res = NULL;
	if (!c->open || c->pg->conn == NULL)
		return;
	/* Closing after a failure must not hide the failure's text. */
	memcpy(keep, c->pg->error, sizeof(keep));
	snprintf(sql, sizeof(sql), "CLOSE %s", c->name);
	(void)store_pg_command(c->pg, sql, NULL);
	memcpy(c->pg->error, keep, sizeof(keep));
	c->open = 0;
}

int
store_pg_seal_entries_digest(struct store_pg *pg, const char *sql,
    const struct store_pg_params *params, char out[STORE_PG_SEAL_HEX],
    size_t *count)
{
	struct store_pg_cursor	 c;
	const PGresult		*res;
	EVP_MD_CTX		*md;
	unsigned char		 d[STORE_PG_SEAL_DIGEST];
	unsigned int		 dl = 0;
	char			 line[200];
	int			 len, row, step, rc = -1;

	*count = 0;
	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(md);
		return store_pg_fail(pg, "out of memory");
	}
	if (store_pg_cursor_open(&c, pg, "refuge_seal_digest", CURSOR_BATCH,
	    sql, params) == -1)
		goto done;
	while ((step = store_pg_cursor_next(&c, &res, &row)) == 1) {
		len = snprintf(line, sizeof(line), "%s %lld %lld %s\n",
		    PQgetvalue(res, row, 0),
		    (long long)strtoll(PQgetvalue(res, row, 1), NULL, 10),
		    (long long)strtoll(PQgetvalue(res, row, 2), NULL, 10),
		    PQgetvalue(res, row, 3));
		if (len < 0 || (size_t)len >= sizeof(line) ||
		    EVP_DigestUpdate(md, line, (size_t)len) != 1) {
			store_pg_fail(pg, "a seal entry too long to digest");
			goto done;
		}
		(*count)++;
	}
	if (step == -1)
		goto done;
	if (EVP_DigestFinal_ex(md, d, &dl) != 1) {
		store_pg_fail(pg, "digest failed");
		goto done;
	}
	audit_hex(d, STORE_PG_SEAL_DIGEST, out);
	rc = 0;
done:
	store_pg_cursor_close(&c);
	EVP_MD_CTX_free(md);
	return rc;
}
