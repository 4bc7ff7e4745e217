/* The tools' password prompt: a line read with echo off, signals held meanwhile. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "pwprompt.h"

/* Writes all of s, or gives up quietly: a prompt that cannot show is no error. */
static void
pwprompt_write(int fd, const char *s)
{
	size_t	len = strlen(s);
	ssize_t	n;

	while (len > 0) {
		if ((n = write(fd, s, len)) == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		s += n;
		len -= (size_t)n;
	}
}

/* Reads up to the LF a byte at a time, so nothing past the line is taken. */
static enum pwprompt_status
pwprompt_line(int fd, char *buf, size_t len)
{
	enum pwprompt_status	 st = PWPROMPT_OK;
	size_t			 n = 0;
	ssize_t			 r;
	char			 ch;
	int			 any = 0;

	for (;;) {
		if ((r = read(fd, &ch, 1)) == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			st = PWPROMPT_FAIL;
			break;
		}
		if (r == 0) {
			if (!any)
				st = PWPROMPT_EOF;
			break;
		}
		any = 1;
		if (ch == '\n')
			break;
		if (n + 1 < len)
			buf[n++] = ch;
		else
			st = PWPROMPT_TOOLONG;
	}
	if (len > 0) {
		buf[n] = '\0';
		if (st != PWPROMPT_TOOLONG && n > 0 && buf[n - 1] == '\r')
			buf[--n] = '\0';
	}
	return st;
}

enum pwprompt_status
pwprompt_read(int fd, int out, const char *prompt, char *buf, size_t len)
{
	struct termios		 saved, quiet;
	sigset_t		 stop, was;
	enum pwprompt_status	 st;
	int			 saved_errno;

	if (len == 0)
		return PWPROMPT_TOOLONG;
	buf[0] = '\0';
	if (!isatty(fd))
		return pwprompt_line(fd, buf, len);
	/* A signal while echo is off would leave the terminal blind: hold it. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGHUP);
	sigaddset(&stop, SIGQUIT);
	sigaddset(&stop, SIGTSTP);
	if (sigprocmask(SIG_BLOCK, &stop, &was) == -1)
		return PWPROMPT_FAIL;
	pwprompt_write(out, prompt);
	if (tcgetattr(fd, &saved) == -1)
		goto fail;
	quiet = saved;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	quiet.c_lflag |= ICANON;
	if (tcsetattr(fd, TCSAFLUSH, &quiet) == -1)
		goto fail;
	st = pwprompt_line(fd, buf, len);
	saved_errno = errno;
	(void)tcsetattr(fd, TCSAFLUSH, &saved);
	(void)sigprocmask(SIG_SETMASK, &was, NULL);
	/* The Enter that ended the line was not echoed. */
	pwprompt_write(out, "\n");
	errno = saved_errno;
	return st;
fail:
	saved_errno = errno;
	(void)sigprocmask(SIG_SETMASK, &was, NULL);
	errno = saved_errno;
	return PWPROMPT_FAIL;
}
