/*
 * refuge-sim: simulated Help Points against a refuge receiver, one libevent
 * loop for all of them. This file holds the set-up (units, file limits),
 * the event generators, the periodic and final reports, and the orderly end: stop making events, wait up to
 * --drain for ACKs, close every link and let the loop run dry.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "refuge/config.h"
#include "refuge/conn.h"
#include "refuge/log.h"
#include "refuge/timenow.h"
#include "sim.h"
#include "sim_dc09.h"

#define SIM_DRAIN_TICK_MS	100
#define SIM_QUIET_MS		1000	/* interactive: wait for late commands */

/* One event type's generator: a Poisson (or even) stream over all units. */
struct sim_gen {
	struct sim	*sim;
	enum evtype	 type;
	double		 rate;
	int64_t		 next_us;
	struct event	*timer;
};

static struct sim		 sim0;
static struct sim_gen		 gens[EVTYPE_COUNT];
static struct event		*sig_int, *sig_term, *report_ev, *end_ev,
				*drain_ev;
static int64_t			 start_us, drain_deadline_us, all_connected_us;
static struct sim_counters	 final_counters;

static void	sim_stop_all(struct sim *);

double
sim_random(struct sim *sim)
{
	/* xorshift64*: plenty for jitter and Poisson gaps. */
	sim->rng ^= sim->rng >> 12;
	sim->rng ^= sim->rng << 25;
	sim->rng ^= sim->rng >> 27;
	return (double)((sim->rng * 0x2545F4914F6CDD1DULL) >> 11) /
	    9007199254740992.0;
}

void
sim_note(struct sim_unit *unit, const char *fmt, ...)
{
	va_list		ap;
	char		text[1024];
	time_t		now;
	struct tm	tm;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (!unit->sim->interactive) {
		log_debug("unit=%s %s", unit->id, text);
		return;
	}
	now = time(NULL);
	localtime_r(&now, &tm);
	printf("%02d:%02d:%02d %s: %s\n", tm.tm_hour, tm.tm_min, tm.tm_sec,
	    unit->id, text);
	fflush(stdout);
}

const struct sim_receiver *
sim_receiver(struct sim *sim, size_t i, char *err, size_t errlen)
{
	struct sim_receiver	*r;
	int			 port;

	if (i >= sim->rx.count) {
		snprintf(err, errlen, "no receiver %zu", i);
		return NULL;
	}
	r = &sim->receivers[i];
	if (r->resolved)
		return r;
	if (config_split_hostport(sim->rx.addr[i], r->host,
	    (int)sizeof(r->host), &port) == -1) {
		snprintf(err, errlen, "%s: not host:port", sim->rx.addr[i]);
		return NULL;
	}
	if (conn_resolve(sim->rx.addr[i], &r->to, &r->tolen, err,
	    errlen) == -1)
		return NULL;
	r->resolved = 1;
	return r;
}

/* ---- limits */

static void
sim_raise_nofile(size_t need)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		fatalx("getrlimit: %s", strerror(errno));
	if (rl.rlim_cur < rl.rlim_max) {
		rlim_t	want = rl.rlim_max;

		rl.rlim_cur = want;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1) {
			getrlimit(RLIMIT_NOFILE, &rl);
			log_debug("setrlimit to %llu: %s",
			    (unsigned long long)want, strerror(errno));
		}
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < need)
		fatalx("%zu units need %zu open files but the limit is %llu (hard "
		    "limit %llu): raise it with `ulimit -Hn` as root or "
		    "LimitNOFILE=, or lower --count", need - 32, need,
		    (unsigned long long)rl.rlim_cur,
		    (unsigned long long)rl.rlim_max);
}

static void
sim_check_ports(size_t units, size_t sources)
{
	FILE		*f;
	unsigned	 lo, hi;

	if ((f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r")) == NULL)
		return;
	if (fscanf(f, "%u %u", &lo, &hi) == 2 && hi >= lo &&
	    units > (size_t)(hi - lo + 1) * (sources ? sources : 1))
		log_warnx("%zu units but only %u local ports per source address "
		    "(net.ipv4.ip_local_port_range) and %zu address(es): give "
		    "more with --source-addrs", units, hi - lo + 1,
		    sources ? sources : 1);
	fclose(f);
}

/* ---- generators */

static void
sim_gen_fire(evutil_socket_t fd, short what, void *arg)
{
	struct sim_gen	*gen = arg;
	struct sim	*sim = gen->sim;
	int64_t		 now = timenow_mono_us(), gap;
	struct timeval	 tv;
	size_t		 i;

	(void)fd;
	(void)what;
	if (sim->draining)
		return;
	while (gen->next_us <= now) {
		i = (size_t)(sim_random(sim) * (double)sim->unit_count);
		(void)sim_unit_event(&sim->units[i < sim->unit_count ? i : 0],
		    gen->type);
		gap = (int64_t)(1e6 * (sim->opt->even ? 1 / gen->rate :
		    sim_stats_poisson_gap(gen->rate, sim_random(sim))));
		gen->next_us += gap > 0 ? gap : 1;
	}
	/* Whole milliseconds, rounded up: libevent waits in those anyway. */
	tv = timenow_tv((gen->next_us - now + 999) / 1000);
	evtimer_add(gen->timer, &tv);
}

static void
sim_gens_start(struct sim *sim)
{
	int	t;

	for (t = 0; t < EVTYPE_COUNT; t++) {
		if (sim->opt->rates[t] <= 0)
			continue;
		gens[t].sim = sim;
		gens[t].type = (enum evtype)t;
		gens[t].rate = sim->opt->rates[t];
		/* The first event comes after one gap, not at once. */
		gens[t].next_us = timenow_mono_us() + (int64_t)(1e6 *
		    (sim->opt->even ? 1 / gens[t].rate :
		    sim_stats_poisson_gap(gens[t].rate, sim_random(sim))));
		if ((gens[t].timer = evtimer_new(sim->base, sim_gen_fire,
		    &gens[t])) == NULL)
			fatalx("out of memory");
		event_active(gens[t].timer, EV_TIMEOUT, 0);
	}
}

static void
sim_gens_free(void)
{
	int	t;

	for (t = 0; t < EVTYPE_COUNT; t++)
		if (gens[t].timer != NULL) {
			event_free(gens[t].timer);
			gens[t].timer = NULL;
		}
}

/* ---- reports */

static long
sim_rss_kb(pid_t pid)
{
	char	path[64], line[256];
	FILE	*f;
	long	 kb = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static void
sim_report_line(struct sim *sim, const struct sim_counters *c, FILE *out)
{
	fprintf(out, "refuge-sim: %.0fs connected=%llu/%zu sent=%llu acked=%llu "
	    "pending=%llu ack_ms p50=%.1f p99=%.1f max=%.1f reconnects=%llu "
	    "naks=%llu errors=%llu denied=%llu redirects=%llu\n",
	    (double)(timenow_mono_us() - start_us) / 1e6,
	    (unsigned long long)c->connected, sim->unit_count,
	    (unsigned long long)c->sent, (unsigned long long)c->acked,
	    (unsigned long long)c->pending,
	    (double)sim_stats_percentile(&sim->latency, 50) / 1000,
	    (double)sim_stats_percentile(&sim->latency, 99) / 1000,
	    (double)sim->latency.max / 1000,
	    (unsigned long long)c->reconnects, (unsigned long long)c->naks,
	    (unsigned long long)c->errors, (unsigned long long)c->denied,
	    (unsigned long long)c->redirects);
	fflush(out);
}

static void
sim_report_fire(evutil_socket_t fd, short what, void *arg)
{
	struct sim	*sim = arg;

	(void)fd;
	(void)what;
	if (!sim->interactive)
		sim_report_line(sim, &sim->c, stderr);
}

/* Called on every loop turn's worth of change cheaply: notes when all are connected. */
static void
sim_watch_connected(struct sim *sim)
{
	if (all_connected_us == 0 && sim->c.connected == sim->unit_count)
		all_connected_us = timenow_mono_us();
}

static void
sim_final_report(struct sim *sim, const struct sim_counters *c)
{
	const struct sim_stats	*l = &sim->latency;
	double			 elapsed = (double)(timenow_mono_us() - start_us) / 1e6;
	double			 ramp = all_connected_us ?
				    (double)(all_connected_us - start_us) / 1e6 : 0;

	if (!sim->opt->json) {
		sim_report_line(sim, c, stdout);
		printf("refuge-sim: %zu units, %llu handshakes, %llu "
		    "retransmits, %llu dropped, %llu commands, %llu heartbeats, "
		    "all connected after %.1f s, RSS %ld kB\n", sim->unit_count,
		    (unsigned long long)c->handshakes,
		    (unsigned long long)c->retransmits,
		    (unsigned long long)c->dropped,
		    (unsigned long long)c->commands,
		    (unsigned long long)c->heartbeats, ramp, sim_rss_kb(getpid()));
		sim_phase_report(sim, stdout, 0);
		return;
	}
	printf("{\"units\": %zu, \"elapsed_s\": %.3f, \"connected\": %llu, "
	    "\"all_connected_s\": %.3f, \"connect_rate\": %.1f, "
	    "\"handshakes\": %llu, \"reconnects\": %llu, \"disconnects\": %llu, "
	    "\"connect_failures\": %llu, \"events_generated\": %llu, "
	    "\"events_sent\": %llu, \"events_acked\": %llu, "
	    "\"events_pending\": %llu, \"retransmits\": %llu, "
	    "\"dropped\": %llu, \"naks\": %llu, \"errors\": %llu, "
	    "\"denied\": %llu, \"redirects\": %llu, \"commands\": %llu, "
	    "\"heartbeats\": %llu, "
	    "\"ack_latency_ms\": {\"count\": %llu, \"p50\": %.3f, "
	    "\"p99\": %.3f, \"max\": %.3f}, \"sim_rss_kb\": %ld",
	    sim->unit_count, elapsed, (unsigned long long)c->connected, ramp,
	    ramp > 0 ? (double)sim->unit_count / ramp : 0,
	    (unsigned long long)c->handshakes, (unsigned long long)c->reconnects,
	    (unsigned long long)c->disconnects,
	    (unsigned long long)c->connect_failures,
	    (unsigned long long)c->generated, (unsigned long long)c->sent,
	    (unsigned long long)c->acked, (unsigned long long)c->pending,
	    (unsigned long long)c->retransmits, (unsigned long long)c->dropped,
	    (unsigned long long)c->naks, (unsigned long long)c->errors,
	    (unsigned long long)c->denied, (unsigned long long)c->redirects,
	    (unsigned long long)c->commands,
	    (unsigned long long)c->heartbeats, (unsigned long long)l->count,
	    (double)sim_stats_percentile(l, 50) / 1000,
	    (double)sim_stats_percentile(l, 99) / 1000,
	    (double)l->max / 1000, sim_rss_kb(getpid()));
	sim_phase_report(sim, stdout, 1);
	printf("}\n");
}

/* ---- the end */

static void
sim_drain_check(evutil_socket_t fd, short what, void *arg)
{
	struct sim	*sim = arg;
	int64_t		 now = timenow_mono_us();
	int		 done;

	(void)fd;
	(void)what;
	sim_watch_connected(sim);
	sim_phase_tick(sim);
	if (!sim->draining)
		return;
	done = sim->c.pending == 0;
	if (sim->interactive)
		done = done && sim_tty_done(sim) &&
		    now - sim->last_rx_us >= SIM_QUIET_MS * 1000;
	if (done || now >= drain_deadline_us)
		sim_stop_all(sim);
}

void
sim_finish(struct sim *sim)
{
	if (sim->draining) {
		/* A second request ends at once. */
		sim_stop_all(sim);
		return;
	}
	sim->draining = 1;
	drain_deadline_us = timenow_mono_us() + sim->opt->drain_ms * 1000;
	if (!sim->interactive && sim->c.pending > 0)
		log_info("waiting up to %.1f s for %llu pending event(s)",
		    (double)sim->opt->drain_ms / 1000,
		    (unsigned long long)sim->c.pending);
}

static void
sim_stop_all(struct sim *sim)
{
	size_t	i;

	if (sim->stopping)
		return;
	final_counters = sim->c;
	sim->stopping = 1;
	sim->draining = 1;
	for (i = 0; i < sim->unit_count; i++)
		sim_unit_stop(&sim->units[i]);
	sim_gens_free();
	sim_phase_free();
	sim_ramp_free(sim);
	sim_tty_stop();
	if (report_ev != NULL)
		event_free(report_ev);
	if (end_ev != NULL)
		event_free(end_ev);
	if (drain_ev != NULL)
		event_free(drain_ev);
	event_free(sig_int);
	event_free(sig_term);
	report_ev = end_ev = drain_ev = sig_int = sig_term = NULL;
	/* What is left are closing links; the loop ends when they are reaped. */
}

static void
sim_end_fire(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	sim_finish(arg);
}

static void
sim_signal_fire(evutil_socket_t fd, short what, void *arg)
{
	(void)what;
	log_info("%s: finishing", fd == SIGINT ? "SIGINT" : "SIGTERM");
	sim_finish(arg);
}

/* ---- main */

int
main(int argc, char **argv)
{
	struct sim_options	 opt;
	struct sim		*sim = &sim0;
	struct timeval		 tv;
	char			*shared_id = NULL;
	char			**ids, err[512];
	size_t			 i;

	/* DC-09 panels are a mode of their own (sim_dc09.c). */
	if (argc > 1 && strcmp(argv[1], "--dc09") == 0)
		return sim_dc09_main(argc - 1, argv + 1);
	memset(&opt, 0, sizeof(opt));
	log_init("refuge-sim", CONFIG_LOG_INFO, 0);
	sim_opts_parse(argc, argv, &opt);
	if (opt.verbose)
		log_set_level(CONFIG_LOG_DEBUG);
	signal(SIGPIPE, SIG_IGN);

	sim->opt = &opt;
	sim->interactive = opt.interactive_unit != NULL;
	sim->boot_ms = timenow_wall_ms();
	sim->rng = (uint64_t)timenow_mono_us() ^ ((uint64_t)getpid() << 32) ^
	    (uint64_t)sim->boot_ms;
	if (sim->rng == 0)
		sim->rng = 1;
	sim_stats_init(&sim->latency);
	/* -H's receivers must resolve now; alt= ones when a unit goes there. */
	sim->rx = opt.rx;
	for (i = 0; i < sim->rx.count; i++)
		if (sim_receiver(sim, i, err, sizeof(err)) == NULL)
			fatalx("%s", err);
	ids = sim_opts_units(sim, &opt, &shared_id);
	sim->from = opt.from;
	sim->from_count = opt.from_count;
	sim_raise_nofile(opt.count + 32);
	sim_check_ports(opt.count, sim->from_count);

	if ((sim->base = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	if (sim_tls_init(sim, shared_id, err, sizeof(err)) == -1)
		fatalx("%s", err);
	free(shared_id);
	if ((sim->units = calloc(opt.count, sizeof(*sim->units))) == NULL)
		fatalx("out of memory for %zu units", opt.count);
	sim->unit_count = opt.count;
	for (i = 0; i < opt.count; i++) {
		if (sim_unit_init(sim, &sim->units[i], (uint32_t)i, ids[i]) == -1)
			fatalx("out of memory");
		free(ids[i]);
	}
	free(ids);

	start_us = timenow_mono_us();
	sim->last_rx_us = start_us;
	if (sim_ramp_init(sim) == -1)
		fatalx("out of memory");
	if (sim_phase_start(sim) == -1)
		fatalx("out of memory");
	sim_gens_start(sim);
	if ((sig_int = evsignal_new(sim->base, SIGINT, sim_signal_fire, sim)) == NULL ||
	    (sig_term = evsignal_new(sim->base, SIGTERM, sim_signal_fire,
	    sim)) == NULL || evsignal_add(sig_int, NULL) == -1 ||
	    evsignal_add(sig_term, NULL) == -1)
		fatalx("cannot catch signals");
	tv = timenow_tv(opt.report_ms);
	if ((report_ev = event_new(sim->base, -1, EV_PERSIST, sim_report_fire,
	    sim)) == NULL || event_add(report_ev, &tv) == -1)
		fatalx("out of memory");
	tv = timenow_tv(SIM_DRAIN_TICK_MS);
	if ((drain_ev = event_new(sim->base, -1, EV_PERSIST, sim_drain_check,
	    sim)) == NULL || event_add(drain_ev, &tv) == -1)
		fatalx("out of memory");
	if (opt.duration_ms > 0) {
		tv = timenow_tv(opt.duration_ms);
		if ((end_ev = evtimer_new(sim->base, sim_end_fire, sim)) == NULL ||
		    evtimer_add(end_ev, &tv) == -1)
			fatalx("out of memory");
	}
	if (sim->interactive && sim_tty_start(sim, &sim->units[0]) == -1)
		fatalx("cannot read the terminal");
	if (!sim->interactive)
		log_info("%zu unit(s) against %s, %.0f connections/s",
		    sim->unit_count, opt.target, opt.connect_rate);

	event_base_dispatch(sim->base);
	sim_tty_stop();
	sim_final_report(sim, &final_counters);

	for (i = 0; i < sim->unit_count; i++)
		sim_unit_free(&sim->units[i]);
	free(sim->units);
	free(sim->from);
	sim_tls_free(sim);
	event_base_free(sim->base);
	return 0;
}
