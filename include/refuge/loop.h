/*
 * The daemon's own events. Timers, signals and the commit run at the first
 * priority, beside established links, so that neither a flood on open links
 * nor a storm of new handshakes (the second priority) can starve them.
 */
#ifndef REFUGE_LOOP_H
#define REFUGE_LOOP_H

#include <stdint.h>

struct event;
struct event_base;

struct event	*loop_event_new(struct event_base *, int fd, short what,
		    void (*cb)(int, short, void *), void *arg);
#define loop_timer_new(base, cb, arg)	loop_event_new((base), -1, 0, (cb), (arg))
/* (Re)arms a timer ms milliseconds from now. */
void		 loop_timer_add(struct event *, int64_t ms);

#endif
