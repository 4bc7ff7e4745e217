/* Unit tests for the flat maps of small places (geo.h). */
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "refuge/geo.h"

START_TEST(round_lengths)
{
	ck_assert(geo_round_length(0.5) == 1);
	ck_assert(geo_round_length(1.9) == 1);
	ck_assert(geo_round_length(2) == 2);
	ck_assert(geo_round_length(4.99) == 2);
	ck_assert(geo_round_length(5) == 5);
	ck_assert(geo_round_length(99) == 50);
	ck_assert(geo_round_length(180) == 100);
	ck_assert(geo_round_length(260) == 200);
	ck_assert(geo_round_length(12000) == 10000);
}
END_TEST

START_TEST(distances)
{
	/* One degree of latitude is about 111.2 km anywhere. */
	ck_assert(fabs(geo_distance_m(52, -0.88, 53, -0.88) - 111195) < 50);
	/* One of longitude shrinks with cos(latitude). */
	ck_assert(fabs(geo_distance_m(52, 0, 52, 1) - 111195 * cos(52 *
	    M_PI / 180)) < 200);
	ck_assert(geo_distance_m(52.2482, -0.8871, 52.2482, -0.8871) == 0);
}
END_TEST

START_TEST(views_keep_north_up_and_metres_square)
{
	struct geo_box	box;
	struct geo_view	v;
	double		x1, y1, x2, y2, x3, y3, m_ns, m_ew;

	geo_box_empty(&box);
	geo_box_add(&box, 52.2482, -0.8871);
	geo_box_add(&box, 52.2455, -0.8840);
	geo_view_fit(&v, &box, 0, 0, 500, 500);
	geo_view_xy(&v, 52.2482, -0.8871, &x1, &y1);	/* north-west */
	geo_view_xy(&v, 52.2455, -0.8871, &x2, &y2);	/* south-west */
	geo_view_xy(&v, 52.2482, -0.8840, &x3, &y3);	/* north-east */
	ck_assert(y2 > y1);	/* south is down the page */
	ck_assert(x3 > x1);	/* east is right */
	/* Equal metres are equal lengths on the page, both ways. */
	m_ns = geo_distance_m(52.2482, -0.8871, 52.2455, -0.8871);
	m_ew = geo_distance_m(52.2482, -0.8871, 52.2482, -0.8840);
	ck_assert(fabs((y2 - y1) / m_ns - (x3 - x1) / m_ew) < 0.01 *
	    ((y2 - y1) / m_ns));
	/* The box fits: both corners inside the page. */
	ck_assert(x1 >= -0.001 && x3 <= 500.001 && y1 >= -0.001 &&
	    y2 <= 500.001);
}
END_TEST

START_TEST(a_lone_point_gets_room)
{
	struct geo_box	box;

	geo_box_empty(&box);
	geo_box_add(&box, 52.0, -0.8);
	geo_box_pad(&box, 0.15, 200);
	ck_assert(geo_distance_m(box.south, -0.8, box.north, -0.8) >= 199);
	ck_assert(geo_distance_m(52.0, box.west, 52.0, box.east) >= 199);
}
END_TEST

int
main(void)
{
	Suite	*s = suite_create("geo");
	TCase	*tc = tcase_create("core");
	SRunner	*sr;
	int	 failed;

	tcase_add_test(tc, round_lengths);
	tcase_add_test(tc, distances);
	tcase_add_test(tc, views_keep_north_up_and_metres_square);
	tcase_add_test(tc, a_lone_point_gets_room);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
