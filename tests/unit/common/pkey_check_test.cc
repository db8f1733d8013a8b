// common/pkey_check.h: key-type names and key checks keep working when a host program has made an ENGINE the
// default RSA/EC pkey method, as `openssl -engine pkcs11` does with libp11. The test engine here serves OpenSSL's
// own legacy methods, which is enough to reproduce the takeover without libp11 or a token.
#define OPENSSL_SUPPRESS_DEPRECATED  // ENGINE and EVP_PKEY_meth_find are what the host programs use
#include "common/pkey_check.h"

#include <gtest/gtest.h>
#include <openssl/engine.h>

#include <string>

namespace cf::ossl {
namespace {

int LegacyPkeyMethods(ENGINE*, EVP_PKEY_METHOD** method, const int** nids, int nid) {
  static const int kNids[] = {EVP_PKEY_RSA, EVP_PKEY_EC};
  if (method == nullptr) {
    *nids = kNids;
    return 2;
  }
  *method = const_cast<EVP_PKEY_METHOD*>(EVP_PKEY_meth_find(nid));
  return *method != nullptr ? 1 : 0;
}

// Registers, once per process, an engine that is the default pkey method for RSA and EC.
void InstallDefaultEngine() {
  static bool installed = [] {
    ENGINE* e = ENGINE_new();
    bool ok = e != nullptr && ENGINE_set_id(e, "cf-test-default") == 1 && ENGINE_set_name(e, "test") == 1 &&
              ENGINE_set_pkey_meths(e, LegacyPkeyMethods) == 1 && ENGINE_add(e) == 1 && ENGINE_init(e) == 1 &&
              ENGINE_set_default_pkey_meths(e) == 1;
    ENGINE_free(e);  // the engine list and the default table keep their own references
    return ok;
  }();
  ASSERT_TRUE(installed) << ErrorString("installing the test engine");
}

PKey Generate(const char* type, bool rsa) {
  PKeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1) return PKey();
  if (rsa ? EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), 2048) != 1
          : EVP_PKEY_CTX_set_group_name(ctx.get(), "P-256") != 1) {
    return PKey();
  }
  if (EVP_PKEY_generate(ctx.get(), &raw) != 1) return PKey();
  return PKey(raw);
}

// A and B's components mixed: A's n and e with B's d (no CRT values), a key that signs with the wrong exponent.
PKey MixedRsaKey() {
  PKey a = Generate(kRsaKeyType, true), b = Generate(kRsaKeyType, true);
  BIGNUM *n = nullptr, *e = nullptr, *d = nullptr;
  if (!a || !b || EVP_PKEY_get_bn_param(a.get(), OSSL_PKEY_PARAM_RSA_N, &n) != 1 ||
      EVP_PKEY_get_bn_param(a.get(), OSSL_PKEY_PARAM_RSA_E, &e) != 1 ||
      EVP_PKEY_get_bn_param(b.get(), OSSL_PKEY_PARAM_RSA_D, &d) != 1) {
    return PKey();
  }
  Bn nn(n), ee(e), dd(d);
  ParamBld bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_D, d) != 1) {
    return PKey();
  }
  Params params(OSSL_PARAM_BLD_to_param(bld.get()));
  PKeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, kRsaKeyType, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_KEYPAIR, params.get()) != 1) {
    return PKey();
  }
  return PKey(raw);
}

TEST(PkeyCheckUnderDefaultEngine, PlainNamesAreTakenOverWhichIsWhyWeUseOids) {
  InstallDefaultEngine();
  PKeyCtx plain(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  ASSERT_TRUE(plain);
  EXPECT_NE(EVP_PKEY_fromdata_init(plain.get()), 1) << "the engine did not take RSA over: the test proves nothing";
  for (const char* name : {kRsaKeyType, kEcKeyType}) {
    PKeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, name, nullptr));
    ASSERT_TRUE(ctx) << name;
    EXPECT_EQ(EVP_PKEY_fromdata_init(ctx.get()), 1) << name << " did not reach the provider's key manager";
  }
}

TEST(PkeyCheckUnderDefaultEngine, AcceptsConsistentRsaAndEcKeys) {
  InstallDefaultEngine();
  for (bool rsa : {true, false}) {
    PKey key = Generate(rsa ? kRsaKeyType : kEcKeyType, rsa);
    ASSERT_TRUE(key) << ErrorString("keygen");
    EXPECT_NE(EVP_PKEY_get0_provider(key.get()), nullptr) << "OID names must give provider keys";
    Status pair = CheckKeyPair(key.get());
    EXPECT_TRUE(pair.ok()) << pair.message();
    Status pub = CheckPublicKey(key.get());
    EXPECT_TRUE(pub.ok()) << pub.message();
  }
}

TEST(PkeyCheckUnderDefaultEngine, RejectsAnRsaPrivateKeyThatIsNotThePublicKeys) {
  InstallDefaultEngine();
  PKey mixed = MixedRsaKey();
  ASSERT_TRUE(mixed) << ErrorString("building the mixed key");
  EXPECT_FALSE(CheckKeyPair(mixed.get()).ok()) << "a private exponent from another key passed the pairwise test";
}

TEST(PkeyCheckWithoutEngine, RejectsAnRsaPrivateKeyThatIsNotThePublicKeys) {
  // ctest runs each test in its own process, so here OpenSSL's own pairwise check runs (no engine installed).
  PKey mixed = MixedRsaKey();
  ASSERT_TRUE(mixed) << ErrorString("building the mixed key");
  EXPECT_FALSE(CheckKeyPair(mixed.get()).ok()) << "a private exponent from another key passed the pairwise check";
}

}  // namespace
}  // namespace cf::ossl
