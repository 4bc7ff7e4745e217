/*
 * units.yaml edited as text: a unit's stanza is appended to the top-level
 * units: block, so the admin's comments, order and quoting stay as written.
 * Anything this cannot read with certainty is refused, and the caller
 * prints the stanza for the admin to add instead.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "refuge/yamltree.h"

#include "ctl.h"

#define CTL_FILE_MAX	(16 * 1024 * 1024)

struct ctl_buf {
	char	*data;
	size_t	 len, cap;
	int	 failed;
};

static void
ctl_yaml_buf_add(struct ctl_buf *b, const char *s, size_t n)
{
	char	*p;
	size_t	 cap;

	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		if ((p = realloc(b->data, cap)) == NULL) {
			b->failed = 1;
			return;
		}
		b->data = p;
		b->cap = cap;
	}
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

static void
ctl_yaml_buf_str(struct ctl_buf *b, const char *s)
{
	ctl_yaml_buf_add(b, s, strlen(s));
}

static char *
ctl_yaml_buf_done(struct ctl_buf *b)
{
	if (b->failed || b->data == NULL) {
		free(b->data);
		return NULL;
	}
	return b->data;
}

/* A scalar as YAML: plain when it is a safe word, else double-quoted. */
static void
ctl_yaml_buf_scalar(struct ctl_buf *b, const char *s)
{
	static const char *const	 words[] = { "true", "false", "yes", "no",
	    "on", "off", "null", "y", "n", NULL };
	size_t				 i;
	int				 plain;

	plain = (s[0] >= 'A' && s[0] <= 'Z') || (s[0] >= 'a' && s[0] <= 'z');
	plain = plain && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789_.-") == strlen(s);
	for (i = 0; plain && words[i] != NULL; i++)
		if (strcasecmp(s, words[i]) == 0)
			plain = 0;
	if (plain) {
		ctl_yaml_buf_str(b, s);
		return;
	}
	ctl_yaml_buf_str(b, "\"");
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			ctl_yaml_buf_add(b, "\\", 1);
		ctl_yaml_buf_add(b, s, 1);
	}
	ctl_yaml_buf_str(b, "\"");
}

/* A coordinate with up to six decimals and no trailing zeros. */
static void
ctl_yaml_buf_coord(struct ctl_buf *b, double v)
{
	char	num[64];
	size_t	len;

	snprintf(num, sizeof(num), "%.6f", v);
	len = strlen(num);
	while (len > 0 && num[len - 1] == '0' && num[len - 2] != '.')
		num[--len] = '\0';
	if (strcmp(num, "-0.0") == 0)
		snprintf(num, sizeof(num), "0.0");
	ctl_yaml_buf_str(b, num);
}

char *
ctl_yaml_unit_stanza(const struct ctl_unit_entry *u, int indent)
{
	struct ctl_buf	 b = { NULL, 0, 0, 0 };
	const char	*s;
	char		 pad[64];

	snprintf(pad, sizeof(pad), "%*s", indent < 60 ? indent : 60, "");
	ctl_yaml_buf_str(&b, pad);
	ctl_yaml_buf_str(&b, "- id: ");
	ctl_yaml_buf_scalar(&b, u->id);
	ctl_yaml_buf_str(&b, "\n");
	ctl_yaml_buf_str(&b, pad);
	ctl_yaml_buf_str(&b, "  name: ");
	/* Names are prose: always quoted, so "Gate: east" stays a string. */
	ctl_yaml_buf_str(&b, "\"");
	for (s = u->name; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			ctl_yaml_buf_add(&b, "\\", 1);
		ctl_yaml_buf_add(&b, s, 1);
	}
	ctl_yaml_buf_str(&b, "\"\n");
	ctl_yaml_buf_str(&b, pad);
	ctl_yaml_buf_str(&b, "  site: ");
	ctl_yaml_buf_scalar(&b, u->site);
	ctl_yaml_buf_str(&b, "\n");
	ctl_yaml_buf_str(&b, pad);
	ctl_yaml_buf_str(&b, "  lat: ");
	ctl_yaml_buf_coord(&b, u->lat);
	ctl_yaml_buf_str(&b, "\n");
	ctl_yaml_buf_str(&b, pad);
	ctl_yaml_buf_str(&b, "  lon: ");
	ctl_yaml_buf_coord(&b, u->lon);
	ctl_yaml_buf_str(&b, "\n");
	return ctl_yaml_buf_done(&b);
}

/* One line of the text: [start, end) without its newline; next after it. */
struct ctl_line {
	const char	*start, *end, *next;
	size_t		 indent;	/* leading spaces */
	int		 blank;		/* only spaces */
	int		 comment;	/* first non-space is '#' */
};

static void
ctl_yaml_line_at(const char *p, struct ctl_line *l)
{
	const char	*nl = strchr(p, '\n');

	l->start = p;
	l->next = nl != NULL ? nl + 1 : p + strlen(p);
	l->end = nl != NULL ? nl : l->next;
	if (l->end > l->start && l->end[-1] == '\r')
		l->end--;
	l->indent = strspn(p, " ");
	if (l->indent > (size_t)(l->end - l->start))
		l->indent = (size_t)(l->end - l->start);
	l->blank = l->start + l->indent == l->end;
	l->comment = !l->blank && l->start[l->indent] == '#';
}

/* Is this line the top-level key units: with nothing but a comment after it? */
static int
ctl_yaml_line_is_units(const struct ctl_line *l, int *flow)
{
	const char	*p = l->start;

	*flow = 0;
	if (l->end - p < 6 || strncmp(p, "units", 5) != 0)
		return 0;
	p += 5;
	while (p < l->end && *p == ' ')
		p++;
	if (p == l->end || *p != ':')
		return 0;
	p++;
	if (p < l->end && *p != ' ')
		return 0;
	while (p < l->end && *p == ' ')
		p++;
	if (p < l->end && *p != '#')
		*flow = 1;
	return 1;
}

char *
ctl_yaml_add_unit(const char *text, const struct ctl_unit_entry *u, char *err,
    size_t errlen)
{
	struct ctl_line	 l;
	struct ctl_buf	 b = { NULL, 0, 0, 0 };
	const char	*p, *units = NULL, *insert = NULL;
	char		*stanza, *out;
	size_t		 item_indent = 0;
	int		 flow, found = 0, in_block = 0, have_item = 0;

	for (p = text; *p != '\0'; p = l.next) {
		ctl_yaml_line_at(p, &l);
		if (memchr(l.start, '\t', (size_t)(l.end - l.start)) != NULL &&
		    !l.comment) {
			snprintf(err, errlen, "a line holds a tab");
			return NULL;
		}
		if (l.blank || l.comment)
			continue;
		if (l.indent == 0 && l.end - l.start >= 3 &&
		    (strncmp(l.start, "---", 3) == 0 ||
		    strncmp(l.start, "...", 3) == 0)) {
			if (found) {
				snprintf(err, errlen, "more than one YAML "
				    "document");
				return NULL;
			}
			continue;
		}
		if (l.indent == 0 && l.start[0] != '-') {
			/* A top-level line ends any block. */
			in_block = 0;
			if (!ctl_yaml_line_is_units(&l, &flow))
				continue;
			if (found++) {
				snprintf(err, errlen, "units: appears twice");
				return NULL;
			}
			if (flow) {
				snprintf(err, errlen, "units: is not a block "
				    "list (it has a value on its line)");
				return NULL;
			}
			units = l.start;
			insert = l.next;
			in_block = 1;
			continue;
		}
		if (!in_block)
			continue;
		if (l.start[l.indent] == '-' && (l.start + l.indent + 1 == l.end ||
		    l.start[l.indent + 1] == ' ')) {
			if (!have_item) {
				have_item = 1;
				item_indent = l.indent;
			} else if (l.indent < item_indent) {
				snprintf(err, errlen, "the units: list is "
				    "indented unevenly");
				return NULL;
			}
		} else if (!have_item || l.indent <= item_indent) {
			snprintf(err, errlen, "the units: block holds "
			    "something other than list items");
			return NULL;
		}
		insert = l.next;
	}
	if (units == NULL) {
		snprintf(err, errlen, "no top-level units: key");
		return NULL;
	}
	if ((stanza = ctl_yaml_unit_stanza(u, have_item ? (int)item_indent :
	    2)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ctl_yaml_buf_add(&b, text, (size_t)(insert - text));
	if (insert > text && insert[-1] != '\n')
		ctl_yaml_buf_str(&b, "\n");
	ctl_yaml_buf_str(&b, stanza);
	ctl_yaml_buf_str(&b, insert);
	free(stanza);
	if ((out = ctl_yaml_buf_done(&b)) == NULL)
		snprintf(err, errlen, "out of memory");
	return out;
}

char *
ctl_read_file(const char *path, char *err, size_t errlen)
{
	struct ctl_buf	 b = { NULL, 0, 0, 0 };
	char		 chunk[8192];
	FILE		*fp;
	size_t		 n;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	ctl_yaml_buf_add(&b, "", 0);
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0) {
		if (memchr(chunk, '\0', n) != NULL || b.len + n > CTL_FILE_MAX) {
			snprintf(err, errlen, "%s: not a text file of at most "
			    "16 MiB", path);
			fclose(fp);
			free(b.data);
			return NULL;
		}
		ctl_yaml_buf_add(&b, chunk, n);
	}
	if (ferror(fp)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		fclose(fp);
		free(b.data);
		return NULL;
	}
	fclose(fp);
	if (b.failed)
		snprintf(err, errlen, "out of memory");
	return ctl_yaml_buf_done(&b);
}

char *
ctl_write_temp(const char *path, const char *text, int mode, uid_t uid,
    gid_t gid, char *err, size_t errlen)
{
	char	*tmp;
	size_t	 len = strlen(text), off = 0;
	ssize_t	 n;
	int	 fd;

	if (asprintf(&tmp, "%s.tmpXXXXXX", path) == -1) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if ((fd = mkstemp(tmp)) == -1) {
		snprintf(err, errlen, "creating %s: %s", tmp, strerror(errno));
		free(tmp);
		return NULL;
	}
	/* The service reads units.yaml through its group: keep the owner. */
	if (fchmod(fd, (mode_t)mode) == -1 || fchown(fd, uid, gid) == -1)
		goto fail;
	while (off < len) {
		if ((n = write(fd, text + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		off += (size_t)n;
	}
	if (fsync(fd) == -1)
		goto fail;
	if (close(fd) == -1) {
		fd = -1;
		goto fail;
	}
	return tmp;
fail:
	snprintf(err, errlen, "writing %s: %s", tmp, strerror(errno));
	if (fd != -1)
		close(fd);
	unlink(tmp);
	free(tmp);
	return NULL;
}

int
ctl_sync_dir(const char *path)
{
	char	*copy, *slash;
	int	 fd, rc;

	if ((copy = strdup(path)) == NULL)
		return -1;
	if ((slash = strrchr(copy, '/')) == NULL)
		snprintf(copy, strlen(copy) + 1, ".");
	else if (slash == copy)
		slash[1] = '\0';
	else
		*slash = '\0';
	fd = open(copy, O_RDONLY | O_DIRECTORY);
	free(copy);
	if (fd == -1)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* Positions in a file parsed by yamltree, for edits at the places it names. */

/* The offset of line (1-based) in text, or of its end. */
size_t
ctl_yaml_line_offset(const char *text, size_t line)
{
	const char	*p = text;

	while (--line > 0 && (p = strchr(p, '\n')) != NULL)
		p++;
	return p == NULL ? strlen(text) : (size_t)(p - text);
}

/* Where the scalar at (line, column) ends: its closing quote, or the line's end. */
size_t
ctl_yaml_scalar_end(const char *text, size_t at)
{
	char	q = text[at];
	size_t	i = at + 1;

	if (q == '\'' || q == '"') {
		for (; text[i] != '\0' && text[i] != '\n'; i++) {
			if (text[i] == q && q == '\'' && text[i + 1] == '\'') {
				i++;
				continue;
			}
			if (text[i] == '\\' && q == '"' && text[i + 1] != '\0') {
				i++;
				continue;
			}
			if (text[i] == q)
				return i + 1;
		}
		return i;
	}
	while (text[i] != '\0' && text[i] != '\n' &&
	    !(text[i] == '#' && (text[i - 1] == ' ' || text[i - 1] == '\t')))
		i++;
	while (i > at && (text[i - 1] == ' ' || text[i - 1] == '\t'))
		i--;
	return i;
}

/* text with [from, to) replaced by with; malloc'd. */
char *
ctl_yaml_splice(const char *text, size_t from, size_t to, const char *with)
{
	size_t	len = strlen(text), wl = strlen(with);
	char	*out;

	if ((out = malloc(len - (to - from) + wl + 1)) == NULL)
		return NULL;
	memcpy(out, text, from);
	memcpy(out + from, with, wl);
	memcpy(out + from + wl, text + to, len - to + 1);
	return out;
}

/* The first line after a top-level block (operators:, units:): the next line at the margin. */
size_t
ctl_yaml_block_end(const char *text, const struct yamltree_node *list)
{
	size_t	at = ctl_yaml_line_offset(text, list->line);

	for (;;) {
		const char	*nl = strchr(text + at, '\n');

		if (nl == NULL)
			return strlen(text);
		at = (size_t)(nl - text) + 1;
		/* A comment at the margin belongs to what follows. */
		if (text[at] != '\0' && text[at] != ' ' && text[at] != '\t' &&
		    text[at] != '\n' && text[at] != '-')
			return at;
	}
}
