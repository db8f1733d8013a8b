#!/bin/bash
# openssl-engine.sh: OpenSSL 3 through libp11's engine on the token, unmodified: `openssl dgst -sign` and a verify
# with the exported public key, a self-signed certificate and a CSR from `openssl req`, for RSA and ECDSA P-256.
# Then the faults a user meets: wrong PIN in the URI, a missing object, a module path typo; none may hang.
# Quirk: libp11 0.4.12 cannot enumerate a token that holds an EdDSA key, so there this token holds none; with a
# newer libp11 (Debian 13) an Ed25519 key sits beside the others.
. "$(dirname "$0")/common.sh"
need openssl pkcs11-tool
ENGINE=$ARCH_LIB/engines-3/pkcs11.so
[ -f "$ENGINE" ] || skip "libp11's engine ($ENGINE, package libengine-pkcs11-openssl) is not installed"
setup
init_token
engine_conf "$TMP/openssl.cnf"
export OPENSSL_CONF=$TMP/openssl.cnf
ossl() { timeout "$T" openssl "$@"; }
echo "data signed by a key that never leaves the token" >"$TMP/data"

# libp11 0.4.12 (Debian 12) finds no key at all on a token holding an EdDSA key; newer ones must work beside one.
libp11_version=$(dpkg-query -W -f='${Version}' libengine-pkcs11-openssl 2>/dev/null || true)
if [ -n "$libp11_version" ] && dpkg --compare-versions "$libp11_version" ge 0.4.13; then
  step "an Ed25519 key on the token beside the RSA and EC keys (libp11 $libp11_version)"
  keygen EC:edwards25519 09 eddsa-key
else
  strict_or_note "libp11's engine with an EdDSA key on the token (libp11 ${libp11_version:-?} cannot list such a token)"
fi

for kt in rsa:2048 EC:prime256v1; do
  name=${kt%%:*}; id=$([ "$name" = rsa ] && echo 01 || echo 02)
  step "$kt: key pair generated on the token"
  keygen "$kt" "$id" "$name-key"
  export_pub "$id" "$TMP/$name-pub.pem"

  step "$kt: openssl dgst -sha256 -sign with the engine, verify with the exported public key"
  ossl dgst -sha256 -engine pkcs11 -keyform engine -sign "$(uri "$name-key")" -out "$TMP/$name.sig" "$TMP/data" ||
    fail "$kt: openssl dgst -sign through the engine"
  ossl dgst -sha256 -verify "$TMP/$name-pub.pem" -signature "$TMP/$name.sig" "$TMP/data" ||
    fail "$kt: signature made on the token does not verify"

  step "$kt: openssl req -x509 self-signed certificate with the key on the token"
  ossl req -new -x509 -days 2 -subj "/CN=localhost" -sha256 -engine pkcs11 -keyform engine \
    -key "$(uri "$name-key")" -out "$TMP/$name-cert.pem" || fail "$kt: openssl req -x509"
  ossl verify -CAfile "$TMP/$name-cert.pem" "$TMP/$name-cert.pem" || fail "$kt: self-signed certificate invalid"
  [ "$(openssl x509 -in "$TMP/$name-cert.pem" -pubkey -noout)" = "$(cat "$TMP/$name-pub.pem")" ] ||
    fail "$kt: certificate does not carry the token's public key"

  step "$kt: openssl req CSR signed on the token"
  ossl req -new -subj "/CN=csr.example" -sha256 -engine pkcs11 -keyform engine -key "$(uri "$name-key")" \
    -out "$TMP/$name.csr" || fail "$kt: openssl req (CSR)"
  ossl req -in "$TMP/$name.csr" -verify -noout || fail "$kt: CSR self-signature does not verify"
done

# A key the framework's OS utility generated (a key_message entry, not a PKCS#11 keygen) signs through the engine
# too. With `-engine` OpenSSL makes libp11 the default RSA/EC method, which our key decoding must survive.
if [ -n "${CF_OSUTILITY:-}" ] && [[ "$MODULE" == *libcf-pkcs11* ]]; then
  for alg in rsa-2048 ecc-256; do
    step "cf-osutility $alg key: openssl dgst -sha256 -sign with the engine, verify with its public key"
    timeout "$T" "$CF_OSUTILITY" --generate-and-save-key --public-key-algorithm "$alg" --tag "os-$alg" \
      2>"$TMP/osu.log" || { cat "$TMP/osu.log" >&2; fail "cf-osutility --generate-and-save-key $alg"; }
    timeout "$T" "$CF_OSUTILITY" --get-item --tag "os-$alg" --output-format public-der --output-file "$TMP/os.der" \
      2>"$TMP/osu.log" || { cat "$TMP/osu.log" >&2; fail "cf-osutility --get-item os-$alg public-der"; }
    ossl dgst -sha256 -engine pkcs11 -keyform engine -sign "$(uri "os-$alg")" -out "$TMP/os.sig" "$TMP/data" ||
      fail "$alg key from cf-osutility: openssl dgst -sign through the engine"
    ossl dgst -sha256 -verify "$TMP/os.der" -keyform DER -signature "$TMP/os.sig" "$TMP/data" ||
      fail "$alg key from cf-osutility: signature does not verify"
  done
fi

step "fault: wrong PIN in the URI is refused, with a PIN/login error"
bad_uri="pkcs11:token=$TOKEN_LABEL;object=rsa-key;type=private?pin-value=999999"
expect_fail "wrong PIN" env CF_PKCS11_DEBUG=1 timeout "$T" openssl dgst -sha256 -engine pkcs11 -keyform engine \
  -sign "$bad_uri" -out "$TMP/bad.sig" "$TMP/data" 2>"$TMP/badpin.err"
grep -qiE 'PIN|login' "$TMP/badpin.err" || { cat "$TMP/badpin.err" >&2; fail "wrong PIN: no PIN/login error"; }
# Our module must also say why, in its own log line (stderr under CF_PKCS11_DEBUG).
if [[ "$MODULE" == *libcf-pkcs11* ]]; then
  grep -qE '^cf-pkcs11\[[0-9]+\] .*(PIN|CKR_PIN_INCORRECT)' "$TMP/badpin.err" ||
    { cat "$TMP/badpin.err" >&2; fail "wrong PIN: the module logged no reason"; }
fi

step "fault: a missing object is reported, not signed with another key"
expect_fail "missing object" ossl dgst -sha256 -engine pkcs11 -keyform engine -sign "$(uri no-such-key)" \
  -out "$TMP/bad.sig" "$TMP/data" 2>"$TMP/missing.err"

step "fault: a module path typo fails cleanly"
sed "s|^MODULE_PATH = .*|MODULE_PATH = ${MODULE}.typo|" "$TMP/openssl.cnf" >"$TMP/typo.cnf"
expect_fail "module typo" env OPENSSL_CONF="$TMP/typo.cnf" timeout "$T" openssl dgst -sha256 -engine pkcs11 \
  -keyform engine -sign "$(uri rsa-key)" -out "$TMP/bad.sig" "$TMP/data" 2>"$TMP/typo.err"
echo "PASS: openssl-engine"
