/* Unit tests for spawn: argv without a shell, the cap, reaping, the kill. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include <event2/event.h>

#include "refuge/log.h"
#include "refuge/spawn.h"
#include "refuge/timenow.h"

static struct event_base	*base;
static struct spawn		*sp;
static char			 dir[] = "/tmp/check_spawn.XXXXXX";

static void
setup(void)
{
	log_init("check_spawn", CONFIG_LOG_ERROR, 0);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_ptr_nonnull(base = event_base_new());
}

static void
teardown(void)
{
	char	cmd[128];

	spawn_free(sp);
	sp = NULL;
	event_base_free(base);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* Runs the loop until nothing runs, or ms pass; 1 if nothing runs. */
static int
run_until_idle(int64_t ms)
{
	int64_t		deadline = timenow_mono_ms() + ms;
	struct timeval	tv = { 0, 20000 };

	while (spawn_running(sp) > 0) {
		if (timenow_mono_ms() >= deadline)
			return 0;
		event_base_loopexit(base, &tv);
		event_base_dispatch(base);
	}
	return 1;
}

static int
exists(const char *name)
{
	char	path[256];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return access(path, F_OK) == 0;
}

START_TEST(runs_argv_without_a_shell_and_reaps)
{
	char	file[256], err[128];
	char	*argv[] = { "touch", file, NULL };
	char	*quoted[] = { "/bin/sh", "-c", "touch \"$0\"", NULL, NULL };

	ck_assert_ptr_nonnull(sp = spawn_new(base, 4, 30000));
	snprintf(file, sizeof(file), "%s/a file; echo x", dir);
	ck_assert_int_eq(spawn_run(sp, argv, "test touch", err, sizeof(err)), 0);
	ck_assert_int_eq(spawn_running(sp), 1);
	ck_assert_msg(run_until_idle(5000), "not reaped");
	/* One argument, as given: no shell split it. */
	ck_assert(exists("a file; echo x"));
	quoted[3] = file;
	snprintf(file, sizeof(file), "%s/second", dir);
	ck_assert_int_eq(spawn_run(sp, quoted, "test sh", err, sizeof(err)), 0);
	ck_assert_msg(run_until_idle(5000), "not reaped");
	ck_assert(exists("second"));
}
END_TEST

START_TEST(cap_and_kill_after_its_time)
{
	char	*sleeper[] = { "sleep", "30", NULL };
	char	*missing[] = { "/nonexistent/program", NULL };
	char	 err[128];
	int64_t	 start;

	ck_assert_ptr_nonnull(sp = spawn_new(base, 2, 300));
	ck_assert_int_eq(spawn_run(sp, sleeper, "a", err, sizeof(err)), 0);
	ck_assert_int_eq(spawn_run(sp, sleeper, "b", err, sizeof(err)), 0);
	ck_assert_int_eq(spawn_run(sp, sleeper, "c", err, sizeof(err)), -1);
	ck_assert_str_eq(err, "2 programs run already");
	ck_assert_int_eq(spawn_running(sp), 2);
	/* Killed after 300 ms, long before sleep's 30 s. */
	start = timenow_mono_ms();
	ck_assert_msg(run_until_idle(10000), "not killed");
	ck_assert_int_ge(timenow_mono_ms() - start, 250);
	/* The slots are free again; exec failing is an exit of the child. */
	ck_assert_int_eq(spawn_run(sp, missing, "d", err, sizeof(err)), 0);
	ck_assert_msg(run_until_idle(5000), "not reaped");
}
END_TEST

START_TEST(free_kills_what_runs)
{
	char	*sleeper[] = { "sleep", "30", NULL };
	char	 err[128];

	ck_assert_ptr_nonnull(sp = spawn_new(base, 4, 30000));
	ck_assert_int_eq(spawn_run(sp, sleeper, "a", err, sizeof(err)), 0);
	spawn_free(sp);
	sp = NULL;
	spawn_free(NULL);
}
END_TEST

static Suite *
spawn_suite(void)
{
	Suite	*s = suite_create("spawn");
	TCase	*tc = tcase_create("service");

	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, runs_argv_without_a_shell_and_reaps);
	tcase_add_test(tc, cap_and_kill_after_its_time);
	tcase_add_test(tc, free_kills_what_runs);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(spawn_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
