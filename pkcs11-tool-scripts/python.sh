#!/bin/bash
# python.sh: PyKCS11 (python3-pykcs11) on the token: list slots and objects, sign with RSA (SHA256_RSA_PKCS) and
# ECDSA P-256 (CKM_ECDSA over a SHA-256 digest), verify on the token and again with openssl, and check that a wrong
# PIN raises CKR_PIN_INCORRECT and a missing object is simply not found.
# Quirk: the Debian package is for /usr/bin/python3; a pyenv/venv python3 earlier in PATH does not see it.
. "$(dirname "$0")/common.sh"
PY=/usr/bin/python3
[ -x "$PY" ] && "$PY" -c 'import PyKCS11' 2>/dev/null || skip "PyKCS11 is not installed (python3-pykcs11)"
need pkcs11-tool openssl
setup
init_token

step "RSA 2048 and ECDSA P-256 key pairs on the token"
keygen rsa:2048 01 py-rsa-key
keygen EC:prime256v1 02 py-ec-key
export_pub 01 "$TMP/rsa-pub.pem"
export_pub 02 "$TMP/ec-pub.pem"
echo "signed from Python" >"$TMP/data"

step "PyKCS11: slots, objects, sign and verify"
timeout "$T" "$PY" - "$MODULE" "$TOKEN_LABEL" "$USER_PIN" "$TMP" <<'EOF' || fail "PyKCS11 checks"
import hashlib, sys
import PyKCS11
from PyKCS11.LowLevel import CKR_PIN_INCORRECT

module, label, pin, tmp = sys.argv[1:5]
lib = PyKCS11.PyKCS11Lib()
lib.load(module)
slots = [s for s in lib.getSlotList(tokenPresent=True) if lib.getTokenInfo(s).label.strip() == label]
assert len(slots) == 1, f"want one slot with token {label!r}, found {len(slots)}"
slot = slots[0]
print("slot", slot, "token", lib.getTokenInfo(slot).label.strip(), lib.getTokenInfo(slot).manufacturerID.strip())

# A wrong PIN first: the error must be CKR_PIN_INCORRECT, not a crash or another code.
s = lib.openSession(slot, PyKCS11.CKF_SERIAL_SESSION)
try:
    s.login("999999")
    sys.exit("login with a wrong PIN succeeded")
except PyKCS11.PyKCS11Error as e:
    assert e.value == CKR_PIN_INCORRECT, f"wrong PIN gave {e} instead of CKR_PIN_INCORRECT"
s.login(pin)

objs = s.findObjects([])
names = sorted(str(s.getAttributeValue(o, [PyKCS11.CKA_LABEL])[0]) for o in objs)
print("objects:", names)
for want in ("py-rsa-key", "py-ec-key"):
    assert names.count(want) == 2, f"{want}: want a public and a private object, have {names}"
assert s.findObjects([(PyKCS11.CKA_LABEL, "no-such-key")]) == [], "a missing label matched an object"

data = open(f"{tmp}/data", "rb").read()
def key(cls, label):
    found = s.findObjects([(PyKCS11.CKA_CLASS, cls), (PyKCS11.CKA_LABEL, label)])
    assert len(found) == 1, f"{label}: {len(found)} objects of class {cls}"
    return found[0]

rsa_mech = PyKCS11.Mechanism(PyKCS11.CKM_SHA256_RSA_PKCS, None)
sig = bytes(s.sign(key(PyKCS11.CKO_PRIVATE_KEY, "py-rsa-key"), data, rsa_mech))
assert s.verify(key(PyKCS11.CKO_PUBLIC_KEY, "py-rsa-key"), data, sig, rsa_mech), "RSA verify on the token"
assert not s.verify(key(PyKCS11.CKO_PUBLIC_KEY, "py-rsa-key"), data + b"x", sig, rsa_mech), "RSA forgery"
open(f"{tmp}/rsa.sig", "wb").write(sig)

ec_mech = PyKCS11.Mechanism(PyKCS11.CKM_ECDSA, None)
digest = hashlib.sha256(data).digest()
ec_sig = bytes(s.sign(key(PyKCS11.CKO_PRIVATE_KEY, "py-ec-key"), digest, ec_mech))
assert len(ec_sig) == 64, f"CKM_ECDSA on P-256 must give 64 bytes r||s, got {len(ec_sig)}"
assert s.verify(key(PyKCS11.CKO_PUBLIC_KEY, "py-ec-key"), digest, ec_sig, ec_mech), "ECDSA verify on the token"
# DER-encode r||s for openssl.
def der_int(b):
    b = b.lstrip(b"\0") or b"\0"
    if b[0] & 0x80:
        b = b"\0" + b
    return b"\x02" + bytes([len(b)]) + b
body = der_int(ec_sig[:32]) + der_int(ec_sig[32:])
open(f"{tmp}/ec.sig", "wb").write(b"\x30" + bytes([len(body)]) + body)
s.logout()
s.closeSession()
EOF

step "openssl verifies both signatures made through PyKCS11"
openssl dgst -sha256 -verify "$TMP/rsa-pub.pem" -signature "$TMP/rsa.sig" "$TMP/data" || fail "RSA signature"
openssl dgst -sha256 -verify "$TMP/ec-pub.pem" -signature "$TMP/ec.sig" "$TMP/data" || fail "ECDSA signature"

step "fault: a module path typo raises an error in PyKCS11"
expect_fail "PyKCS11 load of a mistyped path" timeout "$T" "$PY" -c \
  'import sys, PyKCS11; PyKCS11.PyKCS11Lib().load(sys.argv[1])' "$MODULE.typo" >/dev/null 2>&1
echo "PASS: python"
