/*
 * The alarm stack: open alarms in memory by priority, backed by the store.
 * Every change is committed before it is pushed to operators. Changes from
 * events happen inside ingest's transaction and are undone in memory if that
 * transaction fails; operator actions run their own transactions.
 */
#ifndef REFUGE_STACK_H
#define REFUGE_STACK_H

#include <stddef.h>
#include <stdint.h>

#include "alarm.h"
#include "unit.h"

struct daemon;
struct stack;
struct unit_record;

struct stack	*stack_new(struct daemon *);
/* Rebuilds the stack and the test windows from the store. */
int		 stack_load(struct stack *, char *err, size_t errlen);
void		 stack_free(struct stack *);

/* Inside ingest's transaction: a newly stored event. Returns 0, or -1 (store failed). */
int	stack_event(struct stack *, struct unit_record *, enum evtype,
	    int64_t event_row_id, int64_t received_ms);
/* After ingest's commit: the pushes, then (after the ACKs) activation commands. */
void	stack_batch_commit(struct stack *);
void	stack_batch_finish(struct stack *);
/* After ingest's rollback: forget what the batch did in memory. */
void	stack_batch_abort(struct stack *);

/*
 * Operator actions. Each returns NULL on success, or an OPPROTO_ERR_* code
 * with a precise text.
 */
const char	*stack_claim(struct stack *, int64_t id, const char *user,
		    char *text, size_t textlen);
const char	*stack_release(struct stack *, int64_t id, const char *user,
		    int supervisor, char *text, size_t textlen);
const char	*stack_resolve(struct stack *, int64_t id, const char *user,
		    int supervisor, enum alarm_outcome, const char *reason,
		    const char *action, const char *note, char *text,
		    size_t textlen);
const char	*stack_note(struct stack *, int64_t id, const char *user,
		    const char *note, char *text, size_t textlen);
const char	*stack_testmode(struct stack *, struct unit_record *,
		    int64_t duration_ms, const char *user, char *text,
		    size_t textlen);
/* A new test window for the unit from the registry (0: none); arms its end. */
void		 stack_test_set(struct stack *, struct unit_record *,
		    int64_t until_ms);
/* A unit added by a reload: its test window, and open alarms it had before. */
void		 stack_unit_added(struct stack *, struct unit_record *);
/* The user's last session ended: their claims go back to the queue. */
void		 stack_release_user(struct stack *, const char *user);
/* An operator action outside the alarms (login, commands), for the audit chain. */
int		 stack_audit(struct stack *, const char *user, int64_t alarm_id,
		    const char *action, const char *detail);

/* Records a command sent to a unit (alarm_id 0: none) in the store and the audit chain. */
void		 stack_command_sent(struct stack *, const char *cmd_id,
		    const char *unit_id, int64_t alarm_id, const char *user,
		    const char *command);
/* The unit_command_fn for every command: records the result, pushes "* CMD". */
void		 stack_command_result(const char *cmd_id,
		    enum unit_command_result,
		    const char *reason, void *daemon);

struct alarm	*stack_find(struct stack *, int64_t id);
/* The open alarms in stack order; *out is owned by the stack until the next call. */
size_t		 stack_sorted(struct stack *, struct alarm ***out);
size_t		 stack_open_count(struct stack *);
int		 stack_unit_on_test(const struct unit_record *, int64_t now_ms);

#endif
