// Key management functions of PKCS#11 3.0 section 5.14: generate, generate pair, wrap, unwrap, derive, with the
// rules that keep keys in the token (Clulow 2003): usage attributes, CKA_EXTRACTABLE, CKA_WRAP_WITH_TRUSTED /
// CKA_TRUSTED, wrap/unwrap templates, token-set lifecycle attributes.
#pragma once

#include "pkcs11/model/module.h"

namespace cf::p11 {

Result<CK_OBJECT_HANDLE> GenerateKey(Module& module, Session& session, const CK_MECHANISM& mechanism,
                                     const AttributeSet& tmpl);
Result<std::pair<CK_OBJECT_HANDLE, CK_OBJECT_HANDLE>> GenerateKeyPair(Module& module, Session& session,
                                                                      const CK_MECHANISM& mechanism,
                                                                      const AttributeSet& public_tmpl,
                                                                      const AttributeSet& private_tmpl);
// The wrapped bytes (the ABI applies the buffer protocol; wrapping is deterministic for AES-KW, so a length
// query simply wraps).
Result<SecureBytes> WrapKey(Module& module, Session& session, const CK_MECHANISM& mechanism,
                            CK_OBJECT_HANDLE wrapping_key, CK_OBJECT_HANDLE key);
Result<CK_OBJECT_HANDLE> UnwrapKey(Module& module, Session& session, const CK_MECHANISM& mechanism,
                                   CK_OBJECT_HANDLE unwrapping_key, ByteView wrapped, const AttributeSet& tmpl);
Result<CK_OBJECT_HANDLE> DeriveKey(Module& module, Session& session, const CK_MECHANISM& mechanism,
                                   CK_OBJECT_HANDLE base_key, const AttributeSet& tmpl);

}  // namespace cf::p11
