/* Operator protocol v1: parsing operators' requests, formatting replies. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "refuge/duration.h"
#include "refuge/evtype.h"
#include "refuge/opproto.h"
#include "refuge/timefmt.h"
#include "opproto_internal.h"

#define OPPROTO_ALARM_ID_DIGITS	18
#define OPPROTO_TEXT_MAX	400
#define OPPROTO_CMD_WORDS	7
#define OPPROTO_TESTMODE_MAX_MS	(7LL * 24 * 3600 * 1000)
#define OPPROTO_SHOW_MAX	32	/* bytes of a bad word echoed in err */

struct opproto_command_def {
	const char		*name;
	enum opproto_command	 command;
	int			(*parse)(struct opproto_request *, char *,
				    size_t);
};

static int	opproto_parse_login(struct opproto_request *, char *, size_t);
static int	opproto_parse_bare(struct opproto_request *, char *, size_t);
static int	opproto_parse_id(struct opproto_request *, char *, size_t);
static int	opproto_parse_note(struct opproto_request *, char *, size_t);
static int	opproto_parse_cmd(struct opproto_request *, char *, size_t);
static int	opproto_parse_history(struct opproto_request *, char *,
		    size_t);
static int	opproto_parse_stats(struct opproto_request *, char *, size_t);
static int	opproto_parse_testmode(struct opproto_request *, char *,
		    size_t);
static int	opproto_parse_step(struct opproto_request *, char *, size_t);

static const struct opproto_command_def opproto_commands[] = {
	{ "LOGIN",	OPPROTO_LOGIN,		opproto_parse_login },
	{ "LOGOUT",	OPPROTO_LOGOUT,		opproto_parse_bare },
	{ "PING",	OPPROTO_PING,		opproto_parse_bare },
	{ "ALARMS",	OPPROTO_ALARMS,		opproto_parse_bare },
	{ "UNITS",	OPPROTO_UNITS,		opproto_parse_bare },
	{ "CLAIM",	OPPROTO_CLAIM,		opproto_parse_claim },
	{ "RELEASE",	OPPROTO_RELEASE,	opproto_parse_id },
	{ "PLAN",	OPPROTO_PLAN,		opproto_parse_id },
	{ "NOTE",	OPPROTO_NOTE,		opproto_parse_note },
	{ "RESOLVE",	OPPROTO_RESOLVE,	opproto_resolve_parse },
	{ "CMD",	OPPROTO_CMD,		opproto_parse_cmd },
	{ "HISTORY",	OPPROTO_HISTORY,	opproto_parse_history },
	{ "STATS",	OPPROTO_STATS,		opproto_parse_stats },
	{ "TESTMODE",	OPPROTO_TESTMODE,	opproto_parse_testmode },
	{ "STEP",	OPPROTO_STEP,		opproto_parse_step },
	{ "OUTCOMES",	OPPROTO_OUTCOMES,	opproto_parse_bare },
	{ "DETAIL",	OPPROTO_DETAIL,		opproto_parse_detail },
	{ "SEARCH",	OPPROTO_SEARCH,		opproto_parse_search },
	{ "WHO",	OPPROTO_WHO,		opproto_parse_who },
	{ "HANDOVER",	OPPROTO_HANDOVER,	opproto_parse_handover },
};

int
opproto_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* How many bytes of s to echo: at most OPPROTO_SHOW_MAX, not splitting UTF-8. */
int
opproto_show(const char *s)
{
	size_t	n = strlen(s);

	if (n <= OPPROTO_SHOW_MAX)
		return (int)n;
	n = OPPROTO_SHOW_MAX;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return (int)n;
}

/* The i-th token if it is there and not key=value, else NULL. */
const char *
opproto_word(const struct opproto_request *req, size_t i)
{
	if (i >= req->line.count || req->line.tokens[i].key != NULL)
		return NULL;
	return req->line.tokens[i].value;
}

int
opproto_no_more(const struct opproto_request *req, size_t n, char *err,
    size_t errlen)
{
	if (req->line.count > n)
		return opproto_fail(err, errlen, "too many arguments");
	return 0;
}

/* Token i as a unit id. */
static int
opproto_unit(struct opproto_request *req, size_t i, char *err, size_t errlen)
{
	const char	*v;

	if (i >= req->line.count)
		return opproto_fail(err, errlen, "missing unit id");
	if ((v = opproto_word(req, i)) == NULL || !line_is_ident(v))
		return opproto_fail(err, errlen, "bad unit id");
	req->unit_id = v;
	return 0;
}

/* Token 1 as an alarm id: 1 to 18 digits, not zero. */
int
opproto_alarm_id(struct opproto_request *req, char *err, size_t errlen)
{
	const char	*v;
	int64_t		 id = 0;
	size_t		 i;

	if (req->line.count < 2)
		return opproto_fail(err, errlen, "missing alarm id");
	if ((v = opproto_word(req, 1)) == NULL)
		return opproto_fail(err, errlen, "bad alarm id");
	for (i = 0; v[i] != '\0'; i++) {
		if (v[i] < '0' || v[i] > '9' || i == OPPROTO_ALARM_ID_DIGITS)
			return opproto_fail(err, errlen, "bad alarm id");
		id = id * 10 + (v[i] - '0');
	}
	if (id <= 0)
		return opproto_fail(err, errlen, "bad alarm id");
	req->alarm_id = id;
	return 0;
}

/* Where token t starts (its key, else its value), writable. */
static char *
opproto_storage(struct opproto_request *req, const struct line_token *t)
{
	return req->line.storage + ((t->key != NULL ? t->key : t->value) -
	    req->line.storage);
}

/*
 * Makes free text from tokens first..count: a lone quoted token as it is,
 * or unquoted tokens joined by single spaces (key=value written back as
 * such). Joining works in place in the line's storage, where the tokens lie
 * in order with at least one byte between them; the tokens' own pointers
 * are stale afterwards.
 */
int
opproto_text(struct opproto_request *req, size_t first, char *err,
    size_t errlen)
{
	struct line_token	*t = req->line.tokens;
	char			*w, *src;
	size_t			 i, n, klen;

	if (first + 1 == req->line.count && t[first].key == NULL &&
	    t[first].quoted) {
		req->text = t[first].value;
	} else {
		for (i = first; i < req->line.count; i++) {
			if (t[i].quoted)
				return opproto_fail(err, errlen, "quote the "
				    "whole text or none of it");
		}
		w = opproto_storage(req, &t[first]);
		req->text = w;
		for (i = first; i < req->line.count; i++) {
			src = opproto_storage(req, &t[i]);
			if (t[i].key != NULL) {
				klen = strlen(src);
				src[klen] = '=';
				n = klen + 1 + strlen(t[i].value);
			} else
				n = strlen(src);
			if (i > first)
				*w++ = ' ';
			memmove(w, src, n);
			w += n;
		}
		*w = '\0';
	}
	if (req->text[0] == '\0')
		return opproto_fail(err, errlen, "empty note text");
	if (strlen(req->text) > OPPROTO_TEXT_MAX)
		return opproto_fail(err, errlen, "note text too long");
	return 0;
}

static int
opproto_parse_login(struct opproto_request *req, char *err, size_t errlen)
{
	const char	*v;

	if (req->line.count < 2)
		return opproto_fail(err, errlen, "missing user");
	if ((v = opproto_word(req, 1)) == NULL || !line_is_ident(v) ||
	    strlen(v) > ALARM_USER_MAX)
		return opproto_fail(err, errlen, "bad user");
	req->user = v;
	if (req->line.count < 3)
		return opproto_fail(err, errlen, "missing password");
	if ((v = opproto_word(req, 2)) == NULL)
		return opproto_fail(err, errlen,
		    "bad password (quote one holding '=')");
	if (v[0] == '\0')
		return opproto_fail(err, errlen, "missing password");
	req->password = v;
	if (req->line.count > 3 && req->line.tokens[3].key != NULL &&
	    strcmp(req->line.tokens[3].key, "desk") == 0) {
		if (!opproto_desk_ok(req->line.tokens[3].value))
			return opproto_fail(err, errlen, "bad desk (a sip:, sips: "
			    "or tel: uri of at most %d bytes)", OPPROTO_DESK_MAX);
		req->desk = req->line.tokens[3].value;
		return opproto_no_more(req, 4, err, errlen);
	}
	return opproto_no_more(req, 3, err, errlen);
}

static int
opproto_parse_bare(struct opproto_request *req, char *err, size_t errlen)
{
	return opproto_no_more(req, 1, err, errlen);
}

static int
opproto_parse_id(struct opproto_request *req, char *err, size_t errlen)
{
	if (opproto_alarm_id(req, err, errlen) == -1)
		return -1;
	return opproto_no_more(req, 2, err, errlen);
}

static int
opproto_parse_note(struct opproto_request *req, char *err, size_t errlen)
{
	if (opproto_alarm_id(req, err, errlen) == -1)
		return -1;
	if (req->line.count < 3)
		return opproto_fail(err, errlen, "missing note text");
	return opproto_text(req, 2, err, errlen);
}

/* STEP <id> <n> ["note"] */
static int
opproto_parse_step(struct opproto_request *req, char *err, size_t errlen)
{
	const char	*v;
	size_t		 i;
	int		 n = 0;

	if (opproto_alarm_id(req, err, errlen) == -1)
		return -1;
	if (req->line.count < 3)
		return opproto_fail(err, errlen, "missing step number");
	if ((v = opproto_word(req, 2)) == NULL || v[0] == '\0')
		return opproto_fail(err, errlen, "bad step number");
	for (i = 0; v[i] != '\0'; i++) {
		if (v[i] < '0' || v[i] > '9' || i == 2)
			return opproto_fail(err, errlen, "bad step number");
		n = n * 10 + (v[i] - '0');
	}
	if (n < 1 || n > OPPROTO_STEP_MAX)
		return opproto_fail(err, errlen, "bad step number");
	req->step = n;
	if (req->line.count > 3)
		return opproto_text(req, 3, err, errlen);
	return 0;
}

static int
opproto_parse_cmd(struct opproto_request *req, char *err, size_t errlen)
{
	const char	*v;
	size_t		 i;

	if (opproto_unit(req, 1, err, errlen) == -1)
		return -1;
	if (req->line.count < 3)
		return opproto_fail(err, errlen, "missing command");
	if (req->line.count - 2 > OPPROTO_CMD_WORDS)
		return opproto_fail(err, errlen, "too many arguments");
	for (i = 2; i < req->line.count; i++) {
		if ((v = opproto_word(req, i)) == NULL)
			return opproto_fail(err, errlen, "bad command word");
		req->words[req->word_count++] = v;
	}
	return 0;
}

static int
opproto_parse_history(struct opproto_request *req, char *err, size_t errlen)
{
	const char	*v;
	int		 n = 0;
	size_t		 i;

	if (opproto_unit(req, 1, err, errlen) == -1)
		return -1;
	if (req->line.count < 3)
		return 0;
	if ((v = opproto_word(req, 2)) == NULL)
		return opproto_fail(err, errlen, "bad count");
	for (i = 0; v[i] != '\0'; i++) {
		if (v[i] < '0' || v[i] > '9' || i == 4)
			return opproto_fail(err, errlen, "bad count");
		n = n * 10 + (v[i] - '0');
	}
	if (n < 1 || n > OPPROTO_HISTORY_MAX)
		return opproto_fail(err, errlen, "bad count");
	req->history_count = n;
	return opproto_no_more(req, 3, err, errlen);
}

static int
opproto_parse_stats(struct opproto_request *req, char *err, size_t errlen)
{
	const struct line_token	*t = req->line.tokens;
	int64_t			 ms;
	size_t			 i;

	for (i = 1; i < req->line.count; i++) {
		if (t[i].key == NULL)
			return opproto_fail(err, errlen, "too many arguments");
		if (strcmp(t[i].key, "since") != 0)
			return opproto_fail(err, errlen,
			    "unknown attribute '%.*s'", opproto_show(t[i].key),
			    t[i].key);
		if (req->since_ms != -1)
			return opproto_fail(err, errlen, "duplicate since=");
		if (timefmt_parse_iso8601(t[i].value, &ms) == -1 || ms < 0)
			return opproto_fail(err, errlen, "bad since");
		req->since_ms = ms;
	}
	return 0;
}

static int
opproto_parse_testmode(struct opproto_request *req, char *err, size_t errlen)
{
	const char	*v;
	int64_t		 ms;

	if (opproto_unit(req, 1, err, errlen) == -1)
		return -1;
	if (req->line.count < 3)
		return opproto_fail(err, errlen, "missing duration");
	if ((v = opproto_word(req, 2)) == NULL)
		return opproto_fail(err, errlen, "bad duration");
	if (strcmp(v, "off") == 0)
		ms = 0;
	else if (duration_parse(v, &ms) == -1 || ms <= 0)
		return opproto_fail(err, errlen, "bad duration");
	else if (ms > OPPROTO_TESTMODE_MAX_MS)
		return opproto_fail(err, errlen, "duration over 7d");
	req->duration_ms = ms;
	return opproto_no_more(req, 3, err, errlen);
}

int
opproto_parse(struct opproto_request *req, const char *line, size_t len,
    const char **code, char *err, size_t errlen)
{
	const struct line_token	*t;
	size_t			 i;

	req->command = OPPROTO_PING;
	req->user = req->password = req->unit_id = req->text = NULL;
	req->reason = req->action = NULL;
	req->bulk_restored = 0;
	req->type = EVTYPE_COUNT;
	req->site_id = NULL;
	req->alarm_id = 0;
	req->outcome = ALARM_OUTCOME_NONE;
	memset(req->words, 0, sizeof(req->words));
	req->word_count = 0;
	req->history_count = OPPROTO_HISTORY_DEFAULT;
	req->since_ms = -1;
	req->duration_ms = 0;
	req->desk = NULL;
	req->step = 0;
	req->force = 0;
	memset(&req->search, 0, sizeof(req->search));
	req->search.limit = OPPROTO_SEARCH_DEFAULT;
	if (err != NULL && errlen > 0)
		err[0] = '\0';

	*code = OPPROTO_ERR_SYNTAX;
	if (line_parse(&req->line, line, len, err, errlen) == -1)
		return -1;
	t = &req->line.tokens[0];
	if (t->key == NULL && !t->quoted) {
		for (i = 0; i < sizeof(opproto_commands) /
		    sizeof(opproto_commands[0]); i++) {
			if (strcmp(t->value, opproto_commands[i].name) != 0)
				continue;
			req->command = opproto_commands[i].command;
			return opproto_commands[i].parse(req, err, errlen);
		}
	}
	*code = OPPROTO_ERR_UNKNOWN;
	return opproto_fail(err, errlen, "unknown command '%.*s'",
	    opproto_show(t->key != NULL ? t->key : t->value),
	    t->key != NULL ? t->key : t->value);
}

static int __attribute__((format(printf, 3, 0)))
opproto_vprintf(char *buf, size_t len, const char *fmt, va_list ap)
{
	int	n;

	if (len == 0)
		return -1;
	n = vsnprintf(buf, len, fmt, ap);
	if (n < 0 || (size_t)n >= len) {
		buf[0] = '\0';
		return -1;
	}
	return n;
}

int
opproto_printf(char *buf, size_t len, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = opproto_vprintf(buf, len, fmt, ap);
	va_end(ap);
	return n;
}

int
opproto_refuse(char *buf, size_t len)
{
	if (len > 0)
		buf[0] = '\0';
	return -1;
}

static int
opproto_has_ctl(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	}
	return 0;
}

/* Appends s always double-quoted, with \" and \\ escapes. */
int
opproto_put_quoted(char *buf, size_t len, size_t *off, const char *s)
{
	if (opproto_has_ctl(s) || *off + 1 >= len)
		return -1;
	buf[(*off)++] = '"';
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\') {
			if (*off + 1 >= len)
				return -1;
			buf[(*off)++] = '\\';
		}
		if (*off + 1 >= len)
			return -1;
		buf[(*off)++] = *s;
	}
	if (*off + 1 >= len)
		return -1;
	buf[(*off)++] = '"';
	buf[*off] = '\0';
	return 0;
}

int
opproto_format_alarm(char *buf, size_t len, int push,
    const struct opproto_alarm_view *view)
{
	const struct alarm	*a = view->alarm;
	char			 at[TIMEFMT_ISO_LEN];
	size_t			 off = 0;
	int			 n;

	timefmt_iso8601(a->raised_ms, at);
	n = opproto_printf(buf, len, "%sALARM %" PRId64 " prio=%d state=%s "
	    "type=%s", push ? "* " : "", a->id, a->priority,
	    alarm_state_name(a->state), evtype_name(a->type));
	if (n < 0)
		return opproto_refuse(buf, len);
	off = (size_t)n;
	if (opproto_put_attr(buf, len, &off, "unit", a->unit_id) == -1 ||
	    opproto_put_attr(buf, len, &off, "site", a->site_id) == -1 ||
	    opproto_put_attr(buf, len, &off, "at", at) == -1)
		return opproto_refuse(buf, len);
	if ((n = opproto_printf(buf + off, len - off, " name=")) < 0)
		return opproto_refuse(buf, len);
	off += (size_t)n;
	if (opproto_put_quoted(buf, len, &off, view->unit_name == NULL ? "" :
	    view->unit_name) == -1)
		return opproto_refuse(buf, len);
	if (view->located) {
		if ((n = opproto_printf(buf + off, len - off, " lat=%.6f "
		    "lon=%.6f", view->lat, view->lon)) < 0)
			return opproto_refuse(buf, len);
		off += (size_t)n;
	}
	if (a->count > 1) {
		if ((n = opproto_printf(buf + off, len - off, " count=%d",
		    a->count)) < 0)
			return opproto_refuse(buf, len);
		off += (size_t)n;
	}
	if (a->restored) {
		if ((n = opproto_printf(buf + off, len - off,
		    " restored=1")) < 0)
			return opproto_refuse(buf, len);
		off += (size_t)n;
	}
	if (a->state == ALARM_CLAIMED && a->claimed_by[0] != '\0' &&
	    opproto_put_attr(buf, len, &off, "by", a->claimed_by) == -1)
		return opproto_refuse(buf, len);
	if (a->unstored && opproto_put_attr(buf, len, &off, "stored", "no") == -1)
		return opproto_refuse(buf, len);
	if (view->outcome != NULL && view->outcome[0] != '\0' &&
	    opproto_put_attr(buf, len, &off, "outcome", view->outcome) == -1)
		return opproto_refuse(buf, len);
	/* code=, verify=, path=: already key=value, quoted by alarm_detail. */
	if (a->detail[0] != '\0') {
		if ((n = opproto_printf(buf + off, len - off, " %s",
		    a->detail)) < 0)
			return opproto_refuse(buf, len);
		off += (size_t)n;
	}
	if ((n = opproto_printf(buf + off, len - off, "\n")) < 0)
		return opproto_refuse(buf, len);
	return (int)(off + (size_t)n);
}

/* * RECEIVER <role> store=ok|failing [name=] [active=] ["reason"] */
static int
opproto_format_receiver(char *buf, size_t len, const struct change *c)
{
	size_t	off;
	int	n;

	if ((n = opproto_printf(buf, len, "* RECEIVER %s store=%s", c->role,
	    c->store_failing ? "failing" : "ok")) < 0)
		return opproto_refuse(buf, len);
	off = (size_t)n;
	if ((c->name != NULL &&
	    opproto_put_attr(buf, len, &off, "name", c->name) == -1) ||
	    (c->active != NULL &&
	    opproto_put_attr(buf, len, &off, "active", c->active) == -1))
		return opproto_refuse(buf, len);
	if (c->reason != NULL && c->reason[0] != '\0') {
		if (off + 1 >= len)
			return opproto_refuse(buf, len);
		buf[off++] = ' ';
		if (opproto_put_quoted(buf, len, &off, c->reason) == -1)
			return opproto_refuse(buf, len);
	}
	if ((n = opproto_printf(buf + off, len - off, "\n")) < 0)
		return opproto_refuse(buf, len);
	return (int)(off + (size_t)n);
}

/* Appends one push line for the change's alarm and kind after the ALARM line. */
static int
opproto_format_alarm_change(char *buf, size_t len, const struct change *c)
{
	struct opproto_alarm_view	view = { c->alarm, c->unit_name,
					    c->located, c->lat, c->lon, NULL };
	int				n, m;

	if ((n = opproto_format_alarm(buf, len, 1, &view)) < 0)
		return -1;
	switch (c->kind) {
	case CHANGE_CLAIMED:
		m = opproto_printf(buf + n, len - (size_t)n, "* CLAIMED %" PRId64
		    " by=%s\n", c->alarm->id, c->user);
		break;
	case CHANGE_RELEASED:
		m = opproto_printf(buf + n, len - (size_t)n, "* RELEASED %" PRId64
		    "\n", c->alarm->id);
		break;
	default:
		return n;
	}
	return m < 0 ? opproto_refuse(buf, len) : n + m;
}

int
opproto_format_change(char *buf, size_t len, const struct change *c)
{
	char	iso[TIMEFMT_ISO_LEN];
	int	n = -1;

	switch (c->kind) {
	case CHANGE_RAISED:
	case CHANGE_STORED:
	case CHANGE_REPEATED:
	case CHANGE_RESTORED:
	case CHANGE_CLAIMED:
	case CHANGE_RELEASED:
		return opproto_format_alarm_change(buf, len, c);
	case CHANGE_NOTED:
		if (len > 0)
			buf[0] = '\0';
		return 0;
	case CHANGE_RESOLVED:
		n = opproto_printf(buf, len, "* RESOLVED %" PRId64 " outcome=%s "
		    "by=%s\n", c->alarm->id, alarm_outcome_name(c->alarm->outcome),
		    c->user);
		break;
	case CHANGE_ESCALATED:
		n = opproto_printf(buf, len, "* ESCALATE %" PRId64 " waited=%"
		    PRId64 " level=%d\n", c->alarm->id, c->waited_s,
		    c->level > 1 ? 2 : 1);
		break;
	case CHANGE_TESTSIGNAL:
		n = opproto_printf(buf, len, "* TESTSIGNAL %s %s\n", c->unit_id,
		    evtype_name(c->type));
		break;
	case CHANGE_TESTMODE:
		if (c->until_ms > 0) {
			timefmt_iso8601(c->until_ms, iso);
			n = opproto_printf(buf, len, "* TESTMODE %s until=%s\n",
			    c->unit_id, iso);
		} else
			n = opproto_printf(buf, len, "* TESTMODE %s off\n",
			    c->unit_id);
		break;
	case CHANGE_UNIT_STATE:
		n = opproto_printf(buf, len, "* UNIT %s %s\n", c->unit_id,
		    c->state);
		break;
	case CHANGE_COMMAND:
		n = opproto_printf(buf, len, "* CMD %s %s%s%s\n", c->cmd_id,
		    c->result, c->reason != NULL ? " " : "",
		    c->reason != NULL ? c->reason : "");
		break;
	case CHANGE_RELOADED:
		n = opproto_printf(buf, len, "* RELOADED units=%zu\n", c->units);
		break;
	case CHANGE_RECEIVER:
		return opproto_format_receiver(buf, len, c);
	case CHANGE_FLOOD:
		if (c->ended)
			n = opproto_printf(buf, len, "* FLOOD %s end count=%zu\n",
			    evtype_name(c->type), c->count);
		else {
			timefmt_iso8601(c->since_ms, iso);
			n = opproto_printf(buf, len, "* FLOOD %s count=%zu sites=%zu "
			    "since=%s\n", evtype_name(c->type), c->count, c->sites,
			    iso);
		}
		break;
	}
	return n < 0 ? opproto_refuse(buf, len) : n;
}

int
opproto_format_ok(char *buf, size_t len, const char *detail)
{
	if (detail == NULL || detail[0] == '\0')
		return opproto_printf(buf, len, "OK\n");
	if (opproto_has_ctl(detail))
		return opproto_refuse(buf, len);
	return opproto_printf(buf, len, "OK %s\n", detail);
}

int
opproto_format_err(char *buf, size_t len, const char *code, const char *text)
{
	if (code == NULL || code[0] == '\0' || strchr(code, ' ') != NULL ||
	    opproto_has_ctl(code))
		return opproto_refuse(buf, len);
	if (text == NULL || text[0] == '\0')
		return opproto_printf(buf, len, "ERR %s\n", code);
	if (opproto_has_ctl(text))
		return opproto_refuse(buf, len);
	return opproto_printf(buf, len, "ERR %s %s\n", code, text);
}

/* The format gives the line without its '\n'; a control character in the result refuses it. */
int
opproto_format(char *buf, size_t len, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = opproto_vprintf(buf, len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -1;
	if ((size_t)n + 1 >= len || opproto_has_ctl(buf))
		return opproto_refuse(buf, len);
	buf[n++] = '\n';
	buf[n] = '\0';
	return n;
}
