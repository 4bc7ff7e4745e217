/* Unit tests for the Prometheus exposition and the /healthz and /metrics server. */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>

#include "refuge/metrics.h"

/* Renders m and g into a NUL-terminated string the caller frees. */
static char *
rendered(const struct metrics *m, const struct metrics_gauges *g)
{
	struct evbuffer	*out = evbuffer_new();
	size_t		 len;
	char		*text;

	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(metrics_render(m, g, out), 0);
	len = evbuffer_get_length(out);
	text = malloc(len + 1);
	ck_assert_ptr_nonnull(text);
	evbuffer_remove(out, text, len);
	text[len] = '\0';
	evbuffer_free(out);
	return text;
}

/* Asserts that text holds line as a whole line. */
static void
has_line(const char *text, const char *line)
{
	const char	*p = text;
	size_t		 len = strlen(line);

	while ((p = strstr(p, line)) != NULL) {
		if ((p == text || p[-1] == '\n') && p[len] == '\n')
			return;
		p += len;
	}
	fprintf(stderr, "%s", text);
	ck_abort_msg("no line \"%s\"", line);
}

START_TEST(counters_and_gauges)
{
	struct metrics		m;
	struct metrics_gauges	g;
	char			*text;

	metrics_init(&m, 1764100000500LL);
	memset(&g, 0, sizeof(g));
	g.units_registered = 6;
	g.units_online = 4;
	g.units_offline = 2;
	g.unit_connections = 5;
	g.handshakes_in_progress = 13;
	g.operator_connections = 3;
	g.operator_sessions = 2;
	g.alarms_open[1][0] = 7;
	g.alarms_open[1][1] = 1;
	g.alarms_open[3][1] = 2;
	m.handshakes_ok = 11;
	m.refused[METRICS_REFUSED_NO_CERTIFICATE] = 2;
	m.refused[METRICS_REFUSED_LIMIT] = 9;
	m.accept_paused = 14;
	m.events[EVTYPE_BUTTON] = 3;
	m.events[EVTYPE_UNIT_OFFLINE] = 1;
	m.duplicates = 4;
	m.commits = 12;
	m.commit_errors = 1;
	m.escalations = 5;
	m.reloads_ok = 2;
	m.reloads_failed = 1;
	m.operator_logins = 8;
	m.operator_login_failures = 3;
	text = rendered(&m, &g);
	has_line(text, "# HELP refuge_units_registered Help Points in the registry.");
	has_line(text, "# TYPE refuge_units_registered gauge");
	has_line(text, "refuge_units_registered 6");
	has_line(text, "refuge_units_online 4");
	has_line(text, "refuge_units_offline 2");
	has_line(text, "refuge_connections{kind=\"unit\"} 5");
	has_line(text, "refuge_connections{kind=\"operator\"} 3");
	has_line(text, "# TYPE refuge_handshakes_in_progress gauge");
	has_line(text, "refuge_handshakes_in_progress 13");
	has_line(text, "# TYPE refuge_accept_paused_total counter");
	has_line(text, "refuge_accept_paused_total 14");
	has_line(text, "refuge_operator_sessions 2");
	has_line(text, "# TYPE refuge_tls_handshakes_total counter");
	has_line(text, "refuge_tls_handshakes_total{result=\"ok\"} 11");
	has_line(text, "refuge_connections_refused_total{reason=\"no_certificate\"} 2");
	has_line(text, "refuge_connections_refused_total{reason=\"verify\"} 0");
	has_line(text, "refuge_connections_refused_total{reason=\"limit\"} 9");
	has_line(text, "refuge_events_total{type=\"BUTTON\"} 3");
	has_line(text, "refuge_events_total{type=\"TAMPER_RESTORE\"} 0");
	has_line(text, "refuge_events_total{type=\"UNIT_OFFLINE\"} 1");
	has_line(text, "refuge_events_total{type=\"UNIT_ONLINE\"} 0");
	has_line(text, "refuge_event_duplicates_total 4");
	has_line(text, "refuge_db_commits_total 12");
	has_line(text, "refuge_db_commit_errors_total 1");
	has_line(text, "refuge_alarms_open{priority=\"1\",state=\"queued\"} 7");
	has_line(text, "refuge_alarms_open{priority=\"1\",state=\"claimed\"} 1");
	has_line(text, "refuge_alarms_open{priority=\"3\",state=\"claimed\"} 2");
	has_line(text, "refuge_alarms_open{priority=\"9\",state=\"queued\"} 0");
	has_line(text, "refuge_escalations_total 5");
	has_line(text, "refuge_reloads_total{result=\"ok\"} 2");
	has_line(text, "refuge_reloads_total{result=\"failed\"} 1");
	has_line(text, "refuge_operator_logins_total{result=\"ok\"} 8");
	has_line(text, "refuge_operator_logins_total{result=\"failed\"} 3");
	has_line(text, "# TYPE refuge_process_start_time_seconds gauge");
	has_line(text, "refuge_process_start_time_seconds 1764100000.5");
	ck_assert_ptr_null(strstr(text, "priority=\"0\""));
	free(text);
}
END_TEST

START_TEST(histogram_buckets_are_cumulative)
{
	struct metrics	 m;
	char		*text;

	metrics_init(&m, 0);
	metrics_observe(&m.ack_latency, 0.0002);
	metrics_observe(&m.ack_latency, 0.0005);	/* le is inclusive */
	metrics_observe(&m.ack_latency, 0.003);
	metrics_observe(&m.ack_latency, 0.7);
	metrics_observe(&m.ack_latency, 9.0);		/* above every bound */
	ck_assert_uint_eq(m.ack_latency.count, 5);
	ck_assert_uint_eq(m.ack_latency.buckets[0], 2);
	ck_assert_uint_eq(m.ack_latency.buckets[3], 1);
	metrics_observe(&m.time_to_claim, 12);
	metrics_observe(&m.time_to_claim, 601);
	metrics_observe(&m.commit_latency, 0.004);
	text = rendered(&m, NULL);
	has_line(text, "# TYPE refuge_ack_latency_seconds histogram");
	has_line(text, "refuge_ack_latency_seconds_bucket{le=\"0.0005\"} 2");
	has_line(text, "refuge_ack_latency_seconds_bucket{le=\"0.001\"} 2");
	has_line(text, "refuge_ack_latency_seconds_bucket{le=\"0.0025\"} 2");
	has_line(text, "refuge_ack_latency_seconds_bucket{le=\"0.005\"} 3");
	has_line(text, "refuge_ack_latency_seconds_bucket{le=\"0.5\"} 3");
	has_line(text, "refuge_ack_latency_seconds_bucket{le=\"1\"} 4");
	has_line(text, "refuge_ack_latency_seconds_bucket{le=\"2.5\"} 4");
	has_line(text, "refuge_ack_latency_seconds_bucket{le=\"+Inf\"} 5");
	has_line(text, "refuge_ack_latency_seconds_sum 9.7037");
	has_line(text, "refuge_ack_latency_seconds_count 5");
	has_line(text, "refuge_db_commit_seconds_bucket{le=\"0.0025\"} 0");
	has_line(text, "refuge_db_commit_seconds_bucket{le=\"0.005\"} 1");
	has_line(text, "refuge_db_commit_seconds_count 1");
	has_line(text, "refuge_time_to_claim_seconds_bucket{le=\"10\"} 0");
	has_line(text, "refuge_time_to_claim_seconds_bucket{le=\"15\"} 1");
	has_line(text, "refuge_time_to_claim_seconds_bucket{le=\"600\"} 1");
	has_line(text, "refuge_time_to_claim_seconds_bucket{le=\"+Inf\"} 2");
	has_line(text, "refuge_time_to_claim_seconds_sum 613");
	/* Gauges default to zero without a callback. */
	has_line(text, "refuge_units_registered 0");
	free(text);
}
END_TEST

START_TEST(observe_odd_values)
{
	struct metrics	m;

	metrics_init(&m, 0);
	metrics_observe(&m.commit_latency, -1.0);	/* clock stepped back */
	metrics_observe(&m.commit_latency, NAN);	/* ignored */
	ck_assert_uint_eq(m.commit_latency.count, 1);
	ck_assert_uint_eq(m.commit_latency.buckets[0], 1);
	ck_assert(m.commit_latency.sum == 0.0);
}
END_TEST

/* Every sample line is "name{labels} value" or "name value"; every name has a TYPE. */
START_TEST(exposition_is_well_formed)
{
	struct metrics	 m;
	char		*text, *line, *save = NULL, name[128];
	int		 samples = 0;

	metrics_init(&m, 1000);
	text = rendered(&m, NULL);
	ck_assert(text[strlen(text) - 1] == '\n');
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		const char	*sp;
		size_t		 n;

		if (line[0] == '#') {
			ck_assert_msg(strncmp(line, "# HELP refuge_", 14) == 0 ||
			    strncmp(line, "# TYPE refuge_", 14) == 0, "%s", line);
			continue;
		}
		samples++;
		n = strcspn(line, "{ ");
		ck_assert_msg(n > 7 && n < sizeof(name) &&
		    strncmp(line, "refuge_", 7) == 0, "%s", line);
		sp = strrchr(line, ' ');
		ck_assert_ptr_nonnull(sp);
		ck_assert_msg(sp[1] != '\0' && strspn(sp + 1, "0123456789.e+-") ==
		    strlen(sp + 1), "value in %s", line);
		if (line[n] == '{')
			ck_assert_msg(sp[-1] == '}', "%s", line);
	}
	ck_assert_int_gt(samples, 60);
	free(text);
}
END_TEST

START_TEST(refusal_names)
{
	ck_assert_str_eq(metrics_refusal_name(METRICS_REFUSED_NO_CERTIFICATE),
	    "no_certificate");
	ck_assert_str_eq(metrics_refusal_name(METRICS_REFUSED_TIMEOUT), "timeout");
	ck_assert_str_eq(metrics_refusal_name(METRICS_REFUSAL_COUNT), "unknown");
}
END_TEST

/* ---- the HTTP server, driven from this thread with a plain socket */

static const char	*health_reason;
static size_t		 gauge_calls;

static void
gauges(struct metrics_gauges *g, void *arg)
{
	ck_assert_ptr_eq(arg, &gauge_calls);
	gauge_calls++;
	g->units_registered = 42;
}

static const char *
health(void *arg, int *ok)
{
	static char	body[128];

	ck_assert_ptr_eq(arg, &gauge_calls);
	*ok = health_reason == NULL;
	snprintf(body, sizeof(body), "%s\n", health_reason == NULL ? "ok" :
	    health_reason);
	return body;
}

/* Sends request to the server at port and returns the whole response (freed by the caller). */
static char *
fetch(struct event_base *base, int port, const char *request)
{
	struct sockaddr_in	 sin;
	char			*resp;
	size_t			 len = 0, cap = 65536;
	ssize_t			 n;
	int			 fd, turns;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(write(fd, request, strlen(request)), (ssize_t)strlen(request));
	resp = malloc(cap);
	ck_assert_ptr_nonnull(resp);
	for (turns = 0; turns < 2000; turns++) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		n = recv(fd, resp + len, cap - 1 - len, MSG_DONTWAIT);
		if (n == 0)
			break;
		if (n > 0)
			len += (size_t)n;
		else {
			ck_assert_msg(errno == EAGAIN, "recv: %s", strerror(errno));
			usleep(1000);
		}
	}
	ck_assert_int_lt(turns, 2000);
	resp[len] = '\0';
	close(fd);
	return resp;
}

START_TEST(server_endpoints)
{
	struct event_base	*base = event_base_new();
	struct metrics_server	*s;
	struct metrics		 m;
	char			 err[256] = "", addr[64], *r;
	const char		*colon;
	int			 port;

	metrics_init(&m, 0);
	m.events[EVTYPE_BUTTON] = 1;
	s = metrics_server_new(base, "127.0.0.1:0", &m, gauges, health,
	    &gauge_calls, err, sizeof(err));
	ck_assert_msg(s != NULL, "%s", err);
	metrics_server_address(s, addr, sizeof(addr));
	ck_assert_int_eq(strncmp(addr, "127.0.0.1:", 10), 0);
	colon = strrchr(addr, ':');
	port = atoi(colon + 1);
	ck_assert_int_gt(port, 0);

	r = fetch(base, port, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	ck_assert_msg(strncmp(r, "HTTP/1.1 200 ", 13) == 0, "%s", r);
	ck_assert_ptr_nonnull(strstr(r, "\r\n\r\nok\n"));
	free(r);

	health_reason = "database unwritable";
	r = fetch(base, port, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	ck_assert_msg(strncmp(r, "HTTP/1.1 503 ", 13) == 0, "%s", r);
	ck_assert_ptr_nonnull(strstr(r, "\r\n\r\ndatabase unwritable\n"));
	free(r);
	health_reason = NULL;

	r = fetch(base, port, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	ck_assert_msg(strncmp(r, "HTTP/1.1 200 ", 13) == 0, "%s", r);
	ck_assert_ptr_nonnull(strstr(r, "Content-Type: text/plain; version=0.0.4\r\n"));
	ck_assert_ptr_nonnull(strstr(r, "\nrefuge_units_registered 42\n"));
	ck_assert_ptr_nonnull(strstr(r, "\nrefuge_events_total{type=\"BUTTON\"} 1\n"));
	ck_assert_uint_eq(gauge_calls, 1);
	free(r);

	r = fetch(base, port, "HEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	ck_assert_msg(strncmp(r, "HTTP/1.1 200 ", 13) == 0, "%s", r);
	ck_assert_ptr_nonnull(strstr(r, "Content-Length: "));
	ck_assert_msg(strlen(strstr(r, "\r\n\r\n")) == 4, "HEAD with a body: %s", r);
	ck_assert_uint_eq(gauge_calls, 2);
	free(r);

	r = fetch(base, port, "GET /nothing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	ck_assert_msg(strncmp(r, "HTTP/1.1 404 ", 13) == 0, "%s", r);
	free(r);

	r = fetch(base, port, "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
	    "Connection: close\r\n\r\nab");
	ck_assert_msg(strncmp(r, "HTTP/1.1 405 ", 13) == 0, "%s", r);
	ck_assert_ptr_nonnull(strstr(r, "Allow: GET, HEAD\r\n"));
	free(r);

	/* A body over the cap is refused by evhttp itself, before the callback. */
	r = fetch(base, port, "POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n"
	    "Connection: close\r\n\r\n");
	ck_assert_msg(strncmp(r, "HTTP/1.1 413 ", 13) == 0, "%s", r);
	free(r);
	ck_assert_uint_eq(gauge_calls, 2);

	metrics_server_free(s);
	event_base_free(base);
}
END_TEST

START_TEST(server_bad_address)
{
	struct event_base	*base = event_base_new();
	struct metrics		 m;
	char			 err[256] = "";

	metrics_init(&m, 0);
	ck_assert_ptr_null(metrics_server_new(base, "no-port", &m, NULL, NULL, NULL,
	    err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "no-port"));
	err[0] = '\0';
	ck_assert_ptr_null(metrics_server_new(base, "192.0.2.1:0", &m, NULL, NULL,
	    NULL, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "cannot listen"));
	metrics_server_free(NULL);
	event_base_free(base);
}
END_TEST

static Suite *
metrics_suite(void)
{
	Suite	*s = suite_create("metrics");
	TCase	*tc = tcase_create("render");
	TCase	*srv = tcase_create("server");

	tcase_add_test(tc, counters_and_gauges);
	tcase_add_test(tc, histogram_buckets_are_cumulative);
	tcase_add_test(tc, observe_odd_values);
	tcase_add_test(tc, exposition_is_well_formed);
	tcase_add_test(tc, refusal_names);
	suite_add_tcase(s, tc);
	tcase_add_test(srv, server_endpoints);
	tcase_add_test(srv, server_bad_address);
	suite_add_tcase(s, srv);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(metrics_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
