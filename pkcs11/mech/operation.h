// One cryptographic operation in progress: what C_*Init creates, the session holds (at most one per kind) and
// C_*Update / C_*Final drive. Families implement it over OpenSSL EVP; nothing here knows sessions or objects.
#pragma once

#include <cstdint>
#include <span>

#include "common/bytes.h"
#include "common/secure_bytes.h"
#include "common/status.h"
#include "pkcs11/include/pkcs11_types.h"

namespace cf::p11 {

enum class OpKind {
  kEncrypt,
  kDecrypt,
  kSign,
  kVerify,
  kDigest,
  kWrap,
  kUnwrap,
  kDerive,
  kGenerateKey,
  kGenerateKeyPair
};
// Every kind, for code that must look at all of a session's operations (C_GetOperationState). Keep in step with
// the enum above.
inline constexpr OpKind kAllOpKinds[] = {
    OpKind::kEncrypt, OpKind::kDecrypt, OpKind::kSign,   OpKind::kVerify,      OpKind::kDigest,
    OpKind::kWrap,    OpKind::kUnwrap,  OpKind::kDerive, OpKind::kGenerateKey, OpKind::kGenerateKeyPair};

// An error ends the operation (the model drops it).
class Operation {
 public:
  virtual ~Operation() = default;
  virtual bool multi_part() const = 0;  // false: C_*Update returns CKR_FUNCTION_NOT_SUPPORTED (EdDSA, RSA raw)
  // Upper bound of what Final (or a one-shot over input_len bytes) / Update(input_len) will output; used for
  // null-buffer length queries and the CKR_BUFFER_TOO_SMALL check before any work is done.
  virtual size_t MaxOutputLength(size_t input_len) const = 0;
  // Encrypt/decrypt append what is ready to *out; sign/verify/digest accumulate and append nothing.
  virtual Status Update(ByteView input, SecureBytes* out) = 0;
  // Sign, encrypt, decrypt, digest: append the rest of the output.
  virtual Status Final(SecureBytes* out) = 0;
  // Verify: CKR_SIGNATURE_INVALID / CKR_SIGNATURE_LEN_RANGE through Rv().
  virtual Status VerifyFinal(ByteView signature) = 0;
  // One-shot forms (C_Sign, C_Encrypt...). Defaults: Update then Final / VerifyFinal.
  virtual Status OneShot(ByteView input, SecureBytes* out);
  virtual Status OneShotVerify(ByteView data, ByteView signature);
  // Single-part output written straight into the caller's buffer, so C_Encrypt / C_Decrypt / C_Sign pay no
  // SecureBytes zero-fill, copy and wipe per call. The model calls it only when one_shot_into() is true and
  // out.size() >= MaxOutputLength(input.size()); it returns the bytes written. On any error nothing plaintext is
  // left in out (decryption wipes what it wrote). The default goes through OneShot and copies.
  virtual bool one_shot_into() const { return false; }
  virtual Result<size_t> OneShotInto(ByteView input, std::span<uint8_t> out);
  // C_GetOperationState (section 5.6): the operation's state as a self-contained byte string (digest_state.h)
  // that C_SetOperationState turns back into an equal operation in any session of any process. The default
  // answers CKR_STATE_UNSAVEABLE: only digests save their state, since anything keyed would carry key-dependent
  // context out of the token.
  virtual Result<SecureBytes> SaveState() const;
  // Input that must never leave the token (C_DigestKey: a key's value). Processed as Update would, but an
  // operation that keeps its input for SaveState must not keep this, and is unsaveable from then on. The default
  // is Update with the output discarded.
  virtual Status UpdateSecret(ByteView secret);
};

}  // namespace cf::p11
