/*
 * units.yaml's keys for what refugectl prints: the words and the address on
 * the signs, the safer routes and the sites' background pictures. Kept out of
 * registry.c, which the daemon's own keys fill; refuged accepts and ignores
 * them so that one file serves both.
 */
#include <stdlib.h>
#include <string.h>

#include "refuge/registry_print.h"

#define RP_SIGNS_TEXT	1
#define RP_SIGNS_URL	2

static const struct yamltree_field rp_signs_fields[] = {
	{ .key = "text", .kind = RP_SIGNS_TEXT, .max = REGISTRY_SIGN_TEXT_MAX },
	{ .key = "url", .kind = RP_SIGNS_URL, .max = REGISTRY_URL_MAX },
	{ .key = NULL }
};

struct rp_ctx {
	struct yamltree_doc	*doc;
	struct registry		*reg;
	struct registry_route	*route;
	struct registry_map_image *image;
};

/* A bounded, non-empty string into *slot. */
static void
rp_text(struct yamltree_doc *doc, const struct yamltree_node *n,
    const char *path, size_t max, char **slot)
{
	const char	*s;

	if (yamltree_string(doc, n, path, &s) == -1)
		return;
	if (*s == '\0' || strlen(s) > max) {
		yamltree_error(doc, n, path, "must be 1 to %zu bytes", max);
		return;
	}
	free(*slot);
	*slot = NULL;
	yamltree_strdup(doc, n, path, slot);
}

static void
rp_signs_field(void *arg, const struct yamltree_field *f,
    const struct yamltree_node *n, const char *path)
{
	struct rp_ctx	*ctx = arg;
	const char	*s;

	if (f->kind == RP_SIGNS_TEXT) {
		rp_text(ctx->doc, n, path, (size_t)f->max,
		    &ctx->reg->signs.text);
		return;
	}
	if (yamltree_string(ctx->doc, n, path, &s) == -1)
		return;
	/* A printed address must be one a phone opens, not a local file. */
	if (strncmp(s, "https://", 8) != 0 && strncmp(s, "http://", 7) != 0) {
		yamltree_error(ctx->doc, n, path, "expected an http:// or "
		    "https:// address");
		return;
	}
	rp_text(ctx->doc, n, path, (size_t)f->max, &ctx->reg->signs.url);
}

void
registry_print_signs(struct yamltree_doc *doc, struct registry *reg,
    const struct yamltree_node *n, const char *path)
{
	struct rp_ctx	ctx = { doc, reg, NULL, NULL };

	yamltree_fields(doc, n, path, rp_signs_fields, rp_signs_field, &ctx);
}

/* [lat, lon] */
static int
rp_point(struct yamltree_doc *doc, const struct yamltree_node *n,
    const char *path, struct registry_point *p)
{
	char	item[YAMLTREE_PATH_MAX];

	if (n->kind != YAMLTREE_SEQUENCE || n->count != 2) {
		yamltree_error(doc, n, path, "expected [lat, lon]");
		return -1;
	}
	yamltree_path_index(item, path, 0);
	if (yamltree_double(doc, n->items[0], item, -90, 90, &p->lat) == -1)
		return -1;
	yamltree_path_index(item, path, 1);
	return yamltree_double(doc, n->items[1], item, -180, 180, &p->lon);
}

#define RP_ROUTE_NAME	1
#define RP_ROUTE_SITE	2
#define RP_ROUTE_POINTS	3

static const struct yamltree_field rp_route_fields[] = {
	{ .key = "name", .required = 1, .kind = RP_ROUTE_NAME },
	{ .key = "site", .kind = RP_ROUTE_SITE },
	{ .key = "points", .required = 1, .kind = RP_ROUTE_POINTS },
	{ .key = NULL }
};

static void
rp_route_points(struct rp_ctx *ctx, const struct yamltree_node *n,
    const char *path)
{
	struct registry_route	*r = ctx->route;
	char			 item[YAMLTREE_PATH_MAX];
	size_t			 i;

	if (n->kind != YAMLTREE_SEQUENCE || n->count < 2 ||
	    n->count > REGISTRY_ROUTE_POINTS) {
		yamltree_error(ctx->doc, n, path, "expected a list of 2 to %d "
		    "[lat, lon] points", REGISTRY_ROUTE_POINTS);
		return;
	}
	if ((r->points = calloc(n->count, sizeof(*r->points))) == NULL) {
		yamltree_error(ctx->doc, n, path, "out of memory");
		return;
	}
	r->point_count = n->count;
	for (i = 0; i < n->count; i++) {
		yamltree_path_index(item, path, i);
		rp_point(ctx->doc, n->items[i], item, &r->points[i]);
	}
}

static void
rp_route_field(void *arg, const struct yamltree_field *f,
    const struct yamltree_node *n, const char *path)
{
	struct rp_ctx	*ctx = arg;

	switch (f->kind) {
	case RP_ROUTE_NAME:
		rp_text(ctx->doc, n, path, 100, &ctx->route->name);
		break;
	case RP_ROUTE_SITE:
		ctx->route->site_line = n->line;
		ctx->route->site_column = n->column;
		rp_text(ctx->doc, n, path, 64, &ctx->route->site);
		break;
	default:
		rp_route_points(ctx, n, path);
		break;
	}
}

void
registry_print_routes(struct yamltree_doc *doc, struct registry *reg,
    const struct yamltree_node *n, const char *path)
{
	struct rp_ctx	ctx = { doc, reg, NULL, NULL };
	char		item[YAMLTREE_PATH_MAX];
	size_t		i;

	if (n->kind != YAMLTREE_SEQUENCE) {
		yamltree_error(doc, n, path, "expected a list");
		return;
	}
	if (n->count == 0)
		return;
	if ((reg->routes = calloc(n->count, sizeof(*reg->routes))) == NULL) {
		yamltree_error(doc, n, path, "out of memory");
		return;
	}
	reg->route_count = n->count;
	for (i = 0; i < n->count; i++) {
		ctx.route = &reg->routes[i];
		yamltree_path_index(item, path, i);
		yamltree_fields(doc, n->items[i], item, rp_route_fields,
		    rp_route_field, &ctx);
	}
}

#define RP_IMAGE_FILE	1
#define RP_IMAGE_NORTH	2
#define RP_IMAGE_SOUTH	3
#define RP_IMAGE_EAST	4
#define RP_IMAGE_WEST	5

static const struct yamltree_field rp_image_fields[] = {
	{ .key = "file", .required = 1, .kind = RP_IMAGE_FILE },
	{ .key = "north", .required = 1, .kind = RP_IMAGE_NORTH, .min = -90,
	  .max = 90 },
	{ .key = "south", .required = 1, .kind = RP_IMAGE_SOUTH, .min = -90,
	  .max = 90 },
	{ .key = "east", .required = 1, .kind = RP_IMAGE_EAST, .min = -180,
	  .max = 180 },
	{ .key = "west", .required = 1, .kind = RP_IMAGE_WEST, .min = -180,
	  .max = 180 },
	{ .key = NULL }
};

static void
rp_image_field(void *arg, const struct yamltree_field *f,
    const struct yamltree_node *n, const char *path)
{
	struct rp_ctx			*ctx = arg;
	struct registry_map_image	*m = ctx->image;
	double				*slot;

	switch (f->kind) {
	case RP_IMAGE_FILE:
		rp_text(ctx->doc, n, path, 4096, &m->file);
		return;
	case RP_IMAGE_NORTH:
		slot = &m->north;
		break;
	case RP_IMAGE_SOUTH:
		slot = &m->south;
		break;
	case RP_IMAGE_EAST:
		slot = &m->east;
		break;
	default:
		slot = &m->west;
		break;
	}
	yamltree_double(ctx->doc, n, path, (double)f->min, (double)f->max,
	    slot);
}

void
registry_print_map_image(struct yamltree_doc *doc, struct registry_site *site,
    const struct yamltree_node *n, const char *path)
{
	struct rp_ctx	ctx = { doc, NULL, NULL, NULL };
	size_t		errors = doc->errors;

	if (site->map_image == NULL &&
	    (site->map_image = calloc(1, sizeof(*site->map_image))) == NULL) {
		yamltree_error(doc, n, path, "out of memory");
		return;
	}
	ctx.image = site->map_image;
	if (yamltree_fields(doc, n, path, rp_image_fields, rp_image_field,
	    &ctx) == -1 || doc->errors > errors)
		return;
	if (ctx.image->north <= ctx.image->south ||
	    ctx.image->east <= ctx.image->west)
		yamltree_error(doc, n, path, "north must be above south and "
		    "east right of west");
}

void
registry_print_check(struct yamltree_doc *doc, const struct registry *reg)
{
	struct yamltree_node	 where;
	char			 item[YAMLTREE_PATH_MAX];
	size_t			 i;

	memset(&where, 0, sizeof(where));
	for (i = 0; i < reg->route_count; i++) {
		const struct registry_route	*r = &reg->routes[i];

		if (r->site == NULL || registry_site_find(reg, r->site) != NULL)
			continue;
		where.line = r->site_line;
		where.column = r->site_column;
		yamltree_path_index(item, "routes", i);
		yamltree_error(doc, &where, item, "site: unknown site '%s'",
		    r->site);
	}
}

void
registry_print_free(struct registry *reg)
{
	size_t	i;

	free(reg->signs.text);
	free(reg->signs.url);
	for (i = 0; i < reg->route_count; i++) {
		free(reg->routes[i].name);
		free(reg->routes[i].site);
		free(reg->routes[i].points);
	}
	free(reg->routes);
	for (i = 0; i < reg->site_count; i++) {
		if (reg->sites[i].map_image != NULL)
			free(reg->sites[i].map_image->file);
		free(reg->sites[i].map_image);
	}
}
