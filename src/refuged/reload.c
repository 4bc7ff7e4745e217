/*
 * Live reload (SIGHUP). Everything that can fail — reading both files,
 * loading the certificates, storing what is queued, memory for the new unit
 * table — happens before the first change, so a failed reload leaves the
 * running set-up untouched. Records are carried over by unit id, so their
 * sessions, timers, commands and open alarms survive.
 */
#include <stdlib.h>
#include <string.h>

#include "refuge/activate.h"
#include "refuge/command.h"
#include "refuge/confload.h"
#include "refuge/daemon.h"
#include "refuge/dc09_link.h"
#include "refuge/diag.h"
#include "refuge/feed.h"
#include "refuge/escalate.h"
#include "refuge/flood.h"
#include "refuge/ingest.h"
#include "refuge/link.h"
#include "refuge/log.h"
#include "refuge/operator.h"
#include "refuge/receiver.h"
#include "refuge/retention.h"
#include "refuge/stack.h"
#include "refuge/supervise.h"
#include "refuge/tlsctx.h"
#include "refuge/unit.h"
#include "refuge/units.h"

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
	if (!reload_same(old->receiver_name, new->receiver_name) ||
	    !reload_same(old->receiver_address, new->receiver_address) ||
	    old->receiver_lease_ms != new->receiver_lease_ms)
		log_warnx("reload: receiver changed; restart to apply");
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

/* A record that leaves: each module that hangs something on it releases it. */
static void
reload_record_free(struct unit_record *record)
{
	if (record == NULL)
		return;
	supervise_stop(record);
	command_unit_free(record);
	stack_unit_free(record);
	units_record_free(record);
}

/*
 * Matches the new registry's units to the running records; NULL on no
 * memory. A new unit's supervision timer is made (and armed) here, while
 * failing is still allowed.
 */
static struct unit_record **
reload_records(struct daemon *daemon, const struct registry *registry)
{
	struct unit_record	**records;
	size_t			  i;

	if ((records = units_match(daemon->units, registry)) == NULL)
		return NULL;
	/* A standby supervises nothing: the active receiver does. */
	for (i = 0; i < registry->unit_count; i++)
		if (units_is_new(records[i], registry, i) &&
		    receiver_active(daemon->receiver) &&
		    supervise_add(daemon->supervise, records[i]) == -1)
			goto fail;
	return records;
fail:
	/* Free only the records made here, never the running ones. */
	for (i = 0; i < registry->unit_count; i++)
		if (units_is_new(records[i], registry, i))
			reload_record_free(records[i]);
	free(records);
	return NULL;
}

/* After the registry changed: links whose credentials no longer hold end. */
static void
reload_recheck(struct unit_record *record)
{
	size_t	i;

	/* A recheck may close the link: walk from the end. */
	for (i = record->link_count; i > 0; i--)
		if (i - 1 < record->link_count)
			link_recheck(record->links[i - 1]);
}

/* Every module that holds the configuration, the registry or the units. */
static void
reload_reconfigure(struct daemon *daemon)
{
	struct refuge_config	*config = daemon->config;

	ingest_reconfigure(daemon->ingest, daemon->registry);
	ingest_set_queue_limit(daemon->ingest, (size_t)config->ingest_queue);
	stack_reconfigure(daemon->stack, daemon->units, config,
	    daemon->registry);
	supervise_reconfigure(daemon->supervise, daemon->units, config);
	command_reconfigure(daemon->command, config->command_timeout_ms);
	activate_reconfigure(daemon->activate, daemon->units);
	flood_reconfigure(daemon->flood, config->flood_threshold);
	if (daemon->retention != NULL)	/* NULL on a standby */
		retention_reconfigure(daemon->retention, config);
	escalate_reconfigure(daemon->escalate, config);
	unit_links_reconfigure(daemon->unit_links, config, daemon->tls,
	    daemon->units);
	if (daemon->dc09_links != NULL)
		dc09_links_reconfigure(daemon->dc09_links, config,
		    daemon->registry, daemon->units);
	operator_link_reconfigure(daemon->operators, config, daemon->registry,
	    daemon->tls, daemon->units);
}

int
daemon_reload(struct daemon *daemon)
{
	struct refuge_config	 *config = NULL;
	struct registry		 *registry = NULL, *old_registry;
	struct tlsctx		 *tls = NULL;
	struct unit_record	**records = NULL, *record;
	struct change		  change;
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
	for (i = 0; i < units_count(daemon->units); i++) {
		record = units_at(daemon->units, i);
		if (registry_unit_find(registry, record->reg->id) != NULL)
			continue;
		units_disconnect(record, "removed from the registry");
		command_unit_fail(daemon->command, record,
		    "unit removed from the registry");
		reload_record_free(record);
		removed++;
	}
	old_registry = daemon->registry;
	for (i = 0; i < registry->unit_count; i++) {
		record = records[i];
		if (units_is_new(record, registry, i)) {
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
	units_install(daemon->units, registry, records);
	daemon->registry = registry;
	registry_free(old_registry);
	tlsctx_free(daemon->tls);
	daemon->tls = tls;
	config_free(daemon->config);
	daemon->config = config;
	reload_reconfigure(daemon);
	log_set_level(daemon->verbose ? CONFIG_LOG_DEBUG : config->log_level);

	/* Links whose certificate was revoked, or whose key no longer matches. */
	for (i = 0; i < registry->unit_count; i++)
		reload_recheck(records[i]);
	log_info("reload: %zu units (%zu added, %zu removed)",
	    registry->unit_count, added, removed);
	memset(&change, 0, sizeof(change));
	change.kind = CHANGE_RELOADED;
	change.units = registry->unit_count;
	feed_publish(daemon->feed, &change);
	diag_clear(&d);
	return 0;
fail:
	diag_clear(&d);
	tlsctx_free(tls);
	registry_free(registry);
	config_free(config);
	return -1;
}
