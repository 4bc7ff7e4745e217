/* refuged: the control-room receiver for Help Points. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "refuge/config.h"
#include "refuge/confload.h"
#include "refuge/timenow.h"
#include "refuge/daemon.h"
#include "refuge/diag.h"
#include "refuge/log.h"
#include "refuge/registry.h"
#include "refuge/tlsctx.h"

#define REFUGED_DEFAULT_CONFIG	REFUGE_SYSCONFDIR "/refuge/refuge.yaml"

static void
usage(FILE *fp, int status)
{
	fprintf(fp, "usage: refuged [-htvV] [-c file]\n"
	    "  -c, --config FILE  the configuration (default %s)\n"
	    "  -t, --test         check the configuration and the registry, "
	    "then exit\n"
	    "  -v, --verbose      log debug messages\n"
	    "  -V, --version      print the version and exit\n"
	    "  -h, --help         print this and exit\n",
	    REFUGED_DEFAULT_CONFIG);
	exit(status);
}

static void
print_diag(const struct diag *d)
{
	size_t	i;

	for (i = 0; i < d->count; i++)
		fprintf(stderr, "%s\n", d->messages[i]);
	if (d->truncated)
		fprintf(stderr, "(more errors not shown)\n");
}

/* Reads refuge.yaml and the registry it names; all errors are printed. */
static int
load(const char *path, struct refuge_config **config,
    struct registry **registry)
{
	struct diag	d;
	char		why[512];
	int		rc = 0;

	diag_init(&d);
	*registry = NULL;
	if (confload_config(path, config, &d) == -1)
		rc = -1;
	else if (timenow_set_zone((*config)->timezone, why, sizeof(why)) ==
	    -1) {
		diag_add(&d, path, 0, 0, "timezone: %s", why);
		rc = -1;
	} else if (confload_registry((*config)->registry, registry, &d) == -1)
		rc = -1;
	print_diag(&d);
	diag_clear(&d);
	return rc;
}

int
main(int argc, char *argv[])
{
	struct refuge_config	*config = NULL;
	struct registry		*registry = NULL;
	struct daemon		*daemon;
	struct tlsctx		*tls;
	const char		*path = REFUGED_DEFAULT_CONFIG;
	char			 err[1024];
	int			 ch, test_only = 0, verbose = 0, rc;
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "test", no_argument, NULL, 't' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};

	while ((ch = getopt_long(argc, argv, "c:htvV", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'h':
			usage(stdout, 0);
			break;
		case 'c':
			path = optarg;
			break;
		case 't':
			test_only = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'V':
			printf("refuged %s\n", REFUGE_VERSION);
			return 0;
		default:
			usage(stderr, 1);
		}
	}
	if (optind != argc)
		usage(stderr, 1);
	log_init("refuged", CONFIG_LOG_INFO, getenv("JOURNAL_STREAM") != NULL);
	/* The journal stamps its lines; anywhere else the time must be there. */
	log_set_timestamps(getenv("JOURNAL_STREAM") == NULL && !test_only);
	if (load(path, &config, &registry) == -1) {
		config_free(config);
		return 1;
	}
	log_set_level(verbose ? CONFIG_LOG_DEBUG : config->log_level);
	if (test_only) {
		if ((tls = tlsctx_new(config, err, sizeof(err))) == NULL) {
			fprintf(stderr, "%s: %s\n", path, err);
			rc = 1;
		} else {
			printf("configuration OK: %zu units, %zu sites, %zu "
			    "operators\n", registry->unit_count,
			    registry->site_count, registry->operator_count);
			rc = 0;
		}
		tlsctx_free(tls);
		registry_free(registry);
		config_free(config);
		return rc;
	}
	/* A peer that vanishes mid-write must cost an error, not the process. */
	signal(SIGPIPE, SIG_IGN);
	if ((daemon = daemon_new(config, registry, err, sizeof(err))) == NULL) {
		log_error("%s", err);
		return 1;
	}
	daemon->verbose = verbose;
	rc = daemon_run(daemon) == -1 ? 1 : 0;
	daemon_free(daemon);
	log_info("stopped");
	return rc;
}
