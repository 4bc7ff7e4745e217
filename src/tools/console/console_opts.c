/*
 * refuge-console's options (console_opts.h): every check that needs no
 * connection, so that a mistake ends the program before a screen appears.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "refuge/config.h"
#include "refuge/line.h"

#include "console_opts.h"
#include "console_run.h"

#define CONSOLE_DEFAULT_SERVER	"127.0.0.1:7401"

static int
console_opts_usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: refuge-console [-H host:port[,...]] [-u user]\n"
	    "                      [--password-file file]\n"
	    "                      [--ca file | --insecure] [--batch | --watch]\n"
	    "                      [--desk sip-uri] [--on-audio 'program args']\n"
	    "                      [--alert-command 'program args']\n"
	    "       refuge-console -V\n");
	return status;
}

/* A command must split into words now, not when the alarm comes. */
static int
console_opts_command(const char *option, const char *cmd)
{
	char	*argv[CONSOLE_RUN_MAX_ARGS];
	char	 buf[CONSOLE_RUN_MAX_BYTES];

	if (console_run_split(cmd, NULL, 0, argv, CONSOLE_RUN_MAX_ARGS, buf,
	    sizeof(buf)) == -1) {
		fprintf(stderr, "refuge-console: bad %s '%s' (a program and "
		    "its arguments; quotes must close)\n", option, cmd);
		return -1;
	}
	return 0;
}

/* What the options say together; -1 or an exit status. */
static int
console_opts_check(struct console_opts *o, int batch, int watch)
{
	const char	*env;
	char		 err[128];

	if (batch && watch) {
		fprintf(stderr, "refuge-console: --batch and --watch exclude "
		    "each other\n");
		return console_opts_usage(2);
	}
	o->mode = batch ? CONSOLE_MODE_BATCH : watch ? CONSOLE_MODE_WATCH :
	    CONSOLE_MODE_UI;
	if (o->user[0] == '\0' && o->mode != CONSOLE_MODE_BATCH) {
		fprintf(stderr, "refuge-console: give the user with -u\n");
		return console_opts_usage(2);
	}
	if (o->ca == NULL && !o->insecure) {
		fprintf(stderr, "refuge-console: refusing to connect without "
		    "--ca to verify the server (or --insecure)\n");
		return 2;
	}
	if (uproto_client_rx_parse(&o->rx, o->server, err, sizeof(err)) ==
	    -1) {
		fprintf(stderr, "refuge-console: bad -H %s: %s (host:port, "
		    "comma-separated)\n", o->server, err);
		return 2;
	}
	if (o->desk[0] == '\0' && (env = getenv("REFUGE_DESK")) != NULL)
		snprintf(o->desk, sizeof(o->desk), "%s", env);
	if (strchr(o->desk, ' ') != NULL || strchr(o->desk, '"') != NULL) {
		fprintf(stderr, "refuge-console: bad desk URI %s\n", o->desk);
		return 2;
	}
	if ((o->on_audio != NULL &&
	    console_opts_command("--on-audio", o->on_audio) == -1) ||
	    (o->alert_command != NULL &&
	    console_opts_command("--alert-command", o->alert_command) == -1))
		return 2;
	if (o->mode == CONSOLE_MODE_UI &&
	    (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
		fprintf(stderr, "refuge-console: the screen needs a terminal; "
		    "use --batch or --watch from scripts\n");
		return 2;
	}
	return -1;
}

int
console_opts_parse(int argc, char *argv[], struct console_opts *o)
{
	static const struct option longopts[] = {
		{ "batch",		no_argument,		NULL, 'b' },
		{ "watch",		no_argument,		NULL, 'w' },
		{ "password-file",	required_argument,	NULL, 'P' },
		{ "ca",			required_argument,	NULL, 'C' },
		{ "insecure",		no_argument,		NULL, 'I' },
		{ "desk",		required_argument,	NULL, 'D' },
		{ "on-audio",		required_argument,	NULL, 'A' },
		{ "alert-command",	required_argument,	NULL, 'B' },
		{ "help",		no_argument,		NULL, 'h' },
		{ "version",		no_argument,		NULL, 'V' },
		{ NULL,			0,			NULL, 0 }
	};
	int	ch, batch = 0, watch = 0;

	memset(o, 0, sizeof(*o));
	snprintf(o->server, sizeof(o->server), "%s", CONSOLE_DEFAULT_SERVER);
	while ((ch = getopt_long(argc, argv, "H:u:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'H':
			snprintf(o->server, sizeof(o->server), "%s", optarg);
			break;
		case 'u':
			if (!line_is_ident(optarg) ||
			    strlen(optarg) > ALARM_USER_MAX) {
				fprintf(stderr, "refuge-console: bad user name "
				    "%s\n", optarg);
				return 2;
			}
			snprintf(o->user, sizeof(o->user), "%s", optarg);
			break;
		case 'b':
			batch = 1;
			break;
		case 'w':
			watch = 1;
			break;
		case 'P':
			o->password_file = optarg;
			break;
		case 'C':
			o->ca = optarg;
			break;
		case 'I':
			o->insecure = 1;
			break;
		case 'D':
			snprintf(o->desk, sizeof(o->desk), "%s", optarg);
			break;
		case 'A':
			o->on_audio = optarg;
			break;
		case 'B':
			o->alert_command = optarg;
			break;
		case 'h':
			return console_opts_usage(0);
		case 'V':
			printf("refuge-console %s\n", REFUGE_VERSION);
			return 0;
		default:
			return console_opts_usage(2);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "refuge-console: unexpected argument %s\n",
		    argv[optind]);
		return console_opts_usage(2);
	}
	return console_opts_check(o, batch, watch);
}
