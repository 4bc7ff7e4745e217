/* Logging to stderr; with "<N>" priority prefixes (journald style) under systemd. */
#ifndef REFUGE_LOG_H
#define REFUGE_LOG_H

#include "config.h"

void	log_init(const char *progname, enum config_log_level, int journald);
void	log_set_level(enum config_log_level);
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_error(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
/* Start-up only: logs and exits 1. */
void	fatalx(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
