// Unit tests of p11bench's own logic (statistics, loop bounds, row format, CKR names, ECDSA form handling); the
// measurements themselves are exercised by the smoke tests and never asserted.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "bench/p11bench/module.h"
#include "bench/p11bench/ossl_ops.h"
#include "bench/p11bench/report.h"
#include "bench/p11bench/runner.h"

namespace cf::bench {
namespace {

TEST(P11benchSummarise, MedianAndP99OfKnownLatencies) {
  std::vector<double> ns;
  for (int i = 100; i >= 1; --i) ns.push_back(i * 1000.0);  // 1..100 us, unsorted
  Stats s = Summarise(ns, 2.0);
  EXPECT_EQ(s.count, 100u);
  EXPECT_DOUBLE_EQ(s.ops_per_s, 50.0);
  EXPECT_NEAR(s.median_us, 50.5, 0.51);
  EXPECT_NEAR(s.p99_us, 99.0, 1.01);
}

TEST(P11benchRunner, StopsAtMaxOpsWhateverTheDuration) {
  Runner r(60.0, 1, 17);
  int calls = 0;
  auto s = r.Time([&] {
    ++calls;
    return Status::Ok();
  });
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(calls, 17);
  EXPECT_EQ(s->count, 17u);
}

TEST(P11benchRunner, RunsAtLeastMinOpsEvenWhenSlowerThanTheDuration) {
  Runner r(0.000001, 5, 100);
  auto s = r.Time([] { return Status::Ok(); });
  ASSERT_TRUE(s.ok());
  EXPECT_GE(s->count, 5u);
}

TEST(P11benchRunner, FirstFailureEndsTheRunWithItsStatus) {
  Runner r(1.0, 1, 100);
  int calls = 0;
  auto s = r.Time([&] { return ++calls == 3 ? Status(Code::kInternal, "C_Sign: CKR_DEVICE_ERROR") : Status::Ok(); });
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().message(), "C_Sign: CKR_DEVICE_ERROR");
  EXPECT_EQ(calls, 3);
}

TEST(P11benchRunner, ParallelRunUsesEveryThread) {
  Runner r(0.02, 3, 50);
  std::atomic<int> per[2] = {0, 0};
  auto s = r.TimeParallel(2, [&](int i) -> Result<Step> {
    return Step([&per, i] {
      per[i]++;
      return Status::Ok();
    });
  });
  ASSERT_TRUE(s.ok());
  EXPECT_GE(per[0].load(), 3);
  EXPECT_GE(per[1].load(), 3);
  EXPECT_EQ(s->count, static_cast<size_t>(per[0] + per[1]));
}

TEST(P11benchReport, NotApplicableRowCarriesTheReasonOnOneLine) {
  char* buf = nullptr;
  size_t len = 0;
  FILE* f = open_memstream(&buf, &len);
  Report rep(f);
  rep.NotApplicable("sign_ed25519", "C_SignInit:\tCKR_MECHANISM_INVALID\n");
  std::fclose(f);
  EXPECT_EQ(std::string(buf, len), "sign_ed25519\tn/a\t-\t-\t-\tC_SignInit: CKR_MECHANISM_INVALID \n");
  free(buf);
}

TEST(P11benchCk, NamesTheReturnValueAndKeepsItAsDetail) {
  Status s = Ck(CKR_MECHANISM_INVALID, "C_SignInit");
  EXPECT_EQ(s.message(), "C_SignInit: CKR_MECHANISM_INVALID");
  EXPECT_EQ(s.detail(), CKR_MECHANISM_INVALID);
  EXPECT_TRUE(Ck(CKR_OK, "x").ok());
  EXPECT_EQ(CkrName(0x8123), "CKR_0x8123");
}

TEST(P11benchOsslOps, EcdsaVerifyAcceptsRawAndDerFormsAndRejectsATamperedOne) {
  auto key = GenerateKey("P-256");
  ASSERT_TRUE(key.ok());
  Bytes digest(32, 0x11);
  auto der = Sign(SigKind::kEcdsaDigest, key->get(), digest);
  ASSERT_TRUE(der.ok());
  EXPECT_TRUE(Verify(SigKind::kEcdsaDigest, key->get(), digest, *der).ok());
  // r||s as PKCS#11 returns it.
  const unsigned char* p = der->data();
  ossl::EcdsaSig sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der->size())));
  ASSERT_TRUE(sig);
  Bytes rs(64);
  BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), rs.data(), 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), rs.data() + 32, 32);
  EXPECT_TRUE(Verify(SigKind::kEcdsaDigest, key->get(), digest, rs).ok());
  rs[10] ^= 1;
  EXPECT_FALSE(Verify(SigKind::kEcdsaDigest, key->get(), digest, rs).ok());
}

TEST(P11benchOsslOps, EcPublicKeyTakesDerWrappedAndRawPoints) {
  auto key = GenerateKey("P-256");
  ASSERT_TRUE(key.ok());
  Bytes point(65);
  size_t len = 0;
  ASSERT_EQ(EVP_PKEY_get_octet_string_param(key->get(), "encoded-pub-key", point.data(), point.size(), &len), 1);
  Bytes wrapped = {0x04, 0x41};
  wrapped.insert(wrapped.end(), point.begin(), point.end());
  EXPECT_TRUE(EcPublicKey("P-256", point).ok());
  EXPECT_TRUE(EcPublicKey("P-256", wrapped).ok());
  EXPECT_FALSE(EcPublicKey("P-384", point).ok());
}

}  // namespace
}  // namespace cf::bench
