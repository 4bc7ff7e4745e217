#!/bin/sh
# Runs the benchmark suite, each scenario printing its figure, its goal and
# its ratio to a floor measured in the same run, and says what this machine
# could not do (`make bench`; not part of `make check`). Everything runs on
# loopback and stops by itself.
#
#   bench/run.sh [NAME...]
#
# NAME: a scenario of bench/suite.py (storm avalanche throughput idle
# restart press pg, the last the receiver pair on PostgreSQL; default all
# of them, then avalanche_press), or
# avalanche_press (bench/avalanche_press.py, the operator's view of a press
# in an avalanche, when it is there), or one of the older single
# benchmarks: button burst restart_time sim.
#
# Environment: BENCH_QUICK=1 (small sizes: a smoke run of a few minutes),
# BUILD (default build), PYTHON (default /usr/bin/python3), BENCH_EVENTS
# (the restart scenario's stored events, default 10,000,000, quick 200,000),
# BENCH_UNITS and BENCH_SECONDS (sim_load: units, default 2000; seconds,
# default 20).
set -u

here=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$here/build}
python=${PYTHON:-/usr/bin/python3}
units=${BENCH_UNITS:-2000}
seconds=${BENCH_SECONDS:-20}
events=${BENCH_EVENTS:-1000000}
quick=${BENCH_QUICK:-0}
[ "$quick" = 0 ] && quick=
burst=2000
names=${*:-suite avalanche_press}

for p in refuged refuge-sim; do
	[ -x "$build/$p" ] || { echo "bench: no $build/$p (run make first)" >&2; exit 1; }
done
[ -x "$build/bench/floor_rx" ] || { echo "bench: no $build/bench/floor_rx (make bench builds it)" >&2; exit 1; }
export REFUGE_BUILD="$build" BUILD="$build" PYTHON="$python" BENCH_QUICK="${quick:-0}"

notes=
failed=
note() {
	echo "bench: $*"
	notes="$notes
  - $*"
}

# Each benchmark's processes need a descriptor per connection; the soft
# limit can be raised to the hard one, no further without root.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
nofile=$(ulimit -n)
[ "$nofile" = unlimited ] && nofile=100000000
echo "bench: $(nproc) cores (shared with the load generators), load average" \
    "$(cut -d' ' -f1-3 /proc/loadavg), open file limit $nofile"

phase() {
	name=$1
	shift
	echo
	echo "== $name: $*"
	sh "$here/tests/phase.sh" "$name" "$@" || failed="$failed $name"
}

suite=
for name in $names; do
	case $name in
	storm | avalanche | throughput | idle | restart | press | pg) suite="$suite $name" ;;
	esac
done
for name in $names; do
	case $name in
	suite)
		phase suite "$python" "$here/bench/suite.py"
		;;
	storm | avalanche | throughput | idle | restart | press | pg)
		# All the suite's scenarios named, in one run.
		[ -n "$suite" ] && phase suite "$python" "$here/bench/suite.py" $suite
		suite=
		;;
	avalanche_press)
		# The operator's side of a press in an avalanche (BUTTON -> push);
		# it reads BENCH_QUICK from the environment.
		if [ -f "$here/bench/avalanche_press.py" ]; then
			phase avalanche_press "$python" "$here/bench/avalanche_press.py"
		else
			note "avalanche_press: bench/avalanche_press.py is not in this tree;" \
			    "the operator push in an avalanche was not measured"
		fi
		;;
	button)
		phase button_latency "$python" "$here/bench/button_latency.py"
		;;
	burst)
		if [ "$nofile" -lt $((burst + 250)) ]; then
			note "burst_heartbeat: the file limit $nofile cuts the burst below $burst" \
			    "connections (it says by how much)"
		fi
		phase burst_heartbeat "$python" "$here/bench/burst_heartbeat.py" --burst "$burst"
		;;
	restart_time)
		# About 300 bytes an event, twice over for the WAL and slack.
		need_kb=$((events / 1000 * 600 + 100000))
		avail_kb=$(df -Pk "${TMPDIR:-/tmp}" | awk 'NR == 2 { print $4 }')
		if [ "${avail_kb:-0}" -lt "$need_kb" ]; then
			note "restart_time: skipped, $((need_kb / 1024)) MB free needed in" \
			    "${TMPDIR:-/tmp} for $events events, $((avail_kb / 1024)) MB there"
		else
			phase restart_time "$python" "$here/bench/restart_time.py" --events "$events"
		fi
		;;
	sim)
		n=$units
		if [ "$nofile" -lt $((units + 100)) ]; then
			n=$((nofile - 100))
			note "sim_load: $units units asked, the file limit $nofile allows $n;" \
			    "ran $n (raise it with ulimit -Hn as root)"
		fi
		if [ "$n" -lt 1 ]; then
			note "sim_load: skipped, no descriptors to spare"
		else
			phase sim_load sh "$here/bench/sim_load.sh" "$n" "$seconds"
		fi
		;;
	*)
		echo "bench: unknown benchmark $name (storm avalanche throughput idle" \
		    "restart press pg avalanche_press button burst restart_time sim)" >&2
		exit 2
		;;
	esac
done

echo
if [ -n "$failed" ]; then
	note "failed:$failed (see above)"
fi
if [ -n "$notes" ]; then
	echo "bench: could not do everything on this machine:$notes"
else
	echo "bench: every benchmark ran at the size asked"
fi
[ -z "$failed" ]
