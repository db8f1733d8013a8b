#!/bin/bash
# bench/p11bench/cert_bench.sh: the certification figures of issue 14 (our module only). Makes a policy with
# cf-policy trusting a simulated platform made by cf-osutility + cf-attest (as tests/e2e_login_cert does), starts two
# cf-certifier processes on 127.0.0.1 (one issuing year-long certificates, one whose certificates expire ~4 s after
# issue so renewal is always due), runs p11bench --cert-token-dir, and stops the two services by their PIDs.
# Rows go to stdout; timings are reported, never judged here.
#
# usage: cert_bench.sh BUILD_DIR [p11bench options: --duration S --renewal-seconds S --only IDS ...]
# CF_BENCH_WRAP="perf record -g --" (or "strace -f -c -o FILE") runs p11bench under a profiler.
set -euo pipefail
build=$1; shift
bin() { find "$build" -maxdepth 3 -type f -name "$1" -perm -u+x | head -n1; }
p11bench=$(bin p11bench) certifier=$(bin cf-certifier) policy=$(bin cf-policy)
osutility=$(bin cf-osutility) attest=$(bin cf-attest) module=$(bin libcf-pkcs11.so)
for t in p11bench certifier policy osutility attest module; do
  [ -n "${!t}" ] || { echo "cert_bench.sh: no $t in $build (build it first)" >&2; exit 2; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/p11bench-cert.XXXXXX")
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# The trusted platform (its key and measurement go into the policy) and the token directory that uses it.
CF_PKCS11_TOKEN_DIR="$work/home" "$osutility" --init-trust --enclave-type simulated-enclave >"$work/init.log" 2>&1
"$attest" platform-key --platform-dir "$work/home/platform" --out "$work/platform_key.bin" >"$work/key.log" 2>&1
measurement=$(cat "$work/init.log" "$work/key.log" | grep -o 'measurement [0-9a-f]\{64\}' | head -n1 | cut -d' ' -f2 || true)
[ -n "$measurement" ] || { echo "cert_bench.sh: no measurement in: $(cat "$work/init.log" "$work/key.log")" >&2; exit 1; }
mkdir -p "$work/token" && cp -r "$work/home/platform" "$work/token/platform"
"$policy" make-key --key-out "$work/policy_key.bin" --cert-out "$work/policy_cert.der" --domain bench >/dev/null 2>&1
printf 'trust-platform-key %s\ntrust-measurement %s\n' "$work/platform_key.bin" "$measurement" >"$work/policy.txt"
"$policy" compile --in "$work/policy.txt" --key "$work/policy_key.bin" --out "$work/policy.bin" >/dev/null 2>&1

start_certifier() {  # name, extra flags...; prints the port once the service listens (bounded: 10 s)
  local name=$1; shift
  "$certifier" --policy-key-file "$work/policy_key.bin" --policy-cert-file "$work/policy_cert.der" \
    --policy-file "$work/policy.bin" --port 0 --workers 2 --log-file "$work/$name.log" "$@" &
  pids+=($!)
  for _ in $(seq 200); do
    port=$(grep -o 'listening on 127.0.0.1:[0-9]*' "$work/$name.log" 2>/dev/null | head -n1 | cut -d: -f2 || true)
    [ -n "$port" ] && return 0
    sleep 0.05
  done
  echo "cert_bench.sh: cf-certifier $name did not start: $(cat "$work/$name.log")" >&2
  exit 1
}
start_certifier long; long_port=$port
# 64 s of which 60 are back-dated (cf-certifier tolerates clock skew that way): ~4 s of real validity.
start_certifier short --admission-validity-seconds 64; short_port=$port

${CF_BENCH_WRAP:-} env CF_PKCS11_TOKEN_DIR="$work/unused" "$p11bench" --module "$module" --cert-token-dir "$work/token" \
  --certifier "127.0.0.1:$long_port" --short-certifier "127.0.0.1:$short_port" \
  --short-certifier-log "$work/short.log" --policy-cert "$work/policy_cert.der" "$@"
