/*
 * Seals on PostgreSQL: the rows each transaction wrote, sealed into the
 * audit chain (as store_sqlite_seal.c does for SQLite). Not yet: the rows
 * written are not kept, and STORE_PG_SEAL_OPS lists no operation, so
 * nothing is sealed on PostgreSQL.
 */
#include "store_pg.h"

void
store_pg_written(struct store_pg *pg, enum store_pg_table table, int64_t rid)
{
	(void)pg;
	(void)table;
	(void)rid;
}

void
store_pg_seal_forget(struct store_pg *pg)
{
	(void)pg;
}

void
store_pg_seal_free(struct store_pg *pg)
{
	(void)pg;
}
