/*
 * Coordinates to a flat map: a local equirectangular projection around the
 * middle of the points, good to a few metres across a park or a town centre
 * (not across a county), and a scale bar's round length. Pure.
 */
#ifndef REFUGE_GEO_H
#define REFUGE_GEO_H

#include <stddef.h>

struct geo_box {
	double	south, north, west, east;	/* degrees */
};

/* Where a box of the earth goes on a page: metres to page units. */
struct geo_view {
	double	lat0, lon0;		/* the box's middle */
	double	m_per_deg_lat, m_per_deg_lon;
	double	x0, y0, width, height;	/* the page area, y down */
	double	scale;			/* page units per metre */
};

/* Grows box to hold (lat, lon); a box with south > north is empty. */
void	geo_box_empty(struct geo_box *);
void	geo_box_add(struct geo_box *, double lat, double lon);
/* Widens box by margin (a fraction of its size) and to at least min_m metres. */
void	geo_box_pad(struct geo_box *, double margin, double min_m);
/* Fits box into the page area (x0, y0, width, height), keeping proportions. */
void	geo_view_fit(struct geo_view *, const struct geo_box *, double x0,
	    double y0, double width, double height);
/* A point's place on the page. */
void	geo_view_xy(const struct geo_view *, double lat, double lon, double *x,
	    double *y);
/* The greatest 1, 2 or 5 x 10^n metres not over max_m (at least 1). */
double	geo_round_length(double max_m);
/* Great-circle distance in metres (haversine). */
double	geo_distance_m(double lat1, double lon1, double lat2, double lon2);

#endif
