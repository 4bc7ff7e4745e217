/*
 * The database file itself: check --database (its integrity, read-only,
 * beside a running refuged or not) and restore (a backup put in place,
 * refused while refuged runs).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "refuge/config.h"
#include "refuge/store.h"

#include "ctl.h"

static double
ctl_database_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int
ctl_check_database(const char *database)
{
	struct store_file_state	state;
	char			err[1024];
	double			began;
	int			rc;

	if ((rc = store_check_supported(database, err, sizeof(err))) == 0) {
		printf("database: not checked (its backend's server keeps its "
		    "own integrity)\n");
		return CTL_OK;
	}
	if (rc == -1 || store_inspect(database, &state, err,
	    sizeof(err)) == -1) {
		printf("database %s: REFUSED: %s\n", database, err);
		return CTL_FAIL;
	}
	if (!state.exists) {
		printf("database %s: none yet (refuged makes it when it first "
		    "starts)\n", database);
		return CTL_OK;
	}
	began = ctl_database_now();
	rc = store_check(database, NULL, NULL, err, sizeof(err));
	if (rc == 0) {
		printf("database %s: OK (PRAGMA quick_check, %.2f s)\n", database,
		    ctl_database_now() - began);
		return CTL_OK;
	}
	if (rc == 1)
		printf("database %s: DAMAGED: %s\nStop refuged and restore the "
		    "latest backup with \"refugectl restore FILE\".\n", database,
		    err);
	else
		printf("database %s: cannot check: %s\n", database, err);
	return CTL_FAIL;
}

int
ctl_cmd_restore(struct ctl *ctl, int argc, char *argv[])
{
	struct refuge_config	*config;
	const char		*pos[1];
	char			 err[1024];
	int			 npos, rc = CTL_FAIL;

	if (ctl_args("restore", argc, argv, NULL, pos, 1, &npos) == -1)
		return CTL_USAGE;
	if (npos != 1)
		return ctl_usage_error("restore", "restore what? give the backup "
		    "file");
	if ((config = ctl_config(ctl)) == NULL)
		return CTL_FAIL;
	if (access(pos[0], R_OK) == -1) {
		ctl_warnx("%s: %s", pos[0], strerror(errno));
		goto done;
	}
	if (store_restore(config->database, pos[0], err, sizeof(err)) == -1) {
		ctl_warnx("restore: %s", err);
		goto done;
	}
	printf("restored %s from %s (checked: PRAGMA quick_check ok); start "
	    "refuged now\n", config->database, pos[0]);
	rc = CTL_OK;
done:
	config_free(config);
	return rc;
}
