/*
 * Help Points on our TLS line protocol: the first kind of unit link. Owns
 * the unit listener and every session on it; a session becomes its unit's
 * link once HELLO checks out.
 */
#ifndef REFUGE_UNIT_H
#define REFUGE_UNIT_H

#include <stddef.h>
#include <stdint.h>

#include "metrics.h"

struct command;
struct event_base;
struct ingest;
struct receiver;
struct refuge_config;
struct supervise;
struct tlsctx;
struct unit_links;
struct units;

/* What the unit links count, for /metrics. */
struct unit_counters {
	uint64_t	handshakes_ok;
	uint64_t	refused[METRICS_REFUSAL_COUNT];
	uint64_t	accept_paused;	/* by the handshake cap */
};

/* Listens on listen.units. NULL with err set. */
struct unit_links	*unit_links_new(struct event_base *,
			    const struct refuge_config *, struct tlsctx *,
			    struct units *, struct ingest *,
			    struct supervise *, struct command *,
			    char *err, size_t errlen);
void			 unit_links_free(struct unit_links *);
/* After a reload: new settings, certificates and unit table. */
void			 unit_links_reconfigure(struct unit_links *,
			    const struct refuge_config *, struct tlsctx *,
			    struct units *);
/* Stops accepting (shutdown). */
/*
 * The receiver pair's role (NULL: always active). While it is standby a
 * HELLO is answered DENIED standby active=<host:port>; a WELCOME carries
 * alt= when there are other receivers.
 */
void			 unit_links_set_receiver(struct unit_links *,
			    const struct receiver *);
void			 unit_links_disable(struct unit_links *);
/* Closes every session, greeted or not (shutdown). */
void			 unit_links_close_all(struct unit_links *);
void			 unit_links_address(struct unit_links *, char *buf,
			    size_t buflen);
/* Every open connection, greeted or not, closing or not. */
int			 unit_links_open_count(const struct unit_links *);
/* Sessions past HELLO (WELCOME sent). */
int			 unit_links_welcomed_count(const struct unit_links *);
/* Connections in their TLS handshake or before HELLO (limits.handshakes). */
int			 unit_links_handshake_count(const struct unit_links *);
/* Writes the summaries of rate-limited lines due (flush: all, at the end). */
void			 unit_links_log_tick(struct unit_links *, int flush);
/* Counters, with the listener's limit refusals folded in. */
void			 unit_links_counters(const struct unit_links *,
			    struct unit_counters *);

#endif
