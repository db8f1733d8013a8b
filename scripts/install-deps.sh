#!/usr/bin/env bash
# Installs what cf-pkcs11 needs from Debian 12's packages. Idempotent, and quiet when everything is present.
set -euo pipefail

PACKAGES=(
  # build
  build-essential cmake ninja-build pkg-config git
  libssl-dev openssl libprotobuf-dev protobuf-compiler libsqlite3-dev sqlite3 libp11-kit-dev p11-kit
  libgtest-dev libgmock-dev libcli11-dev
  libtss2-dev  # TPM 2.0 platform (attest/tpm): ESAPI, tctildr, MU, RC
  nlohmann-json3-dev  # attest/tdx: Intel TCB info and QE identity collateral (JSON)
  clang-format  # scripts/check-format.sh
  clang libclang-rt-dev  # scripts/test.sh's asan and fuzz stages: ASan, UBSan and libFuzzer runtimes
  # reference token and real clients driven by the tests and the demo
  softhsm2 opensc openssh-client openssh-server nginx libengine-pkcs11-openssl gnutls-bin libnss3-tools
  python3 python3-pykcs11 curl cryptsetup-bin util-linux procps
  swtpm swtpm-tools  # a software TPM 2.0 for the tpm-enclave tests and demo
  haproxy  # scripts/fleet.sh: Certifier Service replicas behind a TCP balancer (tests/fleet)
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
