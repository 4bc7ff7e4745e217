/*
 * SQLite: refugectl restore. The backup is copied beside the database and
 * the copy, not the backup, is checked, so what is checked is what goes in
 * place; only then is the lock taken, the old file's WAL files removed (a
 * stale WAL would be replayed into the new file) and the copy renamed over
 * the database. Until that rename the database is untouched.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "refuge/store_backend.h"
#include "store_sqlite.h"

#define STORE_SQLITE_COPY_BUF	65536
#define STORE_SQLITE_NAME_MAX	4096

/* Writes all of buf, through short writes and signals. */
static int
store_sqlite_write_all(int fd, const char *buf, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		if ((n = write(fd, buf, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Copies source into the open file out and makes it durable. */
static int
store_sqlite_copy(const char *source, int out, char *err, size_t errlen)
{
	char		*buf;
	struct stat	 st;
	ssize_t		 n;
	int		 in, rc = -1;

	if ((in = open(source, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", source, strerror(errno));
		return -1;
	}
	if ((buf = malloc(STORE_SQLITE_COPY_BUF)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto done;
	}
	if (fstat(in, &st) == -1) {
		snprintf(err, errlen, "%s: %s", source, strerror(errno));
		goto done;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", source);
		goto done;
	}
	for (;;) {
		if ((n = read(in, buf, STORE_SQLITE_COPY_BUF)) == -1) {
			if (errno == EINTR)
				continue;
			snprintf(err, errlen, "%s: %s", source, strerror(errno));
			goto done;
		}
		if (n == 0)
			break;
		if (store_sqlite_write_all(out, buf, (size_t)n) == -1) {
			snprintf(err, errlen, "writing the copy: %s",
			    strerror(errno));
			goto done;
		}
	}
	if (fsync(out) == -1) {
		snprintf(err, errlen, "syncing the copy: %s", strerror(errno));
		goto done;
	}
	rc = 0;
done:
	free(buf);
	close(in);
	return rc;
}

/* The new file keeps the owner of the one it replaces (root restores for refuged). */
static int
store_sqlite_copy_owner(int fd, const char *path)
{
	struct stat	st;

	if (stat(path, &st) == -1)
		return errno == ENOENT ? store_sqlite_give_to_dir_owner(fd, path) :
		    -1;
	if (st.st_uid == geteuid() && st.st_gid == getegid())
		return 0;
	return fchown(fd, st.st_uid, st.st_gid);
}

/* A backup is one closed file: a WAL beside it holds what it lacks. */
static int
store_sqlite_closed(const char *source, char *err, size_t errlen)
{
	char		wal[STORE_SQLITE_NAME_MAX];
	struct stat	st;

	if (snprintf(wal, sizeof(wal), "%s-wal", source) >= (int)sizeof(wal)) {
		snprintf(err, errlen, "%s: file name too long", source);
		return -1;
	}
	if (stat(wal, &st) == 0 && st.st_size > 0) {
		snprintf(err, errlen, "%s has a write-ahead log beside it (%s): "
		    "it is a database in use or not closed, not a backup; make "
		    "backups with \"refugectl backup FILE\"", source, wal);
		return -1;
	}
	return 0;
}

/* Checks the copy as refuged would before using it. */
static int
store_sqlite_check_copy(const char *copy, const char *source, char *err,
    size_t errlen)
{
	sqlite3	*db;
	char	 problem[512];
	int	 exists, rc, version;

	if ((rc = store_sqlite_file_check(copy, &exists, problem,
	    sizeof(problem))) != 0 || !exists) {
		snprintf(err, errlen, "%s: %s", source, rc != 0 ? problem :
		    "the copy vanished");
		return -1;
	}
	if (store_sqlite_open_ro(copy, 1, &db, problem, sizeof(problem)) == -1) {
		snprintf(err, errlen, "%s: %s", source, problem);
		return -1;
	}
	if ((version = store_sqlite_schema_check(db, source, err,
	    errlen)) == -1)
		goto fail;
	if (version == 0) {
		snprintf(err, errlen, "%s: not a refuge database (schema version "
		    "0)", source);
		goto fail;
	}
	if ((rc = store_sqlite_quick_check(db, NULL, NULL, problem,
	    sizeof(problem))) != 0) {
		snprintf(err, errlen, rc == 1 ? "%s is damaged (%s): restore an "
		    "older backup" : "%s: checking it failed: %s", source,
		    problem);
		goto fail;
	}
	sqlite3_close(db);
	return 0;
fail:
	sqlite3_close(db);
	return -1;
}

/* Removes the WAL and shared-memory files of the database being replaced. */
static int
store_sqlite_remove_wal(const char *path, char *err, size_t errlen)
{
	static const char *const	suffixes[] = { "-wal", "-shm" };
	char				name[STORE_SQLITE_NAME_MAX];
	size_t				i;

	for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		if (snprintf(name, sizeof(name), "%s%s", path, suffixes[i]) >=
		    (int)sizeof(name)) {
			snprintf(err, errlen, "%s: file name too long", path);
			return -1;
		}
		if (unlink(name) == -1 && errno != ENOENT) {
			snprintf(err, errlen, "%s: %s", name, strerror(errno));
			return -1;
		}
	}
	return 0;
}

int
store_sqlite_restore(const char *path, const char *source, char *err,
    size_t errlen)
{
	void	*lock = NULL;
	char	 temp[STORE_SQLITE_NAME_MAX], problem[STORE_SQLITE_NAME_MAX + 128];
	int	 fd;

	if (store_sqlite_closed(source, err, errlen) == -1)
		return -1;
	if (snprintf(temp, sizeof(temp), "%s.restore-XXXXXX", path) >=
	    (int)sizeof(temp)) {
		snprintf(err, errlen, "%s: file name too long", path);
		return -1;
	}
	if ((fd = mkstemp(temp)) == -1) {
		snprintf(err, errlen, "%s: %s", temp, strerror(errno));
		return -1;
	}
	if (fchmod(fd, 0600) == -1 || store_sqlite_copy_owner(fd, path) == -1) {
		snprintf(err, errlen, "%s: setting its mode and owner: %s", temp,
		    strerror(errno));
		close(fd);
		goto fail;
	}
	if (store_sqlite_copy(source, fd, err, errlen) == -1) {
		close(fd);
		goto fail;
	}
	if (close(fd) == -1) {
		snprintf(err, errlen, "%s: %s", temp, strerror(errno));
		goto fail;
	}
	if (store_sqlite_check_copy(temp, source, err, errlen) == -1)
		goto fail;
	if ((lock = store_sqlite_lock(path, problem, sizeof(problem))) == NULL) {
		snprintf(err, errlen, "%s; stop refuged first (nothing was "
		    "changed)", problem);
		goto fail;
	}
	if (store_sqlite_remove_wal(path, err, errlen) == -1)
		goto fail;
	if (rename(temp, path) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (store_sqlite_sync_dir(path) == -1) {
		snprintf(err, errlen, "%s: restored, but syncing its directory "
		    "failed: %s", path, strerror(errno));
		store_sqlite_unlock(lock);
		return -1;
	}
	store_sqlite_unlock(lock);
	return 0;
fail:
	unlink(temp);
	store_sqlite_unlock(lock);
	return -1;
}
