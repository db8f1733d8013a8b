#!/usr/bin/env bash
# dm-crypt.sh: a LUKS volume whose key is kept in the sealed cryptstore by cf-osutility (the framework's OS-wide
# key use case). Owns this recipe only: the key goes from the store to cryptsetup through a pipe, never through a
# file on disk. Maps the volume when the machine allows (root, loop devices, device-mapper); else proves the key
# opens the LUKS header with --test-passphrase and says what it could not do. Exit: 0 pass, 1 fail, 77 skip.
#
# Usage: bash dm-crypt.sh   (CF_OSUTILITY=/path/to/cf-osutility, else the in-tree build or $PATH)
set -u -o pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
T=${E2E_TIMEOUT:-60}  # seconds any single command may take before we call it a hang
TAG=dm-crypt-volume-key
MAPPED=""             # the device-mapper name while a volume is open (closed by cleanup)

step() { printf '== %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
skip() { printf 'SKIP: %s\n' "$*"; exit 77; }
note() { printf 'NOTE: %s\n' "$*"; }

OSU=${CF_OSUTILITY:-}
if [ -z "$OSU" ]; then
  for c in "$SCRIPT_DIR/../build/tools/cf-osutility/cf-osutility" "$(command -v cf-osutility 2>/dev/null)"; do
    [ -n "$c" ] && [ -x "$c" ] && OSU=$c && break
  done
fi
[ -n "$OSU" ] && [ -x "$OSU" ] || fail "no cf-osutility: build it or set CF_OSUTILITY=/path/to/cf-osutility"
CRYPTSETUP=$(command -v cryptsetup || true)
[ -z "$CRYPTSETUP" ] && [ -x /usr/sbin/cryptsetup ] && CRYPTSETUP=/usr/sbin/cryptsetup
[ -n "$CRYPTSETUP" ] || skip "cryptsetup is not installed (Debian: apt-get install cryptsetup-bin)"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/cf-dmcrypt.XXXXXX")
cleanup() {
  [ -n "$MAPPED" ] && timeout "$T" "$CRYPTSETUP" close "$MAPPED" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
TOKEN=$TMP/token   # a token directory of our own: the recipe never touches a real store
IMG=$TMP/volume.img

osu() { timeout "$T" "$OSU" --token-dir "$TOKEN" "$@"; }
# The key, raw, on stdout: only ever piped straight into cryptsetup (--key-file=- reads it from stdin).
key() { osu --get-item --tag "$TAG" --output-format raw "$@"; }
# A fast keyslot KDF is right here: the key is 64 random bytes, not a password, so there is nothing to stretch;
# the default argon2id would only cost time and memory.
KDF=(--pbkdf pbkdf2 --pbkdf-force-iterations 1000)

step "initialise the simulated platform and the store ($TOKEN)"
osu --init-trust 2>/dev/null || fail "cf-osutility --init-trust failed"

step "put 64 random bytes into the store as the volume key (tag $TAG), through a pipe"
head -c 64 /dev/urandom | osu --put-item - --tag "$TAG" --exportable 2>/dev/null || fail "--put-item failed"
[ "$(key | wc -c)" -eq 64 ] || fail "--get-item did not return the 64-byte key"

step "make a 32 MiB file-backed volume and format it as LUKS2 with the stored key"
truncate -s 32M "$IMG" || fail "cannot create $IMG"
if ! key | timeout "$T" "$CRYPTSETUP" luksFormat --batch-mode --type luks2 "${KDF[@]}" --key-file=- "$IMG" \
  >"$TMP/format.log" 2>&1; then
  skip "cryptsetup luksFormat cannot work here: $(tr '\n' ' ' <"$TMP/format.log")"
fi

step "the stored key opens the LUKS header; a different key does not"
key | timeout "$T" "$CRYPTSETUP" open --test-passphrase --key-file=- "$IMG" ||
  fail "the key read back from the store does not open the volume"
if head -c 64 /dev/urandom | timeout "$T" "$CRYPTSETUP" open --test-passphrase --key-file=- "$IMG" 2>/dev/null; then
  fail "a random key opened the volume: the check above proves nothing"
fi

step "rotate: put version 2 of the key, move the keyslot to it, version 1 no longer opens"
head -c 64 /dev/urandom | osu --put-item - --tag "$TAG" --exportable 2>/dev/null || fail "rotating the key failed"
[ "$(osu --latest-version --tag "$TAG")" = 2 ] || fail "the rotated key is not version 2"
# Process substitution hands cryptsetup two pipes (/dev/fd/N): the old key to unlock, the new one to set.
timeout "$T" "$CRYPTSETUP" luksChangeKey --batch-mode "${KDF[@]}" --key-file=<(key --version 1) "$IMG" \
  <(key --version 2) || fail "cryptsetup luksChangeKey to version 2 failed"
key | timeout "$T" "$CRYPTSETUP" open --test-passphrase --key-file=- "$IMG" || fail "version 2 does not open"
if key --version 1 | timeout "$T" "$CRYPTSETUP" open --test-passphrase --key-file=- "$IMG" 2>/dev/null; then
  fail "version 1 still opens the volume after luksChangeKey"
fi

step "map the volume (needs root, a loop device and device-mapper), write and read back through dm-crypt"
why=""
if [ "$(id -u)" -ne 0 ]; then
  why="not running as root"
elif [ ! -e /dev/loop-control ]; then
  why="no /dev/loop-control (loop devices unavailable)"
elif [ ! -e /dev/mapper/control ]; then
  why="no /dev/mapper/control (device-mapper unavailable, typical in a container)"
fi
if [ -z "$why" ]; then
  name=cf-dmcrypt-$$
  if key | timeout "$T" "$CRYPTSETUP" open --key-file=- "$IMG" "$name" 2>"$TMP/open.log"; then
    MAPPED=$name
    printf 'cf-pkcs11 dm-crypt recipe\n' | dd of="/dev/mapper/$name" bs=512 count=1 conv=sync,fsync 2>/dev/null ||
      fail "cannot write to /dev/mapper/$name"
    timeout "$T" "$CRYPTSETUP" close "$name" || fail "cryptsetup close failed"
    MAPPED=""
    grep -q 'cf-pkcs11 dm-crypt recipe' "$IMG" && fail "plaintext reached the backing file: not encrypted"
    key | timeout "$T" "$CRYPTSETUP" open --key-file=- "$IMG" "$name" || fail "re-opening the volume failed"
    MAPPED=$name
    head -c 25 "/dev/mapper/$name" | grep -q 'cf-pkcs11 dm-crypt recipe' || fail "data did not survive close/open"
    timeout "$T" "$CRYPTSETUP" close "$name" || fail "cryptsetup close failed"
    MAPPED=""
    step "mapped, wrote, closed, re-opened and read back /dev/mapper/$name; the backing file holds only ciphertext"
  else
    why="cryptsetup open failed: $(tr '\n' ' ' <"$TMP/open.log")"
  fi
fi
if [ -n "$why" ]; then
  note "did NOT map the volume ($why). Verified instead: the stored key formats the LUKS2 volume, opens its"
  note "header (--test-passphrase), a wrong key does not, and key rotation through store versions works."
  note "On a machine with device-mapper, as root: cf-osutility --get-item --tag $TAG --output-format raw |"
  note "  cryptsetup open --key-file=- <device> <name>"
fi
echo "PASS: dm-crypt volume key kept in the store"
