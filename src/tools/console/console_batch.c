/*
 * refuge-console's --batch and --watch modes: batch sends the requests read
 * from stdin one at a time and prints every reply line as received; watch
 * prints the pushes (console.c hands them to console_batch_print).
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "console_batch.h"
#include "console_link.h"

#define CONSOLE_BATCH_INPUT_HIGH	(64 * 1024)

struct console_batch {
	struct console_link	*link;
	struct event		*input;		/* NULL: stdin was read whole */
	void			(*done)(int, void *);
	void			*arg;
	int			 finished;
	char			*inbuf;
	size_t			 inlen;
	size_t			 incap;
	int			 in_eof;
};

void
console_batch_print(const char *line)
{
	fputs(line, stdout);
	fputc('\n', stdout);
	fflush(stdout);
}

static void
console_batch_finish(struct console_batch *b, int status)
{
	if (b->finished)
		return;
	b->finished = 1;
	if (b->input != NULL)
		event_del(b->input);
	b->done(status, b->arg);
}

void
console_batch_next(struct console_batch *b)
{
	char	*nl, *start;
	size_t	 len;

	while (!b->finished && console_link_idle(b->link)) {
		nl = b->inlen > 0 ? memchr(b->inbuf, '\n', b->inlen) : NULL;
		if (nl == NULL && b->in_eof && b->inlen > 0)
			nl = b->inbuf + b->inlen;	/* a last line without LF */
		/* No protocol line is this long: refuse it rather than wait for ever. */
		if (nl == NULL && b->inlen >= CONSOLE_BATCH_INPUT_HIGH) {
			fprintf(stderr, "refuge-console: an input line is longer "
			    "than %d bytes\n", CONSOLE_BATCH_INPUT_HIGH);
			console_batch_finish(b, 1);
			return;
		}
		if (nl == NULL) {
			if (b->in_eof)
				console_batch_finish(b, 0);
			else if (b->input != NULL &&
			    b->inlen < CONSOLE_BATCH_INPUT_HIGH)
				event_add(b->input, NULL);
			return;
		}
		start = b->inbuf;
		len = (size_t)(nl - start);
		if (len > 0 && start[len - 1] == '\r')
			len--;
		if (len > 0 && console_link_queue(b->link, CONSOLE_REQ_RAW, 0,
		    NULL, NULL, start, len) == -1) {
			fprintf(stderr, "refuge-console: out of memory\n");
			console_batch_finish(b, 1);
			return;
		}
		len = nl < b->inbuf + b->inlen ? (size_t)(nl - b->inbuf) + 1 :
		    b->inlen;
		memmove(b->inbuf, b->inbuf + len, b->inlen - len);
		b->inlen -= len;
		console_link_send_next(b->link);
	}
}

/* Appends what read() gives; returns bytes read, 0 at EOF, -1 on error. */
static ssize_t
console_batch_read(struct console_batch *b)
{
	char	*grown;
	size_t	 cap;
	ssize_t	 n;

	if (b->incap - b->inlen < 4096) {
		cap = b->incap ? b->incap * 2 : 8192;
		if ((grown = realloc(b->inbuf, cap)) == NULL)
			return -1;
		b->inbuf = grown;
		b->incap = cap;
	}
	do
		n = read(STDIN_FILENO, b->inbuf + b->inlen, b->incap - b->inlen);
	while (n == -1 && errno == EINTR);
	if (n > 0)
		b->inlen += (size_t)n;
	return n;
}

static void
console_batch_input_cb(evutil_socket_t fd, short what, void *arg)
{
	struct console_batch	*b = arg;
	ssize_t			 n;

	(void)fd;
	(void)what;
	n = console_batch_read(b);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	if (n <= 0) {
		b->in_eof = 1;
		event_del(b->input);
	} else if (b->inlen >= CONSOLE_BATCH_INPUT_HIGH)
		event_del(b->input);
	console_batch_next(b);
}

/* Regular files and /dev/null cannot be polled: read them whole at once. */
struct console_batch *
console_batch_new(struct event_base *base, struct console_link *link,
    void (*done)(int, void *), void *arg)
{
	struct console_batch	*b;
	struct stat		 st;
	ssize_t			 n;
	int			 saved_errno;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	b->link = link;
	b->done = done;
	b->arg = arg;
	if (fstat(STDIN_FILENO, &st) == -1)
		goto fail;
	if (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode) ||
	    isatty(STDIN_FILENO)) {
		if ((b->input = event_new(base, STDIN_FILENO, EV_READ |
		    EV_PERSIST, console_batch_input_cb, b)) == NULL ||
		    event_add(b->input, NULL) == -1)
			goto fail;
		return b;
	}
	while ((n = console_batch_read(b)) > 0)
		;
	if (n == -1)
		goto fail;
	b->in_eof = 1;
	return b;
fail:
	saved_errno = errno;
	console_batch_free(b);
	errno = saved_errno;
	return NULL;
}

void
console_batch_free(struct console_batch *b)
{
	if (b == NULL)
		return;
	if (b->input != NULL)
		event_free(b->input);
	free(b->inbuf);
	free(b);
}
