#!/usr/bin/env bash
# debian13-lane.sh: builds and tests what is committed (git HEAD) inside a Debian 13 (trixie) root made with
# Debian's own debootstrap, then runs there the client tests Debian 12 cannot: pkcs11-provider (OpenSSL, nginx,
# `default_properties = ?provider=pkcs11`), `ssh -I` with an Ed25519 key (OpenSSH 10), libp11's engine beside an
# EdDSA key. Needs root. The package mirror comes from the host's apt configuration, never from our files.
#
# The root with every package installed is cached as a tarball under $CF_LANE_CACHE (default
# /var/cache/cf-pkcs11-lane, keyed by the package list) with the compiler cache, so a second run skips debootstrap and
# most of the build. Each run unpacks a fresh working root and removes it on exit, pass or fail, after unmounting
# what it mounted. Tests run in their own network namespace (only 127.0.0.1, no clash with the host's ports) and
# PID namespace (nothing they start outlives the lane). Logs are kept in $CF_LANE_CACHE/logs/<time>/.
# Exit: 0 all passed (known failures reported, not counted), 1 a failure, 2 the lane could not run, 77 not root.
# CF_LANE_REFRESH=1 rebuilds the cached root; CF_LANE_ONLY=prepare stops after making the cached root.
set -euo pipefail

SRC=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${CF_LANE_CACHE:-/var/cache/cf-pkcs11-lane}
SUITE=trixie
LANE_START=$(date +%s)
# Debian 13 packages beyond scripts/install-deps.sh: the clients Debian 12 lacks, and ccache for second runs.
EXTRA_PACKAGES=(pkcs11-provider ccache shellcheck ca-certificates iproute2)
ROOT=""
LOGS=""
MOUNTS=()
INSIDE_PID=""

say() { printf 'debian13-lane: %s\n' "$*" >&2; }
die() { say "$*"; exit 2; }
elapsed() { echo $(($(date +%s) - LANE_START)); }

# host_mirror KIND: the first URI in the host's apt sources whose suite is a main suite (KIND=main) or a security
# suite (KIND=security), from deb822 .sources files and one-line .list files alike.
host_mirror() {
  local kind=$1 f
  local files=(/etc/apt/sources.list.d/*.sources /etc/apt/sources.list /etc/apt/sources.list.d/*.list)
  for f in "${files[@]}"; do
    [ -f "$f" ] || continue
    case $f in
      *.sources) awk -v kind="$kind" -f - "$f" <<'AWK' ;;
function flush() {
  if (types ~ /(^| )deb( |$)/ && enabled != "no" && uri != "") {
    n = split(suites, s, " ")
    for (i = 1; i <= n; i++) {
      sec = (s[i] ~ /-security$/)
      if ((kind == "security" && sec) || (kind == "main" && !sec && s[i] !~ /-(updates|backports)$/)) {
        print uri; exit
      }
    }
  }
  types = ""; uri = ""; suites = ""; enabled = ""
}
/^[ \t]*#/ { next }
/^[ \t]*$/ { flush(); next }
tolower($1) == "types:" { $1 = ""; types = $0 }
tolower($1) == "uris:" { uri = $2 }
tolower($1) == "suites:" { $1 = ""; suites = $0 }
tolower($1) == "enabled:" { enabled = tolower($2) }
END { flush() }
AWK
      *) awk -v kind="$kind" '
          $1 == "deb" { i = 2; if ($i ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
            sec = ($(i + 1) ~ /-security$/)
            if ((kind == "security" && sec) || (kind == "main" && !sec && $(i + 1) !~ /-(updates|backports)$/)) {
              print $i; exit } }' "$f" ;;
    esac
  done | head -n 1
}

unmount_all() {
  local i
  for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
    umount "${MOUNTS[$i]}" 2>/dev/null || umount -l "${MOUNTS[$i]}" 2>/dev/null || say "could not unmount ${MOUNTS[$i]}"
  done
  MOUNTS=()
}

# cleanup: unmount, then remove the working root, never crossing into a file system still mounted in it.
cleanup() {
  local rc=$?
  # unshare --kill-child: killing it kills the namespace's init, and so every process of the test run.
  [ -z "$INSIDE_PID" ] || { kill -9 "$INSIDE_PID" 2>/dev/null; wait "$INSIDE_PID" 2>/dev/null; }
  if [ -n "$ROOT" ] && [ -d "$ROOT/tmp/lane-logs" ]; then
    cp -r "$ROOT/tmp/lane-logs/." "$LOGS/" 2>/dev/null
    say "logs: $LOGS"
  fi
  unmount_all
  if [ -n "$ROOT" ] && [ -d "$ROOT" ]; then
    if findmnt -rno TARGET | grep -q "^$ROOT/"; then
      say "left $ROOT in place: something is still mounted in it"
    else
      rm -rf --one-file-system "$ROOT"
    fi
  fi
  say "finished in $(elapsed) s (exit $rc)"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 2' INT TERM

mount_in() { # mount_in TARGET MOUNT-ARGS...: mount and remember it for cleanup
  local target=$1
  shift
  mkdir -p "$target"
  mount "$@" "$target"
  MOUNTS+=("$target")
}

# The root's /sys, /dev, /dev/pts, /dev/shm and /tmp; /proc is mounted by whoever enters the root (the test run
# mounts its own, of its PID namespace).
mount_system_dirs() {
  mount_in "$ROOT/sys" -t sysfs sysfs -o ro
  mount_in "$ROOT/dev" --bind /dev
  mount_in "$ROOT/dev/pts" --bind /dev/pts
  mount_in "$ROOT/dev/shm" -t tmpfs tmpfs -o mode=1777
  mount_in "$ROOT/tmp" -t tmpfs tmpfs -o mode=1777
}

in_root() { chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 "$@"; }

write_sources() {
  local main=$1 security=$2
  rm -f "$ROOT/etc/apt/sources.list"
  {
    printf 'Types: deb\nURIs: %s\nSuites: %s %s-updates\nComponents: main\n' "$main" "$SUITE" "$SUITE"
    printf 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n'
    [ -z "$security" ] ||
      printf '\nTypes: deb\nURIs: %s\nSuites: %s-security\nComponents: main\nSigned-By: %s\n' "$security" \
        "$SUITE" /usr/share/keyrings/debian-archive-keyring.gpg
  } >"$ROOT/etc/apt/sources.list.d/debian.sources"
}

# prepare_root TARBALL: debootstrap, our build deps (scripts/install-deps.sh run inside) and the extra clients,
# packed into TARBALL.
prepare_root() {
  local tarball=$1 main security
  main=${CF_LANE_MIRROR:-$(host_mirror main)}
  security=${CF_LANE_SECURITY_MIRROR:-$(host_mirror security)}
  [ -n "$main" ] || die "no Debian mirror in the host's apt sources (set CF_LANE_MIRROR)"
  command -v debootstrap >/dev/null || { say "installing debootstrap"; apt-get install -y -qq debootstrap >/dev/null; }
  say "debootstrap $SUITE from the host's mirror $main"
  debootstrap --variant=minbase "$SUITE" "$ROOT" "$main" >"$LOGS/debootstrap.log" 2>&1 ||
    { tail -n 20 "$LOGS/debootstrap.log" >&2; die "debootstrap failed (log: $LOGS/debootstrap.log)"; }
  write_sources "$main" "$security"
  mount_system_dirs
  mount_in "$ROOT/proc" -t proc proc
  cp "$SRC/scripts/install-deps.sh" "$ROOT/tmp/install-deps.sh"
  say "installing our build dependencies and the Debian 13 clients inside the root"
  {
    in_root env DEBIAN_FRONTEND=noninteractive bash /tmp/install-deps.sh &&
      in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${EXTRA_PACKAGES[@]}" &&
      in_root apt-get clean
  } >"$LOGS/packages.log" 2>&1 || { tail -n 30 "$LOGS/packages.log" >&2; die "installing packages failed"; }
  unmount_all
  tar -C "$ROOT" --zstd -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
  rm -rf --one-file-system "$ROOT"
  mkdir -p "$ROOT"
}

main() {
  [ "$(id -u)" -eq 0 ] || { say "skipped: needs root (debootstrap, chroot, mounts)"; exit 77; }
  command -v zstd >/dev/null || apt-get install -y -qq zstd >/dev/null
  git -C "$SRC" rev-parse --verify -q HEAD >/dev/null || die "$SRC is not a git checkout"
  mkdir -p "$CACHE/ccache"
  LOGS=$CACHE/logs/$(date +%Y%m%d-%H%M%S)
  mkdir -p "$LOGS"
  local key tarball
  key=$(printf '%s\n' "$SUITE" "${EXTRA_PACKAGES[@]}" | cat - "$SRC/scripts/install-deps.sh" | sha256sum | cut -c1-12)
  tarball=$CACHE/$SUITE-root-$key.tar.zst
  ROOT=$(mktemp -d "$CACHE/root.XXXXXX")
  if [ ! -f "$tarball" ] || [ "${CF_LANE_REFRESH:-0}" = 1 ]; then
    prepare_root "$tarball"
    say "cached root ready after $(elapsed) s: $tarball"
  fi
  [ "${CF_LANE_ONLY:-}" != prepare ] || exit 0

  say "unpacking the cached root"
  tar -C "$ROOT" --zstd -xf "$tarball"
  chmod 0755 "$ROOT"  # it becomes / (tar restored mktemp's 0700): tests that drop to nobody must traverse it
  mount_system_dirs
  mkdir -p "$ROOT/src" "$ROOT/ccache"
  mount_in "$ROOT/ccache" --bind "$CACHE/ccache"
  git -C "$SRC" archive HEAD | tar -x -C "$ROOT/src"
  say "testing $(git -C "$SRC" rev-parse --short HEAD) ($(git -C "$SRC" log -1 --format=%s | cut -c1-60))"
  # Own network namespace (lo only), PID namespace with its own /proc, and mount namespace: tests reach nothing
  # but 127.0.0.1, and whatever they leave running dies with the namespace.
  local rc=0
  unshare --net --pid --mount --fork --kill-child --mount-proc="$ROOT/proc" sh -c "ip link set lo up &&
    chroot '$ROOT' /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
      CCACHE_DIR=/ccache CF_LANE_JOBS=${CF_LANE_JOBS:-2} bash /src/scripts/debian13-lane-inside.sh" &
  # In the background so that a signal reaches our trap at once; cleanup kills it, and with it the namespace.
  INSIDE_PID=$!
  wait "$INSIDE_PID" || rc=$?
  INSIDE_PID=""
  exit "$rc"
}

main "$@"
