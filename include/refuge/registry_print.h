/*
 * The registry's keys for printed matter (signs:, routes:, a site's
 * map_image:), parsed for registry.c, which owns the rest. Pure.
 */
#ifndef REFUGE_REGISTRY_PRINT_H
#define REFUGE_REGISTRY_PRINT_H

#include "registry.h"
#include "yamltree.h"

#define REGISTRY_SIGN_TEXT_MAX	400	/* bytes of signs.text */
#define REGISTRY_URL_MAX	500	/* bytes of signs.url */
#define REGISTRY_ROUTE_POINTS	1000	/* points in one route */

/* signs: {text, url} */
void	registry_print_signs(struct yamltree_doc *, struct registry *,
	    const struct yamltree_node *, const char *path);
/* routes: [{name, site, points: [[lat, lon], ...]}] */
void	registry_print_routes(struct yamltree_doc *, struct registry *,
	    const struct yamltree_node *, const char *path);
/* sites[].map_image: {file, north, south, east, west} */
void	registry_print_map_image(struct yamltree_doc *, struct registry_site *,
	    const struct yamltree_node *, const char *path);
/* After the sites are sorted: every route's site must exist. */
void	registry_print_check(struct yamltree_doc *, const struct registry *);
/* Frees what these parsers allocated (registry_free calls it). */
void	registry_print_free(struct registry *);

#endif
