/*
 * Health and metrics over HTTP (libevent's evhttp): GET /healthz and
 * GET /metrics in the Prometheus text format. The daemon increments the
 * counters in struct metrics; gauges are asked for at scrape time.
 */
#ifndef REFUGE_METRICS_H
#define REFUGE_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "evtype.h"

struct event_base;
struct evbuffer;
struct metrics_server;

#define METRICS_BUCKETS	12

struct metrics_histogram {
	const double	*bounds;		/* METRICS_BUCKETS upper bounds, seconds */
	uint64_t	 buckets[METRICS_BUCKETS];	/* not cumulative */
	uint64_t	 count;			/* includes those above the last bound */
	double		 sum;			/* seconds */
};

enum metrics_refusal {
	METRICS_REFUSED_NO_CERTIFICATE,
	METRICS_REFUSED_VERIFY,		/* chain, expiry, revocation */
	METRICS_REFUSED_HANDSHAKE,	/* any other TLS failure */
	METRICS_REFUSED_TIMEOUT,	/* no handshake or HELLO in time */
	METRICS_REFUSED_DENIED,		/* HELLO refused */
	METRICS_REFUSED_LIMIT,		/* per-address or total limit */
	METRICS_REFUSAL_COUNT
};

/* Counters and histograms, owned by the daemon, zeroed by metrics_init. */
struct metrics {
	int64_t				start_time_ms;
	uint64_t			handshakes_ok;
	uint64_t			refused[METRICS_REFUSAL_COUNT];
	uint64_t			accept_paused;	/* at limits.handshakes */
	uint64_t			events[EVTYPE_COUNT];	/* stored, not duplicates */
	uint64_t			duplicates;
	uint64_t			commits;
	uint64_t			commit_errors;
	uint64_t			events_shed;	/* overload: not acknowledged */
	uint64_t			escalations;
	uint64_t			reloads_ok;
	uint64_t			reloads_failed;
	uint64_t			operator_logins;
	uint64_t			operator_login_failures;
	/* SIA DC-09 frames by reply: ACK (or *ACK), NAK, DUH, none (dropped) */
	uint64_t			dc09_frames[4];
	struct metrics_histogram	ack_latency;	/* line read -> ACK queued */
	struct metrics_histogram	commit_latency;	/* BEGIN -> COMMIT returned */
	struct metrics_histogram	time_to_claim;
};

/* What the daemon reports at scrape time. */
struct metrics_gauges {
	size_t	units_registered;
	size_t	units_online;
	size_t	units_offline;
	size_t	unit_connections;		/* welcomed (past HELLO) */
	size_t	handshakes_in_progress;		/* unit TLS handshake or HELLO pending */
	size_t	operator_connections;
	size_t	operator_sessions;		/* logged in */
	size_t	operators_connected;		/* logged in, link up: 0 escalates at once */
	size_t	store_ok;			/* 1: the last write succeeded */
	size_t	clock_synced;			/* 1: NTP-synchronised (adjtimex) */
	size_t	receiver_active;		/* 1: active (or alone), 0: standby */
	size_t	alarms_open[10][3];		/* [priority 0-9][queued, claimed, -] */
};

typedef void		metrics_gauges_fn(struct metrics_gauges *, void *arg);
/*
 * The /healthz answer: its body (lines ending in '\n'), and *ok 1 for 200,
 * 0 for 503.
 */
typedef const char	*metrics_health_fn(void *arg, int *ok);

void	metrics_init(struct metrics *, int64_t start_time_ms);
void	metrics_observe(struct metrics_histogram *, double seconds);
/* An empty histogram with the latency (ms to s) or time-to-claim (s to min) buckets. */
void	metrics_histogram_latency(struct metrics_histogram *);
void	metrics_histogram_claim(struct metrics_histogram *);
/* Appends the Prometheus text exposition to out. Returns 0 or -1. */
int	metrics_render(const struct metrics *, const struct metrics_gauges *,
	    struct evbuffer *out);
const char *metrics_refusal_name(enum metrics_refusal);

/* Serves /healthz and /metrics on hostport. NULL with err set. */
struct metrics_server	*metrics_server_new(struct event_base *,
			    const char *hostport, const struct metrics *,
			    metrics_gauges_fn *, metrics_health_fn *, void *arg,
			    char *err, size_t errlen);
/* The bound address as "host:port". */
void			 metrics_server_address(struct metrics_server *,
			    char *buf, size_t buflen);
void			 metrics_server_free(struct metrics_server *);

#endif
