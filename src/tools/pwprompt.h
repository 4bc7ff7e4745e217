/*
 * The tools' password prompt: one line read with echo off, shared by
 * refugectl (passwd) and refuge-console (LOGIN).
 */
#ifndef REFUGE_PWPROMPT_H
#define REFUGE_PWPROMPT_H

#include <stddef.h>

enum pwprompt_status {
	PWPROMPT_OK = 0,	/* a line was read (it may be empty) */
	PWPROMPT_FAIL = -1,	/* the terminal could not be set or read; errno */
	PWPROMPT_EOF = -2,	/* the input ended before a line; buf is "" */
	PWPROMPT_TOOLONG = -3	/* the line did not fit: buf holds its start */
};

/*
 * Reads one line from fd into buf (len bytes with the NUL), without its LF
 * or a CR before it. When fd is a terminal, prompt goes to out first, echo
 * is off while the line is typed, and the signals that would leave the
 * terminal blind (INT, TERM, HUP, QUIT, TSTP) are held until it is back on,
 * then a newline goes to out. From anything else, the line is read as is.
 * Only the bytes of the line are read: what follows stays for the next read.
 */
enum pwprompt_status	pwprompt_read(int fd, int out, const char *prompt,
			    char *buf, size_t len);

#endif
