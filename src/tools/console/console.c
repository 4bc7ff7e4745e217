/*
 * refuge-console: the operator client. This file holds main, the options,
 * the password, start-up and tear-down; console_link.c talks to refuged.
 */
#include <sys/queue.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/crypto.h>

#include "refuge/config.h"
#include "refuge/conn.h"
#include "refuge/line.h"
#include "refuge/timenow.h"
#include "refuge/tlsctx.h"

#include "console.h"
#include "pwprompt.h"

#define CONSOLE_DEFAULT_SERVER	"127.0.0.1:7401"

static __attribute__((noreturn)) void
console_usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: refuge-console [-H host:port] [-u user] [--password-file file]\n"
	    "                      [--ca file | --insecure] [--batch | --watch]\n"
	    "       refuge-console -V\n");
	exit(status);
}

struct console_model *
console_get_model(struct console *c)
{
	return c->model;
}

enum console_link_state
console_get_state(const struct console *c)
{
	return c->state;
}

const char *
console_get_user(const struct console *c)
{
	return c->user;
}

const char *
console_get_server(const struct console *c)
{
	return c->server;
}

const char *
console_get_down_reason(const struct console *c)
{
	return c->down_reason;
}

int
console_get_retry_in(const struct console *c, int64_t now_ms)
{
	int64_t	left;

	(void)now_ms;
	if (c->state != CONSOLE_DISCONNECTED || c->retry_at_ms == 0)
		return -1;
	left = c->retry_at_ms - timenow_mono_ms();
	return left <= 0 ? 0 : (int)((left + 999) / 1000);
}

void
console_finish(struct console *c, int status)
{
	if (c->finished)
		return;
	c->finished = 1;
	c->exit_status = status;
	event_base_loopbreak(c->base);
}

void
console_quit(struct console *c)
{
	console_finish(c, 0);
}

/* A line printed as received, in batch and watch modes. */
/* ---- start-up */

static void
console_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct console	*c = arg;

	(void)what;
	(void)sig;
	console_finish(c, c->mode == CONSOLE_MODE_BATCH ? 1 : 0);
}

static int
console_password_file(const char *path, char *buf, size_t len)
{
	FILE	*f;
	int	 ok;

	if ((f = fopen(path, "r")) == NULL)
		return -1;
	ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	if (!ok)
		buf[0] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

/* Asks on the controlling terminal, whatever stdin and stdout are. */
static int
console_password_prompt(const char *user, char *buf, size_t len)
{
	char	prompt[128];
	int	fd, st;

	if ((fd = open("/dev/tty", O_RDWR | O_CLOEXEC)) == -1)
		return -1;
	snprintf(prompt, sizeof(prompt), "Password for %.64s: ", user);
	/* An overlong password is cut, as it always was, and fails LOGIN. */
	st = pwprompt_read(fd, fd, prompt, buf, len);
	close(fd);
	return st == PWPROMPT_FAIL ? -1 : 0;
}

static void
console_free(struct console *c)
{
	struct event	**evs[] = { &c->retry, &c->deadline, &c->ping,
			    &c->input, &c->sigint, &c->sigterm };
	size_t		  i;

	console_ui_free(c->ui);
	c->ui = NULL;
	for (i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
		if (*evs[i] != NULL) {
			event_free(*evs[i]);
			*evs[i] = NULL;
		}
	console_link_drop_queue(c);
	if (c->conn != NULL) {
		conn_close(c->conn);
		c->conn = NULL;
		/* Lets the conn flush and free itself; nothing else is left. */
		event_base_dispatch(c->base);
	}
	console_model_free(c->model);
	if (c->ctx != NULL)
		SSL_CTX_free(c->ctx);
	if (c->base != NULL)
		event_base_free(c->base);
	free(c->inbuf);
	OPENSSL_cleanse(c->password, sizeof(c->password));
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "batch",		no_argument,		NULL, 'b' },
		{ "watch",		no_argument,		NULL, 'w' },
		{ "password-file",	required_argument,	NULL, 'P' },
		{ "ca",			required_argument,	NULL, 'C' },
		{ "insecure",		no_argument,		NULL, 'I' },
		{ "help",		no_argument,		NULL, 'h' },
		{ "version",		no_argument,		NULL, 'V' },
		{ NULL,			0,			NULL, 0 }
	};
	static struct console	 console;
	struct console		*c = &console;
	const char		*ca = NULL, *password_file = NULL, *env;
	char			 err[512];
	int			 ch, insecure = 0, batch = 0, watch = 0, port;
	int			 status;

	setlocale(LC_ALL, "");
	snprintf(c->server, sizeof(c->server), "%s", CONSOLE_DEFAULT_SERVER);
	while ((ch = getopt_long(argc, argv, "H:u:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'H':
			snprintf(c->server, sizeof(c->server), "%s", optarg);
			break;
		case 'u':
			if (!line_is_ident(optarg) ||
			    strlen(optarg) > ALARM_USER_MAX) {
				fprintf(stderr, "refuge-console: bad user name "
				    "%s\n", optarg);
				return 2;
			}
			snprintf(c->user, sizeof(c->user), "%s", optarg);
			break;
		case 'b':
			batch = 1;
			break;
		case 'w':
			watch = 1;
			break;
		case 'P':
			password_file = optarg;
			break;
		case 'C':
			ca = optarg;
			break;
		case 'I':
			insecure = 1;
			break;
		case 'h':
			console_usage(0);
		case 'V':
			printf("refuge-console %s\n", REFUGE_VERSION);
			return 0;
		default:
			console_usage(2);
		}
	}
	if (optind != argc) {
		fprintf(stderr, "refuge-console: unexpected argument %s\n",
		    argv[optind]);
		console_usage(2);
	}
	if (batch && watch) {
		fprintf(stderr, "refuge-console: --batch and --watch exclude "
		    "each other\n");
		console_usage(2);
	}
	c->mode = batch ? CONSOLE_MODE_BATCH : watch ? CONSOLE_MODE_WATCH :
	    CONSOLE_MODE_UI;
	if (c->user[0] == '\0' && c->mode != CONSOLE_MODE_BATCH) {
		fprintf(stderr, "refuge-console: give the user with -u\n");
		console_usage(2);
	}
	if (ca == NULL && !insecure) {
		fprintf(stderr, "refuge-console: refusing to connect without "
		    "--ca to verify the server (or --insecure)\n");
		return 2;
	}
	if (config_split_hostport(c->server, c->host, (int)sizeof(c->host),
	    &port) == -1 || c->host[0] == '\0' || port <= 0) {
		fprintf(stderr, "refuge-console: bad -H %s (host:port)\n",
		    c->server);
		return 2;
	}
	if (c->mode == CONSOLE_MODE_UI &&
	    (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
		fprintf(stderr, "refuge-console: the screen needs a terminal; "
		    "use --batch or --watch from scripts\n");
		return 2;
	}
	if (c->user[0] != '\0') {
		if (password_file != NULL) {
			if (console_password_file(password_file, c->password,
			    sizeof(c->password)) == -1) {
				fprintf(stderr, "refuge-console: %s: %s\n",
				    password_file, strerror(errno));
				return 1;
			}
		} else if ((env = getenv("REFUGE_PASSWORD")) != NULL)
			snprintf(c->password, sizeof(c->password), "%s", env);
		else if (console_password_prompt(c->user, c->password,
		    sizeof(c->password)) == -1) {
			fprintf(stderr, "refuge-console: no terminal to ask the "
			    "password on; use --password-file or REFUGE_PASSWORD\n");
			return 1;
		}
	}
	if (conn_resolve(c->server, &c->addr, &c->addrlen, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "refuge-console: %s\n", err);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	if ((c->ctx = tlsctx_client_new(ca, NULL, NULL, err, sizeof(err))) ==
	    NULL) {
		fprintf(stderr, "refuge-console: %s\n", err);
		return 1;
	}
	TAILQ_INIT(&c->queue);
	if ((c->base = event_base_new()) == NULL ||
	    (c->model = console_model_new()) == NULL ||
	    (c->sigint = evsignal_new(c->base, SIGINT, console_signal_cb, c)) ==
	    NULL ||
	    (c->sigterm = evsignal_new(c->base, SIGTERM, console_signal_cb,
	    c)) == NULL ||
	    evsignal_add(c->sigint, NULL) == -1 ||
	    evsignal_add(c->sigterm, NULL) == -1 ||
	    console_link_init(c) == -1) {
		fprintf(stderr, "refuge-console: out of memory\n");
		console_free(c);
		return 1;
	}
	if (c->mode == CONSOLE_MODE_BATCH && console_batch_start(c) == -1) {
		fprintf(stderr, "refuge-console: reading stdin: %s\n",
		    strerror(errno));
		console_free(c);
		return 1;
	}
	if (c->mode == CONSOLE_MODE_UI &&
	    (c->ui = console_ui_new(c, c->base, err, sizeof(err))) == NULL) {
		fprintf(stderr, "refuge-console: %s\n", err);
		console_free(c);
		return 1;
	}
	console_link_connect(c);
	if (!c->finished)
		event_base_dispatch(c->base);
	status = c->exit_status;
	console_free(c);
	if (c->mode == CONSOLE_MODE_UI && c->fatal[0] != '\0')
		fprintf(stderr, "refuge-console: %s\n", c->fatal);
	return status;
}
