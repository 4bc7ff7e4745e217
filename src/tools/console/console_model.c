/*
 * The console's copy of the alarm stack and the units, fed with the lines
 * refuged sends as opproto_client parses them. Pure: no sockets, no
 * terminal; the caller hands in the time.
 * Invariant: alarms[] holds open alarms only, in stack order (priority, then
 * id, which grows with arrival); a resolved alarm leaves at once.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refuge/line.h"
#include "refuge/opproto_client.h"
#include "refuge/timefmt.h"

#include "console_model.h"

static int
console_model_fail(char *err, size_t errlen, const char *fmt, const char *what)
{
	snprintf(err, errlen, fmt, what);
	return -1;
}

static void
console_model_copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src == NULL ? "" : src);
}

struct console_model *
console_model_new(void)
{
	struct console_model	*m;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	return m;
}

void
console_model_free(struct console_model *m)
{
	size_t	i;

	if (m == NULL)
		return;
	for (i = 0; i < m->alarm_count; i++)
		free(m->alarms[i]);
	free(m->alarms);
	free(m->units);
	free(m);
}

static int
console_model_before(const struct console_alarm *a, const struct console_alarm *b)
{
	if (a->priority != b->priority)
		return a->priority < b->priority;
	return a->id < b->id;
}

long
console_model_alarm_index(const struct console_model *m, int64_t id)
{
	size_t	i;

	for (i = 0; i < m->alarm_count; i++)
		if (m->alarms[i]->id == id)
			return (long)i;
	return -1;
}

struct console_alarm *
console_model_alarm(struct console_model *m, int64_t id)
{
	long	i = console_model_alarm_index(m, id);

	return i < 0 ? NULL : m->alarms[i];
}

static void
console_model_alarm_remove(struct console_model *m, long i)
{
	free(m->alarms[i]);
	memmove(&m->alarms[i], &m->alarms[i + 1],
	    (m->alarm_count - (size_t)i - 1) * sizeof(m->alarms[0]));
	m->alarm_count--;
}

/* Moves alarm i to its place in stack order after its priority changed. */
static void
console_model_alarm_place(struct console_model *m, size_t i)
{
	struct console_alarm	*a = m->alarms[i];

	while (i > 0 && console_model_before(a, m->alarms[i - 1])) {
		m->alarms[i] = m->alarms[i - 1];
		m->alarms[--i] = a;
	}
	while (i + 1 < m->alarm_count && console_model_before(m->alarms[i + 1], a)) {
		m->alarms[i] = m->alarms[i + 1];
		m->alarms[++i] = a;
	}
}

/* An ALARM line, a reply's or a push's. */
static int
console_model_alarm_line(struct console_model *m,
    const struct opproto_client_alarm *line, enum console_effect *effect,
    int *priority, char *err, size_t errlen)
{
	struct console_alarm	 fresh, *a;
	long			 i;
	struct console_alarm	**grown;
	size_t			 cap;

	memset(&fresh, 0, sizeof(fresh));
	fresh.id = line->id;
	fresh.priority = line->priority;
	console_model_copy(fresh.state, sizeof(fresh.state), line->state);
	console_model_copy(fresh.unit, sizeof(fresh.unit), line->unit);
	console_model_copy(fresh.type, sizeof(fresh.type), line->type);
	console_model_copy(fresh.site, sizeof(fresh.site), line->site);
	console_model_copy(fresh.at, sizeof(fresh.at), line->at);
	fresh.at_ms = line->at_ms;
	console_model_copy(fresh.name, sizeof(fresh.name), line->name);
	fresh.count = line->count;
	fresh.restored = line->restored;
	fresh.unstored = line->unstored;
	console_model_copy(fresh.by, sizeof(fresh.by), line->by);
	console_model_copy(fresh.verify, sizeof(fresh.verify), line->verify);
	console_model_copy(fresh.code, sizeof(fresh.code), line->code);

	i = console_model_alarm_index(m, fresh.id);
	if (strcmp(fresh.state, "resolved") == 0) {
		if (i >= 0)
			console_model_alarm_remove(m, i);
		*effect = CONSOLE_EFFECT_CHANGED;
		return 0;
	}
	if (i >= 0) {
		/* Keep what only this console knows: notes, plan, escalation. */
		a = m->alarms[i];
		a->priority = fresh.priority;
		memcpy(a->state, fresh.state, sizeof(a->state));
		memcpy(a->type, fresh.type, sizeof(a->type));
		memcpy(a->unit, fresh.unit, sizeof(a->unit));
		memcpy(a->site, fresh.site, sizeof(a->site));
		memcpy(a->at, fresh.at, sizeof(a->at));
		a->at_ms = fresh.at_ms;
		memcpy(a->name, fresh.name, sizeof(a->name));
		a->count = fresh.count;
		a->restored = fresh.restored;
		a->unstored = fresh.unstored;
		memcpy(a->by, fresh.by, sizeof(a->by));
		memcpy(a->verify, fresh.verify, sizeof(a->verify));
		memcpy(a->code, fresh.code, sizeof(a->code));
		if (strcmp(a->state, "queued") != 0)
			a->escalated_ms = -1;
		a->seen = 1;
		console_model_alarm_place(m, (size_t)i);
		*effect = CONSOLE_EFFECT_CHANGED;
		return 0;
	}
	if (m->alarm_count == m->alarm_cap) {
		cap = m->alarm_cap ? m->alarm_cap * 2 : 16;
		if ((grown = realloc(m->alarms, cap * sizeof(*grown))) == NULL)
			return console_model_fail(err, errlen, "%s: out of memory",
			    "ALARM");
		m->alarms = grown;
		m->alarm_cap = cap;
	}
	if ((a = malloc(sizeof(*a))) == NULL)
		return console_model_fail(err, errlen, "%s: out of memory",
		    "ALARM");
	*a = fresh;
	a->escalated_ms = -1;
	a->seen = 1;
	m->alarms[m->alarm_count++] = a;
	console_model_alarm_place(m, m->alarm_count - 1);
	*effect = CONSOLE_EFFECT_NEW_ALARM;
	*priority = a->priority;
	return 0;
}

struct console_unit *
console_model_unit(struct console_model *m, const char *id)
{
	size_t	i;

	for (i = 0; i < m->unit_count; i++)
		if (strcmp(m->units[i].id, id) == 0)
			return &m->units[i];
	return NULL;
}

static struct console_unit *
console_model_unit_add(struct console_model *m, const char *id)
{
	struct console_unit	*u, *grown;
	size_t			 cap;

	if ((u = console_model_unit(m, id)) != NULL)
		return u;
	if (m->unit_count == m->unit_cap) {
		cap = m->unit_cap ? m->unit_cap * 2 : 16;
		if ((grown = realloc(m->units, cap * sizeof(*grown))) == NULL)
			return NULL;
		m->units = grown;
		m->unit_cap = cap;
	}
	u = &m->units[m->unit_count++];
	memset(u, 0, sizeof(*u));
	console_model_copy(u->id, sizeof(u->id), id);
	console_model_copy(u->state, sizeof(u->state), "unknown");
	console_model_copy(u->last_seen, sizeof(u->last_seen), "-");
	u->last_seen_ms = -1;
	return u;
}

/* A UNIT line of UNITS' reply, or the push UNIT <id> online|offline. */
static int
console_model_unit_line(struct console_model *m,
    const struct opproto_client_msg *msg, int64_t now_ms, char *err,
    size_t errlen)
{
	const struct opproto_client_unit	*line = &msg->unit;
	struct console_unit			*u;

	if ((u = console_model_unit_add(m, line->id)) == NULL)
		return console_model_fail(err, errlen, "%s: out of memory",
		    "UNIT");
	console_model_copy(u->state, sizeof(u->state), line->state);
	if (msg->push) {
		/* Heard of just now. */
		u->last_seen_ms = now_ms;
		timefmt_iso8601(now_ms, u->last_seen);
		return 0;
	}
	if (line->last_seen_ms >= 0) {
		console_model_copy(u->last_seen, sizeof(u->last_seen),
		    line->last_seen);
		u->last_seen_ms = line->last_seen_ms;
	} else {
		console_model_copy(u->last_seen, sizeof(u->last_seen), "-");
		u->last_seen_ms = -1;
	}
	console_model_copy(u->site, sizeof(u->site), line->site);
	console_model_copy(u->name, sizeof(u->name), line->name);
	console_model_copy(u->test_until, sizeof(u->test_until),
	    line->test_until);
	console_model_copy(u->paths, sizeof(u->paths), line->paths);
	u->no_commands = line->no_commands;
	u->seen = 1;
	return 0;
}

static void
console_model_cmd_result(struct console_model *m,
    const struct opproto_client_cmd *line)
{
	struct console_cmd	*c;
	size_t			 i;

	for (i = 0; i < CONSOLE_MAX_CMDS; i++) {
		c = &m->cmds[i];
		if (c->id[0] == '\0' || strcmp(c->id, line->cmd_id) != 0)
			continue;
		console_model_copy(c->result, sizeof(c->result), line->result);
		console_model_copy(c->reason, sizeof(c->reason), line->reason);
		return;
	}
}

/* A push about what happened to an alarm or a unit. */
static void
console_model_push(struct console_model *m,
    const struct opproto_client_msg *msg, int64_t now_ms,
    enum console_effect *effect)
{
	struct console_alarm	*a = NULL;
	struct console_unit	*u;

	*effect = CONSOLE_EFFECT_CHANGED;
	switch (msg->kind) {
	case OPPROTO_CLIENT_CLAIMED:
	case OPPROTO_CLIENT_RELEASED:
	case OPPROTO_CLIENT_RESOLVED:
	case OPPROTO_CLIENT_ESCALATE:
		a = console_model_alarm(m, msg->change.alarm_id);
		break;
	default:
		break;
	}
	switch (msg->kind) {
	case OPPROTO_CLIENT_RECEIVER:
		m->store_failing = msg->receiver.store_failing;
		console_model_copy(m->store_reason, sizeof(m->store_reason),
		    msg->receiver.reason);
		break;
	case OPPROTO_CLIENT_CLAIMED:
		if (a != NULL) {
			console_model_copy(a->state, sizeof(a->state),
			    "claimed");
			console_model_copy(a->by, sizeof(a->by),
			    msg->change.by);
			a->escalated_ms = -1;
		}
		break;
	case OPPROTO_CLIENT_RELEASED:
		if (a != NULL) {
			console_model_copy(a->state, sizeof(a->state), "queued");
			a->by[0] = '\0';
		}
		break;
	case OPPROTO_CLIENT_RESOLVED:
		if (a != NULL)
			console_model_alarm_remove(m,
			    console_model_alarm_index(m, a->id));
		console_model_message(m, "alarm %lld resolved %s by %s",
		    (long long)msg->change.alarm_id, msg->change.outcome,
		    msg->change.by[0] != '\0' ? msg->change.by : "?");
		break;
	case OPPROTO_CLIENT_ESCALATE:
		if (a != NULL) {
			a->escalated_ms = now_ms;
			if (msg->change.waited_s >= 0)
				a->waited_s = msg->change.waited_s;
		}
		break;
	case OPPROTO_CLIENT_TESTSIGNAL:
		console_model_message(m, "test signal from %s: %s",
		    msg->test.unit, msg->test.type);
		break;
	case OPPROTO_CLIENT_TESTMODE:
		if ((u = console_model_unit(m, msg->test.unit)) != NULL) {
			console_model_copy(u->test_until, sizeof(u->test_until),
			    msg->test.until);
			console_model_message(m, "unit %s test mode %s%s", u->id,
			    msg->test.until[0] != '\0' ? "until " : "off",
			    msg->test.until);
		}
		break;
	case OPPROTO_CLIENT_CMD:
		console_model_cmd_result(m, &msg->cmd);
		break;
	default:
		/* A mass event is told in one line; its alarms come with ALARMS. */
		if (msg->kind == OPPROTO_CLIENT_OTHER && msg->word != NULL &&
		    strcmp(msg->word, "FLOOD") == 0) {
			console_model_message(m, "FLOOD %s", msg->args);
			break;
		}
		*effect = CONSOLE_EFFECT_NONE;	/* a push this console does not know */
		break;
	}
}

int
console_model_apply_msg(struct console_model *m,
    const struct opproto_client_msg *msg, int64_t now_ms,
    enum console_effect *effect, int *priority, char *err, size_t errlen)
{
	int	rc;

	*effect = CONSOLE_EFFECT_NONE;
	*priority = 0;
	switch (msg->kind) {
	case OPPROTO_CLIENT_ALARM:
		rc = console_model_alarm_line(m, &msg->alarm, effect, priority,
		    err, errlen);
		if (rc == 0 && !msg->push && *effect == CONSOLE_EFFECT_NEW_ALARM)
			*effect = CONSOLE_EFFECT_CHANGED;	/* a re-read, not news */
		return rc;
	case OPPROTO_CLIENT_UNIT:
		rc = console_model_unit_line(m, msg, now_ms, err, errlen);
		if (rc == 0)
			*effect = CONSOLE_EFFECT_CHANGED;
		return rc;
	default:
		break;
	}
	if (!msg->push)
		return console_model_fail(err, errlen, "unexpected line %.40s",
		    msg->raw);
	console_model_push(m, msg, now_ms, effect);
	return 0;
}

int
console_model_apply(struct console_model *m, const char *line, int64_t now_ms,
    enum console_effect *effect, int *priority, char *err, size_t errlen)
{
	struct opproto_client_msg	*msg;
	int				 rc = -1;

	*effect = CONSOLE_EFFECT_NONE;
	*priority = 0;
	if ((msg = malloc(sizeof(*msg))) == NULL)
		return console_model_fail(err, errlen, "%s", "out of memory");
	if (opproto_client_parse(msg, line, strlen(line), err, errlen) == 0)
		rc = console_model_apply_msg(m, msg, now_ms, effect, priority,
		    err, errlen);
	free(msg);
	return rc;
}

void
console_model_mark_alarms(struct console_model *m)
{
	size_t	i;

	for (i = 0; i < m->alarm_count; i++)
		m->alarms[i]->seen = 0;
}

void
console_model_sweep_alarms(struct console_model *m)
{
	size_t	i = 0;

	while (i < m->alarm_count) {
		if (!m->alarms[i]->seen)
			console_model_alarm_remove(m, (long)i);
		else
			i++;
	}
}

void
console_model_mark_units(struct console_model *m)
{
	size_t	i;

	for (i = 0; i < m->unit_count; i++)
		m->units[i].seen = 0;
}

void
console_model_sweep_units(struct console_model *m)
{
	size_t	i = 0;

	while (i < m->unit_count) {
		if (!m->units[i].seen) {
			memmove(&m->units[i], &m->units[i + 1],
			    (m->unit_count - i - 1) * sizeof(m->units[0]));
			m->unit_count--;
		} else
			i++;
	}
}

void
console_model_counts(const struct console_model *m, struct console_counts *c)
{
	size_t	i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < m->alarm_count; i++) {
		c->open++;
		if (strcmp(m->alarms[i]->state, "queued") == 0)
			c->queued++;
		else if (strcmp(m->alarms[i]->state, "claimed") == 0)
			c->claimed++;
	}
	c->units_total = m->unit_count;
	for (i = 0; i < m->unit_count; i++)
		if (strcmp(m->units[i].state, "online") == 0)
			c->units_online++;
}

int
console_model_note(struct console_model *m, int64_t id, const char *text)
{
	struct console_alarm	*a;

	if ((a = console_model_alarm(m, id)) == NULL)
		return -1;
	if (a->note_count == CONSOLE_MAX_NOTES) {
		memmove(a->notes[0], a->notes[1], sizeof(a->notes[0]) *
		    (CONSOLE_MAX_NOTES - 1));
		a->note_count--;
	}
	console_model_copy(a->notes[a->note_count++], sizeof(a->notes[0]), text);
	return 0;
}

int
console_model_plan_clear(struct console_model *m, int64_t id)
{
	struct console_alarm	*a;

	if ((a = console_model_alarm(m, id)) == NULL)
		return -1;
	a->step_count = 0;
	a->plan_read = 1;
	return 0;
}

int
console_model_plan_step_msg(struct console_model *m, int64_t id,
    const struct opproto_client_msg *msg, char *err, size_t errlen)
{
	struct console_alarm	*a;

	if ((a = console_model_alarm(m, id)) == NULL)
		return console_model_fail(err, errlen, "%s", "no such alarm");
	if (msg->kind != OPPROTO_CLIENT_STEP || msg->push)
		return console_model_fail(err, errlen, "%s", "not a STEP line");
	if (a->step_count < CONSOLE_MAX_STEPS)
		console_model_copy(a->steps[a->step_count++],
		    sizeof(a->steps[0]), msg->step.text);
	return 0;
}

int
console_model_plan_step(struct console_model *m, int64_t id, const char *line,
    char *err, size_t errlen)
{
	struct opproto_client_msg	*msg;
	int				 rc = -1;

	if (console_model_alarm(m, id) == NULL)
		return console_model_fail(err, errlen, "%s", "no such alarm");
	if ((msg = malloc(sizeof(*msg))) == NULL)
		return console_model_fail(err, errlen, "%s", "out of memory");
	if (opproto_client_parse(msg, line, strlen(line), err, errlen) == 0)
		rc = console_model_plan_step_msg(m, id, msg, err, errlen);
	free(msg);
	return rc;
}

void
console_model_history_clear(struct console_model *m, const char *unit)
{
	console_model_copy(m->history_unit, sizeof(m->history_unit), unit);
	m->history_count = 0;
}

void
console_model_history_line(struct console_model *m, const char *line)
{
	struct opproto_client_msg	*msg;
	const char			*text = line;

	if (m->history_count == CONSOLE_MAX_HISTORY)
		return;
	/* Without memory or an EVENT, the line is shown as it came. */
	if ((msg = malloc(sizeof(*msg))) != NULL &&
	    opproto_client_parse(msg, line, strlen(line), NULL, 0) == 0 &&
	    msg->kind == OPPROTO_CLIENT_EVENT && !msg->push)
		text = msg->args;
	console_model_copy(m->history[m->history_count++],
	    sizeof(m->history[0]), text);
	free(msg);
}

void
console_model_cmd_sent(struct console_model *m, const char *cmd_id,
    const char *unit, const char *what)
{
	struct console_cmd	*c = &m->cmds[m->cmd_next++ % CONSOLE_MAX_CMDS];
	struct console_unit	*u;

	memset(c, 0, sizeof(*c));
	console_model_copy(c->id, sizeof(c->id), cmd_id);
	console_model_copy(c->unit, sizeof(c->unit), unit);
	console_model_copy(c->what, sizeof(c->what), what);
	console_model_copy(c->result, sizeof(c->result), "sent");
	if ((u = console_model_unit(m, unit)) == NULL)
		return;
	if (strncmp(what, "AUDIO OPEN", 10) == 0)
		u->audio_open = 1;
	else if (strcmp(what, "AUDIO CLOSE") == 0)
		u->audio_open = 0;
}

const struct console_cmd *
console_model_cmd(const struct console_model *m, size_t i)
{
	if (i >= CONSOLE_MAX_CMDS || i >= m->cmd_next)
		return NULL;
	return &m->cmds[(m->cmd_next - 1 - i) % CONSOLE_MAX_CMDS];
}

void
console_model_message(struct console_model *m, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(m->messages[m->message_next++ % CONSOLE_MAX_MESSAGES],
	    sizeof(m->messages[0]), fmt, ap);
	va_end(ap);
}

const char *
console_model_message_get(const struct console_model *m, size_t i)
{
	if (i >= CONSOLE_MAX_MESSAGES || i >= m->message_next)
		return NULL;
	return m->messages[(m->message_next - 1 - i) % CONSOLE_MAX_MESSAGES];
}
