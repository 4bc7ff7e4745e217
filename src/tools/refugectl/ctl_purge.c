/*
 * purge: retention by hand. What is older than --before goes (events no
 * alarm refers to, resolved alarms with their notes and commands, the
 * oldest audit rows), with a checkpoint in the chain so that verify still
 * passes. refuged does the same daily when refuge.yaml sets retention:, so
 * this runs only while refuged is stopped (it takes the database's lock).
 */
#include <stdio.h>
#include <string.h>

#include "refuge/config.h"
#include "refuge/store.h"
#include "refuge/timenow.h"
#include "refuge/when.h"

#include "ctl.h"

int
ctl_cmd_purge(struct ctl *ctl, int argc, char *argv[])
{
	struct refuge_config		*config = NULL;
	struct store_lock		*lock = NULL;
	struct store			*store = NULL;
	struct store_purge		 p;
	struct store_purge_result	 r;
	const char			*pos[1], *before = NULL;
	const struct ctl_opt		 opts[] = {
		{ "before", 1, &before },
		{ NULL, 0, NULL }
	};
	char				 err[1024], when[WHEN_LOCAL_LEN];
	int64_t				 t;
	int				 npos, rc = CTL_FAIL;

	if (ctl_args("purge", argc, argv, opts, pos, 0, &npos) == -1)
		return CTL_USAGE;
	if (before == NULL)
		return ctl_usage_error("purge", "--before wants a time: rows "
		    "older than it are deleted");
	if (when_parse(before, timenow_wall_ms(), 0, &t) == -1)
		return ctl_usage_error("purge", "--before wants %s, not '%s'",
		    when_grammar, before);
	if ((config = ctl_config(ctl)) == NULL)
		goto done;
	/* Again in refuge.yaml's zone, which ctl_config set. */
	if (when_parse(before, timenow_wall_ms(), 0, &t) == -1)
		goto done;
	if ((lock = store_lock(config->database, err, sizeof(err))) == NULL) {
		ctl_warnx("purge: %s; refuged purges by itself when "
		    "retention: is set, or stop it first", err);
		goto done;
	}
	if ((store = store_open(config->database, err, sizeof(err))) == NULL) {
		ctl_warnx("purge: %s", err);
		goto done;
	}
	p.events_before_ms = p.alarms_before_ms = p.audit_before_ms = t;
	if (store_purge(store, &p, &r) == -1) {
		/* On a shared database the running receiver is the lock. */
		ctl_warnx("purge: %s%s", store_error(store), store_shared(store) ?
		    "; refuged purges by itself when retention: is set, or stop "
		    "it first" : "");
		goto done;
	}
	when_local(t, when);
	printf("purged before %s: %lld events, %lld alarms (%lld notes, %lld "
	    "commands, %lld attached events), %lld audit rows; checkpoint "
	    "audit row %lld\n", when, (long long)r.events, (long long)r.alarms,
	    (long long)r.notes, (long long)r.commands, (long long)r.attached,
	    (long long)r.audit, (long long)r.checkpoint_id);
	rc = CTL_OK;
done:
	store_close(store);
	store_unlock(lock);
	config_free(config);
	return rc;
}
