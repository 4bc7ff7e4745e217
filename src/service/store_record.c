/*
 * The store facade's record operations (store.h): the reads DETAIL and
 * SEARCH make of stored alarms, and the handover notes. Each is optional in
 * a backend; without it the call fails with "not supported".
 */
#include <stdio.h>
#include <string.h>

#include "refuge/store.h"
#include "refuge/store_backend.h"

int
store_alarm_record(struct store *store, int64_t alarm_id, store_record_fn *fn,
    void *arg)
{
	void				*be;
	const struct store_backend	*b = store_backend_of(store, &be);

	if (b->alarm_record == NULL)
		return store_backend_checked(store, -1, "reading an alarm");
	return store_backend_checked(store, b->alarm_record(be, alarm_id, fn,
	    arg), NULL);
}

int
store_alarms_search(struct store *store, const struct store_search *search,
    store_record_fn *fn, void *arg)
{
	void				*be;
	const struct store_backend	*b = store_backend_of(store, &be);

	if (b->alarms_search == NULL)
		return store_backend_checked(store, -1, "searching alarms");
	return store_backend_checked(store, b->alarms_search(be, search, fn,
	    arg), NULL);
}

int
store_alarm_events_each(struct store *store, int64_t alarm_id,
    store_history_fn *fn, void *arg)
{
	void				*be;
	const struct store_backend	*b = store_backend_of(store, &be);

	if (b->alarm_events_each == NULL)
		return store_backend_checked(store, -1,
		    "reading an alarm's events");
	return store_backend_checked(store, b->alarm_events_each(be, alarm_id,
	    fn, arg), NULL);
}

int
store_alarm_commands_each(struct store *store, int64_t alarm_id,
    store_command_fn *fn, void *arg)
{
	void				*be;
	const struct store_backend	*b = store_backend_of(store, &be);

	if (b->alarm_commands_each == NULL)
		return store_backend_checked(store, -1,
		    "reading an alarm's commands");
	return store_backend_checked(store, b->alarm_commands_each(be,
	    alarm_id, fn, arg), NULL);
}

int
store_handover_add(struct store *store, int64_t time_ms, const char *user,
    const char *text)
{
	void				*be;
	const struct store_backend	*b = store_backend_of(store, &be);

	if (b->handover_add == NULL)
		return store_backend_checked(store, -1, "a handover note");
	return store_backend_checked(store, b->handover_add(be, time_ms, user,
	    text), NULL);
}

int
store_handover_last(struct store *store, store_handover_fn *fn, void *arg)
{
	void				*be;
	const struct store_backend	*b = store_backend_of(store, &be);

	if (b->handover_last == NULL)
		return store_backend_checked(store, -1, "a handover note");
	return store_backend_checked(store, b->handover_last(be, fn, arg),
	    NULL);
}
