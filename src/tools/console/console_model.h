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
#define CONSOLE_COORD_MAX	24	/* "-0.887000", as sent */
#define CONSOLE_ADDRESS_MAX	128	/* the registry allows 100 bytes */
#define CONSOLE_MAX_CONTACTS	8
#define CONSOLE_MAX_HITS	100	/* SEARCH's default limit */
#define CONSOLE_MAX_RECORD	64	/* DETAIL's EVENT and LOG lines kept */
#define CONSOLE_MAX_INFO	32	/* WHO's or STATS' lines */
#define CONSOLE_MAX_OUTCOMES	17	/* tokens in one resolve list (OUTCOMES' cap) */
#define CONSOLE_OUTCOME_MAX	48
#define CONSOLE_ZONE_MAX	64

/* A step of the site's plan, as PLAN reports it. */
struct console_step {
	char	 text[CONSOLE_TEXT_MAX];
	int	 done;			/* ticked (done=, state=done or by=) */
	char	 by[ALARM_USER_MAX + 1];
	int64_t	 at_ms;			/* when ticked; -1 unknown */
	char	 note[200];		/* given when ticked; cut for the screen */
};

struct console_contact {
	char	 name[96];
	char	 phone[48];
};

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
	struct console_step	steps[CONSOLE_MAX_STEPS];	/* PLAN, once read */
	size_t	 step_count;
	struct console_contact	contacts[CONSOLE_MAX_CONTACTS];	/* PLAN's */
	size_t	 contact_count;
	char	 plan_id[CONSOLE_ID_MAX];	/* PLAN's first line, "" if none */
	int	 plan_night;		/* night=1: the site's night plan */
	int	 plan_read;
	int	 escalate_level;	/* the last ESCALATE's level=, 1 if none */
	char	 lat[CONSOLE_COORD_MAX];	/* "" if the receiver sent none */
	char	 lon[CONSOLE_COORD_MAX];
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
	char	 lat[CONSOLE_COORD_MAX];	/* "" if unknown */
	char	 lon[CONSOLE_COORD_MAX];
	char	 address[CONSOLE_ADDRESS_MAX];
	int64_t	 heard_ms;		/* last heard (heartbeats too); -1 never */
	int	 seen;
};

/* An alarm of SEARCH's list or DETAIL's record, open or closed. */
struct console_hit {
	int64_t	 id;
	int	 priority;
	char	 state[16];
	char	 type[32];
	char	 unit[CONSOLE_ID_MAX];
	char	 site[CONSOLE_ID_MAX];
	int64_t	 at_ms;
	char	 name[CONSOLE_TEXT_MAX];
	char	 outcome[16];		/* outcome=, "" while open */
	char	 detail[96];		/* reason= or action= */
	char	 by[ALARM_USER_MAX + 1];
	char	 lat[CONSOLE_COORD_MAX];
	char	 lon[CONSOLE_COORD_MAX];
};

/* The history view's search form: since, until, unit, site, type, outcome. */
enum console_field {
	CONSOLE_FIELD_SINCE,
	CONSOLE_FIELD_UNTIL,
	CONSOLE_FIELD_UNIT,
	CONSOLE_FIELD_SITE,
	CONSOLE_FIELD_TYPE,
	CONSOLE_FIELD_OUTCOME,
	CONSOLE_FIELDS
};
#define CONSOLE_FIELD_MAX	64

/* The resolve dialog's lists (OUTCOMES, or the defaults). */
enum console_outcome_list {
	CONSOLE_LIST_FALSE,		/* BUTTON false: reason= */
	CONSOLE_LIST_GENUINE,		/* genuine: action= */
	CONSOLE_LIST_TECHNICAL,		/* other types: technical action= */
	CONSOLE_LISTS
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
	int64_t			  new_alarm_id;		/* the last NEW_ALARM effect's */
	int64_t			  escalated_id;		/* the last ESCALATE effect's */
	char			  audio_unit[CONSOLE_ID_MAX];	/* the last AUDIO effect's */
	int			  audio_opened;		/* ... open (1) or close (0) */
	/* The history view: the form, SEARCH's list, and DETAIL's record. */
	char			  form[CONSOLE_FIELDS][CONSOLE_FIELD_MAX];
	struct console_hit	  hits[CONSOLE_MAX_HITS];
	size_t			  hit_count;
	int			  hits_more;		/* OK <n> more=1 */
	int			  searched;		/* a SEARCH answered */
	struct console_hit	  record;		/* DETAIL's ALARM */
	struct console_unit	  record_unit;		/* DETAIL's UNIT */
	char			  record_lines[CONSOLE_MAX_RECORD][CONSOLE_TEXT_MAX];
	size_t			  record_count;
	int			  record_loaded;
	int			  record_stale;		/* the record's alarm changed */
	int			  detail_unsupported;	/* DETAIL got ERR unknown or syntax */
	/* WHO's or STATS' lines, shown until a key. */
	char			  info_title[64];
	char			  info[CONSOLE_MAX_INFO][CONSOLE_TEXT_MAX];
	size_t			  info_count;
	char			  outcomes[CONSOLE_LISTS][CONSOLE_MAX_OUTCOMES]
				      [CONSOLE_OUTCOME_MAX];
	size_t			  outcome_count[CONSOLE_LISTS];
};

/* What applying a line did, for the screen (bell, flash). */
enum console_effect {
	CONSOLE_EFFECT_NONE,
	CONSOLE_EFFECT_NEW_ALARM,	/* a push of an alarm not known before (new_alarm_id) */
	CONSOLE_EFFECT_CHANGED,
	CONSOLE_EFFECT_ESCALATE,	/* an ESCALATE push of escalated_id */
	CONSOLE_EFFECT_AUDIO,		/* an AUDIO command done (audio_unit, audio_opened) */
	CONSOLE_EFFECT_RELOADED		/* the registry changed: re-read the units */
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
/*
 * PLAN's reply: clear, then one line at a time: PLAN <plan-id> [night=1],
 * STEP <n> "<text>" with by=, at=, note= (or done=, state=done) when
 * ticked, and CONTACT lines (a name and a phone, as name= and phone= or as
 * two words); other lines are skipped.
 */
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
/* The first queued alarm in stack order (highest priority, oldest), or NULL. */
struct console_alarm	*console_model_next_queued(struct console_model *);
/* The lowest priority number among queued alarms, or 0 if none is queued. */
int	console_model_queued_top(const struct console_model *);
/* A token as people read it: dashes as spaces ("no-one-there"). */
void	console_model_spaced(char *dst, size_t len, const char *token);

/* console_record.c: the history view's data, the lists and the info lines. */
/* Copies the location keys of an ALARM or UNIT line (lat=, lon=, address=, heard=). */
void	console_record_location(const struct opproto_client_msg *,
	    char *lat, char *lon, char *address, int64_t *heard_ms);
/* The built-in resolve lists, until OUTCOMES answers. */
void	console_record_outcomes_default(struct console_model *);
/* OUTCOMES' reply: clear, then OUTCOME <list> <token> ... lines. */
void	console_record_outcomes_clear(struct console_model *);
int	console_record_outcome_msg(struct console_model *,
	    const struct opproto_client_msg *);
/* SEARCH's reply: clear, ALARM lines, then its OK's detail. */
void	console_record_search_clear(struct console_model *);
int	console_record_search_msg(struct console_model *,
	    const struct opproto_client_msg *);
void	console_record_search_done(struct console_model *, const char *ok_detail);
/*
 * Makes SEARCH's request line from the form, times (when.h's grammar)
 * turned into UTC. Returns 0, or -1 with err naming the bad field.
 */
int	console_record_search_line(const struct console_model *, int64_t now_ms,
	    char *line, size_t len, char *err, size_t errlen);
/* DETAIL's reply: clear, then ALARM, UNIT, EVENT and LOG lines. */
void	console_record_detail_clear(struct console_model *, int64_t id);
int	console_record_detail_msg(struct console_model *,
	    const struct opproto_client_msg *);
/* WHO's or STATS' reply: clear with a title, then one line at a time. */
void	console_record_info_clear(struct console_model *, const char *title);
void	console_record_info_line(struct console_model *,
	    const struct opproto_client_msg *);
/* "unit, address, lat, lon" for the clipboard; -1 if no location is known. */
int	console_record_location_text(struct console_model *, const char *unit,
	    const char *lat, const char *lon, char *buf, size_t len);

#endif
