/* Operator sessions on the operator link, and the push fan-out. */
#ifndef REFUGE_OPERATOR_H
#define REFUGE_OPERATOR_H

#include <stddef.h>

struct alarm;
struct daemon;

int	operator_start(struct daemon *, char *err, size_t errlen);
void	operator_address(struct daemon *, char *buf, size_t buflen);
/* Stops accepting and closes every operator session. */
void	operator_shutdown(struct daemon *);
void	operator_free_all(struct daemon *);
/* Logged-in sessions, all users. */
int	operator_session_count(struct daemon *);
/* How many logged-in sessions the user has. */
int	operator_user_sessions(struct daemon *, const char *user);
/* After a reload: sessions of removed accounts end, roles follow the registry. */
void	operator_registry_changed(struct daemon *);
/* Operator connections still open, logged in or not. */
int	operator_open_count(struct daemon *);

/* Sends "* <text>\n" to every logged-in operator. */
void	operator_push(struct daemon *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Sends "* ALARM ..." for the alarm to every logged-in operator. */
void	operator_push_alarm(struct daemon *, const struct alarm *);

#endif
