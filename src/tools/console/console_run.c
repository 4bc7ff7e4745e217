/*
 * Local commands run as argv without a shell (console_run.h), so that a
 * unit id or a URI can never become shell syntax.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "console_run.h"

/* Appends c to the word being built; -1 when buf is full. */
static int
console_run_put(char *buf, size_t buflen, size_t *used, char c)
{
	if (*used + 1 >= buflen)
		return -1;
	buf[(*used)++] = c;
	return 0;
}

/* Appends the word's substitution of raw[0..len) to buf. */
static int
console_run_subst_word(const char *raw, size_t len,
    const struct console_run_subst *subst, size_t nsubst, char *buf,
    size_t buflen, size_t *used)
{
	size_t		 i, k;
	const char	*v;

	for (i = 0; i < len; i++) {
		if (raw[i] != '%' || i + 1 == len) {
			if (console_run_put(buf, buflen, used, raw[i]) == -1)
				return -1;
			continue;
		}
		if (raw[i + 1] == '%') {
			if (console_run_put(buf, buflen, used, '%') == -1)
				return -1;
			i++;
			continue;
		}
		for (k = 0; k < nsubst; k++)
			if (subst[k].key == raw[i + 1])
				break;
		if (k == nsubst) {
			if (console_run_put(buf, buflen, used, raw[i]) == -1)
				return -1;
			continue;
		}
		for (v = subst[k].value ? subst[k].value : ""; *v; v++)
			if (console_run_put(buf, buflen, used, *v) == -1)
				return -1;
		i++;
	}
	return console_run_put(buf, buflen, used, '\0');
}

/* One word of cmd from *p, unquoted, into word; -1 on a quote left open. */
static int
console_run_word(const char **p, char *word, size_t wordlen, size_t *len)
{
	const char	*s = *p;
	char		 q;

	*len = 0;
	while (*s != '\0' && *s != ' ' && *s != '\t') {
		if (*s == '\'' || *s == '"') {
			q = *s++;
			while (*s != '\0' && *s != q) {
				if (q == '"' && *s == '\\' &&
				    (s[1] == '"' || s[1] == '\\'))
					s++;
				if (*len + 1 >= wordlen)
					return -1;
				word[(*len)++] = *s++;
			}
			if (*s != q)
				return -1;
			s++;
			continue;
		}
		if (*s == '\\' && s[1] != '\0')
			s++;
		if (*len + 1 >= wordlen)
			return -1;
		word[(*len)++] = *s++;
	}
	*p = s;
	return 0;
}

int
console_run_split(const char *cmd, const struct console_run_subst *subst,
    size_t nsubst, char **argv, size_t max, char *buf, size_t buflen)
{
	char		 word[CONSOLE_RUN_MAX_BYTES];
	const char	*p = cmd;
	size_t		 n = 0, used = 0, len;

	if (max == 0)
		return -1;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			break;
		if (n + 1 >= max ||
		    console_run_word(&p, word, sizeof(word), &len) == -1)
			return -1;
		argv[n++] = buf + used;
		if (console_run_subst_word(word, len, subst, nsubst, buf,
		    buflen, &used) == -1)
			return -1;
	}
	argv[n] = NULL;
	return n == 0 ? -1 : (int)n;
}

int
console_run(const char *cmd, const struct console_run_subst *subst,
    size_t nsubst)
{
	char	*argv[CONSOLE_RUN_MAX_ARGS];
	char	 buf[CONSOLE_RUN_MAX_BYTES];
	pid_t	 pid;
	int	 fd;

	if (console_run_split(cmd, subst, nsubst, argv, CONSOLE_RUN_MAX_ARGS,
	    buf, sizeof(buf)) == -1)
		return -1;
	if ((pid = fork()) == -1)
		return -1;
	if (pid > 0)
		return 0;
	/* The child: nothing of the screen's terminal, then the program. */
	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		(void)dup2(fd, STDIN_FILENO);
		(void)dup2(fd, STDOUT_FILENO);
		(void)dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	(void)setsid();
	/* The console ignores these; the program gets the defaults. */
	signal(SIGCHLD, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	execvp(argv[0], argv);
	_exit(127);
}
