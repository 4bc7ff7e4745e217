/*
 * The log's account of the stack: one info line for each alarm raised, with
 * its unit, site, type and priority, once it is stored (a feed subscriber;
 * the claim, release, escalation and resolution lines are written where
 * those happen). A mass event is summarised, not written line by line.
 */
#ifndef REFUGE_ALARMLOG_H
#define REFUGE_ALARMLOG_H

struct alarmlog;
struct feed;

struct alarmlog	*alarmlog_new(struct feed *);
void		 alarmlog_free(struct alarmlog *);

#endif
