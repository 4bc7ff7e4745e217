/* Unit tests for refuge-console's model: protocol lines in, stack and units out. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "console.h"
#include "console_feed.h"
#include "console_run.h"
#include "console_text.h"

#define NOW	1795000000000LL

static struct console_model	*m;
static enum console_effect	 effect;
static int			 prio;
static char			 err[256];

static void
setup(void)
{
	m = console_model_new();
	ck_assert_ptr_nonnull(m);
}

static void
teardown(void)
{
	console_model_free(m);
	m = NULL;
}

static int
apply(const char *line)
{
	err[0] = '\0';
	return console_model_apply(m, line, NOW, &effect, &prio, err,
	    sizeof(err));
}

static void
ok(const char *line)
{
	ck_assert_msg(apply(line) == 0, "'%s' failed: %s", line, err);
}

static void
order(const long long *ids, size_t n)
{
	size_t	i;

	ck_assert_uint_eq(m->alarm_count, n);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(m->alarms[i]->id, ids[i]);
}

#define ALARM(id, p, state, extra) \
	"ALARM " #id " prio=" #p " state=" state " type=BUTTON unit=HP-001 " \
	"site=racecourse at=2026-11-25T21:34:50.123Z name=\"Racecourse Park " \
	"point 1\"" extra

START_TEST(alarm_line_fields)
{
	struct console_alarm	*a;
	int64_t			 at;

	ok(ALARM(7, 2, "claimed", " count=3 restored=1 by=alice"));
	ck_assert_int_eq(effect, CONSOLE_EFFECT_CHANGED);	/* a reply, not news */
	a = console_model_alarm(m, 7);
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(a->priority, 2);
	ck_assert_str_eq(a->state, "claimed");
	ck_assert_str_eq(a->type, "BUTTON");
	ck_assert_str_eq(a->unit, "HP-001");
	ck_assert_str_eq(a->site, "racecourse");
	ck_assert_str_eq(a->name, "Racecourse Park point 1");
	ck_assert_int_eq(a->count, 3);
	ck_assert_int_eq(a->restored, 1);
	ck_assert_str_eq(a->by, "alice");
	ck_assert_int_eq(timefmt_parse_iso8601("2026-11-25T21:34:50.123Z",
	    &at), 0);
	ck_assert_int_eq(a->at_ms, at);
	ck_assert_int_eq(a->escalated_ms, -1);
}
END_TEST

START_TEST(stack_order_priority_then_id)
{
	static const long long	want[] = { 2, 5, 1, 4, 3 };

	ok(ALARM(3, 4, "queued", ""));
	ok(ALARM(1, 2, "queued", ""));
	ok(ALARM(4, 2, "queued", ""));
	ok(ALARM(5, 1, "queued", ""));
	ok(ALARM(2, 1, "queued", ""));
	order(want, 5);
}
END_TEST

START_TEST(push_new_alarm_is_news)
{
	ok("* " ALARM(9, 1, "queued", ""));
	ck_assert_int_eq(effect, CONSOLE_EFFECT_NEW_ALARM);
	ck_assert_int_eq(prio, 1);
	ok("* " ALARM(9, 1, "queued", " count=2"));
	ck_assert_int_eq(effect, CONSOLE_EFFECT_CHANGED);
	ck_assert_int_eq(console_model_alarm(m, 9)->count, 2);
}
END_TEST

START_TEST(priority_change_moves_alarm)
{
	static const long long	before[] = { 1, 2 }, after[] = { 2, 1 };

	ok(ALARM(1, 2, "queued", ""));
	ok(ALARM(2, 3, "queued", ""));
	order(before, 2);
	ok("* " ALARM(2, 1, "queued", ""));
	order(after, 2);
}
END_TEST

START_TEST(flood_push_is_a_message)
{
	ok("* FLOOD MAINS_FAIL count=51 sites=3 since=2026-11-25T21:33:20.123Z");
	ck_assert_int_eq(effect, CONSOLE_EFFECT_CHANGED);
	ck_assert_str_eq(console_model_message_get(m, 0), "FLOOD MAINS_FAIL "
	    "count=51 sites=3 since=2026-11-25T21:33:20.123Z");
	ok("* FLOOD MAINS_FAIL end count=60");
	ck_assert_str_eq(console_model_message_get(m, 0),
	    "FLOOD MAINS_FAIL end count=60");
	/* Another push it does not know changes nothing. */
	ok("* FROBNICATED 3");
	ck_assert_int_eq(effect, CONSOLE_EFFECT_NONE);
}
END_TEST

START_TEST(claim_release_resolve_pushes)
{
	struct console_counts	c;

	ok(ALARM(1, 1, "queued", ""));
	ok(ALARM(2, 3, "queued", ""));
	ok("* CLAIMED 1 by=alice");
	ck_assert_str_eq(console_model_alarm(m, 1)->state, "claimed");
	ck_assert_str_eq(console_model_alarm(m, 1)->by, "alice");
	console_model_counts(m, &c);
	ck_assert_uint_eq(c.open, 2);
	ck_assert_uint_eq(c.queued, 1);
	ck_assert_uint_eq(c.claimed, 1);
	ok("* RELEASED 1");
	ck_assert_str_eq(console_model_alarm(m, 1)->state, "queued");
	ck_assert_str_eq(console_model_alarm(m, 1)->by, "");
	ok("* RESOLVED 1 outcome=false by=alice");
	ck_assert_ptr_null(console_model_alarm(m, 1));
	ck_assert_uint_eq(m->alarm_count, 1);
	ck_assert_ptr_nonnull(strstr(console_model_message_get(m, 0),
	    "resolved false by alice"));
	/* An alarm line saying resolved removes it too. */
	ok("* " ALARM(2, 3, "resolved", ""));
	ck_assert_uint_eq(m->alarm_count, 0);
	/* Pushes about alarms not held are harmless. */
	ok("* CLAIMED 99 by=bob");
	ok("* RESOLVED 99 outcome=genuine by=bob");
}
END_TEST

START_TEST(escalation_until_claimed)
{
	struct console_alarm	*a;

	ok(ALARM(4, 1, "queued", ""));
	ok("* ESCALATE 4 waited=31");
	a = console_model_alarm(m, 4);
	ck_assert_int_eq(a->escalated_ms, NOW);
	ck_assert_int_eq(a->waited_s, 31);
	ok("* " ALARM(4, 1, "queued", " count=2"));
	ck_assert_int_eq(a->escalated_ms, NOW);	/* still waiting */
	ok("* CLAIMED 4 by=alice");
	ck_assert_int_eq(a->escalated_ms, -1);
}
END_TEST

START_TEST(reread_sweeps_what_is_gone)
{
	static const long long	want[] = { 2 };

	ok(ALARM(1, 1, "queued", ""));
	ok(ALARM(2, 1, "queued", ""));
	ck_assert_int_eq(console_model_note(m, 2, "caller is safe"), 0);
	console_model_mark_alarms(m);
	ok(ALARM(2, 1, "claimed", " by=bob"));
	console_model_sweep_alarms(m);
	order(want, 1);
	/* What only this console knew survives a re-read. */
	ck_assert_uint_eq(m->alarms[0]->note_count, 1);
	ck_assert_str_eq(m->alarms[0]->notes[0], "caller is safe");
}
END_TEST

START_TEST(units_and_unit_pushes)
{
	struct console_unit	*u;
	struct console_counts	 c;

	ok("UNIT HP-001 state=online last_seen=2026-11-25T21:34:50.123Z "
	    "site=racecourse name=\"Racecourse Park point 1\"");
	ok("UNIT HP-002 state=offline last_seen=- site=racecourse "
	    "name=\"Point 2\" test_until=2026-11-25T22:00:00.000Z");
	u = console_model_unit(m, "HP-002");
	ck_assert_ptr_nonnull(u);
	ck_assert_int_eq(u->last_seen_ms, -1);
	ck_assert_str_eq(u->test_until, "2026-11-25T22:00:00.000Z");
	console_model_counts(m, &c);
	ck_assert_uint_eq(c.units_total, 2);
	ck_assert_uint_eq(c.units_online, 1);
	ok("* UNIT HP-002 online");
	ck_assert_str_eq(u->state, "online");
	ck_assert_int_eq(u->last_seen_ms, NOW);
	ok("* TESTMODE HP-002 off");
	ck_assert_str_eq(u->test_until, "");
	ok("* TESTMODE HP-002 until=2026-11-25T23:00:00.000Z");
	ck_assert_str_eq(u->test_until, "2026-11-25T23:00:00.000Z");
	console_model_counts(m, &c);
	ck_assert_uint_eq(c.units_online, 2);
	console_model_mark_units(m);
	ok("UNIT HP-002 state=online last_seen=- site=racecourse name=x");
	console_model_sweep_units(m);
	ck_assert_uint_eq(m->unit_count, 1);
	ck_assert_str_eq(m->units[0].id, "HP-002");
}
END_TEST

START_TEST(command_results)
{
	const struct console_cmd	*c;

	console_model_cmd_sent(m, "c7", "HP-001", "LIGHT FLASH");
	c = console_model_cmd(m, 0);
	ck_assert_str_eq(c->result, "sent");
	ok("* CMD c7 fail no  light fitted");
	ck_assert_str_eq(c->result, "fail");
	ck_assert_str_eq(c->reason, "no  light fitted");
	ok("* CMD c7 done");
	ck_assert_str_eq(c->reason, "");
	ck_assert_ptr_null(console_model_cmd(m, 1));
}
END_TEST

START_TEST(plan_and_history)
{
	struct console_alarm	*a;

	ok(ALARM(1, 1, "queued", ""));
	ck_assert_int_eq(console_model_plan_clear(m, 1), 0);
	ck_assert_int_eq(console_model_plan_step(m, 1,
	    "STEP 1 \"Look at the camera\"", err, sizeof(err)), 0);
	ck_assert_int_eq(console_model_plan_step(m, 1, "STEP 2 Speak", err,
	    sizeof(err)), 0);
	ck_assert_int_eq(console_model_plan_step(m, 1, "ALARM 1", err,
	    sizeof(err)), -1);
	ck_assert_int_eq(console_model_plan_step(m, 2, "STEP 1 x", err,
	    sizeof(err)), -1);
	a = console_model_alarm(m, 1);
	ck_assert_int_eq(a->plan_read, 1);
	ck_assert_uint_eq(a->step_count, 2);
	ck_assert_str_eq(a->steps[0].text, "Look at the camera");
	console_model_history_clear(m, "HP-001");
	console_model_history_line(m, "EVENT e1 BUTTON at=2026-11-25T21:34:50.123Z");
	ck_assert_str_eq(m->history_unit, "HP-001");
	ck_assert_uint_eq(m->history_count, 1);
	ck_assert_str_eq(m->history[0], "e1 BUTTON at=2026-11-25T21:34:50.123Z");
}
END_TEST

START_TEST(bad_lines_change_nothing)
{
	static const char *const bad[] = {
		"ALARM x prio=1 state=queued unit=HP-001",
		"ALARM 1 prio=0 state=queued unit=HP-001",
		"ALARM 1 prio=1 unit=HP-001",
		"ALARM 1 prio=1 state=queued",
		"ALARM 1 prio=1 state=queued unit=HP-001 name=\"open",
		"UNIT HP-001",
		"UNIT HP-001 site=x",
		"* UNIT HP-001 state=online",
		"STEP 1 x",
		"",
	};
	size_t	i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(apply(bad[i]) == -1, "'%s' accepted", bad[i]);
		ck_assert_str_ne(err, "");
	}
	ck_assert_uint_eq(m->alarm_count, 0);
	ck_assert_uint_eq(m->unit_count, 0);
	/* An unknown push is ignored, not an error. */
	ok("* SOMETHING new");
	ck_assert_int_eq(effect, CONSOLE_EFFECT_NONE);
}
END_TEST

START_TEST(notes_ring_keeps_newest)
{
	char	text[32];
	int	i;

	ok(ALARM(1, 1, "queued", ""));
	for (i = 0; i < CONSOLE_MAX_NOTES + 3; i++) {
		snprintf(text, sizeof(text), "note %d", i);
		ck_assert_int_eq(console_model_note(m, 1, text), 0);
	}
	ck_assert_int_eq(console_model_note(m, 2, "x"), -1);
	ck_assert_uint_eq(m->alarms[0]->note_count, CONSOLE_MAX_NOTES);
	ck_assert_str_eq(m->alarms[0]->notes[CONSOLE_MAX_NOTES - 1], "note 18");
	ck_assert_str_eq(m->alarms[0]->notes[0], "note 3");
}
END_TEST


START_TEST(location_from_alarm_and_unit_lines)
{
	struct console_unit	*u;
	char			 text[256];
	int64_t			 heard;

	ok(ALARM(1, 1, "queued", " lat=52.246000 lon=-0.887000"));
	ck_assert_str_eq(console_model_alarm(m, 1)->lat, "52.246000");
	ck_assert_str_eq(console_model_alarm(m, 1)->lon, "-0.887000");
	/* An older receiver's line keeps what was known. */
	ok("* " ALARM(1, 1, "queued", " count=2"));
	ck_assert_str_eq(console_model_alarm(m, 1)->lat, "52.246000");
	ok("UNIT HP-001 state=online last_seen=2026-11-25T21:34:50.123Z "
	    "site=racecourse name=x lat=52.246000 lon=-0.887000 "
	    "address=\"Racecourse Rd, NN1 1AA\" heard=2026-11-25T21:40:00.000Z");
	u = console_model_unit(m, "HP-001");
	ck_assert_str_eq(u->address, "Racecourse Rd, NN1 1AA");
	ck_assert_str_eq(u->lat, "52.246000");
	ck_assert_int_eq(timefmt_parse_iso8601("2026-11-25T21:40:00.000Z",
	    &heard), 0);
	ck_assert_int_eq(u->heard_ms, heard);
	ck_assert_int_eq(console_record_location_text(m, "HP-001", "52.246000",
	    "-0.887000", text, sizeof(text)), 0);
	ck_assert_str_eq(text, "HP-001, Racecourse Rd, NN1 1AA, 52.246000, "
	    "-0.887000");
	/* Without heard= the last_seen is what was last heard. */
	ok("UNIT HP-002 state=online last_seen=2026-11-25T21:34:50.123Z "
	    "site=racecourse name=y");
	ck_assert_int_eq(console_model_unit(m, "HP-002")->heard_ms,
	    console_model_unit(m, "HP-002")->last_seen_ms);
	ck_assert_int_eq(console_record_location_text(m, "HP-002", "", "",
	    text, sizeof(text)), -1);
}
END_TEST

static void
plan_line(int64_t id, const char *line)
{
	struct opproto_client_msg	*msg = malloc(sizeof(*msg));

	ck_assert_ptr_nonnull(msg);
	ck_assert_int_eq(opproto_client_parse(msg, line, strlen(line), err,
	    sizeof(err)), 0);
	console_feed_data(m, CONSOLE_REQ_PLAN, id, msg, line, "");
	free(msg);
}

START_TEST(plan_step_states_and_contacts)
{
	struct console_alarm	*a;

	ok(ALARM(1, 1, "queued", ""));
	console_feed_sending(m, CONSOLE_REQ_PLAN, 1, "HP-001", "PLAN");
	plan_line(1, "PLAN park-night site=racecourse steps=3 contacts=2 night=1");
	plan_line(1, "STEP 1 \"Look at the camera\" by=alice "
	    "at=2026-11-25T21:35:00.000Z note=\"man in a red coat\"");
	plan_line(1, "STEP 2 \"Speak to the caller\"");
	plan_line(1, "STEP 3 \"Call 999\" state=done");
	plan_line(1, "CONTACT \"Park warden\" \"01604 000000\"");
	plan_line(1, "CONTACT name=Police phone=999");
	a = console_model_alarm(m, 1);
	ck_assert_uint_eq(a->step_count, 3);
	ck_assert_int_eq(a->steps[0].done, 1);
	ck_assert_str_eq(a->steps[0].by, "alice");
	ck_assert_int_ne(a->steps[0].at_ms, -1);
	ck_assert_str_eq(a->steps[0].note, "man in a red coat");
	ck_assert_str_eq(a->plan_id, "park-night");
	ck_assert_int_eq(a->plan_night, 1);
	ck_assert_int_eq(a->steps[1].done, 0);
	ck_assert_int_eq(a->steps[2].done, 1);
	ck_assert_uint_eq(a->contact_count, 2);
	ck_assert_str_eq(a->contacts[0].name, "Park warden");
	ck_assert_str_eq(a->contacts[0].phone, "01604 000000");
	ck_assert_str_eq(a->contacts[1].name, "Police");
	ck_assert_str_eq(a->contacts[1].phone, "999");
	/* Read again: the old steps go. */
	console_feed_sending(m, CONSOLE_REQ_PLAN, 1, "HP-001", "PLAN");
	ck_assert_uint_eq(a->step_count, 0);
	ck_assert_uint_eq(a->contact_count, 0);
	ck_assert_str_eq(a->plan_id, "");
}
END_TEST

/* Feeds a whole reply of kind, the last line its OK or ERR. */
static void
reply(enum console_req_kind kind, int64_t id, const char *what,
    const char *const *lines)
{
	struct opproto_client_msg	*msg = malloc(sizeof(*msg));
	size_t				 i;

	ck_assert_ptr_nonnull(msg);
	console_feed_sending(m, kind, id, "", what);
	for (i = 0; lines[i + 1] != NULL; i++) {
		ck_assert_int_eq(opproto_client_parse(msg, lines[i],
		    strlen(lines[i]), err, sizeof(err)), 0);
		console_feed_data(m, kind, id, msg, lines[i], "");
	}
	ck_assert_int_eq(opproto_client_parse(msg, lines[i], strlen(lines[i]),
	    err, sizeof(err)), 0);
	console_feed_done(m, kind, id, "", what, msg, lines[i]);
	free(msg);
}

START_TEST(search_form_and_list)
{
	static const char *const lines[] = {
		"ALARM 9 prio=1 state=resolved type=BUTTON unit=HP-001 "
		    "site=racecourse at=2026-11-25T21:34:50.123Z name=x "
		    "outcome=false reason=no-one-there by=alice",
		"ALARM 3 prio=3 state=resolved type=UNIT_OFFLINE unit=HP-002 "
		    "site=racecourse at=2026-11-24T21:34:50.123Z name=y "
		    "outcome=technical action=restored by=bob",
		"OK 2 more=1",
		NULL
	};
	char	line[512];

	setenv("TZ", "UTC", 1);
	tzset();
	snprintf(m->form[CONSOLE_FIELD_SINCE], CONSOLE_FIELD_MAX,
	    "2026-11-20");
	snprintf(m->form[CONSOLE_FIELD_UNTIL], CONSOLE_FIELD_MAX,
	    "2026-11-25");
	snprintf(m->form[CONSOLE_FIELD_UNIT], CONSOLE_FIELD_MAX, "HP-001");
	snprintf(m->form[CONSOLE_FIELD_OUTCOME], CONSOLE_FIELD_MAX, "false");
	ck_assert_int_eq(console_record_search_line(m, NOW, line, sizeof(line),
	    err, sizeof(err)), 0);
	/* A whole day as an until ends at the next midnight. */
	ck_assert_str_eq(line, "SEARCH since=2026-11-20T00:00:00.000Z "
	    "until=2026-11-26T00:00:00.000Z unit=HP-001 outcome=false "
	    "limit=100");
	snprintf(m->form[CONSOLE_FIELD_SINCE], CONSOLE_FIELD_MAX, "last week");
	ck_assert_int_eq(console_record_search_line(m, NOW, line, sizeof(line),
	    err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "since"));
	snprintf(m->form[CONSOLE_FIELD_SINCE], CONSOLE_FIELD_MAX, "2h");
	snprintf(m->form[CONSOLE_FIELD_UNIT], CONSOLE_FIELD_MAX, "HP 1");
	ck_assert_int_eq(console_record_search_line(m, NOW, line, sizeof(line),
	    err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "unit"));

	reply(CONSOLE_REQ_SEARCH, 0, "SEARCH", lines);
	ck_assert_int_eq(m->searched, 1);
	ck_assert_uint_eq(m->hit_count, 2);
	ck_assert_int_eq(m->hits_more, 1);
	ck_assert_int_eq(m->hits[0].id, 9);
	ck_assert_str_eq(m->hits[0].outcome, "false");
	ck_assert_str_eq(m->hits[0].detail, "no-one-there");
	ck_assert_str_eq(m->hits[1].detail, "restored");
	/* Closed alarms stay off the live stack. */
	ck_assert_uint_eq(m->alarm_count, 0);
}
END_TEST

START_TEST(detail_record_in_local_time)
{
	static const char *const lines[] = {
		"ALARM 9 prio=1 state=resolved type=BUTTON unit=HP-001 "
		    "site=racecourse at=2026-11-25T21:34:50.123Z name=x "
		    "lat=52.246000 lon=-0.887000 outcome=genuine action=police",
		"UNIT HP-001 state=online last_seen=2026-11-25T21:34:50.123Z "
		    "site=racecourse name=x address=\"Racecourse Rd\" "
		    "lat=52.246000 lon=-0.887000",
		"EVENT e1 BUTTON at=2026-11-25T21:34:50.123Z",
		"LOG 2026-11-25T21:35:01.000Z claimed by=alice",
		"LOG 2026-11-25T21:36:00.000Z note by=alice \"caller is safe\"",
		"OK",
		NULL
	};

	setenv("TZ", "Europe/London", 1);
	tzset();
	reply(CONSOLE_REQ_DETAIL, 9, "DETAIL", lines);
	ck_assert_int_eq(m->record_loaded, 1);
	ck_assert_int_eq(m->record.id, 9);
	ck_assert_str_eq(m->record.outcome, "genuine");
	ck_assert_str_eq(m->record.detail, "police");
	ck_assert_str_eq(m->record.lat, "52.246000");
	ck_assert_str_eq(m->record_unit.address, "Racecourse Rd");
	ck_assert_uint_eq(m->record_count, 3);
	ck_assert_str_eq(m->record_lines[0], "2026-11-25 21:34:50 event e1 "
	    "BUTTON");
	ck_assert_str_eq(m->record_lines[1], "2026-11-25 21:35:01 claimed "
	    "by=alice");
	ck_assert_str_eq(m->record_lines[2], "2026-11-25 21:36:00 note "
	    "by=alice \"caller is safe\"");
	/* A DETAIL of an unknown id says so, and loads nothing. */
	{
		static const char *const none[] = { "ERR notfound no alarm 99",
			NULL };
		static const char *const noted[] = { "OK", NULL };
		static const char *const old[] = {
			"ERR unknown unknown command 'DETAIL'", NULL };

		reply(CONSOLE_REQ_DETAIL, 99, "DETAIL", none);
		ck_assert_int_eq(m->record_loaded, 0);
		ck_assert_ptr_nonnull(strstr(console_model_message_get(m, 0),
		    "notfound"));
		ck_assert_int_eq(m->detail_unsupported, 0);
		/* A note on the record's alarm makes the record old. */
		ck_assert_int_eq(m->record_stale, 0);
		reply(CONSOLE_REQ_NOTE, 99, "a note", noted);
		ck_assert_int_eq(m->record_stale, 1);
		/* A receiver without DETAIL: asked no more, and no message. */
		reply(CONSOLE_REQ_DETAIL, 5, "DETAIL", old);
		ck_assert_int_eq(m->detail_unsupported, 1);
		ck_assert_ptr_null(strstr(console_model_message_get(m, 0),
		    "DETAIL"));
	}
}
END_TEST

START_TEST(outcome_lists_replace_defaults)
{
	static const char *const lines[] = {
		"OUTCOME false child-playing no-one-there",
		"OUTCOME technical engineer restored",
		"OUTCOME bogus x",
		"OK",
		NULL
	};
	static const char *const refused[] = { "ERR syntax unknown request",
		NULL };
	char	spaced[64];

	ck_assert_uint_eq(m->outcome_count[CONSOLE_LIST_FALSE], 6);
	ck_assert_str_eq(m->outcomes[CONSOLE_LIST_TECHNICAL][0], "engineer");
	ck_assert_str_eq(m->outcomes[CONSOLE_LIST_TECHNICAL][3], "other");
	reply(CONSOLE_REQ_OUTCOMES, 0, "OUTCOMES", lines);
	ck_assert_uint_eq(m->outcome_count[CONSOLE_LIST_FALSE], 2);
	ck_assert_str_eq(m->outcomes[CONSOLE_LIST_FALSE][0], "child-playing");
	ck_assert_uint_eq(m->outcome_count[CONSOLE_LIST_TECHNICAL], 2);
	/* Not given: the default stays. */
	ck_assert_uint_eq(m->outcome_count[CONSOLE_LIST_GENUINE], 5);
	/* An older receiver: the defaults, and no message about it. */
	reply(CONSOLE_REQ_OUTCOMES, 0, "OUTCOMES", refused);
	ck_assert_uint_eq(m->outcome_count[CONSOLE_LIST_FALSE], 6);
	ck_assert_ptr_null(console_model_message_get(m, 0));
	console_model_spaced(spaced, sizeof(spaced), "no-one-there");
	ck_assert_str_eq(spaced, "no one there");
}
END_TEST

START_TEST(who_and_stats_info)
{
	static const char *const lines[] = {
		"OPERATOR alice role=operator desk=sip:alice@10.0.0.5 claimed=4,7",
		"OPERATOR bob role=supervisor desk=- claimed=-",
		"OK 2",
		NULL
	};

	reply(CONSOLE_REQ_INFO, 0, "WHO", lines);
	ck_assert_str_eq(m->info_title, "WHO");
	ck_assert_uint_eq(m->info_count, 2);
	ck_assert_str_eq(m->info[0], "alice role=operator "
	    "desk=sip:alice@10.0.0.5 claimed=4,7");
	ck_assert_ptr_null(console_model_message_get(m, 0));
}
END_TEST

START_TEST(escalate_audio_reloaded_handover)
{
	ok(ALARM(4, 1, "queued", ""));
	ok("* ESCALATE 4 waited=61 level=2");
	ck_assert_int_eq(effect, CONSOLE_EFFECT_ESCALATE);
	ck_assert_int_eq(m->escalated_id, 4);
	ck_assert_int_eq(console_model_alarm(m, 4)->escalate_level, 2);
	ok("* ESCALATE 4 waited=91");
	ck_assert_int_eq(console_model_alarm(m, 4)->escalate_level, 1);
	ok("* RELOADED units=7");
	ck_assert_int_eq(effect, CONSOLE_EFFECT_RELOADED);
	ok("UNIT HP-001 state=online last_seen=- site=racecourse name=x");
	console_model_cmd_sent(m, "c9", "HP-001", "AUDIO OPEN");
	ck_assert_int_eq(console_model_unit(m, "HP-001")->audio_open, 1);
	ok("* CMD c9 done");
	ck_assert_int_eq(effect, CONSOLE_EFFECT_AUDIO);
	ck_assert_str_eq(m->audio_unit, "HP-001");
	ck_assert_int_eq(m->audio_opened, 1);
	setenv("TZ", "UTC", 1);
	tzset();
	ok("* HANDOVER by=bob at=2026-11-25T21:34:50.123Z \"HP-003 door "
	    "sticks\"");
	ck_assert_str_eq(console_model_message_get(m, 0), "HANDOVER from bob "
	    "at 2026-11-25 21:34:50: HP-003 door sticks");
}
END_TEST

START_TEST(next_queued_is_highest_priority_oldest)
{
	ck_assert_ptr_null(console_model_next_queued(m));
	ck_assert_int_eq(console_model_queued_top(m), 0);
	ok(ALARM(3, 2, "queued", ""));
	ok(ALARM(5, 1, "claimed", " by=bob"));
	ok(ALARM(7, 1, "queued", ""));
	ok(ALARM(6, 1, "queued", ""));
	ck_assert_int_eq(console_model_next_queued(m)->id, 6);
	ck_assert_int_eq(console_model_queued_top(m), 1);
	ok("* CLAIMED 6 by=alice");
	ok("* CLAIMED 7 by=alice");
	ck_assert_int_eq(console_model_next_queued(m)->id, 3);
	ck_assert_int_eq(console_model_queued_top(m), 2);
	ck_assert_int_eq(m->new_alarm_id, 0);	/* replies are no news */
	ok("* " ALARM(8, 1, "queued", ""));
	ck_assert_int_eq(m->new_alarm_id, 8);
}
END_TEST

START_TEST(text_fit_with_ellipsis)
{
	char	buf[64];
	int	w[CONSOLE_COLS], i, sum;

	console_text_fit(buf, sizeof(buf), "Racecourse Park point 1", 10, "~",
	    0);
	ck_assert_str_eq(buf, "Racecours~");
	console_text_fit(buf, sizeof(buf), "short", 8, "~", 1);
	ck_assert_str_eq(buf, "short   ");
	console_text_fit(buf, sizeof(buf), "Caf\xc3\xa9 du Parc", 5,
	    "\xe2\x80\xa6", 0);
	ck_assert_str_eq(buf, "Caf\xc3\xa9\xe2\x80\xa6");
	ck_assert_int_eq(console_text_cols(buf), 5);
	console_text_fit(buf, sizeof(buf), "exact", 5, "~", 0);
	ck_assert_str_eq(buf, "exact");
	/* The columns never pass the screen, at 80 and at 250. */
	console_text_columns(80, w);
	for (i = 0, sum = 1 + CONSOLE_COLS - 1; i < CONSOLE_COLS; i++)
		sum += w[i];
	ck_assert_int_le(sum, 80);
	ck_assert_int_ge(w[CONSOLE_COL_NAME], 12);
	console_text_columns(250, w);
	for (i = 0, sum = 1 + CONSOLE_COLS - 1; i < CONSOLE_COLS; i++)
		sum += w[i];
	ck_assert_int_le(sum, 250);
	ck_assert_int_ge(w[CONSOLE_COL_NAME], 40);
	ck_assert_int_eq(console_text_base64(buf, sizeof(buf), "HP-1, a", 7),
	    0);
	ck_assert_str_eq(buf, "SFAtMSwgYQ==");
	ck_assert_int_eq(console_text_base64(buf, 4, "HP-1", 4), -1);
}
END_TEST

START_TEST(run_split_without_a_shell)
{
	const struct console_run_subst	 subst[] = {
		{ 'e', "open" }, { 'u', "HP-001" }, { 'r', "sip:a b@x" },
		{ 'p', "1" },
	};
	char				*argv[8], buf[256];

	ck_assert_int_eq(console_run_split("/usr/bin/play -q 'alarm one.wav' "
	    "%p", subst, 4, argv, 8, buf, sizeof(buf)), 4);
	ck_assert_str_eq(argv[0], "/usr/bin/play");
	ck_assert_str_eq(argv[2], "alarm one.wav");
	ck_assert_str_eq(argv[3], "1");
	ck_assert_ptr_null(argv[4]);
	/* A value with spaces stays one word; %% is a percent. */
	ck_assert_int_eq(console_run_split("sip-call --%e=%r \"%u;x\" 100%% %z",
	    subst, 4, argv, 8, buf, sizeof(buf)), 5);
	ck_assert_str_eq(argv[1], "--open=sip:a b@x");
	ck_assert_str_eq(argv[2], "HP-001;x");
	ck_assert_str_eq(argv[3], "100%");
	ck_assert_str_eq(argv[4], "%z");
	ck_assert_int_eq(console_run_split("a 'open", NULL, 0, argv, 8, buf,
	    sizeof(buf)), -1);
	ck_assert_int_eq(console_run_split("   ", NULL, 0, argv, 8, buf,
	    sizeof(buf)), -1);
	ck_assert_int_eq(console_run_split("a b c d", NULL, 0, argv, 4, buf,
	    sizeof(buf)), -1);
}
END_TEST

static Suite *
console_model_suite(void)
{
	Suite	*s = suite_create("console_model");
	TCase	*tc = tcase_create("model");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, alarm_line_fields);
	tcase_add_test(tc, stack_order_priority_then_id);
	tcase_add_test(tc, push_new_alarm_is_news);
	tcase_add_test(tc, priority_change_moves_alarm);
	tcase_add_test(tc, flood_push_is_a_message);
	tcase_add_test(tc, claim_release_resolve_pushes);
	tcase_add_test(tc, escalation_until_claimed);
	tcase_add_test(tc, reread_sweeps_what_is_gone);
	tcase_add_test(tc, units_and_unit_pushes);
	tcase_add_test(tc, command_results);
	tcase_add_test(tc, plan_and_history);
	tcase_add_test(tc, bad_lines_change_nothing);
	tcase_add_test(tc, notes_ring_keeps_newest);
	tcase_add_test(tc, location_from_alarm_and_unit_lines);
	tcase_add_test(tc, plan_step_states_and_contacts);
	tcase_add_test(tc, search_form_and_list);
	tcase_add_test(tc, detail_record_in_local_time);
	tcase_add_test(tc, outcome_lists_replace_defaults);
	tcase_add_test(tc, who_and_stats_info);
	tcase_add_test(tc, escalate_audio_reloaded_handover);
	tcase_add_test(tc, next_queued_is_highest_priority_oldest);
	tcase_add_test(tc, text_fit_with_ellipsis);
	tcase_add_test(tc, run_split_without_a_shell);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(console_model_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
