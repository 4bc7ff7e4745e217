/* The unit link table's dispatch: what the daemon calls, whatever the kind. */
#include <stddef.h>

#include "refuge/link.h"

void
link_ack(struct link *link, const char *event_id)
{
	link->ops->ack(link, event_id);
}

void
link_refuse(struct link *link, const char *event_id, const char *reason)
{
	link->ops->refuse(link, event_id, reason);
}

int
link_takes_commands(const struct link *link)
{
	return link->ops->command != NULL;
}

int
link_command(struct link *link, const char *cmd_id,
    const struct uproto_cmd *cmd, const char **reason)
{
	if (link->ops->command == NULL) {
		*reason = "unit takes no commands on this path";
		return -1;
	}
	return link->ops->command(link, cmd_id, cmd, reason);
}

void
link_close(struct link *link, const char *reason)
{
	link->ops->close(link, reason);
}

int64_t
link_last_heard(const struct link *link)
{
	return link->ops->last_heard(link);
}

void
link_recheck(struct link *link)
{
	if (link->ops->recheck != NULL)
		link->ops->recheck(link);
}

const char *
link_peer(const struct link *link)
{
	return link->ops->peer(link);
}

const char *
link_kind(const struct link *link)
{
	return link->ops->kind;
}
