/* Unit tests for the audit hash chain. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refuge/audit.h"

/* Hashes computed independently (Python hashlib) over the canonical form. */
#define H1 "8b3d74dc9862362618ede5d3adcdf4331eef86af2f532fb0f9795600a52895a0"
#define H2 "158cbe4b9f9ce62c6d8ccd805577b9b7b9178f74b957e69f901a80b763c255d0"
#define H3 "97c61d0a1c1b3dde4e4254e9f3a7db62335cd11ae65d2238e97f0c2f4de7d67c"

#define NROWS	3

static struct audit_row	rows[NROWS];
static char		err[128];

static void
chain(void)
{
	size_t	i;

	memset(rows, 0, sizeof(rows));
	rows[0] = (struct audit_row){ .id = 1, .time_ms = 1795642490123LL,
	    .user = "ann", .alarm_id = 42, .action = "claim", .detail = "" };
	rows[1] = (struct audit_row){ .id = 2, .time_ms = 1795642491000LL,
	    .user = "", .alarm_id = 0, .action = "raise",
	    .detail = "unit=HP-001 type=BUTTON" };
	rows[2] = (struct audit_row){ .id = 3, .time_ms = -5, .user = "bob",
	    .alarm_id = -7, .action = "note",
	    .detail = "line one\nline two" };
	for (i = 0; i < NROWS; i++) {
		if (i > 0)
			memcpy(rows[i].prev_hash, rows[i - 1].hash,
			    sizeof(rows[i].prev_hash));
		ck_assert_int_eq(audit_hash(&rows[i]), 0);
	}
}

/* Walks the chain; returns the index of the first bad row, or -1. */
static int
walk(void)
{
	const char	*prev = "";
	size_t		 i;

	for (i = 0; i < NROWS; i++) {
		err[0] = '\0';
		if (audit_check(&rows[i], prev, err, sizeof(err)) == -1)
			return (int)i;
		ck_assert_str_eq(err, "");
		prev = rows[i].hash;
	}
	return -1;
}

START_TEST(known_hashes)
{
	chain();
	ck_assert_str_eq(rows[0].hash, H1);
	ck_assert_str_eq(rows[1].hash, H2);
	ck_assert_str_eq(rows[2].hash, H3);
	ck_assert_int_eq(walk(), -1);
}
END_TEST

START_TEST(null_strings_hash_as_empty)
{
	struct audit_row	r;

	chain();
	r = rows[0];
	r.detail = NULL;
	ck_assert_int_eq(audit_hash(&r), 0);
	ck_assert_str_eq(r.hash, H1);
}
END_TEST

START_TEST(tamper_content)
{
	chain();
	rows[1].detail = "unit=HP-002 type=BUTTON";
	ck_assert_int_eq(walk(), 1);
	ck_assert_str_eq(err, "hash does not match the row's content");

	chain();
	rows[0].time_ms++;
	ck_assert_int_eq(walk(), 0);
	ck_assert_str_eq(err, "hash does not match the row's content");

	chain();
	rows[2].user = "ann";
	ck_assert_int_eq(walk(), 2);

	chain();
	rows[2].alarm_id = 7;
	ck_assert_int_eq(walk(), 2);

	chain();
	rows[1].action = "claim";
	ck_assert_int_eq(walk(), 1);

	chain();
	rows[0].id = 9;
	ck_assert_int_eq(walk(), 0);

	chain();
	rows[2].hash[0] = rows[2].hash[0] == 'a' ? 'b' : 'a';
	ck_assert_int_eq(walk(), 2);
	ck_assert_str_eq(err, "hash does not match the row's content");
}
END_TEST

START_TEST(tamper_link)
{
	struct audit_row	saved;

	/* Row deleted: row 2 now follows row 0. */
	chain();
	saved = rows[1];
	rows[1] = rows[2];
	ck_assert_int_eq(audit_check(&rows[1], rows[0].hash, err,
	    sizeof(err)), -1);
	ck_assert_str_eq(err, "prev_hash does not match the previous row");
	rows[1] = saved;

	/* Row rewritten and rehashed: the next link breaks. */
	chain();
	rows[1].detail = "forged";
	ck_assert_int_eq(audit_hash(&rows[1]), 0);
	ck_assert_int_eq(walk(), 2);
	ck_assert_str_eq(err, "prev_hash does not match the previous row");

	/* The first row must have an empty prev_hash. */
	chain();
	ck_assert_int_eq(audit_check(&rows[0], H3, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "prev_hash does not match the previous row");
	ck_assert_int_eq(audit_check(&rows[1], "", err, sizeof(err)), -1);
	ck_assert_str_eq(err, "prev_hash does not match the previous row");
	ck_assert_int_eq(audit_check(&rows[0], NULL, err, sizeof(err)), 0);
	/* A small error buffer is fine. */
	ck_assert_int_eq(audit_check(&rows[1], "", err, 5), -1);
	ck_assert_str_eq(err, "prev");
	ck_assert_int_eq(audit_check(&rows[1], "", NULL, 0), -1);
}
END_TEST

START_TEST(hash_is_lowercase_hex)
{
	size_t	i;

	chain();
	ck_assert_uint_eq(strlen(rows[2].hash), AUDIT_HASH_HEX - 1);
	for (i = 0; i < AUDIT_HASH_HEX - 1; i++)
		ck_assert(strchr("0123456789abcdef", rows[2].hash[i]) != NULL);
}
END_TEST

START_TEST(long_detail)
{
	struct audit_row	r;
	char			*big = malloc(100000);

	ck_assert_ptr_nonnull(big);
	memset(big, 'x', 99999);
	big[99999] = '\0';
	memset(&r, 0, sizeof(r));
	r.id = 1;
	r.user = "";
	r.action = "note";
	r.detail = big;
	ck_assert_int_eq(audit_hash(&r), 0);
	ck_assert_int_eq(audit_check(&r, "", err, sizeof(err)), 0);
	free(big);
}
END_TEST

/* A seal's or a checkpoint's detail: whole keys only, bounded. */
START_TEST(detail_values)
{
	const char	*detail = "xentries=9 entries=3 digest=abcd cp=";
	unsigned char	 bytes[] = { 0x00, 0x9f, 0xa0 };
	char		 out[8];

	ck_assert_int_eq(audit_detail_get(detail, "entries", out,
	    sizeof(out)), 0);
	ck_assert_str_eq(out, "3");
	ck_assert_int_eq(audit_detail_get(detail, "digest", out, sizeof(out)),
	    0);
	ck_assert_str_eq(out, "abcd");
	ck_assert_int_eq(audit_detail_get(detail, "cp", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(audit_detail_get(detail, "through", out,
	    sizeof(out)), -1);
	ck_assert_int_eq(audit_detail_get(detail, "digest", out, 4), -1);
	audit_hex(bytes, sizeof(bytes), out);
	ck_assert_str_eq(out, "009fa0");
}
END_TEST

static Suite *
audit_suite(void)
{
	Suite	*s = suite_create("audit");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, known_hashes);
	tcase_add_test(tc, null_strings_hash_as_empty);
	tcase_add_test(tc, tamper_content);
	tcase_add_test(tc, tamper_link);
	tcase_add_test(tc, hash_is_lowercase_hex);
	tcase_add_test(tc, long_detail);
	tcase_add_test(tc, detail_values);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(audit_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
