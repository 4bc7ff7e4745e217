/* Logging to stderr; with "<N>" priority prefixes (journald style) under systemd. */
#ifndef REFUGE_LOG_H
#define REFUGE_LOG_H

#include <stdint.h>

#include "config.h"

/* Defaults for a rate-limited kind of line: 10 a second, then a count. */
#define LOG_LIMIT_BURST		10
#define LOG_LIMIT_WINDOW_MS	1000

/*
 * One kind of line that an attacker or a full disk can repeat thousands of
 * times a second. The caller owns it (usually static or in its module's
 * struct) and sets the first three fields; the rest start at zero. At most
 * burst lines are written per window; the others are counted and reported
 * as one line, '<N> more "<name>" lines suppressed', before the next line
 * written or by log_limit_tick() or log_limit_flush().
 */
struct log_limit {
	const char		*name;		/* in the summary, e.g. "units: refused" */
	unsigned		 burst;		/* lines per window */
	unsigned		 window_ms;
	/* Bookkeeping. */
	int64_t			 window_start;	/* ms on the log clock */
	unsigned		 count;		/* written in this window */
	uint64_t		 suppressed;	/* not written, not yet reported */
	enum config_log_level	 level;		/* of the lines counted */
	int			 started;
};

#define LOG_LIMIT_INIT(name, burst, window_ms) \
	{ (name), (burst), (window_ms), 0, 0, 0, CONFIG_LOG_WARNING, 0 }
#define LOG_LIMIT_DEFAULT(name) \
	LOG_LIMIT_INIT(name, LOG_LIMIT_BURST, LOG_LIMIT_WINDOW_MS)

/* Milliseconds on a clock that never goes back (tests inject their own). */
typedef int64_t	log_clock_fn(void);

void	log_init(const char *progname, enum config_log_level, int journald);
void	log_set_level(enum config_log_level);
/* Each line begins with the local time (journald stamps its own lines). */
void	log_set_timestamps(int);
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_error(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
/* Like the above at the given level, within the limiter's rate. */
void	log_ratelimited(struct log_limit *, enum config_log_level,
	    const char *, ...) __attribute__((format(printf, 3, 4)));
/* Writes the pending summary, if any (at shutdown, say). */
void	log_limit_flush(struct log_limit *);
/*
 * Writes the pending summary once the window it belongs to has passed, so
 * a summary comes even when no more lines do: call it from a timer while
 * it returns 1 (a summary still pending).
 */
int	log_limit_tick(struct log_limit *);
/* NULL restores CLOCK_MONOTONIC. */
void	log_set_clock(log_clock_fn *);
/* Start-up only: logs and exits 1. */
void	fatalx(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
