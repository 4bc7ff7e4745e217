#!/bin/sh
# Makes a throw-away PKI for tests and the demo, with the openssl command (3.0).
#
#   mkpki.sh [-f] DIR UNIT_ID...     make (or complete) the PKI in DIR
#   mkpki.sh --revoke DIR UNIT_ID... revoke units/<id>.crt and rewrite units.crl
#
# DIR gets ca.key/ca.crt ("refuge test CA", signs the server and every unit:
# it is the receiver's unit_ca), server.key/server.crt (CN=localhost, SAN
# localhost, 127.0.0.1 and ::1), units/<id>.key/.crt per unit (CN=<id>,
# clientAuth), units.crl, and for refusal tests other-ca.key/.crt with
# units/OTHER-CA.crt/.key (CN=HP-001 from a CA nobody trusts) and
# units/EXPIRED.crt/.key (CN=HP-001, expired in 2020). Keys are EC P-256.
# An existing CA is kept and only missing files are made; -f starts afresh.
# The CA's bookkeeping for `openssl ca` lives in DIR/ca/. Quiet unless failing.
set -eu

prog=${0##*/}
usage() {
	echo "usage: $prog [-f] DIR UNIT_ID..." >&2
	echo "       $prog --revoke DIR UNIT_ID..." >&2
	exit 2
}
die() {
	echo "$prog: $*" >&2
	exit 1
}

# Runs a command with its chatter kept aside, shown only if it fails.
run() {
	if ! "$@" >"$scratch/out" 2>&1; then
		cat "$scratch/out" >&2
		die "failed: $*"
	fi
}

check_id() {
	case $1 in
	OTHER-CA | EXPIRED) die "unit id $1 is reserved for the test certificates" ;;
	esac
	printf '%s\n' "$1" | grep -Eq '^[A-Za-z0-9._:-]{1,64}$' ||
		die "bad unit id '$1' (1-64 of A-Z a-z 0-9 . _ : -)"
}

write_cnf() {
	cat >ca/openssl.cnf <<'EOF'
# Written by mkpki.sh; paths are relative to the PKI directory.
[ ca ]
default_ca		= refuge_ca

[ refuge_ca ]
database		= ca/index.txt
new_certs_dir		= ca/newcerts
serial			= ca/serial
crlnumber		= ca/crlnumber
certificate		= ca.crt
private_key		= ca.key
default_md		= sha256
default_days		= 3650
default_crl_days	= 3650
policy			= policy_cn
unique_subject		= no
email_in_dn		= no
copy_extensions		= none

[ policy_cn ]
commonName		= supplied

[ req ]
distinguished_name	= req_dn
prompt			= no

[ req_dn ]
CN			= unused

[ v3_ca ]
basicConstraints	= critical, CA:TRUE
keyUsage		= critical, keyCertSign, cRLSign
subjectKeyIdentifier	= hash

[ server ]
basicConstraints	= critical, CA:FALSE
keyUsage		= critical, digitalSignature
extendedKeyUsage	= serverAuth
subjectAltName		= DNS:localhost, IP:127.0.0.1, IP:::1
subjectKeyIdentifier	= hash
authorityKeyIdentifier	= keyid

[ unit ]
basicConstraints	= critical, CA:FALSE
keyUsage		= critical, digitalSignature
extendedKeyUsage	= clientAuth
subjectKeyIdentifier	= hash
authorityKeyIdentifier	= keyid
EOF
}

# A self-signed CA: $1 key, $2 certificate, $3 common name.
make_ca() {
	run openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -nodes -keyout "$1" -out "$2" -days 3650 -sha256 -subj "/CN=$3" \
	    -config ca/openssl.cnf -extensions v3_ca
}

# A key and a request: $1 key, $2 request, $3 common name.
make_req() {
	run openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
	    -nodes -keyout "$1" -out "$2" -subj "/CN=$3" -config ca/openssl.cnf
}

# Signs with the test CA: $1 request, $2 certificate, $3 extensions section,
# then any extra `openssl ca` options.
sign() {
	req=$1 crt=$2 ext=$3
	shift 3
	run openssl ca -batch -notext -config ca/openssl.cnf -extensions "$ext" \
	    -in "$req" -out "$crt.tmp" "$@"
	mv "$crt.tmp" "$crt"
}

gencrl() {
	run openssl ca -batch -config ca/openssl.cnf -gencrl -out units.crl.tmp
	mv units.crl.tmp units.crl
}

revoke() {
	crt=units/$1.crt
	[ -f "$crt" ] || die "no certificate $DIR/$crt"
	serial=$(openssl x509 -noout -serial -in "$crt") || die "cannot read $crt"
	serial=${serial#serial=}
	# Revoking twice is not an error: the CRL is simply written again.
	if ! awk -F '\t' -v s="$serial" '$1 == "R" && toupper($4) == toupper(s) { f = 1 }
	    END { exit !f }' ca/index.txt; then
		run openssl ca -batch -config ca/openssl.cnf -revoke "$crt"
	fi
}

force=0 mode=make
case ${1-} in
--revoke) mode=revoke; shift ;;
-f | --force) force=1; shift ;;
-*) usage ;;
esac
[ $# -ge 1 ] || usage
DIR=$1
shift
for id in "$@"; do check_id "$id"; done

scratch=$(mktemp -d "${TMPDIR:-/tmp}/mkpki.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
trap 'exit 1' HUP INT TERM
umask 077

if [ "$mode" = revoke ]; then
	[ $# -ge 1 ] || usage
	[ -f "$DIR/ca/openssl.cnf" ] || die "$DIR holds no PKI made by $prog"
	cd "$DIR"
	for id in "$@"; do revoke "$id"; done
	gencrl
	chmod 644 units.crl
	exit 0
fi

mkdir -p "$DIR"
cd "$DIR"
if [ "$force" -eq 1 ]; then
	rm -rf ca units ca.key ca.crt server.key server.crt other-ca.key \
	    other-ca.crt units.crl
elif [ -f ca.key ] && [ ! -f ca/index.txt ]; then
	die "$DIR/ca.key exists but was not made by $prog; use -f to replace it"
fi
mkdir -p ca/newcerts units

if [ ! -f ca.key ] || [ ! -f ca.crt ]; then
	rm -rf ca units ca.crt server.key server.crt units.crl
	mkdir -p ca/newcerts units
	write_cnf
	: >ca/index.txt
	echo "unique_subject = no" >ca/index.txt.attr
	openssl rand -hex 8 >ca/serial
	echo 1000 >ca/crlnumber
	make_ca ca.key ca.crt "refuge test CA"
fi

if [ ! -f server.crt ]; then
	make_req server.key "$scratch/server.csr" localhost
	sign "$scratch/server.csr" server.crt server
fi

for id in "$@"; do
	[ -f "units/$id.crt" ] && continue
	make_req "units/$id.key" "$scratch/unit.csr" "$id"
	sign "$scratch/unit.csr" "units/$id.crt" unit
done

if [ ! -f units/EXPIRED.crt ]; then
	make_req units/EXPIRED.key "$scratch/expired.csr" HP-001
	sign "$scratch/expired.csr" units/EXPIRED.crt unit \
	    -startdate 20200101000000Z -enddate 20200102000000Z
fi

# A second CA that the receiver does not trust, and a unit certificate from it.
if [ ! -f other-ca.crt ] || [ ! -f units/OTHER-CA.crt ]; then
	make_ca other-ca.key other-ca.crt "refuge other CA"
	make_req units/OTHER-CA.key "$scratch/other.csr" HP-001
	run openssl x509 -req -in "$scratch/other.csr" -CA other-ca.crt \
	    -CAkey other-ca.key -set_serial "0x$(openssl rand -hex 8)" \
	    -days 3650 -sha256 -extfile ca/openssl.cnf -extensions unit \
	    -out units/OTHER-CA.crt
fi

gencrl
chmod 644 ca.crt server.crt other-ca.crt units.crl units/*.crt
