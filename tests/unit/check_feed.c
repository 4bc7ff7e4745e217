/*
 * The feed (feed.c): subscribers take every change in publication order, in
 * the order they subscribed; settle reaches those that asked for it; the
 * table is bounded.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refuge/feed.h"

struct seen {
	char	log[64][32];
	size_t	count;
};

struct subscriber {
	struct seen	*seen;
	const char	*name;
};

static void
on_change(const struct change *c, void *arg)
{
	struct subscriber	*s = arg;

	ck_assert_uint_lt(s->seen->count, 64);
	snprintf(s->seen->log[s->seen->count++], sizeof(s->seen->log[0]),
	    "%s %s %s", s->name, change_kind_name(c->kind), c->unit_id);
}

static void
on_settle(void *arg)
{
	struct subscriber	*s = arg;

	ck_assert_uint_lt(s->seen->count, 64);
	snprintf(s->seen->log[s->seen->count++], sizeof(s->seen->log[0]),
	    "%s settle", s->name);
}

START_TEST(in_order_to_each_subscriber)
{
	struct feed		*feed = feed_new();
	struct seen		 seen = { .count = 0 };
	struct subscriber	 ops = { &seen, "ops" }, act = { &seen, "act" };
	struct feed_subscriber	 sub;
	struct change		 c;

	ck_assert_ptr_nonnull(feed);
	sub = (struct feed_subscriber){ on_change, NULL, &ops };
	ck_assert_int_eq(feed_subscribe(feed, &sub), 0);
	sub = (struct feed_subscriber){ on_change, on_settle, &act };
	ck_assert_int_eq(feed_subscribe(feed, &sub), 0);
	memset(&c, 0, sizeof(c));
	c.kind = CHANGE_UNIT_STATE;
	c.unit_id = "HP-001";
	feed_publish(feed, &c);
	c.kind = CHANGE_TESTMODE;
	c.unit_id = "HP-002";
	feed_publish(feed, &c);
	feed_settle(feed);
	ck_assert_uint_eq(seen.count, 5);
	ck_assert_str_eq(seen.log[0], "ops unit-state HP-001");
	ck_assert_str_eq(seen.log[1], "act unit-state HP-001");
	ck_assert_str_eq(seen.log[2], "ops testmode HP-002");
	ck_assert_str_eq(seen.log[3], "act testmode HP-002");
	ck_assert_str_eq(seen.log[4], "act settle");
	feed_free(feed);
}
END_TEST

START_TEST(subscribers_bounded)
{
	struct feed		*feed = feed_new();
	struct seen		 seen = { .count = 0 };
	struct subscriber	 s = { &seen, "s" };
	struct feed_subscriber	 sub = { on_change, NULL, &s };
	struct change		 c;
	int			 i;

	for (i = 0; i < 8; i++)
		ck_assert_int_eq(feed_subscribe(feed, &sub), 0);
	ck_assert_int_eq(feed_subscribe(feed, &sub), -1);
	memset(&c, 0, sizeof(c));
	c.kind = CHANGE_RELOADED;
	c.unit_id = "";
	feed_publish(feed, &c);
	ck_assert_uint_eq(seen.count, 8);
	feed_free(feed);
	feed_free(NULL);
}
END_TEST

static Suite *
feed_suite(void)
{
	Suite	*s = suite_create("feed");
	TCase	*tc = tcase_create("feed");

	tcase_add_test(tc, in_order_to_each_subscriber);
	tcase_add_test(tc, subscribers_bounded);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(feed_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
