/*
 * refuge-console's screen: draws the model and the link's state with
 * ncurses, and hands each key to the hook its owner gave. Above the link
 * (it asks for the selected unit's history), below the keys.
 */
#ifndef REFUGE_CONSOLE_UI_H
#define REFUGE_CONSOLE_UI_H

#include <stddef.h>
#include <wchar.h>

#include "console_model.h"

struct console_link;
struct console_ui;
struct event_base;

/* What the screen needs from above it. arg is the owner's. */
struct console_ui_hooks {
	/* A key read from the terminal; function is set for KEY_* codes. */
	void	(*key)(wint_t ch, int function, void *arg);
	/* The i-th entry of the key help (0 first): 0, or -1 past the end. */
	int	(*help)(size_t i, const char **keys, const char **help,
		    void *arg);
	void	*arg;
};

/* Takes the terminal; NULL with err set if it is not one. */
struct console_ui	*console_ui_new(struct event_base *,
			    struct console_model *, struct console_link *,
			    const struct console_ui_hooks *, char *err,
			    size_t errlen);
/* Gives the terminal back. */
void	console_ui_free(struct console_ui *);
/* Something changed: redraw soon. */
void	console_ui_changed(struct console_ui *);
/* A line was applied with this effect (bell on a new priority-1 alarm). */
void	console_ui_effect(struct console_ui *, enum console_effect, int priority);
/* The link is up again with a fresh model: re-read what the pane shows. */
void	console_ui_ready(struct console_ui *);
/* The selected alarm, or NULL; the selection keeps its row when the alarm goes. */
struct console_alarm	*console_ui_selected(struct console_ui *);
/* Moves the selection delta rows, if there are that many. */
void	console_ui_select_move(struct console_ui *, int delta);
/* A prompt shown instead of the newest message; NULL takes it away. */
void	console_ui_prompt(struct console_ui *, const char *text);
/* Shows (1) or hides (0) the key help in place of the panes. */
void	console_ui_help(struct console_ui *, int shown);

#endif
