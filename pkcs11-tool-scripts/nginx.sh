#!/bin/bash
# nginx.sh: nginx serves TLS with its private key on the token through libp11's engine
# (`ssl_certificate_key engine:pkcs11:<pkcs11 URI>`), RSA and ECDSA servers, `worker_processes 2`: the master loads
# the key, then forks the workers that sign, so the module is used across fork. 50 sequential and 20 parallel curl
# requests must all succeed. Quirks: the engine needs MODULE_PATH from an OpenSSL config (libp11 defaults to
# p11-kit-proxy), and nginx clears the workers' environment, so `env` keeps CF_PKCS11_TOKEN_DIR and OPENSSL_CONF.
. "$(dirname "$0")/common.sh"
need nginx curl openssl pkcs11-tool
ENGINE=$ARCH_LIB/engines-3/pkcs11.so
[ -f "$ENGINE" ] || skip "libp11's engine ($ENGINE, package libengine-pkcs11-openssl) is not installed"
NGINX=$(command -v nginx)
setup
init_token
engine_conf "$TMP/openssl.cnf"
export OPENSSL_CONF=$TMP/openssl.cnf
mkdir -p "$TMP/www"
echo "served with a key on the token" >"$TMP/www/index.html"

for kt in rsa:2048 EC:prime256v1; do
  name=${kt%%:*}; id=$([ "$name" = rsa ] && echo 01 || echo 02)
  step "$kt: key on the token and a certificate for it from openssl req via the engine"
  keygen "$kt" "$id" "$name-key"
  timeout "$T" openssl req -new -x509 -days 2 -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost" \
    -sha256 -engine pkcs11 -keyform engine -key "$(uri "$name-key")" -out "$TMP/$name-cert.pem" 2>/dev/null ||
    fail "$kt: openssl req -x509 through the engine"

  step "$kt: nginx with worker_processes 2 and the key on the token"
  PORT=$(free_port)
  nginx_conf "$name" "$PORT" "$TMP/$name-cert.pem" "$(uri "$name-key")"
  timeout "$T" "$NGINX" -t -p "$TMP/nginx" -e "$TMP/nginx/logs/$name-t.log" -c "$TMP/nginx/$name.conf" \
    >"$TMP/nginx-t.log" 2>&1 || { cat "$TMP/nginx-t.log" >&2; fail "$kt: nginx -t refuses the configuration"; }
  bg "$NGINX" -p "$TMP/nginx" -e "$TMP/nginx/logs/$name-error.log" -c "$TMP/nginx/$name.conf"
  wait_port "$PORT"

  step "$kt: 50 sequential requests"
  for i in $(seq 1 50); do
    fetch "$PORT" "$TMP/$name-cert.pem" ||
      { cat "$TMP/nginx/logs/$name-error.log" >&2; fail "$kt: sequential request $i failed"; }
  done

  step "$kt: 20 parallel requests"
  parallel_fetches "$kt" "$PORT" "$TMP/$name-cert.pem" "$TMP/nginx/logs/$name-error.log"
done

step "fault: nginx -t refuses a key URI with a wrong PIN, without hanging"
sed "s|pin-value=$USER_PIN|pin-value=999999|" "$TMP/nginx/rsa.conf" >"$TMP/nginx/badpin.conf"
expect_fail "nginx with a wrong PIN" timeout "$T" "$NGINX" -t -p "$TMP/nginx" -e "$TMP/nginx/logs/bad.log" \
  -c "$TMP/nginx/badpin.conf" >/dev/null 2>&1
echo "PASS: nginx"
