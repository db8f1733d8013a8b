#!/usr/bin/env bash
# tpm_bench.sh BUILD_DIR [RUNS]: one unseal and one quote on a swtpm it starts (and stops, by PID), beside one
# RSA-2048 C_Sign through our module (p11bench --only sign_rsa2048_pkcs1) in the same run. Figures, not a test.
set -eu
build=$(readlink -f "${1:?usage: tpm_bench.sh BUILD_DIR [RUNS]}")
runs=${2:-20}
cmake --build "$build" --target tpm_bench p11bench cf-pkcs11 -j2 >/dev/null
work=$(mktemp -d "${TMPDIR:-/tmp}/tpm-bench.XXXXXX")
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
port=$((20000 + RANDOM % 20000 * 2))
swtpm socket --tpm2 --server "type=tcp,port=$port,bindaddr=127.0.0.1" \
  --ctrl "type=tcp,port=$((port + 1)),bindaddr=127.0.0.1" --tpmstate "dir=$work" --flags not-need-init,startup-clear &
pid=$!
for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
"$build/bench/tpm_bench/tpm_bench" "swtpm:host=127.0.0.1,port=$port" "$work/platform" "$runs"
mkdir -p "$work/token"
CF_PKCS11_TOKEN_DIR=$work/token "$build/bench/p11bench/p11bench" --module "$build/pkcs11/libcf-pkcs11.so" \
  --duration 1 --only sign_rsa2048_pkcs1
