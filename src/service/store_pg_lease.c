/*
 * The receiver pair's lease on PostgreSQL. The active receiver holds a
 * session advisory lock (STORE_PG_LOCK_LEASE), which PostgreSQL frees the
 * moment that session ends (the process killed, its machine or its network
 * gone), and the lease row's term, raised by one at every takeover. Each
 * write transaction of a receiver locks the row and checks the term is its
 * own (store_pg_lease_check), so a receiver that lost the lease commits
 * nothing even before it knows. A holder that stops renewing while its
 * session lives on (a hung process) is ended by a standby after two leases.
 * Times in the lease row are the database's clock, the one both share.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refuge/store_backend.h"
#include "store_pg.h"

#define STORE_PG_NOW	"(extract(epoch from clock_timestamp()) * 1000)::bigint"

int
store_pg_receiver(void *be, const char *name, const char *address,
    int64_t lease_ms)
{
	struct store_pg	*pg = be;

	pg->receiver = 1;
	pg->timeout_ms = lease_ms;
	snprintf(pg->name, sizeof(pg->name), "%s", name);
	snprintf(pg->address, sizeof(pg->address), "%s", address);
	return 0;
}

int
store_pg_lease_held(void *be)
{
	struct store_pg	*pg = be;

	return pg->holding && pg->conn != NULL &&
	    pg->session == pg->lease_session;
}

int
store_pg_lease_check(struct store_pg *pg)
{
	PGresult		*res;
	int64_t			 term;

	if (!store_pg_lease_held(pg))
		return store_pg_fail(pg, "standby: this receiver does not hold "
		    "the lease");
	/* Both in one simple query; the result is the SELECT's. */
	if ((res = store_pg_query(pg, "BEGIN; SELECT term FROM receiver_lease "
	    "WHERE id = 1 FOR SHARE", NULL)) == NULL)
		return -1;
	term = PQntuples(res) == 1 ? store_pg_int(res, 0, 0) : -1;
	PQclear(res);
	if (term != pg->term) {
		pg->holding = 0;
		return store_pg_fail(pg, "standby: the lease has gone to term %"
		    PRId64 " (this receiver's was %" PRId64 ")", term, pg->term);
	}
	return 0;
}

/* Who holds the lease, and the other receivers seen lately; 0 or -1. */
static int
store_pg_lease_read(struct store_pg *pg, struct store_lease *lease,
    int64_t *age_ms)
{
	struct store_pg_params	 params;
	PGresult		*res;
	int			 i;

	if ((res = store_pg_query(pg, "SELECT term, holder, address, "
	    STORE_PG_NOW " - renewed_ms FROM receiver_lease WHERE id = 1",
	    NULL)) == NULL)
		return -1;
	if (PQntuples(res) == 1) {
		lease->term = store_pg_int(res, 0, 0);
		snprintf(lease->holder, sizeof(lease->holder), "%s",
		    store_pg_text(res, 0, 1));
		snprintf(lease->address, sizeof(lease->address), "%s",
		    store_pg_text(res, 0, 2));
		*age_ms = store_pg_int(res, 0, 3);
	}
	PQclear(res);
	store_pg_params_init(&params);
	store_pg_param_text(&params, pg->name);
	store_pg_param_int(&params, 3 * (pg->timeout_ms > 0 ? pg->timeout_ms :
	    5000));
	store_pg_param_int(&params, STORE_LEASE_ALT_MAX);
	if ((res = store_pg_query(pg, "SELECT address FROM receivers "
	    "WHERE name <> $1 AND address <> '' AND seen_ms >= " STORE_PG_NOW
	    " - $2 ORDER BY name LIMIT $3", &params)) == NULL)
		return -1;
	lease->alt_count = 0;
	for (i = 0; i < PQntuples(res) && i < STORE_LEASE_ALT_MAX; i++)
		snprintf(lease->alt[lease->alt_count++],
		    sizeof(lease->alt[0]), "%s", store_pg_text(res, i, 0));
	PQclear(res);
	return 0;
}

/* This receiver, seen now (the others' alt=). */
static int
store_pg_lease_seen(struct store_pg *pg)
{
	struct store_pg_params	params;

	store_pg_params_init(&params);
	store_pg_param_text(&params, pg->name);
	store_pg_param_text(&params, pg->address);
	return store_pg_command(pg, "INSERT INTO receivers (name, address, "
	    "seen_ms) VALUES ($1, $2, " STORE_PG_NOW ") ON CONFLICT (name) DO "
	    "UPDATE SET address = $2, seen_ms = " STORE_PG_NOW, &params);
}

/* 1 when this session got the lock, 0 when another session has it, -1. */
static int
store_pg_lease_lock(struct store_pg *pg)
{
	struct store_pg_params	 params;
	PGresult		*res;
	int			 got;

	store_pg_params_init(&params);
	store_pg_param_int(&params, STORE_PG_LOCK_LEASE);
	if ((res = store_pg_query(pg, "SELECT pg_try_advisory_lock($1)",
	    &params)) == NULL)
		return -1;
	got = strcmp(store_pg_text(res, 0, 0), "t") == 0;
	PQclear(res);
	return got;
}

/* A holder silent for two leases whose session lives on is ended. */
static void
store_pg_lease_end_hung(struct store_pg *pg, int64_t age_ms)
{
	struct store_pg_params	params;

	if (pg->timeout_ms <= 0 || age_ms < 2 * pg->timeout_ms)
		return;
	store_pg_params_init(&params);
	store_pg_param_int(&params, STORE_PG_LOCK_LEASE);
	(void)store_pg_command(pg, "SELECT pg_terminate_backend(pid) FROM "
	    "pg_locks WHERE locktype = 'advisory' AND granted AND "
	    "classid = 0 AND objid = $1 AND objsubid = 1", &params);
}

int
store_pg_lease_take(void *be, int64_t now_ms, struct store_lease *lease)
{
	struct store_pg		*pg = be;
	struct store_pg_params	 params;
	PGresult		*res;
	int64_t			 age_ms = 0;
	int			 got;

	(void)now_ms;
	if (store_pg_lease_held(pg))
		return store_pg_lease_renew(pg, now_ms, lease) == 0 ? 1 : -1;
	pg->holding = 0;
	if (store_pg_lease_seen(pg) == -1 ||
	    (got = store_pg_lease_lock(pg)) == -1)
		return -1;
	if (!got) {
		if (store_pg_lease_read(pg, lease, &age_ms) == -1)
			return -1;
		store_pg_lease_end_hung(pg, age_ms);
		return 0;
	}
	store_pg_params_init(&params);
	store_pg_param_text(&params, pg->name);
	store_pg_param_text(&params, pg->address);
	if ((res = store_pg_query(pg, "UPDATE receiver_lease SET term = term + "
	    "1, holder = $1, address = $2, renewed_ms = " STORE_PG_NOW " WHERE "
	    "id = 1 RETURNING term", &params)) == NULL)
		goto fail;
	if (PQntuples(res) != 1) {
		PQclear(res);
		store_pg_fail(pg, "the lease row is missing");
		goto fail;
	}
	pg->term = store_pg_int(res, 0, 0);
	PQclear(res);
	pg->holding = 1;
	pg->lease_session = pg->session;
	if (store_pg_lease_read(pg, lease, &age_ms) == -1) {
		store_pg_lease_release(pg);
		return -1;
	}
	return 1;
fail:
	store_pg_lease_release(pg);
	return -1;
}

/*
 * After the connection was made again: the lock went with the old session.
 * Taken again with the term unchanged, the lease is still this receiver's
 * (the database failed over, no other receiver came in between): 0; else 1.
 */
static int
store_pg_lease_regain(struct store_pg *pg)
{
	PGresult	*res;
	int64_t		 term;
	int		 got;

	if ((got = store_pg_lease_lock(pg)) == -1)
		return -1;
	if (!got) {
		pg->holding = 0;
		return store_pg_fail(pg, "the lease's lock is held by another "
		    "session"), 1;
	}
	if ((res = store_pg_query(pg, "SELECT term FROM receiver_lease "
	    "WHERE id = 1", NULL)) == NULL)
		return -1;
	term = PQntuples(res) == 1 ? store_pg_int(res, 0, 0) : -1;
	PQclear(res);
	if (term != pg->term) {
		store_pg_lease_release(pg);
		return store_pg_fail(pg, "the lease has gone to term %" PRId64,
		    term), 1;
	}
	pg->lease_session = pg->session;
	return 0;
}

int
store_pg_lease_renew(void *be, int64_t now_ms, struct store_lease *lease)
{
	struct store_pg		*pg = be;
	struct store_pg_params	 params;
	PGresult		*res;
	int64_t			 changed, age_ms;
	int			 rc;

	(void)now_ms;
	if (!pg->holding)
		return store_pg_fail(pg, "this receiver does not hold the "
		    "lease"), 1;
	if (pg->conn == NULL || pg->session != pg->lease_session) {
		if (store_pg_connect(pg) == -1)
			return -1;
		if ((rc = store_pg_lease_regain(pg)) != 0)
			return rc;
	}
	store_pg_params_init(&params);
	store_pg_param_int(&params, pg->term);
	store_pg_param_text(&params, pg->name);
	store_pg_param_text(&params, pg->address);
	if ((res = store_pg_query(pg, "UPDATE receiver_lease SET renewed_ms = "
	    STORE_PG_NOW ", holder = $2, address = $3 WHERE id = 1 AND "
	    "term = $1", &params)) == NULL)
		return -1;
	changed = store_pg_changed(res);
	PQclear(res);
	if (changed != 1) {
		store_pg_lease_release(pg);
		return store_pg_fail(pg, "the lease has gone to another "
		    "receiver"), 1;
	}
	if (store_pg_lease_seen(pg) == -1 ||
	    store_pg_lease_read(pg, lease, &age_ms) == -1)
		return -1;
	return 0;
}

void
store_pg_lease_release(void *be)
{
	struct store_pg		*pg = be;
	struct store_pg_params	 params;
	char			 keep[sizeof(pg->error)];

	if (pg->holding && pg->conn != NULL &&
	    pg->session == pg->lease_session) {
		memcpy(keep, pg->error, sizeof(keep));
		store_pg_params_init(&params);
		store_pg_param_int(&params, STORE_PG_LOCK_LEASE);
		(void)store_pg_command(pg, "SELECT pg_advisory_unlock($1)",
		    &params);
		memcpy(pg->error, keep, sizeof(keep));
	}
	pg->holding = 0;
}
