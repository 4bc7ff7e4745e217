/* Operator sessions on the operator link, and the push fan-out. */
#ifndef REFUGE_OPERATOR_H
#define REFUGE_OPERATOR_H

#include <stddef.h>

struct daemon;

int	operator_start(struct daemon *, char *err, size_t errlen);
void	operator_address(struct daemon *, char *buf, size_t buflen);
/* Stops accepting and closes every operator session. */
void	operator_shutdown(struct daemon *);
void	operator_free_all(struct daemon *);

#endif
