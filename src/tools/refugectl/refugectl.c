/* refugectl: set up, enroll, revoke, check and report on a refuge receiver. */
#include <stdarg.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "refuge/config.h"
#include "refuge/confload.h"
#include "refuge/timenow.h"
#include "refuge/diag.h"
#include "refuge/registry.h"
#include "refuge/tlsctx.h"

#include "ctl.h"

struct ctl_command {
	const char	*name;
	int		(*run)(struct ctl *, int, char *[]);
	const char	*usage;
};

static const struct ctl_command ctl_commands[] = {
	{ "init", ctl_cmd_init, "init DIR [--units N]" },
	{ "enroll", ctl_cmd_enroll_any,
	    "enroll UNIT-ID [--site S] [--name N] [--lat X] [--lon Y] "
	    "[--dc09 ACCOUNT [--aes 128|192|256]]" },
	{ "revoke", ctl_cmd_revoke, "revoke UNIT-ID" },
	{ "passwd", ctl_cmd_passwd,
	    "passwd USER [--add --role operator|supervisor | --remove | --print]" },
	{ "check", ctl_cmd_check, "check [--database]" },
	{ "units", ctl_cmd_units, "units" },
	{ "alarms", ctl_cmd_alarms, "alarms" },
	{ "history", ctl_cmd_history, "history UNIT-ID [N]" },
	{ "report", ctl_cmd_report,
	    "report [--since T] [--until T] [--site S] [--unit U] "
	    "[--format text|csv|pdf] [--rows] [-o FILE]" },
	{ "verify", ctl_cmd_verify, "verify [--head HASH]" },
	{ "purge", ctl_cmd_purge, "purge --before TIME" },
	{ "incident", ctl_cmd_incident,
	    "incident ALARM-ID [--format text|pdf] [-o FILE]" },
	{ "backup", ctl_cmd_backup, "backup FILE" },
	{ "restore", ctl_cmd_restore, "restore FILE" },
	{ "migrate", ctl_cmd_migrate,
	    "migrate --to postgresql://... [--from FILE]" },
	{ "sign", ctl_cmd_sign,
	    "sign UNIT-ID|--all [-o FILE.pdf|.svg|.png|DIR] [--size A4|A3|A5]" },
	{ "map", ctl_cmd_map, "map SITE [-o FILE.pdf|.svg|.png]" },
	{ NULL, NULL, NULL }
};

static void
refugectl_usage(FILE *fp)
{
	const struct ctl_command	*c;

	fprintf(fp, "usage: refugectl [-hV] [-c FILE] COMMAND ...\n"
	    "  -c, --config FILE  refuge.yaml (default %s)\n"
	    "  -h, --help         print this and exit\n"
	    "  -V, --version      print the version and exit\n"
	    "commands:\n", CTL_DEFAULT_CONFIG);
	for (c = ctl_commands; c->name != NULL; c++)
		fprintf(fp, "       refugectl [-c FILE] %s\n", c->usage);
}

static const struct ctl_command *
refugectl_command_find(const char *name)
{
	const struct ctl_command	*c;

	for (c = ctl_commands; c->name != NULL; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

void
ctl_warnx(const char *fmt, ...)
{
	va_list	ap;

	fputs("refugectl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int
ctl_usage_error(const char *cmd, const char *fmt, ...)
{
	const struct ctl_command	*c = refugectl_command_find(cmd);
	va_list				 ap;

	fprintf(stderr, "refugectl %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (c != NULL)
		fprintf(stderr, "usage: refugectl [-c FILE] %s\n", c->usage);
	return CTL_USAGE;
}

int
ctl_parse_int(const char *text, long min, long max, long *out)
{
	char	*end;
	long	 v;

	if (text[0] == '\0' || text[0] == ' ' || text[0] == '+')
		return -1;
	v = strtol(text, &end, 10);
	if (*end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
ctl_valid_unit_id(const char *id)
{
	size_t	len = strlen(id);

	return len >= 1 && len <= 64 && id[0] != '.' &&
	    strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789._:-") == len;
}

int
ctl_args(const char *cmd, int argc, char *argv[], const struct ctl_opt *opts,
    const char **pos, int maxpos, int *npos)
{
	const struct ctl_opt	*o;
	const char		*arg, *eq;
	size_t			 len = 0;
	int			 i, options = 1;

	*npos = 0;
	for (i = 0; i < argc; i++) {
		arg = argv[i];
		if (options && strcmp(arg, "--") == 0) {
			options = 0;
			continue;
		}
		if (!options || arg[0] != '-' || arg[1] == '\0') {
			if (*npos >= maxpos) {
				ctl_usage_error(cmd, "unexpected argument '%s'", arg);
				return -1;
			}
			pos[(*npos)++] = arg;
			continue;
		}
		if (arg[1] != '-') {
			/* The one short form every command shares: -o FILE. */
			for (o = opts; strcmp(arg, "-o") == 0 && o != NULL &&
			    o->name != NULL; o++)
				if (strcmp(o->name, "output") == 0)
					break;
			if (o == NULL || o->name == NULL ||
			    strcmp(arg, "-o") != 0) {
				ctl_usage_error(cmd, "unknown option '%s'", arg);
				return -1;
			}
			eq = NULL;
		} else {
			eq = strchr(arg + 2, '=');
			len = eq != NULL ? (size_t)(eq - (arg + 2)) :
			    strlen(arg + 2);
			for (o = opts; o != NULL && o->name != NULL; o++)
				if (strlen(o->name) == len &&
				    strncmp(o->name, arg + 2, len) == 0)
					break;
		}
		if (o == NULL || o->name == NULL) {
			ctl_usage_error(cmd, "unknown option '%.*s'", (int)len + 2,
			    arg);
			return -1;
		}
		if (*o->value != NULL) {
			ctl_usage_error(cmd, "option --%s given twice", o->name);
			return -1;
		}
		if (!o->has_value) {
			if (eq != NULL) {
				ctl_usage_error(cmd, "option --%s takes no value",
				    o->name);
				return -1;
			}
			*o->value = "";
		} else if (eq != NULL)
			*o->value = eq + 1;
		else if (i + 1 < argc)
			*o->value = argv[++i];
		else {
			ctl_usage_error(cmd, "option --%s needs a value", o->name);
			return -1;
		}
	}
	return 0;
}

static void
refugectl_print_diag(const struct diag *d)
{
	size_t	i;

	for (i = 0; i < d->count; i++)
		fprintf(stderr, "%s\n", d->messages[i]);
	if (d->truncated)
		fprintf(stderr, "(more errors not shown)\n");
}

struct refuge_config *
ctl_config(const struct ctl *ctl)
{
	struct refuge_config	*config = NULL;
	struct diag		 d;
	char			 why[512];

	diag_init(&d);
	if (confload_config(ctl->config_path, &config, &d) == -1)
		config = NULL;
	else if (timenow_set_zone(config->timezone, why, sizeof(why)) == -1) {
		diag_add(&d, ctl->config_path, 0, 0, "timezone: %s", why);
		config_free(config);
		config = NULL;
	}
	refugectl_print_diag(&d);
	diag_clear(&d);
	return config;
}

struct registry *
ctl_registry(const struct refuge_config *config)
{
	struct registry	*registry = NULL;
	struct diag	 d;

	diag_init(&d);
	if (confload_registry(config->registry, &registry, &d) == -1)
		registry = NULL;
	refugectl_print_diag(&d);
	diag_clear(&d);
	return registry;
}

/*
 * What refuged -t does: configuration, registry, and the TLS material; with
 * --database, the database's integrity too.
 */
int
ctl_cmd_check(struct ctl *ctl, int argc, char *argv[])
{
	struct refuge_config	*config;
	struct registry		*registry = NULL;
	struct tlsctx		*tls;
	const char		*pos[1], *database = NULL;
	const struct ctl_opt	 opts[] = {
		{ "database", 0, &database },
		{ NULL, 0, NULL }
	};
	char			 err[1024];
	int			 npos, rc = CTL_FAIL;

	if (ctl_args("check", argc, argv, opts, pos, 0, &npos) == -1)
		return CTL_USAGE;
	if ((config = ctl_config(ctl)) == NULL)
		return CTL_FAIL;
	if ((registry = ctl_registry(config)) == NULL)
		goto database;
	if ((tls = tlsctx_new(config, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s: %s\n", ctl->config_path, err);
		goto database;
	}
	tlsctx_free(tls);
	printf("configuration OK: %zu units, %zu sites, %zu operators\n",
	    registry->unit_count, registry->site_count,
	    registry->operator_count);
	rc = CTL_OK;
database:
	/* The database is checked whatever the rest says: it may be the urgent part. */
	if (database != NULL && ctl_check_database(config->database) != CTL_OK)
		rc = CTL_FAIL;
	registry_free(registry);
	config_free(config);
	return rc;
}

int
main(int argc, char *argv[])
{
	const struct ctl_command	*c;
	struct ctl			 ctl = { .config_path = CTL_DEFAULT_CONFIG };
	int				 ch;
	static const struct option	 longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};

	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+:c:hV", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'c':
			ctl.config_path = optarg;
			break;
		case 'h':
			refugectl_usage(stdout);
			return CTL_OK;
		case 'V':
			printf("refugectl %s\n", REFUGE_VERSION);
			return CTL_OK;
		case ':':
			ctl_warnx("option -%c needs a value", optopt);
			refugectl_usage(stderr);
			return CTL_USAGE;
		default:
			if (optopt == 0)
				ctl_warnx("unknown option '%s'",
				    argv[optind - 1]);
			else
				ctl_warnx("unknown option '-%c'", optopt);
			refugectl_usage(stderr);
			return CTL_USAGE;
		}
	}
	if (optind >= argc) {
		ctl_warnx("no command given");
		refugectl_usage(stderr);
		return CTL_USAGE;
	}
	if ((c = refugectl_command_find(argv[optind])) == NULL) {
		ctl_warnx("unknown command '%s'", argv[optind]);
		refugectl_usage(stderr);
		return CTL_USAGE;
	}
	if (ctl.config_path[0] == '\0') {
		ctl_warnx("-c needs a file name");
		return CTL_USAGE;
	}
	return c->run(&ctl, argc - optind - 1, argv + optind + 1);
}
