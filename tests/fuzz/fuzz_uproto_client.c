/*
 * libFuzzer harness for the unit protocol's client half. Whatever the
 * receiver sends, parsing gives a known kind or a reason; a command the
 * unit refuses is answered with a FAIL the receiver parses back to the same
 * id and reason; and any text a unit formats as a FAIL reason or an EVENT
 * attribute, the receiver reads back unchanged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "refuge/uproto.h"
#include "refuge/uproto_client.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* What the unit formats as FAIL, the receiver reads as the same reason. */
static void
fuzz_uproto_client_fail(const char *cmd_id, const char *reason)
{
	static struct uproto_msg	 back;
	char				 buf[4 * LINE_MAX_BYTES], err[128];
	int				 n;

	if ((n = uproto_client_format_fail(buf, sizeof(buf), cmd_id,
	    reason)) == -1)
		return;
	if (n < 1 || buf[n - 1] != '\n' ||
	    uproto_parse(&back, buf, (size_t)n - 1, err, sizeof(err)) !=
	    UPROTO_OK || back.kind != UPROTO_FAIL ||
	    strcmp(back.cmd_id, cmd_id) != 0 ||
	    strcmp(back.reason, reason) != 0)
		abort();
}

/* The same for a value of an EVENT's attribute. */
static void
fuzz_uproto_client_event(const char *value)
{
	static struct uproto_msg	 back;
	struct uproto_client_attr	 attr = { "note", value };
	char				 buf[4 * LINE_MAX_BYTES], err[128];
	int				 n;

	if ((n = uproto_client_format_event(buf, sizeof(buf), "e1",
	    EVTYPE_BUTTON, 1, &attr, 1)) == -1)
		return;
	if (uproto_parse(&back, buf, (size_t)n - 1, err, sizeof(err)) !=
	    UPROTO_OK || back.attr_count != 1 || back.at_ms != 1 ||
	    strcmp(back.line.tokens[back.attr_first].value, value) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct uproto_client_msg	 m;
	char				 err[128], text[LINE_MAX_BYTES + 1];
	enum uproto_client_status	 st;

	err[0] = '\0';
	st = uproto_client_parse(&m, (const char *)data, size, err,
	    sizeof(err));
	switch (st) {
	case UPROTO_CLIENT_OK:
		break;
	case UPROTO_CLIENT_BAD_CMD:
		if (m.kind != UPROTO_CLIENT_CMD || m.cmd_id == NULL ||
		    err[0] == '\0')
			abort();
		fuzz_uproto_client_fail(m.cmd_id, err);
		break;
	case UPROTO_CLIENT_BAD_LINE:
		if (err[0] == '\0')
			abort();
		break;
	default:
		abort();
	}
	if (st == UPROTO_CLIENT_OK) {
		switch (m.kind) {
		case UPROTO_CLIENT_WELCOME:
			if (m.heartbeat_s < 1)
				abort();
			break;
		case UPROTO_CLIENT_HBACK:
			if (m.counter == NULL)
				abort();
			break;
		case UPROTO_CLIENT_ACK:
		case UPROTO_CLIENT_NAK:
			if (!line_is_ident(m.event_id) ||
			    (m.kind == UPROTO_CLIENT_NAK && m.reason == NULL))
				abort();
			break;
		case UPROTO_CLIENT_DENIED:
		case UPROTO_CLIENT_ERR:
			if (m.reason == NULL)
				abort();
			break;
		case UPROTO_CLIENT_CMD:
			if (!line_is_ident(m.cmd_id))
				abort();
			break;
		default:
			abort();
		}
	}
	/* The input as free text from a unit. */
	if (size < sizeof(text) && memchr(data, '\0', size) == NULL) {
		memcpy(text, data, size);
		text[size] = '\0';
		fuzz_uproto_client_fail("c1", text);
		fuzz_uproto_client_event(text);
	}
	return 0;
}
