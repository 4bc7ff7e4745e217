/*
 * The database's integrity check, wired for the daemon: synchronous at
 * start-up after an unclean stop (nothing is served yet), on the worker
 * (dbcheck) after a clean one and daily. Damage found while serving is
 * handed to the store (store_mark_damaged: every later write fails with
 * the reason) and ingest is asked to notice now (ingest_recheck), so its
 * failing state carries the reason to operators, /healthz and systemd.
 * A backend that cannot check (PostgreSQL: the server looks after its own
 * pages) is not checked at all, rather than found failing every day.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "refuge/dbcheck.h"
#include "refuge/ingest.h"
#include "refuge/integrity.h"
#include "refuge/log.h"
#include "refuge/loop.h"
#include "refuge/notify.h"
#include "refuge/store.h"
#include "refuge/timefmt.h"
#include "refuge/timenow.h"

#define INTEGRITY_DAILY_MS	(24 * 3600 * 1000LL)
/* systemd is asked for this much more start-up time every half of it. */
#define INTEGRITY_EXTEND_MS	30000
#define INTEGRITY_RESTORE_HINT \
	"restore the latest backup with \"refugectl restore FILE\", then " \
	"start refuged"

struct integrity {
	struct store	*store;
	struct ingest	*ingest;
	struct dbcheck	*check;
	struct event	*daily;
	char		*database;
	int		 supported;	/* store_check runs on this backend */
};

/* During the start-up check: systemd must not time the start out. */
struct integrity_progress {
	struct notify	*notify;
	int64_t		 extended_ms;
};

static int
integrity_progress(void *arg)
{
	struct integrity_progress	*p = arg;

	if (timenow_mono_ms() - p->extended_ms >= INTEGRITY_EXTEND_MS / 2) {
		p->extended_ms = timenow_mono_ms();
		(void)notify_send(p->notify, "EXTEND_TIMEOUT_USEC=%d000",
		    INTEGRITY_EXTEND_MS);
	}
	return 0;
}

int
integrity_startup(const char *database, struct notify *notify,
    int *background, char *err, size_t errlen)
{
	struct integrity_progress	 progress = { notify, 0 };
	struct store_file_state		 state;
	char				 problem[512], when[TIMEFMT_ISO_LEN];
	int64_t				 began;
	int				 rc;

	*background = 0;
	if ((rc = store_check_supported(database, err, errlen)) == -1)
		return -1;
	if (rc == 0) {
		log_info("database: its backend has no integrity check of "
		    "refuged's (the database server keeps its own); none is "
		    "run, at start or daily");
		return 0;
	}
	if (store_inspect(database, &state, err, errlen) == -1)
		return -1;
	if (!state.exists) {
		log_info("database: %s does not exist; making a new one",
		    database);
		return 0;
	}
	/* Made 0600 now; a file made before may still be open to all. */
	if (state.mode & 0007)
		log_warnx("database: %s is readable by other users (mode %04o): "
		    "chmod 600 it and its -wal and -shm files", database,
		    state.mode);
	if (state.clean_stop) {
		timefmt_iso8601(state.stopped_ms, when);
		log_info("database: last stopped cleanly at %s; integrity check "
		    "on a worker while serving", when);
		*background = 1;
		return 0;
	}
	log_warnx("database: %s was not stopped cleanly (or its last stop is "
	    "not recorded): integrity check (PRAGMA quick_check) before "
	    "serving", database);
	(void)notify_send(notify, "STATUS=checking the database after an "
	    "unclean stop");
	began = timenow_mono_ms();
	progress.extended_ms = began - INTEGRITY_EXTEND_MS;
	integrity_progress(&progress);
	rc = store_check(database, integrity_progress, &progress, problem,
	    sizeof(problem));
	if (rc == 1) {
		snprintf(err, errlen, "%s: database damaged (%s), found by the "
		    "integrity check after an unclean stop; refuged will not "
		    "use it: " INTEGRITY_RESTORE_HINT, database, problem);
		return -1;
	}
	if (rc == -1) {
		snprintf(err, errlen, "%s: the integrity check after an unclean "
		    "stop could not run: %s", database, problem);
		return -1;
	}
	log_info("database: integrity check ok in %.2f s",
	    (timenow_mono_ms() - began) / 1000.0);
	return 0;
}

static void
integrity_done(int status, const char *message, double seconds, void *arg)
{
	struct integrity	*integrity = arg;
	char			 reason[300];

	if (status == 0) {
		log_info("database: integrity check ok in %.2f s", seconds);
		return;
	}
	if (status == -1) {
		log_warnx("database: integrity check could not run (%s); next "
		    "one in a day", message);
		return;
	}
	snprintf(reason, sizeof(reason), "database damaged: %s", message);
	log_error("database: %s: integrity check found damage in %.2f s: %s; "
	    "no more events are acknowledged: stop refuged and "
	    INTEGRITY_RESTORE_HINT, integrity->database, seconds, message);
	store_mark_damaged(integrity->store, reason);
	ingest_recheck(integrity->ingest);
}

static void
integrity_daily(evutil_socket_t fd, short what, void *arg)
{
	struct integrity	*integrity = arg;

	(void)fd;
	(void)what;
	if (store_damaged(integrity->store) != NULL)
		return;
	if (dbcheck_start(integrity->check) == -1)
		log_warnx("database: cannot start the integrity check's thread");
}

struct integrity *
integrity_new(struct event_base *base, const char *database,
    struct store *store, struct ingest *ingest, char *err, size_t errlen)
{
	struct integrity	*integrity;

	if ((integrity = calloc(1, sizeof(*integrity))) == NULL ||
	    (integrity->database = strdup(database)) == NULL) {
		snprintf(err, errlen, "out of memory");
		integrity_free(integrity);
		return NULL;
	}
	integrity->store = store;
	integrity->ingest = ingest;
	if ((integrity->supported = store_check_supported(database, err,
	    errlen)) == -1) {
		integrity_free(integrity);
		return NULL;
	}
	if ((integrity->check = dbcheck_new(base, database, integrity_done,
	    integrity, err, errlen)) == NULL) {
		integrity_free(integrity);
		return NULL;
	}
	if ((integrity->daily = loop_event_new(base, -1, EV_PERSIST,
	    integrity_daily, integrity)) == NULL) {
		snprintf(err, errlen, "out of memory");
		integrity_free(integrity);
		return NULL;
	}
	return integrity;
}

int
integrity_start(struct integrity *integrity, int background)
{
	if (!integrity->supported)
		return 0;
	loop_timer_add(integrity->daily, INTEGRITY_DAILY_MS);
	if (background && dbcheck_start(integrity->check) == -1) {
		log_warnx("database: cannot start the integrity check's thread");
		return -1;
	}
	return 0;
}

void
integrity_free(struct integrity *integrity)
{
	if (integrity == NULL)
		return;
	dbcheck_free(integrity->check);
	if (integrity->daily != NULL)
		event_free(integrity->daily);
	free(integrity->database);
	free(integrity);
}
