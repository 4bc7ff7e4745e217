/* refuge.yaml: golden cases, values and defaults, host:port splitting. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "refuge/config.h"
#include "refuge/confload.h"
#include "golden.h"

#define CASES	TEST_SRCDIR "/conf"

static int
load_config(const char *path, struct diag *d)
{
	struct refuge_config	*cf = (struct refuge_config *)1;
	int			 rc;

	rc = confload_config(path, &cf, d);
	ck_assert(rc == 0 ? cf != NULL : cf == NULL);
	config_free(cf);
	return rc;
}

START_TEST(test_golden)
{
	ck_assert_int_ge(golden_run("refuge.yaml", load_config), 15);
}
END_TEST

START_TEST(test_every_value)
{
	struct refuge_config	*cf;
	struct diag		 d;

	diag_init(&d);
	ck_assert_int_eq(confload_config(CASES "/config-ok/refuge.yaml", &cf,
	    &d), 0);
	ck_assert_uint_eq(d.count, 0);
	ck_assert_str_eq(cf->path, CASES "/config-ok/refuge.yaml");
	ck_assert_str_eq(cf->listen_units, "[::]:7500");
	ck_assert_str_eq(cf->listen_operators, "127.0.0.1:0");
	ck_assert_str_eq(cf->listen_metrics, "localhost:9741");
	ck_assert_str_eq(cf->tls_cert, CASES "/config-ok/server.crt");
	ck_assert_str_eq(cf->tls_key, CASES "/config-ok/server.key");
	ck_assert_str_eq(cf->tls_unit_ca, CASES "/config-ok/unit-ca.crt");
	ck_assert_str_eq(cf->tls_crl, CASES "/config-ok/units.crl");
	ck_assert_int_eq(cf->tls_min_version, 0x0303);
	ck_assert_str_eq(cf->database, "/var/lib/refuge/refuge.db");
	ck_assert_str_eq(cf->registry, CASES "/config-ok/units.yaml");
	ck_assert_int_eq(cf->heartbeat_ms, 45000);
	ck_assert_int_eq(cf->missed, 5);
	ck_assert_int_eq(cf->retry_ms, 30000);
	ck_assert_int_eq(cf->ingest_queue, 500);
	ck_assert_int_eq(cf->connections_per_address, 10);
	ck_assert_int_eq(cf->max_connections, 1000);
	ck_assert_int_eq(cf->max_handshakes, 32);
	ck_assert_int_eq(cf->handshake_timeout_ms, 500);
	ck_assert_int_eq(cf->command_timeout_ms, 60000);
	ck_assert_int_eq(cf->operator_prelogin, 16);
	ck_assert_int_eq(cf->operator_prelogin_per_address, 2);
	ck_assert_int_eq(cf->operator_sessions, 32);
	ck_assert_int_eq(cf->operator_output, 65536);
	ck_assert_int_eq(cf->escalation_after_ms, 120000);
	ck_assert_int_eq(cf->escalation_supervisor_after_ms, 300000);
	ck_assert_int_eq(cf->escalation_repeat_ms, 90000);
	ck_assert_int_eq(cf->escalation_command_max_priority, 2);
	ck_assert_ptr_nonnull(cf->escalation_command);
	ck_assert_str_eq(cf->escalation_command[0], "/usr/local/bin/page-duty");
	ck_assert_str_eq(cf->escalation_command[1], "--team");
	ck_assert_str_eq(cf->escalation_command[2], "cctv desk");
	ck_assert_ptr_null(cf->escalation_command[3]);
	ck_assert_int_eq(cf->flood_threshold, 20);
	ck_assert_int_eq(cf->auto_resolve_restored[EVTYPE_UNIT_OFFLINE], 1);
	ck_assert_int_eq(cf->auto_resolve_restored[EVTYPE_MAINS_FAIL], 1);
	ck_assert_int_eq(cf->auto_resolve_restored[EVTYPE_TAMPER], 0);
	ck_assert_int_eq(cf->log_level, CONFIG_LOG_DEBUG);
	config_free(cf);
}
END_TEST

START_TEST(test_defaults)
{
	struct refuge_config	*cf;
	struct diag		 d;
	int			 i;

	diag_init(&d);
	ck_assert_int_eq(confload_config(CASES "/config-minimal/refuge.yaml", &cf,
	    &d), 0);
	ck_assert_str_eq(cf->listen_units, "0.0.0.0:7400");
	ck_assert_str_eq(cf->listen_operators, "127.0.0.1:7401");
	ck_assert_ptr_null(cf->listen_metrics);
	ck_assert_ptr_null(cf->tls_crl);
	ck_assert_int_eq(cf->tls_min_version, 0x0304);
	ck_assert_str_eq(cf->database, CASES "/config-minimal/refuge.db");
	ck_assert_str_eq(cf->registry, CASES "/config-minimal/units.yaml");
	ck_assert_int_eq(cf->heartbeat_ms, 30000);
	ck_assert_int_eq(cf->missed, 3);
	ck_assert_int_eq(cf->retry_ms, 10000);
	ck_assert_int_eq(cf->ingest_queue, 10000);
	ck_assert_int_eq(cf->connections_per_address, 64);
	ck_assert_int_eq(cf->max_connections, 200000);
	ck_assert_int_eq(cf->max_handshakes, 128);
	ck_assert_int_eq(cf->handshake_timeout_ms, 10000);
	ck_assert_int_eq(cf->command_timeout_ms, 30000);
	ck_assert_int_eq(cf->operator_prelogin, 64);
	ck_assert_int_eq(cf->operator_prelogin_per_address, 4);
	ck_assert_int_eq(cf->operator_sessions, 256);
	ck_assert_int_eq(cf->operator_output, 8 * 1024 * 1024);
	ck_assert_int_eq(cf->escalation_after_ms, 30000);
	ck_assert_int_eq(cf->escalation_supervisor_after_ms, 60000);
	ck_assert_int_eq(cf->escalation_repeat_ms, 60000);
	ck_assert_int_eq(cf->escalation_command_max_priority, 1);
	ck_assert_ptr_null(cf->escalation_command);
	for (i = 0; i < EVTYPE_COUNT; i++)
		ck_assert_int_eq(cf->auto_resolve_restored[i], 0);
	ck_assert_int_eq(cf->log_level, CONFIG_LOG_INFO);
	config_free(cf);
}
END_TEST

static void
write_file(const char *path, const char *text)
{
	FILE	*f;

	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

/* conf/refuge.yaml, the documented example, loads once its files exist. */
START_TEST(test_example)
{
	static const char	*const files[] = { "server.crt", "server.key",
				    "unit-ca.crt", "refuge.yaml" };
	struct refuge_config	*cf;
	struct diag		 d;
	char			 dir[] = "/tmp/check_config.XXXXXX", path[256];
	char			*example;
	size_t			 i;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_ptr_nonnull(example = golden_slurp(TEST_SRCDIR
	    "/../conf/refuge.yaml"));
	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		write_file(path, i == 3 ? example : "placeholder\n");
	}
	free(example);
	diag_init(&d);
	ck_assert_int_eq(confload_config(path, &cf, &d), 0);
	ck_assert_str_eq(cf->listen_metrics, "127.0.0.1:9740");
	ck_assert_int_eq(cf->tls_min_version, 0x0304);
	config_free(cf);
	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
}
END_TEST

START_TEST(test_missing_file)
{
	struct refuge_config	*cf;
	struct diag		 d;

	diag_init(&d);
	ck_assert_int_eq(confload_config("/nonexistent/refuge.yaml", &cf, &d),
	    -1);
	ck_assert_ptr_null(cf);
	ck_assert_uint_eq(d.count, 1);
	ck_assert_str_eq(d.messages[0], "/nonexistent/refuge.yaml: "
	    "cannot open: No such file or directory");
	diag_clear(&d);
	config_free(NULL);
}
END_TEST

/* More errors than diag keeps: the first ones in file order, and truncated. */
START_TEST(test_many_errors)
{
	struct refuge_config	*cf;
	struct diag		 d;
	char			 path[] = "/tmp/check_config.XXXXXX";
	FILE			*f;
	int			 fd, i;

	ck_assert_int_ne(fd = mkstemp(path), -1);
	ck_assert_ptr_nonnull(f = fdopen(fd, "w"));
	for (i = 0; i < 300; i++)
		fprintf(f, "key%d: 1\n", i);
	fclose(f);
	diag_init(&d);
	ck_assert_int_eq(confload_config(path, &cf, &d), -1);
	unlink(path);
	ck_assert_ptr_null(cf);
	ck_assert_uint_eq(d.count, DIAG_MAX_MESSAGES);
	ck_assert_int_eq(d.truncated, 1);
	ck_assert_ptr_nonnull(strstr(d.messages[0], ":1:1: key0: unknown key"));
	diag_clear(&d);
}
END_TEST

/* limits.operator_output: bytes or KB, MB, GB (1024s), within 64KB..1GB. */
START_TEST(test_sizes)
{
	static const struct {
		const char	*value;
		int64_t		 want;	/* -1: refused with text */
		const char	*text;
	} cases[] = {
		{ "65536", 65536, NULL },
		{ "64KB", 65536, NULL },
		{ "8MB", 8 * 1024 * 1024, NULL },
		{ "1GB", 1024 * 1024 * 1024, NULL },
		{ "\"2MB\"", 2 * 1024 * 1024, NULL },
		{ "65535", -1, "must be between 64KB and 1GB" },
		{ "63KB", -1, "must be between 64KB and 1GB" },
		{ "2GB", -1, "must be between 64KB and 1GB" },
		{ "9999999999GB", -1, "must be between 64KB and 1GB" },
		{ "99999999999", -1, "bad size '99999999999'" },
		{ "8 MB", -1, "bad size '8 MB' (use e.g. 65536, 64KB, 8MB, 1GB)" },
		{ "8mb", -1, "bad size '8mb'" },
		{ "-1", -1, "bad size '-1'" },
		{ "MB", -1, "bad size 'MB'" },
		{ "1.5MB", -1, "bad size '1.5MB'" },
		{ "~", -1, "expected a string" },
	};
	struct refuge_config	*cf;
	struct diag		 d;
	char			 text[256];
	size_t			 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "tls: {cert: a, key: b, unit_ca: c}\n"
		    "limits:\n  operator_output: %s\n", cases[i].value);
		diag_init(&d);
		if (cases[i].want >= 0) {
			ck_assert_msg(config_parse("m.yaml", text, strlen(text),
			    NULL, &cf, &d) == 0, "%s refused", cases[i].value);
			ck_assert_int_eq(cf->operator_output, cases[i].want);
			config_free(cf);
			continue;
		}
		ck_assert_int_eq(config_parse("m.yaml", text, strlen(text), NULL,
		    &cf, &d), -1);
		ck_assert_uint_eq(d.count, 1);
		ck_assert_msg(strstr(d.messages[0], "m.yaml:3:20: "
		    "limits.operator_output: ") != NULL &&
		    strstr(d.messages[0], cases[i].text) != NULL,
		    "%s: got %s", cases[i].value, d.messages[0]);
		diag_clear(&d);
	}
}
END_TEST

/* timezone: an IANA name's form; whether the system has it is asked at start-up. */
START_TEST(test_timezone)
{
	static const char	*const good[] = { "Europe/London", "UTC",
		"America/Argentina/Buenos_Aires", "Etc/GMT+1" };
	static const char	*const bad[] = { "../etc/passwd", "/etc/localtime",
		"Europe London", "", ".hidden" };
	struct refuge_config	*cf;
	struct diag		 d;
	char			 text[256];
	size_t			 i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(text, sizeof(text), "tls: {cert: a, key: b, unit_ca: c}\n"
		    "timezone: \"%s\"\n", good[i]);
		diag_init(&d);
		ck_assert_msg(config_parse("z.yaml", text, strlen(text), NULL,
		    &cf, &d) == 0, "%s refused", good[i]);
		ck_assert_str_eq(cf->timezone, good[i]);
		config_free(cf);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "tls: {cert: a, key: b, unit_ca: c}\n"
		    "timezone: \"%s\"\n", bad[i]);
		diag_init(&d);
		ck_assert_int_eq(config_parse("z.yaml", text, strlen(text), NULL,
		    &cf, &d), -1);
		ck_assert_msg(strstr(d.messages[0], "z.yaml:2:11: timezone: bad "
		    "time zone") != NULL, "%s: got %s", bad[i], d.messages[0]);
		diag_clear(&d);
	}
}
END_TEST

/* retention.*: whole days or keep; every kind kept by default. */
START_TEST(test_retention)
{
	static const char	 text[] = "tls: {cert: a, key: b, unit_ca: c}\n"
	    "retention: {events: 31d, alarms: 2190d, audit: keep}\n";
	static const char	*const bad[] = { "31", "1w", "0d", "36526d", "-1d",
		"forever" };
	struct refuge_config	*cf;
	struct diag		 d;
	char			 buf[256];
	size_t			 i;

	diag_init(&d);
	ck_assert_int_eq(config_parse("r.yaml", text, strlen(text), NULL, &cf,
	    &d), 0);
	ck_assert_int_eq(cf->retention_events_ms, 31LL * 86400000);
	ck_assert_int_eq(cf->retention_alarms_ms, 2190LL * 86400000);
	ck_assert_int_eq(cf->retention_audit_ms, -1);
	config_free(cf);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(buf, sizeof(buf), "tls: {cert: a, key: b, unit_ca: c}\n"
		    "retention:\n  events: %s\n", bad[i]);
		diag_init(&d);
		ck_assert_int_eq(config_parse("r.yaml", buf, strlen(buf), NULL,
		    &cf, &d), -1);
		ck_assert_msg(strstr(d.messages[0], "r.yaml:3:11: "
		    "retention.events: bad retention") != NULL, "%s: got %s",
		    bad[i], d.messages[0]);
		diag_clear(&d);
	}
}
END_TEST

/* receiver:: name, address and lease; the lease's defaults and bounds. */
START_TEST(test_receiver)
{
	static const char	 text[] = "tls: {cert: a, key: b, unit_ca: c}\n"
	    "receiver: {name: rx-a, address: \"rx-a.example:7400\", "
	    "lease: 2s}\n";
	static const char	 plain[] = "tls: {cert: a, key: b, unit_ca: c}\n";
	static const char	*const bad[] = { "name: \"\"", "name: \"a b\"",
		"name: a/b", "address: rx-a", "address: \"rx:99999\"",
		"lease: 500ms", "lease: 61s", "lease: 5x", "nickname: x" };
	struct refuge_config	*cf;
	struct diag		 d;
	char			 buf[256];
	size_t			 i;

	diag_init(&d);
	ck_assert_int_eq(config_parse("r.yaml", text, strlen(text), NULL, &cf,
	    &d), 0);
	ck_assert_str_eq(cf->receiver_name, "rx-a");
	ck_assert_str_eq(cf->receiver_address, "rx-a.example:7400");
	ck_assert_int_eq(cf->receiver_lease_ms, 2000);
	config_free(cf);
	ck_assert_int_eq(config_parse("r.yaml", plain, strlen(plain), NULL, &cf,
	    &d), 0);
	ck_assert_ptr_null(cf->receiver_name);
	ck_assert_ptr_null(cf->receiver_address);
	ck_assert_int_eq(cf->receiver_lease_ms, 5000);
	config_free(cf);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(buf, sizeof(buf), "tls: {cert: a, key: b, unit_ca: c}\n"
		    "receiver:\n  %s\n", bad[i]);
		diag_init(&d);
		ck_assert_msg(config_parse("r.yaml", buf, strlen(buf), NULL,
		    &cf, &d) == -1, "%s accepted", bad[i]);
		ck_assert_msg(strstr(d.messages[0], "r.yaml:3:") != NULL,
		    "%s: got %s", bad[i], d.messages[0]);
		diag_clear(&d);
	}
	ck_assert_int_eq(config_name_valid("rx-a.b_1"), 0);
	ck_assert_int_eq(config_name_valid(""), -1);
	memset(buf, 'a', CONFIG_NAME_MAX + 1);
	buf[CONFIG_NAME_MAX + 1] = '\0';
	ck_assert_int_eq(config_name_valid(buf), -1);
	buf[CONFIG_NAME_MAX] = '\0';
	ck_assert_int_eq(config_name_valid(buf), 0);
}
END_TEST

/* The pure parser: bytes in, names kept as written without files. */
START_TEST(test_parse_buffer)
{
	static const char	 text[] = "tls:\n  cert: a.crt\n  key: /k\n"
				    "  unit_ca: ca.crt\nregistry: u.yaml\n"
				    "junk past the length";
	struct refuge_config	*cf;
	struct diag		 d;

	diag_init(&d);
	ck_assert_int_eq(config_parse("mem.yaml", text,
	    strstr(text, "junk") - text, NULL, &cf, &d), 0);
	ck_assert_uint_eq(d.count, 0);
	ck_assert_str_eq(cf->path, "mem.yaml");
	ck_assert_str_eq(cf->tls_cert, "a.crt");
	ck_assert_str_eq(cf->tls_key, "/k");
	ck_assert_str_eq(cf->registry, "u.yaml");
	ck_assert_str_eq(cf->database, "refuge.db");
	config_free(cf);

	ck_assert_int_eq(config_parse("mem.yaml", text, sizeof(text) - 1,
	    NULL, &cf, &d), -1);
	ck_assert_ptr_null(cf);
	ck_assert_uint_eq(d.count, 1);
	ck_assert_ptr_nonnull(strstr(d.messages[0], "mem.yaml:7:1: syntax error: "));
	diag_clear(&d);

	ck_assert_int_eq(config_parse("empty.yaml", NULL, 0, NULL, &cf, &d),
	    -1);
	ck_assert_uint_eq(d.count, 1);
	ck_assert_str_eq(d.messages[0],
	    "empty.yaml:1:1: empty file, expected a mapping");
	diag_clear(&d);
}
END_TEST

static char *
fake_resolve(void *arg, const char *name)
{
	char	*out;

	if (asprintf(&out, "%s/%s", (const char *)arg, name) == -1)
		return NULL;
	return out;
}

static int
fake_readable(void *arg, const char *path, char *why, size_t whylen)
{
	(void)arg;
	if (strstr(path, "bad") == NULL)
		return 0;
	snprintf(why, whylen, "not today");
	return -1;
}

/* The hooks for files decide what is kept and what is readable. */
START_TEST(test_parse_files)
{
	static const char	 text[] = "tls:\n  cert: bad.crt\n  key: k\n"
				    "  unit_ca: ca.crt\n  crl: bad.crl\n";
	struct config_files	 files = { fake_resolve, fake_readable,
				    (void *)"/etc/x" };
	struct refuge_config	*cf;
	struct diag		 d;

	diag_init(&d);
	ck_assert_int_eq(config_parse("f.yaml", text, sizeof(text) - 1,
	    &files, &cf, &d), -1);
	ck_assert_uint_eq(d.count, 2);
	ck_assert_str_eq(d.messages[0], "f.yaml:2:9: tls.cert: "
	    "cannot read /etc/x/bad.crt: not today");
	ck_assert_str_eq(d.messages[1], "f.yaml:5:8: tls.crl: "
	    "cannot read /etc/x/bad.crl: not today");
	diag_clear(&d);

	files.readable = NULL;
	ck_assert_int_eq(config_parse("f.yaml", text, sizeof(text) - 1,
	    &files, &cf, &d), 0);
	ck_assert_str_eq(cf->tls_key, "/etc/x/k");
	ck_assert_str_eq(cf->tls_crl, "/etc/x/bad.crl");
	ck_assert_str_eq(cf->database, "/etc/x/refuge.db");
	ck_assert_str_eq(cf->registry, "/etc/x/units.yaml");
	config_free(cf);
}
END_TEST

/* A PostgreSQL URL is kept as written; a path beside it is still resolved. */
#define URL_TEST_TLS	"tls:\n  cert: a.crt\n  key: k\n  unit_ca: ca.crt\n"
START_TEST(test_database_url)
{
	static const char	*urls[] = {
		"postgresql://refuge@db1,db2/refuge?target_session_attrs="
		    "read-write",
		"postgres://u:p@127.0.0.1:5432/r",
	};
	struct config_files	 files = { fake_resolve, fake_readable,
				    (void *)"/etc/x" };
	struct refuge_config	*cf;
	struct diag		 d;
	char			 text[256];
	size_t			 i;

	diag_init(&d);
	for (i = 0; i < sizeof(urls) / sizeof(urls[0]); i++) {
		snprintf(text, sizeof(text), URL_TEST_TLS "database: \"%s\"\n",
		    urls[i]);
		ck_assert_int_eq(config_parse("f.yaml", text, strlen(text),
		    &files, &cf, &d), 0);
		ck_assert_str_eq(cf->database, urls[i]);
		ck_assert_str_eq(cf->registry, "/etc/x/units.yaml");
		config_free(cf);
	}
	/* Only the scheme itself selects PostgreSQL: this is a file. */
	snprintf(text, sizeof(text), URL_TEST_TLS "database: postgresql.db\n");
	ck_assert_int_eq(config_parse("f.yaml", text, strlen(text), &files,
	    &cf, &d), 0);
	ck_assert_str_eq(cf->database, "/etc/x/postgresql.db");
	config_free(cf);
	ck_assert_uint_eq(d.count, 0);
}
END_TEST

/* A directory opens but does not read. */
START_TEST(test_directory)
{
	struct refuge_config	*cf;
	struct diag		 d;

	diag_init(&d);
	ck_assert_int_eq(confload_config("/", &cf, &d), -1);
	ck_assert_uint_eq(d.count, 1);
	ck_assert_str_eq(d.messages[0], "/: cannot read: Is a directory");
	diag_clear(&d);
}
END_TEST

START_TEST(test_split_hostport)
{
	static const struct {
		const char	*text, *host;
		int		 port;
	} good[] = {
		{ "0.0.0.0:7400", "0.0.0.0", 7400 },
		{ "127.0.0.1:0", "127.0.0.1", 0 },
		{ "localhost:65535", "localhost", 65535 },
		{ "[::1]:7401", "::1", 7401 },
		{ "[::]:0", "::", 0 },
		{ "[fe80::1%eth0]:80", "fe80::1%eth0", 80 },
	};
	static const char	*const bad[] = {
		"", ":7400", "host", "host:", "host:65536", "host:-1",
		"host:7x", "::1:7400", "[::1]7400", "[::1]:", "[]:7400",
		"[::1:7400", "ho st:1", "host:123456", "host:+80",
	};
	char	host[64];
	int	port;
	size_t	i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ck_assert_int_eq(config_split_hostport(good[i].text, host,
		    sizeof(host), &port), 0);
		ck_assert_str_eq(host, good[i].host);
		ck_assert_int_eq(port, good[i].port);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(config_split_hostport(bad[i], host, sizeof(host),
		    &port) == -1, "accepted '%s'", bad[i]);
	/* The host must fit with its NUL. */
	ck_assert_int_eq(config_split_hostport("abcd:1", host, 5, &port), 0);
	ck_assert_int_eq(config_split_hostport("abcde:1", host, 5, &port), -1);
}
END_TEST

static Suite *
config_suite(void)
{
	Suite	*s = suite_create("config");
	TCase	*tc = tcase_create("core");

	tcase_add_test(tc, test_golden);
	tcase_add_test(tc, test_every_value);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_example);
	tcase_add_test(tc, test_missing_file);
	tcase_add_test(tc, test_many_errors);
	tcase_add_test(tc, test_parse_buffer);
	tcase_add_test(tc, test_sizes);
	tcase_add_test(tc, test_timezone);
	tcase_add_test(tc, test_retention);
	tcase_add_test(tc, test_receiver);
	tcase_add_test(tc, test_parse_files);
	tcase_add_test(tc, test_database_url);
	tcase_add_test(tc, test_directory);
	tcase_add_test(tc, test_split_hostport);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(config_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
