/*
 * Password checks (crypt(3)) on a worker thread: a yescrypt hash costs about
 * 15 ms, which the event loop, serving every Help Point, must not spend.
 */
#ifndef REFUGE_PWCHECK_H
#define REFUGE_PWCHECK_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct pwcheck;

/* Called in the event loop with the outcome (1: the password matches). */
typedef void	pwcheck_fn(int ok, void *arg);

struct pwcheck	*pwcheck_new(struct event_base *, char *err, size_t errlen);
/* Stops the worker; pending checks are dropped without their callbacks. */
void		 pwcheck_free(struct pwcheck *);
/* Queues a check of password against hash. Returns its ticket, or 0 (memory, too long). */
uint64_t	 pwcheck_submit(struct pwcheck *, const char *password,
		    const char *hash, pwcheck_fn *, void *arg);
/* The asker went away: its callback will not be called. */
void		 pwcheck_cancel(struct pwcheck *, uint64_t ticket);

#endif
