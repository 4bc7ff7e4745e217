/* PostgreSQL: the audit table's rows, stored and read back as given (the facade chains them). */
#include <string.h>

#include "refuge/store_backend.h"
#include "store_pg.h"

#define STORE_PG_AUDIT_COLUMNS \
	"SELECT id, time_ms, \"user\", alarm_id, action, detail, prev_hash, " \
	"hash FROM audit "

int
store_pg_audit_insert(void *be, const struct store_audit_record *row)
{
	struct store_pg_params	params;

	store_pg_params_init(&params);
	store_pg_param_int(&params, row->id);
	store_pg_param_int(&params, row->time_ms);
	store_pg_param_text(&params, row->user);
	store_pg_param_int(&params, row->alarm_id);
	store_pg_param_text(&params, row->action);
	store_pg_param_text(&params, row->detail);
	store_pg_param_text(&params, row->prev_hash);
	store_pg_param_text(&params, row->hash);
	return store_pg_command(be, "INSERT INTO audit (id, time_ms, \"user\", "
	    "alarm_id, action, detail, prev_hash, hash) VALUES ($1, $2, $3, $4, "
	    "$5, $6, $7, $8)", &params);
}

struct store_pg_audit_walk {
	store_audit_record_fn	*fn;
	void			*arg;
};

static int
store_pg_audit_row(const PGresult *res, int i, void *arg)
{
	struct store_pg_audit_walk	*walk = arg;
	struct store_audit_record	 row;

	memset(&row, 0, sizeof(row));
	row.id = store_pg_int(res, i, 0);
	row.time_ms = store_pg_int(res, i, 1);
	row.user = store_pg_text(res, i, 2);
	row.alarm_id = store_pg_int(res, i, 3);
	row.action = store_pg_text(res, i, 4);
	row.detail = store_pg_text(res, i, 5);
	row.prev_hash = store_pg_text(res, i, 6);
	row.hash = store_pg_text(res, i, 7);
	return walk->fn(&row, walk->arg);
}

int
store_pg_audit_each(void *be, store_audit_record_fn *fn, void *arg)
{
	struct store_pg_audit_walk	walk = { fn, arg };

	return store_pg_walk(be, STORE_PG_AUDIT_COLUMNS "ORDER BY id", NULL,
	    store_pg_audit_row, &walk);
}

int
store_pg_audit_last(void *be, store_audit_record_fn *fn, void *arg)
{
	struct store_pg_audit_walk	walk = { fn, arg };

	return store_pg_walk(be, STORE_PG_AUDIT_COLUMNS
	    "ORDER BY id DESC LIMIT 1", NULL, store_pg_audit_row, &walk);
}

int
store_pg_audit_alarm(void *be, int64_t alarm_id, store_audit_record_fn *fn,
    void *arg)
{
	struct store_pg_audit_walk	walk = { fn, arg };
	struct store_pg_params		params;

	store_pg_params_init(&params);
	store_pg_param_int(&params, alarm_id);
	return store_pg_walk(be, STORE_PG_AUDIT_COLUMNS
	    "WHERE alarm_id = $1 ORDER BY id", &params, store_pg_audit_row,
	    &walk);
}
