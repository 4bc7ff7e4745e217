/*
 * For test_pg_store.py: a transaction in which one statement failed and
 * whose caller went on to commit all the same. PostgreSQL answers such a
 * COMMIT as a success tagged ROLLBACK; store_commit must fail, and the
 * statement before the failed one must not be stored. No sealed row is
 * written (the seal's own statements would fail first). Usage:
 * pg_commit_probe URL; exits 0 when the store behaves, 1 (with why) if not.
 */
#include <stdio.h>
#include <string.h>

#include "refuge/store.h"

int
main(int argc, char **argv)
{
	struct store	*store;
	char		 err[512];
	int		 rc;

	if (argc != 2) {
		fprintf(stderr, "usage: pg_commit_probe URL\n");
		return 2;
	}
	if ((store = store_open(argv[1], err, sizeof(err))) == NULL) {
		fprintf(stderr, "open: %s\n", err);
		return 1;
	}
	if (store_begin(store) == -1 ||
	    store_unit_set_firmware(store, "HP-PROBE", "probe-1.0") == -1) {
		fprintf(stderr, "firmware: %s\n", store_error(store));
		return 1;
	}
	/* No such alarm: the note fails; the caller ignores it and commits. */
	if (store_alarm_note(store, 999999, 1, "probe", "text") != -1) {
		fprintf(stderr, "a note on no alarm did not fail\n");
		return 1;
	}
	rc = store_commit(store, NULL, NULL);
	printf("commit=%d error=%s\n", rc, store_error(store));
	if (rc != -1) {
		fprintf(stderr, "a commit of a failed transaction succeeded\n");
		return 1;
	}
	store_rollback(store);
	store_close(store);
	return 0;
}
