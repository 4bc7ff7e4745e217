/*
 * Mass events told as one: when more than alarms.flood_threshold alarms of
 * one type are raised within 10 s (a power cut, a storm), operators get
 * "* FLOOD <TYPE> count= sites= since=" updated at most once a second, and
 * "* FLOOD <TYPE> end count=" after 10 s without another, instead of a
 * "* ALARM" line for each. Never for priority 1. Every alarm is still
 * stored, and listed by ALARMS.
 */
#ifndef REFUGE_FLOOD_H
#define REFUGE_FLOOD_H

#include <stdint.h>

#include "evtype.h"

struct change;
struct event_base;
struct feed;
struct flood;

#define FLOOD_WINDOW_MS	10000

struct flood	*flood_new(struct event_base *, struct feed *, int threshold);
void		 flood_free(struct flood *);
void		 flood_reconfigure(struct flood *, int threshold);
/*
 * Counts a change on its way to operators: 1 when it belongs to a flood and
 * is told by the FLOOD push instead of its own line.
 */
int		 flood_absorbs(struct flood *, const struct change *);
/*
 * The latest flood of the type, under way or over: its start (wall ms) if
 * an alarm raised at raised_ms belongs to it, else -1.
 */
int64_t		 flood_of(const struct flood *, enum evtype, int64_t raised_ms);

#endif
