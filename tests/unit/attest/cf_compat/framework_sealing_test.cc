// The framework's sealing as it is on disk: the fixture's cryptstore file key opens with the framework's simulated
// key and measurement, and nothing else opens it; the SEV-SNP derivation gives the known answer of the framework's
// kdf (computed independently from its description) and its output has the aes-256-cbc-hmac-sha256 layout,
// checked here with OpenSSL directly rather than through the code under test.
#include "attest/cf_compat/framework_sealing.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "attest/cf_compat/framework_sev_enclave.h"
#include "attest/cf_compat/framework_simulated_enclave.h"
#include "common/atomic_file.h"
#include "proto/certifier.pb.h"

namespace cf::attest::cfcompat {
namespace {

const std::string kFixtures = CF_VM_TOOLS_FIXTURES;

Bytes Read(const std::string& name) {
  auto data = ReadFile(kFixtures + "/" + name);
  EXPECT_TRUE(data.ok()) << name << ": " << data.status().ToString();
  return data.ok() ? *data : Bytes();
}

std::string SealedCryptstoreKey() {
  wire::protected_blob_message blob;
  Bytes file = Read("store/cryptstore.bin");
  EXPECT_TRUE(blob.ParseFromArray(file.data(), static_cast<int>(file.size())));
  return blob.encrypted_key();
}

SecureBytes FixedDerivedKey() {
  SecureBytes key(32);
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(i);
  return key;
}

TEST(FrameworkSealing, SimulatedKeyIsTheFrameworksPublicConstant) {
  SecureBytes key = SimulatedSealingKey();
  ASSERT_EQ(key.size(), 64u);
  EXPECT_EQ(key[0], 0);
  EXPECT_EQ(key[1], 5);
  EXPECT_EQ(key[3], 15);
  EXPECT_EQ(key[4], 4);
  EXPECT_EQ(key[63], (5 * 63) % 16);
}

TEST(FrameworkSealing, OpensTheFileKeyTheFrameworksSimulatedEnclaveSealed) {
  Bytes measurement = Read("platform/cf_utility.measurement");
  auto opened = FrameworkUnseal(SimulatedSealingKey(), measurement, AsBytes(SealedCryptstoreKey()));
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  wire::key_message key;
  ASSERT_TRUE(key.ParseFromArray(opened->data(), static_cast<int>(opened->size())));
  EXPECT_EQ(key.key_name(), "cryptstore-sealing-key");
  EXPECT_EQ(key.key_type(), "aes-256-gcm");
  EXPECT_EQ(key.secret_key_bits().size(), 32u);
}

TEST(FrameworkSealing, RefusesAnotherMeasurementAndAChangedByte) {
  Bytes measurement = Read("platform/cf_utility.measurement");
  Bytes other = measurement;
  other[0] ^= 1;
  auto wrong = FrameworkUnseal(SimulatedSealingKey(), other, AsBytes(SealedCryptstoreKey()));
  EXPECT_EQ(wrong.status().code(), Code::kUnauthenticated) << wrong.status().ToString();
  std::string sealed = SealedCryptstoreKey();
  sealed[20] ^= 0x40;
  auto changed = FrameworkUnseal(SimulatedSealingKey(), measurement, AsBytes(sealed));
  EXPECT_EQ(changed.status().code(), Code::kCorrupt) << changed.status().ToString();
}

TEST(FrameworkSealing, SevDerivationGivesTheFrameworksKnownAnswer) {
  // The framework's kdf (src/sev-snp/sev_support.cc) over derived key 00..1f, computed by a separate transcription.
  auto key = SevSealingKeyFromDerivedKey(FixedDerivedKey());
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(HexEncode(*key),
            "328312b019e2e5227cb3a476688d56c78a43f33c21be7b7fa608dfa6763ba7bf"
            "262e57d9b148fe81930a885cd5887f99cc3057c004d6d71649f4acc4e9bdad4c");
  EXPECT_FALSE(SevSealingKeyFromDerivedKey(Bytes(31, 0)).ok());
}

TEST(FrameworkSealing, SevSealHasTheCbcHmacLayoutUnderTheDerivedKey) {
  auto key = SevSealingKeyFromDerivedKey(FixedDerivedKey());
  ASSERT_TRUE(key.ok());
  const std::string secret = "a 20-byte file key..";
  auto sealed = FrameworkSeal(*key, {}, AsBytes(secret));
  ASSERT_TRUE(sealed.ok()) << sealed.status().ToString();
  ASSERT_EQ(sealed->size(), 16u + 32u + 32u);  // IV, 20 bytes padded to two blocks, HMAC-SHA256
  unsigned char mac[32];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), key->data() + 32, 32, sealed->data(), sealed->size() - 32, mac, &mac_len);
  EXPECT_EQ(0, memcmp(mac, sealed->data() + sealed->size() - 32, 32));
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  unsigned char plain[64];
  int len = 0, final_len = 0;
  ASSERT_EQ(EVP_DecryptInit_ex(ctx, EVP_aes_256_cbc(), nullptr, key->data(), sealed->data()), 1);
  ASSERT_EQ(EVP_DecryptUpdate(ctx, plain, &len, sealed->data() + 16, 32), 1);
  ASSERT_EQ(EVP_DecryptFinal_ex(ctx, plain + len, &final_len), 1);
  EVP_CIPHER_CTX_free(ctx);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(plain), len + final_len), secret);
}

TEST(FrameworkSealing, SevWrapperSealsWithTheDerivedKeyAndAttestsThroughTheInnerEnclave) {
  FrameworkPlatformFiles files{kFixtures + "/platform/attest_key_file.bin",
                               kFixtures + "/platform/cf_utility.measurement",
                               kFixtures + "/platform/platform_attest_endorsement.bin"};
  auto inner = OpenFrameworkSimulatedEnclave(files);
  ASSERT_TRUE(inner.ok()) << inner.status().ToString();
  int asked = 0;
  auto wrapped = WrapWithFrameworkSevSealing(std::move(inner).value(), [&asked]() -> Result<SecureBytes> {
    ++asked;
    return FixedDerivedKey();
  });
  auto sealed = wrapped->Seal(AsBytes(std::string("secret")));
  ASSERT_TRUE(sealed.ok());
  auto key = SevSealingKeyFromDerivedKey(FixedDerivedKey());
  auto direct = FrameworkUnseal(*key, {}, *sealed);  // no measurement prefix on SEV: it is in the derived key
  ASSERT_TRUE(direct.ok()) << direct.status().ToString();
  EXPECT_EQ(AsString(*direct), "secret");
  auto opened = wrapped->Unseal(*sealed);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(asked, 2);
  EXPECT_EQ(wrapped->evidence_type(), "vse-attestation-package");  // the inner enclave's
}

}  // namespace
}  // namespace cf::attest::cfcompat
