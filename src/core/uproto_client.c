/*
 * Unit protocol v1, the unit's half: formatting a Help Point's lines and
 * parsing the receiver's. The grammar is refuge-protocol(7); uproto.c is
 * the receiver's half, and each formatter here refuses what it would refuse.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refuge/uproto_client.h"

#define UPROTO_CLIENT_FW_MAX	64
#define UPROTO_CLIENT_KEY_MAX	32
#define UPROTO_CLIENT_AT_MAX	INT64_C(9999999999999999)	/* 16 digits */

static int
uproto_client_refuse(char *buf, size_t len)
{
	if (len > 0)
		buf[0] = '\0';
	return -1;
}

/* Appends to buf at *off; -1 (buf "") if it does not fit. */
static int __attribute__((format(printf, 4, 5)))
uproto_client_add(char *buf, size_t len, size_t *off, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	if (*off >= len)
		return uproto_client_refuse(buf, len);
	va_start(ap, fmt);
	n = vsnprintf(buf + *off, len - *off, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len - *off)
		return uproto_client_refuse(buf, len);
	*off += (size_t)n;
	return 0;
}

/* Ends the line with '\n' and returns its length, or -1. */
static int
uproto_client_end(char *buf, size_t len, size_t off)
{
	if (off + 1 > LINE_MAX_BYTES + 1 ||
	    uproto_client_add(buf, len, &off, "\n") == -1)
		return uproto_client_refuse(buf, len);
	return (int)off;
}

static int
uproto_client_text_ok(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

static int
uproto_client_key_ok(const char *key)
{
	size_t	n = strlen(key);

	return n >= 1 && n <= UPROTO_CLIENT_KEY_MAX &&
	    strspn(key, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

/* Appends " key=value ..." after checking keys; taken is a key already used. */
static int
uproto_client_attrs(char *buf, size_t len, size_t *off,
    const struct uproto_client_attr *attrs, size_t nattrs, const char *taken)
{
	char	value[2 * LINE_MAX_BYTES + 3];
	size_t	i, j;

	for (i = 0; i < nattrs; i++) {
		if (attrs[i].key == NULL || attrs[i].value == NULL ||
		    !uproto_client_key_ok(attrs[i].key) ||
		    (taken != NULL && strcmp(attrs[i].key, taken) == 0))
			return uproto_client_refuse(buf, len);
		for (j = 0; j < i; j++)
			if (strcmp(attrs[i].key, attrs[j].key) == 0)
				return uproto_client_refuse(buf, len);
		if (line_quote(value, sizeof(value), attrs[i].value) == -1 ||
		    uproto_client_add(buf, len, off, " %s=%s", attrs[i].key,
		    value) == -1)
			return uproto_client_refuse(buf, len);
	}
	return 0;
}

int
uproto_client_format_hello(char *buf, size_t len, const char *unit_id,
    const char *firmware)
{
	char	fw[2 * UPROTO_CLIENT_FW_MAX + 3];
	size_t	off = 0;

	if (!line_is_ident(unit_id))
		return uproto_client_refuse(buf, len);
	if (uproto_client_add(buf, len, &off, "HELLO %s %d", unit_id,
	    UPROTO_VERSION) == -1)
		return -1;
	if (firmware != NULL) {
		if (firmware[0] == '\0' ||
		    strlen(firmware) > UPROTO_CLIENT_FW_MAX ||
		    line_quote(fw, sizeof(fw), firmware) == -1 ||
		    uproto_client_add(buf, len, &off, " fw=%s", fw) == -1)
			return uproto_client_refuse(buf, len);
	}
	return uproto_client_end(buf, len, off);
}

int
uproto_client_format_hb(char *buf, size_t len, uint64_t counter)
{
	size_t	off = 0;

	if (uproto_client_add(buf, len, &off, "HB %" PRIu64, counter) == -1)
		return -1;
	return uproto_client_end(buf, len, off);
}

int
uproto_client_format_event(char *buf, size_t len, const char *event_id,
    enum evtype type, int64_t at_ms, const struct uproto_client_attr *attrs,
    size_t nattrs)
{
	size_t	off = 0;

	if (!line_is_ident(event_id) || type < 0 || type >= EVTYPE_COUNT ||
	    !evtype_unit_may_send(type) || at_ms < -1 ||
	    at_ms > UPROTO_CLIENT_AT_MAX)
		return uproto_client_refuse(buf, len);
	if (uproto_client_add(buf, len, &off, "EVENT %s %s", event_id,
	    evtype_name(type)) == -1)
		return -1;
	if (at_ms >= 0 && uproto_client_add(buf, len, &off, " at=%" PRId64,
	    at_ms) == -1)
		return -1;
	if (uproto_client_attrs(buf, len, &off, attrs, nattrs, "at") == -1)
		return -1;
	return uproto_client_end(buf, len, off);
}

int
uproto_client_format_state(char *buf, size_t len,
    const struct uproto_client_attr *attrs, size_t nattrs)
{
	size_t	off = 0;

	if (nattrs == 0)
		return uproto_client_refuse(buf, len);
	if (uproto_client_add(buf, len, &off, "STATE") == -1 ||
	    uproto_client_attrs(buf, len, &off, attrs, nattrs, NULL) == -1)
		return -1;
	return uproto_client_end(buf, len, off);
}

int
uproto_client_format_done(char *buf, size_t len, const char *cmd_id)
{
	size_t	off = 0;

	if (!line_is_ident(cmd_id))
		return uproto_client_refuse(buf, len);
	if (uproto_client_add(buf, len, &off, "DONE %s", cmd_id) == -1)
		return -1;
	return uproto_client_end(buf, len, off);
}

/*
 * 1 if the receiver reads reason back as itself when it goes as words: it
 * joins the tokens with one space, so single spaces between plain words.
 * Otherwise it goes as one quoted string (line_quote quotes whatever this
 * refuses: spaces at the ends or doubled, '"', '=', too many words).
 */
static int
uproto_client_words_ok(const char *reason)
{
	const char	*p;
	size_t		 words = 1;

	if (reason[0] == ' ' || reason[strlen(reason) - 1] == ' ' ||
	    strstr(reason, "  ") != NULL)
		return 0;
	for (p = reason; *p != '\0'; p++) {
		if (*p == '"' || *p == '=')
			return 0;
		words += *p == ' ';
	}
	/* FAIL and the id are tokens too. */
	return words + 2 <= LINE_MAX_TOKENS;
}

int
uproto_client_format_fail(char *buf, size_t len, const char *cmd_id,
    const char *reason)
{
	char	quoted[2 * LINE_MAX_BYTES + 3];
	size_t	off = 0;

	if (!line_is_ident(cmd_id))
		return uproto_client_refuse(buf, len);
	if (uproto_client_add(buf, len, &off, "FAIL %s", cmd_id) == -1)
		return -1;
	if (reason != NULL && reason[0] != '\0') {
		if (!uproto_client_text_ok(reason))
			return uproto_client_refuse(buf, len);
		if (uproto_client_words_ok(reason)) {
			if (uproto_client_add(buf, len, &off, " %s",
			    reason) == -1)
				return -1;
		} else if (line_quote(quoted, sizeof(quoted), reason) == -1 ||
		    uproto_client_add(buf, len, &off, " %s", quoted) == -1)
			return uproto_client_refuse(buf, len);
	}
	return uproto_client_end(buf, len, off);
}

/* ---- receiver to unit */

static enum uproto_client_status
uproto_client_fail(enum uproto_client_status st, char *err, size_t errlen,
    const char *why)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", why);
	return st;
}

/* 1 if s is min to max ASCII digits. */
static int
uproto_client_digits(const char *s, size_t min, size_t max)
{
	size_t	n = strspn(s, "0123456789");

	return s[n] == '\0' && n >= min && n <= max;
}

/* The i-th token as a plain word, or NULL if it is missing or key=value. */
static const char *
uproto_client_word(const struct uproto_client_msg *msg, size_t i)
{
	if (i >= msg->line.count || msg->line.tokens[i].key != NULL)
		return NULL;
	return msg->line.tokens[i].value;
}

/* Skips n words and the spaces after each; those words hold no quotes. */
static const char *
uproto_client_skip(const char *p, size_t n)
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

/* retry=<seconds>: 0 unless a number of seconds in the protocol's range. */
static int
uproto_client_retry(const char *v)
{
	int	s;

	if (!uproto_client_digits(v, 1, 3))
		return 0;
	s = (int)strtol(v, NULL, 10);
	return s >= UPROTO_RETRY_MIN && s <= UPROTO_RETRY_MAX ? s : 0;
}

/* alt=<addr>[,<addr>...]: the good ones, up to UPROTO_CLIENT_ALT_MAX. */
static void
uproto_client_alt(struct uproto_client_msg *msg, const char *v)
{
	char	*a;
	size_t	 n;

	for (; *v != '\0' && msg->alt_count < UPROTO_CLIENT_ALT_MAX; v += n) {
		v += *v == ',';
		n = strcspn(v, ",");
		if (n == 0 || n > UPROTO_CLIENT_ADDR_MAX)
			continue;
		a = msg->alt[msg->alt_count];
		memcpy(a, v, n);
		a[n] = '\0';
		if (uproto_client_addr_ok(a))
			msg->alt_count++;
	}
}

/* WELCOME <heartbeat-seconds> <unix-time> [key=value ...]; unknown keys pass */
static enum uproto_client_status
uproto_client_welcome(struct uproto_client_msg *msg, char *err, size_t errlen)
{
	const struct line_token	*tok;
	const char	*hb, *t;
	int64_t		 v = 0;
	size_t		 i;
	int		 neg;

	hb = uproto_client_word(msg, 1);
	if (hb == NULL || !uproto_client_digits(hb, 1, 9) ||
	    (msg->heartbeat_s = (int)strtol(hb, NULL, 10)) < 1)
		return uproto_client_fail(UPROTO_CLIENT_BAD_LINE, err, errlen,
		    "bad heartbeat");
	if ((t = uproto_client_word(msg, 2)) == NULL)
		return uproto_client_fail(UPROTO_CLIENT_BAD_LINE, err, errlen,
		    "missing time");
	neg = t[0] == '-';
	if (!uproto_client_digits(t + neg, 1, 18))
		return uproto_client_fail(UPROTO_CLIENT_BAD_LINE, err, errlen,
		    "bad time");
	for (t += neg; *t != '\0'; t++)
		v = v * 10 + (*t - '0');
	msg->receiver_time = neg ? -v : v;
	for (i = 3; i < msg->line.count; i++) {
		tok = &msg->line.tokens[i];
		if (tok->key == NULL)
			return uproto_client_fail(UPROTO_CLIENT_BAD_LINE, err,
			    errlen, "too many arguments");
		if (strcmp(tok->key, "retry") == 0)
			msg->retry_s = uproto_client_retry(tok->value);
		else if (strcmp(tok->key, "alt") == 0)
			uproto_client_alt(msg, tok->value);
	}
	return UPROTO_CLIENT_OK;
}

/*
 * DENIED standby [active=<addr>] [...]: the reason's words as sent. Other
 * words may follow in a later version; a bad address is no address.
 */
static void
uproto_client_standby(struct uproto_client_msg *msg)
{
	const char	*p = msg->reason;
	size_t		 n;

	n = strcspn(p, " ");
	if (n != 7 || strncmp(p, "standby", 7) != 0)
		return;
	msg->standby = 1;
	for (p += n; *p != '\0'; p += n) {
		p += strspn(p, " ");
		n = strcspn(p, " ");
		if (n > 7 && n - 7 <= UPROTO_CLIENT_ADDR_MAX &&
		    strncmp(p, "active=", 7) == 0) {
			memcpy(msg->active, p + 7, n - 7);
			msg->active[n - 7] = '\0';
			if (!uproto_client_addr_ok(msg->active))
				msg->active[0] = '\0';
			return;
		}
	}
}

/* CMD <cmd-id> <words ...>: key=value tokens among the words are skipped. */
static enum uproto_client_status
uproto_client_cmd(struct uproto_client_msg *msg, char *err, size_t errlen)
{
	const char	*words[LINE_MAX_TOKENS];
	size_t		 i, n = 0;

	if ((msg->cmd_id = uproto_client_word(msg, 1)) == NULL ||
	    !line_is_ident(msg->cmd_id)) {
		msg->cmd_id = NULL;
		return uproto_client_fail(UPROTO_CLIENT_BAD_LINE, err, errlen,
		    "bad command id");
	}
	for (i = 2; i < msg->line.count; i++)
		if (msg->line.tokens[i].key == NULL)
			words[n++] = msg->line.tokens[i].value;
	if (uproto_cmd_parse(&msg->cmd, words, n, err, errlen) == -1)
		return UPROTO_CLIENT_BAD_CMD;
	return UPROTO_CLIENT_OK;
}

enum uproto_client_status
uproto_client_parse(struct uproto_client_msg *msg, const char *line,
    size_t len, char *err, size_t errlen)
{
	static const struct {
		const char		*name;
		enum uproto_client_kind	 kind;
		size_t			 words;	/* tokenised; then free text */
	} kinds[] = {
		{ "WELCOME",	UPROTO_CLIENT_WELCOME,	0 },
		{ "HBACK",	UPROTO_CLIENT_HBACK,	0 },
		{ "ACK",	UPROTO_CLIENT_ACK,	0 },
		{ "NAK",	UPROTO_CLIENT_NAK,	2 },
		{ "DENIED",	UPROTO_CLIENT_DENIED,	1 },
		{ "ERR",	UPROTO_CLIENT_ERR,	1 },
		{ "CMD",	UPROTO_CLIENT_CMD,	0 },
	};
	const char	*rest = "", *v;
	size_t		 i, wordlen;

	msg->kind = UPROTO_CLIENT_UNKNOWN;
	msg->heartbeat_s = 0;
	msg->receiver_time = 0;
	msg->retry_s = 0;
	msg->alt_count = 0;
	msg->standby = 0;
	msg->active[0] = '\0';
	msg->counter = msg->event_id = msg->reason = msg->cmd_id = NULL;
	msg->line.count = 0;
	msg->raw[0] = '\0';
	if (len > LINE_MAX_BYTES)
		return uproto_client_fail(UPROTO_CLIENT_BAD_LINE, err, errlen,
		    "line too long");
	for (i = 0; i < len; i++)
		if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
			return uproto_client_fail(UPROTO_CLIENT_BAD_LINE, err,
			    errlen, "control character");
	memcpy(msg->raw, line, len);
	msg->raw[len] = '\0';
	v = uproto_client_skip(msg->raw, 0);
	wordlen = strcspn(v, " ");
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strlen(kinds[i].name) == wordlen &&
		    memcmp(kinds[i].name, v, wordlen) == 0)
			break;
	if (i == sizeof(kinds) / sizeof(kinds[0]))
		return uproto_client_fail(UPROTO_CLIENT_BAD_LINE, err, errlen,
		    wordlen == 0 ? "empty line" : "unknown command");
	msg->kind = kinds[i].kind;
	if (kinds[i].words > 0) {
		/* Only the words before the reason are tokens. */
		rest = uproto_client_skip(v, kinds[i].words);
		len = (size_t)(rest - v);
	} else
		len = strlen(v);
	if (line_parse(&msg->line, v, len, err, errlen) == -1)
		return UPROTO_CLIENT_BAD_LINE;

	switch (msg->kind) {
	case UPROTO_CLIENT_WELCOME:
		return uproto_client_welcome(msg, err, errlen);
	case UPROTO_CLIENT_HBACK:
		if ((v = uproto_client_word(msg, 1)) == NULL ||
		    !uproto_client_digits(v, 1, 20) || msg->line.count > 2)
			return uproto_client_fail(UPROTO_CLIENT_BAD_LINE, err,
			    errlen, "bad counter");
		msg->counter = v;
		break;
	case UPROTO_CLIENT_ACK:
	case UPROTO_CLIENT_NAK:
		if ((v = uproto_client_word(msg, 1)) == NULL ||
		    !line_is_ident(v) || msg->line.count > 2)
			return uproto_client_fail(UPROTO_CLIENT_BAD_LINE, err,
			    errlen, "bad event id");
		msg->event_id = v;
		if (msg->kind == UPROTO_CLIENT_NAK)
			msg->reason = rest;
		break;
	case UPROTO_CLIENT_DENIED:
		msg->reason = rest;
		uproto_client_standby(msg);
		break;
	case UPROTO_CLIENT_ERR:
		msg->reason = rest;
		break;
	case UPROTO_CLIENT_CMD:
		return uproto_client_cmd(msg, err, errlen);
	case UPROTO_CLIENT_UNKNOWN:
		break;
	}
	return UPROTO_CLIENT_OK;
}

/* ---- receiver addresses */

int
uproto_client_addr_ok(const char *s)
{
	const char	*colon, *host_chars;
	size_t		 n = strlen(s), hostlen;
	long		 port;

	if (n == 0 || n > UPROTO_CLIENT_ADDR_MAX ||
	    (colon = strrchr(s, ':')) == NULL ||
	    !uproto_client_digits(colon + 1, 1, 5) ||
	    (port = strtol(colon + 1, NULL, 10)) < 1 || port > 65535)
		return 0;
	hostlen = (size_t)(colon - s);
	if (s[0] == '[') {
		/* [v6]:port */
		if (hostlen < 3 || s[hostlen - 1] != ']')
			return 0;
		s++;
		hostlen -= 2;
		host_chars = "0123456789abcdefABCDEF:.";
	} else
		host_chars = "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_";
	return hostlen > 0 && strspn(s, host_chars) >= hostlen;
}

int
uproto_client_rx_add(struct uproto_client_rx *rx, const char *addr)
{
	size_t	i;

	if (addr == NULL || !uproto_client_addr_ok(addr))
		return -1;
	for (i = 0; i < rx->count; i++)
		if (strcmp(rx->addr[i], addr) == 0)
			return (int)i;
	if (rx->count == UPROTO_CLIENT_RX_MAX)
		return -1;
	snprintf(rx->addr[rx->count], sizeof(rx->addr[0]), "%s", addr);
	return (int)rx->count++;
}

int
uproto_client_rx_parse(struct uproto_client_rx *rx, const char *list,
    char *err, size_t errlen)
{
	char	one[UPROTO_CLIENT_ADDR_MAX + 1];
	size_t	n;

	rx->count = 0;
	for (;;) {
		n = strcspn(list, ",");
		if (n == 0 || n >= sizeof(one))
			goto bad;
		memcpy(one, list, n);
		one[n] = '\0';
		if (!uproto_client_addr_ok(one))
			goto bad;
		if (uproto_client_rx_add(rx, one) == -1) {
			snprintf(err, errlen, "more than %d receivers",
			    UPROTO_CLIENT_RX_MAX);
			return -1;
		}
		if (list[n] == '\0')
			return 0;
		list += n + 1;
	}
bad:
	snprintf(err, errlen, "\"%.*s\" is not host:port",
	    (int)(n < 64 ? n : 64), list);
	return -1;
}

void
uproto_client_rx_welcomed(struct uproto_client_rx *rx,
    struct uproto_client_rx_pos *pos, const struct uproto_client_msg *msg)
{
	size_t	i;

	pos->tries = 0;
	pos->redirected = 0;
	/* A full list keeps what it has: the first ones were given. */
	for (i = 0; msg != NULL && i < msg->alt_count; i++)
		(void)uproto_client_rx_add(rx, msg->alt[i]);
}

int
uproto_client_rx_lost(const struct uproto_client_rx *rx,
    struct uproto_client_rx_pos *pos)
{
	pos->redirected = 0;
	if (rx->count == 0)
		return 1;
	pos->current = (uint8_t)((pos->current + 1u) % rx->count);
	if (++pos->tries >= rx->count) {
		pos->tries = 0;
		return 1;
	}
	return 0;
}

int
uproto_client_rx_standby(struct uproto_client_rx *rx,
    struct uproto_client_rx_pos *pos, const char *addr)
{
	int	i, again;

	if (addr == NULL || addr[0] == '\0' ||
	    (i = uproto_client_rx_add(rx, addr)) == -1)
		return uproto_client_rx_lost(rx, pos);
	again = pos->redirected;
	pos->current = (uint8_t)i;
	pos->redirected = 1;
	/* A redirect counts as a try: standbys naming a dead one pause. */
	if (again || ++pos->tries > rx->count) {
		pos->tries = 0;
		pos->redirected = 0;
		return 1;
	}
	return 0;
}
