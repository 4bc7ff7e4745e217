#!/bin/sh
# Installs the Debian packages refuge needs to build and test, when missing.
set -e
# clang is clang-14 on Debian 12; its libFuzzer and sanitizer runtimes come
# with libclang-rt-dev, only a recommendation of clang (make fuzz-smoke).
# cairo and libqrencode draw refugectl's printed matter; zbar-tools and
# poppler-utils let the tests read it back (zbarimg, pdftotext, pdfinfo).
# systemd gives systemd-analyze, which test_install.py needs; with CI set a
# test skipped for want of a tool fails.
PKGS="gcc make pkg-config libc6-dev libevent-dev libssl-dev openssl libsqlite3-dev
libyaml-dev check libcrypt-dev libncurses-dev python3 python3-pytest mandoc tmux
clang libclang-rt-dev systemd libcairo2-dev libfontconfig-dev libqrencode-dev zbar-tools
poppler-utils libpq-dev postgresql-15 postgresql-client-15 python3-psycopg2"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "installing:$missing"
if [ "$(id -u)" -ne 0 ]; then
	echo "run as root, or install these packages first:$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# PostgreSQL's server is for the tests, which start clusters of their own
# (tests/integration/pgcluster.py): the package must not make the system's
# main cluster, nothing listening on 5432. postgresql-common reads
# createcluster.d before postgresql-15's installation makes a cluster.
case "$missing" in *postgresql-15*)
	apt-get install -y -qq --no-install-recommends postgresql-common
	mkdir -p /etc/postgresql-common/createcluster.d
	echo "create_main_cluster = false" \
		> /etc/postgresql-common/createcluster.d/refuge-tests.conf ;;
esac
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
