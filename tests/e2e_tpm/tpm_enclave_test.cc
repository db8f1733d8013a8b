// The TPM enclave against a real swtpm: seal/unseal, a PCR change refusing the unseal (the store's file kept),
// sealing ahead for a planned change, quotes that verify and every tampering refused, two processes on one TPM.
#include "attest/tpm/tpm_enclave.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "attest/enclave.h"
#include "attest/tpm/directory_lock.h"
#include "attest/tpm/pcr.h"
#include "attest/tpm/tpm_context.h"
#include "attest/tpm/tpm_ops.h"
#include "attest/verify_tpm.h"
#include "common/atomic_file.h"
#include "common/ossl_context.h"
#include "tests/e2e_tpm/swtpm_process.h"
#include "tokendir/token_storage.h"

namespace cf::attest {
namespace {

class TpmEnclaveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(ossl::OpenLibCtx().ok());
    ASSERT_TRUE(swtpm_.ok()) << swtpm_.error();
    char tmpl[] = "/tmp/cf-tpm-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::string cmd = "rm -rf " + dir_;
    if (!dir_.empty() && system(cmd.c_str()) != 0) ADD_FAILURE() << cmd;
  }
  Result<std::unique_ptr<Enclave>> Open(const std::string& pcrs = "", const std::string& sub = "platform") {
    EnclaveOptions o;
    o.type = kTpmEnclave;
    o.directory = dir_ + "/" + sub;
    o.tpm_tcti = swtpm_.tcti();
    o.tpm_pcrs = pcrs;
    return OpenEnclave(o);
  }
  void Extend(int pcr) {
    auto tpm = tpm::TpmContext::Open(swtpm_.tcti(), "");
    ASSERT_TRUE(tpm.ok()) << tpm.status().ToString();
    ASSERT_TRUE(tpm::ExtendPcr(**tpm, pcr, Bytes(32, 0x5a)).ok());
  }
  wire::tpm_attestation_message Quote(Enclave& e, const std::string& said) {
    auto evidence = e.Attest(AsBytes(said));
    EXPECT_TRUE(evidence.ok()) << evidence.status().ToString();
    wire::tpm_attestation_message m;
    EXPECT_TRUE(evidence.ok() && m.ParseFromArray(evidence->data(), static_cast<int>(evidence->size())));
    return m;
  }
  TpmAk Ak(Enclave& e) {
    auto pe = e.PlatformEvidence();
    EXPECT_TRUE(pe.ok() && pe->size() == 1);
    EXPECT_EQ((*pe)[0].evidence_type(), kTpmAkEvidence);
    auto ak = ParseAttestationKey(AsBytes((*pe)[0].serialized_evidence()));
    EXPECT_TRUE(ak.ok()) << ak.status().ToString();
    return std::move(ak).value();
  }
  std::string UserData() {
    wire::attestation_user_data ud;
    ud.set_enclave_type(kTpmEnclave);
    ud.set_time("2026-12-05T00:00:00Z");
    return ud.SerializeAsString();
  }

  testing::Swtpm swtpm_;
  std::string dir_;
};

TEST_F(TpmEnclaveTest, SealsAndUnsealsAndReopensWithTheSameAttestationKey) {
  auto e = Open();
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ((*e)->type(), "tpm-enclave");
  EXPECT_EQ((*e)->evidence_type(), "tpm-platform-package");
  EXPECT_EQ((*e)->measurement().size(), 32u);
  const Bytes secret(300, 0x33);  // longer than a TPM sealed object holds: the TPM seals the key that encrypts it
  auto sealed = (*e)->Seal(secret);
  ASSERT_TRUE(sealed.ok()) << sealed.status().ToString();
  auto opened = (*e)->Unseal(*sealed);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(Bytes(opened->begin(), opened->end()), secret);
  Bytes ak_before = *ReadFile(dir_ + "/platform/ak.pub");
  auto again = Open();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*ReadFile(dir_ + "/platform/ak.pub"), ak_before);
  EXPECT_EQ((*again)->measurement(), (*e)->measurement());
  auto reopened = (*again)->Unseal(*sealed);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  Bytes altered = *sealed;
  altered.back() ^= 1;
  EXPECT_EQ((*e)->Unseal(altered).status().code(), Code::kUnauthenticated);
  // Another platform directory on the same TPM has another sealing key.
  auto other = Open("", "platform-2");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ((*other)->Unseal(*sealed).status().code(), Code::kUnauthenticated);
}

TEST_F(TpmEnclaveTest, APcrExtendRefusesTheUnsealSayingTheBootStateDiffersAndKeepsTheStore) {
  tokendir::TokenLocation loc;
  loc.directory = dir_ + "/token";
  loc.enclave_type = kTpmEnclave;
  loc.tpm_tcti = swtpm_.tcti();
  loc.pin_kdf_iterations = 1000;
  {
    auto storage = tokendir::OpenTokenStorage(loc);
    ASSERT_TRUE(storage.ok()) << storage.status().ToString();
  }
  const std::string store = tokendir::StorePath(loc);
  Bytes before = *ReadFile(store);
  {
    auto storage = tokendir::OpenTokenStorage(loc);
    ASSERT_TRUE(storage.ok()) << "same boot state: " << storage.status().ToString();
  }
  Extend(7);
  auto refused = tokendir::OpenTokenStorage(loc);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Code::kUnauthenticated) << refused.status().ToString();
  EXPECT_NE(refused.status().message().find("boot state"), std::string::npos) << refused.status().message();
  EXPECT_NE(refused.status().message().find("--tpm-prepare-reseal"), std::string::npos) << refused.status().message();
  ASSERT_TRUE(FileExists(store));
  EXPECT_EQ(*ReadFile(store), before);
  EXPECT_TRUE(FileExists(loc.directory + "/platform/sealing-key.tpm"));
  // A PCR outside the selection changes nothing.
  auto other = Open("7");
  ASSERT_TRUE(other.ok());
  auto sealed = (*other)->Seal(Bytes(16, 1));
  ASSERT_TRUE(sealed.ok());
  Extend(8);
  EXPECT_TRUE((*other)->Unseal(*sealed).ok());
}

// The operator's path for a planned change: seal ahead to the expected PCR 7, extend, and the key still unseals
// (the prepared file becomes the current one); re-sealing to the current PCRs needs the key to unseal now.
TEST_F(TpmEnclaveTest, SealingAheadToExpectedPcrsSurvivesThePlannedChange) {
  auto e = Open();
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  auto sealed = (*e)->Seal(Bytes(20, 9));
  ASSERT_TRUE(sealed.ok()) << sealed.status().ToString();
  Bytes pcr7;
  {
    auto tpm = tpm::TpmContext::Open(swtpm_.tcti(), "");
    ASSERT_TRUE(tpm.ok());
    auto sel = tpm::ParsePcrSelection("7");
    auto values = tpm::ReadPcrs(**tpm, *sel);
    ASSERT_TRUE(values.ok());
    pcr7 = (*values)[0];
  }
  // PCR_Extend: new = SHA-256(old || digest).
  Bytes joined = pcr7;
  joined.insert(joined.end(), 32, 0x5a);
  Bytes expected(32);
  unsigned int len = 0;
  ASSERT_EQ(EVP_Digest(joined.data(), joined.size(), expected.data(), &len, ossl::FetchedDigest("SHA2-256"), nullptr),
            1);
  EnclaveOptions o;
  o.directory = dir_ + "/platform";
  o.tpm_tcti = swtpm_.tcti();
  EXPECT_EQ(PrepareTpmReseal(o, "7=" + std::string(64, 'z')).code(), Code::kInvalidArgument);
  EXPECT_EQ(PrepareTpmReseal(o, "8=" + HexEncode(expected)).code(), Code::kInvalidArgument);
  ASSERT_TRUE(PrepareTpmReseal(o, "7=" + HexEncode(expected)).ok());
  EXPECT_TRUE(FileExists(dir_ + "/platform/sealing-key.next.tpm"));
  Extend(7);
  auto after = Open();
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  auto opened = (*after)->Unseal(*sealed);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(Bytes(opened->begin(), opened->end()), Bytes(20, 9));
  EXPECT_FALSE(FileExists(dir_ + "/platform/sealing-key.next.tpm"));
  // The old sealing is not kept: it would still unseal the key in the boot state the change left behind.
  EXPECT_FALSE(FileExists(dir_ + "/platform/sealing-key.prev.tpm"));
  // Re-seal to PCRs 7 and 8 now (a copy an earlier version kept is removed too); then a change of PCR 8 refuses, and
  // with no key that unseals, re-sealing refuses.
  o.tpm_pcrs = "7,8";
  ASSERT_TRUE(
      WriteFileAtomic(dir_ + "/platform/sealing-key.prev.tpm", *ReadFile(dir_ + "/platform/sealing-key.tpm", 1 << 16))
          .ok());
  ASSERT_TRUE(ResealTpmToCurrentBootState(o).ok());
  EXPECT_FALSE(FileExists(dir_ + "/platform/sealing-key.prev.tpm"));
  Extend(8);
  auto refused = Open();
  ASSERT_TRUE(refused.ok());
  EXPECT_EQ((*refused)->Unseal(*sealed).status().code(), Code::kUnauthenticated);
  EXPECT_EQ(ResealTpmToCurrentBootState(o).code(), Code::kUnauthenticated);
}

TEST_F(TpmEnclaveTest, AQuoteVerifiesAndEveryTamperingIsRefused) {
  auto e = Open();
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  TpmAk ak = Ak(**e);
  const std::string said = UserData();
  wire::tpm_attestation_message m = Quote(**e, said);
  auto ok = VerifyTpmAttestation(m, ak);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->measurement, (*e)->measurement());
  EXPECT_EQ(tpm::PcrSelectionText(ok->selection), "sha256:7");
  EXPECT_EQ(ok->user_data.enclave_type(), "tpm-enclave");

  for (size_t at : {size_t{0}, size_t{10}, m.the_quote().size() - 1}) {
    wire::tpm_attestation_message bad = m;
    (*bad.mutable_the_quote())[at] ^= 0x01;
    EXPECT_FALSE(VerifyTpmAttestation(bad, ak).ok()) << "quote byte " << at;
  }
  wire::tpm_attestation_message bad_sig = m;
  (*bad_sig.mutable_signature())[bad_sig.signature().size() - 3] ^= 0x01;
  EXPECT_EQ(VerifyTpmAttestation(bad_sig, ak).status().code(), Code::kUnauthenticated);
  wire::tpm_attestation_message other_data = m;
  other_data.set_what_was_said(said + " ");
  auto wrong_data = VerifyTpmAttestation(other_data, ak);
  EXPECT_EQ(wrong_data.status().code(), Code::kUnauthenticated);
  EXPECT_NE(wrong_data.status().message().find("qualifying data"), std::string::npos);
  wire::tpm_attestation_message other_pcr = m;
  other_pcr.set_pcr_values(0, std::string(32, '\x11'));
  EXPECT_NE(VerifyTpmAttestation(other_pcr, ak).status().message().find("not the ones quoted"), std::string::npos);

  // Another AK (another platform directory: another key on the same TPM) does not verify this quote.
  auto other = Open("", "platform-2");
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(VerifyTpmAttestation(m, Ak(**other)).status().code(), Code::kUnauthenticated);

  // Over other PCRs: another selection, another measurement.
  auto wide = Open("0,7");
  ASSERT_TRUE(wide.ok());
  auto wide_ok = VerifyTpmAttestation(Quote(**wide, said), ak);
  ASSERT_TRUE(wide_ok.ok()) << wide_ok.status().ToString();
  EXPECT_EQ(tpm::PcrSelectionText(wide_ok->selection), "sha256:0,7");
  EXPECT_NE(wide_ok->measurement, ok->measurement);
}

TEST_F(TpmEnclaveTest, ABadPcrSelectionOrAnAbsentTpmIsRefusedWithTheReason) {
  auto bad = Open("7,99");
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
  EnclaveOptions o;
  o.type = kTpmEnclave;
  o.directory = dir_ + "/p";
  o.tpm_tcti = "swtpm:host=127.0.0.1,port=1";
  auto absent = OpenEnclave(o);
  EXPECT_EQ(absent.status().code(), Code::kUnreachable) << absent.status().ToString();
}

TEST_F(TpmEnclaveTest, AHungHolderOfThePlatformsTpmLockFailsTheWaitWithTheFileNamedInsteadOfHanging) {
  ASSERT_TRUE(Open().ok());
  const std::string lock_path = dir_ + "/platform/.tpm.lock";
  int held = open(lock_path.c_str(), O_RDWR | O_CLOEXEC);  // its own open file: flock excludes this process too
  ASSERT_GE(held, 0);
  ASSERT_EQ(flock(held, LOCK_EX), 0);
  auto waited = tpm::LockPlatformFile(lock_path, "the test's TPM", std::chrono::milliseconds(200));
  EXPECT_EQ(waited.status().code(), Code::kUnreachable);
  EXPECT_NE(waited.status().message().find(lock_path), std::string::npos) << waited.status().ToString();
  close(held);
  EXPECT_TRUE(tpm::LockPlatformFile(lock_path, "the test's TPM", std::chrono::milliseconds(200)).ok());
}

TEST_F(TpmEnclaveTest, TwoProcessesSealUnsealAndQuoteOnOneTpm) {
  auto e = Open();
  ASSERT_TRUE(e.ok());
  auto shared_sealed = (*e)->Seal(Bytes(32, 7));
  ASSERT_TRUE(shared_sealed.ok());
  pid_t kids[2];
  for (pid_t& kid : kids) {
    kid = fork();
    if (kid == 0) {
      auto mine = Open();
      int failures = mine.ok() ? 0 : 100;
      for (int i = 0; i < 8 && mine.ok(); ++i) {
        auto s = (*mine)->Seal(Bytes(32, static_cast<uint8_t>(i)));
        if (!s.ok() || !(*mine)->Unseal(*s).ok() || !(*mine)->Unseal(*shared_sealed).ok()) ++failures;
        if (!(*mine)->Attest(AsBytes(UserData())).ok()) ++failures;
      }
      _exit(failures);
    }
  }
  for (pid_t kid : kids) {
    int status = 0;
    ASSERT_EQ(waitpid(kid, &status, 0), kid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child failures: " << WEXITSTATUS(status);
  }
}

}  // namespace
}  // namespace cf::attest
