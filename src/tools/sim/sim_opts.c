/*
 * refuge-sim's command line: options, unit ids (a directory's certificate
 * pairs, or ids made from --id-format), source addresses, and the
 * units.yaml that --print-registry writes for a load test.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "refuge/config.h"
#include "refuge/duration.h"
#include "refuge/line.h"
#include "refuge/log.h"
#include "sim.h"

#define SIM_MAX_SOURCES		65536

static __attribute__((noreturn)) void
sim_opts_usage(int status)
{
	fprintf(status == 0 ? stdout : stderr,
"usage: refuge-sim -H host:port[,...] --units DIR [--ca FILE] [--count N]\n"
"           [--hb T] [--press-rate R/s] [--events TYPE=R/s,...] [--duration T]\n"
"           [--drain T] [--retry T] [--report T] [--connect-rate R/s] [--even]\n"
"           [--source-addrs A-B,...] [--first N] [--json] [-v]\n"
"           [--storm] [--probes N] [--probe-interval T] [--press-every T]\n"
"           [--avalanche TYPE [--window T] [--repeat N] [--gap T]]\n"
"       refuge-sim -H host:port --units DIR --insecure-shared-cert --count N\n"
"           [--id-format FMT] ...\n"
"       refuge-sim -H host:port --issuer-cert FILE --issuer-key FILE --count N\n"
"           [--id-format FMT] ...\n"
"       refuge-sim --unit ID -H host:port --units DIR [--ca FILE]\n"
"       refuge-sim --print-registry N [--first N] [--id-format FMT]\n"
"       refuge-sim -V | --version | -h | --help\n");
	exit(status);
}

static __attribute__((noreturn, format(printf, 1, 2))) void
sim_opts_bad_usage(const char *fmt, ...)
{
	va_list	ap;

	fputs("refuge-sim: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

/* ---- option helpers */

static int64_t
sim_opts_duration(const char *name, const char *text, int zero_ok)
{
	int64_t	ms;

	if (duration_parse(text, &ms) == -1 || (ms == 0 && !zero_ok))
		sim_opts_bad_usage("%s: bad duration '%s' (e.g. 500ms, 30s, 5m)", name,
		    text);
	return ms;
}

static double
sim_opts_rate(const char *name, const char *text)
{
	double	rate;

	if (sim_stats_rate_parse(text, &rate) == -1)
		sim_opts_bad_usage("%s: bad rate '%s' (e.g. 5/s, 30/m, 2/h)", name, text);
	return rate;
}

static void
sim_opts_events(struct sim_options *opt, const char *text)
{
	char		*copy, *item, *save = NULL, *eq;
	enum evtype	 type;

	if ((copy = strdup(text)) == NULL)
		fatalx("out of memory");
	for (item = strtok_r(copy, ",", &save); item != NULL;
	    item = strtok_r(NULL, ",", &save)) {
		if ((eq = strchr(item, '=')) == NULL)
			sim_opts_bad_usage("--events: '%s' is not TYPE=rate", item);
		*eq = '\0';
		if (evtype_from_name(item, &type) == -1 ||
		    !evtype_unit_may_send(type))
			sim_opts_bad_usage("--events: unknown event type '%s'", item);
		opt->rates[type] += sim_opts_rate("--events", eq + 1);
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

static struct id_format	id_format;

static int
sim_opts_id_format_parse(const char *text, struct id_format *f)
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
sim_opts_id_format_make(const struct id_format *f, unsigned n, char *buf, size_t len)
{
	if (f->zero)
		snprintf(buf, len, "%s%0*u%s", f->prefix, f->width, n, f->suffix);
	else
		snprintf(buf, len, "%s%*u%s", f->prefix, f->width, n, f->suffix);
}

/* "127.0.0.1-127.0.0.8,10.0.0.5,::1": ranges of IPv4, single addresses of either family. */
static size_t
sim_opts_sources(const char *text, struct sockaddr_storage **out)
{
	struct sockaddr_storage	*list = NULL;
	size_t			 count = 0;
	char			*copy, *item, *save = NULL, *dash;
	struct in_addr		 a, b;
	struct in6_addr		 a6;
	uint32_t		 first, last, i;

	if ((copy = strdup(text)) == NULL ||
	    (list = calloc(SIM_MAX_SOURCES, sizeof(*list))) == NULL)
		fatalx("out of memory");
	for (item = strtok_r(copy, ",", &save); item != NULL;
	    item = strtok_r(NULL, ",", &save)) {
		if ((dash = strchr(item, '-')) != NULL) {
			*dash = '\0';
			if (inet_pton(AF_INET, item, &a) != 1 ||
			    inet_pton(AF_INET, dash + 1, &b) != 1 ||
			    ntohl(a.s_addr) > ntohl(b.s_addr))
				sim_opts_bad_usage("--source-addrs: bad range %s-%s", item,
				    dash + 1);
			first = ntohl(a.s_addr);
			last = ntohl(b.s_addr);
		} else if (inet_pton(AF_INET, item, &a) == 1) {
			first = last = ntohl(a.s_addr);
		} else if (inet_pton(AF_INET6, item, &a6) == 1) {
			struct sockaddr_in6	*s6;

			if (count >= SIM_MAX_SOURCES)
				sim_opts_bad_usage("--source-addrs: more than %d addresses",
				    SIM_MAX_SOURCES);
			s6 = (struct sockaddr_in6 *)&list[count++];
			s6->sin6_family = AF_INET6;
			s6->sin6_addr = a6;
			continue;
		} else
			sim_opts_bad_usage("--source-addrs: bad address %s", item);
		for (i = first;; i++) {
			struct sockaddr_in	*s4;

			if (count >= SIM_MAX_SOURCES)
				sim_opts_bad_usage("--source-addrs: more than %d addresses",
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
		sim_opts_bad_usage("--source-addrs: no address");
	*out = list;
	return count;
}

static int
sim_opts_pair_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Unit ids of DIR: every <id>.crt with a <id>.key beside it, in name order. */
static char **
sim_opts_list_pairs(const char *dir, size_t *count)
{
	DIR		*d;
	struct dirent	*de;
	char		**ids = NULL, **grown, path[4096];
	size_t		  n = 0, cap = 0, len;

	if ((d = opendir(dir)) == NULL)
		fatalx("--units %s: %s", dir, strerror(errno));
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
				fatalx("out of memory");
			ids = grown;
		}
		if ((ids[n] = strndup(de->d_name, len - 4)) == NULL)
			fatalx("out of memory");
		if (!line_is_ident(ids[n])) {
			free(ids[n]);
			continue;
		}
		n++;
	}
	closedir(d);
	if (n > 0)
		qsort(ids, n, sizeof(*ids), sim_opts_pair_cmp);
	*count = n;
	return ids;
}

/* ---- units.yaml for a load test */

static void
sim_opts_print_registry(unsigned n, unsigned first, const struct id_format *f)
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
	for (i = first; i < first + n; i++) {
		sim_opts_id_format_make(f, i, id, sizeof(id));
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

enum {
	OPT_UNITS = 256, OPT_CA, OPT_COUNT, OPT_HB, OPT_PRESS, OPT_EVENTS,
	OPT_DURATION, OPT_DRAIN, OPT_RETRY, OPT_REPORT, OPT_CONNECT_RATE,
	OPT_EVEN, OPT_JSON, OPT_SHARED, OPT_ISSUER_CERT, OPT_ISSUER_KEY,
	OPT_ID_FORMAT, OPT_SOURCES, OPT_PRINT_REGISTRY, OPT_UNIT, OPT_FIRST,
	OPT_STORM, OPT_PROBES, OPT_PROBE_INTERVAL, OPT_PRESS_EVERY,
	OPT_AVALANCHE, OPT_WINDOW, OPT_REPEAT, OPT_GAP
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
	{ "first", required_argument, NULL, OPT_FIRST },
	{ "storm", no_argument, NULL, OPT_STORM },
	{ "probes", required_argument, NULL, OPT_PROBES },
	{ "probe-interval", required_argument, NULL, OPT_PROBE_INTERVAL },
	{ "press-every", required_argument, NULL, OPT_PRESS_EVERY },
	{ "avalanche", required_argument, NULL, OPT_AVALANCHE },
	{ "window", required_argument, NULL, OPT_WINDOW },
	{ "repeat", required_argument, NULL, OPT_REPEAT },
	{ "gap", required_argument, NULL, OPT_GAP },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static unsigned long
sim_opts_count(const char *name, const char *text, unsigned long max)
{
	char		*end;
	unsigned long	 n;

	errno = 0;
	n = strtoul(text, &end, 10);
	if (*text < '0' || *text > '9' || *end != '\0' || errno != 0 || n < 1 ||
	    n > max)
		sim_opts_bad_usage("%s: '%s' is not a number from 1 to %lu", name, text,
		    max);
	return n;
}

static void
sim_opts_defaults(struct sim_options *opt)
{
	opt->id_format = "HP-%06d";
	opt->drain_ms = 5000;
	opt->retry_ms = 10000;
	opt->report_ms = 5000;
	opt->connect_rate = 500;
	opt->first = 1;
	opt->probe_ms = 100;
	opt->window_ms = 100;
	opt->repeat = 1;
	opt->gap_ms = 2000;
}

/* The benchmark scenarios' options (sim_phase.c). */
static void
sim_opts_scenario(struct sim_options *opt, int ch, const char *arg)
{
	switch (ch) {
	case OPT_FIRST:
		opt->first = (unsigned)sim_opts_count("--first", arg, 1000000000);
		break;
	case OPT_STORM: opt->storm = 1; break;
	case OPT_PROBES:
		opt->probes = sim_opts_count("--probes", arg, 100000);
		break;
	case OPT_PROBE_INTERVAL:
		opt->probe_ms = sim_opts_duration("--probe-interval", arg, 0);
		break;
	case OPT_PRESS_EVERY:
		opt->press_every_ms = sim_opts_duration("--press-every", arg, 0);
		break;
	case OPT_AVALANCHE:
		if (evtype_from_name(arg, &opt->avalanche_type) == -1 ||
		    !evtype_unit_may_send(opt->avalanche_type))
			sim_opts_bad_usage("--avalanche: unknown event type '%s'", arg);
		opt->avalanche = 1;
		break;
	case OPT_WINDOW:
		opt->window_ms = sim_opts_duration("--window", arg, 0);
		break;
	case OPT_REPEAT:
		opt->repeat = (unsigned)sim_opts_count("--repeat", arg, 1000000);
		break;
	case OPT_GAP:
		opt->gap_ms = sim_opts_duration("--gap", arg, 1);
		break;
	}
}

static void
sim_opts_scenario_done(struct sim_options *opt)
{
	if (opt->storm)		/* every unit at once */
		opt->connect_rate = 1e12;
	if (opt->press_every_ms > 0 && opt->probes == 0)
		opt->probes = 1;	/* the pressing unit is a probe */
}

void
sim_opts_parse(int argc, char **argv, struct sim_options *opt)
{
	unsigned long	print_n = 0;
	int		ch, any_rate = 0;
	char		err[128];

	sim_opts_defaults(opt);
	while ((ch = getopt_long(argc, argv, "H:vVh", long_options,
	    NULL)) != -1) {
		switch (ch) {
		case 'H': opt->target = optarg; break;
		case OPT_UNITS: opt->units_dir = optarg; break;
		case OPT_CA: opt->ca = optarg; break;
		case OPT_COUNT:
			opt->count = sim_opts_count("--count", optarg, 10000000);
			opt->count_given = 1;
			break;
		case OPT_HB: opt->hb_ms = sim_opts_duration("--hb", optarg, 0);
			break;
		case OPT_PRESS:
			opt->rates[EVTYPE_BUTTON] += sim_opts_rate("--press-rate",
			    optarg);
			any_rate = 1;
			break;
		case OPT_EVENTS: sim_opts_events(opt, optarg); any_rate = 1;
			break;
		case OPT_DURATION:
			opt->duration_ms = sim_opts_duration("--duration", optarg, 0);
			break;
		case OPT_DRAIN:
			opt->drain_ms = sim_opts_duration("--drain", optarg, 1);
			break;
		case OPT_RETRY:
			opt->retry_ms = sim_opts_duration("--retry", optarg, 0);
			break;
		case OPT_REPORT:
			opt->report_ms = sim_opts_duration("--report", optarg, 1);
			break;
		case OPT_CONNECT_RATE:
			opt->connect_rate = sim_opts_rate("--connect-rate", optarg);
			if (opt->connect_rate <= 0)
				sim_opts_bad_usage("--connect-rate must be above 0");
			break;
		case OPT_EVEN: opt->even = 1; break;
		case OPT_JSON: opt->json = 1; break;
		case OPT_SHARED: opt->identity = SIM_IDENTITY_SHARED; break;
		case OPT_ISSUER_CERT: opt->issuer_cert = optarg; break;
		case OPT_ISSUER_KEY: opt->issuer_key = optarg; break;
		case OPT_ID_FORMAT: opt->id_format = optarg; break;
		case OPT_SOURCES: opt->source_addrs = optarg; break;
		case OPT_PRINT_REGISTRY:
			print_n = sim_opts_count("--print-registry", optarg,
			    10000000);
			break;
		case OPT_UNIT: opt->interactive_unit = optarg; break;
		case OPT_FIRST: case OPT_STORM: case OPT_PROBES:
		case OPT_PROBE_INTERVAL: case OPT_PRESS_EVERY: case OPT_AVALANCHE:
		case OPT_WINDOW: case OPT_REPEAT: case OPT_GAP:
			sim_opts_scenario(opt, ch, optarg);
			any_rate |= ch == OPT_AVALANCHE || ch == OPT_PRESS_EVERY;
			break;
		case 'v': opt->verbose = 1; break;
		case 'V': printf("refuge-sim %s\n", REFUGE_VERSION); exit(0);
		case 'h': sim_opts_usage(0);
		default: sim_opts_usage(2);
		}
	}
	if (optind != argc)
		sim_opts_bad_usage("unexpected argument '%s'", argv[optind]);
	if ((opt->issuer_cert != NULL) != (opt->issuer_key != NULL))
		sim_opts_bad_usage("--issuer-cert and --issuer-key go together");
	if (opt->issuer_cert != NULL) {
		if (opt->identity == SIM_IDENTITY_SHARED)
			sim_opts_bad_usage("--insecure-shared-cert and --issuer-cert "
			    "exclude each other");
		opt->identity = SIM_IDENTITY_ISSUED;
	}
	if (opt->interactive_unit != NULL && (opt->count_given || any_rate))
		sim_opts_bad_usage("--unit runs one unit by hand: no --count, "
		    "--press-rate or --events");
	if (opt->interactive_unit != NULL &&
	    !line_is_ident(opt->interactive_unit))
		sim_opts_bad_usage("--unit: bad unit id '%s'", opt->interactive_unit);
	if (sim_opts_id_format_parse(opt->id_format, &id_format) == -1)
		sim_opts_bad_usage("--id-format: '%s' needs one %%d, %%u or %%0Nd",
		    opt->id_format);
	sim_opts_scenario_done(opt);
	if (print_n > 0) {
		sim_opts_print_registry((unsigned)print_n, opt->first, &id_format);
		exit(0);
	}
	if (opt->target == NULL)
		sim_opts_bad_usage("-H host:port is required");
	if (uproto_client_rx_parse(&opt->rx, opt->target, err,
	    sizeof(err)) == -1)
		sim_opts_bad_usage("-H %s: %s", opt->target, err);
	if (opt->source_addrs != NULL)
		opt->from_count = sim_opts_sources(opt->source_addrs, &opt->from);
}

/* Picks the unit ids and checks that their identities can be loaded. */
char **
sim_opts_units(struct sim *sim, struct sim_options *opt, char **shared_id)
{
	char	**ids = NULL, **pairs = NULL, err[512], id[128];
	size_t	  npairs = 0, i;

	if (opt->identity != SIM_IDENTITY_ISSUED || opt->units_dir != NULL) {
		if (opt->units_dir == NULL)
			sim_opts_bad_usage("--units DIR is required");
		pairs = sim_opts_list_pairs(opt->units_dir, &npairs);
		if (npairs == 0)
			fatalx("--units %s: no <unit-id>.crt with its .key", opt->units_dir);
	}
	if (opt->interactive_unit != NULL) {
		opt->count = 1;
		if ((ids = calloc(1, sizeof(*ids))) == NULL ||
		    (ids[0] = strdup(opt->interactive_unit)) == NULL)
			fatalx("out of memory");
	} else if (opt->identity == SIM_IDENTITY_OWN) {
		if (!opt->count_given)
			opt->count = npairs;
		if (opt->count > npairs)
			fatalx("--count %zu but %s holds %zu certificate pair(s)",
			    opt->count, opt->units_dir, npairs);
		if ((ids = calloc(opt->count, sizeof(*ids))) == NULL)
			fatalx("out of memory");
		for (i = 0; i < opt->count; i++) {
			ids[i] = pairs[i];
			pairs[i] = NULL;
		}
	} else {
		if (!opt->count_given)
			opt->count = 1;
		if ((ids = calloc(opt->count, sizeof(*ids))) == NULL)
			fatalx("out of memory");
		for (i = 0; i < opt->count; i++) {
			sim_opts_id_format_make(&id_format, (unsigned)i + opt->first,
			    id, sizeof(id));
			if (!line_is_ident(id))
				sim_opts_bad_usage("--id-format makes a bad unit id '%s'",
				    id);
			if ((ids[i] = strdup(id)) == NULL)
				fatalx("out of memory");
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
				fatalx("unit %s: %s", ids[i], err);
	return ids;
}
