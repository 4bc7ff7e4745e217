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

#endif
