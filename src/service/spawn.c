/*
 * Outside programs, run without a shell. The parent keeps a small table of
 * running children; SIGCHLD (a libevent signal event, so the work happens
 * in the loop, not in a handler) reaps exactly those pids, and a timer per
 * child kills its process group once its time is up.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>

#include "refuge/log.h"
#include "refuge/spawn.h"

#define SPAWN_MAX		16	/* a bound on max_running */
#define SPAWN_TAG_MAX		96
#define SPAWN_CLOSE_FALLBACK	65536	/* fds closed one by one without close_range */

struct spawn_child {
	struct spawn	*spawn;
	pid_t		 pid;		/* 0: a free slot */
	int		 killed;
	struct event	*deadline;
	char		 tag[SPAWN_TAG_MAX];
};

struct spawn {
	struct event_base	*base;
	struct event		*sigchld;
	int			 max_running;
	int			 running;
	int64_t			 kill_after_ms;
	struct spawn_child	 children[SPAWN_MAX];
};

static void
spawn_reaped(struct spawn_child *child, int status)
{
	if (WIFEXITED(status))
		log_info("%s pid=%ld exited status=%d", child->tag,
		    (long)child->pid, WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		log_warnx("%s pid=%ld ended by signal %d%s", child->tag,
		    (long)child->pid, WTERMSIG(status), child->killed ?
		    " (killed: over its time)" : "");
	evtimer_del(child->deadline);
	child->pid = 0;
	child->killed = 0;
	child->spawn->running--;
}

static void
spawn_sigchld(evutil_socket_t sig, short what, void *arg)
{
	struct spawn	*spawn = arg;
	pid_t		 pid;
	int		 i, status;

	(void)sig;
	(void)what;
	/* Only our own children: other modules' pids are theirs to reap. */
	for (i = 0; i < SPAWN_MAX; i++) {
		if (spawn->children[i].pid <= 0)
			continue;
		pid = waitpid(spawn->children[i].pid, &status, WNOHANG);
		if (pid == spawn->children[i].pid)
			spawn_reaped(&spawn->children[i], status);
		else if (pid == -1 && errno == ECHILD) {
			log_warnx("%s pid=%ld vanished", spawn->children[i].tag,
			    (long)spawn->children[i].pid);
			spawn_reaped(&spawn->children[i], 0);
		}
	}
}

static void
spawn_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct spawn_child	*child = arg;

	(void)fd;
	(void)what;
	if (child->pid <= 0)
		return;
	log_warnx("%s pid=%ld still running after %lld s: killed", child->tag,
	    (long)child->pid, (long long)(child->spawn->kill_after_ms / 1000));
	child->killed = 1;
	/* The group: a script's own children go too. */
	if (kill(-child->pid, SIGKILL) == -1)
		(void)kill(child->pid, SIGKILL);
}

struct spawn *
spawn_new(struct event_base *base, int max_running, int64_t kill_after_ms)
{
	struct spawn	*spawn;
	int		 i;

	if ((spawn = calloc(1, sizeof(*spawn))) == NULL)
		return NULL;
	spawn->base = base;
	spawn->max_running = max_running < 1 ? 1 : max_running > SPAWN_MAX ?
	    SPAWN_MAX : max_running;
	spawn->kill_after_ms = kill_after_ms;
	if ((spawn->sigchld = evsignal_new(base, SIGCHLD, spawn_sigchld,
	    spawn)) == NULL || evsignal_add(spawn->sigchld, NULL) == -1)
		goto fail;
	for (i = 0; i < SPAWN_MAX; i++) {
		spawn->children[i].spawn = spawn;
		if ((spawn->children[i].deadline = evtimer_new(base,
		    spawn_deadline, &spawn->children[i])) == NULL)
			goto fail;
	}
	return spawn;
fail:
	spawn_free(spawn);
	return NULL;
}

void
spawn_free(struct spawn *spawn)
{
	struct spawn_child	*child;
	int			 i, status;

	if (spawn == NULL)
		return;
	for (i = 0; i < SPAWN_MAX; i++) {
		child = &spawn->children[i];
		if (child->pid > 0) {
			log_warnx("%s pid=%ld killed: refuged stops", child->tag,
			    (long)child->pid);
			if (kill(-child->pid, SIGKILL) == -1)
				(void)kill(child->pid, SIGKILL);
			(void)waitpid(child->pid, &status, 0);
		}
		if (child->deadline != NULL)
			event_free(child->deadline);
	}
	if (spawn->sigchld != NULL)
		event_free(spawn->sigchld);
	free(spawn);
}

/* In the child, before exec: only async-signal-safe calls. */
static void
spawn_child_setup(void)
{
	struct rlimit	rl;
	sigset_t	all;
	int		fd, i, max = SPAWN_CLOSE_FALLBACK;

	(void)setpgid(0, 0);
	/* Dispositions the daemon set (SIGPIPE ignored) are inherited. */
	for (i = 1; i < NSIG; i++)
		(void)signal(i, SIG_DFL);
	sigemptyset(&all);
	(void)sigprocmask(SIG_SETMASK, &all, NULL);
	if ((fd = open("/dev/null", O_RDONLY)) != -1) {
		(void)dup2(fd, STDIN_FILENO);
		if (fd != STDIN_FILENO)
			(void)close(fd);
	}
	/* No socket, database or key of the daemon's reaches the program. */
	if (close_range(3, ~0U, 0) == 0)
		return;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < (rlim_t)max)
		max = (int)rl.rlim_cur;
	for (fd = 3; fd < max; fd++)
		(void)close(fd);
}

int
spawn_run(struct spawn *spawn, char *const argv[], const char *tag,
    char *err, size_t errlen)
{
	struct spawn_child	*child = NULL;
	struct timeval		 tv;
	pid_t			 pid;
	int			 i;

	if (spawn->running >= spawn->max_running) {
		snprintf(err, errlen, "%d programs run already", spawn->running);
		return -1;
	}
	for (i = 0; i < SPAWN_MAX && child == NULL; i++)
		if (spawn->children[i].pid == 0)
			child = &spawn->children[i];
	if (child == NULL) {
		snprintf(err, errlen, "no free slot");
		return -1;
	}
	if ((pid = fork()) == -1) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		spawn_child_setup();
		execvp(argv[0], argv);
		_exit(127);
	}
	/* Also here: the kill must find the group even if the child is slow. */
	(void)setpgid(pid, pid);
	child->pid = pid;
	child->killed = 0;
	snprintf(child->tag, sizeof(child->tag), "%s", tag);
	spawn->running++;
	tv.tv_sec = spawn->kill_after_ms / 1000;
	tv.tv_usec = (spawn->kill_after_ms % 1000) * 1000;
	evtimer_add(child->deadline, &tv);
	log_info("%s pid=%ld started: %s", child->tag, (long)pid, argv[0]);
	return 0;
}

int
spawn_running(const struct spawn *spawn)
{
	return spawn->running;
}
