/*
 * Commands to units (light, camera, audio): ids, sending through a link
 * that takes commands, the timeout, and the record of each in the store and
 * the audit chain. A result is published as a CHANGE_COMMAND.
 */
#ifndef REFUGE_COMMAND_H
#define REFUGE_COMMAND_H

#include <stdint.h>

struct event_base;
struct feed;
struct store;
struct unit_record;
struct uproto_cmd;
struct command;

#define COMMAND_ID_LEN	32

struct command	*command_new(struct event_base *, struct store *, struct feed *,
		    int64_t timeout_ms, int64_t started_ms);
void		 command_free(struct command *);
void		 command_reconfigure(struct command *, int64_t timeout_ms);

/*
 * Sends cmd to the unit for user ("" for the receiver) about alarm_id (0:
 * none); text is how the audit shows it. AUDIO OPEN and CLOSE also mark
 * the unit's record (audio_open) and add an "audio" audit row ("open
 * uri=<uri>" or "close") on alarm_id, or with 0 on the unit's open BUTTON
 * alarm, else its newest open alarm. 0 with the id in cmd_id, or -1
 * with *reason: the unit has no link that takes commands, or it is busy.
 */
int	command_send(struct command *, struct unit_record *,
	    const struct uproto_cmd *, int64_t alarm_id, const char *user,
	    const char *text, char cmd_id[COMMAND_ID_LEN], const char **reason);
/* A link's DONE (done 1) or FAIL (done 0, reason) for one of the unit's commands. */
void	command_answer(struct command *, struct unit_record *,
	    const char *cmd_id, int done, const char *reason);
/* Fails the unit's pending commands (the unit was removed). */
void	command_unit_fail(struct command *, struct unit_record *,
	    const char *reason);
/* Drops the unit's pending commands without a result (shutdown). */
void	command_unit_free(struct unit_record *);

#endif
