/*
 * registry.c's helpers for the desk's keys (registry_plan.c): a plan's
 * contacts, a site's night window and night plan, a unit's state at rest.
 * Each reads one value into its entry and reports problems at the node.
 */
#ifndef REFUGE_REGISTRY_PLAN_H
#define REFUGE_REGISTRY_PLAN_H

#include "refuge/registry.h"
#include "refuge/yamltree.h"

/* plans[].contacts: a list of {name, phone}. */
void	registry_plan_contacts(struct yamltree_doc *, struct registry_plan *,
	    const struct yamltree_node *, const char *path);
/* sites[].night: "HH:MM-HH:MM". */
void	registry_plan_night(struct yamltree_doc *, struct registry_site *,
	    const struct yamltree_node *, const char *path);
/* units[].light_idle: on or off. */
void	registry_plan_light_idle(struct yamltree_doc *, struct registry_unit *,
	    const struct yamltree_node *, const char *path);
/* After a site's keys: night and night_plan come together. */
void	registry_plan_site_done(struct yamltree_doc *,
	    const struct registry_site *, const struct yamltree_node *map,
	    const char *path);
void	registry_plan_free_contacts(struct registry_plan *);

#endif
