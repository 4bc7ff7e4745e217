/*
 * refuge-console's keys: the table of key bindings and their actions on the
 * selected alarm, and the history view's keys (its search form, its list).
 * What is typed into the prompt line is console_prompt.c's. Order of who
 * takes a key: the help or info pane (any key closes it), an open prompt,
 * the search form, the history view, then the bindings.
 */
#define NCURSES_WIDECHAR	1	/* KEY_* codes */
#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "refuge/line.h"
#include "refuge/timenow.h"

#include "console_history.h"
#include "console_keys.h"
#include "console_link.h"
#include "console_model.h"
#include "console_prompt.h"
#include "console_ui.h"

#define CONSOLE_KEYS_ESC	27
#define CONSOLE_KEYS_TAB	9

struct console_keys {
	struct console_ui	*ui;
	struct console_link	*link;
	struct console_model	*model;
	struct console_prompt	*prompt;
	void			(*quit)(void *);
	void			*arg;
	int			 help;		/* the help screen is up */
	int			 info;		/* WHO's or STATS' lines are up */
	int			 field;		/* the form field edited; -1 none */
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

/* ---- key actions on the live stack */

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

/* Sends "<verb> <id>" about alarm a. */
static void
console_keys_alarm_request(struct console_keys *k, struct console_alarm *a,
    enum console_req_kind kind, const char *verb)
{
	char	what[64];

	snprintf(what, sizeof(what), "%s %lld", verb, (long long)a->id);
	if (console_link_request(k->link, kind, a->id, a->unit, what, "%s",
	    what) == -1)
		console_keys_request_failed(k, what);
}

/* Claims a, saying which: the operator must know what they took. */
static void
console_keys_claim_alarm(struct console_keys *k, struct console_alarm *a)
{
	char	what[CONSOLE_TEXT_MAX];

	/* Someone else's: a supervisor may take it over, when asked. */
	if (strcmp(a->state, "claimed") == 0 && a->by[0] != '\0' &&
	    strcmp(a->by, console_link_user(k->link)) != 0) {
		console_prompt_open(k->prompt, CONSOLE_PROMPT_FORCE, a);
		return;
	}
	snprintf(what, sizeof(what), "CLAIM %lld (priority %d %s %s \"%.200s\")",
	    (long long)a->id, a->priority, a->type, a->unit, a->name);
	if (console_link_request(k->link, CONSOLE_REQ_CLAIM, a->id, a->unit,
	    what, "CLAIM %lld", (long long)a->id) == -1)
		console_keys_request_failed(k, what);
}

static void
console_keys_claim(struct console_keys *k)
{
	struct console_alarm	*a;

	if ((a = console_keys_need_alarm(k)) != NULL)
		console_keys_claim_alarm(k, a);
}

/* Enter: the next alarm, highest priority and oldest first, selected and claimed. */
static void
console_keys_take_next(struct console_keys *k)
{
	struct console_alarm	*a = console_model_next_queued(k->model);

	if (a == NULL) {
		console_keys_message(k, "no queued alarm to take");
		return;
	}
	console_ui_select(k->ui, a->id);
	console_keys_claim_alarm(k, a);
}

static void
console_keys_release(struct console_keys *k)
{
	struct console_alarm	*a;

	if ((a = console_keys_need_alarm(k)) != NULL)
		console_keys_alarm_request(k, a, CONSOLE_REQ_OTHER, "RELEASE");
}

static void
console_keys_plan(struct console_keys *k)
{
	struct console_alarm	*a;

	if ((a = console_keys_need_alarm(k)) != NULL)
		console_keys_alarm_request(k, a, CONSOLE_REQ_PLAN, "PLAN");
}

/* Opens a prompt about the selected alarm. */
static void
console_keys_prompt(struct console_keys *k, enum console_prompt_kind kind)
{
	struct console_alarm	*a;

	if ((a = console_keys_need_alarm(k)) != NULL)
		console_prompt_open(k->prompt, kind, a);
}

static void
console_keys_note(struct console_keys *k)
{
	console_keys_prompt(k, CONSOLE_PROMPT_NOTE);
}

static void
console_keys_resolve(struct console_keys *k)
{
	console_keys_prompt(k, CONSOLE_PROMPT_OUTCOME);
}

static void
console_keys_step(struct console_keys *k)
{
	console_keys_prompt(k, CONSOLE_PROMPT_STEP);
}

static void
console_keys_light(struct console_keys *k)
{
	console_keys_prompt(k, CONSOLE_PROMPT_LIGHT);
}

static void
console_keys_camera(struct console_keys *k)
{
	console_keys_prompt(k, CONSOLE_PROMPT_CAMERA);
}

static void
console_keys_testmode(struct console_keys *k)
{
	console_prompt_open(k->prompt, CONSOLE_PROMPT_TESTMODE,
	    console_ui_selected(k->ui));
}

static void
console_keys_handover(struct console_keys *k)
{
	console_prompt_open(k->prompt, CONSOLE_PROMPT_HANDOVER, NULL);
}

/* Audio without a uri: the receiver has the unit call this operator's desk. */
static void
console_keys_audio(struct console_keys *k)
{
	struct console_alarm	*a;
	struct console_unit	*u;
	const char		*words;

	if ((a = console_keys_need_alarm(k)) == NULL)
		return;
	u = console_model_unit(k->model, a->unit);
	words = u != NULL && u->audio_open ? "AUDIO CLOSE" : "AUDIO OPEN";
	if (console_link_request(k->link, CONSOLE_REQ_CMD, a->id, a->unit,
	    words, "CMD %s %s", a->unit, words) == -1)
		console_keys_request_failed(k, words);
}

/* "unit, address, lat, lon" to the terminal's clipboard, for the 999 call. */
static void
console_keys_copy(struct console_keys *k)
{
	struct console_alarm	*a;
	char			 text[CONSOLE_ADDRESS_MAX + 128];

	if ((a = console_keys_need_alarm(k)) == NULL)
		return;
	if (console_record_location_text(k->model, a->unit, a->lat, a->lon,
	    text, sizeof(text)) == -1) {
		console_keys_message(k, "no location known for %s", a->unit);
		return;
	}
	console_ui_clipboard(k->ui, text);
	console_keys_message(k, "copied: %s", text);
}

/* WHO or STATS into the info pane. */
static void
console_keys_info(struct console_keys *k, const char *what)
{
	if (console_link_request(k->link, CONSOLE_REQ_INFO, 0, NULL, what,
	    "%s", what) == -1) {
		console_keys_request_failed(k, what);
		return;
	}
	k->info = 1;
	console_ui_info(k->ui, 1);
}

static void
console_keys_who(struct console_keys *k)
{
	console_keys_info(k, "WHO");
}

static void
console_keys_stats(struct console_keys *k)
{
	console_keys_info(k, "STATS");
}

static void
console_keys_history(struct console_keys *k)
{
	console_ui_view(k->ui, CONSOLE_VIEW_HISTORY);
	/* Straight into the form: the first thing wanted is a search. */
	k->field = CONSOLE_FIELD_SINCE;
	if (k->model->form[CONSOLE_FIELD_SINCE][0] == '\0')
		snprintf(k->model->form[CONSOLE_FIELD_SINCE],
		    sizeof(k->model->form[0]), "today");
	console_ui_form(k->ui, k->field);
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
	{ '\r',		"Enter", "take the next alarm (highest priority, "
	    "oldest): select and claim it",		console_keys_take_next },
	{ '\n',		NULL,	NULL,				console_keys_take_next },
	{ KEY_ENTER,	NULL,	NULL,				console_keys_take_next },
	{ 'c',		"c",	"claim the selected alarm (shows its plan)",
	    console_keys_claim },
	{ 'r',		"r",	"release your claim",		console_keys_release },
	{ 'n',		"n",	"add a note (prompts for the text)",
	    console_keys_note },
	{ 'R',		"R",	"resolve: outcome, reason or action, note",
	    console_keys_resolve },
	{ 'p',		"p",	"show the site's plan with step states",
	    console_keys_plan },
	{ 't',		"t",	"tick a plan step (its number, a note)",
	    console_keys_step },
	{ 'l',		"l",	"the unit's blue light: flash, on or off",
	    console_keys_light },
	{ 'm',		"m",	"move the camera to a preset (prompts)",
	    console_keys_camera },
	{ 'a',		"a",	"open (your desk phone) or close the audio",
	    console_keys_audio },
	{ 'y',		"y",	"copy unit, address, lat, lon (OSC 52)",
	    console_keys_copy },
	{ 'H',		"H",	"history: search past alarms, see the record",
	    console_keys_history },
	{ 'T',		"T",	"test mode for a unit (prompts)",
	    console_keys_testmode },
	{ 'S',		"S",	"statistics (STATS)",		console_keys_stats },
	{ 'W',		"W",	"who is logged in (WHO)",	console_keys_who },
	{ 'O',		"O",	"leave a handover note for the next shift",
	    console_keys_handover },
	{ 'h',		"h/?",	"this help",			console_keys_show_help },
	{ '?',		NULL,	NULL,				console_keys_show_help },
	{ 'q',		"q",	"quit",				console_keys_quit },
};

/* ---- the history view */

static void
console_keys_search(struct console_keys *k)
{
	char	line[LINE_MAX_BYTES], err[256];

	if (console_record_search_line(k->model, timenow_wall_ms(), line,
	    sizeof(line), err, sizeof(err)) == -1) {
		console_keys_message(k, "%s", err);
		return;
	}
	if (console_link_request(k->link, CONSOLE_REQ_SEARCH, 0, NULL, "SEARCH",
	    "%s", line) == -1)
		console_keys_request_failed(k, "SEARCH");
	k->field = -1;
	console_ui_form(k->ui, -1);
}

/* A key while the form is edited: Tab moves, Enter searches, Esc leaves it. */
static void
console_keys_form_key(struct console_keys *k, wint_t ch, int function)
{
	char	*text = k->model->form[k->field];

	if (!function && ch == CONSOLE_KEYS_ESC) {
		k->field = -1;
	} else if ((!function && ch == CONSOLE_KEYS_TAB) ||
	    (function && ch == KEY_DOWN)) {
		k->field = (k->field + 1) % CONSOLE_FIELDS;
	} else if ((function && (ch == KEY_BTAB || ch == KEY_UP))) {
		k->field = (k->field + CONSOLE_FIELDS - 1) % CONSOLE_FIELDS;
	} else if ((function && ch == KEY_ENTER) || (!function && (ch == '\r' ||
	    ch == '\n'))) {
		console_keys_search(k);
		return;
	} else
		(void)console_prompt_edit(text, CONSOLE_FIELD_MAX, ch, function);
	console_ui_form(k->ui, k->field);
}

/* A key in the history view's list; 1 if taken. */
static int
console_keys_history_key(struct console_keys *k, wint_t ch, int function)
{
	const struct console_hit	*h;

	if (!function && (ch == CONSOLE_KEYS_ESC || ch == 'H')) {
		console_ui_view(k->ui, CONSOLE_VIEW_LIVE);
		return 1;
	}
	if (!function && ch == '/') {
		k->field = CONSOLE_FIELD_SINCE;
		console_ui_form(k->ui, k->field);
		return 1;
	}
	if ((function && ch == KEY_UP) || (!function && ch == 'k')) {
		console_ui_hit_move(k->ui, -1);
		return 1;
	}
	if (function && (ch == KEY_NPAGE || ch == KEY_PPAGE)) {
		console_ui_record_scroll(k->ui, ch == KEY_NPAGE ? 10 : -10);
		return 1;
	}
	if ((function && ch == KEY_DOWN) || (!function && ch == 'j')) {
		console_ui_hit_move(k->ui, 1);
		return 1;
	}
	if ((function && ch == KEY_ENTER) || (!function && (ch == '\r' ||
	    ch == '\n'))) {
		if ((h = console_ui_hit(k->ui)) == NULL)
			return 1;
		console_ui_record_scroll(k->ui, 0);
		if (console_link_request(k->link, CONSOLE_REQ_DETAIL, h->id,
		    h->unit, "DETAIL", "DETAIL %lld", (long long)h->id) == -1)
			console_keys_request_failed(k, "DETAIL");
		return 1;
	}
	/* q, h and ? work here too; the stack's actions do not. */
	return !(!function && (ch == 'q' || ch == 'h' || ch == '?'));
}

void
console_keys_press(struct console_keys *k, wint_t ch, int function)
{
	size_t	i;

	if (k->help || k->info) {
		k->help = k->info = 0;
		console_ui_help(k->ui, 0);
		console_ui_info(k->ui, 0);
		return;
	}
	if (console_prompt_active(k->prompt)) {
		console_prompt_key(k->prompt, ch, function);
		return;
	}
	if (function && ch == KEY_RESIZE)
		return;
	if (console_ui_view_get(k->ui) == CONSOLE_VIEW_HISTORY) {
		if (k->field >= 0) {
			console_keys_form_key(k, ch, function);
			return;
		}
		if (console_keys_history_key(k, ch, function))
			return;
	}
	for (i = 0; i < sizeof(console_keys_bindings) /
	    sizeof(console_keys_bindings[0]); i++) {
		if ((console_keys_bindings[i].key >= KEY_MIN) !=
		    (function != 0) || (wint_t)console_keys_bindings[i].key != ch)
			continue;
		console_keys_bindings[i].run(k);
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
	if ((k->prompt = console_prompt_new(ui, link, model)) == NULL) {
		free(k);
		return NULL;
	}
	k->ui = ui;
	k->link = link;
	k->model = model;
	k->quit = quit;
	k->arg = arg;
	k->field = -1;
	return k;
}

void
console_keys_free(struct console_keys *k)
{
	if (k == NULL)
		return;
	console_prompt_free(k->prompt);
	free(k);
}
