/* Event types of the unit protocol and the receiver's own; default priorities. Pure. */
#ifndef REFUGE_EVTYPE_H
#define REFUGE_EVTYPE_H

enum evtype {
	EVTYPE_BUTTON,
	EVTYPE_TAMPER,
	EVTYPE_TAMPER_RESTORE,
	EVTYPE_MAINS_FAIL,
	EVTYPE_MAINS_RESTORE,
	EVTYPE_BATTERY_LOW,
	EVTYPE_BATTERY_RESTORE,
	EVTYPE_CAMERA_FAULT,
	EVTYPE_CAMERA_RESTORE,
	EVTYPE_LIGHT_FAULT,
	EVTYPE_LIGHT_RESTORE,
	EVTYPE_AUDIO_FAULT,
	EVTYPE_AUDIO_RESTORE,
	EVTYPE_TEST,
	EVTYPE_UNIT_OFFLINE,	/* made by the receiver */
	EVTYPE_UNIT_ONLINE,	/* made by the receiver */
	/* From SIA DC-09 panels (refuge-dc09(7)); no TLS unit sends them. */
	EVTYPE_FIRE,
	EVTYPE_FIRE_RESTORE,
	EVTYPE_INTRUSION,
	EVTYPE_INTRUSION_RESTORE,
	EVTYPE_UNKNOWN_CODE,	/* a code the map does not know: code=<raw> */
	EVTYPE_STATUS,		/* stored with no alarm: a status, an unmapped restore */
	EVTYPE_PATH_FAULT,	/* made by the receiver: one path of two lost */
	EVTYPE_PATH_RESTORE,	/* made by the receiver */
	EVTYPE_COUNT
};

/* The protocol name, or "UNKNOWN" for a value outside the enum. */
const char	*evtype_name(enum evtype);
/* Returns 0 and sets *type for a known name (case-sensitive), else -1. */
int		 evtype_from_name(const char *name, enum evtype *type);
/* 1 if a unit may send this type in an EVENT line. */
int		 evtype_unit_may_send(enum evtype);
/* Default alarm priority (1 highest); 0 for a type that never raises an alarm. */
int		 evtype_default_priority(enum evtype);
/* For a *_RESTORE or UNIT_ONLINE type, the type it restores; else -1. */
int		 evtype_restores(enum evtype);

#endif
