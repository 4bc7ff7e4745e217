/* Flat maps of small places; see geo.h for the projection's limits. */
#include <math.h>

#include "refuge/geo.h"

#define GEO_EARTH_M	6371008.8	/* mean radius */
#define GEO_PI		3.14159265358979323846

static double
geo_rad(double deg)
{
	return deg * GEO_PI / 180.0;
}

void
geo_box_empty(struct geo_box *b)
{
	b->south = 90;
	b->north = -90;
	b->west = 180;
	b->east = -180;
}

void
geo_box_add(struct geo_box *b, double lat, double lon)
{
	if (lat < b->south)
		b->south = lat;
	if (lat > b->north)
		b->north = lat;
	if (lon < b->west)
		b->west = lon;
	if (lon > b->east)
		b->east = lon;
}

void
geo_box_pad(struct geo_box *b, double margin, double min_m)
{
	double	mid = (b->south + b->north) / 2, dlat, dlon, m_lat, m_lon;

	if (b->south > b->north)
		return;
	m_lat = GEO_PI * GEO_EARTH_M / 180.0;
	m_lon = m_lat * cos(geo_rad(mid));
	dlat = (b->north - b->south) * margin;
	dlon = (b->east - b->west) * margin;
	/* A lone Help Point still gets a map of min_m around it. */
	if ((b->north - b->south + 2 * dlat) * m_lat < min_m)
		dlat = (min_m / m_lat - (b->north - b->south)) / 2;
	if (m_lon > 0 && (b->east - b->west + 2 * dlon) * m_lon < min_m)
		dlon = (min_m / m_lon - (b->east - b->west)) / 2;
	b->south -= dlat;
	b->north += dlat;
	b->west -= dlon;
	b->east += dlon;
}

void
geo_view_fit(struct geo_view *v, const struct geo_box *b, double x0,
    double y0, double width, double height)
{
	double	w_m, h_m, sx, sy;

	v->lat0 = (b->south + b->north) / 2;
	v->lon0 = (b->west + b->east) / 2;
	v->m_per_deg_lat = GEO_PI * GEO_EARTH_M / 180.0;
	v->m_per_deg_lon = v->m_per_deg_lat * cos(geo_rad(v->lat0));
	w_m = (b->east - b->west) * v->m_per_deg_lon;
	h_m = (b->north - b->south) * v->m_per_deg_lat;
	sx = w_m > 0 ? width / w_m : 1;
	sy = h_m > 0 ? height / h_m : 1;
	v->scale = sx < sy ? sx : sy;
	v->x0 = x0;
	v->y0 = y0;
	v->width = width;
	v->height = height;
}

void
geo_view_xy(const struct geo_view *v, double lat, double lon, double *x,
    double *y)
{
	*x = v->x0 + v->width / 2 +
	    (lon - v->lon0) * v->m_per_deg_lon * v->scale;
	*y = v->y0 + v->height / 2 -
	    (lat - v->lat0) * v->m_per_deg_lat * v->scale;
}

double
geo_round_length(double max_m)
{
	double	p = 1, best = 1;
	int	i;

	if (!(max_m > 1))
		return 1;
	while (p * 10 <= max_m)
		p *= 10;
	for (i = 0; i < 3; i++) {
		double	c = p * (i == 0 ? 1 : i == 1 ? 2 : 5);

		if (c <= max_m)
			best = c;
	}
	return best;
}

double
geo_distance_m(double lat1, double lon1, double lat2, double lon2)
{
	double	dlat = geo_rad(lat2 - lat1), dlon = geo_rad(lon2 - lon1), a;

	a = sin(dlat / 2) * sin(dlat / 2) + cos(geo_rad(lat1)) *
	    cos(geo_rad(lat2)) * sin(dlon / 2) * sin(dlon / 2);
	return 2 * GEO_EARTH_M * atan2(sqrt(a), sqrt(1 - a));
}
