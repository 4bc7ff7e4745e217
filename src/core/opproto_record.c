/*
 * Operator protocol v1, the record's half: the requests that look back
 * (DETAIL, SEARCH), the desk's (WHO, HANDOVER, CLAIM force) and the lines
 * they answer with (UNIT, LOG, OPERATOR, HANDOVER). Every formatter here
 * keeps its line within LINE_MAX_BYTES and LINE_MAX_TOKENS, whatever the
 * registry and the audit hold: a line that cannot is refused (-1) or, for
 * a LOG line's free text, cut with cut=1 said.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "refuge/evtype.h"
#include "refuge/line.h"
#include "refuge/opproto.h"
#include "refuge/timefmt.h"
#include "refuge/when.h"
#include "opproto_internal.h"

#define OPPROTO_LINE_CAP	(LINE_MAX_BYTES + 2)	/* a line, its LF, a NUL */
#define OPPROTO_LOG_KEYS	30	/* key=value words of a LOG line kept */
/* A handover's quoted text: what fits beside "* HANDOVER by= at=". */
#define OPPROTO_HANDOVER_QUOTED	430

int
opproto_parse_claim(struct opproto_request *req, char *err, size_t errlen)
{
	const char	*v;

	if (opproto_alarm_id(req, err, errlen) == -1)
		return -1;
	if (req->line.count > 2) {
		if ((v = opproto_word(req, 2)) == NULL || req->line.tokens[2].quoted ||
		    strcmp(v, "force") != 0)
			return opproto_fail(err, errlen, "expected force");
		req->force = 1;
	}
	return opproto_no_more(req, 3, err, errlen);
}

int
opproto_parse_detail(struct opproto_request *req, char *err, size_t errlen)
{
	if (opproto_alarm_id(req, err, errlen) == -1)
		return -1;
	return opproto_no_more(req, 2, err, errlen);
}

int
opproto_parse_who(struct opproto_request *req, char *err, size_t errlen)
{
	return opproto_no_more(req, 1, err, errlen);
}

int
opproto_parse_handover(struct opproto_request *req, char *err, size_t errlen)
{
	char	quoted[LINE_MAX_BYTES + 8];
	int	n;

	if (req->line.count < 2)
		return opproto_fail(err, errlen, "missing handover text");
	if (opproto_text(req, 1, err, errlen) == -1)
		return -1;
	n = line_quote(quoted, sizeof(quoted), req->text);
	if (n < 0 || n > OPPROTO_HANDOVER_QUOTED)
		return opproto_fail(err, errlen, "handover text too long");
	return 0;
}

/* SEARCH's limit=: 1 to OPPROTO_SEARCH_MAX. */
static int
opproto_search_limit(struct opproto_request *req, const char *v, char *err,
    size_t errlen)
{
	int	n = 0;
	size_t	i;

	for (i = 0; v[i] != '\0'; i++) {
		if (v[i] < '0' || v[i] > '9' || i == 4)
			return opproto_fail(err, errlen, "bad limit (1-%d)",
			    OPPROTO_SEARCH_MAX);
		n = n * 10 + (v[i] - '0');
	}
	if (n < 1 || n > OPPROTO_SEARCH_MAX)
		return opproto_fail(err, errlen, "bad limit (1-%d)",
		    OPPROTO_SEARCH_MAX);
	req->search.limit = n;
	return 0;
}

/* Checks one SEARCH filter's value; when_parse needs no clock to judge the form. */
static int
opproto_search_value(struct opproto_request *req, const char *key,
    const char *v, char *err, size_t errlen)
{
	enum evtype	type;
	int64_t		ms;

	if (strcmp(key, "since") == 0 || strcmp(key, "until") == 0) {
		if (when_parse(v, 0, key[0] == 'u', &ms) == -1)
			return opproto_fail(err, errlen, "bad %s (%s)", key,
			    when_grammar);
	} else if (strcmp(key, "unit") == 0) {
		if (!line_is_ident(v))
			return opproto_fail(err, errlen, "bad unit id");
	} else if (strcmp(key, "site") == 0) {
		if (v[0] == '\0' || strlen(v) > 64)
			return opproto_fail(err, errlen, "bad site id");
	} else if (strcmp(key, "type") == 0) {
		if (evtype_from_name(v, &type) == -1)
			return opproto_fail(err, errlen, "unknown type '%.*s'",
			    opproto_show(v), v);
	} else if (strcmp(key, "outcome") == 0) {
		if (strcmp(v, "genuine") != 0 && strcmp(v, "false") != 0 &&
		    strcmp(v, "technical") != 0 && strcmp(v, "open") != 0)
			return opproto_fail(err, errlen, "outcome is genuine, "
			    "false, technical or open");
	} else if (strcmp(key, "by") == 0) {
		if (!line_is_ident(v) || strlen(v) > ALARM_USER_MAX)
			return opproto_fail(err, errlen, "bad user");
	} else if (strcmp(key, "limit") == 0)
		return opproto_search_limit(req, v, err, errlen);
	return 0;
}

int
opproto_parse_search(struct opproto_request *req, char *err, size_t errlen)
{
	static const char *const keys[] = { "since", "until", "unit", "site",
	    "type", "outcome", "by", "limit" };
	struct opproto_search	*s = &req->search;
	const char		*limit = NULL;
	const char		**slots[] = { &s->since, &s->until, &s->unit,
				    &s->site, &s->type, &s->outcome, &s->by,
				    &limit };
	const struct line_token	*t = req->line.tokens;
	size_t			 i, k;

	for (i = 1; i < req->line.count; i++) {
		if (t[i].key == NULL)
			return opproto_fail(err, errlen, "expected key=value");
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (strcmp(t[i].key, keys[k]) == 0)
				break;
		if (k == sizeof(keys) / sizeof(keys[0]))
			return opproto_fail(err, errlen,
			    "unknown attribute '%.*s'", opproto_show(t[i].key),
			    t[i].key);
		if (*slots[k] != NULL)
			return opproto_fail(err, errlen, "duplicate %s=",
			    keys[k]);
		if (opproto_search_value(req, keys[k], t[i].value, err,
		    errlen) == -1)
			return -1;
		*slots[k] = t[i].value;
	}
	return 0;
}

/* Appends " key=value" with the value quoted where line_parse needs it (opproto.c too). */
int
opproto_put_attr(char *buf, size_t len, size_t *off, const char *key,
    const char *value)
{
	int	n;

	n = opproto_printf(buf + *off, len - *off, " %s=", key);
	if (n < 0)
		return -1;
	*off += (size_t)n;
	if ((n = line_quote(buf + *off, len - *off, value)) < 0)
		return -1;
	*off += (size_t)n;
	return 0;
}

/* Appends " key=<iso>" or " key=-" for a time that is not known (< 0). */
static int
opproto_put_time(char *buf, size_t len, size_t *off, const char *key,
    int64_t ms)
{
	char	iso[TIMEFMT_ISO_LEN];

	if (ms < 0)
		snprintf(iso, sizeof(iso), "-");
	else
		timefmt_iso8601(ms, iso);
	return opproto_put_attr(buf, len, off, key, iso);
}

/* Appends " key=" and the value always quoted. */
static int
opproto_put_text(char *buf, size_t len, size_t *off, const char *key,
    const char *value)
{
	int	n;

	if ((n = opproto_printf(buf + *off, len - *off, " %s=", key)) < 0)
		return -1;
	*off += (size_t)n;
	return opproto_put_quoted(buf, len, off, value);
}

int
opproto_format_unit(char *buf, size_t len, const struct opproto_unit_view *u)
{
	size_t	cap = len < OPPROTO_LINE_CAP ? len : OPPROTO_LINE_CAP;
	size_t	off;
	int	n;

	if ((n = opproto_printf(buf, cap, "UNIT %s", u->id)) < 0)
		return opproto_refuse(buf, len);
	off = (size_t)n;
	if (opproto_put_attr(buf, cap, &off, "state", u->state) == -1 ||
	    opproto_put_time(buf, cap, &off, "last_seen", u->last_seen_ms) == -1 ||
	    opproto_put_time(buf, cap, &off, "heard", u->heard_ms) == -1 ||
	    opproto_put_attr(buf, cap, &off, "site", u->site) == -1 ||
	    opproto_put_text(buf, cap, &off, "name", u->name) == -1)
		return opproto_refuse(buf, len);
	if (u->test_until_ms > 0 && opproto_put_time(buf, cap, &off,
	    "test_until", u->test_until_ms) == -1)
		return opproto_refuse(buf, len);
	if ((n = opproto_printf(buf + off, cap - off, " lat=%.6f lon=%.6f",
	    u->lat, u->lon)) < 0)
		return opproto_refuse(buf, len);
	off += (size_t)n;
	if (u->address != NULL && u->address[0] != '\0' &&
	    opproto_put_text(buf, cap, &off, "address", u->address) == -1)
		return opproto_refuse(buf, len);
	/* Room for the newline kept: what does not fit is left out whole. */
	if (u->paths != NULL && (n = snprintf(buf + off, cap - off - 1,
	    " paths=%s%s", u->paths, u->no_commands ? " commands=no" : "")) >
	    0 && (size_t)n < cap - off - 1)
		off += (size_t)n;
	buf[off] = '\0';
	if ((n = opproto_printf(buf + off, cap - off, "\n")) < 0)
		return opproto_refuse(buf, len);
	return (int)(off + (size_t)n);
}

const char *
opproto_log_word(const char *action)
{
	static const char *const words[][2] = {
		{ "raise", "raised" }, { "repeat", "repeated" },
		{ "restore", "restored" }, { "claim", "claimed" },
		{ "release", "released" }, { "escalate", "escalated" },
		{ "resolve", "resolved" },
	};
	size_t	i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(action, words[i][0]) == 0)
			return words[i][1];
	return line_is_ident(action) && strchr(action, '=') == NULL ? action :
	    "other";
}

/* 1 if word (n bytes) is key=value with a key line_parse takes and a plain value. */
static int
opproto_log_is_attr(const char *word, size_t n)
{
	size_t	i, eq;

	for (eq = 0; eq < n && word[eq] != '='; eq++)
		if (!((word[eq] >= 'a' && word[eq] <= 'z') ||
		    (word[eq] >= '0' && word[eq] <= '9') || word[eq] == '_'))
			return 0;
	if (eq == 0 || eq > 32 || eq + 1 >= n)
		return 0;
	for (i = eq + 1; i < n; i++)
		if (word[i] == '"' || word[i] == '\\' || word[i] == '=' ||
		    (unsigned char)word[i] < 0x20 || word[i] == 0x7f)
			return 0;
	return 1;
}

/*
 * A detail's free text already in quotes ("a \"b\"") as written by
 * line_quote: its content into out. 0, or -1 when it is not one string.
 */
static int
opproto_log_unquote(const char *s, char *out, size_t outlen)
{
	size_t	o = 0;

	if (*s++ != '"')
		return -1;
	for (; *s != '\0' && *s != '"'; s++) {
		if (*s == '\\' && (s[1] == '"' || s[1] == '\\'))
			s++;
		if (o + 1 >= outlen)
			return -1;
		out[o++] = *s;
	}
	if (*s != '"' || s[1] != '\0')
		return -1;
	out[o] = '\0';
	return 0;
}

/* Appends " "text"" within cap, or " cut=1 "tex"" with as much as fits. */
static int
opproto_log_text(char *buf, size_t cap, size_t *off, const char *text)
{
	size_t	save = *off, room, n, i, end;
	int	cut;

	if (*off + 1 < cap) {
		buf[(*off)++] = ' ';
		if (opproto_put_quoted(buf, cap, off, text) == 0 &&
		    *off + 1 < cap)
			return 0;
	}
	*off = save;
	if (save + 16 >= cap)
		return -1;
	memcpy(buf + save, " cut=1 \"", 8);
	*off = save + 8;
	room = cap - *off - 3;	/* the closing quote, the LF, the NUL */
	for (i = 0, n = 0, end = 0; text[i] != '\0'; i++) {
		cut = text[i] == '"' || text[i] == '\\';
		if (n + 1 + (size_t)cut > room)
			break;
		n += 1 + (size_t)cut;
		if (((unsigned char)text[i + 1] & 0xc0) != 0x80)
			end = i + 1;	/* a whole UTF-8 character */
	}
	for (i = 0; i < end; i++) {
		if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f)
			return -1;
		if (text[i] == '"' || text[i] == '\\')
			buf[(*off)++] = '\\';
		buf[(*off)++] = text[i];
	}
	buf[(*off)++] = '"';
	buf[*off] = '\0';
	return 0;
}

int
opproto_format_log(char *buf, size_t len, int64_t time_ms, const char *user,
    const char *action, const char *detail)
{
	size_t		 cap = len < OPPROTO_LINE_CAP ? len : OPPROTO_LINE_CAP;
	char		 iso[TIMEFMT_ISO_LEN], text[LINE_MAX_BYTES * 4];
	const char	*p = detail, *rest;
	size_t		 off, n, keys = 0;
	int		 w;

	timefmt_iso8601(time_ms, iso);
	if ((w = opproto_printf(buf, cap, "LOG %s %s", iso,
	    opproto_log_word(action))) < 0)
		return opproto_refuse(buf, len);
	off = (size_t)w;
	if (user != NULL && user[0] != '\0' &&
	    opproto_put_attr(buf, cap, &off, "by", user) == -1)
		return opproto_refuse(buf, len);
	/* A note's or a handover's detail is all text. */
	if (strcmp(action, "note") != 0 && strcmp(action, "handover") != 0) {
		while (*p == ' ')
			p++;
		while (*p != '\0' && keys < OPPROTO_LOG_KEYS) {
			n = strcspn(p, " ");
			if (!opproto_log_is_attr(p, n))
				break;
			if (off + n + 2 > cap)
				return opproto_refuse(buf, len);
			buf[off++] = ' ';
			memcpy(buf + off, p, n);
			off += n;
			buf[off] = '\0';
			keys++;
			for (p += n; *p == ' '; p++)
				;
		}
	}
	rest = p;
	if (*rest != '\0') {
		if (opproto_log_unquote(rest, text, sizeof(text)) == -1)
			snprintf(text, sizeof(text), "%s", rest);
		if (opproto_log_text(buf, cap, &off, text) == -1)
			return opproto_refuse(buf, len);
	}
	if ((w = opproto_printf(buf + off, cap - off, "\n")) < 0)
		return opproto_refuse(buf, len);
	return (int)(off + (size_t)w);
}

int
opproto_format_operator(char *buf, size_t len, const char *user,
    const char *role, const char *desk, const int64_t *claimed, size_t count)
{
	size_t	cap = len < OPPROTO_LINE_CAP ? len : OPPROTO_LINE_CAP;
	size_t	off, i, room;
	int	n;

	if ((n = opproto_printf(buf, cap, "OPERATOR %s role=%s", user,
	    role)) < 0)
		return opproto_refuse(buf, len);
	off = (size_t)n;
	if (opproto_put_attr(buf, cap, &off, "desk", desk != NULL &&
	    desk[0] != '\0' ? desk : "-") == -1 ||
	    (n = opproto_printf(buf + off, cap - off, " claimed=%s",
	    count == 0 ? "-" : "")) < 0)
		return opproto_refuse(buf, len);
	off += (size_t)n;
	/* Room for " more=<n>" and the LF stays free. */
	room = cap > off + 32 ? cap - 32 : off;
	for (i = 0; i < count; i++) {
		n = snprintf(buf + off, room - off, "%s%" PRId64, i ? "," : "",
		    claimed[i]);
		if (n < 0 || off + (size_t)n >= room)
			break;
		off += (size_t)n;
	}
	buf[off] = '\0';
	if (i == 0 && count > 0)
		return opproto_refuse(buf, len);
	if (i < count) {
		if ((n = opproto_printf(buf + off, cap - off, " more=%zu",
		    count - i)) < 0)
			return opproto_refuse(buf, len);
		off += (size_t)n;
	}
	if ((n = opproto_printf(buf + off, cap - off, "\n")) < 0)
		return opproto_refuse(buf, len);
	return (int)(off + (size_t)n);
}

int
opproto_format_handover(char *buf, size_t len, int push, const char *user,
    int64_t at_ms, const char *text)
{
	size_t	cap = len < OPPROTO_LINE_CAP ? len : OPPROTO_LINE_CAP;
	size_t	off;
	int	n;

	if ((n = opproto_printf(buf, cap, "%sHANDOVER", push ? "* " : "")) < 0)
		return opproto_refuse(buf, len);
	off = (size_t)n;
	if (opproto_put_attr(buf, cap, &off, "by", user) == -1 ||
	    opproto_put_time(buf, cap, &off, "at", at_ms) == -1 ||
	    off + 1 >= cap)
		return opproto_refuse(buf, len);
	buf[off++] = ' ';
	if (opproto_put_quoted(buf, cap, &off, text) == -1 ||
	    (n = opproto_printf(buf + off, cap - off, "\n")) < 0)
		return opproto_refuse(buf, len);
	return (int)(off + (size_t)n);
}
