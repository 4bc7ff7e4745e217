/*
 * The database's integrity in the daemon. At start-up, before the store is
 * opened for writing: the file is inspected read-only and, after an unclean
 * stop, checked (PRAGMA quick_check) before anything is acknowledged; damage
 * refuses the start. After a clean stop the check runs on a worker thread
 * while refuged serves, and again every day: damage found then makes the
 * store refuse every write, so ingest goes failing with the reason
 * "database damaged: ..." and operators, /healthz and systemd are told.
 */
#ifndef REFUGE_INTEGRITY_H
#define REFUGE_INTEGRITY_H

#include <stddef.h>

struct event_base;
struct ingest;
struct integrity;
struct notify;
struct store;

/*
 * Before store_open: 0 to go on, with *background 1 when the check is to
 * run on the worker (a clean stop), or -1 with err (what is wrong with the
 * file and what to do) to refuse the start. Logs the check and its time;
 * tells systemd that start-up takes longer meanwhile.
 */
int	integrity_startup(const char *database, struct notify *,
	    int *background, char *err, size_t errlen);

struct integrity *integrity_new(struct event_base *, const char *database,
		    struct store *, struct ingest *, char *err, size_t errlen);
/* Checks on the worker now (background), and every day from now. Returns 0 or -1. */
int	integrity_start(struct integrity *, int background);
/* Abandons a check under way. */
void	integrity_free(struct integrity *);

#endif
