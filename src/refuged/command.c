/*
 * Commands to units. A pending command hangs on its unit's record until
 * the unit answers, its timer fires, or the unit goes; the result is then
 * stored and published, exactly once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "refuge/alarm.h"
#include "refuge/command.h"
#include "refuge/feed.h"
#include "refuge/line.h"
#include "refuge/link.h"
#include "refuge/log.h"
#include "refuge/loop.h"
#include "refuge/store.h"
#include "refuge/timenow.h"
#include "refuge/units.h"
#include "refuge/uproto.h"

struct command {
	struct event_base	*base;
	struct store		*store;
	struct feed		*feed;
	int64_t			 timeout_ms;
	int64_t			 started_ms;
	uint64_t		 next;
};

/* A command sent to a unit, awaiting DONE or FAIL. */
struct command_pending {
	struct command_pending	*next;
	struct command		*owner;
	struct unit_record	*record;
	struct event		*timer;
	int			 audio_open;	/* an AUDIO OPEN: undone by a failure */
	char			 id[COMMAND_ID_LEN];
};

struct command *
command_new(struct event_base *base, struct store *store, struct feed *feed,
    int64_t timeout_ms, int64_t started_ms)
{
	struct command	*cmds;

	if ((cmds = calloc(1, sizeof(*cmds))) == NULL)
		return NULL;
	cmds->base = base;
	cmds->store = store;
	cmds->feed = feed;
	cmds->timeout_ms = timeout_ms;
	cmds->started_ms = started_ms;
	return cmds;
}

void
command_free(struct command *cmds)
{
	free(cmds);
}

void
command_reconfigure(struct command *cmds, int64_t timeout_ms)
{
	cmds->timeout_ms = timeout_ms;
}

/* Stores the result and tells operators; frees the pending command. */
static void
command_finish(struct command_pending *pending, const char *result,
    const char *reason)
{
	struct command		 *cmds = pending->owner;
	struct command_pending	**slot;
	struct change		  change;

	for (slot = &pending->record->commands; *slot != NULL;
	    slot = &(*slot)->next)
		if (*slot == pending) {
			*slot = pending->next;
			break;
		}
	if (store_begin(cmds->store) == -1 ||
	    store_command_result(cmds->store, pending->id, result, reason,
	    timenow_wall_ms()) == -1 ||
	    store_commit(cmds->store, NULL, NULL) == -1) {
		log_error("store: command %s result %s not recorded: %s",
		    pending->id, result, store_error(cmds->store));
		store_rollback(cmds->store);
	}
	/* An open the unit refused or never answered left no call open. */
	if (pending->audio_open && strcmp(result, "done") != 0)
		pending->record->audio_open = 0;
	memset(&change, 0, sizeof(change));
	change.kind = CHANGE_COMMAND;
	change.unit_id = pending->record->reg->id;
	change.cmd_id = pending->id;
	change.result = result;
	change.reason = reason;
	feed_publish(cmds->feed, &change);
	event_free(pending->timer);
	free(pending);
}

static void
command_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct command_pending	*pending = arg;

	(void)fd;
	(void)what;
	log_warnx("unit=%s command=%s timeout", pending->record->reg->id,
	    pending->id);
	command_finish(pending, "timeout", NULL);
}

/*
 * The alarm a call is recorded on: the unit's open BUTTON alarm (the newest
 * if several), else its newest open alarm; 0 if it has none open.
 */
static int64_t
command_audio_alarm(const struct unit_record *record)
{
	size_t	i;

	for (i = record->alarm_count; i > 0; i--)
		if (record->alarms[i - 1]->type == EVTYPE_BUTTON &&
		    !record->alarms[i - 1]->unstored)
			return record->alarms[i - 1]->id;
	for (i = record->alarm_count; i > 0; i--)
		if (!record->alarms[i - 1]->unstored)
			return record->alarms[i - 1]->id;
	return 0;
}

/*
 * The command and its audit row, before any answer can arrive; an AUDIO
 * OPEN or CLOSE also gets an "audio" row, so a call's length is on record.
 */
static void
command_record(struct command *cmds, const char *cmd_id, const char *unit_id,
    int64_t alarm_id, const char *user, const char *text,
    const struct uproto_cmd *cmd)
{
	struct store	*store = cmds->store;
	int64_t		 now = timenow_wall_ms();
	char		 detail[LINE_MAX_BYTES + 96], audio[300];

	snprintf(detail, sizeof(detail), "unit=%s cmd=%s %s", unit_id, cmd_id,
	    text);
	audio[0] = '\0';
	if (cmd->kind == UPROTO_CMD_AUDIO_OPEN)
		snprintf(audio, sizeof(audio), "open uri=%s", cmd->arg);
	else if (cmd->kind == UPROTO_CMD_AUDIO_CLOSE)
		snprintf(audio, sizeof(audio), "close");
	if (store_begin(store) == -1 || store_command_insert(store, cmd_id,
	    unit_id, alarm_id, user, text, now) == -1 ||
	    store_audit_append(store, now, user, alarm_id, "command", detail) ==
	    -1 || (audio[0] != '\0' && store_audit_append(store, now, user,
	    alarm_id, "audio", audio) == -1) ||
	    store_commit(store, NULL, NULL) == -1) {
		log_error("store: command %s not recorded: %s", cmd_id,
		    store_error(store));
		store_rollback(store);
	}
}

int
command_send(struct command *cmds, struct unit_record *record,
    const struct uproto_cmd *cmd, int64_t alarm_id, const char *user,
    const char *text, char cmd_id[COMMAND_ID_LEN], const char **reason)
{
	struct command_pending	*pending;
	struct link		*link;

	if ((link = units_command_link(record)) == NULL) {
		*reason = "unit not connected";
		return -1;
	}
	if ((pending = calloc(1, sizeof(*pending))) == NULL ||
	    (pending->timer = loop_timer_new(cmds->base, command_timeout,
	    pending)) == NULL) {
		free(pending);
		*reason = "out of memory";
		return -1;
	}
	/* Unique across restarts too: the store keeps every command id. */
	snprintf(pending->id, sizeof(pending->id), "c%lld-%llu",
	    (long long)cmds->started_ms, (unsigned long long)++cmds->next);
	if (link_command(link, pending->id, cmd, reason) == -1) {
		event_free(pending->timer);
		free(pending);
		return -1;
	}
	if (cmd->kind == UPROTO_CMD_AUDIO_OPEN ||
	    cmd->kind == UPROTO_CMD_AUDIO_CLOSE) {
		if (alarm_id == 0)
			alarm_id = command_audio_alarm(record);
		pending->audio_open = cmd->kind == UPROTO_CMD_AUDIO_OPEN;
		record->audio_open = pending->audio_open;
	}
	pending->owner = cmds;
	pending->record = record;
	pending->next = record->commands;
	record->commands = pending;
	loop_timer_add(pending->timer, cmds->timeout_ms);
	snprintf(cmd_id, COMMAND_ID_LEN, "%s", pending->id);
	command_record(cmds, pending->id, record->reg->id, alarm_id, user, text,
	    cmd);
	return 0;
}

void
command_answer(struct command *cmds, struct unit_record *record,
    const char *cmd_id, int done, const char *reason)
{
	struct command_pending	*pending;

	(void)cmds;
	for (pending = record->commands; pending != NULL;
	    pending = pending->next)
		if (strcmp(pending->id, cmd_id) == 0)
			break;
	if (pending == NULL) {
		log_debug("unit=%s answer for unknown command %s",
		    record->reg->id, cmd_id);
		return;
	}
	log_info("unit=%s command=%s %s%s%s", record->reg->id, pending->id,
	    done ? "done" : "fail", done ? "" : " reason=",
	    done ? "" : reason);
	command_finish(pending, done ? "done" : "fail", done ? NULL : reason);
}

void
command_unit_fail(struct command *cmds, struct unit_record *record,
    const char *reason)
{
	(void)cmds;
	while (record->commands != NULL)
		command_finish(record->commands, "fail", reason);
}

void
command_unit_free(struct unit_record *record)
{
	struct command_pending	*pending;

	while ((pending = record->commands) != NULL) {
		record->commands = pending->next;
		event_free(pending->timer);
		free(pending);
	}
}
