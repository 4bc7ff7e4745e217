/*
 * The systemd notify protocol without libsystemd: one datagram per state
 * change to the AF_UNIX socket named by $NOTIFY_SOCKET ("/path", or
 * "@name" for the abstract namespace). systemd learns the sender from the
 * socket credentials, so nothing else is needed for NotifyAccess=main.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "refuge/notify.h"

#define NOTIFY_MAX	4096	/* one datagram; systemd reads up to PIPE_BUF+ */

struct notify {
	int			fd;	/* -1: no NOTIFY_SOCKET, sends are no-ops */
	struct sockaddr_un	sun;
	socklen_t		sunlen;
};

struct notify *
notify_open(char *err, size_t errlen)
{
	struct notify	*n;
	const char	*path;
	size_t		 len;

	if ((n = calloc(1, sizeof(*n))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	n->fd = -1;
	path = getenv("NOTIFY_SOCKET");
	if (path == NULL || *path == '\0')
		return n;
	len = strlen(path);
	if (path[0] != '/' && path[0] != '@') {
		snprintf(err, errlen, "NOTIFY_SOCKET %s: neither an absolute path "
		    "nor an abstract name", path);
		goto fail;
	}
	if (len >= sizeof(n->sun.sun_path) || (path[0] == '@' && len < 2)) {
		snprintf(err, errlen, "NOTIFY_SOCKET: bad length %zu", len);
		goto fail;
	}
	n->sun.sun_family = AF_UNIX;
	memcpy(n->sun.sun_path, path, len);
	if (path[0] == '@') {
		/* Abstract: a leading NUL and no terminator in the length. */
		n->sun.sun_path[0] = '\0';
		n->sunlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
	} else
		n->sunlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + 1);
	if ((n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1) {
		snprintf(err, errlen, "NOTIFY_SOCKET: socket: %s", strerror(errno));
		goto fail;
	}
	return n;
fail:
	free(n);
	return NULL;
}

void
notify_close(struct notify *n)
{
	if (n == NULL)
		return;
	if (n->fd != -1)
		close(n->fd);
	free(n);
}

int
notify_send(struct notify *n, const char *fmt, ...)
{
	char	buf[NOTIFY_MAX];
	va_list	ap;
	int	len;
	ssize_t	sent;

	if (n == NULL || n->fd == -1)
		return 0;
	va_start(ap, fmt);
	len = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (len < 0 || (size_t)len >= sizeof(buf)) {
		errno = EMSGSIZE;
		return -1;
	}
	/* Never block the event loop on a full queue; never die of SIGPIPE. */
	do {
		sent = sendto(n->fd, buf, (size_t)len, MSG_NOSIGNAL | MSG_DONTWAIT,
		    (const struct sockaddr *)&n->sun, n->sunlen);
	} while (sent == -1 && errno == EINTR);
	if (sent != len)
		return -1;
	return 0;
}

/* Parses a decimal without sign or junk into *v. Returns 0 or -1. */
static int
notify_parse_u64(const char *s, uint64_t *v)
{
	uint64_t	n = 0;

	if (s == NULL || *s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (n > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -1;
		n = n * 10 + (uint64_t)(*s - '0');
	}
	*v = n;
	return 0;
}

uint64_t
notify_watchdog_usec(void)
{
	const char	*pid;
	uint64_t	 usec, p;

	if (notify_parse_u64(getenv("WATCHDOG_USEC"), &usec) == -1)
		return 0;
	/* The watchdog may be meant for a parent that exec'd us; then not ours. */
	if ((pid = getenv("WATCHDOG_PID")) != NULL && *pid != '\0') {
		if (notify_parse_u64(pid, &p) == -1 || p != (uint64_t)getpid())
			return 0;
	}
	return usec;
}

uint64_t
notify_monotonic_usec(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}
