/*
 * refuge-console, the operator client: its modules and which way they call.
 *
 *	console_model	the client-side copy of the stack and the units; pure
 *	  console_record  (part of it) the history view's data, WHO/STATS,
 *			the resolve lists, the location keys
 *	    ^
 *	console_feed	what each request's reply does to the model; pure
 *	    ^
 *	console_link	the link to refuged and its request queue; feeds the model
 *	    ^      ^
 *	console_ui  console_batch	the screen (draws the model) | --batch, --watch
 *	  console_detail, console_history	its panes
 *	  console_draw, console_text		drawing helpers; fitting text (pure)
 *	    ^
 *	console_prompt	the prompt line's dialogs: requests through the link
 *	console_alert	alerts that do not stop: the bell through the ui, or a
 *	    ^		command (console_run: argv without a shell)
 *	console_keys	key bindings and the history view's keys: requests
 *	    ^		through the link, selection through the ui
 *	console.c	main: start-up (console_opts: the options); the only file
 *			that knows every module and wires them together
 *
 * A module calls only the ones below it, and includes only their headers.
 * Where a lower one must tell an upper one something (the link: "changed",
 * "logged in", "a push to print", "giving up"; the ui: "a key"; keys and
 * batch: "finish"), it calls a function pointer its constructor was given;
 * console.c installs them. There is no shared program struct.
 *
 * This header is the model's, which every layer reads.
 */
#ifndef REFUGE_CONSOLE_H
#define REFUGE_CONSOLE_H

#include "console_model.h"

#endif
