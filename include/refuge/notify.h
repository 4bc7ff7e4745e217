/*
 * The systemd notify protocol: datagrams to $NOTIFY_SOCKET (a path, or an
 * abstract socket when it starts with '@'). Without NOTIFY_SOCKET every call
 * does nothing and succeeds.
 */
#ifndef REFUGE_NOTIFY_H
#define REFUGE_NOTIFY_H

#include <stddef.h>
#include <stdint.h>

struct notify;

/* NULL with err set only when NOTIFY_SOCKET is set but unusable. */
struct notify	*notify_open(char *err, size_t errlen);
void		 notify_close(struct notify *);
/* Sends one datagram such as "READY=1\nSTATUS=...". Returns 0 or -1. */
int		 notify_send(struct notify *, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
/* The watchdog interval from WATCHDOG_USEC (if WATCHDOG_PID is ours or unset); 0: none. */
uint64_t	 notify_watchdog_usec(void);
/* CLOCK_MONOTONIC in microseconds, for MONOTONIC_USEC around a reload. */
uint64_t	 notify_monotonic_usec(void);

#endif
