/* The clocks, read in one place. */
#include <string.h>
#include <sys/timex.h>
#include <time.h>

#include "refuge/timenow.h"

static int64_t
timenow_read(clockid_t id, int64_t per_second)
{
	struct timespec	ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * per_second +
	    ts.tv_nsec / (1000000000 / per_second);
}

int64_t
timenow_wall_ms(void)
{
	return timenow_read(CLOCK_REALTIME, 1000);
}

int64_t
timenow_mono_ms(void)
{
	return timenow_read(CLOCK_MONOTONIC, 1000);
}

int64_t
timenow_mono_us(void)
{
	return timenow_read(CLOCK_MONOTONIC, 1000000);
}

struct timeval
timenow_tv(int64_t ms)
{
	struct timeval	tv;

	if (ms < 0)
		ms = 0;
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)((ms % 1000) * 1000);
	return tv;
}

/* Read-only adjtimex (modes 0): needs no privilege, only the system call. */
int
timenow_clock_synced(void)
{
	struct timex	tx;
	int		state;

	memset(&tx, 0, sizeof(tx));
	if ((state = adjtimex(&tx)) == -1)
		return -1;
	return state != TIME_ERROR && !(tx.status & STA_UNSYNC);
}
