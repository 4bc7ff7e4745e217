/* Unit tests for the alarm priority queue. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refuge/alarmq.h"

#define BIG	100000

static uint64_t	rng_state = 88172645463325252ULL;

/* xorshift64: deterministic, so a failure reproduces. */
static uint64_t
rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static void
mk(struct alarm *a, int64_t id, int prio, uint64_t seq)
{
	memset(a, 0, sizeof(*a));
	a->id = id;
	a->priority = prio;
	a->seq = seq;
	a->count = 1;
	a->first_claimed_ms = a->claimed_ms = a->last_escalated_ms = -1;
	a->queue_index = (size_t)-1;
}

static int
ref_cmp(const void *x, const void *y)
{
	const struct alarm *const	*a = x, *const *b = y;

	return alarm_compare(*a, *b);
}

/* Checks q against the live alarms in pool (live[i] != 0). */
static void
check_against(struct alarmq *q, struct alarm *pool, const char *live,
    size_t n)
{
	struct alarm	**ref, **got;
	size_t		  i, k = 0;

	ref = calloc(n + 1, sizeof(*ref));
	got = calloc(n + 1, sizeof(*got));
	ck_assert_ptr_nonnull(ref);
	ck_assert_ptr_nonnull(got);
	for (i = 0; i < n; i++) {
		if (live[i]) {
			ref[k++] = &pool[i];
			ck_assert_ptr_eq(alarmq_find(q, pool[i].id), &pool[i]);
		} else
			ck_assert_ptr_null(alarmq_find(q, pool[i].id));
	}
	qsort(ref, k, sizeof(*ref), ref_cmp);
	ck_assert_uint_eq(alarmq_count(q), k);
	ck_assert_uint_eq(alarmq_sorted(q, got), k);
	for (i = 0; i < k; i++)
		ck_assert_ptr_eq(got[i], ref[i]);
	if (k == 0)
		ck_assert_ptr_null(alarmq_top(q));
	else
		ck_assert_ptr_eq(alarmq_top(q), ref[0]);
	free(ref);
	free(got);
}

START_TEST(empty)
{
	struct alarmq	*q = alarmq_new();
	struct alarm	*out[1];

	ck_assert_ptr_nonnull(q);
	ck_assert_uint_eq(alarmq_count(q), 0);
	ck_assert_ptr_null(alarmq_top(q));
	ck_assert_ptr_null(alarmq_find(q, 1));
	ck_assert_uint_eq(alarmq_sorted(q, out), 0);
	alarmq_free(q);
	alarmq_free(NULL);
}
END_TEST

START_TEST(order_priority_then_seq)
{
	struct alarmq	*q = alarmq_new();
	struct alarm	 a[5], *out[5];

	mk(&a[0], 10, 3, 1);
	mk(&a[1], 11, 1, 5);
	mk(&a[2], 12, 1, 2);
	mk(&a[3], 13, 2, 3);
	mk(&a[4], 14, 5, 0);
	for (int i = 0; i < 5; i++)
		ck_assert_int_eq(alarmq_push(q, &a[i]), 0);
	ck_assert_uint_eq(alarmq_sorted(q, out), 5);
	ck_assert_int_eq(out[0]->id, 12);
	ck_assert_int_eq(out[1]->id, 11);
	ck_assert_int_eq(out[2]->id, 13);
	ck_assert_int_eq(out[3]->id, 10);
	ck_assert_int_eq(out[4]->id, 14);
	ck_assert_ptr_eq(alarmq_top(q), &a[2]);
	for (int i = 0; i < 5; i++)
		ck_assert_ptr_eq(alarmq_find(q, a[i].id), &a[i]);
	alarmq_free(q);
}
END_TEST

START_TEST(duplicate_id_refused)
{
	struct alarmq	*q = alarmq_new();
	struct alarm	 a, b;

	mk(&a, 5, 1, 1);
	mk(&b, 5, 2, 2);
	ck_assert_int_eq(alarmq_push(q, &a), 0);
	ck_assert_int_eq(alarmq_push(q, &b), -1);
	ck_assert_int_eq(alarmq_push(q, &a), -1);
	ck_assert_uint_eq(alarmq_count(q), 1);
	ck_assert_ptr_eq(alarmq_find(q, 5), &a);
	alarmq_free(q);
}
END_TEST

START_TEST(remove_and_update)
{
	struct alarmq	*q = alarmq_new();
	struct alarm	 a[4], stranger;
	char		 live[4] = { 1, 1, 1, 1 };

	mk(&a[0], 1, 2, 1);
	mk(&a[1], 2, 2, 2);
	mk(&a[2], 3, 3, 3);
	mk(&a[3], 4, 4, 4);
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(alarmq_push(q, &a[i]), 0);
	/* Escalate the lowest to the top. */
	a[3].priority = 1;
	alarmq_update(q, &a[3]);
	check_against(q, a, live, 4);
	ck_assert_ptr_eq(alarmq_top(q), &a[3]);
	/* Demote the top. */
	a[3].priority = 9;
	alarmq_update(q, &a[3]);
	check_against(q, a, live, 4);
	alarmq_remove(q, &a[0]);
	live[0] = 0;
	check_against(q, a, live, 4);
	/* Removing twice, or something never queued, changes nothing. */
	alarmq_remove(q, &a[0]);
	mk(&stranger, 2, 1, 1);
	stranger.queue_index = a[1].queue_index;
	alarmq_remove(q, &stranger);
	alarmq_update(q, &stranger);
	check_against(q, a, live, 4);
	/* A removed alarm can come back. */
	ck_assert_int_eq(alarmq_push(q, &a[0]), 0);
	live[0] = 1;
	check_against(q, a, live, 4);
	for (int i = 0; i < 4; i++) {
		alarmq_remove(q, &a[i]);
		live[i] = 0;
		check_against(q, a, live, 4);
	}
	alarmq_free(q);
}
END_TEST

/* Random pushes, removals and priority changes against a sorted reference. */
START_TEST(random_against_reference)
{
	enum { N = 600, STEPS = 6000 };
	struct alarmq	*q = alarmq_new();
	struct alarm	*pool = calloc(N, sizeof(*pool));
	char		*live = calloc(N, 1);
	uint64_t	 seq = 0;
	size_t		 i, step;

	ck_assert_ptr_nonnull(pool);
	ck_assert_ptr_nonnull(live);
	for (i = 0; i < N; i++)
		mk(&pool[i], (int64_t)(i * 7919 + 1), 1, 0);
	for (step = 0; step < STEPS; step++) {
		i = (size_t)(rng() % N);
		switch (rng() % 4) {
		case 0:
		case 1:
			if (live[i])
				break;
			pool[i].priority = (int)(rng() % 6) + 1;
			pool[i].seq = seq++;
			ck_assert_int_eq(alarmq_push(q, &pool[i]), 0);
			live[i] = 1;
			break;
		case 2:
			alarmq_remove(q, &pool[i]);
			live[i] = 0;
			break;
		default:
			if (!live[i])
				break;
			pool[i].priority = (int)(rng() % 6) + 1;
			alarmq_update(q, &pool[i]);
			break;
		}
		if (step % 97 == 0)
			check_against(q, pool, live, N);
	}
	check_against(q, pool, live, N);
	/* Drain by top: always in order. */
	while (alarmq_count(q) > 0) {
		struct alarm	*top = alarmq_top(q);
		size_t		 j;

		for (j = 0; j < N; j++) {
			if (live[j])
				ck_assert_int_le(alarm_compare(top, &pool[j]),
				    0);
		}
		alarmq_remove(q, top);
		live[top - pool] = 0;
	}
	alarmq_free(q);
	free(pool);
	free(live);
}
END_TEST

START_TEST(hundred_thousand)
{
	struct alarmq	 *q = alarmq_new();
	struct alarm	 *pool = calloc(BIG, sizeof(*pool)), **out;
	struct alarm	 *prev;
	size_t		  i, n;

	out = calloc(BIG, sizeof(*out));
	ck_assert_ptr_nonnull(pool);
	ck_assert_ptr_nonnull(out);
	for (i = 0; i < BIG; i++) {
		mk(&pool[i], (int64_t)(BIG - i) * 1000003, (int)(rng() % 5) + 1,
		    i);
		ck_assert_int_eq(alarmq_push(q, &pool[i]), 0);
	}
	ck_assert_uint_eq(alarmq_count(q), BIG);
	for (i = 0; i < BIG; i++) {
		ck_assert_ptr_eq(alarmq_find(q, pool[i].id), &pool[i]);
		ck_assert_ptr_null(alarmq_find(q, pool[i].id + 1));
	}
	/* Remove every other one from the middle of the heap. */
	for (i = 0; i < BIG; i += 2)
		alarmq_remove(q, &pool[i]);
	ck_assert_uint_eq(alarmq_count(q), BIG / 2);
	for (i = 0; i < BIG; i++) {
		if (i % 2 == 0)
			ck_assert_ptr_null(alarmq_find(q, pool[i].id));
		else
			ck_assert_ptr_eq(alarmq_find(q, pool[i].id), &pool[i]);
	}
	n = alarmq_sorted(q, out);
	ck_assert_uint_eq(n, BIG / 2);
	for (prev = NULL, i = 0; i < n; prev = out[i], i++) {
		if (prev != NULL)
			ck_assert_int_lt(alarm_compare(prev, out[i]), 0);
		ck_assert_ptr_eq(alarmq_find(q, out[i]->id), out[i]);
	}
	/* Drain from the top. */
	for (prev = NULL; alarmq_count(q) > 0; ) {
		struct alarm	*top = alarmq_top(q);

		if (prev != NULL)
			ck_assert_int_lt(alarm_compare(prev, top), 0);
		alarmq_remove(q, top);
		prev = top;
	}
	ck_assert_ptr_null(alarmq_top(q));
	alarmq_free(q);
	free(pool);
	free(out);
}
END_TEST

static Suite *
alarmq_suite(void)
{
	Suite	*s = suite_create("alarmq");
	TCase	*tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, empty);
	tcase_add_test(tc, order_priority_then_seq);
	tcase_add_test(tc, duplicate_id_refused);
	tcase_add_test(tc, remove_and_update);
	tcase_add_test(tc, random_against_reference);
	tcase_add_test(tc, hundred_thousand);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(alarmq_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
