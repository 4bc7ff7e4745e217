/* Unit tests for operator protocol parsing and formatting. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

#include "refuge/opproto.h"

static struct opproto_request	req;
static const char		*code;
static char			 err[256];

static int
parse(const char *s)
{
	code = NULL;
	err[0] = '\0';
	return opproto_parse(&req, s, strlen(s), &code, err, sizeof(err));
}

static void
ok(const char *s, enum opproto_command cmd)
{
	ck_assert_msg(parse(s) == 0, "'%s' failed: %s", s, err);
	ck_assert_int_eq(req.command, cmd);
}

static void
syntax(const char *s, const char *why)
{
	ck_assert_msg(parse(s) == -1, "'%s' parsed", s);
	ck_assert_str_eq(code, OPPROTO_ERR_SYNTAX);
	ck_assert_str_eq(err, why);
}

static void
unknown(const char *s, const char *why)
{
	ck_assert_int_eq(parse(s), -1);
	ck_assert_str_eq(code, OPPROTO_ERR_UNKNOWN);
	ck_assert_str_eq(err, why);
}

static void
defaults(void)
{
	ck_assert_ptr_null(req.user);
	ck_assert_ptr_null(req.password);
	ck_assert_ptr_null(req.unit_id);
	ck_assert_ptr_null(req.text);
	ck_assert_ptr_null(req.reason);
	ck_assert_ptr_null(req.action);
	ck_assert_uint_eq(req.word_count, 0);
	ck_assert_int_eq(req.history_count, OPPROTO_HISTORY_DEFAULT);
	ck_assert_int_eq(req.since_ms, -1);
	ck_assert_int_eq(req.duration_ms, 0);
}

START_TEST(login)
{
	ok("LOGIN ann s3cret", OPPROTO_LOGIN);
	ck_assert_str_eq(req.user, "ann");
	ck_assert_str_eq(req.password, "s3cret");
	ok("LOGIN ann \"pass with spaces = \\\"quotes\\\"\"", OPPROTO_LOGIN);
	ck_assert_str_eq(req.password, "pass with spaces = \"quotes\"");
	ok("LOGIN abcdefghijklmnopqrstuvwxyz012345 x", OPPROTO_LOGIN);
	syntax("LOGIN", "missing user");
	syntax("LOGIN ann", "missing password");
	syntax("LOGIN ann \"\"", "missing password");
	syntax("LOGIN ann pw extra", "too many arguments");
	syntax("LOGIN a/b pw", "bad user");
	syntax("LOGIN user=ann pw", "bad user");
	syntax("LOGIN abcdefghijklmnopqrstuvwxyz0123456 x", "bad user");
	syntax("LOGIN ann pw=x", "bad password (quote one holding '=')");
	syntax("LOGIN ann P=x", "bad attribute key");
}
END_TEST

START_TEST(bare_commands)
{
	ok("LOGOUT", OPPROTO_LOGOUT);
	defaults();
	ok("PING", OPPROTO_PING);
	ok("  ALARMS  ", OPPROTO_ALARMS);
	ok("UNITS", OPPROTO_UNITS);
	defaults();
	syntax("LOGOUT now", "too many arguments");
	syntax("PING 1", "too many arguments");
	syntax("ALARMS all", "too many arguments");
	syntax("UNITS x=1", "too many arguments");
}
END_TEST

START_TEST(unknown_commands)
{
	unknown("ping", "unknown command 'ping'");
	unknown("FROB 1 2", "unknown command 'FROB'");
	unknown("\"PING\"", "unknown command 'PING'");
	unknown("a=b", "unknown command 'a'");
	unknown("ABCDEFGHIJABCDEFGHIJABCDEFGHIJABCDEFGHIJ",
	    "unknown command 'ABCDEFGHIJABCDEFGHIJABCDEFGHIJAB'");
	/* A cut never splits a UTF-8 character (é is 2 bytes). */
	unknown("ABCDEFGHIJABCDEFGHIJABCDEFGHIJA\xc3\xa9xyz",
	    "unknown command 'ABCDEFGHIJABCDEFGHIJABCDEFGHIJA'");
}
END_TEST

START_TEST(line_errors)
{
	char	big[LINE_MAX_BYTES + 2];

	syntax("", "empty line");
	syntax("NOTE 1 \"abc", "unterminated quote");
	syntax("PING\t", "control character");
	memset(big, 'A', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	syntax(big, "line too long");
}
END_TEST

START_TEST(alarm_id_commands)
{
	ok("CLAIM 42", OPPROTO_CLAIM);
	ck_assert_int_eq(req.alarm_id, 42);
	ok("RELEASE 000000000000000007", OPPROTO_RELEASE);
	ck_assert_int_eq(req.alarm_id, 7);
	ok("PLAN 999999999999999999", OPPROTO_PLAN);
	ck_assert_int_eq(req.alarm_id, 999999999999999999LL);
	syntax("CLAIM", "missing alarm id");
	syntax("RELEASE", "missing alarm id");
	syntax("PLAN", "missing alarm id");
	syntax("CLAIM 0", "bad alarm id");
	syntax("CLAIM 000", "bad alarm id");
	syntax("CLAIM -1", "bad alarm id");
	syntax("CLAIM 1x", "bad alarm id");
	syntax("CLAIM 1000000000000000000", "bad alarm id");
	syntax("CLAIM id=1", "bad alarm id");
	syntax("CLAIM \"\"", "bad alarm id");
	syntax("CLAIM 1 2", "expected force");
	syntax("PLAN 1 x", "too many arguments");
}
END_TEST

START_TEST(note)
{
	char	line[LINE_MAX_BYTES + 1], text[402], word[201];

	ok("NOTE 5 \"caller says: fine, thanks\"", OPPROTO_NOTE);
	ck_assert_int_eq(req.alarm_id, 5);
	ck_assert_str_eq(req.text, "caller says: fine, thanks");
	ok("NOTE 5   caller   says  x=y  k=  a=b=c fine", OPPROTO_NOTE);
	ck_assert_str_eq(req.text, "caller says x=y k= a=b=c fine");
	ok("NOTE 5 one", OPPROTO_NOTE);
	ck_assert_str_eq(req.text, "one");
	ok("NOTE 5 k=v", OPPROTO_NOTE);
	ck_assert_str_eq(req.text, "k=v");
	syntax("NOTE", "missing alarm id");
	syntax("NOTE 5", "missing note text");
	syntax("NOTE 5 \"\"", "empty note text");
	syntax("NOTE x hello", "bad alarm id");
	syntax("NOTE 5 said \"hi there\"", "quote the whole text or none of it");
	syntax("NOTE 5 \"a\" \"b\"", "quote the whole text or none of it");
	syntax("NOTE 5 k=\"a b\"", "quote the whole text or none of it");
	/* 400 bytes fit, 401 do not. */
	memset(text, 'n', 400);
	text[400] = '\0';
	snprintf(line, sizeof(line), "NOTE 5 \"%s\"", text);
	ok(line, OPPROTO_NOTE);
	ck_assert_uint_eq(strlen(req.text), 400);
	text[400] = 'n';
	text[401] = '\0';
	snprintf(line, sizeof(line), "NOTE 5 %s", text);
	syntax(line, "note text too long");
	/* Words joined over 400 bytes. */
	memset(word, 'w', 200);
	word[200] = '\0';
	snprintf(line, sizeof(line), "NOTE 5 %s %s", word, word);
	syntax(line, "note text too long");
	word[199] = '\0';
	snprintf(line, sizeof(line), "NOTE 5 %s %s", word, word);
	ok(line, OPPROTO_NOTE);
	ck_assert_uint_eq(strlen(req.text), 399);
}
END_TEST

START_TEST(resolve_ok)
{
	ok("RESOLVE 9 false reason=test", OPPROTO_RESOLVE);
	ck_assert_int_eq(req.alarm_id, 9);
	ck_assert_int_eq(req.outcome, ALARM_OUTCOME_FALSE);
	ck_assert_str_eq(req.reason, "test");
	ck_assert_ptr_null(req.action);
	ck_assert_ptr_null(req.text);
	ok("RESOLVE 9 genuine action=ambulance \"sent crew, \\\"all\\\" ok\"",
	    OPPROTO_RESOLVE);
	ck_assert_int_eq(req.outcome, ALARM_OUTCOME_GENUINE);
	ck_assert_str_eq(req.action, "ambulance");
	ck_assert_ptr_null(req.reason);
	ck_assert_str_eq(req.text, "sent crew, \"all\" ok");
	ok("RESOLVE 9 false reason=no-one-there nobody at the unit",
	    OPPROTO_RESOLVE);
	ck_assert_str_eq(req.reason, "no-one-there");
	ck_assert_str_eq(req.text, "nobody at the unit");
	/* After the note starts, key=value is note text. */
	ok("RESOLVE 9 genuine action=police seen reason=x", OPPROTO_RESOLVE);
	ck_assert_str_eq(req.text, "seen reason=x");
	ck_assert_ptr_null(req.reason);
	ok("RESOLVE 9 genuine action=\"other\"", OPPROTO_RESOLVE);
	ck_assert_str_eq(req.action, "other");
}
END_TEST

START_TEST(resolve_errors)
{
	syntax("RESOLVE", "missing alarm id");
	syntax("RESOLVE 0 false reason=test", "bad alarm id");
	syntax("RESOLVE 9", "missing outcome");
	syntax("RESOLVE 9 maybe",
	    "unknown outcome 'maybe' (genuine, false or technical)");
	syntax("RESOLVE 9 FALSE reason=test",
	    "unknown outcome 'FALSE' (genuine, false or technical)");
	syntax("RESOLVE 9 none",
	    "unknown outcome 'none' (genuine, false or technical)");
	syntax("RESOLVE 9 outcome=false", "bad outcome");
	syntax("RESOLVE 9 false", "false needs reason= (OUTCOMES lists them)");
	syntax("RESOLVE 9 false a note",
	    "false needs reason= (OUTCOMES lists them)");
	syntax("RESOLVE 9 genuine",
	    "genuine needs action= (OUTCOMES lists them)");
	/* Whether the lists hold a word is the state machine's question. */
	syntax("RESOLVE 9 false reason=two\\ words", "unknown reason 'two\\'");
	syntax("RESOLVE 9 genuine action=", "unknown action ''");
	syntax("RESOLVE 9 genuine action=abcdefghijklmnopqrstuvwxy",
	    "unknown action 'abcdefghijklmnopqrstuvwxy'");
	syntax("RESOLVE 9 technical reason=fault", "technical takes no reason=");
	syntax("RESOLVE 9 false reason=test action=police",
	    "false takes no action=");
	syntax("RESOLVE 9 genuine action=fire reason=test",
	    "genuine takes no reason=");
	syntax("RESOLVE 9 genuine reason=test",
	    "genuine needs action= (OUTCOMES lists them)");
	syntax("RESOLVE 9 false reason=test reason=misuse",
	    "duplicate reason=");
	syntax("RESOLVE 9 genuine action=fire action=fire",
	    "duplicate action=");
	syntax("RESOLVE 9 false reasn=test", "unknown attribute 'reasn'");
	syntax("RESOLVE 9 false reason=test \"\"", "empty note text");
	syntax("RESOLVE 9 false reason=test \"a\" b",
	    "quote the whole text or none of it");
}
END_TEST

START_TEST(resolve_technical_and_bulk)
{
	ok("RESOLVE 9 technical", OPPROTO_RESOLVE);
	ck_assert_int_eq(req.outcome, ALARM_OUTCOME_TECHNICAL);
	ck_assert_ptr_null(req.action);
	ck_assert_int_eq(req.bulk_restored, 0);
	ok("RESOLVE 9 technical action=engineer \"fuse replaced\"",
	    OPPROTO_RESOLVE);
	ck_assert_str_eq(req.action, "engineer");
	ck_assert_str_eq(req.text, "fuse replaced");
	/* Any single token: the lists come from units.yaml. */
	ok("RESOLVE 9 false reason=child-playing", OPPROTO_RESOLVE);
	ck_assert_str_eq(req.reason, "child-playing");

	ok("RESOLVE restored type=UNIT_OFFLINE technical", OPPROTO_RESOLVE);
	ck_assert_int_eq(req.bulk_restored, 1);
	ck_assert_int_eq(req.type, EVTYPE_UNIT_OFFLINE);
	ck_assert_ptr_null(req.site_id);
	ck_assert_int_eq(req.outcome, ALARM_OUTCOME_TECHNICAL);
	ok("RESOLVE restored type=MAINS_FAIL site=park technical",
	    OPPROTO_RESOLVE);
	ck_assert_int_eq(req.type, EVTYPE_MAINS_FAIL);
	ck_assert_str_eq(req.site_id, "park");
	syntax("RESOLVE restored technical", "missing type=");
	syntax("RESOLVE restored type=MAINS_FAIL", "missing outcome technical");
	syntax("RESOLVE restored type=BUTTON technical",
	    "bad type 'BUTTON' (a technical alarm's type)");
	syntax("RESOLVE restored type=NOPE technical",
	    "bad type 'NOPE' (a technical alarm's type)");
	syntax("RESOLVE restored type=TAMPER false",
	    "bulk resolve takes only the outcome technical");
	syntax("RESOLVE restored type=TAMPER technical technical",
	    "bulk resolve takes only the outcome technical");
	syntax("RESOLVE restored type=TAMPER type=TAMPER technical",
	    "duplicate type=");
	syntax("RESOLVE restored type=TAMPER who=me technical",
	    "unknown attribute 'who'");
	/* A fresh parse forgets the bulk form. */
	ok("RESOLVE 9 genuine action=police", OPPROTO_RESOLVE);
	ck_assert_int_eq(req.bulk_restored, 0);
	ck_assert_ptr_null(req.site_id);

	ok("OUTCOMES", OPPROTO_OUTCOMES);
	syntax("OUTCOMES false", "too many arguments");
}
END_TEST

START_TEST(cmd)
{
	ok("CMD HP-001 LIGHT FLASH", OPPROTO_CMD);
	ck_assert_str_eq(req.unit_id, "HP-001");
	ck_assert_uint_eq(req.word_count, 2);
	ck_assert_str_eq(req.words[0], "LIGHT");
	ck_assert_str_eq(req.words[1], "FLASH");
	ck_assert_ptr_null(req.words[2]);
	ok("CMD HP-001 RESET", OPPROTO_CMD);
	ck_assert_uint_eq(req.word_count, 1);
	ok("CMD HP-001 AUDIO OPEN \"sip:desk@example.org;transport=tls\"",
	    OPPROTO_CMD);
	ck_assert_uint_eq(req.word_count, 3);
	ck_assert_str_eq(req.words[2], "sip:desk@example.org;transport=tls");
	ok("CMD u 1 2 3 4 5 6 7", OPPROTO_CMD);
	ck_assert_uint_eq(req.word_count, 7);
	ck_assert_str_eq(req.words[6], "7");
	ck_assert_ptr_null(req.words[7]);
	syntax("CMD u 1 2 3 4 5 6 7 8", "too many arguments");
	syntax("CMD", "missing unit id");
	syntax("CMD HP-001", "missing command");
	syntax("CMD HP/001 RESET", "bad unit id");
	syntax("CMD unit=HP-001 RESET", "bad unit id");
	syntax("CMD HP-001 LIGHT mode=ON", "bad command word");
}
END_TEST

START_TEST(history)
{
	ok("HISTORY HP-001", OPPROTO_HISTORY);
	ck_assert_str_eq(req.unit_id, "HP-001");
	ck_assert_int_eq(req.history_count, 20);
	ok("HISTORY HP-001 1", OPPROTO_HISTORY);
	ck_assert_int_eq(req.history_count, 1);
	ok("HISTORY HP-001 1000", OPPROTO_HISTORY);
	ck_assert_int_eq(req.history_count, 1000);
	ok("HISTORY HP-001 0050", OPPROTO_HISTORY);
	ck_assert_int_eq(req.history_count, 50);
	syntax("HISTORY", "missing unit id");
	syntax("HISTORY HP-001 0", "bad count");
	syntax("HISTORY HP-001 1001", "bad count");
	syntax("HISTORY HP-001 00001", "bad count");
	syntax("HISTORY HP-001 -1", "bad count");
	syntax("HISTORY HP-001 n=5", "bad count");
	syntax("HISTORY HP-001 5 6", "too many arguments");
	syntax("HISTORY \"a b\"", "bad unit id");
}
END_TEST

START_TEST(stats)
{
	ok("STATS", OPPROTO_STATS);
	ck_assert_int_eq(req.since_ms, -1);
	ok("STATS since=2026-11-25", OPPROTO_STATS);
	ck_assert_int_eq(req.since_ms, 1795564800000LL);
	ok("STATS since=2026-11-25T21:34:50.123Z", OPPROTO_STATS);
	ck_assert_int_eq(req.since_ms, 1795642490123LL);
	ok("STATS since=\"2026-11-25 21:34:50Z\"", OPPROTO_STATS);
	ck_assert_int_eq(req.since_ms, 1795642490000LL);
	syntax("STATS since=yesterday", "bad since");
	syntax("STATS since=", "bad since");
	syntax("STATS today", "too many arguments");
	syntax("STATS until=2026-11-25", "unknown attribute 'until'");
	syntax("STATS since=2026-11-25 since=2026-11-26", "duplicate since=");
}
END_TEST

START_TEST(testmode)
{
	ok("TESTMODE HP-001 2h", OPPROTO_TESTMODE);
	ck_assert_str_eq(req.unit_id, "HP-001");
	ck_assert_int_eq(req.duration_ms, 2 * 3600 * 1000LL);
	ok("TESTMODE HP-001 off", OPPROTO_TESTMODE);
	ck_assert_int_eq(req.duration_ms, 0);
	ok("TESTMODE HP-001 7d", OPPROTO_TESTMODE);
	ck_assert_int_eq(req.duration_ms, 7 * 86400 * 1000LL);
	ok("TESTMODE HP-001 1ms", OPPROTO_TESTMODE);
	ck_assert_int_eq(req.duration_ms, 1);
	ok("TESTMODE HP-001 90", OPPROTO_TESTMODE);
	ck_assert_int_eq(req.duration_ms, 90000);
	syntax("TESTMODE", "missing unit id");
	syntax("TESTMODE HP-001", "missing duration");
	syntax("TESTMODE HP-001 0s", "bad duration");
	syntax("TESTMODE HP-001 OFF", "bad duration");
	syntax("TESTMODE HP-001 2x", "bad duration");
	syntax("TESTMODE HP-001 d=2h", "bad duration");
	syntax("TESTMODE HP-001 8d", "duration over 7d");
	syntax("TESTMODE HP-001 604800001ms", "duration over 7d");
	syntax("TESTMODE HP-001 1h now", "too many arguments");
	syntax("TESTMODE HP:0/1 1h", "bad unit id");
}
END_TEST

/* A failed parse leaves no stale fields from an earlier one. */
START_TEST(reset_between_parses)
{
	ok("CMD u A B", OPPROTO_CMD);
	ok("PING", OPPROTO_PING);
	defaults();
	ck_assert_ptr_null(req.words[0]);
	ck_assert_int_eq(req.alarm_id, 0);
	ck_assert_int_eq(req.outcome, ALARM_OUTCOME_NONE);
}
END_TEST

static void
view_alarm(struct alarm *a)
{
	memset(a, 0, sizeof(*a));
	a->id = 42;
	a->seq = 1;
	a->priority = 1;
	a->state = ALARM_QUEUED;
	a->type = EVTYPE_BUTTON;
	snprintf(a->unit_id, sizeof(a->unit_id), "HP-001");
	snprintf(a->site_id, sizeof(a->site_id), "gare-nord");
	a->raised_ms = 1795642490123LL;
	a->count = 1;
	a->claimed_ms = a->first_claimed_ms = a->last_escalated_ms = -1;
}

START_TEST(format_alarm)
{
	struct alarm			a;
	struct opproto_alarm_view	v = { .alarm = &a,
					    .unit_name = "Gare du Nord, exit 3" };
	char				buf[512];
	int				n;

	view_alarm(&a);
	n = opproto_format_alarm(buf, sizeof(buf), 0, &v);
	ck_assert_str_eq(buf, "ALARM 42 prio=1 state=queued type=BUTTON "
	    "unit=HP-001 site=gare-nord at=2026-11-25T21:34:50.123Z "
	    "name=\"Gare du Nord, exit 3\"\n");
	ck_assert_int_eq(n, (int)strlen(buf));

	a.state = ALARM_CLAIMED;
	snprintf(a.claimed_by, sizeof(a.claimed_by), "ann");
	a.count = 3;
	a.restored = 1;
	a.type = EVTYPE_TAMPER;
	a.priority = 2;
	v.unit_name = "Quai \"A\" \\ B";
	n = opproto_format_alarm(buf, sizeof(buf), 1, &v);
	ck_assert_str_eq(buf, "* ALARM 42 prio=2 state=claimed type=TAMPER "
	    "unit=HP-001 site=gare-nord at=2026-11-25T21:34:50.123Z "
	    "name=\"Quai \\\"A\\\" \\\\ B\" count=3 restored=1 by=ann\n");
	ck_assert_int_eq(n, (int)strlen(buf));

	/* A one-word name is quoted all the same; an empty site too. */
	a.state = ALARM_RESOLVED;
	a.claimed_by[0] = '\0';
	a.count = 1;
	a.restored = 0;
	a.site_id[0] = '\0';
	v.unit_name = "Kiosk";
	opproto_format_alarm(buf, sizeof(buf), 0, &v);
	ck_assert_str_eq(buf, "ALARM 42 prio=2 state=resolved type=TAMPER "
	    "unit=HP-001 site=\"\" at=2026-11-25T21:34:50.123Z "
	    "name=\"Kiosk\"\n");
	v.unit_name = NULL;
	opproto_format_alarm(buf, sizeof(buf), 0, &v);
	ck_assert_ptr_nonnull(strstr(buf, " name=\"\"\n"));
}
END_TEST

START_TEST(format_alarm_round_trips)
{
	struct alarm			a;
	struct opproto_alarm_view	v = { .alarm = &a,
					    .unit_name = "a \"b\" = c\\" };
	struct line_parsed		lp;
	char				buf[512];
	int				n;

	view_alarm(&a);
	a.state = ALARM_CLAIMED;
	snprintf(a.claimed_by, sizeof(a.claimed_by), "ann");
	n = opproto_format_alarm(buf, sizeof(buf), 1, &v);
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(line_parse(&lp, buf, (size_t)n - 1, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(lp.count, 11);
	ck_assert_str_eq(lp.tokens[0].value, "*");
	ck_assert_str_eq(lp.tokens[9].key, "name");
	ck_assert_str_eq(lp.tokens[9].value, "a \"b\" = c\\");
	ck_assert_str_eq(lp.tokens[10].key, "by");
	ck_assert_str_eq(lp.tokens[10].value, "ann");
}
END_TEST

START_TEST(format_alarm_does_not_fit)
{
	struct alarm			a;
	struct opproto_alarm_view	v = { .alarm = &a, .unit_name = "Kiosk" };
	char				buf[512];
	int				n, m;
	size_t				len;

	view_alarm(&a);
	n = opproto_format_alarm(buf, sizeof(buf), 0, &v);
	ck_assert_int_gt(n, 0);
	/* Every buffer shorter than the line and its NUL fails cleanly. */
	for (len = 0; len <= (size_t)n; len++) {
		memset(buf, 'z', sizeof(buf));
		m = opproto_format_alarm(buf, len, 0, &v);
		ck_assert_int_eq(m, -1);
		if (len > 0)
			ck_assert_int_eq(buf[0], '\0');
		ck_assert_int_eq(buf[len], 'z');
	}
	ck_assert_int_eq(opproto_format_alarm(buf, (size_t)n + 1, 0, &v), n);
	/* A control character in the name cannot be carried. */
	v.unit_name = "bad\nname";
	ck_assert_int_eq(opproto_format_alarm(buf, sizeof(buf), 0, &v), -1);
	ck_assert_str_eq(buf, "");
}
END_TEST

/* The longest values units.yaml and the protocol allow keep every line in bounds. */
START_TEST(longest_lines_fit_the_protocol)
{
	struct alarm			a;
	struct opproto_alarm_view	v;
	struct opproto_unit_view	u;
	struct line_parsed		lp;
	char				buf[4 * LINE_MAX_BYTES], name[51];
	char				address[101], why[64];
	int				n, push;

	memset(name, '"', 50);
	name[50] = '\0';			/* 100 bytes as sent */
	memset(address, '\\', 50);
	address[50] = '\0';
	memset(&a, 0, sizeof(a));
	a.id = 999999999999999999LL;
	a.priority = 9;
	a.state = ALARM_CLAIMED;
	a.type = EVTYPE_BATTERY_RESTORE;	/* the longest type name */
	memset(a.unit_id, 'u', 64);
	memset(a.site_id, 's', 64);
	a.raised_ms = 253402300799999LL;	/* 9999-12-31T23:59:59.999Z */
	a.count = 2147483647;
	a.restored = 1;
	memset(a.claimed_by, 'b', ALARM_USER_MAX);
	a.unstored = 1;
	memset(&v, 0, sizeof(v));
	v.alarm = &a;
	v.unit_name = name;
	v.located = 1;
	v.lat = -89.999999;
	v.lon = -179.999999;
	for (push = 0; push < 2; push++) {
		n = opproto_format_alarm(buf, sizeof(buf), push, &v);
		ck_assert_int_gt(n, 0);
		ck_assert_int_le(n - 1, LINE_MAX_BYTES);
		ck_assert_int_eq(line_parse(&lp, buf + 2 * push, (size_t)n - 1 -
		    2 * (size_t)push, why, sizeof(why)), 0);
	}
	/* A resolved one carries its outcome instead of by= and stored=no. */
	a.state = ALARM_RESOLVED;
	a.unstored = 0;
	v.outcome = "technical";
	n = opproto_format_alarm(buf, sizeof(buf), 0, &v);
	ck_assert_int_gt(n, 0);
	ck_assert_int_le(n - 1, LINE_MAX_BYTES);

	memset(&u, 0, sizeof(u));
	u.id = a.unit_id;
	u.state = "unknown";
	u.last_seen_ms = u.heard_ms = a.raised_ms;
	u.site = a.site_id;
	u.name = name;
	u.test_until_ms = a.raised_ms;
	u.lat = -89.999999;
	u.lon = -179.999999;
	u.address = address;
	n = opproto_format_unit(buf, sizeof(buf), &u);
	ck_assert_int_gt(n, 0);
	ck_assert_int_le(n - 1, LINE_MAX_BYTES);
	ck_assert_int_eq(line_parse(&lp, buf, (size_t)n - 1, why, sizeof(why)),
	    0);
	ck_assert_str_eq(lp.tokens[lp.count - 1].value, address);
	ck_assert_uint_le(lp.count, LINE_MAX_TOKENS);
}
END_TEST

START_TEST(format_ok_err)
{
	char	buf[64];

	ck_assert_int_eq(opproto_format_ok(buf, sizeof(buf), NULL), 3);
	ck_assert_str_eq(buf, "OK\n");
	ck_assert_int_eq(opproto_format_ok(buf, sizeof(buf), ""), 3);
	ck_assert_str_eq(buf, "OK\n");
	ck_assert_int_eq(opproto_format_ok(buf, sizeof(buf), "claimed 42"), 14);
	ck_assert_str_eq(buf, "OK claimed 42\n");
	ck_assert_int_eq(opproto_format_ok(buf, sizeof(buf), "a\nERR x"), -1);
	ck_assert_str_eq(buf, "");
	ck_assert_int_eq(opproto_format_ok(buf, 3, NULL), -1);
	ck_assert_int_eq(opproto_format_ok(buf, 4, NULL), 3);

	ck_assert_int_eq(opproto_format_err(buf, sizeof(buf),
	    OPPROTO_ERR_CLAIMED, "alarm is claimed by another operator"), 49);
	ck_assert_str_eq(buf,
	    "ERR claimed alarm is claimed by another operator\n");
	ck_assert_int_eq(opproto_format_err(buf, sizeof(buf),
	    OPPROTO_ERR_LOGIN, NULL), 10);
	ck_assert_str_eq(buf, "ERR login\n");
	ck_assert_int_eq(opproto_format_err(buf, sizeof(buf), "a b", "x"), -1);
	ck_assert_int_eq(opproto_format_err(buf, sizeof(buf), "", "x"), -1);
	ck_assert_int_eq(opproto_format_err(buf, sizeof(buf), "syntax",
	    "x\r"), -1);
	ck_assert_int_eq(opproto_format_err(buf, 12, "syntax", "abc"), -1);
	ck_assert_int_eq(opproto_format_err(buf, 16, "syntax", "abc"), 15);
}
END_TEST

START_TEST(format_printf)
{
	char	buf[32];

	ck_assert_int_eq(opproto_format(buf, sizeof(buf), "UNIT %s online=%d",
	    "HP-001", 1), 21);
	ck_assert_str_eq(buf, "UNIT HP-001 online=1\n");
	ck_assert_int_eq(opproto_format(buf, 8, "%s", "123456"), 7);
	ck_assert_str_eq(buf, "123456\n");
	ck_assert_int_eq(opproto_format(buf, 7, "%s", "123456"), -1);
	ck_assert_str_eq(buf, "");
	ck_assert_int_eq(opproto_format(buf, 6, "%s", "123456"), -1);
	ck_assert_int_eq(opproto_format(buf, sizeof(buf), "A %s", "x\nB"), -1);
	ck_assert_str_eq(buf, "");
	ck_assert_int_eq(opproto_format(buf, 0, "x"), -1);
}
END_TEST

/* The desk: LOGIN desk=, STEP, and PLAN's lines within 512 bytes. */
START_TEST(desk_login_and_step)
{
	char	long_uri[200];

	ok("LOGIN alice pw desk=sip:desk1@pbx.example", OPPROTO_LOGIN);
	ck_assert_str_eq(req.desk, "sip:desk1@pbx.example");
	ok("LOGIN alice pw desk=tel:+441604000000", OPPROTO_LOGIN);
	ok("LOGIN alice pw desk=sips:a@b;transport=tls", OPPROTO_LOGIN);
	ck_assert_str_eq(req.desk, "sips:a@b;transport=tls");
	ok("LOGIN alice pw", OPPROTO_LOGIN);
	ck_assert_ptr_null(req.desk);
	syntax("LOGIN alice pw desk=http://x", "bad desk (a sip:, sips: or tel: "
	    "uri of at most 128 bytes)");
	syntax("LOGIN alice pw desk=sip:", "bad desk (a sip:, sips: or tel: "
	    "uri of at most 128 bytes)");
	syntax("LOGIN alice pw desk=\"sip:a b\"", "bad desk (a sip:, sips: or "
	    "tel: uri of at most 128 bytes)");
	syntax("LOGIN alice pw desk=sip:a x", "too many arguments");
	memset(long_uri, 'a', sizeof(long_uri));
	memcpy(long_uri, "LOGIN a p desk=sip:", 19);
	long_uri[10 + 129 + 6] = '\0';
	ck_assert_int_eq(parse(long_uri), -1);
	ck_assert_int_eq(opproto_desk_ok("sip:x"), 1);
	ck_assert_int_eq(opproto_desk_ok("SIP:x"), 0);

	ok("STEP 12 3", OPPROTO_STEP);
	ck_assert_int_eq(req.alarm_id, 12);
	ck_assert_int_eq(req.step, 3);
	ck_assert_ptr_null(req.text);
	ok("STEP 12 99 \"called the warden\"", OPPROTO_STEP);
	ck_assert_int_eq(req.step, 99);
	ck_assert_str_eq(req.text, "called the warden");
	ok("STEP 12 1 no answer", OPPROTO_STEP);
	ck_assert_str_eq(req.text, "no answer");
	syntax("STEP 12", "missing step number");
	syntax("STEP 12 0", "bad step number");
	syntax("STEP 12 100", "bad step number");
	syntax("STEP 12 x", "bad step number");
	syntax("STEP 0 1", "bad alarm id");
	syntax("STEP", "missing alarm id");
}
END_TEST

START_TEST(desk_format_plan_lines)
{
	struct opproto_step_view	 v;
	char				 buf[1024], longnote[401];

	ck_assert_int_gt(opproto_format_plan(buf, sizeof(buf), 0, "park",
	    "site-1", 3, 1, 1), 0);
	ck_assert_str_eq(buf, "PLAN park site=site-1 steps=3 contacts=1 "
	    "night=1\n");
	ck_assert_int_gt(opproto_format_plan(buf, sizeof(buf), 42, "park",
	    "site-1", 3, 0, 0), 0);
	ck_assert_str_eq(buf, "* PLAN 42 park site=site-1 steps=3 contacts=0\n");
	memset(&v, 0, sizeof(v));
	v.n = 2;
	v.text = "Call \"999\"";
	ck_assert_int_gt(opproto_format_step(buf, sizeof(buf), 0, &v), 0);
	ck_assert_str_eq(buf, "STEP 2 \"Call \\\"999\\\"\"\n");
	v.text = "Look";
	v.by = "alice";
	v.at_ms = 1796212800000LL;
	v.note = "no answer";
	ck_assert_int_gt(opproto_format_step(buf, sizeof(buf), 7, &v), 0);
	ck_assert_str_eq(buf, "* STEP 7 2 \"Look\" by=alice "
	    "at=2026-12-02T12:00:00.000Z note=\"no answer\"\n");
	/* The longest step and note: the note is cut to keep 512 bytes. */
	memset(buf, 'x', 300);
	buf[300] = '\0';
	v.text = strdup(buf);
	memset(longnote, 'y', 400);
	longnote[400] = '\0';
	v.note = longnote;
	ck_assert_int_gt(opproto_format_step(buf, sizeof(buf), 999999999, &v),
	    0);
	ck_assert_uint_le(strlen(buf), 513);
	ck_assert_ptr_nonnull(strstr(buf, " note=\"yyy"));
	free((char *)(uintptr_t)v.text);
	ck_assert_int_gt(opproto_format_contact(buf, sizeof(buf), 0,
	    "Park warden", "01604 000000"), 0);
	ck_assert_str_eq(buf, "CONTACT name=\"Park warden\" "
	    "phone=\"01604 000000\"\n");
}
END_TEST

static Suite *
opproto_suite(void)
{
	Suite	*s = suite_create("opproto");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, login);
	tcase_add_test(tc, bare_commands);
	tcase_add_test(tc, unknown_commands);
	tcase_add_test(tc, line_errors);
	tcase_add_test(tc, alarm_id_commands);
	tcase_add_test(tc, note);
	tcase_add_test(tc, resolve_ok);
	tcase_add_test(tc, resolve_errors);
	tcase_add_test(tc, resolve_technical_and_bulk);
	tcase_add_test(tc, cmd);
	tcase_add_test(tc, history);
	tcase_add_test(tc, stats);
	tcase_add_test(tc, testmode);
	tcase_add_test(tc, reset_between_parses);
	tcase_add_test(tc, format_alarm);
	tcase_add_test(tc, format_alarm_round_trips);
	tcase_add_test(tc, format_alarm_does_not_fit);
	tcase_add_test(tc, longest_lines_fit_the_protocol);
	tcase_add_test(tc, format_ok_err);
	tcase_add_test(tc, format_printf);
	tcase_add_test(tc, desk_login_and_step);
	tcase_add_test(tc, desk_format_plan_lines);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(opproto_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
