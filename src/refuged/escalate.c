/*
 * escalation.command, run when an alarm reaches the second escalation
 * level. The stack publishes that change once per alarm with command set;
 * here the configuration and the flood decide whether a program runs.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refuge/change.h"
#include "refuge/config.h"
#include "refuge/escalate.h"
#include "refuge/evtype.h"
#include "refuge/feed.h"
#include "refuge/flood.h"
#include "refuge/log.h"
#include "refuge/spawn.h"

#define ESCALATE_ARGS	5	/* id, unit, site, type, waited */
#define ESCALATE_ARGV_MAX	40	/* config's argv (at most 32) and ours */

struct escalate {
	const struct refuge_config	*config;
	struct flood			*flood;	/* NULL: no flood detection */
	struct spawn			*spawn;
	/* Per type: the start of the flood whose command already ran, or 0. */
	int64_t				 flood_done[EVTYPE_COUNT];
	struct escalate_counters	 counters;
};

/* 1 when the alarm belongs to a flood whose command ran already. */
static int
escalate_flood_done(struct escalate *esc, const struct alarm *alarm)
{
	int64_t	since;

	if (esc->flood == NULL ||
	    (since = flood_of(esc->flood, alarm->type, alarm->raised_ms)) < 0)
		return 0;
	if (esc->flood_done[alarm->type] == since) {
		log_info("alarm=%lld escalation command not run: part of the "
		    "%s flood, whose command ran", (long long)alarm->id,
		    evtype_name(alarm->type));
		return 1;
	}
	esc->flood_done[alarm->type] = since;
	return 0;
}

static void
escalate_run(struct escalate *esc, const struct change *change)
{
	const struct alarm	*alarm = change->alarm;
	char			*argv[ESCALATE_ARGV_MAX + 1];
	char			 id[24], waited[24], tag[64], err[128];
	size_t			 n = 0, i;

	for (i = 0; esc->config->escalation_command[i] != NULL &&
	    n < ESCALATE_ARGV_MAX - ESCALATE_ARGS; i++)
		argv[n++] = esc->config->escalation_command[i];
	snprintf(id, sizeof(id), "%" PRId64, alarm->id);
	snprintf(waited, sizeof(waited), "%" PRId64, change->waited_s);
	/* The program may not write to them; the cast is execvp's signature. */
	argv[n++] = id;
	argv[n++] = (char *)(uintptr_t)alarm->unit_id;
	argv[n++] = (char *)(uintptr_t)alarm->site_id;
	argv[n++] = (char *)(uintptr_t)evtype_name(alarm->type);
	argv[n++] = waited;
	argv[n] = NULL;
	snprintf(tag, sizeof(tag), "escalation command alarm=%" PRId64,
	    alarm->id);
	if (spawn_run(esc->spawn, argv, tag, err, sizeof(err)) == -1) {
		esc->counters.commands_skipped++;
		log_warnx("alarm=%lld escalation command not run: %s",
		    (long long)alarm->id, err);
		return;
	}
	esc->counters.commands_run++;
}

static void
escalate_change(const struct change *change, void *arg)
{
	struct escalate		*esc = arg;
	const struct alarm	*alarm = change->alarm;

	if (change->kind != CHANGE_ESCALATED || !change->command ||
	    alarm == NULL || esc->config->escalation_command == NULL)
		return;
	if (alarm->priority > esc->config->escalation_command_max_priority) {
		log_debug("alarm=%lld escalation command not run: priority %d",
		    (long long)alarm->id, alarm->priority);
		return;
	}
	if (escalate_flood_done(esc, alarm))
		return;
	escalate_run(esc, change);
}

struct escalate *
escalate_new(struct event_base *base, struct feed *feed, struct flood *flood,
    const struct refuge_config *config)
{
	struct escalate		*esc;
	struct feed_subscriber	 sub = { escalate_change, NULL, NULL };

	if ((esc = calloc(1, sizeof(*esc))) == NULL)
		return NULL;
	esc->config = config;
	esc->flood = flood;
	if ((esc->spawn = spawn_new(base, ESCALATE_RUNNING,
	    ESCALATE_KILL_MS)) == NULL)
		goto fail;
	sub.arg = esc;
	if (feed_subscribe(feed, &sub) == -1)
		goto fail;
	return esc;
fail:
	escalate_free(esc);
	return NULL;
}

void
escalate_reconfigure(struct escalate *esc, const struct refuge_config *config)
{
	esc->config = config;
}

void
escalate_free(struct escalate *esc)
{
	if (esc == NULL)
		return;
	spawn_free(esc->spawn);
	free(esc);
}

const struct escalate_counters *
escalate_counters(const struct escalate *esc)
{
	return &esc->counters;
}
