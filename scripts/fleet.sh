#!/usr/bin/env bash
# Replicas of the Certifier Service behind HAProxy on 127.0.0.1: N cf-certifier processes on free ports and one
# HAProxy in TCP mode with health checks in front, its configuration rendered from conf/haproxy-certifier.cfg (the
# documented example for real hosts) into the run directory. Everything started is recorded by PID in the run
# directory and stopped by PID.
#
#   scripts/fleet.sh start --run-dir DIR --replicas N --policy-key-file K --policy-cert-file C --policy-file P
#                          [--balance leastconn|roundrobin] [--workers W]
#       starts and returns; prints (and writes to DIR/fleet.env) front, replicas, replica_pids, haproxy_pid
#   scripts/fleet.sh stop --run-dir DIR       stops what `start` recorded in DIR (SIGTERM, then SIGKILL after 5 s)
#   scripts/fleet.sh up ...same as start...   starts, waits for Ctrl-C / SIGTERM, stops everything on exit
#   scripts/fleet.sh reload --run-dir DIR     SIGHUP to every replica: each reads its policy files again
#
# Binaries: $CF_CERTIFIER_BIN (default build/tools/cf-certifier/cf-certifier), $HAPROXY_BIN (default haproxy).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
CF_CERTIFIER_BIN=${CF_CERTIFIER_BIN:-$root/build/tools/cf-certifier/cf-certifier}
HAPROXY_BIN=${HAPROXY_BIN:-haproxy}
TEMPLATE=${FLEET_HAPROXY_TEMPLATE:-$root/conf/haproxy-certifier.cfg}

usage() { sed -n '2,16p' "$0" >&2; exit 2; }
die() { echo "fleet.sh: $*" >&2; exit 1; }

cmd=${1:-}; [ -n "$cmd" ] || usage; shift
run_dir="" replicas=2 key="" cert="" policy="" balance=leastconn workers=2
while [ $# -gt 0 ]; do
  case "$1" in
    --run-dir) run_dir=$2; shift 2 ;;
    --replicas) replicas=$2; shift 2 ;;
    --policy-key-file) key=$2; shift 2 ;;
    --policy-cert-file) cert=$2; shift 2 ;;
    --policy-file) policy=$2; shift 2 ;;
    --balance) balance=$2; shift 2 ;;
    --workers) workers=$2; shift 2 ;;
    *) echo "fleet.sh: unknown argument '$1'" >&2; usage ;;
  esac
done
[ -n "$run_dir" ] || die "--run-dir DIR is required"

# True when PID is alive and runs the program named NAME (so a recycled PID is never signalled).
runs() { [ -r "/proc/$1/cmdline" ] && tr '\0' ' ' <"/proc/$1/cmdline" | grep -q -- "$2"; }

stop_pid() {  # PID NAME
  local pid=$1 name=$2 i
  runs "$pid" "$name" || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 50); do runs "$pid" "$name" || return 0; sleep 0.1; done
  echo "fleet.sh: $name $pid did not stop within 5 s of SIGTERM; SIGKILL" >&2
  kill -KILL "$pid" 2>/dev/null || true
}

stop_all() {
  local f
  [ -f "$run_dir/haproxy.pid" ] && stop_pid "$(cat "$run_dir/haproxy.pid")" haproxy
  for f in "$run_dir"/replica-*.pid; do
    [ -f "$f" ] && stop_pid "$(cat "$f")" cf-certifier
  done
  rm -f "$run_dir"/*.pid
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Starts replica I and prints its port once its log says where it listens (bounded: 10 s).
start_replica() {
  local i=$1 log="$run_dir/replica-$1.log" pid port="" n
  : >"$log"
  "$CF_CERTIFIER_BIN" --policy-key-file "$key" --policy-cert-file "$cert" --policy-file "$policy" \
    --host 127.0.0.1 --port 0 --workers "$workers" --log-file "$log" </dev/null >/dev/null 2>>"$log" &
  pid=$!
  echo "$pid" >"$run_dir/replica-$i.pid"
  for n in $(seq 100); do
    port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log" | head -1)
    [ -n "$port" ] && break
    runs "$pid" cf-certifier || die "replica $i exited at start: $(tail -3 "$log")"
    sleep 0.1
  done
  [ -n "$port" ] || die "replica $i did not listen within 10 s: $(tail -3 "$log")"
  echo "$port"
}

# Renders the template: the lines tagged "# fleet.sh: FRONT|BALANCE|SERVERS" replaced, the rest kept.
render() {  # FRONT_PORT SERVER_PORTS...
  local front=$1; shift
  local servers="" i=1 p
  for p in "$@"; do servers+="    server cs$i 127.0.0.1:$p"$'\n'; i=$((i + 1)); done
  awk -v front="$front" -v balance="$balance" -v servers="$servers" '
    /# fleet\.sh: FRONT/ { print "    bind 127.0.0.1:" front; next }
    /# fleet\.sh: BALANCE/ { print "    balance " balance; next }
    /# fleet\.sh: SERVERS/ { if (!done) { printf "%s", servers; done = 1 } next }
    { print }' "$TEMPLATE"
}

start() {
  [ -n "$key" ] && [ -n "$cert" ] && [ -n "$policy" ] || die "--policy-key-file, --policy-cert-file and --policy-file are required"
  [ "$replicas" -ge 1 ] 2>/dev/null || die "--replicas must be a number >= 1"
  case "$balance" in leastconn|roundrobin) ;; *) die "--balance is leastconn or roundrobin" ;; esac
  [ -x "$CF_CERTIFIER_BIN" ] || die "no cf-certifier at $CF_CERTIFIER_BIN (build first, or set CF_CERTIFIER_BIN)"
  command -v "$HAPROXY_BIN" >/dev/null || die "no haproxy (scripts/install-deps.sh installs Debian's)"
  mkdir -p "$run_dir"
  ls "$run_dir"/*.pid >/dev/null 2>&1 && die "$run_dir already holds a running fleet (fleet.sh stop --run-dir $run_dir)"
  local ports=() pids=() i port front="" attempt hpid
  for i in $(seq "$replicas"); do
    port=$(start_replica "$i") || { stop_all; exit 1; }
    ports+=("$port"); pids+=("$(cat "$run_dir/replica-$i.pid")")
  done
  # The front port is picked free, then bound by HAProxy: another process may take it in between, so retry.
  for attempt in 1 2 3; do
    port=$(free_port)
    render "$port" "${ports[@]}" >"$run_dir/haproxy.cfg"
    "$HAPROXY_BIN" -c -q -f "$run_dir/haproxy.cfg" || { stop_all; die "rendered $run_dir/haproxy.cfg does not check"; }
    "$HAPROXY_BIN" -db -f "$run_dir/haproxy.cfg" </dev/null >"$run_dir/haproxy.log" 2>&1 &
    hpid=$!
    echo "$hpid" >"$run_dir/haproxy.pid"
    for i in $(seq 50); do
      if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then front="127.0.0.1:$port"; break; fi
      runs "$hpid" haproxy || break
      sleep 0.1
    done
    [ -n "$front" ] && break
    stop_pid "$hpid" haproxy
  done
  [ -n "$front" ] || { stop_all; die "haproxy did not listen: $(tail -3 "$run_dir/haproxy.log")"; }
  local list
  list=$(printf '127.0.0.1:%s,' "${ports[@]}"); list=${list%,}
  {
    echo "front=$front"
    echo "replicas=$list"
    echo "replica_pids=$(IFS=,; echo "${pids[*]}")"
    echo "haproxy_pid=$hpid"
  } >"$run_dir/fleet.env"
  sed 's/=/: /' "$run_dir/fleet.env"
}

case "$cmd" in
  start) start ;;
  stop) stop_all ;;
  reload)
    for f in "$run_dir"/replica-*.pid; do
      [ -f "$f" ] && runs "$(cat "$f")" cf-certifier && kill -HUP "$(cat "$f")"
    done ;;
  up)
    trap stop_all EXIT
    trap 'exit 0' INT TERM
    start
    echo "fleet.sh: running; Ctrl-C stops it" >&2
    while :; do sleep 1; done ;;
  *) usage ;;
esac
