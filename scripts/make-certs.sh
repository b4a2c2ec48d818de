#!/usr/bin/env bash
# Makes the TLS test certificates in test/fixtures/certs (committed; rerun to renew them).
# A test CA; a server certificate for localhost/127.0.0.1/::1 signed by it (also with its key
# encrypted, password "somepass"); one for the wrong host; one that expired; one self-signed.
set -euo pipefail
out="$(cd "$(dirname "$0")/.." && pwd)/test/fixtures/certs"
mkdir -p "$out"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
days=36500

openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days "$days" -sha256 \
  -subj "/C=XY/O=asyncore-ts tests/CN=asyncore-ts test CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null

cat > ca.cnf <<CNF
[ ca ]
default_ca = test_ca
[ test_ca ]
database = $work/index.txt
new_certs_dir = $work
serial = $work/serial
default_md = sha256
policy = anything
copy_extensions = copy
unique_subject = no
[ anything ]
countryName = optional
organizationName = optional
commonName = supplied
[ leaf ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth,clientAuth
CNF
: > index.txt
echo 1000 > serial

# leaf NAME CN SAN [ca-args...]: key NAME.key, certificate NAME.pem signed by the CA.
leaf() {
  local name=$1 cn=$2 san=$3; shift 3
  openssl req -new -newkey rsa:2048 -nodes -keyout "$name.key" -out "$name.csr" \
    -subj "/C=XY/O=asyncore-ts tests/CN=$cn" -addext "subjectAltName=$san" 2>/dev/null
  openssl ca -batch -config ca.cnf -extensions leaf -cert ca.pem -keyfile ca.key \
    -in "$name.csr" -out "$name.crt" -notext "$@" 2>/dev/null
  openssl x509 -in "$name.crt" -out "$name.pem"
}
leaf server localhost "DNS:localhost,IP:127.0.0.1,IP:::1" -days "$days"
leaf wronghost wrong.example "DNS:wrong.example" -days "$days"
leaf expired localhost "DNS:localhost,IP:127.0.0.1,IP:::1" -startdate 20200101000000Z -enddate 20210101000000Z

openssl req -x509 -newkey rsa:2048 -nodes -keyout selfsigned.key -out selfsigned.pem -days "$days" -sha256 \
  -subj "/C=XY/O=asyncore-ts tests/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" 2>/dev/null

openssl pkey -in server.key -out server.encrypted.key -aes256 -passout pass:somepass

for f in ca.pem server.pem server.key server.encrypted.key wronghost.pem wronghost.key expired.pem expired.key selfsigned.pem selfsigned.key; do
  cp "$f" "$out/$f"
done
# keycert: key and certificate in one file, as CPython's load_cert_chain(certfile) accepts.
cat server.key server.pem > "$out/server.keycert.pem"
echo "wrote $(ls "$out" | wc -l) files to $out"
