/*
 * An operator's outgoing pushes, waiting for the connection to drain: a
 * priority queue bounded in bytes. Pure.
 *
 * Each line has a rank (0 first, PUSHQ_RANKS - 1 last) and an optional key
 * (the unit it is about). Lines leave best rank first, in arrival order
 * within a rank, with one exception that keeps lines about one thing in
 * order: a line never leaves before an earlier line with the same key. When
 * a line is queued, the earlier lines of its key that have a worse rank are
 * promoted to its rank (they go to the end of that rank, in their order,
 * just before it). So a press overtakes every line about other units and is
 * preceded only by the lines about its own unit.
 */
#ifndef REFUGE_PUSHQ_H
#define REFUGE_PUSHQ_H

#include <stddef.h>
#include <stdint.h>

#define PUSHQ_RANKS	16

struct pushq;

enum pushq_status {
	PUSHQ_OK,
	PUSHQ_FULL,	/* the line would pass the bound: nothing queued */
	PUSHQ_NOMEM
};

/* A queue holding at most max_bytes bytes of lines. NULL: out of memory. */
struct pushq		*pushq_new(size_t max_bytes);
void			 pushq_free(struct pushq *);
/* A new bound; lines already queued stay even when beyond it. */
void			 pushq_set_max(struct pushq *, size_t max_bytes);
/*
 * Queues a copy of the len bytes of line. rank is clamped to
 * 0 .. PUSHQ_RANKS - 1; key NULL: a line about nothing in particular, kept
 * in order only within its rank.
 */
enum pushq_status	 pushq_push(struct pushq *, int rank, const char *key,
			    const char *line, size_t len);
/* The next line to send, or NULL when empty; valid until the next pop or push. */
const char		*pushq_peek(const struct pushq *, size_t *len,
			    int *rank);
/* Drops the line pushq_peek gives. */
void			 pushq_pop(struct pushq *);
/* Bytes of lines queued, and how many lines. */
size_t			 pushq_bytes(const struct pushq *);
size_t			 pushq_count(const struct pushq *);
/* Empties the queue. */
void			 pushq_clear(struct pushq *);

#endif
