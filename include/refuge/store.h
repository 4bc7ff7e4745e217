/* The SQLite store: the only owner of SQL and of every sqlite3_stmt. */
#ifndef REFUGE_STORE_H
#define REFUGE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "evtype.h"

struct store;

struct store_event {
	const char	*unit_id;
	const char	*unit_event_id;
	enum evtype	 type;
	int		 priority;
	int		 from_receiver;
	int64_t		 unit_time_ms;	/* -1: the unit gave none */
	int64_t		 received_ms;
	const char	*attributes;	/* "k=v k=v" */
};

enum store_unit_state {
	STORE_UNIT_UNKNOWN,
	STORE_UNIT_ONLINE,
	STORE_UNIT_OFFLINE
};

/*
 * Opens (creating if needed) the database in WAL mode with synchronous=FULL
 * and applies pending migrations. Returns NULL with err set on failure.
 */
struct store	*store_open(const char *path, char *err, size_t errlen);
void		 store_close(struct store *);
/* The last SQLite error message, for logs. */
const char	*store_error(struct store *);

/* One write transaction (BEGIN IMMEDIATE ... COMMIT); commit is durable when it returns 0. */
int	store_begin(struct store *);
int	store_commit(struct store *);
void	store_rollback(struct store *);

/* INSERT OR IGNORE: *inserted is 1 for a new row, 0 for a duplicate (unit, event id). */
int	store_event_insert(struct store *, const struct store_event *,
	    int *inserted, int64_t *row_id);

int	store_unit_set_state(struct store *, const char *unit_id,
	    enum store_unit_state, int64_t last_seen_ms);
int	store_unit_set_seen(struct store *, const char *unit_id,
	    int64_t last_seen_ms);
int	store_unit_set_firmware(struct store *, const char *unit_id,
	    const char *firmware);
int	store_unit_set_attributes(struct store *, const char *unit_id,
	    const char *attributes);

/* Calls fn for every unit row; stops and returns -1 if fn does. */
int	store_units_each(struct store *,
	    int (*fn)(const char *unit_id, enum store_unit_state,
	    int64_t last_seen_ms, void *arg), void *arg);

const char	*store_unit_state_name(enum store_unit_state);

#endif
