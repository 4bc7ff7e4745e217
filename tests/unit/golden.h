/*
 * Golden configuration cases: every tests/conf/<case>/ holding the input file
 * is loaded from inside that directory, and the error lines (or "ok") must
 * equal <case>/expected byte for byte. Included by check_config and
 * check_registry.
 */
#ifndef REFUGE_TEST_GOLDEN_H
#define REFUGE_TEST_GOLDEN_H

#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "refuge/diag.h"

/* Loads path; returns 0 or -1 and must leave its result NULL on -1. */
typedef int	(*golden_load_fn)(const char *path, struct diag *);

static char *
golden_slurp(const char *path)
{
	FILE	*f;
	char	*buf;
	long	 len;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	if (len < 0 || (buf = calloc(1, (size_t)len + 1)) == NULL ||
	    fread(buf, 1, (size_t)len, f) != (size_t)len) {
		fclose(f);
		return NULL;
	}
	fclose(f);
	return buf;
}

/* What a load printed: its diag lines, or "ok". */
static char *
golden_output(int rc, const struct diag *d)
{
	size_t	 i, len = 4;
	char	*out;

	for (i = 0; i < d->count; i++)
		len += strlen(d->messages[i]) + 1;
	if ((out = calloc(1, len)) == NULL)
		return NULL;
	if (rc == 0)
		strcpy(out, "ok\n");
	for (i = 0; i < d->count; i++) {
		strcat(out, d->messages[i]);
		strcat(out, "\n");
	}
	return out;
}

static void
golden_case(const char *dir, const char *input, golden_load_fn load)
{
	struct diag	 d;
	char		*expected, *got;
	int		 cwd, rc;

	ck_assert_int_ne(cwd = open(".", O_RDONLY | O_DIRECTORY), -1);
	ck_assert_int_eq(chdir(dir), 0);
	diag_init(&d);
	rc = load(input, &d);
	ck_assert_msg((rc == 0) == (d.count == 0),
	    "%s: rc %d with %zu messages", dir, rc, d.count);
	expected = golden_slurp("expected");
	got = golden_output(rc, &d);
	ck_assert_msg(expected != NULL, "%s: no expected file", dir);
	ck_assert_msg(strcmp(expected, got) == 0,
	    "%s:\n--- expected\n%s--- got\n%s", dir, expected, got);
	free(expected);
	free(got);
	diag_clear(&d);
	ck_assert_int_eq(fchdir(cwd), 0);
	close(cwd);
}

/* Runs every case that holds input; returns how many ran. */
static int
golden_run(const char *input, golden_load_fn load)
{
	struct dirent	**names;
	char		  dir[4096], file[4200];
	int		  i, n, ran = 0;

	n = scandir(TEST_SRCDIR "/conf", &names, NULL, alphasort);
	ck_assert_int_ge(n, 0);
	for (i = 0; i < n; i++) {
		snprintf(dir, sizeof(dir), "%s/conf/%s", TEST_SRCDIR,
		    names[i]->d_name);
		snprintf(file, sizeof(file), "%s/%s", dir, input);
		if (names[i]->d_name[0] != '.' && access(file, F_OK) == 0) {
			golden_case(dir, input, load);
			ran++;
		}
		free(names[i]);
	}
	free(names);
	return ran;
}

#endif
