#!/bin/sh
# Load benchmark: refuged against refuge-sim on loopback, bounded in time.
#
#   bench/sim_load.sh [UNITS [SECONDS]]      default 10000 units, 60 s
#
# Environment: BUILD (default build), PYTHON (default python3), PRESS_RATE (BUTTON events a second over
# all units, default 100/s), CONNECT_RATE (default 1000/s), KEEP=1 keeps the
# work directory. Makes a throw-away PKI, a registry of UNITS units
# (refuge-sim --print-registry), a receiver with limits raised for them, and
# runs refuge-sim with minted unit certificates, spread over enough
# 127.0.0.x source addresses. Prints the connection rate, the receiver's
# memory (VmRSS from /proc) before and with every unit connected, and the
# ACK latency. Not part of `make check`.
set -eu

units=${1:-10000}
seconds=${2:-60}
here=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$here/build}
press_rate=${PRESS_RATE:-100/s}
connect_rate=${CONNECT_RATE:-1000/s}

die() {
	echo "sim_load: $*" >&2
	exit 1
}

for p in refuged refuge-sim; do
	[ -x "$build/$p" ] || die "no $build/$p (run make first)"
done
case $units in '' | *[!0-9]*) die "UNITS must be a number" ;; esac
case $seconds in '' | *[!0-9]*) die "SECONDS must be a number" ;; esac

# Both processes need a descriptor per unit.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
have=$(ulimit -n)
if [ "$have" != unlimited ] && [ "$have" -lt $((units + 100)) ]; then
	die "open file limit $have is below $((units + 100)); raise it (ulimit -Hn as root)"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/sim_load.XXXXXX")
pid=
cleanup() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	if [ "${KEEP:-0}" = 1 ]; then
		echo "sim_load: kept $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

sh "$here/tests/certs/mkpki.sh" "$work/pki" >/dev/null
"$build/refuge-sim" --print-registry "$units" >"$work/units.yaml"
cat >"$work/refuge.yaml" <<EOF
listen:
  units: 127.0.0.1:0
  operators: 127.0.0.1:0
tls:
  cert: pki/server.crt
  key: pki/server.key
  unit_ca: pki/ca.crt
database: refuge.db
registry: units.yaml
supervision:
  heartbeat: 60s
limits:
  connections_per_address: $units
  max_connections: $((units + 100))
  handshake_timeout: 30s
log:
  level: info
EOF

"$build/refuged" -c "$work/refuge.yaml" >"$work/refuged.log" 2>&1 &
pid=$!
port=
i=0
while [ $i -lt 100 ]; do
	port=$(sed -n 's/.*ready units=127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/refuged.log" | head -n 1)
	[ -n "$port" ] && break
	kill -0 "$pid" 2>/dev/null || { cat "$work/refuged.log" >&2; die "refuged exited"; }
	sleep 0.1
	i=$((i + 1))
done
[ -n "$port" ] || die "cannot find refuged's unit port"

rss() {
	sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status" 2>/dev/null || echo 0
}
rss_idle=$(rss "$pid")

# About 20,000 connections per source address keeps clear of the ephemeral ports.
naddr=$(((units + 19999) / 20000))
echo "sim_load: $units units, ${seconds}s, $press_rate presses, $connect_rate connections," \
    "127.0.0.1-127.0.0.$naddr -> 127.0.0.1:$port"

# Sample refuged's memory once a second while the simulator runs.
(
	peak=0
	while kill -0 "$pid" 2>/dev/null && [ ! -f "$work/done" ]; do
		r=$(rss "$pid")
		[ "${r:-0}" -gt "$peak" ] && peak=$r && echo "$peak" >"$work/peak"
		sleep 1
	done
) &
sampler=$!

status=0
timeout $((seconds + 120)) "$build/refuge-sim" -H "127.0.0.1:$port" --ca "$work/pki/ca.crt" \
    --issuer-cert "$work/pki/ca.crt" --issuer-key "$work/pki/ca.key" \
    --count "$units" --source-addrs "127.0.0.1-127.0.0.$naddr" \
    --press-rate "$press_rate" --connect-rate "$connect_rate" \
    --duration "${seconds}s" --report 10s --json >"$work/summary.json" || status=$?
touch "$work/done"
wait "$sampler" 2>/dev/null || true
[ $status -eq 0 ] || die "refuge-sim failed ($status)"

"${PYTHON:-python3}" - "$work/summary.json" "$rss_idle" "$(cat "$work/peak" 2>/dev/null || echo 0)" <<'EOF'
import json, sys
s = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
idle, peak = int(sys.argv[2]), int(sys.argv[3])
n = s["units"]
lat = s["ack_latency_ms"]
if s["all_connected_s"] > 0:
    print("connected:      %d/%d units in %.1f s (%.0f connections/s), %d reconnects"
          % (s["handshakes"], n, s["all_connected_s"], s["connect_rate"], s["reconnects"]))
else:
    print("connected:      %d/%d units, NOT all within the run, %d reconnects"
          % (s["handshakes"], n, s["reconnects"]))
print("events:         %d sent, %d acked, %d pending, %d NAKs, %d errors"
      % (s["events_sent"], s["events_acked"], s["events_pending"], s["naks"], s["errors"]))
print("ACK latency:    p50 %.2f ms, p99 %.2f ms, max %.2f ms"
      % (lat["p50"], lat["p99"], lat["max"]))
print("refuged RSS:    %d kB idle, %d kB peak, %.1f kB per connection"
      % (idle, peak, (peak - idle) / n if n else 0))
print("refuge-sim RSS: %d kB at the end, %.1f kB per unit" % (s["sim_rss_kb"], s["sim_rss_kb"] / n))
EOF
