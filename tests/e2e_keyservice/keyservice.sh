#!/bin/bash
# keyservice.sh: the key service end to end with real processes on 127.0.0.1. Three simulated VMs: alice (the key
# server) and bob (a client) certified under policy_a by one cf-certifier, mallory under policy_b by another; each
# certified with cf-osutility --init-trust. bob retrieves alice's exportable key into his store and his token shows
# it (pkcs11-tool); alice refuses a non-exportable and a missing entry; bob stores an entry on alice; mallory is
# refused at the handshake both ways; non-TLS bytes and a stalled client do not stop the server; 8 clients x 50
# requests at once all succeed; SIGTERM stops the server cleanly. TOOLS: $CF_BUILD_DIR/tools. Exit 0 / 1 / 77 skip.
SCRIPT_DIR=$(cd "$(dirname "$0")/../../pkcs11-tool-scripts" && pwd)
. "$SCRIPT_DIR/common.sh"
need pkcs11-tool
TOOLS=$(readlink -f "${CF_BUILD_DIR:-$SCRIPT_DIR/../build}")/tools
for tool in cf-osutility cf-policy cf-certifier cf-attest cf-key-server cf-key-client; do
  [ -x "$TOOLS/$tool/$tool" ] || fail "$TOOLS/$tool/$tool is not built (set CF_BUILD_DIR)"
done
setup
. "$SCRIPT_DIR/attested_domains.sh"
CLIENTS=${KEYSVC_CLIENTS:-8}
REQUESTS=${KEYSVC_REQUESTS:-50}

# certify VM POLICY: the VM's store certified by POLICY's cf-certifier (auth key, admission certificate, policy cert).
certify() {
  run_tool cf-osutility --token-dir "$TMP/$1" --init-trust --certifier-address "127.0.0.1:${PORT[$2]}" \
    --policy-cert-file "$TMP/$2.pem" >"$TMP/$1.certify.log" 2>&1 ||
    { cat "$TMP/$1.certify.log" >&2; fail "$1: certification under $2"; }
}
osu() { local vm=$1; shift; run_tool cf-osutility --token-dir "$TMP/$vm" "$@"; }
# serve VM: cf-key-server on VM's token, any free port (SERVER_PORT); its log is $TMP/VM.keyserver.log.
serve() {
  local port=""
  bg "$TOOLS/cf-key-server/cf-key-server" --token-dir "$TMP/$1" --port 0 --deadline-ms 2000 \
    --log-file "$TMP/$1.keyserver.log"
  SERVER_PID=${STARTED_PIDS[-1]}
  for _ in $(seq 1 100); do
    port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$TMP/$1.keyserver.log" 2>/dev/null)
    [ -n "$port" ] && break
    sleep 0.1
  done
  [ -n "$port" ] || { cat "$TMP/$1.keyserver.log" >&2; fail "cf-key-server on $1 did not start"; }
  SERVER_PORT=$port
}
# client VM ARGS...: cf-key-client of VM against the server; output in $TMP/VM.client.{out,err}; returns its code.
client() {
  local vm=$1
  shift
  run_tool cf-key-client --token-dir "$TMP/$vm" --key-server-url 127.0.0.1 --key-server-port "$SERVER_PORT" "$@" \
    >"$TMP/$vm.client.out" 2>"$TMP/$vm.client.err"
}
# refused VM WHY ARGS...: the client must exit 2 (refused) and say WHY on stderr.
refused() {
  local vm=$1 why=$2 rc
  shift 2
  client "$vm" "$@"
  rc=$?
  [ "$rc" -eq 2 ] || { cat "$TMP/$vm.client.err" >&2; fail "$vm $*: exit $rc, expected 2 (refused)"; }
  grep -q "$why" "$TMP/$vm.client.err" || { cat "$TMP/$vm.client.err" >&2; fail "$vm $*: no '$why' in the reason"; }
}
served() { grep -c "$1" "$TMP/alice.keyserver.log"; }

step "alice and bob certified under policy_a, mallory under policy_b (real cf-certifier processes)"
for vm in alice bob mallory; do platform "$vm"; done
policy policy_a alice bob
policy policy_b mallory
certify alice policy_a
certify bob policy_a
certify mallory policy_b
osu alice --generate-and-save-key --symmetric-algorithm aes-256-gcm --tag shared-key --exportable >/dev/null ||
  fail "alice: exportable key"
head -c 32 /dev/urandom >"$TMP/local.bin"
osu alice --put-item "$TMP/local.bin" --tag local-secret --type binary-blob >/dev/null ||
  fail "alice: non-exportable secret"

step "alice serves; bob retrieves alice's exportable key into his own store"
serve alice
ALICE_PID=$SERVER_PID
client bob --action retrieve --resource-name shared-key ||
  { cat "$TMP/bob.client.err" "$TMP/alice.keyserver.log" >&2; fail "bob could not retrieve shared-key"; }
cat "$TMP/bob.client.out"
osu alice --get-item --tag shared-key --output-format key-message-serialized-protobuf --output-file "$TMP/a.key" \
  >/dev/null 2>&1 || fail "alice: reading shared-key"
osu bob --get-item --tag shared-key --output-format key-message-serialized-protobuf --output-file "$TMP/b.key" \
  >/dev/null 2>&1 || fail "bob: shared-key is not in his store"
cmp -s "$TMP/a.key" "$TMP/b.key" || fail "bob's shared-key differs from alice's"
grep -q "measurement ${MEASUREMENT[bob]} retrieve 'shared-key': released version 1" "$TMP/alice.keyserver.log" ||
  { cat "$TMP/alice.keyserver.log" >&2; fail "alice's log has no line naming bob's measurement and the release"; }

step "bob's token shows the retrieved key as a PKCS#11 object (pkcs11-tool, CF_PKCS11_TOKEN_DIR)"
CF_PKCS11_TOKEN_DIR=$TMP/bob TOKEN_LABEL=bob init_token
CF_PKCS11_TOKEN_DIR=$TMP/bob p11 --token-label bob --login --pin "$USER_PIN" --list-objects >"$TMP/bob.objects" 2>&1 ||
  { cat "$TMP/bob.objects" >&2; fail "pkcs11-tool --list-objects on bob's token"; }
grep -A3 "label: *shared-key" "$TMP/bob.objects" | grep -q "Secret Key\|AES" ||
  grep -B3 "label: *shared-key" "$TMP/bob.objects" | grep -q "Secret Key" ||
  { cat "$TMP/bob.objects" >&2; fail "bob's token does not list shared-key as a secret key"; }
echo "   $(grep -B1 'label: *shared-key' "$TMP/bob.objects" | head -1)"

step "refused with a reason, server still serving: a non-exportable entry, a missing one"
refused bob "not exportable" --action retrieve --resource-name local-secret
refused bob "NOT_FOUND" --action retrieve --resource-name no-such-entry
refused bob "certification entries" --action store --resource-name admission-certificate --input-format raw \
  --input-file "$TMP/local.bin"
[ "$(served "refused: PERMISSION_DENIED: entry 'local-secret'")" -eq 1 ] || fail "alice did not log the refusal"

step "bob stores an exportable entry on alice (next version); a non-exportable one never leaves bob"
printf 'configuration for the domain' >"$TMP/config.txt"
osu bob --put-item "$TMP/config.txt" --tag domain-config --type binary-blob --exportable >/dev/null ||
  fail "bob: domain-config"
client bob --action store --resource-name domain-config || { cat "$TMP/bob.client.err" >&2; fail "bob store"; }
client bob --action store --resource-name domain-config || { cat "$TMP/bob.client.err" >&2; fail "bob store again"; }
grep -q "as version 2" "$TMP/bob.client.out" || { cat "$TMP/bob.client.out" >&2; fail "second store is not version 2"; }
osu alice --get-item --tag domain-config --output-format raw --output-file "$TMP/config.back" >/dev/null 2>&1 ||
  fail "alice: domain-config not stored"
cmp -s "$TMP/config.txt" "$TMP/config.back" || fail "alice's domain-config differs from bob's"
osu bob --put-item "$TMP/local.bin" --tag bob-private --type binary-blob >/dev/null || fail "bob: bob-private"
refused bob "not exportable" --action store --resource-name bob-private
! osu alice --get-item --tag bob-private --output-format raw --output-file /dev/null >/dev/null 2>&1 ||
  fail "bob's non-exportable entry reached alice"

step "another policy domain is refused at the handshake, both ways"
# mallory's client refuses alice (not under policy_b) before it sends its own certificate; alice logs the alert.
lines=$(wc -l <"$TMP/alice.keyserver.log")
refused mallory "not issued under this domain's policy certificate" --action retrieve --resource-name shared-key
tail -n +"$((lines + 1))" "$TMP/alice.keyserver.log" | grep -q "refused: handshake: .*alert" ||
  { cat "$TMP/alice.keyserver.log" >&2; fail "alice's log does not show the refused handshake"; }
# Trusting policy_a's certificate instead does not help mallory: his own certificate is not under it.
client mallory --policy-cert-file "$TMP/policy_a.pem" --action retrieve --resource-name shared-key
grep -q "own admission certificate not issued under this domain's policy certificate" "$TMP/mallory.client.err" ||
  { cat "$TMP/mallory.client.err" >&2; fail "mallory under policy_a: no reason given"; }
ALICE_PORT=$SERVER_PORT
serve mallory
refused bob "not issued under this domain's policy certificate" --action retrieve --resource-name shared-key
SERVER_PORT=$ALICE_PORT

step "bytes that are not TLS, and a client that stalls, cost a connection each; alice keeps serving"
printf 'GET / HTTP/1.0\r\n\r\n' | timeout 5 bash -c "cat > /dev/tcp/127.0.0.1/$SERVER_PORT" 2>/dev/null
exec 7<>"/dev/tcp/127.0.0.1/$SERVER_PORT"  # opens, sends nothing
client bob --action retrieve --resource-name shared-key || fail "alice stopped serving during a stalled client"
sleep 2.5
exec 7>&-
grep -q "refused: handshake: deadline passed" "$TMP/alice.keyserver.log" ||
  { cat "$TMP/alice.keyserver.log" >&2; fail "the stalled client was not refused at the deadline"; }

step "$CLIENTS clients x $REQUESTS requests at once"
before=$(served "released version")
LOAD_PIDS=()
start=$(date +%s.%N)
for c in $(seq 1 "$CLIENTS"); do
  (for _ in $(seq 1 "$REQUESTS"); do
    timeout "$T" "$TOOLS/cf-key-client/cf-key-client" --token-dir "$TMP/bob" --key-server-url 127.0.0.1 \
      --key-server-port "$SERVER_PORT" --resource-name shared-key --action retrieve >/dev/null 2>>"$TMP/load.$c.err" &&
      echo ok
  done) >"$TMP/load.$c.out" &
  LOAD_PIDS+=($!)
done
wait "${LOAD_PIDS[@]}"  # not a bare wait: the servers we started are children too
seconds=$(echo "$(date +%s.%N) - $start" | bc)
ok=$(cat "$TMP"/load.*.out | grep -c ok)
released=$(($(served "released version") - before))
[ "$ok" -eq $((CLIENTS * REQUESTS)) ] || { cat "$TMP"/load.*.err | head >&2; fail "$ok of $((CLIENTS * REQUESTS)) ok"; }
[ "$released" -eq $((CLIENTS * REQUESTS)) ] || fail "the server logged $released releases"
echo "   $ok requests in ${seconds}s ($(echo "$ok / $seconds" | bc) per second, each a new process, store and handshake)"

step "SIGTERM stops the server cleanly"
kill -TERM "$ALICE_PID"
for _ in $(seq 1 50); do kill -0 "$ALICE_PID" 2>/dev/null || break; sleep 0.1; done
! kill -0 "$ALICE_PID" 2>/dev/null || fail "cf-key-server still running 5 s after SIGTERM"
wait "$ALICE_PID" || fail "cf-key-server exited non-zero on SIGTERM"
grep -q "stopped on SIGTERM" "$TMP/alice.keyserver.log" || fail "no clean-stop line in alice's log"
tail -1 "$TMP/alice.keyserver.log"
echo "PASS"
