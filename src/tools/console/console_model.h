/*
 * refuge-console's model: the client-side copy of the alarm stack and the
 * units, fed with the receiver's lines as opproto_client parses them. Pure:
 * no sockets, no terminal, no clock (the caller hands in the time). The
 * bottom of the console: it calls none of the console's other modules.
 */
#ifndef REFUGE_CONSOLE_MODEL_H
#define REFUGE_CONSOLE_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "refuge/alarm.h"
#include "refuge/line.h"
#include "refuge/opproto_client.h"
#include "refuge/timefmt.h"

#define CONSOLE_TEXT_MAX	LINE_MAX_BYTES	/* a name, a note, a step */
#define CONSOLE_ID_MAX		65
#define CONSOLE_MAX_NOTES	16
#define CONSOLE_MAX_STEPS	32
#define CONSOLE_MAX_HISTORY	20
#define CONSOLE_MAX_CMDS	32
#define CONSOLE_MAX_MESSAGES	8

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
	int	 unstored;		/* stored=no: the receiver could not store it yet */
	char	 by[ALARM_USER_MAX + 1];
	char	 verify[CONSOLE_TEXT_MAX];	/* a DC-09 panel's clip URL, or "" */
	char	 code[32];			/* its code (UNKNOWN_CODE), or "" */
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
	char	 paths[32];		/* "tls,dc09", "-"; "" if not told */
	int	 no_commands;		/* reachable only by DC-09 */
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
	int			  store_failing;	/* the last RECEIVER push */
	char			  store_reason[CONSOLE_TEXT_MAX];
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
 * Applies one parsed line from refuged: an ALARM or UNIT data line, or a
 * push. now_ms is the client's clock, for pushes that carry no time.
 * Returns 0 (effect and, for a new alarm, its priority set), or -1 with err
 * (a line the model takes no data from; nothing changed). A push of a kind
 * it does not know is no error: its effect is NONE.
 */
int	console_model_apply_msg(struct console_model *,
	    const struct opproto_client_msg *, int64_t now_ms,
	    enum console_effect *, int *priority, char *err, size_t errlen);
/* The same from the line as it came; -1 also when it does not parse. */
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
int	console_model_plan_step_msg(struct console_model *, int64_t id,
	    const struct opproto_client_msg *, char *err, size_t errlen);
int	console_model_plan_step(struct console_model *, int64_t id,
	    const char *line, char *err, size_t errlen);
/*
 * HISTORY's reply: clear for a unit, then one line at a time; an EVENT line
 * is kept without its keyword, anything else as it came.
 */
void	console_model_history_clear(struct console_model *, const char *unit);
void	console_model_history_line(struct console_model *, const char *line);
/*
 * A command was sent ("OK cmd=<id>"); what is the command's words. An AUDIO
 * OPEN or AUDIO CLOSE marks the unit's audio open or closed.
 */
void	console_model_cmd_sent(struct console_model *, const char *cmd_id,
	    const char *unit, const char *what);
/* The i-th newest command (0 newest), or NULL. */
const struct console_cmd *console_model_cmd(const struct console_model *,
	    size_t i);
/* A line for the message log, shown newest first. */
void	console_model_message(struct console_model *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
const char *console_model_message_get(const struct console_model *, size_t i);

#endif
