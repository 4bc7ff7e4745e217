/* units.yaml: golden cases, values, lookups, 100,000 units, hostile input. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "refuge/alarm.h"
#include "refuge/confload.h"
#include "refuge/pwhash.h"
#include "refuge/registry.h"
#include "golden.h"

#define CASES		TEST_SRCDIR "/conf"
#define BIG_UNITS	100000

static int
load_registry(const char *path, struct diag *d)
{
	struct registry	*r = (struct registry *)1;
	int		 rc;

	rc = confload_registry(path, &r, d);
	ck_assert(rc == 0 ? r != NULL : r == NULL);
	registry_free(r);
	return rc;
}

START_TEST(test_golden)
{
	ck_assert_int_ge(golden_run("units.yaml", load_registry), 20);
}
END_TEST

START_TEST(test_every_value)
{
	static const unsigned char	 key[32] = {
		0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
		0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
		0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
		0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
	};
	struct registry			*r;
	const struct registry_unit	*u;
	const struct registry_site	*s;
	const struct registry_plan	*p;
	const struct registry_operator	*o;
	struct diag			 d;

	diag_init(&d);
	ck_assert_int_eq(confload_registry(CASES "/registry-ok/units.yaml", &r,
	    &d), 0);
	ck_assert_str_eq(r->path, CASES "/registry-ok/units.yaml");
	ck_assert_uint_eq(r->unit_count, 3);
	ck_assert_str_eq(r->units[0].id, "HP-001");
	ck_assert_str_eq(r->units[1].id, "HP-002");
	ck_assert_str_eq(r->units[2].id, "a.b_c:d-9");

	ck_assert_ptr_nonnull(u = registry_unit_find(r, "HP-002"));
	ck_assert_str_eq(u->name, "Play area");
	ck_assert_str_eq(u->site, "park");
	ck_assert_double_eq(u->lat, -33.5);
	ck_assert_double_eq(u->lon, 151);
	ck_assert_int_eq(u->has_key_sha256, 1);
	ck_assert_mem_eq(u->key_sha256, key, 32);
	ck_assert_int_eq(u->heartbeat_ms, 120000);
	ck_assert_int_eq(u->camera_preset, 255);
	ck_assert_str_eq(u->audio_uri, "sip:hp-002@pbx");
	ck_assert_int_eq(u->on_test_until_ms, 1796115600000LL);

	ck_assert_ptr_nonnull(u = registry_unit_find(r, "HP-001"));
	ck_assert_double_eq(u->lat, 90);
	ck_assert_double_eq(u->lon, -180);
	ck_assert_int_eq(u->has_key_sha256, 0);
	ck_assert_int_eq(u->heartbeat_ms, 0);
	ck_assert_int_eq(u->camera_preset, -1);
	ck_assert_ptr_null(u->audio_uri);
	ck_assert_int_eq(u->on_test_until_ms, 0);
	ck_assert_ptr_nonnull(u = registry_unit_find(r, "a.b_c:d-9"));
	ck_assert_str_eq(u->name, "");
	ck_assert_double_eq(u->lon, 10);
	ck_assert_int_eq(u->camera_preset, 0);
	ck_assert_ptr_null(registry_unit_find(r, "HP-003"));

	ck_assert_uint_eq(r->site_count, 2);
	ck_assert_ptr_nonnull(s = registry_site_find(r, "park"));
	ck_assert_str_eq(s->name, "The Park");
	ck_assert_str_eq(s->plan, "park");
	ck_assert_ptr_nonnull(s = registry_site_find(r, "square"));
	ck_assert_ptr_null(s->plan);
	ck_assert_ptr_null(registry_site_find(r, "nowhere"));

	ck_assert_uint_eq(r->plan_count, 2);
	ck_assert_ptr_nonnull(p = registry_plan_find(r, "park"));
	ck_assert_uint_eq(p->step_count, 2);
	ck_assert_str_eq(p->steps[0], "Open audio and speak to the caller");
	ck_assert_str_eq(p->steps[1], "Call the warden");
	ck_assert_ptr_nonnull(p = registry_plan_find(r, "spare"));
	ck_assert_uint_eq(p->step_count, 1);

	ck_assert_uint_eq(r->operator_count, 2);
	ck_assert_ptr_nonnull(o = registry_operator_find(r, "alice"));
	ck_assert_int_eq(o->role, REGISTRY_ROLE_OPERATOR);
	ck_assert_str_eq(o->password_hash, "$6$Yvp4MZRqSYhMi7mq$jWF4bCTICq/7Ng62gJIpzwQvVc7Z0714De/lKATmkFa5GYAqvZNNt3Wsi8AMRUOjGxro0qm0r3AcZgUMo4x7G0");
	ck_assert_ptr_nonnull(o = registry_operator_find(r, "zoe"));
	ck_assert_int_eq(o->role, REGISTRY_ROLE_SUPERVISOR);
	ck_assert_str_eq(registry_role_name(o->role), "supervisor");
	ck_assert_str_eq(registry_role_name(REGISTRY_ROLE_OPERATOR), "operator");
	ck_assert_ptr_null(registry_operator_find(r, "mallory"));

	ck_assert_int_eq(r->priorities[EVTYPE_BUTTON], 2);
	ck_assert_int_eq(r->priorities[EVTYPE_MAINS_FAIL], 9);
	ck_assert_int_eq(r->priorities[EVTYPE_TAMPER],
	    evtype_default_priority(EVTYPE_TAMPER));
	ck_assert_int_eq(r->priorities[EVTYPE_TEST], 0);
	ck_assert_int_eq(r->priorities[EVTYPE_UNIT_ONLINE], 0);
	registry_free(r);
	registry_free(NULL);
}
END_TEST

START_TEST(test_empty_lists)
{
	struct registry	*r;
	struct diag	 d;
	int		 i;

	diag_init(&d);
	ck_assert_int_eq(confload_registry(CASES
	    "/registry-lists-empty/units.yaml", &r, &d), 0);
	ck_assert_uint_eq(r->unit_count + r->site_count + r->plan_count +
	    r->operator_count, 0);
	ck_assert_ptr_null(registry_unit_find(r, "HP-001"));
	ck_assert_ptr_null(registry_site_find(r, "s"));
	ck_assert_ptr_null(registry_plan_find(r, "p"));
	ck_assert_ptr_null(registry_operator_find(r, "alice"));
	for (i = 0; i < EVTYPE_COUNT; i++)
		ck_assert_int_eq(r->priorities[i], evtype_default_priority(i));
	registry_free(r);
}
END_TEST

/* conf/units.yaml, the documented example, must load. */
START_TEST(test_example)
{
	struct registry	*r;
	struct diag	 d;

	diag_init(&d);
	ck_assert_int_eq(confload_registry(TEST_SRCDIR "/../conf/units.yaml", &r,
	    &d), 0);
	ck_assert_uint_eq(r->unit_count, 3);
	ck_assert_uint_eq(r->site_count, 1);
	ck_assert_uint_eq(r->plan_count, 1);
	ck_assert_uint_eq(r->operator_count, 2);
	ck_assert_ptr_nonnull(registry_unit_find(r, "HP-003"));
	registry_free(r);
}
END_TEST

/* Writes BIG_UNITS units in a scrambled order; dup repeats one id. */
static void
write_big(const char *path, int dup)
{
	FILE	*f;
	long	 i, n;

	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs("sites:\n  - {id: s, name: S}\nunits:\n", f);
	for (i = 0; i < BIG_UNITS; i++) {
		n = (i * 7919) % BIG_UNITS;	/* 7919 is prime to 10^5 */
		if (dup && i == BIG_UNITS - 1)
			n = 7919;
		fprintf(f, "  - {id: HP-%06ld, name: \"Unit %ld\", site: s, "
		    "lat: 52.1, lon: -0.8}\n", n, n);
	}
	ck_assert_int_eq(fclose(f), 0);
}

START_TEST(test_big)
{
	struct registry			*r;
	const struct registry_unit	*u;
	struct diag			 d;
	char				 path[] = "/tmp/check_registry.XXXXXX";
	char				 id[32];
	long				 i;
	int				 fd;

	ck_assert_int_ne(fd = mkstemp(path), -1);
	close(fd);
	write_big(path, 0);
	diag_init(&d);
	ck_assert_int_eq(confload_registry(path, &r, &d), 0);
	ck_assert_uint_eq(r->unit_count, BIG_UNITS);
	for (i = 0; i < BIG_UNITS; i++) {
		snprintf(id, sizeof(id), "HP-%06ld", i);
		ck_assert_ptr_nonnull(u = registry_unit_find(r, id));
		ck_assert_ptr_eq(u, &r->units[i]);
	}
	registry_free(r);

	write_big(path, 1);
	ck_assert_int_eq(confload_registry(path, &r, &d), -1);
	unlink(path);
	ck_assert_ptr_null(r);
	ck_assert_uint_eq(d.count, 1);
	ck_assert_ptr_nonnull(strstr(d.messages[0], ":100003:10: "
	    "units[99999].id: duplicate unit id 'HP-007919' (first at line 5)"));
	diag_clear(&d);
}
END_TEST

/* Loads text from a temporary file; returns the diag lines joined. */
static char *
load_text(const char *text)
{
	struct registry	*r;
	struct diag	 d;
	char		 path[] = "/tmp/check_registry.XXXXXX", *out;
	FILE		*f;
	int		 fd, rc;

	ck_assert_int_ne(fd = mkstemp(path), -1);
	ck_assert_ptr_nonnull(f = fdopen(fd, "w"));
	fputs(text, f);
	fclose(f);
	diag_init(&d);
	rc = confload_registry(path, &r, &d);
	unlink(path);
	registry_free(r);
	out = golden_output(rc, &d);
	diag_clear(&d);
	return out;
}

static void
assert_loads(const char *text, const char *want)
{
	char	*got = load_text(text);

	ck_assert_msg(strstr(got, want) != NULL, "want '%s' in:\n%s", want,
	    got);
	free(got);
}

START_TEST(test_nesting_too_deep)
{
	char	text[256];
	int	i;

	strcpy(text, "sites: ");
	for (i = 0; i < 100; i++)
		strcat(text, "[");
	assert_loads(text, ":1:");
	assert_loads(text, "nested deeper than 64 levels");
}
END_TEST

START_TEST(test_hostile_scalars)
{
	assert_loads("sites: [{id: s, name: \"a\\0b\"}]\n",
	    ":1:23: sites[0].name: must not contain a NUL character\n");
	assert_loads("sites: [{id: s, name: S, \"x\\ny\": 1}]\n",
	    ":1:26: sites[0].x?y: unknown key\n");
	assert_loads("units: \xff\n", ":1:8: syntax error: ");
	assert_loads("sites:\n  - {id: s, name: S}\n---\n", ":3:1: only one");
}
END_TEST

START_TEST(test_missing_file)
{
	struct registry	*r;
	struct diag	 d;

	diag_init(&d);
	ck_assert_int_eq(confload_registry("/nonexistent/units.yaml", &r, &d),
	    -1);
	ck_assert_ptr_null(r);
	ck_assert_uint_eq(d.count, 1);
	ck_assert_str_eq(d.messages[0], "/nonexistent/units.yaml: "
	    "cannot open: No such file or directory");
	diag_clear(&d);
}
END_TEST

/* Which hashes pass: each accepted scheme, each refusal, and shapes cut short. */
START_TEST(test_password_hashes)
{
	static const struct {
		const char		*hash;
		enum pwhash_verdict	 want;
		const char		*scheme;
	} cases[] = {
		{ "$y$j9T$6.D.cl.SFnuAxVsLOdDO71$jYEunkmxlWI80tKp0dyheQ9HMg/"
		  "4bNN5V82PlI98JQ3", PWHASH_OK, "yescrypt" },
		{ "$7$CU..../....riaGgh50CzRPMY9vcvKWM/$AX9lT2XjVkxgq8bi30C7piH"
		  "V3qdH4YbLZMXnjB89de/", PWHASH_OK, "scrypt" },
		{ "$2b$05$bJfptzk1PeGWHyv17LEk1eRrVuFShA.32G9b/CKDlQAY/S7U0wX6W",
		  PWHASH_OK, "bcrypt" },
		{ "$2y$31$mR7Q6H8sCvb1jCBKEAdlkOAxdxFN31k19k2tlCqyeRs1CzKhimUsy",
		  PWHASH_OK, "bcrypt" },
		{ "$6$Yvp4MZRqSYhMi7mq$jWF4bCTICq/7Ng62gJIpzwQvVc7Z0714De/lKATm"
		  "kFa5GYAqvZNNt3Wsi8AMRUOjGxro0qm0r3AcZgUMo4x7G0", PWHASH_OK,
		  "SHA-512 crypt" },
		{ "$6$rounds=5000$abc$IdWKNKTJEb8LxY7CGg8YBXlvtfZzFw7Mp/r6niK9YB2"
		  "mdvgY..TKjv1T..8RadRt2qvUHYRLr/TsVArtr91iR1", PWHASH_OK,
		  "SHA-512 crypt" },
		{ "$5$mZTJ6qR2hLyWsu.y$F4gjPHSlb4Qb.WzRsgJmNHOqkIIC7kW/a7/ukxVACK1",
		  PWHASH_OK, "SHA-256 crypt" },
		{ "abNANd1rDfiNc", PWHASH_DES, "DES crypt" },
		{ "$1$Rp7heAwg$hwMbEcbucx7tt61oxCyXo1", PWHASH_MD5, "MD5 crypt" },
		{ "secret", PWHASH_PLAIN, NULL },
		{ "correct horse battery staple", PWHASH_PLAIN, NULL },
		{ "abNANd1rDfiN", PWHASH_PLAIN, NULL },
		{ "", PWHASH_PLAIN, NULL },
		{ "$sha1$231271$9y.8evpvO/UTBvUKgjLh$sLaT/z/.aSayhna35m0VNMlLylRJ",
		  PWHASH_UNSUPPORTED, NULL },
		{ "$gy$j9T$P3GVENMOk0bGuuVfDz9OD1$CNjwP79Ixg098ja5h4NoqZ9uX1TGn."
		  "M9nQDlLRLi6R6", PWHASH_UNSUPPORTED, NULL },
		{ "_J9..CCCCXBrJUJV154M", PWHASH_UNSUPPORTED, NULL },
		/* An accepted scheme in the wrong shape. */
		{ "$6$x$y", PWHASH_MALFORMED, "SHA-512 crypt" },
		{ "$6$rounds=$abc$IdWKNKTJEb8LxY7CGg8YBXlvtfZzFw7Mp/r6niK9YB2mdvgY.."
		  "TKjv1T..8RadRt2qvUHYRLr/TsVArtr91iR1", PWHASH_MALFORMED,
		  "SHA-512 crypt" },
		{ "$6$abcdefghijklmnopq$IdWKNKTJEb8LxY7CGg8YBXlvtfZzFw7Mp/r6niK9YB2"
		  "mdvgY..TKjv1T..8RadRt2qvUHYRLr/TsVArtr91iR1", PWHASH_MALFORMED,
		  "SHA-512 crypt" },
		{ "$5$mZTJ6qR2hLyWsu.y$F4gjPHSlb4Qb.WzRsgJmNHOqkIIC7kW/a7/ukxVACK1 ",
		  PWHASH_MALFORMED, "SHA-256 crypt" },
		{ "$2b$03$bJfptzk1PeGWHyv17LEk1eRrVuFShA.32G9b/CKDlQAY/S7U0wX6W",
		  PWHASH_MALFORMED, "bcrypt" },
		{ "$2b$05$bJfptzk1PeGWHyv17LEk1eRrVuFShA.32G9b/CKDlQAY/S7U0wX6",
		  PWHASH_MALFORMED, "bcrypt" },
		{ "$y$j9T$$jYEunkmxlWI80tKp0dyheQ9HMg/4bNN5V82PlI98JQ3",
		  PWHASH_MALFORMED, "yescrypt" },
		{ "$7$CU..$AX9lT2XjVkxgq8bi30C7piHV3qdH4YbLZMXnjB89de/",
		  PWHASH_MALFORMED, "scrypt" },
	};
	const char	*scheme;
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_msg(pwhash_check(cases[i].hash, &scheme) ==
		    cases[i].want, "case %zu: %s", i, cases[i].hash);
		if (cases[i].scheme == NULL)
			ck_assert_ptr_null(scheme);
		else
			ck_assert_str_eq(scheme, cases[i].scheme);
		ck_assert_ptr_nonnull(pwhash_verdict_text(cases[i].want));
	}
	/* Refused where it is written, naming the user; the value is not echoed. */
	assert_loads("operators:\n  - {user: carol, role: operator,\n"
	    "     password: \"Tr0ub4dor&3\"}\n",
	    ":3:16: operators[0].password: not a crypt(3) hash (is it the "
	    "password itself?); make a yescrypt hash with 'refugectl passwd "
	    "carol'\n");
	{
		char	*got = load_text("operators:\n  - {user: carol, role: "
			    "operator, password: \"Tr0ub4dor&3\"}\n");

		ck_assert_ptr_null(strstr(got, "Tr0ub4dor"));
		free(got);
	}
}
END_TEST

/* The pure parser: bytes in, the name given in messages and ->path. */
START_TEST(test_parse_buffer)
{
	static const char	 text[] = "sites:\n  - {id: s, name: S}\n"
				    "units:\n  - {id: HP-1, name: U, site: s, "
				    "lat: 1, lon: 2}\n  - {id: HP-2}\n";
	struct registry		*r;
	struct diag		 d;

	diag_init(&d);
	ck_assert_int_eq(registry_parse("mem.yaml", text,
	    strstr(text, "  - {id: HP-2}") - text, &r, &d), 0);
	ck_assert_str_eq(r->path, "mem.yaml");
	ck_assert_uint_eq(r->unit_count, 1);
	ck_assert_ptr_nonnull(registry_unit_find(r, "HP-1"));
	registry_free(r);
	ck_assert_int_eq(registry_parse("mem.yaml", text, sizeof(text) - 1,
	    &r, &d), -1);
	ck_assert_ptr_null(r);
	ck_assert_uint_gt(d.count, 0);
	ck_assert_str_eq(d.messages[0],
	    "mem.yaml:5:5: units[1]: missing key 'name'");
	diag_clear(&d);
}
END_TEST

/* The desk's keys: a unit at rest, a site's night plan, a plan's contacts. */
START_TEST(test_desk_keys)
{
	static const char	 text[] =
	    "sites:\n"
	    "  - {id: s, name: S, plan: day, night_plan: nite,\n"
	    "     night: \"18:00-06:00\"}\n"
	    "  - {id: t, name: T, plan: day, night_plan: nite,\n"
	    "     night: \"01:00-02:30\"}\n"
	    "units:\n"
	    "  - {id: HP-1, name: U, site: s, lat: 1, lon: 2,\n"
	    "     light_idle: off, camera_home: 7}\n"
	    "  - {id: HP-2, name: V, site: s, lat: 1, lon: 2}\n"
	    "plans:\n"
	    "  - {id: day, steps: [a, b]}\n"
	    "  - id: nite\n"
	    "    steps: [c]\n"
	    "    contacts: [{name: \"Park warden\", phone: \"01604 000000\"},\n"
	    "               {name: Police, phone: \"+44 (0)101\"}]\n";
	struct registry			*r;
	const struct registry_unit	*u;
	const struct registry_site	*site;
	const struct registry_plan	*p;
	struct diag			 d;
	int				 night;

	diag_init(&d);
	ck_assert_int_eq(registry_parse("mem.yaml", text, sizeof(text) - 1,
	    &r, &d), 0);
	ck_assert_ptr_nonnull(u = registry_unit_find(r, "HP-1"));
	ck_assert_int_eq(u->light_idle_off, 1);
	ck_assert_int_eq(u->camera_home, 7);
	ck_assert_ptr_nonnull(u = registry_unit_find(r, "HP-2"));
	ck_assert_int_eq(u->light_idle_off, 0);
	ck_assert_int_eq(u->camera_home, -1);
	ck_assert_ptr_nonnull(p = registry_plan_find(r, "nite"));
	ck_assert_uint_eq(p->contact_count, 2);
	ck_assert_str_eq(p->contacts[0].name, "Park warden");
	ck_assert_str_eq(p->contacts[0].phone, "01604 000000");
	ck_assert_str_eq(p->contacts[1].phone, "+44 (0)101");
	ck_assert_uint_eq(registry_plan_find(r, "day")->contact_count, 0);
	/* The window wraps midnight; local time is UTC here (TZ=UTC below). */
	ck_assert_ptr_nonnull(site = registry_site_find(r, "s"));
	ck_assert_int_eq(site->night_from_min, 18 * 60);
	ck_assert_int_eq(site->night_to_min, 6 * 60);
	/* 2026-12-02T12:00Z, 19:00Z, 05:59Z and 06:00Z */
	ck_assert_str_eq(registry_site_plan(r, site, 1796212800000LL,
	    &night)->id, "day");
	ck_assert_int_eq(night, 0);
	ck_assert_str_eq(registry_site_plan(r, site, 1796238000000LL,
	    &night)->id, "nite");
	ck_assert_int_eq(night, 1);
	ck_assert_str_eq(registry_site_plan(r, site, 1796191140000LL,
	    &night)->id, "nite");
	ck_assert_str_eq(registry_site_plan(r, site, 1796191200000LL,
	    &night)->id, "day");
	ck_assert_ptr_nonnull(site = registry_site_find(r, "t"));
	ck_assert_str_eq(registry_site_plan(r, site, 1796172000000LL + 3600000,
	    &night)->id, "nite");
	ck_assert_str_eq(registry_site_plan(r, site, 1796172000000LL + 9000000,
	    &night)->id, "day");
	registry_free(r);
}
END_TEST

/* Each bad desk key is refused with its place. */
START_TEST(test_desk_keys_bad)
{
	static const struct {
		const char	*text, *error;
	} cases[] = {
		{ "units:\n  - {id: A, name: U, site: s, lat: 1, lon: 2, "
		  "light_idle: dim}\nsites: [{id: s, name: S}]\n",
		  "mem.yaml:2:59: units[0].light_idle: expected on or off" },
		{ "units:\n  - {id: A, name: U, site: s, lat: 1, lon: 2, "
		  "camera_home: 256}\nsites: [{id: s, name: S}]\n",
		  "mem.yaml:2:60: units[0].camera_home: must be between" },
		{ "sites: [{id: s, name: S, night_plan: p, night: \"18:00\"}]\n"
		  "plans: [{id: p, steps: [a]}]\n",
		  "mem.yaml:1:48: sites[0].night: bad window '18:00'" },
		{ "sites: [{id: s, name: S, night_plan: p, night: \"25:00-06:00\"}]\n"
		  "plans: [{id: p, steps: [a]}]\n",
		  "mem.yaml:1:48: sites[0].night: bad window" },
		{ "sites: [{id: s, name: S, night_plan: p}]\n"
		  "plans: [{id: p, steps: [a]}]\n",
		  "mem.yaml:1:9: sites[0]: night_plan needs night" },
		{ "sites: [{id: s, name: S, night_plan: q, night: 18:00-06:00}]\n"
		  "plans: [{id: p, steps: [a]}]\n",
		  "mem.yaml:1:38: sites[0].night_plan: unknown plan 'q'" },
		{ "plans: [{id: p, steps: [a], contacts: [{name: W}]}]\n",
		  "mem.yaml:1:40: plans[0].contacts[0]: missing key 'phone'" },
		{ "plans: [{id: p, steps: [a], contacts: [{name: W, "
		  "phone: call me}]}]\n",
		  "mem.yaml:1:57: plans[0].contacts[0].phone: expected only" },
		{ "plans: [{id: p, steps: [a], contacts: [{name: W, phone: 1, "
		  "fax: 2}]}]\n",
		  "mem.yaml:1:60: plans[0].contacts[0].fax: unknown key" },
	};
	struct registry	*r;
	struct diag	 d;
	char		 text[400];
	size_t		 i;

	/* A step over 300 bytes could not be shown within a 512-byte line. */
	diag_init(&d);
	snprintf(text, sizeof(text), "plans: [{id: p, steps: [%0301d]}]\n", 0);
	ck_assert_int_eq(registry_parse("mem.yaml", text, strlen(text), &r, &d),
	    -1);
	ck_assert_str_eq(d.messages[0], "mem.yaml:1:25: plans[0].steps[0]: "
	    "longer than 300 bytes");
	diag_clear(&d);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		diag_init(&d);
		ck_assert_msg(registry_parse("mem.yaml", cases[i].text,
		    strlen(cases[i].text), &r, &d) == -1, "case %zu", i);
		ck_assert_uint_gt(d.count, 0);
		ck_assert_msg(strncmp(d.messages[0], cases[i].error,
		    strlen(cases[i].error)) == 0, "case %zu: %s", i,
		    d.messages[0]);
		diag_clear(&d);
	}
}
END_TEST

/* outcomes: a list given replaces its default; restored is always there. */
START_TEST(test_outcomes)
{
	static const char	 text[] = "outcomes:\n"
				    "  false_reasons: [child-playing, pocket-press]\n"
				    "  technical_actions: [reset-by-phone]\n";
	struct registry		*r;
	struct alarm_lists	 lists;
	struct diag		 d;

	registry_outcomes_lists(NULL, &lists);
	ck_assert_ptr_eq(lists.false_reasons, alarm_false_reasons);
	diag_init(&d);
	ck_assert_int_eq(registry_parse("mem.yaml", text, sizeof(text) - 1, &r,
	    &d), 0);
	registry_outcomes_lists(r, &lists);
	ck_assert_str_eq(lists.false_reasons[0], "child-playing");
	ck_assert_str_eq(lists.false_reasons[1], "pocket-press");
	ck_assert_ptr_null(lists.false_reasons[2]);
	ck_assert_ptr_eq(lists.genuine_actions, alarm_genuine_actions);
	ck_assert_str_eq(lists.technical_actions[0], "reset-by-phone");
	ck_assert_str_eq(lists.technical_actions[1], ALARM_ACTION_RESTORED);
	ck_assert_ptr_null(lists.technical_actions[2]);
	registry_free(r);
	/* Without the key: the defaults. */
	ck_assert_int_eq(registry_parse("mem.yaml", "sites: []\n", 10, &r, &d),
	    0);
	registry_outcomes_lists(r, &lists);
	ck_assert_ptr_eq(lists.technical_actions, alarm_technical_actions);
	registry_free(r);
	diag_clear(&d);
}
END_TEST

static Suite *
registry_suite(void)
{
	Suite	*s = suite_create("registry");
	TCase	*tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_golden);
	tcase_add_test(tc, test_every_value);
	tcase_add_test(tc, test_empty_lists);
	tcase_add_test(tc, test_example);
	tcase_add_test(tc, test_big);
	tcase_add_test(tc, test_nesting_too_deep);
	tcase_add_test(tc, test_hostile_scalars);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_parse_buffer);
	tcase_add_test(tc, test_outcomes);
	tcase_add_test(tc, test_password_hashes);
	tcase_add_test(tc, test_desk_keys);
	tcase_add_test(tc, test_desk_keys_bad);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	/* registry_site_plan reads local time: make it UTC. */
	setenv("TZ", "UTC", 1);
	tzset();
	sr = srunner_create(registry_suite());

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
