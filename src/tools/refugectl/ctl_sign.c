/*
 * refugectl sign: a bright, plain sign for one Help Point (or every one):
 * what it does, where it is, a QR code to the scheme's page and the map of
 * the site's Help Points with "You are here".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ctl.h"
#include "ctl_draw.h"

#define CTL_SIGN_TEXT	"Press the button to talk to the CCTV control room. " \
	"An operator will answer, can see this place on camera and can send " \
	"help. Use it whenever you feel unsafe or need help. " \
	"In an emergency, call 999."

/* signs.url with every {unit} replaced by the unit id. */
static int
ctl_sign_url(const char *tmpl, const char *unit, char *out, size_t outlen)
{
	const char	*p = tmpl, *hit;
	size_t		 len = 0, n;

	while ((hit = strstr(p, "{unit}")) != NULL) {
		n = (size_t)(hit - p);
		if (len + n + strlen(unit) >= outlen)
			return -1;
		memcpy(out + len, p, n);
		len += n;
		memcpy(out + len, unit, strlen(unit));
		len += strlen(unit);
		p = hit + strlen("{unit}");
	}
	if (len + strlen(p) >= outlen)
		return -1;
	memcpy(out + len, p, strlen(p) + 1);
	return 0;
}

static int
ctl_sign_draw(const struct registry *reg, const struct registry_unit *u,
    const char *dir, const char *output, enum ctl_format format, double w,
    double h)
{
	const struct registry_site	*s = registry_site_find(reg, u->site);
	struct ctl_drawing		 d;
	char				 url[1024], err[512], line[300];
	double				 k = w / 595.28, y, qr;

	if (ctl_sign_url(reg->signs.url, u->id, url, sizeof(url)) == -1) {
		ctl_warnx("sign %s: the address is too long", u->id);
		return -1;
	}
	if (ctl_draw_open(&d, output, format, w, h, err, sizeof(err)) == -1) {
		ctl_warnx("sign: %s", err);
		return -1;
	}
	/* The band: white on the blue of the unit's light, seen from afar. */
	cairo_set_source_rgb(d.cr, 0.0, 0.37, 0.72);
	cairo_rectangle(d.cr, 0, 0, w, 150 * k);
	cairo_fill(d.cr);
	cairo_set_source_rgb(d.cr, 1, 1, 1);
	ctl_draw_font(d.cr, 64 * k, 1);
	ctl_draw_centred(d.cr, "HELP POINT", w / 2, 100 * k);
	cairo_set_source_rgb(d.cr, 0, 0, 0);
	ctl_draw_font(d.cr, 20 * k, 0);
	y = ctl_draw_wrap(d.cr, reg->signs.text != NULL ? reg->signs.text :
	    CTL_SIGN_TEXT, 40 * k, 200 * k, w - 80 * k, 27 * k);
	ctl_draw_font(d.cr, 22 * k, 1);
	y = ctl_draw_wrap(d.cr, u->name, 40 * k, y + 16 * k, w - 80 * k,
	    28 * k);
	ctl_draw_font(d.cr, 14 * k, 0);
	snprintf(line, sizeof(line), "Help Point %s%s%s", u->id,
	    s != NULL ? " - " : "", s != NULL ? s->name : "");
	y = ctl_draw_wrap(d.cr, line, 40 * k, y, w - 80 * k, 20 * k);
	qr = 190 * k;
	if (ctl_draw_qr(d.cr, url, 40 * k, h - qr - 80 * k, qr) == -1) {
		ctl_warnx("sign %s: cannot encode '%s' as a QR code", u->id,
		    url);
		ctl_draw_close(&d, err, sizeof(err));
		return -1;
	}
	ctl_draw_font(d.cr, 10 * k, 0);
	cairo_set_source_rgb(d.cr, 0, 0, 0);
	ctl_draw_wrap(d.cr, "Scan for more about Help Points:", 40 * k,
	    h - 68 * k, qr + 40 * k, 13 * k);
	ctl_draw_wrap(d.cr, url, 40 * k, h - 55 * k, w - 80 * k, 13 * k);
	if (y < h - qr - 300 * k)
		y = h - qr - 300 * k;
	ctl_draw_map(d.cr, reg, u->site, u->id, dir, 250 * k, y + 10 * k,
	    w - 290 * k, h - 90 * k - y - 10 * k);
	if (ctl_draw_close(&d, err, sizeof(err)) == -1) {
		ctl_warnx("sign: %s", err);
		return -1;
	}
	return 0;
}

int
ctl_cmd_sign(struct ctl *ctl, int argc, char *argv[])
{
	struct refuge_config		*config = NULL;
	struct registry			*reg = NULL;
	const struct registry_unit	*u;
	const char			*pos[1], *output = NULL, *all = NULL,
					*size = NULL;
	const struct ctl_opt		 opts[] = {
		{ "output", 1, &output },
		{ "all", 0, &all },
		{ "size", 1, &size },
		{ NULL, 0, NULL }
	};
	char				 path[4096], *dir = NULL;
	enum ctl_format			 format = CTL_FORMAT_PDF;
	double				 w, h;
	size_t				 i, made = 0;
	int				 npos, rc = CTL_FAIL;

	if (ctl_args("sign", argc, argv, opts, pos, 1, &npos) == -1)
		return CTL_USAGE;
	if ((all != NULL) == (npos == 1))
		return ctl_usage_error("sign", "give a unit id or --all");
	if (ctl_page_size(size != NULL ? size : "A4", &w, &h) == -1)
		return ctl_usage_error("sign", "--size is A4, A3 or A5, not "
		    "'%s'", size);
	if (all != NULL && output == NULL)
		return ctl_usage_error("sign", "--all wants -o DIRECTORY");
	if (all == NULL) {
		if (output == NULL) {
			snprintf(path, sizeof(path), "%.100s.pdf", pos[0]);
			output = path;
		}
		format = ctl_format_of_path(output);
		if (format != CTL_FORMAT_PDF && format != CTL_FORMAT_SVG &&
		    format != CTL_FORMAT_PNG)
			return ctl_usage_error("sign", "-o wants a .pdf, .svg "
			    "or .png file, not '%s'", output);
	}
	if ((config = ctl_config(ctl)) == NULL ||
	    (reg = ctl_registry(config)) == NULL)
		goto done;
	if (reg->signs.url == NULL) {
		ctl_warnx("sign: %s has no signs: {url: ...}, the page the QR "
		    "code opens (e.g. https://www.example.gov.uk/help-points/"
		    "{unit})", reg->path);
		goto done;
	}
	if ((dir = ctl_registry_dir(reg)) == NULL) {
		ctl_warnx("sign: out of memory");
		goto done;
	}
	if (all == NULL) {
		if ((u = registry_unit_find(reg, pos[0])) == NULL) {
			ctl_warnx("sign: no unit '%s' in %s", pos[0],
			    reg->path);
			goto done;
		}
		if (ctl_sign_draw(reg, u, dir, output, format, w, h) == -1)
			goto done;
		printf("sign for %s written to %s\n", u->id, output);
		rc = CTL_OK;
		goto done;
	}
	if (mkdir(output, 0755) == -1 && errno != EEXIST) {
		ctl_warnx("sign: %s: %s", output, strerror(errno));
		goto done;
	}
	for (i = 0; i < reg->unit_count; i++) {
		snprintf(path, sizeof(path), "%s/%s.pdf", output,
		    reg->units[i].id);
		if (ctl_sign_draw(reg, &reg->units[i], dir, path,
		    CTL_FORMAT_PDF, w, h) == -1)
			goto done;
		made++;
	}
	printf("%zu signs written to %s\n", made, output);
	rc = CTL_OK;
done:
	free(dir);
	registry_free(reg);
	config_free(config);
	return rc;
}
