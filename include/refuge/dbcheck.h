/*
 * The database's integrity check (store_check) on a worker thread: on a
 * large database it reads the whole file for seconds or minutes, which the
 * event loop, serving every Help Point, must not spend. One check at a time,
 * on a read-only connection of its own; the outcome comes back in the loop.
 */
#ifndef REFUGE_DBCHECK_H
#define REFUGE_DBCHECK_H

#include <stddef.h>

struct dbcheck;
struct event_base;

/*
 * Called in the event loop: status 0 sound, 1 damaged, -1 could not check;
 * message says what was damaged or why it could not check ("" when sound);
 * seconds is how long the check took.
 */
typedef void	dbcheck_fn(int status, const char *message, double seconds,
		    void *arg);

struct dbcheck	*dbcheck_new(struct event_base *, const char *database,
		    dbcheck_fn *, void *arg, char *err, size_t errlen);
/* Starts a check: 0, 1 when one is under way already, -1 when no thread starts. */
int		 dbcheck_start(struct dbcheck *);
/* 1 while a check is under way. */
int		 dbcheck_running(const struct dbcheck *);
/* Abandons a check under way (its callback is not called) and frees. */
void		 dbcheck_free(struct dbcheck *);

#endif
