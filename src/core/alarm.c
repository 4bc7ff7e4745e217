/*
 * Alarms: the effect of an event on the stack, and the state machine.
 * States: QUEUED -> CLAIMED -> RESOLVED, CLAIMED -> QUEUED on release.
 * Invariants: claimed_by is "" unless CLAIMED; first_claimed_ms, once set,
 * never changes; a RESOLVED alarm never changes again.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refuge/alarm.h"
#include "refuge/line.h"

const char *const alarm_false_reasons[] = {
	"accidental", "misuse", "test", "no-one-there", "fault", "other", NULL
};

const char *const alarm_genuine_actions[] = {
	"police", "fire", "ambulance", "advice", "other", NULL
};

const char *const alarm_technical_actions[] = {
	"engineer", ALARM_ACTION_RESTORED, "none", "other", NULL
};

const struct alarm_lists alarm_default_lists = {
	alarm_false_reasons, alarm_genuine_actions, alarm_technical_actions
};

static const char *const alarm_state_names[] = {
	[ALARM_QUEUED] = "queued",
	[ALARM_CLAIMED] = "claimed",
	[ALARM_RESOLVED] = "resolved",
};

static const char *const alarm_outcome_names[] = {
	[ALARM_OUTCOME_NONE] = "none",
	[ALARM_OUTCOME_GENUINE] = "genuine",
	[ALARM_OUTCOME_FALSE] = "false",
	[ALARM_OUTCOME_TECHNICAL] = "technical",
};

#define ALARM_NSTATES	(sizeof(alarm_state_names) / sizeof(alarm_state_names[0]))
#define ALARM_NOUTCOMES	(sizeof(alarm_outcome_names) / sizeof(alarm_outcome_names[0]))

static int
alarm_raises(const int priorities[EVTYPE_COUNT], enum evtype type)
{
	return (int)type >= 0 && (int)type < EVTYPE_COUNT &&
	    priorities[type] > 0;
}

/* A resolved alarm handed in as "open" counts as none. */
static int
alarm_is_open(const struct alarm *a)
{
	return a != NULL && a->state != ALARM_RESOLVED;
}

enum alarm_effect
alarm_effect(const int priorities[EVTYPE_COUNT], enum evtype type,
    int on_test, const struct alarm *open)
{
	if (alarm_raises(priorities, type)) {
		if (on_test)
			return ALARM_EFFECT_TESTSIGNAL;
		return alarm_is_open(open) ? ALARM_EFFECT_REPEAT :
		    ALARM_EFFECT_RAISE;
	}
	if (evtype_restores(type) >= 0)
		return alarm_is_open(open) ? ALARM_EFFECT_RESTORE :
		    ALARM_EFFECT_NONE;
	return ALARM_EFFECT_NONE;
}

int
alarm_effect_lookup_type(const int priorities[EVTYPE_COUNT], enum evtype type)
{
	if (alarm_raises(priorities, type))
		return (int)type;
	return evtype_restores(type);
}

/* 1 if user can be stored as a claimer: 1 to ALARM_USER_MAX bytes. */
static int
alarm_user_ok(const char *user)
{
	size_t	n;

	if (user == NULL)
		return 0;
	n = strlen(user);
	return n > 0 && n <= ALARM_USER_MAX;
}

static int
alarm_claimed_by(const struct alarm *a, const char *user)
{
	return a->state == ALARM_CLAIMED && user != NULL &&
	    strcmp(a->claimed_by, user) == 0;
}

enum alarm_status
alarm_claim(struct alarm *a, const char *user, int64_t now_ms)
{
	if (a->state == ALARM_RESOLVED)
		return ALARM_ERR_RESOLVED;
	if (!alarm_user_ok(user))
		return ALARM_ERR_DENIED;
	if (a->state == ALARM_CLAIMED)
		return alarm_claimed_by(a, user) ? ALARM_OK :
		    ALARM_ERR_CLAIMED;
	a->state = ALARM_CLAIMED;
	memcpy(a->claimed_by, user, strlen(user) + 1);
	a->claimed_ms = now_ms;
	if (a->first_claimed_ms == -1)
		a->first_claimed_ms = now_ms;
	return ALARM_OK;
}

static void
alarm_unclaim(struct alarm *a)
{
	a->state = ALARM_QUEUED;
	a->claimed_by[0] = '\0';
	a->claimed_ms = -1;
}

enum alarm_status
alarm_release(struct alarm *a, const char *user, int supervisor)
{
	if (a->state == ALARM_RESOLVED)
		return ALARM_ERR_RESOLVED;
	if (a->state == ALARM_QUEUED)
		return ALARM_ERR_NOT_CLAIMED;
	if (!supervisor && !alarm_claimed_by(a, user))
		return ALARM_ERR_CLAIMED;
	alarm_unclaim(a);
	return ALARM_OK;
}

int
alarm_release_user(struct alarm *a, const char *user)
{
	if (!alarm_claimed_by(a, user))
		return 0;
	alarm_unclaim(a);
	return 1;
}

int
alarm_is_activation(enum evtype type)
{
	return type == EVTYPE_BUTTON;
}

int
alarm_outcome_allowed(enum evtype type, enum alarm_outcome outcome)
{
	switch (outcome) {
	case ALARM_OUTCOME_GENUINE:
		return 1;
	case ALARM_OUTCOME_FALSE:
		return alarm_is_activation(type);
	case ALARM_OUTCOME_TECHNICAL:
		return !alarm_is_activation(type);
	default:
		return 0;
	}
}

/* Whether reason and action classify the outcome by the lists. */
static int
alarm_classified(const struct alarm_lists *lists, enum alarm_outcome outcome,
    const char *reason, const char *action)
{
	switch (outcome) {
	case ALARM_OUTCOME_FALSE:
		return alarm_word_in(lists->false_reasons, reason) &&
		    action == NULL;
	case ALARM_OUTCOME_GENUINE:
		return alarm_word_in(lists->genuine_actions, action) &&
		    reason == NULL;
	case ALARM_OUTCOME_TECHNICAL:
		return reason == NULL && (action == NULL ||
		    strcmp(action, ALARM_ACTION_RESTORED) == 0 ||
		    alarm_word_in(lists->technical_actions, action));
	default:
		return 0;
	}
}

enum alarm_status
alarm_resolve_with(struct alarm *a, const char *user, int supervisor,
    enum alarm_outcome outcome, const char *reason, const char *action,
    const struct alarm_lists *lists)
{
	if (a->state == ALARM_RESOLVED)
		return ALARM_ERR_RESOLVED;
	if (!supervisor && !alarm_claimed_by(a, user))
		return a->state == ALARM_QUEUED ? ALARM_ERR_NOT_CLAIMED :
		    ALARM_ERR_CLAIMED;
	if (outcome != ALARM_OUTCOME_NONE &&
	    !alarm_outcome_allowed(a->type, outcome))
		return ALARM_ERR_OUTCOME;
	if (!alarm_classified(lists != NULL ? lists : &alarm_default_lists,
	    outcome, reason, action))
		return ALARM_ERR_CLASSIFY;
	a->state = ALARM_RESOLVED;
	a->claimed_by[0] = '\0';
	a->outcome = outcome;
	return ALARM_OK;
}

enum alarm_status
alarm_resolve(struct alarm *a, const char *user, int supervisor,
    enum alarm_outcome outcome, const char *reason, const char *action)
{
	return alarm_resolve_with(a, user, supervisor, outcome, reason, action,
	    NULL);
}

int
alarm_escalation_level(int64_t waited_ms, int64_t after_ms,
    int64_t supervisor_after_ms)
{
	if (waited_ms >= supervisor_after_ms && waited_ms >= after_ms)
		return 2;
	return waited_ms >= after_ms ? 1 : 0;
}

const char *
alarm_status_text(enum alarm_status st)
{
	switch (st) {
	case ALARM_OK:
		return "ok";
	case ALARM_ERR_CLAIMED:
		return "alarm is claimed by another operator";
	case ALARM_ERR_RESOLVED:
		return "alarm is already resolved";
	case ALARM_ERR_NOT_CLAIMED:
		return "alarm is not claimed by you";
	case ALARM_ERR_DENIED:
		return "not allowed for your role";
	case ALARM_ERR_CLASSIFY:
		return "false needs reason=, genuine action=, technical an "
		    "optional action=, each from the lists OUTCOMES gives";
	case ALARM_ERR_OUTCOME:
		return "a BUTTON alarm resolves genuine or false, any other "
		    "type technical or genuine";
	case ALARM_ERR_NOT_FOUND:
		return "no such alarm";
	case ALARM_ERR_NOT_STORED:
		return "alarm not yet stored";
	case ALARM_ERR_STORE:
		return "storage failed; nothing changed";
	}
	return "unknown status";
}

int
alarm_word_in(const char *const *list, const char *word)
{
	if (word == NULL)
		return 0;
	for (; *list != NULL; list++) {
		if (strcmp(*list, word) == 0)
			return 1;
	}
	return 0;
}

const char *
alarm_state_name(enum alarm_state st)
{
	if ((size_t)st >= ALARM_NSTATES)
		return "unknown";
	return alarm_state_names[st];
}

const char *
alarm_outcome_name(enum alarm_outcome o)
{
	if ((size_t)o >= ALARM_NOUTCOMES)
		return "unknown";
	return alarm_outcome_names[o];
}

int
alarm_state_from_name(const char *name, enum alarm_state *st)
{
	size_t	i;

	for (i = 0; i < ALARM_NSTATES; i++) {
		if (strcmp(alarm_state_names[i], name) == 0) {
			*st = (enum alarm_state)i;
			return 0;
		}
	}
	return -1;
}

int
alarm_outcome_from_name(const char *name, enum alarm_outcome *o)
{
	size_t	i;

	for (i = 0; i < ALARM_NOUTCOMES; i++) {
		if (strcmp(alarm_outcome_names[i], name) == 0) {
			*o = (enum alarm_outcome)i;
			return 0;
		}
	}
	return -1;
}

int
alarm_compare(const struct alarm *a, const struct alarm *b)
{
	if (a->priority != b->priority)
		return a->priority < b->priority ? -1 : 1;
	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	return 0;
}

void
alarm_detail(const char *attributes, char *out, size_t len)
{
	static const char *const	 shown[] = { "code", "verify", "path" };
	struct line_parsed		*lp;
	char				 err[64], q[LINE_MAX_BYTES + 3];
	size_t				 i, k, off = 0;
	int				 n;

	if (len > 0)
		out[0] = '\0';
	if (attributes == NULL || attributes[0] == '\0' ||
	    (lp = calloc(1, sizeof(*lp))) == NULL)
		return;
	if (line_parse(lp, attributes, strlen(attributes), err, sizeof(err)) ==
	    0)
		for (k = 0; k < sizeof(shown) / sizeof(shown[0]); k++)
			for (i = 0; i < lp->count; i++) {
				if (lp->tokens[i].key == NULL ||
				    strcmp(lp->tokens[i].key, shown[k]) != 0 ||
				    line_quote(q, sizeof(q),
				    lp->tokens[i].value) < 0)
					continue;
				n = snprintf(out + off, len - off, "%s%s=%s",
				    off ? " " : "", shown[k], q);
				if (n < 0 || (size_t)n >= len - off) {
					out[off] = '\0';	/* what fits, whole */
					break;
				}
				off += (size_t)n;
			}
	free(lp);
}
