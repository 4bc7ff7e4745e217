/*
 * The console's copy of the alarm stack and the units, fed with the lines
 * refuged sends. Pure: no sockets, no terminal; the caller hands in the time.
 * Invariant: alarms[] holds open alarms only, in stack order (priority, then
 * id, which grows with arrival); a resolved alarm leaves at once.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refuge/line.h"
#include "refuge/timefmt.h"

#include "console.h"

static int
model_fail(char *err, size_t errlen, const char *fmt, const char *what)
{
	snprintf(err, errlen, fmt, what);
	return -1;
}

static void
model_copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src == NULL ? "" : src);
}

static int
model_number(const char *s, long long min, long long max, long long *out)
{
	char		*end;
	long long	 v;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	v = strtoll(s, &end, 10);
	if (*end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* The value of key=value among tokens from first on, or NULL. */
static const char *
model_attr(const struct line_parsed *p, size_t first, const char *key)
{
	size_t	i;

	for (i = first; i < p->count; i++)
		if (p->tokens[i].key != NULL && strcmp(p->tokens[i].key, key) == 0)
			return p->tokens[i].value;
	return NULL;
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
model_before(const struct console_alarm *a, const struct console_alarm *b)
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
model_alarm_remove(struct console_model *m, long i)
{
	free(m->alarms[i]);
	memmove(&m->alarms[i], &m->alarms[i + 1],
	    (m->alarm_count - (size_t)i - 1) * sizeof(m->alarms[0]));
	m->alarm_count--;
}

/* Moves alarm i to its place in stack order after its priority changed. */
static void
model_alarm_place(struct console_model *m, size_t i)
{
	struct console_alarm	*a = m->alarms[i];

	while (i > 0 && model_before(a, m->alarms[i - 1])) {
		m->alarms[i] = m->alarms[i - 1];
		m->alarms[--i] = a;
	}
	while (i + 1 < m->alarm_count && model_before(m->alarms[i + 1], a)) {
		m->alarms[i] = m->alarms[i + 1];
		m->alarms[++i] = a;
	}
}

/* ALARM <id> prio= state= type= unit= site= at= name= [count=] [restored=1] [by=] */
static int
model_alarm_line(struct console_model *m, const struct line_parsed *p,
    enum console_effect *effect, int *priority, char *err, size_t errlen)
{
	struct console_alarm	 fresh, *a;
	const char		*v;
	long long		 n;
	long			 i;
	struct console_alarm	**grown;
	size_t			 cap;

	memset(&fresh, 0, sizeof(fresh));
	if (p->count < 2 || p->tokens[1].key != NULL ||
	    model_number(p->tokens[1].value, 1, INT64_MAX, &n) == -1)
		return model_fail(err, errlen, "%s: bad alarm id", "ALARM");
	fresh.id = n;
	if (model_number(model_attr(p, 2, "prio"), 1, 9, &n) == -1)
		return model_fail(err, errlen, "%s: bad prio", "ALARM");
	fresh.priority = (int)n;
	if ((v = model_attr(p, 2, "state")) == NULL)
		return model_fail(err, errlen, "%s: no state", "ALARM");
	model_copy(fresh.state, sizeof(fresh.state), v);
	if ((v = model_attr(p, 2, "unit")) == NULL)
		return model_fail(err, errlen, "%s: no unit", "ALARM");
	model_copy(fresh.unit, sizeof(fresh.unit), v);
	model_copy(fresh.type, sizeof(fresh.type), model_attr(p, 2, "type"));
	model_copy(fresh.site, sizeof(fresh.site), model_attr(p, 2, "site"));
	model_copy(fresh.at, sizeof(fresh.at), model_attr(p, 2, "at"));
	if (timefmt_parse_iso8601(fresh.at, &fresh.at_ms) == -1)
		fresh.at_ms = -1;
	model_copy(fresh.name, sizeof(fresh.name), model_attr(p, 2, "name"));
	fresh.count = 1;
	if (model_number(model_attr(p, 2, "count"), 1, 1000000000, &n) == 0)
		fresh.count = (int)n;
	fresh.restored = (v = model_attr(p, 2, "restored")) != NULL &&
	    strcmp(v, "1") == 0;
	model_copy(fresh.by, sizeof(fresh.by), model_attr(p, 2, "by"));

	i = console_model_alarm_index(m, fresh.id);
	if (strcmp(fresh.state, "resolved") == 0) {
		if (i >= 0)
			model_alarm_remove(m, i);
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
		memcpy(a->by, fresh.by, sizeof(a->by));
		if (strcmp(a->state, "queued") != 0)
			a->escalated_ms = -1;
		a->seen = 1;
		model_alarm_place(m, (size_t)i);
		*effect = CONSOLE_EFFECT_CHANGED;
		return 0;
	}
	if (m->alarm_count == m->alarm_cap) {
		cap = m->alarm_cap ? m->alarm_cap * 2 : 16;
		if ((grown = realloc(m->alarms, cap * sizeof(*grown))) == NULL)
			return model_fail(err, errlen, "%s: out of memory", "ALARM");
		m->alarms = grown;
		m->alarm_cap = cap;
	}
	if ((a = malloc(sizeof(*a))) == NULL)
		return model_fail(err, errlen, "%s: out of memory", "ALARM");
	*a = fresh;
	a->escalated_ms = -1;
	a->seen = 1;
	m->alarms[m->alarm_count++] = a;
	model_alarm_place(m, m->alarm_count - 1);
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
model_unit_add(struct console_model *m, const char *id)
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
	model_copy(u->id, sizeof(u->id), id);
	model_copy(u->state, sizeof(u->state), "unknown");
	model_copy(u->last_seen, sizeof(u->last_seen), "-");
	u->last_seen_ms = -1;
	return u;
}

/* UNIT <id> state= last_seen= site= name= [test_until=], or the push UNIT <id> online|offline. */
static int
model_unit_line(struct console_model *m, const struct line_parsed *p,
    int push, int64_t now_ms, char *err, size_t errlen)
{
	struct console_unit	*u;
	const char		*v;

	if (p->count < 3 || p->tokens[1].key != NULL ||
	    !line_is_ident(p->tokens[1].value))
		return model_fail(err, errlen, "%s: bad unit id", "UNIT");
	if (push) {
		if (p->tokens[2].key != NULL)
			return model_fail(err, errlen, "%s: bad state", "UNIT");
		if ((u = model_unit_add(m, p->tokens[1].value)) == NULL)
			return model_fail(err, errlen, "%s: out of memory", "UNIT");
		model_copy(u->state, sizeof(u->state), p->tokens[2].value);
		u->last_seen_ms = now_ms;
		timefmt_iso8601(now_ms, u->last_seen);
		return 0;
	}
	if ((v = model_attr(p, 2, "state")) == NULL)
		return model_fail(err, errlen, "%s: no state", "UNIT");
	if ((u = model_unit_add(m, p->tokens[1].value)) == NULL)
		return model_fail(err, errlen, "%s: out of memory", "UNIT");
	model_copy(u->state, sizeof(u->state), v);
	model_copy(u->last_seen, sizeof(u->last_seen), model_attr(p, 2,
	    "last_seen"));
	if (timefmt_parse_iso8601(u->last_seen, &u->last_seen_ms) == -1) {
		u->last_seen_ms = -1;
		model_copy(u->last_seen, sizeof(u->last_seen), "-");
	}
	model_copy(u->site, sizeof(u->site), model_attr(p, 2, "site"));
	model_copy(u->name, sizeof(u->name), model_attr(p, 2, "name"));
	model_copy(u->test_until, sizeof(u->test_until), model_attr(p, 2,
	    "test_until"));
	u->seen = 1;
	return 0;
}

/* An alarm id as the first argument of a push. */
static struct console_alarm *
model_push_alarm(struct console_model *m, const struct line_parsed *p)
{
	long long	n;

	if (p->count < 2 || p->tokens[1].key != NULL ||
	    model_number(p->tokens[1].value, 1, INT64_MAX, &n) == -1)
		return NULL;
	return console_model_alarm(m, n);
}

static void
model_cmd_result(struct console_model *m, const struct line_parsed *p,
    const char *line)
{
	struct console_cmd	*c;
	const char		*reason;
	size_t			 i;

	for (i = 0; i < CONSOLE_MAX_CMDS; i++) {
		c = &m->cmds[i];
		if (c->id[0] == '\0' || strcmp(c->id, p->tokens[1].value) != 0)
			continue;
		model_copy(c->result, sizeof(c->result), p->tokens[2].value);
		/* The reason is the rest of the line after three words, as it came. */
		reason = line;
		for (i = 0; i < 3; i++) {
			while (*reason == ' ')
				reason++;
			while (*reason != ' ' && *reason != '\0')
				reason++;
		}
		while (*reason == ' ')
			reason++;
		model_copy(c->reason, sizeof(c->reason), reason);
		return;
	}
}

int
console_model_apply(struct console_model *m, const char *line, int64_t now_ms,
    enum console_effect *effect, int *priority, char *err, size_t errlen)
{
	struct line_parsed	*p;
	struct console_alarm	*a;
	struct console_unit	*u;
	const char		*cmd, *v, *by;
	long long		 n;
	int			 push = 0, rc = -1;

	*effect = CONSOLE_EFFECT_NONE;
	*priority = 0;
	if (strncmp(line, "* ", 2) == 0) {
		push = 1;
		line += 2;
	}
	if ((p = malloc(sizeof(*p))) == NULL)
		return model_fail(err, errlen, "%s", "out of memory");
	if (line_parse(p, line, strlen(line), err, errlen) == -1)
		goto done;
	cmd = p->tokens[0].key == NULL ? p->tokens[0].value : "";
	if (strcmp(cmd, "ALARM") == 0) {
		rc = model_alarm_line(m, p, effect, priority, err, errlen);
		if (rc == 0 && !push && *effect == CONSOLE_EFFECT_NEW_ALARM)
			*effect = CONSOLE_EFFECT_CHANGED;	/* a re-read, not news */
		goto done;
	}
	if (strcmp(cmd, "UNIT") == 0) {
		rc = model_unit_line(m, p, push, now_ms, err, errlen);
		if (rc == 0)
			*effect = CONSOLE_EFFECT_CHANGED;
		goto done;
	}
	if (!push) {
		model_fail(err, errlen, "unexpected line %.40s", line);
		goto done;
	}
	rc = 0;
	*effect = CONSOLE_EFFECT_CHANGED;
	if (strcmp(cmd, "CLAIMED") == 0) {
		if ((a = model_push_alarm(m, p)) != NULL) {
			model_copy(a->state, sizeof(a->state), "claimed");
			model_copy(a->by, sizeof(a->by), model_attr(p, 2, "by"));
			a->escalated_ms = -1;
		}
	} else if (strcmp(cmd, "RELEASED") == 0) {
		if ((a = model_push_alarm(m, p)) != NULL) {
			model_copy(a->state, sizeof(a->state), "queued");
			a->by[0] = '\0';
		}
	} else if (strcmp(cmd, "RESOLVED") == 0) {
		if ((a = model_push_alarm(m, p)) != NULL)
			model_alarm_remove(m, console_model_alarm_index(m, a->id));
		v = model_attr(p, 2, "outcome");
		by = model_attr(p, 2, "by");
		console_model_message(m, "alarm %s resolved %s by %s",
		    p->count > 1 ? p->tokens[1].value : "?", v ? v : "",
		    by ? by : "?");
	} else if (strcmp(cmd, "ESCALATE") == 0) {
		if ((a = model_push_alarm(m, p)) != NULL) {
			a->escalated_ms = now_ms;
			if (model_number(model_attr(p, 2, "waited"), 0, INT64_MAX,
			    &n) == 0)
				a->waited_s = n;
		}
	} else if (strcmp(cmd, "TESTSIGNAL") == 0) {
		if (p->count >= 3)
			console_model_message(m, "test signal from %s: %s",
			    p->tokens[1].value, p->tokens[2].value);
	} else if (strcmp(cmd, "TESTMODE") == 0) {
		if (p->count >= 3 && (u = console_model_unit(m,
		    p->tokens[1].value)) != NULL) {
			v = model_attr(p, 2, "until");
			model_copy(u->test_until, sizeof(u->test_until), v);
			console_model_message(m, "unit %s test mode %s%s", u->id,
			    v ? "until " : "off", v ? v : "");
		}
	} else if (strcmp(cmd, "CMD") == 0) {
		if (p->count >= 3 && p->tokens[1].key == NULL &&
		    p->tokens[2].key == NULL)
			model_cmd_result(m, p, line);
	} else
		*effect = CONSOLE_EFFECT_NONE;	/* a push this console does not know */
done:
	free(p);
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
			model_alarm_remove(m, (long)i);
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
	model_copy(a->notes[a->note_count++], sizeof(a->notes[0]), text);
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

/* STEP <n> "<text>" */
int
console_model_plan_step(struct console_model *m, int64_t id, const char *line,
    char *err, size_t errlen)
{
	struct line_parsed	*p;
	struct console_alarm	*a;
	int			 rc = -1;

	if ((a = console_model_alarm(m, id)) == NULL)
		return model_fail(err, errlen, "%s", "no such alarm");
	if ((p = malloc(sizeof(*p))) == NULL)
		return model_fail(err, errlen, "%s", "out of memory");
	if (line_parse(p, line, strlen(line), err, errlen) == -1)
		goto done;
	if (p->count != 3 || p->tokens[0].key != NULL ||
	    strcmp(p->tokens[0].value, "STEP") != 0 || p->tokens[2].key != NULL) {
		model_fail(err, errlen, "%s", "not a STEP line");
		goto done;
	}
	if (a->step_count < CONSOLE_MAX_STEPS)
		model_copy(a->steps[a->step_count++], sizeof(a->steps[0]),
		    p->tokens[2].value);
	rc = 0;
done:
	free(p);
	return rc;
}

void
console_model_history_clear(struct console_model *m, const char *unit)
{
	model_copy(m->history_unit, sizeof(m->history_unit), unit);
	m->history_count = 0;
}

void
console_model_history_line(struct console_model *m, const char *line)
{
	if (strncmp(line, "EVENT ", 6) == 0)
		line += 6;
	if (m->history_count < CONSOLE_MAX_HISTORY)
		model_copy(m->history[m->history_count++], sizeof(m->history[0]),
		    line);
}

void
console_model_cmd_sent(struct console_model *m, const char *cmd_id,
    const char *unit, const char *what)
{
	struct console_cmd	*c = &m->cmds[m->cmd_next++ % CONSOLE_MAX_CMDS];

	memset(c, 0, sizeof(*c));
	model_copy(c->id, sizeof(c->id), cmd_id);
	model_copy(c->unit, sizeof(c->unit), unit);
	model_copy(c->what, sizeof(c->what), what);
	model_copy(c->result, sizeof(c->result), "sent");
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
