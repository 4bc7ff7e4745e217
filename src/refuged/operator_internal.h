/* Shared by the operator link's files only: sessions and requests. */
#ifndef REFUGE_OPERATOR_INTERNAL_H
#define REFUGE_OPERATOR_INTERNAL_H

#include <stdint.h>
#include <sys/queue.h>

#include "refuge/alarm.h"
#include "refuge/listener.h"
#include "refuge/operator.h"
#include "refuge/opproto.h"
#include "refuge/registry.h"

#define OPERATOR_FAILURE_SLOTS		256
#define OPERATOR_LOCK_FAILURES		5

enum operator_state {
	OPERATOR_HANDSHAKE,
	OPERATOR_LOGIN,
	OPERATOR_CHECKING,	/* a LOGIN's password is with the worker */
	OPERATOR_WAITING,
	OPERATOR_READY
};

struct operator_session {
	struct operator_link	*link;
	struct conn		*conn;
	struct event		*timer;		/* handshake/login deadline, auth delay */
	enum operator_state	 state;
	enum registry_role	 role;
	int64_t			 login_deadline_ms;	/* monotonic */
	uint64_t		 check;		/* pwcheck ticket while CHECKING */
	int			 check_known;	/* the LOGIN named an account */
	char			 user[ALARM_USER_MAX + 1];
	char			 peer[LISTENER_PEER_LEN];
	char			 host[LISTENER_PEER_LEN];	/* peer without port */
	char			 delayed[160];	/* the reply a WAITING session owes */
	LIST_ENTRY(operator_session) entry;
};

/* Failed logins of one address, for the lockout. */
struct operator_failures {
	char	host[LISTENER_PEER_LEN];
	int64_t	times[OPERATOR_LOCK_FAILURES];	/* ring of failure times */
	size_t	next;
	int64_t	locked_until;
	int64_t	last_ms;
};

struct operator_link {
	struct operator_deps		 deps;
	struct listener			*listener;
	LIST_HEAD(, operator_session)	 sessions;
	struct operator_failures	 failures[OPERATOR_FAILURE_SLOTS];
	int64_t				 checks_since;	/* password checks in this second */
	int				 checks;
	struct pwcheck			*pwcheck;
	struct operator_counters	 counters;
	int				 stopping;
};

/* One request kind: who may send it, and what runs it. */
struct operator_command {
	enum opproto_command	command;
	int			needs_login;
	int			supervisor_only;
	void			(*run)(struct operator_session *,
				    const struct opproto_request *);
};

/* operator.c */
void	operator_send(struct operator_session *, const char *buf, int len);
void	operator_printf(struct operator_session *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	operator_err(struct operator_session *, const char *code,
	    const char *text);
void	operator_ok(struct operator_session *, const char *detail);
void	operator_close(struct operator_session *);
void	operator_login(struct operator_session *,
	    const struct opproto_request *);
void	operator_logout(struct operator_session *,
	    const struct opproto_request *);

/* operator_requests.c: the request table, NULL for a command it lacks. */
const struct operator_command	*operator_command_find(enum opproto_command);

#endif
