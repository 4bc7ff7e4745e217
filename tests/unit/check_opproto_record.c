/* Unit tests for the record: DETAIL, SEARCH, WHO, HANDOVER, CLAIM force and their lines. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refuge/opproto.h"
#include "refuge/opproto_client.h"

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
	ck_assert_msg(strncmp(err, why, strlen(why)) == 0, "'%s': %s", s, err);
}

START_TEST(claim_force)
{
	ok("CLAIM 7", OPPROTO_CLAIM);
	ck_assert_int_eq(req.force, 0);
	ok("CLAIM 7 force", OPPROTO_CLAIM);
	ck_assert_int_eq(req.alarm_id, 7);
	ck_assert_int_eq(req.force, 1);
	syntax("CLAIM 7 \"force\"", "expected force");
	syntax("CLAIM 7 force=1", "expected force");
	syntax("CLAIM 7 force now", "too many arguments");
	/* The flag does not stay for the next request. */
	ok("CLAIM 8", OPPROTO_CLAIM);
	ck_assert_int_eq(req.force, 0);
}
END_TEST

START_TEST(detail_who_handover)
{
	char	line[LINE_MAX_BYTES + 1], text[431];

	ok("DETAIL 12", OPPROTO_DETAIL);
	ck_assert_int_eq(req.alarm_id, 12);
	syntax("DETAIL", "missing alarm id");
	syntax("DETAIL 1 2", "too many arguments");
	ok("WHO", OPPROTO_WHO);
	syntax("WHO all", "too many arguments");
	ok("HANDOVER \"Gate 3 camera down\"", OPPROTO_HANDOVER);
	ck_assert_str_eq(req.text, "Gate 3 camera down");
	ok("HANDOVER quiet night", OPPROTO_HANDOVER);
	ck_assert_str_eq(req.text, "quiet night");
	syntax("HANDOVER", "missing handover text");
	/* What fits in the push beside by= and at=, and no more. */
	memset(text, 'x', 400);
	text[400] = '\0';
	snprintf(line, sizeof(line), "HANDOVER \"%s\"", text);
	ok(line, OPPROTO_HANDOVER);
	snprintf(line, sizeof(line), "HANDOVER \"%sx\"", text);
	syntax(line, "note text too long");
	/* 215 escaped quotes: 432 bytes quoted. */
	snprintf(line, sizeof(line), "HANDOVER \"");
	for (size_t i = 0; i < 215; i++)
		strcat(line, "\\\"");
	strcat(line, "\"");
	syntax(line, "handover text too long");
}
END_TEST

START_TEST(search)
{
	ok("SEARCH", OPPROTO_SEARCH);
	ck_assert_int_eq(req.search.limit, OPPROTO_SEARCH_DEFAULT);
	ck_assert_ptr_null(req.search.since);
	ck_assert_ptr_null(req.search.outcome);
	ok("SEARCH since=2d until=today unit=HP-001 site=park type=BUTTON "
	    "outcome=technical by=alice limit=1000", OPPROTO_SEARCH);
	ck_assert_str_eq(req.search.since, "2d");
	ck_assert_str_eq(req.search.until, "today");
	ck_assert_str_eq(req.search.unit, "HP-001");
	ck_assert_str_eq(req.search.site, "park");
	ck_assert_str_eq(req.search.type, "BUTTON");
	ck_assert_str_eq(req.search.outcome, "technical");
	ck_assert_str_eq(req.search.by, "alice");
	ck_assert_int_eq(req.search.limit, 1000);
	ok("SEARCH since=2026-12-01 until=\"2026-12-01 18:00\" outcome=open",
	    OPPROTO_SEARCH);
	ok("SEARCH outcome=genuine", OPPROTO_SEARCH);
	ok("SEARCH outcome=false limit=1", OPPROTO_SEARCH);
	ck_assert_int_eq(req.search.limit, 1);
	syntax("SEARCH limit=0", "bad limit");
	syntax("SEARCH limit=1001", "bad limit");
	syntax("SEARCH limit=x", "bad limit");
	syntax("SEARCH since=soon", "bad since");
	syntax("SEARCH until=", "bad until");
	syntax("SEARCH outcome=maybe", "outcome is");
	syntax("SEARCH type=BUTTONS", "unknown type");
	syntax("SEARCH unit=\"a b\"", "bad unit id");
	syntax("SEARCH by=\"a b\"", "bad user");
	syntax("SEARCH unit=HP-1 unit=HP-2", "duplicate unit=");
	syntax("SEARCH HP-001", "expected key=value");
	syntax("SEARCH colour=red", "unknown attribute");
}
END_TEST

static const char *
line_of(int n, const char *buf)
{
	static char	copy[4 * LINE_MAX_BYTES];

	ck_assert_int_gt(n, 0);
	ck_assert_int_le(n - 1, LINE_MAX_BYTES);
	ck_assert_int_eq(buf[n - 1], '\n');
	memcpy(copy, buf, (size_t)n - 1);
	copy[n - 1] = '\0';
	return copy;
}

START_TEST(log_lines)
{
	struct opproto_client_msg	*m = malloc(sizeof(*m));
	char				 buf[4 * LINE_MAX_BYTES], note[401], cerr[64];
	int64_t				 t = 1796207455238LL;	/* 2026-12-02T10:30:55.238Z */
	const char			*l;
	int				 n;

	ck_assert_ptr_nonnull(m);
	n = opproto_format_log(buf, sizeof(buf), t, "", "raise",
	    "type=BUTTON unit=HP-001 prio=1");
	ck_assert_str_eq(line_of(n, buf), "LOG 2026-12-02T10:30:55.238Z raised "
	    "type=BUTTON unit=HP-001 prio=1");
	n = opproto_format_log(buf, sizeof(buf), t, "alice", "note",
	    "door=open, \"help\"");
	ck_assert_str_eq(line_of(n, buf), "LOG 2026-12-02T10:30:55.238Z note "
	    "by=alice \"door=open, \\\"help\\\"\"");
	n = opproto_format_log(buf, sizeof(buf), t, "bob", "claim",
	    "force=1 from=alice");
	ck_assert_str_eq(line_of(n, buf), "LOG 2026-12-02T10:30:55.238Z claimed "
	    "by=bob force=1 from=alice");
	n = opproto_format_log(buf, sizeof(buf), t, "alice", "command",
	    "unit=HP-001 cmd=c1-2 LIGHT FLASH");
	ck_assert_str_eq(line_of(n, buf), "LOG 2026-12-02T10:30:55.238Z command "
	    "by=alice unit=HP-001 cmd=c1-2 \"LIGHT FLASH\"");
	/* Free text already quoted (a plan step's note) is not quoted twice. */
	n = opproto_format_log(buf, sizeof(buf), t, "alice", "step",
	    "n=2 \"called \\\"999\\\"\"");
	ck_assert_str_eq(line_of(n, buf), "LOG 2026-12-02T10:30:55.238Z step "
	    "by=alice n=2 \"called \\\"999\\\"\"");
	n = opproto_format_log(buf, sizeof(buf), t, "", "escalate",
	    "level=2 waited=61");
	ck_assert_str_eq(line_of(n, buf), "LOG 2026-12-02T10:30:55.238Z "
	    "escalated level=2 waited=61");
	n = opproto_format_log(buf, sizeof(buf), t, "alice", "audio", "close");
	ck_assert_str_eq(line_of(n, buf), "LOG 2026-12-02T10:30:55.238Z audio "
	    "by=alice \"close\"");
	n = opproto_format_log(buf, sizeof(buf), t, "alice", "resolve",
	    "outcome=genuine action=police");
	ck_assert_str_eq(line_of(n, buf), "LOG 2026-12-02T10:30:55.238Z resolved "
	    "by=alice outcome=genuine action=police");
	/* An action this build does not know passes through as it is. */
	n = opproto_format_log(buf, sizeof(buf), t, "", "light_on", "");
	ck_assert_str_eq(line_of(n, buf), "LOG 2026-12-02T10:30:55.238Z light_on");

	/* A note of 400 quotes is cut to fit and says so; the client reads it. */
	memset(note, '"', 400);
	note[400] = '\0';
	n = opproto_format_log(buf, sizeof(buf), t,
	    "abcdefghijabcdefghijabcdefghijab", "note", note);
	l = line_of(n, buf);
	ck_assert_ptr_nonnull(strstr(l, " cut=1 \"\\\""));
	ck_assert_int_eq(opproto_client_parse(m, l, strlen(l), cerr,
	    sizeof(cerr)), 0);
	ck_assert_int_eq(m->kind, OPPROTO_CLIENT_LOG);
	ck_assert_int_eq(m->log.cut, 1);
	ck_assert_str_eq(m->log.what, "note");
	ck_assert_str_eq(m->log.by, "abcdefghijabcdefghijabcdefghijab");
	ck_assert_uint_gt(strlen(m->log.text), 200);
	ck_assert_int_eq(m->log.text[0], '"');
	/* Cutting never splits a UTF-8 character. */
	memset(note, '"', 100);
	for (n = 0; n < 150; n++)
		memcpy(note + 100 + 2 * n, "\xc3\xa9", 2);
	note[400] = '\0';
	n = opproto_format_log(buf, sizeof(buf), t, "alice", "note", note);
	l = line_of(n, buf);
	ck_assert_ptr_nonnull(strstr(l, "\xc3\xa9\"") );
	ck_assert_int_eq(opproto_client_parse(m, l, strlen(l), cerr,
	    sizeof(cerr)), 0);
	ck_assert_str_eq(m->log.by, "alice");
	ck_assert_int_eq(m->log.cut, 1);
	free(m);
}
END_TEST

START_TEST(operator_and_handover_lines)
{
	struct opproto_client_msg	*m = malloc(sizeof(*m));
	int64_t				 ids[40];
	char				 buf[4 * LINE_MAX_BYTES], cerr[64];
	const char			*l;
	int				 n, i;

	ck_assert_ptr_nonnull(m);
	n = opproto_format_operator(buf, sizeof(buf), "alice", "operator", "",
	    NULL, 0);
	ck_assert_str_eq(line_of(n, buf),
	    "OPERATOR alice role=operator desk=- claimed=-");
	ids[0] = 12;
	ids[1] = 15;
	n = opproto_format_operator(buf, sizeof(buf), "bob", "supervisor",
	    "sip:desk-2@pbx.example", ids, 2);
	l = line_of(n, buf);
	ck_assert_str_eq(l, "OPERATOR bob role=supervisor "
	    "desk=sip:desk-2@pbx.example claimed=12,15");
	ck_assert_int_eq(opproto_client_parse(m, l, strlen(l), cerr,
	    sizeof(cerr)), 0);
	ck_assert_int_eq(m->kind, OPPROTO_CLIENT_OPERATOR);
	ck_assert_str_eq(m->op.user, "bob");
	ck_assert_str_eq(m->op.desk, "sip:desk-2@pbx.example");
	ck_assert_str_eq(m->op.claimed, "12,15");
	ck_assert_int_eq(m->op.more, 0);
	/* Forty 18-digit ids do not fit: as many as do, and more= the rest. */
	for (i = 0; i < 40; i++)
		ids[i] = 100000000000000000LL + i;
	n = opproto_format_operator(buf, sizeof(buf), "bob", "supervisor", "-",
	    ids, 40);
	l = line_of(n, buf);
	ck_assert_int_eq(opproto_client_parse(m, l, strlen(l), cerr,
	    sizeof(cerr)), 0);
	ck_assert_int_gt(m->op.more, 0);
	ck_assert_int_lt(m->op.more, 40);

	n = opproto_format_handover(buf, sizeof(buf), 1, "alice",
	    1796207455238LL, "Gate 3 \"camera\" down");
	l = line_of(n, buf);
	ck_assert_str_eq(l, "* HANDOVER by=alice at=2026-12-02T10:30:55.238Z "
	    "\"Gate 3 \\\"camera\\\" down\"");
	ck_assert_int_eq(opproto_client_parse(m, l, strlen(l), cerr,
	    sizeof(cerr)), 0);
	ck_assert_int_eq(m->kind, OPPROTO_CLIENT_HANDOVER);
	ck_assert_int_eq(m->push, 1);
	ck_assert_str_eq(m->handover.by, "alice");
	ck_assert_int_eq(m->handover.at_ms, 1796207455238LL);
	ck_assert_str_eq(m->handover.text, "Gate 3 \"camera\" down");
	ck_assert_uint_eq(m->other_count, 0);
	ck_assert_int_eq(opproto_format_handover(buf, sizeof(buf), 1, "alice",
	    0, "bad\ttext"), -1);
	free(m);
}
END_TEST

START_TEST(unit_and_alarm_lines_round_trip)
{
	struct opproto_client_msg	*m = malloc(sizeof(*m));
	struct opproto_unit_view	 u;
	struct opproto_alarm_view	 v;
	struct alarm			 a;
	char				 buf[4 * LINE_MAX_BYTES], cerr[64];
	const char			*l;
	int				 n;

	ck_assert_ptr_nonnull(m);
	memset(&u, 0, sizeof(u));
	u.id = "HP-001";
	u.state = "online";
	u.last_seen_ms = 1796207455238LL;
	u.heard_ms = 1796207485238LL;
	u.site = "racecourse";
	u.name = "Main gate";
	u.lat = 52.246;
	u.lon = -0.887;
	u.address = "Kettering Road, NN2 7BD";
	n = opproto_format_unit(buf, sizeof(buf), &u);
	l = line_of(n, buf);
	ck_assert_str_eq(l, "UNIT HP-001 state=online "
	    "last_seen=2026-12-02T10:30:55.238Z heard=2026-12-02T10:31:25.238Z "
	    "site=racecourse name=\"Main gate\" lat=52.246000 lon=-0.887000 "
	    "address=\"Kettering Road, NN2 7BD\"");
	ck_assert_int_eq(opproto_client_parse(m, l, strlen(l), cerr,
	    sizeof(cerr)), 0);
	ck_assert_int_eq(m->unit.heard_ms, 1796207485238LL);
	ck_assert_int_eq(m->unit.located, 1);
	ck_assert(m->unit.lat == 52.246 && m->unit.lon == -0.887);
	ck_assert_str_eq(m->unit.address, "Kettering Road, NN2 7BD");
	ck_assert_uint_eq(m->other_count, 0);
	u.heard_ms = -1;
	u.address = NULL;
	n = opproto_format_unit(buf, sizeof(buf), &u);
	ck_assert_ptr_nonnull(strstr(line_of(n, buf), " heard=- "));
	ck_assert_ptr_null(strstr(buf, "address="));

	memset(&a, 0, sizeof(a));
	a.id = 3;
	a.priority = 1;
	a.state = ALARM_RESOLVED;
	a.type = EVTYPE_BUTTON;
	snprintf(a.unit_id, sizeof(a.unit_id), "HP-001");
	snprintf(a.site_id, sizeof(a.site_id), "racecourse");
	a.count = 1;
	memset(&v, 0, sizeof(v));
	v.alarm = &a;
	v.unit_name = "Main gate";
	v.located = 1;
	v.lat = 52.246;
	v.lon = -0.887;
	v.outcome = "false";
	n = opproto_format_alarm(buf, sizeof(buf), 0, &v);
	l = line_of(n, buf);
	ck_assert_ptr_nonnull(strstr(l, "name=\"Main gate\" lat=52.246000 "
	    "lon=-0.887000 outcome=false"));
	ck_assert_int_eq(opproto_client_parse(m, l, strlen(l), cerr,
	    sizeof(cerr)), 0);
	ck_assert_int_eq(m->alarm.located, 1);
	ck_assert(m->alarm.lat == 52.246);
	ck_assert_str_eq(m->alarm.outcome, "false");
	/* Where it is comes before who holds it. */
	a.state = ALARM_CLAIMED;
	snprintf(a.claimed_by, sizeof(a.claimed_by), "alice");
	v.outcome = NULL;
	n = opproto_format_alarm(buf, sizeof(buf), 0, &v);
	ck_assert_ptr_nonnull(strstr(line_of(n, buf), "lon=-0.887000 by=alice"));
	l = "OK role=operator tz=Europe/London";
	ck_assert_int_eq(opproto_client_parse(m, l, strlen(l), cerr,
	    sizeof(cerr)), 0);
	ck_assert_str_eq(m->ok.role, "operator");
	ck_assert_str_eq(m->ok.tz, "Europe/London");
	free(m);
}
END_TEST

static Suite *
opproto_record_suite(void)
{
	Suite	*s = suite_create("opproto_record");
	TCase	*tc = tcase_create("record");

	tcase_add_test(tc, claim_force);
	tcase_add_test(tc, detail_who_handover);
	tcase_add_test(tc, search);
	tcase_add_test(tc, log_lines);
	tcase_add_test(tc, operator_and_handover_lines);
	tcase_add_test(tc, unit_and_alarm_lines_round_trip);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(opproto_record_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
