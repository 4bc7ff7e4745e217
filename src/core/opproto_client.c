/*
 * Operator protocol v1, the client's half: what the receiver sends an
 * operator, parsed into typed messages. The grammar is refuge-protocol(7);
 * the lines are made by opproto.c's formatters and the daemon's pushes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refuge/opproto_client.h"
#include "refuge/timefmt.h"

#define OPPROTO_CLIENT_IN_REPLY	0x1	/* a data or final line */
#define OPPROTO_CLIENT_IN_PUSH	0x2	/* after "* " */

struct opproto_client_def {
	const char		*name;
	enum opproto_client_kind kind;
	int			 where;
	/*
	 * 0: the whole line is tokenised. Else the keyword and raw_words - 1
	 * words after it are, and the rest is free text taken as it came.
	 */
	size_t			 raw_words;
	int			(*parse)(struct opproto_client_msg *, char *,
				    size_t);
};

/* Where a known attribute's value goes. */
struct opproto_client_known {
	const char	 *key;
	const char	**value;
};

static int	opproto_client_ok(struct opproto_client_msg *, char *, size_t);
static int	opproto_client_err(struct opproto_client_msg *, char *, size_t);
static int	opproto_client_alarm(struct opproto_client_msg *, char *,
		    size_t);
static int	opproto_client_unit(struct opproto_client_msg *, char *,
		    size_t);
static int	opproto_client_step(struct opproto_client_msg *, char *,
		    size_t);
static int	opproto_client_event(struct opproto_client_msg *, char *,
		    size_t);
static int	opproto_client_stat(struct opproto_client_msg *, char *,
		    size_t);
static int	opproto_client_change(struct opproto_client_msg *, char *,
		    size_t);
static int	opproto_client_testsignal(struct opproto_client_msg *, char *,
		    size_t);
static int	opproto_client_testmode(struct opproto_client_msg *, char *,
		    size_t);
static int	opproto_client_cmd(struct opproto_client_msg *, char *,
		    size_t);
static int	opproto_client_reloaded(struct opproto_client_msg *, char *,
		    size_t);
static int	opproto_client_receiver(struct opproto_client_msg *, char *,
		    size_t);
static int	opproto_client_other(struct opproto_client_msg *, char *,
		    size_t);
static int	opproto_client_log(struct opproto_client_msg *, char *, size_t);
static int	opproto_client_operator(struct opproto_client_msg *, char *,
		    size_t);
static int	opproto_client_handover(struct opproto_client_msg *, char *,
		    size_t);

static const struct opproto_client_def opproto_client_defs[] = {
	{ "OK", OPPROTO_CLIENT_OK, OPPROTO_CLIENT_IN_REPLY, 0,
	    opproto_client_ok },
	{ "ERR", OPPROTO_CLIENT_ERR, OPPROTO_CLIENT_IN_REPLY, 2,
	    opproto_client_err },
	{ "ALARM", OPPROTO_CLIENT_ALARM,
	    OPPROTO_CLIENT_IN_REPLY | OPPROTO_CLIENT_IN_PUSH, 0,
	    opproto_client_alarm },
	{ "UNIT", OPPROTO_CLIENT_UNIT,
	    OPPROTO_CLIENT_IN_REPLY | OPPROTO_CLIENT_IN_PUSH, 0,
	    opproto_client_unit },
	{ "STEP", OPPROTO_CLIENT_STEP, OPPROTO_CLIENT_IN_REPLY, 0,
	    opproto_client_step },
	{ "EVENT", OPPROTO_CLIENT_EVENT, OPPROTO_CLIENT_IN_REPLY, 0,
	    opproto_client_event },
	{ "STAT", OPPROTO_CLIENT_STAT, OPPROTO_CLIENT_IN_REPLY, 0,
	    opproto_client_stat },
	{ "CLAIMED", OPPROTO_CLIENT_CLAIMED, OPPROTO_CLIENT_IN_PUSH, 0,
	    opproto_client_change },
	{ "RELEASED", OPPROTO_CLIENT_RELEASED, OPPROTO_CLIENT_IN_PUSH, 0,
	    opproto_client_change },
	{ "RESOLVED", OPPROTO_CLIENT_RESOLVED, OPPROTO_CLIENT_IN_PUSH, 0,
	    opproto_client_change },
	{ "ESCALATE", OPPROTO_CLIENT_ESCALATE, OPPROTO_CLIENT_IN_PUSH, 0,
	    opproto_client_change },
	{ "TESTSIGNAL", OPPROTO_CLIENT_TESTSIGNAL, OPPROTO_CLIENT_IN_PUSH, 0,
	    opproto_client_testsignal },
	{ "TESTMODE", OPPROTO_CLIENT_TESTMODE, OPPROTO_CLIENT_IN_PUSH, 0,
	    opproto_client_testmode },
	{ "CMD", OPPROTO_CLIENT_CMD, OPPROTO_CLIENT_IN_PUSH, 3,
	    opproto_client_cmd },
	{ "RELOADED", OPPROTO_CLIENT_RELOADED, OPPROTO_CLIENT_IN_PUSH, 0,
	    opproto_client_reloaded },
	{ "RECEIVER", OPPROTO_CLIENT_RECEIVER, OPPROTO_CLIENT_IN_PUSH, 0,
	    opproto_client_receiver },
	{ "LOG", OPPROTO_CLIENT_LOG, OPPROTO_CLIENT_IN_REPLY, 0,
	    opproto_client_log },
	{ "OPERATOR", OPPROTO_CLIENT_OPERATOR, OPPROTO_CLIENT_IN_REPLY, 0,
	    opproto_client_operator },
	{ "HANDOVER", OPPROTO_CLIENT_HANDOVER,
	    OPPROTO_CLIENT_IN_REPLY | OPPROTO_CLIENT_IN_PUSH, 0,
	    opproto_client_handover },
};

static const struct opproto_client_def opproto_client_unknown = {
	"OTHER", OPPROTO_CLIENT_OTHER,
	OPPROTO_CLIENT_IN_REPLY | OPPROTO_CLIENT_IN_PUSH, 0,
	opproto_client_other
};

static int
opproto_client_fail(char *err, size_t errlen, const char *why)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", why);
	return -1;
}

/* Decimal digits only, within min..max. Returns 0 or -1. */
static int
opproto_client_number(const char *s, int64_t min, int64_t max, int64_t *out)
{
	int64_t	v = 0;

	if (s == NULL || *s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || v > (INT64_MAX - (*s - '0')) / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	if (v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* An ISO time, or -1 when it is absent or unreadable. */
static int64_t
opproto_client_time(const char *s)
{
	int64_t	ms;

	if (s == NULL || *s == '\0' || timefmt_parse_iso8601(s, &ms) == -1)
		return -1;
	return ms;
}

/* lat= and lon= as given: both numbers within range, else not located. */
static int
opproto_client_place(const char *lat, const char *lon, double *la,
    double *lo)
{
	char	*end;

	if (lat == NULL || lon == NULL || *lat == '\0' || *lon == '\0')
		return 0;
	*la = strtod(lat, &end);
	if (*end != '\0' || *la < -90 || *la > 90)
		return 0;
	*lo = strtod(lon, &end);
	if (*end != '\0' || *lo < -180 || *lo > 180)
		return 0;
	return 1;
}

static const char *
opproto_client_or_empty(const char *s)
{
	return s == NULL ? "" : s;
}

/* The i-th token when it is a word (not key=value), else NULL. */
static const char *
opproto_client_word(const struct opproto_client_msg *m, size_t i)
{
	if (i >= m->line.count || m->line.tokens[i].key != NULL)
		return NULL;
	return m->line.tokens[i].value;
}

/*
 * Sorts the tokens from first on: a known key's first value goes where the
 * table says; anything else, a word or an attribute, is kept in other[].
 */
static void
opproto_client_attrs(struct opproto_client_msg *m, size_t first,
    const struct opproto_client_known *known, size_t nknown)
{
	const struct line_token	*t;
	size_t			 i, k;

	for (k = 0; k < nknown; k++)
		*known[k].value = NULL;
	for (i = first; i < m->line.count; i++) {
		t = &m->line.tokens[i];
		for (k = 0; t->key != NULL && k < nknown; k++)
			if (strcmp(t->key, known[k].key) == 0)
				break;
		if (t->key != NULL && k < nknown && *known[k].value == NULL)
			*known[k].value = t->value;
		else
			m->other[m->other_count++] = t;
	}
}

/* An alarm id as the i-th token. */
static int
opproto_client_alarm_id(const struct opproto_client_msg *m, size_t i,
    int64_t *id)
{
	return opproto_client_number(opproto_client_word(m, i), 1, INT64_MAX,
	    id);
}

/* OK [detail]: role= and cmd= when the detail is made of tokens. */
static int
opproto_client_ok(struct opproto_client_msg *m, char *err, size_t errlen)
{
	struct opproto_client_ok	*ok = &m->ok;
	const struct opproto_client_known known[] = {
		{ "role", &ok->role },
		{ "cmd", &ok->cmd_id },
		{ "tz", &ok->tz },
	};

	(void)err;
	(void)errlen;
	ok->detail = m->args;
	if (opproto_client_number(ok->detail, 0, INT64_MAX, &ok->count) == -1)
		ok->count = -1;
	opproto_client_attrs(m, 1, known, sizeof(known) / sizeof(known[0]));
	ok->role = opproto_client_or_empty(ok->role);
	ok->cmd_id = opproto_client_or_empty(ok->cmd_id);
	ok->tz = opproto_client_or_empty(ok->tz);
	return 0;
}

/* ERR <code> <text>: the text is the rest of the line. */
static int
opproto_client_err(struct opproto_client_msg *m, char *err, size_t errlen)
{
	if ((m->err.code = opproto_client_word(m, 1)) == NULL ||
	    m->line.tokens[1].quoted)
		return opproto_client_fail(err, errlen, "bad error code");
	return 0;
}

/* ALARM <id> prio= state= type= unit= site= at= name= [count=] [restored=1] [by=] */
static int
opproto_client_alarm(struct opproto_client_msg *m, char *err, size_t errlen)
{
	struct opproto_client_alarm	*a = &m->alarm;
	const char			*prio, *count, *restored, *stored;
	const char			*lat, *lon;
	const struct opproto_client_known known[] = {
		{ "prio", &prio },
		{ "state", &a->state },
		{ "type", &a->type },
		{ "unit", &a->unit },
		{ "site", &a->site },
		{ "at", &a->at },
		{ "name", &a->name },
		{ "count", &count },
		{ "restored", &restored },
		{ "by", &a->by },
		{ "stored", &stored },
		{ "lat", &lat },
		{ "lon", &lon },
		{ "outcome", &a->outcome },
		{ "code", &a->code },
		{ "verify", &a->verify },
		{ "path", &a->path },
	};
	int64_t				 n;

	if (opproto_client_alarm_id(m, 1, &a->id) == -1)
		return opproto_client_fail(err, errlen, "bad alarm id");
	opproto_client_attrs(m, 2, known, sizeof(known) / sizeof(known[0]));
	if (opproto_client_number(prio, 1, 9, &n) == -1)
		return opproto_client_fail(err, errlen, "bad prio");
	a->priority = (int)n;
	if (a->state == NULL || a->state[0] == '\0')
		return opproto_client_fail(err, errlen, "no state");
	if (a->unit == NULL || !line_is_ident(a->unit))
		return opproto_client_fail(err, errlen, "no unit");
	a->count = 1;
	if (count != NULL) {
		if (opproto_client_number(count, 1, 1000000000, &n) == -1)
			return opproto_client_fail(err, errlen, "bad count");
		a->count = (int)n;
	}
	a->restored = restored != NULL && strcmp(restored, "1") == 0;
	a->unstored = stored != NULL && strcmp(stored, "no") == 0;
	a->type = opproto_client_or_empty(a->type);
	a->site = opproto_client_or_empty(a->site);
	a->at = opproto_client_or_empty(a->at);
	a->at_ms = opproto_client_time(a->at);
	a->name = opproto_client_or_empty(a->name);
	a->code = opproto_client_or_empty(a->code);
	a->verify = opproto_client_or_empty(a->verify);
	a->path = opproto_client_or_empty(a->path);
	a->by = opproto_client_or_empty(a->by);
	a->outcome = opproto_client_or_empty(a->outcome);
	a->located = opproto_client_place(lat, lon, &a->lat, &a->lon);
	return 0;
}

/* UNIT <id> state= last_seen= site= name= [test_until=]; * UNIT <id> online|offline */
static int
opproto_client_unit(struct opproto_client_msg *m, char *err, size_t errlen)
{
	struct opproto_client_unit	*u = &m->unit;
	const char			*lat = NULL, *lon = NULL;
	const char			*commands = NULL;
	const struct opproto_client_known known[] = {
		{ "state", &u->state },
		{ "heard", &u->heard },
		{ "lat", &lat },
		{ "lon", &lon },
		{ "address", &u->address },
		{ "last_seen", &u->last_seen },
		{ "site", &u->site },
		{ "name", &u->name },
		{ "test_until", &u->test_until },
		{ "paths", &u->paths },
		{ "commands", &commands },
	};

	if ((u->id = opproto_client_word(m, 1)) == NULL ||
	    !line_is_ident(u->id))
		return opproto_client_fail(err, errlen, "bad unit id");
	if (m->push) {
		if ((u->state = opproto_client_word(m, 2)) == NULL)
			return opproto_client_fail(err, errlen, "bad state");
		opproto_client_attrs(m, 3, NULL, 0);
		u->last_seen = u->site = u->name = u->test_until = "";
		u->heard = u->address = u->paths = "";
		u->last_seen_ms = u->test_until_ms = u->heard_ms = -1;
		return 0;
	}
	opproto_client_attrs(m, 2, known, sizeof(known) / sizeof(known[0]));
	if (u->state == NULL || u->state[0] == '\0')
		return opproto_client_fail(err, errlen, "no state");
	u->last_seen = opproto_client_or_empty(u->last_seen);
	u->last_seen_ms = opproto_client_time(u->last_seen);
	u->site = opproto_client_or_empty(u->site);
	u->name = opproto_client_or_empty(u->name);
	u->test_until = opproto_client_or_empty(u->test_until);
	u->test_until_ms = opproto_client_time(u->test_until);
	u->heard = opproto_client_or_empty(u->heard);
	u->heard_ms = opproto_client_time(u->heard);
	u->address = opproto_client_or_empty(u->address);
	u->located = opproto_client_place(lat, lon, &u->lat, &u->lon);
	u->paths = opproto_client_or_empty(u->paths);
	u->no_commands = commands != NULL && strcmp(commands, "no") == 0;
	return 0;
}

/* STEP <n> "<text>" */
static int
opproto_client_step(struct opproto_client_msg *m, char *err, size_t errlen)
{
	int64_t	n;

	if (opproto_client_number(opproto_client_word(m, 1), 1, 1000000,
	    &n) == -1)
		return opproto_client_fail(err, errlen, "bad step number");
	m->step.number = (int)n;
	if ((m->step.text = opproto_client_word(m, 2)) == NULL)
		return opproto_client_fail(err, errlen, "no step text");
	opproto_client_attrs(m, 3, NULL, 0);
	return 0;
}

/* EVENT <unit-event-id> <TYPE> at=<iso> [source=receiver] [unit_at=<iso>] [key=value ...] */
static int
opproto_client_event(struct opproto_client_msg *m, char *err, size_t errlen)
{
	struct opproto_client_event	*e = &m->event;
	const char			*source;
	const struct opproto_client_known known[] = {
		{ "at", &e->at },
		{ "source", &source },
		{ "unit_at", &e->unit_at },
	};

	if ((e->event_id = opproto_client_word(m, 1)) == NULL ||
	    !line_is_ident(e->event_id))
		return opproto_client_fail(err, errlen, "bad event id");
	if ((e->type = opproto_client_word(m, 2)) == NULL)
		return opproto_client_fail(err, errlen, "no event type");
	opproto_client_attrs(m, 3, known, sizeof(known) / sizeof(known[0]));
	e->at = opproto_client_or_empty(e->at);
	e->at_ms = opproto_client_time(e->at);
	e->from_receiver = source != NULL && strcmp(source, "receiver") == 0;
	e->unit_at = opproto_client_or_empty(e->unit_at);
	e->unit_at_ms = opproto_client_time(e->unit_at);
	return 0;
}

/* STAT <name> key=value ... */
static int
opproto_client_stat(struct opproto_client_msg *m, char *err, size_t errlen)
{
	if ((m->stat.name = opproto_client_word(m, 1)) == NULL)
		return opproto_client_fail(err, errlen, "no figure name");
	opproto_client_attrs(m, 2, NULL, 0);
	return 0;
}

/* CLAIMED <id> by=, RELEASED <id>, RESOLVED <id> outcome= by=, ESCALATE <id> waited= */
static int
opproto_client_change(struct opproto_client_msg *m, char *err, size_t errlen)
{
	struct opproto_client_change	*c = &m->change;
	const char			*waited;
	const struct opproto_client_known known[] = {
		{ "by", &c->by },
		{ "outcome", &c->outcome },
		{ "waited", &waited },
	};

	if (opproto_client_alarm_id(m, 1, &c->alarm_id) == -1)
		return opproto_client_fail(err, errlen, "bad alarm id");
	opproto_client_attrs(m, 2, known, sizeof(known) / sizeof(known[0]));
	c->by = opproto_client_or_empty(c->by);
	c->outcome = opproto_client_or_empty(c->outcome);
	c->waited_s = -1;
	if (waited != NULL && opproto_client_number(waited, 0, INT64_MAX,
	    &c->waited_s) == -1)
		return opproto_client_fail(err, errlen, "bad waited");
	return 0;
}

/* TESTSIGNAL <unit> <TYPE> */
static int
opproto_client_testsignal(struct opproto_client_msg *m, char *err,
    size_t errlen)
{
	struct opproto_client_test	*t = &m->test;

	if ((t->unit = opproto_client_word(m, 1)) == NULL ||
	    !line_is_ident(t->unit))
		return opproto_client_fail(err, errlen, "bad unit id");
	if ((t->type = opproto_client_word(m, 2)) == NULL)
		return opproto_client_fail(err, errlen, "no event type");
	opproto_client_attrs(m, 3, NULL, 0);
	t->until = "";
	t->until_ms = -1;
	return 0;
}

/* TESTMODE <unit> until=<iso> | off */
static int
opproto_client_testmode(struct opproto_client_msg *m, char *err,
    size_t errlen)
{
	struct opproto_client_test	*t = &m->test;
	const char			*off;
	const struct opproto_client_known known[] = {
		{ "until", &t->until },
	};

	if ((t->unit = opproto_client_word(m, 1)) == NULL ||
	    !line_is_ident(t->unit))
		return opproto_client_fail(err, errlen, "bad unit id");
	t->type = "";
	if ((off = opproto_client_word(m, 2)) != NULL) {
		if (strcmp(off, "off") != 0)
			return opproto_client_fail(err, errlen,
			    "neither until nor off");
		opproto_client_attrs(m, 3, NULL, 0);
		t->until = "";
		t->until_ms = -1;
		return 0;
	}
	opproto_client_attrs(m, 2, known, sizeof(known) / sizeof(known[0]));
	if (t->until == NULL || t->until[0] == '\0')
		return opproto_client_fail(err, errlen, "neither until nor off");
	t->until_ms = opproto_client_time(t->until);
	return 0;
}

/* CMD <cmd-id> done|fail|timeout [reason]: the reason is the rest of the line. */
static int
opproto_client_cmd(struct opproto_client_msg *m, char *err, size_t errlen)
{
	struct opproto_client_cmd	*c = &m->cmd;

	if ((c->cmd_id = opproto_client_word(m, 1)) == NULL ||
	    !line_is_ident(c->cmd_id))
		return opproto_client_fail(err, errlen, "bad command id");
	if ((c->result = opproto_client_word(m, 2)) == NULL ||
	    m->line.tokens[2].quoted)
		return opproto_client_fail(err, errlen, "bad command result");
	return 0;
}

/* RELOADED units=<n> */
static int
opproto_client_reloaded(struct opproto_client_msg *m, char *err,
    size_t errlen)
{
	const char	*units;
	const struct opproto_client_known known[] = {
		{ "units", &units },
	};

	opproto_client_attrs(m, 1, known, sizeof(known) / sizeof(known[0]));
	m->reloaded.units = -1;
	if (units != NULL && opproto_client_number(units, 0, INT64_MAX,
	    &m->reloaded.units) == -1)
		return opproto_client_fail(err, errlen, "bad units");
	return 0;
}

/* RECEIVER <role> store=ok|failing [name=] [active=] ["reason"] */
static int
opproto_client_receiver(struct opproto_client_msg *m, char *err,
    size_t errlen)
{
	struct opproto_client_receiver	*r = &m->receiver;
	const struct line_token		*t;
	const char			*store;
	const struct opproto_client_known known[] = {
		{ "store", &store },
		{ "name", &r->name },
		{ "active", &r->active },
	};
	size_t				 i;

	if ((r->role = opproto_client_word(m, 1)) == NULL)
		return opproto_client_fail(err, errlen, "no role");
	opproto_client_attrs(m, 2, known, sizeof(known) / sizeof(known[0]));
	if (store == NULL || (strcmp(store, "ok") != 0 &&
	    strcmp(store, "failing") != 0))
		return opproto_client_fail(err, errlen, "bad store");
	r->store_failing = strcmp(store, "failing") == 0;
	r->name = opproto_client_or_empty(r->name);
	r->active = opproto_client_or_empty(r->active);
	r->reason = "";
	for (i = 2; i < m->line.count; i++) {
		t = &m->line.tokens[i];
		if (t->key == NULL && t->quoted)
			r->reason = t->value;
	}
	return 0;
}

static int
opproto_client_other(struct opproto_client_msg *m, char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	opproto_client_attrs(m, 1, NULL, 0);
	return 0;
}

/* LOG <iso> <what> [by=] [cut=1] [key=value ...] ["text"] */
static int
opproto_client_log(struct opproto_client_msg *m, char *err, size_t errlen)
{
	struct opproto_client_log	*l = &m->log;
	const char			*cut = NULL;
	const struct opproto_client_known known[] = {
		{ "by", &l->by },
		{ "cut", &cut },
	};
	const struct line_token		*last;

	if ((l->at = opproto_client_word(m, 1)) == NULL ||
	    (l->at_ms = opproto_client_time(l->at)) < 0)
		return opproto_client_fail(err, errlen, "bad time");
	if ((l->what = opproto_client_word(m, 2)) == NULL ||
	    m->line.tokens[2].quoted)
		return opproto_client_fail(err, errlen, "no step");
	l->text = "";
	last = &m->line.tokens[m->line.count - 1];
	opproto_client_attrs(m, 3, known, sizeof(known) / sizeof(known[0]));
	/* The free text is the last token, quoted; it is not an attribute. */
	if (m->line.count > 3 && last->key == NULL && last->quoted) {
		l->text = last->value;
		m->other_count--;
	}
	l->by = opproto_client_or_empty(l->by);
	l->cut = cut != NULL && strcmp(cut, "1") == 0;
	return 0;
}

/* OPERATOR <user> role= desk= claimed= [more=] */
static int
opproto_client_operator(struct opproto_client_msg *m, char *err, size_t errlen)
{
	struct opproto_client_operator	*o = &m->op;
	const char			*more;
	const struct opproto_client_known known[] = {
		{ "role", &o->role },
		{ "desk", &o->desk },
		{ "claimed", &o->claimed },
		{ "more", &more },
	};

	if ((o->user = opproto_client_word(m, 1)) == NULL)
		return opproto_client_fail(err, errlen, "no user");
	opproto_client_attrs(m, 2, known, sizeof(known) / sizeof(known[0]));
	if (o->role == NULL || o->role[0] == '\0')
		return opproto_client_fail(err, errlen, "no role");
	o->desk = opproto_client_or_empty(o->desk);
	o->claimed = opproto_client_or_empty(o->claimed);
	if (opproto_client_number(more, 0, INT64_MAX, &o->more) == -1)
		o->more = 0;
	return 0;
}

/* HANDOVER by= at= "text" */
static int
opproto_client_handover(struct opproto_client_msg *m, char *err, size_t errlen)
{
	struct opproto_client_handover	*h = &m->handover;
	const struct opproto_client_known known[] = {
		{ "by", &h->by },
		{ "at", &h->at },
	};
	const struct line_token		*last = &m->line.tokens[m->line.count - 1];

	if (m->line.count < 2 || last->key != NULL || !last->quoted)
		return opproto_client_fail(err, errlen, "no text");
	opproto_client_attrs(m, 1, known, sizeof(known) / sizeof(known[0]));
	m->other_count--;
	h->text = last->value;
	h->by = opproto_client_or_empty(h->by);
	h->at = opproto_client_or_empty(h->at);
	h->at_ms = opproto_client_time(h->at);
	return 0;
}

/* Skips n words and the spaces after each; words here hold no quotes. */
static const char *
opproto_client_skip(const char *p, size_t n)
{
	while (*p == ' ')
		p++;
	for (; n > 0 && *p != '\0'; n--) {
		while (*p != ' ' && *p != '\0')
			p++;
		while (*p == ' ')
			p++;
	}
	return p;
}

int
opproto_client_parse(struct opproto_client_msg *m, const char *line,
    size_t len, char *err, size_t errlen)
{
	const struct opproto_client_def	*def = &opproto_client_unknown;
	const char			*p, *rest;
	size_t				 i, wordlen;
	int				 r;

	memset(m, 0, offsetof(struct opproto_client_msg, other));
	m->other_count = 0;
	m->line.count = 0;
	m->raw[0] = '\0';
	m->kind = OPPROTO_CLIENT_OTHER;
	m->word = m->args = "";
	m->push = len >= 2 && line[0] == '*' && line[1] == ' ';
	if (len > OPPROTO_CLIENT_MAX_BYTES)
		return opproto_client_fail(err, errlen, "line too long");
	for (i = 0; i < len; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			return opproto_client_fail(err, errlen,
			    "control character");
	memcpy(m->raw, line, len);
	m->raw[len] = '\0';

	p = m->raw;
	if (m->push) {
		p = opproto_client_skip(p + 1, 0);
		if (*p == '\0')
			return opproto_client_fail(err, errlen, "empty push");
	}
	while (*p == ' ')
		p++;
	if (*p == '\0')
		return opproto_client_fail(err, errlen, "empty line");
	wordlen = strcspn(p, " ");
	if (p[0] == '"' || memchr(p, '=', wordlen) != NULL)
		return opproto_client_fail(err, errlen, "no keyword");
	for (i = 0; i < sizeof(opproto_client_defs) /
	    sizeof(opproto_client_defs[0]); i++) {
		if (strlen(opproto_client_defs[i].name) == wordlen &&
		    memcmp(opproto_client_defs[i].name, p, wordlen) == 0 &&
		    (opproto_client_defs[i].where & (m->push ?
		    OPPROTO_CLIENT_IN_PUSH : OPPROTO_CLIENT_IN_REPLY))) {
			def = &opproto_client_defs[i];
			break;
		}
	}
	m->args = opproto_client_skip(p, 1);
	if (def->raw_words > 0) {
		/* Only the words before the free text are tokens. */
		rest = opproto_client_skip(p, def->raw_words);
		if (line_parse(&m->line, p, (size_t)(rest - p), err,
		    errlen) == -1)
			return -1;
		if (m->line.count < def->raw_words)
			return def->parse(m, err, errlen);
		if (def->kind == OPPROTO_CLIENT_ERR)
			m->err.text = rest;
		else
			m->cmd.reason = rest;
	} else if (line_parse(&m->line, p, strlen(p), err, errlen) == -1) {
		/*
		 * OK's detail and a push of a kind not known here need not be
		 * tokens: the keyword alone is, and args holds the rest.
		 */
		if (def->kind != OPPROTO_CLIENT_OK &&
		    def->kind != OPPROTO_CLIENT_OTHER)
			return -1;
		if (line_parse(&m->line, p, wordlen, err, errlen) == -1)
			return -1;
	}
	m->kind = def->kind;
	m->word = m->line.tokens[0].value;
	if ((r = def->parse(m, err, errlen)) == -1)
		m->kind = OPPROTO_CLIENT_OTHER;
	return r;
}

const char *
opproto_client_attr(const struct opproto_client_msg *m, const char *key)
{
	size_t	i;

	for (i = 1; i < m->line.count; i++)
		if (m->line.tokens[i].key != NULL &&
		    strcmp(m->line.tokens[i].key, key) == 0)
			return m->line.tokens[i].value;
	return NULL;
}

const char *
opproto_client_kind_name(enum opproto_client_kind kind)
{
	size_t	i;

	for (i = 0; i < sizeof(opproto_client_defs) /
	    sizeof(opproto_client_defs[0]); i++)
		if (opproto_client_defs[i].kind == kind)
			return opproto_client_defs[i].name;
	return opproto_client_unknown.name;
}
