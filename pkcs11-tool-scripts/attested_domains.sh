# shellcheck shell=bash
# attested_domains.sh: sourced after common.sh by recipes with several attested VMs on one machine (mtls.sh, the key
# service test). Owns making simulated platforms and policy domains served by real cf-certifier processes on
# 127.0.0.1; it certifies nothing itself. Needs TOOLS (the directory holding cf-osutility/, cf-policy/, ...).

# shellcheck disable=SC2034  # both are read by the recipes that source this file
declare -A MEASUREMENT PORT  # per VM; per policy (its cf-certifier)
run_tool() { local t=$1; shift; timeout "$T" "$TOOLS/$t/$t" "$@"; }

# platform VM: a simulated platform of its own (random platform key and measurement) in $TMP/VM.
platform() {
  run_tool cf-osutility --token-dir "$TMP/$1" --init-trust --enclave-type simulated-enclave 2>"$TMP/$1.osu.log" ||
    { cat "$TMP/$1.osu.log" >&2; fail "cf-osutility --init-trust for $1"; }
  run_tool cf-attest platform-key --platform-dir "$TMP/$1/platform" --out "$TMP/$1.platform_key.bin" 2>/dev/null ||
    fail "cf-attest platform-key for $1"
  MEASUREMENT[$1]=$(sed -n 's/.*measurement \([0-9a-f]\{64\}\).*/\1/p' "$TMP/$1.osu.log")
  [ -n "${MEASUREMENT[$1]}" ] || fail "cf-osutility did not report $1's measurement"
}

# policy NAME VM...: a policy key and certificate ($TMP/NAME.pem) trusting exactly these VMs, served by a fresh
# cf-certifier listening on PORT[NAME].
policy() {
  local name=$1 vm port=""
  shift
  run_tool cf-policy make-key --key-out "$TMP/$name.key.bin" --cert-out "$TMP/$name.pem" --domain "$name" \
    2>/dev/null || fail "cf-policy make-key $name"
  : >"$TMP/$name.txt"
  for vm in "$@"; do
    printf 'trust-platform-key %s\ntrust-measurement %s\n' "$TMP/$vm.platform_key.bin" "${MEASUREMENT[$vm]}" \
      >>"$TMP/$name.txt"
  done
  echo "admission-validity-days 1" >>"$TMP/$name.txt"
  run_tool cf-policy compile --in "$TMP/$name.txt" --key "$TMP/$name.key.bin" --out "$TMP/$name.bin" 2>/dev/null ||
    fail "cf-policy compile $name"
  bg "$TOOLS/cf-certifier/cf-certifier" --policy-key-file "$TMP/$name.key.bin" --policy-cert-file "$TMP/$name.pem" \
    --policy-file "$TMP/$name.bin" --port 0 --workers 2 --log-file "$TMP/$name.certifier.log"
  for _ in $(seq 1 100); do
    port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$TMP/$name.certifier.log" 2>/dev/null)
    [ -n "$port" ] && break
    sleep 0.1
  done
  [ -n "$port" ] || { cat "$TMP/$name.certifier.log" >&2; fail "cf-certifier for $name did not start"; }
  wait_port "$port"
  PORT[$name]=$port
}
