#!/bin/bash
# nss.sh: NSS with the token as an added PKCS#11 module: `modutil -create` a fresh database, `modutil -add` the
# module, `modutil -list` shows it, `certutil -K -h "<token label>"` lists the token's private keys after login
# (PIN from a password file). Then the faults: a wrong PIN and a module path typo.
. "$(dirname "$0")/common.sh"
need modutil certutil pkcs11-tool
setup
init_token
DB=sql:$TMP/nssdb
mkdir -p "$TMP/nssdb"
printf '%s\n' "$USER_PIN" >"$TMP/pin.txt"

step "RSA and ECDSA P-256 key pairs on the token"
keygen rsa:2048 01 nss-rsa-key
keygen EC:prime256v1 02 nss-ec-key

step "modutil -create a fresh NSS database and -add the module"
timeout "$T" modutil -create -dbdir "$DB" -force >"$TMP/modutil.log" 2>&1 ||
  { cat "$TMP/modutil.log" >&2; fail "modutil -create"; }
timeout "$T" modutil -add cf-pkcs11 -libfile "$MODULE" -dbdir "$DB" -force >>"$TMP/modutil.log" 2>&1 ||
  { cat "$TMP/modutil.log" >&2; fail "modutil -add"; }
timeout "$T" modutil -list cf-pkcs11 -dbdir "$DB" >"$TMP/list.txt" 2>&1 ||
  { cat "$TMP/list.txt" >&2; fail "modutil -list"; }
grep -q "Token Name: *$TOKEN_LABEL" "$TMP/list.txt" || { cat "$TMP/list.txt" >&2; fail "NSS does not see the token"; }

step "certutil -K -h \"$TOKEN_LABEL\" lists both keys"
timeout "$T" certutil -K -d "$DB" -h "$TOKEN_LABEL" -f "$TMP/pin.txt" >"$TMP/keys.txt" 2>&1 ||
  { cat "$TMP/keys.txt" >&2; fail "certutil -K"; }
cat "$TMP/keys.txt"
grep -q 'rsa .*nss-rsa-key' "$TMP/keys.txt" || fail "certutil -K does not list the RSA key"
grep -q 'ec .*nss-ec-key' "$TMP/keys.txt" || fail "certutil -K does not list the EC key"

step "fault: a wrong PIN is refused"
printf '999999\n' >"$TMP/bad-pin.txt"
expect_fail "certutil -K with a wrong PIN" timeout "$T" certutil -K -d "$DB" -h "$TOKEN_LABEL" \
  -f "$TMP/bad-pin.txt" >/dev/null 2>&1

step "fault: a module path typo is refused by modutil -add"
expect_fail "modutil -add with a mistyped path" timeout "$T" modutil -add cf-typo -libfile "$MODULE.typo" \
  -dbdir "$DB" -force >/dev/null 2>&1
echo "PASS: nss"
