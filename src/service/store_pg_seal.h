/*
 * Seals on PostgreSQL, shared by store_pg_seal*.c and store_pg_purge.c.
 * Entries and row digests are SQLite's (store_sqlite_seal.c): a row's
 * digest is made from its rowid ("rid" where SQLite's table has no integer
 * key) and its typed column values, so that a database moved from SQLite
 * verifies here and rows one receiver sealed verify on the other.
 */
#ifndef REFUGE_STORE_PG_SEAL_H
#define REFUGE_STORE_PG_SEAL_H

#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "store_pg.h"

#define STORE_PG_SEAL_PREFIX	8	/* bytes of each row's digest in rows */
#define STORE_PG_SEAL_RUN_MAX	4096	/* rows in one entry */
#define STORE_PG_SEAL_DIGEST	32
#define STORE_PG_SEAL_HEX	65

/*
 * seal_entries has no rowid here: a seal's entries are taken in the order
 * SQLite writes them (by table as listed, then by first row), so that the
 * digests in the chain agree on both stores.
 */
#define STORE_PG_SEAL_ORDER	"audit_id, array_position(ARRAY['events', " \
	"'alarm_events', 'alarm_notes', 'alarms', 'unit_commands']::text[], " \
	"tbl), first, last"

struct store_pg_seal_table {
	const char		*name;
	int			 immutable;
	const char		*rowid;		/* SQLite's rowid here */
	const char *const	*columns;	/* "I"/"T" then the name */
};

size_t		 store_pg_seal_table_count(void);
const struct store_pg_seal_table *store_pg_seal_table(size_t);

/* Hex text into bytes: the count, or -1 when it is no hex or too long. */
int		 store_pg_seal_unhex(const char *, size_t len,
		    unsigned char *out, size_t outlen);

/*
 * The rows of table t with rowid first..last in rowid order, a page at a
 * time (bounded memory): next gives 1 and the row, 0 at the end, -1.
 */
struct store_pg_seal_rows {
	struct store_pg	*pg;
	size_t		 table;
	int64_t		 next, last;
	PGresult	*res;
	int		 row;
	int		 done;
};
void		 store_pg_seal_rows_open(struct store_pg_seal_rows *,
		    struct store_pg *, size_t table, int64_t first,
		    int64_t last);
int		 store_pg_seal_rows_next(struct store_pg_seal_rows *,
		    const PGresult **, int *row);
void		 store_pg_seal_rows_close(struct store_pg_seal_rows *);
/* The rowid of a row the pager gave (column 0). */
int64_t		 store_pg_seal_rowid(const PGresult *, int row);
/* Its digest, as store_sqlite_seal_row_digest makes it: 0 or -1. */
int		 store_pg_seal_row_digest(const PGresult *, int row,
		    size_t table, unsigned char out[STORE_PG_SEAL_DIGEST]);

/*
 * A cursor inside the open transaction, read a batch at a time (small
 * where rows are wide): next gives 1 and the row, 0 at the end, -1 with
 * pg->error.
 */
struct store_pg_cursor {
	struct store_pg	*pg;
	const char	*name;
	int		 batch;		/* rows a FETCH takes */
	PGresult	*res;
	int		 row;
	int		 done;
	int		 open;
};
int		 store_pg_cursor_open(struct store_pg_cursor *,
		    struct store_pg *, const char *name, int batch,
		    const char *sql, const struct store_pg_params *);
int		 store_pg_cursor_next(struct store_pg_cursor *,
		    const PGresult **, int *row);
void		 store_pg_cursor_close(struct store_pg_cursor *);

/*
 * The digest of the entries a query gives (tbl, first, last, hash in
 * STORE_PG_SEAL_ORDER), and their count: 0 or -1.
 */
int		 store_pg_seal_entries_digest(struct store_pg *,
		    const char *sql, const struct store_pg_params *,
		    char out[STORE_PG_SEAL_HEX], size_t *count);

/* Reseals ranges under one audit row (purge's checkpoint). */
struct store_pg_reseal;
struct store_pg_reseal *store_pg_reseal_begin(struct store_pg *,
		    int64_t audit_id);
int		 store_pg_reseal(struct store_pg_reseal *, size_t table,
		    int64_t first, int64_t last);
/* Writes what is left and frees r: 0 or -1. */
int		 store_pg_reseal_end(struct store_pg_reseal *, size_t *entries,
		    char digest[STORE_PG_SEAL_HEX]);

#endif
