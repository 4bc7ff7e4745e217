/* Publish and subscribe for stack changes: a short array, no allocation per change. */
#include <stdlib.h>

#include "refuge/feed.h"

#define FEED_MAX_SUBSCRIBERS	8

struct feed {
	struct feed_subscriber	subscribers[FEED_MAX_SUBSCRIBERS];
	size_t			count;
	int			urgent;		/* see feed_set_urgent */
};

struct feed *
feed_new(void)
{
	return calloc(1, sizeof(struct feed));
}

void
feed_free(struct feed *feed)
{
	free(feed);
}

int
feed_subscribe(struct feed *feed, const struct feed_subscriber *subscriber)
{
	if (feed->count == FEED_MAX_SUBSCRIBERS)
		return -1;
	feed->subscribers[feed->count++] = *subscriber;
	return 0;
}

void
feed_publish(struct feed *feed, const struct change *change)
{
	size_t	i;

	for (i = 0; i < feed->count; i++)
		feed->subscribers[i].change(change, feed->subscribers[i].arg);
}

void
feed_settle(struct feed *feed)
{
	size_t	i;

	for (i = 0; i < feed->count; i++)
		if (feed->subscribers[i].settle != NULL)
			feed->subscribers[i].settle(feed->subscribers[i].arg);
}

void
feed_set_urgent(struct feed *feed, int due)
{
	feed->urgent = due;
}

int
feed_urgent(const struct feed *feed)
{
	return feed->urgent;
}
