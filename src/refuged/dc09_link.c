/*
 * The DC-09 receiver: TCP streams and UDP datagrams on listen.dc09's port,
 * cut into frames and answered as refuge-dc09(7) says:
 *   bad CRC, length or form, overlong  -> no reply (the panel retransmits)
 *   an ID token we do not take          -> DUH
 *   unknown account, wrong encryption, garbage, time outside the window
 *                                       -> NAK with the receiver's time
 *   NULL, or no data                    -> ACK at once
 *   events                              -> queued; ACK once all are stored
 * A TCP connection stays open after a frame that gets no reply.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "refuge/config.h"
#include "refuge/dc09_codes.h"
#include "refuge/dc09_net.h"
#include "refuge/ingest.h"
#include "refuge/line.h"
#include "refuge/receiver.h"
#include "refuge/registry.h"
#include "refuge/timenow.h"
#include "refuge/units.h"
#include "dc09_internal.h"

#define DC09_IDLE_MS		(60 * 60 * 1000LL)
#define DC09_MAX_OUTPUT		16384
#define DC09_MAX_ATTRS		(LINE_MAX_BYTES + 1)

void
dc09_reply(struct dc09_links *links, const struct dc09_origin *origin,
    const char *buf, int len)
{
	if (len < 0) {
		log_warnx("dc09: peer=%s reply does not fit", origin->peer);
		return;
	}
	if (origin->udp) {
		/* No amplification: a reply is at most 4 times its datagram. */
		if ((size_t)len > 4 * origin->dgram_len) {
			log_warnx("dc09: peer=%s reply of %d bytes not sent for a "
			    "datagram of %zu", origin->peer, len,
			    origin->dgram_len);
			return;
		}
		(void)dc09_dgram_send(links->udp, buf, (size_t)len,
		    (const struct sockaddr *)&origin->sa, origin->salen);
		return;
	}
	if (origin->stream != NULL)
		(void)dc09_stream_send(origin->stream->stream, buf, (size_t)len);
}

static void
dc09_nak(struct dc09_links *links, const struct dc09_origin *origin,
    const struct dc09_frame *f, const char *why)
{
	char	buf[DC09_REPLY_MAX];

	links->counters.naks++;
	log_ratelimited(&links->nak_log, CONFIG_LOG_WARNING,
	    "dc09: NAK acct=%s seq=%s peer=%s reason=\"%s\"", f->acct, f->seq,
	    origin->peer, why);
	dc09_reply(links, origin, buf, dc09_reply_nak(buf, sizeof(buf),
	    timenow_wall_ms() / 1000));
}

/* ACK now: a plain ACK, or *ACK with the account's key. */
static void
dc09_ack_now(struct dc09_links *links, const struct dc09_origin *origin,
    const struct dc09_frame *f, const struct dc09_account *account)
{
	const struct registry_dc09	*d = account->reg->dc09;
	char				 buf[DC09_REPLY_MAX];
	int				 n;

	if (f->encrypted)
		n = dc09_reply_ack_encrypted(buf, sizeof(buf), f, d->key,
		    d->key_len, timenow_wall_ms() / 1000, ++links->nonce);
	else
		n = dc09_reply_ack(buf, sizeof(buf), f);
	links->counters.acks++;
	dc09_reply(links, origin, buf, n);
}

/* Appends " key=value" (value quoted when it must be) to attrs. */
static void
dc09_attr(char *attrs, size_t len, const char *key, const char *value)
{
	char	q[DC09_MAX_ATTRS];
	size_t	off = strlen(attrs);

	if (line_quote(q, sizeof(q), value) < 0)
		return;
	(void)snprintf(attrs + off, len - off, "%s%s=%s", off ? " " : "", key, q);
}

/* What the event keeps: its code, zone, the frame's seq and x-data. */
static void
dc09_attrs(char *attrs, size_t len, const struct dc09_frame *f,
    const struct dc09_body *b, const char *code, const char *zone)
{
	size_t	i;
	char	name[16];

	attrs[0] = '\0';
	dc09_attr(attrs, len, "code", code);
	if (zone != NULL && zone[0] != '\0')
		dc09_attr(attrs, len, "zone", zone);
	dc09_attr(attrs, len, "seq", f->seq);
	for (i = 0; i < b->xdata_count; i++) {
		if (b->xdata[i].text[0] == 'V' && b->xdata[i].text[1] != '\0') {
			dc09_attr(attrs, len, "verify", b->xdata[i].text + 1);
			continue;
		}
		snprintf(name, sizeof(name), "xdata%u", (unsigned)(i % 1000));
		dc09_attr(attrs, len, name, b->xdata[i].text);
	}
}

/* A raw code for data no parser takes: printable, bounded. */
static void
dc09_raw_code(const char *data, char *out, size_t len)
{
	size_t	i;

	for (i = 0; data[i] != '\0' && i + 1 < len; i++)
		out[i] = isgraph((unsigned char)data[i]) ? data[i] : '_';
	out[i] = '\0';
}

/* Queues the frame's events; its ACK follows their commit. */
static void
dc09_events_queue(struct dc09_links *links, struct dc09_account *account,
    const struct dc09_origin *origin, const struct dc09_frame *f,
    const struct dc09_body *b)
{
	struct dc09_event	 evs[DC09_MAX_EVENTS];
	struct dc09_pending	*p;
	char			 attrs[DC09_MAX_ATTRS], id[DC09_EVENT_ID_LEN + 16];
	char			 raw[32];
	enum evtype		 type;
	int			 n, i;
	int64_t			 at = b->has_time ? b->time_s * 1000 : -1;

	if ((p = calloc(1, sizeof(*p))) == NULL) {
		log_warnx("dc09: acct=%s out of memory; not acknowledged", f->acct);
		return;
	}
	p->origin = *origin;
	p->frame = *f;
	p->queued_mono_ms = timenow_mono_ms();
	dc09_account_event_base(account, f, b, p->base);
	n = dc09_events(f->id, b->data, evs, DC09_MAX_EVENTS);
	if (n <= 0) {
		/* Never refused: data no parser takes is an unknown code. */
		dc09_raw_code(b->data, raw, sizeof(raw));
		memset(&evs[0], 0, sizeof(evs[0]));
		snprintf(evs[0].code, sizeof(evs[0].code), "%.11s", raw);
		n = 1;
	}
	p->remaining = n;
	TAILQ_INSERT_TAIL(&account->pending, p, entry);
	if (origin->stream != NULL)
		origin->stream->pending++;
	for (i = 0; i < n; i++) {
		type = dc09_codes_map(&links->registry->dc09_codes, &evs[i]);
		dc09_attrs(attrs, sizeof(attrs), f, b, evs[i].code, evs[i].zone);
		snprintf(id, sizeof(id), "%s:%d", p->base, i);
		if (ingest_unit_event(links->ingest, &account->link,
		    account->record, id, type, at, attrs) == -1) {
			/* Not stored, not acknowledged: the panel sends it again. */
			log_warnx("unit=%s dc09 event=%s not queued",
			    account->reg->id, id);
			continue;
		}
		links->counters.events++;
	}
}

/* One frame's content (between LF and CR), from a stream or a datagram. */
static void
dc09_frame_in(struct dc09_links *links, const struct dc09_origin *origin,
    const char *content, size_t len, int overlong)
{
	struct dc09_frame		 f;
	struct dc09_body		 b;
	struct dc09_account		*account;
	const struct registry_dc09	*d;
	enum dc09_status		 st;
	char				 err[128], buf[DC09_REPLY_MAX];
	int				 rc;

	/* A standby answers nothing: the panel turns to its backup path. */
	if (links->receiver != NULL && !receiver_active(links->receiver)) {
		links->counters.dropped++;
		log_ratelimited(&links->dropped_log, CONFIG_LOG_WARNING,
		    "dc09: dropped peer=%s reason=\"standby receiver\"",
		    origin->peer);
		return;
	}
	if (overlong) {
		links->counters.dropped++;
		log_ratelimited(&links->dropped_log, CONFIG_LOG_WARNING,
		    "dc09: dropped peer=%s reason=\"frame over %d bytes\"",
		    origin->peer, DC09_MAX_FRAME);
		return;
	}
	if ((st = dc09_parse(&f, content, len, err, sizeof(err))) != DC09_OK &&
	    st != DC09_BAD_DATA) {
		links->counters.dropped++;
		log_ratelimited(&links->dropped_log, CONFIG_LOG_WARNING,
		    "dc09: dropped peer=%s reason=\"%s\"", origin->peer, err);
		return;
	}
	links->counters.frames++;
	if (f.id == DC09_ID_OTHER) {
		links->counters.duhs++;
		log_warnx("dc09: DUH acct=%s peer=%s id=\"%s\"", f.acct,
		    origin->peer, f.id_text);
		dc09_reply(links, origin, buf, dc09_reply_duh(buf, sizeof(buf),
		    &f));
		return;
	}
	if ((account = dc09_account_find(links, f.acct)) == NULL) {
		dc09_nak(links, origin, &f, "unknown account");
		return;
	}
	d = account->reg->dc09;
	if (st == DC09_BAD_DATA) {
		dc09_nak(links, origin, &f, err);
		return;
	}
	if (f.encrypted && d->key_len == 0) {
		dc09_nak(links, origin, &f, "encrypted frame for a plaintext "
		    "account");
		return;
	}
	if (!f.encrypted && !d->plaintext) {
		dc09_nak(links, origin, &f, "plaintext frame for an encrypted "
		    "account");
		return;
	}
	rc = f.encrypted ? dc09_body_decrypt(&b, f.body, f.body_len, d->key,
	    d->key_len, err, sizeof(err)) : dc09_body_plain(&b, f.body,
	    f.body_len, err, sizeof(err));
	if (rc == -1) {
		dc09_nak(links, origin, &f, err);
		return;
	}
	if (b.has_time && !dc09_time_ok(b.time_s, timenow_wall_ms() / 1000,
	    links->config->dc09_max_age_ms / 1000,
	    links->config->dc09_max_ahead_ms / 1000)) {
		dc09_nak(links, origin, &f, "timestamp outside the window");
		return;
	}
	dc09_account_heard(account, origin);
	if (f.id == DC09_ID_NULL || b.data[0] == '\0') {
		dc09_ack_now(links, origin, &f, account);
		return;
	}
	dc09_events_queue(links, account, origin, &f, &b);
}

static void
dc09_session_frame(void *arg, const char *content, size_t len, int overlong)
{
	struct dc09_session	*s = arg;
	struct dc09_origin	 origin;

	memset(&origin, 0, sizeof(origin));
	origin.stream = s;
	memcpy(origin.peer, s->peer, sizeof(origin.peer));
	dc09_frame_in(s->owner, &origin, content, len, overlong);
}

static void
dc09_session_data(struct dc09_stream *stream, const char *buf, size_t len,
    void *arg)
{
	struct dc09_session	*s = arg;

	(void)stream;
	dc09_framer_feed(&s->framer, buf, len, dc09_session_frame, s);
}

static void
dc09_session_free(struct dc09_session *s)
{
	if (s->pending > 0)
		dc09_accounts_forget_stream(s->owner, s);
	LIST_REMOVE(s, entry);
	free(s);
}

static void
dc09_session_failed(struct dc09_stream *stream, const char *reason, void *arg)
{
	struct dc09_session	*s = arg;

	(void)stream;
	log_debug("dc09: peer=%s closed reason=\"%s\"", s->peer, reason);
	dc09_session_free(s);
}

static const struct dc09_stream_callbacks dc09_session_callbacks = {
	.data = dc09_session_data,
	.failed = dc09_session_failed,
};

static void
dc09_accept(struct listener *listener, int fd, const struct sockaddr *sa,
    socklen_t salen, const char *peer, void *arg)
{
	struct dc09_links	*links = arg;
	struct dc09_session	*s;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		close(fd);
		listener_release(listener, sa);
		return;
	}
	s->owner = links;
	snprintf(s->peer, sizeof(s->peer), "%s", peer);
	dc09_framer_init(&s->framer);
	if ((s->stream = dc09_stream_new(links->base, fd, sa, salen, listener,
	    DC09_IDLE_MS, DC09_MAX_OUTPUT, &dc09_session_callbacks, s)) == NULL) {
		free(s);
		return;
	}
	LIST_INSERT_HEAD(&links->sessions, s, entry);
}

/* A datagram is one frame: LF to CR, anything around them ignored. */
static void
dc09_datagram(void *arg, const char *buf, size_t len,
    const struct sockaddr *sa, socklen_t salen, const char *peer)
{
	struct dc09_links	*links = arg;
	struct dc09_origin	 origin;
	const char		*lf, *cr;

	memset(&origin, 0, sizeof(origin));
	origin.udp = 1;
	if (salen > sizeof(origin.sa))
		return;
	memcpy(&origin.sa, sa, salen);
	origin.salen = salen;
	origin.dgram_len = len;
	snprintf(origin.peer, sizeof(origin.peer), "%s", peer);
	if (len > DC09_MAX_FRAME) {
		dc09_frame_in(links, &origin, NULL, 0, 1);
		return;
	}
	if ((lf = memchr(buf, '\n', len)) == NULL ||
	    (cr = memchr(lf, '\r', len - (size_t)(lf - buf))) == NULL) {
		links->counters.dropped++;
		log_ratelimited(&links->dropped_log, CONFIG_LOG_WARNING,
		    "dc09: dropped peer=%s reason=\"datagram is not a frame\"",
		    peer);
		return;
	}
	dc09_frame_in(links, &origin, lf + 1, (size_t)(cr - lf - 1), 0);
}

struct dc09_links *
dc09_links_new(struct event_base *base, const struct refuge_config *config,
    const struct registry *registry, struct units *units,
    struct ingest *ingest, struct supervise *supervise, char *err,
    size_t errlen)
{
	struct dc09_links	*links;
	char			 addr[LISTENER_PEER_LEN], host[256];
	int			 port;

	if ((links = calloc(1, sizeof(*links))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	links->base = base;
	links->config = config;
	links->registry = registry;
	links->units = units;
	links->ingest = ingest;
	links->supervise = supervise;
	links->nonce = (uint32_t)timenow_wall_ms() ^ (uint32_t)getpid();
	LIST_INIT(&links->sessions);
	links->dropped_log = (struct log_limit)LOG_LIMIT_DEFAULT("dc09: dropped");
	links->nak_log = (struct log_limit)LOG_LIMIT_DEFAULT("dc09: NAK");
	if ((links->listener = listener_new(base, "dc09", config->listen_dc09,
	    config->connections_per_address, config->max_connections,
	    dc09_accept, links, err, errlen)) == NULL)
		goto fail;
	/* UDP on the port TCP got (port 0 in the configuration resolved). */
	listener_address(links->listener, addr, sizeof(addr));
	if (config_split_hostport(config->listen_dc09, host, sizeof(host),
	    &port) == -1 || config_split_hostport(addr, addr, sizeof(addr),
	    &port) == -1) {
		snprintf(err, errlen, "dc09: bad address %s", addr);
		goto fail;
	}
	if ((links->udp = dc09_dgram_new(base, host, port, dc09_datagram, links,
	    err, errlen)) == NULL)
		goto fail;
	if (dc09_accounts_build(links) == -1) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	return links;
fail:
	dc09_links_free(links);
	return NULL;
}

void
dc09_links_set_receiver(struct dc09_links *links,
    const struct receiver *receiver)
{
	links->receiver = receiver;
}

void
dc09_links_close_all(struct dc09_links *links)
{
	struct dc09_session	*s;

	listener_disable(links->listener);
	while ((s = LIST_FIRST(&links->sessions)) != NULL) {
		dc09_stream_close(s->stream);
		dc09_session_free(s);
	}
	dc09_accounts_free(links);
}

void
dc09_links_free(struct dc09_links *links)
{
	struct dc09_session	*s;

	if (links == NULL)
		return;
	while ((s = LIST_FIRST(&links->sessions)) != NULL) {
		dc09_stream_close(s->stream);
		dc09_session_free(s);
	}
	dc09_accounts_free(links);
	log_limit_flush(&links->dropped_log);
	log_limit_flush(&links->nak_log);
	dc09_dgram_free(links->udp);
	listener_free(links->listener);
	free(links);
}

void
dc09_links_reconfigure(struct dc09_links *links,
    const struct refuge_config *config, const struct registry *registry,
    struct units *units)
{
	/* Accounts are made anew: the old ones' links close (their frames were ACKed or will be sent again). */
	dc09_accounts_free(links);
	links->config = config;
	links->registry = registry;
	links->units = units;
	listener_set_limits(links->listener, config->connections_per_address,
	    config->max_connections);
	if (dc09_accounts_build(links) == -1)
		log_error("dc09: out of memory for the accounts after a reload");
}

void
dc09_links_address(struct dc09_links *links, char *buf, size_t buflen)
{
	listener_address(links->listener, buf, buflen);
}

const struct dc09_counters *
dc09_links_counters(const struct dc09_links *links)
{
	return &links->counters;
}
