/*
 * The database itself: check --database (its integrity, read-only, beside
 * a running refuged or not) and restore (a backup put in place, refused
 * while refuged runs). On PostgreSQL backup and restore are PostgreSQL's
 * own programs, pg_dump -Fc and pg_restore, run without a shell.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "refuge/config.h"
#include "refuge/store.h"
#include "refuge/store_copy.h"

#include "ctl.h"

static double
ctl_database_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Where PostgreSQL's programs are when they are not in PATH (Debian's). */
#define CTL_PG_BINDIR	"/usr/lib/postgresql/15/bin"

int
ctl_database_is_pg(const char *database)
{
	return strncmp(database, "postgresql://", 13) == 0 ||
	    strncmp(database, "postgres://", 11) == 0;
}

void
ctl_database_shown(const char *database, char *buf, size_t len)
{
	const char	*host, *at, *colon, *slash;

	host = strstr(database, "://");
	at = host != NULL ? strchr(host + 3, '@') : NULL;
	slash = host != NULL ? strchr(host + 3, '/') : NULL;
	colon = host != NULL ? strchr(host + 3, ':') : NULL;
	if (at == NULL || (slash != NULL && at > slash) || colon == NULL ||
	    colon > at) {
		snprintf(buf, len, "%s", database);
		return;
	}
	snprintf(buf, len, "%.*s:***%s", (int)(colon - database), database,
	    at);
}

/*
 * Runs one of PostgreSQL's programs (argv[0] a bare name: looked up in
 * PATH, then in CTL_PG_BINDIR) and waits for it: CTL_OK when it exited 0.
 */
#define CTL_PG_ARGS	16

static int
ctl_database_run(const char *const argv[])
{
	char	 path[256], *args[CTL_PG_ARGS];
	pid_t	 pid;
	int	 i, status;

	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) == -1) {
		ctl_warnx("fork: %s", strerror(errno));
		return CTL_FAIL;
	}
	if (pid == 0) {
		/* exec wants writable strings: copies, in the child only. */
		for (i = 0; i < CTL_PG_ARGS - 1 && argv[i] != NULL; i++)
			if ((args[i] = strdup(argv[i])) == NULL)
				_exit(127);
		args[i] = NULL;
		execvp(args[0], args);
		snprintf(path, sizeof(path), "%s/%s", CTL_PG_BINDIR, args[0]);
		execv(path, args);
		fprintf(stderr, "refugectl: %s: not found in PATH nor in %s\n",
		    argv[0], CTL_PG_BINDIR);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR) {
			ctl_warnx("waitpid: %s", strerror(errno));
			return CTL_FAIL;
		}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return CTL_OK;
	if (WIFEXITED(status))
		ctl_warnx("%s failed (exit status %d)", argv[0],
		    WEXITSTATUS(status));
	else
		ctl_warnx("%s killed by signal %d", argv[0],
		    WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	return CTL_FAIL;
}

int
ctl_database_pg_backup(const char *database, const char *file)
{
	const char	*argv[] = { "pg_dump", "-Fc", "-f", file, "-d",
			    database, NULL };

	return ctl_database_run(argv);
}

/* restore on PostgreSQL: refused while a receiver holds the lease. */
static int
ctl_database_pg_restore(const char *database, const char *file)
{
	char	 err[1024], shown[512];
	const char	*argv[] = { "pg_restore", "--clean", "--if-exists",
			    "--single-transaction", "-d", database, file,
			    NULL };
	int	 active;

	ctl_database_shown(database, shown, sizeof(shown));
	if ((active = store_copy_pg_active(database, err, sizeof(err))) == -1) {
		ctl_warnx("restore: %s", err);
		return CTL_FAIL;
	}
	if (active) {
		ctl_warnx("restore: a receiver holds %s's lease: stop refuged "
		    "(every receiver) first", shown);
		return CTL_FAIL;
	}
	if (ctl_database_run(argv) != CTL_OK)
		return CTL_FAIL;
	printf("restored %s from %s (pg_restore --clean, one transaction); "
	    "start refuged now\n", shown, file);
	return CTL_OK;
}

/* check --database on PostgreSQL: reachable, its schema this refuge's. */
static int
ctl_check_database_pg(const char *database)
{
	struct store	*store;
	char		 err[1024], shown[512];

	ctl_database_shown(database, shown, sizeof(shown));
	if ((store = store_open_readonly(database, err, sizeof(err))) == NULL) {
		printf("database %s: cannot check: %s\n", shown, err);
		return CTL_FAIL;
	}
	store_close(store);
	printf("database %s: reachable; integrity not checked here (PostgreSQL "
	    "keeps its own: data checksums, amcheck)\n", shown);
	return CTL_OK;
}

int
ctl_check_database(const char *database)
{
	struct store_file_state	state;
	char			err[1024];
	double			began;
	int			rc;

	if (ctl_database_is_pg(database))
		return ctl_check_database_pg(database);
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
	if (ctl_database_is_pg(config->database)) {
		rc = ctl_database_pg_restore(config->database, pos[0]);
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
