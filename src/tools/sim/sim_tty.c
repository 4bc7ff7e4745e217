/*
 * refuge-sim's interactive mode: one unit played from the keyboard.
 * On a terminal each key acts at once (raw mode, restored on every exit
 * path through sim_tty_stop); from a pipe or file each line is one key,
 * so the mode can be scripted. End of input quits like `q`.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <event2/event.h>

#include "sim.h"

static struct termios	 tty_saved;
static int		 tty_raw;
static int		 tty_quit;
static struct event	*tty_ev;
static struct sim_unit	*tty_unit;
static char		 tty_line[256];
static size_t		 tty_line_len;

static void
sim_tty_help(void)
{
	printf("keys: b button  t tamper  r tamper restore  T test  "
	    "s state  h help  q quit\n");
	fflush(stdout);
}

void
sim_unit_describe(const struct sim_unit *unit, char *buf, size_t len)
{
	char	camera[32];

	if (unit->camera_preset >= 0)
		snprintf(camera, sizeof(camera), "preset %d",
		    unit->camera_preset);
	else
		snprintf(camera, sizeof(camera), "home");
	snprintf(buf, len, "light: %s  camera: %s  audio: %s%s", unit->light,
	    camera, unit->audio_uri != NULL ? "open " : "closed",
	    unit->audio_uri != NULL ? unit->audio_uri : "");
}

static void
sim_tty_state(struct sim_unit *unit)
{
	static const char	*names[] = { "idle", "queued", "connecting",
				    "greeting", "connected" };
	char			 state[512];

	sim_unit_describe(unit, state, sizeof(state));
	sim_note(unit, "%s, %u event(s) waiting for ACK; %s",
	    names[unit->state], unit->pending_count, state);
}

static void
sim_tty_key(struct sim *sim, int key)
{
	struct sim_unit	*unit = tty_unit;

	if (tty_quit)
		return;
	switch (key) {
	case 'b':
		(void)sim_unit_event(unit, EVTYPE_BUTTON);
		break;
	case 't':
		(void)sim_unit_event(unit, EVTYPE_TAMPER);
		break;
	case 'r':
		(void)sim_unit_event(unit, EVTYPE_TAMPER_RESTORE);
		break;
	case 'T':
		(void)sim_unit_event(unit, EVTYPE_TEST);
		break;
	case 's':
		sim_tty_state(unit);
		break;
	case 'h':
	case '?':
		sim_tty_help();
		break;
	case 'q':
	case 4:		/* ^D */
		tty_quit = 1;
		if (unit->pending_count > 0 || unit->cmds != NULL)
			sim_note(unit, "quitting once %u event(s) are "
			    "acknowledged", unit->pending_count);
		sim_finish(sim);
		break;
	case ' ':
	case '\r':
	case '\n':
		break;
	default:
		sim_note(unit, "key '%c' does nothing (h for help)", key);
		break;
	}
}

static void
sim_tty_read(evutil_socket_t fd, short what, void *arg)
{
	struct sim	*sim = arg;
	char		 buf[256];
	ssize_t		 n, i;

	(void)what;
	n = read(fd, buf, sizeof(buf));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		event_del(tty_ev);
		if (tty_line_len > 0)
			sim_tty_key(sim, tty_line[0]);
		tty_line_len = 0;
		sim_tty_key(sim, 'q');
		return;
	}
	for (i = 0; i < n; i++) {
		if (tty_raw) {
			sim_tty_key(sim, (unsigned char)buf[i]);
			continue;
		}
		/* A line is one key: its first character. */
		if (buf[i] == '\n') {
			if (tty_line_len > 0)
				sim_tty_key(sim, tty_line[0]);
			tty_line_len = 0;
		} else if (tty_line_len < sizeof(tty_line))
			tty_line[tty_line_len++] = buf[i];
	}
}

int
sim_tty_start(struct sim *sim, struct sim_unit *unit)
{
	struct termios	raw;

	tty_unit = unit;
	if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &tty_saved) == 0) {
		raw = tty_saved;
		raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
		raw.c_cc[VMIN] = 1;
		raw.c_cc[VTIME] = 0;
		if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) == 0)
			tty_raw = 1;
	}
	if ((tty_ev = event_new(sim->base, STDIN_FILENO, EV_READ | EV_PERSIST,
	    sim_tty_read, sim)) == NULL || event_add(tty_ev, NULL) == -1) {
		sim_tty_stop();
		return -1;
	}
	printf("refuge-sim: playing unit %s against %s\n", unit->id,
	    sim->opt->target);
	sim_tty_help();
	return 0;
}

int
sim_tty_done(struct sim *sim)
{
	(void)sim;
	return tty_unit == NULL || tty_unit->cmds == NULL;
}

void
sim_tty_stop(void)
{
	if (tty_ev != NULL) {
		event_free(tty_ev);
		tty_ev = NULL;
	}
	if (tty_raw) {
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &tty_saved);
		tty_raw = 0;
	}
}
