/*
 * The DC-09 code map: SIA-DCS codes and Contact ID events to event types,
 * the default table (refuge-dc09(7) shows it) and units.yaml's dc09_codes
 * overrides. Pure.
 */
#ifndef REFUGE_DC09_CODES_H
#define REFUGE_DC09_CODES_H

#include <stddef.h>

#include "dc09.h"
#include "evtype.h"

/* One override: "BA" or "CID:130" to a type. */
struct dc09_code_override {
	char		key[12];
	enum evtype	type;
};

struct dc09_codes {
	size_t				 count;
	struct dc09_code_override	*entries;
};

/*
 * The type an event is stored as: its mapped type (a CID restore: the
 * mapped type's restore); EVTYPE_STATUS for a CID status and a restore
 * with no restore type; EVTYPE_UNKNOWN_CODE for a code no map knows.
 * overrides may be NULL.
 */
enum evtype	dc09_codes_map(const struct dc09_codes *overrides,
		    const struct dc09_event *);
/* 1 if key has the form of a code: two upper-case letters, or CID:nnn. */
int		dc09_codes_key_valid(const char *key);
/* The default table's row index as "PA" or "CID:110-118" in buf; NULL past the end. */
const char	*dc09_codes_default(size_t index, char *buf, size_t buflen,
		    enum evtype *type);

#endif
