/*
 * libFuzzer harness for registry_parse, bytes in. Beyond not crashing: it
 * succeeds exactly when it reports nothing, every message names the file
 * and is one line, and a registry it accepts is in id order, finds every
 * entry by id, and resolves every unit's site and every site's plan.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "refuge/registry.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
fuzz_registry_check(const struct registry *r)
{
	size_t	i;
	int	t;

	if (strcmp(r->path, "fuzz.yaml") != 0)
		abort();
	for (i = 0; i < r->unit_count; i++) {
		if ((i > 0 && strcmp(r->units[i - 1].id, r->units[i].id) >= 0) ||
		    registry_unit_find(r, r->units[i].id) != &r->units[i] ||
		    registry_site_find(r, r->units[i].site) == NULL)
			abort();
		if (r->units[i].camera_preset < -1 ||
		    r->units[i].camera_preset > 255)
			abort();
	}
	for (i = 0; i < r->site_count; i++)
		if (registry_site_find(r, r->sites[i].id) != &r->sites[i] ||
		    (r->sites[i].plan != NULL &&
		    registry_plan_find(r, r->sites[i].plan) == NULL))
			abort();
	for (i = 0; i < r->plan_count; i++)
		if (registry_plan_find(r, r->plans[i].id) != &r->plans[i] ||
		    r->plans[i].step_count == 0)
			abort();
	for (i = 0; i < r->operator_count; i++)
		if (registry_operator_find(r, r->operators[i].user) !=
		    &r->operators[i])
			abort();
	for (t = 0; t < EVTYPE_COUNT; t++)
		if (r->priorities[t] < 0 || r->priorities[t] > 9)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct registry	*r = NULL;
	struct diag	 d;
	size_t		 i;
	int		 rc;

	diag_init(&d);
	rc = registry_parse("fuzz.yaml", (const char *)data, size, &r, &d);
	if ((rc == 0) != (r != NULL) || (rc == 0) != (d.count == 0))
		abort();
	for (i = 0; i < d.count; i++)
		if (strncmp(d.messages[i], "fuzz.yaml:", 10) != 0 ||
		    strchr(d.messages[i], '\n') != NULL)
			abort();
	if (r != NULL)
		fuzz_registry_check(r);
	registry_free(r);
	diag_clear(&d);
	return 0;
}
