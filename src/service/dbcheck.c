/*
 * A thread per check: dbcheck_start creates it, it runs store_check and
 * writes a byte to a pipe whose read end is an event in the loop, which
 * joins it and calls back. `stopping`, under `lock`, is read by the check's
 * progress callback, so that dbcheck_free need not wait for a whole check.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "refuge/dbcheck.h"
#include "refuge/store.h"

#define DBCHECK_MESSAGE_MAX	512

struct dbcheck {
	char		*database;
	dbcheck_fn	*fn;
	void		*arg;
	int		 pipe[2];
	struct event	*ready;
	pthread_t	 worker;
	int		 running;	/* a thread to join: the loop's only */
	pthread_mutex_t	 lock;
	int		 stopping;	/* under lock */
	/* Written by the worker, read by the loop after the join. */
	int		 status;
	double		 seconds;
	char		 message[DBCHECK_MESSAGE_MAX];
};

static int
dbcheck_stopping(void *arg)
{
	struct dbcheck	*check = arg;
	int		 stopping;

	pthread_mutex_lock(&check->lock);
	stopping = check->stopping;
	pthread_mutex_unlock(&check->lock);
	return stopping;
}

static double
dbcheck_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *
dbcheck_work(void *arg)
{
	struct dbcheck	*check = arg;
	double		 began = dbcheck_now();

	check->message[0] = '\0';
	check->status = store_check(check->database, dbcheck_stopping, check,
	    check->message, sizeof(check->message));
	if (check->status == 0)
		check->message[0] = '\0';
	check->seconds = dbcheck_now() - began;
	(void)write(check->pipe[1], "", 1);
	return NULL;
}

static void
dbcheck_ready(evutil_socket_t fd, short what, void *arg)
{
	struct dbcheck	*check = arg;
	char		 drain[16];

	(void)what;
	while (read(fd, drain, sizeof(drain)) > 0)
		;
	if (!check->running)
		return;
	pthread_join(check->worker, NULL);
	check->running = 0;
	check->fn(check->status, check->message, check->seconds, check->arg);
}

struct dbcheck *
dbcheck_new(struct event_base *base, const char *database, dbcheck_fn *fn,
    void *arg, char *err, size_t errlen)
{
	struct dbcheck	*check;

	if ((check = calloc(1, sizeof(*check))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	check->pipe[0] = check->pipe[1] = -1;
	check->fn = fn;
	check->arg = arg;
	pthread_mutex_init(&check->lock, NULL);
	if ((check->database = strdup(database)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (pipe2(check->pipe, O_NONBLOCK | O_CLOEXEC) == -1) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		goto fail;
	}
	if ((check->ready = event_new(base, check->pipe[0], EV_READ | EV_PERSIST,
	    dbcheck_ready, check)) == NULL || event_add(check->ready, NULL) ==
	    -1) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	return check;
fail:
	dbcheck_free(check);
	return NULL;
}

int
dbcheck_start(struct dbcheck *check)
{
	if (check->running)
		return 1;
	if ((errno = pthread_create(&check->worker, NULL, dbcheck_work,
	    check)) != 0)
		return -1;
	check->running = 1;
	return 0;
}

int
dbcheck_running(const struct dbcheck *check)
{
	return check->running;
}

void
dbcheck_free(struct dbcheck *check)
{
	if (check == NULL)
		return;
	if (check->running) {
		pthread_mutex_lock(&check->lock);
		check->stopping = 1;
		pthread_mutex_unlock(&check->lock);
		pthread_join(check->worker, NULL);
	}
	if (check->ready != NULL)
		event_free(check->ready);
	if (check->pipe[0] != -1)
		close(check->pipe[0]);
	if (check->pipe[1] != -1)
		close(check->pipe[1]);
	pthread_mutex_destroy(&check->lock);
	free(check->database);
	free(check);
}
