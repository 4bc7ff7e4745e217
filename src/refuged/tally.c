/* Counting what the stack publishes, for /metrics. */
#include <stdlib.h>

#include "refuge/feed.h"
#include "refuge/tally.h"

struct tally {
	struct tally_counters	counters;
};

static void
tally_change(const struct change *change, void *arg)
{
	struct tally		*tally = arg;
	const struct alarm	*alarm = change->alarm;

	switch (change->kind) {
	case CHANGE_ESCALATED:
		/* Alarms escalated, not the repeats nor each level. */
		if (change->escalated_first)
			tally->counters.escalations++;
		break;
	case CHANGE_CLAIMED:
		if (change->first_claim && alarm->first_claimed_ms >= 0)
			metrics_observe(&tally->counters.time_to_claim,
			    (alarm->first_claimed_ms - alarm->raised_ms) / 1000.0);
		break;
	default:
		break;
	}
}

struct tally *
tally_new(struct feed *feed)
{
	struct tally		*tally;
	struct feed_subscriber	 sub = { tally_change, NULL, NULL };

	if ((tally = calloc(1, sizeof(*tally))) == NULL)
		return NULL;
	metrics_histogram_claim(&tally->counters.time_to_claim);
	sub.arg = tally;
	if (feed_subscribe(feed, &sub) == -1) {
		free(tally);
		return NULL;
	}
	return tally;
}

void
tally_free(struct tally *tally)
{
	free(tally);
}

const struct tally_counters *
tally_counters(const struct tally *tally)
{
	return &tally->counters;
}
