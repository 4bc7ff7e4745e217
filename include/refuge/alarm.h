/*
 * Alarms: which event raises, attaches to or restores an alarm, and the
 * alarm state machine. Pure.
 * States: QUEUED -> CLAIMED (by one operator) -> RESOLVED;
 *         CLAIMED -> QUEUED by release or when the claimer disconnects.
 */
#ifndef REFUGE_ALARM_H
#define REFUGE_ALARM_H

#include <stddef.h>
#include <stdint.h>

#include "evtype.h"

#define ALARM_USER_MAX	32
#define ALARM_DETAIL_MAX	240

enum alarm_state {
	ALARM_QUEUED,
	ALARM_CLAIMED,
	ALARM_RESOLVED
};

enum alarm_outcome {
	ALARM_OUTCOME_NONE,
	ALARM_OUTCOME_GENUINE,
	ALARM_OUTCOME_FALSE,
	ALARM_OUTCOME_TECHNICAL		/* a technical alarm dealt with */
};

struct alarm {
	int64_t			 id;		/* row id in the store */
	uint64_t		 seq;		/* arrival order, ties within a priority */
	int			 priority;	/* 1 highest */
	enum alarm_state	 state;
	enum evtype		 type;
	char			 unit_id[65];
	char			 site_id[65];
	int64_t			 raised_ms;
	int			 count;		/* events of this type attached, >= 1 */
	int			 restored;
	int			 from_last_run;	/* loaded from the store at start-up */
	char			 claimed_by[ALARM_USER_MAX + 1];	/* "" unless CLAIMED */
	int64_t			 claimed_ms;
	int64_t			 first_claimed_ms;	/* -1: never claimed */
	int64_t			 last_escalated_ms;	/* -1: never escalated */
	int			 escalation_level;	/* 0 none, 1 consoles, 2 supervisors */
	enum alarm_outcome	 outcome;
	int			 unstored;	/* shown before its commit (store failing) */
	/* From its first event: "code=.. verify=.. path=..", for ALARM lines */
	char			 detail[ALARM_DETAIL_MAX + 1];
	size_t			 queue_index;	/* owned by alarmq */
};

/* What an event does to the stack. */
enum alarm_effect {
	ALARM_EFFECT_NONE,	/* stored only (TEST, a restore with nothing open, ...) */
	ALARM_EFFECT_RAISE,	/* a new alarm */
	ALARM_EFFECT_REPEAT,	/* attached to the open alarm of the same type: count + 1 */
	ALARM_EFFECT_RESTORE,	/* attached to the open alarm it restores: restored */
	ALARM_EFFECT_TESTSIGNAL	/* unit on test: pushed as TESTSIGNAL, no alarm */
};

/*
 * Decides an event's effect. priorities is the registry's table (0: no
 * alarm). open is the unit's newest open alarm of the type that matters: for
 * a raising type, the same type; for a restore, the type it restores; NULL if
 * none. on_test: the unit is on test now.
 */
enum alarm_effect	alarm_effect(const int priorities[EVTYPE_COUNT],
			    enum evtype, int on_test, const struct alarm *open);
/* The type whose open alarm alarm_effect() needs for this event type, or -1. */
int			alarm_effect_lookup_type(const int priorities[EVTYPE_COUNT],
			    enum evtype);

/* Outcomes of a state change; each maps to an operator protocol ERR code. */
enum alarm_status {
	ALARM_OK = 0,
	ALARM_ERR_CLAIMED,	/* claimed by another operator */
	ALARM_ERR_RESOLVED,	/* already resolved */
	ALARM_ERR_NOT_CLAIMED,	/* release/resolve of an alarm the user has not claimed */
	ALARM_ERR_DENIED,	/* the user's role does not allow it */
	ALARM_ERR_CLASSIFY,	/* reason/action missing or wrong for the outcome */
	ALARM_ERR_NOT_FOUND,	/* no open alarm of that id, nor a resolved one */
	ALARM_ERR_STORE,	/* the store failed; nothing changed */
	ALARM_ERR_NOT_STORED,	/* shown before its commit: cannot be resolved yet */
	ALARM_ERR_OUTCOME	/* an outcome the alarm's type does not take */
};

enum alarm_status	alarm_claim(struct alarm *, const char *user, int64_t now_ms);
/* Only the claimer, or a supervisor, may release. */
enum alarm_status	alarm_release(struct alarm *, const char *user,
			    int supervisor);
/* The claimer's link dropped: back to QUEUED. Returns 1 if it was claimed by user. */
int			alarm_release_user(struct alarm *, const char *user);
/*
 * Only the claimer or a supervisor may resolve (a supervisor also an
 * unclaimed one). False needs a reason from alarm_false_reasons, genuine an
 * action from alarm_genuine_actions.
 */
enum alarm_status	alarm_resolve(struct alarm *, const char *user,
			    int supervisor, enum alarm_outcome,
			    const char *reason, const char *action);
const char		*alarm_status_text(enum alarm_status);

/* NULL-terminated lists: "accidental misuse test no-one-there fault other". */
extern const char *const alarm_false_reasons[];
/* "police fire ambulance advice other" */
extern const char *const alarm_genuine_actions[];
/* "engineer restored none other" */
extern const char *const alarm_technical_actions[];
int			alarm_word_in(const char *const *list, const char *word);

/*
 * The words each outcome takes (units.yaml's outcomes:, else the lists
 * above), NULL-terminated. A list holds at most ALARM_WORDS_MAX words of at
 * most ALARM_WORD_MAX bytes, so that an OUTCOME line always fits the
 * protocol's 512 bytes. "restored" is always a technical action.
 */
#define ALARM_WORDS_MAX		16
#define ALARM_WORD_MAX		24
#define ALARM_ACTION_RESTORED	"restored"

struct alarm_lists {
	const char *const	*false_reasons;
	const char *const	*genuine_actions;
	const char *const	*technical_actions;
};

extern const struct alarm_lists	alarm_default_lists;

/*
 * An activation (a BUTTON press) resolves genuine or false; every other
 * type is a technical alarm and resolves technical or genuine.
 */
int			alarm_is_activation(enum evtype);
int			alarm_outcome_allowed(enum evtype, enum alarm_outcome);
/*
 * alarm_resolve against the given lists (NULL: the defaults). Technical
 * takes no reason and an optional action. ALARM_ERR_OUTCOME when the type
 * does not take the outcome.
 */
enum alarm_status	alarm_resolve_with(struct alarm *, const char *user,
			    int supervisor, enum alarm_outcome,
			    const char *reason, const char *action,
			    const struct alarm_lists *);
/* The escalation level an alarm queued for waited_ms has reached: 0, 1 or 2. */
int			alarm_escalation_level(int64_t waited_ms, int64_t after_ms,
			    int64_t supervisor_after_ms);

const char		*alarm_state_name(enum alarm_state);
const char		*alarm_outcome_name(enum alarm_outcome);
int			 alarm_state_from_name(const char *, enum alarm_state *);
int			 alarm_outcome_from_name(const char *, enum alarm_outcome *);
/* Stack order: priority, then arrival. <0, 0, >0 like strcmp. */
int			 alarm_compare(const struct alarm *, const struct alarm *);

/*
 * The attributes of an alarm's first event that its ALARM line shows:
 * code= (a DC-09 code, raw), verify= (a verification URL), path= (a path
 * fault), as "key=value ..." quoted as lines quote. "" when none.
 */
void	alarm_detail(const char *attributes, char *out, size_t len);

#endif
