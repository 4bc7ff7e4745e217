/* YAML text parsed with libyaml into a small tree, and typed getters. Pure. */
#ifndef REFUGE_YAMLTREE_H
#define REFUGE_YAMLTREE_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"

#define YAMLTREE_MAX_DEPTH	64
#define YAMLTREE_MAX_FILE	(256 * 1024 * 1024)
#define YAMLTREE_PATH_MAX	256

enum yamltree_kind {
	YAMLTREE_SCALAR,
	YAMLTREE_SEQUENCE,
	YAMLTREE_MAPPING
};

struct yamltree_node {
	enum yamltree_kind	  kind;
	size_t			  line, column;	/* 1-based, from the start mark */
	char			 *text;		/* SCALAR: NUL-terminated value */
	size_t			  len;		/* SCALAR: length, may hold a NUL */
	int			  plain;	/* SCALAR: unquoted, so may be a number */
	size_t			  count;	/* SEQUENCE items or MAPPING pairs */
	struct yamltree_node	**items;	/* SEQUENCE items or MAPPING values */
	struct yamltree_node	**keys;		/* MAPPING: keys, always scalars */
};

/* An error held until yamltree_flush() hands them to diag in file order. */
struct yamltree_msg {
	size_t	 line, column, seq;
	char	*text;
};

/* One parsed file; errors end in diag as "file:line:column: what". */
struct yamltree_doc {
	const char		*file;		/* the name as given; not owned */
	struct diag		*diag;
	size_t			 errors;	/* reported through this doc */
	struct yamltree_node	*root;		/* NULL for an empty file */
	struct yamltree_msg	*msgs;		/* held errors, at most DIAG_MAX */
	size_t			 nmsgs;
	int			 dropped;	/* some were not held */
};

/*
 * A key a loader accepts in a mapping. yamltree uses key, required and sub;
 * kind, offset, min and max are the loader's own (value kind, where to
 * store it, bounds). Tables end with a NULL key.
 */
struct yamltree_field {
	const char			*key;
	int				 required;
	int				 kind;
	size_t				 offset;
	int64_t				 min, max;
	const struct yamltree_field	*sub;	/* for a nested mapping */
};

typedef void	(*yamltree_field_fn)(void *arg, const struct yamltree_field *,
		    const struct yamltree_node *value, const char *path);

/*
 * Parses len bytes of buf (no NUL needed; not kept) as the file called name,
 * which messages carry and which must outlive doc. Returns 0 with doc->root
 * set (NULL for an empty file; errors in the tree, such as aliases or
 * non-scalar keys, are held and counted in doc->errors), or -1 when buf is
 * not valid YAML (the reason held). Either way, yamltree_flush() then
 * yamltree_free(). Reading the file is confload's (confload.h).
 */
int	yamltree_parse(const char *name, const char *buf, size_t len,
	    struct yamltree_doc *doc, struct diag *d);
/* Sorts the held errors by line and column and adds them to diag. */
void	yamltree_flush(struct yamltree_doc *);
/* Frees the tree and any errors not flushed. */
void	yamltree_free(struct yamltree_doc *);

/* Holds "file:line:column: path: what" at node (line 1 column 1 if NULL). */
void	yamltree_error(struct yamltree_doc *, const struct yamltree_node *,
	    const char *path, const char *fmt, ...)
	    __attribute__((format(printf, 4, 5)));

/* Joins "parent.key" (or "key") and "parent[index]" into buf. */
void	yamltree_path_key(char buf[YAMLTREE_PATH_MAX], const char *parent,
	    const char *key);
void	yamltree_path_index(char buf[YAMLTREE_PATH_MAX], const char *parent,
	    size_t index);

/* The value of key in a mapping (first occurrence), or NULL. */
const struct yamltree_node	*yamltree_get(const struct yamltree_node *map,
				    const char *key);
/* 1 for a plain empty, "~" or "null" scalar. */
int	yamltree_is_null(const struct yamltree_node *);

/*
 * Walks map against fields: reports "expected a mapping", unknown keys,
 * duplicate keys and missing required keys, and calls fn for every other
 * key. Returns 0, or -1 if map is not a mapping.
 */
int	yamltree_fields(struct yamltree_doc *, const struct yamltree_node *map,
	    const char *path, const struct yamltree_field *fields,
	    yamltree_field_fn fn, void *arg);

/* Typed getters: 0, or -1 after reporting the problem at the node. */
int	yamltree_string(struct yamltree_doc *, const struct yamltree_node *,
	    const char *path, const char **out);
int	yamltree_strdup(struct yamltree_doc *, const struct yamltree_node *,
	    const char *path, char **out);
int	yamltree_int(struct yamltree_doc *, const struct yamltree_node *,
	    const char *path, int64_t min, int64_t max, int64_t *out);
int	yamltree_double(struct yamltree_doc *, const struct yamltree_node *,
	    const char *path, double min, double max, double *out);
int	yamltree_duration(struct yamltree_doc *, const struct yamltree_node *,
	    const char *path, int64_t min_ms, int64_t max_ms, int64_t *out);
int	yamltree_bool(struct yamltree_doc *, const struct yamltree_node *,
	    const char *path, int *out);

#endif
