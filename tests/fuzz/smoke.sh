#!/bin/sh
# The fuzz smoke test (make fuzz-smoke).
#   smoke.sh probe            exit 0 if clang can build a libFuzzer harness,
#                             else say what is missing and exit 1
#   smoke.sh run BIN SECONDS  run one harness built by `make fuzz` for SECONDS
#                             from its seed corpus tests/fuzz/corpus/<name>/
#                             and its dictionary; exit 1 on any crash, leak,
#                             timeout or out-of-memory
# New inputs and crash files go to a temporary directory, never to the source
# tree; it is removed after a clean run and kept (and named) after a failure.
set -u
here=$(cd "$(dirname "$0")" && pwd)

probe() {
	if ! command -v clang >/dev/null 2>&1; then
		echo "clang is not installed (tests/deps.sh installs clang and libclang-rt-dev)"
		return 1
	fi
	dir=$(mktemp -d "${TMPDIR:-/tmp}/refuge-fuzz-probe.XXXXXX") || return 1
	printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
	    'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
	    'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)' \
	    '{ (void)d; (void)n; return 0; }' >"$dir/probe.c"
	if clang -fsanitize=fuzzer,address,undefined -o "$dir/probe" "$dir/probe.c" \
	    >"$dir/log" 2>&1; then
		rm -rf "$dir"
		return 0
	fi
	echo "clang cannot link a libFuzzer harness (install libclang-rt-dev):"
	sed 's/^/  /' "$dir/log" | head -5
	rm -rf "$dir"
	return 1
}

run() {
	bin=$1
	seconds=$2
	name=$(basename "$bin")
	if [ ! -x "$bin" ]; then
		echo "fuzz-smoke $name: FAILED: no harness $bin (make fuzz builds it)"
		return 1
	fi
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/refuge-$name.XXXXXX") || return 1
	mkdir "$tmp/corpus"
	seeds=0
	set -- -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 \
	    -print_final_stats=1 -artifact_prefix="$tmp/"
	[ -f "$here/$name.dict" ] && set -- "$@" -dict="$here/$name.dict"
	# New inputs go to the first corpus directory: the temporary one.
	set -- "$@" "$tmp/corpus"
	if [ -d "$here/corpus/$name" ]; then
		seeds=$(find "$here/corpus/$name" -type f | wc -l)
		set -- "$@" "$here/corpus/$name"
	fi
	start=$(date +%s)
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1} \
	    "$bin" "$@" >"$tmp/log" 2>&1
	rc=$?
	took=$(($(date +%s) - start))
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$tmp/log" | tail -1)
	found=
	for f in "$tmp"/crash-* "$tmp"/leak-* "$tmp"/timeout-* "$tmp"/oom-*; do
		[ -e "$f" ] && found="$found ${f##*/}"
	done
	corpus=$(find "$tmp/corpus" -type f | wc -l)
	if [ "$rc" -eq 0 ] && [ -z "$found" ] && [ -n "$execs" ]; then
		echo "fuzz-smoke $name: ok, ${execs} executions in ${took} s" \
		    "(${seeds} seeds, ${corpus} new inputs)"
		rm -rf "$tmp"
		return 0
	fi
	echo "fuzz-smoke $name: FAILED (status $rc) after ${execs:-?} executions in ${took} s"
	for f in $found; do
		echo "  $tmp/$f  (reproduce: $bin $tmp/$f)"
	done
	echo "  log: $tmp/log; its end:"
	tail -40 "$tmp/log" | sed 's/^/  | /'
	return 1
}

case ${1:-} in
probe)	probe ;;
run)	[ $# -eq 3 ] || { echo "usage: $0 run BIN SECONDS" >&2; exit 2; }
	run "$2" "$3" ;;
*)	echo "usage: $0 probe | run BIN SECONDS" >&2; exit 2 ;;
esac
