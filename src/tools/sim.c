/*
 * refuge-sim: simulated Help Points against a refuge receiver, one libevent
 * loop for all of them. This file holds the options, the set-up (units,
 * source addresses, file limits), the event generators, the periodic and
 * final reports, and the orderly end: stop making events, wait up to
 * --drain for ACKs, close every link and let the loop run dry.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
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
#include "refuge/duration.h"
#include "refuge/line.h"
#include "refuge/log.h"
#include "sim.h"

#define SIM_MAX_SOURCES		65536
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

static __attribute__((noreturn)) void
usage(void)
{
	fprintf(stderr,
"usage: refuge-sim -H host:port --units DIR [--ca FILE] [--count N]\n"
"           [--hb T] [--press-rate R/s] [--events TYPE=R/s,...] [--duration T]\n"
"           [--drain T] [--retry T] [--report T] [--connect-rate R/s] [--even]\n"
"           [--source-addrs A-B,...] [--json] [-v]\n"
"       refuge-sim -H host:port --units DIR --insecure-shared-cert --count N\n"
"           [--id-format FMT] ...\n"
"       refuge-sim -H host:port --issuer-cert FILE --issuer-key FILE --count N\n"
"           [--id-format FMT] ...\n"
"       refuge-sim --unit ID -H host:port --units DIR [--ca FILE]\n"
"       refuge-sim --print-registry N [--id-format FMT]\n"
"       refuge-sim -V\n");
	exit(2);
}

static __attribute__((noreturn, format(printf, 1, 2))) void
die(const char *fmt, ...)
{
	va_list	ap;

	fputs("refuge-sim: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	sim_tty_stop();
	exit(1);
}

static __attribute__((noreturn, format(printf, 1, 2))) void
bad_usage(const char *fmt, ...)
{
	va_list	ap;

	fputs("refuge-sim: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

int64_t
sim_now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t
sim_wall_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

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

/* ---- option helpers */

static int64_t
parse_duration_opt(const char *name, const char *text, int zero_ok)
{
	int64_t	ms;

	if (duration_parse(text, &ms) == -1 || (ms == 0 && !zero_ok))
		bad_usage("%s: bad duration '%s' (e.g. 500ms, 30s, 5m)", name,
		    text);
	return ms;
}

static double
parse_rate_opt(const char *name, const char *text)
{
	double	rate;

	if (sim_stats_rate_parse(text, &rate) == -1)
		bad_usage("%s: bad rate '%s' (e.g. 5/s, 30/m, 2/h)", name, text);
	return rate;
}

static void
parse_events_opt(struct sim_options *opt, const char *text)
{
	char		*copy, *item, *save = NULL, *eq;
	enum evtype	 type;

	if ((copy = strdup(text)) == NULL)
		die("out of memory");
	for (item = strtok_r(copy, ",", &save); item != NULL;
	    item = strtok_r(NULL, ",", &save)) {
		if ((eq = strchr(item, '=')) == NULL)
			bad_usage("--events: '%s' is not TYPE=rate", item);
		*eq = '\0';
		if (evtype_from_name(item, &type) == -1 ||
		    !evtype_unit_may_send(type))
			bad_usage("--events: unknown event type '%s'", item);
		opt->rates[type] += parse_rate_opt("--events", eq + 1);
	}
	free(copy);
}

/*
 * --id-format: text with one %d, %u or %0Nd (N up to 20), as "HP-%06d".
 * Split into prefix, width and suffix so no format string comes from outside.
 */
struct id_format {
	char	prefix[64];
	char	suffix[64];
	int	width;
	int	zero;
};

static int
id_format_parse(const char *text, struct id_format *f)
{
	const char	*pct = strchr(text, '%'), *p;
	size_t		 plen;

	memset(f, 0, sizeof(*f));
	if (pct == NULL || (plen = (size_t)(pct - text)) >= sizeof(f->prefix))
		return -1;
	memcpy(f->prefix, text, plen);
	p = pct + 1;
	if (*p == '0') {
		f->zero = 1;
		p++;
	}
	while (*p >= '0' && *p <= '9')
		f->width = f->width * 10 + (*p++ - '0');
	if ((*p != 'd' && *p != 'u') || f->width > 20)
		return -1;
	if (strchr(p + 1, '%') != NULL ||
	    strlen(p + 1) >= sizeof(f->suffix))
		return -1;
	snprintf(f->suffix, sizeof(f->suffix), "%s", p + 1);
	return 0;
}

static void
id_format_make(const struct id_format *f, unsigned n, char *buf, size_t len)
{
	if (f->zero)
		snprintf(buf, len, "%s%0*u%s", f->prefix, f->width, n, f->suffix);
	else
		snprintf(buf, len, "%s%*u%s", f->prefix, f->width, n, f->suffix);
}

/* "127.0.0.1-127.0.0.8,10.0.0.5,::1": ranges of IPv4, single addresses of either family. */
static size_t
parse_sources(const char *text, struct sockaddr_storage **out)
{
	struct sockaddr_storage	*list = NULL;
	size_t			 count = 0;
	char			*copy, *item, *save = NULL, *dash;
	struct in_addr		 a, b;
	struct in6_addr		 a6;
	uint32_t		 first, last, i;

	if ((copy = strdup(text)) == NULL ||
	    (list = calloc(SIM_MAX_SOURCES, sizeof(*list))) == NULL)
		die("out of memory");
	for (item = strtok_r(copy, ",", &save); item != NULL;
	    item = strtok_r(NULL, ",", &save)) {
		if ((dash = strchr(item, '-')) != NULL) {
			*dash = '\0';
			if (inet_pton(AF_INET, item, &a) != 1 ||
			    inet_pton(AF_INET, dash + 1, &b) != 1 ||
			    ntohl(a.s_addr) > ntohl(b.s_addr))
				bad_usage("--source-addrs: bad range %s-%s", item,
				    dash + 1);
			first = ntohl(a.s_addr);
			last = ntohl(b.s_addr);
		} else if (inet_pton(AF_INET, item, &a) == 1) {
			first = last = ntohl(a.s_addr);
		} else if (inet_pton(AF_INET6, item, &a6) == 1) {
			struct sockaddr_in6	*s6;

			if (count >= SIM_MAX_SOURCES)
				bad_usage("--source-addrs: more than %d addresses",
				    SIM_MAX_SOURCES);
			s6 = (struct sockaddr_in6 *)&list[count++];
			s6->sin6_family = AF_INET6;
			s6->sin6_addr = a6;
			continue;
		} else
			bad_usage("--source-addrs: bad address %s", item);
		for (i = first;; i++) {
			struct sockaddr_in	*s4;

			if (count >= SIM_MAX_SOURCES)
				bad_usage("--source-addrs: more than %d addresses",
				    SIM_MAX_SOURCES);
			s4 = (struct sockaddr_in *)&list[count++];
			s4->sin_family = AF_INET;
			s4->sin_addr.s_addr = htonl(i);
			if (i == last)
				break;
		}
	}
	free(copy);
	if (count == 0)
		bad_usage("--source-addrs: no address");
	*out = list;
	return count;
}

static int
pair_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Unit ids of DIR: every <id>.crt with a <id>.key beside it, in name order. */
static char **
list_pairs(const char *dir, size_t *count)
{
	DIR		*d;
	struct dirent	*de;
	char		**ids = NULL, **grown, path[4096];
	size_t		  n = 0, cap = 0, len;

	if ((d = opendir(dir)) == NULL)
		die("--units %s: %s", dir, strerror(errno));
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len <= 4 || strcmp(de->d_name + len - 4, ".crt") != 0 ||
		    len - 4 > 64)
			continue;
		snprintf(path, sizeof(path), "%s/%.*s.key", dir, (int)(len - 4),
		    de->d_name);
		if (access(path, R_OK) != 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((grown = realloc(ids, cap * sizeof(*ids))) == NULL)
				die("out of memory");
			ids = grown;
		}
		if ((ids[n] = strndup(de->d_name, len - 4)) == NULL)
			die("out of memory");
		if (!line_is_ident(ids[n])) {
			free(ids[n]);
			continue;
		}
		n++;
	}
	closedir(d);
	if (n > 0)
		qsort(ids, n, sizeof(*ids), pair_cmp);
	*count = n;
	return ids;
}

/* ---- units.yaml for a load test */

static void
print_registry(unsigned n, const struct id_format *f)
{
	char		id[128];
	unsigned	i;

	printf("# units.yaml for a refuge-sim load test: %u units, one site.\n"
	    "# refuge-sim --print-registry %u\n"
	    "plans:\n"
	    "  - id: simulated\n"
	    "    steps:\n"
	    "      - \"Speak to the caller\"\n"
	    "      - \"Close the alarm with a note\"\n"
	    "sites:\n"
	    "  - id: simulated\n"
	    "    name: \"Simulated site\"\n"
	    "    plan: simulated\n"
	    "units:\n", n, n);
	for (i = 1; i <= n; i++) {
		id_format_make(f, i, id, sizeof(id));
		printf("  - id: %s\n"
		    "    name: \"Simulated Help Point %u\"\n"
		    "    site: simulated\n"
		    "    lat: %.4f\n"
		    "    lon: %.4f\n"
		    "    camera_preset: %u\n", id, i,
		    52.0 + (double)(i % 1000) / 10000.0,
		    -0.9 + (double)(i / 1000 % 1000) / 10000.0, i % 256);
	}
}

/* ---- limits */

static void
raise_nofile(size_t need)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		die("getrlimit: %s", strerror(errno));
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
		die("%zu units need %zu open files but the limit is %llu (hard "
		    "limit %llu): raise it with `ulimit -Hn` as root or "
		    "LimitNOFILE=, or lower --count", need - 32, need,
		    (unsigned long long)rl.rlim_cur,
		    (unsigned long long)rl.rlim_max);
}

static void
check_ports(size_t units, size_t sources)
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
gen_fire(evutil_socket_t fd, short what, void *arg)
{
	struct sim_gen	*gen = arg;
	struct sim	*sim = gen->sim;
	int64_t		 now = sim_now_us(), gap;
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
	tv.tv_sec = (gen->next_us - now) / 1000000;
	tv.tv_usec = (gen->next_us - now) % 1000000;
	evtimer_add(gen->timer, &tv);
}

static void
gens_start(struct sim *sim)
{
	int	t;

	for (t = 0; t < EVTYPE_COUNT; t++) {
		if (sim->opt->rates[t] <= 0)
			continue;
		gens[t].sim = sim;
		gens[t].type = (enum evtype)t;
		gens[t].rate = sim->opt->rates[t];
		/* The first event comes after one gap, not at once. */
		gens[t].next_us = sim_now_us() + (int64_t)(1e6 *
		    (sim->opt->even ? 1 / gens[t].rate :
		    sim_stats_poisson_gap(gens[t].rate, sim_random(sim))));
		if ((gens[t].timer = evtimer_new(sim->base, gen_fire,
		    &gens[t])) == NULL)
			die("out of memory");
		event_active(gens[t].timer, EV_TIMEOUT, 0);
	}
}

static void
gens_free(void)
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
rss_kb(pid_t pid)
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
report_line(struct sim *sim, const struct sim_counters *c, FILE *out)
{
	fprintf(out, "refuge-sim: %.0fs connected=%llu/%zu sent=%llu acked=%llu "
	    "pending=%llu ack_ms p50=%.1f p99=%.1f max=%.1f reconnects=%llu "
	    "naks=%llu errors=%llu denied=%llu\n",
	    (double)(sim_now_us() - start_us) / 1e6,
	    (unsigned long long)c->connected, sim->unit_count,
	    (unsigned long long)c->sent, (unsigned long long)c->acked,
	    (unsigned long long)c->pending,
	    (double)sim_stats_percentile(&sim->latency, 50) / 1000,
	    (double)sim_stats_percentile(&sim->latency, 99) / 1000,
	    (double)sim->latency.max / 1000,
	    (unsigned long long)c->reconnects, (unsigned long long)c->naks,
	    (unsigned long long)c->errors, (unsigned long long)c->denied);
	fflush(out);
}

static void
report_fire(evutil_socket_t fd, short what, void *arg)
{
	struct sim	*sim = arg;

	(void)fd;
	(void)what;
	if (!sim->interactive)
		report_line(sim, &sim->c, stderr);
}

/* Called on every loop turn's worth of change cheaply: notes when all are connected. */
static void
watch_connected(struct sim *sim)
{
	if (all_connected_us == 0 && sim->c.connected == sim->unit_count)
		all_connected_us = sim_now_us();
}

static void
final_report(struct sim *sim, const struct sim_counters *c)
{
	const struct sim_stats	*l = &sim->latency;
	double			 elapsed = (double)(sim_now_us() - start_us) / 1e6;
	double			 ramp = all_connected_us ?
				    (double)(all_connected_us - start_us) / 1e6 : 0;

	if (!sim->opt->json) {
		report_line(sim, c, stdout);
		printf("refuge-sim: %zu units, %llu handshakes, %llu "
		    "retransmits, %llu dropped, %llu commands, %llu heartbeats, "
		    "all connected after %.1f s, RSS %ld kB\n", sim->unit_count,
		    (unsigned long long)c->handshakes,
		    (unsigned long long)c->retransmits,
		    (unsigned long long)c->dropped,
		    (unsigned long long)c->commands,
		    (unsigned long long)c->heartbeats, ramp, rss_kb(getpid()));
		return;
	}
	printf("{\"units\": %zu, \"elapsed_s\": %.3f, \"connected\": %llu, "
	    "\"all_connected_s\": %.3f, \"connect_rate\": %.1f, "
	    "\"handshakes\": %llu, \"reconnects\": %llu, \"disconnects\": %llu, "
	    "\"connect_failures\": %llu, \"events_generated\": %llu, "
	    "\"events_sent\": %llu, \"events_acked\": %llu, "
	    "\"events_pending\": %llu, \"retransmits\": %llu, "
	    "\"dropped\": %llu, \"naks\": %llu, \"errors\": %llu, "
	    "\"denied\": %llu, \"commands\": %llu, \"heartbeats\": %llu, "
	    "\"ack_latency_ms\": {\"count\": %llu, \"p50\": %.3f, "
	    "\"p99\": %.3f, \"max\": %.3f}, \"rss_kb\": %ld}\n",
	    sim->unit_count, elapsed, (unsigned long long)c->connected, ramp,
	    ramp > 0 ? (double)sim->unit_count / ramp : 0,
	    (unsigned long long)c->handshakes, (unsigned long long)c->reconnects,
	    (unsigned long long)c->disconnects,
	    (unsigned long long)c->connect_failures,
	    (unsigned long long)c->generated, (unsigned long long)c->sent,
	    (unsigned long long)c->acked, (unsigned long long)c->pending,
	    (unsigned long long)c->retransmits, (unsigned long long)c->dropped,
	    (unsigned long long)c->naks, (unsigned long long)c->errors,
	    (unsigned long long)c->denied, (unsigned long long)c->commands,
	    (unsigned long long)c->heartbeats, (unsigned long long)l->count,
	    (double)sim_stats_percentile(l, 50) / 1000,
	    (double)sim_stats_percentile(l, 99) / 1000,
	    (double)l->max / 1000, rss_kb(getpid()));
}

/* ---- the end */

static void
drain_check(evutil_socket_t fd, short what, void *arg)
{
	struct sim	*sim = arg;
	int64_t		 now = sim_now_us();
	int		 done;

	(void)fd;
	(void)what;
	watch_connected(sim);
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
	drain_deadline_us = sim_now_us() + sim->opt->drain_ms * 1000;
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
	gens_free();
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
end_fire(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	sim_finish(arg);
}

static void
signal_fire(evutil_socket_t fd, short what, void *arg)
{
	(void)what;
	log_info("%s: finishing", fd == SIGINT ? "SIGINT" : "SIGTERM");
	sim_finish(arg);
}

/* ---- main */

enum {
	OPT_UNITS = 256, OPT_CA, OPT_COUNT, OPT_HB, OPT_PRESS, OPT_EVENTS,
	OPT_DURATION, OPT_DRAIN, OPT_RETRY, OPT_REPORT, OPT_CONNECT_RATE,
	OPT_EVEN, OPT_JSON, OPT_SHARED, OPT_ISSUER_CERT, OPT_ISSUER_KEY,
	OPT_ID_FORMAT, OPT_SOURCES, OPT_PRINT_REGISTRY, OPT_UNIT
};

static const struct option long_options[] = {
	{ "units", required_argument, NULL, OPT_UNITS },
	{ "ca", required_argument, NULL, OPT_CA },
	{ "count", required_argument, NULL, OPT_COUNT },
	{ "hb", required_argument, NULL, OPT_HB },
	{ "press-rate", required_argument, NULL, OPT_PRESS },
	{ "events", required_argument, NULL, OPT_EVENTS },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "drain", required_argument, NULL, OPT_DRAIN },
	{ "retry", required_argument, NULL, OPT_RETRY },
	{ "report", required_argument, NULL, OPT_REPORT },
	{ "connect-rate", required_argument, NULL, OPT_CONNECT_RATE },
	{ "even", no_argument, NULL, OPT_EVEN },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "insecure-shared-cert", no_argument, NULL, OPT_SHARED },
	{ "issuer-cert", required_argument, NULL, OPT_ISSUER_CERT },
	{ "issuer-key", required_argument, NULL, OPT_ISSUER_KEY },
	{ "id-format", required_argument, NULL, OPT_ID_FORMAT },
	{ "source-addrs", required_argument, NULL, OPT_SOURCES },
	{ "print-registry", required_argument, NULL, OPT_PRINT_REGISTRY },
	{ "unit", required_argument, NULL, OPT_UNIT },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static unsigned long
parse_count(const char *name, const char *text, unsigned long max)
{
	char		*end;
	unsigned long	 n;

	errno = 0;
	n = strtoul(text, &end, 10);
	if (*text < '0' || *text > '9' || *end != '\0' || errno != 0 || n < 1 ||
	    n > max)
		bad_usage("%s: '%s' is not a number from 1 to %lu", name, text,
		    max);
	return n;
}

static void
parse_options(int argc, char **argv, struct sim_options *opt,
    unsigned long *print_registry, int *count_given)
{
	int	ch, any_rate = 0;

	opt->id_format = "HP-%06d";
	opt->drain_ms = 5000;
	opt->retry_ms = 10000;
	opt->report_ms = 5000;
	opt->connect_rate = 500;
	while ((ch = getopt_long(argc, argv, "H:vVh", long_options,
	    NULL)) != -1) {
		switch (ch) {
		case 'H': opt->target = optarg; break;
		case OPT_UNITS: opt->units_dir = optarg; break;
		case OPT_CA: opt->ca = optarg; break;
		case OPT_COUNT:
			opt->count = parse_count("--count", optarg, 10000000);
			*count_given = 1;
			break;
		case OPT_HB: opt->hb_ms = parse_duration_opt("--hb", optarg, 0);
			break;
		case OPT_PRESS:
			opt->rates[EVTYPE_BUTTON] += parse_rate_opt("--press-rate",
			    optarg);
			any_rate = 1;
			break;
		case OPT_EVENTS: parse_events_opt(opt, optarg); any_rate = 1;
			break;
		case OPT_DURATION:
			opt->duration_ms = parse_duration_opt("--duration", optarg, 0);
			break;
		case OPT_DRAIN:
			opt->drain_ms = parse_duration_opt("--drain", optarg, 1);
			break;
		case OPT_RETRY:
			opt->retry_ms = parse_duration_opt("--retry", optarg, 0);
			break;
		case OPT_REPORT:
			opt->report_ms = parse_duration_opt("--report", optarg, 1);
			break;
		case OPT_CONNECT_RATE:
			opt->connect_rate = parse_rate_opt("--connect-rate", optarg);
			if (opt->connect_rate <= 0)
				bad_usage("--connect-rate must be above 0");
			break;
		case OPT_EVEN: opt->even = 1; break;
		case OPT_JSON: opt->json = 1; break;
		case OPT_SHARED: opt->identity = SIM_IDENTITY_SHARED; break;
		case OPT_ISSUER_CERT: opt->issuer_cert = optarg; break;
		case OPT_ISSUER_KEY: opt->issuer_key = optarg; break;
		case OPT_ID_FORMAT: opt->id_format = optarg; break;
		case OPT_SOURCES: opt->source_addrs = optarg; break;
		case OPT_PRINT_REGISTRY:
			*print_registry = parse_count("--print-registry", optarg,
			    10000000);
			break;
		case OPT_UNIT: opt->interactive_unit = optarg; break;
		case 'v': opt->verbose = 1; break;
		case 'V':
			printf("refuge-sim %s\n", REFUGE_VERSION);
			exit(0);
		default:
			usage();
		}
	}
	if (optind != argc)
		bad_usage("unexpected argument '%s'", argv[optind]);
	if ((opt->issuer_cert != NULL) != (opt->issuer_key != NULL))
		bad_usage("--issuer-cert and --issuer-key go together");
	if (opt->issuer_cert != NULL) {
		if (opt->identity == SIM_IDENTITY_SHARED)
			bad_usage("--insecure-shared-cert and --issuer-cert "
			    "exclude each other");
		opt->identity = SIM_IDENTITY_ISSUED;
	}
	if (opt->interactive_unit != NULL && (*count_given || any_rate))
		bad_usage("--unit runs one unit by hand: no --count, "
		    "--press-rate or --events");
	if (opt->interactive_unit != NULL &&
	    !line_is_ident(opt->interactive_unit))
		bad_usage("--unit: bad unit id '%s'", opt->interactive_unit);
}

/* Picks the unit ids and checks that their identities can be loaded. */
static char **
choose_units(struct sim *sim, struct sim_options *opt, int count_given,
    const struct id_format *fmt, char **shared_id)
{
	char	**ids = NULL, **pairs = NULL, err[512], id[128];
	size_t	  npairs = 0, i;

	if (opt->identity != SIM_IDENTITY_ISSUED || opt->units_dir != NULL) {
		if (opt->units_dir == NULL)
			bad_usage("--units DIR is required");
		pairs = list_pairs(opt->units_dir, &npairs);
		if (npairs == 0)
			die("--units %s: no <unit-id>.crt with its .key", opt->units_dir);
	}
	if (opt->interactive_unit != NULL) {
		opt->count = 1;
		if ((ids = calloc(1, sizeof(*ids))) == NULL ||
		    (ids[0] = strdup(opt->interactive_unit)) == NULL)
			die("out of memory");
	} else if (opt->identity == SIM_IDENTITY_OWN) {
		if (!count_given)
			opt->count = npairs;
		if (opt->count > npairs)
			die("--count %zu but %s holds %zu certificate pair(s)",
			    opt->count, opt->units_dir, npairs);
		if ((ids = calloc(opt->count, sizeof(*ids))) == NULL)
			die("out of memory");
		for (i = 0; i < opt->count; i++) {
			ids[i] = pairs[i];
			pairs[i] = NULL;
		}
	} else {
		if (!count_given)
			opt->count = 1;
		if ((ids = calloc(opt->count, sizeof(*ids))) == NULL)
			die("out of memory");
		for (i = 0; i < opt->count; i++) {
			id_format_make(fmt, (unsigned)(i + 1), id, sizeof(id));
			if (!line_is_ident(id))
				bad_usage("--id-format makes a bad unit id '%s'",
				    id);
			if ((ids[i] = strdup(id)) == NULL)
				die("out of memory");
		}
	}
	if (opt->identity == SIM_IDENTITY_SHARED) {
		*shared_id = pairs[0];
		pairs[0] = NULL;
	}
	for (i = 0; i < npairs; i++)
		free(pairs[i]);
	free(pairs);
	/* Own certificates: check the first (all of them for a few units). */
	if (opt->identity == SIM_IDENTITY_OWN)
		for (i = 0; i < opt->count && i < 100; i++)
			if (sim_tls_check_unit(sim, ids[i], err, sizeof(err)) == -1)
				die("unit %s: %s", ids[i], err);
	return ids;
}

int
main(int argc, char **argv)
{
	struct sim_options	 opt;
	struct sim		*sim = &sim0;
	struct id_format	 fmt;
	struct timeval		 tv;
	char			*shared_id = NULL;
	char			**ids, host[256], err[512];
	unsigned long		 print_n = 0;
	int			 port, count_given = 0;
	size_t			 i;

	memset(&opt, 0, sizeof(opt));
	parse_options(argc, argv, &opt, &print_n, &count_given);
	if (id_format_parse(opt.id_format, &fmt) == -1)
		bad_usage("--id-format: '%s' needs one %%d, %%u or %%0Nd",
		    opt.id_format);
	if (print_n > 0) {
		print_registry((unsigned)print_n, &fmt);
		return 0;
	}
	if (opt.target == NULL)
		bad_usage("-H host:port is required");
	if (config_split_hostport(opt.target, host, sizeof(host), &port) == -1 ||
	    host[0] == '\0')
		bad_usage("-H %s: not host:port", opt.target);
	log_init("refuge-sim", opt.verbose ? CONFIG_LOG_DEBUG : CONFIG_LOG_INFO,
	    0);
	signal(SIGPIPE, SIG_IGN);

	sim->opt = &opt;
	sim->interactive = opt.interactive_unit != NULL;
	sim->boot_ms = sim_wall_ms();
	sim->rng = (uint64_t)sim_now_us() ^ ((uint64_t)getpid() << 32) ^
	    (uint64_t)sim->boot_ms;
	if (sim->rng == 0)
		sim->rng = 1;
	sim_stats_init(&sim->latency);
	snprintf(sim->server_name, sizeof(sim->server_name), "%s", host);
	if (conn_resolve(opt.target, &sim->to, &sim->tolen, err,
	    sizeof(err)) == -1)
		die("%s", err);
	ids = choose_units(sim, &opt, count_given, &fmt, &shared_id);
	if (opt.source_addrs != NULL)
		sim->from_count = parse_sources(opt.source_addrs, &sim->from);
	raise_nofile(opt.count + 32);
	check_ports(opt.count, sim->from_count);

	if ((sim->base = event_base_new()) == NULL)
		die("event_base_new failed");
	if (sim_tls_init(sim, shared_id, err, sizeof(err)) == -1)
		die("%s", err);
	free(shared_id);
	if ((sim->units = calloc(opt.count, sizeof(*sim->units))) == NULL)
		die("out of memory for %zu units", opt.count);
	sim->unit_count = opt.count;
	for (i = 0; i < opt.count; i++) {
		if (sim_unit_init(sim, &sim->units[i], (uint32_t)i, ids[i]) == -1)
			die("out of memory");
		free(ids[i]);
	}
	free(ids);

	start_us = sim_now_us();
	sim->last_rx_us = start_us;
	if (sim_ramp_init(sim) == -1)
		die("out of memory");
	for (i = 0; i < sim->unit_count; i++)
		sim_unit_start(&sim->units[i]);
	gens_start(sim);
	if ((sig_int = evsignal_new(sim->base, SIGINT, signal_fire, sim)) == NULL ||
	    (sig_term = evsignal_new(sim->base, SIGTERM, signal_fire,
	    sim)) == NULL || evsignal_add(sig_int, NULL) == -1 ||
	    evsignal_add(sig_term, NULL) == -1)
		die("cannot catch signals");
	tv.tv_sec = opt.report_ms / 1000;
	tv.tv_usec = (opt.report_ms % 1000) * 1000;
	if ((report_ev = event_new(sim->base, -1, EV_PERSIST, report_fire,
	    sim)) == NULL || event_add(report_ev, &tv) == -1)
		die("out of memory");
	tv.tv_sec = 0;
	tv.tv_usec = SIM_DRAIN_TICK_MS * 1000;
	if ((drain_ev = event_new(sim->base, -1, EV_PERSIST, drain_check,
	    sim)) == NULL || event_add(drain_ev, &tv) == -1)
		die("out of memory");
	if (opt.duration_ms > 0) {
		tv.tv_sec = opt.duration_ms / 1000;
		tv.tv_usec = (opt.duration_ms % 1000) * 1000;
		if ((end_ev = evtimer_new(sim->base, end_fire, sim)) == NULL ||
		    evtimer_add(end_ev, &tv) == -1)
			die("out of memory");
	}
	if (sim->interactive && sim_tty_start(sim, &sim->units[0]) == -1)
		die("cannot read the terminal");
	if (!sim->interactive)
		log_info("%zu unit(s) against %s, %.0f connections/s",
		    sim->unit_count, opt.target, opt.connect_rate);

	event_base_dispatch(sim->base);
	sim_tty_stop();
	final_report(sim, &final_counters);

	for (i = 0; i < sim->unit_count; i++)
		sim_unit_free(&sim->units[i]);
	free(sim->units);
	free(sim->from);
	sim_tls_free(sim);
	event_base_free(sim->base);
	return 0;
}
