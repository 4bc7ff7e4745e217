/*
 * refuge-console: the operator client. This file holds main, the options,
 * the password, start-up and tear-down, and is the one place that knows
 * every module: it makes the model, the link, and the screen with its keys
 * or the batch reader, and connects the callbacks each lower module was
 * given to the module above it (see console.h).
 */
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
#include "refuge/tlsctx.h"

#include "console_batch.h"
#include "console_keys.h"
#include "console_link.h"
#include "console_model.h"
#include "console_ui.h"
#include "../pwprompt.h"

#define CONSOLE_DEFAULT_SERVER	"127.0.0.1:7401"

enum console_mode {
	CONSOLE_MODE_UI,
	CONSOLE_MODE_BATCH,
	CONSOLE_MODE_WATCH
};

/* The program: what main made, for the callbacks and tear-down. */
struct console {
	struct event_base	*base;
	SSL_CTX			*ctx;
	enum console_mode	 mode;
	struct console_model	*model;		/* the screen's only */
	struct console_link	*link;
	struct console_ui	*ui;
	struct console_keys	*keys;
	struct console_batch	*batch;
	struct event		*sigint;
	struct event		*sigterm;
	int			 exit_status;
	int			 finished;
	/* Why the link gave up, printed after the screen is gone. */
	char			 fatal[LINE_MAX_BYTES + 64];
};

static __attribute__((noreturn)) void
console_usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: refuge-console [-H host:port] [-u user] [--password-file file]\n"
	    "                      [--ca file | --insecure] [--batch | --watch]\n"
	    "       refuge-console -V\n");
	exit(status);
}

/* Ends the loop; main tears down. status is the exit status. */
static void
console_finish(struct console *c, int status)
{
	if (c->finished)
		return;
	c->finished = 1;
	c->exit_status = status;
	event_base_loopbreak(c->base);
}

/* ---- what the lower modules tell, passed on to the upper ones */

static void
console_on_link_changed(void *arg)
{
	struct console	*c = arg;

	if (c->ui != NULL)
		console_ui_changed(c->ui);
}

static void
console_on_link_effect(enum console_effect effect, int priority, void *arg)
{
	struct console	*c = arg;

	if (c->ui != NULL)
		console_ui_effect(c->ui, effect, priority);
}

static void
console_on_link_ready(void *arg)
{
	struct console	*c = arg;

	if (c->ui != NULL)
		console_ui_ready(c->ui);
}

static void
console_on_link_idle(void *arg)
{
	struct console	*c = arg;

	if (c->batch != NULL)
		console_batch_next(c->batch);
}

/* Batch and watch: pushes and replies printed as received. */
static void
console_on_link_print(const char *line, void *arg)
{
	(void)arg;
	console_batch_print(line);
}

static void
console_on_link_finished(int status, const char *why, void *arg)
{
	struct console	*c = arg;

	if (why != NULL) {
		snprintf(c->fatal, sizeof(c->fatal), "%s", why);
		/* Without a screen to spoil it says so at once. */
		if (c->mode != CONSOLE_MODE_UI)
			fprintf(stderr, "refuge-console: %s\n", why);
	}
	console_finish(c, status);
}

static void
console_on_ui_key(wint_t ch, int function, void *arg)
{
	struct console	*c = arg;

	if (c->keys != NULL)
		console_keys_press(c->keys, ch, function);
}

static int
console_on_ui_help(size_t i, const char **keys, const char **help, void *arg)
{
	(void)arg;
	return console_keys_help(i, keys, help);
}

static void
console_on_keys_quit(void *arg)
{
	console_finish(arg, 0);
}

static void
console_on_batch_done(int status, void *arg)
{
	console_finish(arg, status);
}

static void
console_signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct console	*c = arg;

	(void)what;
	(void)sig;
	console_finish(c, c->mode == CONSOLE_MODE_BATCH ? 1 : 0);
}

/* ---- start-up and tear-down */

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
	console_keys_free(c->keys);
	c->keys = NULL;
	console_ui_free(c->ui);
	c->ui = NULL;
	console_batch_free(c->batch);
	c->batch = NULL;
	if (c->sigint != NULL)
		event_free(c->sigint);
	if (c->sigterm != NULL)
		event_free(c->sigterm);
	c->sigint = c->sigterm = NULL;
	if (c->link != NULL) {
		console_link_free(c->link);
		c->link = NULL;
		/* Lets a closing conn flush and free itself; nothing else is left. */
		event_base_dispatch(c->base);
	}
	console_model_free(c->model);
	c->model = NULL;
	if (c->ctx != NULL)
		SSL_CTX_free(c->ctx);
	if (c->base != NULL)
		event_base_free(c->base);
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
	static struct console		 console;
	struct console			*c = &console;
	struct console_link_params	 lp;
	struct console_link_callbacks	 lcb;
	struct console_ui_hooks		 hooks;
	struct sockaddr_storage		 addr;
	socklen_t			 addrlen;
	const char			*ca = NULL, *password_file = NULL, *env;
	char				 server[300], host[256], err[512];
	char				 user[ALARM_USER_MAX + 1] = "";
	char				 password[CONSOLE_PASSWORD_MAX] = "";
	int				 ch, insecure = 0, batch = 0, watch = 0;
	int				 port, status = 1;

	setlocale(LC_ALL, "");
	snprintf(server, sizeof(server), "%s", CONSOLE_DEFAULT_SERVER);
	while ((ch = getopt_long(argc, argv, "H:u:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'H':
			snprintf(server, sizeof(server), "%s", optarg);
			break;
		case 'u':
			if (!line_is_ident(optarg) ||
			    strlen(optarg) > ALARM_USER_MAX) {
				fprintf(stderr, "refuge-console: bad user name "
				    "%s\n", optarg);
				return 2;
			}
			snprintf(user, sizeof(user), "%s", optarg);
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
	if (user[0] == '\0' && c->mode != CONSOLE_MODE_BATCH) {
		fprintf(stderr, "refuge-console: give the user with -u\n");
		console_usage(2);
	}
	if (ca == NULL && !insecure) {
		fprintf(stderr, "refuge-console: refusing to connect without "
		    "--ca to verify the server (or --insecure)\n");
		return 2;
	}
	if (config_split_hostport(server, host, (int)sizeof(host), &port) ==
	    -1 || host[0] == '\0' || port <= 0) {
		fprintf(stderr, "refuge-console: bad -H %s (host:port)\n",
		    server);
		return 2;
	}
	if (c->mode == CONSOLE_MODE_UI &&
	    (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
		fprintf(stderr, "refuge-console: the screen needs a terminal; "
		    "use --batch or --watch from scripts\n");
		return 2;
	}
	if (user[0] != '\0') {
		if (password_file != NULL) {
			if (console_password_file(password_file, password,
			    sizeof(password)) == -1) {
				fprintf(stderr, "refuge-console: %s: %s\n",
				    password_file, strerror(errno));
				return 1;
			}
		} else if ((env = getenv("REFUGE_PASSWORD")) != NULL)
			snprintf(password, sizeof(password), "%s", env);
		else if (console_password_prompt(user, password,
		    sizeof(password)) == -1) {
			fprintf(stderr, "refuge-console: no terminal to ask the "
			    "password on; use --password-file or REFUGE_PASSWORD\n");
			return 1;
		}
	}
	if (conn_resolve(server, &addr, &addrlen, err, sizeof(err)) == -1) {
		fprintf(stderr, "refuge-console: %s\n", err);
		goto out;
	}
	signal(SIGPIPE, SIG_IGN);
	if ((c->ctx = tlsctx_client_new(ca, NULL, NULL, err, sizeof(err))) ==
	    NULL) {
		fprintf(stderr, "refuge-console: %s\n", err);
		goto out;
	}
	if ((c->base = event_base_new()) == NULL ||
	    (c->sigint = evsignal_new(c->base, SIGINT, console_signal_cb, c)) ==
	    NULL ||
	    (c->sigterm = evsignal_new(c->base, SIGTERM, console_signal_cb,
	    c)) == NULL ||
	    evsignal_add(c->sigint, NULL) == -1 ||
	    evsignal_add(c->sigterm, NULL) == -1 ||
	    (c->mode == CONSOLE_MODE_UI &&
	    (c->model = console_model_new()) == NULL))
		goto nomem;

	/* The screen's link reconnects and feeds the model; the others print. */
	memset(&lp, 0, sizeof(lp));
	lp.base = c->base;
	lp.ctx = c->ctx;
	lp.addr = (struct sockaddr *)&addr;
	lp.addrlen = addrlen;
	lp.server = server;
	lp.host = host;
	lp.user = user;
	lp.password = password;
	lp.reconnect = c->mode == CONSOLE_MODE_UI;
	lp.ping = c->mode != CONSOLE_MODE_BATCH;
	lp.model = c->model;
	memset(&lcb, 0, sizeof(lcb));
	lcb.changed = console_on_link_changed;
	lcb.effect = console_on_link_effect;
	lcb.ready = console_on_link_ready;
	lcb.idle = console_on_link_idle;
	lcb.finished = console_on_link_finished;
	if (c->mode != CONSOLE_MODE_UI)
		lcb.push = console_on_link_print;
	if (c->mode == CONSOLE_MODE_BATCH)
		lcb.reply = console_on_link_print;
	c->link = console_link_new(&lp, &lcb, c);
	OPENSSL_cleanse(password, sizeof(password));
	if (c->link == NULL)
		goto nomem;

	if (c->mode == CONSOLE_MODE_BATCH && (c->batch = console_batch_new(
	    c->base, c->link, console_on_batch_done, c)) == NULL) {
		fprintf(stderr, "refuge-console: reading stdin: %s\n",
		    strerror(errno));
		goto out;
	}
	if (c->mode == CONSOLE_MODE_UI) {
		hooks.key = console_on_ui_key;
		hooks.help = console_on_ui_help;
		hooks.arg = c;
		if ((c->ui = console_ui_new(c->base, c->model, c->link, &hooks,
		    err, sizeof(err))) == NULL) {
			fprintf(stderr, "refuge-console: %s\n", err);
			goto out;
		}
		if ((c->keys = console_keys_new(c->ui, c->link, c->model,
		    console_on_keys_quit, c)) == NULL)
			goto nomem;
	}
	console_link_connect(c->link);
	if (!c->finished)
		event_base_dispatch(c->base);
	status = c->exit_status;
	console_free(c);
	if (c->mode == CONSOLE_MODE_UI && c->fatal[0] != '\0')
		fprintf(stderr, "refuge-console: %s\n", c->fatal);
	return status;
nomem:
	console_free(c);
	fprintf(stderr, "refuge-console: out of memory\n");
	OPENSSL_cleanse(password, sizeof(password));
	return 1;
out:
	console_free(c);
	OPENSSL_cleanse(password, sizeof(password));
	return status;
}
