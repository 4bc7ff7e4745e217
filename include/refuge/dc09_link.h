/*
 * SIA DC-09 panels: the second kind of unit link (link.h). Owns the DC-09
 * listener (TCP and UDP on listen.dc09's port) and one link per account;
 * an account's link is attached to its unit while the account is heard
 * within its supervision interval. refuge-dc09(7) is the reference.
 */
#ifndef REFUGE_DC09_LINK_H
#define REFUGE_DC09_LINK_H

#include <stddef.h>
#include <stdint.h>

struct dc09_links;
struct receiver;
struct event_base;
struct ingest;
struct refuge_config;
struct registry;
struct supervise;
struct units;

/* What the DC-09 receiver counts, for logs and tests. */
struct dc09_counters {
	uint64_t	frames;		/* parsed and answered */
	uint64_t	dropped;	/* bad CRC, length, form, overlong: no reply */
	uint64_t	naks;
	uint64_t	duhs;
	uint64_t	acks;
	uint64_t	events;		/* queued for the store */
};

/* Listens on config->listen_dc09 (which must be set). NULL with err. */
struct dc09_links	*dc09_links_new(struct event_base *,
			    const struct refuge_config *, const struct registry *,
			    struct units *, struct ingest *, struct supervise *,
			    char *err, size_t errlen);
void			 dc09_links_free(struct dc09_links *);
/* After a reload: new settings, accounts and unit table. */
void			 dc09_links_reconfigure(struct dc09_links *,
			    const struct refuge_config *, const struct registry *,
			    struct units *);
/* The pair's role (NULL: always active): a standby answers no frame. */
void			 dc09_links_set_receiver(struct dc09_links *,
			    const struct receiver *);
/* Closes every stream and detaches every account (shutdown). */
void			 dc09_links_close_all(struct dc09_links *);
void			 dc09_links_address(struct dc09_links *, char *buf,
			    size_t buflen);
const struct dc09_counters *dc09_links_counters(const struct dc09_links *);

#endif
