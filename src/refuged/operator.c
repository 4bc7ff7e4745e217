/*
 * Operator sessions.
 * States: HANDSHAKE (TLS) -> LOGIN (only LOGIN and PING) -> READY; WAITING
 * holds a failed login's reply for a moment with reading paused, so a guesser
 * gets one answer per delay and nothing else slips in.
 * Requests are answered synchronously: data lines and the final OK/ERR are
 * queued in one go, so a push ("* ...") never falls inside a reply.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "refuge/conn.h"
#include "refuge/daemon.h"
#include "refuge/listener.h"
#include "refuge/log.h"
#include "refuge/operator.h"
#include "refuge/opproto.h"
#include "refuge/pwcheck.h"
#include "refuge/stack.h"
#include "refuge/stats.h"
#include "refuge/timefmt.h"
#include "refuge/tlsctx.h"
#include "refuge/unit.h"

#define OPERATOR_MAX_OUTPUT		(32 * 1024 * 1024)
#define OPERATOR_MAX_OUTPUT_BEFORE_LOGIN	16384
#define OPERATOR_PER_ADDRESS		16
#define OPERATOR_MAX_SESSIONS		256
#define OPERATOR_LOGIN_TIMEOUT_MS	120000
#define OPERATOR_AUTH_DELAY_MS		1000
#define OPERATOR_LOCK_FAILURES		5
#define OPERATOR_LOCK_WINDOW_MS		60000
#define OPERATOR_LOCK_MS		60000
#define OPERATOR_FAILURE_SLOTS		256
#define OPERATOR_CHECKS_PER_SECOND	10

enum operator_state {
	OPERATOR_HANDSHAKE,
	OPERATOR_LOGIN,
	OPERATOR_CHECKING,	/* a LOGIN's password is with the worker */
	OPERATOR_WAITING,
	OPERATOR_READY
};

struct operator_session {
	struct daemon		*daemon;
	struct conn		*conn;
	struct event		*timer;		/* handshake/login deadline, auth delay */
	enum operator_state	 state;
	enum registry_role	 role;
	int64_t			 login_deadline_ms;	/* monotonic */
	uint64_t		 check;		/* pwcheck ticket while CHECKING */
	int			 check_known;	/* the LOGIN named an account */
	char			 user[ALARM_USER_MAX + 1];
	char			 peer[LISTENER_PEER_LEN];
	char			 host[LISTENER_PEER_LEN];	/* peer without port */
	char			 delayed[160];	/* the reply a WAITING session owes */
	LIST_ENTRY(operator_session) entry;
};

/* Failed logins of one address, for the lockout. */
struct operator_failures {
	char	host[LISTENER_PEER_LEN];
	int64_t	times[OPERATOR_LOCK_FAILURES];	/* ring of failure times */
	size_t	next;
	int64_t	locked_until;
	int64_t	last_ms;
};

struct operator_link {
	struct listener			*listener;
	LIST_HEAD(, operator_session)	 sessions;
	struct operator_failures	 failures[OPERATOR_FAILURE_SLOTS];
	int64_t				 checks_since;	/* password checks in this second */
	int				 checks;
	struct pwcheck			*pwcheck;
};

struct operator_command {
	enum opproto_command	command;
	int			needs_login;
	int			supervisor_only;
	void			(*run)(struct operator_session *,
				    const struct opproto_request *);
};

static void	operator_connected(struct conn *, void *);
static void	operator_line(struct conn *, const char *, size_t, void *);
static void	operator_overlong(struct conn *, void *);
static void	operator_failed(struct conn *, const char *, void *);

static const struct conn_callbacks operator_callbacks = {
	.connected = operator_connected,
	.line = operator_line,
	.overlong = operator_overlong,
	.failed = operator_failed,
};

static void
operator_send(struct operator_session *session, const char *buf, int len)
{
	if (len < 0) {
		log_warnx("operator=%s peer=%s reply line does not fit",
		    session->user, session->peer);
		return;
	}
	(void)conn_send(session->conn, buf, (size_t)len);
}

static void
operator_printf(struct operator_session *session, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
operator_printf(struct operator_session *session, const char *fmt, ...)
{
	char	buf[2048];
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf) - 1) {
		operator_send(session, buf, -1);
		return;
	}
	buf[n++] = '\n';
	operator_send(session, buf, n);
}

static void
operator_err(struct operator_session *session, const char *code,
    const char *text)
{
	char	buf[LINE_MAX_BYTES + 64];

	operator_send(session, buf, opproto_format_err(buf, sizeof(buf), code,
	    text));
}

static void
operator_ok(struct operator_session *session, const char *detail)
{
	char	buf[LINE_MAX_BYTES + 64];

	operator_send(session, buf, opproto_format_ok(buf, sizeof(buf), detail));
}

/* A stack action's answer: NULL code is success. */
static void
operator_answer(struct operator_session *session, const char *code,
    const char *text)
{
	if (code == NULL)
		operator_ok(session, NULL);
	else
		operator_err(session, code, text);
}

int
operator_session_count(struct daemon *daemon)
{
	struct operator_session	*session;
	int			 count = 0;

	LIST_FOREACH(session, &daemon->operators->sessions, entry)
		if (session->state == OPERATOR_READY)
			count++;
	return count;
}

int
operator_user_sessions(struct daemon *daemon, const char *user)
{
	struct operator_session	*session;
	int			 count = 0;

	LIST_FOREACH(session, &daemon->operators->sessions, entry)
		if (session->state == OPERATOR_READY &&
		    strcmp(session->user, user) == 0)
			count++;
	return count;
}

static void
operator_session_free(struct operator_session *session)
{
	struct daemon	*daemon = session->daemon;
	char		 user[sizeof(session->user)];
	int		 was_ready = session->state == OPERATOR_READY;

	snprintf(user, sizeof(user), "%s", session->user);
	if (session->check != 0)
		pwcheck_cancel(daemon->operators->pwcheck, session->check);
	LIST_REMOVE(session, entry);
	if (session->timer != NULL)
		event_free(session->timer);
	free(session);
	/* The user's last link is gone: nobody is handling their claims. */
	if (was_ready && !daemon->stopping) {
		(void)stack_audit(daemon->stack, user, 0, "logout", "");
		if (operator_user_sessions(daemon, user) == 0)
			stack_release_user(daemon->stack, user);
	}
}

static void
operator_close(struct operator_session *session)
{
	conn_close(session->conn);
	operator_session_free(session);
}

static void
operator_arm(struct operator_session *session, int64_t ms)
{
	struct timeval	tv = { ms / 1000, (ms % 1000) * 1000 };

	evtimer_add(session->timer, &tv);
}

static void
operator_timer(evutil_socket_t fd, short what, void *arg)
{
	struct operator_session	*session = arg;

	(void)fd;
	(void)what;
	if (session->state == OPERATOR_WAITING) {
		operator_err(session, session->delayed, session->delayed +
		    strlen(session->delayed) + 1);
		session->state = OPERATOR_LOGIN;
		/* Failed attempts do not buy time: the deadline stays where it was. */
		if (session->login_deadline_ms <= timenow_mono_ms()) {
			log_warnx("operators: closed peer=%s reason=\"login timeout\"",
			    session->peer);
			operator_close(session);
			return;
		}
		operator_arm(session, session->login_deadline_ms -
		    timenow_mono_ms());
		conn_resume(session->conn);
		return;
	}
	log_warnx("operators: closed peer=%s reason=\"%s timeout\"", session->peer,
	    session->state == OPERATOR_HANDSHAKE ? "handshake" : "login");
	operator_close(session);
}

static void
operator_accept(struct listener *listener, int fd, const struct sockaddr *sa,
    socklen_t salen, const char *peer, void *arg)
{
	struct daemon		*daemon = arg;
	struct operator_session	*session;
	struct conn_limits	 limits = { LINE_MAX_BYTES, OPERATOR_MAX_OUTPUT, 0 };
	char			*colon;

	if ((session = calloc(1, sizeof(*session))) == NULL ||
	    (session->timer = daemon_timer_new(daemon, operator_timer,
	    session)) == NULL) {
		log_warnx("operators: refused peer=%s reason=\"out of memory\"",
		    peer);
		free(session);
		close(fd);
		listener_release(listener, sa);
		return;
	}
	session->daemon = daemon;
	session->state = OPERATOR_HANDSHAKE;
	snprintf(session->user, sizeof(session->user), "-");
	snprintf(session->peer, sizeof(session->peer), "%s", peer);
	snprintf(session->host, sizeof(session->host), "%s", peer);
	if ((colon = strrchr(session->host, ':')) != NULL)
		*colon = '\0';
	session->conn = conn_new(daemon->base, tlsctx_operators(daemon->tls), fd,
	    sa, salen, peer, listener, &limits, &operator_callbacks, session);
	if (session->conn == NULL) {
		log_warnx("operators: refused peer=%s reason=\"out of memory\"",
		    peer);
		event_free(session->timer);
		free(session);
		return;
	}
	LIST_INSERT_HEAD(&daemon->operators->sessions, session, entry);
	operator_arm(session, daemon->config->handshake_timeout_ms);
}

static void
operator_connected(struct conn *conn, void *arg)
{
	struct operator_session	*session = arg;

	session->state = OPERATOR_LOGIN;
	session->login_deadline_ms = timenow_mono_ms() + OPERATOR_LOGIN_TIMEOUT_MS;
	evtimer_del(session->timer);
	operator_arm(session, OPERATOR_LOGIN_TIMEOUT_MS);
	/* Until login a link earns only short replies: keep its queue short too. */
	conn_set_max_output(conn, OPERATOR_MAX_OUTPUT_BEFORE_LOGIN);
}

static void
operator_failed(struct conn *conn, const char *reason, void *arg)
{
	struct operator_session	*session = arg;

	(void)conn;
	if (session->state == OPERATOR_HANDSHAKE)
		log_warnx("operators: refused peer=%s reason=\"%s\"",
		    session->peer, reason);
	else
		log_info("operator=%s peer=%s disconnected reason=\"%s\"",
		    session->user, session->peer, reason);
	operator_session_free(session);
}

static void
operator_overlong(struct conn *conn, void *arg)
{
	struct operator_session	*session = arg;

	(void)conn;
	log_warnx("operator=%s peer=%s closed reason=\"line too long\"",
	    session->user, session->peer);
	operator_err(session, OPPROTO_ERR_TOOLONG, "line longer than 512 bytes");
	operator_close(session);
}

static struct operator_failures *
operator_failures_find(struct operator_link *link, const char *host,
    int create)
{
	struct operator_failures	*slot, *oldest = &link->failures[0];
	size_t				 i;

	for (i = 0; i < OPERATOR_FAILURE_SLOTS; i++) {
		slot = &link->failures[i];
		if (strcmp(slot->host, host) == 0)
			return slot;
		if (slot->last_ms < oldest->last_ms)
			oldest = slot;
	}
	if (!create)
		return NULL;
	memset(oldest, 0, sizeof(*oldest));
	snprintf(oldest->host, sizeof(oldest->host), "%s", host);
	return oldest;
}

/* Answers after a delay; returns with the session paused. */
static void
operator_delay_err(struct operator_session *session, const char *code,
    const char *text)
{
	size_t	len = strlen(code) + 1;

	snprintf(session->delayed, sizeof(session->delayed), "%s", code);
	snprintf(session->delayed + len, sizeof(session->delayed) - len, "%s",
	    text);
	session->state = OPERATOR_WAITING;
	conn_pause(session->conn);
	evtimer_del(session->timer);
	operator_arm(session, OPERATOR_AUTH_DELAY_MS);
}

/* A LOGIN whose password was checked and failed, or named no account. */
static void
operator_login_failed(struct operator_session *session, int known)
{
	struct daemon			*daemon = session->daemon;
	struct operator_failures	*failures;
	int64_t				 now = timenow_mono_ms();
	size_t				 i, recent = 0;

	failures = operator_failures_find(daemon->operators, session->host, 1);
	failures->times[failures->next++ % OPERATOR_LOCK_FAILURES] = now;
	failures->last_ms = now;
	for (i = 0; i < OPERATOR_LOCK_FAILURES; i++)
		if (failures->times[i] > 0 &&
		    now - failures->times[i] < OPERATOR_LOCK_WINDOW_MS)
			recent++;
	if (recent >= OPERATOR_LOCK_FAILURES) {
		failures->locked_until = now + OPERATOR_LOCK_MS;
		log_warnx("operators: lockout peer=%s reason=\"%zu failed "
		    "logins within a minute\"", session->peer, recent);
	}
	log_warnx("operators: refused peer=%s user=%s reason=\"%s\"",
	    session->peer, session->user, known ? "bad password" :
	    "unknown user");
	snprintf(session->user, sizeof(session->user), "-");
	daemon->metrics.operator_login_failures++;
	operator_delay_err(session, OPPROTO_ERR_AUTH, "bad user or password");
}

/* The worker's verdict on a LOGIN's password, back in the loop. */
static void
operator_login_checked(int ok, void *arg)
{
	struct operator_session		*session = arg;
	struct daemon			*daemon = session->daemon;
	const struct registry_operator	*account;
	char				 detail[96];

	session->check = 0;
	session->state = OPERATOR_LOGIN;
	conn_resume(session->conn);
	/* The account may have gone with a reload while the hash ran. */
	account = registry_operator_find(daemon->registry, session->user);
	if (!ok || !session->check_known || account == NULL) {
		operator_login_failed(session, session->check_known);
		return;
	}
	session->state = OPERATOR_READY;
	session->role = account->role;
	conn_set_max_output(session->conn, OPERATOR_MAX_OUTPUT);
	daemon->metrics.operator_logins++;
	evtimer_del(session->timer);
	log_info("operator=%s peer=%s logged in role=%s", session->user,
	    session->peer, registry_role_name(session->role));
	snprintf(detail, sizeof(detail), "peer=%s", session->peer);
	(void)stack_audit(daemon->stack, session->user, 0, "login", detail);
	operator_printf(session, "OK role=%s", registry_role_name(session->role));
}

static void
operator_login(struct operator_session *session,
    const struct opproto_request *request)
{
	struct daemon			*daemon = session->daemon;
	struct operator_link		*link = daemon->operators;
	const struct registry_operator	*account;
	struct operator_failures	*failures;
	const char			*hash;
	int64_t				 now = timenow_mono_ms();

	if (session->state == OPERATOR_READY) {
		operator_err(session, OPPROTO_ERR_STATE, "already logged in");
		return;
	}
	failures = operator_failures_find(link, session->host, 0);
	if (failures != NULL && failures->locked_until > now) {
		log_warnx("operators: refused peer=%s user=%s reason=\"address "
		    "locked out\"", session->peer, request->user);
		operator_delay_err(session, OPPROTO_ERR_LOCKED,
		    "too many failed logins from this address; try again later");
		return;
	}
	/* Hashes run on a worker, but a flood of them would still queue up. */
	if (now - link->checks_since >= 1000) {
		link->checks_since = now;
		link->checks = 0;
	}
	if (++link->checks > OPERATOR_CHECKS_PER_SECOND) {
		log_warnx("operators: refused peer=%s user=%s reason=\"too many "
		    "logins at once\"", session->peer, request->user);
		operator_delay_err(session, OPPROTO_ERR_LOCKED,
		    "too many logins at once; try again in a moment");
		return;
	}
	account = registry_operator_find(daemon->registry, request->user);
	/* An unknown user costs a hash too, so timing does not tell who exists. */
	hash = account != NULL ? account->password_hash :
	    daemon->registry->operator_count > 0 ?
	    daemon->registry->operators[0].password_hash : "*";
	snprintf(session->user, sizeof(session->user), "%s", request->user);
	session->check_known = account != NULL;
	session->check = pwcheck_submit(link->pwcheck, request->password, hash,
	    operator_login_checked, session);
	if (session->check == 0) {
		operator_login_failed(session, session->check_known);
		return;
	}
	/* Nothing else is read until the verdict: replies stay in order. */
	session->state = OPERATOR_CHECKING;
	conn_pause(session->conn);
}

static void
operator_logout(struct operator_session *session,
    const struct opproto_request *request)
{
	(void)request;
	log_info("operator=%s peer=%s logged out", session->user, session->peer);
	operator_ok(session, NULL);
	operator_close(session);
}

static void
operator_ping(struct operator_session *session,
    const struct opproto_request *request)
{
	(void)request;
	operator_ok(session, NULL);
}

static const char *
operator_unit_name(struct daemon *daemon, const char *unit_id)
{
	struct unit_record	*record;

	record = daemon_unit_find(daemon, unit_id);
	return record != NULL ? record->reg->name : "";
}

static void
operator_alarms(struct operator_session *session,
    const struct opproto_request *request)
{
	struct opproto_alarm_view	  view;
	struct alarm			**all;
	char				  buf[LINE_MAX_BYTES + 256];
	size_t				  i, count;

	(void)request;
	count = stack_sorted(session->daemon->stack, &all);
	for (i = 0; i < count; i++) {
		view.alarm = all[i];
		view.unit_name = operator_unit_name(session->daemon,
		    all[i]->unit_id);
		operator_send(session, buf, opproto_format_alarm(buf, sizeof(buf),
		    0, &view));
	}
	operator_printf(session, "OK %zu", count);
}

/* Writes value double-quoted with escapes, always. */
static void
operator_quote(char *dst, size_t len, const char *value)
{
	char	quoted[LINE_MAX_BYTES + 4];

	if (line_quote(quoted, sizeof(quoted), value) < 0)
		snprintf(dst, len, "\"\"");
	else if (quoted[0] == '"')
		snprintf(dst, len, "%s", quoted);
	else
		snprintf(dst, len, "\"%s\"", quoted);
}

static void
operator_units(struct operator_session *session,
    const struct opproto_request *request)
{
	struct daemon		*daemon = session->daemon;
	struct unit_record	*record;
	char			 seen[TIMEFMT_ISO_LEN], test[TIMEFMT_ISO_LEN + 16];
	char			 name[LINE_MAX_BYTES + 8];
	int64_t			 now = timenow_wall_ms();
	size_t			 i;

	(void)request;
	for (i = 0; i < daemon->registry->unit_count; i++) {
		record = daemon->records[i];
		if (record->last_seen_ms >= 0)
			timefmt_iso8601(record->last_seen_ms, seen);
		else
			snprintf(seen, sizeof(seen), "-");
		test[0] = '\0';
		if (stack_unit_on_test(record, now)) {
			memcpy(test, " test_until=", 12);
			timefmt_iso8601(record->test_until_ms, test + 12);
		}
		operator_quote(name, sizeof(name), record->reg->name);
		operator_printf(session, "UNIT %s state=%s last_seen=%s site=%s "
		    "name=%s%s", record->reg->id,
		    store_unit_state_name(record->state), seen, record->reg->site,
		    name, test);
	}
	operator_printf(session, "OK %zu", daemon->registry->unit_count);
}

static void
operator_claim(struct operator_session *session,
    const struct opproto_request *request)
{
	char	text[256];

	operator_answer(session, stack_claim(session->daemon->stack,
	    request->alarm_id, session->user, text, sizeof(text)), text);
}

static void
operator_release(struct operator_session *session,
    const struct opproto_request *request)
{
	char	text[256];

	operator_answer(session, stack_release(session->daemon->stack,
	    request->alarm_id, session->user,
	    session->role == REGISTRY_ROLE_SUPERVISOR, text, sizeof(text)), text);
}

static void
operator_note(struct operator_session *session,
    const struct opproto_request *request)
{
	char	text[256];

	operator_answer(session, stack_note(session->daemon->stack,
	    request->alarm_id, session->user, request->text, text,
	    sizeof(text)), text);
}

static void
operator_resolve(struct operator_session *session,
    const struct opproto_request *request)
{
	char	text[256];

	operator_answer(session, stack_resolve(session->daemon->stack,
	    request->alarm_id, session->user,
	    session->role == REGISTRY_ROLE_SUPERVISOR, request->outcome,
	    request->reason, request->action, request->text, text,
	    sizeof(text)), text);
}

static void
operator_plan(struct operator_session *session,
    const struct opproto_request *request)
{
	struct daemon			*daemon = session->daemon;
	const struct registry_site	*site;
	const struct registry_plan	*plan = NULL;
	struct alarm			*alarm;
	char				 text[LINE_MAX_BYTES + 8];
	size_t				 i;

	if ((alarm = stack_find(daemon->stack, request->alarm_id)) == NULL) {
		operator_printf(session, "ERR %s no open alarm %lld",
		    OPPROTO_ERR_NOTFOUND, (long long)request->alarm_id);
		return;
	}
	site = registry_site_find(daemon->registry, alarm->site_id);
	if (site != NULL && site->plan != NULL)
		plan = registry_plan_find(daemon->registry, site->plan);
	if (plan == NULL) {
		operator_printf(session, "ERR %s site %s has no trigger plan",
		    OPPROTO_ERR_NOTFOUND, alarm->site_id);
		return;
	}
	for (i = 0; i < plan->step_count; i++) {
		operator_quote(text, sizeof(text), plan->steps[i]);
		operator_printf(session, "STEP %zu %s", i + 1, text);
	}
	operator_ok(session, NULL);
}

static void
operator_cmd(struct operator_session *session,
    const struct opproto_request *request)
{
	struct daemon		*daemon = session->daemon;
	struct unit_record	*record;
	struct uproto_cmd	 cmd;
	const char		*reason;
	char			 err[128], cmd_id[32], text[LINE_MAX_BYTES];
	size_t			 i, off = 0;

	if ((record = daemon_unit_find(daemon, request->unit_id)) == NULL) {
		operator_printf(session, "ERR %s unknown unit %s",
		    OPPROTO_ERR_NOTFOUND, request->unit_id);
		return;
	}
	if (uproto_cmd_parse(&cmd, request->words, request->word_count, err,
	    sizeof(err)) == -1) {
		operator_err(session, OPPROTO_ERR_SYNTAX, err);
		return;
	}
	if (cmd.kind == UPROTO_CMD_AUDIO_OPEN && cmd.arg[0] == '\0') {
		if (record->reg->audio_uri == NULL) {
			operator_err(session, OPPROTO_ERR_SYNTAX,
			    "unit has no audio_uri; give one");
			return;
		}
		snprintf(cmd.arg, sizeof(cmd.arg), "%s", record->reg->audio_uri);
	}
	if (unit_command_send(record, &cmd, stack_command_result, daemon, cmd_id,
	    &reason) == -1) {
		operator_err(session, OPPROTO_ERR_OFFLINE, reason);
		return;
	}
	text[0] = '\0';
	for (i = 0; i < request->word_count && off < sizeof(text); i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off, "%s%s",
		    i ? " " : "", request->words[i]);
	stack_command_sent(daemon->stack, cmd_id, record->reg->id, 0,
	    session->user, text);
	operator_printf(session, "OK cmd=%s", cmd_id);
}

struct operator_history {
	struct operator_session	*session;
	size_t			 count;
};

static int
operator_history_line(const struct store_history_event *event, void *arg)
{
	struct operator_history	*history = arg;
	char			 at[TIMEFMT_ISO_LEN], unit_at[TIMEFMT_ISO_LEN + 16];
	int			 receiver = strcmp(event->source, "receiver") == 0;

	timefmt_iso8601(event->received_ms, at);
	unit_at[0] = '\0';
	if (event->unit_time_ms >= 0) {
		memcpy(unit_at, " unit_at=", 9);
		timefmt_iso8601(event->unit_time_ms, unit_at + 9);
	}
	operator_printf(history->session, "EVENT %s %s at=%s%s%s%s%s",
	    event->unit_event_id, event->type, at,
	    receiver ? " source=receiver" : "", unit_at,
	    event->attributes[0] ? " " : "", event->attributes);
	history->count++;
	return 0;
}

static void
operator_history(struct operator_session *session,
    const struct opproto_request *request)
{
	struct daemon		*daemon = session->daemon;
	struct operator_history	 history = { session, 0 };

	if (daemon_unit_find(daemon, request->unit_id) == NULL) {
		operator_printf(session, "ERR %s unknown unit %s",
		    OPPROTO_ERR_NOTFOUND, request->unit_id);
		return;
	}
	if (store_history_each(daemon->store, request->unit_id,
	    request->history_count, operator_history_line, &history) == -1) {
		operator_err(session, OPPROTO_ERR_INTERNAL, "cannot read history");
		return;
	}
	operator_printf(session, "OK %zu", history.count);
}

/* Resolved and open alarms copied out of the store for stats_compute. */
struct operator_stats_rows {
	struct stats_alarm	*rows;
	size_t			 count;
	size_t			 capacity;
};

static int
operator_stats_row(const struct stats_alarm *alarm, void *arg)
{
	struct operator_stats_rows	*rows = arg;
	struct stats_alarm		*grown, *row;
	size_t				 capacity;

	if (rows->count == rows->capacity) {
		capacity = rows->capacity ? rows->capacity * 2 : 256;
		if ((grown = realloc(rows->rows, capacity * sizeof(*grown))) ==
		    NULL)
			return -1;
		rows->rows = grown;
		rows->capacity = capacity;
	}
	row = &rows->rows[rows->count];
	*row = *alarm;
	row->site_id = strdup(alarm->site_id);
	row->unit_id = strdup(alarm->unit_id);
	row->reason = strdup(alarm->reason);
	if (row->site_id == NULL || row->unit_id == NULL || row->reason == NULL) {
		free((char *)(uintptr_t)row->site_id);
		free((char *)(uintptr_t)row->unit_id);
		free((char *)(uintptr_t)row->reason);
		return -1;
	}
	rows->count++;
	return 0;
}

static void
operator_stats_percentiles(struct operator_session *session, const char *name,
    const struct stats_percentiles *p)
{
	operator_printf(session, "STAT %s count=%zu median=%.3f p80=%.3f "
	    "p98_5=%.3f max=%.3f within_30s=%.1f within_60s=%.1f", name,
	    p->count, p->p50_ms / 1000.0, p->p80_ms / 1000.0,
	    p->p985_ms / 1000.0, p->max_ms / 1000.0, p->within_30s * 100.0,
	    p->within_60s * 100.0);
	if (p->waiting > 0)
		operator_printf(session, "STAT %s_waiting count=%zu", name,
		    p->waiting);
}

static void
operator_stats(struct operator_session *session,
    const struct opproto_request *request)
{
	struct operator_stats_rows	 rows = { NULL, 0, 0 };
	struct stats_summary		*summary;
	size_t				 i, classified;

	if ((summary = calloc(1, sizeof(*summary))) == NULL ||
	    store_stats_each(session->daemon->store, request->since_ms, -1,
	    operator_stats_row, &rows) == -1 ||
	    stats_compute(rows.rows, rows.count, summary) == -1) {
		operator_err(session, OPPROTO_ERR_INTERNAL, "cannot compute figures");
		goto done;
	}
	classified = summary->genuine + summary->false_alarms;
	operator_printf(session, "STAT alarms total=%zu open=%zu genuine=%zu "
	    "false=%zu genuine_share=%.1f", summary->total, summary->open,
	    summary->genuine, summary->false_alarms, classified ?
	    100.0 * summary->genuine / classified : 0.0);
	for (i = 0; i < summary->reason_count; i++)
		operator_printf(session, "STAT false reason=%s count=%zu",
		    summary->reasons[i].key, summary->reasons[i].count);
	for (i = 0; i < summary->action_count; i++)
		operator_printf(session, "STAT genuine action=%s count=%zu",
		    summary->actions[i].key, summary->actions[i].count);
	operator_stats_percentiles(session, "to_claim", &summary->to_claim);
	operator_stats_percentiles(session, "to_resolve", &summary->to_resolve);
	for (i = 0; i < summary->site_count; i++)
		operator_printf(session, "STAT site id=%s count=%zu",
		    summary->sites[i].key, summary->sites[i].count);
	operator_ok(session, NULL);
done:
	for (i = 0; i < rows.count; i++) {
		free((char *)(uintptr_t)rows.rows[i].site_id);
		free((char *)(uintptr_t)rows.rows[i].unit_id);
		free((char *)(uintptr_t)rows.rows[i].reason);
	}
	free(rows.rows);
	free(summary);
}

static void
operator_testmode(struct operator_session *session,
    const struct opproto_request *request)
{
	struct unit_record	*record;
	char			 text[256];

	if ((record = daemon_unit_find(session->daemon, request->unit_id)) ==
	    NULL) {
		operator_printf(session, "ERR %s unknown unit %s",
		    OPPROTO_ERR_NOTFOUND, request->unit_id);
		return;
	}
	operator_answer(session, stack_testmode(session->daemon->stack, record,
	    request->duration_ms, session->user, text, sizeof(text)), text);
}

static const struct operator_command operator_commands[] = {
	{ OPPROTO_LOGIN,	0, 0, operator_login },
	{ OPPROTO_PING,		0, 0, operator_ping },
	{ OPPROTO_LOGOUT,	1, 0, operator_logout },
	{ OPPROTO_ALARMS,	1, 0, operator_alarms },
	{ OPPROTO_UNITS,	1, 0, operator_units },
	{ OPPROTO_CLAIM,	1, 0, operator_claim },
	{ OPPROTO_RELEASE,	1, 0, operator_release },
	{ OPPROTO_NOTE,		1, 0, operator_note },
	{ OPPROTO_RESOLVE,	1, 0, operator_resolve },
	{ OPPROTO_PLAN,		1, 0, operator_plan },
	{ OPPROTO_CMD,		1, 0, operator_cmd },
	{ OPPROTO_HISTORY,	1, 0, operator_history },
	{ OPPROTO_STATS,	1, 0, operator_stats },
	{ OPPROTO_TESTMODE,	1, 1, operator_testmode },
};

static void
operator_line(struct conn *conn, const char *line, size_t len, void *arg)
{
	struct operator_session		*session = arg;
	struct opproto_request		*request;
	const struct operator_command	*command = NULL;
	const char			*code;
	char				 err[256];
	size_t				 i;

	(void)conn;
	if ((request = malloc(sizeof(*request))) == NULL) {
		operator_err(session, OPPROTO_ERR_INTERNAL, "out of memory");
		return;
	}
	/* Before login, anything but LOGIN and PING is refused unread. */
	if (session->state != OPERATOR_READY && strncmp(line, "LOGIN ", 6) != 0 &&
	    strcmp(line, "LOGIN") != 0 && strncmp(line, "PING", 4) != 0) {
		operator_err(session, OPPROTO_ERR_LOGIN, "log in first");
		goto done;
	}
	if (opproto_parse(request, line, len, &code, err, sizeof(err)) == -1) {
		operator_err(session, code, err);
		goto done;
	}
	for (i = 0; i < sizeof(operator_commands) / sizeof(operator_commands[0]);
	    i++)
		if (operator_commands[i].command == request->command)
			command = &operator_commands[i];
	if (command == NULL) {
		operator_err(session, OPPROTO_ERR_UNKNOWN, "unknown command");
		goto done;
	}
	if (command->needs_login && session->state != OPERATOR_READY) {
		operator_err(session, OPPROTO_ERR_LOGIN, "log in first");
		goto done;
	}
	if (command->supervisor_only &&
	    session->role != REGISTRY_ROLE_SUPERVISOR) {
		operator_err(session, OPPROTO_ERR_DENIED,
		    "only a supervisor may do that");
		goto done;
	}
	command->run(session, request);
done:
	free(request);
}

int
operator_start(struct daemon *daemon, char *err, size_t errlen)
{
	if ((daemon->operators = calloc(1, sizeof(*daemon->operators))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	LIST_INIT(&daemon->operators->sessions);
	if ((daemon->operators->pwcheck = pwcheck_new(daemon->base, err,
	    errlen)) == NULL)
		return -1;
	daemon->operators->listener = listener_new(daemon->base, "operators",
	    daemon->config->listen_operators, OPERATOR_PER_ADDRESS,
	    OPERATOR_MAX_SESSIONS, operator_accept, daemon, err, errlen);
	return daemon->operators->listener == NULL ? -1 : 0;
}

void
operator_address(struct daemon *daemon, char *buf, size_t buflen)
{
	listener_address(daemon->operators->listener, buf, buflen);
}

void
operator_shutdown(struct daemon *daemon)
{
	struct operator_session	*session;

	listener_disable(daemon->operators->listener);
	while ((session = LIST_FIRST(&daemon->operators->sessions)) != NULL)
		operator_close(session);
}

void
operator_registry_changed(struct daemon *daemon)
{
	const struct registry_operator	*account;
	struct operator_session		*session, *next;

	for (session = LIST_FIRST(&daemon->operators->sessions); session != NULL;
	    session = next) {
		next = LIST_NEXT(session, entry);
		if (session->state != OPERATOR_READY)
			continue;
		account = registry_operator_find(daemon->registry, session->user);
		if (account != NULL) {
			session->role = account->role;
			continue;
		}
		log_warnx("operator=%s peer=%s closed reason=\"account removed\"",
		    session->user, session->peer);
		operator_close(session);
	}
}

int
operator_open_count(struct daemon *daemon)
{
	return listener_open_count(daemon->operators->listener);
}

void
operator_free_all(struct daemon *daemon)
{
	if (daemon->operators == NULL)
		return;
	pwcheck_free(daemon->operators->pwcheck);
	listener_free(daemon->operators->listener);
	free(daemon->operators);
	daemon->operators = NULL;
}

void
operator_push(struct daemon *daemon, const char *fmt, ...)
{
	struct operator_session	*session, *next;
	char			 buf[LINE_MAX_BYTES + 256];
	va_list			 ap;
	int			 n;

	memcpy(buf, "* ", 2);
	va_start(ap, fmt);
	n = vsnprintf(buf + 2, sizeof(buf) - 3, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(buf) - 3) {
		log_warnx("operators: push does not fit: %.60s", buf);
		return;
	}
	n += 2;
	buf[n++] = '\n';
	for (session = LIST_FIRST(&daemon->operators->sessions); session != NULL;
	    session = next) {
		next = LIST_NEXT(session, entry);
		if (session->state == OPERATOR_READY)
			(void)conn_send(session->conn, buf, (size_t)n);
	}
}

void
operator_push_alarm(struct daemon *daemon, const struct alarm *alarm)
{
	struct opproto_alarm_view	 view;
	struct operator_session		*session;
	char				 buf[LINE_MAX_BYTES + 256];
	int				 n;

	view.alarm = alarm;
	view.unit_name = operator_unit_name(daemon, alarm->unit_id);
	if ((n = opproto_format_alarm(buf, sizeof(buf), 1, &view)) < 0) {
		log_warnx("alarm=%lld push does not fit", (long long)alarm->id);
		return;
	}
	LIST_FOREACH(session, &daemon->operators->sessions, entry)
		if (session->state == OPERATOR_READY)
			(void)conn_send(session->conn, buf, (size_t)n);
}
