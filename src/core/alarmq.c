/*
 * The alarm stack: a binary min-heap ordered by alarm_compare(), each
 * alarm's queue_index naming its heap slot, and an open-addressing hash
 * (linear probing, backward-shift deletion, load at most one half) from id
 * to alarm. The queue holds pointers; the alarms belong to the caller.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "refuge/alarmq.h"

#define ALARMQ_MIN_HEAP	16
#define ALARMQ_MIN_SLOTS	32

struct alarmq {
	struct alarm	**heap;
	size_t		  count;
	size_t		  heap_size;
	struct alarm	**slots;	/* hash by id; NULL is empty */
	size_t		  slot_count;	/* a power of two */
};

static size_t
alarmq_hash(int64_t id)
{
	uint64_t	x = (uint64_t)id;

	/* splitmix64's finaliser */
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return (size_t)x;
}

struct alarmq *
alarmq_new(void)
{
	struct alarmq	*q;

	if ((q = calloc(1, sizeof(*q))) == NULL)
		return NULL;
	q->heap_size = ALARMQ_MIN_HEAP;
	q->slot_count = ALARMQ_MIN_SLOTS;
	q->heap = calloc(q->heap_size, sizeof(*q->heap));
	q->slots = calloc(q->slot_count, sizeof(*q->slots));
	if (q->heap == NULL || q->slots == NULL) {
		alarmq_free(q);
		return NULL;
	}
	return q;
}

void
alarmq_free(struct alarmq *q)
{
	if (q == NULL)
		return;
	free(q->heap);
	free(q->slots);
	free(q);
}

/* The slot holding id, or the empty slot where it would go. */
static size_t
alarmq_slot(const struct alarmq *q, int64_t id)
{
	size_t	mask = q->slot_count - 1, i = alarmq_hash(id) & mask;

	while (q->slots[i] != NULL && q->slots[i]->id != id)
		i = (i + 1) & mask;
	return i;
}

static int
alarmq_rehash(struct alarmq *q, size_t slot_count)
{
	struct alarm	**old = q->slots;
	size_t		  i, old_count = q->slot_count;

	if ((q->slots = calloc(slot_count, sizeof(*q->slots))) == NULL) {
		q->slots = old;
		return -1;
	}
	q->slot_count = slot_count;
	for (i = 0; i < old_count; i++) {
		if (old[i] != NULL)
			q->slots[alarmq_slot(q, old[i]->id)] = old[i];
	}
	free(old);
	return 0;
}

/* Deletes slot i and shifts back the run after it so no probe breaks. */
static void
alarmq_slot_delete(struct alarmq *q, size_t i)
{
	size_t	mask = q->slot_count - 1, j = i, home;

	q->slots[i] = NULL;
	for (;;) {
		j = (j + 1) & mask;
		if (q->slots[j] == NULL)
			return;
		home = alarmq_hash(q->slots[j]->id) & mask;
		/* Move j back to i unless its home lies cyclically in (i, j]. */
		if ((j > i && (home <= i || home > j)) ||
		    (j < i && (home <= i && home > j))) {
			q->slots[i] = q->slots[j];
			q->slots[j] = NULL;
			i = j;
		}
	}
}

static void
alarmq_set(struct alarmq *q, size_t i, struct alarm *a)
{
	q->heap[i] = a;
	a->queue_index = i;
}

static void
alarmq_sift_up(struct alarmq *q, size_t i)
{
	struct alarm	*a = q->heap[i];
	size_t		 parent;

	while (i > 0) {
		parent = (i - 1) / 2;
		if (alarm_compare(q->heap[parent], a) <= 0)
			break;
		alarmq_set(q, i, q->heap[parent]);
		i = parent;
	}
	alarmq_set(q, i, a);
}

static void
alarmq_sift_down(struct alarmq *q, size_t i)
{
	struct alarm	*a = q->heap[i];
	size_t		 child;

	for (;;) {
		child = 2 * i + 1;
		if (child >= q->count)
			break;
		if (child + 1 < q->count &&
		    alarm_compare(q->heap[child + 1], q->heap[child]) < 0)
			child++;
		if (alarm_compare(a, q->heap[child]) <= 0)
			break;
		alarmq_set(q, i, q->heap[child]);
		i = child;
	}
	alarmq_set(q, i, a);
}

/* 1 if a sits in q's heap. */
static int
alarmq_holds(const struct alarmq *q, const struct alarm *a)
{
	return a->queue_index < q->count && q->heap[a->queue_index] == a;
}

/* Refuses (-1) an id that is already queued, as well as running out of memory. */
int
alarmq_push(struct alarmq *q, struct alarm *a)
{
	struct alarm	**heap;
	size_t		  slot;

	if (q->slots[alarmq_slot(q, a->id)] != NULL)
		return -1;
	if (q->count == q->heap_size) {
		if (q->heap_size > SIZE_MAX / 2 / sizeof(*heap))
			return -1;
		heap = realloc(q->heap, 2 * q->heap_size * sizeof(*heap));
		if (heap == NULL)
			return -1;
		q->heap = heap;
		q->heap_size *= 2;
	}
	if ((q->count + 1) * 2 > q->slot_count &&
	    alarmq_rehash(q, q->slot_count * 2) == -1)
		return -1;
	slot = alarmq_slot(q, a->id);
	q->slots[slot] = a;
	alarmq_set(q, q->count++, a);
	alarmq_sift_up(q, a->queue_index);
	return 0;
}

void
alarmq_remove(struct alarmq *q, struct alarm *a)
{
	struct alarm	*last;
	size_t		 i = a->queue_index;

	if (!alarmq_holds(q, a))
		return;
	alarmq_slot_delete(q, alarmq_slot(q, a->id));
	last = q->heap[--q->count];
	q->heap[q->count] = NULL;
	if (last != a) {
		alarmq_set(q, i, last);
		alarmq_sift_up(q, i);
		alarmq_sift_down(q, last->queue_index);
	}
}

void
alarmq_update(struct alarmq *q, struct alarm *a)
{
	if (!alarmq_holds(q, a))
		return;
	alarmq_sift_up(q, a->queue_index);
	alarmq_sift_down(q, a->queue_index);
}

struct alarm *
alarmq_top(const struct alarmq *q)
{
	return q->count == 0 ? NULL : q->heap[0];
}

struct alarm *
alarmq_find(const struct alarmq *q, int64_t id)
{
	return q->slots[alarmq_slot(q, id)];
}

size_t
alarmq_count(const struct alarmq *q)
{
	return q->count;
}

static int
alarmq_cmp(const void *a, const void *b)
{
	const struct alarm *const	*x = a, *const *y = b;

	return alarm_compare(*x, *y);
}

size_t
alarmq_sorted(const struct alarmq *q, struct alarm **out)
{
	if (q->count == 0)
		return 0;
	memcpy(out, q->heap, q->count * sizeof(*out));
	qsort(out, q->count, sizeof(*out), alarmq_cmp);
	return q->count;
}
