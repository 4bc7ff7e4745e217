/*
 * LOGIN: the lockouts, the password check and its verdict, and the delay
 * before a refusal. Failed logins lock out the pair (address, user) first
 * and the address only after many more, never a user alone: anyone could
 * otherwise lock a real operator out by guessing at their name.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "refuge/change.h"
#include "refuge/config.h"
#include "refuge/conn.h"
#include "refuge/log.h"
#include "refuge/opproto.h"
#include "refuge/pwcheck.h"
#include "refuge/registry.h"
#include "refuge/stack.h"
#include "refuge/timenow.h"
#include "operator_internal.h"

#define OPERATOR_AUTH_DELAY_MS	1000
#define OPERATOR_LOG_USER_LEN	48

const char *
operator_log_user(const struct operator_link *link, const char *user,
    char *buf, size_t len)
{
	/* A password typed into the user field must not reach the log. */
	if (registry_operator_find(link->deps.registry, user) != NULL)
		return user;
	snprintf(buf, len, "\"<unknown, %zu bytes>\"", strlen(user));
	return buf;
}

/* The record of host (user NULL) or of (host, user); NULL if none and !create. */
static struct operator_failures *
operator_failures_find(struct operator_failures *table, size_t slots,
    const char *host, const char *user, int create)
{
	struct operator_failures	*slot, *oldest = &table[0];
	size_t				 i;

	if (user == NULL)
		user = "";
	for (i = 0; i < slots; i++) {
		slot = &table[i];
		if (slot->last_ms != 0 && strcmp(slot->host, host) == 0 &&
		    strcmp(slot->user, user) == 0)
			return slot;
		if (slot->last_ms < oldest->last_ms)
			oldest = slot;
	}
	if (!create)
		return NULL;
	/* The least recently failing record makes room. */
	memset(oldest, 0, sizeof(*oldest));
	snprintf(oldest->host, sizeof(oldest->host), "%s", host);
	snprintf(oldest->user, sizeof(oldest->user), "%s", user);
	return oldest;
}

/* Counts a failure; locks the record at threshold failures within the window. */
static int
operator_failures_note(struct operator_failures *f, int64_t now, int threshold)
{
	size_t	i;
	int	recent = 0;

	f->times[f->next++ % OPERATOR_ADDRESS_FAILURES] = now;
	f->last_ms = now;
	for (i = 0; i < OPERATOR_ADDRESS_FAILURES; i++)
		if (f->times[i] > 0 && now - f->times[i] < OPERATOR_LOCK_WINDOW_MS)
			recent++;
	if (recent < threshold)
		return 0;
	f->locked_until = now + OPERATOR_LOCK_MS;
	return recent;
}

int64_t
operator_failures_last(struct operator_link *link, const char *host)
{
	struct operator_failures	*f;

	f = operator_failures_find(link->failures, OPERATOR_FAILURE_SLOTS, host,
	    NULL, 0);
	if (f == NULL || timenow_mono_ms() - f->last_ms >= OPERATOR_LOCK_WINDOW_MS)
		return 0;
	return f->last_ms;
}

/* Answers after a delay; returns with the session paused. */
static void
operator_delay_err(struct operator_session *session, const char *code,
    const char *text)
{
	size_t	len = strlen(code) + 1;

	snprintf(session->delayed, sizeof(session->delayed), "%s", code);
	snprintf(session->delayed + len, sizeof(session->delayed) - len, "%s",
	    text);
	session->state = OPERATOR_WAITING;
	conn_pause(session->conn);
	evtimer_del(session->timer);
	operator_arm(session, OPERATOR_AUTH_DELAY_MS);
}

void
operator_login_delayed(struct operator_session *session)
{
	operator_err(session, session->delayed, session->delayed +
	    strlen(session->delayed) + 1);
	session->state = OPERATOR_LOGIN;
	/* Failed attempts do not buy time: the deadline stays where it was. */
	if (session->login_deadline_ms <= timenow_mono_ms()) {
		log_ratelimited(&session->link->closed_log, CONFIG_LOG_WARNING,
		    "operators: closed peer=%s reason=\"login timeout\"",
		    session->peer);
		operator_close(session);
		return;
	}
	operator_arm(session, session->login_deadline_ms - timenow_mono_ms());
	conn_resume(session->conn);
}

/* A LOGIN whose password was checked and failed, or named no account. */
static void
operator_login_failed(struct operator_session *session, int known)
{
	struct operator_link		*link = session->link;
	struct operator_failures	*f;
	int64_t				 now = timenow_mono_ms();
	char				 name[OPERATOR_LOG_USER_LEN];
	const char			*user;
	int				 n;

	user = operator_log_user(link, session->check_user, name, sizeof(name));
	f = operator_failures_find(link->pairs, OPERATOR_PAIR_SLOTS,
	    session->host, session->check_user, 1);
	if ((n = operator_failures_note(f, now, OPERATOR_PAIR_FAILURES)) > 0)
		log_warnx("operators: lockout peer=%s user=%s reason=\"%d failed "
		    "logins as this user within a minute\"", session->peer, user,
		    n);
	f = operator_failures_find(link->failures, OPERATOR_FAILURE_SLOTS,
	    session->host, NULL, 1);
	if ((n = operator_failures_note(f, now, OPERATOR_ADDRESS_FAILURES)) > 0)
		log_warnx("operators: lockout peer=%s reason=\"%d failed logins "
		    "within a minute\"", session->peer, n);
	operator_prelogin_failed(link, session->host, now);
	log_ratelimited(&session->link->refused_log, CONFIG_LOG_WARNING,
	    "operators: refused peer=%s user=%s reason=\"%s\"",
	    session->peer, user, known ? "bad password" : "unknown user");
	session->check_user[0] = '\0';
	link->counters.login_failures++;
	operator_delay_err(session, OPPROTO_ERR_AUTH, "bad user or password");
}

/* A LOGIN with the right password that finds every session taken. */
static int
operator_login_full(struct operator_session *session, const char *user)
{
	const struct refuge_config	*config = session->link->deps.config;

	if (session->link->ready < config->operator_sessions)
		return 0;
	log_ratelimited(&session->link->refused_log, CONFIG_LOG_WARNING,
	    "operators: refused peer=%s user=%s reason=\"too many operator "
	    "sessions\"", session->peer, user);
	operator_err(session, OPPROTO_ERR_DENIED, "too many operator sessions");
	return 1;
}

/* Right after LOGIN: what the receiver is (active or standby, its store). */
static void
operator_login_receiver_state(struct operator_session *session)
{
	struct operator_link	*link = session->link;
	struct change		 change;
	char			 buf[LINE_MAX_BYTES + 64];

	if (link->deps.receiver_state == NULL)
		return;
	memset(&change, 0, sizeof(change));
	change.kind = CHANGE_RECEIVER;
	link->deps.receiver_state(&change, link->deps.receiver_arg);
	operator_send(session, buf, opproto_format_change(buf, sizeof(buf),
	    &change));
}

/* The worker's verdict on a LOGIN's password, back in the loop. */
static void
operator_login_checked(int ok, void *arg)
{
	struct operator_session		*session = arg;
	struct operator_link		*link = session->link;
	const struct registry_operator	*account;
	char				 detail[96 + OPPROTO_DESK_MAX];

	session->check = 0;
	session->state = OPERATOR_LOGIN;
	conn_resume(session->conn);
	/* The account may have gone with a reload while the hash ran. */
	account = registry_operator_find(link->deps.registry,
	    session->check_user);
	if (!ok || !session->check_known || account == NULL) {
		operator_login_failed(session, session->check_known);
		return;
	}
	if (operator_login_full(session, session->check_user))
		return;
	operator_prelogin_remove(session);
	session->state = OPERATOR_READY;
	link->ready++;
	snprintf(session->user, sizeof(session->user), "%s",
	    session->check_user);
	session->role = account->role;
	conn_set_max_output(session->conn,
	    (size_t)link->deps.config->operator_output);
	link->counters.logins++;
	evtimer_del(session->timer);
	log_info("operator=%s peer=%s logged in role=%s desk=%s", session->user,
	    session->peer, registry_role_name(session->role),
	    session->desk[0] != '\0' ? session->desk : "-");
	snprintf(detail, sizeof(detail), "peer=%s desk=%s", session->peer,
	    session->desk[0] != '\0' ? session->desk : "-");
	(void)stack_audit(link->deps.stack, session->user, 0, "login", detail);
	operator_printf(session, "OK role=%s tz=%s",
	    registry_role_name(session->role), timenow_zone_name());
	operator_login_receiver_state(session);
	operator_record_login(session);
}

void
operator_login_check(struct operator_session *session)
{
	struct operator_link		*link = session->link;
	const struct registry		*registry = link->deps.registry;
	const struct registry_operator	*account;
	const char			*hash;

	account = registry_operator_find(registry, session->check_user);
	/* An unknown user costs a hash too, so timing does not tell who exists. */
	hash = account != NULL ? account->password_hash :
	    registry->operator_count > 0 ?
	    registry->operators[0].password_hash : "*";
	session->check_known = account != NULL;
	session->check = pwcheck_submit(link->pwcheck, session->password, hash,
	    operator_login_checked, session);
	explicit_bzero(session->password, strlen(session->password));
	free(session->password);
	session->password = NULL;
	if (session->check == 0) {
		session->state = OPERATOR_LOGIN;
		conn_resume(session->conn);
		operator_login_failed(session, session->check_known);
		return;
	}
	session->state = OPERATOR_CHECKING;
}

/* Refuses a LOGIN from a locked-out address or pair; 1 when it did. */
static int
operator_login_locked(struct operator_session *session, const char *typed,
    const char *user, int64_t now)
{
	struct operator_link		*link = session->link;
	struct operator_failures	*f;

	f = operator_failures_find(link->failures, OPERATOR_FAILURE_SLOTS,
	    session->host, NULL, 0);
	if (f != NULL && f->locked_until > now) {
		log_ratelimited(&session->link->refused_log, CONFIG_LOG_WARNING,
		    "operators: refused peer=%s user=%s reason=\"address "
		    "locked out\"", session->peer, user);
		operator_delay_err(session, OPPROTO_ERR_LOCKED,
		    "too many failed logins from this address; try again later");
		return 1;
	}
	f = operator_failures_find(link->pairs, OPERATOR_PAIR_SLOTS,
	    session->host, typed, 0);
	if (f != NULL && f->locked_until > now) {
		log_ratelimited(&session->link->refused_log, CONFIG_LOG_WARNING,
		    "operators: refused peer=%s user=%s reason=\"user "
		    "locked out at this address\"", session->peer, user);
		operator_delay_err(session, OPPROTO_ERR_LOCKED,
		    "too many failed logins as this user from this address; try "
		    "again later");
		return 1;
	}
	return 0;
}

void
operator_login(struct operator_session *session,
    const struct opproto_request *request)
{
	char	name[OPERATOR_LOG_USER_LEN];
	const char	*user;

	if (session->state == OPERATOR_READY) {
		operator_err(session, OPPROTO_ERR_STATE, "already logged in");
		return;
	}
	user = operator_log_user(session->link, request->user, name,
	    sizeof(name));
	if (operator_login_full(session, user) ||
	    operator_login_locked(session, request->user, user,
	    timenow_mono_ms()))
		return;
	if ((session->password = strdup(request->password)) == NULL) {
		operator_err(session, OPPROTO_ERR_INTERNAL, "out of memory");
		return;
	}
	snprintf(session->check_user, sizeof(session->check_user), "%s",
	    request->user);
	/* Used only once READY; a later LOGIN sets it again. */
	snprintf(session->desk, sizeof(session->desk), "%s",
	    request->desk != NULL ? request->desk : "");
	/* Nothing else is read until the verdict: replies stay in order. */
	session->state = OPERATOR_QUEUED;
	conn_pause(session->conn);
	operator_prelogin_enqueue(session);
}

void
operator_logout(struct operator_session *session,
    const struct opproto_request *request)
{
	(void)request;
	log_info("operator=%s peer=%s logged out", session->user, session->peer);
	operator_ok(session, NULL);
	operator_close(session);
}
