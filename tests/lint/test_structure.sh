#!/bin/sh
# Tests tests/lint/structure.py: on a copy of src/ and include/, the clean
# tree and the limits themselves (a 100-line function, an 800-line file)
# must pass; each planted violation, one at a time, must fail with its
# message. Usage: test_structure.sh [libcore.a]; CC, NM and PYTHON honoured.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
libcore=${1:-$root/build/libcore.a}
case $libcore in /*) ;; *) libcore=$PWD/$libcore ;; esac
PYTHON=${PYTHON:-/usr/bin/python3}
CC=${CC:-cc}
NM=${NM:-nm}
export NM
tmp=$(mktemp -d "${TMPDIR:-/tmp}/test_structure.XXXXXX")
trap 'rm -rf "$tmp"' EXIT HUP INT TERM
failed=0

fresh() {
	rm -rf "$tmp/tree"
	mkdir -p "$tmp/tree/tests/lint"
	cp -R "$root/src" "$root/include" "$tmp/tree/"
	cp "$here/structure-exceptions" "$tmp/tree/tests/lint/"
}

lint() {
	"$PYTHON" "$here/structure.py" --root "$tmp/tree" \
	    --libcore "${1:-$libcore}" >"$tmp/out" 2>&1
}

# expect_pass what [libcore]
expect_pass() {
	if lint "${2:-}"; then
		echo "ok: $1 passes"
	else
		echo "FAIL: $1 should pass:"; sed 's/^/    /' "$tmp/out"
		failed=1
	fi
}

# expect_fail what message [libcore]: exit 1, and message in the output.
expect_fail() {
	if lint "${3:-}"; then
		echo "FAIL: $1 passed:"; sed 's/^/    /' "$tmp/out"
		failed=1
	elif ! grep -F -q -- "$2" "$tmp/out"; then
		echo "FAIL: $1: no \"$2\" in:"; sed 's/^/    /' "$tmp/out"
		failed=1
	else
		echo "ok: $1 fails: $(grep -F -- "$2" "$tmp/out" | head -n 1)"
	fi
}

# function_of name n: a function of n lines from its name to its "}".
function_of() {
	printf 'int\n%s(void)\n{\n\tint\tx = 0;\n\n' "$1"
	i=6
	while [ "$i" -lt "$2" ]; do
		echo "	x++;"
		i=$((i + 1))
	done
	printf '\treturn x;\n}\n'
}

# A file of exactly n lines with no function.
file_of() {
	echo "/* planted: $1 lines. */"
	i=1
	while [ "$i" -lt "$1" ]; do
		echo "/* $i */"
		i=$((i + 1))
	done
}

fresh
expect_pass "the tree as it is"

# The limits, and headers the layering table must place.
function_of planted_fits 100 >"$tmp/tree/src/service/planted.c"
file_of 800 >"$tmp/tree/src/core/planted.c"
printf '#include "uproto.h"\n' >"$tmp/tree/include/refuge/uproto_client.h"
printf '#include "store.h"\n' >"$tmp/tree/include/refuge/store_backend.h"
printf '#include "evtype.h"\n' >"$tmp/tree/include/refuge/change.h"
printf '#include "refuge/uproto_client.h"\n#include "refuge/change.h"\n' \
    >"$tmp/tree/src/core/planted2.c"
printf '#include "refuge/store_backend.h"\n#include "refuge/link.h"\n' \
    >"$tmp/tree/src/refuged/planted.c"
printf '#include "conn.h"\n' >"$tmp/tree/include/refuge/link.h"
expect_pass "a 100-line function, an 800-line file, uproto_client.h, store_backend.h, change.h and link.h"

fresh
printf '#include <stdio.h>\n\n#include "refuge/daemon.h"\n' \
    >"$tmp/tree/src/core/planted.c"
expect_fail "a core file including refuge/daemon.h" \
    'src/core/planted.c:3: #include "refuge/daemon.h": refuge/daemon.h is a refuged header; src/core/.may_include allows no refuged header'

fresh
printf '#include "refuge/config.h"\n#include "refuge/operator.h"\n' \
    >"$tmp/tree/src/tools/planted.c"
expect_fail "a tool including a daemon header" \
    'src/tools/planted.c:2: #include "refuge/operator.h": refuge/operator.h is a refuged header; src/tools/.may_include allows no refuged header'

fresh
mkdir "$tmp/tree/src/tools/sub"
printf '#include "../../refuged/stack_internal.h"\n' \
    >"$tmp/tree/src/tools/sub/planted.c"
expect_fail "a tool in a subfolder including the daemon's own header" \
    'src/tools/sub/planted.c:1: #include "../../refuged/stack_internal.h": src/refuged/stack_internal.h is a refuged header'

fresh
sed 's|#include "evtype.h"|#include "evtype.h"\n#include "store.h"|' \
    "$root/include/refuge/alarm.h" >"$tmp/tree/include/refuge/alarm.h"
expect_fail "a core header including a service header" \
    'include/refuge/alarm.h:14: #include "store.h": refuge/store.h is a service header; core headers follow src/core/.may_include, which allows no service header'

fresh
printf '#include <stddef.h>\n#include <yaml.h>\n' \
    >>"$tmp/tree/include/refuge/line.h"
expect_fail "a core header including a library" \
    '#include <yaml.h>: core headers follow src/core/.may_include, which allows it in .c files only'

fresh
printf '#include <sqlite3.h>\n' >"$tmp/tree/src/core/planted.c"
expect_fail "a core file including SQLite" \
    'src/core/planted.c:1: #include <sqlite3.h>: src/core/.may_include does not allow it'

fresh
printf '#include <stddef.h>\n' >"$tmp/tree/include/refuge/planted.h"
expect_fail "a header of no layer" \
    'include/refuge/planted.h: no layer: no planted.c in src/'

fresh
rm -f "$tmp/tree/src/core/change.c"
printf '/* planted */\n' >"$tmp/tree/src/refuged/change.c"
printf '#include <stdint.h>\n' >"$tmp/tree/include/refuge/change.h"
expect_fail "a header whose .c contradicts HEADER_LAYERS" \
    'include/refuge/change.h: HEADER_LAYERS says core but change.c is in src/refuged/'

fresh
cat >"$tmp/tree/src/core/planted.c" <<'C'
#include <stdio.h>

int	planted_open(const char *);

int
planted_open(const char *path)
{
	FILE	*f = fopen(path, "r");

	return f != NULL;
}
C
"$CC" -c -o "$tmp/planted.o" "$tmp/tree/src/core/planted.c"
ar rcs "$tmp/libcore.a" "$tmp/planted.o"
expect_fail "a core object calling fopen" \
    'libcore.a: planted.o (src/core/planted.c) needs fopen: files are' \
    "$tmp/libcore.a"

fresh
function_of planted_long 101 >"$tmp/tree/src/service/planted.c"
expect_fail "a 101-line function" \
    'src/service/planted.c:2: planted_long(): 101 lines, more than 100'

fresh
file_of 801 >"$tmp/tree/src/core/planted.c"
expect_fail "an 801-line file" \
    'src/core/planted.c: 801 lines, more than 800'

fresh
file_of 802 >"$tmp/tree/src/core/planted.c"
printf 'src/core/planted.c\t801\tplanted\n' \
    >>"$tmp/tree/tests/lint/structure-exceptions"
expect_fail "a file grown past its exception" \
    'src/core/planted.c: 802 lines, more than 801 (its exception)'

if [ "$failed" -ne 0 ]; then
	echo "test_structure: FAILED"
	exit 1
fi
echo "test_structure: ok"
