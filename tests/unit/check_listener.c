/* Unit tests for the listener: the accept back-off and the rate-limited refusals, on loopback. */
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>

#include "refuge/listener.h"
#include "refuge/log.h"
#include "refuge/timenow.h"

#define CLIENTS	15

static FILE	*captured;
static int	 accepted;

static void
setup(void)
{
	captured = tmpfile();
	ck_assert_ptr_nonnull(captured);
	ck_assert_int_ge(dup2(fileno(captured), STDERR_FILENO), 0);
	log_init("refuged", CONFIG_LOG_INFO, 0);
	accepted = 0;
}

static void
teardown(void)
{
	fclose(captured);
}

static void
logged(char *buf, size_t buflen)
{
	size_t	n;

	fflush(stderr);
	rewind(captured);
	n = fread(buf, 1, buflen - 1, captured);
	buf[n] = '\0';
}

static int
count(const char *text, const char *needle)
{
	const char	*p;
	int		 n = 0;

	for (p = text; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	return n;
}

/* A blocking client connected to "127.0.0.1:port". */
static int
connect_to(const char *address)
{
	struct sockaddr_in	sin;
	const char		*colon = strrchr(address, ':');
	int			fd;

	ck_assert_ptr_nonnull(colon);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)atoi(colon + 1));
	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_msg(connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0,
	    "connect %s: %s", address, strerror(errno));
	return fd;
}

static void
count_accept(struct evconnlistener *evl, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct listener_backoff	*b = arg;

	(void)evl;
	(void)sa;
	(void)salen;
	listener_backoff_accepted(b);
	accepted++;
	close(fd);
}

/* Runs the loop until something is accepted or ms pass; returns the ms taken. */
static int64_t
run_until_accepted(struct event_base *base, int ms)
{
	struct timeval	tv = timenow_tv(ms);
	int64_t		start = timenow_mono_ms(), deadline = start + ms;

	while (accepted == 0 && timenow_mono_ms() < deadline) {
		event_base_loopexit(base, &tv);
		event_base_loop(base, EVLOOP_ONCE);
	}
	return timenow_mono_ms() - start;
}

START_TEST(backoff_doubles_to_a_cap_and_logs_once)
{
	struct event_base	*base;
	struct evconnlistener	*evl;
	struct listener_backoff	*b;
	char			 err[256], buf[4096];
	int64_t			 start, took;
	int			 i;
	static const int	 want[] = { 100, 200, 400, 800, 1000, 1000 };

	base = event_base_new();
	ck_assert_ptr_nonnull(base);
	evl = listener_bind(base, "test", "127.0.0.1:0", 16, err, sizeof(err));
	ck_assert_msg(evl != NULL, "%s", err);
	b = listener_backoff_new(base, evl, "test");
	ck_assert_ptr_nonnull(b);
	for (i = 0; i < 6; i++)
		ck_assert_int_eq(listener_backoff_failed(b, EMFILE), want[i]);
	/* An accept in between: the trouble is not persistent, pause briefly. */
	listener_backoff_accepted(b);
	ck_assert_int_eq(listener_backoff_failed(b, EMFILE), 100);
	ck_assert_int_eq(listener_backoff_failed(b, ENFILE), 200);
	/* The loop has only the back-off's timer: it ends with the episode. */
	start = timenow_mono_ms();
	ck_assert_int_ge(event_base_dispatch(base), 0);
	took = timenow_mono_ms() - start;
	ck_assert_int_ge(took, 200 + LISTENER_BACKOFF_QUIET_MS - 10);
	logged(buf, sizeof(buf));
	ck_assert_str_eq(buf,
	    "refuged: warning: test: accept: Too many open files; pausing\n"
	    "refuged: warning: test: accept: recovered; 8 accepts failed "
	    "meanwhile\n");
	/* A new episode starts from the first pause and is logged again. */
	ck_assert_int_eq(listener_backoff_failed(b, ENFILE), 100);
	logged(buf, sizeof(buf));
	ck_assert_ptr_nonnull(strstr(buf, "meanwhile\nrefuged: warning: test: "
	    "accept: Too many open files in system; pausing\n"));
	listener_backoff_free(b);
	evconnlistener_free(evl);
	event_base_free(base);
}
END_TEST

START_TEST(paused_listener_resumes_and_held_one_waits)
{
	struct event_base	*base;
	struct evconnlistener	*evl;
	struct listener_backoff	*b;
	struct sockaddr_storage	 ss;
	socklen_t		 sslen = sizeof(ss);
	char			 err[256], address[LISTENER_PEER_LEN];
	int			 fd;
	int64_t			 took;

	base = event_base_new();
	ck_assert_ptr_nonnull(base);
	evl = listener_bind(base, "test", "127.0.0.1:0", 16, err, sizeof(err));
	ck_assert_msg(evl != NULL, "%s", err);
	b = listener_backoff_new(base, evl, "test");
	ck_assert_ptr_nonnull(b);
	evconnlistener_set_cb(evl, count_accept, b);
	ck_assert_int_eq(getsockname(evconnlistener_get_fd(evl),
	    (struct sockaddr *)&ss, &sslen), 0);
	listener_format_peer((struct sockaddr *)&ss, address, sizeof(address));

	/* Paused for 100 ms: the waiting connection is taken after that. */
	ck_assert_int_eq(listener_backoff_failed(b, EMFILE), 100);
	fd = connect_to(address);
	took = run_until_accepted(base, 3000);
	ck_assert_int_eq(accepted, 1);
	ck_assert_int_ge(took, 90);
	close(fd);

	/* Held: a pause ending does not enable it. */
	accepted = 0;
	listener_backoff_hold(b, 1);
	ck_assert_int_eq(listener_backoff_failed(b, EMFILE), 100);
	fd = connect_to(address);
	(void)run_until_accepted(base, 300);
	ck_assert_int_eq(accepted, 0);
	listener_backoff_hold(b, 0);
	(void)run_until_accepted(base, 3000);
	ck_assert_int_eq(accepted, 1);
	close(fd);

	listener_backoff_free(b);
	evconnlistener_free(evl);
	event_base_free(base);
}
END_TEST

static void
never_called(struct listener *l, int fd, const struct sockaddr *sa,
    socklen_t salen, const char *peer, void *arg)
{
	(void)l;
	(void)sa;
	(void)salen;
	(void)peer;
	(void)arg;
	close(fd);
	ck_abort_msg("a connection over the limit was accepted");
}

START_TEST(refusals_are_rate_limited_with_a_summary)
{
	struct event_base	*base;
	struct listener		*l;
	char			 err[256], address[LISTENER_PEER_LEN];
	static char		 buf[16384];
	int			 fds[CLIENTS], i;
	int64_t			 deadline;
	struct timeval		 tv = timenow_tv(50);

	base = event_base_new();
	ck_assert_ptr_nonnull(base);
	l = listener_new(base, "units", "127.0.0.1:0", 64, 0, never_called,
	    NULL, err, sizeof(err));
	ck_assert_msg(l != NULL, "%s", err);
	listener_address(l, address, sizeof(address));
	for (i = 0; i < CLIENTS; i++)
		fds[i] = connect_to(address);
	deadline = timenow_mono_ms() + 5000;
	while (listener_refused_count(l) < CLIENTS &&
	    timenow_mono_ms() < deadline) {
		event_base_loopexit(base, &tv);
		event_base_loop(base, EVLOOP_ONCE);
	}
	ck_assert_uint_eq(listener_refused_count(l), CLIENTS);
	/* The summary comes from a timer, a window after the first suppressed line. */
	deadline = timenow_mono_ms() + 5000;
	do {
		event_base_loopexit(base, &tv);
		event_base_loop(base, EVLOOP_ONCE);
		logged(buf, sizeof(buf));
	} while (strstr(buf, "suppressed") == NULL &&
	    timenow_mono_ms() < deadline);
	ck_assert_int_eq(count(buf, "units: refused peer=127.0.0.1:"),
	    LOG_LIMIT_BURST);
	ck_assert_int_eq(count(buf, "reason=\"too many connections\"\n"),
	    LOG_LIMIT_BURST);
	ck_assert_ptr_nonnull(strstr(buf, "refuged: warning: 5 more \"units: "
	    "refused\" lines suppressed\n"));
	for (i = 0; i < CLIENTS; i++)
		close(fds[i]);
	listener_free(l);
	event_base_free(base);
}
END_TEST

START_TEST(bad_address_is_reported)
{
	struct event_base	*base;
	char			 err[256];

	base = event_base_new();
	ck_assert_ptr_nonnull(base);
	ck_assert_ptr_null(listener_bind(base, "metrics", "nowhere", 16, err,
	    sizeof(err)));
	ck_assert_str_eq(err, "metrics: bad address nowhere");
	event_base_free(base);
}
END_TEST

static Suite *
listener_suite(void)
{
	Suite	*s = suite_create("listener");
	TCase	*tc = tcase_create("backoff");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, backoff_doubles_to_a_cap_and_logs_once);
	tcase_add_test(tc, paused_listener_resumes_and_held_one_waits);
	tcase_add_test(tc, refusals_are_rate_limited_with_a_summary);
	tcase_add_test(tc, bad_address_is_reported);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(listener_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
