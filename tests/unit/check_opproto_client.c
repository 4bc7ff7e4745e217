/* Unit tests for the operator protocol's client half: every line the receiver sends an operator. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refuge/opproto.h"
#include "refuge/opproto_client.h"
#include "refuge/timefmt.h"

static struct opproto_client_msg	*msg;
static char				 err[128];

static void
setup(void)
{
	msg = malloc(sizeof(*msg));
	ck_assert_ptr_nonnull(msg);
}

static void
teardown(void)
{
	free(msg);
	msg = NULL;
}

static int
parse(const char *s)
{
	strcpy(err, "untouched");
	return opproto_client_parse(msg, s, strlen(s), err, sizeof(err));
}

static void
good(const char *s, enum opproto_client_kind kind, int push)
{
	ck_assert_msg(parse(s) == 0, "\"%s\" refused: %s", s, err);
	ck_assert_msg(msg->kind == kind, "\"%s\": kind %s, not %s", s,
	    opproto_client_kind_name(msg->kind),
	    opproto_client_kind_name(kind));
	ck_assert_int_eq(msg->push, push);
}

static void
bad(const char *s, const char *why)
{
	ck_assert_msg(parse(s) == -1, "\"%s\" accepted", s);
	ck_assert_msg(strcmp(err, why) == 0, "\"%s\": \"%s\", not \"%s\"", s,
	    err, why);
}

static int64_t
iso(const char *s)
{
	int64_t	ms;

	ck_assert_int_eq(timefmt_parse_iso8601(s, &ms), 0);
	return ms;
}

START_TEST(ok_replies)
{
	good("OK", OPPROTO_CLIENT_OK, 0);
	ck_assert_str_eq(msg->ok.detail, "");
	ck_assert_int_eq(msg->ok.count, -1);
	ck_assert_str_eq(msg->ok.role, "");
	ck_assert_str_eq(msg->ok.cmd_id, "");
	good("OK role=operator", OPPROTO_CLIENT_OK, 0);
	ck_assert_str_eq(msg->ok.role, "operator");
	ck_assert_str_eq(msg->ok.detail, "role=operator");
	good("OK 2", OPPROTO_CLIENT_OK, 0);
	ck_assert_int_eq(msg->ok.count, 2);
	good("OK cmd=c1795642400123-3", OPPROTO_CLIENT_OK, 0);
	ck_assert_str_eq(msg->ok.cmd_id, "c1795642400123-3");
	ck_assert_int_eq(msg->ok.count, -1);
	/* A detail that is not tokens is still the final line. */
	good("OK done, \"mostly", OPPROTO_CLIENT_OK, 0);
	ck_assert_str_eq(msg->ok.detail, "done, \"mostly");
	ck_assert_str_eq(msg->word, "OK");
	/* Later keys. */
	good("OK role=supervisor since=2026-11-25T21:34:51.130Z",
	    OPPROTO_CLIENT_OK, 0);
	ck_assert_str_eq(msg->ok.role, "supervisor");
	ck_assert_uint_eq(msg->other_count, 1);
	ck_assert_str_eq(msg->other[0]->key, "since");
}
END_TEST

START_TEST(err_replies)
{
	good("ERR login log in first", OPPROTO_CLIENT_ERR, 0);
	ck_assert_str_eq(msg->err.code, "login");
	ck_assert_str_eq(msg->err.text, "log in first");
	good("ERR unknown unknown command 'FROBNICATE'", OPPROTO_CLIENT_ERR, 0);
	ck_assert_str_eq(msg->err.code, "unknown");
	ck_assert_str_eq(msg->err.text, "unknown command 'FROBNICATE'");
	/* The text is as sent, even when it would not tokenise. */
	good("ERR syntax bad quote in \"x=1  y", OPPROTO_CLIENT_ERR, 0);
	ck_assert_str_eq(msg->err.text, "bad quote in \"x=1  y");
	good("ERR internal", OPPROTO_CLIENT_ERR, 0);
	ck_assert_str_eq(msg->err.text, "");
	bad("ERR", "bad error code");
	bad("ERR code=x text", "bad error code");
	bad("ERR \"auth\" text", "bad error code");
}
END_TEST

#define MAN_ALARM "ALARM 41 prio=1 state=queued type=BUTTON unit=HP-001 " \
	"site=racecourse at=2026-11-25T21:34:51.130Z name=\"Main gate, " \
	"Kettering Road\""

START_TEST(alarm_lines)
{
	good(MAN_ALARM, OPPROTO_CLIENT_ALARM, 0);
	ck_assert_int_eq(msg->alarm.id, 41);
	ck_assert_int_eq(msg->alarm.priority, 1);
	ck_assert_str_eq(msg->alarm.state, "queued");
	ck_assert_str_eq(msg->alarm.type, "BUTTON");
	ck_assert_str_eq(msg->alarm.unit, "HP-001");
	ck_assert_str_eq(msg->alarm.site, "racecourse");
	ck_assert_str_eq(msg->alarm.at, "2026-11-25T21:34:51.130Z");
	ck_assert_int_eq(msg->alarm.at_ms, iso("2026-11-25T21:34:51.130Z"));
	ck_assert_str_eq(msg->alarm.name, "Main gate, Kettering Road");
	ck_assert_int_eq(msg->alarm.count, 1);
	ck_assert_int_eq(msg->alarm.restored, 0);
	ck_assert_str_eq(msg->alarm.by, "");
	ck_assert_uint_eq(msg->other_count, 0);
	ck_assert_str_eq(msg->args, MAN_ALARM + 6);

	good("* ALARM 41 prio=1 state=claimed type=BUTTON unit=HP-001 "
	    "site=racecourse at=2026-11-25T21:34:51.130Z "
	    "name=\"Main gate, Kettering Road\" count=3 restored=1 by=alice",
	    OPPROTO_CLIENT_ALARM, 1);
	ck_assert_str_eq(msg->alarm.state, "claimed");
	ck_assert_int_eq(msg->alarm.count, 3);
	ck_assert_int_eq(msg->alarm.restored, 1);
	ck_assert_str_eq(msg->alarm.by, "alice");
	ck_assert_str_eq(msg->word, "ALARM");

	/* Only id, prio, state and unit are needed; the rest reads as empty. */
	good("ALARM 7 prio=9 state=queued unit=HP-9", OPPROTO_CLIENT_ALARM, 0);
	ck_assert_str_eq(msg->alarm.type, "");
	ck_assert_str_eq(msg->alarm.name, "");
	ck_assert_int_eq(msg->alarm.at_ms, -1);
	/* An unreadable time is no error: its ms are -1. */
	good("ALARM 7 prio=9 state=queued unit=HP-9 at=yesterday",
	    OPPROTO_CLIENT_ALARM, 0);
	ck_assert_str_eq(msg->alarm.at, "yesterday");
	ck_assert_int_eq(msg->alarm.at_ms, -1);
	/* A repeated key counts the first time; the second is "other". */
	good("ALARM 7 prio=2 prio=3 state=queued unit=HP-9",
	    OPPROTO_CLIENT_ALARM, 0);
	ck_assert_int_eq(msg->alarm.priority, 2);
	ck_assert_uint_eq(msg->other_count, 1);
}
END_TEST

START_TEST(alarm_unknown_keys)
{
	good("* " MAN_ALARM " stored=no lat=52.4 lon=-0.7 level=\"very high\"",
	    OPPROTO_CLIENT_ALARM, 1);
	ck_assert_str_eq(msg->alarm.name, "Main gate, Kettering Road");
	/* stored=no is known now: an alarm shown before its commit. */
	ck_assert_int_eq(msg->alarm.unstored, 1);
	/* lat= and lon= are known now: where the unit is. */
	ck_assert_int_eq(msg->alarm.located, 1);
	ck_assert(msg->alarm.lat == 52.4 && msg->alarm.lon == -0.7);
	ck_assert_uint_eq(msg->other_count, 1);
	ck_assert_str_eq(msg->other[0]->key, "level");
	ck_assert_str_eq(msg->other[0]->value, "very high");
	ck_assert_str_eq(opproto_client_attr(msg, "lat"), "52.4");
	ck_assert_str_eq(opproto_client_attr(msg, "unit"), "HP-001");
	ck_assert_ptr_null(opproto_client_attr(msg, "nothing"));
}
END_TEST

START_TEST(receiver_state)
{
	good("* RECEIVER active store=ok", OPPROTO_CLIENT_RECEIVER, 1);
	ck_assert_str_eq(msg->receiver.role, "active");
	ck_assert_int_eq(msg->receiver.store_failing, 0);
	ck_assert_str_eq(msg->receiver.reason, "");
	good("* RECEIVER active store=failing \"database writes are failing: "
	    "database or disk is full\"", OPPROTO_CLIENT_RECEIVER, 1);
	ck_assert_int_eq(msg->receiver.store_failing, 1);
	ck_assert_str_eq(msg->receiver.reason,
	    "database writes are failing: database or disk is full");
	good("* RECEIVER standby store=ok name=rx-b active=rx-a.example:7400",
	    OPPROTO_CLIENT_RECEIVER, 1);
	ck_assert_str_eq(msg->receiver.role, "standby");
	ck_assert_str_eq(msg->receiver.name, "rx-b");
	ck_assert_str_eq(msg->receiver.active, "rx-a.example:7400");
	ck_assert_int_eq(opproto_client_parse(msg, "* RECEIVER active store=maybe",
	    29, err, sizeof(err)), -1);
}
END_TEST

START_TEST(alarm_malformed)
{
	bad("ALARM x prio=1 state=queued unit=HP-001", "bad alarm id");
	bad("ALARM 0 prio=1 state=queued unit=HP-001", "bad alarm id");
	bad("ALARM prio=1 state=queued unit=HP-001", "bad alarm id");
	bad("ALARM 99999999999999999999 prio=1 state=queued unit=HP-001",
	    "bad alarm id");
	bad("ALARM 1 prio=0 state=queued unit=HP-001", "bad prio");
	bad("ALARM 1 prio=10 state=queued unit=HP-001", "bad prio");
	bad("ALARM 1 state=queued unit=HP-001", "bad prio");
	bad("ALARM 1 prio=1 unit=HP-001", "no state");
	bad("ALARM 1 prio=1 state=queued", "no unit");
	bad("ALARM 1 prio=1 state=queued unit=\"HP 1\"", "no unit");
	bad("ALARM 1 prio=1 state=queued unit=HP-1 count=0", "bad count");
	bad("ALARM 1 prio=1 state=queued unit=HP-1 name=\"open",
	    "unterminated quote");
	ck_assert_int_eq(msg->kind, OPPROTO_CLIENT_OTHER);
}
END_TEST

START_TEST(unit_lines)
{
	good("UNIT HP-001 state=online last_seen=2026-11-25T21:34:50.123Z "
	    "site=racecourse name=\"Racecourse Park point 1\"",
	    OPPROTO_CLIENT_UNIT, 0);
	ck_assert_str_eq(msg->unit.id, "HP-001");
	ck_assert_str_eq(msg->unit.state, "online");
	ck_assert_int_eq(msg->unit.last_seen_ms,
	    iso("2026-11-25T21:34:50.123Z"));
	ck_assert_str_eq(msg->unit.site, "racecourse");
	ck_assert_str_eq(msg->unit.name, "Racecourse Park point 1");
	ck_assert_str_eq(msg->unit.test_until, "");
	ck_assert_int_eq(msg->unit.test_until_ms, -1);

	good("UNIT HP-002 state=unknown last_seen=- site=racecourse "
	    "name=\"Point 2\" test_until=2026-11-25T22:00:00.000Z lat=52.4",
	    OPPROTO_CLIENT_UNIT, 0);
	ck_assert_str_eq(msg->unit.last_seen, "-");
	ck_assert_int_eq(msg->unit.last_seen_ms, -1);
	ck_assert_int_eq(msg->unit.test_until_ms,
	    iso("2026-11-25T22:00:00.000Z"));
	/* lat= without lon= is no place. */
	ck_assert_uint_eq(msg->other_count, 0);
	ck_assert_int_eq(msg->unit.located, 0);
	ck_assert_str_eq(msg->unit.heard, "");
	ck_assert_int_eq(msg->unit.heard_ms, -1);

	/* A DC-09 panel: its paths, and that it takes no commands. */
	good("UNIT HP-101 state=online last_seen=- site=racecourse "
	    "name=\"Pavilion panel\" paths=dc09 commands=no",
	    OPPROTO_CLIENT_UNIT, 0);
	ck_assert_str_eq(msg->unit.paths, "dc09");
	ck_assert_int_eq(msg->unit.no_commands, 1);
	good("ALARM 41 prio=5 state=queued type=UNKNOWN_CODE unit=HP-101 "
	    "site=racecourse at=2026-11-25T21:34:50.123Z name=\"P\" code=ZZ "
	    "verify=\"http://cam/x?a=1\"", OPPROTO_CLIENT_ALARM, 0);
	ck_assert_str_eq(msg->alarm.code, "ZZ");
	ck_assert_str_eq(msg->alarm.verify, "http://cam/x?a=1");
	ck_assert_str_eq(msg->alarm.path, "");

	good("* UNIT HP-002 offline", OPPROTO_CLIENT_UNIT, 1);
	ck_assert_str_eq(msg->unit.id, "HP-002");
	ck_assert_str_eq(msg->unit.state, "offline");
	ck_assert_str_eq(msg->unit.site, "");
	ck_assert_int_eq(msg->unit.last_seen_ms, -1);

	bad("UNIT HP-001", "no state");
	bad("UNIT HP-001 site=x", "no state");
	bad("UNIT state=online", "bad unit id");
	bad("UNIT HP/001 state=online", "bad unit id");
	bad("* UNIT HP-001", "bad state");
	bad("* UNIT HP-001 state=online", "bad state");
}
END_TEST

START_TEST(step_lines)
{
	good("STEP 1 \"Open audio and speak to the caller\"",
	    OPPROTO_CLIENT_STEP, 0);
	ck_assert_int_eq(msg->step.number, 1);
	ck_assert_str_eq(msg->step.text, "Open audio and speak to the caller");
	good("STEP 2 Speak", OPPROTO_CLIENT_STEP, 0);
	ck_assert_str_eq(msg->step.text, "Speak");
	good("STEP 3 \"If there is no answer, call 999\" minutes=5",
	    OPPROTO_CLIENT_STEP, 0);
	ck_assert_uint_eq(msg->other_count, 1);
	bad("STEP x \"text\"", "bad step number");
	bad("STEP 0 \"text\"", "bad step number");
	bad("STEP 1", "no step text");
	bad("STEP 1 text=x", "no step text");
	/* A step is a reply's data line, never a push. */
	good("* STEP 1 \"x\"", OPPROTO_CLIENT_OTHER, 1);
}
END_TEST

START_TEST(event_lines)
{
	good("EVENT 1742-000318 BUTTON at=2026-11-25T21:34:51.130Z "
	    "unit_at=2026-11-25T21:34:51.120Z zone=3 note=\"door forced\"",
	    OPPROTO_CLIENT_EVENT, 0);
	ck_assert_str_eq(msg->event.event_id, "1742-000318");
	ck_assert_str_eq(msg->event.type, "BUTTON");
	ck_assert_int_eq(msg->event.at_ms, iso("2026-11-25T21:34:51.130Z"));
	ck_assert_int_eq(msg->event.from_receiver, 0);
	ck_assert_int_eq(msg->event.unit_at_ms,
	    iso("2026-11-25T21:34:51.120Z"));
	/* The unit's own attributes. */
	ck_assert_uint_eq(msg->other_count, 2);
	ck_assert_str_eq(msg->other[0]->key, "zone");
	ck_assert_str_eq(msg->other[1]->value, "door forced");
	ck_assert_str_eq(msg->args, "1742-000318 BUTTON "
	    "at=2026-11-25T21:34:51.130Z unit_at=2026-11-25T21:34:51.120Z "
	    "zone=3 note=\"door forced\"");

	good("EVENT rx-17 UNIT_OFFLINE at=2026-11-25T21:00:00.000Z "
	    "source=receiver", OPPROTO_CLIENT_EVENT, 0);
	ck_assert_int_eq(msg->event.from_receiver, 1);
	ck_assert_str_eq(msg->event.unit_at, "");
	ck_assert_int_eq(msg->event.unit_at_ms, -1);
	ck_assert_uint_eq(msg->other_count, 0);

	bad("EVENT", "bad event id");
	bad("EVENT e/1 BUTTON", "bad event id");
	bad("EVENT e1", "no event type");
	bad("EVENT e1 type=BUTTON", "no event type");
}
END_TEST

START_TEST(stat_lines)
{
	good("STAT alarms total=12 open=1 genuine=3 false=8 genuine_share=27.3",
	    OPPROTO_CLIENT_STAT, 0);
	ck_assert_str_eq(msg->stat.name, "alarms");
	ck_assert_uint_eq(msg->other_count, 5);
	ck_assert_str_eq(opproto_client_attr(msg, "genuine_share"), "27.3");
	good("STAT to_claim count=11 median=12.000 p80=25.500 p98_5=58.000 "
	    "max=61.250 within_30s=81.8 within_60s=90.9", OPPROTO_CLIENT_STAT,
	    0);
	ck_assert_str_eq(msg->stat.name, "to_claim");
	ck_assert_str_eq(opproto_client_attr(msg, "p98_5"), "58.000");
	good("STAT false reason=no-one-there count=2", OPPROTO_CLIENT_STAT, 0);
	ck_assert_str_eq(opproto_client_attr(msg, "reason"), "no-one-there");
	good("STAT site id=racecourse count=4", OPPROTO_CLIENT_STAT, 0);
	bad("STAT", "no figure name");
	bad("STAT total=1", "no figure name");
}
END_TEST

START_TEST(alarm_pushes)
{
	good("* CLAIMED 41 by=alice", OPPROTO_CLIENT_CLAIMED, 1);
	ck_assert_int_eq(msg->change.alarm_id, 41);
	ck_assert_str_eq(msg->change.by, "alice");
	good("* RELEASED 41", OPPROTO_CLIENT_RELEASED, 1);
	ck_assert_int_eq(msg->change.alarm_id, 41);
	ck_assert_str_eq(msg->change.by, "");
	good("* RESOLVED 41 outcome=genuine by=alice", OPPROTO_CLIENT_RESOLVED,
	    1);
	ck_assert_str_eq(msg->change.outcome, "genuine");
	ck_assert_str_eq(msg->change.by, "alice");
	good("* ESCALATE 40 waited=30", OPPROTO_CLIENT_ESCALATE, 1);
	ck_assert_int_eq(msg->change.alarm_id, 40);
	ck_assert_int_eq(msg->change.waited_s, 30);
	good("* ESCALATE 40", OPPROTO_CLIENT_ESCALATE, 1);
	ck_assert_int_eq(msg->change.waited_s, -1);
	good("* CLAIMED 41 by=alice at=2026-11-25T21:34:51.130Z",
	    OPPROTO_CLIENT_CLAIMED, 1);
	ck_assert_uint_eq(msg->other_count, 1);

	bad("* CLAIMED x by=alice", "bad alarm id");
	bad("* RELEASED", "bad alarm id");
	bad("* ESCALATE 40 waited=soon", "bad waited");
	/* Push words without the star are not replies. */
	good("CLAIMED 41 by=alice", OPPROTO_CLIENT_OTHER, 0);
	ck_assert_str_eq(msg->word, "CLAIMED");
}
END_TEST

START_TEST(unit_pushes)
{
	good("* TESTSIGNAL HP-003 TAMPER", OPPROTO_CLIENT_TESTSIGNAL, 1);
	ck_assert_str_eq(msg->test.unit, "HP-003");
	ck_assert_str_eq(msg->test.type, "TAMPER");
	good("* TESTMODE HP-003 until=2026-11-25T23:40:00.000Z",
	    OPPROTO_CLIENT_TESTMODE, 1);
	ck_assert_str_eq(msg->test.unit, "HP-003");
	ck_assert_str_eq(msg->test.until, "2026-11-25T23:40:00.000Z");
	ck_assert_int_eq(msg->test.until_ms, iso("2026-11-25T23:40:00.000Z"));
	good("* TESTMODE HP-003 off", OPPROTO_CLIENT_TESTMODE, 1);
	ck_assert_str_eq(msg->test.until, "");
	ck_assert_int_eq(msg->test.until_ms, -1);
	good("* RELOADED units=6", OPPROTO_CLIENT_RELOADED, 1);
	ck_assert_int_eq(msg->reloaded.units, 6);
	good("* RELOADED units=6 sites=2", OPPROTO_CLIENT_RELOADED, 1);
	ck_assert_uint_eq(msg->other_count, 1);

	bad("* TESTSIGNAL HP-003", "no event type");
	bad("* TESTSIGNAL HP/3 TAMPER", "bad unit id");
	bad("* TESTMODE HP-003", "neither until nor off");
	bad("* TESTMODE HP-003 maybe", "neither until nor off");
	bad("* RELOADED units=many", "bad units");
}
END_TEST

START_TEST(cmd_pushes)
{
	good("* CMD c1795642400123-3 done", OPPROTO_CLIENT_CMD, 1);
	ck_assert_str_eq(msg->cmd.cmd_id, "c1795642400123-3");
	ck_assert_str_eq(msg->cmd.result, "done");
	ck_assert_str_eq(msg->cmd.reason, "");
	good("* CMD c7 timeout", OPPROTO_CLIENT_CMD, 1);
	ck_assert_str_eq(msg->cmd.result, "timeout");
	/* The unit's reason comes as it was, spaces, quotes and all. */
	good("* CMD c7 fail no  light \"fitted\" x=1", OPPROTO_CLIENT_CMD, 1);
	ck_assert_str_eq(msg->cmd.result, "fail");
	ck_assert_str_eq(msg->cmd.reason, "no  light \"fitted\" x=1");
	bad("* CMD c/7 done", "bad command id");
	bad("* CMD c7", "bad command result");
	bad("* CMD c7 \"done\"", "bad command result");
}
END_TEST

START_TEST(unknown_kinds)
{
	good("* SOMETHING new", OPPROTO_CLIENT_OTHER, 1);
	ck_assert_str_eq(msg->word, "SOMETHING");
	ck_assert_str_eq(msg->args, "new");
	good("* WEATHER level=amber area=\"north east\"", OPPROTO_CLIENT_OTHER,
	    1);
	ck_assert_str_eq(opproto_client_attr(msg, "area"), "north east");
	ck_assert_uint_eq(msg->other_count, 2);
	/* Free text that does not tokenise is no reason to refuse a push. */
	good("* NOTICE the \"receiver restarts at 02:00", OPPROTO_CLIENT_OTHER,
	    1);
	ck_assert_str_eq(msg->word, "NOTICE");
	ck_assert_str_eq(msg->args, "the \"receiver restarts at 02:00");
	good("* OK", OPPROTO_CLIENT_OTHER, 1);
	good("SITE racecourse name=x", OPPROTO_CLIENT_OTHER, 0);
	ck_assert_str_eq(opproto_client_kind_name(OPPROTO_CLIENT_OTHER),
	    "OTHER");
	ck_assert_str_eq(opproto_client_kind_name(OPPROTO_CLIENT_ESCALATE),
	    "ESCALATE");
}
END_TEST

START_TEST(malformed_lines)
{
	char	 line[OPPROTO_CLIENT_MAX_BYTES + 2];

	bad("", "empty line");
	bad("   ", "empty line");
	bad("* ", "empty push");
	bad("*   ", "empty push");
	bad("state=queued ALARM 1", "no keyword");
	bad("\"ALARM\" 1", "no keyword");
	bad("* prio=1", "no keyword");
	bad("OK\tfine", "control character");
	bad("* ALARM 1 prio=1 state=queued unit=HP-1 name=\"a\\x\"",
	    "bad escape");
	memset(line, 'A', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	bad(line, "line too long");
	/* A bad push is still known as one. */
	ck_assert_int_eq(parse("* CLAIMED x"), -1);
	ck_assert_int_eq(msg->push, 1);
	ck_assert_int_eq(msg->kind, OPPROTO_CLIENT_OTHER);
	memcpy(line, "* ", 2);
	ck_assert_int_eq(parse(line), -1);
	ck_assert_int_eq(msg->push, 1);
}
END_TEST

/* Past LINE_MAX_BYTES a line is still a reply or a push, but not tokens. */
START_TEST(long_lines)
{
	char	 line[LINE_MAX_BYTES + 200];
	size_t	 n;

	n = (size_t)snprintf(line, sizeof(line), "ERR unknown unknown command '");
	memset(line + n, 'X', sizeof(line) - n - 3);
	memcpy(line + sizeof(line) - 3, "'", 2);
	good(line, OPPROTO_CLIENT_ERR, 0);
	ck_assert_str_eq(msg->err.code, "unknown");
	ck_assert_uint_eq(strlen(msg->err.text), strlen(line) - 12);
	memcpy(line, "OK  ", 4);
	good(line, OPPROTO_CLIENT_OK, 0);
	ck_assert_int_eq(msg->ok.detail[0], 'u');
	n = (size_t)snprintf(line, sizeof(line), "* CMD c1 fail ");
	memset(line + n, 'y', sizeof(line) - n - 1);
	line[sizeof(line) - 1] = '\0';
	good(line, OPPROTO_CLIENT_CMD, 1);
	ck_assert_uint_eq(strlen(msg->cmd.reason), sizeof(line) - n - 1);
	n = (size_t)snprintf(line, sizeof(line), "* " MAN_ALARM " note=\"");
	memset(line + n, 'z', sizeof(line) - n - 2);
	memcpy(line + sizeof(line) - 2, "\"", 2);
	ck_assert_int_eq(parse(line), -1);
	ck_assert_str_eq(err, "line too long");
	ck_assert_int_eq(msg->push, 1);
}
END_TEST

/* What the receiver's half formats, this half parses. */
START_TEST(receiver_formats_round_trip)
{
	struct alarm			a;
	struct opproto_alarm_view	view;
	char				buf[LINE_MAX_BYTES + 256];
	int				n;

	memset(&a, 0, sizeof(a));
	memset(&view, 0, sizeof(view));
	a.id = 41;
	a.priority = 2;
	a.state = ALARM_CLAIMED;
	a.type = EVTYPE_TAMPER;
	snprintf(a.unit_id, sizeof(a.unit_id), "HP-001");
	snprintf(a.site_id, sizeof(a.site_id), "racecourse");
	a.raised_ms = iso("2026-11-25T21:34:51.130Z");
	a.count = 4;
	a.restored = 1;
	snprintf(a.claimed_by, sizeof(a.claimed_by), "alice");
	view.alarm = &a;
	view.unit_name = "Main gate, \"Kettering\" Road";
	ck_assert_int_gt(n = opproto_format_alarm(buf, sizeof(buf), 1, &view),
	    0);
	good(strtok(buf, "\n"), OPPROTO_CLIENT_ALARM, 1);
	ck_assert_int_eq(msg->alarm.id, 41);
	ck_assert_int_eq(msg->alarm.priority, 2);
	ck_assert_str_eq(msg->alarm.state, "claimed");
	ck_assert_str_eq(msg->alarm.type, "TAMPER");
	ck_assert_str_eq(msg->alarm.unit, "HP-001");
	ck_assert_str_eq(msg->alarm.site, "racecourse");
	ck_assert_int_eq(msg->alarm.at_ms, a.raised_ms);
	ck_assert_str_eq(msg->alarm.name, "Main gate, \"Kettering\" Road");
	ck_assert_int_eq(msg->alarm.count, 4);
	ck_assert_int_eq(msg->alarm.restored, 1);
	ck_assert_str_eq(msg->alarm.by, "alice");

	ck_assert_int_gt(opproto_format_ok(buf, sizeof(buf), "role=operator"),
	    0);
	good(strtok(buf, "\n"), OPPROTO_CLIENT_OK, 0);
	ck_assert_str_eq(msg->ok.role, "operator");
	ck_assert_int_gt(opproto_format_ok(buf, sizeof(buf), NULL), 0);
	good(strtok(buf, "\n"), OPPROTO_CLIENT_OK, 0);
	ck_assert_str_eq(msg->ok.detail, "");
	ck_assert_int_gt(opproto_format_err(buf, sizeof(buf),
	    OPPROTO_ERR_NOTFOUND, "no alarm 39"), 0);
	good(strtok(buf, "\n"), OPPROTO_CLIENT_ERR, 0);
	ck_assert_str_eq(msg->err.code, "notfound");
	ck_assert_str_eq(msg->err.text, "no alarm 39");
}
END_TEST

static Suite *
opproto_client_suite(void)
{
	Suite	*s = suite_create("opproto_client");
	TCase	*tc = tcase_create("parse");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, ok_replies);
	tcase_add_test(tc, err_replies);
	tcase_add_test(tc, alarm_lines);
	tcase_add_test(tc, alarm_unknown_keys);
	tcase_add_test(tc, receiver_state);
	tcase_add_test(tc, alarm_malformed);
	tcase_add_test(tc, unit_lines);
	tcase_add_test(tc, step_lines);
	tcase_add_test(tc, event_lines);
	tcase_add_test(tc, stat_lines);
	tcase_add_test(tc, alarm_pushes);
	tcase_add_test(tc, unit_pushes);
	tcase_add_test(tc, cmd_pushes);
	tcase_add_test(tc, unknown_kinds);
	tcase_add_test(tc, malformed_lines);
	tcase_add_test(tc, long_lines);
	tcase_add_test(tc, receiver_formats_round_trip);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(opproto_client_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
