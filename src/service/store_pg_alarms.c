/*
 * PostgreSQL: the alarm stack's rows (alarms, attachments, notes), as
 * store_sqlite_alarms.c does them on SQLite. Every write of a sealed table
 * names its row to the seal (store_pg_written).
 */
#include <stdio.h>
#include <string.h>

#include "refuge/store_backend.h"
#include "store_pg.h"

/* An UPDATE of one alarm: the seal hears of it when a row changed. */
static int
store_pg_alarm_update(struct store_pg *pg, int64_t alarm_id, const char *sql,
    const struct store_pg_params *params)
{
	PGresult	*res;

	if ((res = store_pg_query(pg, sql, params)) == NULL)
		return -1;
	if (store_pg_changed(res) > 0)
		store_pg_written(pg, STORE_PG_ALARMS, alarm_id);
	PQclear(res);
	return 0;
}

/*
 * With no id given, the next after the highest stored, as SQLite gives a
 * rowid; the receiver allocates its own ids from alarm_max_id anyway.
 */
int
store_pg_alarm_insert(void *be, struct alarm *alarm, int64_t event_id)
{
	struct store_pg		*pg = be;
	struct store_pg_params	 params;
	PGresult		*res;

	store_pg_params_init(&params);
	store_pg_param_int(&params, event_id);
	store_pg_param_text(&params, alarm->unit_id);
	store_pg_param_text(&params, alarm->site_id);
	store_pg_param_text(&params, evtype_name(alarm->type));
	store_pg_param_int(&params, alarm->priority);
	store_pg_param_int(&params, alarm->raised_ms);
	store_pg_param_int(&params, alarm->count);
	store_pg_param_opt(&params, alarm->id > 0 ? alarm->id : -1, -1);
	if ((res = store_pg_query(pg, "INSERT INTO alarms (id, event_id, "
	    "unit_id, site_id, type, priority, state, raised_ms, count) VALUES "
	    "(coalesce($8::bigint, (SELECT coalesce(max(id), 0) + 1 "
	    "FROM alarms)), $1, $2, $3, $4, $5, 'queued', $6, $7) RETURNING id",
	    &params)) == NULL)
		return -1;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return store_pg_fail(pg, "alarm insert: no id returned");
	}
	alarm->id = store_pg_int(res, 0, 0);
	PQclear(res);
	store_pg_written(pg, STORE_PG_ALARMS, alarm->id);
	return 0;
}

int
store_pg_alarm_max_id(void *be, int64_t *max_id)
{
	struct store_pg	*pg = be;
	PGresult	*res;

	if ((res = store_pg_query(pg, "SELECT coalesce(max(id), 0) "
	    "FROM alarms", NULL)) == NULL)
		return -1;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return store_pg_fail(pg, "alarm max id: no row");
	}
	*max_id = store_pg_int(res, 0, 0);
	PQclear(res);
	return 0;
}

int
store_pg_alarm_attach(void *be, const struct alarm *alarm, int64_t event_id,
    int64_t restored_ms)
{
	struct store_pg		*pg = be;
	struct store_pg_params	 params;
	PGresult		*res;
	int			 i;

	store_pg_params_init(&params);
	store_pg_param_int(&params, alarm->id);
	store_pg_param_int(&params, alarm->count);
	store_pg_param_opt(&params, restored_ms < 0 ? -1 : restored_ms, -1);
	if (store_pg_alarm_update(pg, alarm->id, "UPDATE alarms SET "
	    "count = $2, restored_ms = coalesce($3, restored_ms) WHERE id = $1",
	    &params) == -1)
		return -1;
	store_pg_params_init(&params);
	store_pg_param_int(&params, alarm->id);
	store_pg_param_int(&params, event_id);
	/* Attached already (INSERT OR IGNORE on SQLite): nothing written. */
	if ((res = store_pg_query(pg, "INSERT INTO alarm_events (alarm_id, "
	    "event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING rid",
	    &params)) == NULL)
		return -1;
	for (i = 0; i < PQntuples(res); i++)
		store_pg_written(pg, STORE_PG_ALARM_EVENTS,
		    store_pg_int(res, i, 0));
	PQclear(res);
	return 0;
}

int
store_pg_alarm_save_claim(void *be, const struct alarm *alarm)
{
	struct store_pg_params	params;
	int			claimed = alarm->state == ALARM_CLAIMED;

	store_pg_params_init(&params);
	store_pg_param_int(&params, alarm->id);
	store_pg_param_text(&params, alarm_state_name(alarm->state));
	store_pg_param_text(&params, claimed ? alarm->claimed_by : NULL);
	store_pg_param_opt(&params, claimed && alarm->claimed_ms >= 0 ?
	    alarm->claimed_ms : -1, -1);
	store_pg_param_opt(&params, alarm->first_claimed_ms < 0 ? -1 :
	    alarm->first_claimed_ms, -1);
	return store_pg_alarm_update(be, alarm->id, "UPDATE alarms SET "
	    "state = $2, claimed_by = $3, claimed_ms = $4, "
	    "first_claimed_ms = $5 WHERE id = $1", &params);
}

int
store_pg_alarm_resolve(void *be, const struct alarm *alarm, const char *user,
    int64_t resolved_ms, const char *reason, const char *action,
    const char *note)
{
	struct store_pg_params	params;

	store_pg_params_init(&params);
	store_pg_param_int(&params, alarm->id);
	store_pg_param_text(&params, user);
	store_pg_param_int(&params, resolved_ms);
	store_pg_param_text(&params, alarm_outcome_name(alarm->outcome));
	store_pg_param_text(&params, reason);
	store_pg_param_text(&params, action);
	store_pg_param_text(&params, note);
	return store_pg_alarm_update(be, alarm->id, "UPDATE alarms SET "
	    "state = 'resolved', resolved_by = $2, resolved_ms = $3, "
	    "outcome = $4, reason = $5, action = $6, note = $7, "
	    "claimed_by = NULL WHERE id = $1", &params);
}

int
store_pg_alarm_note(void *be, int64_t alarm_id, int64_t time_ms,
    const char *user, const char *text)
{
	struct store_pg		*pg = be;
	struct store_pg_params	 params;
	PGresult		*res;
	int			 i;

	store_pg_params_init(&params);
	store_pg_param_int(&params, alarm_id);
	store_pg_param_int(&params, time_ms);
	store_pg_param_text(&params, user);
	store_pg_param_text(&params, text);
	if ((res = store_pg_query(pg, "INSERT INTO alarm_notes (alarm_id, "
	    "time_ms, \"user\", text) VALUES ($1, $2, $3, $4) RETURNING id",
	    &params)) == NULL)
		return -1;
	for (i = 0; i < PQntuples(res); i++)
		store_pg_written(pg, STORE_PG_ALARM_NOTES,
		    store_pg_int(res, i, 0));
	PQclear(res);
	return 0;
}

int
store_pg_alarm_state(void *be, int64_t alarm_id, enum alarm_state *state)
{
	struct store_pg_params	 params;
	PGresult		*res;
	int			 found = 0;

	store_pg_params_init(&params);
	store_pg_param_int(&params, alarm_id);
	if ((res = store_pg_query(be, "SELECT state FROM alarms WHERE id = $1",
	    &params)) == NULL)
		return -1;
	if (PQntuples(res) > 0)
		found = alarm_state_from_name(store_pg_text(res, 0, 0),
		    state) == 0;
	PQclear(res);
	return found;
}

struct store_pg_alarms_walk {
	store_alarm_fn	*fn;
	void		*arg;
};

static int
store_pg_alarm_open_row(const PGresult *res, int i, void *arg)
{
	struct store_pg_alarms_walk	*walk = arg;
	struct alarm			 alarm;

	memset(&alarm, 0, sizeof(alarm));
	alarm.id = store_pg_int(res, i, 0);
	snprintf(alarm.unit_id, sizeof(alarm.unit_id), "%s",
	    store_pg_text(res, i, 1));
	snprintf(alarm.site_id, sizeof(alarm.site_id), "%s",
	    store_pg_text(res, i, 2));
	if (evtype_from_name(store_pg_text(res, i, 3), &alarm.type) == -1 ||
	    alarm_state_from_name(store_pg_text(res, i, 5),
	    &alarm.state) == -1)
		return 0;	/* a row this build cannot read */
	alarm.priority = (int)store_pg_int(res, i, 4);
	alarm.raised_ms = store_pg_int(res, i, 6);
	alarm.count = (int)store_pg_int(res, i, 7);
	alarm.restored = store_pg_int(res, i, 8) == 1;
	snprintf(alarm.claimed_by, sizeof(alarm.claimed_by), "%s",
	    store_pg_text(res, i, 9));
	alarm.claimed_ms = store_pg_int(res, i, 10);
	alarm.first_claimed_ms = store_pg_int(res, i, 11);
	alarm_detail(store_pg_text(res, i, 12), alarm.detail,
	    sizeof(alarm.detail));
	alarm.last_escalated_ms = -1;
	alarm.outcome = ALARM_OUTCOME_NONE;
	return walk->fn(&alarm, walk->arg);
}

int
store_pg_alarms_open_each(void *be, store_alarm_fn *fn, void *arg)
{
	struct store_pg_alarms_walk	walk = { fn, arg };

	return store_pg_walk(be, "SELECT id, unit_id, site_id, type, priority, "
	    "state, raised_ms, count, "
	    "CASE WHEN restored_ms IS NULL THEN 0 ELSE 1 END, "
	    "coalesce(claimed_by, ''), coalesce(claimed_ms, -1), "
	    "coalesce(first_claimed_ms, -1), "
	    "(SELECT attributes FROM events WHERE events.id = alarms.event_id) "
	    "FROM alarms WHERE state <> 'resolved' ORDER BY id", NULL,
	    store_pg_alarm_open_row, &walk);
}
