/*
 * Live reload (SIGHUP). Everything that can fail — reading both files,
 * loading the certificates, storing what is queued, memory for the new unit
 * table — happens before the first change, so a failed reload leaves the
 * running set-up untouched. Records are carried over by unit id, so their
 * sessions, timers, commands and open alarms survive.
 */
#include <stdlib.h>
#include <string.h>

#include "refuge/confload.h"
#include "refuge/daemon.h"
#include "refuge/diag.h"
#include "refuge/ingest.h"
#include "refuge/listener.h"
#include "refuge/log.h"
#include "refuge/operator.h"
#include "refuge/stack.h"
#include "refuge/supervise.h"
#include "refuge/tlsctx.h"
#include "refuge/unit.h"

static int
reload_same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Settings read only at start-up: say so rather than pretend. */
static void
reload_warn_fixed(const struct refuge_config *old,
    const struct refuge_config *new)
{
	if (!reload_same(old->listen_units, new->listen_units))
		log_warnx("reload: listen.units changed; restart to apply");
	if (!reload_same(old->listen_operators, new->listen_operators))
		log_warnx("reload: listen.operators changed; restart to apply");
	if (!reload_same(old->listen_metrics, new->listen_metrics))
		log_warnx("reload: listen.metrics changed; restart to apply");
	if (!reload_same(old->database, new->database))
		log_warnx("reload: database changed; restart to apply");
}

static void
reload_log_diag(const struct diag *d)
{
	size_t	i;

	for (i = 0; i < d->count; i++)
		log_error("reload: %s", d->messages[i]);
	if (d->truncated)
		log_error("reload: (more errors not shown)");
}

/* Matches the new registry's units to the running records; NULL on no memory. */
static struct unit_record **
reload_records(struct daemon *daemon, const struct registry *registry)
{
	struct unit_record	**records, *old;
	size_t			  i;

	if ((records = calloc(registry->unit_count ? registry->unit_count : 1,
	    sizeof(*records))) == NULL)
		return NULL;
	for (i = 0; i < registry->unit_count; i++) {
		if ((old = daemon_unit_find(daemon, registry->units[i].id)) != NULL)
			records[i] = old;
		/* A new unit's supervision timer is made (and armed) here, while failing is still allowed. */
		else if ((records[i] = unit_record_new(daemon,
		    &registry->units[i])) == NULL || supervise_add(records[i]) == -1)
			goto fail;
	}
	return records;
fail:
	/* Free only the records made here, never the running ones. */
	for (i = 0; i < registry->unit_count; i++)
		if (records[i] != NULL && records[i]->reg == &registry->units[i])
			unit_record_free(records[i]);
	free(records);
	return NULL;
}

int
daemon_reload(struct daemon *daemon)
{
	struct refuge_config	 *config = NULL;
	struct registry		 *registry = NULL, *old_registry;
	struct tlsctx		 *tls = NULL;
	struct unit_record	**records = NULL, **old_records, *record;
	struct diag		  d;
	char			  err[512];
	size_t			  i, added = 0, removed = 0;
	int64_t			  old_test;

	log_info("reload: reading %s", daemon->config->path);
	diag_init(&d);
	if (confload_config(daemon->config->path, &config, &d) == -1 ||
	    confload_registry(config->registry, &registry, &d) == -1) {
		reload_log_diag(&d);
		goto fail;
	}
	if ((tls = tlsctx_new(config, err, sizeof(err))) == NULL) {
		log_error("reload: %s", err);
		goto fail;
	}
	/* Queued items point at records; none may be left for a removed unit. */
	if (ingest_flush(daemon->ingest) == -1) {
		log_error("reload: the store is failing; try again");
		goto fail;
	}
	if ((records = reload_records(daemon, registry)) == NULL) {
		log_error("reload: out of memory");
		goto fail;
	}

	/* From here on nothing fails. */
	reload_warn_fixed(daemon->config, config);
	for (i = 0; i < daemon->registry->unit_count; i++) {
		record = daemon->records[i];
		if (registry_unit_find(registry, record->reg->id) != NULL)
			continue;
		unit_record_disconnect(record, "removed from the registry");
		unit_record_commands_fail(record, "unit removed from the registry");
		unit_record_free(record);
		removed++;
	}
	for (i = 0; i < registry->unit_count; i++) {
		record = records[i];
		if (record->reg == &registry->units[i]) {
			stack_unit_added(daemon->stack, record);
			added++;
			continue;
		}
		old_test = record->reg->on_test_until_ms;
		record->reg = &registry->units[i];
		if (record->reg->on_test_until_ms != old_test)
			stack_test_set(daemon->stack, record,
			    record->reg->on_test_until_ms);
	}
	old_records = daemon->records;
	old_registry = daemon->registry;
	daemon->records = records;
	daemon->registry = registry;
	free(old_records);
	registry_free(old_registry);
	tlsctx_free(daemon->tls);
	daemon->tls = tls;
	config_free(daemon->config);
	daemon->config = config;
	listener_set_limits(daemon->unit_listener, config->connections_per_address,
	    config->max_connections);
	log_set_level(daemon->verbose ? CONFIG_LOG_DEBUG : config->log_level);

	/* Links whose certificate was revoked, or whose key no longer matches. */
	for (i = 0; i < registry->unit_count; i++)
		unit_record_recheck(records[i]);
	operator_registry_changed(daemon);
	log_info("reload: %zu units (%zu added, %zu removed)",
	    registry->unit_count, added, removed);
	operator_push(daemon, "RELOADED units=%zu", registry->unit_count);
	diag_clear(&d);
	return 0;
fail:
	diag_clear(&d);
	tlsctx_free(tls);
	registry_free(registry);
	config_free(config);
	return -1;
}
