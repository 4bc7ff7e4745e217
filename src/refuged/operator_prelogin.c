/*
 * The pre-login pool and the password-check queue, both kept per address.
 *
 * Every operator link is in the pool from accept until its LOGIN succeeds,
 * within limits.operator_prelogin in all and
 * limits.operator_prelogin_per_address from one address. When a newcomer
 * finds it full, the oldest link of the address holding the most is
 * dropped rather than the newcomer refused: a crowd of idle links from a
 * few addresses cannot keep a real operator out, and logged-in links never
 * compete for this room. Among addresses holding as many, one that failed
 * a login lately goes first, then one that connected more often lately (a
 * flood reconnects all the time; an operator's link, however old, stays),
 * then the one with the oldest link.
 *
 * Password checks are dear and capped at OPERATOR_CHECKS_PER_SECOND in any
 * second. A LOGIN over the cap waits here, its link reading nothing, and
 * checks are handed out round-robin across addresses, those without recent
 * failures first, then those that connected least lately, so a flood of
 * guesses from some addresses does not delay an operator from another. The
 * queue holds only pool links, so the pool bounds it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "refuge/config.h"
#include "refuge/log.h"
#include "refuge/loop.h"
#include "refuge/timenow.h"
#include "operator_internal.h"

static struct operator_host *
operator_host_find(struct operator_link *link, const char *host)
{
	struct operator_host	*h;

	TAILQ_FOREACH(h, &link->hosts, entry)
		if (strcmp(h->host, host) == 0)
			return h;
	return NULL;
}

/* Failed a login within the window: its links go last and are dropped first. */
static int
operator_host_suspect(const struct operator_host *h, int64_t now)
{
	return h->last_failure_ms != 0 &&
	    now - h->last_failure_ms < OPERATOR_LOCK_WINDOW_MS;
}

/* Counts a connect from host; returns its connects in the current window. */
static int
operator_arrival(struct operator_link *link, const char *host, int64_t now)
{
	struct operator_arrivals	*slot, *oldest = &link->arrivals[0];
	size_t				 i;

	for (i = 0; i < OPERATOR_ARRIVAL_SLOTS; i++) {
		slot = &link->arrivals[i];
		if (slot->since_ms != 0 && strcmp(slot->host, host) == 0)
			break;
		if (slot->since_ms < oldest->since_ms)
			oldest = slot;
	}
	if (i == OPERATOR_ARRIVAL_SLOTS) {
		slot = oldest;
		snprintf(slot->host, sizeof(slot->host), "%s", host);
		slot->since_ms = 0;
	}
	if (slot->since_ms == 0) {
		slot->since_ms = now;
		slot->count = 0;
	}
	/* Halved each window: a flood stays high, an occasional reconnect fades. */
	for (; now - slot->since_ms >= OPERATOR_ARRIVAL_WINDOW_MS &&
	    slot->count > 0; slot->since_ms += OPERATOR_ARRIVAL_WINDOW_MS)
		slot->count /= 2;
	if (slot->count == 0)
		slot->since_ms = now;
	return ++slot->count;
}

/* Whether a is to lose a link before b: see the top of the file. */
static int
operator_host_worse(const struct operator_host *a,
    const struct operator_host *b, int64_t now)
{
	int	sa = operator_host_suspect(a, now), sb = operator_host_suspect(b, now);

	if (a->count != b->count)
		return a->count > b->count;
	if (sa != sb)
		return sa;
	if (a->arrivals != b->arrivals)
		return a->arrivals > b->arrivals;
	return TAILQ_FIRST(&a->links)->seq < TAILQ_FIRST(&b->links)->seq;
}

/* The address to lose a pre-login link. */
static struct operator_host *
operator_host_fullest(struct operator_link *link)
{
	struct operator_host	*h, *best = NULL;
	int64_t			 now = timenow_mono_ms();

	TAILQ_FOREACH(h, &link->hosts, entry)
		if (best == NULL || operator_host_worse(h, best, now))
			best = h;
	return best;
}

int
operator_prelogin_add(struct operator_session *session)
{
	struct operator_link		*link = session->link;
	const struct refuge_config	*config = link->deps.config;
	struct operator_host		*h;
	int				 arrivals;

	arrivals = operator_arrival(link, session->host, timenow_mono_ms());
	for (;;) {
		h = operator_host_find(link, session->host);
		if (h != NULL && h->count >= config->operator_prelogin_per_address)
			operator_drop(TAILQ_FIRST(&h->links), "too many links "
			    "before login from this address");
		else if (link->prelogin >= config->operator_prelogin)
			operator_drop(TAILQ_FIRST(
			    &operator_host_fullest(link)->links),
			    "too many links before login");
		else
			break;
	}
	if (h == NULL) {
		if ((h = calloc(1, sizeof(*h))) == NULL)
			return -1;
		snprintf(h->host, sizeof(h->host), "%s", session->host);
		TAILQ_INIT(&h->links);
		TAILQ_INIT(&h->queue);
		h->last_failure_ms = operator_failures_last(link, h->host);
		TAILQ_INSERT_TAIL(&link->hosts, h, entry);
	}
	TAILQ_INSERT_TAIL(&h->links, session, pool_entry);
	h->arrivals = arrivals;
	h->count++;
	link->prelogin++;
	session->prelogin = h;
	return 0;
}

void
operator_prelogin_remove(struct operator_session *session)
{
	struct operator_link	*link = session->link;
	struct operator_host	*h = session->prelogin;

	if (h == NULL)
		return;
	if (session->queued) {
		TAILQ_REMOVE(&h->queue, session, queue_entry);
		session->queued = 0;
		h->queued--;
		link->queued--;
	}
	TAILQ_REMOVE(&h->links, session, pool_entry);
	h->count--;
	link->prelogin--;
	session->prelogin = NULL;
	if (h->count == 0) {
		TAILQ_REMOVE(&link->hosts, h, entry);
		free(h);
	}
}

void
operator_prelogin_trim(struct operator_link *link)
{
	const struct refuge_config	*config = link->deps.config;
	struct operator_host		*h, *next;

	while (link->prelogin > config->operator_prelogin)
		operator_drop(TAILQ_FIRST(&operator_host_fullest(link)->links),
		    "too many links before login");
	for (h = TAILQ_FIRST(&link->hosts); h != NULL; h = next) {
		/* Dropping the last but one link keeps h; step on only after. */
		while (h->count > config->operator_prelogin_per_address)
			operator_drop(TAILQ_FIRST(&h->links), "too many links "
			    "before login from this address");
		next = TAILQ_NEXT(h, entry);
	}
}

/* How long until another check may start (0: now), at most 10 in any second. */
static int64_t
operator_check_wait(struct operator_link *link, int64_t now)
{
	int64_t	oldest = link->check_times[link->check_next];

	if (oldest == 0 || now - oldest >= 1000)
		return 0;
	return oldest + 1000 - now;
}

/*
 * The next LOGIN to check: addresses without recent failures first, then
 * those that connected least lately; round-robin among equals, as an
 * address served goes to the back.
 */
static struct operator_session *
operator_check_next(struct operator_link *link, int64_t now)
{
	struct operator_host	*h, *best = NULL;
	struct operator_session	*session;
	int			 s, best_s = 0;

	TAILQ_FOREACH(h, &link->hosts, entry) {
		if (h->queued == 0)
			continue;
		s = operator_host_suspect(h, now);
		if (best == NULL || s < best_s || (s == best_s &&
		    h->arrivals < best->arrivals)) {
			best = h;
			best_s = s;
		}
	}
	if ((h = best) == NULL)
		return NULL;
	TAILQ_REMOVE(&link->hosts, h, entry);
	TAILQ_INSERT_TAIL(&link->hosts, h, entry);
	session = TAILQ_FIRST(&h->queue);
	TAILQ_REMOVE(&h->queue, session, queue_entry);
	session->queued = 0;
	h->queued--;
	link->queued--;
	return session;
}

static void
operator_prelogin_dispatch(struct operator_link *link)
{
	struct operator_session	*session;
	int64_t			 now = timenow_mono_ms(), wait;

	while (link->queued > 0) {
		if ((wait = operator_check_wait(link, now)) > 0) {
			if (!evtimer_pending(link->dispatch, NULL))
				loop_timer_add(link->dispatch, wait);
			return;
		}
		if ((session = operator_check_next(link, now)) == NULL)
			return;
		link->check_times[link->check_next] = now;
		link->check_next = (link->check_next + 1) %
		    OPERATOR_CHECKS_PER_SECOND;
		operator_login_check(session);
	}
}

static void
operator_prelogin_due(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	operator_prelogin_dispatch(arg);
}

void
operator_prelogin_enqueue(struct operator_session *session)
{
	struct operator_link	*link = session->link;
	struct operator_host	*h = session->prelogin;

	TAILQ_INSERT_TAIL(&h->queue, session, queue_entry);
	session->queued = 1;
	h->queued++;
	link->queued++;
	if (link->queued > 1)
		log_debug("operators: peer=%s waits for a password check, %d "
		    "waiting", session->peer, link->queued);
	operator_prelogin_dispatch(link);
}

void
operator_prelogin_failed(struct operator_link *link, const char *host,
    int64_t now)
{
	struct operator_host	*h;

	if ((h = operator_host_find(link, host)) != NULL)
		h->last_failure_ms = now;
}

int
operator_prelogin_init(struct operator_link *link)
{
	link->dispatch = loop_timer_new(link->deps.base, operator_prelogin_due,
	    link);
	return link->dispatch != NULL ? 0 : -1;
}

/* Only once every session has gone: the pool is empty by then. */
void
operator_prelogin_free(struct operator_link *link)
{
	struct operator_host	*h;

	if (link->dispatch != NULL)
		event_free(link->dispatch);
	while ((h = TAILQ_FIRST(&link->hosts)) != NULL) {
		TAILQ_REMOVE(&link->hosts, h, entry);
		free(h);
	}
}
