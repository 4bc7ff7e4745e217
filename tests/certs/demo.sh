#!/bin/sh
# Sets up a self-contained demo receiver in DIR for `make run`: a test PKI,
# refuge.yaml on loopback ports 7400/7401, and units.yaml with one site, three
# Help Points and two operators whose new passwords go to DIR/passwords.txt.
# Does nothing when DIR/refuge.yaml already exists.
set -eu

prog=${0##*/}
[ $# -eq 1 ] || { echo "usage: $prog DIR" >&2; exit 2; }
DIR=$1
here=$(cd "$(dirname "$0")" && pwd)

if [ -f "$DIR/refuge.yaml" ]; then
	echo "demo: keeping $DIR/refuge.yaml (remove $DIR to start afresh)"
	exit 0
fi

sh "$here/mkpki.sh" "$DIR" HP-001 HP-002 HP-003
cd "$DIR"

newpass() {
	openssl rand -base64 24 | tr -dc 'A-Za-z0-9' | cut -c1-16
}
hash() {
	printf '%s\n' "$1" | openssl passwd -6 -stdin
}

umask 077
alice_pw=$(newpass)
bob_pw=$(newpass)
alice_hash=$(hash "$alice_pw")
bob_hash=$(hash "$bob_pw")
printf 'alice %s\nbob %s\n' "$alice_pw" "$bob_pw" >passwords.txt
chmod 600 passwords.txt
umask 022

cat >units.yaml.tmp <<EOF
# Demo registry, written by demo.sh: Racecourse Park, Northampton.
plans:
  - id: park-emergency
    steps:
      - "Look at the Help Point camera and speak to the caller"
      - "If anyone is hurt or in danger, call 999 and give the Help Point location"
      - "Send the park patrol and stay on the line until they arrive"
      - "Write down what happened before closing the alarm"

sites:
  - id: racecourse
    name: "Racecourse Park"
    plan: park-emergency

units:
  - id: HP-001
    name: "Racecourse Park, Kettering Road gate"
    site: racecourse
    lat: 52.2482
    lon: -0.8871
    camera_preset: 1
  - id: HP-002
    name: "Racecourse Park, pavilion"
    site: racecourse
    lat: 52.2461
    lon: -0.8868
    audio_uri: "sip:hp-002@127.0.0.1"
  - id: HP-003
    name: "Racecourse Park, East Park Parade path"
    site: racecourse
    lat: 52.2447
    lon: -0.8846

operators:
  - user: alice
    password: '$alice_hash'
    role: operator
  - user: bob
    password: '$bob_hash'
    role: supervisor
EOF
mv units.yaml.tmp units.yaml

# Written last: its presence marks a finished demo.
cat >refuge.yaml.tmp <<'EOF'
# Demo receiver, written by demo.sh. Paths are relative to this file.
listen:
  units: "127.0.0.1:7400"
  operators: "127.0.0.1:7401"
tls:
  cert: server.crt
  key: server.key
  unit_ca: ca.crt
  crl: units.crl
  min_version: "1.3"
database: refuge.db
registry: units.yaml
supervision:
  heartbeat: 30s
  missed: 3
log:
  level: info
EOF
mv refuge.yaml.tmp refuge.yaml

cat <<EOF
demo: receiver set up in $DIR
  configuration  $DIR/refuge.yaml
  registry       $DIR/units.yaml (site racecourse, units HP-001 HP-002 HP-003)
  certificates   $DIR/ca.crt, $DIR/server.crt, $DIR/units/<unit>.crt
  database       $DIR/refuge.db
  operators      alice (operator) password $alice_pw
                 bob (supervisor) password $bob_pw
                 (kept in $DIR/passwords.txt, mode 600)
Connect a test unit, then type "HELLO HP-001 1":
  openssl s_client -connect 127.0.0.1:7400 -cert $DIR/units/HP-001.crt -key $DIR/units/HP-001.key -CAfile $DIR/ca.crt
EOF
