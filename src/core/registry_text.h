/*
 * registry.c's helper for the texts sent on operator lines (registry_text.c):
 * a unit's name and address, a site's id.
 */
#ifndef REFUGE_REGISTRY_TEXT_H
#define REFUGE_REGISTRY_TEXT_H

#include <stddef.h>

#include "refuge/yamltree.h"

/*
 * No control character, which no line can carry, and at most max bytes as
 * sent, '"' and '\\' counting two. Returns 0, or -1 after reporting the
 * problem at the node.
 */
int	registry_text_check(struct yamltree_doc *, const struct yamltree_node *,
	    const char *path, const char *s, size_t max);

#endif
