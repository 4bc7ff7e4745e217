/*
 * The receiver pair: which of the refuged sharing a database is active.
 * A standby polls for the store's lease; the active one renews it and
 * steps down when a whole lease went by without a renewal, or when the
 * renewal says another receiver has it. The daemon is told each change
 * of role and does the rest (the stack, units, DC-09, operators). With a
 * store that is not shared (SQLite) the receiver is active from the start
 * and nothing here runs.
 */
#ifndef REFUGE_RECEIVER_H
#define REFUGE_RECEIVER_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

struct event_base;
struct receiver;

enum receiver_role {
	RECEIVER_STANDBY,
	RECEIVER_ACTIVE
};

/* The standby's fastest poll: a lease of 1 s polls every 200 ms. */
#define RECEIVER_POLL_MIN_MS	200
/* WELCOME alt=: at most STORE_LEASE_ALT_MAX host:port, commas between. */
#define RECEIVER_ALT_LEN	(STORE_LEASE_ALT_MAX * STORE_LEASE_ADDR_MAX)

/* What the daemon is told. */
enum receiver_change {
	RECEIVER_BECAME_STANDBY,	/* stepped down */
	RECEIVER_BECAME_ACTIVE,		/* took the lease: take over */
	RECEIVER_MOVED			/* a standby saw another active one */
};

/*
 * A change. For RECEIVER_BECAME_ACTIVE the callback may refuse (-1: the
 * stack could not be rebuilt): the lease is given up and the poll goes on.
 * Its return is ignored for the others.
 */
typedef int	receiver_role_fn(enum receiver_change, void *arg);

/*
 * name and address are receiver.name and receiver.address (both set);
 * lease_ms receiver.lease. When the store is shared, makes it a receiver's
 * (store_receiver) and starts as standby; else the receiver is active.
 */
struct receiver	*receiver_new(struct event_base *, struct store *,
		    const char *name, const char *address, int64_t lease_ms,
		    receiver_role_fn *, void *arg, char *err, size_t errlen);
/* The first poll, at once (from the loop); 0 or -1. */
int		 receiver_start(struct receiver *);
/* A clean stop: the lease is given up, so that a standby takes it at once. */
void		 receiver_stop(struct receiver *);
void		 receiver_free(struct receiver *);

int		 receiver_active(const struct receiver *);
/* Whether receivers share the store (a pair), so that roles exist. */
int		 receiver_shared(const struct receiver *);
const char	*receiver_name(const struct receiver *);
/* The active receiver's receiver.address ("" while unknown). */
const char	*receiver_active_address(const struct receiver *);
/* The other receivers, "host:port,host:port" (WELCOME alt=); "" for none. */
const char	*receiver_alt(const struct receiver *);
int64_t		 receiver_term(const struct receiver *);
/* The previous holder's name at the last takeover ("" if none). */
const char	*receiver_previous(const struct receiver *);

#endif
