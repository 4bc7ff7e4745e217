/*
 * refuge-sim --dc09: SIA DC-09 panels. sim_dc09.c (options, frames, by
 * hand), sim_dc09_load.c (many panels over TCP or UDP, the report).
 */
#ifndef REFUGE_SIM_DC09_H
#define REFUGE_SIM_DC09_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "sim_stats.h"

struct registry;
struct registry_unit;

struct sim_dc09_options {
	const char	*target;		/* -H host:port (listen.dc09) */
	const char	*registry;		/* --registry units.yaml */
	const char	*account;		/* --account: by hand */
	size_t		 count;			/* --count panels (0: all) */
	double		 press_rate;		/* --press-rate: panics a second, all */
	double		 test_rate;		/* --test-rate: RP frames a second, all */
	int64_t		 poll_ms;		/* --poll: NULL each panel, 0: none */
	int64_t		 duration_ms;		/* --duration, 0: until a signal */
	int		 udp;			/* --udp (default --tcp) */
	int		 encrypt;		/* --encrypt */
	int		 one_shot;		/* --one-shot: a connection a frame */
	int		 json;
};

struct sim_dc09_counters {
	uint64_t	sent, acked, naks, duhs, timeouts, errors;
	uint64_t	presses, tests, polls;
};

/* Builds a frame for unit u's account: token "SIA-DCS", "ADM-CID", "NULL". */
int	sim_dc09_frame(char *buf, size_t len, const struct registry_unit *u,
	    int encrypt, const char *token, unsigned seq, const char *data,
	    uint64_t nonce);
/* The reply's token: "ACK", "*ACK", "NAK", "DUH", or NULL when it is none. */
const char *sim_dc09_reply_token(const char *content, size_t len);

/* sim_dc09_load.c: runs the panels; returns the exit status. */
int	sim_dc09_load(const struct sim_dc09_options *, const struct registry *,
	    const struct sockaddr *, socklen_t);

/* sim_dc09.c: refuge-sim --dc09 ...; returns the exit status. */
int	sim_dc09_main(int argc, char **argv);

#endif
