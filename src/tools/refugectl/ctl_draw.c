/*
 * Surfaces and the small drawing helpers. cairo writes PDF, SVG and PNG;
 * nothing here writes a file format by hand.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <fontconfig/fontconfig.h>
#include <qrencode.h>

#include "ctl_draw.h"

#define CTL_PNG_DPI	150.0

static const struct {
	const char	*ext, *name;
	enum ctl_format	 format;
} ctl_formats[] = {
	{ ".txt", "text", CTL_FORMAT_TEXT },
	{ ".csv", "csv", CTL_FORMAT_CSV },
	{ ".pdf", "pdf", CTL_FORMAT_PDF },
	{ ".svg", "svg", CTL_FORMAT_SVG },
	{ ".png", "png", CTL_FORMAT_PNG },
};

#define CTL_NFORMATS	(sizeof(ctl_formats) / sizeof(ctl_formats[0]))

enum ctl_format
ctl_format_of_path(const char *path)
{
	size_t	len = strlen(path), i, e;

	for (i = 0; i < CTL_NFORMATS; i++) {
		e = strlen(ctl_formats[i].ext);
		if (len > e && strcasecmp(path + len - e, ctl_formats[i].ext) ==
		    0)
			return ctl_formats[i].format;
	}
	return CTL_FORMAT_NONE;
}

enum ctl_format
ctl_format_of_name(const char *name)
{
	size_t	i;

	for (i = 0; i < CTL_NFORMATS; i++)
		if (strcmp(name, ctl_formats[i].name) == 0)
			return ctl_formats[i].format;
	return CTL_FORMAT_NONE;
}

const char *
ctl_format_name(enum ctl_format f)
{
	size_t	i;

	for (i = 0; i < CTL_NFORMATS; i++)
		if (ctl_formats[i].format == f)
			return ctl_formats[i].name;
	return "none";
}

int
ctl_page_size(const char *name, double *width, double *height)
{
	/* ISO 216 in points (1/72 inch), portrait. */
	if (strcasecmp(name, "A4") == 0) {
		*width = 595.28;
		*height = 841.89;
	} else if (strcasecmp(name, "A3") == 0) {
		*width = 841.89;
		*height = 1190.55;
	} else if (strcasecmp(name, "A5") == 0) {
		*width = 419.53;
		*height = 595.28;
	} else
		return -1;
	return 0;
}

/* A PDF to standard output ("-"): the caller made sure it is no terminal. */
static cairo_status_t
ctl_draw_stdout(void *arg, const unsigned char *data, unsigned int len)
{
	(void)arg;
	if (fwrite(data, 1, len, stdout) != len)
		return CAIRO_STATUS_WRITE_ERROR;
	return CAIRO_STATUS_SUCCESS;
}

/*
 * cairo and fontconfig keep their font caches for the life of the process;
 * a command that drew gives them back at exit, so that a leak checker sees
 * only what is ours.
 */
static void
ctl_draw_cleanup(void)
{
	cairo_debug_reset_static_data();
	FcFini();
}

int
ctl_draw_open(struct ctl_drawing *d, const char *path, enum ctl_format format,
    double width, double height, char *err, size_t errlen)
{
	static int	cleanup_set;
	double		k = CTL_PNG_DPI / 72.0;

	if (!cleanup_set && atexit(ctl_draw_cleanup) == 0)
		cleanup_set = 1;
	memset(d, 0, sizeof(*d));
	d->format = format;
	if (snprintf(d->path, sizeof(d->path), "%s", path) >=
	    (int)sizeof(d->path)) {
		snprintf(err, errlen, "file name too long");
		return -1;
	}
	switch (format) {
	case CTL_FORMAT_PDF:
		if (strcmp(path, "-") == 0)
			d->surface = cairo_pdf_surface_create_for_stream(
			    ctl_draw_stdout, NULL, width, height);
		else
			d->surface = cairo_pdf_surface_create(path, width,
			    height);
		break;
	case CTL_FORMAT_SVG:
		d->surface = cairo_svg_surface_create(path, width, height);
		break;
	case CTL_FORMAT_PNG:
		d->surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24,
		    (int)(width * k + 0.5), (int)(height * k + 0.5));
		break;
	default:
		snprintf(err, errlen, "%s: cannot draw this format (use .pdf, "
		    ".svg or .png)", path);
		return -1;
	}
	if (cairo_surface_status(d->surface) != CAIRO_STATUS_SUCCESS) {
		snprintf(err, errlen, "%s: %s", path, cairo_status_to_string(
		    cairo_surface_status(d->surface)));
		cairo_surface_destroy(d->surface);
		d->surface = NULL;
		return -1;
	}
	d->cr = cairo_create(d->surface);
	if (format == CTL_FORMAT_PNG) {
		cairo_scale(d->cr, k, k);
		/* An image starts transparent black: paper is white. */
		cairo_set_source_rgb(d->cr, 1, 1, 1);
		cairo_paint(d->cr);
	}
	return 0;
}

void
ctl_draw_page(struct ctl_drawing *d)
{
	cairo_show_page(d->cr);
}

int
ctl_draw_close(struct ctl_drawing *d, char *err, size_t errlen)
{
	cairo_status_t	st;
	int		rc = 0;

	if (d->cr == NULL)
		return 0;
	if ((st = cairo_status(d->cr)) != CAIRO_STATUS_SUCCESS) {
		snprintf(err, errlen, "%s: drawing: %s", d->path,
		    cairo_status_to_string(st));
		rc = -1;
	}
	if (rc == 0 && d->format == CTL_FORMAT_PNG &&
	    (st = cairo_surface_write_to_png(d->surface, d->path)) !=
	    CAIRO_STATUS_SUCCESS) {
		snprintf(err, errlen, "%s: %s", d->path,
		    cairo_status_to_string(st));
		rc = -1;
	}
	cairo_destroy(d->cr);
	cairo_surface_finish(d->surface);
	/* PDF and SVG are written at finish: a full disk shows here. */
	if (rc == 0 && (st = cairo_surface_status(d->surface)) !=
	    CAIRO_STATUS_SUCCESS) {
		snprintf(err, errlen, "%s: %s", d->path,
		    cairo_status_to_string(st));
		rc = -1;
	}
	cairo_surface_destroy(d->surface);
	d->cr = NULL;
	d->surface = NULL;
	if (rc == 0 && strcmp(d->path, "-") == 0 && fflush(stdout) != 0) {
		snprintf(err, errlen, "standard output: write failed");
		rc = -1;
	}
	return rc;
}

void
ctl_draw_font(cairo_t *cr, double size, int bold)
{
	cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
	    bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(cr, size);
}

void
ctl_draw_centred(cairo_t *cr, const char *text, double x, double y)
{
	cairo_text_extents_t	te;

	cairo_text_extents(cr, text, &te);
	cairo_move_to(cr, x - te.x_advance / 2, y);
	cairo_show_text(cr, text);
}

double
ctl_draw_wrap(cairo_t *cr, const char *text, double x, double y,
    double width, double leading)
{
	cairo_text_extents_t	te;
	char			line[512], word[256];
	const char		*p = text;
	size_t			len = 0, wl;

	line[0] = '\0';
	while (*p != '\0') {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		wl = strcspn(p, " \n");
		if (wl >= sizeof(word))
			wl = sizeof(word) - 1;
		memcpy(word, p, wl);
		word[wl] = '\0';
		p += strcspn(p, " \n");
		if (len > 0 && len + 1 + wl < sizeof(line)) {
			char	try[sizeof(line)];

			/* len + 1 + wl fits, as checked: the copy is whole. */
			memcpy(try, line, len);
			try[len] = ' ';
			memcpy(try + len + 1, word, wl + 1);
			cairo_text_extents(cr, try, &te);
			if (te.x_advance <= width) {
				memcpy(line, try, sizeof(line));
				len = strlen(line);
				goto next;
			}
		}
		if (len > 0) {
			cairo_move_to(cr, x, y);
			cairo_show_text(cr, line);
			y += leading;
		}
		snprintf(line, sizeof(line), "%s", word);
		len = strlen(line);
next:
		if (*p == '\n') {
			cairo_move_to(cr, x, y);
			cairo_show_text(cr, line);
			y += leading;
			line[0] = '\0';
			len = 0;
			p++;
		}
	}
	if (len > 0) {
		cairo_move_to(cr, x, y);
		cairo_show_text(cr, line);
		y += leading;
	}
	return y;
}

int
ctl_draw_qr(cairo_t *cr, const char *text, double x, double y, double size)
{
	QRcode	*qr;
	double	 m;
	int	 i, j, quiet = 4;

	if ((qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1)) ==
	    NULL)
		return -1;
	m = size / (qr->width + 2 * quiet);
	cairo_save(cr);
	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_rectangle(cr, x, y, size, size);
	cairo_fill(cr);
	cairo_set_source_rgb(cr, 0, 0, 0);
	for (i = 0; i < qr->width; i++)
		for (j = 0; j < qr->width; j++)
			if (qr->data[i * qr->width + j] & 1)
				cairo_rectangle(cr, x + (j + quiet) * m,
				    y + (i + quiet) * m, m, m);
	/* One fill: modules that touch leave no hairline between them. */
	cairo_fill(cr);
	cairo_restore(cr);
	QRcode_free(qr);
	return 0;
}
