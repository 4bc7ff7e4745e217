/* units.yaml's outcomes: section, for registry.c only. */
#ifndef REFUGE_REGISTRY_OUTCOMES_H
#define REFUGE_REGISTRY_OUTCOMES_H

#include "refuge/registry.h"
#include "refuge/yamltree.h"

/* Reads outcomes: {false_reasons, genuine_actions, technical_actions} into reg. */
void	registry_outcomes_parse(struct yamltree_doc *,
	    const struct yamltree_node *, const char *path, struct registry *);
void	registry_outcomes_free(struct registry *);

#endif
