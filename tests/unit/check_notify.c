/* Unit tests for the systemd notify protocol against a socket of our own. */
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "refuge/notify.h"

static char	tmpdir[64];
static char	sockpath[128];

/* Binds a datagram socket at path ('@': abstract) and returns its fd. */
static int
bind_receiver(const char *path)
{
	struct sockaddr_un	sun;
	socklen_t		len;
	int			fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	ck_assert_uint_lt(strlen(path), sizeof(sun.sun_path));
	memcpy(sun.sun_path, path, strlen(path));
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path));
	if (path[0] == '@')
		sun.sun_path[0] = '\0';
	else
		len++;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_msg(bind(fd, (struct sockaddr *)&sun, len) == 0, "bind %s: %s",
	    path, strerror(errno));
	return fd;
}

/* Receives one datagram (waiting up to a second) into buf as a string. */
static void
receive(int fd, char *buf, size_t buflen)
{
	struct pollfd	pfd = { .fd = fd, .events = POLLIN };
	ssize_t		n;

	ck_assert_int_eq(poll(&pfd, 1, 1000), 1);
	n = recv(fd, buf, buflen - 1, 0);
	ck_assert_int_ge(n, 0);
	buf[n] = '\0';
}

static void
setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/check_notify.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(sockpath, sizeof(sockpath), "%s/notify", tmpdir);
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
}

static void
teardown(void)
{
	unlink(sockpath);
	rmdir(tmpdir);
}

START_TEST(ready_and_status_to_a_path)
{
	struct notify	*n;
	char		 err[256] = "", buf[512];
	int		 fd;

	fd = bind_receiver(sockpath);
	setenv("NOTIFY_SOCKET", sockpath, 1);
	n = notify_open(err, sizeof(err));
	ck_assert_msg(n != NULL, "%s", err);
	ck_assert_int_eq(notify_send(n, "READY=1\nSTATUS=%s", "units=5 online=0"), 0);
	receive(fd, buf, sizeof(buf));
	ck_assert_str_eq(buf, "READY=1\nSTATUS=units=5 online=0");
	ck_assert_int_eq(notify_send(n, "WATCHDOG=1"), 0);
	receive(fd, buf, sizeof(buf));
	ck_assert_str_eq(buf, "WATCHDOG=1");
	ck_assert_int_eq(notify_send(n, "RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)notify_monotonic_usec()), 0);
	receive(fd, buf, sizeof(buf));
	ck_assert_int_eq(strncmp(buf, "RELOADING=1\nMONOTONIC_USEC=", 27), 0);
	ck_assert_uint_gt(strtoull(buf + 27, NULL, 10), 0);
	notify_close(n);
	close(fd);
}
END_TEST

START_TEST(abstract_namespace)
{
	struct notify	*n;
	char		 name[64], err[256] = "", buf[64];
	int		 fd;

	snprintf(name, sizeof(name), "@refuge-check-notify-%ld", (long)getpid());
	fd = bind_receiver(name);
	setenv("NOTIFY_SOCKET", name, 1);
	n = notify_open(err, sizeof(err));
	ck_assert_msg(n != NULL, "%s", err);
	ck_assert_int_eq(notify_send(n, "STOPPING=1"), 0);
	receive(fd, buf, sizeof(buf));
	ck_assert_str_eq(buf, "STOPPING=1");
	notify_close(n);
	close(fd);
}
END_TEST

START_TEST(without_notify_socket_does_nothing)
{
	struct notify	*n;
	char		 err[64] = "";

	n = notify_open(err, sizeof(err));
	ck_assert_ptr_nonnull(n);
	ck_assert_int_eq(notify_send(n, "READY=1"), 0);
	notify_close(n);
	setenv("NOTIFY_SOCKET", "", 1);
	n = notify_open(err, sizeof(err));
	ck_assert_ptr_nonnull(n);
	ck_assert_int_eq(notify_send(n, "READY=1"), 0);
	notify_close(n);
	ck_assert_int_eq(notify_send(NULL, "READY=1"), 0);
	notify_close(NULL);
}
END_TEST

START_TEST(unusable_notify_socket)
{
	static const char *const bad[] = { "relative/path", "@", "x" };
	char		 err[256], longpath[200];
	struct notify	*n;
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		setenv("NOTIFY_SOCKET", bad[i], 1);
		ck_assert_msg(notify_open(err, sizeof(err)) == NULL, "%s accepted", bad[i]);
		ck_assert_msg(strstr(err, "NOTIFY_SOCKET") != NULL, "err: %s", err);
	}
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	setenv("NOTIFY_SOCKET", longpath, 1);
	ck_assert_ptr_null(notify_open(err, sizeof(err)));
	/* A good name whose socket is gone: open works, sending fails. */
	setenv("NOTIFY_SOCKET", sockpath, 1);
	n = notify_open(err, sizeof(err));
	ck_assert_ptr_nonnull(n);
	ck_assert_int_eq(notify_send(n, "READY=1"), -1);
	notify_close(n);
}
END_TEST

START_TEST(oversized_message_refused)
{
	struct notify	*n;
	char		 err[64], *big;
	int		 fd;

	fd = bind_receiver(sockpath);
	setenv("NOTIFY_SOCKET", sockpath, 1);
	n = notify_open(err, sizeof(err));
	ck_assert_ptr_nonnull(n);
	big = malloc(8192);
	memset(big, 'x', 8191);
	big[8191] = '\0';
	ck_assert_int_eq(notify_send(n, "STATUS=%s", big), -1);
	free(big);
	notify_close(n);
	close(fd);
}
END_TEST

START_TEST(watchdog_usec)
{
	char	pid[32];

	ck_assert_uint_eq(notify_watchdog_usec(), 0);
	setenv("WATCHDOG_USEC", "200000", 1);
	ck_assert_uint_eq(notify_watchdog_usec(), 200000);
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	setenv("WATCHDOG_PID", pid, 1);
	ck_assert_uint_eq(notify_watchdog_usec(), 200000);
	/* Meant for another process: not ours. */
	snprintf(pid, sizeof(pid), "%ld", (long)getpid() + 1);
	setenv("WATCHDOG_PID", pid, 1);
	ck_assert_uint_eq(notify_watchdog_usec(), 0);
	setenv("WATCHDOG_PID", "junk", 1);
	ck_assert_uint_eq(notify_watchdog_usec(), 0);
	unsetenv("WATCHDOG_PID");
	setenv("WATCHDOG_USEC", "30000000", 1);
	ck_assert_uint_eq(notify_watchdog_usec(), 30000000);
	setenv("WATCHDOG_USEC", "", 1);
	ck_assert_uint_eq(notify_watchdog_usec(), 0);
	setenv("WATCHDOG_USEC", "12x", 1);
	ck_assert_uint_eq(notify_watchdog_usec(), 0);
	setenv("WATCHDOG_USEC", "-5", 1);
	ck_assert_uint_eq(notify_watchdog_usec(), 0);
	setenv("WATCHDOG_USEC", "99999999999999999999999", 1);
	ck_assert_uint_eq(notify_watchdog_usec(), 0);
}
END_TEST

START_TEST(monotonic_moves_forward)
{
	uint64_t	a, b;

	a = notify_monotonic_usec();
	usleep(2000);
	b = notify_monotonic_usec();
	ck_assert_uint_gt(a, 0);
	ck_assert_uint_ge(b - a, 2000);
}
END_TEST

static Suite *
notify_suite(void)
{
	Suite	*s = suite_create("notify");
	TCase	*tc = tcase_create("protocol");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, ready_and_status_to_a_path);
	tcase_add_test(tc, abstract_namespace);
	tcase_add_test(tc, without_notify_socket_does_nothing);
	tcase_add_test(tc, unusable_notify_socket);
	tcase_add_test(tc, oversized_message_refused);
	tcase_add_test(tc, watchdog_usec);
	tcase_add_test(tc, monotonic_moves_forward);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(notify_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
