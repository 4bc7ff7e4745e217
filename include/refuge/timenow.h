/* The clocks: wall time for records and displays, monotonic time for timers and latencies. */
#ifndef REFUGE_TIMENOW_H
#define REFUGE_TIMENOW_H

#include <stdint.h>

int64_t	timenow_wall_ms(void);	/* CLOCK_REALTIME, unix milliseconds */
int64_t	timenow_mono_ms(void);	/* CLOCK_MONOTONIC */
int64_t	timenow_mono_us(void);

#endif
