/*
 * What dc09_link.c (sockets and frames) and dc09_account.c (the accounts'
 * links, ACKs after commit, supervision) share. Not for other modules.
 */
#ifndef REFUGE_DC09_INTERNAL_H
#define REFUGE_DC09_INTERNAL_H

#include <sys/queue.h>
#include <sys/socket.h>

#include "refuge/dc09.h"
#include "refuge/dc09_link.h"
#include "refuge/link.h"
#include "refuge/listener.h"
#include "refuge/log.h"

struct dc09_stream;
struct dc09_dgram;
struct event;
struct unit_record;
struct registry_unit;

/* Frames older than this with the same account, seq and data are new ones. */
#define DC09_DEDUPE_MS		(10 * 60 * 1000LL)
#define DC09_RECENT		64	/* frame ids an account remembers */
#define DC09_EVENT_ID_LEN	72
/* A frame not ACKed by then will not be (the store failed): forget it. */
#define DC09_PENDING_MS		(60 * 1000LL)

struct dc09_session;

/* Where a frame came from, and where its reply goes. */
struct dc09_origin {
	struct dc09_session	*stream;	/* TCP; NULL once it closed */
	int			 udp;
	struct sockaddr_storage	 sa;
	socklen_t		 salen;
	size_t			 dgram_len;	/* the reply may be 4x this */
	char			 peer[LISTENER_PEER_LEN];
};

/* A frame whose events are queued: its ACK goes out when all are stored. */
struct dc09_pending {
	TAILQ_ENTRY(dc09_pending)	 entry;
	struct dc09_origin		 origin;
	struct dc09_frame		 frame;	/* the fields the ACK echoes */
	char				 base[DC09_EVENT_ID_LEN];	/* event id before ":<i>" */
	int				 remaining;
	uint32_t			 acked;	/* bit i: event ":<i>" stored */
	int64_t				 queued_mono_ms;
};

struct dc09_recent {
	char	 base[DC09_EVENT_ID_LEN];
	int64_t	 first_ms;	/* wall clock */
};

/* One account: a unit link of kind "dc09". */
struct dc09_account {
	struct link			 link;	/* first: link.unit while attached */
	struct dc09_links		*owner;
	const struct registry_unit	*reg;
	struct unit_record		*record;
	struct event			*timer;	/* supervision and path checks */
	int64_t				 heard_mono_ms;
	int64_t				 tls_heard_mono_ms;	/* the unit's TLS link */
	int				 heard;	/* a frame since start */
	int				 fault_dc09, fault_tls;	/* PATH_FAULT open */
	TAILQ_HEAD(, dc09_pending)	 pending;
	struct dc09_recent		 recent[DC09_RECENT];
	size_t				 recent_next;
	char				 peer[LISTENER_PEER_LEN];
};

/* A TCP connection from a panel: frames for any account may arrive on it. */
struct dc09_session {
	struct dc09_links		*owner;
	struct dc09_stream		*stream;
	struct dc09_framer		 framer;
	int				 pending;	/* frames awaiting their ACK */
	LIST_ENTRY(dc09_session)	 entry;
	char				 peer[LISTENER_PEER_LEN];
};

struct dc09_links {
	struct event_base		*base;
	const struct refuge_config	*config;
	const struct registry		*registry;
	struct units			*units;
	struct ingest			*ingest;
	struct supervise		*supervise;
	const struct receiver		*receiver;	/* NULL: always active */
	struct listener			*listener;
	struct dc09_dgram		*udp;
	struct dc09_account		**accounts;	/* sorted by account */
	size_t				 account_count;
	LIST_HEAD(, dc09_session)	 sessions;
	struct dc09_counters		 counters;
	uint32_t			 nonce;
	struct log_limit		 dropped_log;
	struct log_limit		 nak_log;
};

/* dc09_account.c */
int			 dc09_accounts_build(struct dc09_links *);
void			 dc09_accounts_free(struct dc09_links *);
struct dc09_account	*dc09_account_find(struct dc09_links *, const char *acct);
/* A good frame was heard: attach, restart supervision, restore paths. */
void			 dc09_account_heard(struct dc09_account *,
			    const struct dc09_origin *);
/* The stream is gone: its frames' ACKs have nowhere to go. */
void			 dc09_accounts_forget_stream(struct dc09_links *,
			    struct dc09_session *);
/* The event id base of a frame, fresh past DC09_DEDUPE_MS. */
void			 dc09_account_event_base(struct dc09_account *,
			    const struct dc09_frame *, const struct dc09_body *,
			    char base[DC09_EVENT_ID_LEN]);

/* dc09_link.c */
void			 dc09_reply(struct dc09_links *, const struct dc09_origin *,
			    const char *buf, int len);

#endif
