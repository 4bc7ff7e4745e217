/*
 * The store facade: what the daemon and the tools call. It chooses a backend
 * from the database string (store_backend.c), dispatches to its table of
 * operations, keeps the audit hash chain (a backend only stores the rows),
 * and copies the text of each failure, so that store_error() still names a
 * failed commit after the rollback that followed it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refuge/log.h"
#include "refuge/store.h"
#include "refuge/store_backend.h"
#include "refuge/timenow.h"

#define STORE_ERROR_MAX	512

/* Where the chain ends: the last row's id and hash (0 and "" when empty). */
struct store_audit_tail {
	int64_t		id;
	char		hash[AUDIT_HASH_HEX];
};

struct store {
	const struct store_backend	*backend;
	void				*be;
	struct store_audit_tail		 audit_tail;
	struct store_audit_tail		 audit_at_begin;
	/* The caller's completion while a commit is under way. */
	store_done_fn			*commit_done;
	void				*commit_arg;
	char				 error[STORE_ERROR_MAX];
	char				 damaged[STORE_ERROR_MAX];	/* "": sound */
	/* The chain's head goes to the log on a resolution and hourly. */
	int				 head_due;
	int64_t				 head_logged_id;
	int64_t				 head_logged_ms;
};

#define STORE_HEAD_EVERY_MS	(3600LL * 1000)

struct store_lock {
	const struct store_backend	*backend;
	void				*handle;
};

/* Keeps the backend's text for the operation that just failed; returns -1. */
static int
store_fail(struct store *store)
{
	snprintf(store->error, sizeof(store->error), "%s",
	    store->backend->error(store->be));
	return -1;
}

static int
store_checked(struct store *store, int rc)
{
	return rc == -1 ? store_fail(store) : rc;
}

/* The database string for a message, without a URL's user and password. */
static void
store_display(const char *database, char *buf, size_t len)
{
	const char	*host, *at = NULL, *p;

	if ((host = strstr(database, "://")) == NULL) {
		snprintf(buf, len, "%s", database);
		return;
	}
	host += 3;
	for (p = host; *p != '\0' && *p != '/' && *p != '?'; p++)
		if (*p == '@')
			at = p;
	snprintf(buf, len, "%.*s%s", (int)(host - database), database,
	    at != NULL ? at + 1 : host);
}

static int
store_audit_tail_row(const struct store_audit_record *row, void *arg)
{
	struct store_audit_tail	*tail = arg;

	tail->id = row->id;
	snprintf(tail->hash, sizeof(tail->hash), "%s", row->hash);
	return 0;
}

/* Reads the chain's tail from the backend; unchanged on failure. */
int
store_audit_load_tail(struct store *store)
{
	struct store_audit_tail	tail;

	memset(&tail, 0, sizeof(tail));
	if (store->backend->audit_last(store->be, store_audit_tail_row,
	    &tail) == -1)
		return -1;
	store->audit_tail = tail;
	return 0;
}

/*
 * Once per database: the rows written before sealing began are sealed as
 * they are, under one audit row, the anchor.
 */
static int
store_anchor(struct store *store)
{
	char	digest[65], detail[128];
	size_t	entries;

	if (store->backend->seal_anchor == NULL)
		return 0;
	if (store_begin(store) == -1)
		return -1;
	if (store->backend->seal_anchor(store->be, store->audit_tail.id + 1,
	    &entries, digest) == -1) {
		store_fail(store);
		goto fail;
	}
	snprintf(detail, sizeof(detail), "entries=%zu digest=%s", entries,
	    digest);
	if ((entries > 0 && store_audit_append(store, timenow_wall_ms(), "", 0,
	    "anchor", detail) == -1) || store_commit(store, NULL, NULL) == -1)
		goto fail;
	if (entries > 0)
		log_info("store: %zu seal entries anchor the rows written before "
		    "sealing began", entries);
	return 0;
fail:
	store_rollback(store);
	return -1;
}

struct store *
store_open_backend(const struct store_backend *backend, const char *database,
    int readonly, char *err, size_t errlen)
{
	struct store	*store;
	char		 name[256];

	if (readonly && backend->open_readonly == NULL) {
		snprintf(err, errlen, "read-only access is not supported by "
		    "the %s backend", backend->name);
		return NULL;
	}
	if ((store = calloc(1, sizeof(*store))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	store->backend = backend;
	store->be = readonly ? backend->open_readonly(database, err, errlen) :
	    backend->open(database, err, errlen);
	if (store->be == NULL) {
		free(store);
		return NULL;
	}
	if (store_audit_load_tail(store) == -1) {
		store_display(database, name, sizeof(name));
		snprintf(err, errlen, "%s: reading audit chain: %s", name,
		    backend->error(store->be));
		store_close(store);
		return NULL;
	}
	store->audit_at_begin = store->audit_tail;
	if (!readonly && store_anchor(store) == -1) {
		store_display(database, name, sizeof(name));
		snprintf(err, errlen, "%s: sealing the rows already there: %s",
		    name, store->error);
		store_close(store);
		return NULL;
	}
	return store;
}

struct store *
store_open(const char *database, char *err, size_t errlen)
{
	const struct store_backend	*backend;

	if ((backend = store_backend_choose(database, err, errlen)) == NULL)
		return NULL;
	return store_open_backend(backend, database, 0, err, errlen);
}

struct store *
store_open_readonly(const char *database, char *err, size_t errlen)
{
	const struct store_backend	*backend;

	if ((backend = store_backend_choose(database, err, errlen)) == NULL)
		return NULL;
	return store_open_backend(backend, database, 1, err, errlen);
}

int
store_backup(struct store *store, const char *dest, char *err, size_t errlen)
{
	if (store->backend->backup == NULL) {
		snprintf(err, errlen, "backup is not supported by the %s backend",
		    store->backend->name);
		return -1;
	}
	return store->backend->backup(store->be, dest, err, errlen);
}

int
store_inspect(const char *database, struct store_file_state *state, char *err,
    size_t errlen)
{
	const struct store_backend	*backend;

	if ((backend = store_backend_choose(database, err, errlen)) == NULL)
		return -1;
	if (backend->inspect == NULL) {
		memset(state, 0, sizeof(*state));
		state->exists = 1;
		state->clean_stop = 1;
		state->stopped_ms = -1;
		return 0;
	}
	return backend->inspect(database, state, err, errlen);
}

int
store_check(const char *database, store_progress_fn *progress, void *arg,
    char *err, size_t errlen)
{
	const struct store_backend	*backend;

	if ((backend = store_backend_choose(database, err, errlen)) == NULL)
		return -1;
	if (backend->check == NULL) {
		snprintf(err, errlen, "checking integrity is not supported by the "
		    "%s backend", backend->name);
		return -1;
	}
	return backend->check(database, progress, arg, err, errlen);
}

int
store_restore(const char *database, const char *source, char *err,
    size_t errlen)
{
	const struct store_backend	*backend;

	if ((backend = store_backend_choose(database, err, errlen)) == NULL)
		return -1;
	if (backend->restore == NULL) {
		snprintf(err, errlen, "restore is not supported by the %s backend",
		    backend->name);
		return -1;
	}
	return backend->restore(database, source, err, errlen);
}

struct store_lock *
store_lock(const char *database, char *err, size_t errlen)
{
	const struct store_backend	*backend;
	struct store_lock		*lock;

	if ((backend = store_backend_choose(database, err, errlen)) == NULL)
		return NULL;
	if ((lock = calloc(1, sizeof(*lock))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	lock->backend = backend;
	if (backend->lock != NULL &&
	    (lock->handle = backend->lock(database, err, errlen)) == NULL) {
		free(lock);
		return NULL;
	}
	return lock;
}

void
store_unlock(struct store_lock *lock)
{
	if (lock == NULL)
		return;
	if (lock->handle != NULL)
		lock->backend->unlock(lock->handle);
	free(lock);
}

void
store_mark_damaged(struct store *store, const char *reason)
{
	if (store->damaged[0] == '\0')
		snprintf(store->damaged, sizeof(store->damaged), "%s", reason);
}

const char *
store_damaged(const struct store *store)
{
	return store->damaged[0] != '\0' ? store->damaged : NULL;
}

int
store_run_mark(struct store *store, int running, int64_t now_ms)
{
	if (store->backend->run_mark == NULL)
		return 0;
	if (store_begin(store) == -1)
		return -1;
	if (store_checked(store, store->backend->run_mark(store->be, running,
	    now_ms)) == -1 || store_commit(store, NULL, NULL) == -1) {
		store_rollback(store);
		return -1;
	}
	return 0;
}

void
store_close(struct store *store)
{
	if (store == NULL)
		return;
	store->backend->close(store->be);
	free(store);
}

const char *
store_error(struct store *store)
{
	if (store->error[0] != '\0')
		return store->error;
	return store->backend->error(store->be);
}

/* A damaged store refuses to write: what is written there may not last. */
static int
store_refuse_damaged(struct store *store)
{
	if (store->damaged[0] == '\0')
		return 0;
	snprintf(store->error, sizeof(store->error), "%s", store->damaged);
	return -1;
}

/*
 * Seals what the transaction wrote (the backend names the rows) into one
 * audit row, so that verify finds any later edit of them.
 */
static int
store_seal(struct store *store)
{
	char	digest[65], detail[128];
	size_t	entries;

	if (store->backend->seal == NULL)
		return 0;
	if (store->backend->seal(store->be, store->audit_tail.id + 1, &entries,
	    digest) == -1)
		return store_fail(store);
	if (entries == 0)
		return 0;
	snprintf(detail, sizeof(detail), "entries=%zu digest=%s", entries,
	    digest);
	return store_audit_append(store, timenow_wall_ms(), "", 0, "seal",
	    detail);
}

/*
 * The chain's head, written outside the database (journald keeps it): an
 * earlier head given to refugectl verify --head shows a cut tail.
 */
static void
store_log_head(struct store *store)
{
	int64_t	now = timenow_mono_ms();

	if (store->audit_tail.id == 0 || store->audit_tail.id ==
	    store->head_logged_id || (!store->head_due &&
	    now - store->head_logged_ms < STORE_HEAD_EVERY_MS &&
	    store->head_logged_ms != 0))
		return;
	log_info("audit head id=%lld hash=%s",
	    (long long)store->audit_tail.id, store->audit_tail.hash);
	store->head_due = 0;
	store->head_logged_id = store->audit_tail.id;
	store->head_logged_ms = now;
}

int
store_begin(struct store *store)
{
	store->audit_at_begin = store->audit_tail;
	if (store_refuse_damaged(store) == -1)
		return -1;
	return store_checked(store, store->backend->begin(store->be));
}

/* The backend's completion: a failure is rolled back before the caller hears. */
static void
store_commit_finished(int status, void *arg)
{
	struct store	*store = arg;
	store_done_fn	*done = store->commit_done;
	void		*done_arg = store->commit_arg;

	store->commit_done = NULL;
	store->commit_arg = NULL;
	if (status != 0) {
		status = -1;
		store_fail(store);
		store_rollback(store);
	} else
		store_log_head(store);
	done(status, done_arg);
}

int
store_commit(struct store *store, store_done_fn *done, void *arg)
{
	if (done == NULL) {
		if (store_refuse_damaged(store) == -1 || store_seal(store) == -1 ||
		    store_checked(store, store->backend->commit(store->be, NULL,
		    NULL)) == -1)
			return -1;
		store_log_head(store);
		return 0;
	}
	/* One transaction at a time: a second commit is a caller's mistake. */
	if (store->commit_done != NULL) {
		snprintf(store->error, sizeof(store->error),
		    "a commit is already under way");
		done(-1, arg);
		return 0;
	}
	if (store_refuse_damaged(store) == -1 || store_seal(store) == -1) {
		store_rollback(store);
		done(-1, arg);
		return 0;
	}
	store->commit_done = done;
	store->commit_arg = arg;
	if (store->backend->commit(store->be, store_commit_finished, store) ==
	    -1 && store->commit_done == done)
		store_commit_finished(-1, store);
	return 0;
}

void
store_rollback(struct store *store)
{
	store->backend->rollback(store->be);
	/*
	 * The chain's tail in memory may name a row that was rolled back: ask
	 * the backend, or else go back to where the transaction began.
	 */
	if (store_audit_load_tail(store) == -1)
		store->audit_tail = store->audit_at_begin;
}

int
store_event_insert(struct store *store, const struct store_event *event,
    int *inserted, int64_t *row_id)
{
	return store_checked(store, store->backend->event_insert(store->be,
	    event, inserted, row_id));
}

int
store_unit_set_state(struct store *store, const char *unit_id,
    enum store_unit_state state, int64_t last_seen_ms)
{
	return store_checked(store, store->backend->unit_set_state(store->be,
	    unit_id, state, last_seen_ms));
}

int
store_unit_set_seen(struct store *store, const char *unit_id,
    int64_t last_seen_ms)
{
	return store_checked(store, store->backend->unit_set_seen(store->be,
	    unit_id, last_seen_ms));
}

int
store_unit_set_firmware(struct store *store, const char *unit_id,
    const char *firmware)
{
	return store_checked(store, store->backend->unit_set_firmware(store->be,
	    unit_id, firmware));
}

int
store_unit_set_attributes(struct store *store, const char *unit_id,
    const char *attributes)
{
	return store_checked(store,
	    store->backend->unit_set_attributes(store->be, unit_id, attributes));
}

int
store_units_each(struct store *store, store_unit_fn *fn, void *arg)
{
	return store_checked(store, store->backend->units_each(store->be, fn,
	    arg));
}

const char *
store_unit_state_name(enum store_unit_state state)
{
	switch (state) {
	case STORE_UNIT_ONLINE:
		return "online";
	case STORE_UNIT_OFFLINE:
		return "offline";
	default:
		return "unknown";
	}
}

int
store_alarm_insert(struct store *store, struct alarm *alarm, int64_t event_id)
{
	return store_checked(store, store->backend->alarm_insert(store->be,
	    alarm, event_id));
}

int
store_alarm_attach(struct store *store, const struct alarm *alarm,
    int64_t event_id, int64_t restored_ms)
{
	return store_checked(store, store->backend->alarm_attach(store->be,
	    alarm, event_id, restored_ms));
}

int
store_alarm_save_claim(struct store *store, const struct alarm *alarm)
{
	return store_checked(store, store->backend->alarm_save_claim(store->be,
	    alarm));
}

int
store_alarm_resolve(struct store *store, const struct alarm *alarm,
    const char *user, int64_t resolved_ms, const char *reason,
    const char *action, const char *note)
{
	return store_checked(store, store->backend->alarm_resolve(store->be,
	    alarm, user, resolved_ms, reason, action, note));
}

int
store_alarm_note(struct store *store, int64_t alarm_id, int64_t time_ms,
    const char *user, const char *text)
{
	return store_checked(store, store->backend->alarm_note(store->be,
	    alarm_id, time_ms, user, text));
}

int
store_alarm_state(struct store *store, int64_t alarm_id,
    enum alarm_state *state)
{
	return store_checked(store, store->backend->alarm_state(store->be,
	    alarm_id, state));
}

int
store_alarm_max_id(struct store *store, int64_t *max_id)
{
	return store_checked(store, store->backend->alarm_max_id(store->be,
	    max_id));
}

int
store_probe(struct store *store, int64_t now_ms)
{
	return store_checked(store, store->backend->probe(store->be, now_ms));
}

int
store_alarms_open_each(struct store *store, store_alarm_fn *fn, void *arg)
{
	return store_checked(store, store->backend->alarms_open_each(store->be,
	    fn, arg));
}

int
store_command_insert(struct store *store, const char *cmd_id,
    const char *unit_id, int64_t alarm_id, const char *user,
    const char *command, int64_t sent_ms)
{
	return store_checked(store, store->backend->command_insert(store->be,
	    cmd_id, unit_id, alarm_id, user, command, sent_ms));
}

int
store_command_result(struct store *store, const char *cmd_id,
    const char *result, const char *reason, int64_t done_ms)
{
	return store_checked(store, store->backend->command_result(store->be,
	    cmd_id, result, reason, done_ms));
}

int
store_test_set(struct store *store, const char *unit_id, int64_t until_ms,
    const char *user, int64_t now_ms)
{
	return store_checked(store, store->backend->test_set(store->be,
	    unit_id, until_ms, user, now_ms));
}

int
store_tests_each(struct store *store, store_test_fn *fn, void *arg)
{
	return store_checked(store, store->backend->tests_each(store->be, fn,
	    arg));
}

int
store_history_each(struct store *store, const char *unit_id, int count,
    store_history_fn *fn, void *arg)
{
	return store_checked(store, store->backend->history_each(store->be,
	    unit_id, count, fn, arg));
}

int
store_stats_each(struct store *store, int64_t since_ms, int64_t until_ms,
    store_stats_fn *fn, void *arg)
{
	return store_checked(store, store->backend->stats_each(store->be,
	    since_ms, until_ms, fn, arg));
}

/* Appends a row chained to the tail; the backend stores it as given. */
int
store_audit_append(struct store *store, int64_t time_ms, const char *user,
    int64_t alarm_id, const char *action, const char *detail)
{
	struct audit_row		row;
	struct store_audit_record	record;

	memset(&row, 0, sizeof(row));
	row.id = store->audit_tail.id + 1;
	row.time_ms = time_ms;
	row.user = user;
	row.alarm_id = alarm_id;
	row.action = action;
	row.detail = detail;
	memcpy(row.prev_hash, store->audit_tail.hash, sizeof(row.prev_hash));
	if (audit_hash(&row) == -1) {
		snprintf(store->error, sizeof(store->error),
		    "computing the audit hash failed");
		return -1;
	}
	record.id = row.id;
	record.time_ms = row.time_ms;
	record.user = user;
	record.alarm_id = alarm_id;
	record.action = action;
	record.detail = detail;
	record.prev_hash = row.prev_hash;
	record.hash = row.hash;
	if (store->backend->audit_insert(store->be, &record) == -1)
		return store_fail(store);
	store->audit_tail.id = row.id;
	memcpy(store->audit_tail.hash, row.hash, sizeof(row.hash));
	if (strcmp(action, "resolve") == 0)
		store->head_due = 1;
	return 0;
}

int
store_purge(struct store *store, const struct store_purge *p,
    struct store_purge_result *r)
{
	struct store_purge_seal	seal;
	char			detail[640];

	memset(r, 0, sizeof(*r));
	if (store->backend->purge == NULL) {
		snprintf(store->error, sizeof(store->error), "the %s backend "
		    "cannot purge", store->backend->name);
		return -1;
	}
	if (store_begin(store) == -1)
		return -1;
	if (store->backend->purge(store->be, p, store->audit_tail.id + 1, r,
	    &seal) == -1) {
		store_fail(store);
		goto fail;
	}
	snprintf(detail, sizeof(detail), "events=%lld alarms=%lld notes=%lld "
	    "commands=%lld attached=%lld audit=%lld through=%lld cp=%s "
	    "entries=%zu digest=%s%s%s", (long long)r->events,
	    (long long)r->alarms, (long long)r->notes, (long long)r->commands,
	    (long long)r->attached, (long long)r->audit,
	    (long long)seal.through, seal.old_digest, seal.entries, seal.digest,
	    seal.resume[0] ? " resume=" : "", seal.resume);
	if (store_audit_append(store, timenow_wall_ms(), "", 0, "purge",
	    detail) == -1 || store_commit(store, NULL, NULL) == -1)
		goto fail;
	r->checkpoint_id = store->audit_tail.id;
	return 0;
fail:
	store_rollback(store);
	return -1;
}

int
store_seal_verify(struct store *store, char *problem, size_t len,
    size_t *rows)
{
	int	rc;

	*rows = 0;
	if (store->backend->seal_verify == NULL) {
		snprintf(store->error, sizeof(store->error), "the %s backend "
		    "seals no rows", store->backend->name);
		return -1;
	}
	if ((rc = store->backend->seal_verify(store->be, problem, len, rows)) ==
	    -1)
		return store_fail(store);
	return rc;
}

struct store_audit_walk {
	int	(*fn)(const struct audit_row *, void *);
	void	*arg;
};

static int
store_audit_row(const struct store_audit_record *record, void *arg)
{
	struct store_audit_walk	*walk = arg;
	struct audit_row	 row;

	memset(&row, 0, sizeof(row));
	row.id = record->id;
	row.time_ms = record->time_ms;
	row.user = record->user;
	row.alarm_id = record->alarm_id;
	row.action = record->action;
	row.detail = record->detail;
	/* A hash edited longer must not verify by being cut to size. */
	if (strlen(record->prev_hash) >= sizeof(row.prev_hash) ||
	    strlen(record->hash) >= sizeof(row.hash))
		snprintf(row.hash, sizeof(row.hash), "(too long)");
	else {
		snprintf(row.prev_hash, sizeof(row.prev_hash), "%s",
		    record->prev_hash);
		snprintf(row.hash, sizeof(row.hash), "%s", record->hash);
	}
	return walk->fn(&row, walk->arg);
}

int
store_audit_each(struct store *store,
    int (*fn)(const struct audit_row *, void *), void *arg)
{
	struct store_audit_walk	walk = { fn, arg };

	return store_checked(store, store->backend->audit_each(store->be,
	    store_audit_row, &walk));
}

int
store_audit_alarm_each(struct store *store, int64_t alarm_id,
    int (*fn)(const struct audit_row *, void *), void *arg)
{
	struct store_audit_walk	walk = { fn, arg };

	return store_checked(store, store->backend->audit_alarm(store->be,
	    alarm_id, store_audit_row, &walk));
}

/* For the facade's other files (store_record.c): the backend and its handle. */
const struct store_backend *
store_backend_of(struct store *store, void **be)
{
	*be = store->be;
	return store->backend;
}

/* For the facade's other files: keeps a failure's text; returns rc. */
int
store_backend_checked(struct store *store, int rc, const char *unsupported)
{
	if (unsupported != NULL) {
		snprintf(store->error, sizeof(store->error), "%s is not "
		    "supported by the %s backend", unsupported,
		    store->backend->name);
		return -1;
	}
	return store_checked(store, rc);
}
