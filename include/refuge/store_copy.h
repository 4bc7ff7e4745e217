/*
 * Moving over: a SQLite database copied into a PostgreSQL one (refugectl
 * migrate), every table with its ids kept, so that the audit chain, the
 * seals and every reference between rows read the same on both. The copy
 * is one PostgreSQL transaction of COPY ... FROM STDIN, one per table:
 * either the whole database arrives, or nothing does.
 */
#ifndef REFUGE_STORE_COPY_H
#define REFUGE_STORE_COPY_H

#include <stddef.h>
#include <stdint.h>

#define STORE_COPY_TABLES	11

/* One table: rows in the source, copied, and found in the target after. */
struct store_copy_table {
	const char	*name;
	int64_t		 source;
	int64_t		 copied;
	int64_t		 target;
};

struct store_copy_result {
	struct store_copy_table	tables[STORE_COPY_TABLES];
	size_t			count;
};

/* Called after each table is copied (a tool's progress line). */
typedef void	store_copy_progress_fn(const struct store_copy_table *,
		    void *arg);

/*
 * Copies the SQLite database from (of this refuge's schema: store_open it
 * first, which migrates it; nothing may write to it meanwhile, store_lock)
 * into the PostgreSQL database to (store_open it first, which makes its
 * schema). Refused when any of to's tables holds a row. Sets the identity
 * sequences past the copied ids, then counts every table on both sides
 * into result. Returns 0, or -1 with err and nothing copied.
 */
int	store_copy_sqlite_to_pg(const char *from, const char *to,
	    struct store_copy_result *, store_copy_progress_fn *, void *arg,
	    char *err, size_t errlen);

/*
 * Whether a receiver holds the PostgreSQL database's lease (its advisory
 * lock is taken): 1 yes, 0 no, -1 with err when it cannot be told.
 */
int	store_copy_pg_active(const char *database, char *err, size_t errlen);

#endif
