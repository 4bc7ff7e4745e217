/*
 * A Help Point's session.
 * States: HANDSHAKE (TLS) -> GREETING (waiting for HELLO) -> ACTIVE.
 * The handshake timer covers both first states. A session is attached to its
 * unit_record only in ACTIVE; a newer session of the same unit replaces it.
 * Sessions are freed only from conn's failed callback or after conn_close(),
 * never while ingest still points at them (ingest_forget_session).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "refuge/conn.h"
#include "refuge/daemon.h"
#include "refuge/ingest.h"
#include "refuge/listener.h"
#include "refuge/log.h"
#include "refuge/supervise.h"
#include "refuge/tlsctx.h"
#include "refuge/unit.h"

#define UNIT_MAX_OUTPUT		65536
#define UNIT_SOCKET_SNDBUF	65536
#define UNIT_MAX_ERRORS		16

enum unit_state {
	UNIT_HANDSHAKE,
	UNIT_GREETING,
	UNIT_ACTIVE
};

struct unit_session {
	struct daemon		*daemon;
	struct conn		*conn;
	struct unit_record	*record;	/* set in ACTIVE */
	struct event		*timer;		/* handshake + HELLO deadline */
	enum unit_state		 state;
	int			 errors;
	LIST_ENTRY(unit_session) entry;
	char			 peer[LISTENER_PEER_LEN];
};

/* A command sent to a unit, awaiting DONE or FAIL. */
struct unit_command {
	struct unit_command	*next;
	struct unit_record	*record;
	struct event		*timer;
	unit_command_fn		*fn;
	void			*arg;
	char			 id[32];
};

static void	unit_connected(struct conn *, void *);
static void	unit_line(struct conn *, const char *, size_t, void *);
static void	unit_overlong(struct conn *, void *);
static void	unit_failed(struct conn *, const char *, void *);

static const struct conn_callbacks unit_callbacks = {
	.connected = unit_connected,
	.line = unit_line,
	.overlong = unit_overlong,
	.failed = unit_failed,
};

static const char *
unit_name(const struct unit_session *session)
{
	return session->record != NULL ? session->record->reg->id : "-";
}

static void
unit_session_free(struct unit_session *session)
{
	if (session->record != NULL && session->record->session == session)
		session->record->session = NULL;
	ingest_forget_session(session->daemon->ingest, session);
	LIST_REMOVE(session, entry);
	if (session->timer != NULL)
		event_free(session->timer);
	free(session);
}

/* Ends the session from our side: the reply already queued is flushed first. */
static void
unit_close(struct unit_session *session)
{
	conn_close(session->conn);
	unit_session_free(session);
}

static void
unit_send(struct unit_session *session, const char *buf, int len)
{
	if (len < 0) {
		log_warnx("unit=%s peer=%s reply does not fit", unit_name(session),
		    session->peer);
		return;
	}
	/* On failure conn fails the session later with "output buffer full". */
	(void)conn_send(session->conn, buf, (size_t)len);
}

static void
unit_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct unit_session	*session = arg;

	(void)fd;
	(void)what;
	log_warnx("units: refused peer=%s reason=\"handshake timeout\"",
	    session->peer);
	session->daemon->metrics.refused[METRICS_REFUSED_TIMEOUT]++;
	unit_close(session);
}

void
unit_accept(struct listener *listener, int fd, const struct sockaddr *sa,
    socklen_t salen, const char *peer, void *arg)
{
	struct daemon		*daemon = arg;
	struct unit_session	*session;
	struct conn_limits	 limits = { LINE_MAX_BYTES, UNIT_MAX_OUTPUT,
				    UNIT_SOCKET_SNDBUF };
	struct timeval		 tv;
	int64_t			 timeout = daemon->config->handshake_timeout_ms;

	if ((session = calloc(1, sizeof(*session))) == NULL ||
	    (session->timer = daemon_timer_new(daemon, unit_timeout,
	    session)) == NULL) {
		log_warnx("units: refused peer=%s reason=\"out of memory\"", peer);
		free(session);
		close(fd);
		listener_release(listener, sa);
		return;
	}
	session->daemon = daemon;
	session->state = UNIT_HANDSHAKE;
	snprintf(session->peer, sizeof(session->peer), "%s", peer);
	session->conn = conn_new(daemon->base, tlsctx_units(daemon->tls), fd, sa,
	    salen, peer, listener, &limits, &unit_callbacks, session);
	if (session->conn == NULL) {
		log_warnx("units: refused peer=%s reason=\"out of memory\"", peer);
		event_free(session->timer);
		free(session);
		return;
	}
	LIST_INSERT_HEAD(&daemon->unit_sessions, session, entry);
	tv.tv_sec = timeout / 1000;
	tv.tv_usec = (timeout % 1000) * 1000;
	evtimer_add(session->timer, &tv);
}

void
unit_close_all(struct daemon *daemon)
{
	struct unit_session	*session;

	while ((session = LIST_FIRST(&daemon->unit_sessions)) != NULL) {
		if (session->record != NULL)
			log_info("unit=%s peer=%s disconnected reason=\"receiver "
			    "stopping\"", session->record->reg->id, session->peer);
		unit_close(session);
	}
}

static void
unit_connected(struct conn *conn, void *arg)
{
	struct unit_session	*session = arg;

	session->state = UNIT_GREETING;
	session->daemon->metrics.handshakes_ok++;
	if (conn_rate_limit(conn, session->daemon->unit_rate) == -1)
		log_warnx("units: peer=%s read rate not capped", session->peer);
}

static void
unit_failed(struct conn *conn, const char *reason, void *arg)
{
	struct unit_session	*session = arg;

	(void)conn;
	if (session->state == UNIT_HANDSHAKE) {
		log_warnx("units: refused peer=%s reason=\"%s\"", session->peer,
		    reason);
		session->daemon->metrics.refused[
		    strcmp(reason, "no certificate") == 0 ?
		    METRICS_REFUSED_NO_CERTIFICATE :
		    strncmp(reason, "verify failed", 13) == 0 ?
		    METRICS_REFUSED_VERIFY : METRICS_REFUSED_HANDSHAKE]++;
	}
	else if (session->state == UNIT_GREETING)
		log_warnx("units: closed peer=%s reason=\"%s\" before HELLO",
		    session->peer, reason);
	else
		log_info("unit=%s peer=%s disconnected reason=\"%s\"",
		    unit_name(session), session->peer, reason);
	unit_session_free(session);
}

static void
unit_overlong(struct conn *conn, void *arg)
{
	struct unit_session	*session = arg;
	char			 buf[128];

	(void)conn;
	if (session->record == NULL)
		log_warnx("units: closed peer=%s reason=\"line too long\"",
		    session->peer);
	else
		log_warnx("unit=%s peer=%s closed reason=\"line too long\"",
		    unit_name(session), session->peer);
	unit_send(session, buf, uproto_format_err(buf, sizeof(buf),
	    "line too long"));
	unit_close(session);
}

static void
unit_deny(struct unit_session *session, const char *unit_id,
    const char *reason)
{
	char	buf[256];

	log_warnx("units: denied unit=%s peer=%s reason=\"%s\"", unit_id,
	    session->peer, reason);
	session->daemon->metrics.refused[METRICS_REFUSED_DENIED]++;
	unit_send(session, buf, uproto_format_denied(buf, sizeof(buf), reason));
	unit_close(session);
}

/* Heard from again: a unit counted offline (or never seen) is online. */
static void
unit_record_online(struct unit_record *record)
{
	struct ingest	*ingest = record->daemon->ingest;

	if (record->state == STORE_UNIT_ONLINE)
		return;
	if (record->state == STORE_UNIT_OFFLINE)
		log_info("unit=%s online again", record->reg->id);
	record->state = STORE_UNIT_ONLINE;
	(void)ingest_receiver_event(ingest, record, EVTYPE_UNIT_ONLINE);
	(void)ingest_unit_state(ingest, record, STORE_UNIT_ONLINE);
}

/* Checks HELLO against the certificate and the registry; attaches the session. */
static void
unit_hello(struct unit_session *session, const struct uproto_msg *msg)
{
	struct daemon		*daemon = session->daemon;
	struct unit_record	*record;
	struct unit_session	*old;
	unsigned char		 spki[32];
	char			 cn[128], err[128], buf[128];

	if (msg->version != UPROTO_VERSION) {
		unit_deny(session, msg->unit_id, "unsupported protocol version");
		return;
	}
	if (tlsctx_peer_identity(conn_ssl(session->conn), cn, sizeof(cn), spki,
	    err, sizeof(err)) == -1) {
		unit_deny(session, msg->unit_id, err);
		return;
	}
	if (strcmp(cn, msg->unit_id) != 0) {
		unit_deny(session, msg->unit_id,
		    "unit id does not match certificate");
		return;
	}
	if ((record = daemon_unit_find(daemon, msg->unit_id)) == NULL) {
		unit_deny(session, msg->unit_id, "unknown unit");
		return;
	}
	if (record->reg->has_key_sha256 &&
	    memcmp(record->reg->key_sha256, spki, sizeof(spki)) != 0) {
		unit_deny(session, msg->unit_id, "key does not match registry");
		return;
	}
	if ((old = record->session) != NULL) {
		log_info("unit=%s peer=%s replaced by peer=%s", record->reg->id,
		    old->peer, session->peer);
		old->record = NULL;
		record->session = NULL;
		unit_close(old);
	}
	evtimer_del(session->timer);
	session->state = UNIT_ACTIVE;
	session->record = record;
	record->session = session;
	record->last_seen_ms = timenow_wall_ms();
	supervise_heard(record);
	log_info("unit=%s peer=%s connected fw=%s", record->reg->id,
	    session->peer, msg->firmware ? msg->firmware : "-");
	record->welcomed_heartbeat_ms = daemon_unit_heartbeat_ms(daemon, record);
	unit_send(session, buf, uproto_format_welcome(buf, sizeof(buf),
	    (int)(record->welcomed_heartbeat_ms / 1000),
	    record->last_seen_ms / 1000));
	if (msg->firmware != NULL)
		(void)ingest_unit_firmware(daemon->ingest, record, msg->firmware);
	unit_record_online(record);
}

static void
unit_command_finish(struct unit_command *command,
    enum unit_command_result result, const char *reason)
{
	struct unit_command	**slot;

	for (slot = &command->record->commands; *slot != NULL;
	    slot = &(*slot)->next)
		if (*slot == command) {
			*slot = command->next;
			break;
		}
	event_free(command->timer);
	command->fn(command->id, result, reason, command->arg);
	free(command);
}

static void
unit_command_answer(struct unit_session *session, const struct uproto_msg *msg)
{
	struct unit_command	*command;

	for (command = session->record->commands; command != NULL;
	    command = command->next)
		if (strcmp(command->id, msg->cmd_id) == 0)
			break;
	if (command == NULL) {
		log_debug("unit=%s peer=%s answer for unknown command %s",
		    unit_name(session), session->peer, msg->cmd_id);
		return;
	}
	log_info("unit=%s command=%s %s%s%s", unit_name(session), command->id,
	    msg->kind == UPROTO_DONE ? "done" : "fail",
	    msg->kind == UPROTO_FAIL ? " reason=" : "",
	    msg->kind == UPROTO_FAIL ? msg->reason : "");
	unit_command_finish(command, msg->kind == UPROTO_DONE ?
	    UNIT_COMMAND_DONE : UNIT_COMMAND_FAIL,
	    msg->kind == UPROTO_FAIL ? msg->reason : NULL);
}

static void
unit_protocol_error(struct unit_session *session, const char *reason)
{
	char	buf[LINE_MAX_BYTES];

	log_warnx("unit=%s peer=%s protocol error reason=\"%s\"",
	    unit_name(session), session->peer, reason);
	unit_send(session, buf, uproto_format_err(buf, sizeof(buf), reason));
	if (++session->errors >= UNIT_MAX_ERRORS) {
		log_warnx("unit=%s peer=%s closed reason=\"too many errors\"",
		    unit_name(session), session->peer);
		unit_close(session);
	}
}

static void
unit_active_line(struct unit_session *session, struct uproto_msg *msg)
{
	struct daemon	*daemon = session->daemon;
	char		 buf[LINE_MAX_BYTES + 64], attrs[LINE_MAX_BYTES + 1];

	switch (msg->kind) {
	case UPROTO_HELLO:
		unit_protocol_error(session, "already greeted");
		break;
	case UPROTO_HB:
		unit_send(session, buf, uproto_format_hback(buf, sizeof(buf),
		    msg->counter));
		break;
	case UPROTO_EVENT:
		if (uproto_attrs_format(msg, attrs, sizeof(attrs)) == -1 ||
		    ingest_unit_event(daemon->ingest, session, session->record,
		    msg->event_id, msg->type, msg->at_ms, attrs) == -1)
			/* Not stored, not acknowledged: the unit sends it again. */
			log_warnx("unit=%s event=%s not queued", unit_name(session),
			    msg->event_id);
		break;
	case UPROTO_STATE:
		if (uproto_attrs_format(msg, attrs, sizeof(attrs)) != -1)
			(void)ingest_unit_attributes(daemon->ingest,
			    session->record, attrs);
		break;
	case UPROTO_DONE:
	case UPROTO_FAIL:
		unit_command_answer(session, msg);
		break;
	}
}

static void
unit_line(struct conn *conn, const char *line, size_t len, void *arg)
{
	struct unit_session	*session = arg;
	struct uproto_msg	 msg;
	enum uproto_status	 status;
	char			 err[128], buf[LINE_MAX_BYTES + 64];

	(void)conn;
	status = uproto_parse(&msg, line, len, err, sizeof(err));
	if (session->state != UNIT_ACTIVE) {
		if (status != UPROTO_OK || msg.kind != UPROTO_HELLO) {
			/* A malformed HELLO says what is wrong; anything else asks for HELLO. */
			if (status == UPROTO_OK || strncmp(line, "HELLO ", 6) != 0)
				snprintf(err, sizeof(err), "hello required");
			log_warnx("units: closed peer=%s reason=\"%s\"",
			    session->peer, err);
			unit_send(session, buf, uproto_format_err(buf, sizeof(buf),
			    err));
			unit_close(session);
			return;
		}
		unit_hello(session, &msg);
		return;
	}
	session->record->last_seen_ms = timenow_wall_ms();
	supervise_heard(session->record);
	/* A link that fell silent and speaks again: the unit is back. */
	unit_record_online(session->record);
	if (status == UPROTO_BAD_EVENT) {
		log_warnx("unit=%s peer=%s event=%s refused reason=\"%s\"",
		    unit_name(session), session->peer, msg.event_id, err);
		unit_send(session, buf, uproto_format_nak(buf, sizeof(buf),
		    msg.event_id, err));
		return;
	}
	if (status != UPROTO_OK) {
		unit_protocol_error(session, err);
		return;
	}
	unit_active_line(session, &msg);
}

void
unit_session_ack(struct unit_session *session, const char *event_id)
{
	char	buf[128];

	unit_send(session, buf, uproto_format_ack(buf, sizeof(buf), event_id));
}

void
unit_record_disconnect(struct unit_record *record, const char *why)
{
	struct unit_session	*session;

	if ((session = record->session) == NULL)
		return;
	log_info("unit=%s peer=%s disconnected reason=\"%s\"", record->reg->id,
	    session->peer, why);
	unit_close(session);
}

void
unit_record_recheck(struct unit_record *record)
{
	struct unit_session	*session = record->session;
	unsigned char		 spki[32];
	char			 cn[128], reason[160];

	if (session == NULL)
		return;
	if (tlsctx_recheck_peer(session->daemon->tls, conn_ssl(session->conn),
	    reason, sizeof(reason)) == -1) {
		unit_record_disconnect(record, reason);
		return;
	}
	if (record->reg->has_key_sha256 &&
	    (tlsctx_peer_identity(conn_ssl(session->conn), cn, sizeof(cn), spki,
	    reason, sizeof(reason)) == -1 ||
	    memcmp(record->reg->key_sha256, spki, sizeof(spki)) != 0))
		unit_record_disconnect(record, "key does not match registry");
}

static void
unit_command_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct unit_command	*command = arg;

	(void)fd;
	(void)what;
	log_warnx("unit=%s command=%s timeout", command->record->reg->id,
	    command->id);
	unit_command_finish(command, UNIT_COMMAND_TIMEOUT, NULL);
}

int
unit_command_send(struct unit_record *record, const struct uproto_cmd *cmd,
    unit_command_fn *fn, void *arg, char *cmd_id, const char **reason)
{
	struct daemon		*daemon = record->daemon;
	struct unit_command	*command;
	struct timeval		 tv;
	char			 buf[LINE_MAX_BYTES + 64];
	int			 len;

	if (record->session == NULL) {
		*reason = "unit not connected";
		return -1;
	}
	if ((command = calloc(1, sizeof(*command))) == NULL ||
	    (command->timer = daemon_timer_new(daemon, unit_command_timeout,
	    command)) == NULL) {
		free(command);
		*reason = "out of memory";
		return -1;
	}
	/* Unique across restarts too: the store keeps every command id. */
	snprintf(command->id, sizeof(command->id), "c%lld-%llu",
	    (long long)daemon->started_ms,
	    (unsigned long long)++daemon->next_command);
	if ((len = uproto_format_cmd(buf, sizeof(buf), command->id, cmd)) < 0 ||
	    conn_send(record->session->conn, buf, (size_t)len) == -1) {
		event_free(command->timer);
		free(command);
		*reason = len < 0 ? "command does not fit" : "unit link busy";
		return -1;
	}
	command->record = record;
	command->fn = fn;
	command->arg = arg;
	command->next = record->commands;
	record->commands = command;
	tv.tv_sec = daemon->config->command_timeout_ms / 1000;
	tv.tv_usec = (daemon->config->command_timeout_ms % 1000) * 1000;
	evtimer_add(command->timer, &tv);
	snprintf(cmd_id, 32, "%s", command->id);
	log_info("unit=%s command=%s sent: %.*s", record->reg->id, command->id,
	    len - 1, buf);
	return 0;
}

void
unit_record_commands_fail(struct unit_record *record, const char *reason)
{
	while (record->commands != NULL)
		unit_command_finish(record->commands, UNIT_COMMAND_FAIL, reason);
}

void
unit_record_commands_free(struct unit_record *record)
{
	struct unit_command	*command;

	while ((command = record->commands) != NULL) {
		record->commands = command->next;
		event_free(command->timer);
		free(command);
	}
}
