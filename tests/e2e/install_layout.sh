#!/bin/bash
# install_layout.sh BUILD_DIR SOURCE_DIR: `cmake --install` of that build into a DESTDIR staging tree puts the
# module, its p11-kit registration (naming the installed module), the vendor header, the pkg-config file and the
# tools where the build's prefix says; with prefix /usr that is exactly Debian's layout. Writes only a temp dir.
set -u
BUILD=${1:?usage: install_layout.sh BUILD_DIR SOURCE_DIR}
SRC=${2:?usage: install_layout.sh BUILD_DIR SOURCE_DIR}
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
STAGE=$(mktemp -d "${TMPDIR:-/tmp}/cf-install.XXXXXX")
trap 'rm -rf "${STAGE%/root}"' EXIT

DESTDIR=$STAGE/root timeout 60 cmake --install "$BUILD" >"$STAGE/install.log" 2>&1 ||
  { cat "$STAGE/install.log" >&2; fail "cmake --install"; }
STAGE=$STAGE/root
PREFIX=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$BUILD/CMakeCache.txt")
PC=$(find "$STAGE" -name cf-pkcs11.pc | head -1)
[ -n "$PC" ] || fail "no cf-pkcs11.pc installed"
[[ "$PC" == "$STAGE$PREFIX/"*"/pkgconfig/cf-pkcs11.pc" ]] || fail "cf-pkcs11.pc at an unexpected place: $PC"
MODDIR=$(sed -n 's/^p11_module_path=//p' "$PC")
INCDIR=$(sed -n 's/^includedir=//p' "$PC")

[ -f "$STAGE$MODDIR/libcf-pkcs11.so" ] || fail "module not at $MODDIR/libcf-pkcs11.so"
[ -f "$STAGE$INCDIR/cf-pkcs11/cf_pkcs11.h" ] || fail "cf_pkcs11.h not at $INCDIR/cf-pkcs11/"
# What an application gets from `pkg-config --cflags cf-pkcs11`: our include dir and p11-kit's (cf_pkcs11.h
# includes <p11-kit/pkcs11.h>). Not through PKG_CONFIG_SYSROOT_DIR: that would prefix p11-kit's own -I too.
# shellcheck disable=SC2207
CFLAGS_PC=($(PKG_CONFIG_PATH=$(dirname "$PC") pkg-config --cflags cf-pkcs11)) ||
  fail "pkg-config cannot read cf-pkcs11.pc"
[[ " ${CFLAGS_PC[*]} " == *" -I$INCDIR/cf-pkcs11 "* ]] || fail "pkg-config --cflags lacks -I$INCDIR/cf-pkcs11"
[[ " ${CFLAGS_PC[*]} " == *" $(pkg-config --cflags p11-kit-1 | xargs) "* ]] ||
  fail "pkg-config --cflags cf-pkcs11 lacks p11-kit's flags (${CFLAGS_PC[*]})"
[ "$(PKG_CONFIG_PATH=$(dirname "$PC") pkg-config --variable=module cf-pkcs11)" = "$MODDIR/libcf-pkcs11.so" ] ||
  fail "pkg-config --variable=module cf-pkcs11 does not name $MODDIR/libcf-pkcs11.so"
# The header compiles on its own with exactly those flags (the staged include dir first, as it is not installed).
printf '#include <cf_pkcs11.h>\nint main(void) { return CKA_CF_VERSION == 0; }\n' >"$STAGE/app.c"
cc -I"$STAGE$INCDIR/cf-pkcs11" "${CFLAGS_PC[@]}" -o "$STAGE/app" "$STAGE/app.c" ||
  fail "cf_pkcs11.h does not compile with pkg-config --cflags cf-pkcs11"

MODFILE=$(find "$STAGE" -name cf-pkcs11.module | head -1)
if [ -f "$SRC/conf/cf-pkcs11.module" ]; then
  [ -n "$MODFILE" ] || fail "cf-pkcs11.module not installed"
  grep -qx "module: $MODDIR/libcf-pkcs11.so" "$MODFILE" || fail "$MODFILE does not name $MODDIR/libcf-pkcs11.so"
fi

if [ "$PREFIX" = /usr ]; then
  MULTIARCH=$(gcc -dumpmachine)
  [ "$MODDIR" = "/usr/lib/$MULTIARCH/pkcs11" ] || fail "module dir $MODDIR is not /usr/lib/$MULTIARCH/pkcs11"
  SYSCONF=$(pkg-config --variable=p11_module_configs p11-kit-1)
  [ -f "$STAGE$SYSCONF/cf-pkcs11.module" ] || fail "cf-pkcs11.module not in p11-kit's $SYSCONF"
fi

for tool in cf-osutility cf-certifier cf-policy cf-attest cf-key-server cf-key-client; do
  if [ -f "$BUILD/tools/$tool/$tool" ]; then
    [ -x "$STAGE$PREFIX/bin/$tool" ] || fail "$tool built but not installed in $PREFIX/bin"
  fi
done
echo "PASS: install layout under prefix $PREFIX (module in $MODDIR)"
