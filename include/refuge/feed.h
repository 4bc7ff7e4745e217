/*
 * The stack's changes as a stream: publishers (the stack, ingest, unit
 * commands, reload) publish typed records after their commit; subscribers
 * (operator sessions, activation) take each in publication order. A batch
 * ends with feed_settle(), after the units' ACKs, for work that must follow
 * them (activation commands).
 */
#ifndef REFUGE_FEED_H
#define REFUGE_FEED_H

#include "change.h"

struct feed;

struct feed_subscriber {
	void	(*change)(const struct change *, void *arg);
	void	(*settle)(void *arg);	/* may be NULL */
	void	*arg;
};

struct feed	*feed_new(void);
void		 feed_free(struct feed *);
/* The subscriber is copied; subscribers are called in the order they came. */
int		 feed_subscribe(struct feed *, const struct feed_subscriber *);
void		 feed_publish(struct feed *, const struct change *);
void		 feed_settle(struct feed *);
/*
 * A priority-1 event has been read and its commit has not run yet. ingest
 * says so when it queues one and again after the commit (or the failed
 * attempt), within the same loop turn; a subscriber that queues output
 * (operator sessions) meanwhile writes nothing of lower priority, so that
 * nothing lower is written between a press's reading and its push.
 */
void		 feed_set_urgent(struct feed *, int due);
int		 feed_urgent(const struct feed *);

#endif
