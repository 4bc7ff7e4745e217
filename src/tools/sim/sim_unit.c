/*
 * One simulated Help Point's link to the receiver.
 * States: IDLE (backing off, or stopped) -> QUEUED (waiting for the
 * connection ramp) -> CONNECTING (TCP and TLS) -> GREETING (HELLO sent) ->
 * ACTIVE (welcomed); any failure goes back to IDLE, and on to the next
 * receiver of the list (uproto_client_rx: at once within a round, at once
 * where a standby points), else with a jittered exponential back-off of 1 s
 * doubling to 60 s, reset by a WELCOME.
 * Invariants: conn is set exactly in CONNECTING, GREETING and ACTIVE; an
 * event stays on the pending list, across links, until its ACK or NAK and
 * is sent again on every new link and after the retry time without an
 * answer (the receiver's WELCOME retry=, else --retry);
 * commands (cmds) live only as long as the link they came on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "refuge/conn.h"
#include "refuge/line.h"
#include "refuge/log.h"
#include "refuge/timenow.h"
#include "refuge/uproto_client.h"
#include "sim.h"

#define SIM_UNIT_MAX_PENDING	1024
#define SIM_UNIT_BACKOFF_MIN	1000
#define SIM_UNIT_BACKOFF_MAX	60000
#define SIM_UNIT_HANDSHAKE_MS	20000
#define SIM_UNIT_MAX_OUTPUT	65536
#define SIM_UNIT_LOUD_FAILURES	10	/* then connection failures log at debug */
#define SIM_RAMP_TICK_MS	10

struct sim_event {
	struct sim_event	*next;
	int64_t			 sent_us;	/* last transmission; 0: not on this link */
	int			 transmissions;
	enum evtype		 type;
	size_t			 id_len;
	size_t			 len;
	char			 line[];	/* "EVENT <id> <TYPE> at=<ms>\n" */
};

/* A command being carried out: answered when its timer fires. */
struct sim_cmd {
	struct sim_cmd		*next;
	struct sim_unit		*unit;
	struct event		*timer;
	struct uproto_cmd	 cmd;
	char			 id[LINE_MAX_BYTES + 1];
};

static void	sim_unit_connected(struct conn *, void *);
static void	sim_unit_line(struct conn *, const char *, size_t, void *);
static void	sim_unit_overlong(struct conn *, void *);
static void	sim_unit_failed(struct conn *, const char *, void *);
static void	sim_unit_timer(evutil_socket_t, short, void *);

static const struct conn_callbacks sim_unit_callbacks = {
	.connected = sim_unit_connected,
	.line = sim_unit_line,
	.overlong = sim_unit_overlong,
	.failed = sim_unit_failed,
};

static void
sim_unit_timer_in(struct sim_unit *unit, int64_t ms)
{
	struct timeval	tv = timenow_tv(ms);

	evtimer_add(unit->timer, &tv);
}

int
sim_unit_init(struct sim *sim, struct sim_unit *unit, uint32_t index,
    const char *id)
{
	memset(unit, 0, sizeof(*unit));
	unit->sim = sim;
	unit->index = index;
	unit->state = SIM_UNIT_IDLE;
	unit->backoff_ms = SIM_UNIT_BACKOFF_MIN;
	unit->pending_tail = &unit->pending;
	unit->camera_preset = -1;
	snprintf(unit->light, sizeof(unit->light), "OFF");
	snprintf(unit->id, sizeof(unit->id), "%s", id);
	if ((unit->timer = evtimer_new(sim->base, sim_unit_timer, unit)) == NULL)
		return -1;
	return 0;
}

static void
sim_unit_cmd_free(struct sim_cmd *cmd)
{
	struct sim_cmd	**slot;

	for (slot = &cmd->unit->cmds; *slot != NULL; slot = &(*slot)->next)
		if (*slot == cmd) {
			*slot = cmd->next;
			break;
		}
	event_free(cmd->timer);
	free(cmd);
}

static void
sim_unit_cmds_free(struct sim_unit *unit)
{
	while (unit->cmds != NULL)
		sim_unit_cmd_free(unit->cmds);
}

void
sim_unit_free(struct sim_unit *unit)
{
	struct sim_event	*ev;

	if (unit->timer == NULL)
		return;
	sim_unit_cmds_free(unit);
	while ((ev = unit->pending) != NULL) {
		unit->pending = ev->next;
		free(ev);
	}
	event_free(unit->timer);
	unit->timer = NULL;
	free(unit->audio_uri);
	unit->audio_uri = NULL;
}

/* ---- the connection ramp: at most connect_rate new connections a second */

void
sim_unit_start(struct sim_unit *unit)
{
	struct sim	*sim = unit->sim;

	if (sim->stopping || unit->state != SIM_UNIT_IDLE)
		return;
	unit->state = SIM_UNIT_QUEUED;
	unit->queue_next = NULL;
	if (sim->queue_tail != NULL)
		sim->queue_tail->queue_next = unit;
	else
		sim->queue_head = unit;
	sim->queue_tail = unit;
}

static void	sim_unit_connect(struct sim_unit *);

static void
sim_unit_ramp_tick(evutil_socket_t fd, short what, void *arg)
{
	struct sim	*sim = arg;
	struct sim_unit	*unit;
	int64_t		 now = timenow_mono_us();
	double		 burst = sim->opt->connect_rate * 0.05;

	(void)fd;
	(void)what;
	sim->tokens += sim->opt->connect_rate * (double)(now -
	    sim->ramp_last_us) / 1e6;
	sim->ramp_last_us = now;
	if (sim->tokens > (burst > 1 ? burst : 1))
		sim->tokens = burst > 1 ? burst : 1;
	while (!sim->stopping && sim->tokens >= 1 &&
	    (unit = sim->queue_head) != NULL) {
		if ((sim->queue_head = unit->queue_next) == NULL)
			sim->queue_tail = NULL;
		unit->queue_next = NULL;
		if (unit->state != SIM_UNIT_QUEUED)
			continue;
		sim->tokens -= 1;
		sim_unit_connect(unit);
	}
}

int
sim_ramp_init(struct sim *sim)
{
	struct timeval	tv = timenow_tv(SIM_RAMP_TICK_MS);

	sim->ramp_last_us = timenow_mono_us();
	sim->tokens = 1;
	if ((sim->ramp = event_new(sim->base, -1, EV_PERSIST,
	    sim_unit_ramp_tick, sim)) == NULL || event_add(sim->ramp, &tv) == -1)
		return -1;
	/* Start at once rather than a tick later. */
	event_active(sim->ramp, EV_TIMEOUT, 0);
	return 0;
}

void
sim_ramp_free(struct sim *sim)
{
	if (sim->ramp != NULL)
		event_free(sim->ramp);
	sim->ramp = NULL;
	sim->queue_head = sim->queue_tail = NULL;
}

/* ---- link life cycle */

/*
 * Waits before the next connection: the back-off, or none when the next
 * receiver of the list is to be tried at once.
 */
static void
sim_unit_backoff(struct sim_unit *unit, int now)
{
	struct sim	*sim = unit->sim;
	int64_t		 delay;

	unit->state = SIM_UNIT_IDLE;
	if (sim->stopping)
		return;
	if (now) {
		sim_note(unit, "trying %s", sim->rx.addr[unit->rx_pos.current]);
		sim_unit_start(unit);
		return;
	}
	/* Full back-off half fixed, half random, so units that fell together spread out. */
	delay = unit->backoff_ms / 2 +
	    (int64_t)(sim_random(sim) * (double)(unit->backoff_ms / 2));
	unit->backoff_ms = unit->backoff_ms * 2 > SIM_UNIT_BACKOFF_MAX ?
	    SIM_UNIT_BACKOFF_MAX : unit->backoff_ms * 2;
	sim_note(unit, "reconnecting to %s in %.1f s",
	    sim->rx.addr[unit->rx_pos.current], (double)delay / 1000);
	sim_unit_timer_in(unit, delay);
}

/*
 * The link is gone (conn already freed or closing): counters, commands,
 * and the next receiver. standby: the receiver said it stands by, naming
 * the active one in active ("" if it knows none).
 */
static void
sim_unit_lost(struct sim_unit *unit, const char *reason, int standby,
    const char *active)
{
	struct sim		*sim = unit->sim;
	struct sim_event	*ev;
	int			 wait;

	evtimer_del(unit->timer);
	if (unit->state == SIM_UNIT_ACTIVE) {
		sim->c.connected--;
		sim->c.disconnects++;
		log_debug("unit=%s disconnected reason=\"%s\"", unit->id, reason);
	} else {
		sim->c.connecting--;
		sim->c.connect_failures++;
		if (sim->c.connect_failures <= SIM_UNIT_LOUD_FAILURES &&
		    !sim->stopping && !standby)
			log_warnx("unit=%s connection failed reason=\"%s\"%s",
			    unit->id, reason,
			    sim->c.connect_failures == SIM_UNIT_LOUD_FAILURES ?
			    " (further failures at debug level)" : "");
		else
			log_debug("unit=%s connection failed reason=\"%s\"",
			    unit->id, reason);
	}
	sim_note(unit, "link lost: %s", reason);
	sim_unit_cmds_free(unit);
	for (ev = unit->pending; ev != NULL; ev = ev->next)
		ev->sent_us = 0;
	unit->conn = NULL;
	if (standby) {
		wait = uproto_client_rx_standby(&sim->rx, &unit->rx_pos,
		    active);
		sim->c.redirects += !wait && active[0] != '\0';
	} else
		wait = uproto_client_rx_lost(&sim->rx, &unit->rx_pos);
	sim_unit_backoff(unit, !wait);
}

/* Ends the link from our side; no conn callback follows. */
static void
sim_unit_drop(struct sim_unit *unit, const char *reason)
{
	if (unit->conn == NULL)
		return;
	conn_close(unit->conn);
	unit->conn = NULL;
	sim_unit_lost(unit, reason, 0, NULL);
}

static void
sim_unit_connect(struct sim_unit *unit)
{
	struct sim		*sim = unit->sim;
	struct conn_limits	 limits = { LINE_MAX_BYTES, SIM_UNIT_MAX_OUTPUT, 0 };
	const struct sim_receiver *rx;
	const struct sockaddr	*from = NULL;
	socklen_t		 fromlen = 0;
	char			 err[256];

	if (sim->from_count > 0) {
		from = (const struct sockaddr *)
		    &sim->from[unit->index % sim->from_count];
		fromlen = from->sa_family == AF_INET6 ?
		    sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	}
	if (unit->attempts++ > 0)
		sim->c.reconnects++;
	if ((rx = sim_receiver(sim, unit->rx_pos.current, err,
	    sizeof(err))) != NULL)
		unit->conn = conn_connect(sim->base, sim->ctx,
		    (const struct sockaddr *)&rx->to, rx->tolen, from, fromlen,
		    rx->host, &limits, &sim_unit_callbacks, unit, err,
		    sizeof(err));
	if (rx == NULL || unit->conn == NULL) {
		sim->c.connecting++;	/* sim_unit_lost counts it down */
		unit->state = SIM_UNIT_CONNECTING;
		sim_unit_lost(unit, err, 0, NULL);
		return;
	}
	sim->c.connecting++;
	unit->state = SIM_UNIT_CONNECTING;
	if (sim_tls_attach(sim, conn_ssl(unit->conn), unit) == -1) {
		sim_unit_drop(unit, "out of memory");
		return;
	}
	sim_note(unit, "connecting to %s", conn_peer(unit->conn));
	sim_unit_timer_in(unit, SIM_UNIT_HANDSHAKE_MS);
}

void
sim_unit_stop(struct sim_unit *unit)
{
	struct sim	*sim = unit->sim;

	if (unit->conn != NULL) {
		conn_close(unit->conn);
		unit->conn = NULL;
		if (unit->state == SIM_UNIT_ACTIVE)
			sim->c.connected--;
		else
			sim->c.connecting--;
	}
	sim_unit_cmds_free(unit);
	if (unit->timer != NULL)
		evtimer_del(unit->timer);
	unit->state = SIM_UNIT_IDLE;
}

static void
sim_unit_send(struct sim_unit *unit, const char *line, size_t len)
{
	/* On failure conn fails the link later ("output buffer full"). */
	if (unit->conn != NULL)
		(void)conn_send(unit->conn, line, len);
}

static void
sim_unit_connected(struct conn *conn, void *arg)
{
	struct sim_unit	*unit = arg;
	char		 line[LINE_MAX_BYTES + 2];
	int		 len;

	(void)conn;
	unit->state = SIM_UNIT_GREETING;
	if ((len = uproto_client_format_hello(line, sizeof(line), unit->id,
	    "refuge-sim/" REFUGE_VERSION)) == -1) {
		sim_unit_drop(unit, "cannot make the HELLO line");
		return;
	}
	sim_unit_send(unit, line, (size_t)len);
}

static void
sim_unit_overlong(struct conn *conn, void *arg)
{
	struct sim_unit	*unit = arg;

	(void)conn;
	unit->sim->c.errors++;
	log_warnx("unit=%s receiver sent a line that is too long", unit->id);
	sim_unit_drop(unit, "line too long");
}

static void
sim_unit_failed(struct conn *conn, const char *reason, void *arg)
{
	struct sim_unit	*unit = arg;

	(void)conn;
	unit->conn = NULL;	/* conn frees itself right after */
	sim_unit_lost(unit, reason, 0, NULL);
}

/* ---- events */

static void
sim_unit_transmit(struct sim_unit *unit, struct sim_event *ev, int64_t now)
{
	if (ev->transmissions++ == 0)
		unit->sim->c.sent++;
	else
		unit->sim->c.retransmits++;
	ev->sent_us = now;
	sim_unit_send(unit, ev->line, ev->len);
}

/*
 * How long an event waits for its answer: the receiver's retry=, or --retry,
 * and up to a fifth more by unit, so that units whose events an overloaded
 * receiver shed in one turn do not all send them again in one turn.
 */
static int64_t
sim_unit_retry_us(const struct sim_unit *unit)
{
	int64_t	ms = unit->retry_ms > 0 ? unit->retry_ms :
		    unit->sim->opt->retry_ms;

	return ms * 1000 + ms * 1000 / 5 * (unit->index % 32) / 32;
}

/* Arms the timer for the next heartbeat or retransmission, whichever is first. */
static void
sim_unit_schedule(struct sim_unit *unit, int64_t now)
{
	struct sim_event	*ev;
	int64_t			 wake = unit->next_hb_us, retry;

	retry = sim_unit_retry_us(unit);
	for (ev = unit->pending; ev != NULL; ev = ev->next)
		if (ev->sent_us != 0 && ev->sent_us + retry < wake)
			wake = ev->sent_us + retry;
	sim_unit_timer_in(unit, (wake - now + 999) / 1000);
}

int
sim_unit_event(struct sim_unit *unit, enum evtype type)
{
	struct sim		*sim = unit->sim;
	struct sim_event	*ev;
	char			 id[65], line[LINE_MAX_BYTES + 2];
	int			 idlen, len;

	if (unit->pending_count >= SIM_UNIT_MAX_PENDING) {
		sim->c.dropped++;
		return -1;
	}
	unit->seq++;
	idlen = snprintf(id, sizeof(id), "%s-%lld-%llu", unit->id,
	    (long long)sim->boot_ms, (unsigned long long)unit->seq);
	if (idlen < 0 || (size_t)idlen >= sizeof(id))
		idlen = snprintf(id, sizeof(id), "u%u-%lld-%llu", unit->index,
		    (long long)sim->boot_ms, (unsigned long long)unit->seq);
	if ((len = uproto_client_format_event(line, sizeof(line), id, type,
	    timenow_wall_ms(), NULL, 0)) == -1 ||
	    (ev = malloc(sizeof(*ev) + (size_t)len + 1)) == NULL) {
		sim->c.dropped++;
		return -1;
	}
	memset(ev, 0, sizeof(*ev));
	ev->type = type;
	ev->id_len = (size_t)idlen;
	ev->len = (size_t)len;
	memcpy(ev->line, line, (size_t)len + 1);
	*unit->pending_tail = ev;
	unit->pending_tail = &ev->next;
	unit->pending_count++;
	sim->c.generated++;
	sim->c.pending++;
	if (unit->state == SIM_UNIT_ACTIVE) {
		int64_t	now = timenow_mono_us();

		sim_unit_transmit(unit, ev, now);
		sim_unit_schedule(unit, now);
		sim_note(unit, "%s sent as %s", evtype_name(type), id);
	} else
		sim_note(unit, "%s queued as %s (not connected)",
		    evtype_name(type), id);
	return 0;
}

/* Takes the event with this id off the pending list; NULL if none. */
static struct sim_event *
sim_unit_take(struct sim_unit *unit, const char *id)
{
	struct sim_event	**slot, *ev;
	size_t			  len = strlen(id);

	for (slot = &unit->pending; (ev = *slot) != NULL; slot = &ev->next)
		if (ev->id_len == len && memcmp(ev->line + 6, id, len) == 0) {
			if ((*slot = ev->next) == NULL)
				unit->pending_tail = slot;
			unit->pending_count--;
			unit->sim->c.pending--;
			return ev;
		}
	return NULL;
}

static void
sim_unit_timer(evutil_socket_t fd, short what, void *arg)
{
	struct sim_unit		*unit = arg;
	struct sim_event	*ev;
	char			 line[64];
	int64_t			 now = timenow_mono_us();
	int			 len;

	(void)fd;
	(void)what;
	switch (unit->state) {
	case SIM_UNIT_IDLE:
		sim_unit_start(unit);
		return;
	case SIM_UNIT_QUEUED:
		return;
	case SIM_UNIT_CONNECTING:
	case SIM_UNIT_GREETING:
		sim_unit_drop(unit, unit->state == SIM_UNIT_CONNECTING ?
		    "handshake timeout" : "no WELCOME");
		return;
	case SIM_UNIT_ACTIVE:
		break;
	}
	if (now >= unit->next_hb_us) {
		if ((len = uproto_client_format_hb(line, sizeof(line),
		    ++unit->hb)) > 0)
			sim_unit_send(unit, line, (size_t)len);
		unit->sim->c.heartbeats++;
		unit->next_hb_us = now + unit->hb_ms * 1000;
	}
	for (ev = unit->pending; ev != NULL; ev = ev->next)
		if (ev->sent_us == 0 || now - ev->sent_us >=
		    sim_unit_retry_us(unit))
			sim_unit_transmit(unit, ev, now);
	sim_unit_schedule(unit, now);
}

uint64_t
sim_unit_hb_now(struct sim_unit *unit)
{
	char	line[64];
	int	len;

	if (unit->state != SIM_UNIT_ACTIVE ||
	    (len = uproto_client_format_hb(line, sizeof(line), ++unit->hb)) <= 0)
		return 0;
	sim_unit_send(unit, line, (size_t)len);
	unit->sim->c.heartbeats++;
	return unit->hb;
}

int
sim_unit_is_active(const struct sim_unit *unit)
{
	return unit->state == SIM_UNIT_ACTIVE;
}

/* ---- commands from the receiver */

/* "STATE light=flash camera_preset=2 audio=open": everything, as STATE replaces. */
static void
sim_unit_send_state(struct sim_unit *unit)
{
	char	line[LINE_MAX_BYTES + 2], light[8], preset[16];
	struct uproto_client_attr attrs[] = {
		{ "light", light },
		{ "camera_preset", preset },
		{ "audio", unit->audio_uri != NULL ? "open" : "closed" },
	};
	size_t	i;
	int	len;

	for (i = 0; unit->light[i] != '\0' && i < sizeof(light) - 1; i++)
		light[i] = (char)(unit->light[i] | 0x20);
	light[i] = '\0';
	snprintf(preset, sizeof(preset), "%d", unit->camera_preset);
	if ((len = uproto_client_format_state(line, sizeof(line), attrs,
	    sizeof(attrs) / sizeof(attrs[0]))) > 0)
		sim_unit_send(unit, line, (size_t)len);
}

static void
sim_unit_cmd_fire(evutil_socket_t fd, short what, void *arg)
{
	struct sim_cmd	*cmd = arg;
	struct sim_unit	*unit = cmd->unit;
	char		 line[LINE_MAX_BYTES + 16], state[LINE_MAX_BYTES];
	int		 len, reset = 0;

	(void)fd;
	(void)what;
	switch (cmd->cmd.kind) {
	case UPROTO_CMD_LIGHT:
		snprintf(unit->light, sizeof(unit->light), "%.7s", cmd->cmd.arg);
		break;
	case UPROTO_CMD_CAMERA:
		unit->camera_preset = atoi(cmd->cmd.arg);
		break;
	case UPROTO_CMD_AUDIO_OPEN:
		free(unit->audio_uri);
		unit->audio_uri = strdup(cmd->cmd.arg);
		break;
	case UPROTO_CMD_AUDIO_CLOSE:
		free(unit->audio_uri);
		unit->audio_uri = NULL;
		break;
	case UPROTO_CMD_RESET:
		reset = 1;
		break;
	}
	if (!reset)
		sim_unit_send_state(unit);
	if ((len = uproto_client_format_done(line, sizeof(line), cmd->id)) > 0)
		sim_unit_send(unit, line, (size_t)len);
	sim_unit_describe(unit, state, sizeof(state));
	sim_note(unit, "DONE %s  %s", cmd->id, state);
	sim_unit_cmd_free(cmd);
	if (reset) {
		snprintf(unit->light, sizeof(unit->light), "OFF");
		unit->camera_preset = -1;
		free(unit->audio_uri);
		unit->audio_uri = NULL;
		unit->backoff_ms = SIM_UNIT_BACKOFF_MIN;
		sim_unit_drop(unit, "reset by the receiver");
	}
}

/*
 * A command from the receiver: carried out after a while, or refused at
 * once with FAIL when st says the unit cannot do it.
 */
static void
sim_unit_command(struct sim_unit *unit, const struct uproto_client_msg *msg,
    enum uproto_client_status st, const char *why, const char *raw)
{
	struct sim	*sim = unit->sim;
	struct sim_cmd	*cmd = NULL;
	struct timeval	 tv;
	char		 line[LINE_MAX_BYTES + 160];
	int		 len;

	sim->c.commands++;
	sim_note(unit, "CMD %s", raw + 4);
	if (st == UPROTO_CLIENT_OK && (cmd = calloc(1, sizeof(*cmd))) == NULL) {
		st = UPROTO_CLIENT_BAD_CMD;
		why = "out of memory";
	}
	if (st != UPROTO_CLIENT_OK) {
		if ((len = uproto_client_format_fail(line, sizeof(line),
		    msg->cmd_id, why)) > 0)
			sim_unit_send(unit, line, (size_t)len);
		return;
	}
	cmd->unit = unit;
	cmd->cmd = msg->cmd;
	snprintf(cmd->id, sizeof(cmd->id), "%s", msg->cmd_id);
	if ((cmd->timer = evtimer_new(sim->base, sim_unit_cmd_fire, cmd)) ==
	    NULL) {
		free(cmd);
		return;
	}
	cmd->next = unit->cmds;
	unit->cmds = cmd;
	/* A unit takes 100-300 ms to move its light, camera or audio. */
	tv = timenow_tv(100 + (int64_t)(sim_random(sim) * 200));
	evtimer_add(cmd->timer, &tv);
}

/* ---- lines from the receiver */

static void
sim_unit_welcome(struct sim_unit *unit, const struct uproto_client_msg *msg)
{
	struct sim		*sim = unit->sim;
	struct sim_event	*ev;
	int64_t			 now = timenow_mono_us();

	unit->state = SIM_UNIT_ACTIVE;
	unit->backoff_ms = SIM_UNIT_BACKOFF_MIN;
	/* A new round of receivers starts here; alt= names the others. */
	uproto_client_rx_welcomed(&sim->rx, &unit->rx_pos, msg);
	sim->c.connecting--;
	sim->c.connected++;
	sim->c.handshakes++;
	unit->hb_ms = sim->opt->hb_ms > 0 ? sim->opt->hb_ms :
	    (int64_t)msg->heartbeat_s * 1000;
	unit->next_hb_us = now + unit->hb_ms * 1000;
	/* The receiver paces retransmissions (retry=); other keys were passed over. */
	unit->retry_ms = (int64_t)msg->retry_s * 1000;
	sim_note(unit, "connected, heartbeat every %.1f s, resend after %.0f s, "
	    "%u event(s) to send", (double)unit->hb_ms / 1000,
	    (double)(unit->retry_ms > 0 ? unit->retry_ms :
	    sim->opt->retry_ms) / 1000, unit->pending_count);
	for (ev = unit->pending; ev != NULL; ev = ev->next)
		sim_unit_transmit(unit, ev, now);
	sim_unit_schedule(unit, now);
	sim_phase_welcomed(unit);
}

static void
sim_unit_ack(struct sim_unit *unit, const char *id, const char *reason)
{
	struct sim		*sim = unit->sim;
	struct sim_event	*ev;
	int64_t			 latency;

	if ((ev = sim_unit_take(unit, id)) == NULL)
		return;	/* a second ACK after a retransmission */
	if (reason != NULL) {
		sim->c.naks++;
		log_warnx("unit=%s event=%s NAK reason=\"%s\"", unit->id, id,
		    reason);
		sim_note(unit, "NAK %s %s", id, reason);
		sim_phase_answered(unit, ev->type, -1);
	} else {
		sim->c.acked++;
		latency = ev->sent_us != 0 ? timenow_mono_us() - ev->sent_us : 0;
		sim_stats_add(&sim->latency, (uint64_t)latency);
		sim_note(unit, "ACK %s %s (%.1f ms)", evtype_name(ev->type), id,
		    (double)latency / 1000);
		sim_phase_answered(unit, ev->type, latency);
	}
	free(ev);
}

static void
sim_unit_line(struct conn *conn, const char *raw, size_t len, void *arg)
{
	struct sim_unit			*unit = arg;
	struct sim			*sim = unit->sim;
	struct uproto_client_msg	 msg;
	enum uproto_client_status	 st;
	char				 err[128];

	(void)conn;
	sim->last_rx_us = timenow_mono_us();
	st = uproto_client_parse(&msg, raw, len, err, sizeof(err));
	if (st == UPROTO_CLIENT_BAD_LINE) {
		sim->c.errors++;
		if (unit->state == SIM_UNIT_GREETING &&
		    msg.kind == UPROTO_CLIENT_WELCOME) {
			sim_unit_drop(unit, "bad WELCOME");
			return;
		}
		log_warnx("unit=%s unreadable line from the receiver (%s): %s",
		    unit->id, err, raw);
		return;
	}
	switch (msg.kind) {
	case UPROTO_CLIENT_ERR:
		sim->c.errors++;
		log_warnx("unit=%s ERR %s", unit->id, msg.reason);
		sim_note(unit, "ERR %s", msg.reason);
		return;
	case UPROTO_CLIENT_DENIED:
		sim->c.denied++;
		if (msg.standby) {
			/* A receiver pair's standby: go where it says. */
			log_debug("unit=%s DENIED %s", unit->id, msg.reason);
			conn_close(unit->conn);
			unit->conn = NULL;
			sim_unit_lost(unit, "denied: standby", 1, msg.active);
			return;
		}
		log_warnx("unit=%s DENIED %s", unit->id, msg.reason);
		sim_unit_drop(unit, "denied");
		return;
	default:
		break;
	}
	if (unit->state == SIM_UNIT_GREETING) {
		if (msg.kind == UPROTO_CLIENT_WELCOME)
			sim_unit_welcome(unit, &msg);
		else {
			sim->c.errors++;
			log_warnx("unit=%s expected WELCOME: %s", unit->id, raw);
		}
		return;
	}
	switch (msg.kind) {
	case UPROTO_CLIENT_HBACK:
		/* The link is alive; a probe times it. */
		sim_phase_hback(unit, msg.counter);
		break;
	case UPROTO_CLIENT_ACK:
		sim_unit_ack(unit, msg.event_id, NULL);
		break;
	case UPROTO_CLIENT_NAK:
		sim_unit_ack(unit, msg.event_id, msg.reason);
		break;
	case UPROTO_CLIENT_CMD:
		sim_unit_command(unit, &msg, st, err, raw);
		break;
	default:
		sim->c.errors++;
		log_warnx("unit=%s unexpected line: %s", unit->id, raw);
		break;
	}
}
