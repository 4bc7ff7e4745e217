/*
 * libFuzzer harness for the operator protocol's client half. Whatever the
 * receiver sends, parsing returns a known kind or an error with a reason;
 * every string of an accepted message lies inside the message itself; and
 * a line taken as a push or a final line is so by its first words.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "refuge/opproto_client.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* s is "", or NUL-terminated inside the message (its tokens or its copy of the line). */
static void
fuzz_opproto_client_inside(const struct opproto_client_msg *m, const char *s)
{
	const char	*lo = (const char *)m, *hi = lo + sizeof(*m);

	if (s == NULL)
		abort();
	if (s[0] == '\0')
		return;
	if (s < lo || s >= hi || memchr(s, '\0', (size_t)(hi - s)) == NULL)
		abort();
}

static void
fuzz_opproto_client_strings(const struct opproto_client_msg *m)
{
	size_t	i;

	fuzz_opproto_client_inside(m, m->word);
	fuzz_opproto_client_inside(m, m->args);
	for (i = 0; i < m->other_count; i++)
		fuzz_opproto_client_inside(m, m->other[i]->value);
	switch (m->kind) {
	case OPPROTO_CLIENT_OK:
		fuzz_opproto_client_inside(m, m->ok.detail);
		fuzz_opproto_client_inside(m, m->ok.role);
		fuzz_opproto_client_inside(m, m->ok.cmd_id);
		fuzz_opproto_client_inside(m, m->ok.tz);
		break;
	case OPPROTO_CLIENT_ERR:
		fuzz_opproto_client_inside(m, m->err.code);
		fuzz_opproto_client_inside(m, m->err.text);
		break;
	case OPPROTO_CLIENT_ALARM:
		if (m->alarm.id < 1 || m->alarm.priority < 1 ||
		    m->alarm.priority > 9 || m->alarm.count < 1)
			abort();
		fuzz_opproto_client_inside(m, m->alarm.state);
		fuzz_opproto_client_inside(m, m->alarm.type);
		fuzz_opproto_client_inside(m, m->alarm.unit);
		fuzz_opproto_client_inside(m, m->alarm.site);
		fuzz_opproto_client_inside(m, m->alarm.at);
		fuzz_opproto_client_inside(m, m->alarm.name);
		fuzz_opproto_client_inside(m, m->alarm.by);
		fuzz_opproto_client_inside(m, m->alarm.outcome);
		if (m->alarm.located && (m->alarm.lat < -90 ||
		    m->alarm.lat > 90 || m->alarm.lon < -180 ||
		    m->alarm.lon > 180))
			abort();
		break;
	case OPPROTO_CLIENT_UNIT:
		if (!line_is_ident(m->unit.id))
			abort();
		fuzz_opproto_client_inside(m, m->unit.state);
		fuzz_opproto_client_inside(m, m->unit.last_seen);
		fuzz_opproto_client_inside(m, m->unit.site);
		fuzz_opproto_client_inside(m, m->unit.name);
		fuzz_opproto_client_inside(m, m->unit.test_until);
		fuzz_opproto_client_inside(m, m->unit.heard);
		fuzz_opproto_client_inside(m, m->unit.address);
		break;
	case OPPROTO_CLIENT_LOG:
		if (m->log.at_ms < 0)
			abort();
		fuzz_opproto_client_inside(m, m->log.at);
		fuzz_opproto_client_inside(m, m->log.what);
		fuzz_opproto_client_inside(m, m->log.by);
		fuzz_opproto_client_inside(m, m->log.text);
		break;
	case OPPROTO_CLIENT_OPERATOR:
		fuzz_opproto_client_inside(m, m->op.user);
		fuzz_opproto_client_inside(m, m->op.role);
		fuzz_opproto_client_inside(m, m->op.desk);
		fuzz_opproto_client_inside(m, m->op.claimed);
		break;
	case OPPROTO_CLIENT_HANDOVER:
		fuzz_opproto_client_inside(m, m->handover.by);
		fuzz_opproto_client_inside(m, m->handover.at);
		fuzz_opproto_client_inside(m, m->handover.text);
		break;
	case OPPROTO_CLIENT_STEP:
		if (m->step.number < 1)
			abort();
		fuzz_opproto_client_inside(m, m->step.text);
		break;
	case OPPROTO_CLIENT_EVENT:
		fuzz_opproto_client_inside(m, m->event.event_id);
		fuzz_opproto_client_inside(m, m->event.type);
		fuzz_opproto_client_inside(m, m->event.at);
		fuzz_opproto_client_inside(m, m->event.unit_at);
		break;
	case OPPROTO_CLIENT_STAT:
		fuzz_opproto_client_inside(m, m->stat.name);
		break;
	case OPPROTO_CLIENT_CLAIMED:
	case OPPROTO_CLIENT_RELEASED:
	case OPPROTO_CLIENT_RESOLVED:
	case OPPROTO_CLIENT_ESCALATE:
		if (m->change.alarm_id < 1)
			abort();
		fuzz_opproto_client_inside(m, m->change.by);
		fuzz_opproto_client_inside(m, m->change.outcome);
		break;
	case OPPROTO_CLIENT_TESTSIGNAL:
	case OPPROTO_CLIENT_TESTMODE:
		fuzz_opproto_client_inside(m, m->test.unit);
		fuzz_opproto_client_inside(m, m->test.type);
		fuzz_opproto_client_inside(m, m->test.until);
		break;
	case OPPROTO_CLIENT_CMD:
		fuzz_opproto_client_inside(m, m->cmd.cmd_id);
		fuzz_opproto_client_inside(m, m->cmd.result);
		fuzz_opproto_client_inside(m, m->cmd.reason);
		break;
	case OPPROTO_CLIENT_RECEIVER:
		fuzz_opproto_client_inside(m, m->receiver.role);
		fuzz_opproto_client_inside(m, m->receiver.name);
		fuzz_opproto_client_inside(m, m->receiver.active);
		fuzz_opproto_client_inside(m, m->receiver.reason);
		break;
	case OPPROTO_CLIENT_RELOADED:
	case OPPROTO_CLIENT_OTHER:
		break;
	default:
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct opproto_client_msg	 m;
	static char				 s[OPPROTO_CLIENT_MAX_BYTES + 2];
	char					 err[128];
	int					 push;

	if (size > OPPROTO_CLIENT_MAX_BYTES + 1)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	push = size >= 2 && s[0] == '*' && s[1] == ' ';
	err[0] = '\0';
	if (opproto_client_parse(&m, s, size, err, sizeof(err)) == -1) {
		if (err[0] == '\0' || m.kind != OPPROTO_CLIENT_OTHER ||
		    m.push != push)
			abort();
		return 0;
	}
	if (m.push != push || memchr(s, '\0', size) != NULL)
		abort();
	/* A final line starts with its keyword, and only one can end a reply. */
	if ((m.kind == OPPROTO_CLIENT_OK || m.kind == OPPROTO_CLIENT_ERR) &&
	    (push || strncmp(m.word, s + strspn(s, " "), strlen(m.word)) != 0))
		abort();
	fuzz_opproto_client_strings(&m);
	return 0;
}
