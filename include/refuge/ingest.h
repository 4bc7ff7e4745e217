/*
 * Group commit: what arrives in one loop turn is stored in one transaction,
 * and only then acknowledged, through the link it came by.
 */
#ifndef REFUGE_INGEST_H
#define REFUGE_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "evtype.h"
#include "metrics.h"
#include "store.h"

struct event_base;
struct feed;
struct ingest;
struct link;
struct registry;
struct stack;
struct unit_record;

/* What ingest counts, for /metrics. */
struct ingest_counters {
	uint64_t			events[EVTYPE_COUNT];	/* stored, not duplicates */
	uint64_t			duplicates;
	uint64_t			commits;
	uint64_t			commit_errors;
	uint64_t			shed;	/* dropped unacknowledged, overloaded */
	struct metrics_histogram	ack_latency;	/* line read -> ACK queued */
	struct metrics_histogram	commit_latency;	/* BEGIN -> COMMIT returned */
};

struct ingest	*ingest_new(struct event_base *, struct store *, struct stack *,
		    struct feed *, const struct registry *);
void		 ingest_free(struct ingest *);
void		 ingest_reconfigure(struct ingest *, const struct registry *);
/* limits.ingest_queue: items waiting past which a unit's event is shed. */
#define INGEST_QUEUE_DEFAULT	10000
void		 ingest_set_queue_limit(struct ingest *, size_t);
/* Items queued and not yet committed. */
size_t		 ingest_waiting(const struct ingest *);
const struct ingest_counters	*ingest_counters(const struct ingest *);

/*
 * A unit's event; the ACK goes to link after the commit, if it still exists.
 * Returns 0 when queued; 1 when shed: past the queue limit an event that is
 * not priority 1 is dropped, unacknowledged, for the unit to send again; -1
 * when it cannot be queued (logged here, rate-limited; not acknowledged).
 */
int	ingest_unit_event(struct ingest *, struct link *, struct unit_record *,
	    const char *event_id, enum evtype, int64_t unit_time_ms,
	    const char *attributes);
/* An event the receiver makes itself (UNIT_OFFLINE, UNIT_ONLINE). */
int	ingest_receiver_event(struct ingest *, struct unit_record *,
	    enum evtype);
/* The same with attributes stored with it ("path=dc09" of a PATH_FAULT). */
int	ingest_receiver_event_attrs(struct ingest *, struct unit_record *,
	    enum evtype, const char *attributes);
int	ingest_unit_state(struct ingest *, struct unit_record *,
	    enum store_unit_state);
int	ingest_unit_firmware(struct ingest *, struct unit_record *,
	    const char *firmware);
int	ingest_unit_attributes(struct ingest *, struct unit_record *,
	    const char *attributes);
/* The link is going away: nothing is to be sent to it any more. */
void	ingest_forget_link(struct ingest *, struct link *);
/*
 * 1 from a failed commit until a write of a row succeeds: a later commit,
 * or the probe's row, tried here when idle at most once a second.
 */
int	ingest_failing(struct ingest *);
/*
 * The store may fail with no commit tried (the integrity check found damage):
 * writes the probe's row now, so that failing, its reason and the watch
 * follow at once.
 */
void	ingest_recheck(struct ingest *);
/* Why the store fails (its last error), or NULL when it does not. */
const char	*ingest_failure(const struct ingest *);
/* Called when the store starts or stops failing. */
typedef void	ingest_watch_fn(void *arg);
void	ingest_set_watch(struct ingest *, ingest_watch_fn *, void *arg);
/* Writes the summary of rate-limited failure lines due (flush: at the end). */
void	ingest_log_tick(struct ingest *, int flush);
/* Commits what is queued now (shutdown, reload). Returns 0, or -1 if the commit failed. */
int	ingest_flush(struct ingest *);

#endif
