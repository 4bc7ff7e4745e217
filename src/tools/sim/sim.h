/*
 * refuge-sim: the Help Point simulator and load generator.
 * sim.c (set-up, generators, reporting), sim_opts.c (command line),
 * sim_unit.c (one unit's link state machine), sim_tls.c (unit identities),
 * sim_tty.c (interactive mode), sim_phase.c (storm, avalanche, probes and
 * presses for the benchmarks) and sim_stats.c (latency histogram; pure).
 */
#ifndef REFUGE_SIM_H
#define REFUGE_SIM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include <openssl/ssl.h>

#include "refuge/evtype.h"
#include "refuge/uproto.h"
#include "refuge/uproto_client.h"
#include "sim_stats.h"

struct event;
struct event_base;
struct conn;

/* ---- the simulator */

enum sim_identity {
	SIM_IDENTITY_OWN,	/* DIR/<id>.crt and .key per unit */
	SIM_IDENTITY_SHARED,	/* one certificate for all (--insecure-shared-cert) */
	SIM_IDENTITY_ISSUED	/* minted at connect with --issuer-cert/--issuer-key */
};

struct sim_options {
	const char	*target;		/* -H host:port[,...] */
	struct uproto_client_rx rx;		/* -H's receivers */
	const char	*units_dir;		/* --units */
	const char	*ca;			/* --ca, or NULL: no verification */
	const char	*issuer_cert;
	const char	*issuer_key;
	const char	*id_format;		/* "HP-%06d" */
	const char	*source_addrs;
	const char	*interactive_unit;	/* --unit */
	enum sim_identity identity;
	size_t		 count;			/* 0: every pair in DIR */
	int64_t		 hb_ms;			/* 0: WELCOME's interval */
	int64_t		 duration_ms;		/* 0: until a signal */
	int64_t		 drain_ms;		/* waiting for ACKs at the end */
	int64_t		 retry_ms;		/* resend an unacknowledged event */
	int64_t		 report_ms;
	double		 rates[EVTYPE_COUNT];	/* events per second, all units */
	double		 connect_rate;
	int		 even;			/* even spacing instead of Poisson */
	int		 json;
	int		 verbose;
	int		 count_given;
	struct sockaddr_storage *from;		/* --source-addrs */
	size_t		 from_count;
	/* sim_phase.c: the benchmark scenarios. */
	unsigned	 first;			/* --first: number of the first id */
	int		 storm;			/* --storm: all connect at once */
	size_t		 probes;		/* --probes: units timing HBACKs */
	int64_t		 probe_ms;		/* --probe-interval */
	int64_t		 press_every_ms;	/* --press-every: unit 1's BUTTONs */
	int		 avalanche;		/* --avalanche given */
	enum evtype	 avalanche_type;
	int64_t		 window_ms;		/* --window */
	unsigned	 repeat;		/* --repeat: avalanches */
	int64_t		 gap_ms;		/* --gap: between avalanches */
};

struct sim_counters {
	uint64_t	connected;	/* units with a welcomed link now */
	uint64_t	connecting;	/* TCP, TLS or HELLO in progress */
	uint64_t	handshakes;	/* links welcomed, ever */
	uint64_t	reconnects;	/* connection attempts after a unit's first */
	uint64_t	disconnects;	/* welcomed links lost */
	uint64_t	connect_failures;
	uint64_t	generated;	/* events made */
	uint64_t	sent;		/* events on the wire at least once */
	uint64_t	acked;
	uint64_t	retransmits;
	uint64_t	pending;	/* made, not yet acknowledged or refused */
	uint64_t	dropped;	/* a unit's queue was full */
	uint64_t	naks;
	uint64_t	errors;		/* ERR lines, overlong lines */
	uint64_t	denied;
	uint64_t	redirects;	/* DENIED standby followed at once */
	uint64_t	commands;
	uint64_t	heartbeats;
};

struct sim_unit;

/* A receiver of the list, resolved when a unit first goes there. */
struct sim_receiver {
	struct sockaddr_storage	 to;
	socklen_t		 tolen;
	char			 host[256];	/* the server name */
	int			 resolved;
};

struct sim {
	struct event_base	*base;
	const struct sim_options *opt;
	SSL_CTX			*ctx;
	/* -H's receivers, then those WELCOME alt= and DENIED standby named. */
	struct uproto_client_rx	 rx;
	struct sim_receiver	 receivers[UPROTO_CLIENT_RX_MAX];
	struct sockaddr_storage	*from;		/* source addresses, or NULL */
	size_t			 from_count;
	struct sim_unit		*units;
	size_t			 unit_count;
	/* Identities (sim_tls.c). */
	X509			*shared_cert;	/* SHARED, or the issuer in ISSUED */
	EVP_PKEY		*shared_key;	/* SHARED and ISSUED: every unit's key */
	X509			*issuer_cert;
	EVP_PKEY		*issuer_key;
	int			 ex_index;
	/* Connection ramp: units waiting to connect, in order. */
	struct sim_unit		*queue_head;
	struct sim_unit		*queue_tail;
	struct event		*ramp;
	double			 tokens;
	int64_t			 ramp_last_us;
	int64_t			 boot_ms;	/* wall clock at start, in event ids */
	int			 draining;	/* no new events; waiting for ACKs */
	int			 stopping;	/* no new connections either */
	int64_t			 last_rx_us;	/* last line from the receiver */
	int			 interactive;
	struct sim_counters	 c;
	struct sim_stats	 latency;	/* ACK latency in microseconds */
	uint64_t		 rng;
};

enum sim_unit_state {
	SIM_UNIT_IDLE,		/* backing off, or stopped */
	SIM_UNIT_QUEUED,	/* waiting for the ramp */
	SIM_UNIT_CONNECTING,	/* TCP and TLS */
	SIM_UNIT_GREETING,	/* HELLO sent, waiting for WELCOME */
	SIM_UNIT_ACTIVE
};

struct sim_event;
struct sim_cmd;

struct sim_unit {
	struct sim		*sim;
	struct conn		*conn;
	struct event		*timer;		/* back-off, handshake, heartbeat */
	struct sim_unit		*queue_next;
	struct sim_event	*pending;	/* oldest first */
	struct sim_event	**pending_tail;
	struct sim_cmd		*cmds;
	enum sim_unit_state	 state;
	uint32_t		 index;
	uint32_t		 backoff_ms;
	uint32_t		 pending_count;
	uint32_t		 attempts;
	uint64_t		 seq;
	uint64_t		 hb;
	int64_t			 hb_ms;
	int64_t			 next_hb_us;
	int64_t			 retry_ms;	/* WELCOME retry=; 0: --retry */
	struct uproto_client_rx_pos rx_pos;	/* its receiver in sim->rx */
	/* What the operator made the unit do. */
	char			 light[8];
	int			 camera_preset;	/* -1: home */
	char			*audio_uri;	/* NULL: closed */
	char			 id[65];
};

/* sim.c */
/* Uniform in [0, 1). */
double	sim_random(struct sim *);
/* Stops making events, waits for what is pending (up to --drain), then exits. */
void	sim_finish(struct sim *);
/* A line about one unit: on stdout in interactive mode, else a debug log. */
void	sim_note(struct sim_unit *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

/* Receiver i of sim->rx, resolved the first time (blocking); NULL with err. */
const struct sim_receiver *sim_receiver(struct sim *, size_t i, char *err,
	    size_t errlen);

/* sim_opts.c: exits 2 on a usage error, 1 on another start-up failure. */
void	sim_opts_parse(int argc, char **argv, struct sim_options *);
/* The unit ids to run (strings the caller frees); for --insecure-shared-cert also the pair to use. */
char	**sim_opts_units(struct sim *, struct sim_options *, char **shared_id);

/* sim_unit.c */
int	sim_unit_init(struct sim *, struct sim_unit *, uint32_t index,
	    const char *id);
void	sim_unit_free(struct sim_unit *);
/* Queues the unit for the connection ramp. */
void	sim_unit_start(struct sim_unit *);
/* Makes an event and sends it when the link is up. Returns 0 or -1 (queue full). */
int	sim_unit_event(struct sim_unit *, enum evtype);
/* Closes the link without reconnecting. */
void	sim_unit_stop(struct sim_unit *);
int	sim_ramp_init(struct sim *);
void	sim_ramp_free(struct sim *);

/* sim_tls.c */
int	sim_tls_init(struct sim *, const char *shared_id, char *err,
	    size_t errlen);
void	sim_tls_free(struct sim *);
/* Binds a new connection's TLS object to its unit, for the certificate callback. */
int	sim_tls_attach(struct sim *, SSL *, struct sim_unit *);
/* Checks that the unit's own certificate and key can be loaded. */
int	sim_tls_check_unit(struct sim *, const char *id, char *err,
	    size_t errlen);

/* sim_unit.c: sends HB now, outside the unit's rhythm; returns its counter, 0 if not connected. */
uint64_t	sim_unit_hb_now(struct sim_unit *);
int	sim_unit_is_active(const struct sim_unit *);

/* sim_phase.c: storm, avalanche, probes and presses (see refuge-sim(1)). */
/* Starts the units: probes first in a storm, else all through the ramp. */
int	sim_phase_start(struct sim *);
void	sim_phase_free(void);
/* Hooks from sim_unit.c. */
void	sim_phase_welcomed(struct sim_unit *);
void	sim_phase_hback(struct sim_unit *, const char *counter);
/* An ACK (latency_us >= 0) or a NAK (-1) of one of the unit's events. */
void	sim_phase_answered(struct sim_unit *, enum evtype, int64_t latency_us);
/* From the periodic tick: notices links lost after all were welcomed. */
void	sim_phase_tick(struct sim *);
/* Appends the scenario's figures: JSON members (", \"storm_s\": ...") or lines. */
void	sim_phase_report(struct sim *, FILE *, int json);

/* sim_tty.c */
/* "light: FLASH  camera: preset 2  audio: open sip:..." */
void	sim_unit_describe(const struct sim_unit *, char *, size_t);
int	sim_tty_start(struct sim *, struct sim_unit *);
/* 1 once the user quit and nothing is left to wait for. */
int	sim_tty_done(struct sim *);
void	sim_tty_stop(void);

#endif
