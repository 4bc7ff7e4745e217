/* The daemon's own events, at the established links' priority. */
#include <event2/event.h>

#include "refuge/conn.h"
#include "refuge/loop.h"
#include "refuge/timenow.h"

struct event *
loop_event_new(struct event_base *base, int fd, short what,
    void (*cb)(int, short, void *), void *arg)
{
	struct event	*ev;

	if ((ev = event_new(base, fd, what, cb, arg)) == NULL)
		return NULL;
	if (event_priority_set(ev, CONN_PRIORITY_ESTABLISHED) == -1) {
		event_free(ev);
		return NULL;
	}
	return ev;
}

void
loop_timer_add(struct event *ev, int64_t ms)
{
	struct timeval	tv = timenow_tv(ms);

	evtimer_add(ev, &tv);
}
