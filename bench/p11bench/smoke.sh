#!/bin/sh
# ctest smoke pass for p11bench: a 0.1-second run on a fresh token (or OpenSSL), small object counts. Checks that
# every benchmark produced a well-formed row and that the signing rows ran; timings are never judged.
# usage: smoke.sh openssl|softhsm|ours P11BENCH [MODULE]
#        smoke.sh certification BUILD_DIR   (cert_bench.sh: real cf-certifier processes, ~15 s)
set -eu
kind=$1 bench=$2 module=${3:-}
work=$(mktemp -d "${TMPDIR:-/tmp}/p11bench-smoke.XXXXXX")
trap 'rm -rf "$work"' EXIT
if [ "$kind" = certification ]; then
  bash "$(dirname "$0")/cert_bench.sh" "$bench" --duration 0.05 --renewal-seconds 0.3 >"$work/out.tsv"
  cat "$work/out.tsv"
  # 16 rows, all measured (certification never n/a for our module), and a renewal really happened.
  rows=$(grep -vc '^#' "$work/out.tsv" || true)
  good=$(grep -v '^#' "$work/out.tsv" | awk -F'\t' 'NF == 6 && ($2 == "ok" || $2 == "value")' | wc -l)
  [ "$rows" -eq 16 ] || { echo "smoke.sh: expected 16 certification rows, got $rows" >&2; exit 1; }
  [ "$good" -eq 16 ] || { echo "smoke.sh: $((rows - good)) certification rows did not run" >&2; exit 1; }
  awk -F'\t' '$1 == "cert_renewals" && $3 + 0 < 1 { exit 1 }' "$work/out.tsv" ||
    { echo "smoke.sh: no renewal while signing" >&2; exit 1; }
  exit 0
fi
args="--duration 0.1 --objects 10,50 --find-objects 50 --rss-objects 100 --max-ops 2000"
case $kind in
  openssl) "$bench" --openssl $args >"$work/out.tsv" ;;
  softhsm)
    mkdir -p "$work/tokens"
    printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' "$work/tokens" >"$work/softhsm2.conf"
    SOFTHSM2_CONF="$work/softhsm2.conf" "$bench" --module "$module" $args >"$work/out.tsv" ;;
  ours)
    mkdir -p "$work/token"
    CF_PKCS11_TOKEN_DIR="$work/token" "$bench" --module "$module" $args >"$work/out.tsv" ;;
  *) echo "smoke.sh: unknown kind $kind" >&2; exit 2 ;;
esac
cat "$work/out.tsv"
# 29 rows, each ok / n/a / value with six fields.
rows=$(grep -vc '^#' "$work/out.tsv" || true)
bad=$(grep -v '^#' "$work/out.tsv" | awk -F'\t' 'NF != 6 || ($2 != "ok" && $2 != "n/a" && $2 != "value")' | wc -l)
[ "$rows" -eq 29 ] || { echo "smoke.sh: expected 29 rows, got $rows" >&2; exit 1; }
[ "$bad" -eq 0 ] || { echo "smoke.sh: $bad malformed rows" >&2; exit 1; }
# The reference columns must actually sign; our module is allowed n/a while its mechanisms land.
if [ "$kind" != ours ]; then
  for id in sign_rsa2048_pkcs1 sign_ecdsa_p256; do
    grep -q "^$id	ok	" "$work/out.tsv" || { echo "smoke.sh: $id did not run" >&2; exit 1; }
  done
fi
