/* YAML text parsed with libyaml's event parser into a small tree. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "refuge/duration.h"
#include "refuge/yamltree.h"

#define YAMLTREE_MAX_FIELDS	32

struct yamltree_parser {
	yaml_parser_t		 parser;
	struct yamltree_doc	*doc;
	const unsigned char	*buf;
	size_t			 len;
};

static struct yamltree_node	*yamltree_build(struct yamltree_parser *,
				    yaml_event_t *, int);
static void			 yamltree_report(struct yamltree_doc *, size_t,
				    size_t, const char *, ...)
				    __attribute__((format(printf, 4, 5)));

static void
yamltree_node_free(struct yamltree_node *n)
{
	size_t	i;

	if (n == NULL)
		return;
	for (i = 0; i < n->count; i++) {
		yamltree_node_free(n->items[i]);
		if (n->keys != NULL)
			yamltree_node_free(n->keys[i]);
	}
	free(n->items);
	free(n->keys);
	free(n->text);
	free(n);
}

static void
yamltree_msgs_free(struct yamltree_doc *doc)
{
	size_t	i;

	for (i = 0; i < doc->nmsgs; i++)
		free(doc->msgs[i].text);
	free(doc->msgs);
	doc->msgs = NULL;
	doc->nmsgs = 0;
}

void
yamltree_free(struct yamltree_doc *doc)
{
	if (doc == NULL)
		return;
	yamltree_node_free(doc->root);
	doc->root = NULL;
	yamltree_msgs_free(doc);
}

/* Holds one error; line 0 for one about the whole file. */
static void
yamltree_report(struct yamltree_doc *doc, size_t line, size_t column,
    const char *fmt, ...)
{
	struct yamltree_msg	*grown, *m;
	char			*text, *p;
	va_list			 ap;
	int			 rc;

	doc->errors++;
	if (doc->nmsgs >= DIAG_MAX_MESSAGES) {
		doc->dropped = 1;
		return;
	}
	va_start(ap, fmt);
	rc = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (rc == -1) {
		doc->dropped = 1;
		return;
	}
	/* Keys and values come from the file: keep them to one printable line. */
	for (p = text; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	grown = reallocarray(doc->msgs, doc->nmsgs + 1, sizeof(*grown));
	if (grown == NULL) {
		free(text);
		doc->dropped = 1;
		return;
	}
	doc->msgs = grown;
	m = &doc->msgs[doc->nmsgs];
	m->line = line;
	m->column = column;
	m->seq = doc->nmsgs++;
	m->text = text;
}

static int
yamltree_msg_cmp(const void *a, const void *b)
{
	const struct yamltree_msg	*x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->column != y->column)
		return x->column < y->column ? -1 : 1;
	return (x->seq > y->seq) - (x->seq < y->seq);
}

void
yamltree_flush(struct yamltree_doc *doc)
{
	size_t	i;

	if (doc->nmsgs > 0)
		qsort(doc->msgs, doc->nmsgs, sizeof(*doc->msgs),
		    yamltree_msg_cmp);
	for (i = 0; i < doc->nmsgs; i++)
		diag_add(doc->diag, doc->file, doc->msgs[i].line,
		    doc->msgs[i].column, "%s", doc->msgs[i].text);
	if (doc->dropped)
		doc->diag->truncated = 1;
	yamltree_msgs_free(doc);
	doc->dropped = 0;
}

void
yamltree_error(struct yamltree_doc *doc, const struct yamltree_node *node,
    const char *path, const char *fmt, ...)
{
	char	 text[768];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	yamltree_report(doc, node ? node->line : 1, node ? node->column : 1,
	    "%s%s%s", path ? path : "", path && *path ? ": " : "", text);
}

/* Reports libyaml's problem at its mark (a reader error has only an offset). */
static void
yamltree_syntax(struct yamltree_parser *p)
{
	yaml_parser_t	*y = &p->parser;
	size_t		 line = y->problem_mark.line + 1;
	size_t		 col = y->problem_mark.column + 1, i;
	const char	*problem = y->problem ? y->problem : "unknown problem";

	if (y->error == YAML_MEMORY_ERROR)
		problem = "out of memory";
	if (y->error == YAML_READER_ERROR) {
		line = col = 1;
		for (i = 0; i < y->problem_offset && i < p->len; i++) {
			if (p->buf[i] == '\n') {
				line++;
				col = 1;
			} else
				col++;
		}
	}
	if (y->context != NULL)
		yamltree_report(p->doc, line, col,
		    "syntax error: %s (%s at line %zu)", problem, y->context,
		    y->context_mark.line + 1);
	else
		yamltree_report(p->doc, line, col, "syntax error: %s", problem);
}

static int
yamltree_next(struct yamltree_parser *p, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&p->parser, ev)) {
		yamltree_syntax(p);
		return -1;
	}
	return 0;
}

static struct yamltree_node *
yamltree_node_new(struct yamltree_parser *p, enum yamltree_kind kind,
    const yaml_mark_t *mark)
{
	struct yamltree_node	*n;

	if ((n = calloc(1, sizeof(*n))) == NULL) {
		yamltree_error(p->doc, NULL, NULL, "out of memory");
		return NULL;
	}
	n->kind = kind;
	n->line = mark->line + 1;
	n->column = mark->column + 1;
	return n;
}

/* Appends to items (and keys for a mapping), doubling at powers of two. */
static int
yamltree_append(struct yamltree_parser *p, struct yamltree_node *n,
    struct yamltree_node *key, struct yamltree_node *value)
{
	struct yamltree_node	**grown;
	size_t			  cap;

	if (n->count == 0 || (n->count >= 4 &&
	    (n->count & (n->count - 1)) == 0)) {
		cap = n->count == 0 ? 4 : n->count * 2;
		if ((grown = reallocarray(n->items, cap, sizeof(*grown))) == NULL)
			goto oom;
		n->items = grown;
		if (key != NULL) {
			grown = reallocarray(n->keys, cap, sizeof(*grown));
			if (grown == NULL)
				goto oom;
			n->keys = grown;
		}
	}
	if (key != NULL)
		n->keys[n->count] = key;
	n->items[n->count++] = value;
	return 0;
oom:
	yamltree_error(p->doc, NULL, NULL, "out of memory");
	return -1;
}

static struct yamltree_node *
yamltree_scalar(struct yamltree_parser *p, const yaml_event_t *ev)
{
	struct yamltree_node	*n;
	size_t			 len = ev->data.scalar.length;

	if ((n = yamltree_node_new(p, YAMLTREE_SCALAR, &ev->start_mark)) == NULL)
		return NULL;
	if ((n->text = malloc(len + 1)) == NULL) {
		yamltree_node_free(n);
		yamltree_error(p->doc, NULL, NULL, "out of memory");
		return NULL;
	}
	memcpy(n->text, ev->data.scalar.value, len);
	n->text[len] = '\0';
	n->len = len;
	n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
	return n;
}

static struct yamltree_node *
yamltree_sequence(struct yamltree_parser *p, struct yamltree_node *n, int depth)
{
	struct yamltree_node	*child;
	yaml_event_t		 ev;

	for (;;) {
		if (yamltree_next(p, &ev) == -1)
			goto fail;
		if (ev.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&ev);
			return n;
		}
		if ((child = yamltree_build(p, &ev, depth + 1)) == NULL)
			goto fail;
		if (yamltree_append(p, n, NULL, child) == -1) {
			yamltree_node_free(child);
			goto fail;
		}
	}
fail:
	yamltree_node_free(n);
	return NULL;
}

static struct yamltree_node *
yamltree_mapping(struct yamltree_parser *p, struct yamltree_node *n, int depth)
{
	struct yamltree_node	*key = NULL, *value = NULL;
	yaml_event_t		 ev;

	for (;;) {
		if (yamltree_next(p, &ev) == -1)
			goto fail;
		if (ev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&ev);
			return n;
		}
		if ((key = yamltree_build(p, &ev, depth + 1)) == NULL)
			goto fail;
		if (yamltree_next(p, &ev) == -1)
			goto fail;
		if ((value = yamltree_build(p, &ev, depth + 1)) == NULL)
			goto fail;
		if (key->kind != YAMLTREE_SCALAR) {
			yamltree_error(p->doc, key, NULL,
			    "a mapping key must be a string");
			yamltree_node_free(key);
			yamltree_node_free(value);
		} else if (yamltree_append(p, n, key, value) == -1)
			goto fail;
		key = value = NULL;
	}
fail:
	yamltree_node_free(key);
	yamltree_node_free(value);
	yamltree_node_free(n);
	return NULL;
}

/* Builds the node that ev starts; always deletes ev. */
static struct yamltree_node *
yamltree_build(struct yamltree_parser *p, yaml_event_t *ev, int depth)
{
	struct yamltree_node	*n = NULL, at;
	yaml_event_type_t	 type = ev->type;

	memset(&at, 0, sizeof(at));
	if (depth > YAMLTREE_MAX_DEPTH) {
		at.line = ev->start_mark.line + 1;
		at.column = ev->start_mark.column + 1;
		yamltree_error(p->doc, &at, NULL, "nested deeper than %d levels",
		    YAMLTREE_MAX_DEPTH);
		yaml_event_delete(ev);
		return NULL;
	}
	switch (type) {
	case YAML_SCALAR_EVENT:
		n = yamltree_scalar(p, ev);
		break;
	case YAML_ALIAS_EVENT:
		/* Aliases would let a small file grow without bound. */
		if ((n = yamltree_node_new(p, YAMLTREE_SCALAR,
		    &ev->start_mark)) == NULL)
			break;
		n->plain = 1;
		if ((n->text = strdup("")) == NULL) {
			yamltree_node_free(n);
			n = NULL;
		}
		yamltree_error(p->doc, n, NULL, n ? "aliases are not supported" :
		    "out of memory");
		break;
	case YAML_SEQUENCE_START_EVENT:
		n = yamltree_node_new(p, YAMLTREE_SEQUENCE, &ev->start_mark);
		break;
	case YAML_MAPPING_START_EVENT:
		n = yamltree_node_new(p, YAMLTREE_MAPPING, &ev->start_mark);
		break;
	default:
		yamltree_error(p->doc, NULL, NULL, "unexpected YAML event");
		break;
	}
	yaml_event_delete(ev);
	if (n != NULL && type == YAML_SEQUENCE_START_EVENT)
		return yamltree_sequence(p, n, depth);
	if (n != NULL && type == YAML_MAPPING_START_EVENT)
		return yamltree_mapping(p, n, depth);
	return n;
}

/* Walks stream-start, at most one document, stream-end. */
static int
yamltree_stream(struct yamltree_parser *p)
{
	yaml_event_t	ev;

	if (yamltree_next(p, &ev) == -1)
		return -1;
	yaml_event_delete(&ev);		/* STREAM-START */
	if (yamltree_next(p, &ev) == -1)
		return -1;
	if (ev.type == YAML_STREAM_END_EVENT) {
		yaml_event_delete(&ev);
		return 0;
	}
	yaml_event_delete(&ev);		/* DOCUMENT-START */
	if (yamltree_next(p, &ev) == -1)
		return -1;
	if ((p->doc->root = yamltree_build(p, &ev, 1)) == NULL)
		return -1;
	if (yamltree_next(p, &ev) == -1)
		return -1;
	yaml_event_delete(&ev);		/* DOCUMENT-END */
	if (yamltree_next(p, &ev) == -1)
		return -1;
	if (ev.type != YAML_STREAM_END_EVENT) {
		yamltree_report(p->doc, ev.start_mark.line + 1,
		    ev.start_mark.column + 1,
		    "only one YAML document is allowed");
		yaml_event_delete(&ev);
		return -1;
	}
	yaml_event_delete(&ev);
	return 0;
}

int
yamltree_parse(const char *name, const char *buf, size_t len,
    struct yamltree_doc *doc, struct diag *d)
{
	struct yamltree_parser	p;
	int			rc;

	memset(doc, 0, sizeof(*doc));
	doc->file = name;
	doc->diag = d;
	if (len > YAMLTREE_MAX_FILE) {
		yamltree_report(doc, 0, 0, "file too large");
		return -1;
	}
	memset(&p, 0, sizeof(p));
	p.doc = doc;
	p.buf = (const unsigned char *)(buf != NULL ? buf : "");
	p.len = buf != NULL ? len : 0;
	if (!yaml_parser_initialize(&p.parser)) {
		yamltree_error(doc, NULL, NULL, "out of memory");
		return -1;
	}
	yaml_parser_set_input_string(&p.parser, p.buf, p.len);
	rc = yamltree_stream(&p);
	yaml_parser_delete(&p.parser);
	if (rc == -1) {
		yamltree_node_free(doc->root);
		doc->root = NULL;
	}
	return rc;
}

void
yamltree_path_key(char buf[YAMLTREE_PATH_MAX], const char *parent,
    const char *key)
{
	if (parent == NULL || *parent == '\0')
		snprintf(buf, YAMLTREE_PATH_MAX, "%.200s", key);
	else
		snprintf(buf, YAMLTREE_PATH_MAX, "%s.%.200s", parent, key);
}

void
yamltree_path_index(char buf[YAMLTREE_PATH_MAX], const char *parent,
    size_t index)
{
	snprintf(buf, YAMLTREE_PATH_MAX, "%s[%zu]", parent, index);
}

const struct yamltree_node *
yamltree_get(const struct yamltree_node *map, const char *key)
{
	size_t	i;

	if (map == NULL || map->kind != YAMLTREE_MAPPING)
		return NULL;
	for (i = 0; i < map->count; i++)
		if (strcmp(map->keys[i]->text, key) == 0)
			return map->items[i];
	return NULL;
}

int
yamltree_is_null(const struct yamltree_node *n)
{
	static const char	*const nulls[] = { "", "~", "null", "Null",
				    "NULL" };
	size_t			 i;

	if (n == NULL || n->kind != YAMLTREE_SCALAR || !n->plain)
		return 0;
	for (i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
		if (strcmp(n->text, nulls[i]) == 0)
			return 1;
	return 0;
}

int
yamltree_fields(struct yamltree_doc *doc, const struct yamltree_node *map,
    const char *path, const struct yamltree_field *fields,
    yamltree_field_fn fn, void *arg)
{
	const struct yamltree_field	*f;
	const struct yamltree_node	*key;
	size_t				 first[YAMLTREE_MAX_FIELDS], i, k;
	char				 child[YAMLTREE_PATH_MAX];

	if (map == NULL || map->kind != YAMLTREE_MAPPING) {
		yamltree_error(doc, map, path, "expected a mapping");
		return -1;
	}
	memset(first, 0, sizeof(first));
	for (i = 0; i < map->count; i++) {
		key = map->keys[i];
		yamltree_path_key(child, path, key->text);
		for (k = 0; fields[k].key != NULL; k++)
			if (strcmp(fields[k].key, key->text) == 0)
				break;
		f = &fields[k];
		if (f->key == NULL || k >= YAMLTREE_MAX_FIELDS)
			yamltree_error(doc, key, child, "unknown key");
		else if (first[k] != 0)
			yamltree_error(doc, key, child,
			    "duplicate key (first at line %zu)", first[k]);
		else {
			first[k] = key->line;
			fn(arg, f, map->items[i], child);
		}
	}
	for (k = 0; fields[k].key != NULL && k < YAMLTREE_MAX_FIELDS; k++)
		if (fields[k].required && first[k] == 0)
			yamltree_error(doc, map, path, "missing key '%s'",
			    fields[k].key);
	return 0;
}

int
yamltree_string(struct yamltree_doc *doc, const struct yamltree_node *n,
    const char *path, const char **out)
{
	if (n == NULL || n->kind != YAMLTREE_SCALAR || yamltree_is_null(n)) {
		yamltree_error(doc, n, path, "expected a string");
		return -1;
	}
	if (strlen(n->text) != n->len) {
		yamltree_error(doc, n, path, "must not contain a NUL character");
		return -1;
	}
	*out = n->text;
	return 0;
}

int
yamltree_strdup(struct yamltree_doc *doc, const struct yamltree_node *n,
    const char *path, char **out)
{
	const char	*s;

	if (yamltree_string(doc, n, path, &s) == -1)
		return -1;
	if ((*out = strdup(s)) == NULL) {
		yamltree_error(doc, n, path, "out of memory");
		return -1;
	}
	return 0;
}

int
yamltree_int(struct yamltree_doc *doc, const struct yamltree_node *n,
    const char *path, int64_t min, int64_t max, int64_t *out)
{
	const char	*p;
	char		*end;
	long long	 v;

	if (n == NULL || n->kind != YAMLTREE_SCALAR || !n->plain)
		goto bad;
	p = n->text;
	if (*p == '-' || *p == '+')
		p++;
	if (*p < '0' || *p > '9')
		goto bad;
	errno = 0;
	v = strtoll(n->text, &end, 10);
	if (*end != '\0')
		goto bad;
	if (errno == ERANGE || v < min || v > max) {
		yamltree_error(doc, n, path, "must be between %" PRId64
		    " and %" PRId64, min, max);
		return -1;
	}
	*out = v;
	return 0;
bad:
	yamltree_error(doc, n, path, "expected an integer");
	return -1;
}

int
yamltree_double(struct yamltree_doc *doc, const struct yamltree_node *n,
    const char *path, double min, double max, double *out)
{
	char	*end = NULL;
	double	 v = 0;

	/* Decimal only: .inf, .nan, and strtod's hex, inf and nan are refused. */
	if (n != NULL && n->kind == YAMLTREE_SCALAR && n->plain &&
	    n->text[strspn(n->text, "0123456789+-.eE")] == '\0')
		v = strtod(n->text, &end);
	if (end == NULL || end == n->text || *end != '\0') {
		yamltree_error(doc, n, path, "expected a number");
		return -1;
	}
	if (!isfinite(v) || v < min || v > max) {
		yamltree_error(doc, n, path, "must be between %g and %g",
		    min, max);
		return -1;
	}
	*out = v;
	return 0;
}

int
yamltree_duration(struct yamltree_doc *doc, const struct yamltree_node *n,
    const char *path, int64_t min_ms, int64_t max_ms, int64_t *out)
{
	char	lo[32], hi[32];
	int64_t	ms;

	if (n == NULL || n->kind != YAMLTREE_SCALAR || yamltree_is_null(n)) {
		yamltree_error(doc, n, path, "expected a duration");
		return -1;
	}
	if (duration_parse(n->text, &ms) == -1) {
		yamltree_error(doc, n, path, "bad duration '%.64s' "
		    "(use e.g. 500ms, 30s, 5m, 1h)", n->text);
		return -1;
	}
	if (ms < min_ms || ms > max_ms) {
		duration_format(min_ms, lo, sizeof(lo));
		duration_format(max_ms, hi, sizeof(hi));
		yamltree_error(doc, n, path, "must be between %s and %s",
		    lo, hi);
		return -1;
	}
	*out = ms;
	return 0;
}

int
yamltree_bool(struct yamltree_doc *doc, const struct yamltree_node *n,
    const char *path, int *out)
{
	if (n != NULL && n->kind == YAMLTREE_SCALAR && n->plain) {
		if (strcmp(n->text, "true") == 0) {
			*out = 1;
			return 0;
		}
		if (strcmp(n->text, "false") == 0) {
			*out = 0;
			return 0;
		}
	}
	yamltree_error(doc, n, path, "expected true or false");
	return -1;
}
