/*
 * The push queue: one FIFO list per rank, and per key the list of its
 * queued lines in arrival order. Invariant: along a key's list the ranks
 * never get better (a push promotes the worse ones before it), so the line
 * that leaves first of a key is always the head of that key's list, and
 * promoting walks back from the key's tail only over the lines it moves.
 * Keys are told apart by a 64-bit hash: two keys sharing one would only
 * keep more lines in order than needed, never fewer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "refuge/pushq.h"

#define PUSHQ_MIN_BUCKETS	64

struct pushq_key;

struct pushq_entry {
	TAILQ_ENTRY(pushq_entry)	 rank_entry;
	TAILQ_ENTRY(pushq_entry)	 key_entry;
	struct pushq_key		*key;		/* NULL: none */
	int				 rank;
	size_t				 len;
	char				 line[];
};

TAILQ_HEAD(pushq_list, pushq_entry);

struct pushq_key {
	uint64_t		 hash;
	struct pushq_list	 entries;	/* arrival order */
	struct pushq_key	*next;		/* in its bucket */
};

struct pushq {
	struct pushq_list	 ranks[PUSHQ_RANKS];
	struct pushq_key	**buckets;
	size_t			 nbuckets;	/* a power of two */
	size_t			 nkeys;
	size_t			 bytes;
	size_t			 count;
	size_t			 max_bytes;
};

static uint64_t
pushq_hash(const char *key)
{
	uint64_t	h = 14695981039346656037ULL;	/* FNV-1a */

	for (; *key != '\0'; key++) {
		h ^= (unsigned char)*key;
		h *= 1099511628211ULL;
	}
	return h;
}

struct pushq *
pushq_new(size_t max_bytes)
{
	struct pushq	*q;
	size_t		 i;

	if ((q = calloc(1, sizeof(*q))) == NULL)
		return NULL;
	if ((q->buckets = calloc(PUSHQ_MIN_BUCKETS, sizeof(*q->buckets))) ==
	    NULL) {
		free(q);
		return NULL;
	}
	q->nbuckets = PUSHQ_MIN_BUCKETS;
	q->max_bytes = max_bytes;
	for (i = 0; i < PUSHQ_RANKS; i++)
		TAILQ_INIT(&q->ranks[i]);
	return q;
}

void
pushq_free(struct pushq *q)
{
	if (q == NULL)
		return;
	pushq_clear(q);
	free(q->buckets);
	free(q);
}

void
pushq_set_max(struct pushq *q, size_t max_bytes)
{
	q->max_bytes = max_bytes;
}

/* Twice the buckets; on failure the table stays as it is, only slower. */
static void
pushq_grow(struct pushq *q)
{
	struct pushq_key	**grown, *k, *next;
	size_t			  n = q->nbuckets * 2, i, b;

	if ((grown = calloc(n, sizeof(*grown))) == NULL)
		return;
	for (i = 0; i < q->nbuckets; i++)
		for (k = q->buckets[i]; k != NULL; k = next) {
			next = k->next;
			b = (size_t)(k->hash & (n - 1));
			k->next = grown[b];
			grown[b] = k;
		}
	free(q->buckets);
	q->buckets = grown;
	q->nbuckets = n;
}

/* The key's record, made when absent; NULL: out of memory. */
static struct pushq_key *
pushq_key_get(struct pushq *q, uint64_t hash)
{
	struct pushq_key	*k;
	size_t			 b = (size_t)(hash & (q->nbuckets - 1));

	for (k = q->buckets[b]; k != NULL; k = k->next)
		if (k->hash == hash)
			return k;
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return NULL;
	k->hash = hash;
	TAILQ_INIT(&k->entries);
	k->next = q->buckets[b];
	q->buckets[b] = k;
	if (++q->nkeys > q->nbuckets)
		pushq_grow(q);
	return k;
}

/* A key with no line left goes. */
static void
pushq_key_drop(struct pushq *q, struct pushq_key *key)
{
	struct pushq_key	**p;
	size_t			  b = (size_t)(key->hash & (q->nbuckets - 1));

	for (p = &q->buckets[b]; *p != NULL; p = &(*p)->next)
		if (*p == key) {
			*p = key->next;
			q->nkeys--;
			free(key);
			return;
		}
}

/* Moves the key's lines ranked worse than rank to its end, in their order. */
static void
pushq_promote(struct pushq *q, struct pushq_key *key, int rank)
{
	struct pushq_entry	*e, *first = NULL;

	/* Worse ranks are a suffix of the key's list: find where it starts. */
	TAILQ_FOREACH_REVERSE(e, &key->entries, pushq_list, key_entry) {
		if (e->rank <= rank)
			break;
		first = e;
	}
	for (e = first; e != NULL; e = TAILQ_NEXT(e, key_entry)) {
		TAILQ_REMOVE(&q->ranks[e->rank], e, rank_entry);
		e->rank = rank;
		TAILQ_INSERT_TAIL(&q->ranks[rank], e, rank_entry);
	}
}

enum pushq_status
pushq_push(struct pushq *q, int rank, const char *key, const char *line,
    size_t len)
{
	struct pushq_entry	*e;
	struct pushq_key	*k = NULL;

	if (len > q->max_bytes || q->bytes > q->max_bytes - len)
		return PUSHQ_FULL;
	if (rank < 0)
		rank = 0;
	if (rank >= PUSHQ_RANKS)
		rank = PUSHQ_RANKS - 1;
	if ((e = malloc(sizeof(*e) + len)) == NULL)
		return PUSHQ_NOMEM;
	if (key != NULL && (k = pushq_key_get(q, pushq_hash(key))) == NULL) {
		free(e);
		return PUSHQ_NOMEM;
	}
	e->key = k;
	e->rank = rank;
	e->len = len;
	memcpy(e->line, line, len);
	if (k != NULL) {
		pushq_promote(q, k, rank);
		TAILQ_INSERT_TAIL(&k->entries, e, key_entry);
	}
	TAILQ_INSERT_TAIL(&q->ranks[rank], e, rank_entry);
	q->bytes += len;
	q->count++;
	return PUSHQ_OK;
}

static struct pushq_entry *
pushq_first(const struct pushq *q)
{
	size_t	i;

	for (i = 0; i < PUSHQ_RANKS; i++)
		if (!TAILQ_EMPTY(&q->ranks[i]))
			return TAILQ_FIRST(&q->ranks[i]);
	return NULL;
}

const char *
pushq_peek(const struct pushq *q, size_t *len, int *rank)
{
	struct pushq_entry	*e;

	if ((e = pushq_first(q)) == NULL)
		return NULL;
	if (len != NULL)
		*len = e->len;
	if (rank != NULL)
		*rank = e->rank;
	return e->line;
}

static void
pushq_remove(struct pushq *q, struct pushq_entry *e)
{
	TAILQ_REMOVE(&q->ranks[e->rank], e, rank_entry);
	if (e->key != NULL) {
		TAILQ_REMOVE(&e->key->entries, e, key_entry);
		if (TAILQ_EMPTY(&e->key->entries))
			pushq_key_drop(q, e->key);
	}
	q->bytes -= e->len;
	q->count--;
	free(e);
}

void
pushq_pop(struct pushq *q)
{
	struct pushq_entry	*e;

	if ((e = pushq_first(q)) != NULL)
		pushq_remove(q, e);
}

size_t
pushq_bytes(const struct pushq *q)
{
	return q->bytes;
}

size_t
pushq_count(const struct pushq *q)
{
	return q->count;
}

void
pushq_clear(struct pushq *q)
{
	struct pushq_entry	*e;

	while ((e = pushq_first(q)) != NULL)
		pushq_remove(q, e);
}
