/*
 * Shared by the operator link's files only: sessions (operator.c), the
 * pre-login pool and the fair password-check queue (operator_prelogin.c),
 * LOGIN and the lockouts (operator_login.c), replies produced as the link
 * drains (operator_reply.c), the push queue (operator_push.c) and the
 * requests (operator_requests.c).
 */
#ifndef REFUGE_OPERATOR_INTERNAL_H
#define REFUGE_OPERATOR_INTERNAL_H

#include <stdint.h>
#include <sys/queue.h>

#include "refuge/alarm.h"
#include "refuge/listener.h"
#include "refuge/log.h"
#include "refuge/operator.h"
#include "refuge/opproto.h"
#include "refuge/registry.h"

#define OPERATOR_FAILURE_SLOTS		1024	/* addresses remembered */
#define OPERATOR_PAIR_SLOTS		1024	/* (address, user) pairs remembered */
#define OPERATOR_PAIR_FAILURES		5	/* in the window: the pair is locked */
#define OPERATOR_ADDRESS_FAILURES	20	/* in the window: the address is */
#define OPERATOR_LOCK_WINDOW_MS		60000
#define OPERATOR_LOCK_MS		60000
#define OPERATOR_CHECKS_PER_SECOND	10	/* password checks, every address */
#define OPERATOR_ARRIVAL_SLOTS		1024	/* addresses whose connects are counted */
#define OPERATOR_ARRIVAL_WINDOW_MS	10000

enum operator_state {
	OPERATOR_HANDSHAKE,
	OPERATOR_LOGIN,
	OPERATOR_QUEUED,	/* a LOGIN waits its turn for a password check */
	OPERATOR_CHECKING,	/* a LOGIN's password is with the worker */
	OPERATOR_WAITING,	/* a refused LOGIN's answer is held back */
	OPERATOR_READY
};

/* What a reply produced as the link drains walks over. */
enum operator_reply_kind {
	OPERATOR_REPLY_NONE,
	OPERATOR_REPLY_ALARMS,	/* ids of the open alarms when asked */
	OPERATOR_REPLY_UNITS,	/* the unit table, by index */
	OPERATOR_REPLY_TEXT	/* lines gathered when asked (HISTORY) */
};

/*
 * A reply in progress. While kind is not NONE the session reads nothing
 * and its pushes wait in its push queue, to follow the final line.
 */
struct operator_reply {
	enum operator_reply_kind	 kind;
	int64_t				*ids;		/* ALARMS */
	char				*text;		/* TEXT: lines and final line */
	size_t				 next;		/* index, or offset in text */
	size_t				 total;		/* ids, units or text bytes */
	size_t				 sent;		/* data lines sent */
	int				 done;		/* the final line is queued */
};

struct operator_host;
struct pushq;

struct operator_session {
	struct operator_link	*link;
	struct conn		*conn;
	struct event		*timer;		/* handshake/login deadline, auth delay */
	enum operator_state	 state;
	enum registry_role	 role;
	int64_t			 login_deadline_ms;	/* monotonic */
	uint64_t		 seq;		/* accept order, for the oldest */
	uint64_t		 check;		/* pwcheck ticket while CHECKING */
	int			 check_known;	/* the LOGIN named an account */
	int			 queued;	/* in prelogin->queue */
	char			*password;	/* while QUEUED; wiped when freed */
	char			 user[ALARM_USER_MAX + 1];	/* "-" until READY */
	char			 check_user[ALARM_USER_MAX + 1];	/* as typed */
	char			 peer[LISTENER_PEER_LEN];
	char			 host[LISTENER_PEER_LEN];	/* peer without port */
	char			 desk[OPPROTO_DESK_MAX + 1];	/* LOGIN desk=, or "" */
	char			 delayed[160];	/* the reply a WAITING session owes */
	struct operator_reply	 reply;
	struct pushq		*pushq;		/* pushes not yet given to conn */
	int			 push_drain;	/* conn's drain calls the push pump */
	int			 pumping;	/* in operator_push_pump */
	int			 overflowed;	/* past the bound: closed by its timer */
	struct operator_host	*prelogin;	/* its address's pool entry until READY */
	TAILQ_ENTRY(operator_session) pool_entry;	/* in prelogin->links */
	TAILQ_ENTRY(operator_session) queue_entry;	/* in prelogin->queue */
	LIST_ENTRY(operator_session) entry;
};

/* One address's links not logged in yet, and its LOGINs waiting for a check. */
struct operator_host {
	char				host[LISTENER_PEER_LEN];
	int				count;		/* links in links */
	int				queued;		/* sessions in queue */
	int				arrivals;	/* its connects lately */
	int64_t				last_failure_ms;	/* 0: none known */
	TAILQ_HEAD(, operator_session)	links;		/* oldest first */
	TAILQ_HEAD(, operator_session)	queue;		/* in arrival order */
	TAILQ_ENTRY(operator_host)	entry;		/* round-robin order */
};

/* How often an address connected lately: a flood reconnects, an operator does not. */
struct operator_arrivals {
	char	host[LISTENER_PEER_LEN];
	int64_t	since_ms;	/* the window's start; 0: an empty slot */
	int	count;		/* halved at the end of each window */
};

/* Failed logins of one address, or of one (address, user) pair. */
struct operator_failures {
	char	host[LISTENER_PEER_LEN];
	char	user[ALARM_USER_MAX + 1];	/* "" for an address's record */
	int64_t	times[OPERATOR_ADDRESS_FAILURES];	/* ring of failure times */
	size_t	next;
	int64_t	locked_until;
	int64_t	last_ms;
};

struct operator_link {
	struct operator_deps		 deps;
	struct listener			*listener;
	LIST_HEAD(, operator_session)	 sessions;
	TAILQ_HEAD(, operator_host)	 hosts;		/* with pre-login links */
	int				 prelogin;	/* links not logged in */
	int				 ready;		/* links logged in */
	uint64_t			 accepted;	/* sessions made, for seq */
	struct operator_failures	 failures[OPERATOR_FAILURE_SLOTS];
	struct operator_failures	 pairs[OPERATOR_PAIR_SLOTS];
	struct operator_arrivals	 arrivals[OPERATOR_ARRIVAL_SLOTS];
	int				 queued;	/* LOGINs waiting for a check */
	int64_t				 check_times[OPERATOR_CHECKS_PER_SECOND];
	size_t				 check_next;	/* ring of the last checks' times */
	struct event			*dispatch;	/* the next check's turn */
	struct pwcheck			*pwcheck;
	struct operator_counters	 counters;
	int				 stopping;
	/* The session whose request runs: its pushes wait for the reply. */
	struct operator_session		*requesting;
	struct event			*push_later;	/* pumps after a press is pushed */
	/* Refusals can come thousands a second: N a second, then a count. */
	struct log_limit		 refused_log;
	struct log_limit		 closed_log;
	struct log_limit		 dropped_log;
};

/* One request kind: who may send it, and what runs it. */
struct operator_command {
	enum opproto_command	command;
	int			needs_login;
	int			supervisor_only;
	void			(*run)(struct operator_session *,
				    const struct opproto_request *);
	int			writes;		/* a standby refuses it */
};

/* operator.c */
void	operator_send(struct operator_session *, const char *buf, int len);
void	operator_printf(struct operator_session *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	operator_err(struct operator_session *, const char *code,
	    const char *text);
void	operator_ok(struct operator_session *, const char *detail);
void	operator_close(struct operator_session *);
/* Closes at once, discarding output (a link dropped to make room). */
void	operator_drop(struct operator_session *, const char *reason);
void	operator_arm(struct operator_session *, int64_t ms);
/* Whether the session is among those the change is for (ESCALATE level=2). */
int	operator_audience(const struct operator_session *,
	    const struct change *);

/* operator_login.c */
void	operator_login(struct operator_session *,
	    const struct opproto_request *);
void	operator_logout(struct operator_session *,
	    const struct opproto_request *);
/* A queued LOGIN's turn: its password goes to the worker. */
void	operator_login_check(struct operator_session *);
/* The held-back answer of a refused LOGIN is due. */
void	operator_login_delayed(struct operator_session *);
/* A user name for the log: the account's, or a length when there is none. */
const char	*operator_log_user(const struct operator_link *, const char *user,
		    char *buf, size_t len);
/* When the address last failed a login (0: not within the window). */
int64_t	operator_failures_last(struct operator_link *, const char *host);

/* operator_prelogin.c */
/* Takes a new link into the pool, first dropping one if it is full. */
int	operator_prelogin_add(struct operator_session *);
/* The session logged in or goes away: out of the pool and the queue. */
void	operator_prelogin_remove(struct operator_session *);
/* Drops the oldest links of the fullest addresses until within the limits. */
void	operator_prelogin_trim(struct operator_link *);
/* Queues a LOGIN for its password check and runs whatever is due. */
void	operator_prelogin_enqueue(struct operator_session *);
/* A failed login from host: its queued LOGINs now wait behind others'. */
void	operator_prelogin_failed(struct operator_link *, const char *host,
	    int64_t now);
void	operator_prelogin_free(struct operator_link *);
int	operator_prelogin_init(struct operator_link *);

/* operator_reply.c */
/* Starts a reply of kind; the handler has filled session->reply. */
void	operator_reply_start(struct operator_session *);
void	operator_reply_clear(struct operator_session *);

/* operator_push.c */
/* The change's line, queued for every logged-in session and sent as they drain. */
void	operator_push_change(struct operator_link *, const struct change *,
	    const char *buf, size_t len);
/* Gives queued pushes to the conn while it has room (after a reply, a request). */
void	operator_push_pump(struct operator_session *);
int	operator_push_init(struct operator_link *);
void	operator_push_free(struct operator_link *);
/* A push for this session only, about alarm (NULL: about nothing in particular). */
void	operator_push_session(struct operator_session *, const struct alarm *,
	    const char *buf, size_t len);
/* The same about no alarm (last rank): what other files called it before. */
void	operator_reply_push(struct operator_session *, const char *buf,
	    size_t len);

/* operator_desk.c */
struct unit_record;
struct uproto_cmd;
/* AUDIO OPEN without a uri: the desk's, else the unit's; -1 answered nodesk. */
int	operator_desk_audio_uri(struct operator_session *,
	    const struct unit_record *, struct uproto_cmd *);
void	operator_desk_plan_request(struct operator_session *,
	    const struct opproto_request *);
void	operator_desk_step(struct operator_session *,
	    const struct opproto_request *);
/* After a CLAIM's OK: the alarm's plan as pushes, to the claimer only. */
void	operator_desk_claimed(struct operator_session *, int64_t alarm_id);

/* operator_requests.c: the request table, NULL for a command it lacks. */
const struct operator_command	*operator_command_find(enum opproto_command);
/*
 * 1 when this receiver is a standby (*active: the active one's host:port,
 * "" while unknown), else 0.
 */
int	operator_standby(struct operator_link *, const char **active);
/* A standby's refusal of a request that writes: ERR standby active=. */
void	operator_standby_refuse(struct operator_session *, const char *active);
/* A stack action's answer: the domain status as an ERR code and text. */
void	operator_answer(struct operator_session *, enum alarm_status,
	    int64_t alarm_id);

/* operator_record.c: CLAIM (force), DETAIL, SEARCH, WHO, HANDOVER. */
void	operator_record_run(struct operator_session *,
	    const struct opproto_request *);
/* After LOGIN: the latest handover note, as a push. */
void	operator_record_login(struct operator_session *);
struct unit_record;
/* A UNIT line with its LF, or -1 when it does not fit. */
int	operator_unit_line(struct unit_record *, char *buf, size_t len);

/* operator_outcomes.c: OUTCOMES, and RESOLVE restored (a supervisor's). */
void	operator_outcomes(struct operator_session *,
	    const struct opproto_request *);
void	operator_outcomes_bulk(struct operator_session *,
	    const struct opproto_request *);

#endif
