// The enclave adapters: a platform without monotonic counters (SEV-SNP, TPM here) must let every store write
// through. Each write that raises the store's epoch asks the counter to follow; the Enclave's default once
// answered kUnimplemented, which failed C_InitToken and every later write on such a platform.
#include "tokendir/enclave_adapters.h"

#include <gtest/gtest.h>

namespace cf::tokendir {
namespace {

// A platform that keeps no counter: only what every Enclave must have, nothing about counters overridden.
class CounterlessEnclave : public attest::Enclave {
 public:
  const std::string& type() const override { return type_; }
  const Bytes& measurement() const override { return measurement_; }
  Result<Bytes> Seal(ByteView secret) override { return Bytes(secret.begin(), secret.end()); }
  Result<SecureBytes> Unseal(ByteView sealed) override { return SecureBytes(sealed.begin(), sealed.end()); }
  Result<Bytes> Attest(ByteView) override { return Status(Code::kUnimplemented, "not in this test"); }
  Result<std::vector<wire::evidence>> PlatformEvidence() override { return std::vector<wire::evidence>(); }
  std::string evidence_type() const override { return "none"; }

 private:
  std::string type_ = "counterless-test-enclave";
  Bytes measurement_;
};

TEST(EnclaveCounter, APlatformWithoutCountersReadsNoneAndLetsEpochBumpsThrough) {
  EnclaveCounter counter(std::make_shared<CounterlessEnclave>(), "/tokens/store.db");
  auto value = counter.Read();
  ASSERT_TRUE(value.ok()) << value.status().ToString();
  EXPECT_FALSE(value->has_value());
  Status advanced = counter.AdvanceTo(7);
  EXPECT_TRUE(advanced.ok()) << advanced.ToString();
}

}  // namespace
}  // namespace cf::tokendir
