/*
 * Supervision: a unit silent on every path for heartbeat x missed goes
 * offline; a unit heard again is online. Owns the records' state,
 * last_seen_ms and deadline, and queues the receiver's own events for them.
 */
#ifndef REFUGE_SUPERVISE_H
#define REFUGE_SUPERVISE_H

#include <stdint.h>

struct event_base;
struct ingest;
struct refuge_config;
struct supervise;
struct unit_record;
struct units;

struct supervise	*supervise_new(struct event_base *, struct units *,
			    struct ingest *, const struct refuge_config *);
void			 supervise_free(struct supervise *);
void			 supervise_reconfigure(struct supervise *,
			    struct units *, const struct refuge_config *);
/* Arms the deadline of every record, counting from now. */
int			 supervise_start(struct supervise *);
/* Supervises one more record (a unit added by a reload), counting from now. */
int			 supervise_add(struct supervise *, struct unit_record *);
/*
 * A link heard from the unit (it stamps its own time): re-arms a deadline
 * that had expired and makes a unit counted offline, or never seen, online.
 */
void			 supervise_heard(struct supervise *, struct unit_record *);
void			 supervise_stop(struct unit_record *);
/* The unit's heartbeat interval: its own, or the configuration's. */
int64_t			 supervise_heartbeat_ms(const struct supervise *,
			    const struct unit_record *);

#endif
