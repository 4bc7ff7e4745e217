/*
 * refuge-console's local commands (--alert-command, --on-audio): a command
 * given as 'PROGRAM ARGS' is split into words with simple quoting and run
 * as argv, never through a shell, with %x placeholders substituted word by
 * word. Beside the screen: it calls nothing of the console's.
 */
#ifndef REFUGE_CONSOLE_RUN_H
#define REFUGE_CONSOLE_RUN_H

#include <stddef.h>

#define CONSOLE_RUN_MAX_ARGS	32
#define CONSOLE_RUN_MAX_BYTES	1024

/* A placeholder: %<key> becomes value. */
struct console_run_subst {
	char		 key;
	const char	*value;
};

/*
 * Splits cmd into words: spaces separate; '...' takes everything to the
 * next '; "..." likewise but \" and \\ inside; a backslash outside quotes
 * takes the next character. Then each word's %<key> is substituted (%% is
 * a %; an unknown %x stays). argv gets at most max - 1 words and a NULL;
 * their text lives in buf. Returns the number of words, or -1 (empty,
 * unbalanced quotes, too many words, too long).
 */
int	console_run_split(const char *cmd, const struct console_run_subst *,
	    size_t nsubst, char **argv, size_t max, char *buf, size_t buflen);
/*
 * Runs cmd in the background, its output to /dev/null; the caller has set
 * SIGCHLD to be ignored, so no zombie stays. Returns 0, or -1 (it could not
 * be split, or fork failed).
 */
int	console_run(const char *cmd, const struct console_run_subst *,
	    size_t nsubst);

#endif
