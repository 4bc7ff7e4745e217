/* Heartbeat supervision: a unit silent for heartbeat x missed goes offline. */
#ifndef REFUGE_SUPERVISE_H
#define REFUGE_SUPERVISE_H

struct daemon;
struct unit_record;

/* Arms the deadline of every record, counting from now. */
int	supervise_start(struct daemon *);
/* Supervises one more record (a unit added by a reload), counting from now. */
int	supervise_add(struct unit_record *);
/* Something arrived from the unit. */
void	supervise_heard(struct unit_record *);
void	supervise_stop(struct unit_record *);

#endif
