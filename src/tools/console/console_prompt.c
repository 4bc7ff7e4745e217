/*
 * refuge-console's prompt line (console_prompt.h). States: NONE, or one
 * open prompt; choice prompts (OUTCOME, LIST, LIGHT) take one key, text
 * prompts take a line that Enter sends. The resolve dialog is OUTCOME ->
 * LIST -> RESOLVE_NOTE: BUTTON alarms resolve genuine (action=) or false
 * (reason=), every other type technical or genuine (action=), with the
 * lists OUTCOMES gave (or the defaults), tokens shown with spaces.
 */
#define NCURSES_WIDECHAR	1	/* KEY_* codes */
#include <curses.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "refuge/line.h"

#include "console_link.h"
#include "console_model.h"
#include "console_prompt.h"
#include "console_ui.h"

#define CONSOLE_PROMPT_ESC	27
#define CONSOLE_PROMPT_TEXT_MAX	200	/* bytes typed into a prompt */

struct console_prompt {
	struct console_ui		*ui;
	struct console_link		*link;
	struct console_model		*model;
	enum console_prompt_kind	 kind;
	int64_t				 alarm;
	char				 unit[CONSOLE_ID_MAX];
	int				 button;	/* the alarm is a BUTTON */
	char				 by[ALARM_USER_MAX + 1];	/* its claimer */
	const char			*outcome;	/* genuine, false, technical */
	enum console_outcome_list	 list;
	char				 choice[CONSOLE_OUTCOME_MAX];
	char				 text[CONSOLE_PROMPT_TEXT_MAX + 1];
};

int
console_prompt_quote(char *dst, size_t len, const char *value)
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
console_prompt_request(struct console_prompt *p, enum console_req_kind kind,
    const char *what, const char *line)
{
	if (console_link_request(p->link, kind, p->alarm, p->unit, what, "%s",
	    line) == -1)
		console_model_message(p->model, "%s: not sent (%s)", what,
		    console_link_state(p->link) == CONSOLE_READY ?
		    "the line does not fit" : "not connected");
}

/* The key of the i-th item of a list: 1-9, 0, then a-g. */
static char
console_prompt_list_key(size_t i)
{
	return i < 9 ? (char)('1' + i) : i == 9 ? '0' : (char)('a' + i - 10);
}

/* The list of the current choice as "  1 no one there  2 ...". */
static void
console_prompt_list_text(struct console_prompt *p, char *buf, size_t len)
{
	char	spaced[CONSOLE_OUTCOME_MAX];
	size_t	i, off = 0;
	int	n;

	buf[0] = '\0';
	for (i = 0; i < p->model->outcome_count[p->list]; i++) {
		console_model_spaced(spaced, sizeof(spaced),
		    p->model->outcomes[p->list][i]);
		n = snprintf(buf + off, len - off, "  %c %s",
		    console_prompt_list_key(i), spaced);
		if (n < 0 || (size_t)n >= len - off)
			return;
		off += (size_t)n;
	}
}

static void
console_prompt_show(struct console_prompt *p)
{
	char	line[1024], list[600];
	const char *what = NULL;

	switch (p->kind) {
	case CONSOLE_PROMPT_OUTCOME:
		snprintf(line, sizeof(line), "Resolve alarm %lld: %s "
		    "(Esc cancels)", (long long)p->alarm, p->button ?
		    "g genuine, f false" : "t technical, g genuine");
		console_ui_prompt(p->ui, line);
		return;
	case CONSOLE_PROMPT_LIST:
		console_prompt_list_text(p, list, sizeof(list));
		snprintf(line, sizeof(line), "%s %lld %s:%s (%sEsc cancels)",
		    p->outcome, (long long)p->alarm, p->list ==
		    CONSOLE_LIST_FALSE ? "reason" : "action", list, p->list ==
		    CONSOLE_LIST_TECHNICAL ? "Enter: none given, " : "");
		console_ui_prompt(p->ui, line);
		return;
	case CONSOLE_PROMPT_FORCE:
		snprintf(line, sizeof(line), "Alarm %lld is claimed by %s: take "
		    "it over (supervisors)? y takes it, any other key does not",
		    (long long)p->alarm, p->by);
		console_ui_prompt(p->ui, line);
		return;
	case CONSOLE_PROMPT_LIGHT:
		snprintf(line, sizeof(line), "Light of %s: f flash, o on "
		    "(steady), x off (Esc cancels)", p->unit);
		console_ui_prompt(p->ui, line);
		return;
	case CONSOLE_PROMPT_NOTE:
		what = "Note for alarm";
		break;
	case CONSOLE_PROMPT_RESOLVE_NOTE:
		snprintf(line, sizeof(line), "Resolve %lld %s %s: note "
		    "(optional, Enter sends, Esc cancels): %s_",
		    (long long)p->alarm, p->outcome, p->choice, p->text);
		console_ui_prompt(p->ui, line);
		return;
	case CONSOLE_PROMPT_CAMERA:
		what = "Camera preset for alarm";
		break;
	case CONSOLE_PROMPT_STEP:
		what = "Tick step (number, then an optional note) of alarm";
		break;
	case CONSOLE_PROMPT_TESTMODE:
		snprintf(line, sizeof(line), "Test mode: <unit> <duration, "
		    "e.g. 2h> or <unit> off (Enter sends, Esc cancels): %s_",
		    p->text);
		console_ui_prompt(p->ui, line);
		return;
	case CONSOLE_PROMPT_HANDOVER:
		snprintf(line, sizeof(line), "Handover note for the next shift; "
		    "it ends your session (Enter sends, Esc cancels): %s_",
		    p->text);
		console_ui_prompt(p->ui, line);
		return;
	default:
		console_ui_prompt(p->ui, NULL);
		return;
	}
	snprintf(line, sizeof(line), "%s %lld (Enter sends, Esc cancels): %s_",
	    what, (long long)p->alarm, p->text);
	console_ui_prompt(p->ui, line);
}

void
console_prompt_open(struct console_prompt *p, enum console_prompt_kind kind,
    const struct console_alarm *a)
{
	p->kind = kind;
	p->alarm = a != NULL ? a->id : 0;
	snprintf(p->unit, sizeof(p->unit), "%s", a != NULL ? a->unit : "");
	p->button = a != NULL && strcmp(a->type, "BUTTON") == 0;
	snprintf(p->by, sizeof(p->by), "%s", a != NULL ? a->by : "");
	p->text[0] = '\0';
	/* Test mode starts with the selected unit typed in. */
	if (kind == CONSOLE_PROMPT_TESTMODE && a != NULL)
		snprintf(p->text, sizeof(p->text), "%s ", a->unit);
	console_prompt_show(p);
}

int
console_prompt_active(const struct console_prompt *p)
{
	return p->kind != CONSOLE_PROMPT_NONE;
}

static void
console_prompt_resolve_send(struct console_prompt *p)
{
	char	note[CONSOLE_TEXT_MAX + 4], what[64], line[LINE_MAX_BYTES * 2];
	char	choice[CONSOLE_OUTCOME_MAX + 16];

	note[0] = '\0';
	if (p->text[0] != '\0' && console_prompt_quote(note + 1,
	    sizeof(note) - 1, p->text) == 0)
		note[0] = ' ';
	choice[0] = '\0';
	if (p->choice[0] != '\0')
		snprintf(choice, sizeof(choice), " %s=%s", p->list ==
		    CONSOLE_LIST_FALSE ? "reason" : "action", p->choice);
	snprintf(what, sizeof(what), "RESOLVE %lld", (long long)p->alarm);
	snprintf(line, sizeof(line), "RESOLVE %lld %s%s%s", (long long)p->alarm,
	    p->outcome, choice, note);
	console_prompt_request(p, CONSOLE_REQ_OTHER, what, line);
}

/* "<n> [note]": STEP <id> <n> ["note"]. */
static void
console_prompt_step_send(struct console_prompt *p)
{
	char	quoted[CONSOLE_TEXT_MAX + 4], line[LINE_MAX_BYTES * 2], what[64];
	char	*end, *note;
	long	n = strtol(p->text, &end, 10);

	if (end == p->text || n < 1 || n > 999 || (*end != '\0' && *end != ' ')) {
		console_model_message(p->model, "give the step's number, "
		    "then an optional note");
		return;
	}
	for (note = end; *note == ' '; note++)
		;
	quoted[0] = '\0';
	if (*note != '\0' && console_prompt_quote(quoted, sizeof(quoted),
	    note) == -1)
		return;
	snprintf(what, sizeof(what), "STEP %lld %ld", (long long)p->alarm, n);
	snprintf(line, sizeof(line), "%s%s%s", what, quoted[0] ? " " : "",
	    quoted);
	console_prompt_request(p, CONSOLE_REQ_STEP, what, line);
}

static void
console_prompt_submit(struct console_prompt *p)
{
	char	quoted[CONSOLE_TEXT_MAX + 4], line[LINE_MAX_BYTES * 2], what[64];
	char	*end;
	long	n;

	switch (p->kind) {
	case CONSOLE_PROMPT_NOTE:
	case CONSOLE_PROMPT_HANDOVER:
		if (p->text[0] == '\0')
			break;
		if (console_prompt_quote(quoted, sizeof(quoted), p->text) == -1) {
			console_model_message(p->model, "a note cannot hold "
			    "control characters");
			break;
		}
		if (p->kind == CONSOLE_PROMPT_HANDOVER) {
			snprintf(line, sizeof(line), "HANDOVER %s", quoted);
			console_prompt_request(p, CONSOLE_REQ_HANDOVER,
			    "HANDOVER", line);
			break;
		}
		snprintf(line, sizeof(line), "NOTE %lld %s", (long long)p->alarm,
		    quoted);
		/* what carries the text: the model keeps it once OK. */
		console_prompt_request(p, CONSOLE_REQ_NOTE, p->text, line);
		break;
	case CONSOLE_PROMPT_RESOLVE_NOTE:
		console_prompt_resolve_send(p);
		break;
	case CONSOLE_PROMPT_STEP:
		console_prompt_step_send(p);
		break;
	case CONSOLE_PROMPT_TESTMODE:
		snprintf(line, sizeof(line), "TESTMODE %s", p->text);
		console_prompt_request(p, CONSOLE_REQ_OTHER, "TESTMODE", line);
		break;
	case CONSOLE_PROMPT_CAMERA:
		n = strtol(p->text, &end, 10);
		if (p->text[0] == '\0' || *end != '\0' || n < 0 || n > 999) {
			console_model_message(p->model, "a camera preset is a "
			    "number");
			break;
		}
		snprintf(what, sizeof(what), "CAMERA PRESET %ld", n);
		snprintf(line, sizeof(line), "CMD %s %s", p->unit, what);
		console_prompt_request(p, CONSOLE_REQ_CMD, what, line);
		break;
	default:
		break;
	}
	p->kind = CONSOLE_PROMPT_NONE;
}

int
console_prompt_edit(char *text, size_t max, wint_t ch, int function)
{
	char		mb[MB_LEN_MAX];
	size_t		n, len = strlen(text);
	mbstate_t	ps;

	if ((function && ch == KEY_BACKSPACE) || (!function && (ch == 127 ||
	    ch == 8))) {
		/* Drops one character, with its UTF-8 continuation bytes. */
		while (len > 0 && ((unsigned char)text[--len] & 0xc0) == 0x80)
			;
		text[len] = '\0';
		return 1;
	}
	if (function || ch < ' ' || ch == 127)
		return 0;
	memset(&ps, 0, sizeof(ps));
	n = wcrtomb(mb, (wchar_t)ch, &ps);
	if (n == (size_t)-1 || len + n + 1 > max)
		return 1;
	memcpy(text + len, mb, n);
	text[len + n] = '\0';
	return 1;
}

/* A key for a choice prompt. */
static void
console_prompt_choose(struct console_prompt *p, wint_t ch)
{
	char	line[LINE_MAX_BYTES * 2], what[64];
	size_t	i;

	switch (p->kind) {
	case CONSOLE_PROMPT_OUTCOME:
		p->outcome = NULL;
		if (ch == 'g' || ch == 'G') {
			p->outcome = "genuine";
			p->list = CONSOLE_LIST_GENUINE;
		} else if (p->button && (ch == 'f' || ch == 'F')) {
			p->outcome = "false";
			p->list = CONSOLE_LIST_FALSE;
		} else if (!p->button && (ch == 't' || ch == 'T')) {
			p->outcome = "technical";
			p->list = CONSOLE_LIST_TECHNICAL;
		}
		if (p->outcome != NULL)
			p->kind = CONSOLE_PROMPT_LIST;
		return;
	case CONSOLE_PROMPT_LIST:
		/* A technical alarm's action is optional: Enter gives none. */
		if (p->list == CONSOLE_LIST_TECHNICAL && (ch == '\r' ||
		    ch == '\n'))
			p->choice[0] = '\0';
		else {
			for (i = 0; i < p->model->outcome_count[p->list]; i++)
				if ((wint_t)console_prompt_list_key(i) == ch)
					break;
			if (i == p->model->outcome_count[p->list])
				return;
			snprintf(p->choice, sizeof(p->choice), "%s",
			    p->model->outcomes[p->list][i]);
		}
		p->kind = CONSOLE_PROMPT_RESOLVE_NOTE;
		p->text[0] = '\0';
		return;
	case CONSOLE_PROMPT_FORCE:
		p->kind = CONSOLE_PROMPT_NONE;
		if (ch != 'y' && ch != 'Y') {
			console_model_message(p->model, "not taken over");
			return;
		}
		snprintf(what, sizeof(what), "CLAIM %lld force (from %s)",
		    (long long)p->alarm, p->by);
		snprintf(line, sizeof(line), "CLAIM %lld force",
		    (long long)p->alarm);
		console_prompt_request(p, CONSOLE_REQ_CLAIM, what, line);
		return;
	case CONSOLE_PROMPT_LIGHT:
		what[0] = '\0';
		if (ch == 'f' || ch == 'F')
			snprintf(what, sizeof(what), "LIGHT FLASH");
		else if (ch == 'o' || ch == 'O')
			snprintf(what, sizeof(what), "LIGHT ON");
		else if (ch == 'x' || ch == 'X')
			snprintf(what, sizeof(what), "LIGHT OFF");
		if (what[0] == '\0')
			return;
		snprintf(line, sizeof(line), "CMD %s %s", p->unit, what);
		console_prompt_request(p, CONSOLE_REQ_CMD, what, line);
		p->kind = CONSOLE_PROMPT_NONE;
		return;
	default:
		return;
	}
}

void
console_prompt_key(struct console_prompt *p, wint_t ch, int function)
{
	if (!function && ch == CONSOLE_PROMPT_ESC) {
		p->kind = CONSOLE_PROMPT_NONE;
		console_model_message(p->model, "cancelled");
	} else if (p->kind == CONSOLE_PROMPT_OUTCOME ||
	    p->kind == CONSOLE_PROMPT_LIST || p->kind == CONSOLE_PROMPT_LIGHT ||
	    p->kind == CONSOLE_PROMPT_FORCE) {
		if (!function)
			console_prompt_choose(p, ch);
	} else if ((function && ch == KEY_ENTER) || (!function && (ch == '\n' ||
	    ch == '\r')))
		console_prompt_submit(p);
	else
		(void)console_prompt_edit(p->text, sizeof(p->text), ch,
		    function);
	console_prompt_show(p);
}

struct console_prompt *
console_prompt_new(struct console_ui *ui, struct console_link *link,
    struct console_model *model)
{
	struct console_prompt	*p;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->ui = ui;
	p->link = link;
	p->model = model;
	return p;
}

void
console_prompt_free(struct console_prompt *p)
{
	free(p);
}
