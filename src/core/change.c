/* Names of the typed stack changes, for logs and tests. */
#include "refuge/change.h"

const char *
change_kind_name(enum change_kind kind)
{
	static const char *const names[] = {
		"raised", "stored", "repeated", "restored", "claimed", "released",
		"noted", "resolved", "escalated", "testsignal", "testmode",
		"unit-state", "command", "reloaded", "receiver", "flood"
	};

	if ((size_t)kind >= sizeof(names) / sizeof(names[0]))
		return "?";
	return names[kind];
}
