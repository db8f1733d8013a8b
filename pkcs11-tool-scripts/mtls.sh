#!/bin/bash
# mtls.sh: a mutually authenticated TLS channel between two attested VMs, each key and certificate on its own token.
# Two simulated platforms (alice, bob), each with its own platform key and measurement, are trusted by one policy;
# one cf-certifier on 127.0.0.1 serves it. Each token runs with `certification: CERTIFICATION_CACHED`: its first
# C_Login certifies its auth key, and the admission certificate is read back through PKCS#11. Then `openssl
# s_server` (alice) and `openssl s_client` (bob) sign with their tokens' auth keys through libp11's engine, with the
# policy certificate as the only trust anchor, both requiring and verifying the peer, and a line crosses. A third
# VM (mallory), certified under ANOTHER policy by another cf-certifier, is refused by the server as a client and by
# the client as a server. The tools are $CF_BUILD_DIR/tools/* (default ../build); exit 0 pass, 1 fail, 77 skip.
. "$(dirname "$0")/common.sh"
need openssl pkcs11-tool
ENGINE=$ARCH_LIB/engines-3/pkcs11.so
[ -f "$ENGINE" ] || skip "libp11's engine ($ENGINE, package libengine-pkcs11-openssl) is not installed"
TOOLS=$(readlink -f "${CF_BUILD_DIR:-$SCRIPT_DIR/../build}")/tools
for tool in cf-osutility cf-policy cf-certifier cf-attest; do
  [ -x "$TOOLS/$tool/$tool" ] || fail "$TOOLS/$tool/$tool is not built (set CF_BUILD_DIR or run scripts/build.sh)"
done
setup
engine_conf "$TMP/openssl.cnf"
. "$SCRIPT_DIR/attested_domains.sh"

# as VM CMD...: CMD with VM's token configuration (one token, certification cached) and the engine on our module.
as() { local vm=$1; shift; CF_PKCS11_CONF=$TMP/$vm.conf OPENSSL_CONF=$TMP/openssl.cnf "$@"; }

# certify VM POLICY: the token of VM, certified on its first C_Login against POLICY's service; its admission
# certificate read out through PKCS#11 into $TMP/VM.cert.pem and verified under POLICY's certificate.
certify() {
  local vm=$1 pol=$2
  printf 'tokens { label: "%s" directory: "%s" certification: CERTIFICATION_CACHED certifier_address: "127.0.0.1:%s"
  policy_certificate: "%s" pin_kdf_iterations: 1000 }\n' "$vm" "$TMP/$vm" "${PORT[$pol]}" "$TMP/$pol.pem" >"$TMP/$vm.conf"
  TOKEN_LABEL=$vm as "$vm" init_token
  as "$vm" p11 --token-label "$vm" --login --pin "$USER_PIN" --list-objects >"$TMP/$vm.objects" 2>&1 ||
    { cat "$TMP/$vm.objects" >&2; fail "$vm: C_Login (certification) failed"; }
  as "$vm" p11 --token-label "$vm" --read-object --type cert --label admission-certificate -o "$TMP/$vm.cert.der" \
    >/dev/null 2>&1 || fail "$vm: no admission certificate on the token after C_Login"
  openssl x509 -inform der -in "$TMP/$vm.cert.der" -out "$TMP/$vm.cert.pem" || fail "$vm: certificate is not X.509"
  timeout "$T" openssl verify -CAfile "$TMP/$pol.pem" "$TMP/$vm.cert.pem" >/dev/null ||
    fail "$vm: admission certificate does not verify under $pol"
  echo "   $vm: $(openssl x509 -in "$TMP/$vm.cert.pem" -noout -subject | cut -c1-64)... issued by $pol"
}

key_uri() { printf 'pkcs11:token=%s;object=auth-key;type=private?pin-value=%s' "$1" "$USER_PIN"; }

# serve VM POLICY: openssl s_server with VM's token, requiring a client certificate under POLICY; it answers each
# line reversed (-rev). Sets SERVER_PORT; its log is $TMP/VM.server.log.
serve() {
  SERVER_PORT=$(free_port)
  bg env CF_PKCS11_CONF="$TMP/$1.conf" OPENSSL_CONF="$TMP/openssl.cnf" openssl s_server -accept \
    "127.0.0.1:$SERVER_PORT" -engine pkcs11 -keyform engine -key "$(key_uri "$1")" -cert "$TMP/$1.cert.pem" \
    -CAfile "$TMP/$2.pem" -Verify 1 -verify_return_error -rev </dev/null >"$TMP/$1.server.log" 2>&1
  wait_port "$SERVER_PORT" 15
}

# connect VM POLICY [NO_CERT]: openssl s_client with VM's token (or no certificate), trusting only POLICY; sends
# one line and CLOSE. Output in $TMP/VM.client.out, messages in $TMP/VM.client.err; returns s_client's status.
connect() {
  local vm=$1 pol=$2 identity=()
  [ -n "${3:-}" ] || identity=(-engine pkcs11 -keyform engine -key "$(key_uri "$vm")" -cert "$TMP/$vm.cert.pem")
  printf 'hello from %s\nCLOSE\n' "$vm" | as "$vm" timeout "$T" openssl s_client -connect "127.0.0.1:$SERVER_PORT" \
    "${identity[@]}" -CAfile "$TMP/$pol.pem" -verify 1 -verify_return_error -ign_eof -quiet \
    >"$TMP/$vm.client.out" 2>"$TMP/$vm.client.err"
}
# reversed VM: what s_server -rev answers to VM's line.
reversed() {
  local line="hello from $1" out="" i
  for ((i = ${#line} - 1; i >= 0; i--)); do out+=${line:i:1}; done
  printf '%s' "$out"
}

step "two simulated platforms (alice, bob) trusted by policy_a, a third (mallory) by policy_b"
for vm in alice bob mallory; do platform "$vm"; done
[ "${MEASUREMENT[alice]}" != "${MEASUREMENT[bob]}" ] || fail "alice and bob report one measurement"
policy policy_a alice bob
policy policy_b mallory
echo "   cf-certifier policy_a on 127.0.0.1:${PORT[policy_a]} (measurements ${MEASUREMENT[alice]:0:12}..," \
  "${MEASUREMENT[bob]:0:12}..), policy_b on 127.0.0.1:${PORT[policy_b]} (${MEASUREMENT[mallory]:0:12}..)"

step "each token certifies on its first C_Login (certification cached); certificates read through PKCS#11"
certify alice policy_a
certify bob policy_a
certify mallory policy_b
[ "$(grep -c 'admitted' "$TMP/policy_a.certifier.log")" -eq 2 ] || fail "policy_a did not admit exactly alice and bob"
if timeout "$T" openssl verify -CAfile "$TMP/policy_a.pem" "$TMP/mallory.cert.pem" >/dev/null 2>&1; then
  fail "mallory's certificate verifies under policy_a"
fi

step "alice serves (s_server), bob connects (s_client): both present token keys, both verify under policy_a"
serve alice policy_a
connect bob policy_a || { cat "$TMP/bob.client.err" "$TMP/alice.server.log" >&2; fail "bob could not talk to alice"; }
grep -qxF "$(reversed bob)" "$TMP/bob.client.out" ||
  { cat "$TMP/bob.client.out" "$TMP/alice.server.log" >&2; fail "bob's line did not come back reversed"; }
grep -q "Peer certificate: .*Measured-${MEASUREMENT[bob]}" "$TMP/alice.server.log" ||
  { cat "$TMP/alice.server.log" >&2; fail "alice did not verify bob's admission certificate"; }
echo "   bob sent 'hello from bob', alice answered '$(reversed bob)' over TLS" \
  "($(sed -n 's/^Protocol version: //p' "$TMP/alice.server.log" | head -1), client certificate verified)"

step "alice refuses mallory (certified under policy_b) and a client with no certificate"
lines=$(wc -l <"$TMP/alice.server.log")
connect mallory policy_a
! grep -qxF "$(reversed mallory)" "$TMP/mallory.client.out" || fail "alice answered mallory"
tail -n +"$((lines + 1))" "$TMP/alice.server.log" | grep -q 'unable to get local issuer certificate' ||
  { cat "$TMP/alice.server.log" >&2; fail "alice's log does not show mallory's certificate refused"; }
connect anonymous policy_a no-cert
! grep -qxF "$(reversed anonymous)" "$TMP/anonymous.client.out" || fail "alice answered a client without certificate"
# alert NAME: the TLS alert NAME's client received, as OpenSSL names it.
alert() { grep -o 'alert [a-z ]*[a-z]' "$TMP/$1.client.err" | grep -v 'alert number' | head -1; }
echo "   refused: mallory ($(alert mallory)), a client without certificate ($(alert anonymous))"

step "bob refuses mallory as a server (its certificate is not under policy_a)"
serve mallory policy_b
if connect bob policy_a; then fail "bob completed a handshake with mallory"; fi
grep -q 'verify error' "$TMP/bob.client.err" || { cat "$TMP/bob.client.err" >&2; fail "bob did not say why"; }
! grep -q 'CONNECTION ESTABLISHED' "$TMP/mallory.server.log" || fail "mallory's server established a connection"
echo "   bob: $(grep -m1 'verify error' "$TMP/bob.client.err")"
echo "PASS: mtls"
