// A command sequence written the framework's way (cf_utility's gflags lines, unchanged) against a real cf-certifier
// on 127.0.0.1, on the framework's simulated platform files (tests/fixtures/cf-vm-tools/platform): init trust,
// generate a symmetric and a public key, put and get items in raw and protobuf formats with versions, print. Each
// result is checked, the files also by decoding them the framework's way outside the tool (framework_decoder.h).
#include <openssl/x509.h>

#include "proto/cryptstore.pb.h"
#include "tests/e2e_certifier/certifier_process.h"
#include "tests/unit/tools/cf-osutility/framework_decoder.h"

namespace cf::attest {
namespace {

const std::string kFixtures = CF_VM_TOOLS_FIXTURES;

std::string Slurp(const std::string& path) {
  auto data = ReadFile(path);
  return data.ok() ? AsString(*data) : "";
}

class FrameworkCommandLine : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/cf-e2e-framework-XXXXXX";
    dir_ = mkdtemp(tmpl);
    data_ = dir_ + "/cf/";
    int st = 0;
    std::string out = Shell("mkdir -p " + data_ + "cf_data && cp " + kFixtures + "/platform/attest_key_file.bin " +
                                kFixtures + "/platform/cf_utility.measurement " + kFixtures +
                                "/platform/platform_attest_endorsement.bin " + data_ + "cf_data/",
                            &st);
    ASSERT_EQ(st, 0) << out;
    out = Shell(std::string(CF_POLICY_BIN) + " make-key --key-out " + dir_ + "/policy_key.bin --cert-out " + data_ +
                    "cf_data/policy_cert_file.e2e --domain e2e",
                &st);
    ASSERT_EQ(st, 0) << out;
    // The policy trusts the framework's simulated platform key (the endorsement's signer) and its measurement.
    wire::signed_claim_message endorsement;
    ASSERT_TRUE(endorsement.ParseFromString(Slurp(kFixtures + "/platform/platform_attest_endorsement.bin")));
    ASSERT_TRUE(
        WriteFileAtomic(dir_ + "/platform_key.bin", AsBytes(endorsement.signing_key().SerializeAsString())).ok());
    std::ofstream(dir_ + "/policy.txt") << "trust-platform-key " << dir_ << "/platform_key.bin\ntrust-measurement "
                                        << HexEncode(AsBytes(Slurp(kFixtures + "/platform/cf_utility.measurement")))
                                        << "\n";
    out = Shell(std::string(CF_POLICY_BIN) + " compile --in " + dir_ + "/policy.txt --key " + dir_ +
                    "/policy_key.bin --out " + dir_ + "/policy.bin",
                &st);
    ASSERT_EQ(st, 0) << out;
    pid_ = fork();
    if (pid_ == 0) {
      execl(CF_CERTIFIER_BIN, CF_CERTIFIER_BIN, "--policy-key-file", (dir_ + "/policy_key.bin").c_str(),
            "--policy-cert-file", (data_ + "cf_data/policy_cert_file.e2e").c_str(), "--policy-file",
            (dir_ + "/policy.bin").c_str(), "--port", "0", "--workers", "1", "--deadline-ms", "5000", "--log-file",
            (dir_ + "/certifier.log").c_str(), nullptr);
      _exit(127);
    }
    for (int i = 0; i < 200 && port_ == 0; ++i) {  // bounded: 10 s
      usleep(50000);
      std::string log = Slurp(dir_ + "/certifier.log");
      auto at = log.find("listening on 127.0.0.1:");
      if (at != std::string::npos) port_ = atoi(log.c_str() + at + 23);
    }
    ASSERT_NE(port_, 0) << "cf-certifier did not start: " << Slurp(dir_ + "/certifier.log");
  }

  static void TearDownTestSuite() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      int status = 0;
      waitpid(pid_, &status, 0);
    }
    int st = 0;
    if (getenv("CF_E2E_KEEP") == nullptr) Shell("rm -rf " + dir_, &st);
  }

  // One cf_utility-style line: the shared flags the framework's scripts pass every time, then `args`; runs in dir_.
  static std::string Utility(const std::string& args, int* status) {
    return Shell("cd " + dir_ + " && " + CF_OSUTILITY_BIN + " --enclave_type=simulated-enclave --data_dir=./cf/" +
                     " --policy_domain_name=e2e --policy_key_cert_file=policy_cert_file.e2e" +
                     " --policy_store_filename=policy_store --encrypted_cryptstore_filename=cryptstore" +
                     " --symmetric_key_algorithm=aes-256-gcm --print_level=1 " + args,
                 status);
  }

  static wire::cryptstore Decoded() {
    wire::cryptstore store;
    std::string plain = osutil::testing::DecodeFrameworkFile(Slurp(data_ + "cryptstore"),
                                                             Slurp(kFixtures + "/platform/cf_utility.measurement"));
    EXPECT_FALSE(plain.empty()) << "the cryptstore does not open the framework's way";
    EXPECT_TRUE(store.ParseFromString(plain));
    return store;
  }

  inline static std::string dir_, data_;
  inline static pid_t pid_ = 0;
  inline static int port_ = 0;
};

TEST_F(FrameworkCommandLine, RunsTheFrameworksCommandSequence) {
  int st = 0;
  const std::string service = " --certifier_service_URL=127.0.0.1 --service_port=" + std::to_string(port_);
  std::string out = Utility("--init_trust=true" + service, &st);
  ASSERT_EQ(st, 0) << out;
  EXPECT_NE(out.find("succeeded"), std::string::npos) << out;
  wire::cryptstore store = Decoded();
  ASSERT_EQ(store.entries_size(), 2);
  EXPECT_EQ(store.entries(0).tag(), "e2e-admission-certificate");
  EXPECT_EQ(store.entries(1).tag(), "e2e-private-auth-key");
  EXPECT_FALSE(store.entries(1).exportable());
  ASSERT_TRUE(WriteFileAtomic(dir_ + "/admission.der", AsBytes(store.entries(0).blob())).ok());
  out = Shell("cd " + dir_ + " && openssl x509 -inform DER -in cf/cf_data/policy_cert_file.e2e -out policy.pem && " +
                  "openssl x509 -inform DER -in admission.der -out admission.pem && " +
                  "openssl verify -CAfile policy.pem admission.pem",
              &st);
  EXPECT_EQ(st, 0) << "the admission certificate does not verify under the policy certificate: " << out;
  EXPECT_FALSE(osutil::testing::DecodeFrameworkFile(Slurp(data_ + "policy_store"),
                                                    Slurp(kFixtures + "/platform/cf_utility.measurement"))
                   .empty())
      << "the policy store is not sealed the framework's way";

  out = Utility("--init_trust=true" + service, &st);
  EXPECT_EQ(st, 0) << out;
  EXPECT_NE(out.find("already certified"), std::string::npos) << out;

  // Certify again, the policy certificate picked from trust anchors by its O "e2e/policyAuthority".
  wire::buffer_sequence anchors;
  anchors.add_block("not a certificate");
  anchors.add_block(Slurp(data_ + "cf_data/policy_cert_file.e2e"));
  ASSERT_TRUE(WriteFileAtomic(data_ + "anchors", AsBytes(anchors.SerializeAsString())).ok());
  out = Utility("--reinit_trust=true --trust_anchors=anchors --policy_key_cert_file=/nonexistent" + service, &st);
  ASSERT_EQ(st, 0) << out;
  store = Decoded();
  ASSERT_EQ(store.entries_size(), 4);
  EXPECT_EQ(store.entries(2).tag(), "e2e-admission-certificate");
  EXPECT_EQ(store.entries(2).version(), 2);
  out = Utility(
      "--generate_symmetric_key=true --keyname=test_key_1 --entry_tag=test_key_1 --entry_version=0 "
      "--entry_type=key-message-serialized-protobuf --output_format=key-message-serialized-protobuf "
      "--output_file=out_1",
      &st);
  ASSERT_EQ(st, 0) << out;
  wire::key_message key;
  ASSERT_TRUE(key.ParseFromString(Slurp(dir_ + "/out_1")));
  EXPECT_EQ(key.key_type(), "aes-256-gcm");
  ASSERT_EQ(key.secret_key_bits().size(), 32u);
  out =
      Utility("--get_item=true --entry_tag=test_key_1 --entry_version=0 --output_format=raw --output_file=out_2", &st);
  ASSERT_EQ(st, 0) << out;
  EXPECT_EQ(Slurp(dir_ + "/out_2"), key.secret_key_bits());

  out = Utility("--generate_public_key=true --keyname=test_rsa --public_key_algorithm=rsa-2048 --duration=24.5", &st);
  ASSERT_EQ(st, 0) << out;
  // raw: the key pair as PKCS#8 DER (the framework's code writes nothing); public-der: its SubjectPublicKeyInfo.
  out = Utility("--get_item=true --entry_tag=test_rsa --output_format=raw --output_file=rsa.p8", &st);
  ASSERT_EQ(st, 0) << out;
  std::string der = Slurp(dir_ + "/rsa.p8");
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  EVP_PKEY* pair = d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(der.size()));
  EXPECT_NE(pair, nullptr) << "raw output of a key pair is PKCS#8 DER";
  EXPECT_EQ(pair != nullptr ? EVP_PKEY_get_bits(pair) : 0, 2048);
  EVP_PKEY_free(pair);
  out = Utility("--get_item=true --entry_tag=test_rsa --output_format=public-der --output_file=rsa.spki", &st);
  ASSERT_EQ(st, 0) << out;
  der = Slurp(dir_ + "/rsa.spki");
  p = reinterpret_cast<const unsigned char*>(der.data());
  EVP_PKEY* pub = d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size()));
  EXPECT_NE(pub, nullptr) << "public-der output is DER SubjectPublicKeyInfo";
  EVP_PKEY_free(pub);

  std::ofstream(dir_ + "/in_1") << "item one";
  out = Utility("--put_item=true --entry_tag=item --entry_type=binary-blob --input_file=in_1", &st);
  ASSERT_EQ(st, 0) << out;
  std::ofstream(dir_ + "/in_1") << "item two";
  out = Utility("--put_item=true --entry_tag=item --entry_type=binary-blob --entry_version=0", &st);
  ASSERT_EQ(st, 0) << out;
  out = Utility("--put_item=true --entry_tag=item --entry_type=binary-blob --entry_version=2", &st);
  EXPECT_NE(st, 0) << "version 2 exists: " << out;
  EXPECT_NE(out.find("already exists"), std::string::npos) << out;
  out = Utility("--get_item=true --entry_tag=item --entry_version=1 --output_format=raw --output_file=v1", &st);
  EXPECT_EQ(Slurp(dir_ + "/v1"), "item one") << out;
  out = Utility("--get_item=true --entry_tag=item --output_format=raw", &st);  // the framework's out_1
  EXPECT_EQ(Slurp(dir_ + "/out_1"), "item two") << "a get without a version reads the latest: " << out;
  out = Utility("--get_item=true --entry_tag=item --output_file=entry", &st);  // default: serialized-protobuf
  wire::cryptstore_entry entry;
  ASSERT_TRUE(entry.ParseFromString(Slurp(dir_ + "/entry"))) << out;
  EXPECT_EQ(entry.version(), 2);
  EXPECT_EQ(entry.blob(), "item two");

  out = Utility("--print_cryptstore=true", &st);
  ASSERT_EQ(st, 0) << out;
  for (const char* tag : {"e2e-admission-certificate", "e2e-private-auth-key", "test_key_1", "test_rsa", "item"})
    EXPECT_NE(out.find(std::string("tag: ") + tag + "\t"), std::string::npos) << tag << "\n" << out;
  EXPECT_EQ(Decoded().entries_size(), 8);
}

}  // namespace
}  // namespace cf::attest
