/*
 * The layer-3 test bench (l3_bench.h). Setup failures are test failures
 * (ck_assert); teardown frees in daemon_free's order, after closing the
 * sessions as daemon_stop does, so a leak in a module shows under ASan.
 */
#include <check.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>

#include "refuge/activate.h"
#include "refuge/command.h"
#include "refuge/confload.h"
#include "refuge/conn.h"
#include "refuge/diag.h"
#include "refuge/feed.h"
#include "refuge/ingest.h"
#include "refuge/log.h"
#include "refuge/operator.h"
#include "refuge/registry.h"
#include "refuge/stack.h"
#include "refuge/store.h"
#include "refuge/supervise.h"
#include "refuge/tally.h"
#include "refuge/timenow.h"
#include "refuge/unit.h"
#include "refuge/units.h"
#include "fakes.h"
#include "l3_bench.h"

const unsigned char	l3_hp002_spki[32] = {
	0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
	0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
	0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
	0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f
};

static const char	l3_registry_yaml[] =
    "plans:\n"
    "  - id: park\n"
    "    steps: [\"Open audio and speak to the caller\", \"Call the warden\"]\n"
    "sites:\n"
    "  - id: park\n"
    "    name: \"The Park\"\n"
    "    plan: park\n"
    "  - id: square\n"
    "    name: \"Market Square\"\n"
    "units:\n"
    "  - id: HP-001\n"
    "    name: \"Main gate\"\n"
    "    site: park\n"
    "    lat: 52.1\n"
    "    lon: -0.8\n"
    "    camera_preset: 7\n"
    "    audio_uri: \"sip:hp-001@pbx\"\n"
    "  - id: HP-002\n"
    "    name: \"Play area\"\n"
    "    site: park\n"
    "    lat: 52.2\n"
    "    lon: -0.8\n"
    "    key_sha256: \"000102030405060708090a0b0c0d0e0f"
    "101112131415161718191a1b1c1d1e1f\"\n"
    "  - id: HP-003\n"
    "    name: \"Car park\"\n"
    "    site: square\n"
    "    lat: 52.3\n"
    "    lon: -0.8\n"
    "    heartbeat: 2s\n"
    "  - id: HP-004\n"
    "    name: \"Pavilion\"\n"
    "    site: square\n"
    "    lat: 52.4\n"
    "    lon: -0.8\n"
    "operators:\n"
    "  - user: alice\n"
    "    password: \"" L3_PASSWORD_HASH "\"\n"
    "    role: operator\n"
    "  - user: bob\n"
    "    password: \"" L3_PASSWORD_HASH "\"\n"
    "    role: operator\n"
    "  - user: sam\n"
    "    password: \"" L3_PASSWORD_HASH "\"\n"
    "    role: supervisor\n";

static char		l3_top[64];
static unsigned		l3_serial;

static int
l3_remove_one(const char *path, const struct stat *sb, int flag,
    struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void
l3_dir_create(void)
{
	snprintf(l3_top, sizeof(l3_top), "/tmp/refuge-l3.XXXXXX");
	if (mkdtemp(l3_top) == NULL)
		l3_top[0] = '\0';
}

/* Also removes what a failed test (whose child exited early) left. */
void
l3_dir_remove(void)
{
	if (l3_top[0] != '\0')
		(void)nftw(l3_top, l3_remove_one, 8, FTW_DEPTH | FTW_PHYS);
	l3_top[0] = '\0';
}

static void
l3_change_cb(const struct change *change, void *arg)
{
	struct l3		*t = arg;
	struct l3_change	*c;

	ck_assert_uint_lt(t->change_count, L3_CHANGES_MAX);
	c = &t->changes[t->change_count++];
	memset(c, 0, sizeof(*c));
	c->kind = change->kind;
	if (change->alarm != NULL) {
		c->has_alarm = 1;
		c->alarm_id = change->alarm->id;
		c->alarm_type = change->alarm->type;
		c->priority = change->alarm->priority;
		c->alarm_state = change->alarm->state;
		c->count = change->alarm->count;
		c->restored = change->alarm->restored;
		c->outcome = change->alarm->outcome;
		snprintf(c->claimed_by, sizeof(c->claimed_by), "%s",
		    change->alarm->claimed_by);
	}
	snprintf(c->unit_id, sizeof(c->unit_id), "%s",
	    change->unit_id ? change->unit_id : "");
	c->has_unit_name = change->unit_name != NULL;
	snprintf(c->unit_name, sizeof(c->unit_name), "%s",
	    change->unit_name ? change->unit_name : "");
	snprintf(c->user, sizeof(c->user), "%s", change->user ? change->user : "");
	snprintf(c->text, sizeof(c->text), "%s", change->text ? change->text : "");
	c->type = change->type;
	c->first_claim = change->first_claim;
	c->until_ms = change->until_ms;
	c->waited_s = change->waited_s;
	c->level = change->level;
	c->command = change->command;
	c->escalated_first = change->escalated_first;
	c->audience = change->audience;
	snprintf(c->state, sizeof(c->state), "%s",
	    change->state ? change->state : "");
	snprintf(c->cmd_id, sizeof(c->cmd_id), "%s",
	    change->cmd_id ? change->cmd_id : "");
	snprintf(c->result, sizeof(c->result), "%s",
	    change->result ? change->result : "");
	c->has_reason = change->reason != NULL;
	snprintf(c->reason, sizeof(c->reason), "%s",
	    change->reason ? change->reason : "");
	switch (change->kind) {
	case CHANGE_UNIT_STATE:
		l3_logf(t, "change unit-state %s %s", c->unit_id, c->state);
		break;
	case CHANGE_COMMAND:
		l3_logf(t, "change command %s %s %s", c->unit_id, c->cmd_id,
		    c->result);
		break;
	case CHANGE_TESTSIGNAL:
		l3_logf(t, "change testsignal %s %s", c->unit_id,
		    evtype_name(c->type));
		break;
	case CHANGE_TESTMODE:
		l3_logf(t, "change testmode %s %s", c->unit_id,
		    c->until_ms > 0 ? "on" : "off");
		break;
	case CHANGE_RELOADED:
		l3_logf(t, "change reloaded");
		break;
	default:
		l3_logf(t, "change %s %lld %s %s", change_kind_name(c->kind),
		    (long long)c->alarm_id, evtype_name(c->alarm_type),
		    c->unit_id);
		break;
	}
}

static void
l3_settle_cb(void *arg)
{
	struct l3	*t = arg;

	t->settles++;
	l3_logf(t, "settle");
}

/* Only wakes a blocking loop turn. */
static void
l3_guard_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
}

static void
l3_write_file(const char *path, const char *text)
{
	FILE	*f;

	f = fopen(path, "w");
	ck_assert_msg(f != NULL, "cannot write %s", path);
	ck_assert_int_eq(fputs(text, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
}

struct l3 *
l3_new(void)
{
	struct l3		*t;
	struct diag		 d;
	struct feed_subscriber	 sub;
	char			 err[512] = "";

	log_init("l3-bench", getenv("L3_VERBOSE") ? CONFIG_LOG_DEBUG :
	    CONFIG_LOG_ERROR, 0);
	t = calloc(1, sizeof(*t));
	ck_assert_ptr_nonnull(t);
	if (l3_top[0] != '\0') {
		snprintf(t->dir, sizeof(t->dir), "%s/t%ld-%u", l3_top,
		    (long)getpid(), l3_serial++);
		ck_assert_int_eq(mkdir(t->dir, 0700), 0);
	} else {
		snprintf(t->dir, sizeof(t->dir), "/tmp/refuge-l3.XXXXXX");
		ck_assert_ptr_nonnull(mkdtemp(t->dir));
	}
	snprintf(t->db_path, sizeof(t->db_path), "%s/refuge.db", t->dir);
	snprintf(t->registry_path, sizeof(t->registry_path), "%s/units.yaml",
	    t->dir);
	l3_write_file(t->registry_path, l3_registry_yaml);
	diag_init(&d);
	ck_assert_msg(confload_registry(t->registry_path, &t->registry, &d) == 0,
	    "registry: %s", d.count ? d.messages[0] : "?");
	diag_clear(&d);

	t->config.listen_units = "127.0.0.1:0";
	t->config.listen_operators = "127.0.0.1:0";
	t->config.database = t->db_path;
	t->config.registry = t->registry_path;
	t->config.heartbeat_ms = 30000;
	t->config.missed = 3;
	t->config.retry_ms = 10000;
	t->config.ingest_queue = 10000;
	t->config.handshake_timeout_ms = 10000;
	t->config.connections_per_address = 64;
	t->config.max_connections = 1000;
	t->config.command_timeout_ms = 30000;
	t->config.operator_prelogin = 64;
	t->config.operator_prelogin_per_address = 32;	/* all the tests' links share 127.0.0.1 */
	t->config.operator_sessions = 256;
	t->config.operator_output = 8 * 1024 * 1024;
	t->config.escalation_after_ms = 30000;
	t->config.escalation_supervisor_after_ms = 60000;
	t->config.escalation_repeat_ms = 60000;
	t->config.escalation_command_max_priority = 1;
	t->config.log_level = CONFIG_LOG_ERROR;

	t->store = store_open(t->db_path, err, sizeof(err));
	ck_assert_msg(t->store != NULL, "store_open: %s", err);
	ck_assert_int_eq(sqlite3_open(t->db_path, &t->db), SQLITE_OK);
	sqlite3_busy_timeout(t->db, 2000);

	/* As daemon_new: two priorities, the daemon's own events first. */
	t->base = event_base_new();
	ck_assert_ptr_nonnull(t->base);
	ck_assert_int_eq(event_base_priority_init(t->base, CONN_PRIORITIES), 0);
	t->guard = evtimer_new(t->base, l3_guard_cb, NULL);
	ck_assert_ptr_nonnull(t->guard);

	/* The recorder subscribes first: it sees what operators would, in order. */
	t->feed = feed_new();
	ck_assert_ptr_nonnull(t->feed);
	sub.change = l3_change_cb;
	sub.settle = l3_settle_cb;
	sub.arg = t;
	ck_assert_int_eq(feed_subscribe(t->feed, &sub), 0);

	t->units = units_new(t->registry, t->store, err, sizeof(err));
	ck_assert_msg(t->units != NULL, "units_new: %s", err);
	t->command = command_new(t->base, t->store, t->feed,
	    t->config.command_timeout_ms, timenow_wall_ms());
	t->stack = stack_new(t->base, t->store, t->units, t->feed, &t->config,
	    t->registry);
	t->ingest = ingest_new(t->base, t->store, t->stack, t->feed,
	    t->registry);
	t->supervise = supervise_new(t->base, t->units, t->ingest, &t->config);
	t->tally = tally_new(t->feed);
	ck_assert_ptr_nonnull(t->tally);
	ck_assert_ptr_nonnull(t->command);
	ck_assert_ptr_nonnull(t->stack);
	ck_assert_ptr_nonnull(t->ingest);
	ck_assert_ptr_nonnull(t->supervise);
	ck_assert_msg(stack_load(t->stack, err, sizeof(err)) == 0,
	    "stack_load: %s", err);
	return t;
}

void
l3_supervise(struct l3 *t)
{
	ck_assert_int_eq(supervise_start(t->supervise), 0);
}

void
l3_activate(struct l3 *t)
{
	t->activate = activate_new(t->base, t->feed, t->units, t->command);
	ck_assert_ptr_nonnull(t->activate);
}

void
l3_unit_links(struct l3 *t)
{
	char	err[256] = "";

	t->unit_links = unit_links_new(t->base, &t->config, NULL, t->units,
	    t->ingest, t->supervise, t->command, err, sizeof(err));
	ck_assert_msg(t->unit_links != NULL, "unit_links_new: %s", err);
}

static int
l3_user_present(const char *user, void *arg)
{
	return operator_link_user_sessions(arg, user) > 0;
}

void
l3_operator_link(struct l3 *t)
{
	struct operator_deps	deps;
	char			err[256] = "";

	deps = (struct operator_deps){ t->base, &t->config, t->registry, NULL,
	    t->store, t->units, t->stack, t->command, t->feed, NULL, NULL, NULL };
	t->operators = operator_link_new(&deps, err, sizeof(err));
	ck_assert_msg(t->operators != NULL, "operator_link_new: %s", err);
	stack_set_presence(t->stack, l3_user_present, t->operators);
}

void
l3_free(struct l3 *t)
{
	struct unit_record	*record;
	char			 path[400];
	size_t			 i;

	if (t == NULL)
		return;
	/* As daemon_stop: sessions end first, then each owner frees its part. */
	if (t->operators != NULL)
		operator_link_shutdown(t->operators);
	if (t->unit_links != NULL)
		unit_links_close_all(t->unit_links);
	for (i = 0; i < t->link_count; i++)
		if (t->links[i]->link.unit != NULL)
			units_detach(t->links[i]->link.unit, &t->links[i]->link);
	operator_link_free(t->operators);
	unit_links_free(t->unit_links);
	activate_free(t->activate);
	tally_free(t->tally);
	for (i = 0; i < units_count(t->units); i++) {
		record = units_at(t->units, i);
		supervise_stop(record);
		command_unit_free(record);
		stack_unit_free(record);
	}
	supervise_free(t->supervise);
	stack_free(t->stack);
	ingest_free(t->ingest);
	command_free(t->command);
	feed_free(t->feed);
	units_free(t->units);
	registry_free(t->registry);
	store_close(t->store);
	sqlite3_close(t->db);
	fake_conn_free_all();
	event_free(t->guard);
	event_base_free(t->base);
	for (i = 0; i < t->link_count; i++)
		free(t->links[i]);
	unlink(t->db_path);
	snprintf(path, sizeof(path), "%s-wal", t->db_path);
	unlink(path);
	snprintf(path, sizeof(path), "%s-shm", t->db_path);
	unlink(path);
	unlink(t->registry_path);
	rmdir(t->dir);
	free(t);
}

void
l3_turn(struct l3 *t)
{
	ck_assert_int_ne(event_base_loop(t->base, EVLOOP_NONBLOCK), -1);
}

int
l3_wait(struct l3 *t, int (*done)(void *), void *arg, int64_t ms)
{
	int64_t		deadline = timenow_mono_ms() + ms, left;
	struct timeval	tv;

	while (!done(arg)) {
		if ((left = deadline - timenow_mono_ms()) <= 0)
			return 0;
		/* The guard bounds a turn that would otherwise block. */
		tv = timenow_tv(left);
		evtimer_add(t->guard, &tv);
		ck_assert_int_ne(event_base_loop(t->base, EVLOOP_ONCE), -1);
	}
	evtimer_del(t->guard);
	return 1;
}

static int
l3_never(void *arg)
{
	(void)arg;
	return 0;
}

void
l3_run_for(struct l3 *t, int64_t ms)
{
	(void)l3_wait(t, l3_never, NULL, ms);
}

struct unit_record *
l3_record(struct l3 *t, const char *unit_id)
{
	struct unit_record	*record = units_find(t->units, unit_id);

	ck_assert_msg(record != NULL, "no unit %s", unit_id);
	return record;
}

static void
l3_link_ack(struct link *link, const char *event_id)
{
	struct l3_link	*l = (struct l3_link *)link;
	const char	*unit = link->unit ? link->unit->reg->id : "-";

	ck_assert_msg(!l->closed, "ACK %s to a closed link", event_id);
	ck_assert_uint_lt(l->acks, L3_LINK_MAX);
	snprintf(l->ack_ids[l->acks], sizeof(l->ack_ids[0]), "%s", event_id);
	l->ack_stored[l->acks] = l3_sql_int(l->t, "SELECT count(*) FROM events "
	    "WHERE unit_id = %Q AND unit_event_id = %Q", unit, event_id) == 1;
	l->acks++;
	l3_logf(l->t, "ack %s %s", unit, event_id);
}

static void
l3_link_refuse(struct link *link, const char *event_id, const char *reason)
{
	struct l3_link	*l = (struct l3_link *)link;

	ck_assert_uint_lt(l->refusals, L3_LINK_MAX);
	snprintf(l->refused_ids[l->refusals++], sizeof(l->refused_ids[0]), "%s",
	    event_id);
	l3_logf(l->t, "refuse %s %s", event_id, reason);
}

static int
l3_link_command(struct link *link, const char *cmd_id,
    const struct uproto_cmd *cmd, const char **reason)
{
	struct l3_link	*l = (struct l3_link *)link;

	if (l->busy) {
		*reason = "unit link busy";
		return -1;
	}
	ck_assert_uint_lt(l->commands, L3_LINK_MAX);
	snprintf(l->command_ids[l->commands], sizeof(l->command_ids[0]), "%s",
	    cmd_id);
	l->command_args[l->commands++] = *cmd;
	l3_logf(l->t, "command %s %s %d %s", link->unit ? link->unit->reg->id :
	    "-", cmd_id, (int)cmd->kind, cmd->arg);
	return 0;
}

/* As a real kind: detach from the unit, and ingest must not ACK it any more. */
static void
l3_link_close(struct link *link, const char *reason)
{
	struct l3_link	*l = (struct l3_link *)link;

	l->closed = 1;
	snprintf(l->close_reason, sizeof(l->close_reason), "%s", reason);
	if (link->unit != NULL)
		units_detach(link->unit, link);
	ingest_forget_link(l->t->ingest, link);
	l3_logf(l->t, "close %s", reason);
}

static int64_t
l3_link_last_heard(const struct link *link)
{
	return ((const struct l3_link *)link)->heard_mono_ms;
}

static const char *
l3_link_peer(const struct link *link)
{
	return ((const struct l3_link *)link)->peer;
}

static const struct link_ops	l3_link_ops = {
	.kind = "fake",
	.ack = l3_link_ack,
	.refuse = l3_link_refuse,
	.command = l3_link_command,
	.close = l3_link_close,
	.last_heard = l3_link_last_heard,
	.recheck = NULL,
	.peer = l3_link_peer,
};

struct l3_link *
l3_link(struct l3 *t, const char *unit_id)
{
	struct l3_link	*l;

	ck_assert_uint_lt(t->link_count, L3_LINKS);
	l = calloc(1, sizeof(*l));
	ck_assert_ptr_nonnull(l);
	l->link.ops = &l3_link_ops;
	l->t = t;
	l->heard_mono_ms = timenow_mono_ms();
	snprintf(l->peer, sizeof(l->peer), "10.0.0.%zu:4000", t->link_count + 1);
	t->links[t->link_count++] = l;
	if (unit_id != NULL)
		ck_assert_int_eq(units_attach(l3_record(t, unit_id), &l->link), 0);
	return l;
}

void
l3_event(struct l3 *t, struct l3_link *l, const char *id, enum evtype type)
{
	ck_assert_ptr_nonnull(l->link.unit);
	ck_assert_int_eq(ingest_unit_event(t->ingest, &l->link, l->link.unit,
	    id, type, -1, ""), 0);
}

void
l3_expect_line(struct conn *conn, const char *want)
{
	char	got[2048];

	ck_assert_msg(fake_conn_next(conn, got, sizeof(got)), "no line, wanted "
	    "\"%s\"", want);
	ck_assert_str_eq(got, want);
}

const char *
l3_expect_prefix(struct conn *conn, const char *want)
{
	static char	got[2048];

	ck_assert_msg(fake_conn_next(conn, got, sizeof(got)), "no line, wanted "
	    "\"%s...\"", want);
	ck_assert_msg(strncmp(got, want, strlen(want)) == 0, "got \"%s\", "
	    "wanted \"%s...\"", got, want);
	return got + strlen(want);
}

void
l3_expect_nothing(struct conn *conn)
{
	char	got[2048];

	ck_assert_msg(!fake_conn_next(conn, got, sizeof(got)), "unexpected "
	    "\"%s\"", got);
}

int64_t
l3_sql_int(struct l3 *t, const char *fmt, ...)
{
	sqlite3_stmt	*stmt;
	va_list		 ap;
	char		*sql;
	int64_t		 value = -1;

	va_start(ap, fmt);
	sql = sqlite3_vmprintf(fmt, ap);
	va_end(ap);
	ck_assert_ptr_nonnull(sql);
	ck_assert_msg(sqlite3_prepare_v2(t->db, sql, -1, &stmt, NULL) ==
	    SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(t->db));
	if (sqlite3_step(stmt) == SQLITE_ROW)
		value = sqlite3_column_type(stmt, 0) == SQLITE_NULL ? -1 :
		    sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	sqlite3_free(sql);
	return value;
}

int
l3_sql(struct l3 *t, const char *sql)
{
	return sqlite3_exec(t->db, sql, NULL, NULL, NULL);
}

void
l3_logf(struct l3 *t, const char *fmt, ...)
{
	va_list	ap;

	ck_assert_uint_lt(t->log_count, L3_LOG_MAX);
	va_start(ap, fmt);
	vsnprintf(t->log[t->log_count++], L3_LINE, fmt, ap);
	va_end(ap);
}

long
l3_log_index(const struct l3 *t, const char *line, int prefix)
{
	size_t	i;

	for (i = 0; i < t->log_count; i++)
		if (prefix ? strncmp(t->log[i], line, strlen(line)) == 0 :
		    strcmp(t->log[i], line) == 0)
			return (long)i;
	return -1;
}

void
l3_log_dump(const struct l3 *t)
{
	size_t	i;

	for (i = 0; i < t->log_count; i++)
		fprintf(stderr, "  [%zu] %s\n", i, t->log[i]);
}

size_t
l3_changes_of(const struct l3 *t, enum change_kind kind)
{
	size_t	i, n = 0;

	for (i = 0; i < t->change_count; i++)
		n += t->changes[i].kind == kind;
	return n;
}

const struct l3_change *
l3_last_change(const struct l3 *t, enum change_kind kind)
{
	size_t	i;

	for (i = t->change_count; i > 0; i--)
		if (t->changes[i - 1].kind == kind)
			return &t->changes[i - 1];
	return NULL;
}
