/*
 * refuge-console's receivers (console_rx.h). One list, one position: a
 * console has one link. The names a standby gives join the list, so a
 * console started with one receiver follows a pair too.
 */
#include <stdio.h>
#include <string.h>

#include "refuge/config.h"
#include "refuge/conn.h"

#include "console_rx.h"

void
console_rx_init(struct console_rx *rx, const struct uproto_client_rx *list)
{
	memset(rx, 0, sizeof(*rx));
	rx->list = *list;
}

const char *
console_rx_server(const struct console_rx *rx)
{
	return rx->list.addr[rx->pos.current];
}

const struct console_rx_addr *
console_rx_addr(struct console_rx *rx, char *err, size_t errlen)
{
	struct console_rx_addr	*a = &rx->addrs[rx->pos.current];
	const char		*hostport = console_rx_server(rx);
	int			 port;

	if (a->resolved)
		return a;
	if (config_split_hostport(hostport, a->host, (int)sizeof(a->host),
	    &port) == -1) {
		snprintf(err, errlen, "%s: not host:port", hostport);
		return NULL;
	}
	if (conn_resolve(hostport, &a->addr, &a->len, err, errlen) == -1)
		return NULL;
	a->resolved = 1;
	return a;
}

int
console_rx_heard(struct console_rx *rx,
    const struct opproto_client_receiver *r, int follow)
{
	snprintf(rx->name, sizeof(rx->name), "%s", r->name);
	snprintf(rx->role, sizeof(rx->role), "%s", r->role);
	/* An active receiver is where a round of tries ends. */
	if (strcmp(r->role, "active") == 0)
		uproto_client_rx_welcomed(&rx->list, &rx->pos, NULL);
	if (!follow || strcmp(r->role, "standby") != 0 ||
	    !uproto_client_addr_ok(r->active) ||
	    strcmp(r->active, console_rx_server(rx)) == 0)
		return 0;
	snprintf(rx->moving_to, sizeof(rx->moving_to), "%s", r->active);
	return 1;
}

int
console_rx_next(struct console_rx *rx)
{
	int	wait;

	if (rx->moving_to[0] != '\0')
		wait = uproto_client_rx_standby(&rx->list, &rx->pos,
		    rx->moving_to);
	else
		wait = uproto_client_rx_lost(&rx->list, &rx->pos);
	rx->moving_to[0] = '\0';
	rx->name[0] = rx->role[0] = '\0';
	return wait;
}
