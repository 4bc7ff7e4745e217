/*
 * The store's health as ingest sees it: failing from the first failed
 * commit to the next good write, told once to whoever watches; while
 * nothing else is written, a probe row shows when the disk takes writes
 * again.
 */
#include <stdio.h>

#include "refuge/timenow.h"
#include "ingest_internal.h"

/* The store started or stopped failing: say so once, to whoever watches. */
void
ingest_set_failing(struct ingest *ingest, int failing)
{
	if (failing)
		snprintf(ingest->failure, sizeof(ingest->failure), "%s",
		    store_error(ingest->store));
	if (failing == ingest->failing)
		return;
	ingest->failing = failing;
	if (!failing) {
		log_info("store: writes succeed again");
		ingest->failure[0] = '\0';
	}
	if (ingest->watch != NULL)
		ingest->watch(ingest->watch_arg);
}

void
ingest_set_watch(struct ingest *ingest, ingest_watch_fn *fn, void *arg)
{
	ingest->watch = fn;
	ingest->watch_arg = arg;
}

const char *
ingest_failure(const struct ingest *ingest)
{
	return ingest->failing ? ingest->failure : NULL;
}

/* An empty transaction would succeed on a full disk; a row must reach it. */
static void
ingest_probe_write(struct ingest *ingest)
{
	struct store	*store = ingest->store;

	ingest->probed_ms = timenow_mono_ms();
	if (store_begin(store) == 0 &&
	    store_probe(store, timenow_wall_ms()) == 0 &&
	    store_commit(store, NULL, NULL) == 0)
		ingest_set_failing(ingest, 0);
	else {
		store_rollback(store);
		ingest_set_failing(ingest, 1);
	}
}

/*
 * Nothing to store may follow a failure for long: write the probe's row,
 * at most once a second (it may wait behind another writer).
 */
void
ingest_probe(struct ingest *ingest)
{
	if (!ingest->failing || ingest->waiting > 0 ||
	    timenow_mono_ms() - ingest->probed_ms < 1000)
		return;
	ingest_probe_write(ingest);
}

void
ingest_recheck(struct ingest *ingest)
{
	ingest_probe_write(ingest);
}

int
ingest_failing(struct ingest *ingest)
{
	ingest_probe(ingest);
	return ingest->failing;
}

