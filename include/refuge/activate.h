/*
 * Activation: a new BUTTON alarm flashes the unit's light and turns its
 * camera to its preset. A feed subscriber: it notes raised presses as they
 * are published and sends the commands in the next loop turn after the
 * batch settles: the batch's ACKs and operator pushes reach their sockets
 * first, rather than wait behind the commands' own commits.
 */
#ifndef REFUGE_ACTIVATE_H
#define REFUGE_ACTIVATE_H

struct activate;
struct command;
struct event_base;
struct feed;
struct units;

struct activate	*activate_new(struct event_base *, struct feed *, struct units *,
		    struct command *);
void		 activate_free(struct activate *);
void		 activate_reconfigure(struct activate *, struct units *);

#endif
