/*
 * refuge-sim's benchmark scenarios (bench/suite.py drives them):
 *   --storm      the probes connect first; once they are welcomed every
 *                other unit connects at once, and the time until all are
 *                welcomed is the storm's figure;
 *   --avalanche  once all are welcomed, every unit but the probes sends one
 *                event of a type within --window, --repeat times, --gap
 *                apart; each avalanche's figure is the time until all its
 *                events were answered;
 *   --probes     the first units send an HB every --probe-interval and
 *                time each HBACK, apart while a storm or avalanche is on;
 *   --press-every  the first unit (a probe) presses BUTTON that often while
 *                a storm is on (in an avalanche: once, at a random moment
 *                of each window; with neither: all along), and the press's
 *                ACK latency is kept apart.
 * SIGUSR1 toggles "during" by hand, for a probes-only run beside another
 * process making the storm or avalanche (its own loop then does not delay
 * the probes). It also notices links lost after all were welcomed (a
 * receiver restart) and says when all are welcomed again. Marker lines go to stderr at once
 * so that a driving script can time them.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "refuge/log.h"
#include "refuge/timenow.h"
#include "sim.h"

#define SIM_PHASE_TICK_MS	1
#define SIM_PHASE_SETTLE_MS	1000	/* all welcomed -> first avalanche */

struct sim_probe {
	struct sim_unit	*unit;
	struct event	*timer;
	uint64_t	 sent_n;	/* HB counter awaiting its HBACK; 0: none */
	int64_t		 sent_us;
};

static struct {
	struct sim		*sim;
	struct sim_probe	*probes;
	size_t			 nprobes;
	int			 released;	/* storm: the rest started */
	int			 active;	/* a storm or avalanche is on */
	int			 all_once;	/* every unit welcomed at least once */
	int64_t			 storm_t0_us, storm_us;
	int64_t			 lost_us, recovered_us;
	struct event		*press_ev, *usr1_ev;
	/* The avalanche. */
	struct event		*aval_ev;
	uint32_t		*order;		/* units taking part, shuffled */
	size_t			 norder;
	unsigned		 round;		/* 1-based, 0: none yet */
	size_t			 round_sent, round_answered;
	int64_t			 round_t0_us, press_at_us;
	int			 pressed;
	double			 round_ms[64];	/* the first 64 rounds' figures */
	/* Histograms, microseconds. */
	struct sim_stats	 hb_calm, hb_during, press_calm, press_during,
				 aval;
} ph;

static void	sim_phase_release(struct sim *);

static void
sim_phase_marker(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
sim_phase_marker(const char *fmt, ...)
{
	va_list	ap;

	fputs("refuge-sim: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

static void
sim_phase_in(struct event *ev, int64_t ms)
{
	struct timeval	tv = timenow_tv(ms);

	evtimer_add(ev, &tv);
}

/* ---- probes */

static void
sim_phase_probe_fire(evutil_socket_t fd, short what, void *arg)
{
	struct sim_probe	*p = arg;

	(void)fd;
	(void)what;
	if (ph.sim->stopping)
		return;
	if ((p->sent_n = sim_unit_hb_now(p->unit)) != 0)
		p->sent_us = timenow_mono_us();
	sim_phase_in(p->timer, ph.sim->opt->probe_ms);
}

void
sim_phase_hback(struct sim_unit *unit, const char *counter)
{
	struct sim_probe	*p;
	int64_t			 rtt;

	if (unit->index >= ph.nprobes)
		return;
	p = &ph.probes[unit->index];
	if (p->sent_n == 0 || strtoull(counter, NULL, 10) != p->sent_n)
		return;
	rtt = timenow_mono_us() - p->sent_us;
	sim_stats_add(ph.active ? &ph.hb_during : &ph.hb_calm, (uint64_t)rtt);
	p->sent_n = 0;
}

/* ---- presses */

static void
sim_phase_press(void)
{
	struct sim_unit	*unit = &ph.sim->units[0];

	if (sim_unit_is_active(unit))
		(void)sim_unit_event(unit, EVTYPE_BUTTON);
}

static void
sim_phase_press_fire(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	if (ph.sim->stopping)
		return;
	/* In a storm only while it lasts; with no scenario all along. */
	if (ph.active || (!ph.sim->opt->storm && !ph.sim->opt->avalanche))
		sim_phase_press();
	sim_phase_in(ph.press_ev, ph.sim->opt->press_every_ms);
}

/* ---- the avalanche */

static void
sim_phase_round_start(struct sim *sim)
{
	ph.round++;
	ph.round_sent = ph.round_answered = 0;
	ph.round_t0_us = timenow_mono_us();
	ph.pressed = sim->opt->press_every_ms <= 0;	/* nothing to wait for */
	ph.press_at_us = ph.round_t0_us +
	    (int64_t)(sim_random(sim) * (double)sim->opt->window_ms * 1000);
	ph.active = 1;
	sim_phase_marker("avalanche %u: sending", ph.round);
	event_active(ph.aval_ev, EV_TIMEOUT, 0);
}

static int
sim_phase_round_complete(void)
{
	return ph.round_sent >= ph.norder && ph.round_answered >= ph.norder &&
	    ph.pressed;
}

static void
sim_phase_round_done(struct sim *sim)
{
	double	ms = (double)(timenow_mono_us() - ph.round_t0_us) / 1000;

	ph.active = 0;
	if (ph.round <= sizeof(ph.round_ms) / sizeof(ph.round_ms[0]))
		ph.round_ms[ph.round - 1] = ms;
	sim_phase_marker("avalanche %u: %zu %s within %lld ms, all answered "
	    "%.1f ms after the first was sent", ph.round, ph.norder,
	    evtype_name(sim->opt->avalanche_type),
	    (long long)sim->opt->window_ms, ms);
	if (ph.round < sim->opt->repeat)
		sim_phase_in(ph.aval_ev, sim->opt->gap_ms);
	else
		sim_finish(sim);
}

static void
sim_phase_aval_fire(evutil_socket_t fd, short what, void *arg)
{
	struct sim	*sim = arg;
	int64_t		 now = timenow_mono_us(), window = sim->opt->window_ms * 1000;
	size_t		 due;

	(void)fd;
	(void)what;
	if (sim->stopping || sim->draining)
		return;
	if (!ph.active) {	/* the gap is over */
		sim_phase_round_start(sim);
		return;
	}
	due = now - ph.round_t0_us >= window ? ph.norder :
	    (size_t)((double)ph.norder * (double)(now - ph.round_t0_us) /
	    (double)window) + 1;
	if (due > ph.norder)
		due = ph.norder;
	while (ph.round_sent < due) {
		struct sim_unit	*unit = &sim->units[ph.order[ph.round_sent++]];

		if (sim_unit_event(unit, sim->opt->avalanche_type) == -1)
			ph.round_answered++;	/* dropped: nothing to wait for */
	}
	if (!ph.pressed && now >= ph.press_at_us) {
		ph.pressed = 1;
		sim_phase_press();
	}
	if (sim_phase_round_complete())
		sim_phase_round_done(sim);
	else if (ph.round_sent < ph.norder || !ph.pressed)
		sim_phase_in(ph.aval_ev, SIM_PHASE_TICK_MS);
}

static int
sim_phase_aval_init(struct sim *sim)
{
	size_t		i, j, skip = ph.nprobes;
	uint32_t	t;

	if (skip >= sim->unit_count)
		return 0;
	ph.norder = sim->unit_count - skip;
	if ((ph.order = calloc(ph.norder, sizeof(*ph.order))) == NULL)
		return -1;
	for (i = 0; i < ph.norder; i++)
		ph.order[i] = (uint32_t)(i + skip);
	for (i = ph.norder - 1; i > 0; i--) {	/* Fisher-Yates */
		j = (size_t)(sim_random(sim) * (double)(i + 1));
		if (j > i)
			j = i;
		t = ph.order[i];
		ph.order[i] = ph.order[j];
		ph.order[j] = t;
	}
	if ((ph.aval_ev = evtimer_new(sim->base, sim_phase_aval_fire, sim)) ==
	    NULL)
		return -1;
	return 0;
}

/* ---- hooks */

void
sim_phase_answered(struct sim_unit *unit, enum evtype type, int64_t latency_us)
{
	struct sim	*sim = unit->sim;

	if (unit->index == 0 && type == EVTYPE_BUTTON &&
	    sim->opt->press_every_ms > 0) {
		if (latency_us >= 0)
			sim_stats_add(ph.active ? &ph.press_during :
			    &ph.press_calm, (uint64_t)latency_us);
		return;
	}
	if (!sim->opt->avalanche || type != sim->opt->avalanche_type ||
	    !ph.active || unit->index < ph.nprobes)
		return;
	if (latency_us >= 0)
		sim_stats_add(&ph.aval, (uint64_t)latency_us);
	ph.round_answered++;
	if (sim_phase_round_complete())
		sim_phase_round_done(sim);
}

void
sim_phase_welcomed(struct sim_unit *unit)
{
	struct sim	*sim = unit->sim;
	int64_t		 now = timenow_mono_us();

	if (unit->index < ph.nprobes)
		sim_phase_in(ph.probes[unit->index].timer,
		    1 + (int64_t)(sim_random(sim) * (double)sim->opt->probe_ms));
	if (sim->opt->storm && !ph.released && sim->c.connected >= ph.nprobes)
		sim_phase_release(sim);
	if (sim->c.connected < sim->unit_count)
		return;
	if (ph.storm_t0_us != 0 && ph.storm_us == 0) {
		ph.storm_us = now - ph.storm_t0_us;
		ph.active = 0;
		sim_phase_marker("storm: all %zu units welcomed %.3f s after "
		    "they connected at once", sim->unit_count,
		    (double)ph.storm_us / 1e6);
	}
	if (ph.lost_us != 0) {
		ph.recovered_us = now - ph.lost_us;
		ph.lost_us = 0;
		sim_phase_marker("all %zu units welcomed again %.3f s after "
		    "the first link was lost", sim->unit_count,
		    (double)ph.recovered_us / 1e6);
	}
	if (!ph.all_once) {
		ph.all_once = 1;
		sim_phase_marker("all %zu units welcomed", sim->unit_count);
		if (sim->opt->avalanche && ph.aval_ev != NULL)
			sim_phase_in(ph.aval_ev, SIM_PHASE_SETTLE_MS);
	}
}

void
sim_phase_tick(struct sim *sim)
{
	if (ph.all_once && ph.lost_us == 0 && !sim->stopping &&
	    sim->c.connected < sim->unit_count) {
		ph.lost_us = timenow_mono_us();
		sim_phase_marker("%llu of %zu units lost their link",
		    (unsigned long long)(sim->unit_count - sim->c.connected),
		    sim->unit_count);
	}
}

/* ---- start and end */

static void
sim_phase_release(struct sim *sim)
{
	size_t	i;

	ph.released = 1;
	ph.active = 1;
	ph.storm_t0_us = timenow_mono_us();
	for (i = ph.nprobes; i < sim->unit_count; i++)
		sim_unit_start(&sim->units[i]);
	sim_phase_marker("storm: %zu units connecting at once",
	    sim->unit_count - ph.nprobes);
}

static void
sim_phase_usr1(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	ph.active = !ph.active;
	sim_phase_marker("%s", ph.active ? "during" : "calm");
}

int
sim_phase_start(struct sim *sim)
{
	const struct sim_options	*opt = sim->opt;
	size_t				 i;

	ph.sim = sim;
	sim_stats_init(&ph.hb_calm);
	sim_stats_init(&ph.hb_during);
	sim_stats_init(&ph.press_calm);
	sim_stats_init(&ph.press_during);
	sim_stats_init(&ph.aval);
	ph.nprobes = opt->probes < sim->unit_count ? opt->probes :
	    sim->unit_count;
	if (ph.nprobes > 0 &&
	    (ph.probes = calloc(ph.nprobes, sizeof(*ph.probes))) == NULL)
		return -1;
	for (i = 0; i < ph.nprobes; i++) {
		ph.probes[i].unit = &sim->units[i];
		if ((ph.probes[i].timer = evtimer_new(sim->base,
		    sim_phase_probe_fire, &ph.probes[i])) == NULL)
			return -1;
	}
	if (opt->avalanche && sim_phase_aval_init(sim) == -1)
		return -1;
	if ((ph.usr1_ev = evsignal_new(sim->base, SIGUSR1, sim_phase_usr1,
	    sim)) == NULL || evsignal_add(ph.usr1_ev, NULL) == -1)
		return -1;
	if (opt->press_every_ms > 0 && !opt->avalanche) {
		if ((ph.press_ev = evtimer_new(sim->base, sim_phase_press_fire,
		    sim)) == NULL)
			return -1;
		sim_phase_in(ph.press_ev, opt->press_every_ms);
	}
	if (opt->storm && ph.nprobes > 0) {
		for (i = 0; i < ph.nprobes; i++)
			sim_unit_start(&sim->units[i]);
		return 0;
	}
	if (opt->storm) {
		ph.released = 1;
		ph.active = 1;
		ph.storm_t0_us = timenow_mono_us();
	}
	for (i = 0; i < sim->unit_count; i++)
		sim_unit_start(&sim->units[i]);
	return 0;
}

void
sim_phase_free(void)
{
	size_t	i;

	for (i = 0; i < ph.nprobes; i++)
		if (ph.probes[i].timer != NULL)
			event_free(ph.probes[i].timer);
	free(ph.probes);
	ph.probes = NULL;
	ph.nprobes = 0;
	if (ph.press_ev != NULL)
		event_free(ph.press_ev);
	if (ph.usr1_ev != NULL)
		event_free(ph.usr1_ev);
	ph.usr1_ev = NULL;
	if (ph.aval_ev != NULL)
		event_free(ph.aval_ev);
	ph.press_ev = ph.aval_ev = NULL;
	free(ph.order);
	ph.order = NULL;
}

/* ---- the report */

static void
sim_phase_hist(FILE *out, int json, const char *name,
    const struct sim_stats *s)
{
	if (json)
		fprintf(out, ", \"%s\": {\"count\": %llu, \"p50\": %.3f, "
		    "\"p99\": %.3f, \"max\": %.3f}", name,
		    (unsigned long long)s->count,
		    (double)sim_stats_percentile(s, 50) / 1000,
		    (double)sim_stats_percentile(s, 99) / 1000,
		    (double)s->max / 1000);
	else if (s->count > 0)
		fprintf(out, "refuge-sim: %s: %llu, p50 %.2f ms, p99 %.2f ms, "
		    "max %.2f ms\n", name, (unsigned long long)s->count,
		    (double)sim_stats_percentile(s, 50) / 1000,
		    (double)sim_stats_percentile(s, 99) / 1000,
		    (double)s->max / 1000);
}

void
sim_phase_report(struct sim *sim, FILE *out, int json)
{
	unsigned	i, n = ph.round < 64 ? ph.round : 64;

	(void)sim;
	if (json) {
		fprintf(out, ", \"storm_s\": %.3f, \"recovered_s\": %.3f, "
		    "\"avalanche_ms\": [", (double)ph.storm_us / 1e6,
		    (double)ph.recovered_us / 1e6);
		for (i = 0; i < n; i++)
			fprintf(out, "%s%.1f", i ? ", " : "", ph.round_ms[i]);
		fputc(']', out);
	} else {
		if (ph.storm_us > 0)
			fprintf(out, "refuge-sim: storm: all welcomed in %.3f s\n",
			    (double)ph.storm_us / 1e6);
		if (ph.recovered_us > 0)
			fprintf(out, "refuge-sim: all welcomed again %.3f s after "
			    "the first link was lost\n",
			    (double)ph.recovered_us / 1e6);
	}
	sim_phase_hist(out, json, "probe_hb_calm_ms", &ph.hb_calm);
	sim_phase_hist(out, json, "probe_hb_during_ms", &ph.hb_during);
	sim_phase_hist(out, json, "press_ack_calm_ms", &ph.press_calm);
	sim_phase_hist(out, json, "press_ack_during_ms", &ph.press_during);
	sim_phase_hist(out, json, "avalanche_ack_ms", &ph.aval);
}
