/*
 * refuge-console, the operator client: private interfaces.
 * console_model.c is pure (the client-side copy of the alarm stack and the
 * units, fed with protocol lines); console.c holds main, the options and
 * start-up; console_link.c the link to refuged and its request queue;
 * console_batch.c the --batch and --watch modes; console_ui.c draws with
 * ncurses; console_keys.c handles the keys and the prompts they open.
 */
#ifndef REFUGE_CONSOLE_H
#define REFUGE_CONSOLE_H

#include <sys/queue.h>
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>
#include <wchar.h>

#include "refuge/alarm.h"
#include "refuge/line.h"
#include "refuge/timefmt.h"

#define CONSOLE_TEXT_MAX	LINE_MAX_BYTES	/* a name, a note, a step */
#define CONSOLE_ID_MAX		65
#define CONSOLE_MAX_NOTES	16
#define CONSOLE_MAX_STEPS	32
#define CONSOLE_MAX_HISTORY	20
#define CONSOLE_MAX_CMDS	32
#define CONSOLE_MAX_MESSAGES	8

/* ---- the model (pure) */

struct console_alarm {
	int64_t	 id;
	int	 priority;
	char	 state[16];		/* queued, claimed */
	char	 type[32];
	char	 unit[CONSOLE_ID_MAX];
	char	 site[CONSOLE_ID_MAX];
	char	 at[TIMEFMT_ISO_LEN];
	int64_t	 at_ms;			/* raised, unix ms; -1 if unreadable */
	char	 name[CONSOLE_TEXT_MAX];
	int	 count;
	int	 restored;
	char	 by[ALARM_USER_MAX + 1];
	int64_t	 escalated_ms;		/* last ESCALATE push, client time; -1 none */
	int64_t	 waited_s;
	char	 notes[CONSOLE_MAX_NOTES][CONSOLE_TEXT_MAX];	/* notes this console added */
	size_t	 note_count;
	char	 steps[CONSOLE_MAX_STEPS][CONSOLE_TEXT_MAX];	/* PLAN, once read */
	size_t	 step_count;
	int	 plan_read;
	int	 seen;			/* mark for a full re-read */
};

struct console_unit {
	char	 id[CONSOLE_ID_MAX];
	char	 state[16];		/* online, offline, ... */
	char	 last_seen[TIMEFMT_ISO_LEN];	/* "-" if never */
	int64_t	 last_seen_ms;		/* -1 if never */
	char	 site[CONSOLE_ID_MAX];
	char	 name[CONSOLE_TEXT_MAX];
	char	 test_until[TIMEFMT_ISO_LEN];	/* "" unless on test */
	int	 audio_open;		/* this console opened its audio */
	int	 seen;
};

/* A command this console sent, and its result once pushed. */
struct console_cmd {
	char	 id[CONSOLE_ID_MAX];
	char	 unit[CONSOLE_ID_MAX];
	char	 what[64];		/* "LIGHT FLASH" */
	char	 result[16];		/* sent, done, fail, timeout */
	char	 reason[128];
};

struct console_model {
	struct console_alarm	**alarms;	/* stack order: priority, then id */
	size_t			  alarm_count;
	size_t			  alarm_cap;
	struct console_unit	 *units;	/* in the order UNITS gave them */
	size_t			  unit_count;
	size_t			  unit_cap;
	struct console_cmd	  cmds[CONSOLE_MAX_CMDS];	/* ring, newest at cmd_next - 1 */
	size_t			  cmd_next;
	char			  history_unit[CONSOLE_ID_MAX];
	char			  history[CONSOLE_MAX_HISTORY][CONSOLE_TEXT_MAX];
	size_t			  history_count;
	char			  messages[CONSOLE_MAX_MESSAGES][CONSOLE_TEXT_MAX];	/* ring */
	size_t			  message_next;
};

/* What applying a line did, for the screen (bell, flash). */
enum console_effect {
	CONSOLE_EFFECT_NONE,
	CONSOLE_EFFECT_NEW_ALARM,	/* a push of an alarm not known before */
	CONSOLE_EFFECT_CHANGED
};

struct console_counts {
	size_t	open, queued, claimed;
	size_t	units_online, units_total;
};

struct console_model	*console_model_new(void);
void			 console_model_free(struct console_model *);
/*
 * Applies one line from refuged: an ALARM or UNIT data line, or a push
 * ("* ..."). now_ms is the client's clock, for pushes that carry no time.
 * Returns 0 (effect and, for a new alarm, its priority set), or -1 with err
 * (the line is not understood; nothing changed).
 */
int	console_model_apply(struct console_model *, const char *line,
	    int64_t now_ms, enum console_effect *, int *priority, char *err,
	    size_t errlen);
/* A full re-read: mark everything, apply the lines, then sweep what was not seen. */
void	console_model_mark_alarms(struct console_model *);
void	console_model_sweep_alarms(struct console_model *);
void	console_model_mark_units(struct console_model *);
void	console_model_sweep_units(struct console_model *);

struct console_alarm	*console_model_alarm(struct console_model *, int64_t id);
/* Position of the alarm in stack order, or -1. */
long	console_model_alarm_index(const struct console_model *, int64_t id);
struct console_unit	*console_model_unit(struct console_model *, const char *id);
void	console_model_counts(const struct console_model *, struct console_counts *);

/* Notes this console added to an alarm. Returns 0 or -1 (unknown alarm or full). */
int	console_model_note(struct console_model *, int64_t id, const char *text);
/* PLAN's reply: clear, then one STEP line at a time. */
int	console_model_plan_clear(struct console_model *, int64_t id);
int	console_model_plan_step(struct console_model *, int64_t id,
	    const char *line, char *err, size_t errlen);
/* HISTORY's reply: clear for a unit, then one EVENT line at a time. */
void	console_model_history_clear(struct console_model *, const char *unit);
void	console_model_history_line(struct console_model *, const char *line);
/* A command sent ("OK cmd=<id>"). */
void	console_model_cmd_sent(struct console_model *, const char *cmd_id,
	    const char *unit, const char *what);
/* The i-th newest command (0 newest), or NULL. */
const struct console_cmd *console_model_cmd(const struct console_model *,
	    size_t i);
/* A line for the message log, shown newest first. */
void	console_model_message(struct console_model *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
const char *console_model_message_get(const struct console_model *, size_t i);

/* ---- the program (console.c) and its link (console_link.c) */

enum console_mode {
	CONSOLE_MODE_UI,
	CONSOLE_MODE_BATCH,
	CONSOLE_MODE_WATCH
};

enum console_link_state {
	CONSOLE_DISCONNECTED,	/* waiting to reconnect */
	CONSOLE_CONNECTING,	/* TCP and TLS */
	CONSOLE_LOGGING_IN,
	CONSOLE_READY
};

/* What a request's reply feeds. */
enum console_req_kind {
	CONSOLE_REQ_RAW,	/* batch: printed as received */
	CONSOLE_REQ_LOGIN,
	CONSOLE_REQ_ALARMS,
	CONSOLE_REQ_UNITS,
	CONSOLE_REQ_HISTORY,
	CONSOLE_REQ_PLAN,
	CONSOLE_REQ_NOTE,
	CONSOLE_REQ_CMD,
	CONSOLE_REQ_PING,
	CONSOLE_REQ_OTHER	/* CLAIM, RELEASE, RESOLVE: the reply is a message */
};

#define CONSOLE_PASSWORD_MAX	256

struct conn;
struct console_req;		/* console_link.c's */
struct console_ui;
struct event;
struct event_base;
struct ssl_ctx_st;		/* SSL_CTX */

/* The program's state; the screen reads it only through the functions below. */
struct console {
	struct event_base		*base;
	struct ssl_ctx_st		*ctx;
	struct sockaddr_storage		 addr;
	socklen_t			 addrlen;
	char				 server[300];	/* host:port as given */
	char				 host[256];	/* the server name to verify */
	char				 user[ALARM_USER_MAX + 1];	/* "" : no login */
	char				 password[CONSOLE_PASSWORD_MAX];
	enum console_mode		 mode;
	enum console_link_state		 state;
	struct conn			*conn;
	TAILQ_HEAD(, console_req)	 queue;
	int				 in_flight;	/* the queue's head is sent */
	struct event			*retry;
	struct event			*deadline;
	struct event			*ping;
	struct event			*input;
	struct event			*sigint;
	struct event			*sigterm;
	int64_t				 backoff_ms;
	int64_t				 retry_at_ms;
	char				 down_reason[256];
	struct console_model		*model;
	struct console_ui		*ui;
	int				 exit_status;
	int				 finished;
	char				 fatal[512];	/* printed after the screen is gone */
	/* batch: stdin, buffered */
	char				*inbuf;
	size_t				 inlen;
	size_t				 incap;
	int				 in_eof;
};

struct console_model	*console_get_model(struct console *);
enum console_link_state	 console_get_state(const struct console *);
const char		*console_get_user(const struct console *);
const char		*console_get_server(const struct console *);
/* Why the link is down, and seconds until the next attempt (-1: none). */
const char		*console_get_down_reason(const struct console *);
int			 console_get_retry_in(const struct console *, int64_t now_ms);
/* Ends the loop; main tears down. status is the exit status. */
void			 console_finish(struct console *, int status);
/* Ends the program's loop (UI quit). */
void			 console_quit(struct console *);

/* Makes the link's timers (retry, reply deadline, ping). Returns 0 or -1. */
int	console_link_init(struct console *);
/* Starts a connection; a failure goes down and, in the UI, retries. */
void	console_link_connect(struct console *);
/*
 * Queues a request; it goes out when every earlier one has its OK/ERR.
 * alarm_id, unit and what say what the reply is about. Returns 0, or -1
 * (not logged in, or the line cannot be made).
 */
int	console_link_request(struct console *, enum console_req_kind,
	    int64_t alarm_id, const char *unit, const char *what,
	    const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* Queues len bytes of text as one line, not sent yet. Returns 0 or -1. */
int	console_link_queue(struct console *, enum console_req_kind,
	    int64_t alarm_id, const char *unit, const char *what,
	    const char *text, size_t len);
/* Sends the queue's head if nothing is in flight. */
void	console_link_send_next(struct console *);
/* Drops every queued request (the link is gone). */
void	console_link_drop_queue(struct console *);

/* ---- batch and watch modes (console_batch.c) */

/* Starts reading requests from stdin. Returns 0 or -1 with errno. */
int	console_batch_start(struct console *);
/* Queues the next request from stdin once the previous one is answered. */
void	console_batch_next(struct console *);
/* A line printed as received. */
void	console_batch_print(const char *line);

/* ---- the screen (console_ui.c) and its keys (console_keys.c) */

enum console_prompt {
	CONSOLE_PROMPT_NONE,
	CONSOLE_PROMPT_NOTE,
	CONSOLE_PROMPT_OUTCOME,		/* genuine or false */
	CONSOLE_PROMPT_REASON,		/* a false alarm's reason, by number */
	CONSOLE_PROMPT_ACTION,		/* a genuine alarm's action, by number */
	CONSOLE_PROMPT_RESOLVE_NOTE,
	CONSOLE_PROMPT_CAMERA
};

struct console_ui {
	struct console		*console;
	struct event		*input;
	struct event		*tick;
	struct event		*winch;
	struct event		*redraw;
	int64_t			 selected;	/* alarm id; 0: none */
	long			 selected_row;
	int			 phase;		/* flips each second: flashing */
	int			 help;		/* the help screen is up */
	int			 colours;
	int			 genuine;	/* RESOLVE: the outcome chosen */
	enum console_prompt	 prompt;
	int64_t			 prompt_alarm;
	char			 prompt_unit[CONSOLE_ID_MAX];
	const char		*choice;	/* RESOLVE: reason= or action= word */
	char			 text[CONSOLE_TEXT_MAX];	/* what is typed */
	size_t			 text_len;
	char			 history_unit[CONSOLE_ID_MAX];	/* HISTORY asked for */
};

/* Takes the terminal; NULL with err set if it is not one. */
struct console_ui	*console_ui_new(struct console *, struct event_base *,
			    char *err, size_t errlen);
/* Gives the terminal back. */
void	console_ui_free(struct console_ui *);
/* Something changed: redraw soon. */
void	console_ui_changed(struct console_ui *);
/* A line was applied with this effect (bell on a new priority-1 alarm). */
void	console_ui_effect(struct console_ui *, enum console_effect, int priority);
/* The link is up again with a fresh model: re-read what the pane shows. */
void	console_ui_ready(struct console_ui *);
/* The selected alarm, or NULL; the selection keeps its row when the alarm goes. */
struct console_alarm	*console_ui_selected(struct console_ui *);

/* A key read from the terminal; function is set for KEY_* codes. */
void	console_keys_press(struct console_ui *, wint_t ch, int function);
/* The i-th entry of the key help (0 first). Returns 0, or -1 past the end. */
int	console_keys_help(size_t i, const char **keys, const char **help);

#endif
