/*
 * PostgreSQL: the record's reads (an alarm open or resolved, its events and
 * commands; SEARCH) and the handover notes, as store_sqlite_search.c does
 * them on SQLite. These run when an operator asks, not per event.
 */
#include <stdio.h>
#include <string.h>

#include "refuge/store_backend.h"
#include "store_pg.h"

/* The columns store_pg_record_row reads, in order. */
#define STORE_PG_RECORD_COLUMNS \
	"SELECT id, unit_id, site_id, type, priority, state, raised_ms, " \
	"count, coalesce(restored_ms, -1), coalesce(claimed_by, ''), " \
	"coalesce(claimed_ms, -1), coalesce(first_claimed_ms, -1), " \
	"coalesce(resolved_by, ''), coalesce(resolved_ms, -1), " \
	"coalesce(outcome, ''), coalesce(reason, ''), coalesce(action, ''), " \
	"coalesce(note, '') FROM alarms "

/*
 * The filters' parameters carry their types: "$1 IS NULL" alone would
 * leave PostgreSQL guessing.
 */
static const char store_pg_search_sql[] =
    STORE_PG_RECORD_COLUMNS
    "WHERE ($1::bigint IS NULL OR raised_ms >= $1::bigint) "
    "AND ($2::bigint IS NULL OR raised_ms < $2::bigint) "
    "AND ($3::text IS NULL OR unit_id = $3::text) "
    "AND ($4::text IS NULL OR site_id = $4::text) "
    "AND ($5::text IS NULL OR type = $5::text) "
    "AND ($6::text IS NULL OR ($6::text = 'open' AND state <> 'resolved') "
    "OR (state = 'resolved' AND outcome = $6::text)) "
    "AND ($7::text IS NULL OR EXISTS (SELECT 1 FROM audit "
    "WHERE audit.alarm_id = alarms.id AND audit.\"user\" = $7::text)) "
    "ORDER BY raised_ms DESC, id DESC LIMIT $8";

struct store_pg_record_walk {
	store_record_fn	*fn;
	void		*arg;
	int		 rows;
};

/* A row of STORE_PG_RECORD_COLUMNS; one this build cannot read is skipped. */
static int
store_pg_record_row(const PGresult *res, int i, void *arg)
{
	struct store_pg_record_walk	*walk = arg;
	struct store_alarm_record	 r;
	struct alarm			*a = &r.alarm;

	memset(&r, 0, sizeof(r));
	a->id = store_pg_int(res, i, 0);
	snprintf(a->unit_id, sizeof(a->unit_id), "%s",
	    store_pg_text(res, i, 1));
	snprintf(a->site_id, sizeof(a->site_id), "%s",
	    store_pg_text(res, i, 2));
	if (evtype_from_name(store_pg_text(res, i, 3), &a->type) == -1 ||
	    alarm_state_from_name(store_pg_text(res, i, 5), &a->state) == -1)
		return 0;
	a->priority = (int)store_pg_int(res, i, 4);
	a->raised_ms = store_pg_int(res, i, 6);
	a->count = (int)store_pg_int(res, i, 7);
	r.restored_ms = store_pg_int(res, i, 8);
	a->restored = r.restored_ms >= 0;
	snprintf(a->claimed_by, sizeof(a->claimed_by), "%s",
	    store_pg_text(res, i, 9));
	a->claimed_ms = store_pg_int(res, i, 10);
	a->first_claimed_ms = store_pg_int(res, i, 11);
	a->last_escalated_ms = -1;
	r.resolved_by = store_pg_text(res, i, 12);
	r.resolved_ms = store_pg_int(res, i, 13);
	r.outcome = store_pg_text(res, i, 14);
	if (alarm_outcome_from_name(r.outcome, &a->outcome) == -1)
		a->outcome = ALARM_OUTCOME_NONE;
	r.reason = store_pg_text(res, i, 15);
	r.action = store_pg_text(res, i, 16);
	r.note = store_pg_text(res, i, 17);
	walk->rows++;
	return walk->fn(&r, walk->arg);
}

int
store_pg_alarm_record(void *be, int64_t alarm_id, store_record_fn *fn,
    void *arg)
{
	struct store_pg_record_walk	walk = { fn, arg, 0 };
	struct store_pg_params		params;

	store_pg_params_init(&params);
	store_pg_param_int(&params, alarm_id);
	if (store_pg_walk(be, STORE_PG_RECORD_COLUMNS "WHERE id = $1",
	    &params, store_pg_record_row, &walk) == -1)
		return -1;
	return walk.rows > 0;
}

int
store_pg_alarms_search(void *be, const struct store_search *search,
    store_record_fn *fn, void *arg)
{
	struct store_pg_record_walk	walk = { fn, arg, 0 };
	struct store_pg_params		params;

	store_pg_params_init(&params);
	store_pg_param_opt(&params, search->since_ms < 0 ? -1 :
	    search->since_ms, -1);
	store_pg_param_opt(&params, search->until_ms < 0 ? -1 :
	    search->until_ms, -1);
	store_pg_param_text(&params, search->unit_id);
	store_pg_param_text(&params, search->site_id);
	store_pg_param_text(&params, search->type);
	store_pg_param_text(&params, search->outcome);
	store_pg_param_text(&params, search->user);
	store_pg_param_int(&params, search->limit);
	return store_pg_walk(be, store_pg_search_sql, &params,
	    store_pg_record_row, &walk);
}

int
store_pg_alarm_events_each(void *be, int64_t alarm_id, store_history_fn *fn,
    void *arg)
{
	struct store_pg_history_walk	walk = { fn, arg };
	struct store_pg_params		params;

	store_pg_params_init(&params);
	store_pg_param_int(&params, alarm_id);
	return store_pg_walk(be, STORE_PG_HISTORY_COLUMNS
	    "WHERE id = (SELECT event_id FROM alarms WHERE id = $1) "
	    "OR id IN (SELECT event_id FROM alarm_events WHERE alarm_id = $1) "
	    "ORDER BY received_ms, id", &params, store_pg_history_row, &walk);
}

struct store_pg_commands_walk {
	store_command_fn	*fn;
	void			*arg;
};

static int
store_pg_command_row(const PGresult *res, int i, void *arg)
{
	struct store_pg_commands_walk	*walk = arg;
	struct store_command_record	 cmd;

	cmd.cmd_id = store_pg_text(res, i, 0);
	cmd.user = store_pg_text(res, i, 1);
	cmd.command = store_pg_text(res, i, 2);
	cmd.sent_ms = store_pg_int(res, i, 3);
	cmd.result = store_pg_text(res, i, 4);
	cmd.reason = store_pg_text(res, i, 5);
	cmd.done_ms = store_pg_int(res, i, 6);
	return walk->fn(&cmd, walk->arg);
}

int
store_pg_alarm_commands_each(void *be, int64_t alarm_id,
    store_command_fn *fn, void *arg)
{
	struct store_pg_commands_walk	walk = { fn, arg };
	struct store_pg_params		params;

	store_pg_params_init(&params);
	store_pg_param_int(&params, alarm_id);
	return store_pg_walk(be, "SELECT cmd_id, \"user\", command, sent_ms, "
	    "coalesce(result, ''), coalesce(reason, ''), "
	    "coalesce(done_ms, -1) FROM unit_commands WHERE alarm_id = $1 "
	    "ORDER BY sent_ms, cmd_id", &params, store_pg_command_row, &walk);
}

int
store_pg_handover_add(void *be, int64_t time_ms, const char *user,
    const char *text)
{
	struct store_pg_params	params;

	store_pg_params_init(&params);
	store_pg_param_int(&params, time_ms);
	store_pg_param_text(&params, user);
	store_pg_param_text(&params, text);
	return store_pg_command(be, "INSERT INTO handover (time_ms, \"user\", "
	    "text) VALUES ($1, $2, $3)", &params);
}

struct store_pg_handover_walk {
	store_handover_fn	*fn;
	void			*arg;
	int			 rows;
};

static int
store_pg_handover_row(const PGresult *res, int i, void *arg)
{
	struct store_pg_handover_walk	*walk = arg;

	walk->rows++;
	return walk->fn(store_pg_int(res, i, 0), store_pg_text(res, i, 1),
	    store_pg_text(res, i, 2), walk->arg);
}

int
store_pg_handover_last(void *be, store_handover_fn *fn, void *arg)
{
	struct store_pg_handover_walk	walk = { fn, arg, 0 };

	if (store_pg_walk(be, "SELECT time_ms, \"user\", text FROM handover "
	    "ORDER BY id DESC LIMIT 1", NULL, store_pg_handover_row,
	    &walk) == -1)
		return -1;
	return walk.rows > 0;
}
