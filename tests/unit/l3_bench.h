/*
 * The layer-3 test bench: the daemon's modules wired as daemon.c wires them
 * (feed, units, command, stack, ingest, supervise; on request activation,
 * unit links and the operator link), over a store in a directory of the
 * test's own, a real libevent loop, a feed recorder and fake unit links
 * (struct l3_link, a struct link_ops of the test's). What happens is written
 * to one ordered log ("change raised 1 BUTTON HP-001", "ack HP-001 e1",
 * "settle"), so a test can assert the order of pushes and ACKs across
 * modules.
 */
#ifndef REFUGE_TEST_L3_BENCH_H
#define REFUGE_TEST_L3_BENCH_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "refuge/alarm.h"
#include "refuge/change.h"
#include "refuge/command.h"
#include "refuge/config.h"
#include "refuge/link.h"
#include "refuge/uproto.h"

#define L3_LOG_MAX	4096
#define L3_LINE		192
#define L3_CHANGES_MAX	1024
#define L3_LINK_MAX	256
#define L3_LINKS	8

/* "$6$" hash of "secret" (openssl passwd -6 -salt abcdefgh secret). */
#define L3_PASSWORD_HASH	"$6$abcdefgh$ltjgWl6579NluT/Vi1nwEvcil.G5Nbc4NiXZaNGStk8PSwGfQv72N2CKPPrVACtLtip/cZ/1GM/O6IND4WQhG."
/* HP-002's pinned key in the bench's registry. */
extern const unsigned char	l3_hp002_spki[32];

/* A published change, copied out of the borrowed record. */
struct l3_change {
	enum change_kind	kind;
	int			has_alarm;
	int64_t			alarm_id;
	enum evtype		alarm_type;
	int			priority;
	enum alarm_state	alarm_state;
	int			count;
	int			restored;
	enum alarm_outcome	outcome;
	char			claimed_by[ALARM_USER_MAX + 1];
	char			unit_id[72];
	char			unit_name[128];
	int			has_unit_name;
	char			user[ALARM_USER_MAX + 1];
	char			text[512];
	enum evtype		type;
	int			first_claim;
	int64_t			until_ms;
	int64_t			waited_s;
	int			level;		/* ESCALATED */
	int			command;
	int			escalated_first;
	enum change_audience	audience;
	char			state[16];
	char			cmd_id[COMMAND_ID_LEN];
	char			result[16];
	char			reason[256];
	int			has_reason;
};

struct l3;

/* A unit link of the test's own kind ("fake"): records what it is told. */
struct l3_link {
	struct link		 link;		/* first, as every kind */
	struct l3		*t;
	char			 peer[32];
	int64_t			 heard_mono_ms;	/* what last_heard answers */
	int			 busy;		/* command() fails "unit link busy" */
	int			 closed;
	char			 close_reason[128];
	size_t			 acks;
	char			 ack_ids[L3_LINK_MAX][72];
	/* The acknowledged event was visible to another connection: committed. */
	int			 ack_stored[L3_LINK_MAX];
	size_t			 refusals;
	char			 refused_ids[L3_LINK_MAX][72];
	size_t			 commands;
	char			 command_ids[L3_LINK_MAX][COMMAND_ID_LEN];
	struct uproto_cmd	 command_args[L3_LINK_MAX];
};

struct l3 {
	char			 dir[256];
	char			 db_path[300];
	char			 registry_path[300];
	struct event_base	*base;
	struct event		*guard;		/* bounds a blocking loop turn */
	struct refuge_config	 config;	/* the modules read it live */
	struct registry		*registry;
	struct store		*store;
	sqlite3			*db;		/* the test's own connection */
	struct feed		*feed;
	struct units		*units;
	struct command		*command;
	struct stack		*stack;
	struct ingest		*ingest;
	struct supervise	*supervise;
	struct activate		*activate;
	struct tally		*tally;
	struct unit_links	*unit_links;
	struct operator_link	*operators;
	struct l3_change	 changes[L3_CHANGES_MAX];
	size_t			 change_count;
	size_t			 settles;
	char			 log[L3_LOG_MAX][L3_LINE];
	size_t			 log_count;
	struct l3_link		*links[L3_LINKS];
	size_t			 link_count;
};

/* Unchecked fixture (the parent): one directory for the test case's benches. */
void			 l3_dir_create(void);
void			 l3_dir_remove(void);

/*
 * A bench with the default registry (units HP-001 .. HP-004, operators
 * alice and bob, supervisor sam, default priorities) and supervision
 * not started.
 */
struct l3		*l3_new(void);
void			 l3_free(struct l3 *);
/* What daemon.c does after wiring: supervision timers from now. */
void			 l3_supervise(struct l3 *);
void			 l3_activate(struct l3 *);
/* The unit links and the operator link, over the fake listener and conns. */
void			 l3_unit_links(struct l3 *);
void			 l3_operator_link(struct l3 *);

/* Runs what is active now (the commit, a resume), without waiting. */
void			 l3_turn(struct l3 *);
/* Runs the loop until done(arg) holds; 0 if ms passed first. */
int			 l3_wait(struct l3 *, int (*done)(void *), void *arg,
			    int64_t ms);
/* Runs the loop for ms, to show that something does not happen meanwhile. */
void			 l3_run_for(struct l3 *, int64_t ms);

struct unit_record	*l3_record(struct l3 *, const char *unit_id);
/* A link of the fake kind attached to the unit, heard now. */
struct l3_link		*l3_link(struct l3 *, const char *unit_id);
/* A unit's event through the link, as a session would queue it. */
void			 l3_event(struct l3 *, struct l3_link *, const char *id,
			    enum evtype);

/* A number from SQL on the test's own connection (printf with %Q, %lld). */
int64_t			 l3_sql_int(struct l3 *, const char *fmt, ...);
/* Runs SQL on the test's own connection; returns the SQLite code. */
int			 l3_sql(struct l3 *, const char *sql);

/* What a session sent through a fake conn, line by line (fakes.h). */
struct conn;
void			 l3_expect_line(struct conn *, const char *want);
/* The next line starts with want; the rest (valid until the next call). */
const char		*l3_expect_prefix(struct conn *, const char *want);
void			 l3_expect_nothing(struct conn *);

/* The log. */
void			 l3_logf(struct l3 *, const char *fmt, ...)
			    __attribute__((format(printf, 2, 3)));
/* The first entry equal to line (starting with it, if prefix); -1: none. */
long			 l3_log_index(const struct l3 *, const char *line,
			    int prefix);
void			 l3_log_dump(const struct l3 *);
/* The changes of a kind so far. */
size_t			 l3_changes_of(const struct l3 *, enum change_kind);
/* The last change of a kind, or NULL. */
const struct l3_change	*l3_last_change(const struct l3 *, enum change_kind);

#endif
