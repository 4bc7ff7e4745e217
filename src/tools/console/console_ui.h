/*
 * refuge-console's screen: draws the model and the link's state with
 * ncurses, and hands each key to the hook its owner gave. Above the link
 * (it asks for the selected unit's history), below the keys.
 */
#ifndef REFUGE_CONSOLE_UI_H
#define REFUGE_CONSOLE_UI_H

#include <stddef.h>
#include <stdint.h>
#include <wchar.h>

#include "console_model.h"

struct console_link;
struct console_ui;

enum console_view {
	CONSOLE_VIEW_LIVE,	/* the stack, the units and the detail */
	CONSOLE_VIEW_HISTORY	/* the search form, the list and the record */
};
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
/* Puts the screen away for a prompt on the terminal, and back. */
void	console_ui_suspend(struct console_ui *);
void	console_ui_resume(struct console_ui *);
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
/* Scrolls the history view's record by delta lines; 0: to its top. */
void	console_ui_record_scroll(struct console_ui *, long delta);
/* Shows (1) or hides (0) the model's info lines (WHO, STATS) likewise. */
void	console_ui_info(struct console_ui *, int shown);
/* 1 while a prompt or the search form takes the keys. */
int	console_ui_typing(const struct console_ui *);
/* Selects the alarm id if it is on the stack. */
void	console_ui_select(struct console_ui *, int64_t id);
/* The terminal's bell; its flash. */
void	console_ui_bell(struct console_ui *);
void	console_ui_flash(struct console_ui *);
/* Puts text on the terminal's clipboard (OSC 52). */
void	console_ui_clipboard(struct console_ui *, const char *text);
/* The live stack or the history view. */
void	console_ui_view(struct console_ui *, enum console_view);
enum console_view console_ui_view_get(const struct console_ui *);
/* The form field being edited (the cursor's), or -1. */
void	console_ui_form(struct console_ui *, int field);
/* The history list's selection: move it; the hit selected, or NULL. */
void	console_ui_hit_move(struct console_ui *, long delta);
const struct console_hit *console_ui_hit(struct console_ui *);

#endif
