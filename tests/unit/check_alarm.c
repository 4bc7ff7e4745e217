/* Unit tests for alarm effects and the alarm state machine. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refuge/alarm.h"

static int	prio[EVTYPE_COUNT];

static void
default_priorities(void)
{
	int	i;

	for (i = 0; i < EVTYPE_COUNT; i++)
		prio[i] = evtype_default_priority((enum evtype)i);
}

static void
alarm_init(struct alarm *a, enum alarm_state st, const char *claimer)
{
	memset(a, 0, sizeof(*a));
	a->id = 7;
	a->seq = 1;
	a->priority = 1;
	a->type = EVTYPE_BUTTON;
	a->count = 1;
	a->claimed_ms = -1;
	a->first_claimed_ms = -1;
	a->last_escalated_ms = -1;
	a->state = st;
	if (claimer != NULL) {
		snprintf(a->claimed_by, sizeof(a->claimed_by), "%s", claimer);
		a->claimed_ms = 100;
		a->first_claimed_ms = 50;
	}
	if (st == ALARM_RESOLVED)
		a->outcome = ALARM_OUTCOME_FALSE;
}

START_TEST(effect_raise_repeat_testsignal)
{
	struct alarm	open;

	default_priorities();
	alarm_init(&open, ALARM_QUEUED, NULL);
	ck_assert_int_eq(alarm_effect(prio, EVTYPE_BUTTON, 0, NULL),
	    ALARM_EFFECT_RAISE);
	ck_assert_int_eq(alarm_effect(prio, EVTYPE_BUTTON, 0, &open),
	    ALARM_EFFECT_REPEAT);
	ck_assert_int_eq(alarm_effect(prio, EVTYPE_BUTTON, 1, NULL),
	    ALARM_EFFECT_TESTSIGNAL);
	ck_assert_int_eq(alarm_effect(prio, EVTYPE_BUTTON, 1, &open),
	    ALARM_EFFECT_TESTSIGNAL);
	ck_assert_int_eq(alarm_effect(prio, EVTYPE_UNIT_OFFLINE, 0, NULL),
	    ALARM_EFFECT_RAISE);
	ck_assert_int_eq(alarm_effect(prio, EVTYPE_MAINS_FAIL, 0, &open),
	    ALARM_EFFECT_REPEAT);
}
END_TEST

START_TEST(effect_restore)
{
	struct alarm	open;

	default_priorities();
	alarm_init(&open, ALARM_CLAIMED, "ann");
	ck_assert_int_eq(alarm_effect(prio, EVTYPE_TAMPER_RESTORE, 0, &open),
	    ALARM_EFFECT_RESTORE);
	ck_assert_int_eq(alarm_effect(prio, EVTYPE_TAMPER_RESTORE, 0, NULL),
	    ALARM_EFFECT_NONE);
	/* On test, a restore still restores an open alarm. */
	ck_assert_int_eq(alarm_effect(prio, EVTYPE_TAMPER_RESTORE, 1, &open),
	    ALARM_EFFECT_RESTORE);
	ck_assert_int_eq(alarm_effect(prio, EVTYPE_TAMPER_RESTORE, 1, NULL),
	    ALARM_EFFECT_NONE);
	ck_assert_int_eq(alarm_effect(prio, EVTYPE_UNIT_ONLINE, 0, &open),
	    ALARM_EFFECT_RESTORE);
	ck_assert_int_eq(alarm_effect(prio, EVTYPE_UNIT_ONLINE, 0, NULL),
	    ALARM_EFFECT_NONE);
	/* A resolved alarm handed in counts as none. */
	open.state = ALARM_RESOLVED;
	ck_assert_int_eq(alarm_effect(prio, EVTYPE_TAMPER_RESTORE, 0, &open),
	    ALARM_EFFECT_NONE);
	ck_assert_int_eq(alarm_effect(prio, EVTYPE_TAMPER, 0, &open),
	    ALARM_EFFECT_RAISE);
}
END_TEST

START_TEST(effect_none)
{
	struct alarm	open;

	default_priorities();
	alarm_init(&open, ALARM_QUEUED, NULL);
	ck_assert_int_eq(alarm_effect(prio, EVTYPE_TEST, 0, NULL),
	    ALARM_EFFECT_NONE);
	ck_assert_int_eq(alarm_effect(prio, EVTYPE_TEST, 1, &open),
	    ALARM_EFFECT_NONE);
	/* A type the registry turned off raises nothing. */
	prio[EVTYPE_CAMERA_FAULT] = 0;
	ck_assert_int_eq(alarm_effect(prio, EVTYPE_CAMERA_FAULT, 0, NULL),
	    ALARM_EFFECT_NONE);
	ck_assert_int_eq(alarm_effect(prio, EVTYPE_CAMERA_FAULT, 1, &open),
	    ALARM_EFFECT_NONE);
	ck_assert_int_eq(alarm_effect(prio, (enum evtype)EVTYPE_COUNT, 0,
	    NULL), ALARM_EFFECT_NONE);
	ck_assert_int_eq(alarm_effect(prio, (enum evtype)-1, 0, &open),
	    ALARM_EFFECT_NONE);
}
END_TEST

START_TEST(effect_lookup_type)
{
	default_priorities();
	ck_assert_int_eq(alarm_effect_lookup_type(prio, EVTYPE_BUTTON),
	    EVTYPE_BUTTON);
	ck_assert_int_eq(alarm_effect_lookup_type(prio, EVTYPE_MAINS_RESTORE),
	    EVTYPE_MAINS_FAIL);
	ck_assert_int_eq(alarm_effect_lookup_type(prio, EVTYPE_UNIT_ONLINE),
	    EVTYPE_UNIT_OFFLINE);
	ck_assert_int_eq(alarm_effect_lookup_type(prio, EVTYPE_TEST), -1);
	prio[EVTYPE_LIGHT_FAULT] = 0;
	ck_assert_int_eq(alarm_effect_lookup_type(prio, EVTYPE_LIGHT_FAULT), -1);
	/* Its restore still names it; alarm_effect then finds nothing open. */
	ck_assert_int_eq(alarm_effect_lookup_type(prio, EVTYPE_LIGHT_RESTORE),
	    EVTYPE_LIGHT_FAULT);
	ck_assert_int_eq(alarm_effect_lookup_type(prio,
	    (enum evtype)EVTYPE_COUNT), -1);
}
END_TEST

START_TEST(claim_queued)
{
	struct alarm	a;

	alarm_init(&a, ALARM_QUEUED, NULL);
	ck_assert_int_eq(alarm_claim(&a, "ann", 1000), ALARM_OK);
	ck_assert_int_eq(a.state, ALARM_CLAIMED);
	ck_assert_str_eq(a.claimed_by, "ann");
	ck_assert_int_eq(a.claimed_ms, 1000);
	ck_assert_int_eq(a.first_claimed_ms, 1000);
	/* Same user again: no change. */
	ck_assert_int_eq(alarm_claim(&a, "ann", 2000), ALARM_OK);
	ck_assert_int_eq(a.claimed_ms, 1000);
	/* Another user. */
	ck_assert_int_eq(alarm_claim(&a, "bob", 3000), ALARM_ERR_CLAIMED);
	ck_assert_str_eq(a.claimed_by, "ann");
	/* Release and claim by bob: first_claimed_ms stays. */
	ck_assert_int_eq(alarm_release(&a, "ann", 0), ALARM_OK);
	ck_assert_int_eq(alarm_claim(&a, "bob", 4000), ALARM_OK);
	ck_assert_str_eq(a.claimed_by, "bob");
	ck_assert_int_eq(a.claimed_ms, 4000);
	ck_assert_int_eq(a.first_claimed_ms, 1000);
}
END_TEST

START_TEST(claim_resolved_and_bad_user)
{
	struct alarm	a;
	char		longname[ALARM_USER_MAX + 2];

	alarm_init(&a, ALARM_RESOLVED, NULL);
	ck_assert_int_eq(alarm_claim(&a, "ann", 1), ALARM_ERR_RESOLVED);
	ck_assert_int_eq(a.state, ALARM_RESOLVED);
	ck_assert_str_eq(a.claimed_by, "");

	alarm_init(&a, ALARM_QUEUED, NULL);
	ck_assert_int_eq(alarm_claim(&a, "", 1), ALARM_ERR_DENIED);
	ck_assert_int_eq(alarm_claim(&a, NULL, 1), ALARM_ERR_DENIED);
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	ck_assert_int_eq(alarm_claim(&a, longname, 1), ALARM_ERR_DENIED);
	ck_assert_int_eq(a.state, ALARM_QUEUED);
	longname[ALARM_USER_MAX] = '\0';
	ck_assert_int_eq(alarm_claim(&a, longname, 1), ALARM_OK);
	ck_assert_str_eq(a.claimed_by, longname);
}
END_TEST

/* Every state and role for release. */
START_TEST(release_matrix)
{
	struct alarm	a;

	alarm_init(&a, ALARM_QUEUED, NULL);
	ck_assert_int_eq(alarm_release(&a, "ann", 0), ALARM_ERR_NOT_CLAIMED);
	ck_assert_int_eq(alarm_release(&a, "ann", 1), ALARM_ERR_NOT_CLAIMED);

	alarm_init(&a, ALARM_CLAIMED, "ann");
	ck_assert_int_eq(alarm_release(&a, "bob", 0), ALARM_ERR_CLAIMED);
	ck_assert_int_eq(a.state, ALARM_CLAIMED);
	ck_assert_str_eq(a.claimed_by, "ann");
	ck_assert_int_eq(alarm_release(&a, "ann", 0), ALARM_OK);
	ck_assert_int_eq(a.state, ALARM_QUEUED);
	ck_assert_str_eq(a.claimed_by, "");
	ck_assert_int_eq(a.claimed_ms, -1);
	ck_assert_int_eq(a.first_claimed_ms, 50);

	alarm_init(&a, ALARM_CLAIMED, "ann");
	ck_assert_int_eq(alarm_release(&a, "sue", 1), ALARM_OK);
	ck_assert_int_eq(a.state, ALARM_QUEUED);
	ck_assert_str_eq(a.claimed_by, "");

	alarm_init(&a, ALARM_RESOLVED, NULL);
	ck_assert_int_eq(alarm_release(&a, "ann", 0), ALARM_ERR_RESOLVED);
	ck_assert_int_eq(alarm_release(&a, "sue", 1), ALARM_ERR_RESOLVED);
}
END_TEST

START_TEST(release_user_on_disconnect)
{
	struct alarm	a;

	alarm_init(&a, ALARM_CLAIMED, "ann");
	ck_assert_int_eq(alarm_release_user(&a, "bob"), 0);
	ck_assert_int_eq(a.state, ALARM_CLAIMED);
	ck_assert_int_eq(alarm_release_user(&a, "ann"), 1);
	ck_assert_int_eq(a.state, ALARM_QUEUED);
	ck_assert_str_eq(a.claimed_by, "");
	ck_assert_int_eq(alarm_release_user(&a, "ann"), 0);
	alarm_init(&a, ALARM_RESOLVED, NULL);
	ck_assert_int_eq(alarm_release_user(&a, ""), 0);
	ck_assert_int_eq(a.state, ALARM_RESOLVED);
}
END_TEST

/* Every state and role for resolve, with a valid classification. */
START_TEST(resolve_matrix)
{
	struct alarm	a;

	alarm_init(&a, ALARM_QUEUED, NULL);
	ck_assert_int_eq(alarm_resolve(&a, "ann", 0, ALARM_OUTCOME_FALSE,
	    "test", NULL), ALARM_ERR_NOT_CLAIMED);
	ck_assert_int_eq(a.state, ALARM_QUEUED);
	ck_assert_int_eq(alarm_resolve(&a, "sue", 1, ALARM_OUTCOME_FALSE,
	    "test", NULL), ALARM_OK);
	ck_assert_int_eq(a.state, ALARM_RESOLVED);
	ck_assert_int_eq(a.outcome, ALARM_OUTCOME_FALSE);

	alarm_init(&a, ALARM_CLAIMED, "ann");
	ck_assert_int_eq(alarm_resolve(&a, "bob", 0, ALARM_OUTCOME_GENUINE,
	    NULL, "police"), ALARM_ERR_CLAIMED);
	ck_assert_int_eq(a.state, ALARM_CLAIMED);
	ck_assert_int_eq(a.outcome, ALARM_OUTCOME_NONE);
	ck_assert_int_eq(alarm_resolve(&a, "ann", 0, ALARM_OUTCOME_GENUINE,
	    NULL, "police"), ALARM_OK);
	ck_assert_int_eq(a.state, ALARM_RESOLVED);
	ck_assert_int_eq(a.outcome, ALARM_OUTCOME_GENUINE);
	ck_assert_str_eq(a.claimed_by, "");

	alarm_init(&a, ALARM_CLAIMED, "ann");
	ck_assert_int_eq(alarm_resolve(&a, "sue", 1, ALARM_OUTCOME_GENUINE,
	    NULL, "ambulance"), ALARM_OK);
	ck_assert_int_eq(a.state, ALARM_RESOLVED);

	alarm_init(&a, ALARM_RESOLVED, NULL);
	ck_assert_int_eq(alarm_resolve(&a, "ann", 0, ALARM_OUTCOME_FALSE,
	    "test", NULL), ALARM_ERR_RESOLVED);
	ck_assert_int_eq(alarm_resolve(&a, "sue", 1, ALARM_OUTCOME_GENUINE,
	    NULL, "fire"), ALARM_ERR_RESOLVED);
	ck_assert_int_eq(a.outcome, ALARM_OUTCOME_FALSE);
}
END_TEST

START_TEST(resolve_classification)
{
	struct alarm	a;
	size_t		i;

	alarm_init(&a, ALARM_CLAIMED, "ann");
	ck_assert_int_eq(alarm_resolve(&a, "ann", 0, ALARM_OUTCOME_FALSE,
	    NULL, NULL), ALARM_ERR_CLASSIFY);
	ck_assert_int_eq(alarm_resolve(&a, "ann", 0, ALARM_OUTCOME_FALSE,
	    "bogus", NULL), ALARM_ERR_CLASSIFY);
	ck_assert_int_eq(alarm_resolve(&a, "ann", 0, ALARM_OUTCOME_FALSE,
	    "test", "police"), ALARM_ERR_CLASSIFY);
	ck_assert_int_eq(alarm_resolve(&a, "ann", 0, ALARM_OUTCOME_FALSE,
	    "police", NULL), ALARM_ERR_CLASSIFY);
	ck_assert_int_eq(alarm_resolve(&a, "ann", 0, ALARM_OUTCOME_GENUINE,
	    NULL, NULL), ALARM_ERR_CLASSIFY);
	ck_assert_int_eq(alarm_resolve(&a, "ann", 0, ALARM_OUTCOME_GENUINE,
	    NULL, "test"), ALARM_ERR_CLASSIFY);
	ck_assert_int_eq(alarm_resolve(&a, "ann", 0, ALARM_OUTCOME_GENUINE,
	    "other", "other"), ALARM_ERR_CLASSIFY);
	ck_assert_int_eq(alarm_resolve(&a, "ann", 0, ALARM_OUTCOME_NONE,
	    NULL, NULL), ALARM_ERR_CLASSIFY);
	ck_assert_int_eq(alarm_resolve(&a, "ann", 0, ALARM_OUTCOME_NONE,
	    "test", NULL), ALARM_ERR_CLASSIFY);
	ck_assert_int_eq(a.state, ALARM_CLAIMED);
	ck_assert_int_eq(a.outcome, ALARM_OUTCOME_NONE);
	for (i = 0; alarm_false_reasons[i] != NULL; i++) {
		alarm_init(&a, ALARM_CLAIMED, "ann");
		ck_assert_int_eq(alarm_resolve(&a, "ann", 0,
		    ALARM_OUTCOME_FALSE, alarm_false_reasons[i], NULL),
		    ALARM_OK);
	}
	ck_assert_uint_eq(i, 6);
	for (i = 0; alarm_genuine_actions[i] != NULL; i++) {
		alarm_init(&a, ALARM_CLAIMED, "ann");
		ck_assert_int_eq(alarm_resolve(&a, "ann", 0,
		    ALARM_OUTCOME_GENUINE, NULL, alarm_genuine_actions[i]),
		    ALARM_OK);
	}
	ck_assert_uint_eq(i, 5);
	/* A permission failure wins over a bad classification. */
	alarm_init(&a, ALARM_CLAIMED, "ann");
	ck_assert_int_eq(alarm_resolve(&a, "bob", 0, ALARM_OUTCOME_NONE,
	    NULL, NULL), ALARM_ERR_CLAIMED);
}
END_TEST

/* BUTTON: genuine or false; any other type: technical or genuine. */
START_TEST(resolve_outcome_by_type)
{
	struct alarm	a;

	alarm_init(&a, ALARM_CLAIMED, "ann");
	ck_assert_int_eq(alarm_resolve(&a, "ann", 0, ALARM_OUTCOME_TECHNICAL,
	    NULL, "engineer"), ALARM_ERR_OUTCOME);
	ck_assert_int_eq(a.state, ALARM_CLAIMED);
	alarm_init(&a, ALARM_CLAIMED, "ann");
	a.type = EVTYPE_UNIT_OFFLINE;
	ck_assert_int_eq(alarm_resolve(&a, "ann", 0, ALARM_OUTCOME_FALSE,
	    "fault", NULL), ALARM_ERR_OUTCOME);
	ck_assert_int_eq(a.state, ALARM_CLAIMED);
	/* The state check comes first: another's claim is still CLAIMED. */
	ck_assert_int_eq(alarm_resolve(&a, "bob", 0, ALARM_OUTCOME_FALSE,
	    "fault", NULL), ALARM_ERR_CLAIMED);
	ck_assert_int_eq(alarm_resolve(&a, "ann", 0, ALARM_OUTCOME_TECHNICAL,
	    "fault", NULL), ALARM_ERR_CLASSIFY);
	ck_assert_int_eq(alarm_resolve(&a, "ann", 0, ALARM_OUTCOME_TECHNICAL,
	    NULL, "police"), ALARM_ERR_CLASSIFY);
	ck_assert_int_eq(alarm_resolve(&a, "ann", 0, ALARM_OUTCOME_TECHNICAL,
	    NULL, "engineer"), ALARM_OK);
	ck_assert_int_eq(a.outcome, ALARM_OUTCOME_TECHNICAL);
	ck_assert_int_eq(a.state, ALARM_RESOLVED);
	/* The action is optional, and genuine is for every type. */
	alarm_init(&a, ALARM_CLAIMED, "ann");
	a.type = EVTYPE_TAMPER;
	ck_assert_int_eq(alarm_resolve(&a, "ann", 0, ALARM_OUTCOME_TECHNICAL,
	    NULL, NULL), ALARM_OK);
	alarm_init(&a, ALARM_CLAIMED, "ann");
	a.type = EVTYPE_MAINS_FAIL;
	ck_assert_int_eq(alarm_resolve(&a, "ann", 0, ALARM_OUTCOME_GENUINE,
	    NULL, "police"), ALARM_OK);
	ck_assert_int_eq(alarm_is_activation(EVTYPE_BUTTON), 1);
	ck_assert_int_eq(alarm_is_activation(EVTYPE_LIGHT_FAULT), 0);
	ck_assert_int_eq(alarm_outcome_allowed(EVTYPE_BUTTON,
	    ALARM_OUTCOME_NONE), 0);
}
END_TEST

/* Lists from units.yaml replace the defaults; "restored" always passes. */
START_TEST(resolve_with_custom_lists)
{
	static const char *const reasons[] = { "child-playing", NULL };
	static const char *const actions[] = { "welfare-check", NULL };
	static const char *const technical[] = { "reset", NULL };
	const struct alarm_lists lists = { reasons, actions, technical };
	struct alarm	a;

	alarm_init(&a, ALARM_CLAIMED, "ann");
	ck_assert_int_eq(alarm_resolve_with(&a, "ann", 0, ALARM_OUTCOME_FALSE,
	    "accidental", NULL, &lists), ALARM_ERR_CLASSIFY);
	ck_assert_int_eq(alarm_resolve_with(&a, "ann", 0, ALARM_OUTCOME_GENUINE,
	    NULL, "police", &lists), ALARM_ERR_CLASSIFY);
	ck_assert_int_eq(alarm_resolve_with(&a, "ann", 0, ALARM_OUTCOME_FALSE,
	    "child-playing", NULL, &lists), ALARM_OK);
	alarm_init(&a, ALARM_CLAIMED, "ann");
	a.type = EVTYPE_BATTERY_LOW;
	ck_assert_int_eq(alarm_resolve_with(&a, "ann", 0,
	    ALARM_OUTCOME_TECHNICAL, NULL, "engineer", &lists),
	    ALARM_ERR_CLASSIFY);
	ck_assert_int_eq(alarm_resolve_with(&a, "ann", 0,
	    ALARM_OUTCOME_TECHNICAL, NULL, ALARM_ACTION_RESTORED, &lists),
	    ALARM_OK);
	alarm_init(&a, ALARM_CLAIMED, "ann");
	a.type = EVTYPE_BATTERY_LOW;
	ck_assert_int_eq(alarm_resolve_with(&a, "ann", 0,
	    ALARM_OUTCOME_TECHNICAL, NULL, "reset", &lists), ALARM_OK);
	/* NULL lists: the defaults. */
	alarm_init(&a, ALARM_CLAIMED, "ann");
	a.type = EVTYPE_BATTERY_LOW;
	ck_assert_int_eq(alarm_resolve_with(&a, "ann", 0,
	    ALARM_OUTCOME_TECHNICAL, NULL, "reset", NULL), ALARM_ERR_CLASSIFY);
	ck_assert_int_eq(alarm_word_in(alarm_technical_actions, "engineer"), 1);
	ck_assert_int_eq(alarm_word_in(alarm_technical_actions, "none"), 1);
}
END_TEST

START_TEST(escalation_levels)
{
	ck_assert_int_eq(alarm_escalation_level(0, 30000, 60000), 0);
	ck_assert_int_eq(alarm_escalation_level(29999, 30000, 60000), 0);
	ck_assert_int_eq(alarm_escalation_level(30000, 30000, 60000), 1);
	ck_assert_int_eq(alarm_escalation_level(59999, 30000, 60000), 1);
	ck_assert_int_eq(alarm_escalation_level(60000, 30000, 60000), 2);
	/* supervisor_after below after: level 2 from the first escalation. */
	ck_assert_int_eq(alarm_escalation_level(10000, 30000, 5000), 0);
	ck_assert_int_eq(alarm_escalation_level(30000, 30000, 5000), 2);
}
END_TEST

START_TEST(status_texts)
{
	ck_assert_str_eq(alarm_status_text(ALARM_OK), "ok");
	ck_assert_str_eq(alarm_status_text(ALARM_ERR_CLAIMED),
	    "alarm is claimed by another operator");
	ck_assert_str_eq(alarm_status_text(ALARM_ERR_RESOLVED),
	    "alarm is already resolved");
	ck_assert_str_eq(alarm_status_text(ALARM_ERR_NOT_CLAIMED),
	    "alarm is not claimed by you");
	ck_assert_str_eq(alarm_status_text(ALARM_ERR_DENIED),
	    "not allowed for your role");
	ck_assert_str_eq(alarm_status_text(ALARM_ERR_CLASSIFY),
	    "false needs reason=, genuine action=, technical an optional "
	    "action=, each from the lists OUTCOMES gives");
	ck_assert_str_eq(alarm_status_text(ALARM_ERR_OUTCOME),
	    "a BUTTON alarm resolves genuine or false, any other type "
	    "technical or genuine");
	ck_assert_str_eq(alarm_status_text((enum alarm_status)99),
	    "unknown status");
}
END_TEST

START_TEST(word_lists)
{
	ck_assert_int_eq(alarm_word_in(alarm_false_reasons, "no-one-there"), 1);
	ck_assert_int_eq(alarm_word_in(alarm_false_reasons, "police"), 0);
	ck_assert_int_eq(alarm_word_in(alarm_false_reasons, "Test"), 0);
	ck_assert_int_eq(alarm_word_in(alarm_false_reasons, ""), 0);
	ck_assert_int_eq(alarm_word_in(alarm_false_reasons, NULL), 0);
	ck_assert_int_eq(alarm_word_in(alarm_genuine_actions, "advice"), 1);
	ck_assert_int_eq(alarm_word_in(alarm_genuine_actions, "test"), 0);
}
END_TEST

START_TEST(names)
{
	enum alarm_state	st;
	enum alarm_outcome	o;

	ck_assert_str_eq(alarm_state_name(ALARM_QUEUED), "queued");
	ck_assert_str_eq(alarm_state_name(ALARM_CLAIMED), "claimed");
	ck_assert_str_eq(alarm_state_name(ALARM_RESOLVED), "resolved");
	ck_assert_str_eq(alarm_state_name((enum alarm_state)9), "unknown");
	ck_assert_str_eq(alarm_outcome_name(ALARM_OUTCOME_NONE), "none");
	ck_assert_str_eq(alarm_outcome_name(ALARM_OUTCOME_GENUINE), "genuine");
	ck_assert_str_eq(alarm_outcome_name(ALARM_OUTCOME_FALSE), "false");
	ck_assert_str_eq(alarm_outcome_name(ALARM_OUTCOME_TECHNICAL),
	    "technical");
	ck_assert_int_eq(alarm_outcome_from_name("technical", &o), 0);
	ck_assert_int_eq(o, ALARM_OUTCOME_TECHNICAL);
	ck_assert_str_eq(alarm_outcome_name((enum alarm_outcome)9), "unknown");
	ck_assert_int_eq(alarm_state_from_name("claimed", &st), 0);
	ck_assert_int_eq(st, ALARM_CLAIMED);
	ck_assert_int_eq(alarm_state_from_name("Claimed", &st), -1);
	ck_assert_int_eq(alarm_outcome_from_name("false", &o), 0);
	ck_assert_int_eq(o, ALARM_OUTCOME_FALSE);
	ck_assert_int_eq(alarm_outcome_from_name("none", &o), 0);
	ck_assert_int_eq(o, ALARM_OUTCOME_NONE);
	ck_assert_int_eq(alarm_outcome_from_name("", &o), -1);
}
END_TEST

START_TEST(compare_order)
{
	struct alarm	a, b;

	alarm_init(&a, ALARM_QUEUED, NULL);
	alarm_init(&b, ALARM_QUEUED, NULL);
	a.priority = 1;
	a.seq = 10;
	b.priority = 2;
	b.seq = 1;
	ck_assert_int_lt(alarm_compare(&a, &b), 0);
	ck_assert_int_gt(alarm_compare(&b, &a), 0);
	b.priority = 1;
	ck_assert_int_gt(alarm_compare(&a, &b), 0);
	ck_assert_int_lt(alarm_compare(&b, &a), 0);
	b.seq = 10;
	ck_assert_int_eq(alarm_compare(&a, &b), 0);
	/* No overflow on extreme seqs. */
	a.seq = 0;
	b.seq = UINT64_MAX;
	ck_assert_int_lt(alarm_compare(&a, &b), 0);
}
END_TEST

static Suite *
alarm_suite(void)
{
	Suite	*s = suite_create("alarm");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, effect_raise_repeat_testsignal);
	tcase_add_test(tc, effect_restore);
	tcase_add_test(tc, effect_none);
	tcase_add_test(tc, effect_lookup_type);
	tcase_add_test(tc, claim_queued);
	tcase_add_test(tc, claim_resolved_and_bad_user);
	tcase_add_test(tc, release_matrix);
	tcase_add_test(tc, release_user_on_disconnect);
	tcase_add_test(tc, resolve_matrix);
	tcase_add_test(tc, resolve_classification);
	tcase_add_test(tc, resolve_outcome_by_type);
	tcase_add_test(tc, resolve_with_custom_lists);
	tcase_add_test(tc, escalation_levels);
	tcase_add_test(tc, status_texts);
	tcase_add_test(tc, word_lists);
	tcase_add_test(tc, names);
	tcase_add_test(tc, compare_order);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(alarm_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
