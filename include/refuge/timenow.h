/* The clocks: wall time for records and displays, monotonic time for timers and latencies. */
#ifndef REFUGE_TIMENOW_H
#define REFUGE_TIMENOW_H

#include <stdint.h>
#include <sys/time.h>

int64_t	timenow_wall_ms(void);	/* CLOCK_REALTIME, unix milliseconds */
int64_t	timenow_mono_ms(void);	/* CLOCK_MONOTONIC */
int64_t	timenow_mono_us(void);
/* A delay in milliseconds as libevent wants it; a negative one is 0. */
struct timeval	timenow_tv(int64_t ms);
/* 1 when the kernel says the clock is NTP-synchronised, 0 when not, -1 unknown. */
int		timenow_clock_synced(void);

#endif
