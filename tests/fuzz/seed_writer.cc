// Writes the generated seeds of tests/fuzz/corpus/ (run by hand; the output is committed): stores of both backends
// sealed with the fuzz targets' fixed key, a simulated-enclave trust request made at kFuzzNow with the platform
// key the certifier target's policy trusts (data/platform_key.bin), the service's answers with an admission
// certificate issued under data/reply_policy_cert.der for data/reply_auth_key.bin, key messages, module objects,
// frames and PKCS#11 operation inputs. Recorded SEV-SNP reports and certificates are copied from tests/fixtures by
// hand.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "attest/framing.h"
#include "attest/sev_snp/cert_table.h"
#include "attest/verify_sev.h"
#include "attest/verify_signature.h"
#include "certifier/admission_cert.h"
#include "certifier/clause.h"
#include "common/time_text.h"
#include "cryptstore/store.h"
#include "fixed_key_sealer.h"
#include "fuzz_clock.h"
#include "proto/cf_pkcs11.pb.h"
#include "proto/key_codec.h"

namespace cf::fuzz {
namespace {

std::string root;      // <tests/fuzz>/corpus
std::string data_dir;  // <tests/fuzz>/data

void Write(const std::string& dir, const std::string& name, std::string_view bytes) {
  std::filesystem::create_directories(root + "/" + dir);
  std::ofstream(root + "/" + dir + "/" + name, std::ios::binary).write(bytes.data(), bytes.size());
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void WriteStore(store::Backend backend, const std::string& dir, bool with_pins) {
  std::string tmp = (std::filesystem::temp_directory_path() / "cf-seed-store").string();
  std::filesystem::remove_all(tmp);
  std::filesystem::create_directories(tmp);
  store::StoreOptions o;
  o.backend = backend;
  o.path = tmp + "/cryptstore";
  o.sealer = std::make_shared<FixedKeySealer>();
  o.pin_kdf_iterations = 1000;
  {
    auto s = std::move(store::Store::Open(o)).value();
    for (int i = 0; i < 3; ++i) {
      store::NewEntry e;
      e.tag = "entry-" + std::to_string(i);
      e.type = i == 0 ? "binary-blob" : "key-message-serialized-protobuf";
      e.blob = ToSecure(std::string(20 + i, 'a' + i));
      (void)s->Put(e);
    }
    (void)s->PutMeta("label", AsBytes("seed"));
    if (with_pins) {
      (void)s->SetSoPin(SecureString("12345678"));
      (void)s->InitUserPin(SecureString("1234"));
      (void)s->Login(store::Role::kUser, SecureString("1234"));
      store::NewEntry e;
      e.tag = "private";
      e.type = "binary-blob";
      e.tier = store::Tier::kUser;
      e.blob = ToSecure(std::string("user tier"));
      (void)s->Put(e);
    }
  }
  Write(dir, with_pins ? "store-with-pins" : "store-plain", Slurp(o.path));
}

void WriteKeys() {
  for (const char* alg : {"rsa-2048", "ecc-256", "ecc-384"}) {
    auto key = *keys::GenerateKeyMessage(alg, "seed");
    Write("key_message", std::string(alg) + "-private", key.SerializeAsString());
    Write("key_message", std::string(alg) + "-public", keys::PublicKeyMessage(key)->SerializeAsString());
    // stored_object seeds: the first byte picks the entry type (5: the framework's key message).
    Write("stored_object", std::string("framework-") + alg, "\x05" + key.SerializeAsString());
  }
}

void WriteObjects() {
  cf_pkcs11::StoredObject object;
  auto add = [&](uint64_t type, std::string value) {
    auto* a = object.add_attributes();
    a->set_type(type);
    a->set_value(std::move(value));
  };
  auto ulong = [](uint64_t v) { return std::string(reinterpret_cast<const char*>(&v), 8); };
  add(0x0 /*CKA_CLASS*/, ulong(4) /*CKO_SECRET_KEY*/);
  add(0x100 /*CKA_KEY_TYPE*/, ulong(0x1f) /*CKK_AES*/);
  add(0x11 /*CKA_VALUE*/, std::string(32, 'k'));
  add(0x3 /*CKA_LABEL*/, "aes");
  Write("stored_object", "token-secret-key", "\x84" + object.SerializeAsString());  // 4: secret key, origin token
  object.Clear();
  add(0x0, ulong(0) /*CKO_DATA*/);
  add(0x11, "data");
  Write("stored_object", "token-data", "\x80" + object.SerializeAsString());
}

wire::trust_request_message SimRequest(const wire::key_message& platform_key) {
  using namespace certifier;
  auto attest_key = *keys::GenerateKeyMessage("ecc-256", "attestKey");
  auto enclave_key = *keys::GenerateKeyMessage("ecc-256", "authKey");
  auto clause = Says(KeyEntity(platform_key), Unary(KeyEntity(attest_key), kForAttestation));
  auto endorsement = *attest::MakeSignedClaim(clause, platform_key, "platform-endorsement", kFuzzNow - 60, 86400);
  wire::attestation_user_data ud;
  ud.set_enclave_type("simulated-enclave");
  ud.set_time(FormatTime(kFuzzNow));
  *ud.mutable_enclave_key() = KeyEntity(enclave_key).key();
  wire::vse_attestation_report_info info;
  info.set_enclave_type("simulated-enclave");
  info.set_verified_measurement(AsString(*HexDecode(kFuzzMeasurementHex)));
  info.set_not_before(FormatTime(kFuzzNow - 60));
  info.set_not_after(FormatTime(kFuzzNow + 3600));
  info.set_user_data(ud.SerializeAsString());
  wire::signed_report report;
  report.set_report_format("vse-attestation-report");
  report.set_report(info.SerializeAsString());
  *report.mutable_signing_key() = KeyEntity(attest_key).key();
  auto pkey = keys::PKeyFromKeyMessage(attest_key);
  std::string algorithm = *attest::SigningAlgorithmFor(pkey->get());
  report.set_signing_algorithm(algorithm);
  report.set_signature(AsString(*attest::Sign(pkey->get(), algorithm, AsBytes(report.report()))));
  wire::trust_request_message m;
  m.set_requesting_enclave_tag("requesting-enclave");
  m.set_providing_enclave_tag("providing-enclave");
  m.set_submitted_evidence_type("vse-attestation-package");
  m.set_purpose("authentication");
  auto* pkg = m.mutable_support();
  pkg->set_prover_type("vse-verifier");
  pkg->set_enclave_type("simulated-enclave");
  auto* e1 = pkg->add_fact_assertion();
  e1->set_evidence_type("signed-claim");
  e1->set_serialized_evidence(endorsement.SerializeAsString());
  auto* e2 = pkg->add_fact_assertion();
  e2->set_evidence_type("signed-vse-attestation-report");
  e2->set_serialized_evidence(report.SerializeAsString());
  return m;
}

void WriteRequestsAndFrames() {
  auto platform_key = *keys::GenerateKeyMessage("ecc-256", "platformKey");
  std::filesystem::create_directories(data_dir);
  std::ofstream(data_dir + "/platform_key.bin", std::ios::binary)
      << keys::PublicKeyMessage(platform_key)->SerializeAsString();
  std::string request = SimRequest(platform_key).SerializeAsString();
  Write("certifier_request", "sim-request", request);
  Write("framing", "request-frame", AsString(*attest::EncodeFrame(AsBytes(request))));
  Write("framing", "empty-frame", std::string("\0\0\0\0", 4));
}

// Answers of a Certifier Service to a token whose policy certificate and authentication key are in data/: one
// admitting it with a genuine certificate (valid for 100 years from kFuzzNow, so the seed stays valid), one refusing
// with a reason, one with a status nobody sends.
void WriteReplies() {
  auto policy_key = *keys::GenerateKeyMessage("ecc-256", "policyKey");
  auto auth_key = *keys::GenerateKeyMessage("ecc-256", "authKey");
  auto policy_pkey = std::move(keys::PKeyFromKeyMessage(policy_key)).value();
  auto auth_pkey = std::move(keys::PKeyFromKeyMessage(*keys::PublicKeyMessage(auth_key))).value();
  constexpr int64_t kCentury = int64_t{100} * 365 * 86400;
  Bytes policy_der = *certifier::MakePolicyCertificate(policy_pkey.get(), "fuzz-domain", kFuzzNow - 60, kCentury);
  auto policy_cert = std::move(attest::ParseCertificate(policy_der)).value();
  Bytes measurement = *HexDecode(kFuzzMeasurementHex);
  certifier::AdmissionRequest admit;
  admit.subject_key = auth_pkey.get();
  admit.measurement = measurement;
  admit.platform = "simulated-enclave";
  admit.not_before = kFuzzNow - 60;
  admit.validity_seconds = kCentury;
  Bytes admission = *certifier::IssueAdmissionCertificate(policy_pkey.get(), policy_cert.get(), admit);
  std::filesystem::create_directories(data_dir);
  std::ofstream(data_dir + "/reply_policy_cert.der", std::ios::binary) << AsString(policy_der);
  std::ofstream(data_dir + "/reply_auth_key.bin", std::ios::binary)
      << keys::PublicKeyMessage(auth_key)->SerializeAsString();
  wire::trust_response_message answer;
  answer.set_status("succeeded");
  answer.set_artifact(AsString(admission));
  Write("certifier_reply", "admitted", answer.SerializeAsString());
  answer.Clear();
  answer.set_status("failed");
  answer.set_reason("measurement 5a5a... is not trusted by the policy");
  Write("certifier_reply", "refused", answer.SerializeAsString());
  answer.set_status("pending");
  Write("certifier_reply", "unknown-status", answer.SerializeAsString());
}

void WriteCertTable() {
  std::string vcek = Slurp(std::string(CF_SEV_FIXTURES) + "/milan/vcek.der");
  attest::snp::CertTableEntry entry;
  entry.guid = {0x63, 0xda, 0x75, 0x8d, 0xe6, 0x64, 0x45, 0x64, 0xad, 0xc5, 0xf4, 0xb9, 0x3b, 0xe8, 0xac, 0xcd};
  entry.data = ToBytes(vcek);
  Write("snp_report", "cert-table", AsString(attest::snp::BuildCertTable({entry})));
}

void WriteConfigsAndP11() {
  Write("config", "one-token", "tokens { label: \"a\" directory: \"/tmp/a\" }\n");
  Write("config", "full",
        "log_level: \"info\"\ntokens { label: \"web\" directory: \"/tmp/w\" enclave_type: \"sev-enclave\" "
        "backend: \"cf-file\" certifier_address: \"127.0.0.1:8123\" certification: CERTIFICATION_CACHED "
        "policy_certificate: \"/tmp/p.der\" pin_kdf_iterations: 1000 max_failed_logins: 3 policy_domain: \"d\" "
        "allow_rsa_pkcs1_v15_decrypt: false certification_deadline_ms: 500 certification_renewal_percent: 20 }\n"
        "tokens { label: \"b\" directory: \"/tmp/b\" }\n");
  // p11_template: op byte, then the operation's fields (p11_input.h). Op 0, 2 attributes: CKA_CLASS=CKO_DATA,
  // CKA_VALUE="hi"; then a query of CKA_VALUE.
  Write("p11_template", "create-data",
        std::string("\x00\x02\x00\x08"
                    "\0\0\0\0\0\0\0\0"
                    "\x04\x02hi\x01\x04\x00",
                    19));
  Write("p11_template", "generate-aes", std::string("\x01\x01\x19\x08\x20\0\0\0\0\0\0\0\x01", 13));
  Write("p11_template", "sign-ecdsa", std::string("\x07\x0c\x00\x00\x01\x20", 6) + std::string(32, 'h') + '\0');
  Write("p11_template", "gcm-encrypt",
        std::string("\x07\x00\x00\x0c", 4) + std::string(12, 'i') + std::string("\x60\0\0\0\0\x80\0\0\0\0\x10", 11) +
            std::string(16, 'd') + "\x01");
}

}  // namespace
}  // namespace cf::fuzz

// A group of seeds may be written alone, so adding one target's seeds leaves every other committed seed as it is
// (each run makes new keys).
int main(int argc, char** argv) {
  const std::string group = argc == 3 ? argv[2] : "all";
  const char* groups[] = {"all", "stores", "keys", "objects", "requests", "replies", "cert-table", "p11"};
  if (argc < 2 || argc > 3 || std::find(std::begin(groups), std::end(groups), group) == std::end(groups)) {
    std::fprintf(stderr,
                 "usage: cf_fuzz_seed_writer <tests/fuzz directory> "
                 "[all|stores|keys|objects|requests|replies|cert-table|p11]\n");
    return 2;
  }
  cf::fuzz::root = std::string(argv[1]) + "/corpus";
  cf::fuzz::data_dir = std::string(argv[1]) + "/data";
  auto wanted = [&](const char* name) { return group == "all" || group == name; };
  using cf::store::Backend;
  if (wanted("stores")) {
    cf::fuzz::WriteStore(Backend::kCfFile, "cf_file_store", false);
    cf::fuzz::WriteStore(Backend::kCfFile, "cf_file_store", true);
    cf::fuzz::WriteStore(Backend::kSqlite, "sqlite_store", false);
    cf::fuzz::WriteStore(Backend::kSqlite, "sqlite_store", true);
  }
  if (wanted("keys")) cf::fuzz::WriteKeys();
  if (wanted("objects")) cf::fuzz::WriteObjects();
  if (wanted("requests")) cf::fuzz::WriteRequestsAndFrames();
  if (wanted("replies")) cf::fuzz::WriteReplies();
  if (wanted("cert-table")) cf::fuzz::WriteCertTable();
  if (wanted("p11")) cf::fuzz::WriteConfigsAndP11();
  return 0;
}
