/* The alarm stack in memory: a binary heap by (priority, arrival) with an id index. Pure. */
#ifndef REFUGE_ALARMQ_H
#define REFUGE_ALARMQ_H

#include <stddef.h>
#include <stdint.h>

#include "alarm.h"

struct alarmq;

struct alarmq	*alarmq_new(void);
/* Frees the queue, not the alarms. */
void		 alarmq_free(struct alarmq *);
/* Takes a pointer to an alarm that stays valid until removed. Returns 0 or -1 (memory). */
int		 alarmq_push(struct alarmq *, struct alarm *);
void		 alarmq_remove(struct alarmq *, struct alarm *);
/* Call after changing an alarm's priority or seq. */
void		 alarmq_update(struct alarmq *, struct alarm *);
struct alarm	*alarmq_top(const struct alarmq *);
struct alarm	*alarmq_find(const struct alarmq *, int64_t id);
size_t		 alarmq_count(const struct alarmq *);
/* Fills out (room for alarmq_count) in stack order; returns the count. */
size_t		 alarmq_sorted(const struct alarmq *, struct alarm **out);

#endif
