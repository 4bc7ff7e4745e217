/*
 * refuge-console's keys: the table of key bindings, their actions on the
 * selected alarm, and the prompts some open (note, resolve, camera preset).
 * While a prompt is open it takes every key; Esc cancels it.
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

#include "console.h"

#define UI_KEY_ESC	27

struct ui_key {
	int		 key;
	const char	*name;
	const char	*help;
	void		(*run)(struct console_ui *);
};

static void
ui_message(struct console_ui *ui, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
ui_message(struct console_ui *ui, const char *fmt, ...)
{
	char	buf[CONSOLE_TEXT_MAX];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	console_model_message(console_get_model(ui->console), "%s", buf);
	console_ui_changed(ui);
}

/* Writes value always double-quoted; -1 if it cannot go on a line. */
static int
ui_quote(char *dst, size_t len, const char *value)
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
ui_request_failed(struct console_ui *ui, const char *what)
{
	ui_message(ui, "%s: not sent (%s)", what,
	    console_get_state(ui->console) == CONSOLE_READY ?
	    "the line does not fit" : "not connected");
}

static struct console_alarm *
ui_need_alarm(struct console_ui *ui)
{
	struct console_alarm	*a = console_ui_selected(ui);

	if (a == NULL)
		ui_message(ui, "no alarm selected");
	return a;
}

/* ---- key actions */

static void
ui_key_up(struct console_ui *ui)
{
	struct console_model	*m = console_get_model(ui->console);

	if (console_ui_selected(ui) != NULL && ui->selected_row > 0) {
		ui->selected_row--;
		ui->selected = m->alarms[ui->selected_row]->id;
	}
}

static void
ui_key_down(struct console_ui *ui)
{
	struct console_model	*m = console_get_model(ui->console);

	if (console_ui_selected(ui) != NULL &&
	    ui->selected_row + 1 < (long)m->alarm_count) {
		ui->selected_row++;
		ui->selected = m->alarms[ui->selected_row]->id;
	}
}

/* Sends "<verb> <id>" about the selected alarm. */
static void
ui_alarm_request(struct console_ui *ui, enum console_req_kind kind,
    const char *verb)
{
	struct console_alarm	*a;
	char			 what[64];

	if ((a = ui_need_alarm(ui)) == NULL)
		return;
	snprintf(what, sizeof(what), "%s %lld", verb, (long long)a->id);
	if (console_link_request(ui->console, kind, a->id, a->unit, what, "%s",
	    what) == -1)
		ui_request_failed(ui, what);
}

static void
ui_key_claim(struct console_ui *ui)
{
	ui_alarm_request(ui, CONSOLE_REQ_OTHER, "CLAIM");
}

static void
ui_key_release(struct console_ui *ui)
{
	ui_alarm_request(ui, CONSOLE_REQ_OTHER, "RELEASE");
}

/* Opens a prompt about the selected alarm. */
static void
ui_prompt_open(struct console_ui *ui, enum console_prompt prompt)
{
	struct console_alarm	*a;

	if ((a = ui_need_alarm(ui)) == NULL)
		return;
	ui->prompt = prompt;
	ui->prompt_alarm = a->id;
	snprintf(ui->prompt_unit, sizeof(ui->prompt_unit), "%s", a->unit);
	ui->text[0] = '\0';
	ui->text_len = 0;
}

static void
ui_key_note(struct console_ui *ui)
{
	ui_prompt_open(ui, CONSOLE_PROMPT_NOTE);
}

static void
ui_key_resolve(struct console_ui *ui)
{
	ui_prompt_open(ui, CONSOLE_PROMPT_OUTCOME);
}

static void
ui_key_plan(struct console_ui *ui)
{
	ui_alarm_request(ui, CONSOLE_REQ_PLAN, "PLAN");
}

static void
ui_command(struct console_ui *ui, const char *unit, const char *words)
{
	char	line[CONSOLE_TEXT_MAX];

	snprintf(line, sizeof(line), "CMD %s %s", unit, words);
	if (console_link_request(ui->console, CONSOLE_REQ_CMD, 0, unit, words,
	    "%s", line) == -1)
		ui_request_failed(ui, line);
}

static void
ui_key_light(struct console_ui *ui)
{
	struct console_alarm	*a;

	if ((a = ui_need_alarm(ui)) != NULL)
		ui_command(ui, a->unit, "LIGHT FLASH");
}

static void
ui_key_camera(struct console_ui *ui)
{
	ui_prompt_open(ui, CONSOLE_PROMPT_CAMERA);
}

static void
ui_key_audio(struct console_ui *ui)
{
	struct console_alarm	*a;
	struct console_unit	*u;

	if ((a = ui_need_alarm(ui)) == NULL)
		return;
	u = console_model_unit(console_get_model(ui->console), a->unit);
	ui_command(ui, a->unit, u != NULL && u->audio_open ? "AUDIO CLOSE" :
	    "AUDIO OPEN");
}

static void
ui_key_help(struct console_ui *ui)
{
	ui->help = 1;
}

static void
ui_key_quit(struct console_ui *ui)
{
	console_quit(ui->console);
}

static const struct ui_key ui_keys[] = {
	{ KEY_UP,	"Up/k",	"select the alarm above",	ui_key_up },
	{ 'k',		NULL,	NULL,				ui_key_up },
	{ KEY_DOWN,	"Down/j", "select the alarm below",	ui_key_down },
	{ 'j',		NULL,	NULL,				ui_key_down },
	{ 'c',		"c",	"claim the selected alarm",	ui_key_claim },
	{ 'r',		"r",	"release your claim",		ui_key_release },
	{ 'n',		"n",	"add a note (prompts for the text)", ui_key_note },
	{ 'R',		"R",	"resolve: genuine/false, reason or action, note",
	    ui_key_resolve },
	{ 'p',		"p",	"show the site's trigger plan",	ui_key_plan },
	{ 'l',		"l",	"flash the unit's blue light",	ui_key_light },
	{ 'm',		"m",	"move the camera to a preset (prompts)",
	    ui_key_camera },
	{ 'a',		"a",	"open or close the unit's audio", ui_key_audio },
	{ 'h',		"h/?",	"this help",			ui_key_help },
	{ '?',		NULL,	NULL,				ui_key_help },
	{ 'q',		"q",	"quit",				ui_key_quit },
};

/* ---- prompts */

static void
ui_resolve_send(struct console_ui *ui)
{
	char	note[CONSOLE_TEXT_MAX + 4], what[64];
	int	genuine = ui->genuine;

	note[0] = '\0';
	if (ui->text_len > 0 && ui_quote(note + 1, sizeof(note) - 1,
	    ui->text) == 0)
		note[0] = ' ';
	snprintf(what, sizeof(what), "RESOLVE %lld", (long long)ui->prompt_alarm);
	if (console_link_request(ui->console, CONSOLE_REQ_OTHER,
	    ui->prompt_alarm, ui->prompt_unit, what, "RESOLVE %lld %s %s=%s%s",
	    (long long)ui->prompt_alarm, genuine ? "genuine" : "false",
	    genuine ? "action" : "reason", ui->choice, note) == -1)
		ui_request_failed(ui, what);
}

static void
ui_prompt_submit(struct console_ui *ui)
{
	char	quoted[CONSOLE_TEXT_MAX + 4], what[64], words[64];
	char	*end;
	long	n;

	switch (ui->prompt) {
	case CONSOLE_PROMPT_NOTE:
		if (ui->text_len == 0)
			break;
		if (ui_quote(quoted, sizeof(quoted), ui->text) == -1) {
			ui_message(ui, "a note cannot hold control characters");
			break;
		}
		snprintf(what, sizeof(what), "NOTE %lld", (long long)ui->prompt_alarm);
		if (console_link_request(ui->console, CONSOLE_REQ_NOTE,
		    ui->prompt_alarm, ui->prompt_unit, ui->text, "NOTE %lld %s",
		    (long long)ui->prompt_alarm, quoted) == -1)
			ui_request_failed(ui, what);
		break;
	case CONSOLE_PROMPT_RESOLVE_NOTE:
		ui_resolve_send(ui);
		break;
	case CONSOLE_PROMPT_CAMERA:
		n = strtol(ui->text, &end, 10);
		if (ui->text_len == 0 || *end != '\0' || n < 0 || n > 999) {
			ui_message(ui, "a camera preset is a number");
			break;
		}
		snprintf(words, sizeof(words), "CAMERA PRESET %ld", n);
		ui_command(ui, ui->prompt_unit, words);
		break;
	default:
		break;
	}
	ui->prompt = CONSOLE_PROMPT_NONE;
}

/* Picks the n-th (1-based) word of a NULL-terminated list, or NULL. */
static const char *
ui_pick(const char *const *list, int n)
{
	int	i;

	for (i = 0; list[i] != NULL; i++)
		if (i + 1 == n)
			return list[i];
	return NULL;
}

static void
ui_prompt_key(struct console_ui *ui, wint_t ch, int function)
{
	char	mb[MB_LEN_MAX];
	size_t	n;
	mbstate_t ps;

	if (!function && ch == UI_KEY_ESC) {
		ui->prompt = CONSOLE_PROMPT_NONE;
		ui_message(ui, "cancelled");
		return;
	}
	switch (ui->prompt) {
	case CONSOLE_PROMPT_OUTCOME:
		ui->genuine = !function && (ch == 'g' || ch == 'G');
		if (ui->genuine)
			ui->prompt = CONSOLE_PROMPT_ACTION;
		else if (!function && (ch == 'f' || ch == 'F'))
			ui->prompt = CONSOLE_PROMPT_REASON;
		return;
	case CONSOLE_PROMPT_REASON:
	case CONSOLE_PROMPT_ACTION:
		if (function || ch < '1' || ch > '9')
			return;
		ui->choice = ui_pick(ui->prompt == CONSOLE_PROMPT_REASON ?
		    alarm_false_reasons : alarm_genuine_actions, (int)(ch - '0'));
		if (ui->choice != NULL) {
			ui->prompt = CONSOLE_PROMPT_RESOLVE_NOTE;
			ui->text[0] = '\0';
			ui->text_len = 0;
		}
		return;
	default:
		break;
	}
	/* A text prompt. */
	if ((function && ch == KEY_ENTER) || (!function && (ch == '\n' ||
	    ch == '\r'))) {
		ui_prompt_submit(ui);
		return;
	}
	if ((function && ch == KEY_BACKSPACE) || (!function && (ch == 127 ||
	    ch == 8))) {
		/* Drops one character, with its UTF-8 continuation bytes. */
		while (ui->text_len > 0 &&
		    ((unsigned char)ui->text[--ui->text_len] & 0xc0) == 0x80)
			;
		ui->text[ui->text_len] = '\0';
		return;
	}
	if (function || ch < ' ' || ch == 127)
		return;
	memset(&ps, 0, sizeof(ps));
	n = wcrtomb(mb, (wchar_t)ch, &ps);
	if (n == (size_t)-1 || ui->text_len + n + 1 > 200)
		return;
	memcpy(ui->text + ui->text_len, mb, n);
	ui->text_len += n;
	ui->text[ui->text_len] = '\0';
}

void
console_keys_press(struct console_ui *ui, wint_t ch, int function)
{
	size_t	i;

	if (ui->help) {
		ui->help = 0;
		return;
	}
	if (ui->prompt != CONSOLE_PROMPT_NONE) {
		ui_prompt_key(ui, ch, function);
		return;
	}
	if (function && ch == KEY_RESIZE)
		return;
	for (i = 0; i < sizeof(ui_keys) / sizeof(ui_keys[0]); i++) {
		if ((ui_keys[i].key >= KEY_MIN) != (function != 0) ||
		    (wint_t)ui_keys[i].key != ch)
			continue;
		ui_keys[i].run(ui);
		return;
	}
}

int
console_keys_help(size_t i, const char **keys, const char **help)
{
	size_t	k;

	for (k = 0; k < sizeof(ui_keys) / sizeof(ui_keys[0]); k++) {
		if (ui_keys[k].name == NULL)
			continue;
		if (i-- == 0) {
			*keys = ui_keys[k].name;
			*help = ui_keys[k].help;
			return 0;
		}
	}
	return -1;
}
