/*
 * refuge-console's --batch and --watch modes: batch sends the requests read
 * from stdin through the link, one at a time; both print lines as received.
 * Above the link, beside the screen.
 */
#ifndef REFUGE_CONSOLE_BATCH_H
#define REFUGE_CONSOLE_BATCH_H

struct console_batch;
struct console_link;
struct event_base;

/*
 * Starts reading requests from stdin for link. done is called once, with
 * the exit status, when the input ends (0) or cannot be used (1). Returns
 * NULL with errno set.
 */
struct console_batch	*console_batch_new(struct event_base *,
			    struct console_link *,
			    void (*done)(int status, void *arg), void *arg);
void	console_batch_free(struct console_batch *);
/* Queues the next request from stdin once the link is idle. */
void	console_batch_next(struct console_batch *);
/* A line printed as received. */
void	console_batch_print(const char *line);

#endif
