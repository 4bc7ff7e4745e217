/*
 * refuge-console's alerts: alarms that do not stop. While any priority-1
 * alarm is queued unclaimed it alerts every 2 s until it is claimed; any
 * other new alarm alerts once; an escalation alerts with its own pattern
 * (two bells at level 1, three at level 2); a link down for 10 s alerts
 * every 5 s until it is back. An alert is the terminal's bell, or the
 * --alert-command. Above the screen, beside the keys.
 */
#ifndef REFUGE_CONSOLE_ALERT_H
#define REFUGE_CONSOLE_ALERT_H

#include "console_model.h"

struct console_alert;
struct console_link;
struct console_ui;
struct event_base;

/* command: --alert-command, or NULL for the bell. NULL on memory. */
struct console_alert	*console_alert_new(struct event_base *,
			    struct console_model *, struct console_link *,
			    struct console_ui *, const char *command);
void	console_alert_free(struct console_alert *);
/* A line was applied with this effect. */
void	console_alert_effect(struct console_alert *, enum console_effect,
	    int priority);

#endif
