/* The clocks: wall time for records and displays, monotonic time for timers and latencies. */
#ifndef REFUGE_TIMENOW_H
#define REFUGE_TIMENOW_H

#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

int64_t	timenow_wall_ms(void);	/* CLOCK_REALTIME, unix milliseconds */
int64_t	timenow_mono_ms(void);	/* CLOCK_MONOTONIC */
int64_t	timenow_mono_us(void);
/* A delay in milliseconds as libevent wants it; a negative one is 0. */
struct timeval	timenow_tv(int64_t ms);
/* 1 when the kernel says the clock is NTP-synchronised, 0 when not, -1 unknown. */
int		timenow_clock_synced(void);
/*
 * Local time (when.h) follows zone, an IANA name (refuge.yaml's timezone:);
 * NULL keeps the system's. Returns 0, or -1 with the reason in why when the
 * system has no such zone. Call at start-up, before any thread.
 */
int		timenow_set_zone(const char *zone, char *why, size_t whylen);
/* The zone local times are in ("Europe/London"), for LOGIN's tz= and reports. */
const char	*timenow_zone_name(void);

#endif
