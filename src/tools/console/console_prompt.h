/*
 * refuge-console's prompt line: the dialogs some keys open (a note, the
 * resolve dialog, the camera preset, the light, ticking a plan step, test
 * mode, the handover note). While one is open it takes every key; Esc
 * cancels it. Its requests go through the link; the ui shows its line.
 * Above the screen, below the keys.
 */
#ifndef REFUGE_CONSOLE_PROMPT_H
#define REFUGE_CONSOLE_PROMPT_H

#include <stddef.h>
#include <wchar.h>

#include "console_model.h"

struct console_link;
struct console_prompt;
struct console_ui;

enum console_prompt_kind {
	CONSOLE_PROMPT_NONE,
	CONSOLE_PROMPT_NOTE,		/* text: NOTE */
	CONSOLE_PROMPT_OUTCOME,		/* g/f for BUTTON, t/g for the rest */
	CONSOLE_PROMPT_LIST,		/* the reason or action, by number */
	CONSOLE_PROMPT_RESOLVE_NOTE,	/* text: RESOLVE's optional note */
	CONSOLE_PROMPT_CAMERA,		/* text: a preset number */
	CONSOLE_PROMPT_LIGHT,		/* f flash, o on, x off */
	CONSOLE_PROMPT_STEP,		/* text: "<n> [note]" */
	CONSOLE_PROMPT_TESTMODE,	/* text: "<unit> <duration>|off" */
	CONSOLE_PROMPT_HANDOVER,	/* text: HANDOVER */
	CONSOLE_PROMPT_FORCE		/* y: CLAIM <id> force (a supervisor's) */
};

struct console_prompt	*console_prompt_new(struct console_ui *,
			    struct console_link *, struct console_model *);
void	console_prompt_free(struct console_prompt *);
/* Opens a prompt; a is the alarm it is about (NULL for TESTMODE, HANDOVER). */
void	console_prompt_open(struct console_prompt *, enum console_prompt_kind,
	    const struct console_alarm *a);
int	console_prompt_active(const struct console_prompt *);
/* A key for the open prompt. */
void	console_prompt_key(struct console_prompt *, wint_t ch, int function);
/*
 * Line editing shared with the search form: Backspace drops a character,
 * a printable one is added. Returns 1 if the key was taken.
 */
int	console_prompt_edit(char *text, size_t max, wint_t ch, int function);
/* Writes value double-quoted; -1 if it cannot go on a line. */
int	console_prompt_quote(char *dst, size_t len, const char *value);

#endif
