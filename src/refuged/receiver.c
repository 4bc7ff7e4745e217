/*
 * The receiver pair's roles, on the store's lease (store.h). A standby
 * polls store_lease_take every lease/5 (at least RECEIVER_POLL_MIN_MS): the
 * lock frees the moment the active receiver's session ends, so a takeover
 * follows a death within one poll. The active receiver renews every lease/3
 * and steps down when the renewal says the lease is gone, or when a whole
 * lease went by without one succeeding: by then a standby may hold it, and
 * the store's term check refuses this receiver's writes anyway. What a role
 * means for units, operators and the stack is the daemon's (role_fn).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "refuge/log.h"
#include "refuge/loop.h"
#include "refuge/receiver.h"
#include "refuge/store.h"
#include "refuge/timenow.h"

struct receiver {
	struct store		*store;
	struct event		*timer;
	receiver_role_fn	*role_fn;
	void			*role_arg;
	enum receiver_role	 role;
	int			 shared;
	int			 stopped;
	int64_t			 lease_ms;
	int64_t			 renewed_mono_ms;	/* last good renewal */
	int64_t			 term;
	struct store_lease	 lease;		/* as last taken or renewed */
	char			 name[STORE_LEASE_NAME_MAX];
	char			 address[STORE_LEASE_ADDR_MAX];
	char			 active[STORE_LEASE_ADDR_MAX];
	char			 previous[STORE_LEASE_NAME_MAX];
	char			 alt[RECEIVER_ALT_LEN];
	struct log_limit	 poll_log;
};

static int64_t
receiver_poll_ms(const struct receiver *rx)
{
	int64_t	ms = rx->lease_ms / 5;

	return ms < RECEIVER_POLL_MIN_MS ? RECEIVER_POLL_MIN_MS : ms;
}

/* The other receivers for WELCOME alt=, without this one's own address. */
static void
receiver_take_lease(struct receiver *rx, const struct store_lease *lease)
{
	size_t	i, off = 0;
	int	n;

	rx->lease = *lease;
	rx->alt[0] = '\0';
	for (i = 0; i < lease->alt_count && i < STORE_LEASE_ALT_MAX; i++) {
		if (lease->alt[i][0] == '\0' ||
		    strcmp(lease->alt[i], rx->address) == 0)
			continue;
		n = snprintf(rx->alt + off, sizeof(rx->alt) - off, "%s%s",
		    off > 0 ? "," : "", lease->alt[i]);
		if (n < 0 || (size_t)n >= sizeof(rx->alt) - off) {
			rx->alt[off] = '\0';
			break;
		}
		off += (size_t)n;
	}
	if (rx->role == RECEIVER_ACTIVE)
		snprintf(rx->active, sizeof(rx->active), "%s", rx->address);
	else
		snprintf(rx->active, sizeof(rx->active), "%s", lease->address);
}

/*
 * Steps down. reachable: the database answered (the lease went to another
 * receiver), so who has it now is asked at once, for DENIED and the
 * operators' push; else the next poll finds out, the loop not held up by
 * a database that does not answer.
 */
static void
receiver_demote(struct receiver *rx, const char *why, int reachable)
{
	struct store_lease	lease;

	store_lease_release(rx->store);
	rx->role = RECEIVER_STANDBY;
	rx->active[0] = '\0';
	log_warnx("receiver: standby term=%lld name=%s (%s)",
	    (long long)rx->term, rx->name, why);
	memset(&lease, 0, sizeof(lease));
	switch (reachable ? store_lease_take(rx->store, timenow_wall_ms(),
	    &lease) : -1) {
	case 0:
		receiver_take_lease(rx, &lease);
		break;
	case 1:		/* free again: not retaken here, the poll will */
		store_lease_release(rx->store);
		break;
	default:
		break;
	}
	(void)rx->role_fn(RECEIVER_BECAME_STANDBY, rx->role_arg);
}

/* A standby's poll: 1 when it became active. */
static int
receiver_poll(struct receiver *rx, int64_t now)
{
	struct store_lease	lease;
	char			previous[STORE_LEASE_NAME_MAX];
	char			was[STORE_LEASE_ADDR_MAX];
	int			rc;

	memset(&lease, 0, sizeof(lease));
	snprintf(previous, sizeof(previous), "%s", rx->lease.holder);
	rc = store_lease_take(rx->store, timenow_wall_ms(), &lease);
	if (rc == -1) {
		log_ratelimited(&rx->poll_log, CONFIG_LOG_WARNING, "receiver: "
		    "cannot poll the lease: %s", store_error(rx->store));
		return 0;
	}
	if (rc == 0) {
		snprintf(was, sizeof(was), "%s", rx->active);
		receiver_take_lease(rx, &lease);
		if (strcmp(was, rx->active) != 0)
			(void)rx->role_fn(RECEIVER_MOVED, rx->role_arg);
		return 0;
	}
	rx->role = RECEIVER_ACTIVE;
	rx->term = lease.term;
	rx->renewed_mono_ms = now;
	receiver_take_lease(rx, &lease);
	snprintf(rx->previous, sizeof(rx->previous), "%s", previous);
	if (rx->role_fn(RECEIVER_BECAME_ACTIVE, rx->role_arg) == -1) {
		store_lease_release(rx->store);
		rx->role = RECEIVER_STANDBY;
		rx->active[0] = '\0';
		log_error("receiver: term=%lld given up: the receiver could "
		    "not take over", (long long)rx->term);
		return 0;
	}
	return 1;
}

/* The active receiver's renewal. */
static void
receiver_renew(struct receiver *rx, int64_t now)
{
	struct store_lease	lease;
	char			why[160];
	int			rc;

	memset(&lease, 0, sizeof(lease));
	rc = store_lease_renew(rx->store, timenow_wall_ms(), &lease);
	if (rc == 0) {
		rx->renewed_mono_ms = now;
		receiver_take_lease(rx, &lease);
		return;
	}
	if (rc == 1) {
		snprintf(why, sizeof(why), "lease lost: %s",
		    store_error(rx->store));
		receiver_demote(rx, why, 1);
		return;
	}
	if (now - rx->renewed_mono_ms >= rx->lease_ms) {
		snprintf(why, sizeof(why), "no renewal for %lld ms: %s",
		    (long long)(now - rx->renewed_mono_ms),
		    store_error(rx->store));
		receiver_demote(rx, why, 0);
		return;
	}
	log_ratelimited(&rx->poll_log, CONFIG_LOG_WARNING, "receiver: cannot "
	    "renew the lease (%lld ms left): %s", (long long)(rx->lease_ms -
	    (now - rx->renewed_mono_ms)), store_error(rx->store));
}

static void
receiver_tick(evutil_socket_t fd, short what, void *arg)
{
	struct receiver	*rx = arg;
	int64_t		 now = timenow_mono_ms(), next;

	(void)fd;
	(void)what;
	if (rx->stopped)
		return;
	if (rx->role == RECEIVER_ACTIVE)
		receiver_renew(rx, now);
	else
		(void)receiver_poll(rx, now);
	if (rx->role == RECEIVER_ACTIVE) {
		/* Never past the lease's end: the last chance to renew. */
		next = rx->lease_ms / 3;
		if (rx->renewed_mono_ms + rx->lease_ms - timenow_mono_ms() <
		    next)
			next = rx->renewed_mono_ms + rx->lease_ms -
			    timenow_mono_ms();
		if (next < RECEIVER_POLL_MIN_MS / 4)
			next = RECEIVER_POLL_MIN_MS / 4;
	} else
		next = receiver_poll_ms(rx);
	loop_timer_add(rx->timer, next);
}

struct receiver *
receiver_new(struct event_base *base, struct store *store, const char *name,
    const char *address, int64_t lease_ms, receiver_role_fn *role_fn,
    void *arg, char *err, size_t errlen)
{
	static const struct log_limit	 limit =
					    LOG_LIMIT_INIT("receiver: lease", 1,
					    10000);
	struct receiver			*rx;

	if ((rx = calloc(1, sizeof(*rx))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	rx->store = store;
	rx->role_fn = role_fn;
	rx->role_arg = arg;
	rx->lease_ms = lease_ms;
	rx->poll_log = limit;
	snprintf(rx->name, sizeof(rx->name), "%s", name);
	snprintf(rx->address, sizeof(rx->address), "%s", address);
	rx->shared = store_shared(store);
	rx->role = rx->shared ? RECEIVER_STANDBY : RECEIVER_ACTIVE;
	if (!rx->shared) {
		snprintf(rx->active, sizeof(rx->active), "%s", rx->address);
		return rx;
	}
	if (store_receiver(store, rx->name, rx->address, lease_ms) == -1) {
		snprintf(err, errlen, "database: cannot be a receiver's: %s",
		    store_error(store));
		goto fail;
	}
	if ((rx->timer = loop_timer_new(base, receiver_tick, rx)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	return rx;
fail:
	receiver_free(rx);
	return NULL;
}

int
receiver_start(struct receiver *rx)
{
	if (!rx->shared)
		return 0;
	log_info("receiver: standby name=%s address=%s lease=%lldms",
	    rx->name, rx->address, (long long)rx->lease_ms);
	loop_timer_add(rx->timer, 0);
	return 0;
}

void
receiver_stop(struct receiver *rx)
{
	if (rx == NULL || !rx->shared || rx->stopped)
		return;
	rx->stopped = 1;
	evtimer_del(rx->timer);
	if (rx->role == RECEIVER_ACTIVE) {
		store_lease_release(rx->store);
		log_info("receiver: lease given up term=%lld name=%s",
		    (long long)rx->term, rx->name);
	}
}

void
receiver_free(struct receiver *rx)
{
	if (rx == NULL)
		return;
	if (rx->timer != NULL)
		event_free(rx->timer);
	free(rx);
}

int
receiver_active(const struct receiver *rx)
{
	return rx->role == RECEIVER_ACTIVE;
}

int
receiver_shared(const struct receiver *rx)
{
	return rx->shared;
}

const char *
receiver_name(const struct receiver *rx)
{
	return rx->name;
}

const char *
receiver_active_address(const struct receiver *rx)
{
	return rx->active;
}

const char *
receiver_alt(const struct receiver *rx)
{
	return rx->alt;
}

int64_t
receiver_term(const struct receiver *rx)
{
	return rx->term;
}

const char *
receiver_previous(const struct receiver *rx)
{
	return rx->previous;
}
