/*
 * Alerts that do not stop (console_alert.h). A one-second tick looks at the
 * model and the link; the bell patterns are beeps 300 ms apart. The
 * command gets %p (the priority; 0 for a link down) and %k (the kind:
 * alarm, escalate or link).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "refuge/timenow.h"

#include "console_alert.h"
#include "console_link.h"
#include "console_model.h"
#include "console_run.h"
#include "console_ui.h"

#define CONSOLE_ALERT_REPEAT_MS		2000	/* a queued priority 1 */
#define CONSOLE_ALERT_DOWN_AFTER_MS	10000	/* the link down this long */
#define CONSOLE_ALERT_DOWN_REPEAT_MS	5000
#define CONSOLE_ALERT_GAP_MS		300	/* between a pattern's bells */

struct console_alert {
	struct console_model	*model;
	struct console_link	*link;
	struct console_ui	*ui;
	char			*command;
	struct event		*tick;
	struct event		*pattern;	/* the next bell of a pattern */
	int			 bells_left;
	int64_t			 last_p1_ms;	/* monotonic; 0 never */
	int64_t			 last_down_ms;
};

static void
console_alert_arm(struct event *ev, int64_t ms)
{
	struct timeval	tv = timenow_tv(ms);

	evtimer_add(ev, &tv);
}

/* One alert: bells bells, or the command once. */
static void
console_alert_fire(struct console_alert *al, const char *kind, int priority,
    int bells)
{
	struct console_run_subst	subst[2];
	char				prio[16];

	if (al->command != NULL) {
		snprintf(prio, sizeof(prio), "%d", priority);
		subst[0].key = 'p';
		subst[0].value = prio;
		subst[1].key = 'k';
		subst[1].value = kind;
		if (console_run(al->command, subst, 2) == -1)
			console_model_message(al->model, "alert command "
			    "failed to start");
		return;
	}
	console_ui_bell(al->ui);
	if (bells > 1) {
		al->bells_left = bells - 1;
		console_alert_arm(al->pattern, CONSOLE_ALERT_GAP_MS);
	}
}

static void
console_alert_pattern_cb(evutil_socket_t fd, short what, void *arg)
{
	struct console_alert	*al = arg;

	(void)fd;
	(void)what;
	if (al->bells_left <= 0)
		return;
	console_ui_bell(al->ui);
	if (--al->bells_left > 0)
		console_alert_arm(al->pattern, CONSOLE_ALERT_GAP_MS);
}

static void
console_alert_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct console_alert	*al = arg;
	int64_t			 now = timenow_mono_ms(), down;

	(void)fd;
	(void)what;
	if (console_model_queued_top(al->model) == 1 &&
	    now - al->last_p1_ms >= CONSOLE_ALERT_REPEAT_MS) {
		al->last_p1_ms = now;
		console_alert_fire(al, "alarm", 1, 1);
	}
	down = console_link_down_since(al->link);
	if (down != 0 && now - down >= CONSOLE_ALERT_DOWN_AFTER_MS &&
	    now - al->last_down_ms >= CONSOLE_ALERT_DOWN_REPEAT_MS) {
		al->last_down_ms = now;
		console_alert_fire(al, "link", 0, 1);
	}
}

void
console_alert_effect(struct console_alert *al, enum console_effect effect,
    int priority)
{
	struct console_alarm	*a;

	if (al == NULL)
		return;
	switch (effect) {
	case CONSOLE_EFFECT_NEW_ALARM:
		/* A priority 1 at once; the tick repeats it until claimed. */
		if (priority == 1)
			al->last_p1_ms = timenow_mono_ms();
		console_alert_fire(al, "alarm", priority, 1);
		break;
	case CONSOLE_EFFECT_ESCALATE:
		a = console_model_alarm(al->model, al->model->escalated_id);
		console_alert_fire(al, "escalate", a != NULL ? a->priority : 0,
		    a != NULL && a->escalate_level >= 2 ? 3 : 2);
		break;
	default:
		break;
	}
}

struct console_alert *
console_alert_new(struct event_base *base, struct console_model *model,
    struct console_link *link, struct console_ui *ui, const char *command)
{
	struct console_alert	*al;
	struct timeval		 second = timenow_tv(1000);

	if ((al = calloc(1, sizeof(*al))) == NULL)
		return NULL;
	al->model = model;
	al->link = link;
	al->ui = ui;
	if ((command != NULL && (al->command = strdup(command)) == NULL) ||
	    (al->tick = event_new(base, -1, EV_PERSIST, console_alert_tick_cb,
	    al)) == NULL ||
	    (al->pattern = evtimer_new(base, console_alert_pattern_cb, al)) ==
	    NULL || event_add(al->tick, &second) == -1) {
		console_alert_free(al);
		return NULL;
	}
	return al;
}

void
console_alert_free(struct console_alert *al)
{
	if (al == NULL)
		return;
	if (al->tick != NULL)
		event_free(al->tick);
	if (al->pattern != NULL)
		event_free(al->pattern);
	free(al->command);
	free(al);
}
