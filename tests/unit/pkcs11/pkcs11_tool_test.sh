#!/usr/bin/env bash
# OpenSC pkcs11-tool against our module on a fresh token: init-token, init-pin, RSA, P-256 and P-521 key pairs, --test
# --login, then sign / verify with OpenSSL / read-object. Fails when pkcs11-tool reports an error or a step fails.
# Usage: pkcs11_tool_test.sh <path to libcf-pkcs11.so>
set -euo pipefail
module="$1"
work="$(mktemp -d /tmp/cf-p11tool-XXXXXX)"
trap 'rm -rf "$work"' EXIT
export CF_PKCS11_TOKEN_DIR="$work/token"
unset CF_PKCS11_CONF
log="$work/log"
p11() { pkcs11-tool --module "$module" "$@" >>"$log" 2>&1 || { echo "FAILED: pkcs11-tool $*"; cat "$log"; exit 1; }; }

p11 --init-token --label cf-unit --so-pin 12345678
p11 --init-pin --login --so-pin 12345678 --pin 1234
p11 --login --pin 1234 --keypairgen --key-type rsa:2048 --id 01 --label rsa-key
p11 --login --pin 1234 --keypairgen --key-type EC:prime256v1 --id 02 --label ec-key

# --test ends with "No errors" only when every check passed ("<n> errors" otherwise).
pkcs11-tool --module "$module" --login --pin 1234 --test >"$work/test.out" 2>&1 || true
cat "$work/test.out" >>"$log"
if [ "$(tail -n 1 "$work/test.out")" != "No errors" ]; then
  echo "FAILED: pkcs11-tool --test"; cat "$work/test.out"; exit 1
fi

# Sign with each key and check the signature with OpenSSL against the public key read back from the token.
printf 'cf-pkcs11 pkcs11-tool test' >"$work/data"
p11 --login --pin 1234 --sign --id 01 -m SHA256-RSA-PKCS --input-file "$work/data" --output-file "$work/rsa.sig"
p11 --read-object --type pubkey --id 01 --output-file "$work/rsa.pub.der"
openssl dgst -sha256 -verify "$work/rsa.pub.der" -keyform DER -signature "$work/rsa.sig" "$work/data" >>"$log" 2>&1 \
  || { echo "FAILED: RSA signature does not verify with OpenSSL"; cat "$log"; exit 1; }
p11 --login --pin 1234 --sign --id 02 -m ECDSA-SHA256 --signature-format openssl --input-file "$work/data" \
  --output-file "$work/ec.sig"
p11 --read-object --type pubkey --id 02 --output-file "$work/ec.pub.der"
openssl dgst -sha256 -verify "$work/ec.pub.der" -keyform DER -signature "$work/ec.sig" "$work/data" >>"$log" 2>&1 \
  || { echo "FAILED: ECDSA signature does not verify with OpenSSL"; cat "$log"; exit 1; }

# P-521: its 133-byte public point needs DER's long length form (04 81 85) in CKA_EC_POINT; pkcs11-tool refused
# the short form earlier versions wrote ("cannot obtain and parse EC_POINT").
p11 --login --pin 1234 --keypairgen --key-type EC:secp521r1 --id 03 --label p521-key
p11 --login --pin 1234 --sign --id 03 -m ECDSA-SHA256 --signature-format openssl --input-file "$work/data" \
  --output-file "$work/p521.sig"
p11 --read-object --type pubkey --id 03 --output-file "$work/p521.pub.der"
openssl dgst -sha256 -verify "$work/p521.pub.der" -keyform DER -signature "$work/p521.sig" "$work/data" \
  >>"$log" 2>&1 || { echo "FAILED: P-521 ECDSA signature does not verify with OpenSSL"; cat "$log"; exit 1; }

# The private keys stay inside: nothing may come out when asked for one (pkcs11-tool exits 0 either way).
pkcs11-tool --module "$module" --login --pin 1234 --read-object --type privkey --id 01 \
  --output-file "$work/leak" >>"$log" 2>&1 || true
if [ -s "$work/leak" ]; then
  echo "FAILED: a private key was read out of the token"; exit 1
fi

# Objects listed with the usages their key types allow (EC public keys never "encrypt").
pkcs11-tool --module "$module" --login --pin 1234 --list-objects >"$work/objects" 2>&1
if awk '/Public Key Object; EC/{ec=1} ec && /Usage/{print; ec=0}' "$work/objects" | grep -q encrypt; then
  echo "FAILED: an EC public key claims encrypt usage"; cat "$work/objects"; exit 1
fi
echo "pkcs11-tool: init, keygen, --test, sign+verify, read-object passed"
