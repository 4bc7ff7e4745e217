/* The clocks, read in one place. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/timex.h>
#include <time.h>
#include <unistd.h>

#include "refuge/config.h"
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

int
timenow_set_zone(const char *zone, char *why, size_t whylen)
{
	char		path[128];
	struct stat	st;

	if (zone == NULL) {
		tzset();
		return 0;
	}
	if (config_zone_valid(zone) == -1) {
		snprintf(why, whylen, "bad time zone name '%.64s'", zone);
		return -1;
	}
	/* tzset() would quietly fall back to UTC for a zone it cannot find. */
	snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", zone);
	if (strcmp(zone, "UTC") != 0 && stat(path, &st) == -1) {
		snprintf(why, whylen, "unknown time zone '%s' (%s: %s)", zone,
		    path, strerror(errno));
		return -1;
	}
	if (setenv("TZ", zone, 1) == -1) {
		snprintf(why, whylen, "setenv TZ: %s", strerror(errno));
		return -1;
	}
	tzset();
	return 0;
}

const char *
timenow_zone_name(void)
{
	const char	*tz = getenv("TZ");
	static char	 name[128];
	ssize_t		 n;
	const char	*p;

	if (tz != NULL && *tz != '\0')
		return tz[0] == ':' ? tz + 1 : tz;
	/* The system's zone is the one /etc/localtime links to. */
	if ((n = readlink("/etc/localtime", name, sizeof(name) - 1)) > 0) {
		name[n] = '\0';
		if ((p = strstr(name, "zoneinfo/")) != NULL)
			return p + strlen("zoneinfo/");
	}
	return "UTC";
}
