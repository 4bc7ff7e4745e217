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
#include "refuge/when.h"

#include "console_detail.h"
#include "console_draw.h"
#include "console_history.h"
#include "console_link.h"
#include "console_model.h"
#include "console_text.h"
#include "console_ui.h"

#define CONSOLE_UI_UNITS_WIDTH	64
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
	int			 info;		/* WHO's or STATS' lines are up */
	enum console_view	 view;
	long			 hit_row;	/* the history list's selection */
	int			 field;		/* the form field edited; -1 none */
	int64_t			 record_for;	/* DETAIL asked for in the live view */
	long			 record_skip;	/* the history record's first line shown */
	int			 colours;
	char			 prompt[CONSOLE_UI_PROMPT_MAX];	/* "": none */
	char			 history_unit[CONSOLE_ID_MAX];	/* HISTORY asked for */
};

static void	console_ui_draw(struct console_ui *);

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
		/*
		 * A press takes the selection, unless the operator is typing;
		 * from the history view, back to the live stack to show it.
		 */
		if (priority == 1 && !console_ui_typing(ui)) {
			if (ui->view != CONSOLE_VIEW_LIVE)
				console_ui_view(ui, CONSOLE_VIEW_LIVE);
			console_ui_select(ui, ui->model->new_alarm_id);
		}
		ui->history_unit[0] = '\0';	/* the history grew */
	}
	console_ui_schedule(ui);
}

int
console_ui_typing(const struct console_ui *ui)
{
	return ui->prompt[0] != '\0' || ui->field >= 0;
}

void
console_ui_select(struct console_ui *ui, int64_t id)
{
	long	i = console_model_alarm_index(ui->model, id);

	if (i < 0)
		return;
	ui->selected = id;
	ui->selected_row = i;
	console_ui_schedule(ui);
}

void
console_ui_bell(struct console_ui *ui)
{
	(void)ui;
	beep();
}

void
console_ui_flash(struct console_ui *ui)
{
	(void)ui;
	flash();
}

void
console_ui_clipboard(struct console_ui *ui, const char *text)
{
	char	b64[1024], seq[1100];
	int	n;

	if (console_text_base64(b64, sizeof(b64), text, strlen(text)) == -1)
		return;
	/* OSC 52: the terminal (and tmux with set-clipboard) takes it. */
	n = snprintf(seq, sizeof(seq), "\033]52;c;%s\a", b64);
	if (n > 0 && (size_t)n < sizeof(seq)) {
		fflush(stdout);
		(void)!write(STDOUT_FILENO, seq, (size_t)n);
	}
	console_ui_schedule(ui);
}

void
console_ui_view(struct console_ui *ui, enum console_view view)
{
	/* Each view shows its own record: the other's goes. */
	if (view != ui->view) {
		console_record_detail_clear(ui->model, 0);
		ui->record_for = 0;
	}
	ui->view = view;
	ui->field = -1;
	console_ui_schedule(ui);
}

enum console_view
console_ui_view_get(const struct console_ui *ui)
{
	return ui->view;
}

void
console_ui_form(struct console_ui *ui, int field)
{
	ui->field = field;
	console_ui_schedule(ui);
}

void
console_ui_hit_move(struct console_ui *ui, long delta)
{
	long	row = ui->hit_row + delta;

	if (row >= (long)ui->model->hit_count)
		row = (long)ui->model->hit_count - 1;
	if (row < 0)
		row = 0;
	ui->hit_row = row;
	console_ui_schedule(ui);
}

const struct console_hit *
console_ui_hit(struct console_ui *ui)
{
	if (ui->hit_row >= (long)ui->model->hit_count)
		ui->hit_row = 0;
	if (ui->model->hit_count == 0)
		return NULL;
	return &ui->model->hits[ui->hit_row];
}

void
console_ui_suspend(struct console_ui *ui)
{
	(void)ui;
	def_prog_mode();
	endwin();
}

void
console_ui_resume(struct console_ui *ui)
{
	reset_prog_mode();
	clear();
	console_ui_draw(ui);
}

void
console_ui_record_scroll(struct console_ui *ui, long delta)
{
	/* 0 goes back to the top; drawing bounds the rest. */
	ui->record_skip = delta == 0 ? 0 : ui->record_skip + delta;
	console_ui_schedule(ui);
}

void
console_ui_info(struct console_ui *ui, int shown)
{
	ui->info = shown;
	console_ui_schedule(ui);
}

void
console_ui_ready(struct console_ui *ui)
{
	ui->history_unit[0] = '\0';
	ui->record_for = 0;
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
console_ui_draw_status(struct console_ui *ui)
{
	struct console_link	*l = ui->link;
	struct console_counts	 counts;
	const char		*state, *name = console_link_rx_name(l);
	const char		*role = console_link_rx_role(l);
	char			 line[512], clock[48], rx[96] = "";
	time_t			 now = time(NULL);
	struct tm		 tm;

	console_model_counts(ui->model, &counts);
	/* A receiver of a pair: its name and role ("* RECEIVER"). */
	if (name[0] != '\0' || strcmp(role, "standby") == 0)
		snprintf(rx, sizeof(rx), " [%s%s%s]", name,
		    name[0] != '\0' ? " " : "", role);
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
	strftime(clock, sizeof(clock), "%H:%M:%S %Z", &tm);
	/* The clock first, and a shorter bar on a narrow screen. */
	if (COLS < 120)
		snprintf(line, sizeof(line), " %s %s %s%s | open %zu queued "
		    "%zu claimed %zu | units %zu/%zu%s", clock, state,
		    console_link_user(l), rx, counts.open, counts.queued,
		    counts.claimed, counts.units_online, counts.units_total,
		    ui->view == CONSOLE_VIEW_HISTORY ? " | HISTORY" : "");
	else
		snprintf(line, sizeof(line), " %s  %s %s@%s%s | open %zu "
		    "queued %zu claimed %zu | units online %zu/%zu%s%s", clock,
		    state, console_link_user(l), console_link_server(l), rx,
		    counts.open,
		    counts.queued, counts.claimed, counts.units_online,
		    counts.units_total, ui->view == CONSOLE_VIEW_HISTORY ?
		    " | HISTORY" : "", console_link_desk(l)[0] ? " | desk" : "");
	console_draw_bar(0, A_REVERSE, line);
}

static void
console_ui_draw_banner(struct console_ui *ui)
{
	struct console_link	*l = ui->link;
	char			 line[512];
	int			 retry;
	attr_t			 attr = ui->colours ? COLOR_PAIR(5) | A_BOLD :
				    A_REVERSE | A_BOLD;

	if (console_link_state(l) == CONSOLE_READY &&
	    strcmp(console_link_rx_role(l), "standby") == 0) {
		snprintf(line, sizeof(line), " *** STANDBY RECEIVER %s: "
		    "read-only until a receiver is active ***",
		    console_link_server(l));
		console_draw_bar(1, attr, line);
		return;
	}
	if (console_link_state(l) == CONSOLE_READY) {
		if (!ui->model->store_failing)
			return;
		snprintf(line, sizeof(line), " *** RECEIVER DATABASE FAILING: %.200s;"
		    " new alarms are shown but not yet stored ***",
		    ui->model->store_reason[0] ? ui->model->store_reason :
		    "writes fail");
		console_draw_bar(1, attr, line);
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
	console_draw_bar(1, attr, line);
}

/* One row of the stack, its columns sized by console_text_columns. */
static void
console_ui_stack_row(struct console_ui *ui, struct console_alarm *a, int y,
    const int w[CONSOLE_COLS], attr_t attr, int selected, int64_t now)
{
	char	age[32], state[64], tail[64], count[24], id[24], prio[8];
	char	f[CONSOLE_COLS][4 * 64 + 1];
	const char *text[CONSOLE_COLS];
	int	i;

	console_ui_age(age, sizeof(age), a->at_ms < 0 ? 0 : now - a->at_ms);
	snprintf(state, sizeof(state), "%s%s%s", a->state, a->by[0] ? " " : "",
	    a->by);
	snprintf(id, sizeof(id), "%6lld", (long long)a->id);
	snprintf(prio, sizeof(prio), "%d", a->priority);
	text[CONSOLE_COL_ID] = id;
	text[CONSOLE_COL_PRIO] = prio;
	text[CONSOLE_COL_AGE] = age;
	text[CONSOLE_COL_STATE] = state;
	text[CONSOLE_COL_TYPE] = a->type;
	text[CONSOLE_COL_UNIT] = a->unit;
	text[CONSOLE_COL_NAME] = a->name;
	text[CONSOLE_COL_SITE] = a->site;
	for (i = 0; i < CONSOLE_COLS; i++)
		console_draw_fit(f[i], sizeof(f[i]), text[i], w[i]);
	count[0] = '\0';
	if (a->count > 1)
		snprintf(count, sizeof(count), " x%d", a->count);
	snprintf(tail, sizeof(tail), "%s%s%s", count, a->restored ?
	    " RESTORED" : "", a->unstored ? " NOT STORED" : "");
	attron(attr);
	mvhline(y, 0, ' ', COLS);
	attroff(attr);
	console_draw_put(y, 0, COLS, attr, "%c%s %s %s %s %s %s %s %s%s",
	    selected ? '>' : ' ', f[0], f[1], f[2], f[3], f[4], f[5], f[6],
	    f[7], tail);
	(void)ui;
}

static void
console_ui_draw_stack(struct console_ui *ui, int top, int height)
{
	struct console_model	*m = ui->model;
	struct console_alarm	*a, *sel = console_ui_selected(ui);
	char			 h[CONSOLE_COLS][4 * 64 + 1];
	static const char *const head[CONSOLE_COLS] = { "    ID", "P", "AGE",
				    "STATE", "TYPE", "UNIT", "NAME", "SITE" };
	int			 w[CONSOLE_COLS], i, y, rows = height - 1;
	int64_t			 now = timenow_wall_ms();
	long			 first = 0, n;
	attr_t			 attr;

	console_text_columns(COLS, w);
	for (i = 0; i < CONSOLE_COLS; i++)
		console_draw_fit(h[i], sizeof(h[i]), head[i], w[i]);
	console_draw_put(top, 0, COLS, A_BOLD | A_UNDERLINE, " %s %s %s %s %s "
	    "%s %s %s", h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]);
	if (m->alarm_count == 0) {
		console_draw_put(top + 1, 2, COLS - 2, A_NORMAL, "no open alarms");
		return;
	}
	if (sel != NULL && ui->selected_row >= rows)
		first = ui->selected_row - rows + 1;
	for (n = first, y = top + 1; n < (long)m->alarm_count &&
	    y < top + height; n++, y++) {
		a = m->alarms[n];
		attr = console_draw_priority_attr(ui->colours, a->priority);
		if (a->escalated_ms >= 0 && strcmp(a->state, "queued") == 0) {
			attr |= A_BLINK;
			if (ui->phase)
				attr ^= A_REVERSE;
		}
		if (a == sel)
			attr ^= A_REVERSE;
		console_ui_stack_row(ui, a, y, w, attr, a == sel, now);
	}
}

static void
console_ui_draw_units(struct console_ui *ui, int top, int height, int width)
{
	struct console_model	*m = ui->model;
	struct console_unit	*u;
	char			 seen[32], id[4 * 16 + 1];
	int64_t			 now = timenow_wall_ms();
	size_t			 i;
	int			 y, online, id_w = width >= 40 ? 8 : 6;

	console_draw_put(top, 0, width, A_BOLD | A_UNDERLINE, "%-*s", width - 1,
	    "UNITS (last heard)");
	for (i = 0, y = top + 1; i < m->unit_count && y < top + height; i++,
	    y++) {
		u = &m->units[i];
		online = strcmp(u->state, "online") == 0;
		if (u->heard_ms >= 0)
			when_ago(u->heard_ms, now, seen, sizeof(seen));
		else
			snprintf(seen, sizeof(seen), "never");
		/* Narrow: the state in three letters, the name left out. */
		if (width < 40)
			console_draw_put(y, 0, width - 1, online ? A_NORMAL :
			    (ui->colours ? COLOR_PAIR(1) : A_BOLD), "%s %-3.3s "
			    "%s%s", console_draw_fit(id, sizeof(id), u->id,
			    id_w), online ? "on" : u->state, u->test_until[0] ?
			    "TEST " : "", seen);
		else
			console_draw_put(y, 0, width - 1, online ? A_NORMAL :
			    (ui->colours ? COLOR_PAIR(1) : A_BOLD), "%s %-7s "
			    "%-11s %s%s%s  %s", console_draw_fit(id, sizeof(id),
			    u->id, id_w), u->state, seen, u->test_until[0] ?
			    "[TEST] " : "", u->no_commands ? "[NO COMMANDS] " : "",
			    u->name, u->paths[0] ? u->paths : "-");
	}
}

static void
console_ui_draw_detail(struct console_ui *ui, int top, int height, int x,
    int width)
{
	struct console_alarm	*a = console_ui_selected(ui);

	console_draw_put(top, x, width, A_BOLD | A_UNDERLINE, "%-*s", width - 1,
	    "DETAIL");
	if (a == NULL) {
		console_draw_put(top + 1, x, width, A_NORMAL, "no alarm selected");
		return;
	}
	console_detail_draw_alarm(ui->model, a, top + 1, x, height - 1, width,
	    ui->colours, timenow_wall_ms());
}

static void
console_ui_draw_help(struct console_ui *ui)
{
	const char	*keys, *help;
	size_t		 i;
	int		 y = 2, col = 0, x;

	console_draw_put(y++, 2, COLS - 4, A_BOLD, "refuge-console keys (any "
	    "key closes this help)");
	for (i = 0; ui->hooks.help != NULL &&
	    ui->hooks.help(i, &keys, &help, ui->hooks.arg) == 0; i++) {
		/* Two columns where the screen is too short for one. */
		if (y >= LINES - 3 && col == 0 && COLS >= 100) {
			col = 1;
			y = 3;
		}
		x = col ? COLS / 2 : 2;
		console_draw_put(y++, x, (col ? COLS / 2 : COLS / (COLS >= 100 ?
		    2 : 1)) - 3, A_NORMAL, "%-9s %s", keys, help);
	}
	console_draw_put(y, 2, COLS - 4, A_NORMAL, "A queued priority 1 alarm "
	    "alerts every 2 s until claimed; see refuge-console(1).");
}

static void
console_ui_draw_info(struct console_ui *ui)
{
	struct console_model	*m = ui->model;
	size_t			 i;
	int			 y = 2;

	console_draw_put(y++, 2, COLS - 4, A_BOLD, "%s (any key closes this)",
	    m->info_title);
	for (i = 0; i < m->info_count && y < LINES - 2; i++)
		console_draw_put(y++, 4, COLS - 6, A_NORMAL, "%s", m->info[i]);
	if (m->info_count == 0)
		console_draw_put(y, 4, COLS - 6, A_NORMAL, "(nothing yet)");
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

/*
 * Asks for the selected alarm's record (DETAIL) when the selection moved or
 * what this console did to it made the record old; not from a receiver
 * without DETAIL.
 */
static void
console_ui_follow_record(struct console_ui *ui)
{
	struct console_model	*m = ui->model;
	struct console_alarm	*a = console_ui_selected(ui);

	if (a == NULL || m->detail_unsupported ||
	    console_link_state(ui->link) != CONSOLE_READY ||
	    (a->id == ui->record_for && !m->record_stale))
		return;
	if (console_link_request(ui->link, CONSOLE_REQ_DETAIL, a->id, a->unit,
	    "DETAIL", "DETAIL %lld", (long long)a->id) == 0) {
		ui->record_for = a->id;
		m->record_stale = 0;
	}
}

/* The help bar, as much of it as the width takes. */
static void
console_ui_draw_keys(struct console_ui *ui)
{
	const char	*text;

	if (ui->view == CONSOLE_VIEW_HISTORY)
		text = " /:search j/k:select Enter:record PgUp/PgDn:scroll "
		    "Esc/H:live stack h/?:help q:quit";
	else if (COLS >= 150)
		text = " Enter:take next c:claim r:release n:note R:resolve "
		    "t:tick step p:plan l:light m:camera a:audio y:copy "
		    "location H:history h/?:help q:quit";
	else
		text = " Enter:next c:claim R:resolve t:tick n:note l a m "
		    "y:copy H:hist h/?:help q:quit";
	console_draw_bar(LINES - 1, A_REVERSE, text);
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
		console_draw_put(0, 0, COLS, A_BOLD, "terminal too small");
		refresh();
		return;
	}
	console_ui_draw_status(ui);
	console_ui_draw_banner(ui);
	if (ui->help || ui->info) {
		if (ui->help)
			console_ui_draw_help(ui);
		else
			console_ui_draw_info(ui);
		refresh();
		return;
	}
	if (ui->view == CONSOLE_VIEW_HISTORY)
		console_history_draw(m, stack_top, LINES - 2 - stack_top,
		    ui->hit_row, ui->field, ui->colours, timenow_wall_ms(),
		    &ui->record_skip);
	else {
		/* The stack gets fewer rows on a short screen: the detail matters. */
		stack_h = (LINES - 4) * (LINES < 30 ? 35 : 40) / 100;
		if (stack_h < 4)
			stack_h = 4;
		lower_top = stack_top + stack_h + 1;
		lower_h = LINES - 2 - lower_top;
		console_ui_draw_stack(ui, stack_top, stack_h);
		units_w = COLS * 3 / 10 < CONSOLE_UI_UNITS_WIDTH ? COLS * 3 / 10 :
		    CONSOLE_UI_UNITS_WIDTH;
		console_ui_draw_units(ui, lower_top, lower_h, units_w);
		console_ui_draw_detail(ui, lower_top, lower_h, units_w + 1,
		    COLS - units_w - 1);
	}
	if (ui->prompt[0] != '\0')
		console_draw_put(LINES - 2, 0, COLS, A_BOLD, "%s", ui->prompt);
	else if ((msg = console_model_message_get(m, 0)) != NULL)
		console_draw_put(LINES - 2, 0, COLS, A_NORMAL, "%s", msg);
	console_ui_draw_keys(ui);
	refresh();
	if (ui->view == CONSOLE_VIEW_LIVE) {
		console_ui_follow_history(ui);
		console_ui_follow_record(ui);
	}
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
	ui->field = -1;
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
