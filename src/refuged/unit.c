/*
 * A Help Point's session on our TLS line protocol: the first kind of unit
 * link (link.h).
 * States: HANDSHAKE (TLS) -> GREETING (waiting for HELLO) -> ACTIVE.
 * The handshake timer covers both first states, and so does the listener's
 * cap on handshakes in progress (limits.handshakes): entering ACTIVE frees the
 * session's place (conn_admitted). A session is attached to its
 * unit_record only in ACTIVE; a newer session of the same unit replaces it.
 * Sessions are freed only from conn's failed callback or after conn_close(),
 * never while ingest still points at them (ingest_forget_link).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <unistd.h>

#include <event2/event.h>

#include "refuge/command.h"
#include "refuge/config.h"
#include "refuge/conn.h"
#include "refuge/ingest.h"
#include "refuge/link.h"
#include "refuge/listener.h"
#include "refuge/log.h"
#include "refuge/loop.h"
#include "refuge/receiver.h"
#include "refuge/supervise.h"
#include "refuge/timenow.h"
#include "refuge/tlsctx.h"
#include "refuge/unit.h"
#include "refuge/units.h"
#include "refuge/uproto.h"

#define UNIT_MAX_OUTPUT		65536
#define UNIT_SOCKET_SNDBUF	65536
#define UNIT_MAX_ERRORS		16
#define UNIT_READ_RATE		32768	/* bytes per second */
#define UNIT_READ_BURST		65536
/* Lines a second at the first priority (conn.h); a Help Point sends a few a minute. */
#define UNIT_LINE_SHARE		16
#define UNIT_KIND		"tls"

struct unit_session;

struct unit_links {
	struct event_base		*base;
	const struct refuge_config	*config;
	struct tlsctx			*tls;
	struct units			*units;
	struct ingest			*ingest;
	struct supervise		*supervise;
	struct command			*command;
	const struct receiver		*receiver;	/* NULL: always active */
	struct listener			*listener;
	struct conn_rate		*rate;	/* read cap of each unit link */
	struct unit_counters		 counters;
	int				 welcomed;	/* sessions in ACTIVE */
	LIST_HEAD(, unit_session)	 sessions;
	/* A storm of refusals must not bury the log: N a second, then a count. */
	struct log_limit		 refused_log;
	struct log_limit		 closed_log;
	struct log_limit		 denied_log;
};

enum unit_state {
	UNIT_HANDSHAKE,
	UNIT_GREETING,
	UNIT_ACTIVE
};

struct unit_session {
	struct link		 link;		/* first: link.unit set in ACTIVE */
	struct unit_links	*owner;
	struct conn		*conn;
	struct event		*timer;		/* handshake + HELLO deadline */
	enum unit_state		 state;
	int			 errors;
	int64_t			 heard_mono_ms;
	LIST_ENTRY(unit_session) entry;
	char			 peer[LISTENER_PEER_LEN];
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

static void	unit_link_ack(struct link *, const char *);
static void	unit_link_refuse(struct link *, const char *, const char *);
static int	unit_link_command(struct link *, const char *,
		    const struct uproto_cmd *, const char **);
static void	unit_link_close(struct link *, const char *);
static int64_t	unit_link_last_heard(const struct link *);
static void	unit_link_recheck(struct link *);
static const char *unit_link_peer(const struct link *);

static const struct link_ops unit_link_ops = {
	.kind = UNIT_KIND,
	.ack = unit_link_ack,
	.refuse = unit_link_refuse,
	.command = unit_link_command,
	.close = unit_link_close,
	.last_heard = unit_link_last_heard,
	.recheck = unit_link_recheck,
	.peer = unit_link_peer,
};

static const char *
unit_name(const struct unit_session *session)
{
	return session->link.unit != NULL ? session->link.unit->reg->id : "-";
}

static void
unit_session_free(struct unit_session *session)
{
	if (session->link.unit != NULL)
		units_detach(session->link.unit, &session->link);
	if (session->state == UNIT_ACTIVE)
		session->owner->welcomed--;
	ingest_forget_link(session->owner->ingest, &session->link);
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
	log_ratelimited(&session->owner->refused_log, CONFIG_LOG_WARNING,
	    "units: refused peer=%s reason=\"handshake timeout\"",
	    session->peer);
	session->owner->counters.refused[METRICS_REFUSED_TIMEOUT]++;
	unit_close(session);
}

static void
unit_accept(struct listener *listener, int fd, const struct sockaddr *sa,
    socklen_t salen, const char *peer, void *arg)
{
	struct unit_links	*links = arg;
	struct unit_session	*session;
	struct conn_limits	 limits = { LINE_MAX_BYTES, UNIT_MAX_OUTPUT,
				    UNIT_SOCKET_SNDBUF };

	if ((session = calloc(1, sizeof(*session))) == NULL ||
	    (session->timer = loop_timer_new(links->base, unit_timeout,
	    session)) == NULL) {
		log_ratelimited(&links->refused_log, CONFIG_LOG_WARNING,
	    "units: refused peer=%s reason=\"out of memory\"", peer);
		free(session);
		close(fd);
		listener_release(listener, sa);
		return;
	}
	session->link.ops = &unit_link_ops;
	session->owner = links;
	session->state = UNIT_HANDSHAKE;
	snprintf(session->peer, sizeof(session->peer), "%s", peer);
	session->conn = conn_new(links->base, tlsctx_units(links->tls), fd, sa,
	    salen, peer, listener, &limits, &unit_callbacks, session);
	if (session->conn == NULL) {
		log_ratelimited(&links->refused_log, CONFIG_LOG_WARNING,
	    "units: refused peer=%s reason=\"out of memory\"", peer);
		event_free(session->timer);
		free(session);
		return;
	}
	conn_set_line_share(session->conn, UNIT_LINE_SHARE);
	LIST_INSERT_HEAD(&links->sessions, session, entry);
	loop_timer_add(session->timer, links->config->handshake_timeout_ms);
}

void
unit_links_close_all(struct unit_links *links)
{
	struct unit_session	*session;

	while ((session = LIST_FIRST(&links->sessions)) != NULL) {
		if (session->link.unit != NULL)
			log_info("unit=%s peer=%s disconnected reason=\"receiver "
			    "stopping\"", unit_name(session), session->peer);
		unit_close(session);
	}
}

static void
unit_connected(struct conn *conn, void *arg)
{
	struct unit_session	*session = arg;

	session->state = UNIT_GREETING;
	session->owner->counters.handshakes_ok++;
	if (conn_rate_limit(conn, session->owner->rate) == -1)
		log_warnx("units: peer=%s read rate not capped", session->peer);
}

static void
unit_failed(struct conn *conn, const char *reason, void *arg)
{
	struct unit_session	*session = arg;

	(void)conn;
	if (session->state == UNIT_HANDSHAKE) {
		log_ratelimited(&session->owner->refused_log, CONFIG_LOG_WARNING,
	    "units: refused peer=%s reason=\"%s\"", session->peer,
		    reason);
		session->owner->counters.refused[
		    strcmp(reason, "no certificate") == 0 ?
		    METRICS_REFUSED_NO_CERTIFICATE :
		    strncmp(reason, "verify failed", 13) == 0 ?
		    METRICS_REFUSED_VERIFY : METRICS_REFUSED_HANDSHAKE]++;
	}
	else if (session->state == UNIT_GREETING)
		log_ratelimited(&session->owner->closed_log, CONFIG_LOG_WARNING,
	    "units: closed peer=%s reason=\"%s\" before HELLO",
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
	if (session->link.unit == NULL)
		log_ratelimited(&session->owner->closed_log, CONFIG_LOG_WARNING,
	    "units: closed peer=%s reason=\"line too long\"",
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

	log_ratelimited(&session->owner->denied_log, CONFIG_LOG_WARNING,
	    "units: denied unit=%s peer=%s reason=\"%s\"", unit_id,
	    session->peer, reason);
	session->owner->counters.refused[METRICS_REFUSED_DENIED]++;
	unit_send(session, buf, uproto_format_denied(buf, sizeof(buf), reason));
	unit_close(session);
}

/* Checks HELLO against the certificate and the registry; attaches the session. */
static void
unit_hello(struct unit_session *session, const struct uproto_msg *msg)
{
	struct unit_links	*links = session->owner;
	struct unit_record	*record;
	struct link		*old;
	struct uproto_welcome	 welcome;
	unsigned char		 spki[32];
	char			 cn[128], err[128];
	char			 buf[RECEIVER_ALT_LEN + 128];

	if (msg->version != UPROTO_VERSION) {
		unit_deny(session, msg->unit_id, "unsupported protocol version");
		return;
	}
	/* A standby sends the unit to the active receiver, if it knows it. */
	if (links->receiver != NULL && !receiver_active(links->receiver)) {
		if (receiver_active_address(links->receiver)[0] == '\0')
			unit_deny(session, msg->unit_id, "standby");
		else {
			snprintf(buf, sizeof(buf), "standby active=%s",
			    receiver_active_address(links->receiver));
			unit_deny(session, msg->unit_id, buf);
		}
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
	if ((record = units_find(links->units, msg->unit_id)) == NULL) {
		unit_deny(session, msg->unit_id, "unknown unit");
		return;
	}
	/* Its certificate is in the CRL too; this holds without a CRL. */
	if (record->reg->decommissioned) {
		unit_deny(session, msg->unit_id, "decommissioned");
		return;
	}
	if (record->reg->has_key_sha256 &&
	    memcmp(record->reg->key_sha256, spki, sizeof(spki)) != 0) {
		unit_deny(session, msg->unit_id, "key does not match registry");
		return;
	}
	if ((old = units_link(record, UNIT_KIND)) != NULL) {
		log_info("unit=%s peer=%s replaced by peer=%s", record->reg->id,
		    link_peer(old), session->peer);
		units_detach(record, old);
		unit_close((struct unit_session *)old);
	}
	if (units_attach(record, &session->link) == -1) {
		unit_deny(session, msg->unit_id, "too many links for this unit");
		return;
	}
	/* Its deadlines are over: not kept for the life of the link. */
	event_free(session->timer);
	session->timer = NULL;
	session->state = UNIT_ACTIVE;
	links->welcomed++;
	conn_admitted(session->conn);
	session->heard_mono_ms = timenow_mono_ms();
	log_info("unit=%s peer=%s connected fw=%s", record->reg->id,
	    session->peer, msg->firmware ? msg->firmware : "-");
	record->welcomed_heartbeat_ms = supervise_heartbeat_ms(links->supervise,
	    record);
	welcome.heartbeat_seconds = (int)(record->welcomed_heartbeat_ms / 1000);
	welcome.receiver_unix_time = timenow_wall_ms() / 1000;
	/* How long the unit waits for an ACK: what overload leaves unanswered. */
	welcome.retry_seconds = (int)(links->config->retry_ms / 1000);
	/* The other receivers of a pair, for when this one goes. */
	welcome.alt = links->receiver != NULL ?
	    receiver_alt(links->receiver) : NULL;
	unit_send(session, buf, uproto_format_welcome(buf, sizeof(buf),
	    &welcome));
	if (msg->firmware != NULL)
		(void)ingest_unit_firmware(links->ingest, record, msg->firmware);
	supervise_heard(links->supervise, record);
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
	struct unit_links	*links = session->owner;
	struct unit_record	*record = session->link.unit;
	char			 buf[LINE_MAX_BYTES + 64], attrs[LINE_MAX_BYTES + 1];

	switch (msg->kind) {
	case UPROTO_HELLO:
		unit_protocol_error(session, "already greeted");
		break;
	case UPROTO_HB:
		unit_send(session, buf, uproto_format_hback(buf, sizeof(buf),
		    msg->counter));
		break;
	case UPROTO_EVENT:
		/*
		 * Not queued, or shed by an overloaded ingest (which logs it,
		 * rate-limited): not acknowledged, the unit sends it again.
		 */
		if (uproto_attrs_format(msg, attrs, sizeof(attrs)) == -1)
			log_warnx("unit=%s event=%s not queued", unit_name(session),
			    msg->event_id);
		else
			(void)ingest_unit_event(links->ingest, &session->link,
			    record, msg->event_id, msg->type, msg->at_ms, attrs);
		break;
	case UPROTO_STATE:
		if (uproto_attrs_format(msg, attrs, sizeof(attrs)) != -1)
			(void)ingest_unit_attributes(links->ingest, record, attrs);
		break;
	case UPROTO_DONE:
	case UPROTO_FAIL:
		command_answer(links->command, record, msg->cmd_id,
		    msg->kind == UPROTO_DONE, msg->reason);
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
			if (status == UPROTO_OK || (strncmp(line, "HELLO ", 6) != 0 &&
			    strcmp(line, "HELLO") != 0))
				snprintf(err, sizeof(err), "hello required");
			log_ratelimited(&session->owner->closed_log, CONFIG_LOG_WARNING,
	    "units: closed peer=%s reason=\"%s\"",
			    session->peer, err);
			unit_send(session, buf, uproto_format_err(buf, sizeof(buf),
			    err));
			unit_close(session);
			return;
		}
		unit_hello(session, &msg);
		return;
	}
	session->heard_mono_ms = timenow_mono_ms();
	/* A link that fell silent and speaks again: the unit is back. */
	supervise_heard(session->owner->supervise, session->link.unit);
	if (status == UPROTO_BAD_EVENT) {
		unit_link_refuse(&session->link, msg.event_id, err);
		return;
	}
	if (status != UPROTO_OK) {
		unit_protocol_error(session, err);
		return;
	}
	unit_active_line(session, &msg);
}

static void
unit_link_ack(struct link *link, const char *event_id)
{
	struct unit_session	*session = (struct unit_session *)link;
	char			 buf[128];

	unit_send(session, buf, uproto_format_ack(buf, sizeof(buf), event_id));
}

static void
unit_link_refuse(struct link *link, const char *event_id, const char *reason)
{
	struct unit_session	*session = (struct unit_session *)link;
	char			 buf[LINE_MAX_BYTES + 64];

	log_warnx("unit=%s peer=%s event=%s refused reason=\"%s\"",
	    unit_name(session), session->peer, event_id, reason);
	unit_send(session, buf, uproto_format_nak(buf, sizeof(buf), event_id,
	    reason));
}

static int
unit_link_command(struct link *link, const char *cmd_id,
    const struct uproto_cmd *cmd, const char **reason)
{
	struct unit_session	*session = (struct unit_session *)link;
	char			 buf[LINE_MAX_BYTES + 64];
	int			 len;

	if ((len = uproto_format_cmd(buf, sizeof(buf), cmd_id, cmd)) < 0 ||
	    conn_send(session->conn, buf, (size_t)len) == -1) {
		*reason = len < 0 ? "command does not fit" : "unit link busy";
		return -1;
	}
	log_info("unit=%s command=%s sent: %.*s", unit_name(session), cmd_id,
	    len - 1, buf);
	return 0;
}

static void
unit_link_close(struct link *link, const char *why)
{
	struct unit_session	*session = (struct unit_session *)link;

	log_info("unit=%s peer=%s disconnected reason=\"%s\"", unit_name(session),
	    session->peer, why);
	unit_close(session);
}

static int64_t
unit_link_last_heard(const struct link *link)
{
	return ((const struct unit_session *)link)->heard_mono_ms;
}

static const char *
unit_link_peer(const struct link *link)
{
	return ((const struct unit_session *)link)->peer;
}

static void
unit_link_recheck(struct link *link)
{
	struct unit_session	*session = (struct unit_session *)link;
	struct unit_record	*record = link->unit;
	unsigned char		 spki[32];
	char			 cn[128], reason[160];

	if (tlsctx_recheck_peer(session->owner->tls, conn_ssl(session->conn),
	    reason, sizeof(reason)) == -1) {
		unit_link_close(link, reason);
		return;
	}
	if (record->reg->has_key_sha256 &&
	    (tlsctx_peer_identity(conn_ssl(session->conn), cn, sizeof(cn), spki,
	    reason, sizeof(reason)) == -1 ||
	    memcmp(record->reg->key_sha256, spki, sizeof(spki)) != 0))
		unit_link_close(link, "key does not match registry");
}

struct unit_links *
unit_links_new(struct event_base *base, const struct refuge_config *config,
    struct tlsctx *tls, struct units *units, struct ingest *ingest,
    struct supervise *supervise, struct command *command, char *err,
    size_t errlen)
{
	struct unit_links	*links;

	if ((links = calloc(1, sizeof(*links))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	links->base = base;
	links->config = config;
	links->tls = tls;
	links->units = units;
	links->ingest = ingest;
	links->supervise = supervise;
	links->command = command;
	LIST_INIT(&links->sessions);
	links->refused_log = (struct log_limit)LOG_LIMIT_DEFAULT("units: refused");
	links->closed_log = (struct log_limit)LOG_LIMIT_DEFAULT("units: closed");
	links->denied_log = (struct log_limit)LOG_LIMIT_DEFAULT("units: denied");
	/* A Help Point sends a few lines a minute; a link reading more is a fault. */
	if ((links->rate = conn_rate_new(UNIT_READ_RATE, UNIT_READ_BURST)) ==
	    NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	links->listener = listener_new(base, "units", config->listen_units,
	    config->connections_per_address, config->max_connections,
	    unit_accept, links, err, errlen);
	if (links->listener == NULL)
		goto fail;
	listener_set_handshake_limit(links->listener, config->max_handshakes);
	return links;
fail:
	unit_links_free(links);
	return NULL;
}

void
unit_links_log_tick(struct unit_links *links, int flush)
{
	struct log_limit	*limits[] = { &links->refused_log,
				    &links->closed_log, &links->denied_log };
	size_t			 i;

	for (i = 0; i < sizeof(limits) / sizeof(limits[0]); i++)
		if (flush)
			log_limit_flush(limits[i]);
		else
			(void)log_limit_tick(limits[i]);
}

void
unit_links_free(struct unit_links *links)
{
	if (links == NULL)
		return;
	unit_links_log_tick(links, 1);
	listener_free(links->listener);
	conn_rate_free(links->rate);
	free(links);
}

void
unit_links_reconfigure(struct unit_links *links,
    const struct refuge_config *config, struct tlsctx *tls,
    struct units *units)
{
	links->config = config;
	links->tls = tls;
	links->units = units;
	listener_set_limits(links->listener, config->connections_per_address,
	    config->max_connections);
	listener_set_handshake_limit(links->listener, config->max_handshakes);
}

void
unit_links_set_receiver(struct unit_links *links,
    const struct receiver *receiver)
{
	links->receiver = receiver;
}

void
unit_links_disable(struct unit_links *links)
{
	listener_disable(links->listener);
}

void
unit_links_address(struct unit_links *links, char *buf, size_t buflen)
{
	listener_address(links->listener, buf, buflen);
}

int
unit_links_open_count(const struct unit_links *links)
{
	return listener_open_count(links->listener);
}

int
unit_links_welcomed_count(const struct unit_links *links)
{
	return links->welcomed;
}

int
unit_links_handshake_count(const struct unit_links *links)
{
	return listener_handshake_count(links->listener);
}

void
unit_links_counters(const struct unit_links *links,
    struct unit_counters *out)
{
	*out = links->counters;
	out->refused[METRICS_REFUSED_LIMIT] =
	    listener_refused_count(links->listener);
	out->accept_paused = listener_pause_count(links->listener);
}
