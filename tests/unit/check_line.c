/* Unit tests for the protocol line tokeniser. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refuge/line.h"

static struct line_parsed	lp;
static char			err[128];

static int
parse(const char *s)
{
	err[0] = '\0';
	return line_parse(&lp, s, strlen(s), err, sizeof(err));
}

static void
fails(const char *s, const char *why)
{
	ck_assert_int_eq(line_parse(&lp, s, strlen(s), err, sizeof(err)), -1);
	ck_assert_str_eq(err, why);
	ck_assert_uint_eq(lp.count, 0);
}

START_TEST(words_and_spaces)
{
	ck_assert_int_eq(parse("  HB   42  "), 0);
	ck_assert_uint_eq(lp.count, 2);
	ck_assert_str_eq(lp.tokens[0].value, "HB");
	ck_assert_ptr_null(lp.tokens[0].key);
	ck_assert_int_eq(lp.tokens[0].quoted, 0);
	ck_assert_str_eq(lp.tokens[1].value, "42");
}
END_TEST

START_TEST(key_value)
{
	ck_assert_int_eq(parse("STATE door=open v_1=a=b empty="), 0);
	ck_assert_uint_eq(lp.count, 4);
	ck_assert_str_eq(lp.tokens[1].key, "door");
	ck_assert_str_eq(lp.tokens[1].value, "open");
	ck_assert_str_eq(lp.tokens[2].key, "v_1");
	ck_assert_str_eq(lp.tokens[2].value, "a=b");
	ck_assert_str_eq(lp.tokens[3].key, "empty");
	ck_assert_str_eq(lp.tokens[3].value, "");
	ck_assert_int_eq(lp.tokens[3].quoted, 0);
}
END_TEST

START_TEST(quoted_value_with_escapes)
{
	ck_assert_int_eq(parse("X note=\"a \\\"b\\\" \\\\ c\" \"\" k=\"\""), 0);
	ck_assert_uint_eq(lp.count, 4);
	ck_assert_str_eq(lp.tokens[1].key, "note");
	ck_assert_str_eq(lp.tokens[1].value, "a \"b\" \\ c");
	ck_assert_int_eq(lp.tokens[1].quoted, 1);
	ck_assert_ptr_null(lp.tokens[2].key);
	ck_assert_str_eq(lp.tokens[2].value, "");
	ck_assert_int_eq(lp.tokens[2].quoted, 1);
	ck_assert_str_eq(lp.tokens[3].key, "k");
	ck_assert_str_eq(lp.tokens[3].value, "");
}
END_TEST

START_TEST(quoted_token_keeps_equals_and_spaces)
{
	ck_assert_int_eq(parse("NOTE 12 \"a=b  c\""), 0);
	ck_assert_uint_eq(lp.count, 3);
	ck_assert_ptr_null(lp.tokens[2].key);
	ck_assert_str_eq(lp.tokens[2].value, "a=b  c");
}
END_TEST

START_TEST(utf8_allowed)
{
	ck_assert_int_eq(parse("STATE name=\"Gare du Nord \xc3\xa9\" x=\xe2\x82\xac"), 0);
	ck_assert_str_eq(lp.tokens[1].value, "Gare du Nord \xc3\xa9");
	ck_assert_str_eq(lp.tokens[2].value, "\xe2\x82\xac");
}
END_TEST

START_TEST(length_cap)
{
	char	buf[LINE_MAX_BYTES + 2];

	memset(buf, 'a', sizeof(buf));
	ck_assert_int_eq(line_parse(&lp, buf, LINE_MAX_BYTES, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(lp.count, 1);
	ck_assert_uint_eq(strlen(lp.tokens[0].value), LINE_MAX_BYTES);
	ck_assert_int_eq(line_parse(&lp, buf, LINE_MAX_BYTES + 1, err,
	    sizeof(err)), -1);
	ck_assert_str_eq(err, "line too long");
}
END_TEST

START_TEST(full_line_of_attributes)
{
	char	buf[LINE_MAX_BYTES];
	size_t	i, n = 0;

	/* 39 short attributes and a quoted value filling up to exactly the cap. */
	for (i = 0; i < LINE_MAX_TOKENS - 1; i++, n += 4)
		memcpy(buf + n, "k=v ", 4);
	memcpy(buf + n, "z=\"", 3);
	n += 3;
	memset(buf + n, 'q', LINE_MAX_BYTES - n - 1);
	buf[LINE_MAX_BYTES - 1] = '"';
	ck_assert_int_eq(line_parse(&lp, buf, LINE_MAX_BYTES, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(lp.count, LINE_MAX_TOKENS);
	ck_assert_str_eq(lp.tokens[0].key, "k");
	ck_assert_str_eq(lp.tokens[LINE_MAX_TOKENS - 2].value, "v");
	ck_assert_str_eq(lp.tokens[LINE_MAX_TOKENS - 1].key, "z");
	ck_assert_uint_eq(strlen(lp.tokens[LINE_MAX_TOKENS - 1].value),
	    LINE_MAX_BYTES - n - 1);
}
END_TEST

START_TEST(token_limit)
{
	char	buf[LINE_MAX_BYTES];
	size_t	i, n = 0;

	for (i = 0; i < LINE_MAX_TOKENS; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "t%zu ", i);
	ck_assert_int_eq(line_parse(&lp, buf, n, err, sizeof(err)), 0);
	ck_assert_uint_eq(lp.count, LINE_MAX_TOKENS);
	ck_assert_str_eq(lp.tokens[LINE_MAX_TOKENS - 1].value, "t39");
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "x");
	ck_assert_int_eq(line_parse(&lp, buf, n, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "too many tokens");
}
END_TEST

START_TEST(errors)
{
	fails("", "empty line");
	fails("    ", "empty line");
	fails("NOTE \"abc", "unterminated quote");
	fails("NOTE \"abc\\\"", "unterminated quote");
	fails("NOTE \"abc\\", "unterminated quote");
	fails("NOTE k=\"abc", "unterminated quote");
	fails("NOTE \"a\\nb\"", "bad escape");
	fails("NOTE k=\"a\\tb\"", "bad escape");
	fails("NOTE ab\"c\"", "bad quote");
	fails("NOTE \"ab\"c", "bad quote");
	fails("NOTE k=\"ab\"c", "bad quote");
	fails("NOTE k=ab\"", "bad quote");
	fails("NOTE \"ab\"=c", "bad quote");
	fails("STATE Door=open", "bad attribute key");
	fails("STATE =open", "bad attribute key");
	fails("STATE a-b=1", "bad attribute key");
	fails("OP sip:x=y", "bad attribute key");
	fails("STATE abcdefghijklmnopqrstuvwxyz0123456=1", "bad attribute key");
}
END_TEST

START_TEST(key_length_32_ok)
{
	ck_assert_int_eq(parse("STATE abcdefghijklmnopqrstuvwxyz012345=1"), 0);
	ck_assert_str_eq(lp.tokens[1].key, "abcdefghijklmnopqrstuvwxyz012345");
}
END_TEST

START_TEST(control_characters)
{
	fails("HB 1\r", "control character");
	fails("HB\t1", "control character");
	fails("NOTE \"a\x7f\"", "control character");
	fails("NOTE \"a\nb\"", "control character");
	ck_assert_int_eq(line_parse(&lp, "HB\0001", 4, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "control character");
}
END_TEST

START_TEST(quote_roundtrip)
{
	static const char *const values[] = {
		"plain", "", "two words", "a=b", "q\"uote", "back\\slash",
		"\\\"", "sip:alice@example.org;transport=tls", "\xc3\xa9t\xc3\xa9",
	};
	char	out[64], line[80];
	size_t	i;
	int	n;

	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		n = line_quote(out, sizeof(out), values[i]);
		ck_assert_int_ge(n, 0);
		ck_assert_uint_eq((size_t)n, strlen(out));
		snprintf(line, sizeof(line), "X k=%s", out);
		ck_assert_int_eq(parse(line), 0);
		ck_assert_uint_eq(lp.count, 2);
		ck_assert_str_eq(lp.tokens[1].value, values[i]);
	}
}
END_TEST

START_TEST(quote_forms)
{
	char	out[16];

	ck_assert_int_eq(line_quote(out, sizeof(out), "abc"), 3);
	ck_assert_str_eq(out, "abc");
	ck_assert_int_eq(line_quote(out, sizeof(out), ""), 2);
	ck_assert_str_eq(out, "\"\"");
	ck_assert_int_eq(line_quote(out, sizeof(out), "a b"), 5);
	ck_assert_str_eq(out, "\"a b\"");
	ck_assert_int_eq(line_quote(out, sizeof(out), "a\"b\\"), 8);
	ck_assert_str_eq(out, "\"a\\\"b\\\\\"");
}
END_TEST

START_TEST(quote_does_not_fit)
{
	char	out[8];

	memset(out, 'z', sizeof(out));
	ck_assert_int_eq(line_quote(out, 4, "abc"), 3);
	ck_assert_int_eq(line_quote(out, 3, "abc"), -1);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(line_quote(out, 5, "a b"), -1);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(line_quote(out, 6, "a b"), 5);
	ck_assert_int_eq(line_quote(out, 2, ""), -1);
	ck_assert_int_eq(line_quote(out, 3, ""), 2);
	/* An escape that would split at the edge. */
	ck_assert_int_eq(line_quote(out, 4, "\""), -1);
	ck_assert_int_eq(line_quote(out, 5, "\""), 4);
	memset(out, 'z', sizeof(out));
	ck_assert_int_eq(line_quote(out, 0, "a"), -1);
	ck_assert_int_eq(out[0], 'z');
}
END_TEST

START_TEST(quote_rejects_control)
{
	char	out[16];

	ck_assert_int_eq(line_quote(out, sizeof(out), "a\nb"), -1);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(line_quote(out, sizeof(out), "a\x7f"), -1);
}
END_TEST

START_TEST(ident)
{
	char	s[66];

	ck_assert_int_eq(line_is_ident("HP-001"), 1);
	ck_assert_int_eq(line_is_ident("a.b_c:d-E9"), 1);
	ck_assert_int_eq(line_is_ident(""), 0);
	ck_assert_int_eq(line_is_ident("a b"), 0);
	ck_assert_int_eq(line_is_ident("a/b"), 0);
	ck_assert_int_eq(line_is_ident("a=b"), 0);
	ck_assert_int_eq(line_is_ident("\xc3\xa9"), 0);
	memset(s, 'x', 64);
	s[64] = '\0';
	ck_assert_int_eq(line_is_ident(s), 1);
	s[64] = 'x';
	s[65] = '\0';
	ck_assert_int_eq(line_is_ident(s), 0);
}
END_TEST

static Suite *
line_suite(void)
{
	Suite	*s = suite_create("line");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, words_and_spaces);
	tcase_add_test(tc, key_value);
	tcase_add_test(tc, quoted_value_with_escapes);
	tcase_add_test(tc, quoted_token_keeps_equals_and_spaces);
	tcase_add_test(tc, utf8_allowed);
	tcase_add_test(tc, length_cap);
	tcase_add_test(tc, full_line_of_attributes);
	tcase_add_test(tc, token_limit);
	tcase_add_test(tc, errors);
	tcase_add_test(tc, key_length_32_ok);
	tcase_add_test(tc, control_characters);
	tcase_add_test(tc, quote_roundtrip);
	tcase_add_test(tc, quote_forms);
	tcase_add_test(tc, quote_does_not_fit);
	tcase_add_test(tc, quote_rejects_control);
	tcase_add_test(tc, ident);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(line_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
