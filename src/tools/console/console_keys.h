/*
 * refuge-console's keys: the key bindings, their actions on the selected
 * alarm, and the prompts some open. Above the screen: requests go through
 * the link, the selection and the prompt line through the ui.
 */
#ifndef REFUGE_CONSOLE_KEYS_H
#define REFUGE_CONSOLE_KEYS_H

#include <stddef.h>
#include <wchar.h>

struct console_keys;
struct console_link;
struct console_model;
struct console_ui;

/* quit is called for the quit key; arg is the owner's. NULL on memory. */
struct console_keys	*console_keys_new(struct console_ui *,
			    struct console_link *, struct console_model *,
			    void (*quit)(void *arg), void *arg);
void	console_keys_free(struct console_keys *);
/* A key read from the terminal; function is set for KEY_* codes. */
void	console_keys_press(struct console_keys *, wint_t ch, int function);
/* The i-th entry of the key help (0 first). Returns 0, or -1 past the end. */
int	console_keys_help(size_t i, const char **keys, const char **help);

#endif
