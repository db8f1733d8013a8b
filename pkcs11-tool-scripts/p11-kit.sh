#!/bin/bash
# p11-kit.sh: the token registered with p11-kit by a user module file (XDG_CONFIG_HOME/pkcs11/modules/cf.module)
# and then used with no module path at all: `p11-kit list-modules` shows it, pkcs11-tool signs through
# p11-kit-proxy.so, `p11tool --list-all --login` lists its keys, gnutls-serv serves TLS with a pkcs11: key URI and
# gnutls-cli fetches from it. Quirk: p11-kit 0.24 ignores user configuration in programs running as root, so as root
# this script re-runs itself as `nobody` (a system-wide registration is what `cmake --install` provides instead).
. "$(dirname "$0")/common.sh"
need p11-kit p11tool certtool gnutls-serv gnutls-cli pkcs11-tool openssl
PROXY=$ARCH_LIB/p11-kit-proxy.so
[ -f "$PROXY" ] || skip "p11-kit-proxy.so is not installed"
if [ "$(id -u)" -eq 0 ] && [ -z "${CF_E2E_DROPPED:-}" ]; then
  find_module
  command -v setpriv >/dev/null || skip "running as root and setpriv is absent: p11-kit would ignore the user config"
  # nobody's TMPDIR must be its own; a token dir given by the caller belongs to root, so make a fresh one.
  exec setpriv --reuid=65534 --regid=65534 --clear-groups env -u CF_PKCS11_TOKEN_DIR CF_E2E_DROPPED=1 \
    HOME=/nonexistent TMPDIR=/tmp MODULE="$MODULE" bash "$0" "$@"
fi
setup
init_token
export XDG_CONFIG_HOME=$TMP/config
mkdir -p "$XDG_CONFIG_HOME/pkcs11/modules"
printf '# cf-pkcs11 for this user only\nmodule: %s\ncritical: no\n' "$MODULE" \
  >"$XDG_CONFIG_HOME/pkcs11/modules/cf.module"
echo "signed through p11-kit-proxy" >"$TMP/data"

step "key pairs on the token (RSA for TLS and the proxy signature, ECDSA P-256 to be listed)"
keygen rsa:2048 01 tls-key
keygen EC:prime256v1 02 ec-key
export_pub 01 "$TMP/rsa-pub.pem"

step "p11-kit list-modules shows the module and its token"
timeout "$T" p11-kit list-modules >"$TMP/modules.txt" 2>"$TMP/modules.err" || fail "p11-kit list-modules"
# p11-kit 0.24 prints "cf: PATH"; 0.25 (Debian 13) prints "module: cf" with "path: PATH" on the next line.
{ grep -q "^cf: $MODULE" "$TMP/modules.txt" || grep -A1 -x "module: cf" "$TMP/modules.txt" | grep -q "path: $MODULE$"; } ||
  { cat "$TMP/modules.txt" "$TMP/modules.err" >&2; fail "module not listed"; }
grep -q "token: $TOKEN_LABEL" "$TMP/modules.txt" || { cat "$TMP/modules.txt" >&2; fail "token not listed"; }

step "the token's RFC 7512 URI names manufacturer, model and serial, and is the same on every listing"
timeout "$T" p11tool --list-token-urls >"$TMP/urls1.txt" 2>/dev/null || fail "p11tool --list-token-urls"
TOKEN_URI=$(grep "token=$TOKEN_LABEL" "$TMP/urls1.txt" | head -1)
for part in manufacturer= model= serial= token=; do
  [[ "$TOKEN_URI" =~ [:\;]${part}[^\;]+ ]] || fail "token URI '$TOKEN_URI' has no $part"
done
timeout "$T" p11tool --list-token-urls 2>/dev/null | grep -qxF "$TOKEN_URI" || fail "token URI changed between runs"

step "pkcs11-tool signs through p11-kit-proxy.so; openssl verifies"
timeout "$T" pkcs11-tool --module "$PROXY" --token-label "$TOKEN_LABEL" --login --pin "$USER_PIN" --sign \
  --mechanism SHA256-RSA-PKCS --id 01 -i "$TMP/data" -o "$TMP/data.sig" >"$TMP/sign.log" 2>&1 ||
  { cat "$TMP/sign.log" >&2; fail "signing through p11-kit-proxy"; }
openssl dgst -sha256 -verify "$TMP/rsa-pub.pem" -signature "$TMP/data.sig" "$TMP/data" ||
  fail "signature made through the proxy does not verify"

step "p11tool --list-all --login lists the token's private keys (PIN from GNUTLS_PIN)"
GNUTLS_PIN=$USER_PIN timeout "$T" p11tool --list-all --login "pkcs11:token=$TOKEN_LABEL" >"$TMP/p11tool.txt" \
  2>"$TMP/p11tool.err" || { cat "$TMP/p11tool.err" >&2; fail "p11tool --list-all --login"; }
for label in tls-key ec-key; do
  grep -q "object=$label;type=private" "$TMP/p11tool.txt" ||
    { cat "$TMP/p11tool.txt" >&2; fail "p11tool does not list private key $label"; }
done

step "certtool makes a self-signed certificate with the token key"
KEY_URI="pkcs11:token=$TOKEN_LABEL;object=tls-key;type=private"
printf 'cn = localhost\ndns_name = localhost\nexpiration_days = 2\ntls_www_server\nsigning_key\n' >"$TMP/cert.tmpl"
GNUTLS_PIN=$USER_PIN timeout "$T" certtool --generate-self-signed --load-privkey "$KEY_URI" \
  --load-pubkey "pkcs11:token=$TOKEN_LABEL;object=tls-key;type=public" --template "$TMP/cert.tmpl" \
  --outfile "$TMP/cert.pem" >"$TMP/certtool.log" 2>&1 || { cat "$TMP/certtool.log" >&2; fail "certtool"; }

step "gnutls-serv with the pkcs11: key URI; gnutls-cli fetches a page"
PORT=$(free_port)
GNUTLS_PIN=$USER_PIN bg gnutls-serv --http --port "$PORT" --x509certfile "$TMP/cert.pem" \
  --x509keyfile "$KEY_URI;pin-value=$USER_PIN" >"$TMP/serv.log" 2>&1
wait_port "$PORT" 15
# gnutls-cli closes at end of input, so keep stdin open until the answer can have arrived.
(printf 'GET / HTTP/1.0\r\n\r\n'; sleep 2) | timeout "$T" gnutls-cli --x509cafile "$TMP/cert.pem" --port "$PORT" \
  --verify-hostname localhost 127.0.0.1 >"$TMP/cli.txt" 2>&1 || true
grep -q 'HTTP/1.0 200 OK' "$TMP/cli.txt" || { cat "$TMP/cli.txt" "$TMP/serv.log" >&2; fail "gnutls-cli got no page"; }

step "fault: a wrong PIN makes p11tool --login fail, without hanging"
expect_fail "p11tool with a wrong PIN" env GNUTLS_PIN=999999 timeout "$T" p11tool --list-privkeys --login \
  "pkcs11:token=$TOKEN_LABEL" >/dev/null 2>&1

step "fault: a missing object is refused by certtool"
expect_fail "missing key" env GNUTLS_PIN="$USER_PIN" timeout "$T" certtool --generate-self-signed \
  --load-privkey "pkcs11:token=$TOKEN_LABEL;object=no-such-key;type=private" --template "$TMP/cert.tmpl" \
  --outfile "$TMP/bad.pem" >/dev/null 2>&1

step "fault: a module path typo: skipped when not critical, an error when critical; no hang either way"
printf 'module: %s.typo\ncritical: no\n' "$MODULE" >"$XDG_CONFIG_HOME/pkcs11/modules/cf.module"
timeout "$T" p11-kit list-modules >"$TMP/modules2.txt" 2>&1
[ $? -ne 124 ] || fail "p11-kit list-modules hung on a mistyped module path"
! grep -q "^cf: " "$TMP/modules2.txt" || fail "module listed through a mistyped module path"
printf 'module: %s.typo\ncritical: yes\n' "$MODULE" >"$XDG_CONFIG_HOME/pkcs11/modules/cf.module"
expect_fail "critical module with a mistyped path" timeout "$T" p11-kit list-modules >/dev/null 2>&1
echo "PASS: p11-kit"
