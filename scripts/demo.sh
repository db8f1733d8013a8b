#!/usr/bin/env bash
# demo.sh: the README's one-command story of cf-pkcs11, told step by step on 127.0.0.1 in a temp dir: the
# framework's OS utility on a simulated enclave, a Certifier Service, the PKCS#11 token that certifies on its first
# C_Login (certification cached), ssh and nginx with keys on the token. Installs what is needed and builds (incrementally) unless CF_DEMO_SKIP_BUILD is set (ctest `demo`);
# the build is $CF_BUILD_DIR or ./build. Stops everything it started (by PID), even on failure; exit 0 = all good.
# `--enclave-type tpm-enclave` runs it on the TPM 2.0 platform: on the TPM named by --tpm-tcti (e.g.
# device:/dev/tpmrm0), else on a swtpm the demo starts (and stops) itself.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
ENCLAVE=simulated-enclave
TPM_TCTI=""
while [ $# -gt 0 ]; do
  case "$1" in
    --enclave-type) ENCLAVE=${2:-}; shift 2 ;;
    --tpm-tcti) TPM_TCTI=${2:-}; shift 2 ;;
    *) echo "demo.sh: unknown argument '$1' (use --enclave-type simulated-enclave|tpm-enclave [--tpm-tcti TCTI])" >&2
       exit 1 ;;
  esac
done
case "$ENCLAVE" in simulated-enclave | tpm-enclave) ;; *)
  echo "demo.sh: --enclave-type '$ENCLAVE': the demo runs on simulated-enclave or tpm-enclave" >&2; exit 1 ;;
esac
if [ -z "${CF_DEMO_SKIP_BUILD:-}" ]; then
  bash "$ROOT/scripts/install-deps.sh" || exit 1
  bash "$ROOT/scripts/build.sh" || exit 1
fi
BUILD=$(cd "$ROOT" && readlink -f "${CF_BUILD_DIR:-build}")
export MODULE=$BUILD/pkcs11/libcf-pkcs11.so
TOOLS=$BUILD/tools
# A fresh token of our own: nothing inherited may point the module elsewhere.
unset CF_PKCS11_TOKEN_DIR CF_PKCS11_CONF SOFTHSM2_CONF OPENSSL_CONF CF_PKCS11_TPM_TCTI
TOKEN_LABEL=cf-demo
DEMO_LIMIT=${DEMO_LIMIT:-120}   # seconds the whole demo may take before it is stopped as hung
# shellcheck source=SCRIPTDIR/../pkcs11-tool-scripts/common.sh
. "$ROOT/pkcs11-tool-scripts/common.sh"
for tool in cf-osutility cf-policy cf-certifier cf-attest; do
  [ -x "$TOOLS/$tool/$tool" ] || fail "$TOOLS/$tool/$tool is not built (run scripts/build.sh)"
done
need pkcs11-tool openssl ssh ssh-keygen nginx curl
[ -f "$ARCH_LIB/engines-3/pkcs11.so" ] || skip "libp11's engine (libengine-pkcs11-openssl) is not installed"
setup
START=$(date +%s)
if [ "$ENCLAVE" = tpm-enclave ] && [ -z "$TPM_TCTI" ]; then
  # A software TPM of our own: server port P, control port P+1, state in the temp dir.
  command -v swtpm >/dev/null || fail "swtpm is not installed (scripts/install-deps.sh installs swtpm swtpm-tools)"
  TPM_PORT=$(free_port)
  (exec 3<>"/dev/tcp/127.0.0.1/$((TPM_PORT + 1))") 2>/dev/null && TPM_PORT=$(free_port)
  mkdir -p "$TMP/swtpm"
  bg swtpm socket --tpm2 --server "type=tcp,port=$TPM_PORT,bindaddr=127.0.0.1" \
    --ctrl "type=tcp,port=$((TPM_PORT + 1)),bindaddr=127.0.0.1" --tpmstate "dir=$TMP/swtpm" \
    --flags not-need-init,startup-clear
  wait_port "$TPM_PORT"
  TPM_TCTI="swtpm:host=127.0.0.1,port=$TPM_PORT"
fi
# Every tool finds the TPM through this; the module through tpm_tcti in its configuration (nginx clears the
# environment of its workers). Empty on the simulated enclave (the default TCTI, unused there).
[ -n "$TPM_TCTI" ] && export CF_PKCS11_TPM_TCTI=$TPM_TCTI
# Watchdog: a hang anywhere ends the demo (and the trap stops what it started) instead of blocking CI.
# Its sleep dies with it, so nothing of ours outlives the demo.
bg bash -c "trap 'kill \$s 2>/dev/null; exit 0' TERM; sleep $DEMO_LIMIT & s=\$!; wait \$s
  echo 'demo: over ${DEMO_LIMIT}s, stopping' >&2; kill -TERM $$"

headline() { printf '\n[%s/6] %s\n' "$1" "$2"; }
say() { printf '      %s\n' "$*"; }
osu() { timeout "$T" "$TOOLS/cf-osutility/cf-osutility" --enclave-type "$ENCLAVE" "$@"; }
# last_line FILE: the tool's own report of what it did (its stderr), indented.
last_line() { say "$(tail -1 "$1")"; }

headline 1 "Foundation: cf-osutility (the framework's OS utility) on the $ENCLAVE platform, fresh token dir"
[ -n "$TPM_TCTI" ] && say "the TPM: $TPM_TCTI (the store is sealed to its PCR 7; quotes certify the token)"
osu --init-trust 2>"$TMP/osu.log" || { cat "$TMP/osu.log" >&2; fail "--init-trust"; }
last_line "$TMP/osu.log"
MEASUREMENT=$(sed -n 's/.*measurement \([0-9a-f]\{64\}\).*/\1/p' "$TMP/osu.log")
[ -n "$MEASUREMENT" ] || fail "--init-trust did not report the platform measurement"
for args in "--symmetric-algorithm aes-256-gcm --tag disk-key" "--public-key-algorithm rsa-2048 --tag os-rsa-key" \
  "--public-key-algorithm ecc-256 --tag os-ec-key"; do
  # shellcheck disable=SC2086  # the word list is the point
  osu --generate-and-save-key $args 2>"$TMP/osu.log" || { cat "$TMP/osu.log" >&2; fail "--generate-and-save-key $args"; }
  last_line "$TMP/osu.log"
done
echo "volume secret v1" >"$TMP/item1"
echo "volume secret v2" >"$TMP/item2"
for v in 1 2; do
  osu --put-item "$TMP/item$v" --tag volume-note --type binary-blob --exportable 2>"$TMP/osu.log" ||
    { cat "$TMP/osu.log" >&2; fail "--put-item"; }
  last_line "$TMP/osu.log"
done
[ "$(osu --get-item --tag volume-note 2>/dev/null)" = "volume secret v2" ] || fail "--get-item did not return v2"
[ "$(osu --get-item --tag volume-note --version 1 2>/dev/null)" = "volume secret v1" ] ||
  fail "--get-item --version 1 did not return v1"
say "--get-item round trip: latest is 'volume secret v2', --version 1 is 'volume secret v1'"
[ "$(osu --latest-version --tag volume-note 2>/dev/null)" = 2 ] || fail "--latest-version is not 2"
say "--latest-version --tag volume-note: 2"
say "--print-cryptstore (metadata only, never secret bytes):"
osu --print-cryptstore 2>/dev/null | cut -f1-3,6 | sed 's/^/        /'

headline 2 "Certification: a policy and a Certifier Service (cf-policy, cf-certifier)"
mkdir -p "$TMP/cs"
timeout "$T" "$TOOLS/cf-policy/cf-policy" make-key --key-out "$TMP/cs/policy_key.bin" \
  --cert-out "$TMP/cs/policy_cert.pem" --domain cf-demo --algorithm ecc-256 2>"$TMP/cs/policy.log" ||
  { cat "$TMP/cs/policy.log" >&2; fail "cf-policy make-key"; }
last_line "$TMP/cs/policy.log"
timeout "$T" openssl verify -CAfile "$TMP/cs/policy_cert.pem" "$TMP/cs/policy_cert.pem" >/dev/null ||
  fail "the policy certificate is not a valid self-signed CA"
say "openssl verify: the policy certificate ($(openssl x509 -in "$TMP/cs/policy_cert.pem" -noout -subject)) is OK"
if [ "$ENCLAVE" = tpm-enclave ]; then
  # The policy trusts the TPM's attestation key itself (attest/tpm/README.md).
  cp "$CF_PKCS11_TOKEN_DIR/platform/ak.pub" "$TMP/cs/platform_key.bin" || fail "the TPM platform has no ak.pub"
  say "the platform key is the TPM's attestation key ($CF_PKCS11_TOKEN_DIR/platform/ak.pub)"
else
  timeout "$T" "$TOOLS/cf-attest/cf-attest" platform-key --platform-dir "$CF_PKCS11_TOKEN_DIR/platform" \
    --out "$TMP/cs/platform_key.bin" 2>"$TMP/cs/attest.log" ||
    { cat "$TMP/cs/attest.log" >&2; fail "cf-attest platform-key"; }
  last_line "$TMP/cs/attest.log"
fi
printf 'trust-platform-key %s\ntrust-measurement %s\nadmission-validity-days 1\n' "$TMP/cs/platform_key.bin" \
  "$MEASUREMENT" >"$TMP/cs/policy.txt"
timeout "$T" "$TOOLS/cf-policy/cf-policy" compile --in "$TMP/cs/policy.txt" --key "$TMP/cs/policy_key.bin" \
  --out "$TMP/cs/policy.bin" 2>"$TMP/cs/policy.log" || { cat "$TMP/cs/policy.log" >&2; fail "cf-policy compile"; }
timeout "$T" "$TOOLS/cf-policy/cf-policy" print --policy "$TMP/cs/policy.bin" --key "$TMP/cs/policy_key.bin" \
  2>/dev/null | sed 's/^/        /'
bg "$TOOLS/cf-certifier/cf-certifier" --policy-key-file "$TMP/cs/policy_key.bin" \
  --policy-cert-file "$TMP/cs/policy_cert.pem" --policy-file "$TMP/cs/policy.bin" --port 0 --workers 2 \
  --log-file "$TMP/cs/certifier.log"
CS_PORT=""
for _ in $(seq 1 100); do
  CS_PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$TMP/cs/certifier.log" 2>/dev/null)
  [ -n "$CS_PORT" ] && break
  sleep 0.1
done
[ -n "$CS_PORT" ] || { cat "$TMP/cs/certifier.log" >&2; fail "cf-certifier did not start"; }
wait_port "$CS_PORT"
say "cf-certifier listens on 127.0.0.1:$CS_PORT (2 workers, the policy above)"
# The demo's token certifies on C_Login. CACHED rather than REQUIRED: a certificate stays good for its validity, so
# only the first login asks cf-certifier, and every later login (pkcs11-tool, ssh, nginx's master and each worker
# after fork) checks the stored certificate locally; REQUIRED would ask the service at every one of them.
export CF_PKCS11_CONF=$TMP/cf-pkcs11.conf
cat >"$CF_PKCS11_CONF" <<EOF
tokens {
  label: "$TOKEN_LABEL"
  directory: "$CF_PKCS11_TOKEN_DIR"
  enclave_type: "$ENCLAVE"
  tpm_tcti: "$TPM_TCTI"
  certification: CERTIFICATION_CACHED
  certifier_address: "127.0.0.1:$CS_PORT"
  policy_certificate: "$TMP/cs/policy_cert.pem"
}
EOF
say "the token's configuration (CF_PKCS11_CONF): certification: CERTIFICATION_CACHED, certifier_address:"
say "127.0.0.1:$CS_PORT, policy_certificate: policy_cert.pem (only the first C_Login asks the service)"

headline 3 "The token: libcf-pkcs11.so through pkcs11-tool"
init_token
say "pkcs11-tool --init-token --label $TOKEN_LABEL, --init-pin: done. C_InitToken destroys what can be destroyed:"
say "the OS's cf-osutility entries are CKA_DESTROYABLE=FALSE and stay (no plaintext copy is ever made)"
admissions() { grep -c 'admitted' "$TMP/cs/certifier.log"; }
[ "$(admissions)" -eq 0 ] || fail "cf-certifier admitted something before the token's first login"
t0=$(date +%s%N)
CF_PKCS11_DEBUG=1 p11 --token-label "$TOKEN_LABEL" --login --pin "$USER_PIN" --list-objects >"$TMP/first-login.txt" \
  2>"$TMP/module.log" || { cat "$TMP/module.log" "$TMP/cs/certifier.log" >&2; fail "the first C_Login"; }
first_ms=$((($(date +%s%N) - t0) / 1000000))
[ "$(admissions)" -eq 1 ] || { cat "$TMP/module.log" >&2; fail "the first C_Login did not certify"; }
say "the first C_Login (pkcs11-tool --login, ${first_ms} ms) certified the token's auth key with cf-certifier;"
say "the module says: $(grep -m1 -o 'admission certificate valid until.*' "$TMP/module.log")"
# id_of CLASS LABEL: the CKA_ID pkcs11-tool lists for the object of that class ("Certificate", "Private Key").
id_of() {
  awk -v c="$1 Object" -v l="$2" '/^[A-Z]/ {head=$0; label=""} /^ +label:/ {label=$2}
    /^ +ID:/ && index(head, c) == 1 && label == l {print $2; exit}' "$TMP/first-login.txt"
}
cert_id=$(id_of Certificate admission-certificate)
key_id=$(id_of "Private Key" auth-key)
[ -n "$cert_id" ] && [ "$cert_id" = "$key_id" ] ||
  { cat "$TMP/first-login.txt" >&2; fail "admission-certificate's CKA_ID '$cert_id' is not auth-key's '$key_id'"; }
say "pkcs11-tool --list-objects: certificate 'admission-certificate' and private key 'auth-key', both CKA_ID $cert_id"
p11 --token-label "$TOKEN_LABEL" --read-object --type cert --label admission-certificate -o "$TMP/cs/admission.der" \
  >/dev/null 2>&1 || fail "pkcs11-tool --read-object admission-certificate"
openssl x509 -inform der -in "$TMP/cs/admission.der" -out "$TMP/cs/admission.pem" ||
  fail "the admission certificate read through PKCS#11 is not DER X.509"
timeout "$T" openssl verify -CAfile "$TMP/cs/policy_cert.pem" "$TMP/cs/admission.pem" >"$TMP/cs/verify.txt" 2>&1 ||
  { cat "$TMP/cs/verify.txt" >&2; fail "openssl verify of the admission certificate"; }
say "pkcs11-tool --read-object, then openssl verify -CAfile policy_cert.pem: $(sed 's/.*: //' "$TMP/cs/verify.txt")"
say "  $(openssl x509 -in "$TMP/cs/admission.pem" -noout -subject | cut -c1-100)..."
osu --get-item --tag admission-certificate --type X509-der-cert --output-file "$TMP/cs/admission-osu.der" \
  2>/dev/null || fail "cf-osutility --get-item admission-certificate"
cmp -s "$TMP/cs/admission.der" "$TMP/cs/admission-osu.der" || fail "cf-osutility reads another admission certificate"
say "cf-osutility --get-item --tag admission-certificate reads the same certificate (one store, two interfaces)"
keygen rsa:2048 01 web-rsa
keygen EC:prime256v1 02 ssh-ec
say "pkcs11-tool --keypairgen: RSA-2048 'web-rsa' (id 01) and ECDSA P-256 'ssh-ec' (id 02) generated on the token"
p11 --token-label "$TOKEN_LABEL" --login --pin "$USER_PIN" --list-objects >"$TMP/objects.txt" 2>/dev/null ||
  fail "pkcs11-tool --list-objects"
say "pkcs11-tool --list-objects after login:"
# pkcs11-tool quotes data object labels ('volume-note') and heads them "Data object N".
awk '/Object;|^Data object/ {t=$0; sub(/ EC_POINT.*/, "", t); sub(/^Data object.*/, "Data object", t)}
  /^ +label:/ {sub(/^ *label: */, ""); gsub(/'"'"'/, ""); printf "        %-32s %s\n", t, $0}' "$TMP/objects.txt"
for label in disk-key os-rsa-key os-ec-key volume-note auth-key admission-certificate policy-certificate web-rsa \
  ssh-ec; do
  grep -qE "label: +'?$label'?\$" "$TMP/objects.txt" || fail "object '$label' is not on the token"
done
say "the cf-osutility entries (disk-key, os-rsa-key, os-ec-key, volume-note) and what C_Login's certification"
say "stored (auth-key, admission-certificate, policy-certificate, certification-evidence) are PKCS#11 objects"

headline 4 "ssh: a throwaway sshd trusts the token's keys; ssh -I libcf-pkcs11.so runs a command"
timeout "$T" ssh-keygen -D "$MODULE" >"$TMP/authorized_keys" 2>/dev/null || fail "ssh-keygen -D"
say "ssh-keygen -D printed $(wc -l <"$TMP/authorized_keys") public keys from the token; they are authorized_keys"
start_sshd "$TMP/authorized_keys"
printf '#!/bin/sh\necho %s\n' "$USER_PIN" >"$TMP/askpass"
chmod 700 "$TMP/askpass"
out=$(SSH_ASKPASS=$TMP/askpass SSH_ASKPASS_REQUIRE=force DISPLAY=${DISPLAY:-:0} timeout "$T" ssh -F /dev/null \
  -p "$SSHD_PORT" -o UserKnownHostsFile="$TMP/known_hosts" -o StrictHostKeyChecking=no \
  -o PasswordAuthentication=no -o KbdInteractiveAuthentication=no -o ConnectTimeout=10 -I "$MODULE" \
  "$(id -un)@127.0.0.1" 'echo "logged in as $(id -un) with a key that never left the token"' 2>"$TMP/ssh.err") ||
  { cat "$TMP/ssh.err" "$TMP/sshd.log" >&2; fail "ssh -I $MODULE"; }
say "sshd on 127.0.0.1:$SSHD_PORT answered: $out"

headline 5 "nginx: TLS with the token's RSA key through libp11's engine, 2 workers; curl fetches a page"
engine_conf "$TMP/openssl.cnf"
export OPENSSL_CONF=$TMP/openssl.cnf
timeout "$T" openssl req -new -x509 -days 2 -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost" -sha256 \
  -engine pkcs11 -keyform engine -key "$(uri web-rsa)" -out "$TMP/web-cert.pem" 2>/dev/null ||
  fail "openssl req -x509 through the engine"
say "openssl req -x509 -engine pkcs11: a certificate for 'web-rsa', signed on the token"
NGINX_PORT=$(free_port)
nginx_conf web "$NGINX_PORT" "$TMP/web-cert.pem" "$(uri web-rsa)"
echo "Hello from nginx: this TLS session was signed by a key inside cf-pkcs11" >"$TMP/www/index.html"
bg "$(command -v nginx)" -p "$TMP/nginx" -e "$TMP/nginx/logs/web-error.log" -c "$TMP/nginx/web.conf"
wait_port "$NGINX_PORT"
ok=0
for _ in $(seq 1 10); do
  page=$(timeout "$T" env -u OPENSSL_CONF curl -sS --max-time 10 --cacert "$TMP/web-cert.pem" \
    --resolve "localhost:$NGINX_PORT:127.0.0.1" "https://localhost:$NGINX_PORT/") ||
    { cat "$TMP/nginx/logs/web-error.log" >&2; fail "curl https://localhost:$NGINX_PORT/"; }
  [[ "$page" == Hello* ]] && ok=$((ok + 1))
done
[ "$ok" -eq 10 ] || fail "only $ok of 10 fetches returned the page"
say "curl --cacert web-cert.pem https://localhost:$NGINX_PORT/ (10 times, all verified): $page"
[ "$(admissions)" -eq 1 ] || fail "a login after the first asked cf-certifier again ($(admissions) admissions)"
say "every login after the first (pkcs11-tool, ssh, nginx's master and its workers after fork) used the cached"
say "admission certificate: cf-certifier admitted the token once in the whole demo"

headline 6 "Summary"
say "cf-osutility entries, a Certifier Service, a PKCS#11 token that certified on its first C_Login"
say "(admission certificate verified under the policy), ssh and nginx on one sealed store: all OK"
say "in $(($(date +%s) - START)) s; stopping cf-certifier, sshd and nginx (by PID) and removing $TMP"
echo "PASS: demo"
