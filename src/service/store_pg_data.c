/*
 * PostgreSQL: events, units, the health probe, unit commands, test windows
 * and the reads of HISTORY and the figures, as store_sqlite.c and
 * store_sqlite_alarms.c do them on SQLite. Every write of a sealed table
 * names its row to the seal (store_pg_written).
 */
#include <stdint.h>
#include <string.h>

#include "refuge/store_backend.h"
#include "refuge/timenow.h"
#include "store_pg.h"

int
store_pg_event_insert(void *be, const struct store_event *event,
    int *inserted, int64_t *row_id)
{
	struct store_pg		*pg = be;
	struct store_pg_params	 params;
	PGresult		*res;
	int64_t			 id = 0;

	store_pg_params_init(&params);
	store_pg_param_text(&params, event->unit_id);
	store_pg_param_text(&params, event->unit_event_id);
	store_pg_param_text(&params, evtype_name(event->type));
	store_pg_param_int(&params, event->priority);
	store_pg_param_text(&params, event->from_receiver ? "receiver" :
	    "unit");
	store_pg_param_opt(&params, event->unit_time_ms < 0 ? -1 :
	    event->unit_time_ms, -1);	/* -1: the unit gave none */
	store_pg_param_int(&params, event->received_ms);
	store_pg_param_text(&params, event->attributes != NULL ?
	    event->attributes : "");
	/* A retransmission of a stored event is a duplicate: no row back. */
	if ((res = store_pg_query(pg, "INSERT INTO events (unit_id, "
	    "unit_event_id, type, priority, source, unit_time_ms, received_ms, "
	    "attributes) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
	    "ON CONFLICT (unit_id, unit_event_id) DO NOTHING RETURNING id",
	    &params)) == NULL)
		return -1;
	*inserted = PQntuples(res) > 0;
	if (*inserted) {
		id = store_pg_int(res, 0, 0);
		store_pg_written(pg, STORE_PG_EVENTS, id);
	}
	PQclear(res);
	if (row_id != NULL)
		*row_id = id;
	return 0;
}

int
store_pg_unit_set_state(void *be, const char *unit_id,
    enum store_unit_state state, int64_t last_seen_ms)
{
	struct store_pg_params	params;

	store_pg_params_init(&params);
	store_pg_param_text(&params, unit_id);
	store_pg_param_text(&params, store_unit_state_name(state));
	store_pg_param_opt(&params, last_seen_ms < 0 ? -1 : last_seen_ms, -1);
	return store_pg_command(be, "INSERT INTO units (id, state, "
	    "last_seen_ms) VALUES ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET "
	    "state = EXCLUDED.state, last_seen_ms = "
	    "coalesce(EXCLUDED.last_seen_ms, units.last_seen_ms)", &params);
}

int
store_pg_unit_set_seen(void *be, const char *unit_id, int64_t last_seen_ms)
{
	struct store_pg_params	params;

	store_pg_params_init(&params);
	store_pg_param_text(&params, unit_id);
	store_pg_param_int(&params, last_seen_ms);
	return store_pg_command(be, "INSERT INTO units (id, last_seen_ms) "
	    "VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET "
	    "last_seen_ms = EXCLUDED.last_seen_ms", &params);
}

int
store_pg_unit_set_firmware(void *be, const char *unit_id,
    const char *firmware)
{
	struct store_pg_params	params;

	store_pg_params_init(&params);
	store_pg_param_text(&params, unit_id);
	store_pg_param_text(&params, firmware);
	return store_pg_command(be, "INSERT INTO units (id, firmware) "
	    "VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET "
	    "firmware = EXCLUDED.firmware", &params);
}

int
store_pg_unit_set_attributes(void *be, const char *unit_id,
    const char *attributes)
{
	struct store_pg_params	params;

	/* NOT NULL DEFAULT '': SQLite's column refuses a NULL just the same. */
	store_pg_params_init(&params);
	store_pg_param_text(&params, unit_id);
	store_pg_param_text(&params, attributes);
	return store_pg_command(be, "INSERT INTO units (id, attributes) "
	    "VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET "
	    "attributes = EXCLUDED.attributes", &params);
}

struct store_pg_units_walk {
	store_unit_fn	*fn;
	void		*arg;
};

static int
store_pg_unit_row(const PGresult *res, int i, void *arg)
{
	struct store_pg_units_walk	*walk = arg;
	const char			*state = store_pg_text(res, i, 1);
	enum store_unit_state		 value;

	if (strcmp(state, "online") == 0)
		value = STORE_UNIT_ONLINE;
	else if (strcmp(state, "offline") == 0)
		value = STORE_UNIT_OFFLINE;
	else
		value = STORE_UNIT_UNKNOWN;
	return walk->fn(store_pg_text(res, i, 0), value,
	    store_pg_int(res, i, 2), walk->arg);
}

int
store_pg_units_each(void *be, store_unit_fn *fn, void *arg)
{
	struct store_pg_units_walk	walk = { fn, arg };

	return store_pg_walk(be, "SELECT id, state, coalesce(last_seen_ms, -1) "
	    "FROM units", NULL, store_pg_unit_row, &walk);
}

int
store_pg_probe(void *be, int64_t now_ms)
{
	struct store_pg_params	params;

	store_pg_params_init(&params);
	store_pg_param_int(&params, now_ms);
	return store_pg_command(be, "INSERT INTO health_probe (id, at_ms) "
	    "VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET at_ms = "
	    "EXCLUDED.at_ms", &params);
}

/* Names each row of an INSERT or UPDATE ... RETURNING rid to the seal. */
static int
store_pg_written_rows(struct store_pg *pg, enum store_pg_table table,
    const char *sql, const struct store_pg_params *params)
{
	PGresult	*res;
	int		 i;

	if ((res = store_pg_query(pg, sql, params)) == NULL)
		return -1;
	for (i = 0; i < PQntuples(res); i++)
		store_pg_written(pg, table, store_pg_int(res, i, 0));
	PQclear(res);
	return 0;
}

int
store_pg_command_insert(void *be, const char *cmd_id, const char *unit_id,
    int64_t alarm_id, const char *user, const char *command, int64_t sent_ms)
{
	struct store_pg_params	params;

	store_pg_params_init(&params);
	store_pg_param_text(&params, cmd_id);
	store_pg_param_text(&params, unit_id);
	store_pg_param_opt(&params, alarm_id > 0 ? alarm_id : -1, -1);
	store_pg_param_text(&params, user);
	store_pg_param_text(&params, command);
	store_pg_param_int(&params, sent_ms);
	return store_pg_written_rows(be, STORE_PG_UNIT_COMMANDS,
	    "INSERT INTO unit_commands (cmd_id, unit_id, alarm_id, \"user\", "
	    "command, sent_ms) VALUES ($1, $2, $3, $4, $5, $6) RETURNING rid",
	    &params);
}

int
store_pg_command_result(void *be, const char *cmd_id, const char *result,
    const char *reason, int64_t done_ms)
{
	struct store_pg_params	params;

	store_pg_params_init(&params);
	store_pg_param_text(&params, cmd_id);
	store_pg_param_text(&params, result);
	store_pg_param_text(&params, reason);
	store_pg_param_int(&params, done_ms);
	return store_pg_written_rows(be, STORE_PG_UNIT_COMMANDS,
	    "UPDATE unit_commands SET result = $2, reason = $3, done_ms = $4 "
	    "WHERE cmd_id = $1 RETURNING rid", &params);
}

int
store_pg_test_set(void *be, const char *unit_id, int64_t until_ms,
    const char *user, int64_t now_ms)
{
	struct store_pg_params	params;

	store_pg_params_init(&params);
	store_pg_param_text(&params, unit_id);
	store_pg_param_int(&params, until_ms);
	store_pg_param_text(&params, user);
	store_pg_param_int(&params, now_ms);
	return store_pg_command(be, "INSERT INTO unit_tests (unit_id, "
	    "until_ms, set_by, set_ms) VALUES ($1, $2, $3, $4) "
	    "ON CONFLICT (unit_id) DO UPDATE SET until_ms = EXCLUDED.until_ms, "
	    "set_by = EXCLUDED.set_by, set_ms = EXCLUDED.set_ms", &params);
}

struct store_pg_tests_walk {
	store_test_fn	*fn;
	void		*arg;
};

static int
store_pg_test_row(const PGresult *res, int i, void *arg)
{
	struct store_pg_tests_walk	*walk = arg;

	return walk->fn(store_pg_text(res, i, 0), store_pg_int(res, i, 1),
	    walk->arg);
}

int
store_pg_tests_each(void *be, store_test_fn *fn, void *arg)
{
	struct store_pg_tests_walk	walk = { fn, arg };

	return store_pg_walk(be, "SELECT unit_id, until_ms FROM unit_tests",
	    NULL, store_pg_test_row, &walk);
}


/* A row of STORE_PG_HISTORY_COLUMNS (store_pg.h), as HISTORY shows it. */
int
store_pg_history_row(const PGresult *res, int i, void *arg)
{
	struct store_pg_history_walk	*walk = arg;
	struct store_history_event	 event;

	event.unit_event_id = store_pg_text(res, i, 0);
	event.type = store_pg_text(res, i, 1);
	event.source = store_pg_text(res, i, 2);
	event.received_ms = store_pg_int(res, i, 3);
	event.unit_time_ms = store_pg_int(res, i, 4);
	event.attributes = store_pg_text(res, i, 5);
	return walk->fn(&event, walk->arg);
}

int
store_pg_history_each(void *be, const char *unit_id, int count,
    store_history_fn *fn, void *arg)
{
	struct store_pg_history_walk	walk = { fn, arg };
	struct store_pg_params		params;

	store_pg_params_init(&params);
	store_pg_param_text(&params, unit_id);
	store_pg_param_int(&params, count);
	return store_pg_walk(be, STORE_PG_HISTORY_COLUMNS "WHERE unit_id = $1 "
	    "ORDER BY received_ms DESC, id DESC LIMIT $2", &params,
	    store_pg_history_row, &walk);
}

struct store_pg_stats_walk {
	store_stats_fn	*fn;
	void		*arg;
	int64_t		 as_of;
};

static int
store_pg_stats_row(const PGresult *res, int i, void *arg)
{
	struct store_pg_stats_walk	*walk = arg;
	struct stats_alarm		 alarm;

	memset(&alarm, 0, sizeof(alarm));
	alarm.site_id = store_pg_text(res, i, 0);
	alarm.unit_id = store_pg_text(res, i, 1);
	if (evtype_from_name(store_pg_text(res, i, 2), &alarm.type) == -1)
		return 0;	/* a type this build does not know */
	if (alarm_outcome_from_name(store_pg_text(res, i, 3),
	    &alarm.outcome) == -1)
		alarm.outcome = ALARM_OUTCOME_NONE;
	alarm.reason = store_pg_text(res, i, 4);
	alarm.raised_ms = store_pg_int(res, i, 5);
	alarm.first_claimed_ms = store_pg_int(res, i, 6);
	alarm.resolved_ms = store_pg_int(res, i, 7);
	alarm.as_of_ms = walk->as_of;
	alarm.id = store_pg_int(res, i, 8);
	alarm.operator = store_pg_text(res, i, 9);
	alarm.note = store_pg_text(res, i, 10);
	return walk->fn(&alarm, walk->arg);
}

int
store_pg_stats_each(void *be, int64_t since_ms, int64_t until_ms,
    store_stats_fn *fn, void *arg)
{
	struct store_pg_stats_walk	walk = { fn, arg, timenow_wall_ms() };
	struct store_pg_params		params;

	if (until_ms >= 0 && until_ms < walk.as_of)
		walk.as_of = until_ms;
	store_pg_params_init(&params);
	store_pg_param_int(&params, since_ms >= 0 ? since_ms : 0);
	store_pg_param_int(&params, until_ms >= 0 ? until_ms : INT64_MAX);
	return store_pg_walk(be, "SELECT site_id, unit_id, type, "
	    "coalesce(outcome, ''), coalesce(reason, action, ''), raised_ms, "
	    "coalesce(first_claimed_ms, -1), coalesce(resolved_ms, -1), id, "
	    "coalesce(resolved_by, claimed_by, ''), coalesce(note, '') "
	    "FROM alarms WHERE raised_ms >= $1 AND raised_ms < $2 ORDER BY id",
	    &params, store_pg_stats_row, &walk);
}
