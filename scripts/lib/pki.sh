#!/usr/bin/env bash
# Test PKI for the local control plane (openssl). Source it for the functions, or
# run it:  scripts/lib/pki.sh DIR [serving-cert-name [extra-SAN...]]
#
# pki_init DIR creates (idempotently; existing files are kept):
#   ca.{crt,key}                  serving CA (signs every serving cert)
#   apiserver.{crt,key}           kube-apiserver serving cert, SANs localhost,127.0.0.1,::1
#   client-ca.{crt,key}           client CA (kube-apiserver --client-ca-file)
#   admin.{crt,key}               client cert CN=fedmetrics-admin O=system:masters
#   front-proxy-ca.{crt,key}      requestheader CA (--requestheader-client-ca-file)
#   front-proxy-client.{crt,key}  CN=front-proxy-client (--proxy-client-cert-file)
#   sa.key / sa.pub               service-account signing key pair (RSA 2048)
#   tokens.csv                    static bearer tokens: fedmetrics-admin (system:masters), alice, bob (dev)
#                                 and fedmetrics-load (system:masters, exempt from APF)
#
# pki_serving_cert DIR NAME [SAN...]   NAME.{crt,key} signed by ca; SANs always include
#                                      DNS:localhost, IP:127.0.0.1, IP:::1; extra SANs are
#                                      given as "DNS:x.y.svc" / "IP:..." entries.
# pki_client_cert DIR NAME CN [O] [CA] NAME.{crt,key} signed by CA (default client-ca).
#
# FEDMETRICS_PKI_DAYS (default 365) sets the validity.

_pki_days() { printf '%s' "${FEDMETRICS_PKI_DAYS:-365}"; }

# pki_ca DIR NAME CN
pki_ca() {
  local d=$1 n=$2 cn=$3
  [ -s "$d/$n.crt" ] && [ -s "$d/$n.key" ] && return 0
  openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days "$(_pki_days)" \
    -keyout "$d/$n.key" -out "$d/$n.crt" -subj "/CN=$cn" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
    -addext "subjectKeyIdentifier=hash" 2>/dev/null || { echo "pki: CA $n failed" >&2; return 1; }
  chmod 600 "$d/$n.key"
}

# _pki_sign DIR NAME SUBJ CA EXTFILE-CONTENT
_pki_sign() {
  local d=$1 n=$2 subj=$3 ca=$4 ext=$5
  openssl req -newkey rsa:2048 -nodes -sha256 -keyout "$d/$n.key" -out "$d/$n.csr" -subj "$subj" 2>/dev/null &&
    printf '%s\n' "$ext" >"$d/$n.ext" &&
    openssl x509 -req -sha256 -in "$d/$n.csr" -CA "$d/$ca.crt" -CAkey "$d/$ca.key" -CAcreateserial \
      -out "$d/$n.crt" -days "$(_pki_days)" -extfile "$d/$n.ext" 2>/dev/null ||
    { echo "pki: signing $n with $ca failed" >&2; rm -f "$d/$n.crt"; return 1; }
  chmod 600 "$d/$n.key"
  rm -f "$d/$n.csr" "$d/$n.ext" "$d/$ca.srl"
}

# pki_serving_cert DIR NAME [SAN...]
pki_serving_cert() {
  local d=$1 n=$2; shift 2
  [ -s "$d/$n.crt" ] && [ -s "$d/$n.key" ] && return 0
  local san="DNS:localhost,IP:127.0.0.1,IP:::1" s
  for s in "$@"; do san="$san,$s"; done
  _pki_sign "$d" "$n" "/CN=$n" ca "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=$san
authorityKeyIdentifier=keyid"
}

# pki_client_cert DIR NAME CN [O] [CA]
pki_client_cert() {
  local d=$1 n=$2 cn=$3 o=${4:-} ca=${5:-client-ca} subj
  [ -s "$d/$n.crt" ] && [ -s "$d/$n.key" ] && return 0
  subj="/CN=$cn"; [ -n "$o" ] && subj="/O=$o/CN=$cn"
  _pki_sign "$d" "$n" "$subj" "$ca" "basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth
authorityKeyIdentifier=keyid"
}

pki_init() {
  local d=$1
  mkdir -p "$d" || return 1
  pki_ca "$d" ca fedmetrics-serving-ca &&
    pki_ca "$d" client-ca fedmetrics-client-ca &&
    pki_ca "$d" front-proxy-ca fedmetrics-front-proxy-ca &&
    pki_serving_cert "$d" apiserver &&
    pki_client_cert "$d" admin fedmetrics-admin system:masters &&
    pki_client_cert "$d" front-proxy-client front-proxy-client "" front-proxy-ca || return 1
  if ! [ -s "$d/sa.key" ] || ! [ -s "$d/sa.pub" ]; then
    openssl genrsa -out "$d/sa.key" 2048 2>/dev/null && chmod 600 "$d/sa.key" &&
      openssl rsa -in "$d/sa.key" -pubout -out "$d/sa.pub" 2>/dev/null || { echo "pki: sa key failed" >&2; return 1; }
  fi
  if ! [ -s "$d/tokens.csv" ]; then
    # token,user,uid,"group1,group2"
    {
      printf '%s,fedmetrics-admin,fedmetrics-admin,"system:masters"\n' "$(openssl rand -hex 16)"
      printf '%s,fedmetrics-load,fedmetrics-load,"system:masters"\n' "$(openssl rand -hex 16)"
      # Plain users for authorization tests (no groups: RBAC decides).
      printf '%s,alice,alice,"dev"\n' "$(openssl rand -hex 16)"
      printf '%s,bob,bob,"dev"\n' "$(openssl rand -hex 16)"
    } >"$d/tokens.csv" && chmod 600 "$d/tokens.csv"
  fi
}

# pki_token DIR USER -> the bearer token of USER from tokens.csv
pki_token() { awk -F, -v u="$2" '$2==u {print $1; exit}' "$1/tokens.csv"; }

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  [ $# -ge 1 ] || { echo "usage: $0 DIR [serving-cert-name [SAN...]]" >&2; exit 2; }
  dir=$1; shift
  pki_init "$dir"
  if [ $# -ge 1 ]; then pki_serving_cert "$dir" "$@"; fi
fi
