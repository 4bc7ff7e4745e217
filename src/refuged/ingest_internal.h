/*
 * ingest's state, shared by its files only: ingest.c (the queue and the
 * group commit) and ingest_health.c (the store's failing state and its
 * probe).
 */
#ifndef REFUGE_INGEST_INTERNAL_H
#define REFUGE_INGEST_INTERNAL_H

#include <stdint.h>

#include "refuge/ingest.h"
#include "refuge/line.h"
#include "refuge/log.h"
#include "refuge/store.h"

#define INGEST_RETRY_MS		1000
#define INGEST_URGENT_SPLIT	32
/* A commit of this many took 20-50 ms on a busy 2-core machine: prompt ACKs. */
#define INGEST_COMMIT_MAX	1000
/*
 * Past the queue bound only what cannot be sent again is queued (presses,
 * the receiver's own items, unit states), this many more; then nothing: a
 * database that keeps failing must not turn into memory that grows.
 */
#define INGEST_RESERVE		100000

enum ingest_kind {
	INGEST_EVENT,
	INGEST_STATE,
	INGEST_FIRMWARE,
	INGEST_ATTRIBUTES
};

struct ingest_item {
	enum ingest_kind	 kind;
	struct link		*link;		/* EVENT from a unit; NULL once gone */
	struct unit_record	*record;
	int			 from_receiver;
	int			 inserted;	/* a new row, not a retransmission */
	int64_t			 held;		/* its priority-1 alarm, shown unstored */
	int			 committed;
	int			 urgent;	/* a priority-1 event */
	int			 pass;		/* taken by the commit under way */
	int			 seen_last;	/* its unit's newest event in the pass */
	enum evtype		 type;
	enum store_unit_state	 state;
	int64_t			 unit_time_ms;
	int64_t			 received_ms;
	int64_t			 seen_ms;
	int64_t			 queued_us;	/* monotonic, for the ACK latency */
	char			 event_id[72];
	char			 text[LINE_MAX_BYTES + 1];
};

struct ingest {
	struct store		*store;
	struct stack		*stack;
	struct feed		*feed;
	const struct registry	*registry;
	struct ingest_counters	 counters;
	uint64_t		 next_receiver_event;
	struct event		*commit;	/* a press: first priority */
	struct event		*batch;		/* the rest: second priority */
	struct event		*retry;
	struct event		*again;		/* the next bounded commit */
	struct ingest_item	*items;
	size_t			 head;		/* items before it are done */
	size_t			 count;
	size_t			 capacity;
	size_t			 waiting;	/* items not yet committed */
	size_t			 urgent;	/* of which priority-1 events */
	size_t			 queue_max;	/* limits.ingest_queue */
	const struct unit_record **seen;	/* open addressing, per pass */
	size_t			 seen_size;	/* a power of two, or 0 */
	int			 failing;	/* the last commit failed */
	char			 failure[160];	/* why, while failing */
	int64_t			 probed_ms;	/* last probe write of ingest_failing */
	ingest_watch_fn		*watch;
	void			*watch_arg;
	struct log_limit	 failed_log;	/* a full disk fails every turn */
	struct log_limit	 shed_log;	/* overload sheds every turn */
	struct log_limit	 full_log;
};

/* ingest_health.c */
void	ingest_set_failing(struct ingest *, int failing);
/* Writes the probe's row at most once a second while failing and idle. */
void	ingest_probe(struct ingest *);

#endif
