/*
 * One worker thread takes jobs from `pending`, hashes, and moves them to
 * `done`, then writes a byte to a pipe whose read end is an event in the
 * loop; the loop calls back. Everything shared is under `lock`; the job the
 * worker is hashing is `current`, so cancelling finds it in any of the three.
 */
#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/crypto.h>

#include "refuge/conn.h"
#include "refuge/pwcheck.h"

#define PWCHECK_TEXT_MAX	520

struct pwcheck_job {
	TAILQ_ENTRY(pwcheck_job) entry;
	uint64_t		 ticket;
	pwcheck_fn		*fn;
	void			*arg;
	int			 cancelled;
	int			 ok;
	char			 password[PWCHECK_TEXT_MAX];
	char			 hash[PWCHECK_TEXT_MAX];
};

TAILQ_HEAD(pwcheck_queue, pwcheck_job);

struct pwcheck {
	pthread_t		 worker;
	int			 started;
	pthread_mutex_t		 lock;
	pthread_cond_t		 wake;
	int			 stopping;
	struct pwcheck_queue	 pending;
	struct pwcheck_queue	 done;
	struct pwcheck_job	*current;
	uint64_t		 next_ticket;
	int			 pipe[2];
	struct event		*ready;
};

static void
pwcheck_job_free(struct pwcheck_job *job)
{
	OPENSSL_cleanse(job, sizeof(*job));
	free(job);
}

static int
pwcheck_match(const char *password, const char *hash)
{
	struct crypt_data	*data;
	const char		*out;
	int			 ok = 0;

	if ((data = calloc(1, sizeof(*data))) == NULL)
		return 0;
	out = crypt_r(password, hash, data);
	if (out != NULL && out[0] != '*' && strlen(out) == strlen(hash))
		ok = CRYPTO_memcmp(out, hash, strlen(hash)) == 0;
	OPENSSL_cleanse(data, sizeof(*data));
	free(data);
	return ok;
}

static void *
pwcheck_work(void *arg)
{
	struct pwcheck		*pw = arg;
	struct pwcheck_job	*job;
	int			 ok;

	pthread_mutex_lock(&pw->lock);
	for (;;) {
		while (!pw->stopping && TAILQ_EMPTY(&pw->pending))
			pthread_cond_wait(&pw->wake, &pw->lock);
		if (pw->stopping)
			break;
		job = TAILQ_FIRST(&pw->pending);
		TAILQ_REMOVE(&pw->pending, job, entry);
		pw->current = job;
		pthread_mutex_unlock(&pw->lock);
		ok = pwcheck_match(job->password, job->hash);
		pthread_mutex_lock(&pw->lock);
		job->ok = ok;
		pw->current = NULL;
		TAILQ_INSERT_TAIL(&pw->done, job, entry);
		/* A full pipe already holds a wake-up: the loop drains `done` whole. */
		(void)write(pw->pipe[1], "", 1);
	}
	pthread_mutex_unlock(&pw->lock);
	return NULL;
}

static void
pwcheck_ready(evutil_socket_t fd, short what, void *arg)
{
	struct pwcheck		*pw = arg;
	struct pwcheck_queue	 done;
	struct pwcheck_job	*job;
	char			 drain[64];

	(void)what;
	while (read(fd, drain, sizeof(drain)) > 0)
		;
	TAILQ_INIT(&done);
	pthread_mutex_lock(&pw->lock);
	TAILQ_CONCAT(&done, &pw->done, entry);
	pthread_mutex_unlock(&pw->lock);
	while ((job = TAILQ_FIRST(&done)) != NULL) {
		TAILQ_REMOVE(&done, job, entry);
		if (!job->cancelled)
			job->fn(job->ok, job->arg);
		pwcheck_job_free(job);
	}
}

struct pwcheck *
pwcheck_new(struct event_base *base, char *err, size_t errlen)
{
	struct pwcheck	*pw;

	if ((pw = calloc(1, sizeof(*pw))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pw->pipe[0] = pw->pipe[1] = -1;
	TAILQ_INIT(&pw->pending);
	TAILQ_INIT(&pw->done);
	pthread_mutex_init(&pw->lock, NULL);
	pthread_cond_init(&pw->wake, NULL);
	if (pipe2(pw->pipe, O_NONBLOCK | O_CLOEXEC) == -1) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		goto fail;
	}
	/* Verdicts go with the established links, not behind a handshake storm. */
	if ((pw->ready = event_new(base, pw->pipe[0], EV_READ | EV_PERSIST,
	    pwcheck_ready, pw)) == NULL ||
	    (event_base_get_npriorities(base) == CONN_PRIORITIES &&
	    event_priority_set(pw->ready, CONN_PRIORITY_ESTABLISHED) == -1) ||
	    event_add(pw->ready, NULL) == -1) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if ((errno = pthread_create(&pw->worker, NULL, pwcheck_work, pw)) != 0) {
		snprintf(err, errlen, "password worker: %s", strerror(errno));
		goto fail;
	}
	pw->started = 1;
	return pw;
fail:
	pwcheck_free(pw);
	return NULL;
}

void
pwcheck_free(struct pwcheck *pw)
{
	struct pwcheck_job	*job;

	if (pw == NULL)
		return;
	if (pw->started) {
		pthread_mutex_lock(&pw->lock);
		pw->stopping = 1;
		pthread_cond_signal(&pw->wake);
		pthread_mutex_unlock(&pw->lock);
		pthread_join(pw->worker, NULL);
	}
	while ((job = TAILQ_FIRST(&pw->pending)) != NULL) {
		TAILQ_REMOVE(&pw->pending, job, entry);
		pwcheck_job_free(job);
	}
	while ((job = TAILQ_FIRST(&pw->done)) != NULL) {
		TAILQ_REMOVE(&pw->done, job, entry);
		pwcheck_job_free(job);
	}
	if (pw->ready != NULL)
		event_free(pw->ready);
	if (pw->pipe[0] != -1)
		close(pw->pipe[0]);
	if (pw->pipe[1] != -1)
		close(pw->pipe[1]);
	pthread_cond_destroy(&pw->wake);
	pthread_mutex_destroy(&pw->lock);
	free(pw);
}

uint64_t
pwcheck_submit(struct pwcheck *pw, const char *password, const char *hash,
    pwcheck_fn *fn, void *arg)
{
	struct pwcheck_job	*job;
	uint64_t		 ticket;

	if (strlen(password) >= PWCHECK_TEXT_MAX ||
	    strlen(hash) >= PWCHECK_TEXT_MAX ||
	    (job = calloc(1, sizeof(*job))) == NULL)
		return 0;
	memcpy(job->password, password, strlen(password) + 1);
	memcpy(job->hash, hash, strlen(hash) + 1);
	job->fn = fn;
	job->arg = arg;
	pthread_mutex_lock(&pw->lock);
	ticket = job->ticket = ++pw->next_ticket;
	TAILQ_INSERT_TAIL(&pw->pending, job, entry);
	pthread_cond_signal(&pw->wake);
	pthread_mutex_unlock(&pw->lock);
	return ticket;
}

void
pwcheck_cancel(struct pwcheck *pw, uint64_t ticket)
{
	struct pwcheck_job	*job;

	pthread_mutex_lock(&pw->lock);
	if (pw->current != NULL && pw->current->ticket == ticket)
		pw->current->cancelled = 1;
	TAILQ_FOREACH(job, &pw->pending, entry)
		if (job->ticket == ticket)
			job->cancelled = 1;
	TAILQ_FOREACH(job, &pw->done, entry)
		if (job->ticket == ticket)
			job->cancelled = 1;
	pthread_mutex_unlock(&pw->lock);
}
