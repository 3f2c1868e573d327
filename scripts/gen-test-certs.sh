#!/usr/bin/env bash
# Generates the TLS material the integration tests use, in DIR (default: a new temp dir, printed):
#   ca.crt                       server CA;  server.crt/key (SANs localhost, 127.0.0.1, ::1,
#                                fedmetrics.karmada-system.svc)
#   client-ca.crt                client CA;  admin.crt/key (CN=fedmetrics-test-admin, O=system:masters),
#                                alice.crt/key (CN=alice, O=dev), expired.crt/key (CN=old, expired),
#                                two-cn.crt/key (O=dev, CN=alice then CN=bob: user bob, as in Go)
#   front-proxy-ca.crt           front-proxy CA;  front-proxy-client.crt/key (CN=front-proxy-client),
#                                front-proxy-intruder.crt/key (CN=intruder, same CA),
#                                front-proxy-two-cn.crt/key (CN=front-proxy-client then CN=intruder)
#   rogue-ca.crt                 an unrelated CA;  rogue.crt/key (CN=fedmetrics-test-admin, O=system:masters)
# EC P-256 keys: the whole set takes well under a second.
set -euo pipefail
dir=${1:-$(mktemp -d /tmp/fedmetrics-certs.XXXXXX)}
mkdir -p "$dir"
cd "$dir"
days=30

new_ca() {  # name cn
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$1.key" -out "$1.crt" \
    -days "$days" -subj "/CN=$2" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}

new_cert() {  # name ca subject ext-lines...
  local name=$1 ca=$2 subject=$3
  shift 3
  printf '%s\n' "$@" > "$name.ext"
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$name.key" -out "$name.csr" \
    -subj "$subject" 2>/dev/null
  openssl x509 -req -in "$name.csr" -CA "$ca.crt" -CAkey "$ca.key" -CAcreateserial -out "$name.crt" \
    -days "$days" -extfile "$name.ext" 2>/dev/null
  rm -f "$name.csr" "$name.ext"
}

client_ext=("basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" "extendedKeyUsage=clientAuth")

new_ca ca fedmetrics-test-server-ca
new_cert server ca "/CN=localhost" "basicConstraints=critical,CA:FALSE" \
  "keyUsage=critical,digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth" \
  "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1,DNS:fedmetrics.karmada-system.svc"

new_ca client-ca fedmetrics-test-client-ca
new_cert admin client-ca "/O=system:masters/CN=fedmetrics-test-admin" "${client_ext[@]}"
new_cert alice client-ca "/O=dev/CN=alice" "${client_ext[@]}"
new_cert two-cn client-ca "/O=dev/CN=alice/CN=bob" "${client_ext[@]}"

new_ca front-proxy-ca fedmetrics-test-front-proxy-ca
new_cert front-proxy-client front-proxy-ca "/CN=front-proxy-client" "${client_ext[@]}"
new_cert front-proxy-intruder front-proxy-ca "/CN=intruder" "${client_ext[@]}"
new_cert front-proxy-two-cn front-proxy-ca "/CN=front-proxy-client/CN=intruder" "${client_ext[@]}"

new_ca rogue-ca fedmetrics-test-rogue-ca
new_cert rogue rogue-ca "/O=system:masters/CN=fedmetrics-test-admin" "${client_ext[@]}"

# An expired client certificate from the real client CA (openssl ca can set dates in the past).
mkdir -p ca-db && : > ca-db/index.txt && echo 01 > ca-db/serial
cat > ca-db/openssl.cnf <<CNF
[ca]
default_ca = test
[test]
database = ca-db/index.txt
serial = ca-db/serial
new_certs_dir = ca-db
default_md = sha256
policy = anything
copy_extensions = none
[anything]
commonName = supplied
organizationName = optional
[client]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
CNF
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout expired.key -out expired.csr \
  -subj "/CN=old" 2>/dev/null
openssl ca -batch -config ca-db/openssl.cnf -cert client-ca.crt -keyfile client-ca.key -in expired.csr \
  -out expired.crt -startdate 20200101000000Z -enddate 20200102000000Z -extensions client -notext 2>/dev/null
rm -rf expired.csr ca-db ./*.srl
echo "$dir"
