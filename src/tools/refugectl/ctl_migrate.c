/*
 * migrate: moving over from SQLite to PostgreSQL. The SQLite database is
 * locked as refuged locks it (refused while refuged runs), brought to this
 * refuge's schema, and copied whole into an empty PostgreSQL database
 * (store_copy.c), then checked there: every table's rows counted on both
 * sides, and the audit chain walked on PostgreSQL through the store, as
 * verify walks it, to the same last hash as on SQLite.
 */
#include <stdio.h>
#include <string.h>

#include "refuge/config.h"
#include "refuge/log.h"
#include "refuge/store.h"
#include "refuge/store_copy.h"

#include "ctl.h"

static void
ctl_migrate_progress(const struct store_copy_table *t, void *arg)
{
	(void)arg;
	printf("  %-14s %10lld rows\n", t->name, (long long)t->copied);
	fflush(stdout);
}

/* The counts on both sides: 0 when each table's agree. */
static int
ctl_migrate_counts(const struct store_copy_result *r, int64_t *total)
{
	const struct store_copy_table	*t;
	size_t				 i;
	int				 rc = 0;

	*total = 0;
	for (i = 0; i < r->count; i++) {
		t = &r->tables[i];
		*total += t->target;
		if (t->source == t->target && t->copied == t->source)
			continue;
		printf("table %s: %lld rows in SQLite, %lld copied, %lld in "
		    "PostgreSQL\n", t->name, (long long)t->source,
		    (long long)t->copied, (long long)t->target);
		rc = -1;
	}
	return rc;
}

/* Walks one database's audit chain: 0 intact, -1 (said why). */
static int
ctl_migrate_chain(const char *database, const char *shown,
    struct ctl_chain *w)
{
	struct store	*store;
	char		 err[1024];
	int		 rc;

	if ((store = store_open_readonly(database, err, sizeof(err))) == NULL) {
		ctl_warnx("%s", err);
		return -1;
	}
	w->head = NULL;
	if ((rc = ctl_verify_chain(store, w)) == -1)
		ctl_warnx("%s: reading the audit chain: %s", shown,
		    store_error(store));
	else if (rc == 1)
		printf("%s: audit chain broken at row %lld: %s\n", shown,
		    (long long)w->broken_id, w->why);
	store_close(store);
	return rc == 0 ? 0 : -1;
}

/* The copy checked: counts, then the chain on both sides. */
static int
ctl_migrate_check(const char *from, const char *to, const char *shown,
    const struct store_copy_result *r)
{
	struct ctl_chain	 a, b;
	int64_t			 total;

	if (ctl_migrate_counts(r, &total) == -1) {
		printf("migration FAILED: the row counts differ\n");
		return -1;
	}
	printf("row counts equal in all %zu tables (%lld rows)\n", r->count,
	    (long long)total);
	if (ctl_migrate_chain(from, from, &a) == -1 ||
	    ctl_migrate_chain(to, shown, &b) == -1)
		return -1;
	if (a.rows != b.rows || strcmp(a.prev, b.prev) != 0) {
		printf("migration FAILED: the audit chain differs (%zu rows on "
		    "SQLite, %zu on PostgreSQL)\n", a.rows, b.rows);
		return -1;
	}
	printf("audit chain intact on PostgreSQL: %zu rows", b.rows);
	if (b.rows > 0)
		printf(", last row %lld hash %s as on SQLite",
		    (long long)b.last_id, b.prev);
	printf("\n");
	return 0;
}

/* The source: brought to this refuge's schema, nothing else written. */
static int
ctl_migrate_source(const char *from)
{
	struct store_file_state	 state;
	struct store		*store;
	char			 err[1024];

	if (store_inspect(from, &state, err, sizeof(err)) == -1) {
		ctl_warnx("%s", err);
		return -1;
	}
	if (!state.exists) {
		ctl_warnx("%s: no such database", from);
		return -1;
	}
	if ((store = store_open(from, err, sizeof(err))) == NULL) {
		ctl_warnx("%s", err);
		return -1;
	}
	store_close(store);
	return 0;
}

static int
ctl_migrate_run(const char *from, const char *to)
{
	struct store_copy_result	 r;
	struct store_lock		*lock;
	struct store			*store;
	char				 err[1024], shown[512];
	int				 rc = CTL_FAIL;

	ctl_database_shown(to, shown, sizeof(shown));
	/* The store's own lines (the audit head at open) are not news here. */
	log_set_level(CONFIG_LOG_WARNING);
	/* Held to the end: refuged must not write to it meanwhile. */
	if ((lock = store_lock(from, err, sizeof(err))) == NULL) {
		ctl_warnx("%s (stop refuged first)", err);
		return CTL_FAIL;
	}
	if (ctl_migrate_source(from) == -1)
		goto done;
	switch (store_copy_pg_active(to, err, sizeof(err))) {
	case -1:
		ctl_warnx("%s: %s", shown, err);
		goto done;
	case 1:
		ctl_warnx("a receiver holds %s's lease: stop refuged (every "
		    "receiver) first", shown);
		goto done;
	}
	/* Opening it makes (migrates) the schema. */
	if ((store = store_open(to, err, sizeof(err))) == NULL) {
		ctl_warnx("%s: %s", shown, err);
		goto done;
	}
	store_close(store);
	printf("copying %s to %s\n", from, shown);
	if (store_copy_sqlite_to_pg(from, to, &r, ctl_migrate_progress, NULL,
	    err, sizeof(err)) == -1) {
		ctl_warnx("migrate: %s; nothing was copied", err);
		goto done;
	}
	if (ctl_migrate_check(from, to, shown, &r) == -1)
		goto done;
	printf("migrated %s to %s: set database: in refuge.yaml to it and "
	    "start refuged\n", from, shown);
	rc = CTL_OK;
done:
	store_unlock(lock);
	return rc;
}

int
ctl_cmd_migrate(struct ctl *ctl, int argc, char *argv[])
{
	struct refuge_config	*config = NULL;
	const char		*pos[1], *to = NULL, *from = NULL;
	const struct ctl_opt	 opts[] = {
		{ "to", 1, &to },
		{ "from", 1, &from },
		{ NULL, 0, NULL }
	};
	int			 npos, rc;

	if (ctl_args("migrate", argc, argv, opts, pos, 0, &npos) == -1)
		return CTL_USAGE;
	if (to == NULL || !ctl_database_is_pg(to))
		return ctl_usage_error("migrate", "--to wants a PostgreSQL "
		    "database, postgresql://...");
	if (from == NULL) {
		if ((config = ctl_config(ctl)) == NULL)
			return CTL_FAIL;
		from = config->database;
	}
	if (ctl_database_is_pg(from)) {
		ctl_warnx("migrate: the database is PostgreSQL already; give "
		    "the SQLite one as --from FILE");
		config_free(config);
		return CTL_FAIL;
	}
	rc = ctl_migrate_run(from, to);
	config_free(config);
	return rc;
}
