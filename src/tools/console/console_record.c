/*
 * The console's record of what is not on the live stack: the history view's
 * search form, SEARCH's list and DETAIL's record; WHO's and STATS' lines; the
 * resolve dialog's lists; and the location keys of ALARM and UNIT lines.
 * Part of the model: pure, fed the lines opproto_client parses. Keys the
 * client parser does not know yet (lat=, lon=, address=, heard=) are read
 * from the raw tokens, so older and newer receivers both work.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refuge/alarm.h"
#include "refuge/line.h"
#include "refuge/opproto_client.h"
#include "refuge/timefmt.h"
#include "refuge/when.h"

#include "console_model.h"

static const char *const console_record_technical[] = {
	"engineer", "restored", "none", "other", NULL
};

static const char *const console_record_list_names[CONSOLE_LISTS] = {
	[CONSOLE_LIST_FALSE] = "false",
	[CONSOLE_LIST_GENUINE] = "genuine",
	[CONSOLE_LIST_TECHNICAL] = "technical",
};

static const char *const console_record_fields[CONSOLE_FIELDS] = {
	[CONSOLE_FIELD_SINCE] = "since",
	[CONSOLE_FIELD_UNTIL] = "until",
	[CONSOLE_FIELD_UNIT] = "unit",
	[CONSOLE_FIELD_SITE] = "site",
	[CONSOLE_FIELD_TYPE] = "type",
	[CONSOLE_FIELD_OUTCOME] = "outcome",
};

static void
console_record_copy(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src == NULL ? "" : src);
}

void
console_record_location(const struct opproto_client_msg *msg, char *lat,
    char *lon, char *address, int64_t *heard_ms)
{
	const char	*v;
	int64_t		 ms;

	if ((v = opproto_client_attr(msg, "lat")) != NULL)
		console_record_copy(lat, CONSOLE_COORD_MAX, v);
	if ((v = opproto_client_attr(msg, "lon")) != NULL)
		console_record_copy(lon, CONSOLE_COORD_MAX, v);
	if (address != NULL && (v = opproto_client_attr(msg, "address")) != NULL)
		console_record_copy(address, CONSOLE_ADDRESS_MAX, v);
	if (heard_ms == NULL)
		return;
	/* The receiver's name for it is heard=; the others are tolerated. */
	if ((v = opproto_client_attr(msg, "heard")) == NULL &&
	    (v = opproto_client_attr(msg, "last_heard")) == NULL)
		v = opproto_client_attr(msg, "heard_at");
	if (v != NULL && timefmt_parse_iso8601(v, &ms) == 0)
		*heard_ms = ms;
}

/* ---- the resolve lists */

static void
console_record_list_set(struct console_model *m, enum console_outcome_list l,
    const char *const *words)
{
	size_t	i;

	m->outcome_count[l] = 0;
	for (i = 0; words[i] != NULL && i < CONSOLE_MAX_OUTCOMES; i++)
		console_record_copy(m->outcomes[l][m->outcome_count[l]++],
		    CONSOLE_OUTCOME_MAX, words[i]);
}

void
console_record_outcomes_default(struct console_model *m)
{
	console_record_list_set(m, CONSOLE_LIST_FALSE, alarm_false_reasons);
	console_record_list_set(m, CONSOLE_LIST_GENUINE, alarm_genuine_actions);
	console_record_list_set(m, CONSOLE_LIST_TECHNICAL,
	    console_record_technical);
}

void
console_record_outcomes_clear(struct console_model *m)
{
	/* The defaults stay until a list arrives to replace them. */
	console_record_outcomes_default(m);
}

int
console_record_outcome_msg(struct console_model *m,
    const struct opproto_client_msg *msg)
{
	size_t	i, l, n = 0;
	const char *list;

	if (msg->push || strcmp(msg->word, "OUTCOME") != 0 || msg->line.count < 2 ||
	    msg->line.tokens[1].key != NULL)
		return -1;
	list = msg->line.tokens[1].value;
	for (l = 0; l < CONSOLE_LISTS; l++)
		if (strcmp(list, console_record_list_names[l]) == 0)
			break;
	if (l == CONSOLE_LISTS)
		return -1;
	for (i = 2; i < msg->line.count && n < CONSOLE_MAX_OUTCOMES; i++) {
		if (msg->line.tokens[i].key != NULL ||
		    !line_is_ident(msg->line.tokens[i].value))
			continue;
		console_record_copy(m->outcomes[l][n++], CONSOLE_OUTCOME_MAX,
		    msg->line.tokens[i].value);
	}
	if (n == 0)
		return -1;
	m->outcome_count[l] = n;
	return 0;
}

/* ---- SEARCH and DETAIL */

static void
console_record_hit(struct console_hit *h, const struct opproto_client_msg *msg)
{
	const struct opproto_client_alarm *a = &msg->alarm;
	const char	*v;

	memset(h, 0, sizeof(*h));
	h->id = a->id;
	h->priority = a->priority;
	console_record_copy(h->state, sizeof(h->state), a->state);
	console_record_copy(h->type, sizeof(h->type), a->type);
	console_record_copy(h->unit, sizeof(h->unit), a->unit);
	console_record_copy(h->site, sizeof(h->site), a->site);
	h->at_ms = a->at_ms;
	console_record_copy(h->name, sizeof(h->name), a->name);
	console_record_copy(h->by, sizeof(h->by), a->by);
	console_record_copy(h->outcome, sizeof(h->outcome),
	    opproto_client_attr(msg, "outcome"));
	if ((v = opproto_client_attr(msg, "reason")) == NULL)
		v = opproto_client_attr(msg, "action");
	console_record_copy(h->detail, sizeof(h->detail), v);
	console_record_location(msg, h->lat, h->lon, NULL, NULL);
}

void
console_record_search_clear(struct console_model *m)
{
	m->hit_count = 0;
	m->hits_more = 0;
	m->searched = 0;
}

int
console_record_search_msg(struct console_model *m,
    const struct opproto_client_msg *msg)
{
	if (msg->push || msg->kind != OPPROTO_CLIENT_ALARM)
		return -1;
	if (m->hit_count == CONSOLE_MAX_HITS) {
		m->hits_more = 1;
		return 0;
	}
	console_record_hit(&m->hits[m->hit_count++], msg);
	return 0;
}

void
console_record_search_done(struct console_model *m, const char *ok_detail)
{
	m->searched = 1;
	if (ok_detail != NULL && strstr(ok_detail, "more=1") != NULL)
		m->hits_more = 1;
}

/* Appends " key=value" to line; -1 if it does not fit. */
static int
console_record_append(char *line, size_t len, const char *key,
    const char *value)
{
	size_t	used = strlen(line);
	int	n;

	n = snprintf(line + used, len - used, " %s=%s", key, value);
	return n < 0 || (size_t)n >= len - used ? -1 : 0;
}

int
console_record_search_line(const struct console_model *m, int64_t now_ms,
    char *line, size_t len, char *err, size_t errlen)
{
	char		 iso[TIMEFMT_ISO_LEN];
	const char	*value;
	int64_t		 ms;
	size_t		 f;

	snprintf(line, len, "SEARCH");
	for (f = 0; f < CONSOLE_FIELDS; f++) {
		value = m->form[f];
		if (value[0] == '\0')
			continue;
		if (f == CONSOLE_FIELD_SINCE || f == CONSOLE_FIELD_UNTIL) {
			if (when_parse(value, now_ms, f == CONSOLE_FIELD_UNTIL,
			    &ms) == -1) {
				snprintf(err, errlen, "%s: give %s",
				    console_record_fields[f], when_grammar);
				return -1;
			}
			timefmt_iso8601(ms, iso);
			value = iso;
		} else if (!line_is_ident(value)) {
			snprintf(err, errlen, "%s: one word, no spaces",
			    console_record_fields[f]);
			return -1;
		}
		if (console_record_append(line, len, console_record_fields[f],
		    value) == -1) {
			snprintf(err, errlen, "the search is too long");
			return -1;
		}
	}
	if (console_record_append(line, len, "limit", "100") == -1) {
		snprintf(err, errlen, "the search is too long");
		return -1;
	}
	return 0;
}

void
console_record_detail_clear(struct console_model *m, int64_t id)
{
	memset(&m->record, 0, sizeof(m->record));
	memset(&m->record_unit, 0, sizeof(m->record_unit));
	m->record.id = id;
	m->record.at_ms = -1;
	m->record_unit.heard_ms = m->record_unit.last_seen_ms = -1;
	m->record_count = 0;
	m->record_loaded = 0;
}

/* Copies the line's words from token first on, times shown local. */
static void
console_record_words(char *out, size_t len, const struct opproto_client_msg *msg,
    size_t first)
{
	const struct line_token	*t;
	char			 when[WHEN_LOCAL_LEN];
	size_t			 i, used = strlen(out);
	int64_t			 ms;
	int			 n;

	for (i = first; i < msg->line.count && used < len; i++) {
		t = &msg->line.tokens[i];
		/* An EVENT's at= is already in front. */
		if (t->key != NULL && msg->kind == OPPROTO_CLIENT_EVENT &&
		    strcmp(t->key, "at") == 0)
			continue;
		if (t->key == NULL && t->quoted)
			n = snprintf(out + used, len - used, " \"%s\"", t->value);
		else if (t->key == NULL)
			n = snprintf(out + used, len - used, " %s", t->value);
		else if (timefmt_parse_iso8601(t->value, &ms) == 0) {
			when_local(ms, when);
			n = snprintf(out + used, len - used, " %s=%s", t->key,
			    when);
		} else
			n = snprintf(out + used, len - used, " %s=%s", t->key,
			    t->value);
		if (n < 0)
			return;
		used += (size_t)n;
	}
}

/* An EVENT or LOG line: local time first, then what it says. */
static void
console_record_detail_line(struct console_model *m,
    const struct opproto_client_msg *msg)
{
	char	*out;
	char	 when[WHEN_LOCAL_LEN];
	int64_t	 ms;
	size_t	 first = 1;

	if (m->record_count == CONSOLE_MAX_RECORD)
		return;
	out = m->record_lines[m->record_count++];
	out[0] = '\0';
	if (msg->kind == OPPROTO_CLIENT_EVENT) {
		ms = msg->event.at_ms;
		snprintf(out, CONSOLE_TEXT_MAX, "%s", "");
		if (ms >= 0) {
			when_local(ms, when);
			snprintf(out, CONSOLE_TEXT_MAX, "%s event", when);
		}
		console_record_words(out, CONSOLE_TEXT_MAX, msg, 1);
		return;
	}
	/* LOG <iso> <what> [by=<user>] [key=value ...] ["text"] */
	if (msg->line.count > 1 && msg->line.tokens[1].key == NULL &&
	    timefmt_parse_iso8601(msg->line.tokens[1].value, &ms) == 0) {
		when_local(ms, when);
		snprintf(out, CONSOLE_TEXT_MAX, "%s", when);
		first = 2;
	}
	console_record_words(out, CONSOLE_TEXT_MAX, msg, first);
}

int
console_record_detail_msg(struct console_model *m,
    const struct opproto_client_msg *msg)
{
	if (msg->push)
		return -1;
	switch (msg->kind) {
	case OPPROTO_CLIENT_ALARM:
		console_record_hit(&m->record, msg);
		m->record_loaded = 1;
		return 0;
	case OPPROTO_CLIENT_UNIT:
		console_record_copy(m->record_unit.id,
		    sizeof(m->record_unit.id), msg->unit.id);
		console_record_copy(m->record_unit.name,
		    sizeof(m->record_unit.name), msg->unit.name);
		console_record_copy(m->record_unit.site,
		    sizeof(m->record_unit.site), msg->unit.site);
		m->record_unit.heard_ms = msg->unit.last_seen_ms;
		console_record_location(msg, m->record_unit.lat,
		    m->record_unit.lon, m->record_unit.address,
		    &m->record_unit.heard_ms);
		return 0;
	case OPPROTO_CLIENT_EVENT:
		console_record_detail_line(m, msg);
		return 0;
	default:
		/* By the keyword: a newer parser may give LOG a kind of its own. */
		if (strcmp(msg->word, "LOG") != 0)
			return -1;
		console_record_detail_line(m, msg);
		return 0;
	}
}

/* ---- WHO and STATS */

void
console_record_info_clear(struct console_model *m, const char *title)
{
	console_record_copy(m->info_title, sizeof(m->info_title), title);
	m->info_count = 0;
}

void
console_record_info_line(struct console_model *m,
    const struct opproto_client_msg *msg)
{
	char	*out;

	if (m->info_count == CONSOLE_MAX_INFO)
		return;
	out = m->info[m->info_count++];
	/* OPERATOR <user> role=... as "<user> role=..."; STAT likewise. */
	snprintf(out, CONSOLE_TEXT_MAX, "%s", msg->line.count > 1 &&
	    msg->line.tokens[1].key == NULL ? msg->line.tokens[1].value : "");
	console_record_words(out, CONSOLE_TEXT_MAX, msg, 2);
}

int
console_record_location_text(struct console_model *m, const char *unit,
    const char *lat, const char *lon, char *buf, size_t len)
{
	struct console_unit	*u = console_model_unit(m, unit);
	const char		*address = u != NULL ? u->address : "";
	int			 n;

	if ((lat == NULL || lat[0] == '\0') && u != NULL) {
		lat = u->lat;
		lon = u->lon;
	}
	if ((lat == NULL || lat[0] == '\0') && address[0] == '\0')
		return -1;
	n = snprintf(buf, len, "%s, %s, %s, %s", unit,
	    address[0] ? address : "no address", lat && lat[0] ? lat : "-",
	    lon && lon[0] ? lon : "-");
	return n < 0 || (size_t)n >= len ? -1 : 0;
}
