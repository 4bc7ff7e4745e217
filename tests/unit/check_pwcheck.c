/* Unit tests for the password worker: verdicts arrive in the loop, cancelled ones never. */
#include <check.h>
#include <stdlib.h>

#include <event2/event.h>

#include "refuge/pwcheck.h"

/* openssl passwd -6 -salt abcdefgh secret */
#define HASH	"$6$abcdefgh$ltjgWl6579NluT/Vi1nwEvcil.G5Nbc4NiXZaNGStk8PSwGfQv72N2CKPPrVACtLtip/cZ/1GM/O6IND4WQhG."

struct verdicts {
	int	calls;
	int	ok[4];
};

static void
record(int ok, void *arg)
{
	struct verdicts	*v = arg;

	v->ok[v->calls++ % 4] = ok;
}

static void
run_until(struct event_base *base, const struct verdicts *v, int calls)
{
	int	turns;

	for (turns = 0; turns < 500 && v->calls < calls; turns++)
		event_base_loop(base, EVLOOP_ONCE);
}

START_TEST(right_and_wrong_passwords)
{
	struct event_base	*base = event_base_new();
	struct pwcheck		*pw;
	struct verdicts		 v = { 0, { -1, -1, -1, -1 } };
	char			 err[128];

	ck_assert_ptr_nonnull(base);
	pw = pwcheck_new(base, err, sizeof(err));
	ck_assert_msg(pw != NULL, "%s", err);
	ck_assert_uint_ne(pwcheck_submit(pw, "secret", HASH, record, &v), 0);
	ck_assert_uint_ne(pwcheck_submit(pw, "Secret", HASH, record, &v), 0);
	ck_assert_uint_ne(pwcheck_submit(pw, "secret", "*", record, &v), 0);
	run_until(base, &v, 3);
	ck_assert_int_eq(v.calls, 3);
	ck_assert_int_eq(v.ok[0], 1);
	ck_assert_int_eq(v.ok[1], 0);
	ck_assert_int_eq(v.ok[2], 0);
	pwcheck_free(pw);
	event_base_free(base);
}
END_TEST

START_TEST(cancelled_check_is_never_answered)
{
	struct event_base	*base = event_base_new();
	struct pwcheck		*pw;
	struct verdicts		 v = { 0, { -1, -1, -1, -1 } };
	char			 err[128];
	uint64_t		 ticket;

	pw = pwcheck_new(base, err, sizeof(err));
	ck_assert_ptr_nonnull(pw);
	ticket = pwcheck_submit(pw, "secret", HASH, record, &v);
	ck_assert_uint_ne(ticket, 0);
	pwcheck_cancel(pw, ticket);
	ck_assert_uint_ne(pwcheck_submit(pw, "wrong", HASH, record, &v), 0);
	run_until(base, &v, 1);
	ck_assert_int_eq(v.calls, 1);
	ck_assert_int_eq(v.ok[0], 0);	/* the second one's verdict only */
	pwcheck_free(pw);
	event_base_free(base);
}
END_TEST

START_TEST(free_with_checks_pending)
{
	struct event_base	*base = event_base_new();
	struct pwcheck		*pw;
	struct verdicts		 v = { 0, { -1, -1, -1, -1 } };
	char			 err[128];
	int			 i;

	pw = pwcheck_new(base, err, sizeof(err));
	ck_assert_ptr_nonnull(pw);
	for (i = 0; i < 20; i++)
		ck_assert_uint_ne(pwcheck_submit(pw, "secret", HASH, record, &v), 0);
	pwcheck_free(pw);	/* no callback afterwards, nothing leaked */
	ck_assert_int_eq(v.calls, 0);
	event_base_free(base);
}
END_TEST

static Suite *
pwcheck_suite(void)
{
	Suite	*s = suite_create("pwcheck");
	TCase	*tc = tcase_create("worker");

	tcase_add_test(tc, right_and_wrong_passwords);
	tcase_add_test(tc, cancelled_check_is_never_answered);
	tcase_add_test(tc, free_with_checks_pending);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(pwcheck_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
