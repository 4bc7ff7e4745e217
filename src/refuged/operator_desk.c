/*
 * The operator's desk: the plan of an alarm's site with each step's state
 * (PLAN, and pushed after a CLAIM), ticking steps (STEP), and which uri a
 * unit dials when an operator opens audio without one. A step's state is
 * its newest "step" row in the alarm's audit trail, so it survives a
 * restart and is the same record DETAIL shows.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refuge/line.h"
#include "refuge/opproto.h"
#include "refuge/registry.h"
#include "refuge/stack.h"
#include "refuge/store.h"
#include "refuge/units.h"
#include "refuge/uproto.h"
#include "operator_internal.h"

/* A step's newest tick, from the audit. */
struct operator_desk_tick {
	char	by[ALARM_USER_MAX + 1];		/* "" when not ticked */
	int64_t	at_ms;
	char	note[LINE_MAX_BYTES + 1];
};

struct operator_desk_ticks {
	struct operator_desk_tick	*ticks;
	size_t				 count;		/* the plan's steps */
};

int
operator_desk_audio_uri(struct operator_session *session,
    const struct unit_record *record, struct uproto_cmd *cmd)
{
	const char	*uri;

	/* The operator's own desk first: the caller reaches whoever opened. */
	if (session->desk[0] != '\0')
		uri = session->desk;
	else if (record->reg->audio_uri != NULL)
		uri = record->reg->audio_uri;
	else {
		operator_err(session, OPPROTO_ERR_NODESK,
		    "log in with desk=<sip-uri>");
		return -1;
	}
	snprintf(cmd->arg, sizeof(cmd->arg), "%s", uri);
	return 0;
}

/* The plan an alarm follows: by the local time it was raised. */
static const struct registry_plan *
operator_desk_plan(struct operator_session *session, const struct alarm *alarm,
    int *night)
{
	const struct registry		*registry = session->link->deps.registry;
	const struct registry_site	*site;

	*night = 0;
	if ((site = registry_site_find(registry, alarm->site_id)) == NULL)
		return NULL;
	return registry_site_plan(registry, site, alarm->raised_ms, night);
}

/* An audit row "step" with detail n=<n> ["note"]: the newest wins. */
static int
operator_desk_tick_row(const struct audit_row *row, void *arg)
{
	struct operator_desk_ticks	*t = arg;
	struct operator_desk_tick	*tick;
	struct line_parsed		 parsed;
	char				 err[64];
	long				 n;
	char				*end;

	if (strcmp(row->action, "step") != 0 || line_parse(&parsed,
	    row->detail, strlen(row->detail), err, sizeof(err)) == -1 ||
	    parsed.count < 1 || parsed.tokens[0].key == NULL ||
	    strcmp(parsed.tokens[0].key, "n") != 0)
		return 0;
	n = strtol(parsed.tokens[0].value, &end, 10);
	if (*end != '\0' || n < 1 || (size_t)n > t->count)
		return 0;
	tick = &t->ticks[n - 1];
	snprintf(tick->by, sizeof(tick->by), "%s", row->user);
	tick->at_ms = row->time_ms;
	snprintf(tick->note, sizeof(tick->note), "%s", parsed.count > 1 ?
	    parsed.tokens[1].value : "");
	return 0;
}

/* A line of the reply, or a push (held while a reply is produced). */
static void
operator_desk_line(struct operator_session *session, const char *buf, int n,
    int64_t push)
{
	if (n <= 0)
		return;		/* cannot happen: every field is bounded */
	if (push > 0)
		operator_reply_push(session, buf, (size_t)n);
	else
		operator_send(session, buf, n);
}

/*
 * Sends the plan's lines, as PLAN's reply (push 0) or as pushes about
 * alarm push. Returns 0, or -1 when the audit could not be read.
 */
static int
operator_desk_send_plan(struct operator_session *session,
    const struct alarm *alarm, const struct registry_plan *plan, int night,
    int64_t push)
{
	struct operator_desk_ticks	 t;
	struct opproto_step_view	 v;
	char				 buf[LINE_MAX_BYTES + 64];
	size_t				 i;
	int				 n;

	t.count = plan->step_count;
	if ((t.ticks = calloc(t.count, sizeof(*t.ticks))) == NULL ||
	    store_audit_alarm_each(session->link->deps.store, alarm->id,
	    operator_desk_tick_row, &t) == -1) {
		free(t.ticks);
		return -1;
	}
	n = opproto_format_plan(buf, sizeof(buf), push, plan->id,
	    alarm->site_id, plan->step_count, plan->contact_count, night);
	operator_desk_line(session, buf, n, push);
	for (i = 0; i < plan->step_count; i++) {
		memset(&v, 0, sizeof(v));
		v.n = (int)i + 1;
		v.text = plan->steps[i];
		if (t.ticks[i].by[0] != '\0') {
			v.by = t.ticks[i].by;
			v.at_ms = t.ticks[i].at_ms;
			v.note = t.ticks[i].note;
		}
		n = opproto_format_step(buf, sizeof(buf), push, &v);
		operator_desk_line(session, buf, n, push);
	}
	for (i = 0; i < plan->contact_count; i++) {
		n = opproto_format_contact(buf, sizeof(buf), push,
		    plan->contacts[i].name, plan->contacts[i].phone);
		operator_desk_line(session, buf, n, push);
	}
	free(t.ticks);
	return 0;
}

void
operator_desk_plan_request(struct operator_session *session,
    const struct opproto_request *request)
{
	const struct registry_plan	*plan;
	struct alarm			*alarm;
	int				 night;

	if ((alarm = stack_find(session->link->deps.stack,
	    request->alarm_id)) == NULL) {
		operator_printf(session, "ERR %s no open alarm %lld",
		    OPPROTO_ERR_NOTFOUND, (long long)request->alarm_id);
		return;
	}
	if ((plan = operator_desk_plan(session, alarm, &night)) == NULL) {
		operator_printf(session, "ERR %s site %s has no trigger plan",
		    OPPROTO_ERR_NOTFOUND, alarm->site_id);
		return;
	}
	if (operator_desk_send_plan(session, alarm, plan, night, 0) == -1) {
		operator_err(session, OPPROTO_ERR_INTERNAL, "cannot read the "
		    "plan's record");
		return;
	}
	operator_ok(session, NULL);
}

void
operator_desk_claimed(struct operator_session *session, int64_t alarm_id)
{
	const struct registry_plan	*plan;
	struct alarm			*alarm;
	int				 night;

	if ((alarm = stack_find(session->link->deps.stack, alarm_id)) == NULL ||
	    (plan = operator_desk_plan(session, alarm, &night)) == NULL)
		return;
	(void)operator_desk_send_plan(session, alarm, plan, night, alarm_id);
}

void
operator_desk_step(struct operator_session *session,
    const struct opproto_request *request)
{
	const struct registry_plan	*plan;
	struct alarm			*alarm;
	char				 detail[2 * LINE_MAX_BYTES + 32], text[96];
	char				 quoted[2 * LINE_MAX_BYTES];
	int				 night;

	if ((alarm = stack_find(session->link->deps.stack,
	    request->alarm_id)) == NULL) {
		operator_printf(session, "ERR %s no open alarm %lld",
		    OPPROTO_ERR_NOTFOUND, (long long)request->alarm_id);
		return;
	}
	if ((plan = operator_desk_plan(session, alarm, &night)) == NULL) {
		operator_printf(session, "ERR %s site %s has no trigger plan",
		    OPPROTO_ERR_NOTFOUND, alarm->site_id);
		return;
	}
	if ((size_t)request->step > plan->step_count) {
		snprintf(text, sizeof(text), "plan %.32s has %zu steps",
		    plan->id, plan->step_count);
		operator_err(session, OPPROTO_ERR_SYNTAX, text);
		return;
	}
	/* The note always quoted, so the detail reads back as one token. */
	if (request->text != NULL && line_quote(quoted, sizeof(quoted),
	    request->text) < 0) {
		operator_err(session, OPPROTO_ERR_SYNTAX, "bad note");
		return;
	}
	if (request->text == NULL)
		snprintf(detail, sizeof(detail), "n=%d", request->step);
	else
		snprintf(detail, sizeof(detail), quoted[0] == '"' ? "n=%d %s" :
		    "n=%d \"%s\"", request->step, quoted);
	if (stack_audit(session->link->deps.stack, session->user, alarm->id,
	    "step", detail) == -1) {
		operator_err(session, OPPROTO_ERR_INTERNAL, "not recorded");
		return;
	}
	operator_ok(session, NULL);
}
