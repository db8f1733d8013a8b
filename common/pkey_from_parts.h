// Builds an EVP_PKEY from its parts: the one place that drives OSSL_PARAM_BLD and EVP_PKEY_fromdata, shared by the
// key codec (proto/, a key_message), key import (pkcs11/mech/, a template) and curve keys (mech/ec_curves.cc), with
// the two parts callers may have to compute (RSA CRT values, an EC public point). Checks nothing beyond what
// fromdata checks: callers run pkey_check.h on the result (fromdata accepts a point off the curve).
#pragma once

#include <array>
#include <string>
#include <utility>
#include <vector>

#include "common/bytes.h"
#include "common/ossl.h"
#include "common/status.h"

namespace cf::ossl {

struct KeyParts {
  const char* key_type = nullptr;    // kRsaKeyType or kEcKeyType (pkey_check.h): works under a default engine too
  bool key_pair = false;             // EVP_PKEY_KEYPAIR when the private parts are given, else EVP_PKEY_PUBLIC_KEY
  const char* group_name = nullptr;  // EC: OSSL_PKEY_PARAM_GROUP_NAME
  ByteView public_point;             // EC: the encoded public point (OSSL_PKEY_PARAM_PUB_KEY); empty: none
  std::vector<std::pair<const char*, const BIGNUM*>> numbers;  // e.g. {OSSL_PKEY_PARAM_RSA_N, n}; must outlive the call
};

// kInvalidArgument with ErrorString(rejected) when OpenSSL refuses the parts (so the message says whose key it was);
// kInternal when the parameters cannot be built.
Result<PKey> PKeyFromParts(const KeyParts& parts, const std::string& rejected);

// dp, dq and qinv from p, q and d, for keys that arrive without them (OpenSSL signs about 4x slower without them).
// kInvalidArgument when q is not invertible mod p; the OpenSSL error queue is left for the caller's message.
Result<std::array<Bn, 3>> RsaCrtValues(const BIGNUM* p, const BIGNUM* q, const BIGNUM* d);

// The uncompressed public point d*G on curve `nid` (an EC private key defines its public half).
Result<Bytes> EcPublicPoint(int nid, const BIGNUM* d);

}  // namespace cf::ossl
