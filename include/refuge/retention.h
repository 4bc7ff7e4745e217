/*
 * refuge.yaml's retention: once a day (the first a minute after start),
 * store_purge deletes what is older than each kind's age and writes its
 * checkpoint into the audit chain. Nothing runs while every kind is kept.
 */
#ifndef REFUGE_RETENTION_H
#define REFUGE_RETENTION_H

#include <stdint.h>

struct event_base;
struct refuge_config;
struct retention;
struct store;

struct retention	*retention_new(struct event_base *, struct store *,
			    const struct refuge_config *);
void			 retention_free(struct retention *);
/* Takes the new ages; the schedule stays. */
void			 retention_reconfigure(struct retention *,
			    const struct refuge_config *);
/* Purges now (the timer's work). Returns 0, or -1 after logging why. */
int			 retention_run(struct retention *);

#endif
