/* Which store backend a database string names: where backends are registered. */
#include <stdio.h>
#include <string.h>

#include "refuge/store_backend.h"

/*
 * A database string starting with prefix selects backend; a NULL backend
 * is one this refuge knows of but was built without. Strings matching no
 * prefix are SQLite paths.
 */
static const struct store_kind {
	const char			*prefix;
	const char			*label;
	const struct store_backend	*backend;
} store_kinds[] = {
	{ "postgresql://",	"PostgreSQL",	&store_backend_postgresql },
	{ "postgres://",	"PostgreSQL",	&store_backend_postgresql },
};

const struct store_backend *
store_backend_choose(const char *database, char *err, size_t errlen)
{
	size_t	i;

	for (i = 0; i < sizeof(store_kinds) / sizeof(store_kinds[0]); i++) {
		if (strncmp(database, store_kinds[i].prefix,
		    strlen(store_kinds[i].prefix)) != 0)
			continue;
		if (store_kinds[i].backend == NULL) {
			snprintf(err, errlen, "%s is not built in",
			    store_kinds[i].label);
			return NULL;
		}
		return store_kinds[i].backend;
	}
	return &store_backend_sqlite;
}

/* store.h: whether store_check can run on this database's backend. */
int
store_check_supported(const char *database, char *err, size_t errlen)
{
	const struct store_backend	*backend;

	if ((backend = store_backend_choose(database, err, errlen)) == NULL)
		return -1;
	return backend->check != NULL;
}
