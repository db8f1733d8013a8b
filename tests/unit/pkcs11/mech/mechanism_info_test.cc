// Every registered row is sane: a name, flags that match its hooks, key sizes ordered, EC rows carrying the EC
// capability flags, and the full list the module advertises.
#include <algorithm>

#include "mech_fixture.h"

namespace cf::p11::testing {
namespace {

TEST(MechanismInfo, EveryRowHasHooksMatchingItsFlags) {
  const Registry& r = Registry::Get();
  std::vector<CK_MECHANISM_TYPE> types = r.Types();
  ASSERT_FALSE(types.empty());
  EXPECT_TRUE(std::is_sorted(types.begin(), types.end()));
  for (CK_MECHANISM_TYPE t : types) {
    const MechanismRow* row = r.Find(t);
    ASSERT_NE(row, nullptr);
    SCOPED_TRACE(row->name);
    EXPECT_EQ(std::string(row->name).rfind("CKM_", 0), 0u);
    const CK_FLAGS f = row->info.flags;
    constexpr CK_FLAGS kOps = CKF_ENCRYPT | CKF_DECRYPT | CKF_SIGN | CKF_VERIFY | CKF_DIGEST | CKF_WRAP | CKF_UNWRAP;
    EXPECT_EQ(static_cast<bool>(f & kOps), static_cast<bool>(row->create));
    EXPECT_EQ(static_cast<bool>(f & CKF_GENERATE), static_cast<bool>(row->generate_key));
    EXPECT_EQ(static_cast<bool>(f & CKF_GENERATE_KEY_PAIR), static_cast<bool>(row->generate_key_pair));
    EXPECT_EQ(static_cast<bool>(f & CKF_DERIVE), static_cast<bool>(row->derive));
    EXPECT_LE(row->info.ulMinKeySize, row->info.ulMaxKeySize);
    if (f & CKF_DIGEST) {
      EXPECT_TRUE(row->key_types.empty());
    } else {
      EXPECT_FALSE(row->key_types.empty());
    }
    for (CK_KEY_TYPE k : row->key_types) {
      if (k == CKK_EC) {
        EXPECT_EQ(f & (CKF_EC_F_P | CKF_EC_NAMEDCURVE | CKF_EC_UNCOMPRESS),
                  CKF_EC_F_P | CKF_EC_NAMEDCURVE | CKF_EC_UNCOMPRESS);
      }
    }
  }
}

TEST(MechanismInfo, AdvertisesTheMechanismsClientsNeedAndNothingUnsafe) {
  const Registry& r = Registry::Get();
  for (CK_MECHANISM_TYPE t : {CKM_RSA_PKCS_KEY_PAIR_GEN,
                              CKM_RSA_PKCS,
                              CKM_RSA_PKCS_PSS,
                              CKM_RSA_PKCS_OAEP,
                              CKM_SHA256_RSA_PKCS,
                              CKM_SHA256_RSA_PKCS_PSS,
                              CKM_EC_KEY_PAIR_GEN,
                              CKM_ECDSA,
                              CKM_ECDSA_SHA256,
                              CKM_ECDH1_DERIVE,
                              CKM_HKDF_DERIVE,  // pkcs11-provider offers HKDF only with it (issue 15)
                              CKM_HKDF_DATA,
                              CKM_EC_EDWARDS_KEY_PAIR_GEN,
                              CKM_EDDSA,
                              CKM_AES_KEY_GEN,
                              CKM_AES_CBC_PAD,
                              CKM_AES_GCM,
                              CKM_AES_KEY_WRAP,
                              CKM_AES_KEY_WRAP_KWP,
                              CKM_AES_CMAC,
                              CKM_SHA256_HMAC,
                              CKM_GENERIC_SECRET_KEY_GEN,
                              CKM_SHA256,
                              CKM_SHA3_256}) {
    EXPECT_NE(r.Find(t), nullptr) << t;
  }
  EXPECT_EQ(r.Find(CKM_RSA_X_509), nullptr);  // raw RSA: a decryption oracle
  EXPECT_EQ(r.Find(CKM_AES_ECB), nullptr);
  EXPECT_EQ(r.Find(CKM_RSA_PKCS)->info.ulMinKeySize, 1024u);
  EXPECT_EQ(r.Find(CKM_RSA_PKCS)->info.ulMaxKeySize, 16384u);
  EXPECT_EQ(r.Find(CKM_AES_GCM)->info.ulMaxKeySize, 32u);
}

TEST(MechanismInfo, EveryOperationRowRefusesAMissingOrWrongKey) {
  KeyMaterial wrong{.object_class = CKO_SECRET_KEY,
                    .key_type = CKK_GENERIC_SECRET,
                    .secret = std::make_shared<const SecureBytes>(3, 1)};
  for (CK_MECHANISM_TYPE t : Registry::Get().Types()) {
    const MechanismRow* row = Registry::Get().Find(t);
    if (!row->create || (row->info.flags & CKF_DIGEST)) continue;
    if (std::find(row->key_types.begin(), row->key_types.end(), CKK_GENERIC_SECRET) != row->key_types.end()) continue;
    CK_MECHANISM m = Mech(t);
    OpKind kind = (row->info.flags & CKF_SIGN) ? OpKind::kSign : OpKind::kEncrypt;
    auto r = row->create(kind, m, &wrong);
    EXPECT_FALSE(r.ok()) << row->name;
    CK_RV rv = RvOf(r.status());
    EXPECT_TRUE(rv == CKR_KEY_TYPE_INCONSISTENT || rv == CKR_MECHANISM_PARAM_INVALID) << row->name << " " << rv;
  }
}

}  // namespace
}  // namespace cf::p11::testing
