/*
 * units.yaml's DC-09 parts, for registry.c: a unit's dc09: block and the
 * top-level dc09_codes. Pure; every error is file:line:column.
 */
#ifndef REFUGE_REGISTRY_DC09_H
#define REFUGE_REGISTRY_DC09_H

#include "registry.h"
#include "yamltree.h"

/* A unit's dc09: mapping to *out (allocated; NULL on error, reported). */
void	registry_dc09_block(struct yamltree_doc *, const struct yamltree_node *,
	    const char *path, struct registry_dc09 **out);
/* dc09_codes: {CODE: TYPE, ...} into the registry's overrides. */
void	registry_dc09_codes(struct yamltree_doc *, const struct yamltree_node *,
	    const char *path, struct registry *);
/* After the units are in id order: accounts unique, the index by account. */
void	registry_dc09_finish(struct yamltree_doc *, struct registry *);
void	registry_dc09_free(struct registry *);

#endif
