/*
 * Flood detection per event type. Each type keeps the times of its last
 * threshold + 1 raises in a ring: when the oldest of them is within the
 * window of the newest, a flood of that type begins. A flood counts its
 * alarms and their sites, is published at most once a second by a timer,
 * and ends when its type has been quiet for the window.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "refuge/change.h"
#include "refuge/feed.h"
#include "refuge/flood.h"
#include "refuge/log.h"
#include "refuge/loop.h"
#include "refuge/timenow.h"

#define FLOOD_TICK_MS		1000
#define FLOOD_SITES_MAX		1024	/* counted exactly up to this many */
#define FLOOD_SLACK_MS		1000	/* raise to publication, for flood_of */

struct flood_type {
	int64_t	*ring;		/* raise times, threshold + 1 of them */
	size_t	 next;
	size_t	 filled;
	int	 active;
	int	 dirty;		/* changed since last published */
	size_t	 count;
	int64_t	 since_ms;
	int64_t	 last_ms;
	int64_t	 last_wall_ms;	/* its last alarm, wall clock; kept after it ends */
	char	 (*sites)[65];
	size_t	 site_count;
};

struct flood {
	struct feed		*feed;
	struct event		*tick;
	int			 threshold;
	struct flood_type	 types[EVTYPE_COUNT];
};

static void
flood_type_reset(struct flood_type *t)
{
	t->next = t->filled = 0;
	t->active = t->dirty = 0;
	t->count = t->site_count = 0;
}

static void
flood_publish(struct flood *flood, enum evtype type, int ended)
{
	struct flood_type	*t = &flood->types[type];
	struct change		 change;

	memset(&change, 0, sizeof(change));
	change.kind = CHANGE_FLOOD;
	change.type = type;
	change.count = t->count;
	change.sites = t->site_count;
	change.since_ms = t->since_ms;
	change.ended = ended;
	t->dirty = 0;
	feed_publish(flood->feed, &change);
}

static void
flood_tick(evutil_socket_t fd, short what, void *arg)
{
	struct flood		*flood = arg;
	struct flood_type	*t;
	int64_t			 now = timenow_mono_ms();
	size_t			 i, active = 0;

	(void)fd;
	(void)what;
	for (i = 0; i < EVTYPE_COUNT; i++) {
		t = &flood->types[i];
		if (!t->active)
			continue;
		if (now - t->last_ms >= FLOOD_WINDOW_MS) {
			log_info("flood type=%s ended: %zu alarms from %zu sites",
			    evtype_name((enum evtype)i), t->count, t->site_count);
			flood_publish(flood, (enum evtype)i, 1);
			flood_type_reset(t);
			continue;
		}
		active++;
		if (t->dirty)
			flood_publish(flood, (enum evtype)i, 0);
	}
	if (active > 0)
		loop_timer_add(flood->tick, FLOOD_TICK_MS);
}

static void
flood_site(struct flood_type *t, const char *site)
{
	size_t	i;

	if (t->sites == NULL)
		return;
	for (i = 0; i < t->site_count; i++)
		if (strcmp(t->sites[i], site) == 0)
			return;
	if (t->site_count < FLOOD_SITES_MAX)
		strncpy(t->sites[t->site_count++], site, sizeof(t->sites[0]) - 1);
}

/* A new alarm of the type: 1 if it is part of a flood. */
static int
flood_raised(struct flood *flood, const struct change *change)
{
	struct flood_type	*t = &flood->types[change->alarm->type];
	int64_t			 now = timenow_mono_ms(), oldest;
	size_t			 size = (size_t)flood->threshold + 1;

	t->last_ms = now;
	t->last_wall_ms = timenow_wall_ms();
	if (t->active) {
		t->count++;
		t->dirty = 1;
		flood_site(t, change->alarm->site_id);
		return 1;
	}
	t->ring[t->next] = now;
	t->next = (t->next + 1) % size;
	if (t->filled < size)
		t->filled++;
	if (t->filled < size)
		return 0;
	oldest = t->ring[t->next];	/* the slot written size raises ago */
	if (now - oldest > FLOOD_WINDOW_MS)
		return 0;
	t->active = 1;
	t->count = size;
	t->site_count = 0;
	/* Sites are counted from here: the flood's first alarms are not. */
	if (t->sites == NULL)
		t->sites = calloc(FLOOD_SITES_MAX, sizeof(t->sites[0]));
	flood_site(t, change->alarm->site_id);
	t->since_ms = timenow_wall_ms() - (now - oldest);
	log_warnx("flood type=%s: %zu alarms within %d s; operators are told "
	    "in one line", evtype_name(change->alarm->type), size,
	    FLOOD_WINDOW_MS / 1000);
	flood_publish(flood, change->alarm->type, 0);
	if (!evtimer_pending(flood->tick, NULL))
		loop_timer_add(flood->tick, FLOOD_TICK_MS);
	return 1;
}

int
flood_absorbs(struct flood *flood, const struct change *change)
{
	if (flood->threshold <= 0 || change->alarm == NULL ||
	    change->alarm->priority == 1 || change->alarm->unstored)
		return 0;
	switch (change->kind) {
	case CHANGE_RAISED:
		return flood_raised(flood, change);
	case CHANGE_REPEATED:
	case CHANGE_RESTORED:
		/* The restores of a mass outage come as one too. */
		return flood->types[change->alarm->type].active;
	default:
		return 0;
	}
}

static int
flood_alloc(struct flood *flood, int threshold)
{
	size_t	i;

	for (i = 0; i < EVTYPE_COUNT; i++) {
		free(flood->types[i].ring);
		flood->types[i].ring = NULL;
		flood_type_reset(&flood->types[i]);
		if (threshold > 0 && (flood->types[i].ring = calloc(
		    (size_t)threshold + 1, sizeof(int64_t))) == NULL)
			return -1;
	}
	flood->threshold = threshold;
	return 0;
}

struct flood *
flood_new(struct event_base *base, struct feed *feed, int threshold)
{
	struct flood	*flood;

	if ((flood = calloc(1, sizeof(*flood))) == NULL)
		return NULL;
	flood->feed = feed;
	if ((flood->tick = loop_timer_new(base, flood_tick, flood)) == NULL ||
	    flood_alloc(flood, threshold) == -1) {
		flood_free(flood);
		return NULL;
	}
	return flood;
}

void
flood_reconfigure(struct flood *flood, int threshold)
{
	size_t	i;

	if (threshold == flood->threshold)
		return;
	/* Floods under way end with the old threshold. */
	for (i = 0; i < EVTYPE_COUNT; i++)
		if (flood->types[i].active)
			flood_publish(flood, (enum evtype)i, 1);
	if (flood_alloc(flood, threshold) == -1) {
		log_warnx("flood: out of memory; flood detection is off");
		(void)flood_alloc(flood, 0);
	}
}

int64_t
flood_of(const struct flood *flood, enum evtype type, int64_t raised_ms)
{
	const struct flood_type	*t;

	if ((int)type < 0 || type >= EVTYPE_COUNT)
		return -1;
	t = &flood->types[type];
	/* The times are when the feed saw them, a commit after the raise. */
	if (t->since_ms <= 0 || raised_ms + FLOOD_SLACK_MS < t->since_ms ||
	    raised_ms > t->last_wall_ms + FLOOD_SLACK_MS)
		return -1;
	return t->since_ms;
}

void
flood_free(struct flood *flood)
{
	size_t	i;

	if (flood == NULL)
		return;
	if (flood->tick != NULL)
		event_free(flood->tick);
	for (i = 0; i < EVTYPE_COUNT; i++) {
		free(flood->types[i].ring);
		free(flood->types[i].sites);
	}
	free(flood);
}
