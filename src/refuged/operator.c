/* Operator link: placeholder until the operator protocol lands. */
#include <unistd.h>

#include "refuge/daemon.h"
#include "refuge/listener.h"
#include "refuge/log.h"
#include "refuge/operator.h"

static void
operator_accept(struct listener *listener, int fd, const struct sockaddr *sa,
    socklen_t salen, const char *peer, void *arg)
{
	(void)salen;
	(void)arg;
	log_warnx("operators: refused peer=%s reason=\"not implemented\"", peer);
	close(fd);
	listener_release(listener, sa);
}

int
operator_start(struct daemon *daemon, char *err, size_t errlen)
{
	daemon->operator_listener = listener_new(daemon->base, "operators",
	    daemon->config->listen_operators, 64, 1024, operator_accept, daemon,
	    err, errlen);
	return daemon->operator_listener == NULL ? -1 : 0;
}

void
operator_address(struct daemon *daemon, char *buf, size_t buflen)
{
	listener_address(daemon->operator_listener, buf, buflen);
}

void
operator_shutdown(struct daemon *daemon)
{
	listener_disable(daemon->operator_listener);
}

void
operator_free_all(struct daemon *daemon)
{
	listener_free(daemon->operator_listener);
}
