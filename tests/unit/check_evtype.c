/* Unit tests for event types, priorities and restores. */
#include <check.h>
#include <stdlib.h>

#include "refuge/evtype.h"

static const char *const names[EVTYPE_COUNT] = {
	"BUTTON", "TAMPER", "TAMPER_RESTORE", "MAINS_FAIL", "MAINS_RESTORE",
	"BATTERY_LOW", "BATTERY_RESTORE", "CAMERA_FAULT", "CAMERA_RESTORE",
	"LIGHT_FAULT", "LIGHT_RESTORE", "AUDIO_FAULT", "AUDIO_RESTORE", "TEST",
	"UNIT_OFFLINE", "UNIT_ONLINE", "FIRE", "FIRE_RESTORE", "INTRUSION",
	"INTRUSION_RESTORE", "UNKNOWN_CODE", "STATUS", "PATH_FAULT",
	"PATH_RESTORE",
};

START_TEST(names_roundtrip)
{
	enum evtype	t;
	int		i;

	for (i = 0; i < EVTYPE_COUNT; i++) {
		ck_assert_str_eq(evtype_name((enum evtype)i), names[i]);
		t = EVTYPE_COUNT;
		ck_assert_int_eq(evtype_from_name(names[i], &t), 0);
		ck_assert_int_eq(t, i);
	}
}
END_TEST

START_TEST(unknown_names)
{
	enum evtype	t = EVTYPE_TEST;

	ck_assert_int_eq(evtype_from_name("button", &t), -1);
	ck_assert_int_eq(evtype_from_name("", &t), -1);
	ck_assert_int_eq(evtype_from_name("BUTTONS", &t), -1);
	ck_assert_int_eq(evtype_from_name("BUTTO", &t), -1);
	ck_assert_int_eq(t, EVTYPE_TEST);
	ck_assert_str_eq(evtype_name(EVTYPE_COUNT), "UNKNOWN");
	ck_assert_str_eq(evtype_name((enum evtype)-1), "UNKNOWN");
}
END_TEST

START_TEST(priorities)
{
	static const int expect[EVTYPE_COUNT] = {
		[EVTYPE_BUTTON] = 1, [EVTYPE_TAMPER] = 2,
		[EVTYPE_UNIT_OFFLINE] = 3, [EVTYPE_MAINS_FAIL] = 4,
		[EVTYPE_CAMERA_FAULT] = 5, [EVTYPE_LIGHT_FAULT] = 5,
		[EVTYPE_AUDIO_FAULT] = 5, [EVTYPE_BATTERY_LOW] = 5,
		[EVTYPE_FIRE] = 1, [EVTYPE_INTRUSION] = 2,
		[EVTYPE_UNKNOWN_CODE] = 5, [EVTYPE_PATH_FAULT] = 5,
	};
	int	i;

	for (i = 0; i < EVTYPE_COUNT; i++)
		ck_assert_msg(evtype_default_priority((enum evtype)i) ==
		    expect[i], "priority of %s", names[i]);
	ck_assert_int_eq(evtype_default_priority(EVTYPE_TEST), 0);
	ck_assert_int_eq(evtype_default_priority(EVTYPE_COUNT), 0);
}
END_TEST

START_TEST(restores)
{
	static const int expect[EVTYPE_COUNT] = {
		[EVTYPE_BUTTON] = -1, [EVTYPE_TAMPER] = -1,
		[EVTYPE_TAMPER_RESTORE] = EVTYPE_TAMPER,
		[EVTYPE_MAINS_FAIL] = -1,
		[EVTYPE_MAINS_RESTORE] = EVTYPE_MAINS_FAIL,
		[EVTYPE_BATTERY_LOW] = -1,
		[EVTYPE_BATTERY_RESTORE] = EVTYPE_BATTERY_LOW,
		[EVTYPE_CAMERA_FAULT] = -1,
		[EVTYPE_CAMERA_RESTORE] = EVTYPE_CAMERA_FAULT,
		[EVTYPE_LIGHT_FAULT] = -1,
		[EVTYPE_LIGHT_RESTORE] = EVTYPE_LIGHT_FAULT,
		[EVTYPE_AUDIO_FAULT] = -1,
		[EVTYPE_AUDIO_RESTORE] = EVTYPE_AUDIO_FAULT,
		[EVTYPE_TEST] = -1, [EVTYPE_UNIT_OFFLINE] = -1,
		[EVTYPE_UNIT_ONLINE] = EVTYPE_UNIT_OFFLINE,
		[EVTYPE_FIRE] = -1, [EVTYPE_FIRE_RESTORE] = EVTYPE_FIRE,
		[EVTYPE_INTRUSION] = -1,
		[EVTYPE_INTRUSION_RESTORE] = EVTYPE_INTRUSION,
		[EVTYPE_UNKNOWN_CODE] = -1, [EVTYPE_STATUS] = -1,
		[EVTYPE_PATH_FAULT] = -1,
		[EVTYPE_PATH_RESTORE] = EVTYPE_PATH_FAULT,
	};
	int	i;

	for (i = 0; i < EVTYPE_COUNT; i++)
		ck_assert_msg(evtype_restores((enum evtype)i) == expect[i],
		    "restore of %s", names[i]);
	ck_assert_int_eq(evtype_restores(EVTYPE_COUNT), -1);
}
END_TEST

START_TEST(unit_may_send)
{
	int	i;

	for (i = 0; i < EVTYPE_COUNT; i++)
		ck_assert_int_eq(evtype_unit_may_send((enum evtype)i),
		    i < EVTYPE_UNIT_OFFLINE);
	ck_assert_int_eq(evtype_unit_may_send(EVTYPE_COUNT), 0);
}
END_TEST

static Suite *
evtype_suite(void)
{
	Suite	*s = suite_create("evtype");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, names_roundtrip);
	tcase_add_test(tc, unknown_names);
	tcase_add_test(tc, priorities);
	tcase_add_test(tc, restores);
	tcase_add_test(tc, unit_may_send);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(evtype_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
