/*
 * The unit records. The table runs parallel to the registry's unit array,
 * so a unit id is found with the registry's index; a reload swaps both.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refuge/link.h"
#include "refuge/timenow.h"
#include "refuge/units.h"

struct units {
	const struct registry	 *registry;
	struct unit_record	**records;
};

struct unit_record *
units_record_new(const struct registry_unit *reg)
{
	struct unit_record	*record;

	if ((record = calloc(1, sizeof(*record))) == NULL)
		return NULL;
	record->reg = reg;
	record->state = STORE_UNIT_UNKNOWN;
	record->last_seen_ms = -1;
	record->last_heard_mono_ms = timenow_mono_ms();
	return record;
}

void
units_record_free(struct unit_record *record)
{
	if (record == NULL)
		return;
	free(record->alarms);
	free(record);
}

static int
units_load_state(const char *unit_id, enum store_unit_state state,
    int64_t last_seen_ms, void *arg)
{
	struct unit_record	*record;

	if ((record = units_find(arg, unit_id)) != NULL) {
		record->state = state;
		record->last_seen_ms = last_seen_ms;
	}
	return 0;
}

struct units *
units_new(const struct registry *registry, struct store *store, char *err,
    size_t errlen)
{
	struct units	*units;
	size_t		 i, count = registry->unit_count;

	if ((units = calloc(1, sizeof(*units))) == NULL ||
	    (units->records = calloc(count ? count : 1,
	    sizeof(*units->records))) == NULL)
		goto nomem;
	units->registry = registry;
	for (i = 0; i < count; i++)
		if ((units->records[i] = units_record_new(&registry->units[i])) ==
		    NULL)
			goto nomem;
	if (store_units_each(store, units_load_state, units) == -1) {
		snprintf(err, errlen, "reading units: %s", store_error(store));
		units_free(units);
		return NULL;
	}
	return units;
nomem:
	snprintf(err, errlen, "out of memory for %zu units", count);
	units_free(units);
	return NULL;
}

int
units_reload_state(struct units *units, struct store *store)
{
	return store_units_each(store, units_load_state, units);
}

void
units_free(struct units *units)
{
	size_t	i;

	if (units == NULL)
		return;
	if (units->records != NULL)
		for (i = 0; i < units->registry->unit_count; i++)
			units_record_free(units->records[i]);
	free(units->records);
	free(units);
}

struct unit_record *
units_find(struct units *units, const char *unit_id)
{
	const struct registry_unit	*unit;

	if ((unit = registry_unit_find(units->registry, unit_id)) == NULL)
		return NULL;
	return units->records[unit - units->registry->units];
}

size_t
units_count(const struct units *units)
{
	return units->registry->unit_count;
}

struct unit_record *
units_at(struct units *units, size_t index)
{
	return units->records[index];
}

struct unit_record **
units_match(struct units *units, const struct registry *registry)
{
	struct unit_record	**records, *old;
	size_t			  i;

	if ((records = calloc(registry->unit_count ? registry->unit_count : 1,
	    sizeof(*records))) == NULL)
		return NULL;
	for (i = 0; i < registry->unit_count; i++) {
		if ((old = units_find(units, registry->units[i].id)) != NULL)
			records[i] = old;
		else if ((records[i] = units_record_new(&registry->units[i])) ==
		    NULL)
			goto fail;
	}
	return records;
fail:
	/* Free only the records made here, never the running ones. */
	for (i = 0; i < registry->unit_count; i++)
		if (records[i] != NULL && units_is_new(records[i], registry, i))
			units_record_free(records[i]);
	free(records);
	return NULL;
}

int
units_is_new(const struct unit_record *record, const struct registry *registry,
    size_t index)
{
	return record->reg == &registry->units[index];
}

void
units_install(struct units *units, const struct registry *registry,
    struct unit_record **records)
{
	size_t	i;

	for (i = 0; i < registry->unit_count; i++)
		records[i]->reg = &registry->units[i];
	free(units->records);
	units->records = records;
	units->registry = registry;
}

int
units_attach(struct unit_record *record, struct link *link)
{
	if (record->link_count == UNITS_MAX_LINKS)
		return -1;
	record->links[record->link_count++] = link;
	link->unit = record;
	return 0;
}

void
units_detach(struct unit_record *record, struct link *link)
{
	size_t	i;
	int64_t	heard;

	for (i = 0; i < record->link_count; i++)
		if (record->links[i] == link) {
			/* Supervision counts from the last word on any path. */
			heard = link_last_heard(link);
			if (heard > record->last_heard_mono_ms)
				record->last_heard_mono_ms = heard;
			memmove(&record->links[i], &record->links[i + 1],
			    (record->link_count - i - 1) * sizeof(record->links[0]));
			record->link_count--;
			break;
		}
	link->unit = NULL;
}

struct link *
units_link(struct unit_record *record, const char *kind)
{
	size_t	i;

	for (i = 0; i < record->link_count; i++)
		if (strcmp(link_kind(record->links[i]), kind) == 0)
			return record->links[i];
	return NULL;
}

struct link *
units_command_link(struct unit_record *record)
{
	size_t	i;

	for (i = 0; i < record->link_count; i++)
		if (link_takes_commands(record->links[i]))
			return record->links[i];
	return NULL;
}

void
units_disconnect(struct unit_record *record, const char *why)
{
	/* Closing detaches: the list shrinks under us. */
	while (record->link_count > 0)
		link_close(record->links[record->link_count - 1], why);
}

int64_t
units_last_heard(const struct unit_record *record)
{
	int64_t	heard = record->last_heard_mono_ms, t;
	size_t	i;

	for (i = 0; i < record->link_count; i++)
		if ((t = link_last_heard(record->links[i])) > heard)
			heard = t;
	return heard;
}

void
units_paths(const struct unit_record *record, char *buf, size_t buflen)
{
	size_t	i, off = 0;
	int	n;

	snprintf(buf, buflen, "-");
	for (i = 0; i < record->link_count && off < buflen; i++) {
		n = snprintf(buf + off, buflen - off, "%s%s", i ? "," : "",
		    link_kind(record->links[i]));
		if (n < 0)
			return;
		off += (size_t)n;
	}
}

size_t
units_online(const struct units *units)
{
	size_t	i, n = 0;

	for (i = 0; i < units->registry->unit_count; i++)
		n += units->records[i]->state == STORE_UNIT_ONLINE;
	return n;
}

size_t
units_offline(const struct units *units)
{
	size_t	i, n = 0;

	for (i = 0; i < units->registry->unit_count; i++)
		n += units->records[i]->state == STORE_UNIT_OFFLINE;
	return n;
}

int
units_dc09_only(const struct unit_record *record)
{
	size_t	i;

	if (record->reg->dc09 == NULL || record->reg->has_key_sha256 ||
	    record->welcomed_heartbeat_ms != 0)
		return 0;
	for (i = 0; i < record->link_count; i++)
		if (strcmp(link_kind(record->links[i]), "tls") == 0)
			return 0;
	return 1;
}
