/*
 * refugectl's printed matter: a cairo surface for -o FILE by its extension
 * (PDF, SVG or PNG), page sizes, wrapped text, the park map and the QR code
 * that signs and reports share.
 */
#ifndef REFUGE_CTL_DRAW_H
#define REFUGE_CTL_DRAW_H

#include <stddef.h>

#include <cairo.h>

#include "refuge/registry.h"

enum ctl_format {
	CTL_FORMAT_NONE,	/* no -o, or an extension we do not write */
	CTL_FORMAT_TEXT,
	CTL_FORMAT_CSV,
	CTL_FORMAT_PDF,
	CTL_FORMAT_SVG,
	CTL_FORMAT_PNG
};

/* The format a file's extension names (.txt .csv .pdf .svg .png), or NONE. */
enum ctl_format	 ctl_format_of_path(const char *path);
/* "text", "csv", "pdf", "svg", "png" to a format, or NONE. */
enum ctl_format	 ctl_format_of_name(const char *name);
const char	*ctl_format_name(enum ctl_format);

/* A4, A3 or A5 (portrait) in points; -1 for another name. */
int		 ctl_page_size(const char *name, double *width, double *height);

/* An open drawing: its surface, its context and where it goes. */
struct ctl_drawing {
	cairo_surface_t	*surface;
	cairo_t		*cr;
	enum ctl_format	 format;
	char		 path[4096];
};

/*
 * Opens path for drawing width x height points (PNG at 150 dots an inch).
 * Returns 0, or -1 with err.
 */
int	ctl_draw_open(struct ctl_drawing *, const char *path,
	    enum ctl_format, double width, double height, char *err,
	    size_t errlen);
/* Ends the page and starts another (PDF); the others have one page. */
void	ctl_draw_page(struct ctl_drawing *);
/* Finishes and writes the file. Returns 0, or -1 with err. */
int	ctl_draw_close(struct ctl_drawing *, char *err, size_t errlen);

/* Sets the sans-serif face at size points, bold or not. */
void	ctl_draw_font(cairo_t *, double size, int bold);
/* Shows text wrapped to width from (x, y) (the first baseline); returns the next baseline. */
double	ctl_draw_wrap(cairo_t *, const char *text, double x, double y,
	    double width, double leading);
/* Shows text centred on x at baseline y. */
void	ctl_draw_centred(cairo_t *, const char *text, double x, double y);

/*
 * A QR code of text (error correction M) in a square of side size at
 * (x, y), quiet zone included. Returns 0, or -1 if text cannot be encoded.
 */
int	ctl_draw_qr(cairo_t *, const char *text, double x, double y,
	    double size);

/*
 * The map of a site's Help Points in the box (x, y, width, height): numbered
 * markers (units in id order), the routes, a scale bar in metres and a north
 * arrow; the background picture if the site has one (PNG, read relative to
 * base_dir). here, if not NULL, is the unit marked "You are here". Returns
 * the number of units drawn.
 */
size_t	ctl_draw_map(cairo_t *, const struct registry *, const char *site,
	    const char *here, const char *base_dir, double x, double y,
	    double width, double height);

#endif
