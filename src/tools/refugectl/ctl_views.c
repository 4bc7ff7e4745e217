/*
 * Read-only views of the database (units, alarms, history), the audit chain
 * walk and the online backup. The store is opened read-only: a WAL reader
 * beside a running refuged.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "refuge/alarm.h"
#include "refuge/audit.h"
#include "refuge/config.h"
#include "refuge/registry.h"
#include "refuge/store.h"
#include "refuge/timefmt.h"

#include "ctl.h"

#define CTL_HISTORY_DEFAULT	20
#define CTL_HISTORY_MAX		100000

struct store *
ctl_store(const struct ctl *ctl, struct refuge_config **config)
{
	struct store_file_state	 state;
	struct store		*store;
	char			 err[1024];

	if ((*config = ctl_config(ctl)) == NULL)
		return NULL;
	/* A refusal here is the open's to report, in its own words. */
	if (store_inspect((*config)->database, &state, err, sizeof(err)) ==
	    0 && !state.exists) {
		ctl_warnx("%s: no database yet (refuged makes it when it first "
		    "starts)", (*config)->database);
		return NULL;
	}
	if ((store = store_open_readonly((*config)->database, err,
	    sizeof(err))) == NULL)
		ctl_warnx("%s", err);
	return store;
}

static void
ctl_views_time(int64_t ms, char buf[TIMEFMT_ISO_LEN])
{
	if (ms < 0)
		snprintf(buf, TIMEFMT_ISO_LEN, "-");
	else
		timefmt_iso8601(ms, buf);
}

struct ctl_unit_row {
	char			*id;
	enum store_unit_state	 state;
	int64_t			 last_seen_ms;
};

struct ctl_unit_rows {
	struct ctl_unit_row	*rows;
	size_t			 count, cap;
};

static int
ctl_views_units_add(struct ctl_unit_rows *u, const char *id,
    enum store_unit_state state, int64_t last_seen_ms)
{
	struct ctl_unit_row	*p;

	if (u->count == u->cap) {
		u->cap = u->cap ? u->cap * 2 : 64;
		if ((p = reallocarray(u->rows, u->cap, sizeof(*p))) == NULL)
			return -1;
		u->rows = p;
	}
	if ((u->rows[u->count].id = strdup(id)) == NULL)
		return -1;
	u->rows[u->count].state = state;
	u->rows[u->count++].last_seen_ms = last_seen_ms;
	return 0;
}

static int
ctl_views_units_row(const char *id, enum store_unit_state state, int64_t seen,
    void *arg)
{
	return ctl_views_units_add(arg, id, state, seen);
}

static int
ctl_views_unit_row_cmp(const void *a, const void *b)
{
	const struct ctl_unit_row	*x = a, *y = b;

	return strcmp(x->id, y->id);
}

int
ctl_cmd_units(struct ctl *ctl, int argc, char *argv[])
{
	struct refuge_config		*config = NULL;
	struct registry			*registry = NULL;
	struct store			*store;
	struct ctl_unit_rows		 u = { NULL, 0, 0 };
	const struct registry_unit	*ru;
	const struct ctl_unit_row	*row;
	const char			*pos[1];
	char				 seen[TIMEFMT_ISO_LEN];
	size_t				 i, known;
	int				 npos, width = 2, rc = CTL_FAIL;

	if (ctl_args("units", argc, argv, NULL, pos, 0, &npos) == -1)
		return CTL_USAGE;
	if ((store = ctl_store(ctl, &config)) == NULL)
		goto done;
	/* Names are a help, not a need: a broken registry is only a warning. */
	if ((registry = ctl_registry(config)) == NULL)
		ctl_warnx("showing units without names");
	if (store_units_each(store, ctl_views_units_row, &u) == -1) {
		ctl_warnx("reading units: %s", store_error(store));
		goto done;
	}
	known = u.count;
	qsort(u.rows, known, sizeof(*u.rows), ctl_views_unit_row_cmp);
	for (i = 0; registry != NULL && i < registry->unit_count; i++) {
		ru = &registry->units[i];
		if (bsearch(&(struct ctl_unit_row){ .id = ru->id }, u.rows, known,
		    sizeof(*u.rows), ctl_views_unit_row_cmp) != NULL)
			continue;
		if (ctl_views_units_add(&u, ru->id, STORE_UNIT_UNKNOWN, -1) == -1) {
			ctl_warnx("out of memory");
			goto done;
		}
	}
	qsort(u.rows, u.count, sizeof(*u.rows), ctl_views_unit_row_cmp);
	for (i = 0; i < u.count; i++)
		if ((int)strlen(u.rows[i].id) > width)
			width = (int)strlen(u.rows[i].id);
	printf("%-*s  %-14s  %-24s  %-16s  %s\n", width, "ID", "STATE",
	    "LAST SEEN", "SITE", "NAME");
	for (i = 0; i < u.count; i++) {
		row = &u.rows[i];
		ru = registry != NULL ? registry_unit_find(registry, row->id) :
		    NULL;
		ctl_views_time(row->last_seen_ms, seen);
		printf("%-*s  %-14s  %-24s  %-16s  %s\n", width, row->id,
		    ru != NULL && ru->decommissioned ? "decommissioned" :
		    store_unit_state_name(row->state), seen,
		    ru != NULL ? ru->site : "-", ru != NULL ? ru->name :
		    registry != NULL ? "(not in the registry)" : "-");
	}
	rc = CTL_OK;
done:
	for (i = 0; i < u.count; i++)
		free(u.rows[i].id);
	free(u.rows);
	registry_free(registry);
	store_close(store);
	config_free(config);
	return rc;
}

struct ctl_alarm_rows {
	struct alarm	*rows;
	size_t		 count, cap;
};

static int
ctl_views_alarms_row(const struct alarm *a, void *arg)
{
	struct ctl_alarm_rows	*r = arg;
	struct alarm		*p;

	if (r->count == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 64;
		if ((p = reallocarray(r->rows, r->cap, sizeof(*p))) == NULL)
			return -1;
		r->rows = p;
	}
	r->rows[r->count] = *a;
	/* Arrival order within a priority is the order of the rows. */
	r->rows[r->count].seq = (uint64_t)a->id;
	r->count++;
	return 0;
}

static int
ctl_views_alarm_cmp(const void *a, const void *b)
{
	return alarm_compare(a, b);
}

int
ctl_cmd_alarms(struct ctl *ctl, int argc, char *argv[])
{
	struct refuge_config		*config = NULL;
	struct registry			*registry = NULL;
	struct store			*store;
	struct ctl_alarm_rows		 r = { NULL, 0, 0 };
	const struct registry_unit	*ru;
	const struct alarm		*a;
	const char			*pos[1];
	char				 raised[TIMEFMT_ISO_LEN];
	size_t				 i;
	int				 npos, rc = CTL_FAIL;

	if (ctl_args("alarms", argc, argv, NULL, pos, 0, &npos) == -1)
		return CTL_USAGE;
	if ((store = ctl_store(ctl, &config)) == NULL)
		goto done;
	if ((registry = ctl_registry(config)) == NULL)
		ctl_warnx("showing alarms without unit names");
	if (store_alarms_open_each(store, ctl_views_alarms_row, &r) == -1) {
		ctl_warnx("reading alarms: %s", store_error(store));
		goto done;
	}
	qsort(r.rows, r.count, sizeof(*r.rows), ctl_views_alarm_cmp);
	if (r.count == 0)
		printf("no open alarms\n");
	else
		printf("%-6s %-4s %-8s %-15s %-10s %-12s %-24s %-5s %-10s %s\n",
		    "ID", "PRIO", "STATE", "TYPE", "UNIT", "SITE", "RAISED",
		    "COUNT", "CLAIMED BY", "NAME");
	for (i = 0; i < r.count; i++) {
		a = &r.rows[i];
		ru = registry != NULL ? registry_unit_find(registry, a->unit_id) :
		    NULL;
		ctl_views_time(a->raised_ms, raised);
		printf("%-6lld %-4d %-8s %-15s %-10s %-12s %-24s %-5d %-10s %s\n",
		    (long long)a->id, a->priority, alarm_state_name(a->state),
		    evtype_name(a->type), a->unit_id, a->site_id, raised,
		    a->count, a->claimed_by[0] ? a->claimed_by : "-",
		    ru != NULL ? ru->name : "-");
	}
	rc = CTL_OK;
done:
	free(r.rows);
	registry_free(registry);
	store_close(store);
	config_free(config);
	return rc;
}

static int
ctl_views_history_row(const struct store_history_event *e, void *arg)
{
	char	received[TIMEFMT_ISO_LEN], unit_time[TIMEFMT_ISO_LEN];

	ctl_views_time(e->received_ms, received);
	ctl_views_time(e->unit_time_ms, unit_time);
	printf("%-24s  %-16s  %-15s  %-8s  %-24s  %s\n", received,
	    e->unit_event_id, e->type, e->source, unit_time, e->attributes);
	(*(size_t *)arg)++;
	return 0;
}

int
ctl_cmd_history(struct ctl *ctl, int argc, char *argv[])
{
	struct refuge_config	*config = NULL;
	struct store		*store;
	const char		*pos[2];
	long			 n = CTL_HISTORY_DEFAULT;
	size_t			 shown = 0;
	int			 npos, rc = CTL_FAIL;

	if (ctl_args("history", argc, argv, NULL, pos, 2, &npos) == -1)
		return CTL_USAGE;
	if (npos < 1)
		return ctl_usage_error("history", "which unit? give its id");
	if (npos == 2 && ctl_parse_int(pos[1], 1, CTL_HISTORY_MAX, &n) == -1)
		return ctl_usage_error("history", "N wants a number from 1 to %d, "
		    "not '%s'", CTL_HISTORY_MAX, pos[1]);
	if ((store = ctl_store(ctl, &config)) == NULL)
		goto done;
	printf("%-24s  %-16s  %-15s  %-8s  %-24s  %s\n", "RECEIVED", "EVENT",
	    "TYPE", "SOURCE", "UNIT TIME", "ATTRIBUTES");
	if (store_history_each(store, pos[0], (int)n, ctl_views_history_row,
	    &shown) == -1) {
		ctl_warnx("reading history: %s", store_error(store));
		goto done;
	}
	if (shown == 0)
		printf("no events from %s\n", pos[0]);
	rc = CTL_OK;
done:
	store_close(store);
	config_free(config);
	return rc;
}

/*
 * The chain walked in id order: each row's hash and its link to the one
 * before; a chain whose first rows a purge took must start from the hash
 * the latest purge checkpoint names.
 */
static int
ctl_views_verify_row(const struct audit_row *row, void *arg)
{
	struct ctl_chain	*w = arg;
	const char		*r;

	if (w->rows == 0 && row->prev_hash[0] != '\0') {
		snprintf(w->prev, sizeof(w->prev), "%s", row->prev_hash);
		snprintf(w->resumed, sizeof(w->resumed), "%s", row->prev_hash);
	}
	if (strcmp(row->action, "purge") == 0 &&
	    (r = strstr(row->detail, " resume=")) != NULL)
		snprintf(w->resume, sizeof(w->resume), "%.64s", r + 8);
	if (audit_check(row, w->prev, w->why, sizeof(w->why)) == -1) {
		w->broken_id = row->id;
		return -1;
	}
	memcpy(w->prev, row->hash, sizeof(w->prev));
	w->last_id = row->id;
	w->rows++;
	if (w->head != NULL && strcmp(w->head, row->hash) == 0)
		w->head_id = row->id;
	return 0;
}

int
ctl_verify_chain(struct store *store, struct ctl_chain *w)
{
	const char	*head = w->head;

	memset(w, 0, sizeof(*w));
	w->head = head;
	if (store_audit_each(store, ctl_views_verify_row, w) == -1) {
		if (w->broken_id == 0)
			return -1;
		return 1;
	}
	if (w->resumed[0] != '\0' && strcmp(w->resumed, w->resume) != 0) {
		snprintf(w->why, sizeof(w->why), "rows before it were removed, "
		    "and no purge checkpoint says so");
		w->broken_id = -1;
		return 1;
	}
	return 0;
}

int
ctl_cmd_verify(struct ctl *ctl, int argc, char *argv[])
{
	struct refuge_config	*config = NULL;
	struct store		*store;
	struct ctl_chain	 w;
	const char		*pos[1], *head = NULL;
	const struct ctl_opt	 opts[] = {
		{ "head", 1, &head },
		{ NULL, 0, NULL }
	};
	char			 problem[512];
	size_t			 rows;
	int			 npos, rc = CTL_FAIL, sealed;

	if (ctl_args("verify", argc, argv, opts, pos, 0, &npos) == -1)
		return CTL_USAGE;
	if (head != NULL && (strlen(head) != AUDIT_HASH_HEX - 1 ||
	    strspn(head, "0123456789abcdef") != AUDIT_HASH_HEX - 1))
		return ctl_usage_error("verify", "--head wants the 64 hex digits "
		    "of a chain head (as refuged logs it), not '%s'", head);
	if ((store = ctl_store(ctl, &config)) == NULL)
		goto done;
	w.head = head;
	switch (ctl_verify_chain(store, &w)) {
	case -1:
		ctl_warnx("reading the audit chain: %s", store_error(store));
		goto done;
	case 1:
		if (w.broken_id == -1)
			printf("audit chain broken at its first row: %s\n", w.why);
		else
			printf("audit chain broken at row %lld: %s\n",
			    (long long)w.broken_id, w.why);
		goto done;
	}
	printf("audit chain intact: %zu rows\n", w.rows);
	/*
	 * The chain shows edits, not a cut tail: the head printed here (and
	 * logged by refuged), kept elsewhere and given as --head next time,
	 * shows that.
	 */
	if (w.rows > 0)
		printf("last row %lld hash %s\n", (long long)w.last_id, w.prev);
	if (head != NULL && w.head_id == 0) {
		printf("audit chain cut: the head %s taken earlier is not in it "
		    "(rows were removed from its end, or it is another "
		    "database's)\n", head);
		goto done;
	}
	if (head != NULL)
		printf("head %s is row %lld: nothing cut from the end\n", head,
		    (long long)w.head_id);
	if ((sealed = store_seal_verify(store, problem, sizeof(problem),
	    &rows)) == -1) {
		ctl_warnx("checking the records: %s", store_error(store));
		goto done;
	}
	if (sealed == 1) {
		printf("records broken: %s\n", problem);
		goto done;
	}
	printf("records intact: %zu rows of events, alarms, notes and commands "
	    "match their seals\n", rows);
	rc = CTL_OK;
done:
	store_close(store);
	config_free(config);
	return rc;
}

int
ctl_cmd_backup(struct ctl *ctl, int argc, char *argv[])
{
	struct refuge_config	*config = NULL;
	struct store		*store = NULL;
	const char		*pos[1];
	char			 err[1024];
	int			 npos, fd, rc = CTL_FAIL;

	if (ctl_args("backup", argc, argv, NULL, pos, 1, &npos) == -1)
		return CTL_USAGE;
	if (npos != 1)
		return ctl_usage_error("backup", "where to? give a file name");
	/* Made here, exclusively and private: a copy holds the whole history. */
	if ((fd = open(pos[0], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) ==
	    -1) {
		ctl_warnx("%s: %s", pos[0], errno == EEXIST ?
		    "exists; refusing to overwrite it" : strerror(errno));
		return CTL_FAIL;
	}
	close(fd);
	if ((store = ctl_store(ctl, &config)) == NULL) {
		unlink(pos[0]);
		goto done;
	}
	if (store_backup(store, pos[0], err, sizeof(err)) == -1) {
		ctl_warnx("backup failed: %s", err);
		unlink(pos[0]);
		goto done;
	}
	printf("backed up %s to %s\n", config->database, pos[0]);
	rc = CTL_OK;
done:
	store_close(store);
	config_free(config);
	return rc;
}
