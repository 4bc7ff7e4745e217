/* refuge.yaml's list values, for config.c only. */
#ifndef REFUGE_CONFIG_LISTS_H
#define REFUGE_CONFIG_LISTS_H

#include "refuge/config.h"
#include "refuge/yamltree.h"

/* A command as argv: a non-empty list of non-empty strings, into *argv. */
void	config_lists_argv(struct yamltree_doc *, const struct yamltree_node *,
	    const char *path, char ***argv);
/* A list of event types that a restore closes; flags[type] = 1 for each. */
void	config_lists_restorable(struct yamltree_doc *,
	    const struct yamltree_node *, const char *path,
	    int flags[EVTYPE_COUNT]);
void	config_lists_argv_free(char **);

#endif
