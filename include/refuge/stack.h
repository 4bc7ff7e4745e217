/*
 * The alarm stack: open alarms in memory by priority, backed by the store.
 * Every change is committed before it is published (feed.h). Changes from
 * events happen inside ingest's transaction and are undone in memory if that
 * transaction fails; operator actions run their own transactions.
 */
#ifndef REFUGE_STACK_H
#define REFUGE_STACK_H

#include <stddef.h>
#include <stdint.h>

#include "alarm.h"

struct event_base;
struct feed;
struct refuge_config;
struct registry;
struct stack;
struct store;
struct unit_record;
struct units;

/* Whether a user has a logged-in session (their claims are being handled). */
typedef int	stack_presence_fn(const char *user, void *arg);

struct stack	*stack_new(struct event_base *, struct store *, struct units *,
		    struct feed *, const struct refuge_config *,
		    const struct registry *);
void		 stack_set_presence(struct stack *, stack_presence_fn *,
		    void *arg);
/* How many operator sessions are logged in with a live link. */
typedef int	stack_operators_fn(void *arg);
/* With none, a queued alarm escalates to the second level at once. */
void		 stack_set_operators(struct stack *, stack_operators_fn *,
		    void *arg);
void		 stack_reconfigure(struct stack *, struct units *,
		    const struct refuge_config *, const struct registry *);
/* Rebuilds the stack and the test windows from the store. */
int		 stack_load(struct stack *, char *err, size_t errlen);
/*
 * Empties the stack (a receiver stepping down, or before a takeover's
 * stack_load): the alarms freed and unlinked from their units, the timers
 * stopped; claims loaded after it wait escalation.after from now.
 */
void		 stack_unload(struct stack *);
/*
 * A standby's look at the store: the open alarms loaded afresh, with no
 * timer armed (nothing escalates or ends on a standby). 0 or -1.
 */
int		 stack_view(struct stack *, char *err, size_t errlen);
void		 stack_free(struct stack *);

/*
 * Inside ingest's transaction: a newly stored event. held is 0, or the id
 * of the alarm stack_hold() raised for this event while the store failed:
 * that alarm is written now. Returns 0, or -1 (store failed).
 */
int	stack_event(struct stack *, struct unit_record *, enum evtype,
	    int64_t event_row_id, int64_t received_ms, int64_t held);
/* The same, the event's attributes giving a raised alarm its detail (alarm.h). */
int	stack_event_detail(struct stack *, struct unit_record *, enum evtype,
	    int64_t event_row_id, int64_t received_ms, int64_t held,
	    const char *attributes);
/*
 * The store failed to take an event: if it raises a priority-1 alarm, the
 * alarm is made in memory with its final id, published as not stored (a
 * press is never invisible) and its id returned; else 0. stack_hold_settle
 * after a pass of them lets activation act as after a commit.
 */
int64_t	stack_hold(struct stack *, struct unit_record *, enum evtype,
	    int64_t received_ms);
void	stack_hold_settle(struct stack *);
/* The held alarm's event turned out to be stored already: forget the alarm. */
void	stack_drop_held(struct stack *, int64_t id);
/* After ingest's commit: publishes, then (after the ACKs) settles the feed. */
void	stack_batch_commit(struct stack *);
void	stack_batch_finish(struct stack *);
/* After ingest's rollback: forget what the batch did in memory. */
void	stack_batch_abort(struct stack *);

/* Operator actions; each commits, then publishes. */
enum alarm_status	stack_claim(struct stack *, int64_t id, const char *user);
/*
 * A supervisor takes over an alarm claimed by another operator (CLAIM
 * force), audited as claim with "force=1 from=<user>"; as stack_claim
 * when it is not claimed by someone else. The caller checks the role.
 */
enum alarm_status	stack_claim_force(struct stack *, int64_t id,
			    const char *user);
enum alarm_status	stack_release(struct stack *, int64_t id,
			    const char *user, int supervisor);
enum alarm_status	stack_resolve(struct stack *, int64_t id,
			    const char *user, int supervisor, enum alarm_outcome,
			    const char *reason, const char *action,
			    const char *note);
enum alarm_status	stack_note(struct stack *, int64_t id, const char *user,
			    const char *note);
/*
 * A supervisor's bulk close after a mass event: every open restored alarm
 * of the type (and site, unless NULL) resolved technical action=restored,
 * in one transaction, audited alarm by alarm. *count: how many.
 */
enum alarm_status	stack_resolve_restored(struct stack *, enum evtype,
			    const char *site_id, const char *user,
			    size_t *count);
/* A supervisor's test window for the unit; duration 0 ends it. */
enum alarm_status	stack_testmode(struct stack *, struct unit_record *,
			    int64_t duration_ms, const char *user);
/* A new test window for the unit from the registry (0: none); arms its end. */
void		 stack_test_set(struct stack *, struct unit_record *,
		    int64_t until_ms);
/* A unit added by a reload: its test window, and open alarms it had before. */
void		 stack_unit_added(struct stack *, struct unit_record *);
/* Releases what the stack hangs on a record that goes (its test timer). */
void		 stack_unit_free(struct unit_record *);
/* The user's last session ended: their claims go back to the queue. */
void		 stack_release_user(struct stack *, const char *user);
/* An operator action outside the alarms (login, commands), for the audit chain. */
int		 stack_audit(struct stack *, const char *user, int64_t alarm_id,
		    const char *action, const char *detail);

struct alarm	*stack_find(struct stack *, int64_t id);
/* The open alarms in stack order; *out is owned by the stack until the next call. */
size_t		 stack_sorted(struct stack *, struct alarm ***out);
size_t		 stack_open_count(struct stack *);
int		 stack_unit_on_test(const struct unit_record *, int64_t now_ms);
/* The unit's name for ALARM lines ("" for a unit no longer registered). */
const char	*stack_unit_name(struct stack *, const char *unit_id);

#endif
