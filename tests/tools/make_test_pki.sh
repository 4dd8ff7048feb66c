#!/bin/sh
# make_test_pki.sh DIR: a throw-away PKI for the TLS tests, made with the openssl CLI in DIR
# (created if missing). Valid for 2 days; EC P-256 keys (fast to make).
#   ca.pem/ca.key                 the test CA
#   server.pem/server.key         backupd's certificate: SAN IP:127.0.0.1 and DNS:localhost
#   client.pem/client.key         a client certificate signed by the test CA (mutual TLS)
#   other-ca.pem/other-ca.key     a second, unrelated CA
#   other-client.pem/other-client.key   a client certificate signed by the other CA
# Never use these anywhere but in tests: the keys are unencrypted files in a temp directory.
set -eu
dir=${1:?usage: make_test_pki.sh DIR}
mkdir -p "$dir"
cd "$dir"
umask 077

ca() {  # NAME CN
  openssl req -x509 -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
    -keyout "$1.key" -out "$1.pem" -days 2 -subj "/CN=$2" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
    2>/dev/null
}

leaf() {  # NAME CA CN EXTENSIONS
  openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
    -keyout "$1.key" -out "$1.csr" -subj "/CN=$3" 2>/dev/null
  printf '%s\n' "$4" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial \
    -out "$1.pem" -days 2 -extfile "$1.ext" 2>/dev/null
  rm -f "$1.csr" "$1.ext"
}

ca ca "bb test CA"
ca other-ca "bb other test CA"
leaf server ca 127.0.0.1 "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,DNS:localhost"
leaf client ca "bb test client" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth"
leaf other-client other-ca "bb other test client" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth"
chmod 0644 ./*.pem
