/*
 * libFuzzer harness for the unit protocol. Whatever a unit sends, the reply
 * the receiver builds from the result must format, and accepted attributes
 * must round-trip through uproto_attrs_format. The tokens after the verb
 * and id also drive uproto_cmd_parse ("FAIL c1 CAMERA PRESET 2" as "CMD c1
 * CAMERA PRESET 2"), whose commands must format into parseable lines.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refuge/uproto.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
fuzz_uproto_attrs(const struct uproto_msg *msg)
{
	static struct uproto_msg	 again;
	char				 line[4 * LINE_MAX_BYTES], err[128];
	size_t				 i;
	int				 n;

	n = snprintf(line, sizeof(line), "STATE ");
	if (uproto_attrs_format(msg, line + n, sizeof(line) - (size_t)n) < 0)
		abort();
	if (msg->attr_count == 0)
		return;
	if (strlen(line) > LINE_MAX_BYTES)
		return;
	if (uproto_parse(&again, line, strlen(line), err, sizeof(err)) !=
	    UPROTO_OK || again.attr_count != msg->attr_count)
		abort();
	for (i = 0; i < msg->attr_count; i++) {
		if (strcmp(again.line.tokens[again.attr_first + i].key,
		    msg->line.tokens[msg->attr_first + i].key) != 0 ||
		    strcmp(again.line.tokens[again.attr_first + i].value,
		    msg->line.tokens[msg->attr_first + i].value) != 0)
			abort();
	}
}

static void
fuzz_uproto_cmd(const struct uproto_msg *msg)
{
	static struct line_parsed	 lp;
	const char			*words[LINE_MAX_TOKENS];
	struct uproto_cmd		 cmd;
	char				 buf[1024], err[128];
	size_t				 i, first;
	int				 n;

	/* Past "<verb> <id>": a line's own verb is never a command's name. */
	first = msg->line.count < 2 ? msg->line.count : 2;
	for (i = first; i < msg->line.count; i++)
		words[i - first] = msg->line.tokens[i].value;
	if (uproto_cmd_parse(&cmd, words, msg->line.count - first, err,
	    sizeof(err)) == -1) {
		if (err[0] == '\0')
			abort();
		return;
	}
	n = uproto_format_cmd(buf, sizeof(buf), "c1", &cmd);
	if (n == -1) {
		if (cmd.kind == UPROTO_CMD_AUDIO_OPEN && cmd.arg[0] == '\0')
			return;
		abort();
	}
	if (n < 1 || buf[n - 1] != '\n')
		abort();
	if ((size_t)n - 1 <= LINE_MAX_BYTES &&
	    line_parse(&lp, buf, (size_t)n - 1, err, sizeof(err)) == -1)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct uproto_msg	 msg;
	char				 err[128], buf[1024];
	enum uproto_status		 st;

	err[0] = '\0';
	st = uproto_parse(&msg, (const char *)data, size, err, sizeof(err));
	switch (st) {
	case UPROTO_BAD_LINE:
		if (uproto_format_err(buf, sizeof(buf), err) < 0)
			abort();
		return 0;
	case UPROTO_BAD_EVENT:
		if (uproto_format_nak(buf, sizeof(buf), msg.event_id, err) < 0)
			abort();
		return 0;
	case UPROTO_OK:
		break;
	default:
		abort();
	}
	switch (msg.kind) {
	case UPROTO_HELLO:
		if (!line_is_ident(msg.unit_id) || msg.version < 0)
			abort();
		break;
	case UPROTO_HB:
		if (uproto_format_hback(buf, sizeof(buf), msg.counter) < 0)
			abort();
		break;
	case UPROTO_EVENT:
		if (uproto_format_ack(buf, sizeof(buf), msg.event_id) < 0 ||
		    !evtype_unit_may_send(msg.type))
			abort();
		fuzz_uproto_attrs(&msg);
		break;
	case UPROTO_STATE:
		if (msg.attr_count == 0)
			abort();
		fuzz_uproto_attrs(&msg);
		break;
	case UPROTO_DONE:
	case UPROTO_FAIL:
		if (!line_is_ident(msg.cmd_id) ||
		    (msg.kind == UPROTO_FAIL && msg.reason == NULL))
			abort();
		break;
	}
	/* The same words as an operator's command after "CMD <id>". */
	if (msg.line.count > 0)
		fuzz_uproto_cmd(&msg);
	return 0;
}
