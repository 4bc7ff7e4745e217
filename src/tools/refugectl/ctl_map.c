/*
 * refugectl map: a site's Help Points on a plain map drawn from their
 * coordinates (no tiles from the internet), with the safer routes, a scale
 * bar and a north arrow. The signs draw the same map with "You are here".
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refuge/geo.h"
#include "ctl.h"
#include "ctl_draw.h"

/* A site's own routes, and those with no site that cross its box. */
static int
ctl_map_route_shown(const struct registry_route *r, const char *site,
    const struct geo_box *box)
{
	size_t	i;

	if (r->site != NULL)
		return strcmp(r->site, site) == 0;
	for (i = 0; i < r->point_count; i++)
		if (r->points[i].lat >= box->south &&
		    r->points[i].lat <= box->north &&
		    r->points[i].lon >= box->west &&
		    r->points[i].lon <= box->east)
			return 1;
	return 0;
}

static void
ctl_map_background(cairo_t *cr, const struct registry_site *s,
    const char *base_dir, const struct geo_view *v)
{
	const struct registry_map_image	*m = s->map_image;
	cairo_surface_t			*img;
	char				 path[4096];
	double				 x0, y0, x1, y1;

	if (m == NULL)
		return;
	if (m->file[0] == '/' || base_dir == NULL)
		snprintf(path, sizeof(path), "%s", m->file);
	else
		snprintf(path, sizeof(path), "%s/%s", base_dir, m->file);
	img = cairo_image_surface_create_from_png(path);
	if (cairo_surface_status(img) != CAIRO_STATUS_SUCCESS) {
		ctl_warnx("map_image %s: %s (drawn without it)", path,
		    cairo_status_to_string(cairo_surface_status(img)));
		cairo_surface_destroy(img);
		return;
	}
	geo_view_xy(v, m->north, m->west, &x0, &y0);
	geo_view_xy(v, m->south, m->east, &x1, &y1);
	cairo_save(cr);
	cairo_translate(cr, x0, y0);
	cairo_scale(cr, (x1 - x0) / cairo_image_surface_get_width(img),
	    (y1 - y0) / cairo_image_surface_get_height(img));
	cairo_set_source_surface(cr, img, 0, 0);
	cairo_paint_with_alpha(cr, 0.6);
	cairo_restore(cr);
	cairo_surface_destroy(img);
}

static void
ctl_map_routes(cairo_t *cr, const struct registry *reg, const char *site,
    const struct geo_box *box, const struct geo_view *v)
{
	const double	 dash[] = { 6, 3 };
	size_t		 i, j;
	double		 x, y;

	cairo_save(cr);
	cairo_set_source_rgb(cr, 0.0, 0.55, 0.25);
	cairo_set_line_width(cr, 2.5);
	cairo_set_dash(cr, dash, 2, 0);
	ctl_draw_font(cr, 8, 0);
	for (i = 0; i < reg->route_count; i++) {
		const struct registry_route	*r = &reg->routes[i];

		if (!ctl_map_route_shown(r, site, box))
			continue;
		for (j = 0; j < r->point_count; j++) {
			geo_view_xy(v, r->points[j].lat, r->points[j].lon, &x,
			    &y);
			if (j == 0)
				cairo_move_to(cr, x, y);
			else
				cairo_line_to(cr, x, y);
		}
		cairo_stroke(cr);
		geo_view_xy(v, r->points[r->point_count / 2].lat,
		    r->points[r->point_count / 2].lon, &x, &y);
		cairo_move_to(cr, x + 4, y - 4);
		cairo_show_text(cr, r->name);
	}
	cairo_restore(cr);
}

/* A scale bar of a round length at the bottom left, a north arrow top right. */
static void
ctl_map_furniture(cairo_t *cr, const struct geo_view *v, double x, double y,
    double width, double height)
{
	char	label[32];
	double	len_m, len, bx = x + 12, by = y + height - 14;

	len_m = geo_round_length(width * 0.3 / v->scale);
	len = len_m * v->scale;
	cairo_save(cr);
	cairo_set_source_rgb(cr, 0, 0, 0);
	cairo_set_line_width(cr, 1.5);
	cairo_move_to(cr, bx, by - 4);
	cairo_line_to(cr, bx, by);
	cairo_line_to(cr, bx + len, by);
	cairo_line_to(cr, bx + len, by - 4);
	cairo_stroke(cr);
	ctl_draw_font(cr, 8, 0);
	if (len_m >= 1000)
		snprintf(label, sizeof(label), "%g km", len_m / 1000);
	else
		snprintf(label, sizeof(label), "%g m", len_m);
	cairo_move_to(cr, bx, by - 7);
	cairo_show_text(cr, label);
	/* North: an arrow pointing up the page, which is north here. */
	bx = x + width - 20;
	by = y + 14;
	cairo_move_to(cr, bx, by);
	cairo_line_to(cr, bx - 6, by + 18);
	cairo_line_to(cr, bx, by + 13);
	cairo_line_to(cr, bx + 6, by + 18);
	cairo_close_path(cr);
	cairo_fill(cr);
	ctl_draw_font(cr, 9, 1);
	ctl_draw_centred(cr, "N", bx, by + 30);
	cairo_restore(cr);
}

static void
ctl_map_marker(cairo_t *cr, double cx, double cy, size_t number, int here)
{
	char	n[16];

	cairo_save(cr);
	cairo_new_sub_path(cr);
	/* The path starts at angle 0, (cx + 9, cy): the tests find it there. */
	cairo_arc(cr, cx, cy, 9, 0, 2 * M_PI);
	if (here)
		cairo_set_source_rgb(cr, 0.85, 0.1, 0.1);
	else
		cairo_set_source_rgb(cr, 0.0, 0.34, 0.72);
	cairo_fill(cr);
	cairo_set_source_rgb(cr, 1, 1, 1);
	ctl_draw_font(cr, 9, 1);
	snprintf(n, sizeof(n), "%zu", number);
	ctl_draw_centred(cr, n, cx, cy + 3.2);
	cairo_restore(cr);
}

size_t
ctl_draw_map(cairo_t *cr, const struct registry *reg, const char *site,
    const char *here, const char *base_dir, double x, double y,
    double width, double height)
{
	const struct registry_site	*s = registry_site_find(reg, site);
	struct geo_box			 box;
	struct geo_view			 v;
	size_t				 i, n = 0;
	double				 px, py;

	geo_box_empty(&box);
	for (i = 0; i < reg->unit_count; i++)
		if (strcmp(reg->units[i].site, site) == 0)
			geo_box_add(&box, reg->units[i].lat, reg->units[i].lon);
	geo_box_pad(&box, 0.15, 200);
	/* Room for the markers and labels inside the frame. */
	geo_view_fit(&v, &box, x + 20, y + 20, width - 40, height - 40);
	cairo_save(cr);
	cairo_rectangle(cr, x, y, width, height);
	cairo_set_source_rgb(cr, 0.95, 0.97, 0.93);
	cairo_fill_preserve(cr);
	cairo_clip(cr);
	if (s != NULL)
		ctl_map_background(cr, s, base_dir, &v);
	ctl_map_routes(cr, reg, site, &box, &v);
	for (i = 0; i < reg->unit_count; i++) {
		const struct registry_unit	*u = &reg->units[i];
		int				 is_here;

		if (strcmp(u->site, site) != 0)
			continue;
		n++;
		is_here = here != NULL && strcmp(here, u->id) == 0;
		geo_view_xy(&v, u->lat, u->lon, &px, &py);
		ctl_map_marker(cr, px, py, n, is_here);
		cairo_set_source_rgb(cr, 0, 0, 0);
		ctl_draw_font(cr, 8, is_here);
		cairo_move_to(cr, px + 12, py + 3);
		/* A sign's small map has room for ids, a full map for names. */
		cairo_show_text(cr, is_here ? "You are here" :
		    width < 400 ? u->id : u->name);
	}
	ctl_map_furniture(cr, &v, x, y, width, height);
	cairo_reset_clip(cr);
	cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
	cairo_set_line_width(cr, 1);
	cairo_rectangle(cr, x, y, width, height);
	cairo_stroke(cr);
	cairo_restore(cr);
	return n;
}

/* The numbered list beside the map: "1  HP-001  Racecourse Park, main gate". */
static void
ctl_map_legend(cairo_t *cr, const struct registry *reg, const char *site,
    double x, double y, double width)
{
	char	line[256];
	size_t	i, n = 0;

	cairo_set_source_rgb(cr, 0, 0, 0);
	ctl_draw_font(cr, 10, 0);
	for (i = 0; i < reg->unit_count; i++) {
		if (strcmp(reg->units[i].site, site) != 0)
			continue;
		snprintf(line, sizeof(line), "%zu  %s  %s", ++n,
		    reg->units[i].id, reg->units[i].name);
		y = ctl_draw_wrap(cr, line, x, y, width, 13);
	}
}

/* The directory units.yaml is in: map_image files are relative to it. */
char *
ctl_registry_dir(const struct registry *reg)
{
	char	*dir, *slash;

	if ((dir = strdup(reg->path)) == NULL)
		return NULL;
	if ((slash = strrchr(dir, '/')) == NULL) {
		free(dir);
		return strdup(".");
	}
	*slash = '\0';
	return dir;
}

int
ctl_cmd_map(struct ctl *ctl, int argc, char *argv[])
{
	struct refuge_config		*config = NULL;
	struct registry			*reg = NULL;
	const struct registry_site	*s;
	struct ctl_drawing		 d;
	const char			*pos[1], *output = NULL;
	const struct ctl_opt		 opts[] = {
		{ "output", 1, &output },
		{ NULL, 0, NULL }
	};
	char				 err[512], title[300], fallback[128],
					*dir = NULL;
	enum ctl_format			 format;
	int				 npos, rc = CTL_FAIL;
	double				 w = 841.89, h = 595.28;	/* A4 landscape */

	memset(&d, 0, sizeof(d));
	if (ctl_args("map", argc, argv, opts, pos, 1, &npos) == -1)
		return CTL_USAGE;
	if (npos != 1)
		return ctl_usage_error("map", "which site?");
	if (output == NULL) {
		snprintf(fallback, sizeof(fallback), "%.100s.pdf", pos[0]);
		output = fallback;
	}
	format = ctl_format_of_path(output);
	if (format != CTL_FORMAT_PDF && format != CTL_FORMAT_SVG &&
	    format != CTL_FORMAT_PNG)
		return ctl_usage_error("map", "-o wants a .pdf, .svg or .png "
		    "file, not '%s'", output);
	if ((config = ctl_config(ctl)) == NULL ||
	    (reg = ctl_registry(config)) == NULL)
		goto done;
	if ((s = registry_site_find(reg, pos[0])) == NULL) {
		ctl_warnx("map: no site '%s' in %s", pos[0], reg->path);
		goto done;
	}
	if ((dir = ctl_registry_dir(reg)) == NULL ||
	    ctl_draw_open(&d, output, format, w, h, err, sizeof(err)) == -1) {
		ctl_warnx("map: %s", dir == NULL ? "out of memory" : err);
		goto done;
	}
	cairo_set_source_rgb(d.cr, 0, 0, 0);
	ctl_draw_font(d.cr, 20, 1);
	snprintf(title, sizeof(title), "Help Points: %s", s->name);
	cairo_move_to(d.cr, 36, 48);
	cairo_show_text(d.cr, title);
	ctl_draw_map(d.cr, reg, s->id, NULL, dir, 36, 64, 560, h - 100);
	ctl_map_legend(d.cr, reg, s->id, 616, 80, w - 616 - 36);
	if (ctl_draw_close(&d, err, sizeof(err)) == -1) {
		ctl_warnx("map: %s", err);
		goto done;
	}
	printf("map of %s written to %s\n", s->id, output);
	rc = CTL_OK;
done:
	if (d.cr != NULL)
		ctl_draw_close(&d, err, sizeof(err));
	free(dir);
	registry_free(reg);
	config_free(config);
	return rc;
}
