/*
 * Unit tests for the unit protocol's client half: the lines a unit formats
 * and the receiver's lines it parses, each checked against the receiver's
 * own half (uproto) both ways.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refuge/uproto.h"
#include "refuge/uproto_client.h"

#define BUF_LEN	(LINE_MAX_BYTES + 64)

static struct uproto_client_msg	*in;	/* what the unit read */
static struct uproto_msg	*out;	/* what the receiver read */
static char			 buf[BUF_LEN];
static char			 err[128];

static void
setup(void)
{
	in = malloc(sizeof(*in));
	out = malloc(sizeof(*out));
	ck_assert_ptr_nonnull(in);
	ck_assert_ptr_nonnull(out);
}

static void
teardown(void)
{
	free(in);
	free(out);
	in = NULL;
	out = NULL;
}

/* A formatted line ends with one LF, is as long as said, and uproto_parse takes it. */
static void
receiver_reads(int n, const char *want)
{
	ck_assert_msg(n > 0, "refused, wanted \"%s\"", want);
	ck_assert_int_eq((size_t)n, strlen(buf));
	ck_assert_str_eq(buf, want);
	ck_assert_msg(uproto_parse(out, buf, (size_t)n - 1, err,
	    sizeof(err)) == UPROTO_OK, "receiver refused \"%s\": %s", buf, err);
}

static void
refused(int n)
{
	ck_assert_int_eq(n, -1);
	ck_assert_str_eq(buf, "");
}

static enum uproto_client_status
parse(const char *s)
{
	strcpy(err, "untouched");
	return uproto_client_parse(in, s, strlen(s), err, sizeof(err));
}

static void
bad(const char *s, const char *why)
{
	ck_assert_msg(parse(s) == UPROTO_CLIENT_BAD_LINE, "\"%s\" accepted", s);
	ck_assert_msg(strcmp(err, why) == 0, "\"%s\": \"%s\", not \"%s\"", s,
	    err, why);
}

/* ---- unit to receiver */

START_TEST(hello)
{
	receiver_reads(uproto_client_format_hello(buf, sizeof(buf), "HP-001",
	    "2.4.1"), "HELLO HP-001 1 fw=2.4.1\n");
	ck_assert_int_eq(out->kind, UPROTO_HELLO);
	ck_assert_str_eq(out->unit_id, "HP-001");
	ck_assert_int_eq(out->version, UPROTO_VERSION);
	ck_assert_str_eq(out->firmware, "2.4.1");
	receiver_reads(uproto_client_format_hello(buf, sizeof(buf), "HP-001",
	    NULL), "HELLO HP-001 1\n");
	ck_assert_ptr_null(out->firmware);
	receiver_reads(uproto_client_format_hello(buf, sizeof(buf), "HP-001",
	    "refuge-sim/0.1.0 beta"), "HELLO HP-001 1 fw=\"refuge-sim/0.1.0 "
	    "beta\"\n");
	ck_assert_str_eq(out->firmware, "refuge-sim/0.1.0 beta");

	refused(uproto_client_format_hello(buf, sizeof(buf), "HP 001", NULL));
	refused(uproto_client_format_hello(buf, sizeof(buf), "", NULL));
	refused(uproto_client_format_hello(buf, sizeof(buf), "HP-001", ""));
	refused(uproto_client_format_hello(buf, sizeof(buf), "HP-001",
	    "0123456789012345678901234567890123456789012345678901234567890123"
	    "4"));
	refused(uproto_client_format_hello(buf, sizeof(buf), "HP-001",
	    "a\tb"));
	refused(uproto_client_format_hello(buf, 10, "HP-001", NULL));
}
END_TEST

START_TEST(hb)
{
	receiver_reads(uproto_client_format_hb(buf, sizeof(buf), 1), "HB 1\n");
	ck_assert_int_eq(out->kind, UPROTO_HB);
	ck_assert_str_eq(out->counter, "1");
	receiver_reads(uproto_client_format_hb(buf, sizeof(buf), UINT64_MAX),
	    "HB 18446744073709551615\n");
	ck_assert_str_eq(out->counter, "18446744073709551615");
	refused(uproto_client_format_hb(buf, 4, 1));
}
END_TEST

START_TEST(event)
{
	static const struct uproto_client_attr attrs[] = {
		{ "zone", "3" },
		{ "note", "door forced" },
		{ "quote", "say \"hi\" = \\o/" },
		{ "empty", "" },
	};

	receiver_reads(uproto_client_format_event(buf, sizeof(buf),
	    "1742-000318", EVTYPE_BUTTON, 1795642491120LL, NULL, 0),
	    "EVENT 1742-000318 BUTTON at=1795642491120\n");
	ck_assert_int_eq(out->kind, UPROTO_EVENT);
	ck_assert_str_eq(out->event_id, "1742-000318");
	ck_assert_int_eq(out->type, EVTYPE_BUTTON);
	ck_assert_int_eq(out->at_ms, 1795642491120LL);
	ck_assert_uint_eq(out->attr_count, 0);

	receiver_reads(uproto_client_format_event(buf, sizeof(buf), "e2",
	    EVTYPE_MAINS_FAIL, -1, attrs, 4), "EVENT e2 MAINS_FAIL zone=3 "
	    "note=\"door forced\" quote=\"say \\\"hi\\\" = \\\\o/\" empty=\"\"\n");
	ck_assert_int_eq(out->at_ms, -1);
	ck_assert_uint_eq(out->attr_count, 4);
	ck_assert_str_eq(out->line.tokens[out->attr_first + 1].value,
	    "door forced");
	ck_assert_str_eq(out->line.tokens[out->attr_first + 2].value,
	    "say \"hi\" = \\o/");
	ck_assert_str_eq(out->line.tokens[out->attr_first + 3].value, "");
	receiver_reads(uproto_client_format_event(buf, sizeof(buf), "e3",
	    EVTYPE_TEST, 0, attrs, 1), "EVENT e3 TEST at=0 zone=3\n");
	ck_assert_int_eq(out->at_ms, 0);
	receiver_reads(uproto_client_format_event(buf, sizeof(buf), "e4",
	    EVTYPE_TEST, 9999999999999999LL, NULL, 0),
	    "EVENT e4 TEST at=9999999999999999\n");
}
END_TEST

START_TEST(event_refused)
{
	static const struct uproto_client_attr at[] = { { "at", "1" } };
	static const struct uproto_client_attr twice[] = {
		{ "zone", "1" }, { "zone", "2" }
	};
	static const struct uproto_client_attr badkey[] = { { "Zone", "1" } };
	static const struct uproto_client_attr ctl[] = { { "zone", "1\n" } };
	char	long_value[LINE_MAX_BYTES];
	struct uproto_client_attr big[] = { { "v", long_value } };

	refused(uproto_client_format_event(buf, sizeof(buf), "e 1",
	    EVTYPE_BUTTON, -1, NULL, 0));
	/* Only the receiver makes these. */
	refused(uproto_client_format_event(buf, sizeof(buf), "e1",
	    EVTYPE_UNIT_OFFLINE, -1, NULL, 0));
	refused(uproto_client_format_event(buf, sizeof(buf), "e1",
	    EVTYPE_COUNT, -1, NULL, 0));
	refused(uproto_client_format_event(buf, sizeof(buf), "e1",
	    EVTYPE_BUTTON, -2, NULL, 0));
	refused(uproto_client_format_event(buf, sizeof(buf), "e1",
	    EVTYPE_BUTTON, 10000000000000000LL, NULL, 0));
	refused(uproto_client_format_event(buf, sizeof(buf), "e1",
	    EVTYPE_BUTTON, -1, at, 1));
	refused(uproto_client_format_event(buf, sizeof(buf), "e1",
	    EVTYPE_BUTTON, -1, twice, 2));
	refused(uproto_client_format_event(buf, sizeof(buf), "e1",
	    EVTYPE_BUTTON, -1, badkey, 1));
	refused(uproto_client_format_event(buf, sizeof(buf), "e1",
	    EVTYPE_BUTTON, -1, ctl, 1));
	/* Longer than the receiver reads, even if the buffer is bigger. */
	memset(long_value, 'x', sizeof(long_value) - 1);
	long_value[sizeof(long_value) - 1] = '\0';
	refused(uproto_client_format_event(buf, sizeof(buf), "e1",
	    EVTYPE_BUTTON, -1, big, 1));
}
END_TEST

START_TEST(state)
{
	static const struct uproto_client_attr attrs[] = {
		{ "light", "flash" },
		{ "camera_preset", "-1" },
		{ "audio", "closed" },
	};

	receiver_reads(uproto_client_format_state(buf, sizeof(buf), attrs, 3),
	    "STATE light=flash camera_preset=-1 audio=closed\n");
	ck_assert_int_eq(out->kind, UPROTO_STATE);
	ck_assert_uint_eq(out->attr_count, 3);
	refused(uproto_client_format_state(buf, sizeof(buf), attrs, 0));
}
END_TEST

START_TEST(done_and_fail)
{
	receiver_reads(uproto_client_format_done(buf, sizeof(buf),
	    "c1795642400123-1"), "DONE c1795642400123-1\n");
	ck_assert_int_eq(out->kind, UPROTO_DONE);
	ck_assert_str_eq(out->cmd_id, "c1795642400123-1");
	refused(uproto_client_format_done(buf, sizeof(buf), "c 1"));

	receiver_reads(uproto_client_format_fail(buf, sizeof(buf), "c1",
	    "no light fitted"), "FAIL c1 no light fitted\n");
	ck_assert_int_eq(out->kind, UPROTO_FAIL);
	ck_assert_str_eq(out->cmd_id, "c1");
	ck_assert_str_eq(out->reason, "no light fitted");
	receiver_reads(uproto_client_format_fail(buf, sizeof(buf), "c1", NULL),
	    "FAIL c1\n");
	ck_assert_str_eq(out->reason, "");
	receiver_reads(uproto_client_format_fail(buf, sizeof(buf), "c1", ""),
	    "FAIL c1\n");
	/* Text the receiver would not read back as words goes quoted. */
	receiver_reads(uproto_client_format_fail(buf, sizeof(buf), "c1",
	    "bad  \"uri\" a=b"), "FAIL c1 \"bad  \\\"uri\\\" a=b\"\n");
	ck_assert_str_eq(out->reason, "bad  \"uri\" a=b");
	receiver_reads(uproto_client_format_fail(buf, sizeof(buf), "c1",
	    " padded"), "FAIL c1 \" padded\"\n");
	ck_assert_str_eq(out->reason, " padded");
	refused(uproto_client_format_fail(buf, sizeof(buf), "c1", "a\rb"));
}
END_TEST

/* Forty one-letter words would be more tokens than a line may hold. */
START_TEST(fail_many_words)
{
	char	reason[128];
	size_t	i, off = 0;

	for (i = 0; i < 40; i++)
		off += (size_t)snprintf(reason + off, sizeof(reason) - off,
		    "%sw", i ? " " : "");
	ck_assert_int_gt(uproto_client_format_fail(buf, sizeof(buf), "c1",
	    reason), 0);
	ck_assert_int_eq(buf[8], '"');
	ck_assert_int_eq(uproto_parse(out, buf, strlen(buf) - 1, err,
	    sizeof(err)), UPROTO_OK);
	ck_assert_str_eq(out->reason, reason);
}
END_TEST

/* ---- receiver to unit */

START_TEST(welcome)
{
	struct uproto_welcome	w = { 30, 1795642490, 0, NULL };

	ck_assert_int_gt(uproto_format_welcome(buf, sizeof(buf), &w), 0);
	ck_assert_int_eq(parse(strtok(buf, "\n")), UPROTO_CLIENT_OK);
	ck_assert_int_eq(in->kind, UPROTO_CLIENT_WELCOME);
	ck_assert_int_eq(in->heartbeat_s, 30);
	ck_assert_int_eq(in->receiver_time, 1795642490);
	ck_assert_int_eq(in->retry_s, 0);
	/* What the receiver formats with retry=, the unit reads back. */
	w.retry_seconds = 17;
	ck_assert_int_gt(uproto_format_welcome(buf, sizeof(buf), &w), 0);
	ck_assert_int_eq(parse(strtok(buf, "\n")), UPROTO_CLIENT_OK);
	ck_assert_int_eq(in->retry_s, 17);
	ck_assert_int_eq(in->heartbeat_s, 30);
	/* A later version's keys are ignored, before or after retry=. */
	ck_assert_int_eq(parse("WELCOME 30 1795642490 tz=UTC resume=\"e 1\""),
	    UPROTO_CLIENT_OK);
	ck_assert_int_eq(in->heartbeat_s, 30);
	ck_assert_int_eq(in->retry_s, 0);
	ck_assert_int_eq(parse("WELCOME 30 1795642490 alt=10.0.0.2:7400 "
	    "retry=120 x_future=\"a b\""), UPROTO_CLIENT_OK);
	ck_assert_int_eq(in->retry_s, 120);
	ck_assert_int_eq(in->receiver_time, 1795642490);
	/* A retry= out of range or not a number is passed over, not obeyed. */
	ck_assert_int_eq(parse("WELCOME 30 1 retry=4"), UPROTO_CLIENT_OK);
	ck_assert_int_eq(in->retry_s, 0);
	ck_assert_int_eq(parse("WELCOME 30 1 retry=121"), UPROTO_CLIENT_OK);
	ck_assert_int_eq(in->retry_s, 0);
	ck_assert_int_eq(parse("WELCOME 30 1 retry=10s"), UPROTO_CLIENT_OK);
	ck_assert_int_eq(in->retry_s, 0);
	ck_assert_int_eq(parse("WELCOME 30 1 retry="), UPROTO_CLIENT_OK);
	ck_assert_int_eq(in->retry_s, 0);
	ck_assert_int_eq(parse("WELCOME 30 1 retry=0005"), UPROTO_CLIENT_OK);
	ck_assert_int_eq(in->retry_s, 0);
	bad("WELCOME", "bad heartbeat");
	bad("WELCOME 0 1795642490", "bad heartbeat");
	bad("WELCOME x 1795642490", "bad heartbeat");
	bad("WELCOME 30", "missing time");
	bad("WELCOME 30 soon", "bad time");
	bad("WELCOME 30 1795642490 extra", "too many arguments");
	/* What the line was meant to be is known even when it is bad. */
	ck_assert_int_eq(in->kind, UPROTO_CLIENT_WELCOME);
}
END_TEST

START_TEST(hback_ack_nak)
{
	ck_assert_int_gt(uproto_format_hback(buf, sizeof(buf), "42"), 0);
	ck_assert_int_eq(parse(strtok(buf, "\n")), UPROTO_CLIENT_OK);
	ck_assert_int_eq(in->kind, UPROTO_CLIENT_HBACK);
	ck_assert_str_eq(in->counter, "42");
	ck_assert_int_gt(uproto_format_ack(buf, sizeof(buf), "1742-000318"), 0);
	ck_assert_int_eq(parse(strtok(buf, "\n")), UPROTO_CLIENT_OK);
	ck_assert_int_eq(in->kind, UPROTO_CLIENT_ACK);
	ck_assert_str_eq(in->event_id, "1742-000318");
	ck_assert_ptr_null(in->reason);
	ck_assert_int_gt(uproto_format_nak(buf, sizeof(buf), "1742-000319",
	    "unknown event type"), 0);
	ck_assert_int_eq(parse(strtok(buf, "\n")), UPROTO_CLIENT_OK);
	ck_assert_int_eq(in->kind, UPROTO_CLIENT_NAK);
	ck_assert_str_eq(in->event_id, "1742-000319");
	ck_assert_str_eq(in->reason, "unknown event type");
	bad("HBACK", "bad counter");
	bad("HBACK x", "bad counter");
	bad("HBACK 1 2", "bad counter");
	bad("ACK", "bad event id");
	bad("ACK e1 e2", "bad event id");
	bad("NAK e/1 bad", "bad event id");
}
END_TEST

START_TEST(denied_and_err)
{
	ck_assert_int_gt(uproto_format_denied(buf, sizeof(buf),
	    "unit id does not match certificate"), 0);
	ck_assert_int_eq(parse(strtok(buf, "\n")), UPROTO_CLIENT_OK);
	ck_assert_int_eq(in->kind, UPROTO_CLIENT_DENIED);
	ck_assert_str_eq(in->reason, "unit id does not match certificate");
	ck_assert_int_gt(uproto_format_err(buf, sizeof(buf), "hello required"),
	    0);
	ck_assert_int_eq(parse(strtok(buf, "\n")), UPROTO_CLIENT_OK);
	ck_assert_int_eq(in->kind, UPROTO_CLIENT_ERR);
	ck_assert_str_eq(in->reason, "hello required");
	/* A reason is free text: it need not tokenise. */
	ck_assert_int_eq(parse("ERR bad quote \"x=1"), UPROTO_CLIENT_OK);
	ck_assert_str_eq(in->reason, "bad quote \"x=1");
}
END_TEST

START_TEST(commands)
{
	static const char *const lines[] = {
		"LIGHT FLASH", "LIGHT OFF", "CAMERA PRESET 7",
		"AUDIO OPEN sip:hp-001@example.org", "AUDIO CLOSE", "RESET",
	};
	struct uproto_cmd	 cmd;
	char			 words_buf[64], *words[8], *w;
	size_t			 i, n;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		snprintf(words_buf, sizeof(words_buf), "%s", lines[i]);
		for (n = 0, w = strtok(words_buf, " "); w != NULL;
		    w = strtok(NULL, " "))
			words[n++] = w;
		ck_assert_int_eq(uproto_cmd_parse(&cmd,
		    (const char *const *)words, n, err, sizeof(err)), 0);
		ck_assert_int_gt(uproto_format_cmd(buf, sizeof(buf),
		    "c1795642400123-1", &cmd), 0);
		ck_assert_msg(parse(strtok(buf, "\n")) == UPROTO_CLIENT_OK,
		    "\"%s\": %s", lines[i], err);
		ck_assert_int_eq(in->kind, UPROTO_CLIENT_CMD);
		ck_assert_str_eq(in->cmd_id, "c1795642400123-1");
		ck_assert_int_eq(in->cmd.kind, cmd.kind);
		ck_assert_str_eq(in->cmd.arg, cmd.arg);
	}
	/* A URI that needs quotes. */
	cmd.kind = UPROTO_CMD_AUDIO_OPEN;
	snprintf(cmd.arg, sizeof(cmd.arg), "sip:a b=\"c\"");
	ck_assert_int_gt(uproto_format_cmd(buf, sizeof(buf), "c2", &cmd), 0);
	ck_assert_int_eq(parse(strtok(buf, "\n")), UPROTO_CLIENT_OK);
	ck_assert_str_eq(in->cmd.arg, "sip:a b=\"c\"");
	/* A later version's attributes among the words are skipped. */
	ck_assert_int_eq(parse("CMD c3 LIGHT FLASH seconds=5"), UPROTO_CLIENT_OK);
	ck_assert_int_eq(in->cmd.kind, UPROTO_CMD_LIGHT);
	ck_assert_str_eq(in->cmd.arg, "FLASH");
}
END_TEST

START_TEST(commands_refused)
{
	/* A command the unit cannot do is answered FAIL with the reason. */
	ck_assert_int_eq(parse("CMD c4 LIGHT DISCO"), UPROTO_CLIENT_BAD_CMD);
	ck_assert_str_eq(in->cmd_id, "c4");
	ck_assert_str_eq(err, "bad light mode");
	ck_assert_int_eq(parse("CMD c5 TELEPORT"), UPROTO_CLIENT_BAD_CMD);
	ck_assert_str_eq(err, "unknown command");
	ck_assert_int_eq(parse("CMD c6"), UPROTO_CLIENT_BAD_CMD);
	ck_assert_str_eq(err, "missing command");
	bad("CMD", "bad command id");
	bad("CMD c/1 RESET", "bad command id");
	ck_assert_ptr_null(in->cmd_id);
}
END_TEST

START_TEST(malformed)
{
	char	line[LINE_MAX_BYTES + 2];

	bad("", "empty line");
	bad("HELLO HP-001 1", "unknown command");
	bad("hback 1", "unknown command");
	ck_assert_int_eq(in->kind, UPROTO_CLIENT_UNKNOWN);
	bad("ACK\te1", "control character");
	bad("CMD c1 AUDIO OPEN \"sip:x", "unterminated quote");
	memset(line, 'A', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	memcpy(line, "ERR ", 4);
	bad(line, "line too long");
}
END_TEST

/* WELCOME alt=: a pair's receivers, in order, bad ones passed over. */
START_TEST(welcome_alt)
{
	ck_assert_int_eq(parse("WELCOME 30 1 alt=10.0.0.2:7400"),
	    UPROTO_CLIENT_OK);
	ck_assert_uint_eq(in->alt_count, 1);
	ck_assert_str_eq(in->alt[0], "10.0.0.2:7400");
	ck_assert_int_eq(parse("WELCOME 30 1 retry=10 "
	    "alt=rx-b.example:7400,[fd00::2]:7400,rx_c:1"), UPROTO_CLIENT_OK);
	ck_assert_int_eq(in->retry_s, 10);
	ck_assert_uint_eq(in->alt_count, 3);
	ck_assert_str_eq(in->alt[0], "rx-b.example:7400");
	ck_assert_str_eq(in->alt[1], "[fd00::2]:7400");
	ck_assert_str_eq(in->alt[2], "rx_c:1");
	/* At most four; bad ones (no port, port 0 or over, odd host) skipped. */
	ck_assert_int_eq(parse("WELCOME 30 1 alt=a:1,b,c:0,d:65536,e!:2,"
	    ",::1:3,g:3,h:4,i:5,j:6"), UPROTO_CLIENT_OK);
	ck_assert_uint_eq(in->alt_count, 4);
	ck_assert_str_eq(in->alt[0], "a:1");
	ck_assert_str_eq(in->alt[1], "g:3");
	ck_assert_str_eq(in->alt[3], "i:5");
	/* A bad alt= never refuses the WELCOME. */
	ck_assert_int_eq(parse("WELCOME 30 1 alt="), UPROTO_CLIENT_OK);
	ck_assert_uint_eq(in->alt_count, 0);
	ck_assert_int_eq(parse("WELCOME 30 1 alt=\"x y\""), UPROTO_CLIENT_OK);
	ck_assert_uint_eq(in->alt_count, 0);
	ck_assert_int_eq(parse("WELCOME 30 1"), UPROTO_CLIENT_OK);
	ck_assert_uint_eq(in->alt_count, 0);
}
END_TEST

START_TEST(denied_standby)
{
	ck_assert_int_gt(uproto_format_denied(buf, sizeof(buf),
	    "standby active=127.0.0.1:7402"), 0);
	ck_assert_int_eq(parse(strtok(buf, "\n")), UPROTO_CLIENT_OK);
	ck_assert_int_eq(in->kind, UPROTO_CLIENT_DENIED);
	ck_assert_int_eq(in->standby, 1);
	ck_assert_str_eq(in->active, "127.0.0.1:7402");
	ck_assert_str_eq(in->reason, "standby active=127.0.0.1:7402");
	/* Other words may come, before or after active=. */
	ck_assert_int_eq(parse("DENIED standby since=3 active=[::1]:7400 x"),
	    UPROTO_CLIENT_OK);
	ck_assert_str_eq(in->active, "[::1]:7400");
	/* A standby that knows no active one, or names a bad address. */
	ck_assert_int_eq(parse("DENIED standby"), UPROTO_CLIENT_OK);
	ck_assert_int_eq(in->standby, 1);
	ck_assert_str_eq(in->active, "");
	ck_assert_int_eq(parse("DENIED standby active=nowhere"),
	    UPROTO_CLIENT_OK);
	ck_assert_int_eq(in->standby, 1);
	ck_assert_str_eq(in->active, "");
	/* Other refusals are not standby, even with the word further on. */
	ck_assert_int_eq(parse("DENIED unknown unit"), UPROTO_CLIENT_OK);
	ck_assert_int_eq(in->standby, 0);
	ck_assert_int_eq(parse("DENIED standbys active=a:1"), UPROTO_CLIENT_OK);
	ck_assert_int_eq(in->standby, 0);
	ck_assert_str_eq(in->active, "");
	ck_assert_int_eq(parse("DENIED not standby active=a:1"),
	    UPROTO_CLIENT_OK);
	ck_assert_int_eq(in->standby, 0);
}
END_TEST

START_TEST(rx_list)
{
	struct uproto_client_rx		rx;
	char				e[128];

	ck_assert_int_eq(uproto_client_rx_parse(&rx, "a:1,b:2,a:1", e,
	    sizeof(e)), 0);
	ck_assert_uint_eq(rx.count, 2);
	ck_assert_str_eq(rx.addr[1], "b:2");
	ck_assert_int_eq(uproto_client_rx_parse(&rx, "a:1", e, sizeof(e)), 0);
	ck_assert_uint_eq(rx.count, 1);
	ck_assert_int_eq(uproto_client_rx_parse(&rx, "a:1,", e, sizeof(e)), -1);
	ck_assert_int_eq(uproto_client_rx_parse(&rx, "", e, sizeof(e)), -1);
	ck_assert_int_eq(uproto_client_rx_parse(&rx, "a:1,b", e, sizeof(e)),
	    -1);
	ck_assert_ptr_nonnull(strstr(e, "\"b\""));
	ck_assert_int_eq(uproto_client_rx_parse(&rx,
	    "a:1,b:1,c:1,d:1,e:1,f:1,g:1,h:1,i:1", e, sizeof(e)), -1);
	ck_assert_ptr_nonnull(strstr(e, "more than"));
	ck_assert_int_eq(uproto_client_rx_parse(&rx,
	    "a:1,b:1,c:1,d:1,e:1,f:1,g:1,h:1", e, sizeof(e)), 0);
	ck_assert_int_eq(uproto_client_rx_add(&rx, "h:1"), 7);
	ck_assert_int_eq(uproto_client_rx_add(&rx, "i:1"), -1);
	ck_assert_int_eq(uproto_client_rx_add(&rx, "bad"), -1);
}
END_TEST

/* One receiver: every loss backs off, as before there were pairs. */
START_TEST(rx_one)
{
	struct uproto_client_rx		rx;
	struct uproto_client_rx_pos	pos = { 0 };

	ck_assert_int_eq(uproto_client_rx_parse(&rx, "a:1", err, sizeof(err)),
	    0);
	ck_assert_int_eq(uproto_client_rx_lost(&rx, &pos), 1);
	ck_assert_int_eq(pos.current, 0);
	ck_assert_int_eq(uproto_client_rx_lost(&rx, &pos), 1);
	/* Welcomed with alt=: the alternate is tried next, at once. */
	ck_assert_int_eq(parse("WELCOME 30 1 alt=b:2,a:1"), UPROTO_CLIENT_OK);
	uproto_client_rx_welcomed(&rx, &pos, in);
	ck_assert_uint_eq(rx.count, 2);
	ck_assert_int_eq(uproto_client_rx_lost(&rx, &pos), 0);
	ck_assert_int_eq(pos.current, 1);
	/* Then back to the first after a back-off: the round is over. */
	ck_assert_int_eq(uproto_client_rx_lost(&rx, &pos), 1);
	ck_assert_int_eq(pos.current, 0);
	ck_assert_int_eq(uproto_client_rx_lost(&rx, &pos), 0);
	ck_assert_int_eq(pos.current, 1);
}
END_TEST

START_TEST(rx_standby)
{
	struct uproto_client_rx		rx;
	struct uproto_client_rx_pos	pos = { 0 };

	ck_assert_int_eq(uproto_client_rx_parse(&rx, "a:1,b:2", err,
	    sizeof(err)), 0);
	/* a is standby and names c, new: there at once. */
	ck_assert_int_eq(uproto_client_rx_standby(&rx, &pos, "c:3"), 0);
	ck_assert_int_eq(pos.current, 2);
	ck_assert_uint_eq(rx.count, 3);
	/* c is standby too and names a: not a second time in a row. */
	ck_assert_int_eq(uproto_client_rx_standby(&rx, &pos, "a:1"), 1);
	ck_assert_int_eq(pos.current, 0);
	/* After the back-off a redirect is immediate again. */
	ck_assert_int_eq(uproto_client_rx_standby(&rx, &pos, "b:2"), 0);
	ck_assert_int_eq(pos.current, 1);
	uproto_client_rx_welcomed(&rx, &pos, NULL);
	/*
	 * b dies; a names the dead b: the redirect is at once, but then the
	 * moves have gone round and the next one waits.
	 */
	ck_assert_int_eq(uproto_client_rx_lost(&rx, &pos), 0);
	ck_assert_int_eq(pos.current, 2);
	ck_assert_int_eq(uproto_client_rx_lost(&rx, &pos), 0);
	ck_assert_int_eq(pos.current, 0);
	ck_assert_int_eq(uproto_client_rx_standby(&rx, &pos, "b:2"), 0);
	ck_assert_int_eq(uproto_client_rx_lost(&rx, &pos), 1);
	ck_assert_int_eq(pos.current, 2);
	/* A standby that names no one, or a bad one: as a lost link. */
	ck_assert_int_eq(uproto_client_rx_standby(&rx, &pos, ""), 0);
	ck_assert_int_eq(pos.current, 0);
	ck_assert_int_eq(uproto_client_rx_standby(&rx, &pos, "x"), 0);
	ck_assert_int_eq(pos.current, 1);
	ck_assert_int_eq(uproto_client_rx_standby(&rx, &pos, NULL), 1);
	ck_assert_int_eq(pos.current, 2);
}
END_TEST

static Suite *
uproto_client_suite(void)
{
	Suite	*s = suite_create("uproto_client");
	TCase	*tc = tcase_create("format");
	TCase	*tp = tcase_create("parse");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, hello);
	tcase_add_test(tc, hb);
	tcase_add_test(tc, event);
	tcase_add_test(tc, event_refused);
	tcase_add_test(tc, state);
	tcase_add_test(tc, done_and_fail);
	tcase_add_test(tc, fail_many_words);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(tp, setup, teardown);
	tcase_add_test(tp, welcome);
	tcase_add_test(tp, hback_ack_nak);
	tcase_add_test(tp, denied_and_err);
	tcase_add_test(tp, commands);
	tcase_add_test(tp, commands_refused);
	tcase_add_test(tp, malformed);
	tcase_add_test(tp, welcome_alt);
	tcase_add_test(tp, denied_standby);
	tcase_add_test(tp, rx_list);
	tcase_add_test(tp, rx_one);
	tcase_add_test(tp, rx_standby);
	suite_add_tcase(s, tp);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(uproto_client_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
