/* Logging to stderr, one line per message. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refuge/log.h"

static const char		*log_progname = "refuge";
static enum config_log_level	 log_level = CONFIG_LOG_INFO;
static int			 log_journald;

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

static void
log_vwrite(enum config_log_level level, const char *errtext, const char *fmt,
    va_list ap)
{
	/* syslog priorities: err 3, warning 4, info 6, debug 7 */
	static const int	 priority[] = { 3, 4, 6, 7 };
	static const char	*label[] = { "ERROR: ", "warning: ", "", "debug: " };
	char			 text[2048];

	if (level > log_level)
		return;
	vsnprintf(text, sizeof(text), fmt, ap);
	if (log_journald)
		fprintf(stderr, "<%d>%s%s%s\n", priority[level], text,
		    errtext ? ": " : "", errtext ? errtext : "");
	else
		fprintf(stderr, "%s: %s%s%s%s\n", log_progname, label[level],
		    text, errtext ? ": " : "", errtext ? errtext : "");
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

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(CONFIG_LOG_ERROR, NULL, fmt, ap);
	va_end(ap);
	exit(1);
}
