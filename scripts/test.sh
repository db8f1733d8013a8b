#!/usr/bin/env bash
# The README's test command: installs what is needed, builds, runs every test except the `long` label and checks
# every tracked C/C++ file against .clang-format (scripts/check-format.sh); then rebuilds only the PKCS#11 module
# and its tests with ASan/LSan in ./build-asan (or $CF_ASAN_BUILD_DIR) and reruns them there (label p11module, plus
# conformance.ours when the suite exists). CF_SKIP_ASAN=1 skips that second part.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
(cd build && ctest --output-on-failure -LE long -j "$(nproc)" --timeout 900)
# Every tracked C/C++ file against .clang-format (skips with a message when clang-format is missing).
bash scripts/check-format.sh

if [ "${CF_SKIP_ASAN:-0}" != 1 ]; then
  asan_dir=${CF_ASAN_BUILD_DIR:-build-asan}
  # Debug (-O0) keeps the instrumented build short; only the module's targets are built.
  cmake -S . -B "$asan_dir" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCF_SANITIZE=address >/dev/null
  targets=(cf-pkcs11 pkcs11_model_test pkcs11_abi_test pkcs11_concurrency_test libctx_test)
  # Read the whole target list before searching it: `ninja ... | grep -q` under pipefail fails whenever grep
  # quits before ninja has written everything (SIGPIPE), which skipped building the suite now and then.
  all_targets=$(ninja -C "$asan_dir" -t targets all 2>/dev/null || true)
  if grep -q '^conformance_test:' <<<"$all_targets"; then
    targets+=(conformance_test)
  fi
  cmake --build "$asan_dir" --target "${targets[@]}" -j "$(nproc)" >/dev/null
  cd "$asan_dir"
  # Only instrumented code runs here: pkcs11-tool and SoftHSMv2 are not built with ASan (their tests stay in ./build).
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 LSAN_OPTIONS=exitcode=23
  ctest --output-on-failure -L p11module -j "$(nproc)" --timeout 600
  if [ -n "$(ctest -N -R '^conformance\.ours$' | grep 'conformance.ours' || true)" ]; then
    ctest --output-on-failure -R '^conformance\.ours$' --timeout 600
  fi
fi
