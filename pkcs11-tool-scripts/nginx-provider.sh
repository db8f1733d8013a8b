#!/bin/bash
# nginx-provider.sh: nginx serves TLS with its private key on the token through latchset's pkcs11-provider, no
# engine: the key is the provider's URI-PEM file (`-----BEGIN PKCS#11 PROVIDER URI-----`, made by `openssl pkey`
# with the provider's pkcs11-module-encode-provider-uri-to-pem), which OpenSSL's decoders hand to the provider.
# RSA (and, by argument, ECDSA) servers, `worker_processes 2` (the master loads the key, the forked workers sign),
# 20 parallel curl requests. nginx before 1.29.3 has no `store:` keys, hence the PEM file rather than the bare URI.
# Skips (77) where the provider is not installed (Debian 12). `--default-properties` adds `default_properties = ?provider=pkcs11`.
. "$(dirname "$0")/common.sh"
need nginx curl openssl pkcs11-tool
find_provider
NGINX=$(command -v nginx)
DEFAULT_PROPS=""
for a in "$@"; do [ "$a" != --default-properties ] || DEFAULT_PROPS="?provider=pkcs11"; done
setup
init_token
provider_conf "$TMP/openssl.cnf" "$DEFAULT_PROPS"
export OPENSSL_CONF=$TMP/openssl.cnf
step "provider $PROVIDER on $MODULE${DEFAULT_PROPS:+, default_properties = $DEFAULT_PROPS}"
mkdir -p "$TMP/www"
echo "served with a key on the token" >"$TMP/www/index.html"

# Key types: the arguments after the options (default rsa:2048). EC:prime256v1 fails in the workers until the module
# has its own OpenSSL context (issue 15 item 2): the module's SHA-256 for CKM_ECDSA_SHA256 is fetched in nginx's
# context, lands in pkcs11-provider and so back in the token ("Too many sessions open"); ctest runs it apart.
KEY_TYPES=()
for a in "$@"; do [[ "$a" == --* ]] || KEY_TYPES+=("$a"); done
[ ${#KEY_TYPES[@]} -gt 0 ] || KEY_TYPES=(rsa:2048)
for kt in "${KEY_TYPES[@]}"; do
  name=${kt%%:*}; id=$([ "$name" = rsa ] && echo 01 || echo 02)
  uri="pkcs11:token=$TOKEN_LABEL;object=$name-key;type=private"
  step "$kt: key on the token, its URI-PEM file and a certificate, all through the provider"
  keygen "$kt" "$id" "$name-key"
  timeout "$T" openssl pkey -in "$uri" -out "$TMP/$name-key.pem" || fail "$kt: writing the URI-PEM file"
  grep -q 'BEGIN PKCS#11 PROVIDER URI' "$TMP/$name-key.pem" ||
    { cat "$TMP/$name-key.pem" >&2; fail "$kt: openssl pkey wrote no PKCS#11 PROVIDER URI PEM"; }
  grep -q 'PRIVATE KEY' "$TMP/$name-key.pem" && fail "$kt: the private key left the token"
  timeout "$T" openssl req -new -x509 -days 2 -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost" \
    -key "$TMP/$name-key.pem" -out "$TMP/$name-cert.pem" || fail "$kt: openssl req -x509 with the URI-PEM key"

  step "$kt: nginx with worker_processes 2 and the URI-PEM key"
  PORT=$(free_port)
  nginx_conf "$name" "$PORT" "$TMP/$name-cert.pem" "$TMP/$name-key.pem"
  timeout "$T" "$NGINX" -t -p "$TMP/nginx" -e "$TMP/nginx/logs/$name-t.log" -c "$TMP/nginx/$name.conf" \
    >"$TMP/nginx-t.log" 2>&1 || {
    cat "$TMP/nginx-t.log" "$TMP/nginx/logs/$name-t.log" >&2 2>/dev/null
    fail "$kt: nginx -t refuses the configuration"
  }
  bg "$NGINX" -p "$TMP/nginx" -e "$TMP/nginx/logs/$name-error.log" -c "$TMP/nginx/$name.conf"
  wait_port "$PORT"

  step "$kt: 20 parallel requests"
  parallel_fetches "$kt" "$PORT" "$TMP/$name-cert.pem" "$TMP/nginx/logs/$name-error.log"
done
echo "PASS: nginx-provider${DEFAULT_PROPS:+ with default_properties = $DEFAULT_PROPS}"
