/*
 * The daily purge. It runs in the loop like any other commit, between two
 * of ingest's turns (no transaction is open then); a failure is logged and
 * tried again an hour later, so a full disk or a busy database on one day
 * does not stop retention for good.
 */
#include <stdlib.h>

#include <event2/event.h>

#include "refuge/config.h"
#include "refuge/log.h"
#include "refuge/retention.h"
#include "refuge/store.h"
#include "refuge/timenow.h"

#define RETENTION_FIRST_MS	(60LL * 1000)
#define RETENTION_EVERY_MS	(24LL * 3600 * 1000)
#define RETENTION_RETRY_MS	(3600LL * 1000)

struct retention {
	struct store	*store;
	struct event	*timer;
	int64_t		 events_ms, alarms_ms, audit_ms;	/* -1: keep */
};

static void
retention_arm(struct retention *r, int64_t ms)
{
	struct timeval	tv = timenow_tv(ms);

	if (r->events_ms < 0 && r->alarms_ms < 0 && r->audit_ms < 0) {
		evtimer_del(r->timer);
		return;
	}
	evtimer_add(r->timer, &tv);
}

int
retention_run(struct retention *r)
{
	struct store_purge		p;
	struct store_purge_result	res;
	int64_t				now = timenow_wall_ms();

	p.events_before_ms = r->events_ms < 0 ? -1 : now - r->events_ms;
	p.alarms_before_ms = r->alarms_ms < 0 ? -1 : now - r->alarms_ms;
	p.audit_before_ms = r->audit_ms < 0 ? -1 : now - r->audit_ms;
	if (store_purge(r->store, &p, &res) == -1) {
		log_warnx("retention: purge failed: %s; trying again in an "
		    "hour", store_error(r->store));
		return -1;
	}
	log_info("retention: purged events=%lld alarms=%lld notes=%lld "
	    "commands=%lld audit=%lld checkpoint=%lld", (long long)res.events,
	    (long long)res.alarms, (long long)res.notes,
	    (long long)res.commands, (long long)res.audit,
	    (long long)res.checkpoint_id);
	return 0;
}

static void
retention_timer(evutil_socket_t fd, short what, void *arg)
{
	struct retention	*r = arg;

	(void)fd;
	(void)what;
	retention_arm(r, retention_run(r) == 0 ? RETENTION_EVERY_MS :
	    RETENTION_RETRY_MS);
}

struct retention *
retention_new(struct event_base *base, struct store *store,
    const struct refuge_config *config)
{
	struct retention	*r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->store = store;
	if ((r->timer = evtimer_new(base, retention_timer, r)) == NULL) {
		free(r);
		return NULL;
	}
	retention_reconfigure(r, config);
	return r;
}

void
retention_reconfigure(struct retention *r, const struct refuge_config *config)
{
	int	was_on = evtimer_pending(r->timer, NULL);

	r->events_ms = config->retention_events_ms;
	r->alarms_ms = config->retention_alarms_ms;
	r->audit_ms = config->retention_audit_ms;
	if (!was_on)
		retention_arm(r, RETENTION_FIRST_MS);
	else if (r->events_ms < 0 && r->alarms_ms < 0 && r->audit_ms < 0)
		evtimer_del(r->timer);
}

void
retention_free(struct retention *r)
{
	if (r == NULL)
		return;
	event_free(r->timer);
	free(r);
}
