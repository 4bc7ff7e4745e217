/*
 * RESOLVE's two forms: one alarm with its classification, and a
 * supervisor's bulk close of restored technical alarms. The words of a
 * classification are checked for form here; whether the lists hold them
 * is the alarm state machine's question (they come from units.yaml).
 */
#include <string.h>

#include "refuge/evtype.h"
#include "refuge/line.h"
#include "opproto_internal.h"

/* A reason= or action= value: one token as OUTCOME lines carry it. */
static int
opproto_resolve_word_ok(const char *v)
{
	return v[0] != '\0' && strlen(v) <= ALARM_WORD_MAX && line_is_ident(v);
}

/* RESOLVE restored type=<TYPE> [site=<s>] technical */
static int
opproto_resolve_bulk(struct opproto_request *req, char *err, size_t errlen)
{
	const struct line_token	*t = req->line.tokens;
	int			 technical = 0;
	size_t			 i;

	req->bulk_restored = 1;
	for (i = 2; i < req->line.count; i++) {
		if (t[i].key == NULL) {
			if (t[i].quoted || strcmp(t[i].value, "technical") != 0 ||
			    technical)
				return opproto_fail(err, errlen, "bulk resolve "
				    "takes only the outcome technical");
			technical = 1;
		} else if (strcmp(t[i].key, "type") == 0) {
			if (req->type != EVTYPE_COUNT)
				return opproto_fail(err, errlen,
				    "duplicate type=");
			if (evtype_from_name(t[i].value, &req->type) == -1 ||
			    req->type == EVTYPE_BUTTON) {
				req->type = EVTYPE_COUNT;
				return opproto_fail(err, errlen, "bad type '%.*s' "
				    "(a technical alarm's type)",
				    opproto_show(t[i].value), t[i].value);
			}
		} else if (strcmp(t[i].key, "site") == 0) {
			if (req->site_id != NULL)
				return opproto_fail(err, errlen,
				    "duplicate site=");
			if (!line_is_ident(t[i].value))
				return opproto_fail(err, errlen, "bad site");
			req->site_id = t[i].value;
		} else
			return opproto_fail(err, errlen,
			    "unknown attribute '%.*s'", opproto_show(t[i].key),
			    t[i].key);
	}
	if (req->type == EVTYPE_COUNT)
		return opproto_fail(err, errlen, "missing type=");
	if (!technical)
		return opproto_fail(err, errlen, "missing outcome technical");
	req->outcome = ALARM_OUTCOME_TECHNICAL;
	return 0;
}

/* Checks reason= and action= against the outcome's form. */
static int
opproto_resolve_shape(const struct opproto_request *req, char *err,
    size_t errlen)
{
	switch (req->outcome) {
	case ALARM_OUTCOME_FALSE:
		if (req->reason == NULL)
			return opproto_fail(err, errlen,
			    "false needs reason= (OUTCOMES lists them)");
		if (req->action != NULL)
			return opproto_fail(err, errlen,
			    "false takes no action=");
		break;
	case ALARM_OUTCOME_GENUINE:
		if (req->action == NULL)
			return opproto_fail(err, errlen,
			    "genuine needs action= (OUTCOMES lists them)");
		/* FALLTHROUGH */
	default:
		if (req->reason != NULL)
			return opproto_fail(err, errlen, "%s takes no reason=",
			    alarm_outcome_name(req->outcome));
		break;
	}
	return 0;
}

int
opproto_resolve_parse(struct opproto_request *req, char *err, size_t errlen)
{
	const struct line_token	*t = req->line.tokens;
	const char		*v, **slot;
	size_t			 i;

	if ((v = opproto_word(req, 1)) != NULL && strcmp(v, "restored") == 0)
		return opproto_resolve_bulk(req, err, errlen);
	if (opproto_alarm_id(req, err, errlen) == -1)
		return -1;
	if (req->line.count < 3)
		return opproto_fail(err, errlen, "missing outcome");
	if ((v = opproto_word(req, 2)) == NULL)
		return opproto_fail(err, errlen, "bad outcome");
	if (alarm_outcome_from_name(v, &req->outcome) == -1 ||
	    req->outcome == ALARM_OUTCOME_NONE) {
		req->outcome = ALARM_OUTCOME_NONE;
		return opproto_fail(err, errlen, "unknown outcome '%.*s' "
		    "(genuine, false or technical)", opproto_show(v), v);
	}
	/* Attributes come first; the first plain token starts the note. */
	for (i = 3; i < req->line.count && t[i].key != NULL; i++) {
		if (strcmp(t[i].key, "reason") == 0)
			slot = &req->reason;
		else if (strcmp(t[i].key, "action") == 0)
			slot = &req->action;
		else
			return opproto_fail(err, errlen,
			    "unknown attribute '%.*s'", opproto_show(t[i].key),
			    t[i].key);
		if (*slot != NULL)
			return opproto_fail(err, errlen, "duplicate %s=",
			    t[i].key);
		if (!opproto_resolve_word_ok(t[i].value))
			return opproto_fail(err, errlen, "unknown %s '%.*s'",
			    t[i].key, opproto_show(t[i].value), t[i].value);
		*slot = t[i].value;
	}
	if (opproto_resolve_shape(req, err, errlen) == -1)
		return -1;
	if (i < req->line.count)
		return opproto_text(req, i, err, errlen);
	return 0;
}
