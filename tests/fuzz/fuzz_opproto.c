/*
 * libFuzzer harness for the operator protocol. Whatever an operator sends,
 * the ERR reply built from the result must format; an accepted request must
 * hold its documented ranges with every pointer inside its own line; and
 * its text shown as an alarm's name must survive an ALARM line round trip.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "refuge/opproto.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
fuzz_opproto_inside(const struct opproto_request *req, const char *s)
{
	const char	*end = req->line.storage + sizeof(req->line.storage);

	if (s == NULL)
		return;
	if (s < req->line.storage || s >= end ||
	    memchr(s, '\0', (size_t)(end - s)) == NULL)
		abort();
}

/* Shows s as a unit name and parses the ALARM line back. */
static void
fuzz_opproto_alarm(const char *s)
{
	static struct line_parsed	 lp;
	struct alarm			 a;
	struct opproto_alarm_view	 v = { .alarm = &a, .unit_name = s };
	char				 buf[2048], err[64];
	int				 n;

	memset(&a, 0, sizeof(a));
	a.id = 1;
	a.priority = 1;
	a.count = 2;
	a.state = ALARM_CLAIMED;
	memcpy(a.unit_id, "HP-001", 7);
	memcpy(a.claimed_by, "ann", 4);
	n = opproto_format_alarm(buf, sizeof(buf), 1, &v);
	if (n < 1 || buf[n - 1] != '\n' || (size_t)n != strlen(buf))
		abort();
	if ((size_t)n - 1 > LINE_MAX_BYTES)
		return;
	if (line_parse(&lp, buf, (size_t)n - 1, err, sizeof(err)) == -1 ||
	    lp.count != 12 || strcmp(lp.tokens[9].key, "name") != 0 ||
	    strcmp(lp.tokens[9].value, s) != 0)
		abort();
}

/* Shows s as a note in a LOG line: within the protocol's bounds, or refused. */
static void
fuzz_opproto_log(const char *s)
{
	static struct line_parsed	 lp;
	char				 buf[2048], err[64];
	int				 n;

	n = opproto_format_log(buf, sizeof(buf), 0,
	    "abcdefghijabcdefghijabcdefghijab", "note", s);
	if (n < 0)
		return;
	if (n < 1 || buf[n - 1] != '\n' || (size_t)n - 1 > LINE_MAX_BYTES ||
	    line_parse(&lp, buf, (size_t)n - 1, err, sizeof(err)) == -1)
		abort();
	n = opproto_format_log(buf, sizeof(buf), 0, "", "command", s);
	if (n > 0 && ((size_t)n - 1 > LINE_MAX_BYTES ||
	    line_parse(&lp, buf, (size_t)n - 1, err, sizeof(err)) == -1))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct opproto_request	 req;
	const char			*code = NULL;
	char				 err[256], buf[1024];
	size_t				 i;

	err[0] = '\0';
	if (opproto_parse(&req, (const char *)data, size, &code, err,
	    sizeof(err)) == -1) {
		if (code == NULL || (strcmp(code, OPPROTO_ERR_SYNTAX) != 0 &&
		    strcmp(code, OPPROTO_ERR_UNKNOWN) != 0) || err[0] == '\0')
			abort();
		if (opproto_format_err(buf, sizeof(buf), code, err) < 0)
			abort();
		return 0;
	}
	fuzz_opproto_inside(&req, req.user);
	fuzz_opproto_inside(&req, req.password);
	fuzz_opproto_inside(&req, req.unit_id);
	fuzz_opproto_inside(&req, req.text);
	fuzz_opproto_inside(&req, req.reason);
	fuzz_opproto_inside(&req, req.action);
	for (i = 0; i < req.word_count; i++)
		fuzz_opproto_inside(&req, req.words[i]);
	if (req.unit_id != NULL && !line_is_ident(req.unit_id))
		abort();
	if (req.text != NULL &&
	    (req.text[0] == '\0' || strlen(req.text) > 400))
		abort();
	switch (req.command) {
	case OPPROTO_LOGIN:
		if (req.user == NULL || req.password == NULL ||
		    strlen(req.user) > ALARM_USER_MAX)
			abort();
		break;
	case OPPROTO_CLAIM:
	case OPPROTO_RELEASE:
	case OPPROTO_PLAN:
		if (req.alarm_id <= 0)
			abort();
		break;
	case OPPROTO_NOTE:
		if (req.alarm_id <= 0 || req.text == NULL)
			abort();
		break;
	case OPPROTO_RESOLVE:
		/*
		 * The words are units.yaml's now (the stack checks them): the
		 * parser promises their form, one token, and the outcome's shape.
		 * The bulk form (RESOLVE restored) names no alarm.
		 */
		if (req.bulk_restored)
			break;
		if (req.alarm_id <= 0 || req.outcome == ALARM_OUTCOME_NONE ||
		    (req.reason != NULL && (!line_is_ident(req.reason) ||
		    strlen(req.reason) > ALARM_WORD_MAX)) ||
		    (req.action != NULL && (!line_is_ident(req.action) ||
		    strlen(req.action) > ALARM_WORD_MAX)) ||
		    (req.outcome == ALARM_OUTCOME_FALSE &&
		    (req.reason == NULL || req.action != NULL)) ||
		    (req.outcome == ALARM_OUTCOME_GENUINE &&
		    (req.action == NULL || req.reason != NULL)))
			abort();
		break;
	case OPPROTO_CMD:
		if (req.unit_id == NULL || req.word_count < 1 ||
		    req.word_count > 7 || req.words[req.word_count] != NULL)
			abort();
		break;
	case OPPROTO_HISTORY:
		if (req.unit_id == NULL || req.history_count < 1 ||
		    req.history_count > OPPROTO_HISTORY_MAX)
			abort();
		break;
	case OPPROTO_STATS:
		if (req.since_ms < -1)
			abort();
		break;
	case OPPROTO_TESTMODE:
		if (req.unit_id == NULL || req.duration_ms < 0 ||
		    req.duration_ms > 7LL * 24 * 3600 * 1000)
			abort();
		break;
	case OPPROTO_DETAIL:
		if (req.alarm_id <= 0)
			abort();
		break;
	case OPPROTO_SEARCH:
		fuzz_opproto_inside(&req, req.search.since);
		fuzz_opproto_inside(&req, req.search.until);
		fuzz_opproto_inside(&req, req.search.unit);
		fuzz_opproto_inside(&req, req.search.site);
		fuzz_opproto_inside(&req, req.search.type);
		fuzz_opproto_inside(&req, req.search.outcome);
		fuzz_opproto_inside(&req, req.search.by);
		if (req.search.limit < 1 ||
		    req.search.limit > OPPROTO_SEARCH_MAX)
			abort();
		break;
	case OPPROTO_HANDOVER:
		if (req.text == NULL)
			abort();
		break;
	default:
		break;
	}
	if (req.text != NULL) {
		fuzz_opproto_alarm(req.text);
		fuzz_opproto_log(req.text);
	}
	if (req.password != NULL)
		fuzz_opproto_alarm(req.password);
	return 0;
}
