/* Event types: names, who may send them, default priorities, restores. */
#include <stddef.h>
#include <string.h>

#include "refuge/evtype.h"

struct evtype_info {
	const char	*name;
	int		 unit_may_send;
	int		 priority;	/* 0: never raises an alarm */
	int		 restores;	/* enum evtype, or -1 */
};

/* Indexed by enum evtype. */
static const struct evtype_info evtype_table[EVTYPE_COUNT] = {
	[EVTYPE_BUTTON] =		{ "BUTTON", 1, 1, -1 },
	[EVTYPE_TAMPER] =		{ "TAMPER", 1, 2, -1 },
	[EVTYPE_TAMPER_RESTORE] =	{ "TAMPER_RESTORE", 1, 0, EVTYPE_TAMPER },
	[EVTYPE_MAINS_FAIL] =		{ "MAINS_FAIL", 1, 4, -1 },
	[EVTYPE_MAINS_RESTORE] =	{ "MAINS_RESTORE", 1, 0, EVTYPE_MAINS_FAIL },
	[EVTYPE_BATTERY_LOW] =		{ "BATTERY_LOW", 1, 5, -1 },
	[EVTYPE_BATTERY_RESTORE] =	{ "BATTERY_RESTORE", 1, 0,
					    EVTYPE_BATTERY_LOW },
	[EVTYPE_CAMERA_FAULT] =		{ "CAMERA_FAULT", 1, 5, -1 },
	[EVTYPE_CAMERA_RESTORE] =	{ "CAMERA_RESTORE", 1, 0,
					    EVTYPE_CAMERA_FAULT },
	[EVTYPE_LIGHT_FAULT] =		{ "LIGHT_FAULT", 1, 5, -1 },
	[EVTYPE_LIGHT_RESTORE] =	{ "LIGHT_RESTORE", 1, 0, EVTYPE_LIGHT_FAULT },
	[EVTYPE_AUDIO_FAULT] =		{ "AUDIO_FAULT", 1, 5, -1 },
	[EVTYPE_AUDIO_RESTORE] =	{ "AUDIO_RESTORE", 1, 0, EVTYPE_AUDIO_FAULT },
	[EVTYPE_TEST] =			{ "TEST", 1, 0, -1 },
	[EVTYPE_UNIT_OFFLINE] =		{ "UNIT_OFFLINE", 0, 3, -1 },
	[EVTYPE_UNIT_ONLINE] =		{ "UNIT_ONLINE", 0, 0, EVTYPE_UNIT_OFFLINE },
	[EVTYPE_FIRE] =			{ "FIRE", 0, 1, -1 },
	[EVTYPE_FIRE_RESTORE] =		{ "FIRE_RESTORE", 0, 0, EVTYPE_FIRE },
	[EVTYPE_INTRUSION] =		{ "INTRUSION", 0, 2, -1 },
	[EVTYPE_INTRUSION_RESTORE] =	{ "INTRUSION_RESTORE", 0, 0,
					    EVTYPE_INTRUSION },
	[EVTYPE_UNKNOWN_CODE] =		{ "UNKNOWN_CODE", 0, 5, -1 },
	[EVTYPE_STATUS] =		{ "STATUS", 0, 0, -1 },
	[EVTYPE_PATH_FAULT] =		{ "PATH_FAULT", 0, 5, -1 },
	[EVTYPE_PATH_RESTORE] =		{ "PATH_RESTORE", 0, 0, EVTYPE_PATH_FAULT },
};

static const struct evtype_info *
evtype_info(enum evtype type)
{
	if ((int)type < 0 || (int)type >= EVTYPE_COUNT)
		return NULL;
	return &evtype_table[type];
}

const char *
evtype_name(enum evtype type)
{
	const struct evtype_info	*ei = evtype_info(type);

	return ei == NULL ? "UNKNOWN" : ei->name;
}

int
evtype_from_name(const char *name, enum evtype *type)
{
	int	i;

	for (i = 0; i < EVTYPE_COUNT; i++) {
		if (strcmp(evtype_table[i].name, name) == 0) {
			*type = (enum evtype)i;
			return 0;
		}
	}
	return -1;
}

int
evtype_unit_may_send(enum evtype type)
{
	const struct evtype_info	*ei = evtype_info(type);

	return ei != NULL && ei->unit_may_send;
}

int
evtype_default_priority(enum evtype type)
{
	const struct evtype_info	*ei = evtype_info(type);

	return ei == NULL ? 0 : ei->priority;
}

int
evtype_restores(enum evtype type)
{
	const struct evtype_info	*ei = evtype_info(type);

	return ei == NULL ? -1 : ei->restores;
}
