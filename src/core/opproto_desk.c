/*
 * The operator protocol's desk lines: the desk uri of LOGIN, and PLAN's
 * lines (the plan, its steps with who ticked them, its contacts). Every
 * line stays within LINE_MAX_BYTES: a step's note is cut to fit.
 */
#include <stdio.h>
#include <string.h>

#include "refuge/line.h"
#include "refuge/opproto.h"
#include "refuge/timefmt.h"

int
opproto_desk_ok(const char *s)
{
	static const char	 chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "abcdefghijklmnopqrstuvwxyz0123456789"
				    "-._~!$&'()*+,;=:@/?%#";
	size_t			 len = strlen(s), scheme;

	if (strncmp(s, "sip:", 4) == 0 || strncmp(s, "tel:", 4) == 0)
		scheme = 4;
	else if (strncmp(s, "sips:", 5) == 0)
		scheme = 5;
	else
		return 0;
	return len > scheme && len <= OPPROTO_DESK_MAX &&
	    strspn(s, chars) == len;
}

/* Appends " key=" and value, always double-quoted; -1 if it does not fit. */
static int
opproto_desk_quoted(char *buf, size_t len, size_t *off, const char *key,
    const char *value)
{
	char	q[2 * LINE_MAX_BYTES + 4];
	int	n;

	if (line_quote(q, sizeof(q), value) < 0)
		return -1;
	n = snprintf(buf + *off, len - *off, q[0] == '"' ? " %s%s" :
	    " %s\"%s\"", key != NULL ? key : "", q);
	if (n < 0 || (size_t)n >= len - *off)
		return -1;
	*off += (size_t)n;
	return 0;
}

/* Ends a line: '\n', within LINE_MAX_BYTES and len. */
static int
opproto_desk_end(char *buf, size_t len, size_t off)
{
	if (off > LINE_MAX_BYTES || off + 2 > len)
		return -1;
	buf[off++] = '\n';
	buf[off] = '\0';
	return (int)off;
}

/* "WORD" for a reply, "* WORD <alarm-id>" for a push; its length or -1. */
static int
opproto_desk_start(char *buf, size_t len, const char *word, int64_t push)
{
	int	n;

	if (push > 0)
		n = snprintf(buf, len, "* %s %lld", word, (long long)push);
	else
		n = snprintf(buf, len, "%s", word);
	return n < 0 || (size_t)n >= len ? -1 : n;
}

int
opproto_format_plan(char *buf, size_t len, int64_t push, const char *plan_id,
    const char *site_id, size_t steps, size_t contacts, int night)
{
	int	n, m;

	if ((n = opproto_desk_start(buf, len, "PLAN", push)) == -1)
		return -1;
	m = snprintf(buf + n, len - (size_t)n, " %s site=%s steps=%zu "
	    "contacts=%zu%s", plan_id, site_id, steps, contacts,
	    night ? " night=1" : "");
	if (m < 0 || (size_t)m >= len - (size_t)n)
		return -1;
	n += m;
	if (n < 0 || (size_t)n >= len)
		return -1;
	return opproto_desk_end(buf, len, (size_t)n);
}

int
opproto_format_step(char *buf, size_t len, int64_t push,
    const struct opproto_step_view *v)
{
	char	at[TIMEFMT_ISO_LEN], note[LINE_MAX_BYTES];
	size_t	off, base, cut;
	int	n;

	if ((n = opproto_desk_start(buf, len, "STEP", push)) == -1)
		return -1;
	off = (size_t)n;
	n = snprintf(buf + off, len - off, " %d", v->n);
	if (n < 0 || (size_t)n >= len - off)
		return -1;
	off += (size_t)n;
	if (opproto_desk_quoted(buf, len, &off, NULL, v->text) == -1)
		return -1;
	if (v->by == NULL)
		return opproto_desk_end(buf, len, off);
	timefmt_iso8601(v->at_ms, at);
	n = snprintf(buf + off, len - off, " by=%s at=%s", v->by, at);
	if (n < 0 || (size_t)n >= len - off)
		return -1;
	off += (size_t)n;
	if (v->note == NULL || v->note[0] == '\0')
		return opproto_desk_end(buf, len, off);
	/* The note is the part that gives way: cut, never split in UTF-8. */
	base = off;
	cut = strlen(v->note);
	if (cut >= sizeof(note))
		cut = sizeof(note) - 1;
	for (;;) {
		while (cut > 0 && ((unsigned char)v->note[cut] & 0xc0) == 0x80)
			cut--;
		memcpy(note, v->note, cut);
		note[cut] = '\0';
		off = base;
		if (cut == 0)
			break;
		if (opproto_desk_quoted(buf, len, &off, "note=", note) == 0 &&
		    off <= LINE_MAX_BYTES)
			break;
		cut = cut > 16 ? cut - 16 : 0;
	}
	buf[off] = '\0';
	return opproto_desk_end(buf, len, off);
}

int
opproto_format_contact(char *buf, size_t len, int64_t push, const char *name,
    const char *phone)
{
	size_t	off;
	int	n;

	if ((n = opproto_desk_start(buf, len, "CONTACT", push)) == -1)
		return -1;
	off = (size_t)n;
	if (opproto_desk_quoted(buf, len, &off, "name=", name) == -1 ||
	    opproto_desk_quoted(buf, len, &off, "phone=", phone) == -1)
		return -1;
	return opproto_desk_end(buf, len, off);
}
