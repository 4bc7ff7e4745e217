# refuge: control-room alarm receiver for Help Points.
# Quick start: `make run` (demo receiver on loopback) and `make check` (all tests).

VERSION		= 0.1.0

CC		?= cc
CFLAGS		?= -O2 -g
LDFLAGS		?=
PREFIX		?= /usr/local
BINDIR		?= $(PREFIX)/bin
SBINDIR		?= $(PREFIX)/sbin
MANDIR		?= $(PREFIX)/share/man
sysconfdir	?= /etc
DESTDIR		?=
BUILD		?= build
PYTHON		?= /usr/bin/python3
# Installation: DESTDIR is prepended to each of these.
localstatedir	?= /var
UNITDIR		?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR	?= $(PREFIX)/lib/sysusers.d
DOCDIR		?= $(PREFIX)/share/doc/refuge
DATADIR		?= $(PREFIX)/share/refuge
INSTALL		?= install

PKGS		= libevent libevent_openssl openssl sqlite3 yaml-0.1 libpq
PKG_CFLAGS	= $(shell pkg-config --cflags $(PKGS))
PKG_LIBS	= $(shell pkg-config --libs $(PKGS)) -lcrypt -pthread -lm
# refugectl's printed matter: cairo draws, libqrencode makes the QR codes.
DRAW_PKGS	= cairo fontconfig libqrencode
CHECK_CFLAGS	= $(shell pkg-config --cflags check)
CHECK_LIBS	= $(shell pkg-config --libs check)

WARNINGS	= -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
		  -Wpointer-arith -Wcast-qual -Werror
ALL_CPPFLAGS	= -Iinclude -D_DEFAULT_SOURCE -D_GNU_SOURCE \
		  -DREFUGE_VERSION='"$(VERSION)"' -DREFUGE_SYSCONFDIR='"$(sysconfdir)"' $(CPPFLAGS)
ALL_CFLAGS	= -std=c11 $(WARNINGS) $(PKG_CFLAGS) $(CFLAGS)

# Layer 1: pure cores (no sockets, no event loop, no SQLite, no logging).
CORE_SRCS	= src/core/diag.c src/core/line.c src/core/evtype.c \
		  src/core/dc09.c src/core/dc09_codes.c src/core/registry_dc09.c \
		  src/core/duration.c src/core/timefmt.c src/core/uproto.c \
		  src/core/yamltree.c src/core/config.c src/core/registry.c \
		  src/core/alarm.c src/core/alarmq.c src/core/audit.c \
		  src/core/opproto.c src/core/stats.c src/core/change.c \
		  src/core/opproto_client.c src/core/uproto_client.c \
		  src/core/pwhash.c src/core/when.c src/core/registry_print.c src/core/registry_priorities.c src/core/geo.c src/core/report.c \
		  src/core/registry_plan.c src/core/opproto_desk.c \
		  src/core/opproto_record.c src/core/registry_text.c src/core/pushq.c
# Layer 2: services, one owner per outside thing.
SERVICE_SRCS	= src/service/log.c src/service/store.c src/service/store_backend.c \
		  src/service/store_record.c \
		  $(STORE_SQLITE_SRCS) src/service/tlsctx.c src/service/conn.c \
		  src/service/listener.c src/service/notify.c src/service/metrics.c \
		  src/service/metrics_server.c \
		  src/service/timenow.c src/service/pwcheck.c src/service/confload.c \
		  src/service/dbcheck.c src/service/dc09_net.c
# The store's backends: each has its sources and its schema in schema/<name>/.
STORE_SQLITE_SRCS = src/service/store_sqlite.c src/service/store_sqlite_alarms.c \
		  src/service/store_sqlite_audit.c src/service/store_sqlite_file.c \
		  src/service/store_sqlite_restore.c src/service/store_sqlite_seal.c \
		  src/service/store_sqlite_seal_verify.c src/service/store_sqlite_purge.c \
		  src/service/store_sqlite_search.c
SCHEMA_BACKENDS	= sqlite postgresql
# PostgreSQL (libpq): the receiver pair's shared database.
STORE_PG_SRCS	= src/service/store_pg.c src/service/store_pg_lease.c \
		  src/service/store_pg_seal.c src/service/store_pg_audit.c \
		  src/service/store_pg_data.c src/service/store_pg_alarms.c \
		  src/service/store_pg_search.c \
		  src/service/store_pg_seal_rows.c \
		  src/service/store_pg_seal_verify.c src/service/store_pg_purge.c
SERVICE_SRCS	+= $(STORE_PG_SRCS) src/service/store_lease.c
# Moving over: a SQLite database copied into PostgreSQL (refugectl migrate).
SERVICE_SRCS	+= src/service/store_copy.c
# Layer 3: the daemon and its sessions.
REFUGED_SRCS	= src/refuged/refuged.c src/refuged/daemon.c src/refuged/ingest.c \
		  src/refuged/ingest_health.c \
		  src/refuged/link.c src/refuged/units.c src/refuged/loop.c \
		  src/refuged/feed.c src/refuged/command.c src/refuged/activate.c \
		  src/refuged/tally.c src/refuged/flood.c \
		  src/refuged/operator_requests.c src/refuged/operator_login.c \
		  src/refuged/operator_prelogin.c src/refuged/operator_reply.c \
		  src/refuged/operator_push.c \
		  src/refuged/unit.c src/refuged/supervise.c src/refuged/operator.c \
		  src/refuged/stack.c src/refuged/stack_queue.c \
		  src/refuged/stack_batch.c src/refuged/stack_actions.c \
		  src/refuged/stack_timers.c src/refuged/stack_held.c \
		  src/refuged/reload.c src/refuged/integrity.c \
		  src/refuged/dc09_link.c src/refuged/dc09_account.c \
		  src/refuged/retention.c src/refuged/alarmlog.c \
		  src/refuged/operator_desk.c \
		  src/refuged/operator_record.c src/refuged/stack_force.c
# The operator's desk: technical outcomes and escalation that goes somewhere.
CORE_SRCS	+= src/core/opproto_resolve.c src/core/registry_outcomes.c \
		  src/core/config_lists.c
SERVICE_SRCS	+= src/service/spawn.c
REFUGED_SRCS	+= src/refuged/escalate.c src/refuged/operator_outcomes.c
REFUGED_SRCS	+= src/refuged/receiver.c

# The tools reuse layers 1 and 2, never the daemon's sessions: a folder per
# program, and beside them in src/tools/ what more than one program shares.
TOOLS_SHARED_SRCS = src/tools/pwprompt.c
REFUGECTL_SRCS	= src/tools/refugectl/refugectl.c src/tools/refugectl/ctl_pki.c \
		  src/tools/refugectl/ctl_setup.c src/tools/refugectl/ctl_enroll.c src/tools/refugectl/ctl_enroll_dc09.c \
		  src/tools/refugectl/ctl_yaml.c src/tools/refugectl/ctl_views.c \
		  src/tools/refugectl/ctl_report.c src/tools/refugectl/ctl_revoke.c \
		  src/tools/refugectl/ctl_database.c src/tools/refugectl/ctl_draw.c \
		  src/tools/refugectl/ctl_map.c src/tools/refugectl/ctl_sign.c \
		  src/tools/refugectl/ctl_report_text.c \
		  src/tools/refugectl/ctl_report_pdf.c src/tools/refugectl/ctl_passwd.c \
		  src/tools/refugectl/ctl_purge.c src/tools/refugectl/ctl_incident.c \
		  src/tools/refugectl/ctl_decommission.c \
		  src/tools/refugectl/ctl_migrate.c \
		  $(TOOLS_SHARED_SRCS)
CONSOLE_SRCS	= src/tools/console/console.c src/tools/console/console_link.c \
		  src/tools/console/console_batch.c src/tools/console/console_model.c \
		  src/tools/console/console_ui.c src/tools/console/console_keys.c \
		  src/tools/console/console_record.c src/tools/console/console_feed.c \
		  src/tools/console/console_text.c src/tools/console/console_draw.c \
		  src/tools/console/console_detail.c src/tools/console/console_history.c \
		  src/tools/console/console_run.c src/tools/console/console_alert.c \
		  src/tools/console/console_prompt.c src/tools/console/console_opts.c \
		  src/tools/console/console_rx.c \
		  $(TOOLS_SHARED_SRCS)
SIM_SRCS	= src/tools/sim/sim.c src/tools/sim/sim_opts.c src/tools/sim/sim_unit.c \
		  src/tools/sim/sim_tls.c src/tools/sim/sim_tty.c src/tools/sim/sim_stats.c \
		  src/tools/sim/sim_dc09.c src/tools/sim/sim_dc09_load.c \
		  src/tools/sim/sim_phase.c
TOOL_PROGRAMS	=
TOOL_PROGRAMS	+= $(BUILD)/refuge-console
TOOL_PROGRAMS	+= $(BUILD)/refuge-sim
TOOL_PROGRAMS	+= $(BUILD)/refugectl

UNIT_TESTS	= check_line check_uproto check_evtype check_duration check_timefmt check_when check_geo check_report \
		  check_config check_registry check_store \
		  check_alarm check_alarmq check_audit check_opproto check_stats \
		  check_notify check_metrics check_log check_listener check_admission \
		  check_console_model check_sim_stats check_pwcheck \
		  check_opproto_client check_uproto_client \
		  check_change check_opproto_record check_dc09 check_pushq $(L3_TESTS)
# Layer 3 in-process: its modules with test doubles of conn, listener and tlsctx.
L3_TESTS	= check_feed check_ingest check_stack check_supervise \
		  check_unit_session check_unit_admission check_operator_session
UNIT_TESTS	+= check_spawn

CORE_OBJS	= $(CORE_SRCS:%.c=$(BUILD)/%.o)
SCHEMA_OBJS	= $(SCHEMA_BACKENDS:%=$(BUILD)/gen/schema_%.o)
SERVICE_OBJS	= $(SERVICE_SRCS:%.c=$(BUILD)/%.o) $(SCHEMA_OBJS)
SCHEMA_SQL	= $(sort $(wildcard $(SCHEMA_BACKENDS:%=schema/%/*.sql)))
REFUGED_OBJS	= $(REFUGED_SRCS:%.c=$(BUILD)/%.o)
TEST_BINS	= $(UNIT_TESTS:%=$(BUILD)/tests/%)
PROGRAMS	= $(BUILD)/refuged $(TOOL_PROGRAMS)

ifeq ($(V),1)
Q =
else
Q = @
endif

.PHONY: all deps run check check-unit check-integration check-integration-pg \
	check-asan soak bench \
	lint-structure check-lint lint-headers lint-man fuzz fuzz-smoke clean install uninstall

all: $(PROGRAMS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

# A tool's file finds its own folder's headers by "" and the shared ones here.
$(BUILD)/src/tools/%.o: ALL_CPPFLAGS += -Isrc/tools
$(BUILD)/src/tools/refugectl/%.o: ALL_CFLAGS += $(shell pkg-config --cflags $(DRAW_PKGS))

# One C array of migrations per backend, from schema/<backend>/NNN-name.sql.
.SECONDEXPANSION:
$(SCHEMA_OBJS:.o=.c): $(BUILD)/gen/schema_%.c: schema/embed.sh \
		$$(sort $$(wildcard schema/$$*/*.sql))
	@mkdir -p $(dir $@)
	$(Q)sh schema/embed.sh $* $(sort $(wildcard schema/$*/*.sql)) > $@

$(SCHEMA_OBJS): $(BUILD)/gen/schema_%.o: $(BUILD)/gen/schema_%.c
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/libcore.a: $(CORE_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/libservice.a: $(SERVICE_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/refuged: $(REFUGED_OBJS) $(BUILD)/libservice.a $(BUILD)/libcore.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/refugectl: $(REFUGECTL_SRCS:%.c=$(BUILD)/%.o) $(BUILD)/libservice.a $(BUILD)/libcore.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(shell pkg-config --libs $(DRAW_PKGS))

$(BUILD)/refuge-console: $(CONSOLE_SRCS:%.c=$(BUILD)/%.o) $(BUILD)/libservice.a $(BUILD)/libcore.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(shell pkg-config --libs ncursesw)

$(BUILD)/refuge-sim: $(SIM_SRCS:%.c=$(BUILD)/%.o) $(BUILD)/libservice.a $(BUILD)/libcore.a
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libservice.a $(BUILD)/libcore.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(CHECK_CFLAGS) -DTEST_SRCDIR='"$(CURDIR)/tests"' \
		$(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(CHECK_LIBS)

# The console's model is a tool's file, not in the libraries.
$(BUILD)/tests/check_console_model: tests/unit/check_console_model.c \
		$(BUILD)/src/tools/console/console_model.o \
		$(BUILD)/src/tools/console/console_record.o \
		$(BUILD)/src/tools/console/console_feed.o \
		$(BUILD)/src/tools/console/console_text.o \
		$(BUILD)/src/tools/console/console_run.o $(BUILD)/libservice.a $(BUILD)/libcore.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CPPFLAGS) -Isrc/tools/console $(ALL_CFLAGS) $(CHECK_CFLAGS) \
		$(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(CHECK_LIBS)

# So is the simulator's latency histogram; its test checks against libm.
$(BUILD)/tests/check_sim_stats: tests/unit/check_sim_stats.c \
		$(BUILD)/src/tools/sim/sim_stats.o $(BUILD)/libcore.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CPPFLAGS) -Isrc/tools/sim $(ALL_CFLAGS) $(CHECK_CFLAGS) \
		$(LDFLAGS) -o $@ $^ $(CHECK_LIBS) -lm

# Layer 3's suites link its objects (not refuged.c, daemon.c, reload.c) with
# the bench and test doubles of conn, listener and tlsctx in place of the real
# ones (no sockets, no TLS), and every other service object but those three:
# libservice.a is not used, so the real conn.o can never be pulled in.
L3_UNDER_TEST	= $(filter-out src/refuged/refuged.c src/refuged/daemon.c \
		  src/refuged/reload.c,$(REFUGED_SRCS))
L3_SERVICE	= $(filter-out src/service/conn.c src/service/listener.c \
		  src/service/metrics_server.c \
		  src/service/tlsctx.c,$(SERVICE_SRCS))
L3_BENCH_SRCS	= tests/unit/l3_bench.c tests/unit/fake_conn.c \
		  tests/unit/fake_listener.c tests/unit/fake_tlsctx.c
L3_TEST_OBJS	= $(L3_BENCH_SRCS:%.c=$(BUILD)/%.o) \
		  $(L3_UNDER_TEST:%.c=$(BUILD)/%.o) \
		  $(L3_SERVICE:%.c=$(BUILD)/%.o) $(SCHEMA_OBJS) \
		  $(BUILD)/libcore.a

$(BUILD)/tests/unit/%.o: tests/unit/%.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(CHECK_CFLAGS) -MMD -MP -c -o $@ $<

$(L3_TESTS:%=$(BUILD)/tests/%): $(BUILD)/tests/%: tests/unit/%.c $(L3_TEST_OBJS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(CHECK_CFLAGS) \
		$(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(CHECK_LIBS)

# Installs the Debian packages the build and tests need, if any are missing.
deps:
	@sh tests/deps.sh

run: deps
	@$(MAKE) --no-print-directory all
	@test -f demo/refuge.yaml || $(BUILD)/refugectl init demo --units 3
	exec $(BUILD)/refuged -c demo/refuge.yaml

# Each phase prints its wall time (tests/phase.sh: "== NAME: N s"), then the total.
PHASE		= sh tests/phase.sh
check: deps
	@t0=$$(date +%s); \
	$(PHASE) build $(MAKE) --no-print-directory all tests && \
	$(PHASE) unit $(MAKE) --no-print-directory check-unit && \
	$(PHASE) integration $(MAKE) --no-print-directory check-integration && \
	$(PHASE) "integration (PostgreSQL)" $(MAKE) --no-print-directory \
		check-integration-pg && \
	$(PHASE) lint $(MAKE) --no-print-directory lint-structure check-lint lint-man && \
	$(PHASE) fuzz-smoke $(MAKE) --no-print-directory fuzz-smoke && \
	$(MAKE) --no-print-directory check-asan; \
	$(PHASE) --total $$t0 $$?

tests: $(TEST_BINS) $(BUILD)/tests/pg_commit_probe

# Not a Check suite: test_pg_store.py runs it against a cluster of its own.
$(BUILD)/tests/pg_commit_probe: tests/unit/pg_commit_probe.c $(BUILD)/libservice.a $(BUILD)/libcore.a
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

check-unit: $(TEST_BINS)
	@for t in $(TEST_BINS); do echo "== $$t"; CK_FORK=yes CK_DEFAULT_TIMEOUT=60 $$t || exit 1; done

# PYTEST_MARKS selects by pytest marker: the ASan pass gives "not slow".
PYTEST_MARKS	?=
check-integration: $(PROGRAMS)
	REFUGE_BUILD=$(CURDIR)/$(BUILD) $(PYTHON) -m pytest -q -p no:cacheprovider \
		$(if $(PYTEST_MARKS),-m "$(PYTEST_MARKS)") tests/integration

# The same suite again on the PostgreSQL backend: a private cluster for the
# run (tests/integration/pgcluster.py), a fresh database per receiver; the
# tests about the SQLite file (sqlite_only) and the slow ones are left out.
# Without PostgreSQL (or psycopg2) it is skipped, unless CI is set.
PG_MARKS	= not sqlite_only and not own_database and not slow
PG_PROBE	= $(PYTHON) -c 'import sys; sys.path.insert(0, "tests/integration"); \
	from conftest import pg_unavailable; why = pg_unavailable(); \
	why and print(why); sys.exit(1 if why else 0)'
check-integration-pg: $(PROGRAMS)
	@if why=$$($(PG_PROBE) 2>&1); then \
		echo "REFUGE_TEST_STORE=postgresql pytest -m \"$(PG_MARKS)\" tests/integration"; \
		REFUGE_TEST_STORE=postgresql REFUGE_BUILD=$(CURDIR)/$(BUILD) $(PYTHON) -m pytest \
			-q -p no:cacheprovider -m "$(PG_MARKS)" tests/integration; \
	elif [ -n "$$CI" ]; then \
		echo "check-integration-pg: FAILED: PostgreSQL cannot run here, and CI is set: $$why"; \
		exit 1; \
	else echo "check-integration-pg: SKIPPED: PostgreSQL cannot run here (CI unset): $$why"; fi

# The ASan pass leaves out the tests marked slow (soak, failover).
SAN_FLAGS = -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
SAN_ENV	= ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1
check-asan:
	@$(PHASE) "ASan build" $(MAKE) --no-print-directory BUILD=build-asan \
		CFLAGS="$(SAN_FLAGS)" LDFLAGS="$(SAN_FLAGS)" all tests
	@$(SAN_ENV) $(PHASE) "ASan unit" $(MAKE) --no-print-directory BUILD=build-asan check-unit
	@$(SAN_ENV) $(PHASE) "ASan integration" $(MAKE) --no-print-directory BUILD=build-asan \
		PYTEST_MARKS="not slow" check-integration

# The slow tests alone, longer: the kill -9 loop with SOAK_CYCLES kills.
SOAK_CYCLES	?= 200
soak: $(PROGRAMS)
	REFUGE_BUILD=$(CURDIR)/$(BUILD) REFUGE_KILL9_CYCLES=$(SOAK_CYCLES) \
		$(PYTHON) -m pytest -q -s -p no:cacheprovider -m slow tests/integration

# The benchmark suite (bench/run.sh, bench/suite.py): every scenario of
# the storms issue with its goal and its ratio to a floor measured in the
# same run. BENCH_QUICK=1: small sizes, a smoke run of a minute or two.
# BENCH="storm idle" runs some only. Not part of check.
BENCH_QUICK	?= 0
BENCH		?=
BENCH_UNITS	?= 2000
BENCH_SECONDS	?= 20
BENCH_EVENTS	?=
bench: $(PROGRAMS) $(BUILD)/bench/floor_rx
	@BUILD=$(CURDIR)/$(BUILD) PYTHON=$(PYTHON) BENCH_UNITS=$(BENCH_UNITS) \
		BENCH_SECONDS=$(BENCH_SECONDS) BENCH_EVENTS=$(BENCH_EVENTS) \
		BENCH_QUICK=$(BENCH_QUICK) sh bench/run.sh $(BENCH)

# The floor the suite measures refuged against: a bare libevent TLS server.
$(BUILD)/bench/floor_rx: bench/floor_rx.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -o $@ $< $(LDFLAGS) $(PKG_LIBS)

# The house rule (STYLE.md), in tests/lint/structure.py: each folder's
# .may_include, no event loop, SQLite, logging or files in libcore (nm -u),
# and the size limits with tests/lint/structure-exceptions.
lint-structure: $(BUILD)/libcore.a
	@$(PYTHON) tests/lint/structure.py --libcore $(BUILD)/libcore.a

# The lint's own test: each kind of violation planted in a copy of the tree.
check-lint: $(BUILD)/libcore.a
	@PYTHON=$(PYTHON) CC="$(CC)" sh tests/lint/test_structure.sh $(BUILD)/libcore.a

# The old name: its header greps are part of lint-structure now.
lint-headers: lint-structure

lint-man:
	@command -v mandoc >/dev/null || { echo "mandoc missing"; exit 1; }
	mandoc -T lint -W warning man/*.[0-9]

# The harnesses fuzz the pure cores: only libcore.a is built with clang.
fuzz:
	@$(MAKE) --no-print-directory -C . BUILD=build-fuzz CC=clang \
		CFLAGS="-O1 -g -fsanitize=fuzzer-no-link,address,undefined" build-fuzz/libcore.a
	@for f in tests/fuzz/fuzz_*.c; do n=$$(basename $$f .c); \
		clang $(ALL_CPPFLAGS) -std=c11 -g -fsanitize=fuzzer,address,undefined $(PKG_CFLAGS) \
		-o build-fuzz/$$n $$f build-fuzz/libcore.a $(PKG_LIBS) || exit 1; done

# Each harness for FUZZ_SECONDS from its seeds in tests/fuzz/corpus/<harness>/,
# FUZZ_JOBS at a time; a crash, leak or hang fails (tests/fuzz/smoke.sh).
# Without clang it is skipped, unless CI is set.
FUZZ_SECONDS	?= 60
FUZZ_JOBS	?= 2
FUZZ_HARNESSES	= $(basename $(notdir $(wildcard tests/fuzz/fuzz_*.c)))
fuzz-smoke:
	@if sh tests/fuzz/smoke.sh probe; then \
		$(MAKE) --no-print-directory fuzz && \
		$(MAKE) --no-print-directory -k -j$(FUZZ_JOBS) -O \
			$(FUZZ_HARNESSES:%=fuzz-smoke-%); \
	elif [ -n "$$CI" ]; then echo "fuzz-smoke: FAILED: no libFuzzer, and CI is set"; exit 1; \
	else echo "fuzz-smoke: SKIPPED: no libFuzzer (CI unset)"; fi

fuzz-smoke-%:
	@sh tests/fuzz/smoke.sh run build-fuzz/$* $(FUZZ_SECONDS)

# The unit gets the install paths; the example refuge.yaml keeps its database
# in the state directory, since ProtectSystem=strict makes /etc read-only.
UNIT_SED	= sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(sysconfdir)|g'
CONF_SED	= sed -e 's|^database: refuge\.db |database: $(localstatedir)/lib/refuge/refuge.db |'
CONF_DIR	= $(DESTDIR)$(sysconfdir)/refuge
TOOL_NAMES	= refugectl refuge-console refuge-sim

# Installs what is built; an existing $(sysconfdir)/refuge/*.yaml is never replaced.
install: all
	$(INSTALL) -d -m 0755 $(DESTDIR)$(BINDIR) $(DESTDIR)$(SBINDIR) \
		$(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(DOCDIR)/examples \
		$(DESTDIR)$(DATADIR)/schema $(SCHEMA_BACKENDS:%=$(DESTDIR)$(DATADIR)/schema/%) \
		$(CONF_DIR)
	@for p in $(PROGRAMS); do n=$${p##*/}; [ -f $$p ] || continue; \
		case $$n in refuged|refugectl) d='$(SBINDIR)';; *) d='$(BINDIR)';; esac; \
		echo "$(INSTALL) -m 0755 $$p $(DESTDIR)$$d/$$n"; \
		$(INSTALL) -m 0755 $$p $(DESTDIR)$$d/$$n || exit 1; done
	@for m in man/*.[0-9]; do s=$${m##*.}; \
		echo "$(INSTALL) -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$s/"; \
		$(INSTALL) -d -m 0755 $(DESTDIR)$(MANDIR)/man$$s || exit 1; \
		$(INSTALL) -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$s/ || exit 1; done
	$(UNIT_SED) systemd/refuged.service.in > $(DESTDIR)$(UNITDIR)/refuged.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/refuged.service
	$(INSTALL) -m 0644 systemd/refuged.sysusers $(DESTDIR)$(SYSUSERSDIR)/refuge.conf
	$(INSTALL) -m 0644 README.md $(DESTDIR)$(DOCDIR)/README.md
	$(INSTALL) -m 0644 conf/*.yaml $(DESTDIR)$(DOCDIR)/examples/
	@for b in $(SCHEMA_BACKENDS); do \
		echo "$(INSTALL) -m 0644 schema/$$b/*.sql $(DESTDIR)$(DATADIR)/schema/$$b/"; \
		$(INSTALL) -m 0644 schema/$$b/*.sql $(DESTDIR)$(DATADIR)/schema/$$b/ || exit 1; done
	@for f in conf/*.yaml; do n=$${f##*/}; t=$(CONF_DIR)/$$n; \
		if [ -e $$t ]; then echo "kept $$t"; continue; fi; \
		case $$n in refuge.yaml) m=0644;; *) m=0640;; esac; \
		echo "$(CONF_SED) $$f > $$t"; $(CONF_SED) $$f > $$t.tmp && \
		chmod $$m $$t.tmp && mv $$t.tmp $$t || exit 1; done
	@if [ -z '$(DESTDIR)' ] && command -v systemd-sysusers >/dev/null; then \
		echo "systemd-sysusers $(SYSUSERSDIR)/refuge.conf"; \
		systemd-sysusers $(SYSUSERSDIR)/refuge.conf && \
		chgrp refuge $(CONF_DIR)/units.yaml; fi

# Removes what install put there; a configuration file is removed only if unchanged.
uninstall:
	@for n in refuged $(TOOL_NAMES) $(notdir $(PROGRAMS)); do \
		rm -f $(DESTDIR)$(SBINDIR)/$$n $(DESTDIR)$(BINDIR)/$$n; done
	@for m in man/*.[0-9]; do rm -f $(DESTDIR)$(MANDIR)/man$${m##*.}/$${m##*/}; done
	rm -f $(DESTDIR)$(UNITDIR)/refuged.service $(DESTDIR)$(SYSUSERSDIR)/refuge.conf
	rm -f $(DESTDIR)$(DOCDIR)/README.md $(addprefix $(DESTDIR)$(DOCDIR)/examples/,$(notdir $(wildcard conf/*.yaml)))
	rm -f $(addprefix $(DESTDIR)$(DATADIR)/,$(SCHEMA_SQL))
	@for f in conf/*.yaml; do t=$(CONF_DIR)/$${f##*/}; [ -e $$t ] || continue; \
		if $(CONF_SED) $$f | cmp -s - $$t; then echo "rm -f $$t"; rm -f $$t; \
		else echo "kept $$t (changed)"; fi; done
	@rmdir $(DESTDIR)$(DOCDIR)/examples $(DESTDIR)$(DOCDIR) \
		$(SCHEMA_BACKENDS:%=$(DESTDIR)$(DATADIR)/schema/%) $(DESTDIR)$(DATADIR)/schema \
		$(DESTDIR)$(DATADIR) $(CONF_DIR) 2>/dev/null || true

clean:
	rm -rf build build-asan build-fuzz

-include $(CORE_OBJS:.o=.d) $(SERVICE_SRCS:%.c=$(BUILD)/%.d) $(REFUGED_OBJS:.o=.d) \
	$(REFUGECTL_SRCS:%.c=$(BUILD)/%.d) $(CONSOLE_SRCS:%.c=$(BUILD)/%.d) \
	$(SIM_SRCS:%.c=$(BUILD)/%.d) $(L3_BENCH_SRCS:%.c=$(BUILD)/%.d)
