# shellcheck shell=bash
# common.sh: sourced by every client recipe in this folder. Owns the shared plumbing only: finding the module, a
# private temp dir with a cleanup trap that stops only the processes we started (by PID), a fresh token, free ports
# and bounded waits. It runs no client itself. Exit codes of the recipes: 0 pass, 1 fail, 77 skip.
# Works with libcf-pkcs11.so and, for debugging a recipe, with SoftHSMv2 (MODULE=/usr/lib/softhsm/libsofthsm2.so).

set -u
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
T=${E2E_TIMEOUT:-20}             # seconds any single client call may take before we call it a hang
SO_PIN=${SO_PIN:-12345678}
USER_PIN=${USER_PIN:-123456}
TOKEN_LABEL=${TOKEN_LABEL:-cf-e2e}
ARCH_LIB=/usr/lib/$(gcc -dumpmachine 2>/dev/null || echo x86_64-linux-gnu)
STARTED_PIDS=()

step() { printf '== %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
skip() { printf 'SKIP: %s\n' "$*"; exit 77; }

# need PROGRAM...: skip (77) when a client is not installed, so CI says which program is absent.
need() {
  local p
  for p in "$@"; do command -v "$p" >/dev/null 2>&1 || skip "$p is not installed"; done
}

# The module under test: $MODULE, else the in-tree build, else the installed one.
find_module() {
  local c
  if [ -z "${MODULE:-}" ]; then
    for c in "$SCRIPT_DIR/../build/pkcs11/libcf-pkcs11.so" "$ARCH_LIB/pkcs11/libcf-pkcs11.so"; do
      [ -f "$c" ] && MODULE=$c && break
    done
  fi
  [ -n "${MODULE:-}" ] && [ -f "$MODULE" ] || fail "no PKCS#11 module: set MODULE=/path/to/libcf-pkcs11.so"
  MODULE=$(readlink -f "$MODULE")
  export MODULE
}

cleanup() {
  local pid
  for pid in "${STARTED_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${STARTED_PIDS[@]}"; do
    # Give each process a bounded moment to exit, then insist.
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null
  done
  [ -n "${TMP:-}" ] && [ -d "$TMP" ] && rm -rf "$TMP"
}

# setup: temp dir, trap, module, and a token directory of our own (CF_PKCS11_TOKEN_DIR for our module, a private
# SOFTHSM2_CONF for SoftHSMv2) so a recipe never touches a real token.
setup() {
  find_module
  TMP=$(mktemp -d "${TMPDIR:-/tmp}/cf-e2e.XXXXXX")
  trap cleanup EXIT
  trap 'exit 1' INT TERM
  mkdir -p "$TMP/token"
  export CF_PKCS11_TOKEN_DIR=${CF_PKCS11_TOKEN_DIR:-$TMP/token}
  printf 'directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\n' "$TMP/token" \
    >"$TMP/softhsm2.conf"
  export SOFTHSM2_CONF=$TMP/softhsm2.conf
}

# bg CMD...: start a server in the background and remember its PID for cleanup.
bg() {
  "$@" &
  STARTED_PIDS+=($!)
}

# free_port: a random high port nobody listens on (127.0.0.1).
free_port() {
  local p
  for _ in $(seq 1 50); do
    p=$((20000 + RANDOM % 40000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
  done
  fail "no free port found in 50 tries"
}

# wait_port PORT [SECONDS]: bounded wait until something accepts on 127.0.0.1:PORT.
wait_port() {
  local port=$1 limit=${2:-10}
  for _ in $(seq 1 $((limit * 10))); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    sleep 0.1
  done
  fail "nothing listening on 127.0.0.1:$port after ${limit}s"
}

# p11 ARGS...: pkcs11-tool on our module, bounded in time.
p11() { timeout "$T" pkcs11-tool --module "$MODULE" "$@"; }

# init_token: a fresh token labelled $TOKEN_LABEL with SO and user PINs.
init_token() {
  need pkcs11-tool
  p11 --init-token --label "$TOKEN_LABEL" --so-pin "$SO_PIN" >"$TMP/init.log" 2>&1 ||
    { cat "$TMP/init.log" >&2; fail "pkcs11-tool --init-token"; }
  p11 --token-label "$TOKEN_LABEL" --init-pin --so-pin "$SO_PIN" --pin "$USER_PIN" >>"$TMP/init.log" 2>&1 ||
    { cat "$TMP/init.log" >&2; fail "pkcs11-tool --init-pin"; }
}

# keygen TYPE ID LABEL: a key pair generated on the token (TYPE as pkcs11-tool spells it: rsa:2048, EC:prime256v1).
keygen() {
  p11 --token-label "$TOKEN_LABEL" --login --pin "$USER_PIN" --keypairgen --key-type "$1" --id "$2" \
    --label "$3" >"$TMP/keygen-$3.log" 2>&1 || { cat "$TMP/keygen-$3.log" >&2; fail "keypairgen $1 $3"; }
}

# export_pub ID OUT.pem: the public key with CKA_ID=ID, as PEM (pkcs11-tool writes DER).
export_pub() {
  p11 --token-label "$TOKEN_LABEL" --read-object --type pubkey --id "$1" -o "$TMP/pub-$1.der" >/dev/null 2>&1 ||
    fail "reading public key id $1"
  openssl pkey -pubin -inform DER -in "$TMP/pub-$1.der" -out "$2" 2>/dev/null || fail "public key id $1 is not DER"
}

# uri LABEL: an RFC 7512 URI of the private key LABEL on our token, with the PIN for non-interactive clients.
uri() { printf 'pkcs11:token=%s;object=%s;type=private?pin-value=%s' "$TOKEN_LABEL" "$1" "$USER_PIN"; }

# engine_conf FILE: an OpenSSL config that loads libp11's engine on $MODULE (libp11 defaults to p11-kit-proxy).
engine_conf() {
  cat >"$1" <<EOF
openssl_conf = openssl_init
[openssl_init]
engines = engine_section
[engine_section]
pkcs11 = pkcs11_section
[pkcs11_section]
engine_id = pkcs11
dynamic_path = $ARCH_LIB/engines-3/pkcs11.so
MODULE_PATH = $MODULE
EOF
}

# expect_fail WHAT CMD...: CMD (already under `timeout`) must fail, and by itself rather than by our time limit.
expect_fail() {
  local what=$1 rc
  shift
  "$@"
  rc=$?
  if [ "$rc" -eq 0 ]; then fail "$what: succeeded but must fail"; fi
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then fail "$what: hung (stopped by timeout after ${T}s)"; fi
  return 0
}

# start_sshd AUTHORIZED_KEYS: a throwaway sshd on 127.0.0.1 with its own host key and config in $TMP, trusting only
# AUTHORIZED_KEYS (StrictModes off: the file lives in a temp dir). Sets SSHD_PORT and waits until it accepts.
start_sshd() {
  local sshd
  sshd=$(command -v sshd || echo /usr/sbin/sshd)
  [ -x "$sshd" ] || skip "sshd is not installed (openssh-server)"
  SSHD_PORT=$(free_port)
  timeout "$T" ssh-keygen -q -t ed25519 -N '' -f "$TMP/host_key" || fail "making the sshd host key"
  # sshd as root insists on its privilege separation directory.
  [ "$(id -u)" -ne 0 ] || [ -d /run/sshd ] || { mkdir /run/sshd && chmod 0755 /run/sshd; }
  cat >"$TMP/sshd_config" <<EOF
ListenAddress 127.0.0.1
Port $SSHD_PORT
HostKey $TMP/host_key
PidFile $TMP/sshd.pid
AuthorizedKeysFile $1
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin prohibit-password
LogLevel ${SSHD_LOGLEVEL:-ERROR}
EOF
  bg "$sshd" -D -e -f "$TMP/sshd_config" 2>"$TMP/sshd.log"
  wait_port "$SSHD_PORT"
}

# nginx_conf NAME PORT CERT KEY: $TMP/nginx/NAME.conf, an HTTPS server on 127.0.0.1:PORT serving $TMP/www with
# its key on the token: KEY is a pkcs11: URI, loaded through libp11's engine, or a key file (the pkcs11-provider's
# URI-PEM file, decoded by the provider OPENSSL_CONF loads). worker_processes 2: the master loads the key, the
# workers sign, so the module is used across fork. nginx clears its workers' environment: `env` keeps the token and
# engine settings. Workers run as the current user so they can read the token.
nginx_conf() {
  local user_line="" key="engine:pkcs11:$4"
  if [[ "$4" != pkcs11:* ]]; then key=$4; fi
  [ "$(id -u)" -ne 0 ] || user_line="user $(id -un) $(id -gn);"
  mkdir -p "$TMP/nginx/logs" "$TMP/www"
  cat >"$TMP/nginx/$1.conf" <<EOF
$user_line
worker_processes 2;
daemon off;
pid $TMP/nginx/$1.pid;
error_log $TMP/nginx/logs/$1-error.log warn;
env CF_PKCS11_TOKEN_DIR;
env CF_PKCS11_CONF;
env SOFTHSM2_CONF;
env OPENSSL_CONF;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $TMP/nginx/body; proxy_temp_path $TMP/nginx/proxy; fastcgi_temp_path $TMP/nginx/fcgi;
  uwsgi_temp_path $TMP/nginx/uwsgi; scgi_temp_path $TMP/nginx/scgi;
  server {
    listen 127.0.0.1:$2 ssl;
    server_name localhost;
    ssl_certificate $3;
    ssl_certificate_key "$key";
    ssl_session_cache off;
    ssl_session_tickets off;
    root $TMP/www;
  }
}
EOF
}

# find_provider: sets PROVIDER to latchset's pkcs11-provider (pkcs11.so), wherever it is installed: $OPENSSL_MODULES,
# OpenSSL's compiled-in MODULESDIR, the multiarch and plain library directories distributions use. Skips (77) naming
# every place looked at when there is none.
find_provider() {
  local candidates=() dirs=() d multiarch
  candidates+=("${OPENSSL_MODULES:-}")
  candidates+=("$(openssl version -m 2>/dev/null | sed -n 's/^MODULESDIR: "\(.*\)"/\1/p')")
  multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -dumpmachine 2>/dev/null || true)
  [ -z "$multiarch" ] || candidates+=("/usr/lib/$multiarch/ossl-modules")
  candidates+=(/usr/lib64/ossl-modules /usr/lib/ossl-modules /usr/local/lib64/ossl-modules /usr/local/lib/ossl-modules)
  for d in "${candidates[@]}"; do
    [ -n "$d" ] || continue
    case " ${dirs[*]} " in *" $d "*) continue ;; esac
    dirs+=("$d")
    [ -f "$d/pkcs11.so" ] && PROVIDER=$d/pkcs11.so && return 0
  done
  skip "pkcs11-provider is not installed: no pkcs11.so in ${dirs[*]} (Debian 12 has no package for it;" \
    "Debian 13: apt-get install pkcs11-provider; elsewhere set OPENSSL_MODULES to its directory)"
}

# provider_conf FILE [DEFAULT_PROPERTIES [EXTRA]]: an OpenSSL config loading $PROVIDER by path on $MODULE, the PIN
# from a file, URIs encodable as PEM; the default provider stays active for hashing and verifying. DEFAULT_PROPERTIES,
# e.g. "?provider=pkcs11", becomes the configuration's default_properties (send every key operation to the token);
# EXTRA is one more line of the provider's section.
provider_conf() {
  printf '%s' "$USER_PIN" >"$TMP/pin.txt"
  cat >"$1" <<CONF
openssl_conf = openssl_init
[openssl_init]
providers = provider_section
${2:+alg_section = algorithm_section}
[provider_section]
default = default_section
pkcs11 = pkcs11_section
[default_section]
activate = 1
[pkcs11_section]
module = $PROVIDER
pkcs11-module-path = $MODULE
pkcs11-module-token-pin = file:$TMP/pin.txt
pkcs11-module-encode-provider-uri-to-pem = true
${3:-}
activate = 1
${2:+[algorithm_section]}
${2:+default_properties = $2}
CONF
}

# strict_or_note WHAT: a step this system's clients cannot run. Under CF_E2E_STRICT=1 (the Debian 13 lane) that is
# a failure; otherwise the recipe says so and goes on without it.
strict_or_note() {
  [ "${CF_E2E_STRICT:-0}" != 1 ] || fail "$1 (CF_E2E_STRICT=1)"
  printf 'NOTE: not run here: %s\n' "$1"
}

# fetch PORT CA_CERT: one HTTPS GET of the page nginx_conf serves. curl runs without OPENSSL_CONF: loading an engine
# or provider and the module at its start-up would cost ~150 ms per request and test nothing.
fetch() {
  timeout "$T" env -u OPENSSL_CONF curl -sS --max-time 10 --cacert "$2" --resolve "localhost:$1:127.0.0.1" \
    "https://localhost:$1/" |
    grep -q "served with a key on the token"
}

# parallel_fetches LABEL PORT CA_CERT ERROR_LOG: 20 requests at once (both workers sign), none may fail and no worker
# may crash.
parallel_fetches() {
  local pids=() bad=0 p
  for _ in $(seq 1 20); do
    fetch "$2" "$3" &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || bad=$((bad + 1)); done
  [ "$bad" -eq 0 ] || { cat "$4" >&2; fail "$1: $bad of 20 parallel requests failed"; }
  ! grep -qE 'exited on signal|emerg' "$4" || { cat "$4" >&2; fail "$1: an nginx worker crashed"; }
}
