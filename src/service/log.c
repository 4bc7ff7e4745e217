/* Logging to stderr, one line per message. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "refuge/log.h"

static const char		*log_progname = "refuge";
static enum config_log_level	 log_level = CONFIG_LOG_INFO;
static int			 log_journald;
static int			 log_stamps;
static log_clock_fn		*log_clock;

static void	log_write(enum config_log_level, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

void
log_init(const char *progname, enum config_log_level level, int journald)
{
	log_progname = progname;
	log_level = level;
	log_journald = journald;
}

void
log_set_level(enum config_log_level level)
{
	log_level = level;
}

void
log_set_timestamps(int on)
{
	log_stamps = on;
}

/* "2026-12-02T10:15:18.123+00:00 " in local time; "" when it cannot be had. */
static void
log_stamp(char *buf, size_t len)
{
	struct timespec	ts;
	struct tm	tm;
	char		zone[8];
	size_t		n;

	buf[0] = '\0';
	if (clock_gettime(CLOCK_REALTIME, &ts) == -1 ||
	    localtime_r(&ts.tv_sec, &tm) == NULL ||
	    (n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm)) == 0 ||
	    strftime(zone, sizeof(zone), "%z", &tm) != 5) {
		buf[0] = '\0';
		return;
	}
	snprintf(buf + n, len - n, ".%03ld%.3s:%.2s ", ts.tv_nsec / 1000000L,
	    zone, zone + 3);
}

static void
log_vwrite(enum config_log_level level, const char *errtext, const char *fmt,
    va_list ap)
{
	/* syslog priorities: err 3, warning 4, info 6, debug 7 */
	static const int	 priority[] = { 3, 4, 6, 7 };
	static const char	*label[] = { "ERROR: ", "warning: ", "", "debug: " };
	char			 text[2048], stamp[48] = "";

	if (level > log_level)
		return;
	vsnprintf(text, sizeof(text), fmt, ap);
	if (log_journald)
		fprintf(stderr, "<%d>%s%s%s\n", priority[level], text,
		    errtext ? ": " : "", errtext ? errtext : "");
	else {
		if (log_stamps)
			log_stamp(stamp, sizeof(stamp));
		fprintf(stderr, "%s%s: %s%s%s%s\n", stamp, log_progname,
		    label[level], text, errtext ? ": " : "",
		    errtext ? errtext : "");
	}
}

void
log_warn(const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;

	va_start(ap, fmt);
	log_vwrite(CONFIG_LOG_WARNING, strerror(saved), fmt, ap);
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(CONFIG_LOG_WARNING, NULL, fmt, ap);
	va_end(ap);
}

void
log_error(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(CONFIG_LOG_ERROR, NULL, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(CONFIG_LOG_INFO, NULL, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(CONFIG_LOG_DEBUG, NULL, fmt, ap);
	va_end(ap);
}

static int64_t
log_mono_ms(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return 0;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
log_set_clock(log_clock_fn *fn)
{
	log_clock = fn;
}

static void
log_write(enum config_log_level level, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(level, NULL, fmt, ap);
	va_end(ap);
}

void
log_limit_flush(struct log_limit *l)
{
	int	saved = errno;

	if (l->suppressed > 0)
		log_write(l->level, "%llu more \"%s\" lines suppressed",
		    (unsigned long long)l->suppressed, l->name);
	l->suppressed = 0;
	errno = saved;
}

static int64_t
log_now(void)
{
	return log_clock != NULL ? log_clock() : log_mono_ms();
}

int
log_limit_tick(struct log_limit *l)
{
	int64_t	now;

	if (l->suppressed == 0)
		return 0;
	now = log_now();
	if (now < l->window_start ||
	    now - l->window_start >= (int64_t)l->window_ms) {
		log_limit_flush(l);
		return 0;
	}
	return 1;
}

/*
 * A fixed window per limiter: cheap, and its summary says exactly how many
 * lines a window lost. The summary of a window that has passed comes before
 * the next line written, so the log stays in order.
 */
void
log_ratelimited(struct log_limit *l, enum config_log_level level,
    const char *fmt, ...)
{
	va_list	ap;
	int64_t	now;
	int	saved = errno;

	if (level > log_level)
		return;
	now = log_now();
	if (!l->started || now < l->window_start ||
	    now - l->window_start >= (int64_t)l->window_ms) {
		log_limit_flush(l);
		l->started = 1;
		l->window_start = now;
		l->count = 0;
	}
	if (l->count >= l->burst) {
		l->suppressed++;
		l->level = level;
		errno = saved;
		return;
	}
	l->count++;
	va_start(ap, fmt);
	log_vwrite(level, NULL, fmt, ap);
	va_end(ap);
	errno = saved;
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(CONFIG_LOG_ERROR, NULL, fmt, ap);
	va_end(ap);
	exit(1);
}
