/* Commands sent to units for the stack: activation on a button, and their records. */
#include <stdio.h>

#include "refuge/daemon.h"
#include "refuge/line.h"
#include "refuge/log.h"
#include "refuge/operator.h"
#include "refuge/stack.h"
#include "refuge/unit.h"
#include "stack_internal.h"

void
stack_command_result(const char *cmd_id, enum unit_command_result result,
    const char *reason,
    void *arg)
{
	struct daemon	*daemon = arg;
	const char	*name;

	name = result == UNIT_COMMAND_DONE ? "done" :
	    result == UNIT_COMMAND_FAIL ? "fail" : "timeout";
	if (store_begin(daemon->store) == -1 ||
	    store_command_result(daemon->store, cmd_id, name, reason,
	    timenow_wall_ms()) == -1 ||
	    store_commit(daemon->store, NULL, NULL) == -1) {
		log_error("store: command %s result %s not recorded: %s", cmd_id,
		    name, store_error(daemon->store));
		store_rollback(daemon->store);
	}
	operator_push(daemon, "CMD %s %s%s%s", cmd_id, name, reason ? " " : "",
	    reason ? reason : "");
}

void
stack_command_sent(struct stack *stack, const char *cmd_id,
    const char *unit_id, int64_t alarm_id, const char *user,
    const char *command)
{
	struct store	*store = stack->daemon->store;
	int64_t		 now = timenow_wall_ms();
	char		 detail[LINE_MAX_BYTES + 96];

	snprintf(detail, sizeof(detail), "unit=%s cmd=%s %s", unit_id, cmd_id,
	    command);
	if (store_begin(store) == -1 || store_command_insert(store, cmd_id,
	    unit_id, alarm_id, user, command, now) == -1 ||
	    store_audit_append(store, now, user, alarm_id, "command", detail) ==
	    -1 || store_commit(store, NULL, NULL) == -1) {
		log_error("store: command %s not recorded: %s", cmd_id,
		    store_error(store));
		store_rollback(store);
	}
}

/* A new BUTTON alarm: flash the light and turn the camera to its preset. */
void
stack_activate(struct stack *stack, struct unit_record *record,
    struct alarm *alarm)
{
	struct uproto_cmd	 commands[2];
	const char		*reason;
	char			 cmd_id[32], text[300];
	size_t			 i, count = 0;

	commands[count].kind = UPROTO_CMD_LIGHT;
	snprintf(commands[count++].arg, sizeof(commands[0].arg), "FLASH");
	if (record->reg->camera_preset >= 0) {
		commands[count].kind = UPROTO_CMD_CAMERA;
		snprintf(commands[count++].arg, sizeof(commands[0].arg), "%d",
		    record->reg->camera_preset);
	}
	for (i = 0; i < count; i++) {
		if (unit_command_send(record, &commands[i], stack_command_result,
		    stack->daemon, cmd_id, &reason) == -1) {
			log_warnx("unit=%s alarm=%lld activation command not sent: "
			    "%s", record->reg->id, (long long)alarm->id, reason);
			continue;
		}
		snprintf(text, sizeof(text), "%s %s", i == 0 ? "LIGHT" : "CAMERA PRESET",
		    commands[i].arg);
		stack_command_sent(stack, cmd_id, record->reg->id, alarm->id, "",
		    text);
	}
}
