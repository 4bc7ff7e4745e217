/* Unit protocol v1: parsing what a Help Point sends, formatting the replies. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "refuge/config.h"
#include "refuge/uproto.h"

#define UPROTO_FW_MAX	64

struct uproto_command {
	const char		*name;
	enum uproto_kind	 kind;
	enum uproto_status	(*parse)(struct uproto_msg *, char *, size_t);
};

static enum uproto_status	uproto_parse_hello(struct uproto_msg *, char *,
				    size_t);
static enum uproto_status	uproto_parse_hb(struct uproto_msg *, char *,
				    size_t);
static enum uproto_status	uproto_parse_event(struct uproto_msg *, char *,
				    size_t);
static enum uproto_status	uproto_parse_state(struct uproto_msg *, char *,
				    size_t);
static enum uproto_status	uproto_parse_done(struct uproto_msg *, char *,
				    size_t);

static const struct uproto_command uproto_commands[] = {
	{ "HELLO",	UPROTO_HELLO,	uproto_parse_hello },
	{ "HB",		UPROTO_HB,	uproto_parse_hb },
	{ "EVENT",	UPROTO_EVENT,	uproto_parse_event },
	{ "STATE",	UPROTO_STATE,	uproto_parse_state },
	{ "DONE",	UPROTO_DONE,	uproto_parse_done },
	{ "FAIL",	UPROTO_FAIL,	uproto_parse_done },
};

static enum uproto_status
uproto_fail(enum uproto_status st, char *err, size_t errlen, const char *why)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", why);
	return st;
}

/* 1 if s is min to max ASCII digits. */
static int
uproto_is_digits(const char *s, size_t min, size_t max)
{
	size_t	i;

	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9' || i == max)
			return 0;
	}
	return i >= min;
}

static int
uproto_text_ok(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	}
	return 1;
}

/* The i-th token as a plain word, or NULL if it is missing or key=value. */
static const char *
uproto_word(const struct uproto_msg *msg, size_t i)
{
	if (i >= msg->line.count || msg->line.tokens[i].key != NULL)
		return NULL;
	return msg->line.tokens[i].value;
}

/* Checks that tokens from..count are key=value with distinct keys. */
static const char *
uproto_check_attrs(const struct uproto_msg *msg, size_t from)
{
	const struct line_token	*t = msg->line.tokens;
	size_t			 i, j;

	for (i = from; i < msg->line.count; i++) {
		if (t[i].key == NULL)
			return "bad attribute";
		for (j = from; j < i; j++) {
			if (strcmp(t[i].key, t[j].key) == 0)
				return "duplicate attribute";
		}
	}
	return NULL;
}

static enum uproto_status
uproto_parse_hello(struct uproto_msg *msg, char *err, size_t errlen)
{
	const struct line_token	*t = msg->line.tokens;
	const char		*v;
	size_t			 i;

	if (msg->line.count < 2)
		return uproto_fail(UPROTO_BAD_LINE, err, errlen,
		    "missing unit id");
	if ((v = uproto_word(msg, 1)) == NULL || !line_is_ident(v))
		return uproto_fail(UPROTO_BAD_LINE, err, errlen, "bad unit id");
	msg->unit_id = v;
	if (msg->line.count < 3)
		return uproto_fail(UPROTO_BAD_LINE, err, errlen,
		    "missing protocol version");
	if ((v = uproto_word(msg, 2)) == NULL || !uproto_is_digits(v, 1, 9))
		return uproto_fail(UPROTO_BAD_LINE, err, errlen,
		    "bad protocol version");
	msg->version = 0;
	for (; *v != '\0'; v++)
		msg->version = msg->version * 10 + (*v - '0');
	for (i = 3; i < msg->line.count; i++) {
		if (t[i].key == NULL)
			return uproto_fail(UPROTO_BAD_LINE, err, errlen,
			    "too many arguments");
		if (strcmp(t[i].key, "fw") != 0)
			return uproto_fail(UPROTO_BAD_LINE, err, errlen,
			    "unknown attribute");
		if (msg->firmware != NULL)
			return uproto_fail(UPROTO_BAD_LINE, err, errlen,
			    "duplicate attribute");
		if (t[i].value[0] == '\0' ||
		    strlen(t[i].value) > UPROTO_FW_MAX)
			return uproto_fail(UPROTO_BAD_LINE, err, errlen,
			    "bad firmware version");
		msg->firmware = t[i].value;
	}
	return UPROTO_OK;
}

static enum uproto_status
uproto_parse_hb(struct uproto_msg *msg, char *err, size_t errlen)
{
	const char	*v;

	if (msg->line.count < 2)
		return uproto_fail(UPROTO_BAD_LINE, err, errlen,
		    "missing counter");
	if ((v = uproto_word(msg, 1)) == NULL || !uproto_is_digits(v, 1, 20))
		return uproto_fail(UPROTO_BAD_LINE, err, errlen, "bad counter");
	if (msg->line.count > 2)
		return uproto_fail(UPROTO_BAD_LINE, err, errlen,
		    "too many arguments");
	msg->counter = v;
	return UPROTO_OK;
}

static enum uproto_status
uproto_parse_event(struct uproto_msg *msg, char *err, size_t errlen)
{
	struct line_token	*t = msg->line.tokens, at;
	const char		*v, *why;
	size_t			 i, n = msg->line.count;

	if (n < 2)
		return uproto_fail(UPROTO_BAD_LINE, err, errlen,
		    "missing event id");
	if ((v = uproto_word(msg, 1)) == NULL || !line_is_ident(v))
		return uproto_fail(UPROTO_BAD_LINE, err, errlen,
		    "bad event id");
	msg->event_id = v;
	/* From here on the unit gets a NAK naming its event. */
	if ((v = uproto_word(msg, 2)) == NULL)
		return uproto_fail(UPROTO_BAD_EVENT, err, errlen,
		    "missing event type");
	if (evtype_from_name(v, &msg->type) == -1)
		return uproto_fail(UPROTO_BAD_EVENT, err, errlen,
		    "unknown event type");
	if (!evtype_unit_may_send(msg->type))
		return uproto_fail(UPROTO_BAD_EVENT, err, errlen,
		    "event type not allowed");
	if ((why = uproto_check_attrs(msg, 3)) != NULL)
		return uproto_fail(UPROTO_BAD_EVENT, err, errlen, why);
	msg->attr_first = 3;
	for (i = 3; i < n; i++) {
		if (strcmp(t[i].key, "at") != 0)
			continue;
		if (!uproto_is_digits(t[i].value, 1, 16))
			return uproto_fail(UPROTO_BAD_EVENT, err, errlen,
			    "bad at");
		msg->at_ms = 0;
		for (v = t[i].value; *v != '\0'; v++)
			msg->at_ms = msg->at_ms * 10 + (*v - '0');
		/* Move at= ahead of the others so they stay contiguous. */
		at = t[i];
		memmove(&t[4], &t[3], (i - 3) * sizeof(*t));
		t[3] = at;
		msg->attr_first = 4;
		break;
	}
	msg->attr_count = n - msg->attr_first;
	return UPROTO_OK;
}

static enum uproto_status
uproto_parse_state(struct uproto_msg *msg, char *err, size_t errlen)
{
	const char	*why;

	if (msg->line.count < 2)
		return uproto_fail(UPROTO_BAD_LINE, err, errlen,
		    "missing attributes");
	if ((why = uproto_check_attrs(msg, 1)) != NULL)
		return uproto_fail(UPROTO_BAD_LINE, err, errlen, why);
	msg->attr_first = 1;
	msg->attr_count = msg->line.count - 1;
	return UPROTO_OK;
}

/* DONE <cmd-id> and FAIL <cmd-id> [reason ...]. */
static enum uproto_status
uproto_parse_done(struct uproto_msg *msg, char *err, size_t errlen)
{
	const struct line_token	*t = msg->line.tokens;
	char			*w = msg->reason_buf;
	const char		*v;
	size_t			 i, n;

	if (msg->line.count < 2)
		return uproto_fail(UPROTO_BAD_LINE, err, errlen,
		    "missing command id");
	if ((v = uproto_word(msg, 1)) == NULL || !line_is_ident(v))
		return uproto_fail(UPROTO_BAD_LINE, err, errlen,
		    "bad command id");
	msg->cmd_id = v;
	if (msg->kind == UPROTO_DONE) {
		if (msg->line.count > 2)
			return uproto_fail(UPROTO_BAD_LINE, err, errlen,
			    "too many arguments");
		return UPROTO_OK;
	}
	/*
	 * The reason is the remaining tokens joined by one space, quotes
	 * dropped; it is never longer than the line it came from.
	 */
	for (i = 2; i < msg->line.count; i++) {
		n = (t[i].key != NULL ? strlen(t[i].key) + 1 : 0) +
		    strlen(t[i].value) + (i > 2);
		if (n >= sizeof(msg->reason_buf) - (size_t)(w - msg->reason_buf))
			return uproto_fail(UPROTO_BAD_LINE, err, errlen,
			    "line too long");
		if (i > 2)
			*w++ = ' ';
		if (t[i].key != NULL)
			w += sprintf(w, "%s=", t[i].key);
		w += sprintf(w, "%s", t[i].value);
	}
	*w = '\0';
	msg->reason = msg->reason_buf;
	return UPROTO_OK;
}

enum uproto_status
uproto_parse(struct uproto_msg *msg, const char *line, size_t len,
    char *err, size_t errlen)
{
	const struct line_token	*t;
	size_t			 i;

	msg->unit_id = msg->firmware = msg->counter = NULL;
	msg->event_id = msg->cmd_id = msg->reason = NULL;
	msg->version = 0;
	msg->type = EVTYPE_BUTTON;
	msg->at_ms = -1;
	msg->attr_first = msg->attr_count = 0;
	msg->reason_buf[0] = '\0';

	if (line_parse(&msg->line, line, len, err, errlen) == -1)
		return UPROTO_BAD_LINE;
	t = &msg->line.tokens[0];
	if (t->key != NULL || t->quoted)
		return uproto_fail(UPROTO_BAD_LINE, err, errlen,
		    "unknown command");
	for (i = 0; i < sizeof(uproto_commands) / sizeof(uproto_commands[0]);
	    i++) {
		if (strcmp(t->value, uproto_commands[i].name) == 0) {
			msg->kind = uproto_commands[i].kind;
			return uproto_commands[i].parse(msg, err, errlen);
		}
	}
	return uproto_fail(UPROTO_BAD_LINE, err, errlen, "unknown command");
}

int
uproto_attrs_format(const struct uproto_msg *msg, char *buf, size_t buflen)
{
	const struct line_token	*t;
	size_t			 i, off = 0;
	int			 n;

	if (buflen == 0)
		return -1;
	buf[0] = '\0';
	for (i = 0; i < msg->attr_count; i++) {
		t = &msg->line.tokens[msg->attr_first + i];
		n = snprintf(buf + off, buflen - off, "%s%s=",
		    i > 0 ? " " : "", t->key);
		if (n < 0 || (size_t)n >= buflen - off)
			goto fail;
		off += (size_t)n;
		if ((n = line_quote(buf + off, buflen - off, t->value)) == -1)
			goto fail;
		off += (size_t)n;
	}
	return (int)off;
fail:
	buf[0] = '\0';
	return -1;
}

static int __attribute__((format(printf, 3, 4)))
uproto_printf(char *buf, size_t len, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	if (len == 0)
		return -1;
	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len) {
		buf[0] = '\0';
		return -1;
	}
	return n;
}

static int
uproto_refuse(char *buf, size_t len)
{
	if (len > 0)
		buf[0] = '\0';
	return -1;
}

int
uproto_alt_valid(const char *alt)
{
	char		 one[300], host[256];
	const char	*p = alt, *end;
	size_t		 len;
	int		 n = 0, port;

	do {
		end = strchr(p, ',');
		len = end != NULL ? (size_t)(end - p) : strlen(p);
		if (len == 0 || len >= sizeof(one) || ++n > UPROTO_ALT_MAX)
			return -1;
		memcpy(one, p, len);
		one[len] = '\0';
		if (config_split_hostport(one, host, sizeof(host), &port) ==
		    -1 || port == 0 || strpbrk(one, " =\"") != NULL)
			return -1;
		p = end != NULL ? end + 1 : NULL;
	} while (p != NULL);
	return 0;
}

int
uproto_format_welcome(char *buf, size_t len, const struct uproto_welcome *w)
{
	char	retry[32], alt[16];
	int	has_alt = w->alt != NULL && w->alt[0] != '\0';

	if (w->heartbeat_seconds < 1 || (w->retry_seconds != 0 &&
	    (w->retry_seconds < UPROTO_RETRY_MIN ||
	    w->retry_seconds > UPROTO_RETRY_MAX)) ||
	    (has_alt && uproto_alt_valid(w->alt) == -1))
		return uproto_refuse(buf, len);
	retry[0] = '\0';
	if (w->retry_seconds != 0)
		snprintf(retry, sizeof(retry), " retry=%d", w->retry_seconds);
	snprintf(alt, sizeof(alt), "%s", has_alt ? " alt=" : "");
	return uproto_printf(buf, len, "WELCOME %d %" PRId64 "%s%s%s\n",
	    w->heartbeat_seconds, w->receiver_unix_time, retry, alt,
	    has_alt ? w->alt : "");
}

int
uproto_format_denied(char *buf, size_t len, const char *reason)
{
	if (!uproto_text_ok(reason))
		return uproto_refuse(buf, len);
	return uproto_printf(buf, len, "DENIED %s\n", reason);
}

int
uproto_format_hback(char *buf, size_t len, const char *counter)
{
	if (!uproto_is_digits(counter, 1, 20))
		return uproto_refuse(buf, len);
	return uproto_printf(buf, len, "HBACK %s\n", counter);
}

int
uproto_format_ack(char *buf, size_t len, const char *event_id)
{
	if (!line_is_ident(event_id))
		return uproto_refuse(buf, len);
	return uproto_printf(buf, len, "ACK %s\n", event_id);
}

int
uproto_format_nak(char *buf, size_t len, const char *event_id,
    const char *reason)
{
	if (!line_is_ident(event_id) || !uproto_text_ok(reason))
		return uproto_refuse(buf, len);
	return uproto_printf(buf, len, "NAK %s %s\n", event_id, reason);
}

int
uproto_format_err(char *buf, size_t len, const char *reason)
{
	if (!uproto_text_ok(reason))
		return uproto_refuse(buf, len);
	return uproto_printf(buf, len, "ERR %s\n", reason);
}

static int
uproto_light_ok(const char *mode)
{
	return strcmp(mode, "FLASH") == 0 || strcmp(mode, "ON") == 0 ||
	    strcmp(mode, "OFF") == 0;
}

/* Returns the preset 0-255 written as 1-3 digits, or -1. */
static int
uproto_preset(const char *s)
{
	int	n = 0;

	if (!uproto_is_digits(s, 1, 3))
		return -1;
	for (; *s != '\0'; s++)
		n = n * 10 + (*s - '0');
	return n > 255 ? -1 : n;
}

static int
uproto_cmd_fail(char *err, size_t errlen, const char *why)
{
	uproto_fail(UPROTO_BAD_LINE, err, errlen, why);
	return -1;
}

int
uproto_cmd_parse(struct uproto_cmd *cmd, const char *const *words,
    size_t nwords, char *err, size_t errlen)
{
	size_t	max;
	int	preset;

	cmd->arg[0] = '\0';
	if (nwords == 0)
		return uproto_cmd_fail(err, errlen, "missing command");
	if (strcmp(words[0], "LIGHT") == 0) {
		cmd->kind = UPROTO_CMD_LIGHT;
		if (nwords < 2)
			return uproto_cmd_fail(err, errlen,
			    "missing light mode");
		if (!uproto_light_ok(words[1]))
			return uproto_cmd_fail(err, errlen, "bad light mode");
		snprintf(cmd->arg, sizeof(cmd->arg), "%s", words[1]);
		max = 2;
	} else if (strcmp(words[0], "CAMERA") == 0) {
		cmd->kind = UPROTO_CMD_CAMERA;
		if (nwords < 2)
			return uproto_cmd_fail(err, errlen,
			    "missing camera action");
		if (strcmp(words[1], "PRESET") != 0)
			return uproto_cmd_fail(err, errlen,
			    "unknown camera action");
		if (nwords < 3)
			return uproto_cmd_fail(err, errlen, "missing preset");
		if ((preset = uproto_preset(words[2])) == -1)
			return uproto_cmd_fail(err, errlen, "bad preset");
		snprintf(cmd->arg, sizeof(cmd->arg), "%d", preset);
		max = 3;
	} else if (strcmp(words[0], "AUDIO") == 0) {
		if (nwords < 2)
			return uproto_cmd_fail(err, errlen,
			    "missing audio action");
		if (strcmp(words[1], "OPEN") == 0) {
			cmd->kind = UPROTO_CMD_AUDIO_OPEN;
			if (nwords >= 3) {
				if (!uproto_text_ok(words[2]))
					return uproto_cmd_fail(err, errlen,
					    "bad uri");
				if (strlen(words[2]) >= sizeof(cmd->arg))
					return uproto_cmd_fail(err, errlen,
					    "uri too long");
				snprintf(cmd->arg, sizeof(cmd->arg), "%s",
				    words[2]);
			}
			max = 3;
		} else if (strcmp(words[1], "CLOSE") == 0) {
			cmd->kind = UPROTO_CMD_AUDIO_CLOSE;
			max = 2;
		} else
			return uproto_cmd_fail(err, errlen,
			    "unknown audio action");
	} else if (strcmp(words[0], "RESET") == 0) {
		cmd->kind = UPROTO_CMD_RESET;
		max = 1;
	} else
		return uproto_cmd_fail(err, errlen, "unknown command");
	if (nwords > max) {
		cmd->arg[0] = '\0';
		return uproto_cmd_fail(err, errlen, "too many arguments");
	}
	return 0;
}

int
uproto_format_cmd(char *buf, size_t len, const char *cmd_id,
    const struct uproto_cmd *cmd)
{
	char	uri[2 * sizeof(cmd->arg) + 3];

	if (!line_is_ident(cmd_id))
		return uproto_refuse(buf, len);
	switch (cmd->kind) {
	case UPROTO_CMD_LIGHT:
		if (!uproto_light_ok(cmd->arg))
			break;
		return uproto_printf(buf, len, "CMD %s LIGHT %s\n", cmd_id,
		    cmd->arg);
	case UPROTO_CMD_CAMERA:
		if (uproto_preset(cmd->arg) == -1)
			break;
		return uproto_printf(buf, len, "CMD %s CAMERA PRESET %d\n",
		    cmd_id, uproto_preset(cmd->arg));
	case UPROTO_CMD_AUDIO_OPEN:
		if (memchr(cmd->arg, '\0', sizeof(cmd->arg)) == NULL ||
		    cmd->arg[0] == '\0' ||
		    line_quote(uri, sizeof(uri), cmd->arg) == -1)
			break;
		return uproto_printf(buf, len, "CMD %s AUDIO OPEN %s\n",
		    cmd_id, uri);
	case UPROTO_CMD_AUDIO_CLOSE:
		return uproto_printf(buf, len, "CMD %s AUDIO CLOSE\n", cmd_id);
	case UPROTO_CMD_RESET:
		return uproto_printf(buf, len, "CMD %s RESET\n", cmd_id);
	}
	return uproto_refuse(buf, len);
}
