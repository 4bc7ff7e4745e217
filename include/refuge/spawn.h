/*
 * Running outside programs: argv exec'ed without a shell, in a process
 * group of its own, stdin from /dev/null, stdout and stderr the daemon's,
 * no other descriptor of the daemon's. At most max_running at once; each is
 * killed (the whole group, SIGKILL) when still running after kill_after_ms.
 * Children are reaped on SIGCHLD, and every start, exit status and kill is
 * logged with the tag given.
 */
#ifndef REFUGE_SPAWN_H
#define REFUGE_SPAWN_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct spawn;

struct spawn	*spawn_new(struct event_base *, int max_running,
		    int64_t kill_after_ms);
/*
 * Kills what still runs (its process group), reaps what it can, and frees.
 * NULL is fine.
 */
void		 spawn_free(struct spawn *);
/*
 * Starts argv (argv[0] looked up in PATH). Returns 0, or -1 with the reason
 * in err: max_running are running already, or fork failed.
 */
int		 spawn_run(struct spawn *, char *const argv[], const char *tag,
		    char *err, size_t errlen);
/* How many run now. */
int		 spawn_running(const struct spawn *);

#endif
