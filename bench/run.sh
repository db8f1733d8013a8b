#!/bin/bash
# bench/run.sh: builds p11bench (and our module) if needed, runs our module, SoftHSMv2 and OpenSSL back to back on
# fresh tokens, and writes bench/RESULTS.md: machine facts, one table per group with the ratios ours/SoftHSMv2 and
# ours/OpenSSL, and the goals of issue 7 with met / not met. Timings are reported, never asserted.
# The crypto rows of ours and OpenSSL run in --rounds alternating rounds (the first is the full run) and each row
# reports the round with the middle median: on a shared machine a few seconds of someone else's work otherwise
# land on one column only and turn a parity into a 0.7x.
#
# usage: bench/run.sh [--duration S] [--objects 100,1000,5000,10000] [--find-objects N] [--rss-objects N]
#                     [--rounds N] [--build-dir DIR] [--out FILE] [--only PREFIXES] [--module PATH]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
duration=1 objects=100,1000,5000,10000 find_objects=5000 rss_objects=10000 only="" rounds=5
# The rows repeated in rounds 2..N: fast, and compared with OpenSSL (token-object rows run once).
crypto_rows=sign_,verify_,decrypt_,derive_,encrypt_,digest_,mac_,threads
build=${BUILD_DIR:-$root/build-bench} out="$here/RESULTS.md" module=""
softhsm=/usr/lib/softhsm/libsofthsm2.so
while [ $# -gt 0 ]; do
  case $1 in
    --duration) duration=$2; shift 2 ;;
    --objects) objects=$2; shift 2 ;;
    --find-objects) find_objects=$2; shift 2 ;;
    --rss-objects) rss_objects=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --build-dir) build=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    --module) module=$2; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

if [ ! -f "$build/build.ninja" ] && [ ! -f "$build/Makefile" ]; then
  cmake -S "$root" -B "$build" -G Ninja >/dev/null
fi
cmake --build "$build" --target p11bench -j2 >/dev/null
bench=$build/bench/p11bench/p11bench
if [ -z "$module" ]; then
  # Our module is optional here: the table says "not built" rather than failing the whole run.
  if cmake --build "$build" --target cf-pkcs11 -j2 >/dev/null 2>&1; then
    module=$(find "$build/pkcs11" -maxdepth 2 -name 'libcf-pkcs11.so' | head -n1)
  fi
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/p11bench-run.XXXXXX")
trap 'rm -rf "$work"' EXIT
args=(--duration "$duration" --objects "$objects" --find-objects "$find_objects" --rss-objects "$rss_objects")
[ -n "$only" ] && args+=(--only "$only")

run() {  # name, then the command; a failing backend leaves a note instead of stopping the others
  local name=$1; shift
  echo "run.sh: $name ..." >&2
  local t0=$SECONDS
  if ! "$@" >"$work/$name.tsv" 2>"$work/$name.err"; then
    echo "# failed: $(tail -n1 "$work/$name.err")" >>"$work/$name.tsv"
  fi
  echo "# wall_seconds $((SECONDS - t0))" >>"$work/$name.tsv"
}

if [ -n "$module" ] && [ -f "$module" ]; then
  mkdir -p "$work/ours-token"
  run ours env CF_PKCS11_TOKEN_DIR="$work/ours-token" "$bench" --module "$module" "${args[@]}"
else
  echo "# failed: our module (cf-pkcs11) is not built" >"$work/ours.tsv"
fi
mkdir -p "$work/softhsm-tokens"
printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' "$work/softhsm-tokens" \
  >"$work/softhsm2.conf"
run softhsm env SOFTHSM2_CONF="$work/softhsm2.conf" "$bench" --module "$softhsm" "${args[@]}"
run openssl "$bench" --openssl "${args[@]}"
# Certification on C_Login (issue 14): our module only, with real cf-certifier processes (cert_bench.sh).
if [ -n "$module" ] && [ -f "$module" ] && [ -z "$only" ] &&
  cmake --build "$build" --target cf-certifier cf-policy cf-osutility cf-attest -j2 >/dev/null 2>&1; then
  run certification bash "$here/p11bench/cert_bench.sh" "$build" --duration "$duration"
fi
round_args=(--duration "$duration" --only "${only:-$crypto_rows}")
for ((r = 2; r <= rounds; r++)); do
  if [ -n "$module" ] && [ -f "$module" ]; then
    mkdir -p "$work/ours-token-r$r"
    run "ours.r$r" env CF_PKCS11_TOKEN_DIR="$work/ours-token-r$r" "$bench" --module "$module" "${round_args[@]}"
  fi
  run "openssl.r$r" "$bench" --openssl "${round_args[@]}"
done

{
  echo "nproc=$(nproc)"
  echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "openssl=$(openssl version)"
  echo "softhsm=$(softhsm2-util --version 2>/dev/null || echo unknown)"
  echo "kernel=$(uname -r)"
  echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "loadavg=$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "duration=$duration"
  echo "rounds=$rounds"
  echo "module=${module:-not built}"
} >"$work/facts.txt"

# The "Certifier Service" section belongs to engineer certifier's benchmark: carried over from the previous file.
[ -f "$out" ] && cp "$out" "$work/previous.md"
python3 "$here/p11bench/results_md.py" "$work" "$find_objects" "$rss_objects" >"$work/RESULTS.md"
mv "$work/RESULTS.md" "$out"
echo "run.sh: wrote $out" >&2
