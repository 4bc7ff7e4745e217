/*
 * refuge-console's keys: the table of key bindings, their actions on the
 * selected alarm, and the prompts some open (note, resolve, camera preset).
 * While a prompt is open it takes every key; Esc cancels it. The prompt's
 * state lives here; the screen only shows the line this file makes of it.
 */
#define NCURSES_WIDECHAR	1	/* KEY_* codes */
#include <curses.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "refuge/alarm.h"
#include "refuge/line.h"

#include "console_keys.h"
#include "console_link.h"
#include "console_model.h"
#include "console_ui.h"

#define CONSOLE_KEYS_ESC	27
#define CONSOLE_KEYS_TEXT_MAX	200	/* bytes typed into a prompt */

enum console_keys_prompt {
	CONSOLE_KEYS_PROMPT_NONE,
	CONSOLE_KEYS_PROMPT_NOTE,
	CONSOLE_KEYS_PROMPT_OUTCOME,		/* genuine or false */
	CONSOLE_KEYS_PROMPT_REASON,		/* a false alarm's reason, by number */
	CONSOLE_KEYS_PROMPT_ACTION,		/* a genuine alarm's action, by number */
	CONSOLE_KEYS_PROMPT_RESOLVE_NOTE,
	CONSOLE_KEYS_PROMPT_CAMERA
};

struct console_keys {
	struct console_ui		*ui;
	struct console_link		*link;
	struct console_model		*model;
	void				(*quit)(void *);
	void				*arg;
	int				 help;		/* the help screen is up */
	int				 genuine;	/* RESOLVE: the outcome chosen */
	enum console_keys_prompt	 prompt;
	int64_t				 prompt_alarm;
	char				 prompt_unit[CONSOLE_ID_MAX];
	const char			*choice;	/* RESOLVE: reason= or action= word */
	char				 text[CONSOLE_TEXT_MAX];	/* what is typed */
	size_t				 text_len;
};

struct console_keys_binding {
	int		 key;
	const char	*name;
	const char	*help;
	void		(*run)(struct console_keys *);
};

static void
console_keys_message(struct console_keys *k, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
console_keys_message(struct console_keys *k, const char *fmt, ...)
{
	char	buf[CONSOLE_TEXT_MAX];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	console_model_message(k->model, "%s", buf);
	console_ui_changed(k->ui);
}

/* Writes value always double-quoted; -1 if it cannot go on a line. */
static int
console_keys_quote(char *dst, size_t len, const char *value)
{
	char	quoted[CONSOLE_TEXT_MAX + 4];
	int	n;

	if (line_quote(quoted, sizeof(quoted), value) < 0)
		return -1;
	if (quoted[0] == '"')
		n = snprintf(dst, len, "%s", quoted);
	else
		n = snprintf(dst, len, "\"%s\"", quoted);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

static void
console_keys_request_failed(struct console_keys *k, const char *what)
{
	console_keys_message(k, "%s: not sent (%s)", what,
	    console_link_state(k->link) == CONSOLE_READY ?
	    "the line does not fit" : "not connected");
}

static struct console_alarm *
console_keys_need_alarm(struct console_keys *k)
{
	struct console_alarm	*a = console_ui_selected(k->ui);

	if (a == NULL)
		console_keys_message(k, "no alarm selected");
	return a;
}

/* ---- the prompt line */

/* Shows the open prompt on the screen, or takes it away. */
static void
console_keys_prompt_show(struct console_keys *k)
{
	char		 line[1024], list[256];
	size_t		 off = 0;
	int		 i;
	const char *const *words;

	switch (k->prompt) {
	case CONSOLE_KEYS_PROMPT_NOTE:
		snprintf(line, sizeof(line), "Note for alarm %lld (Enter sends, "
		    "Esc cancels): %s_", (long long)k->prompt_alarm, k->text);
		break;
	case CONSOLE_KEYS_PROMPT_OUTCOME:
		snprintf(line, sizeof(line), "Resolve alarm %lld: g genuine, "
		    "f false (Esc cancels)", (long long)k->prompt_alarm);
		break;
	case CONSOLE_KEYS_PROMPT_REASON:
	case CONSOLE_KEYS_PROMPT_ACTION:
		words = k->prompt == CONSOLE_KEYS_PROMPT_REASON ?
		    alarm_false_reasons : alarm_genuine_actions;
		list[0] = '\0';
		for (i = 0; words[i] != NULL && off < sizeof(list); i++)
			off += (size_t)snprintf(list + off, sizeof(list) - off,
			    "  %d %s", i + 1, words[i]);
		snprintf(line, sizeof(line), "%s for alarm %lld:%s (Esc cancels)",
		    k->prompt == CONSOLE_KEYS_PROMPT_REASON ? "False: reason" :
		    "Genuine: action", (long long)k->prompt_alarm, list);
		break;
	case CONSOLE_KEYS_PROMPT_RESOLVE_NOTE:
		snprintf(line, sizeof(line), "Resolve %lld %s: note (optional, "
		    "Enter sends, Esc cancels): %s_", (long long)k->prompt_alarm,
		    k->choice, k->text);
		break;
	case CONSOLE_KEYS_PROMPT_CAMERA:
		snprintf(line, sizeof(line), "Camera preset for %s (Enter sends, "
		    "Esc cancels): %s_", k->prompt_unit, k->text);
		break;
	default:
		console_ui_prompt(k->ui, NULL);
		return;
	}
	console_ui_prompt(k->ui, line);
}

/* ---- key actions */

static void
console_keys_up(struct console_keys *k)
{
	console_ui_select_move(k->ui, -1);
}

static void
console_keys_down(struct console_keys *k)
{
	console_ui_select_move(k->ui, 1);
}

/* Sends "<verb> <id>" about the selected alarm. */
static void
console_keys_alarm_request(struct console_keys *k, enum console_req_kind kind,
    const char *verb)
{
	struct console_alarm	*a;
	char			 what[64];

	if ((a = console_keys_need_alarm(k)) == NULL)
		return;
	snprintf(what, sizeof(what), "%s %lld", verb, (long long)a->id);
	if (console_link_request(k->link, kind, a->id, a->unit, what, "%s",
	    what) == -1)
		console_keys_request_failed(k, what);
}

static void
console_keys_claim(struct console_keys *k)
{
	console_keys_alarm_request(k, CONSOLE_REQ_OTHER, "CLAIM");
}

static void
console_keys_release(struct console_keys *k)
{
	console_keys_alarm_request(k, CONSOLE_REQ_OTHER, "RELEASE");
}

/* Opens a prompt about the selected alarm. */
static void
console_keys_prompt_open(struct console_keys *k,
    enum console_keys_prompt prompt)
{
	struct console_alarm	*a;

	if ((a = console_keys_need_alarm(k)) == NULL)
		return;
	k->prompt = prompt;
	k->prompt_alarm = a->id;
	snprintf(k->prompt_unit, sizeof(k->prompt_unit), "%s", a->unit);
	k->text[0] = '\0';
	k->text_len = 0;
}

static void
console_keys_note(struct console_keys *k)
{
	console_keys_prompt_open(k, CONSOLE_KEYS_PROMPT_NOTE);
}

static void
console_keys_resolve(struct console_keys *k)
{
	console_keys_prompt_open(k, CONSOLE_KEYS_PROMPT_OUTCOME);
}

static void
console_keys_plan(struct console_keys *k)
{
	console_keys_alarm_request(k, CONSOLE_REQ_PLAN, "PLAN");
}

static void
console_keys_command(struct console_keys *k, const char *unit,
    const char *words)
{
	char	line[CONSOLE_TEXT_MAX];

	snprintf(line, sizeof(line), "CMD %s %s", unit, words);
	if (console_link_request(k->link, CONSOLE_REQ_CMD, 0, unit, words,
	    "%s", line) == -1)
		console_keys_request_failed(k, line);
}

static void
console_keys_light(struct console_keys *k)
{
	struct console_alarm	*a;

	if ((a = console_keys_need_alarm(k)) != NULL)
		console_keys_command(k, a->unit, "LIGHT FLASH");
}

static void
console_keys_camera(struct console_keys *k)
{
	console_keys_prompt_open(k, CONSOLE_KEYS_PROMPT_CAMERA);
}

static void
console_keys_audio(struct console_keys *k)
{
	struct console_alarm	*a;
	struct console_unit	*u;

	if ((a = console_keys_need_alarm(k)) == NULL)
		return;
	u = console_model_unit(k->model, a->unit);
	console_keys_command(k, a->unit, u != NULL && u->audio_open ?
	    "AUDIO CLOSE" : "AUDIO OPEN");
}

static void
console_keys_show_help(struct console_keys *k)
{
	k->help = 1;
	console_ui_help(k->ui, 1);
}

static void
console_keys_quit(struct console_keys *k)
{
	k->quit(k->arg);
}

static const struct console_keys_binding console_keys_bindings[] = {
	{ KEY_UP,	"Up/k",	"select the alarm above",	console_keys_up },
	{ 'k',		NULL,	NULL,				console_keys_up },
	{ KEY_DOWN,	"Down/j", "select the alarm below",	console_keys_down },
	{ 'j',		NULL,	NULL,				console_keys_down },
	{ 'c',		"c",	"claim the selected alarm",	console_keys_claim },
	{ 'r',		"r",	"release your claim",		console_keys_release },
	{ 'n',		"n",	"add a note (prompts for the text)",
	    console_keys_note },
	{ 'R',		"R",	"resolve: genuine/false, reason or action, note",
	    console_keys_resolve },
	{ 'p',		"p",	"show the site's trigger plan",	console_keys_plan },
	{ 'l',		"l",	"flash the unit's blue light",	console_keys_light },
	{ 'm',		"m",	"move the camera to a preset (prompts)",
	    console_keys_camera },
	{ 'a',		"a",	"open or close the unit's audio",
	    console_keys_audio },
	{ 'h',		"h/?",	"this help",			console_keys_show_help },
	{ '?',		NULL,	NULL,				console_keys_show_help },
	{ 'q',		"q",	"quit",				console_keys_quit },
};

/* ---- prompts */

static void
console_keys_resolve_send(struct console_keys *k)
{
	char	note[CONSOLE_TEXT_MAX + 4], what[64];
	int	genuine = k->genuine;

	note[0] = '\0';
	if (k->text_len > 0 && console_keys_quote(note + 1, sizeof(note) - 1,
	    k->text) == 0)
		note[0] = ' ';
	snprintf(what, sizeof(what), "RESOLVE %lld", (long long)k->prompt_alarm);
	if (console_link_request(k->link, CONSOLE_REQ_OTHER, k->prompt_alarm,
	    k->prompt_unit, what, "RESOLVE %lld %s %s=%s%s",
	    (long long)k->prompt_alarm, genuine ? "genuine" : "false",
	    genuine ? "action" : "reason", k->choice, note) == -1)
		console_keys_request_failed(k, what);
}

static void
console_keys_prompt_submit(struct console_keys *k)
{
	char	quoted[CONSOLE_TEXT_MAX + 4], what[64], words[64];
	char	*end;
	long	n;

	switch (k->prompt) {
	case CONSOLE_KEYS_PROMPT_NOTE:
		if (k->text_len == 0)
			break;
		if (console_keys_quote(quoted, sizeof(quoted), k->text) == -1) {
			console_keys_message(k, "a note cannot hold control "
			    "characters");
			break;
		}
		snprintf(what, sizeof(what), "NOTE %lld",
		    (long long)k->prompt_alarm);
		if (console_link_request(k->link, CONSOLE_REQ_NOTE,
		    k->prompt_alarm, k->prompt_unit, k->text, "NOTE %lld %s",
		    (long long)k->prompt_alarm, quoted) == -1)
			console_keys_request_failed(k, what);
		break;
	case CONSOLE_KEYS_PROMPT_RESOLVE_NOTE:
		console_keys_resolve_send(k);
		break;
	case CONSOLE_KEYS_PROMPT_CAMERA:
		n = strtol(k->text, &end, 10);
		if (k->text_len == 0 || *end != '\0' || n < 0 || n > 999) {
			console_keys_message(k, "a camera preset is a number");
			break;
		}
		snprintf(words, sizeof(words), "CAMERA PRESET %ld", n);
		console_keys_command(k, k->prompt_unit, words);
		break;
	default:
		break;
	}
	k->prompt = CONSOLE_KEYS_PROMPT_NONE;
}

/* Picks the n-th (1-based) word of a NULL-terminated list, or NULL. */
static const char *
console_keys_pick(const char *const *list, int n)
{
	int	i;

	for (i = 0; list[i] != NULL; i++)
		if (i + 1 == n)
			return list[i];
	return NULL;
}

static void
console_keys_prompt_key(struct console_keys *k, wint_t ch, int function)
{
	char	mb[MB_LEN_MAX];
	size_t	n;
	mbstate_t ps;

	if (!function && ch == CONSOLE_KEYS_ESC) {
		k->prompt = CONSOLE_KEYS_PROMPT_NONE;
		console_keys_message(k, "cancelled");
		return;
	}
	switch (k->prompt) {
	case CONSOLE_KEYS_PROMPT_OUTCOME:
		k->genuine = !function && (ch == 'g' || ch == 'G');
		if (k->genuine)
			k->prompt = CONSOLE_KEYS_PROMPT_ACTION;
		else if (!function && (ch == 'f' || ch == 'F'))
			k->prompt = CONSOLE_KEYS_PROMPT_REASON;
		return;
	case CONSOLE_KEYS_PROMPT_REASON:
	case CONSOLE_KEYS_PROMPT_ACTION:
		if (function || ch < '1' || ch > '9')
			return;
		k->choice = console_keys_pick(k->prompt ==
		    CONSOLE_KEYS_PROMPT_REASON ? alarm_false_reasons :
		    alarm_genuine_actions, (int)(ch - '0'));
		if (k->choice != NULL) {
			k->prompt = CONSOLE_KEYS_PROMPT_RESOLVE_NOTE;
			k->text[0] = '\0';
			k->text_len = 0;
		}
		return;
	default:
		break;
	}
	/* A text prompt. */
	if ((function && ch == KEY_ENTER) || (!function && (ch == '\n' ||
	    ch == '\r'))) {
		console_keys_prompt_submit(k);
		return;
	}
	if ((function && ch == KEY_BACKSPACE) || (!function && (ch == 127 ||
	    ch == 8))) {
		/* Drops one character, with its UTF-8 continuation bytes. */
		while (k->text_len > 0 &&
		    ((unsigned char)k->text[--k->text_len] & 0xc0) == 0x80)
			;
		k->text[k->text_len] = '\0';
		return;
	}
	if (function || ch < ' ' || ch == 127)
		return;
	memset(&ps, 0, sizeof(ps));
	n = wcrtomb(mb, (wchar_t)ch, &ps);
	if (n == (size_t)-1 || k->text_len + n + 1 > CONSOLE_KEYS_TEXT_MAX)
		return;
	memcpy(k->text + k->text_len, mb, n);
	k->text_len += n;
	k->text[k->text_len] = '\0';
}

void
console_keys_press(struct console_keys *k, wint_t ch, int function)
{
	size_t	i;

	if (k->help) {
		k->help = 0;
		console_ui_help(k->ui, 0);
		return;
	}
	if (k->prompt != CONSOLE_KEYS_PROMPT_NONE) {
		console_keys_prompt_key(k, ch, function);
		console_keys_prompt_show(k);
		return;
	}
	if (function && ch == KEY_RESIZE)
		return;
	for (i = 0; i < sizeof(console_keys_bindings) /
	    sizeof(console_keys_bindings[0]); i++) {
		if ((console_keys_bindings[i].key >= KEY_MIN) !=
		    (function != 0) || (wint_t)console_keys_bindings[i].key != ch)
			continue;
		console_keys_bindings[i].run(k);
		console_keys_prompt_show(k);
		return;
	}
}

int
console_keys_help(size_t i, const char **keys, const char **help)
{
	size_t	b;

	for (b = 0; b < sizeof(console_keys_bindings) /
	    sizeof(console_keys_bindings[0]); b++) {
		if (console_keys_bindings[b].name == NULL)
			continue;
		if (i-- == 0) {
			*keys = console_keys_bindings[b].name;
			*help = console_keys_bindings[b].help;
			return 0;
		}
	}
	return -1;
}

struct console_keys *
console_keys_new(struct console_ui *ui, struct console_link *link,
    struct console_model *model, void (*quit)(void *), void *arg)
{
	struct console_keys	*k;

	if ((k = calloc(1, sizeof(*k))) == NULL)
		return NULL;
	k->ui = ui;
	k->link = link;
	k->model = model;
	k->quit = quit;
	k->arg = arg;
	return k;
}

void
console_keys_free(struct console_keys *k)
{
	free(k);
}
