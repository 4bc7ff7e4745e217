/*
 * refuge-console: the operator client. This file holds main, the options,
 * the password, start-up and tear-down, and is the one place that knows
 * every module: it makes the model, the link, and the screen with its keys
 * or the batch reader, and connects the callbacks each lower module was
 * given to the module above it (see console.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/crypto.h>

#include "refuge/config.h"
#include "refuge/conn.h"
#include "refuge/line.h"
#include "refuge/tlsctx.h"

#include "console_alert.h"
#include "console_batch.h"
#include "console_keys.h"
#include "console_link.h"
#include "console_model.h"
#include "console_opts.h"
#include "console_run.h"
#include "console_ui.h"
#include "../pwprompt.h"

/* The program: what main made, for the callbacks and tear-down. */
struct console {
	struct event_base	*base;
	SSL_CTX			*ctx;
	enum console_mode	 mode;
	struct console_model	*model;		/* the screen's only */
	struct console_link	*link;
	struct console_ui	*ui;
	struct console_keys	*keys;
	struct console_alert	*alert;
	struct console_batch	*batch;
	const struct console_opts *opts;
	struct event		*sigint;
	struct event		*sigterm;
	int			 exit_status;
	int			 finished;
	/* Why the link gave up, printed after the screen is gone. */
	char			 fatal[LINE_MAX_BYTES + 64];
};

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

/* --on-audio when this console's audio command is done. */
static void
console_on_audio(struct console *c)
{
	struct console_run_subst	subst[3];

	if (c->opts->on_audio == NULL)
		return;
	subst[0].key = 'e';
	subst[0].value = c->model->audio_opened ? "open" : "close";
	subst[1].key = 'u';
	subst[1].value = c->model->audio_unit;
	subst[2].key = 'r';
	subst[2].value = c->opts->desk;
	if (console_run(c->opts->on_audio, subst, 3) == -1)
		console_model_message(c->model, "--on-audio failed to start");
}

static void
console_on_link_effect(enum console_effect effect, int priority, void *arg)
{
	struct console	*c = arg;

	if (c->ui != NULL)
		console_ui_effect(c->ui, effect, priority);
	console_alert_effect(c->alert, effect, priority);
	if (effect == CONSOLE_EFFECT_AUDIO)
		console_on_audio(c);
}

/* The screen shows the receiver's local time (LOGIN's tz=) when it names one. */
static void
console_on_link_ready(void *arg)
{
	struct console	*c = arg;
	const char	*tz = console_link_tz(c->link);

	if (c->ui == NULL)
		return;
	if (tz[0] != '\0' && setenv("TZ", tz, 1) == 0)
		tzset();
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

static int	console_password_prompt(const char *, char *, size_t);

/* A wrong password on the screen: ask again, with the screen put away. */
static void
console_on_login_refused(const char *why, void *arg)
{
	struct console	*c = arg;
	char		 password[CONSOLE_PASSWORD_MAX];

	console_ui_suspend(c->ui);
	fprintf(stderr, "refuge-console: %s\n", why);
	if (console_password_prompt(c->opts->user, password,
	    sizeof(password)) == -1 || password[0] == '\0') {
		OPENSSL_cleanse(password, sizeof(password));
		snprintf(c->fatal, sizeof(c->fatal), "%s", why);
		console_finish(c, 1);
		return;
	}
	console_ui_resume(c->ui);
	console_link_retry_login(c->link, password);
	OPENSSL_cleanse(password, sizeof(password));
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
	console_alert_free(c->alert);
	c->alert = NULL;
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

/* The password: --password-file, REFUGE_PASSWORD, or asked. -1 said why. */
static int
console_password(const struct console_opts *o, char *password, size_t len)
{
	const char	*env;

	if (o->user[0] == '\0')
		return 0;
	if (o->password_file != NULL) {
		if (console_password_file(o->password_file, password, len) ==
		    -1) {
			fprintf(stderr, "refuge-console: %s: %s\n",
			    o->password_file, strerror(errno));
			return -1;
		}
	} else if ((env = getenv("REFUGE_PASSWORD")) != NULL)
		snprintf(password, len, "%s", env);
	else if (console_password_prompt(o->user, password, len) == -1) {
		fprintf(stderr, "refuge-console: no terminal to ask the "
		    "password on; use --password-file or REFUGE_PASSWORD\n");
		return -1;
	}
	return 0;
}

/* The link: the screen's reconnects and feeds the model; the others print. */
static struct console_link *
console_make_link(struct console *c, const struct console_opts *o,
    const char *password)
{
	struct console_link_params	 lp;
	struct console_link_callbacks	 lcb;

	memset(&lp, 0, sizeof(lp));
	lp.base = c->base;
	lp.ctx = c->ctx;
	lp.rx = &o->rx;
	lp.user = o->user;
	lp.password = password;
	lp.desk = o->desk;
	lp.reconnect = c->mode == CONSOLE_MODE_UI;
	lp.ping = c->mode != CONSOLE_MODE_BATCH;
	lp.model = c->model;
	memset(&lcb, 0, sizeof(lcb));
	lcb.changed = console_on_link_changed;
	lcb.effect = console_on_link_effect;
	lcb.ready = console_on_link_ready;
	lcb.idle = console_on_link_idle;
	lcb.finished = console_on_link_finished;
	if (c->mode == CONSOLE_MODE_UI)
		lcb.login_refused = console_on_login_refused;
	if (c->mode != CONSOLE_MODE_UI)
		lcb.push = console_on_link_print;
	if (c->mode == CONSOLE_MODE_BATCH)
		lcb.reply = console_on_link_print;
	return console_link_new(&lp, &lcb, c);
}

/* The screen, its keys and its alerts. Returns 0, or -1 having said why. */
static int
console_make_screen(struct console *c, const struct console_opts *o)
{
	struct console_ui_hooks	hooks;
	char			err[256];

	hooks.key = console_on_ui_key;
	hooks.help = console_on_ui_help;
	hooks.arg = c;
	if ((c->ui = console_ui_new(c->base, c->model, c->link, &hooks,
	    err, sizeof(err))) == NULL) {
		fprintf(stderr, "refuge-console: %s\n", err);
		return -1;
	}
	if ((c->keys = console_keys_new(c->ui, c->link, c->model,
	    console_on_keys_quit, c)) == NULL ||
	    (c->alert = console_alert_new(c->base, c->model, c->link, c->ui,
	    o->alert_command)) == NULL) {
		fprintf(stderr, "refuge-console: out of memory\n");
		return -1;
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	static struct console		 console;
	static struct console_opts	 opts;
	struct console			*c = &console;
	struct sockaddr_storage		 addr;
	socklen_t			 addrlen;
	size_t				 i;
	char				 err[512];
	char				 password[CONSOLE_PASSWORD_MAX] = "";
	int				 status = 1;

	setlocale(LC_ALL, "");
	if ((status = console_opts_parse(argc, argv, &opts)) != -1)
		return status;
	status = 1;
	c->opts = &opts;
	c->mode = opts.mode;
	if (console_password(&opts, password, sizeof(password)) == -1)
		return 1;
	/* A name that does not resolve is a mistake to show now. */
	for (i = 0; i < opts.rx.count; i++)
		if (conn_resolve(opts.rx.addr[i], &addr, &addrlen, err,
		    sizeof(err)) == -1) {
			fprintf(stderr, "refuge-console: %s\n", err);
			goto out;
		}
	signal(SIGPIPE, SIG_IGN);
	/* Alert and audio commands run in the background; none is waited for. */
	signal(SIGCHLD, SIG_IGN);
	if ((c->ctx = tlsctx_client_new(opts.ca, NULL, NULL, err,
	    sizeof(err))) == NULL) {
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
	c->link = console_make_link(c, &opts, password);
	OPENSSL_cleanse(password, sizeof(password));
	if (c->link == NULL)
		goto nomem;
	if (c->mode == CONSOLE_MODE_BATCH && (c->batch = console_batch_new(
	    c->base, c->link, console_on_batch_done, c)) == NULL) {
		fprintf(stderr, "refuge-console: reading stdin: %s\n",
		    strerror(errno));
		goto out;
	}
	if (c->mode == CONSOLE_MODE_UI && console_make_screen(c, &opts) == -1)
		goto out;
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
