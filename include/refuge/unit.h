/* A Help Point's session on the unit link. */
#ifndef REFUGE_UNIT_H
#define REFUGE_UNIT_H

#include <sys/socket.h>

#include "uproto.h"

struct daemon;
struct listener;
struct unit_record;
struct unit_session;

enum unit_command_result {
	UNIT_COMMAND_DONE,
	UNIT_COMMAND_FAIL,
	UNIT_COMMAND_TIMEOUT
};

typedef void	unit_command_fn(const char *cmd_id, enum unit_command_result,
		    const char *reason, void *arg);

/* The listener's accept callback for the unit port. */
void	unit_accept(struct listener *, int fd, const struct sockaddr *,
	    socklen_t, const char *peer, void *arg);

/* Sends "ACK <event_id>"; called by ingest after the commit. */
void	unit_session_ack(struct unit_session *, const char *event_id);
/* Closes the unit's connection, if any (shutdown, removal, revocation). */
void	unit_record_disconnect(struct unit_record *, const char *why);

/*
 * Sends a command to a connected unit. On success returns 0 with the id in
 * cmd_id (at least 32 bytes) and fn is called exactly once later with
 * DONE, FAIL or TIMEOUT. Returns -1 with reason set if the unit is not
 * connected.
 */
int	unit_command_send(struct unit_record *, const struct uproto_cmd *,
	    unit_command_fn *, void *arg, char *cmd_id, const char **reason);
/*
 * After a reload: closes the unit's link if its certificate no longer
 * verifies (revoked) or its key no longer matches the registry.
 */
void	unit_record_recheck(struct unit_record *);
/* Closes every unit session, greeted or not (shutdown). */
void	unit_close_all(struct daemon *);
/* Fails the record's pending commands with reason (the unit was removed). */
void	unit_record_commands_fail(struct unit_record *, const char *reason);
/* Drops pending commands of a record (shutdown), without calling back. */
void	unit_record_commands_free(struct unit_record *);

#endif
