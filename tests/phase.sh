#!/bin/sh
# Runs one phase of `make check` and prints its wall time:
#   phase.sh NAME COMMAND [ARG...]   prints "== NAME: N s" (and "failed")
#   phase.sh --total START STATUS    prints "== total: N s" since START (date +%s)
# and exits with the command's (or the given) status.
if [ "${1:-}" = "--total" ]; then
	[ $# -eq 3 ] || { echo "usage: $0 --total START STATUS" >&2; exit 2; }
	took=$(($(date +%s) - $2))
	if [ "$3" -eq 0 ]; then
		echo "== total: $took s"
	else
		echo "== total: $took s (failed)"
	fi
	exit "$3"
fi
[ $# -ge 2 ] || { echo "usage: $0 NAME COMMAND [ARG...]" >&2; exit 2; }
name=$1
shift
start=$(date +%s)
"$@"
status=$?
took=$(($(date +%s) - start))
if [ "$status" -eq 0 ]; then
	echo "== $name: $took s"
else
	echo "== $name: $took s (failed, status $status)"
fi
exit "$status"
