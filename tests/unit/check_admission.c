/*
 * Admission control in the listener, on loopback: a burst is accepted in
 * slices of LISTENER_SLICE, accepting pauses while limits.handshakes are in
 * progress and resumes as one ends, and a storm is logged at its start and
 * when the listen queue is empty again.
 */
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

#include "refuge/listener.h"
#include "refuge/log.h"
#include "refuge/timenow.h"

#define CLIENTS		40
#define ACCEPTED_MAX	64

static FILE			*captured;
static struct event_base	*base;
static struct listener		*l;
static char			 address[LISTENER_PEER_LEN];
static int			 clients[CLIENTS];
/* What the accept function was given, as a session would hold it. */
static int			 accepted_fd[ACCEPTED_MAX];
static struct sockaddr_storage	 accepted_sa[ACCEPTED_MAX];
static int			 accepted;

/* Counts as a handshake begun, as conn_new() does. */
static void
take(struct listener *listener, int fd, const struct sockaddr *sa,
    socklen_t salen, const char *peer, void *arg)
{
	(void)peer;
	(void)arg;
	ck_assert_int_lt(accepted, ACCEPTED_MAX);
	accepted_fd[accepted] = fd;
	memcpy(&accepted_sa[accepted], sa, salen);
	accepted++;
	listener_handshake_begin(listener);
}

/* Ends the handshake of the i-th accepted connection and closes it. */
static void
finish(int i)
{
	listener_handshake_end(l);
	close(accepted_fd[i]);
	accepted_fd[i] = -1;
	listener_release(l, (struct sockaddr *)&accepted_sa[i]);
}

static void
setup(void)
{
	char	err[256];
	int	i;

	captured = tmpfile();
	ck_assert_ptr_nonnull(captured);
	ck_assert_int_ge(dup2(fileno(captured), STDERR_FILENO), 0);
	log_init("refuged", CONFIG_LOG_INFO, 0);
	accepted = 0;
	base = event_base_new();
	ck_assert_ptr_nonnull(base);
	l = listener_new(base, "units", "127.0.0.1:0", 1000, 1000, take, NULL,
	    err, sizeof(err));
	ck_assert_msg(l != NULL, "%s", err);
	listener_address(l, address, sizeof(address));
	for (i = 0; i < CLIENTS; i++)
		clients[i] = -1;
}

static void
teardown(void)
{
	int	i;

	for (i = 0; i < CLIENTS; i++)
		if (clients[i] != -1)
			close(clients[i]);
	for (i = 0; i < accepted; i++)
		if (accepted_fd[i] != -1)
			close(accepted_fd[i]);
	listener_free(l);
	event_base_free(base);
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

/* n blocking clients connected to the listener (the kernel completes them). */
static void
connect_clients(int n)
{
	struct sockaddr_in	sin;
	const char		*colon = strrchr(address, ':');
	int			i;

	ck_assert_ptr_nonnull(colon);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)atoi(colon + 1));
	for (i = 0; i < n; i++) {
		clients[i] = socket(AF_INET, SOCK_STREAM, 0);
		ck_assert_int_ge(clients[i], 0);
		ck_assert_msg(connect(clients[i], (struct sockaddr *)&sin,
		    sizeof(sin)) == 0, "connect %s: %s", address,
		    strerror(errno));
	}
}

/* Runs turns of the loop until want are accepted or 3 s pass. */
static void
run_until(int want)
{
	struct timeval	tv = timenow_tv(20);
	int64_t		deadline = timenow_mono_ms() + 3000;

	while (accepted < want && timenow_mono_ms() < deadline) {
		event_base_loopexit(base, &tv);
		event_base_loop(base, EVLOOP_ONCE);
	}
}

/* Runs the loop for ms, whatever happens. */
static void
run_for(int ms)
{
	struct timeval	tv = timenow_tv(ms);

	event_base_loopexit(base, &tv);
	event_base_dispatch(base);
}

START_TEST(burst_is_taken_in_slices)
{
	int	turns = 0;
	int64_t	deadline;

	connect_clients(CLIENTS);
	deadline = timenow_mono_ms() + 3000;
	while (accepted < CLIENTS && timenow_mono_ms() < deadline) {
		event_base_loop(base, EVLOOP_ONCE);
		turns++;
		/* Never more than a slice in one turn. */
		ck_assert_int_le(accepted, turns * LISTENER_SLICE);
	}
	ck_assert_int_eq(accepted, CLIENTS);
	ck_assert_int_ge(turns, (CLIENTS + LISTENER_SLICE - 1) / LISTENER_SLICE);
	ck_assert_int_eq(listener_handshake_count(l), CLIENTS);
	/* Without a cap nothing pauses. */
	ck_assert_uint_eq(listener_pause_count(l), 0);
}
END_TEST

START_TEST(cap_pauses_accepting_until_a_handshake_ends)
{
	char	buf[4096];
	int	i;

	listener_set_handshake_limit(l, 3);
	connect_clients(10);
	run_until(3);
	ck_assert_int_eq(accepted, 3);
	/* The rest wait in the listen queue, however long the loop runs. */
	run_for(100);
	ck_assert_int_eq(accepted, 3);
	ck_assert_int_eq(listener_handshake_count(l), 3);
	ck_assert_uint_eq(listener_pause_count(l), 1);
	logged(buf, sizeof(buf));
	ck_assert_str_eq(buf, "refuged: units: 3 handshakes in progress, the "
	    "limit; accepting paused, new connections wait in the listen "
	    "queue\n");

	/* One ends: exactly one more is taken, and accepting pauses again. */
	finish(0);
	run_until(4);
	run_for(50);
	ck_assert_int_eq(accepted, 4);
	ck_assert_int_eq(listener_handshake_count(l), 3);
	ck_assert_uint_eq(listener_pause_count(l), 2);

	/* The others in turn; the storm ends when the queue is found empty. */
	for (i = 1; i < 10; i++) {
		finish(i);
		run_until(i + 4 > 10 ? 10 : i + 4);
	}
	ck_assert_int_eq(accepted, 10);
	run_for(50);
	ck_assert_int_eq(listener_handshake_count(l), 0);
	logged(buf, sizeof(buf));
	ck_assert_msg(strstr(buf, "refuged: units: listen queue empty; "
	    "accepting was paused 8 times at the handshake limit over ") != NULL,
	    "%s", buf);
	/* Logged once each, not at every pause. */
	ck_assert_ptr_null(strstr(strstr(buf, "paused,") + 1, "paused,"));
}
END_TEST

START_TEST(raising_the_cap_resumes_and_a_disabled_listener_stays_shut)
{
	listener_set_handshake_limit(l, 2);
	connect_clients(6);
	run_until(2);
	run_for(50);
	ck_assert_int_eq(accepted, 2);
	/* A reload with a higher cap takes more at once. */
	listener_set_handshake_limit(l, 4);
	run_until(4);
	run_for(50);
	ck_assert_int_eq(accepted, 4);
	/* Stopping: a handshake that ends does not open the door again. */
	listener_disable(l);
	finish(0);
	finish(1);
	run_for(100);
	ck_assert_int_eq(accepted, 4);
	ck_assert_int_eq(listener_handshake_count(l), 2);
}
END_TEST

START_TEST(peers_that_gave_up_while_queued_are_not_taken)
{
	char	buf[4096];

	listener_set_handshake_limit(l, 2);
	connect_clients(6);
	run_until(2);
	run_for(50);
	ck_assert_int_eq(accepted, 2);
	/* Two of those still queued give up: they never reach a session. */
	close(clients[3]);
	close(clients[4]);
	clients[3] = clients[4] = -1;
	finish(0);
	run_until(3);
	finish(1);
	run_until(4);
	finish(2);
	finish(3);
	run_for(100);
	ck_assert_int_eq(accepted, 4);
	ck_assert_int_eq(listener_handshake_count(l), 0);
	logged(buf, sizeof(buf));
	ck_assert_msg(strstr(buf, "; 2 connections closed by their peer while "
	    "queued\n") != NULL, "%s", buf);
}
END_TEST

START_TEST(cap_zero_means_none)
{
	listener_set_handshake_limit(l, 1);
	connect_clients(3);
	run_until(1);
	run_for(50);
	ck_assert_int_eq(accepted, 1);
	listener_set_handshake_limit(l, 0);
	run_until(3);
	ck_assert_int_eq(accepted, 3);
	ck_assert_int_eq(listener_handshake_count(l), 3);
}
END_TEST

static Suite *
admission_suite(void)
{
	Suite	*s = suite_create("admission");
	TCase	*tc = tcase_create("listener");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, burst_is_taken_in_slices);
	tcase_add_test(tc, cap_pauses_accepting_until_a_handshake_ends);
	tcase_add_test(tc, raising_the_cap_resumes_and_a_disabled_listener_stays_shut);
	tcase_add_test(tc, peers_that_gave_up_while_queued_are_not_taken);
	tcase_add_test(tc, cap_zero_means_none);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(admission_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
