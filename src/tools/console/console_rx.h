/*
 * refuge-console's receivers: which one the link is on or trying, what its
 * "* RECEIVER" push said, and where to go next (the order and the back-off
 * rule are uproto_client_rx's, the units' own). Called by console_link.c.
 */
#ifndef REFUGE_CONSOLE_RX_H
#define REFUGE_CONSOLE_RX_H

#include <sys/socket.h>

#include "refuge/opproto_client.h"
#include "refuge/uproto_client.h"

/* A receiver of the list, resolved when the console first goes there. */
struct console_rx_addr {
	struct sockaddr_storage	 addr;
	socklen_t		 len;
	char			 host[256];	/* the name to verify */
	int			 resolved;
};

struct console_rx {
	struct uproto_client_rx		 list;
	struct uproto_client_rx_pos	 pos;
	struct console_rx_addr		 addrs[UPROTO_CLIENT_RX_MAX];
	/* Where a standby sent the link; "" if none. */
	char				 moving_to[UPROTO_CLIENT_ADDR_MAX + 1];
	/* The last "* RECEIVER" on this link; "" until one came. */
	char				 name[64];
	char				 role[16];
};

/* Starts on the list's first receiver. */
void	console_rx_init(struct console_rx *,
	    const struct uproto_client_rx *);
/* The current receiver's host:port. */
const char	*console_rx_server(const struct console_rx *);
/* Its address, resolved the first time (blocking); NULL with err. */
const struct console_rx_addr *console_rx_addr(struct console_rx *, char *err,
	    size_t errlen);
/*
 * A "* RECEIVER" push. With follow, returns 1 when it is a standby naming
 * another receiver as active: the caller closes the link, and
 * console_rx_next goes there.
 */
int	console_rx_heard(struct console_rx *,
	    const struct opproto_client_receiver *, int follow);
/*
 * The link is down: moves to where a standby pointed, else to the next
 * receiver. Returns 1 to back off before trying it, 0 to try it at once.
 */
int	console_rx_next(struct console_rx *);

#endif
