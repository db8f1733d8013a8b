#!/usr/bin/env bash
# usage: fleet_test.sh short|long FLEET_BENCH CF_CERTIFIER CF_POLICY FLEET_SH
# short: 20 VMs x 10 rounds through HAProxy to 2 replicas, one SIGKILLed 300 ms in: 0 failed certifications; then
#        every replica down: each certification fails UNREACHABLE within its deadline.
# long:  200 VMs x 5 rounds: through HAProxy, direct to both replicas (client-side list), direct to one replica,
#        the kill run, all down; with the policy key's raw signature rate. CF_FLEET_KEEP=1 keeps the work dir.
set -euo pipefail
mode=$1 bench=$2 certifier=$3 policy_tool=$4 fleet=$5
case "$mode" in
  short) vms=20 rounds=10 kill_after=300 hosts=2 auth=ecc-256 ;;  # ECC auth keys: prepared in a moment
  long) vms=${FLEET_VMS:-200} rounds=${FLEET_ROUNDS:-5} kill_after=${FLEET_KILL_AFTER_MS:-1000} hosts=4 auth=rsa-2048 ;;
  *) echo "usage: $0 short|long ..." >&2; exit 2 ;;
esac
work=$(mktemp -d /tmp/cf-fleet-test-XXXXXX)
export CF_CERTIFIER_BIN=$certifier
cleanup() {
  bash "$fleet" stop --run-dir "$work/run" || true
  if [ -z "${CF_FLEET_KEEP:-}" ]; then rm -rf "$work"; else echo "kept $work"; fi
}
trap cleanup EXIT

"$bench" prepare --dir "$work/vms" --vms "$vms" --hosts "$hosts" --auth-algorithm "$auth"
"$policy_tool" make-key --key-out "$work/policy_key.bin" --cert-out "$work/policy_cert.der" --domain fleet >/dev/null
"$policy_tool" compile --in "$work/vms/policy.txt" --key "$work/policy_key.bin" --out "$work/policy.bin" >/dev/null
bash "$fleet" start --run-dir "$work/run" --replicas 2 --policy-key-file "$work/policy_key.bin" \
  --policy-cert-file "$work/policy_cert.der" --policy-file "$work/policy.bin"
# shellcheck disable=SC1091
source "$work/run/fleet.env"  # front, replicas, replica_pids, haproxy_pid
common=(--dir "$work/vms" --policy-cert-file "$work/policy_cert.der" --rounds "$rounds" --replica-pids "$replica_pids")
uptime

if [ "$mode" = long ]; then
  "$bench" run "${common[@]}" --front "$front" --balancer-pid "$haproxy_pid" --raw-sign-key "$work/policy_key.bin" \
    --label "haproxy, 2 replicas"
  "$bench" run "${common[@]}" --front "$replicas" --label "direct, both replicas listed by the client"
  "$bench" run "${common[@]}" --front "${replicas%%,*}" --label "direct, one replica"
  uptime
fi

# One replica SIGKILLed mid-run: no certification may fail (the client retries through the front).
victim=${replica_pids%%,*}
out=$("$bench" run "${common[@]}" --front "$front" --balancer-pid "$haproxy_pid" --kill-pid "$victim" \
  --kill-after-ms "$kill_after" --label "haproxy, 2 replicas, one killed at ${kill_after} ms") || {
  echo "$out"; echo "fleet: certifications failed with a replica killed" >&2; exit 1; }
echo "$out"
grep -q '^replica_killed: yes$' <<<"$out" || { echo "fleet: the run ended before the kill" >&2; exit 1; }
grep -q '^failed: 0$' <<<"$out" || exit 1

# Every replica down: HAProxy still accepts, but each certification must fail UNREACHABLE within its deadline.
survivor=${replica_pids#*,}
kill -TERM "$survivor"
# Gone once its command line is (a zombie's is empty).
for _ in $(seq 50); do [ -s "/proc/$survivor/cmdline" ] || break; sleep 0.1; done
out=$("$bench" run --dir "$work/vms" --policy-cert-file "$work/policy_cert.der" --vms 4 --front "$front" \
  --deadline-ms 3000 --expect unreachable --label "haproxy, every replica down") || {
  echo "$out"; echo "fleet: not UNREACHABLE within the deadline with every replica down" >&2; exit 1; }
echo "$out"
grep -q 'no Certifier Service answered' <<<"$out" || { echo "fleet: the failure does not say why" >&2; exit 1; }
echo "fleet: $mode passed"
