/*
 * Activation of a unit on a new BUTTON alarm (light flashing, camera to its
 * preset), and its return to normal when that alarm is resolved (audio
 * closed, light at rest, camera home).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "refuge/activate.h"
#include "refuge/command.h"
#include "refuge/feed.h"
#include "refuge/log.h"
#include "refuge/loop.h"
#include "refuge/uproto.h"
#include "refuge/units.h"

/* Bounded like ingest's queue: a batch holds no more presses than that. */
#define ACTIVATE_PENDING_MAX	200000

struct activate_press {
	int64_t	alarm_id;
	char	unit_id[65];
};

struct activate {
	struct units		*units;
	struct command		*command;
	struct activate_press	*pending;
	struct event		*later;		/* sends the pending commands */
	size_t			 count;
	size_t			 capacity;
};

static void	activate_restore(struct activate *, const char *unit_id,
		    int64_t alarm_id);

static void
activate_change(const struct change *change, void *arg)
{
	struct activate		*act = arg;
	struct activate_press	*grown;
	size_t			 capacity;

	if (change->kind == CHANGE_RESOLVED &&
	    change->alarm->type == EVTYPE_BUTTON) {
		activate_restore(act, change->unit_id, change->alarm->unstored ?
		    0 : change->alarm->id);
		return;
	}
	if (change->kind != CHANGE_RAISED || change->alarm->type != EVTYPE_BUTTON)
		return;
	if (act->count == act->capacity) {
		capacity = act->capacity ? act->capacity * 2 : 16;
		if (capacity > ACTIVATE_PENDING_MAX || (grown = realloc(
		    act->pending, capacity * sizeof(*grown))) == NULL) {
			log_warnx("unit=%s alarm=%lld not activated: too many at "
			    "once", change->unit_id, (long long)change->alarm->id);
			return;
		}
		act->pending = grown;
		act->capacity = capacity;
	}
	/* A command cannot name an alarm not yet stored (a foreign key). */
	act->pending[act->count].alarm_id = change->alarm->unstored ? 0 :
	    change->alarm->id;
	snprintf(act->pending[act->count].unit_id,
	    sizeof(act->pending[0].unit_id), "%s", change->unit_id);
	act->count++;
}

/* Flash the light, turn the camera to its preset. */
static void
activate_unit(struct activate *act, struct unit_record *record,
    int64_t alarm_id)
{
	struct uproto_cmd	 commands[2];
	const char		*reason;
	char			 cmd_id[COMMAND_ID_LEN], text[300];
	size_t			 i, count = 0;

	commands[count].kind = UPROTO_CMD_LIGHT;
	snprintf(commands[count++].arg, sizeof(commands[0].arg), "FLASH");
	if (record->reg->camera_preset >= 0) {
		commands[count].kind = UPROTO_CMD_CAMERA;
		snprintf(commands[count++].arg, sizeof(commands[0].arg), "%d",
		    record->reg->camera_preset);
	}
	for (i = 0; i < count; i++) {
		snprintf(text, sizeof(text), "%s %s", i == 0 ? "LIGHT" :
		    "CAMERA PRESET", commands[i].arg);
		if (command_send(act->command, record, &commands[i], alarm_id, "",
		    text, cmd_id, &reason) == -1)
			log_warnx("unit=%s alarm=%lld activation command not sent: "
			    "%s", record->reg->id, (long long)alarm_id, reason);
	}
}

/*
 * A resolved press: the unit back to normal. A BUTTON alarm is resolved by
 * an operator's request, after its commit and outside any batch, so the
 * commands go at once. Its audio, if open, is closed and recorded on it.
 */
static void
activate_restore(struct activate *act, const char *unit_id, int64_t alarm_id)
{
	struct unit_record	*record;
	struct uproto_cmd	 commands[3];
	const char		*reason, *what[3];
	char			 cmd_id[COMMAND_ID_LEN], text[300];
	size_t			 i, count = 0;

	if ((record = units_find(act->units, unit_id)) == NULL)
		return;
	if (record->audio_open) {
		commands[count].kind = UPROTO_CMD_AUDIO_CLOSE;
		commands[count].arg[0] = '\0';
		what[count++] = "AUDIO CLOSE";
	}
	commands[count].kind = UPROTO_CMD_LIGHT;
	snprintf(commands[count].arg, sizeof(commands[0].arg), "%s",
	    record->reg->light_idle_off ? "OFF" : "ON");
	what[count++] = "LIGHT";
	if (record->reg->camera_home >= 0) {
		commands[count].kind = UPROTO_CMD_CAMERA;
		snprintf(commands[count].arg, sizeof(commands[0].arg), "%d",
		    record->reg->camera_home);
		what[count++] = "CAMERA PRESET";
	}
	for (i = 0; i < count; i++) {
		snprintf(text, sizeof(text), "%s%s%s", what[i],
		    commands[i].arg[0] != '\0' ? " " : "", commands[i].arg);
		if (command_send(act->command, record, &commands[i], alarm_id, "",
		    text, cmd_id, &reason) == -1)
			log_warnx("unit=%s alarm=%lld restore command not sent: "
			    "%s", record->reg->id, (long long)alarm_id, reason);
	}
}

/*
 * The next loop turn: timers are taken after the sockets' readiness, so the
 * writes the batch queued (its ACKs and pushes) go out before the commands'
 * commits. Each command is a durable commit; done here they held a press's
 * push behind two more fsyncs.
 */
static void
activate_settle(void *arg)
{
	struct activate		*act = arg;

	if (act->count > 0 && !evtimer_pending(act->later, NULL))
		loop_timer_add(act->later, 0);
}

static void
activate_later(evutil_socket_t fd, short what, void *arg)
{
	struct activate		*act = arg;
	struct unit_record	*record;
	size_t			 i;

	(void)fd;
	(void)what;
	for (i = 0; i < act->count; i++)
		if ((record = units_find(act->units,
		    act->pending[i].unit_id)) != NULL)
			activate_unit(act, record, act->pending[i].alarm_id);
	act->count = 0;
}

struct activate *
activate_new(struct event_base *base, struct feed *feed, struct units *units,
    struct command *command)
{
	struct activate		*act;
	struct feed_subscriber	 sub;

	if ((act = calloc(1, sizeof(*act))) == NULL)
		return NULL;
	if ((act->later = loop_timer_new(base, activate_later, act)) == NULL) {
		free(act);
		return NULL;
	}
	act->units = units;
	act->command = command;
	sub.change = activate_change;
	sub.settle = activate_settle;
	sub.arg = act;
	if (feed_subscribe(feed, &sub) == -1) {
		event_free(act->later);
		free(act);
		return NULL;
	}
	return act;
}

void
activate_free(struct activate *act)
{
	if (act == NULL)
		return;
	event_free(act->later);
	free(act->pending);
	free(act);
}

void
activate_reconfigure(struct activate *act, struct units *units)
{
	act->units = units;
}
