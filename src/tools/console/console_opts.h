/*
 * refuge-console's command line and environment: what main starts with.
 * Called by console.c only.
 */
#ifndef REFUGE_CONSOLE_OPTS_H
#define REFUGE_CONSOLE_OPTS_H

#include "refuge/alarm.h"
#include "refuge/line.h"
#include "refuge/uproto_client.h"

enum console_mode {
	CONSOLE_MODE_UI,
	CONSOLE_MODE_BATCH,
	CONSOLE_MODE_WATCH
};

struct console_opts {
	enum console_mode	 mode;
	/* -H as given, and its receivers in order */
	char			 server[UPROTO_CLIENT_RX_MAX *
				    (UPROTO_CLIENT_ADDR_MAX + 1)];
	struct uproto_client_rx	 rx;
	char			 user[ALARM_USER_MAX + 1];
	const char		*ca;
	int			 insecure;
	const char		*password_file;
	char			 desk[LINE_MAX_BYTES / 2];	/* --desk, REFUGE_DESK */
	const char		*on_audio;	/* --on-audio */
	const char		*alert_command;	/* --alert-command */
};

/*
 * Reads the options and the environment into o. Returns -1 when all is
 * well, else the exit status to end with (0 after -V or -h; 2 for usage,
 * having said why on stderr).
 */
int	console_opts_parse(int argc, char *argv[], struct console_opts *o);

#endif
