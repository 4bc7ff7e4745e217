/* Raised alarms in the log, at most 20 a second and then a count. */
#include <stdlib.h>

#include "refuge/alarmlog.h"
#include "refuge/change.h"
#include "refuge/feed.h"
#include "refuge/log.h"

struct alarmlog {
	struct log_limit	limit;
};

static void
alarmlog_change(const struct change *change, void *arg)
{
	struct alarmlog		*al = arg;
	const struct alarm	*a = change->alarm;

	/* A press shown before its commit is logged then, and again stored. */
	if (change->kind != CHANGE_RAISED && change->kind != CHANGE_STORED)
		return;
	log_ratelimited(&al->limit, CONFIG_LOG_INFO, "alarm=%lld raised "
	    "unit=%s site=%s type=%s priority=%d%s", (long long)a->id,
	    a->unit_id, a->site_id, evtype_name(a->type), a->priority,
	    change->kind == CHANGE_STORED ? " stored" : a->unstored ?
	    " stored=no" : "");
}

struct alarmlog *
alarmlog_new(struct feed *feed)
{
	struct alarmlog		*al;
	struct feed_subscriber	 sub = { alarmlog_change, NULL, NULL };
	struct log_limit	 limit = LOG_LIMIT_INIT("alarm raised", 20, 1000);

	if ((al = calloc(1, sizeof(*al))) == NULL)
		return NULL;
	al->limit = limit;
	sub.arg = al;
	if (feed_subscribe(feed, &sub) == -1) {
		free(al);
		return NULL;
	}
	return al;
}

void
alarmlog_free(struct alarmlog *al)
{
	if (al == NULL)
		return;
	log_limit_flush(&al->limit);
	free(al);
}
