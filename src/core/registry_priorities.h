/* The registry's priorities: key, parsed for registry.c. Pure. */
#ifndef REFUGE_REGISTRY_PRIORITIES_H
#define REFUGE_REGISTRY_PRIORITIES_H

#include "refuge/registry.h"
#include "refuge/yamltree.h"

/* priorities: {TYPE: 1..9}; only alarm-raising types, each once. */
void	registry_priorities_parse(struct yamltree_doc *, struct registry *,
	    const struct yamltree_node *, const char *path);

#endif
