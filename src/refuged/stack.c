/*
 * The alarm stack. Alarms live in an alarmq (priority order, id index) and
 * in their unit's open list; both point at the same heap-allocated struct,
 * freed when the alarm is resolved. A batch from ingest keeps a journal of
 * what it changed in memory and the pushes it owes: commit sends the pushes,
 * abort walks the journal backwards.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "refuge/alarmq.h"
#include "refuge/daemon.h"
#include "refuge/line.h"
#include "refuge/log.h"
#include "refuge/operator.h"
#include "refuge/opproto.h"
#include "refuge/stack.h"
#include "refuge/timefmt.h"
#include "refuge/unit.h"

#define STACK_ESCALATION_TICK_MS	1000
#define STACK_ORPHANS_PER_TICK		8

enum stack_change_kind {
	STACK_RAISED,
	STACK_REPEATED,
	STACK_RESTORED,
	STACK_TESTSIGNAL
};

/* One thing a batch did: undone on abort, pushed on commit. */
struct stack_change {
	enum stack_change_kind	 kind;
	struct alarm		*alarm;
	struct unit_record	*record;
	enum evtype		 type;
	int			 old_value;
};

struct stack {
	struct daemon		*daemon;
	struct alarmq		*queue;
	struct event		*escalation;
	uint64_t		 next_seq;
	struct stack_change	*changes;
	size_t			 change_count;
	size_t			 change_capacity;
	struct alarm		**sorted;
	size_t			 sorted_capacity;
};

static void	stack_escalation_tick(evutil_socket_t, short, void *);
static void	stack_test_ended(evutil_socket_t, short, void *);

struct stack *
stack_new(struct daemon *daemon)
{
	struct stack	*stack;

	if ((stack = calloc(1, sizeof(*stack))) == NULL)
		return NULL;
	stack->daemon = daemon;
	stack->next_seq = 1;
	if ((stack->queue = alarmq_new()) == NULL ||
	    (stack->escalation = event_new(daemon->base, -1, EV_PERSIST,
	    stack_escalation_tick, stack)) == NULL) {
		stack_free(stack);
		return NULL;
	}
	return stack;
}

void
stack_free(struct stack *stack)
{
	struct alarm	**all;
	size_t		  i, count;

	if (stack == NULL)
		return;
	if (stack->queue != NULL) {
		count = stack_sorted(stack, &all);
		for (i = 0; i < count; i++)
			free(all[i]);
		alarmq_free(stack->queue);
	}
	if (stack->escalation != NULL)
		event_free(stack->escalation);
	free(stack->changes);
	free(stack->sorted);
	free(stack);
}

static int
stack_unit_add(struct unit_record *record, struct alarm *alarm)
{
	struct alarm	**grown;
	size_t		  capacity;

	if (record->alarm_count == record->alarm_capacity) {
		capacity = record->alarm_capacity ? record->alarm_capacity * 2 : 4;
		if ((grown = realloc(record->alarms, capacity *
		    sizeof(*grown))) == NULL)
			return -1;
		record->alarms = grown;
		record->alarm_capacity = capacity;
	}
	record->alarms[record->alarm_count++] = alarm;
	return 0;
}

static void
stack_unit_remove(struct unit_record *record, struct alarm *alarm)
{
	size_t	i;

	for (i = 0; i < record->alarm_count; i++)
		if (record->alarms[i] == alarm) {
			memmove(&record->alarms[i], &record->alarms[i + 1],
			    (record->alarm_count - i - 1) * sizeof(*record->alarms));
			record->alarm_count--;
			return;
		}
}

static int
stack_by_seq(const void *a, const void *b)
{
	const struct alarm	*x = *(struct alarm *const *)a;
	const struct alarm	*y = *(struct alarm *const *)b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The unit's newest open alarm of a type, or NULL. */
static struct alarm *
stack_unit_newest(struct unit_record *record, enum evtype type)
{
	size_t	i;

	for (i = record->alarm_count; i > 0; i--)
		if (record->alarms[i - 1]->type == type)
			return record->alarms[i - 1];
	return NULL;
}

/* Puts an alarm in the queue and its unit's list; frees it on failure. */
static int
stack_insert(struct stack *stack, struct unit_record *record,
    struct alarm *alarm)
{
	alarm->seq = stack->next_seq++;
	if (alarmq_push(stack->queue, alarm) == -1) {
		free(alarm);
		return -1;
	}
	if (stack_unit_add(record, alarm) == -1) {
		alarmq_remove(stack->queue, alarm);
		free(alarm);
		return -1;
	}
	return 0;
}

static void
stack_delete(struct stack *stack, struct alarm *alarm)
{
	struct unit_record	*record;

	alarmq_remove(stack->queue, alarm);
	if ((record = daemon_unit_find(stack->daemon, alarm->unit_id)) != NULL)
		stack_unit_remove(record, alarm);
	free(alarm);
}

static void
stack_test_arm(struct stack *stack, struct unit_record *record, int64_t now)
{
	struct timeval	tv;
	int64_t		delay;

	if (record->test_end == NULL &&
	    (record->test_end = evtimer_new(stack->daemon->base,
	    stack_test_ended, record)) == NULL) {
		log_warnx("unit=%s cannot arm the end of its test window",
		    record->reg->id);
		return;
	}
	evtimer_del(record->test_end);
	if (record->test_until_ms <= now)
		return;
	delay = record->test_until_ms - now;
	tv.tv_sec = delay / 1000;
	tv.tv_usec = (delay % 1000) * 1000;
	evtimer_add(record->test_end, &tv);
}

static int
stack_load_alarm(const struct alarm *stored, void *arg)
{
	struct stack		*stack = arg;
	struct unit_record	*record;
	struct alarm		*alarm;

	if ((record = daemon_unit_find(stack->daemon, stored->unit_id)) == NULL) {
		log_warnx("alarm %lld of unit %s, which is no longer registered, "
		    "stays in the store only", (long long)stored->id,
		    stored->unit_id);
		return 0;
	}
	if ((alarm = malloc(sizeof(*alarm))) == NULL)
		return -1;
	*alarm = *stored;
	return stack_insert(stack, record, alarm);
}

static int
stack_load_test(const char *unit_id, int64_t until_ms, void *arg)
{
	struct stack		*stack = arg;
	struct unit_record	*record;

	if ((record = daemon_unit_find(stack->daemon, unit_id)) != NULL)
		record->test_until_ms = until_ms;
	return 0;
}

int
stack_load(struct stack *stack, char *err, size_t errlen)
{
	struct daemon	*daemon = stack->daemon;
	struct timeval	 tick = { STACK_ESCALATION_TICK_MS / 1000, 0 };
	int64_t		 now = timenow_wall_ms();
	size_t		 i;

	for (i = 0; i < daemon->registry->unit_count; i++)
		daemon->records[i]->test_until_ms =
		    daemon->registry->units[i].on_test_until_ms;
	if (store_alarms_open_each(daemon->store, stack_load_alarm, stack) == -1 ||
	    store_tests_each(daemon->store, stack_load_test, stack) == -1) {
		snprintf(err, errlen, "loading open alarms: %s",
		    store_error(daemon->store));
		return -1;
	}
	for (i = 0; i < daemon->registry->unit_count; i++)
		if (daemon->records[i]->test_until_ms > now)
			stack_test_arm(stack, daemon->records[i], now);
	if (event_add(stack->escalation, &tick) == -1) {
		snprintf(err, errlen, "cannot start the escalation timer");
		return -1;
	}
	if (alarmq_count(stack->queue) > 0)
		log_info("stack: %zu open alarms restored",
		    alarmq_count(stack->queue));
	return 0;
}

static int
stack_journal(struct stack *stack, enum stack_change_kind kind,
    struct alarm *alarm, struct unit_record *record, enum evtype type,
    int old_value)
{
	struct stack_change	*grown;
	size_t			 capacity;

	if (stack->change_count == stack->change_capacity) {
		capacity = stack->change_capacity ? stack->change_capacity * 2 : 64;
		if ((grown = realloc(stack->changes, capacity *
		    sizeof(*grown))) == NULL)
			return -1;
		stack->changes = grown;
		stack->change_capacity = capacity;
	}
	stack->changes[stack->change_count++] = (struct stack_change){
		.kind = kind, .alarm = alarm, .record = record, .type = type,
		.old_value = old_value
	};
	return 0;
}

static int
stack_raise(struct stack *stack, struct unit_record *record, enum evtype type,
    int64_t event_row_id, int64_t received_ms)
{
	struct daemon	*daemon = stack->daemon;
	struct alarm	*alarm;
	char		 detail[160];

	if ((alarm = calloc(1, sizeof(*alarm))) == NULL)
		return -1;
	alarm->priority = daemon->registry->priorities[type];
	alarm->state = ALARM_QUEUED;
	alarm->type = type;
	snprintf(alarm->unit_id, sizeof(alarm->unit_id), "%s", record->reg->id);
	snprintf(alarm->site_id, sizeof(alarm->site_id), "%s", record->reg->site);
	alarm->raised_ms = received_ms;
	alarm->count = 1;
	alarm->first_claimed_ms = -1;
	alarm->last_escalated_ms = -1;
	snprintf(detail, sizeof(detail), "type=%s unit=%s prio=%d",
	    evtype_name(type), alarm->unit_id, alarm->priority);
	if (store_alarm_insert(daemon->store, alarm, event_row_id) == -1 ||
	    store_audit_append(daemon->store, received_ms, "", alarm->id, "raise",
	    detail) == -1) {
		free(alarm);
		return -1;
	}
	if (stack_insert(stack, record, alarm) == -1)
		return -1;
	if (stack_journal(stack, STACK_RAISED, alarm, record, type, 0) == -1) {
		stack_delete(stack, alarm);
		return -1;
	}
	return 0;
}

int
stack_event(struct stack *stack, struct unit_record *record, enum evtype type,
    int64_t event_row_id, int64_t received_ms)
{
	struct daemon		*daemon = stack->daemon;
	const int		*priorities = daemon->registry->priorities;
	struct alarm		*open = NULL;
	enum alarm_effect	 effect;
	char			 detail[96];
	int			 lookup, old;

	if ((lookup = alarm_effect_lookup_type(priorities, type)) >= 0)
		open = stack_unit_newest(record, (enum evtype)lookup);
	effect = alarm_effect(priorities, type,
	    stack_unit_on_test(record, received_ms), open);
	switch (effect) {
	case ALARM_EFFECT_NONE:
		return 0;
	case ALARM_EFFECT_RAISE:
		return stack_raise(stack, record, type, event_row_id, received_ms);
	case ALARM_EFFECT_TESTSIGNAL:
		return stack_journal(stack, STACK_TESTSIGNAL, NULL, record, type, 0);
	case ALARM_EFFECT_REPEAT:
		old = open->count++;
		snprintf(detail, sizeof(detail), "type=%s count=%d",
		    evtype_name(type), open->count);
		if (store_alarm_attach(daemon->store, open, event_row_id, -1) == -1 ||
		    store_audit_append(daemon->store, received_ms, "", open->id,
		    "repeat", detail) == -1 ||
		    stack_journal(stack, STACK_REPEATED, open, record, type,
		    old) == -1) {
			open->count = old;
			return -1;
		}
		return 0;
	case ALARM_EFFECT_RESTORE:
		old = open->restored;
		open->restored = 1;
		snprintf(detail, sizeof(detail), "type=%s", evtype_name(type));
		if (store_alarm_attach(daemon->store, open, event_row_id,
		    received_ms) == -1 ||
		    store_audit_append(daemon->store, received_ms, "", open->id,
		    "restore", detail) == -1 ||
		    stack_journal(stack, STACK_RESTORED, open, record, type,
		    old) == -1) {
			open->restored = old;
			return -1;
		}
		return 0;
	}
	return 0;
}

void
stack_batch_abort(struct stack *stack)
{
	struct stack_change	*change;
	size_t			 i;

	for (i = stack->change_count; i > 0; i--) {
		change = &stack->changes[i - 1];
		switch (change->kind) {
		case STACK_RAISED:
			stack_delete(stack, change->alarm);
			break;
		case STACK_REPEATED:
			change->alarm->count = change->old_value;
			break;
		case STACK_RESTORED:
			change->alarm->restored = change->old_value;
			break;
		case STACK_TESTSIGNAL:
			break;
		}
	}
	stack->change_count = 0;
}

void
stack_command_result(const char *cmd_id, enum unit_command_result result,
    const char *reason,
    void *arg)
{
	struct daemon	*daemon = arg;
	const char	*name;

	name = result == UNIT_COMMAND_DONE ? "done" :
	    result == UNIT_COMMAND_FAIL ? "fail" : "timeout";
	if (store_begin(daemon->store) == -1 ||
	    store_command_result(daemon->store, cmd_id, name, reason,
	    timenow_wall_ms()) == -1 ||
	    store_commit(daemon->store) == -1) {
		log_error("store: command %s result %s not recorded: %s", cmd_id,
		    name, store_error(daemon->store));
		store_rollback(daemon->store);
	}
	operator_push(daemon, "CMD %s %s%s%s", cmd_id, name, reason ? " " : "",
	    reason ? reason : "");
}

void
stack_command_sent(struct stack *stack, const char *cmd_id,
    const char *unit_id, int64_t alarm_id, const char *user,
    const char *command)
{
	struct store	*store = stack->daemon->store;
	int64_t		 now = timenow_wall_ms();
	char		 detail[LINE_MAX_BYTES + 96];

	snprintf(detail, sizeof(detail), "unit=%s cmd=%s %s", unit_id, cmd_id,
	    command);
	if (store_begin(store) == -1 || store_command_insert(store, cmd_id,
	    unit_id, alarm_id, user, command, now) == -1 ||
	    store_audit_append(store, now, user, alarm_id, "command", detail) ==
	    -1 || store_commit(store) == -1) {
		log_error("store: command %s not recorded: %s", cmd_id,
		    store_error(store));
		store_rollback(store);
	}
}

/* A new BUTTON alarm: flash the light and turn the camera to its preset. */
static void
stack_activate(struct stack *stack, struct unit_record *record,
    struct alarm *alarm)
{
	struct uproto_cmd	 commands[2];
	const char		*reason;
	char			 cmd_id[32], text[300];
	size_t			 i, count = 0;

	commands[count].kind = UPROTO_CMD_LIGHT;
	snprintf(commands[count++].arg, sizeof(commands[0].arg), "FLASH");
	if (record->reg->camera_preset >= 0) {
		commands[count].kind = UPROTO_CMD_CAMERA;
		snprintf(commands[count++].arg, sizeof(commands[0].arg), "%d",
		    record->reg->camera_preset);
	}
	for (i = 0; i < count; i++) {
		if (unit_command_send(record, &commands[i], stack_command_result,
		    stack->daemon, cmd_id, &reason) == -1) {
			log_warnx("unit=%s alarm=%lld activation command not sent: "
			    "%s", record->reg->id, (long long)alarm->id, reason);
			continue;
		}
		snprintf(text, sizeof(text), "%s %s", i == 0 ? "LIGHT" : "CAMERA PRESET",
		    commands[i].arg);
		stack_command_sent(stack, cmd_id, record->reg->id, alarm->id, "",
		    text);
	}
}

void
stack_batch_commit(struct stack *stack)
{
	struct stack_change	*change;
	size_t			 i;
	int			 pass;

	/* Priority-1 alarms go out before anything else of the batch. */
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < stack->change_count; i++) {
			change = &stack->changes[i];
			if ((change->alarm != NULL &&
			    change->alarm->priority == 1) != (pass == 0))
				continue;
			if (change->kind == STACK_TESTSIGNAL)
				operator_push(stack->daemon, "TESTSIGNAL %s %s",
				    change->record->reg->id,
				    evtype_name(change->type));
			else
				operator_push_alarm(stack->daemon, change->alarm);
		}
}

void
stack_batch_finish(struct stack *stack)
{
	struct stack_change	*change;
	size_t			 i;

	for (i = 0; i < stack->change_count; i++) {
		change = &stack->changes[i];
		if (change->kind == STACK_RAISED && change->type == EVTYPE_BUTTON)
			stack_activate(stack, change->record, change->alarm);
	}
	stack->change_count = 0;
}

/* An alarm that is not open: resolved, or never was. */
static const char *
stack_not_open(struct stack *stack, int64_t id, char *text, size_t textlen)
{
	enum alarm_state	state;

	if (store_alarm_state(stack->daemon->store, id, &state) == 1 &&
	    state == ALARM_RESOLVED) {
		snprintf(text, textlen, "alarm %lld is already resolved",
		    (long long)id);
		return OPPROTO_ERR_STATE;
	}
	snprintf(text, textlen, "no alarm %lld", (long long)id);
	return OPPROTO_ERR_NOTFOUND;
}

static const char *
stack_status_code(enum alarm_status status, char *text, size_t textlen)
{
	snprintf(text, textlen, "%s", alarm_status_text(status));
	switch (status) {
	case ALARM_OK:
		return NULL;
	case ALARM_ERR_CLAIMED:
		return OPPROTO_ERR_CLAIMED;
	case ALARM_ERR_DENIED:
		return OPPROTO_ERR_DENIED;
	case ALARM_ERR_CLASSIFY:
		return OPPROTO_ERR_SYNTAX;
	default:
		return OPPROTO_ERR_STATE;
	}
}

static const char *
stack_store_failed(struct stack *stack, char *text, size_t textlen)
{
	log_error("store: operator action not stored: %s",
	    store_error(stack->daemon->store));
	store_rollback(stack->daemon->store);
	snprintf(text, textlen, "storage failed; nothing changed");
	return OPPROTO_ERR_INTERNAL;
}

/* Stores a claim state change of copy, then makes it the alarm's. */
static const char *
stack_save_claim(struct stack *stack, struct alarm *alarm,
    const struct alarm *copy, const char *user, const char *action,
    char *text, size_t textlen)
{
	struct store	*store = stack->daemon->store;

	if (store_begin(store) == -1 || store_alarm_save_claim(store, copy) == -1 ||
	    store_audit_append(store, timenow_wall_ms(), user, alarm->id, action,
	    "") == -1 || store_commit(store) == -1)
		return stack_store_failed(stack, text, textlen);
	*alarm = *copy;
	return NULL;
}

const char *
stack_claim(struct stack *stack, int64_t id, const char *user, char *text,
    size_t textlen)
{
	struct alarm		*alarm, copy;
	enum alarm_status	 status;
	const char		*code;
	int			 first_claim;

	if ((alarm = alarmq_find(stack->queue, id)) == NULL)
		return stack_not_open(stack, id, text, textlen);
	if (alarm->state == ALARM_CLAIMED &&
	    strcmp(alarm->claimed_by, user) == 0)
		return NULL;
	copy = *alarm;
	first_claim = alarm->first_claimed_ms < 0;
	if ((status = alarm_claim(&copy, user, timenow_wall_ms())) != ALARM_OK)
		return stack_status_code(status, text, textlen);
	if ((code = stack_save_claim(stack, alarm, &copy, user, "claim", text,
	    textlen)) != NULL)
		return code;
	if (copy.first_claimed_ms >= 0 && first_claim)
		metrics_observe(&stack->daemon->metrics.time_to_claim,
		    (copy.first_claimed_ms - copy.raised_ms) / 1000.0);
	log_info("alarm=%lld claimed by=%s", (long long)id, user);
	operator_push_alarm(stack->daemon, alarm);
	operator_push(stack->daemon, "CLAIMED %lld by=%s", (long long)id, user);
	return NULL;
}

const char *
stack_release(struct stack *stack, int64_t id, const char *user,
    int supervisor, char *text, size_t textlen)
{
	struct alarm		*alarm, copy;
	enum alarm_status	 status;
	const char		*code;

	if ((alarm = alarmq_find(stack->queue, id)) == NULL)
		return stack_not_open(stack, id, text, textlen);
	copy = *alarm;
	/* Releasing someone else's claim is a state error, not a race lost. */
	if ((status = alarm_release(&copy, user, supervisor)) == ALARM_ERR_CLAIMED)
		status = ALARM_ERR_NOT_CLAIMED;
	if (status != ALARM_OK)
		return stack_status_code(status, text, textlen);
	if ((code = stack_save_claim(stack, alarm, &copy, user, "release", text,
	    textlen)) != NULL)
		return code;
	log_info("alarm=%lld released by=%s", (long long)id, user);
	operator_push_alarm(stack->daemon, alarm);
	operator_push(stack->daemon, "RELEASED %lld", (long long)id);
	return NULL;
}

void
stack_release_user(struct stack *stack, const char *user)
{
	struct alarm	**all, copy;
	size_t		  i, count;

	count = stack_sorted(stack, &all);
	for (i = 0; i < count; i++) {
		copy = *all[i];
		if (!alarm_release_user(&copy, user))
			continue;
		if (stack_save_claim(stack, all[i], &copy, user,
		    "release-on-disconnect", (char [64]){ 0 }, 64) != NULL)
			continue;
		log_info("alarm=%lld released: %s disconnected",
		    (long long)copy.id, user);
		operator_push_alarm(stack->daemon, all[i]);
		operator_push(stack->daemon, "RELEASED %lld", (long long)copy.id);
	}
}

const char *
stack_resolve(struct stack *stack, int64_t id, const char *user,
    int supervisor, enum alarm_outcome outcome, const char *reason,
    const char *action, const char *note, char *text, size_t textlen)
{
	struct store		*store = stack->daemon->store;
	struct alarm		*alarm, copy;
	enum alarm_status	 status;
	char			 detail[160];
	int64_t			 now = timenow_wall_ms();

	if ((alarm = alarmq_find(stack->queue, id)) == NULL)
		return stack_not_open(stack, id, text, textlen);
	copy = *alarm;
	status = alarm_resolve(&copy, user, supervisor, outcome, reason, action);
	if (status == ALARM_ERR_CLAIMED)
		status = ALARM_ERR_NOT_CLAIMED;
	if (status != ALARM_OK)
		return stack_status_code(status, text, textlen);
	snprintf(detail, sizeof(detail), "outcome=%s %s=%s",
	    alarm_outcome_name(outcome), reason ? "reason" : "action",
	    reason ? reason : action);
	if (store_begin(store) == -1 || store_alarm_resolve(store, &copy, user,
	    now, reason, action, note) == -1 ||
	    store_audit_append(store, now, user, id, "resolve", detail) == -1 ||
	    store_commit(store) == -1)
		return stack_store_failed(stack, text, textlen);
	log_info("alarm=%lld resolved by=%s %s", (long long)id, user, detail);
	stack_delete(stack, alarm);
	operator_push(stack->daemon, "RESOLVED %lld outcome=%s by=%s", (long long)id,
	    alarm_outcome_name(outcome), user);
	return NULL;
}

const char *
stack_note(struct stack *stack, int64_t id, const char *user, const char *note,
    char *text, size_t textlen)
{
	struct store	*store = stack->daemon->store;
	int64_t		 now = timenow_wall_ms();

	if (alarmq_find(stack->queue, id) == NULL)
		return stack_not_open(stack, id, text, textlen);
	if (store_begin(store) == -1 ||
	    store_alarm_note(store, id, now, user, note) == -1 ||
	    store_audit_append(store, now, user, id, "note", note) == -1 ||
	    store_commit(store) == -1)
		return stack_store_failed(stack, text, textlen);
	return NULL;
}

int
stack_audit(struct stack *stack, const char *user, int64_t alarm_id,
    const char *action, const char *detail)
{
	struct store	*store = stack->daemon->store;
	char		 text[64];

	if (store_begin(store) == -1 ||
	    store_audit_append(store, timenow_wall_ms(), user, alarm_id, action,
	    detail) == -1 || store_commit(store) == -1) {
		stack_store_failed(stack, text, sizeof(text));
		return -1;
	}
	return 0;
}

const char *
stack_testmode(struct stack *stack, struct unit_record *record,
    int64_t duration_ms, const char *user, char *text, size_t textlen)
{
	struct store	*store = stack->daemon->store;
	int64_t		 now = timenow_wall_ms();
	int64_t		 until = duration_ms > 0 ? now + duration_ms : 0;
	char		 detail[96], iso[TIMEFMT_ISO_LEN];

	if (until > 0)
		timefmt_iso8601(until, iso);
	snprintf(detail, sizeof(detail), "unit=%s until=%s", record->reg->id,
	    until > 0 ? iso : "off");
	if (store_begin(store) == -1 ||
	    store_test_set(store, record->reg->id, until, user, now) == -1 ||
	    store_audit_append(store, now, user, 0, "testmode", detail) == -1 ||
	    store_commit(store) == -1)
		return stack_store_failed(stack, text, textlen);
	record->test_until_ms = until;
	stack_test_arm(stack, record, now);
	log_info("unit=%s test mode %s by=%s", record->reg->id,
	    until > 0 ? iso : "off", user);
	operator_push(stack->daemon, "TESTMODE %s %s%s", record->reg->id,
	    until > 0 ? "until=" : "off", until > 0 ? iso : "");
	return NULL;
}

void
stack_test_set(struct stack *stack, struct unit_record *record,
    int64_t until_ms)
{
	char	iso[TIMEFMT_ISO_LEN];
	int64_t	now = timenow_wall_ms();

	record->test_until_ms = until_ms;
	stack_test_arm(stack, record, now);
	if (until_ms > now) {
		timefmt_iso8601(until_ms, iso);
		operator_push(stack->daemon, "TESTMODE %s until=%s",
		    record->reg->id, iso);
	} else
		operator_push(stack->daemon, "TESTMODE %s off", record->reg->id);
}

void
stack_unit_added(struct stack *stack, struct unit_record *record)
{
	struct alarm	**all;
	size_t		  i, count;

	count = stack_sorted(stack, &all);
	for (i = 0; i < count; i++)
		if (strcmp(all[i]->unit_id, record->reg->id) == 0 &&
		    stack_unit_add(record, all[i]) == -1)
			log_warnx("unit=%s alarm=%lld not linked: out of memory",
			    record->reg->id, (long long)all[i]->id);
	/* Alarms were sorted by priority; the unit's list wants arrival order. */
	if (record->alarm_count > 1)
		qsort(record->alarms, record->alarm_count,
		    sizeof(*record->alarms), stack_by_seq);
	if (record->reg->on_test_until_ms > timenow_wall_ms())
		stack_test_set(stack, record, record->reg->on_test_until_ms);
}

static void
stack_test_ended(evutil_socket_t fd, short what, void *arg)
{
	struct unit_record	*record = arg;

	(void)fd;
	(void)what;
	log_info("unit=%s test window ended", record->reg->id);
	operator_push(record->daemon, "TESTMODE %s off", record->reg->id);
}

int
stack_unit_on_test(const struct unit_record *record, int64_t now_ms)
{
	return record->test_until_ms > now_ms;
}

/* Queued alarms older than escalation.after are pushed again each period. */
static void
stack_escalation_tick(evutil_socket_t fd, short what, void *arg)
{
	struct stack	 *stack = arg;
	struct alarm	**all, *alarm;
	int64_t		  now = timenow_wall_ms();
	int64_t		  after = stack->daemon->config->escalation_after_ms;
	char		  orphaned[STACK_ORPHANS_PER_TICK][ALARM_USER_MAX + 1];
	size_t		  i, count, orphans = 0;

	(void)fd;
	(void)what;
	count = stack_sorted(stack, &all);
	for (i = 0; i < count; i++) {
		alarm = all[i];
		/*
		 * A claim that outlived its operator's link (a restart) goes back
		 * to the queue if they do not return within one period.
		 */
		if (alarm->state == ALARM_CLAIMED && orphans < STACK_ORPHANS_PER_TICK &&
		    timenow_mono_ms() - stack->daemon->started_mono_ms >= after &&
		    operator_user_sessions(stack->daemon, alarm->claimed_by) == 0) {
			snprintf(orphaned[orphans++], sizeof(orphaned[0]), "%s",
			    alarm->claimed_by);
			continue;
		}
		if (alarm->state != ALARM_QUEUED || now - alarm->raised_ms < after)
			continue;
		if (alarm->last_escalated_ms >= 0 &&
		    now - alarm->last_escalated_ms < after)
			continue;
		alarm->last_escalated_ms = now;
		stack->daemon->metrics.escalations++;
		log_warnx("alarm=%lld escalated: queued for %lld s",
		    (long long)alarm->id,
		    (long long)((now - alarm->raised_ms) / 1000));
		operator_push(stack->daemon, "ESCALATE %lld waited=%lld", (long long)alarm->id,
		    (long long)((now - alarm->raised_ms) / 1000));
	}
	/* After the walk: releasing re-sorts the array it walked. */
	for (i = 0; i < orphans; i++)
		stack_release_user(stack, orphaned[i]);
}

struct alarm *
stack_find(struct stack *stack, int64_t id)
{
	return alarmq_find(stack->queue, id);
}

size_t
stack_sorted(struct stack *stack, struct alarm ***out)
{
	struct alarm	**grown;
	size_t		  count = alarmq_count(stack->queue);

	if (count > stack->sorted_capacity) {
		if ((grown = realloc(stack->sorted, count * sizeof(*grown))) ==
		    NULL) {
			*out = stack->sorted;
			return 0;
		}
		stack->sorted = grown;
		stack->sorted_capacity = count;
	}
	*out = stack->sorted;
	return count ? alarmq_sorted(stack->queue, stack->sorted) : 0;
}

size_t
stack_open_count(struct stack *stack)
{
	return alarmq_count(stack->queue);
}
