// The framework's sealing keys and its Seal/Unseal layout, written from the facts in WIRE.md and the fixture
// README (tests/fixtures/cf-vm-tools/README.md); pinned by framework_sealing_test against files the framework made.
#include "attest/cf_compat/framework_sealing.h"

#include <openssl/crypto.h>

#include <algorithm>

#include "common/cf_cipher.h"

namespace cf::attest::cfcompat {
namespace {

constexpr size_t kBlock = 32;  // HMAC-SHA256 output
constexpr int kRounds = 100;
constexpr uint8_t kSaltPattern[8] = {0x07, 0x01, 0x08, 0x02, 0x08, 0x33, 0x11, 0x44};

}  // namespace

SecureBytes SimulatedSealingKey() {
  SecureBytes key(kFrameworkSealKeySize);
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>((5 * i) % 16);
  return key;
}

Result<SecureBytes> SevSealingKeyFromDerivedKey(ByteView derived_key) {
  if (derived_key.size() != 32)
    return Status(Code::kInvalidArgument, "the firmware's derived key is " + std::to_string(derived_key.size()) +
                                              " bytes; SNP_GET_DERIVED_KEY gives 32");
  SecureBytes out;
  for (uint32_t block = 1; out.size() < kFrameworkSealKeySize; ++block) {
    Bytes first(kBlock);
    for (size_t i = 0; i < kBlock - 4; ++i) first[i] = kSaltPattern[i % 8];
    for (size_t i = 0; i < 4; ++i) first[kBlock - 4 + i] = static_cast<uint8_t>(block >> (8 * i));  // little-endian
    CF_ASSIGN_OR_RETURN(Bytes u, cfcipher::HmacSha256(derived_key, first));
    SecureBytes t(u.begin(), u.end());
    for (int round = 1; round < kRounds; ++round) {
      CF_ASSIGN_OR_RETURN(Bytes next, cfcipher::HmacSha256(derived_key, u));
      OPENSSL_cleanse(u.data(), u.size());
      u = std::move(next);
      for (size_t i = 0; i < kBlock; ++i) t[i] ^= u[i];
    }
    OPENSSL_cleanse(u.data(), u.size());
    size_t take = std::min(kBlock, kFrameworkSealKeySize - out.size());
    out.insert(out.end(), t.begin(), t.begin() + static_cast<std::ptrdiff_t>(take));
  }
  return out;
}

Result<Bytes> FrameworkSeal(ByteView key, ByteView prefix, ByteView secret) {
  SecureBytes plain(prefix.begin(), prefix.end());
  plain.insert(plain.end(), secret.begin(), secret.end());
  return cfcipher::Encrypt(cfcipher::kCbcHmacSha256, key, plain);
}

Result<SecureBytes> FrameworkUnseal(ByteView key, ByteView prefix, ByteView sealed) {
  auto plain = cfcipher::Decrypt(cfcipher::kCbcHmacSha256, key, sealed);
  if (!plain.ok())
    return plain.status().Annotate("the framework's sealed key does not open with this platform's sealing key");
  if (plain->size() < prefix.size() || !std::equal(prefix.begin(), prefix.end(), plain->begin()))
    return Status(Code::kUnauthenticated,
                  "the framework's sealed key was sealed for another measurement than this platform's");
  return SecureBytes(plain->begin() + static_cast<std::ptrdiff_t>(prefix.size()), plain->end());
}

}  // namespace cf::attest::cfcompat
