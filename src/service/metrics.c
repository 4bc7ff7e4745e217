/*
 * Health and metrics over HTTP: the Prometheus text exposition (format
 * 0.0.4) of struct metrics plus the gauges the daemon reports at scrape
 * time. The HTTP server is in metrics_server.c.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "refuge/metrics.h"

static const double metrics_latency_bounds[METRICS_BUCKETS] = {
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5
};
static const double metrics_claim_bounds[METRICS_BUCKETS] = {
	1, 2, 5, 10, 15, 20, 30, 45, 60, 120, 300, 600
};

void
metrics_init(struct metrics *m, int64_t start_time_ms)
{
	memset(m, 0, sizeof(*m));
	m->start_time_ms = start_time_ms;
	m->ack_latency.bounds = metrics_latency_bounds;
	m->commit_latency.bounds = metrics_latency_bounds;
	m->time_to_claim.bounds = metrics_claim_bounds;
}

void
metrics_histogram_latency(struct metrics_histogram *h)
{
	memset(h, 0, sizeof(*h));
	h->bounds = metrics_latency_bounds;
}

void
metrics_histogram_claim(struct metrics_histogram *h)
{
	memset(h, 0, sizeof(*h));
	h->bounds = metrics_claim_bounds;
}

void
metrics_observe(struct metrics_histogram *h, double seconds)
{
	size_t	i;

	if (isnan(seconds))
		return;
	if (seconds < 0)
		seconds = 0;	/* a clock step must not make a negative sum */
	h->count++;
	h->sum += seconds;
	for (i = 0; i < METRICS_BUCKETS; i++) {
		if (seconds <= h->bounds[i]) {
			h->buckets[i]++;
			break;
		}
	}
}

const char *
metrics_refusal_name(enum metrics_refusal r)
{
	switch (r) {
	case METRICS_REFUSED_NO_CERTIFICATE:
		return "no_certificate";
	case METRICS_REFUSED_VERIFY:
		return "verify";
	case METRICS_REFUSED_HANDSHAKE:
		return "handshake";
	case METRICS_REFUSED_TIMEOUT:
		return "timeout";
	case METRICS_REFUSED_DENIED:
		return "denied";
	case METRICS_REFUSED_LIMIT:
		return "limit";
	case METRICS_REFUSAL_COUNT:
		break;
	}
	return "unknown";
}

/* The shortest "%.*g" of v that reads back as v (as Prometheus clients print). */
static void
metrics_format_double(double v, char *buf, size_t buflen)
{
	int	prec;

	if (isinf(v)) {
		snprintf(buf, buflen, v > 0 ? "+Inf" : "-Inf");
		return;
	}
	if (isnan(v)) {
		snprintf(buf, buflen, "NaN");
		return;
	}
	/* Whole numbers without an exponent: le="10", not le="1e+01". */
	if (v > -1e15 && v < 1e15 && v == (double)(int64_t)v) {
		snprintf(buf, buflen, "%.0f", v);
		return;
	}
	for (prec = 1; prec < 17; prec++) {
		snprintf(buf, buflen, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			return;
	}
	snprintf(buf, buflen, "%.17g", v);
}

static int
metrics_head(struct evbuffer *out, const char *name, const char *type,
    const char *help)
{
	return evbuffer_add_printf(out, "# HELP %s %s\n# TYPE %s %s\n",
	    name, help, name, type) < 0 ? -1 : 0;
}

/* One metric with one sample and no labels. */
static int
metrics_single(struct evbuffer *out, const char *name, const char *type,
    const char *help, uint64_t value)
{
	if (metrics_head(out, name, type, help) == -1)
		return -1;
	return evbuffer_add_printf(out, "%s %llu\n", name,
	    (unsigned long long)value) < 0 ? -1 : 0;
}

static int
metrics_histogram_render(struct evbuffer *out, const char *name,
    const char *help, const struct metrics_histogram *h)
{
	char		le[32], sum[40];
	uint64_t	cumulative = 0;
	size_t		i;

	if (metrics_head(out, name, "histogram", help) == -1)
		return -1;
	for (i = 0; i < METRICS_BUCKETS && h->bounds != NULL; i++) {
		cumulative += h->buckets[i];
		metrics_format_double(h->bounds[i], le, sizeof(le));
		if (evbuffer_add_printf(out, "%s_bucket{le=\"%s\"} %llu\n", name, le,
		    (unsigned long long)cumulative) < 0)
			return -1;
	}
	metrics_format_double(h->sum, sum, sizeof(sum));
	if (evbuffer_add_printf(out, "%s_bucket{le=\"+Inf\"} %llu\n%s_sum %s\n"
	    "%s_count %llu\n", name, (unsigned long long)h->count, name, sum,
	    name, (unsigned long long)h->count) < 0)
		return -1;
	return 0;
}

static int
metrics_render_gauges(const struct metrics_gauges *g, struct evbuffer *out)
{
	int	p;

	if (metrics_single(out, "refuge_units_registered", "gauge",
	    "Help Points in the registry.", g->units_registered) == -1 ||
	    metrics_single(out, "refuge_units_online", "gauge",
	    "Registered Help Points that supervision counts online.", g->units_online) == -1 ||
	    metrics_single(out, "refuge_units_offline", "gauge",
	    "Registered Help Points that supervision counts offline (silent too long).", g->units_offline) == -1)
		return -1;
	if (metrics_head(out, "refuge_connections", "gauge",
	    "Open connections by kind: units welcomed (past HELLO), operators "
	    "logged in or not.") == -1 ||
	    evbuffer_add_printf(out, "refuge_connections{kind=\"unit\"} %zu\n"
	    "refuge_connections{kind=\"operator\"} %zu\n", g->unit_connections,
	    g->operator_connections) < 0)
		return -1;
	if (metrics_single(out, "refuge_handshakes_in_progress", "gauge",
	    "Unit connections accepted whose TLS handshake or HELLO is not "
	    "done (at most limits.handshakes).", g->handshakes_in_progress) == -1)
		return -1;
	if (metrics_single(out, "refuge_operator_sessions", "gauge",
	    "Operators logged in.", g->operator_sessions) == -1 ||
	    metrics_single(out, "refuge_operators_connected", "gauge",
	    "Operator sessions logged in with a live link; at 0 a queued alarm "
	    "escalates at once.", g->operators_connected) == -1 ||
	    metrics_single(out, "refuge_store_ok", "gauge",
	    "1 while database writes succeed, 0 from a failed write until one "
	    "succeeds.", g->store_ok) == -1 ||
	    metrics_single(out, "refuge_clock_synced", "gauge",
	    "1 when the system clock is NTP-synchronised (adjtimex).",
	    g->clock_synced) == -1 ||
	    metrics_single(out, "refuge_receiver_active", "gauge",
	    "1 on the active receiver (or one alone), 0 on a standby.",
	    g->receiver_active) == -1)
		return -1;
	if (metrics_head(out, "refuge_alarms_open", "gauge",
	    "Open alarms by priority (1 highest) and state.") == -1)
		return -1;
	for (p = 1; p <= 9; p++) {
		if (evbuffer_add_printf(out,
		    "refuge_alarms_open{priority=\"%d\",state=\"queued\"} %zu\n"
		    "refuge_alarms_open{priority=\"%d\",state=\"claimed\"} %zu\n",
		    p, g->alarms_open[p][0], p, g->alarms_open[p][1]) < 0)
			return -1;
	}
	return 0;
}

int
metrics_render(const struct metrics *m, const struct metrics_gauges *g,
    struct evbuffer *out)
{
	struct metrics_gauges	none;
	char			start[40];
	int			i;

	if (g == NULL) {
		memset(&none, 0, sizeof(none));
		g = &none;
	}
	if (metrics_render_gauges(g, out) == -1)
		return -1;
	if (metrics_head(out, "refuge_tls_handshakes_total", "counter",
	    "Completed TLS handshakes from Help Points.") == -1 ||
	    evbuffer_add_printf(out, "refuge_tls_handshakes_total{result=\"ok\"} %llu\n",
	    (unsigned long long)m->handshakes_ok) < 0)
		return -1;
	if (metrics_head(out, "refuge_connections_refused_total", "counter",
	    "Help Point connections refused, by reason.") == -1)
		return -1;
	for (i = 0; i < METRICS_REFUSAL_COUNT; i++)
		if (evbuffer_add_printf(out,
		    "refuge_connections_refused_total{reason=\"%s\"} %llu\n",
		    metrics_refusal_name((enum metrics_refusal)i),
		    (unsigned long long)m->refused[i]) < 0)
			return -1;
	if (metrics_single(out, "refuge_accept_paused_total", "counter",
	    "Times the unit listener stopped accepting at limits.handshakes.",
	    m->accept_paused) == -1)
		return -1;
	if (metrics_head(out, "refuge_events_total", "counter",
	    "Events stored, by type (duplicates not counted).") == -1)
		return -1;
	for (i = 0; i < EVTYPE_COUNT; i++)
		if (evbuffer_add_printf(out, "refuge_events_total{type=\"%s\"} %llu\n",
		    evtype_name((enum evtype)i), (unsigned long long)m->events[i]) < 0)
			return -1;
	if (metrics_head(out, "refuge_dc09_frames_total", "counter",
	    "SIA DC-09 frames by the reply they got (none: dropped, bad CRC, "
	    "length or form).") == -1)
		return -1;
	for (i = 0; i < 4; i++)
		if (evbuffer_add_printf(out,
		    "refuge_dc09_frames_total{reply=\"%s\"} %llu\n",
		    (const char *const[]){ "ack", "nak", "duh", "none" }[i],
		    (unsigned long long)m->dc09_frames[i]) < 0)
			return -1;
	if (metrics_single(out, "refuge_event_duplicates_total", "counter",
	    "Retransmitted events already stored (acknowledged again).",
	    m->duplicates) == -1)
		return -1;
	if (metrics_single(out, "refuge_events_shed_total", "counter",
	    "Unit events dropped unacknowledged past limits.ingest_queue "
	    "(the unit sends them again).", m->events_shed) == -1)
		return -1;
	if (metrics_histogram_render(out, "refuge_ack_latency_seconds",
	    "From an EVENT line read to its ACK queued.", &m->ack_latency) == -1 ||
	    metrics_histogram_render(out, "refuge_db_commit_seconds",
	    "From BEGIN to COMMIT returned, per group commit.",
	    &m->commit_latency) == -1)
		return -1;
	if (metrics_single(out, "refuge_db_commits_total", "counter",
	    "Group commits to the database.", m->commits) == -1 ||
	    metrics_single(out, "refuge_db_commit_errors_total", "counter",
	    "Group commits that failed (nothing acknowledged).",
	    m->commit_errors) == -1)
		return -1;
	if (metrics_histogram_render(out, "refuge_time_to_claim_seconds",
	    "From an alarm raised to its first claim by an operator.",
	    &m->time_to_claim) == -1)
		return -1;
	if (metrics_single(out, "refuge_escalations_total", "counter",
	    "Alarms escalated for being unclaimed too long.", m->escalations) == -1)
		return -1;
	if (metrics_head(out, "refuge_reloads_total", "counter",
	    "Configuration reloads (SIGHUP), by result.") == -1 ||
	    evbuffer_add_printf(out, "refuge_reloads_total{result=\"ok\"} %llu\n"
	    "refuge_reloads_total{result=\"failed\"} %llu\n",
	    (unsigned long long)m->reloads_ok,
	    (unsigned long long)m->reloads_failed) < 0)
		return -1;
	if (metrics_head(out, "refuge_operator_logins_total", "counter",
	    "Operator LOGIN attempts, by result.") == -1 ||
	    evbuffer_add_printf(out, "refuge_operator_logins_total{result=\"ok\"} %llu\n"
	    "refuge_operator_logins_total{result=\"failed\"} %llu\n",
	    (unsigned long long)m->operator_logins,
	    (unsigned long long)m->operator_login_failures) < 0)
		return -1;
	metrics_format_double((double)m->start_time_ms / 1000.0, start, sizeof(start));
	if (metrics_head(out, "refuge_process_start_time_seconds", "gauge",
	    "Start time of the process since the Unix epoch.") == -1 ||
	    evbuffer_add_printf(out, "refuge_process_start_time_seconds %s\n",
	    start) < 0)
		return -1;
	return 0;
}
