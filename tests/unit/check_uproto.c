/* Unit tests for the unit protocol: parsing unit lines, formatting replies. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refuge/uproto.h"

static struct uproto_msg	msg;
static char			err[128];

static enum uproto_status
parse(const char *s)
{
	strcpy(err, "untouched");
	return uproto_parse(&msg, s, strlen(s), err, sizeof(err));
}

static void
bad_line(const char *s, const char *why)
{
	ck_assert_msg(parse(s) == UPROTO_BAD_LINE, "\"%s\" not a bad line", s);
	ck_assert_msg(strcmp(err, why) == 0, "\"%s\": \"%s\", not \"%s\"", s,
	    err, why);
}

static void
bad_event(const char *s, const char *id, const char *why)
{
	ck_assert_msg(parse(s) == UPROTO_BAD_EVENT, "\"%s\" not a bad event",
	    s);
	ck_assert_str_eq(msg.event_id, id);
	ck_assert_msg(strcmp(err, why) == 0, "\"%s\": \"%s\", not \"%s\"", s,
	    err, why);
}

static const char *
attr_key(size_t i)
{
	return msg.line.tokens[msg.attr_first + i].key;
}

static const char *
attr_value(size_t i)
{
	return msg.line.tokens[msg.attr_first + i].value;
}

START_TEST(hello)
{
	ck_assert_int_eq(parse("HELLO HP-001 1 fw=2.4.1"), UPROTO_OK);
	ck_assert_int_eq(msg.kind, UPROTO_HELLO);
	ck_assert_str_eq(msg.unit_id, "HP-001");
	ck_assert_int_eq(msg.version, 1);
	ck_assert_str_eq(msg.firmware, "2.4.1");

	ck_assert_int_eq(parse("HELLO HP-001 1"), UPROTO_OK);
	ck_assert_ptr_null(msg.firmware);
	/* Another version parses; the session answers DENIED. */
	ck_assert_int_eq(parse("HELLO HP-001 2"), UPROTO_OK);
	ck_assert_int_eq(msg.version, 2);
	ck_assert_int_eq(parse("HELLO HP-001 999999999"), UPROTO_OK);
	ck_assert_int_eq(msg.version, 999999999);
}
END_TEST

START_TEST(hello_errors)
{
	bad_line("HELLO", "missing unit id");
	bad_line("HELLO HP/001 1", "bad unit id");
	bad_line("HELLO fw=1 1", "bad unit id");
	bad_line("HELLO HP-001", "missing protocol version");
	bad_line("HELLO HP-001 v1", "bad protocol version");
	bad_line("HELLO HP-001 -1", "bad protocol version");
	bad_line("HELLO HP-001 1000000000", "bad protocol version");
	bad_line("HELLO HP-001 fw=1", "bad protocol version");
	bad_line("HELLO HP-001 1 extra", "too many arguments");
	bad_line("HELLO HP-001 1 hw=3", "unknown attribute");
	bad_line("HELLO HP-001 1 fw=1 fw=2", "duplicate attribute");
	bad_line("HELLO HP-001 1 fw=", "bad firmware version");
	bad_line("hello HP-001 1", "unknown command");
	bad_line("\"HELLO\" HP-001 1", "unknown command");
}
END_TEST

START_TEST(hb)
{
	ck_assert_int_eq(parse("HB 42"), UPROTO_OK);
	ck_assert_int_eq(msg.kind, UPROTO_HB);
	ck_assert_str_eq(msg.counter, "42");
	ck_assert_int_eq(parse("HB 18446744073709551615"), UPROTO_OK);
	ck_assert_str_eq(msg.counter, "18446744073709551615");
	bad_line("HB", "missing counter");
	bad_line("HB 123456789012345678901", "bad counter");
	bad_line("HB 4x", "bad counter");
	bad_line("HB n=4", "bad counter");
	bad_line("HB 4 5", "too many arguments");
}
END_TEST

START_TEST(event)
{
	char	buf[128];

	ck_assert_int_eq(parse("EVENT e-17 BUTTON at=1795642490123 "
	    "zone=north note=\"pressed twice\""), UPROTO_OK);
	ck_assert_int_eq(msg.kind, UPROTO_EVENT);
	ck_assert_str_eq(msg.event_id, "e-17");
	ck_assert_int_eq(msg.type, EVTYPE_BUTTON);
	ck_assert_int_eq(msg.at_ms, 1795642490123LL);
	ck_assert_uint_eq(msg.attr_count, 2);
	ck_assert_str_eq(attr_key(0), "zone");
	ck_assert_str_eq(attr_value(0), "north");
	ck_assert_str_eq(attr_key(1), "note");
	ck_assert_str_eq(attr_value(1), "pressed twice");
	ck_assert_int_eq(uproto_attrs_format(&msg, buf, sizeof(buf)), 31);
	ck_assert_str_eq(buf, "zone=north note=\"pressed twice\"");

	ck_assert_int_eq(parse("EVENT 9 TEST"), UPROTO_OK);
	ck_assert_int_eq(msg.type, EVTYPE_TEST);
	ck_assert_int_eq(msg.at_ms, -1);
	ck_assert_uint_eq(msg.attr_count, 0);
	ck_assert_int_eq(uproto_attrs_format(&msg, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "");
}
END_TEST

START_TEST(event_at_after_attributes)
{
	char	buf[128];

	ck_assert_int_eq(parse("EVENT e1 TAMPER a=1 b=2 at=5 c=3"), UPROTO_OK);
	ck_assert_int_eq(msg.at_ms, 5);
	ck_assert_uint_eq(msg.attr_count, 3);
	ck_assert_int_eq(uproto_attrs_format(&msg, buf, sizeof(buf)), 11);
	ck_assert_str_eq(buf, "a=1 b=2 c=3");
	ck_assert_int_eq(parse("EVENT e1 TAMPER a=1 at=9999999999999999"),
	    UPROTO_OK);
	ck_assert_int_eq(msg.at_ms, 9999999999999999LL);
	ck_assert_uint_eq(msg.attr_count, 1);
	ck_assert_str_eq(attr_key(0), "a");
}
END_TEST

START_TEST(event_bad_line)
{
	bad_line("EVENT", "missing event id");
	bad_line("EVENT e/1 BUTTON", "bad event id");
	bad_line("EVENT id=1 BUTTON", "bad event id");
}
END_TEST

START_TEST(event_nak)
{
	bad_event("EVENT e1", "e1", "missing event type");
	bad_event("EVENT e1 at=5", "e1", "missing event type");
	bad_event("EVENT e1 SMOKE", "e1", "unknown event type");
	/* A panel's type (DC-09) is no Help Point's to send. */
	bad_event("EVENT e1 FIRE", "e1", "event type not allowed");
	bad_event("EVENT e1 button", "e1", "unknown event type");
	bad_event("EVENT e1 UNIT_OFFLINE", "e1", "event type not allowed");
	bad_event("EVENT e1 UNIT_ONLINE", "e1", "event type not allowed");
	bad_event("EVENT e1 BUTTON at=", "e1", "bad at");
	bad_event("EVENT e1 BUTTON at=-5", "e1", "bad at");
	bad_event("EVENT e1 BUTTON at=12345678901234567", "e1", "bad at");
	bad_event("EVENT e1 BUTTON at=1x", "e1", "bad at");
	bad_event("EVENT e1 BUTTON loose", "e1", "bad attribute");
	bad_event("EVENT e1 BUTTON a=1 \"quoted\"", "e1", "bad attribute");
	bad_event("EVENT e1 BUTTON a=1 a=2", "e1", "duplicate attribute");
	bad_event("EVENT e1 BUTTON at=1 at=2", "e1", "duplicate attribute");
}
END_TEST

START_TEST(state)
{
	char	buf[128];

	ck_assert_int_eq(parse("STATE mains=ok battery=87 "
	    "name=\"Quai \\\"A\\\"\""), UPROTO_OK);
	ck_assert_int_eq(msg.kind, UPROTO_STATE);
	ck_assert_uint_eq(msg.attr_count, 3);
	ck_assert_str_eq(attr_value(2), "Quai \"A\"");
	ck_assert_int_eq(uproto_attrs_format(&msg, buf, sizeof(buf)), 37);
	ck_assert_str_eq(buf, "mains=ok battery=87 name=\"Quai \\\"A\\\"\"");
	/* Does not fit: -1 and an empty buffer, at every short length. */
	ck_assert_int_eq(uproto_attrs_format(&msg, buf, 38), 37);
	ck_assert_int_eq(uproto_attrs_format(&msg, buf, 37), -1);
	ck_assert_str_eq(buf, "");
	ck_assert_int_eq(uproto_attrs_format(&msg, buf, 12), -1);
	ck_assert_str_eq(buf, "");
	ck_assert_int_eq(uproto_attrs_format(&msg, buf, 0), -1);

	bad_line("STATE", "missing attributes");
	bad_line("STATE a=1 b", "bad attribute");
	bad_line("STATE a=1 a=1", "duplicate attribute");
}
END_TEST

START_TEST(done_and_fail)
{
	ck_assert_int_eq(parse("DONE c-3"), UPROTO_OK);
	ck_assert_int_eq(msg.kind, UPROTO_DONE);
	ck_assert_str_eq(msg.cmd_id, "c-3");
	bad_line("DONE", "missing command id");
	bad_line("DONE c 3", "too many arguments");
	bad_line("DONE c/3", "bad command id");

	ck_assert_int_eq(parse("FAIL c-4   camera   busy  code=7 "
	    "\"try  later\""), UPROTO_OK);
	ck_assert_int_eq(msg.kind, UPROTO_FAIL);
	ck_assert_str_eq(msg.cmd_id, "c-4");
	ck_assert_str_eq(msg.reason, "camera busy code=7 try  later");
	ck_assert_int_eq(parse("FAIL c-4"), UPROTO_OK);
	ck_assert_str_eq(msg.reason, "");
	bad_line("FAIL", "missing command id");
	bad_line("FAIL x=1 busy", "bad command id");
}
END_TEST

START_TEST(fail_reason_fills_line)
{
	char	line[LINE_MAX_BYTES + 1];
	size_t	n;

	n = (size_t)snprintf(line, sizeof(line), "FAIL c ");
	memset(line + n, 'r', LINE_MAX_BYTES - n);
	ck_assert_int_eq(uproto_parse(&msg, line, LINE_MAX_BYTES, err,
	    sizeof(err)), UPROTO_OK);
	ck_assert_uint_eq(strlen(msg.reason), LINE_MAX_BYTES - n);
}
END_TEST

START_TEST(line_errors_pass_through)
{
	char	line[LINE_MAX_BYTES + 1];

	bad_line("", "empty line");
	bad_line("HB 1\r", "control character");
	bad_line("STATE note=\"open", "unterminated quote");
	bad_line("PING", "unknown command");
	bad_line("a=b", "unknown command");
	memset(line, 'H', sizeof(line));
	ck_assert_int_eq(uproto_parse(&msg, line, sizeof(line), err,
	    sizeof(err)), UPROTO_BAD_LINE);
	ck_assert_str_eq(err, "line too long");
}
END_TEST

START_TEST(format_replies)
{
	struct uproto_welcome	w = { 30, 1795642490LL, 0, NULL };
	char			buf[64];

	ck_assert_int_eq(uproto_format_welcome(buf, sizeof(buf), &w), 22);
	ck_assert_str_eq(buf, "WELCOME 30 1795642490\n");
	w.retry_seconds = 10;
	ck_assert_int_eq(uproto_format_welcome(buf, sizeof(buf), &w), 31);
	ck_assert_str_eq(buf, "WELCOME 30 1795642490 retry=10\n");
	w.retry_seconds = UPROTO_RETRY_MAX;
	ck_assert_int_eq(uproto_format_welcome(buf, sizeof(buf), &w), 32);
	ck_assert_str_eq(buf, "WELCOME 30 1795642490 retry=120\n");
	ck_assert_int_eq(uproto_format_denied(buf, sizeof(buf),
	    "unsupported protocol version"), 36);
	ck_assert_str_eq(buf, "DENIED unsupported protocol version\n");
	ck_assert_int_eq(uproto_format_hback(buf, sizeof(buf), "42"), 9);
	ck_assert_str_eq(buf, "HBACK 42\n");
	ck_assert_int_eq(uproto_format_ack(buf, sizeof(buf), "e-17"), 9);
	ck_assert_str_eq(buf, "ACK e-17\n");
	ck_assert_int_eq(uproto_format_nak(buf, sizeof(buf), "e-17",
	    "unknown event type"), 28);
	ck_assert_str_eq(buf, "NAK e-17 unknown event type\n");
	ck_assert_int_eq(uproto_format_err(buf, sizeof(buf),
	    "unknown command"), 20);
	ck_assert_str_eq(buf, "ERR unknown command\n");
}
END_TEST

/* WELCOME alt=: the other receivers of a pair, at most UPROTO_ALT_MAX. */
START_TEST(format_welcome_alt)
{
	static const char	*const bad[] = { ",", "a:1,", "a", "a:0",
		"a:1,b:2,c:3,d:4,e:5", "a b:1", "a=b:1", "[::1:7400" };
	struct uproto_welcome	 w = { 30, 1795642490LL, 10, "rx-b:7400" };
	char			 buf[128];
	size_t			 i;

	ck_assert_int_gt(uproto_format_welcome(buf, sizeof(buf), &w), 0);
	ck_assert_str_eq(buf, "WELCOME 30 1795642490 retry=10 alt=rx-b:7400\n");
	w.alt = "rx-b:7400,[::1]:7402,c:1,d:2";
	ck_assert_int_gt(uproto_format_welcome(buf, sizeof(buf), &w), 0);
	ck_assert_str_eq(buf, "WELCOME 30 1795642490 retry=10 "
	    "alt=rx-b:7400,[::1]:7402,c:1,d:2\n");
	w.alt = "";
	ck_assert_int_gt(uproto_format_welcome(buf, sizeof(buf), &w), 0);
	ck_assert_str_eq(buf, "WELCOME 30 1795642490 retry=10\n");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		w.alt = bad[i];
		ck_assert_msg(uproto_format_welcome(buf, sizeof(buf), &w) == -1,
		    "%s sent", bad[i]);
		ck_assert_int_eq(uproto_alt_valid(bad[i]), -1);
	}
}
END_TEST

START_TEST(format_refuses)
{
	struct uproto_welcome	w = { 0, 1, 0, NULL };
	char			buf[64];

	/* Exactly fitting, then one byte short. */
	ck_assert_int_eq(uproto_format_ack(buf, 8, "e1"), 7);
	ck_assert_int_eq(uproto_format_ack(buf, 7, "e1"), -1);
	ck_assert_str_eq(buf, "");
	ck_assert_int_eq(uproto_format_ack(buf, 0, "e1"), -1);
	/* Nothing that would break the line or the id grammar. */
	ck_assert_int_eq(uproto_format_err(buf, sizeof(buf), "a\nERR b"), -1);
	ck_assert_int_eq(uproto_format_err(buf, sizeof(buf), ""), -1);
	ck_assert_int_eq(uproto_format_denied(buf, sizeof(buf), "x\r"), -1);
	ck_assert_int_eq(uproto_format_nak(buf, sizeof(buf), "e 1", "x"), -1);
	ck_assert_int_eq(uproto_format_nak(buf, sizeof(buf), "e1", ""), -1);
	ck_assert_int_eq(uproto_format_ack(buf, sizeof(buf), ""), -1);
	ck_assert_int_eq(uproto_format_hback(buf, sizeof(buf), "4x"), -1);
	ck_assert_int_eq(uproto_format_welcome(buf, sizeof(buf), &w), -1);
	ck_assert_str_eq(buf, "");
	/* retry= outside 5-120 s is not sent: a unit would pass it over. */
	w.heartbeat_seconds = 30;
	w.retry_seconds = UPROTO_RETRY_MIN - 1;
	ck_assert_int_eq(uproto_format_welcome(buf, sizeof(buf), &w), -1);
	w.retry_seconds = UPROTO_RETRY_MAX + 1;
	ck_assert_int_eq(uproto_format_welcome(buf, sizeof(buf), &w), -1);
	w.retry_seconds = -1;
	ck_assert_int_eq(uproto_format_welcome(buf, sizeof(buf), &w), -1);
	ck_assert_str_eq(buf, "");
}
END_TEST

static int
cmd(const char *line, const char *const *words, size_t n)
{
	struct uproto_cmd	c;
	char			buf[600];

	strcpy(err, "untouched");
	if (uproto_cmd_parse(&c, words, n, err, sizeof(err)) == -1)
		return -1;
	ck_assert_int_eq(uproto_format_cmd(buf, sizeof(buf), "c9", &c),
	    (int)strlen(line));
	ck_assert_str_eq(buf, line);
	return 0;
}

#define W(...)	(const char *const []){ __VA_ARGS__ }, \
	    sizeof((const char *const []){ __VA_ARGS__ }) / sizeof(const char *)

START_TEST(commands)
{
	ck_assert_int_eq(cmd("CMD c9 LIGHT FLASH\n", W("LIGHT", "FLASH")), 0);
	ck_assert_int_eq(cmd("CMD c9 LIGHT ON\n", W("LIGHT", "ON")), 0);
	ck_assert_int_eq(cmd("CMD c9 LIGHT OFF\n", W("LIGHT", "OFF")), 0);
	ck_assert_int_eq(cmd("CMD c9 CAMERA PRESET 2\n",
	    W("CAMERA", "PRESET", "2")), 0);
	ck_assert_int_eq(cmd("CMD c9 CAMERA PRESET 0\n",
	    W("CAMERA", "PRESET", "000")), 0);
	ck_assert_int_eq(cmd("CMD c9 CAMERA PRESET 255\n",
	    W("CAMERA", "PRESET", "255")), 0);
	ck_assert_int_eq(cmd("CMD c9 AUDIO OPEN sip:hp1@pbx.example\n",
	    W("AUDIO", "OPEN", "sip:hp1@pbx.example")), 0);
	ck_assert_int_eq(cmd("CMD c9 AUDIO OPEN \"sip:x;a=b c\"\n",
	    W("AUDIO", "OPEN", "sip:x;a=b c")), 0);
	ck_assert_int_eq(cmd("CMD c9 AUDIO CLOSE\n", W("AUDIO", "CLOSE")), 0);
	ck_assert_int_eq(cmd("CMD c9 RESET\n", W("RESET")), 0);
}
END_TEST

START_TEST(command_audio_open_without_uri)
{
	struct uproto_cmd	c;
	char			buf[64];

	ck_assert_int_eq(uproto_cmd_parse(&c, W("AUDIO", "OPEN"), err,
	    sizeof(err)), 0);
	ck_assert_int_eq(c.kind, UPROTO_CMD_AUDIO_OPEN);
	ck_assert_str_eq(c.arg, "");
	/* The caller must fill the URI before it can go out. */
	ck_assert_int_eq(uproto_format_cmd(buf, sizeof(buf), "c9", &c), -1);
	strcpy(c.arg, "sip:desk@pbx");
	ck_assert_int_eq(uproto_format_cmd(buf, sizeof(buf), "c9", &c), 31);
	ck_assert_str_eq(buf, "CMD c9 AUDIO OPEN sip:desk@pbx\n");
	ck_assert_int_eq(uproto_format_cmd(buf, sizeof(buf), "c 9", &c), -1);
	ck_assert_int_eq(uproto_format_cmd(buf, 31, "c9", &c), -1);
}
END_TEST

static void
cmd_fails(const char *why, const char *const *words, size_t n)
{
	struct uproto_cmd	c;

	strcpy(err, "untouched");
	ck_assert_int_eq(uproto_cmd_parse(&c, words, n, err, sizeof(err)), -1);
	ck_assert_str_eq(err, why);
}

START_TEST(command_errors)
{
	char	uri[300], line[320];

	cmd_fails("missing command", NULL, 0);
	cmd_fails("unknown command", W("BLINK"));
	cmd_fails("unknown command", W("light", "FLASH"));
	cmd_fails("missing light mode", W("LIGHT"));
	cmd_fails("bad light mode", W("LIGHT", "DIM"));
	cmd_fails("bad light mode", W("LIGHT", "on"));
	cmd_fails("too many arguments", W("LIGHT", "ON", "now"));
	cmd_fails("missing camera action", W("CAMERA"));
	cmd_fails("unknown camera action", W("CAMERA", "2"));
	cmd_fails("missing preset", W("CAMERA", "PRESET"));
	cmd_fails("bad preset", W("CAMERA", "PRESET", "256"));
	cmd_fails("bad preset", W("CAMERA", "PRESET", "-1"));
	cmd_fails("bad preset", W("CAMERA", "PRESET", "0002"));
	cmd_fails("bad preset", W("CAMERA", "PRESET", ""));
	cmd_fails("too many arguments", W("CAMERA", "PRESET", "2", "3"));
	cmd_fails("missing audio action", W("AUDIO"));
	cmd_fails("unknown audio action", W("AUDIO", "MUTE"));
	cmd_fails("too many arguments", W("AUDIO", "OPEN", "sip:x", "y"));
	cmd_fails("too many arguments", W("AUDIO", "CLOSE", "now"));
	cmd_fails("bad uri", W("AUDIO", "OPEN", "sip:x\n"));
	cmd_fails("bad uri", W("AUDIO", "OPEN", ""));
	cmd_fails("too many arguments", W("RESET", "hard"));
	memset(uri, 'u', sizeof(uri));
	uri[256] = '\0';
	cmd_fails("uri too long", W("AUDIO", "OPEN", uri));
	uri[255] = '\0';
	snprintf(line, sizeof(line), "CMD c9 AUDIO OPEN %s\n", uri);
	ck_assert_int_eq(cmd(line, W("AUDIO", "OPEN", uri)), 0);
}
END_TEST

static Suite *
uproto_suite(void)
{
	Suite	*s = suite_create("uproto");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, hello);
	tcase_add_test(tc, hello_errors);
	tcase_add_test(tc, hb);
	tcase_add_test(tc, event);
	tcase_add_test(tc, event_at_after_attributes);
	tcase_add_test(tc, event_bad_line);
	tcase_add_test(tc, event_nak);
	tcase_add_test(tc, state);
	tcase_add_test(tc, done_and_fail);
	tcase_add_test(tc, fail_reason_fills_line);
	tcase_add_test(tc, line_errors_pass_through);
	tcase_add_test(tc, format_replies);
	tcase_add_test(tc, format_refuses);
	tcase_add_test(tc, commands);
	tcase_add_test(tc, format_welcome_alt);
	tcase_add_test(tc, command_audio_open_without_uri);
	tcase_add_test(tc, command_errors);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(uproto_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
