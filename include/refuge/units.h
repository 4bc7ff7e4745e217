/*
 * What the receiver knows of each registered unit, connected or not: one
 * record per registry entry, holding the unit's links (a unit may have
 * more than one path) and what the other modules hang on it. Each field
 * group has one owner module, named beside it; only that module writes it.
 */
#ifndef REFUGE_UNITS_H
#define REFUGE_UNITS_H

#include <stddef.h>
#include <stdint.h>

#include "registry.h"
#include "store.h"

struct alarm;
struct event;
struct link;
struct command_pending;
struct units;

#define UNITS_MAX_LINKS	4

struct unit_record {
	const struct registry_unit	*reg;
	/* units.c */
	struct link			*links[UNITS_MAX_LINKS];
	size_t				 link_count;
	int64_t				 last_heard_mono_ms;	/* by a link now closed */
	/* supervise.c */
	enum store_unit_state		 state;
	int64_t				 last_seen_ms;	/* wall clock, -1: never */
	struct event			*deadline;
	/* the link kind that announced the interval (unit.c): 0, none */
	int64_t				 welcomed_heartbeat_ms;
	/* command.c: commands awaiting DONE/FAIL; an AUDIO OPEN not closed */
	struct command_pending		*commands;
	int				 audio_open;
	/* stack*.c: this unit's open alarms, in arrival order; its test window */
	struct alarm			**alarms;
	size_t				 alarm_count;
	size_t				 alarm_capacity;
	int64_t				 test_until_ms;
	struct event			*test_end;
};

/* One record per unit of the registry, states read from the store. */
struct units		*units_new(const struct registry *, struct store *,
			    char *err, size_t errlen);
/* Frees the table and its records; the owners released theirs first. */
/* Each unit's state and last-seen time read again (a takeover); 0 or -1. */
int			 units_reload_state(struct units *, struct store *);
void			 units_free(struct units *);
struct unit_record	*units_find(struct units *, const char *unit_id);
size_t			 units_count(const struct units *);
struct unit_record	*units_at(struct units *, size_t index);

/*
 * A reload: the records for a new registry, those of units still
 * registered carried over (with their links, timers and alarms), new ones
 * fresh. NULL when out of memory, nothing changed.
 */
struct unit_record	**units_match(struct units *, const struct registry *);
/* 1 if the record was made by units_match for the new registry's index i. */
int			 units_is_new(const struct unit_record *,
			    const struct registry *, size_t index);
/* Installs what units_match made; records not in it were freed by the caller. */
void			 units_install(struct units *, const struct registry *,
			    struct unit_record **);
struct unit_record	*units_record_new(const struct registry_unit *);
void			 units_record_free(struct unit_record *);

/* A link that identified its unit. Returns -1 when the unit has too many. */
int			 units_attach(struct unit_record *, struct link *);
void			 units_detach(struct unit_record *, struct link *);
/* The unit's link of that kind, or NULL. */
struct link		*units_link(struct unit_record *, const char *kind);
/* The first link that takes commands, or NULL. */
struct link		*units_command_link(struct unit_record *);
/* Closes every link of the unit. */
void			 units_disconnect(struct unit_record *, const char *why);
/* When the unit was last heard on any path (monotonic ms). */
int64_t			 units_last_heard(const struct unit_record *);
/* "tls,dc09", or "-" */
void			 units_paths(const struct unit_record *, char *buf,
			    size_t buflen);
/*
 * 1 if the unit is reachable only by SIA DC-09: it has a dc09: block, no
 * pinned key, and has not connected over TLS since start. It takes no
 * commands.
 */
int			 units_dc09_only(const struct unit_record *);
size_t			 units_online(const struct units *);
size_t			 units_offline(const struct units *);

#endif
