/*
 * refuge-sim --dc09 for load: one panel per DC-09 account of the registry
 * (--count of them), each with one frame in flight at a time as a panel
 * waits for its ACK. Presses (SIA PA) and periodic tests (RP, stored with
 * no alarm) are drawn at their rates across idle panels; each panel polls
 * with NULL every --poll. TCP connections are kept (or, --one-shot, made
 * for each frame and closed after its reply); UDP uses a socket a panel.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "refuge/dc09.h"
#include "refuge/registry.h"
#include "refuge/timenow.h"

#include "sim_dc09.h"

#define SIM_DC09_TICK_MS	1
#define SIM_DC09_TIMEOUT_MS	10000

enum sim_dc09_kind { KIND_PRESS, KIND_TEST, KIND_POLL };

struct lsim;

struct lpanel {
	struct lsim			*sim;
	const struct registry_unit	*u;
	int				 fd;
	struct event			*rd;
	struct event			*poll;
	struct dc09_framer		 framer;
	int				 busy;
	enum sim_dc09_kind		 kind;
	int64_t				 sent_us;
	unsigned			 seq;
};

struct lsim {
	struct event_base		*base;
	const struct sim_dc09_options	*opt;
	const struct sockaddr		*to;
	socklen_t			 tolen;
	struct lpanel			*panels;
	size_t				 count;
	size_t				*idle;		/* a stack of idle panels */
	size_t				 idle_count;
	double				 press_tokens, test_tokens;
	int64_t				 last_us, start_us;
	uint64_t			 nonce;
	struct sim_dc09_counters	 c;
	struct sim_stats		 all, press;	/* µs from send to ACK */
};

static int
sim_dc09_connect(struct lsim *s)
{
	int	fd;

	if ((fd = socket(s->to->sa_family, s->opt->udp ? SOCK_DGRAM :
	    SOCK_STREAM, 0)) == -1)
		return -1;
	/* Blocking on loopback is quick; the loop needs it non-blocking after. */
	if (connect(fd, s->to, s->tolen) == -1 ||
	    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

static void	sim_dc09_readable(evutil_socket_t, short, void *);

static int
sim_dc09_open(struct lpanel *p)
{
	if ((p->fd = sim_dc09_connect(p->sim)) == -1)
		return -1;
	dc09_framer_init(&p->framer);
	if ((p->rd = event_new(p->sim->base, p->fd, EV_READ | EV_PERSIST,
	    sim_dc09_readable, p)) == NULL || event_add(p->rd, NULL) == -1) {
		close(p->fd);
		p->fd = -1;
		return -1;
	}
	return 0;
}

static void
sim_dc09_shut(struct lpanel *p)
{
	if (p->rd != NULL)
		event_free(p->rd);
	p->rd = NULL;
	if (p->fd != -1)
		close(p->fd);
	p->fd = -1;
}

static void
sim_dc09_idle(struct lpanel *p)
{
	p->busy = 0;
	p->sim->idle[p->sim->idle_count++] = (size_t)(p - p->sim->panels);
	if (p->sim->opt->one_shot)
		sim_dc09_shut(p);
}

static void
sim_dc09_send(struct lpanel *p, enum sim_dc09_kind kind)
{
	static const char *const	 data[] = { "Nri1/PA1", "NRP", "" };
	struct lsim			*s = p->sim;
	char				 buf[DC09_MAX_FRAME + 1];
	int				 n;

	n = sim_dc09_frame(buf, sizeof(buf), p->u, s->opt->encrypt,
	    kind == KIND_POLL ? "NULL" : "SIA-DCS", ++p->seq, data[kind],
	    ++s->nonce);
	if (n < 0 || (p->fd == -1 && sim_dc09_open(p) == -1) ||
	    send(p->fd, buf, (size_t)n, MSG_NOSIGNAL) != n) {
		s->c.errors++;
		sim_dc09_shut(p);
		sim_dc09_idle(p);
		return;
	}
	p->busy = 1;
	p->kind = kind;
	p->sent_us = timenow_mono_us();
	s->c.sent++;
	s->c.presses += kind == KIND_PRESS;
	s->c.tests += kind == KIND_TEST;
	s->c.polls += kind == KIND_POLL;
}

static void
sim_dc09_reply(void *arg, const char *content, size_t len, int overlong)
{
	struct lpanel	*p = arg;
	struct lsim	*s = p->sim;
	const char	*token;
	uint64_t	 us;

	if (!p->busy)
		return;
	token = overlong ? NULL : sim_dc09_reply_token(content, len);
	if (token == NULL)
		s->c.errors++;
	else if (strcmp(token, "NAK") == 0)
		s->c.naks++;
	else if (strcmp(token, "DUH") == 0)
		s->c.duhs++;
	else {
		s->c.acked++;
		us = (uint64_t)(timenow_mono_us() - p->sent_us);
		sim_stats_add(&s->all, us);
		if (p->kind == KIND_PRESS)
			sim_stats_add(&s->press, us);
	}
	sim_dc09_idle(p);
}

static void
sim_dc09_readable(evutil_socket_t fd, short what, void *arg)
{
	struct lpanel	*p = arg;
	char		 buf[4096];
	ssize_t		 n;

	(void)what;
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		p->sim->c.errors += p->busy;
		sim_dc09_shut(p);
		if (p->busy)
			sim_dc09_idle(p);
		return;
	}
	if (p->sim->opt->udp)
		dc09_framer_init(&p->framer);	/* a datagram is a frame */
	dc09_framer_feed(&p->framer, buf, (size_t)n, sim_dc09_reply, p);
}

/* Takes an idle panel, or NULL. */
static struct lpanel *
sim_dc09_take(struct lsim *s)
{
	if (s->idle_count == 0)
		return NULL;
	return &s->panels[s->idle[--s->idle_count]];
}

static void
sim_dc09_tick(evutil_socket_t fd, short what, void *arg)
{
	struct lsim	*s = arg;
	struct lpanel	*p;
	int64_t		 now = timenow_mono_us();
	double		 dt = (double)(now - s->last_us) / 1e6;
	size_t		 i;

	(void)fd;
	(void)what;
	s->last_us = now;
	s->press_tokens += s->opt->press_rate * dt;
	s->test_tokens += s->opt->test_rate * dt;
	while (s->press_tokens >= 1 && (p = sim_dc09_take(s)) != NULL) {
		s->press_tokens -= 1;
		sim_dc09_send(p, KIND_PRESS);
	}
	while (s->test_tokens >= 1 && (p = sim_dc09_take(s)) != NULL) {
		s->test_tokens -= 1;
		sim_dc09_send(p, KIND_TEST);
	}
	/* Busy panels cap the rate: what cannot be sent now is not owed. */
	if (s->press_tokens > 1)
		s->press_tokens = 1;
	if (s->test_tokens > 1)
		s->test_tokens = 1;
	for (i = 0; i < s->count; i++) {
		p = &s->panels[i];
		if (p->busy && now - p->sent_us > SIM_DC09_TIMEOUT_MS * 1000LL) {
			s->c.timeouts++;
			sim_dc09_idle(p);
		}
	}
	if (s->opt->duration_ms > 0 && (now - s->start_us) / 1000 >=
	    s->opt->duration_ms)
		event_base_loopbreak(s->base);
}

static void
sim_dc09_poll(evutil_socket_t fd, short what, void *arg)
{
	struct lpanel	*p = arg;
	size_t		 i;

	(void)fd;
	(void)what;
	if (p->busy)
		return;
	for (i = 0; i < p->sim->idle_count; i++)
		if (&p->sim->panels[p->sim->idle[i]] == p) {
			p->sim->idle[i] = p->sim->idle[--p->sim->idle_count];
			sim_dc09_send(p, KIND_POLL);
			return;
		}
}

static void
sim_dc09_stop(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	event_base_loopbreak(arg);
}

static void
sim_dc09_report(const struct lsim *s)
{
	double	secs = (double)(timenow_mono_us() - s->start_us) / 1e6;

	if (s->opt->json) {
		printf("{\"seconds\":%.3f,\"panels\":%zu,\"sent\":%llu,"
		    "\"acked\":%llu,\"acked_per_s\":%.1f,\"naks\":%llu,"
		    "\"duhs\":%llu,\"timeouts\":%llu,\"errors\":%llu,"
		    "\"p50_us\":%llu,\"p99_us\":%llu,\"press_p99_us\":%llu}\n",
		    secs, s->count, (unsigned long long)s->c.sent,
		    (unsigned long long)s->c.acked, (double)s->c.acked / secs,
		    (unsigned long long)s->c.naks, (unsigned long long)s->c.duhs,
		    (unsigned long long)s->c.timeouts,
		    (unsigned long long)s->c.errors,
		    (unsigned long long)sim_stats_percentile(&s->all, 50),
		    (unsigned long long)sim_stats_percentile(&s->all, 99),
		    (unsigned long long)sim_stats_percentile(&s->press, 99));
		return;
	}
	printf("dc09: %zu panels, %.1f s: %llu frames sent, %llu ACKed "
	    "(%.0f/s), %llu NAK, %llu DUH, %llu timeouts, %llu errors\n",
	    s->count, secs, (unsigned long long)s->c.sent,
	    (unsigned long long)s->c.acked, (double)s->c.acked / secs,
	    (unsigned long long)s->c.naks, (unsigned long long)s->c.duhs,
	    (unsigned long long)s->c.timeouts, (unsigned long long)s->c.errors);
	printf("dc09: send to ACK p50 %llu us, p99 %llu us; presses p99 %llu us\n",
	    (unsigned long long)sim_stats_percentile(&s->all, 50),
	    (unsigned long long)sim_stats_percentile(&s->all, 99),
	    (unsigned long long)sim_stats_percentile(&s->press, 99));
}

static int
sim_dc09_setup(struct lsim *s, const struct registry *reg)
{
	struct lpanel	*p;
	struct timeval	 tv;
	size_t		 i;

	for (i = 0; i < reg->dc09_count && s->count < (s->opt->count ?
	    s->opt->count : reg->dc09_count); i++) {
		if (s->opt->encrypt ? reg->dc09_index[i]->dc09->key_len == 0 :
		    !reg->dc09_index[i]->dc09->plaintext)
			continue;
		p = &s->panels[s->count];
		p->sim = s;
		p->u = reg->dc09_index[i];
		p->fd = -1;
		p->seq = (unsigned)(timenow_wall_ms() / 1000) % 10000;
		if (!s->opt->one_shot && sim_dc09_open(p) == -1) {
			fprintf(stderr, "refuge-sim: panel %s: cannot connect: "
			    "%s\n", p->u->id, strerror(errno));
			return -1;
		}
		if (s->opt->poll_ms > 0) {
			if ((p->poll = event_new(s->base, -1, EV_PERSIST,
			    sim_dc09_poll, p)) == NULL)
				return -1;
			tv = timenow_tv(s->opt->poll_ms);
			event_add(p->poll, &tv);
		}
		s->idle[s->idle_count++] = s->count++;
	}
	if (s->count == 0) {
		fprintf(stderr, "refuge-sim: no %s DC-09 accounts in the "
		    "registry\n", s->opt->encrypt ? "encrypted" : "plaintext");
		return -1;
	}
	return 0;
}

int
sim_dc09_load(const struct sim_dc09_options *opt, const struct registry *reg,
    const struct sockaddr *to, socklen_t tolen)
{
	struct lsim	 s;
	struct event	*tick = NULL, *sigs[2] = { NULL, NULL };
	struct timeval	 tv = timenow_tv(SIM_DC09_TICK_MS);
	size_t		 i;
	int		 rc = 1;

	memset(&s, 0, sizeof(s));
	s.opt = opt;
	s.to = to;
	s.tolen = tolen;
	sim_stats_init(&s.all);
	sim_stats_init(&s.press);
	signal(SIGPIPE, SIG_IGN);
	if ((s.base = event_base_new()) == NULL ||
	    (s.panels = calloc(reg->dc09_count + 1, sizeof(*s.panels))) == NULL ||
	    (s.idle = calloc(reg->dc09_count + 1, sizeof(*s.idle))) == NULL)
		goto done;
	if (sim_dc09_setup(&s, reg) == -1)
		goto done;
	if ((tick = event_new(s.base, -1, EV_PERSIST, sim_dc09_tick, &s)) ==
	    NULL || (sigs[0] = evsignal_new(s.base, SIGINT, sim_dc09_stop,
	    s.base)) == NULL || (sigs[1] = evsignal_new(s.base, SIGTERM,
	    sim_dc09_stop, s.base)) == NULL)
		goto done;
	event_add(tick, &tv);
	event_add(sigs[0], NULL);
	event_add(sigs[1], NULL);
	s.start_us = s.last_us = timenow_mono_us();
	event_base_dispatch(s.base);
	sim_dc09_report(&s);
	rc = 0;	/* a run: its figures say what happened */
done:
	for (i = 0; i < s.count; i++) {
		sim_dc09_shut(&s.panels[i]);
		if (s.panels[i].poll != NULL)
			event_free(s.panels[i].poll);
	}
	if (tick != NULL)
		event_free(tick);
	for (i = 0; i < 2; i++)
		if (sigs[i] != NULL)
			event_free(sigs[i]);
	free(s.panels);
	free(s.idle);
	if (s.base != NULL)
		event_base_free(s.base);
	return rc;
}
