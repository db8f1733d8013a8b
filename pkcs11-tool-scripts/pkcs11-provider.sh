#!/bin/bash
# pkcs11-provider.sh: OpenSSL 3 through the pkcs11-provider (latchset/openssl-projects) where it is installed:
# `openssl pkeyutl -sign` with a pkcs11: URI, verified with the public key the provider exports, and `openssl req`
# for a self-signed certificate. Debian 12 does not ship pkcs11-provider, so there the script says so and exits 77.
. "$(dirname "$0")/common.sh"
need openssl pkcs11-tool
PROV_DIR=$(openssl version -m | sed -n 's/^MODULESDIR: "\(.*\)"/\1/p')
PROV=$PROV_DIR/pkcs11.so
[ -f "$PROV" ] || skip "pkcs11-provider is not installed ($PROV absent; Debian 12 has no package for it)"
setup
init_token
# The provider reads its module and PIN from the OpenSSL configuration; the default provider stays for hashing.
printf '%s' "$USER_PIN" >"$TMP/pin.txt"
cat >"$TMP/openssl.cnf" <<EOF
openssl_conf = openssl_init
[openssl_init]
providers = provider_section
[provider_section]
default = default_section
pkcs11 = pkcs11_section
[default_section]
activate = 1
[pkcs11_section]
module = $PROV
pkcs11-module-path = $MODULE
pkcs11-module-token-pin = file:$TMP/pin.txt
activate = 1
EOF
export OPENSSL_CONF=$TMP/openssl.cnf
echo "signed through pkcs11-provider" >"$TMP/data"

for kt in rsa:2048 EC:prime256v1; do
  name=${kt%%:*}; id=$([ "$name" = rsa ] && echo 01 || echo 02)
  step "$kt: key on the token, signed through the provider, verified with the exported public key"
  keygen "$kt" "$id" "$name-key"
  export_pub "$id" "$TMP/$name-pub.pem"
  timeout "$T" openssl dgst -sha256 -sign "pkcs11:token=$TOKEN_LABEL;object=$name-key;type=private" \
    -out "$TMP/$name.sig" "$TMP/data" || fail "$kt: openssl dgst -sign through pkcs11-provider"
  env -u OPENSSL_CONF openssl dgst -sha256 -verify "$TMP/$name-pub.pem" -signature "$TMP/$name.sig" "$TMP/data" ||
    fail "$kt: signature made through the provider does not verify"

  step "$kt: openssl req -x509 with the key on the token"
  timeout "$T" openssl req -new -x509 -days 2 -subj "/CN=localhost" \
    -key "pkcs11:token=$TOKEN_LABEL;object=$name-key;type=private" -out "$TMP/$name-cert.pem" ||
    fail "$kt: openssl req -x509 through pkcs11-provider"
  env -u OPENSSL_CONF openssl verify -CAfile "$TMP/$name-cert.pem" "$TMP/$name-cert.pem" ||
    fail "$kt: self-signed certificate invalid"
done

step "fault: a missing object is refused"
expect_fail "missing key" timeout "$T" openssl dgst -sha256 \
  -sign "pkcs11:token=$TOKEN_LABEL;object=no-such-key;type=private" -out "$TMP/bad.sig" "$TMP/data" 2>/dev/null
echo "PASS: pkcs11-provider"
