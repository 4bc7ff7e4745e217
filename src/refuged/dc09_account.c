/*
 * DC-09 accounts as unit links. One account per unit with a dc09: block,
 * made at start (and anew at a reload) so that its supervision runs from
 * the start. The link is attached to its unit from a good frame until the
 * account has been silent for its supervision interval: UNITS shows
 * paths=...,dc09 only while the path works.
 * A unit also reachable by TLS (its key is pinned, or it has connected
 * since start) is supervised per path: one path lost while the other works
 * raises PATH_FAULT path=<tls|dc09>, PATH_RESTORE when it is back; both
 * lost is UNIT_OFFLINE (supervise.c).
 * ACKs: each frame's events carry the ids "<base>:<i>"; the frame's reply
 * goes out when ingest has acknowledged all of them, after the commit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "refuge/config.h"
#include "refuge/ingest.h"
#include "refuge/loop.h"
#include "refuge/registry.h"
#include "refuge/supervise.h"
#include "refuge/timenow.h"
#include "refuge/units.h"
#include "dc09_internal.h"

#define DC09_KIND		"dc09"
#define DC09_TICK_MIN_MS	250
#define DC09_TICK_MAX_MS	30000

static void	dc09_link_ack(struct link *, const char *);
static void	dc09_link_refuse(struct link *, const char *, const char *);
static void	dc09_link_close(struct link *, const char *);
static int64_t	dc09_link_last_heard(const struct link *);
static void	dc09_link_recheck(struct link *);
static const char *dc09_link_peer(const struct link *);

/* command is NULL: DC-09 is one-way. */
static const struct link_ops dc09_link_ops = {
	.kind = DC09_KIND,
	.ack = dc09_link_ack,
	.refuse = dc09_link_refuse,
	.command = NULL,
	.close = dc09_link_close,
	.last_heard = dc09_link_last_heard,
	.recheck = dc09_link_recheck,
	.peer = dc09_link_peer,
};

static int64_t
dc09_tick_ms(const struct dc09_account *account)
{
	int64_t	t = account->reg->dc09->supervision_ms / 4;

	return t < DC09_TICK_MIN_MS ? DC09_TICK_MIN_MS : t > DC09_TICK_MAX_MS ?
	    DC09_TICK_MAX_MS : t;
}

/* Reachable by TLS too: its key is pinned, or it has connected since start. */
static int
dc09_dual(const struct unit_record *record)
{
	return record->reg->has_key_sha256 || record->welcomed_heartbeat_ms > 0 ||
	    units_link((struct unit_record *)(uintptr_t)record, "tls") != NULL;
}

static void
dc09_path_event(struct dc09_account *account, enum evtype type,
    const char *path)
{
	char	attrs[32];

	snprintf(attrs, sizeof(attrs), "path=%s", path);
	log_warnx("unit=%s %s path=%s", account->reg->id, evtype_name(type),
	    path);
	if (ingest_receiver_event_attrs(account->owner->ingest, account->record,
	    type, attrs) == -1)
		log_error("unit=%s %s could not be queued", account->reg->id,
		    evtype_name(type));
}

/* Per-path supervision of a unit reachable both ways. */
static void
dc09_paths_check(struct dc09_account *account, int dc09_up)
{
	struct unit_record	*record = account->record;
	struct link		*tls;
	int64_t			 window;
	int			 tls_up;

	if (!dc09_dual(record))
		return;
	window = supervise_heartbeat_ms(account->owner->supervise, record) *
	    account->owner->config->missed;
	/* A TLS link that closed counts as lost only once its window has passed. */
	if ((tls = units_link(record, "tls")) != NULL &&
	    link_last_heard(tls) > account->tls_heard_mono_ms)
		account->tls_heard_mono_ms = link_last_heard(tls);
	tls_up = timenow_mono_ms() - account->tls_heard_mono_ms <= window;
	if (!account->fault_dc09 && !dc09_up && tls_up) {
		account->fault_dc09 = 1;
		dc09_path_event(account, EVTYPE_PATH_FAULT, "dc09");
	} else if (account->fault_dc09 && dc09_up) {
		account->fault_dc09 = 0;
		dc09_path_event(account, EVTYPE_PATH_RESTORE, "dc09");
	}
	if (!account->fault_tls && !tls_up && dc09_up) {
		account->fault_tls = 1;
		dc09_path_event(account, EVTYPE_PATH_FAULT, "tls");
	} else if (account->fault_tls && tls_up) {
		account->fault_tls = 0;
		dc09_path_event(account, EVTYPE_PATH_RESTORE, "tls");
	}
}

static void	dc09_pending_free(struct dc09_account *, struct dc09_pending *);

static void
dc09_account_tick(evutil_socket_t fd, short what, void *arg)
{
	struct dc09_account	*account = arg;
	struct dc09_pending	*p;
	int64_t			 silent;
	int			 up;

	(void)fd;
	(void)what;
	/* Oldest first: the panel has sent these again, or given up. */
	while ((p = TAILQ_FIRST(&account->pending)) != NULL &&
	    timenow_mono_ms() - p->queued_mono_ms > DC09_PENDING_MS)
		dc09_pending_free(account, p);
	silent = timenow_mono_ms() - account->heard_mono_ms;
	up = silent <= account->reg->dc09->supervision_ms;
	if (!up && account->link.unit != NULL) {
		log_warnx("unit=%s dc09 acct=%s silent for %lld ms",
		    account->reg->id, account->reg->dc09->account,
		    (long long)silent);
		units_detach(account->record, &account->link);
	}
	dc09_paths_check(account, up && account->heard);
	loop_timer_add(account->timer, dc09_tick_ms(account));
}

void
dc09_account_heard(struct dc09_account *account,
    const struct dc09_origin *origin)
{
	account->heard_mono_ms = timenow_mono_ms();
	account->heard = 1;
	snprintf(account->peer, sizeof(account->peer), "%s", origin->peer);
	if (account->link.unit == NULL) {
		if (units_attach(account->record, &account->link) == -1) {
			log_warnx("unit=%s dc09: too many links for this unit",
			    account->reg->id);
			return;
		}
		log_info("unit=%s dc09 acct=%s heard peer=%s", account->reg->id,
		    account->reg->dc09->account, origin->peer);
	}
	supervise_heard(account->owner->supervise, account->record);
	if (account->fault_dc09)
		dc09_paths_check(account, 1);
}

static int
dc09_account_cmp(const void *a, const void *b)
{
	const struct dc09_account	*x = *(const struct dc09_account *const *)a;
	const struct dc09_account	*y = *(const struct dc09_account *const *)b;

	return strcmp(x->reg->dc09->account, y->reg->dc09->account);
}

int
dc09_accounts_build(struct dc09_links *links)
{
	const struct registry	*reg = links->registry;
	struct dc09_account	*a;
	struct unit_record	*record;
	size_t			 i;

	if (reg->dc09_count == 0)
		return 0;
	if ((links->accounts = calloc(reg->dc09_count,
	    sizeof(*links->accounts))) == NULL)
		return -1;
	for (i = 0; i < reg->dc09_count; i++) {
		if ((record = units_find(links->units, reg->dc09_index[i]->id)) ==
		    NULL || (a = calloc(1, sizeof(*a))) == NULL)
			return -1;
		links->accounts[links->account_count++] = a;
		a->link.ops = &dc09_link_ops;
		a->owner = links;
		a->reg = reg->dc09_index[i];
		a->record = record;
		a->heard_mono_ms = a->tls_heard_mono_ms = timenow_mono_ms();
		TAILQ_INIT(&a->pending);
		snprintf(a->peer, sizeof(a->peer), "-");
		if ((a->timer = loop_timer_new(links->base, dc09_account_tick,
		    a)) == NULL)
			return -1;
		loop_timer_add(a->timer, dc09_tick_ms(a));
	}
	qsort(links->accounts, links->account_count, sizeof(*links->accounts),
	    dc09_account_cmp);
	return 0;
}

static void
dc09_pending_free(struct dc09_account *account, struct dc09_pending *p)
{
	TAILQ_REMOVE(&account->pending, p, entry);
	if (p->origin.stream != NULL)
		p->origin.stream->pending--;
	free(p);
}

void
dc09_accounts_free(struct dc09_links *links)
{
	struct dc09_account	*a;
	struct dc09_pending	*p;
	size_t			 i;

	for (i = 0; i < links->account_count; i++) {
		a = links->accounts[i];
		if (a->link.unit != NULL)
			units_detach(a->link.unit, &a->link);
		ingest_forget_link(links->ingest, &a->link);
		while ((p = TAILQ_FIRST(&a->pending)) != NULL)
			dc09_pending_free(a, p);
		if (a->timer != NULL)
			event_free(a->timer);
		free(a);
	}
	free(links->accounts);
	links->accounts = NULL;
	links->account_count = 0;
}

struct dc09_account *
dc09_account_find(struct dc09_links *links, const char *acct)
{
	const struct registry_unit	*unit;
	size_t				 lo = 0, hi = links->account_count, mid;
	int				 c;

	if ((unit = registry_dc09_find(links->registry, acct)) == NULL)
		return NULL;
	while (lo < hi) {
		mid = (lo + hi) / 2;
		c = strcmp(unit->dc09->account,
		    links->accounts[mid]->reg->dc09->account);
		if (c == 0)
			return links->accounts[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

void
dc09_accounts_forget_stream(struct dc09_links *links, struct dc09_session *s)
{
	struct dc09_pending	*p;
	size_t			 i;

	for (i = 0; i < links->account_count && s->pending > 0; i++)
		TAILQ_FOREACH(p, &links->accounts[i]->pending, entry)
			if (p->origin.stream == s) {
				p->origin.stream = NULL;
				s->pending--;
			}
}

/* FNV-1a, 64 bits: the frame's data and x-data, which a retransmission repeats. */
static uint64_t
dc09_hash(const struct dc09_body *b)
{
	uint64_t	 h = 0xcbf29ce484222325ULL;
	const char	*p;
	size_t		 i;

	for (p = b->data; ; p++) {
		h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
		if (*p == '\0')
			break;
	}
	for (i = 0; i < b->xdata_count; i++)
		for (p = b->xdata[i].text; ; p++) {
			h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
			if (*p == '\0')
				break;
		}
	return h;
}

void
dc09_account_event_base(struct dc09_account *account,
    const struct dc09_frame *f, const struct dc09_body *b,
    char base[DC09_EVENT_ID_LEN])
{
	struct dc09_recent	*r;
	int64_t			 now = timenow_wall_ms();
	size_t			 i;

	/*
	 * The same account, seq and data is a retransmission, stored once: the
	 * store's unique event id does that, across a kill -9 too. Past ten
	 * minutes it is a new event (the seq has wrapped): a fresh id.
	 */
	snprintf(base, DC09_EVENT_ID_LEN, "dc09:%s:%s:%016llx",
	    account->reg->dc09->account, f->seq,
	    (unsigned long long)dc09_hash(b));
	for (i = 0; i < DC09_RECENT; i++) {
		r = &account->recent[i];
		if (strncmp(r->base, base, strlen(base)) != 0 ||
		    (r->base[strlen(base)] != '\0' && r->base[strlen(base)] != ':'))
			continue;
		if (now - r->first_ms <= DC09_DEDUPE_MS) {
			memcpy(base, r->base, DC09_EVENT_ID_LEN);
			return;
		}
		snprintf(base + strlen(base), DC09_EVENT_ID_LEN - strlen(base),
		    ":%lld", (long long)(now / 1000));
		snprintf(r->base, sizeof(r->base), "%s", base);
		r->first_ms = now;
		return;
	}
	r = &account->recent[account->recent_next++ % DC09_RECENT];
	snprintf(r->base, sizeof(r->base), "%s", base);
	r->first_ms = now;
}

static void
dc09_link_ack(struct link *link, const char *event_id)
{
	struct dc09_account	*account = (struct dc09_account *)link;
	struct dc09_links	*links = account->owner;
	const struct registry_dc09 *d = account->reg->dc09;
	struct dc09_pending	*p;
	const char		*colon = strrchr(event_id, ':');
	char			 buf[DC09_REPLY_MAX];
	size_t			 n;
	int			 len, i;

	if (colon == NULL || (i = atoi(colon + 1)) < 0 || i >= DC09_MAX_EVENTS)
		return;
	n = (size_t)(colon - event_id);
	/*
	 * A retransmission before the first ACK has a frame of its own with the
	 * same ids: each event's ACK counts once, for the oldest that lacks it.
	 */
	TAILQ_FOREACH(p, &account->pending, entry)
		if (strlen(p->base) == n && memcmp(p->base, event_id, n) == 0 &&
		    !(p->acked & (1u << i)))
			break;
	if (p == NULL)
		return;
	p->acked |= 1u << i;
	if (--p->remaining > 0)
		return;
	if (p->frame.encrypted)
		len = dc09_reply_ack_encrypted(buf, sizeof(buf), &p->frame, d->key,
		    d->key_len, timenow_wall_ms() / 1000, ++links->nonce);
	else
		len = dc09_reply_ack(buf, sizeof(buf), &p->frame);
	if (p->origin.udp || p->origin.stream != NULL) {
		links->counters.acks++;
		dc09_reply(links, &p->origin, buf, len);
	}
	dc09_pending_free(account, p);
}

static void
dc09_link_refuse(struct link *link, const char *event_id, const char *reason)
{
	struct dc09_account	*account = (struct dc09_account *)link;

	/* No reply: the panel sends the frame again. */
	log_warnx("unit=%s dc09 event=%s refused reason=\"%s\"",
	    account->reg->id, event_id, reason);
}

static void
dc09_link_close(struct link *link, const char *why)
{
	struct dc09_account	*account = (struct dc09_account *)link;

	/* The account stays until the accounts are made anew; only detached. */
	log_info("unit=%s dc09 acct=%s detached reason=\"%s\"", account->reg->id,
	    account->reg->dc09->account, why);
	if (link->unit != NULL)
		units_detach(link->unit, link);
}

static int64_t
dc09_link_last_heard(const struct link *link)
{
	return ((const struct dc09_account *)link)->heard_mono_ms;
}

static void
dc09_link_recheck(struct link *link)
{
	/* The accounts are made anew after every reload (dc09_links_reconfigure). */
	(void)link;
}

static const char *
dc09_link_peer(const struct link *link)
{
	return ((const struct dc09_account *)link)->peer;
}
