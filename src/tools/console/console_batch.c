/*
 * refuge-console's --batch and --watch modes: batch sends the requests read
 * from stdin one at a time and prints every reply line as received; watch
 * prints the pushes.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "console.h"

#define CONSOLE_INPUT_HIGH	(64 * 1024)

void
console_batch_print(const char *line)
{
	fputs(line, stdout);
	fputc('\n', stdout);
	fflush(stdout);
}

void
console_batch_next(struct console *c)
{
	char	*nl, *start;
	size_t	 len;

	while (c->state == CONSOLE_READY && !c->finished && !c->in_flight &&
	    TAILQ_EMPTY(&c->queue)) {
		nl = c->inlen > 0 ? memchr(c->inbuf, '\n', c->inlen) : NULL;
		if (nl == NULL && c->in_eof && c->inlen > 0)
			nl = c->inbuf + c->inlen;	/* a last line without LF */
		/* No protocol line is this long: refuse it rather than wait for ever. */
		if (nl == NULL && c->inlen >= CONSOLE_INPUT_HIGH) {
			fprintf(stderr, "refuge-console: an input line is longer "
			    "than %d bytes\n", CONSOLE_INPUT_HIGH);
			console_finish(c, 1);
			return;
		}
		if (nl == NULL) {
			if (c->in_eof)
				console_finish(c, 0);
			else if (c->input != NULL && c->inlen < CONSOLE_INPUT_HIGH)
				event_add(c->input, NULL);
			return;
		}
		start = c->inbuf;
		len = (size_t)(nl - start);
		if (len > 0 && start[len - 1] == '\r')
			len--;
		if (len > 0 && console_link_queue(c, CONSOLE_REQ_RAW, 0, NULL,
		    NULL, start, len) == -1) {
			fprintf(stderr, "refuge-console: out of memory\n");
			console_finish(c, 1);
			return;
		}
		len = nl < c->inbuf + c->inlen ? (size_t)(nl - c->inbuf) + 1 :
		    c->inlen;
		memmove(c->inbuf, c->inbuf + len, c->inlen - len);
		c->inlen -= len;
		console_link_send_next(c);
	}
}

/* Appends what read() gives; returns bytes read, 0 at EOF, -1 on error. */
static ssize_t
console_input_read(struct console *c)
{
	char	*grown;
	size_t	 cap;
	ssize_t	 n;

	if (c->incap - c->inlen < 4096) {
		cap = c->incap ? c->incap * 2 : 8192;
		if ((grown = realloc(c->inbuf, cap)) == NULL)
			return -1;
		c->inbuf = grown;
		c->incap = cap;
	}
	do
		n = read(STDIN_FILENO, c->inbuf + c->inlen, c->incap - c->inlen);
	while (n == -1 && errno == EINTR);
	if (n > 0)
		c->inlen += (size_t)n;
	return n;
}

static void
console_input_cb(evutil_socket_t fd, short what, void *arg)
{
	struct console	*c = arg;
	ssize_t		 n;

	(void)fd;
	(void)what;
	n = console_input_read(c);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	if (n <= 0) {
		c->in_eof = 1;
		event_del(c->input);
	} else if (c->inlen >= CONSOLE_INPUT_HIGH)
		event_del(c->input);
	console_batch_next(c);
}

/* Regular files and /dev/null cannot be polled: read them whole at once. */
int
console_batch_start(struct console *c)
{
	struct stat	st;
	ssize_t		n;

	if (fstat(STDIN_FILENO, &st) == -1)
		return -1;
	if (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) ||
	    isatty(STDIN_FILENO)) {
		if ((c->input = event_new(c->base, STDIN_FILENO, EV_READ |
		    EV_PERSIST, console_input_cb, c)) == NULL)
			return -1;
		return event_add(c->input, NULL);
	}
	while ((n = console_input_read(c)) > 0)
		;
	c->in_eof = 1;
	return n == -1 ? -1 : 0;
}
