#!/bin/bash
# pkcs11-provider.sh: OpenSSL 3 through latchset's pkcs11-provider on the token, unmodified: for RSA 2048, ECDSA
# P-256 and P-521 keys generated on the token, `openssl dgst`/`pkeyutl` signing (RSA PKCS#1 and PSS too), RSA OAEP
# decryption, `openssl req -x509`, each checked with the public key the provider exports and plain OpenSSL; then
# `s_server` with the key on the token and `s_client` over TLS 1.3 and 1.2. The provider is found wherever the
# distribution installs it (find_provider in common.sh) and loaded by path; Debian 12 has none, so there it skips.
# `--default-properties` runs the same with `default_properties = ?provider=pkcs11`, the provider's setting that
# sends every key operation of the application to the token; `--block-digests` adds the provider's
# `pkcs11-module-block-operations = digest`, which keeps hashing in OpenSSL's default provider.
. "$(dirname "$0")/common.sh"
need openssl pkcs11-tool
find_provider
DEFAULT_PROPS=""
EXTRA_CONF=""
for a in "$@"; do
  case $a in
    --default-properties) DEFAULT_PROPS="?provider=pkcs11" ;;
    --block-digests) EXTRA_CONF="pkcs11-module-block-operations = digest" ;;
  esac
done
setup
init_token
provider_conf "$TMP/openssl.cnf" "$DEFAULT_PROPS" "$EXTRA_CONF"
export OPENSSL_CONF=$TMP/openssl.cnf
step "provider $PROVIDER on $MODULE${DEFAULT_PROPS:+, default_properties = $DEFAULT_PROPS}${EXTRA_CONF:+, $EXTRA_CONF}"
ossl() { timeout "$T" openssl "$@"; }
plain() { env -u OPENSSL_CONF timeout "$T" openssl "$@"; }  # OpenSSL without the provider: the independent check
key_uri() { printf 'pkcs11:token=%s;object=%s;type=%s' "$TOKEN_LABEL" "$1" "${2:-private}"; }
echo "signed through pkcs11-provider" >"$TMP/data"

for kt in rsa:2048 EC:prime256v1 EC:secp521r1; do
  name=${kt#*:}
  case $kt in rsa:*) id=01 ;; *prime256v1) id=02 ;; *) id=03 ;; esac
  step "$kt: key pair on the token; the provider exports its public key"
  keygen "$kt" "$id" "$name"
  ossl pkey -pubin -in "$(key_uri "$name" public)" -pubout -out "$TMP/$name-pub.pem" ||
    fail "$kt: exporting the public key through the provider"
  plain pkey -pubin -in "$TMP/$name-pub.pem" -noout || fail "$kt: exported public key does not parse"

  step "$kt: openssl dgst -sign and pkeyutl -sign through the provider, verified without it"
  ossl dgst -sha256 -sign "$(key_uri "$name")" -out "$TMP/$name.sig" "$TMP/data" || fail "$kt: openssl dgst -sign"
  plain dgst -sha256 -verify "$TMP/$name-pub.pem" -signature "$TMP/$name.sig" "$TMP/data" ||
    fail "$kt: dgst signature does not verify"
  ossl pkeyutl -sign -rawin -digest sha256 -inkey "$(key_uri "$name")" -in "$TMP/data" -out "$TMP/$name.pk.sig" ||
    fail "$kt: openssl pkeyutl -sign"
  plain pkeyutl -verify -rawin -digest sha256 -pubin -inkey "$TMP/$name-pub.pem" -in "$TMP/data" \
    -sigfile "$TMP/$name.pk.sig" || fail "$kt: pkeyutl signature does not verify"

  if [ "$name" = 2048 ]; then
    step "$kt: RSA-PSS signature and OAEP decryption through the provider"
    ossl dgst -sha256 -sign "$(key_uri "$name")" -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 \
      -out "$TMP/pss.sig" "$TMP/data" || fail "RSA-PSS sign"
    plain dgst -sha256 -verify "$TMP/$name-pub.pem" -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 \
      -signature "$TMP/pss.sig" "$TMP/data" || fail "RSA-PSS signature does not verify"
    plain pkeyutl -encrypt -pubin -inkey "$TMP/$name-pub.pem" -pkeyopt rsa_padding_mode:oaep \
      -pkeyopt rsa_oaep_md:sha256 -in "$TMP/data" -out "$TMP/oaep.bin" || fail "OAEP encryption"
    # pkcs11-provider 1.0 (Debian 13) sends mgf 0, which is no CKG_MGF1_* (the module refuses it with
    # CKR_MECHANISM_PARAM_INVALID), unless the MGF1 digest is named.
    ossl pkeyutl -decrypt -inkey "$(key_uri "$name")" -pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256 \
      -pkeyopt rsa_mgf1_md:sha256 -in "$TMP/oaep.bin" -out "$TMP/oaep.out" || fail "OAEP decryption, provider"
    cmp -s "$TMP/data" "$TMP/oaep.out" || fail "OAEP decryption returned other bytes"
  fi

  step "$kt: openssl req -x509 with the key on the token"
  ossl req -new -x509 -days 2 -subj "/CN=localhost" -key "$(key_uri "$name")" -out "$TMP/$name-cert.pem" ||
    fail "$kt: openssl req -x509"
  plain verify -CAfile "$TMP/$name-cert.pem" "$TMP/$name-cert.pem" >/dev/null || fail "$kt: certificate invalid"
done

# s_server holds the key on the token; s_client (plain OpenSSL) checks the chain and fetches s_server's page.
for kt_tls in 2048:-tls1_3 2048:-tls1_2 prime256v1:-tls1_3 prime256v1:-tls1_2; do
  name=${kt_tls%%:*} tls=${kt_tls#*:}
  step "s_server with the $name key on the token, s_client $tls"
  port=$(free_port)
  # -naccept 2: wait_port's probe is the first connection, s_client the second.
  bg timeout 60 openssl s_server -accept "127.0.0.1:$port" -cert "$TMP/$name-cert.pem" -key "$(key_uri "$name")" \
    -www -naccept 2 >"$TMP/s_server.log" 2>&1
  wait_port "$port"
  printf 'GET / HTTP/1.0\r\n\r\n' | plain s_client -connect "127.0.0.1:$port" "$tls" -CAfile "$TMP/$name-cert.pem" \
    -verify_return_error -servername localhost -quiet >"$TMP/s_client.out" 2>"$TMP/s_client.err" ||
    { cat "$TMP/s_client.err" "$TMP/s_server.log" >&2; fail "s_client $tls to s_server with the $name key"; }
  grep -q '200 ok' "$TMP/s_client.out" || { cat "$TMP/s_client.out" >&2; fail "no page from s_server ($tls)"; }
done

step "fault: a missing object is refused, and fast"
expect_fail "missing key" timeout "$T" openssl dgst -sha256 -sign "$(key_uri no-such-key)" -out "$TMP/bad.sig" \
  "$TMP/data" 2>/dev/null
echo "PASS: pkcs11-provider${DEFAULT_PROPS:+ with default_properties = $DEFAULT_PROPS}"
