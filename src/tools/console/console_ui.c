/*
 * refuge-console's screen: ncurses drawing, driven by the libevent loop
 * (stdin readable, a one-second tick, SIGWINCH); each key goes to the key
 * hook (console_keys.c, wired by console.c), which may set a prompt line.
 * Layout: status line, banner, the alarm stack, then the units pane beside
 * the detail pane of the selected alarm, the newest message (or the open
 * prompt) and a help bar. The selection follows an alarm id, not a row.
 */
#include <sys/ioctl.h>

#define NCURSES_WIDECHAR	1	/* get_wch */
#include <curses.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wchar.h>

#include <event2/event.h>

#include "refuge/timenow.h"

#include "console_link.h"
#include "console_model.h"
#include "console_ui.h"

#define CONSOLE_UI_UNITS_WIDTH	46
#define CONSOLE_UI_PROMPT_MAX	1024

struct console_ui {
	struct console_model	*model;
	struct console_link	*link;
	struct console_ui_hooks	 hooks;
	struct event		*input;
	struct event		*tick;
	struct event		*winch;
	struct event		*redraw;
	int64_t			 selected;	/* alarm id; 0: none */
	long			 selected_row;
	int			 phase;		/* flips each second: flashing */
	int			 help;		/* the help screen is up */
	int			 colours;
	char			 prompt[CONSOLE_UI_PROMPT_MAX];	/* "": none */
	char			 history_unit[CONSOLE_ID_MAX];	/* HISTORY asked for */
};

static void
console_ui_schedule(struct console_ui *ui)
{
	event_active(ui->redraw, 0, 0);
}

void
console_ui_changed(struct console_ui *ui)
{
	if (ui != NULL)
		console_ui_schedule(ui);
}

void
console_ui_effect(struct console_ui *ui, enum console_effect effect,
    int priority)
{
	if (effect == CONSOLE_EFFECT_NEW_ALARM) {
		if (priority == 1)
			beep();
		ui->history_unit[0] = '\0';	/* the history grew */
	}
	console_ui_schedule(ui);
}

void
console_ui_ready(struct console_ui *ui)
{
	ui->history_unit[0] = '\0';
	console_ui_schedule(ui);
}

void
console_ui_select_move(struct console_ui *ui, int delta)
{
	struct console_model	*m = ui->model;
	long			 row;

	if (console_ui_selected(ui) == NULL)
		return;
	row = ui->selected_row + delta;
	if (row < 0 || row >= (long)m->alarm_count)
		return;
	ui->selected_row = row;
	ui->selected = m->alarms[row]->id;
}

void
console_ui_prompt(struct console_ui *ui, const char *text)
{
	snprintf(ui->prompt, sizeof(ui->prompt), "%s", text ? text : "");
	console_ui_schedule(ui);
}

void
console_ui_help(struct console_ui *ui, int shown)
{
	ui->help = shown;
	console_ui_schedule(ui);
}

struct console_alarm *
console_ui_selected(struct console_ui *ui)
{
	struct console_model	*m = ui->model;
	long			 i;

	if (m->alarm_count == 0) {
		ui->selected = 0;
		return NULL;
	}
	if ((i = console_model_alarm_index(m, ui->selected)) < 0) {
		/* Gone (resolved): keep the same row. */
		i = ui->selected_row;
		if (i >= (long)m->alarm_count)
			i = (long)m->alarm_count - 1;
		if (i < 0)
			i = 0;
	}
	ui->selected_row = i;
	ui->selected = m->alarms[i]->id;
	return m->alarms[i];
}

/* ---- drawing */

static void
console_ui_age(char *buf, size_t len, int64_t ms)
{
	int64_t	s = ms < 0 ? 0 : ms / 1000;

	if (s >= 86400)
		snprintf(buf, len, "%lldd%02lldh", (long long)(s / 86400),
		    (long long)(s % 86400 / 3600));
	else
		snprintf(buf, len, "%02lld:%02lld:%02lld", (long long)(s / 3600),
		    (long long)(s % 3600 / 60), (long long)(s % 60));
}

static void
console_ui_ago(char *buf, size_t len, int64_t ms)
{
	int64_t	s = ms < 0 ? 0 : ms / 1000;

	if (s < 60)
		snprintf(buf, len, "%llds ago", (long long)s);
	else if (s < 3600)
		snprintf(buf, len, "%lldm ago", (long long)(s / 60));
	else if (s < 86400)
		snprintf(buf, len, "%lldh ago", (long long)(s / 3600));
	else
		snprintf(buf, len, "%lldd ago", (long long)(s / 86400));
}

/* Prints a formatted line at y, x, clipped to width columns (bytes). */
static void
console_ui_put(int y, int x, int width, attr_t attr, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void
console_ui_put(int y, int x, int width, attr_t attr, const char *fmt, ...)
{
	char	buf[1024];
	va_list	ap;

	if (width <= 0 || y < 0 || y >= LINES)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	attron(attr);
	mvaddnstr(y, x, buf, width);
	attroff(attr);
}

/* A full-width bar: the text then spaces. */
static void
console_ui_bar(int y, attr_t attr, const char *text)
{
	attron(attr);
	mvhline(y, 0, ' ', COLS);
	mvaddnstr(y, 0, text, COLS);
	attroff(attr);
}

static attr_t
console_ui_priority_attr(struct console_ui *ui, int priority)
{
	int	pair = priority == 1 ? 1 : priority == 2 ? 2 : priority == 3 ? 3 :
		    priority == 4 ? 4 : 0;

	if (!ui->colours || pair == 0)
		return priority <= 2 ? A_BOLD : A_NORMAL;
	return COLOR_PAIR(pair) | (priority <= 2 ? A_BOLD : A_NORMAL);
}

static void
console_ui_draw_status(struct console_ui *ui)
{
	struct console_link	*l = ui->link;
	struct console_counts	 counts;
	const char		*state;
	char			 line[512], clock[16];
	time_t			 now = time(NULL);
	struct tm		 tm;

	console_model_counts(ui->model, &counts);
	switch (console_link_state(l)) {
	case CONSOLE_READY:
		state = "CONNECTED";
		break;
	case CONSOLE_CONNECTING:
		state = "CONNECTING";
		break;
	case CONSOLE_LOGGING_IN:
		state = "LOGGING IN";
		break;
	default:
		state = "DISCONNECTED";
		break;
	}
	localtime_r(&now, &tm);
	strftime(clock, sizeof(clock), "%H:%M:%S", &tm);
	snprintf(line, sizeof(line), " refuge-console  %s %s@%s  |  open %zu  "
	    "queued %zu  claimed %zu  |  units online %zu/%zu  |  %s",
	    state, console_link_user(l), console_link_server(l), counts.open,
	    counts.queued, counts.claimed, counts.units_online,
	    counts.units_total, clock);
	console_ui_bar(0, A_REVERSE, line);
}

static void
console_ui_draw_banner(struct console_ui *ui)
{
	struct console_link	*l = ui->link;
	char			 line[512];
	int			 retry;

	if (console_link_state(l) == CONSOLE_READY) {
		if (!ui->model->store_failing)
			return;
		snprintf(line, sizeof(line), " *** RECEIVER DATABASE FAILING: %.200s;"
		    " new alarms are shown but not yet stored ***",
		    ui->model->store_reason[0] ? ui->model->store_reason :
		    "writes fail");
		console_ui_bar(1, ui->colours ? COLOR_PAIR(5) | A_BOLD :
		    A_REVERSE | A_BOLD, line);
		return;
	}
	retry = console_link_retry_in(l);
	if (console_link_state(l) == CONSOLE_DISCONNECTED && retry >= 0)
		snprintf(line, sizeof(line), " *** DISCONNECTED from %s (%s): "
		    "retrying in %d s; the stack shown may be out of date ***",
		    console_link_server(l), console_link_down_reason(l), retry);
	else
		snprintf(line, sizeof(line), " *** DISCONNECTED: %s %s ... ***",
		    console_link_state(l) == CONSOLE_LOGGING_IN ?
		    "logging in to" : "connecting to", console_link_server(l));
	console_ui_bar(1, ui->colours ? COLOR_PAIR(5) | A_BOLD : A_REVERSE | A_BOLD,
	    line);
}

static void
console_ui_draw_stack(struct console_ui *ui, int top, int height)
{
	struct console_model	*m = ui->model;
	struct console_alarm	*a, *sel = console_ui_selected(ui);
	char			 age[32], state[64], count[24];
	int64_t			 now = timenow_wall_ms();
	long			 first = 0, i;
	int			 y, rows = height - 1;
	attr_t			 attr;

	console_ui_put(top, 0, COLS, A_BOLD | A_UNDERLINE, "%-7s %-2s %-9s %-18s "
	    "%-12s %-10s %-28s %s", "   ID", "P", "AGE", "STATE", "TYPE",
	    "UNIT", "NAME", "SITE");
	if (m->alarm_count == 0) {
		console_ui_put(top + 1, 2, COLS - 2, A_NORMAL, "no open alarms");
		return;
	}
	if (sel != NULL && ui->selected_row >= rows)
		first = ui->selected_row - rows + 1;
	for (i = first, y = top + 1; i < (long)m->alarm_count &&
	    y < top + height; i++, y++) {
		a = m->alarms[i];
		console_ui_age(age, sizeof(age), a->at_ms < 0 ? 0 : now - a->at_ms);
		if (a->by[0] != '\0')
			snprintf(state, sizeof(state), "%s %s", a->state, a->by);
		else
			snprintf(state, sizeof(state), "%s", a->state);
		attr = console_ui_priority_attr(ui, a->priority);
		if (a->escalated_ms >= 0 && strcmp(a->state, "queued") == 0) {
			attr |= A_BLINK;
			if (ui->phase)
				attr ^= A_REVERSE;
		}
		if (a == sel)
			attr ^= A_REVERSE;
		attron(attr);
		mvhline(y, 0, ' ', COLS);
		attroff(attr);
		count[0] = '\0';
		if (a->count > 1)
			snprintf(count, sizeof(count), "  x%d", a->count);
		console_ui_put(y, 0, COLS, attr, "%c%6lld %-2d %-9s %-18s %-12s %-10s "
		    "%-28s %s%s%s%s", a == sel ? '>' : ' ', (long long)a->id,
		    a->priority, age, state, a->type, a->unit, a->name, a->site,
		    count, a->restored ? "  RESTORED" : "",
		    a->unstored ? "  NOT STORED YET" : "");
	}
}

static void
console_ui_draw_units(struct console_ui *ui, int top, int height, int width)
{
	struct console_model	*m = ui->model;
	struct console_unit	*u;
	char			 seen[24];
	int64_t			 now = timenow_wall_ms();
	size_t			 i;
	int			 y, online;

	console_ui_put(top, 0, width, A_BOLD | A_UNDERLINE, "%-*s", width - 1,
	    "UNITS");
	for (i = 0, y = top + 1; i < m->unit_count && y < top + height; i++,
	    y++) {
		u = &m->units[i];
		online = strcmp(u->state, "online") == 0;
		if (u->last_seen_ms >= 0)
			console_ui_ago(seen, sizeof(seen), now - u->last_seen_ms);
		else
			snprintf(seen, sizeof(seen), "never");
		console_ui_put(y, 0, width - 1, online ? A_NORMAL : (ui->colours ?
		    COLOR_PAIR(1) : A_BOLD), "%-8s %-7s %-9s %-8s %s%s%s", u->id,
		    u->state, seen, u->paths[0] ? u->paths : "-",
		    u->test_until[0] ? "[TEST] " : "",
		    u->no_commands ? "[NO COMMANDS] " : "", u->name);
	}
}

static void
console_ui_draw_detail(struct console_ui *ui, int top, int height, int x, int width)
{
	struct console_model	*m = ui->model;
	struct console_alarm	*a = console_ui_selected(ui);
	struct console_unit	*u;
	const struct console_cmd *cmd;
	int			 y = top, bottom = top + height;
	size_t			 i;

	console_ui_put(y++, x, width, A_BOLD | A_UNDERLINE, "%-*s", width - 1,
	    "DETAIL");
	if (a == NULL) {
		console_ui_put(y, x, width, A_NORMAL, "no alarm selected");
		return;
	}
	u = console_model_unit(m, a->unit);
	console_ui_put(y++, x, width, console_ui_priority_attr(ui, a->priority),
	    "Alarm %lld  priority %d  %s  %s%s%s", (long long)a->id,
	    a->priority, a->type, a->state, a->by[0] ? " by " : "", a->by);
	console_ui_put(y++, x, width, A_NORMAL, "Unit %s \"%s\" at site %s%s", a->unit,
	    a->name, a->site, u != NULL && u->audio_open ? "  [audio open]" : "");
	console_ui_put(y++, x, width, A_NORMAL, "Raised %s  events %d%s", a->at,
	    a->count, a->restored ? "  RESTORED (the condition cleared)" : "");
	if (a->verify[0] != '\0' && y < bottom)
		console_ui_put(y++, x, width, A_BOLD, "Verify: %s", a->verify);
	if (a->code[0] != '\0' && y < bottom)
		console_ui_put(y++, x, width, A_NORMAL, "Panel code %s", a->code);
	if (u != NULL && u->no_commands && y < bottom)
		console_ui_put(y++, x, width, A_BOLD, "This unit takes no commands "
		    "(reachable only by SIA DC-09)");
	if (a->unstored && y < bottom)
		console_ui_put(y++, x, width, A_BOLD, "NOT STORED YET: the receiver "
		    "cannot write its database; resolve once it is stored");
	if (a->escalated_ms >= 0 && y < bottom)
		console_ui_put(y++, x, width, A_BOLD, "ESCALATED: waited %lld s unclaimed",
		    (long long)a->waited_s);
	for (i = 0; i < a->note_count && y < bottom; i++)
		console_ui_put(y++, x, width, A_NORMAL, "Note: %s", a->notes[i]);
	if (a->plan_read && y < bottom) {
		console_ui_put(y++, x, width, A_BOLD, "Trigger plan:");
		for (i = 0; i < a->step_count && y < bottom; i++)
			console_ui_put(y++, x, width, A_NORMAL, "  %zu. %s", i + 1,
			    a->steps[i]);
	}
	for (i = 0; (cmd = console_model_cmd(m, i)) != NULL && y < bottom; i++)
		if (strcmp(cmd->unit, a->unit) == 0)
			console_ui_put(y++, x, width, A_NORMAL, "Command %s %s: %s%s%s",
			    cmd->id, cmd->what, cmd->result, cmd->reason[0] ?
			    " " : "", cmd->reason);
	if (strcmp(m->history_unit, a->unit) == 0 && y < bottom) {
		console_ui_put(y++, x, width, A_BOLD, "History of %s:", a->unit);
		for (i = 0; i < m->history_count && y < bottom; i++)
			console_ui_put(y++, x, width, A_NORMAL, "  %s", m->history[i]);
	}
}

static void
console_ui_draw_help(struct console_ui *ui)
{
	const char	*keys, *help;
	size_t		 i;
	int		 y = 2;

	console_ui_put(y++, 2, COLS - 4, A_BOLD, "refuge-console keys (any key closes "
	    "this help)");
	y++;
	for (i = 0; ui->hooks.help != NULL &&
	    ui->hooks.help(i, &keys, &help, ui->hooks.arg) == 0; i++)
		console_ui_put(y++, 4, COLS - 6, A_NORMAL, "%-8s %s", keys, help);
	y++;
	console_ui_put(y++, 4, COLS - 6, A_NORMAL, "An escalated alarm flashes; a new "
	    "priority 1 alarm rings the bell.");
	console_ui_put(y, 4, COLS - 6, A_NORMAL, "Commands (l, m, a) go to the unit "
	    "of the selected alarm.");
}

/* Asks for the selected unit's history when the selection moved to another unit. */
static void
console_ui_follow_history(struct console_ui *ui)
{
	struct console_alarm	*a = console_ui_selected(ui);
	char			 what[96];

	if (a == NULL || strcmp(ui->history_unit, a->unit) == 0 ||
	    console_link_state(ui->link) != CONSOLE_READY)
		return;
	snprintf(what, sizeof(what), "HISTORY %s", a->unit);
	if (console_link_request(ui->link, CONSOLE_REQ_HISTORY, a->id,
	    a->unit, what, "HISTORY %s 10", a->unit) == 0)
		snprintf(ui->history_unit, sizeof(ui->history_unit), "%s",
		    a->unit);
}

static void
console_ui_draw(struct console_ui *ui)
{
	struct console_model	*m = ui->model;
	const char		*msg;
	int			 stack_top = 2, stack_h, lower_top, lower_h;
	int			 units_w;

	erase();
	if (LINES < 10 || COLS < 40) {
		console_ui_put(0, 0, COLS, A_BOLD, "terminal too small");
		refresh();
		return;
	}
	console_ui_draw_status(ui);
	console_ui_draw_banner(ui);
	if (ui->help) {
		console_ui_draw_help(ui);
		refresh();
		return;
	}
	stack_h = (LINES - 4) * 45 / 100;
	if (stack_h < 4)
		stack_h = 4;
	lower_top = stack_top + stack_h + 1;
	lower_h = LINES - 2 - lower_top;
	console_ui_draw_stack(ui, stack_top, stack_h);
	units_w = COLS / 3 < CONSOLE_UI_UNITS_WIDTH ? COLS / 3 : CONSOLE_UI_UNITS_WIDTH;
	console_ui_draw_units(ui, lower_top, lower_h, units_w);
	console_ui_draw_detail(ui, lower_top, lower_h, units_w + 1, COLS - units_w - 1);
	if (ui->prompt[0] != '\0')
		console_ui_put(LINES - 2, 0, COLS, A_BOLD, "%s", ui->prompt);
	else if ((msg = console_model_message_get(m, 0)) != NULL)
		console_ui_put(LINES - 2, 0, COLS, A_NORMAL, "%s", msg);
	console_ui_bar(LINES - 1, A_REVERSE, " j/k/Up/Down:select c:claim r:release "
	    "n:note R:resolve p:plan l:light m:camera a:audio h/?:help q:quit");
	refresh();
	console_ui_follow_history(ui);
}

static void
console_ui_input_cb(evutil_socket_t fd, short what, void *arg)
{
	struct console_ui	*ui = arg;
	wint_t			 ch;
	int			 r;

	(void)fd;
	(void)what;
	while ((r = get_wch(&ch)) != ERR)
		if (ui->hooks.key != NULL)
			ui->hooks.key(ch, r == KEY_CODE_YES, ui->hooks.arg);
	console_ui_schedule(ui);
}

static void
console_ui_redraw_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	console_ui_draw(arg);
}

static void
console_ui_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct console_ui	*ui = arg;

	(void)fd;
	(void)what;
	ui->phase = !ui->phase;
	console_ui_draw(ui);
}

static void
console_ui_winch_cb(evutil_socket_t fd, short what, void *arg)
{
	struct console_ui	*ui = arg;
	struct winsize		 ws;

	(void)fd;
	(void)what;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
	clear();
	console_ui_draw(ui);
}

struct console_ui *
console_ui_new(struct event_base *base, struct console_model *model,
    struct console_link *link, const struct console_ui_hooks *hooks,
    char *err, size_t errlen)
{
	struct console_ui	*ui;
	struct timeval		 second = timenow_tv(1000);

	if ((ui = calloc(1, sizeof(*ui))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ui->model = model;
	ui->link = link;
	ui->hooks = *hooks;
	if (initscr() == NULL) {
		snprintf(err, errlen, "cannot start the screen");
		free(ui);
		return NULL;
	}
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	if (has_colors() && start_color() == OK) {
		use_default_colors();
		init_pair(1, COLOR_RED, -1);
		init_pair(2, COLOR_MAGENTA, -1);
		init_pair(3, COLOR_YELLOW, -1);
		init_pair(4, COLOR_CYAN, -1);
		init_pair(5, COLOR_WHITE, COLOR_RED);
		ui->colours = 1;
	}
	if ((ui->input = event_new(base, STDIN_FILENO, EV_READ | EV_PERSIST,
	    console_ui_input_cb, ui)) == NULL ||
	    (ui->tick = event_new(base, -1, EV_PERSIST, console_ui_tick_cb, ui)) ==
	    NULL ||
	    (ui->winch = evsignal_new(base, SIGWINCH, console_ui_winch_cb, ui)) ==
	    NULL ||
	    (ui->redraw = event_new(base, -1, 0, console_ui_redraw_cb, ui)) == NULL ||
	    event_add(ui->input, NULL) == -1 ||
	    event_add(ui->tick, &second) == -1 ||
	    evsignal_add(ui->winch, NULL) == -1) {
		console_ui_free(ui);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	console_ui_draw(ui);
	return ui;
}

void
console_ui_free(struct console_ui *ui)
{
	if (ui == NULL)
		return;
	if (ui->input != NULL)
		event_free(ui->input);
	if (ui->tick != NULL)
		event_free(ui->tick);
	if (ui->winch != NULL)
		event_free(ui->winch);
	if (ui->redraw != NULL)
		event_free(ui->redraw);
	endwin();
	free(ui);
}
