/* Unit tests for the operator push queue. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refuge/pushq.h"

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
push(struct pushq *q, int rank, const char *key, const char *line)
{
	ck_assert_int_eq(pushq_push(q, rank, key, line, strlen(line)), PUSHQ_OK);
}

/* Pops the next line into buf and checks it is want. */
static void
expect(struct pushq *q, const char *want)
{
	const char	*line;
	char		 got[128];
	size_t		 len;

	line = pushq_peek(q, &len, NULL);
	ck_assert_msg(line != NULL, "empty, wanted \"%s\"", want);
	ck_assert_uint_lt(len, sizeof(got));
	memcpy(got, line, len);
	got[len] = '\0';
	ck_assert_str_eq(got, want);
	pushq_pop(q);
}

START_TEST(empty)
{
	struct pushq	*q = pushq_new(1024);
	size_t		 len = 7;

	ck_assert_ptr_nonnull(q);
	ck_assert_ptr_null(pushq_peek(q, &len, NULL));
	ck_assert_uint_eq(len, 7);
	pushq_pop(q);	/* harmless */
	ck_assert_uint_eq(pushq_bytes(q), 0);
	ck_assert_uint_eq(pushq_count(q), 0);
	pushq_free(q);
	pushq_free(NULL);
}
END_TEST

START_TEST(rank_first_then_arrival)
{
	struct pushq	*q = pushq_new(1 << 20);
	int		 rank = -1;
	size_t		 len = 0;

	push(q, 4, "A", "a4");
	push(q, 5, "B", "b5");
	push(q, 4, "C", "c4");
	push(q, 1, "D", "d1");
	push(q, 1, NULL, "receiver");
	push(q, 99, NULL, "last");	/* clamped to the last rank */
	push(q, -3, NULL, "first");	/* clamped to rank 0 */
	ck_assert_uint_eq(pushq_count(q), 7);
	ck_assert_ptr_nonnull(pushq_peek(q, &len, &rank));
	ck_assert_int_eq(rank, 0);
	ck_assert_uint_eq(len, 5);
	expect(q, "first");
	expect(q, "d1");
	expect(q, "receiver");
	expect(q, "a4");
	expect(q, "c4");
	expect(q, "b5");
	ck_assert_ptr_nonnull(pushq_peek(q, NULL, &rank));
	ck_assert_int_eq(rank, PUSHQ_RANKS - 1);
	expect(q, "last");
	ck_assert_ptr_null(pushq_peek(q, NULL, NULL));
	ck_assert_uint_eq(pushq_bytes(q), 0);
	pushq_free(q);
}
END_TEST

/* A press of a unit with lines queued: they go just before it, others after. */
START_TEST(same_key_keeps_order)
{
	struct pushq	*q = pushq_new(1 << 20);
	char		 line[32];
	int		 i;

	for (i = 0; i < 100; i++) {
		snprintf(line, sizeof(line), "%s-%d", i % 2 ? "HP-2" : "HP-1", i);
		push(q, 4, i % 2 ? "HP-2" : "HP-1", line);
	}
	push(q, 1, "HP-9", "press-9");
	push(q, 1, "HP-2", "press-2");
	push(q, 4, "HP-2", "HP-2-after");
	expect(q, "press-9");
	/* HP-2's fifty earlier lines, in order, then its press. */
	for (i = 1; i < 100; i += 2) {
		snprintf(line, sizeof(line), "HP-2-%d", i);
		expect(q, line);
	}
	expect(q, "press-2");
	/* The rest of HP-1, in order, and HP-2's later line behind them. */
	for (i = 0; i < 100; i += 2) {
		snprintf(line, sizeof(line), "HP-1-%d", i);
		expect(q, line);
	}
	expect(q, "HP-2-after");
	ck_assert_uint_eq(pushq_count(q), 0);
	pushq_free(q);
}
END_TEST

/* Promotion moves only lines ranked worse; better ones stay where they are. */
START_TEST(promotion_keeps_better_ranks)
{
	struct pushq	*q = pushq_new(1 << 20);

	push(q, 2, "U", "u2");
	push(q, 6, "U", "u6");
	push(q, 3, "V", "v3");
	push(q, 4, "U", "u4");	/* u6 becomes rank 4, before u4 */
	push(q, 5, "W", "w5");
	expect(q, "u2");
	expect(q, "v3");
	expect(q, "u6");
	expect(q, "u4");
	expect(q, "w5");
	pushq_free(q);
}
END_TEST

START_TEST(bounded_in_bytes)
{
	struct pushq	*q = pushq_new(10);

	push(q, 3, "A", "12345");
	push(q, 3, "A", "6789");
	ck_assert_uint_eq(pushq_bytes(q), 9);
	ck_assert_int_eq(pushq_push(q, 1, "B", "ab", 2), PUSHQ_FULL);
	ck_assert_uint_eq(pushq_count(q), 2);
	ck_assert_uint_eq(pushq_bytes(q), 9);
	push(q, 1, "B", "a");
	ck_assert_int_eq(pushq_push(q, 1, "B", "toolongline", 11), PUSHQ_FULL);
	expect(q, "a");
	expect(q, "12345");
	ck_assert_uint_eq(pushq_bytes(q), 4);
	/* A smaller bound refuses more, keeps what is queued. */
	pushq_set_max(q, 2);
	ck_assert_int_eq(pushq_push(q, 1, NULL, "x", 1), PUSHQ_FULL);
	ck_assert_uint_eq(pushq_count(q), 1);
	pushq_set_max(q, 100);
	push(q, 1, NULL, "x");
	pushq_clear(q);
	ck_assert_uint_eq(pushq_count(q), 0);
	ck_assert_uint_eq(pushq_bytes(q), 0);
	ck_assert_ptr_null(pushq_peek(q, NULL, NULL));
	pushq_free(q);
}
END_TEST

/*
 * Random pushes and pops against the rules themselves. A line's effective
 * rank is the best of its own and those of the later lines of its key
 * still queued (they promoted it); each pop must take a line of the best
 * effective rank, report that rank, and leave every key in arrival order.
 */
#define NKEYS	37
#define NOPS	20000

struct ref_line {
	int	rank;	/* as pushed */
	int	key;	/* -1: none */
	int	live;
};

START_TEST(random_against_rules)
{
	struct pushq	*q = pushq_new((size_t)1 << 30);
	struct ref_line	*lines = calloc(NOPS, sizeof(*lines));
	int		 last_seq[NKEYS], key_best[NKEYS];
	char		 text[64], key[16];
	const char	*line;
	size_t		 len, bytes = 0;
	int		 n = 0, live = 0, i, k, rank, seq, best, eff, popped_eff;

	ck_assert_ptr_nonnull(lines);
	for (k = 0; k < NKEYS; k++)
		last_seq[k] = -1;
	for (i = 0; i < NOPS; i++) {
		if (live == 0 || rng() % 100 < 55) {
			lines[n].rank = (int)(rng() % 6);
			lines[n].key = rng() % 10 == 0 ? -1 : (int)(rng() % NKEYS);
			lines[n].live = 1;
			snprintf(key, sizeof(key), "HP-%d", lines[n].key);
			len = (size_t)snprintf(text, sizeof(text), "%d", n);
			ck_assert_int_eq(pushq_push(q, lines[n].rank,
			    lines[n].key < 0 ? NULL : key, text, len), PUSHQ_OK);
			bytes += len;
			n++;
			live++;
			continue;
		}
		line = pushq_peek(q, &len, &rank);
		ck_assert_ptr_nonnull(line);
		memcpy(text, line, len);
		text[len] = '\0';
		seq = atoi(text);
		ck_assert(lines[seq].live);
		/* Effective ranks, newest first, keeping each key's best so far. */
		for (k = 0; k < NKEYS; k++)
			key_best[k] = PUSHQ_RANKS;
		best = PUSHQ_RANKS;
		popped_eff = -1;
		for (k = n - 1; k >= 0; k--) {
			if (!lines[k].live)
				continue;
			eff = lines[k].rank;
			if (lines[k].key >= 0) {
				if (key_best[lines[k].key] < eff)
					eff = key_best[lines[k].key];
				key_best[lines[k].key] = eff;
			}
			if (eff < best)
				best = eff;
			if (k == seq)
				popped_eff = eff;
		}
		ck_assert_int_eq(popped_eff, best);
		ck_assert_int_eq(rank, best);
		if (lines[seq].key >= 0) {
			ck_assert_int_lt(last_seq[lines[seq].key], seq);
			last_seq[lines[seq].key] = seq;
		}
		lines[seq].live = 0;
		live--;
		bytes -= len;
		pushq_pop(q);
		ck_assert_uint_eq(pushq_count(q), (size_t)live);
		ck_assert_uint_eq(pushq_bytes(q), bytes);
	}
	pushq_free(q);
	free(lines);
}
END_TEST

/* Many keys come and go: the key table grows and empties without loss. */
START_TEST(many_keys)
{
	struct pushq	*q = pushq_new((size_t)1 << 30);
	char		 key[16], want[32];
	int		 round, i;

	for (round = 0; round < 3; round++) {
		for (i = 0; i < 10000; i++) {
			snprintf(key, sizeof(key), "HP-%05d", i);
			push(q, 4, key, key);
		}
		snprintf(key, sizeof(key), "HP-%05d", 7777);
		push(q, 1, key, "press");
		/* The press goes first, after its own unit's line only. */
		expect(q, "HP-07777");
		expect(q, "press");
		for (i = 0; i < 10000; i++) {
			if (i == 7777)
				continue;
			snprintf(want, sizeof(want), "HP-%05d", i);
			expect(q, want);
		}
		ck_assert_uint_eq(pushq_count(q), 0);
	}
	pushq_free(q);
}
END_TEST

static Suite *
pushq_test_suite(void)
{
	Suite	*s = suite_create("pushq");
	TCase	*tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, empty);
	tcase_add_test(tc, rank_first_then_arrival);
	tcase_add_test(tc, same_key_keeps_order);
	tcase_add_test(tc, promotion_keeps_better_ranks);
	tcase_add_test(tc, bounded_in_bytes);
	tcase_add_test(tc, random_against_rules);
	tcase_add_test(tc, many_keys);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(pushq_test_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
