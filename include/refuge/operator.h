/*
 * The operator link: the listener, operator sessions and their requests,
 * and the fan-out of stack changes (a feed subscriber) to logged-in
 * operators.
 */
#ifndef REFUGE_OPERATOR_H
#define REFUGE_OPERATOR_H

#include <stddef.h>
#include <stdint.h>

struct change;
struct command;
struct event_base;
struct feed;
struct flood;
struct operator_link;
struct refuge_config;
struct registry;
struct stack;
struct store;
struct tlsctx;
struct units;

/* Everything an operator session works with, passed in at construction. */
struct operator_deps {
	struct event_base		*base;
	const struct refuge_config	*config;
	const struct registry		*registry;
	struct tlsctx			*tls;
	struct store			*store;
	struct units			*units;
	struct stack			*stack;
	struct command			*command;
	struct feed			*feed;
	/* Fills a CHANGE_RECEIVER with the receiver's state now (sent after LOGIN). */
	void				(*receiver_state)(struct change *,
					    void *arg);
	void				*receiver_arg;
	struct flood			*flood;	/* NULL: every alarm its own line */
};

/* What the operator link counts, for /metrics. */
struct operator_counters {
	uint64_t	logins;
	uint64_t	login_failures;
};

/* Listens on listen.operators and subscribes to the feed. NULL with err set. */
struct operator_link	*operator_link_new(const struct operator_deps *,
			    char *err, size_t errlen);
void			 operator_link_free(struct operator_link *);
/* After a reload: sessions of removed accounts end, roles follow the registry. */
void			 operator_link_reconfigure(struct operator_link *,
			    const struct refuge_config *,
			    const struct registry *, struct tlsctx *,
			    struct units *);
void			 operator_link_address(struct operator_link *,
			    char *buf, size_t buflen);
/* Stops accepting and closes every operator session. */
void			 operator_link_shutdown(struct operator_link *);
/* Logged-in sessions, all users. */
int			 operator_link_sessions(const struct operator_link *);
/* How many logged-in sessions the user has. */
int			 operator_link_user_sessions(const struct operator_link *,
			    const char *user);
/* Operator connections still open, logged in or not. */
int			 operator_link_open_count(const struct operator_link *);
/* Writes the summaries of rate-limited lines due (flush: all, at the end). */
void			 operator_link_log_tick(struct operator_link *, int flush);
const struct operator_counters	*operator_link_counters(
				    const struct operator_link *);

#endif
