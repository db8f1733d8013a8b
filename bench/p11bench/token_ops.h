// One PKCS#11 session seen as the calls p11bench makes: object creation, key generation, attribute reads and
// single-part crypto. Every call returns the module's CKR_ name on failure, so a benchmark a module cannot run
// becomes "n/a (CKR_...)" instead of a crash.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"
#include "pkcs11/include/pkcs11_types.h"

namespace cf::bench {

// DER OBJECT IDENTIFIERs for CKA_EC_PARAMS.
extern const Bytes kP256Params;
extern const Bytes kP384Params;
extern const Bytes kEd25519Params;

struct KeyPair {
  CK_OBJECT_HANDLE pub = CK_INVALID_HANDLE;
  CK_OBJECT_HANDLE priv = CK_INVALID_HANDLE;
};

class TokenOps {
 public:
  TokenOps(CK_FUNCTION_LIST* f, CK_SESSION_HANDLE session) : f_(f), s_(session) {}
  CK_FUNCTION_LIST* f() const { return f_; }
  CK_SESSION_HANDLE session() const { return s_; }

  // Token (persistent) key pairs; label names both halves.
  Result<KeyPair> GenerateRsa(const std::string& label, bool token = true);
  // key_type CKK_EC (params = curve OID) or CKK_EC_EDWARDS (kEd25519Params).
  Result<KeyPair> GenerateEc(CK_KEY_TYPE key_type, const Bytes& params, const std::string& label, bool token = true);
  // A token secret key with a known value, so results can be checked against OpenSSL.
  Result<CK_OBJECT_HANDLE> CreateSecret(CK_KEY_TYPE key_type, ByteView value, const std::string& label);
  // A token data object (CKA_PRIVATE true) holding value.
  Result<CK_OBJECT_HANDLE> CreateData(const std::string& label, ByteView value);
  Status Destroy(CK_OBJECT_HANDLE object);
  Result<Bytes> Attribute(CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type);
  // Handles of the objects whose CKA_LABEL is label (at most max).
  Result<std::vector<CK_OBJECT_HANDLE>> FindByLabel(const std::string& label, CK_ULONG max = 2);

  Result<Bytes> Sign(CK_MECHANISM* mech, CK_OBJECT_HANDLE key, ByteView data);
  Status Verify(CK_MECHANISM* mech, CK_OBJECT_HANDLE key, ByteView data, ByteView sig);
  Result<Bytes> Encrypt(CK_MECHANISM* mech, CK_OBJECT_HANDLE key, ByteView data);
  Result<Bytes> Decrypt(CK_MECHANISM* mech, CK_OBJECT_HANDLE key, ByteView data);
  Result<Bytes> Digest(CK_MECHANISM* mech, ByteView data);
  Result<CK_OBJECT_HANDLE> DeriveSecret(CK_MECHANISM* mech, CK_OBJECT_HANDLE key, CK_ULONG length);

 private:
  CK_FUNCTION_LIST* f_;
  CK_SESSION_HANDLE s_;
};

}  // namespace cf::bench
