/*
 * Activation: a new BUTTON alarm flashes the unit's light and turns its
 * camera to its preset. A feed subscriber: it notes raised presses as they
 * are published and sends the commands when the batch settles, after the
 * units' ACKs.
 */
#ifndef REFUGE_ACTIVATE_H
#define REFUGE_ACTIVATE_H

struct activate;
struct command;
struct feed;
struct units;

struct activate	*activate_new(struct feed *, struct units *, struct command *);
void		 activate_free(struct activate *);
void		 activate_reconfigure(struct activate *, struct units *);

#endif
