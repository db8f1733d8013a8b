// cf-policy: make the policy key and its self-signed certificate, compile a readable policy text into a signed
// policy (signed_claim_sequence), print a signed policy in words, add a VM's launch measurement to a policy text
// (trust-vm, trust_vm.cc). Results go to files; messages to stderr.
#include <openssl/pem.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "attest/verify_sev.h"
#include "certifier/admission_cert.h"
#include "certifier/policy.h"
#include "certifier/policy_text.h"
#include "common/atomic_file.h"
#include "common/ossl_context.h"
#include "common/time_text.h"
#include "proto/key_codec.h"
#include "tools/cf-measure/measure_flags.h"
#include "tools/cf-policy/trust_vm.h"

namespace {

using namespace cf;

int Fail(const Status& s) {
  std::cerr << "cf-policy: " << s.ToString() << "\n";
  return 1;
}

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

Result<wire::key_message> ReadKey(const std::string& path) {
  CF_ASSIGN_OR_RETURN(Bytes data, ReadFile(path, 1 << 20));
  wire::key_message key;
  if (!key.ParseFromArray(data.data(), static_cast<int>(data.size()))) {
    return Status(Code::kCorrupt, path + " is not a serialized key_message");
  }
  return key;
}

Bytes ToPem(ByteView der) {
  auto cert = attest::ParseCertificate(der);
  ossl::Bio bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert->get());
  char* p = nullptr;
  long n = BIO_get_mem_data(bio.get(), &p);
  return Bytes(p, p + n);
}

int MakeKey(const std::string& key_out, const std::string& cert_out, const std::string& domain,
            const std::string& algorithm, int years) {
  int64_t validity = int64_t{years} * 365 * 24 * 3600;
  auto key = keys::GenerateKeyMessage(algorithm, "policyKey", validity);
  if (!key.ok()) return Fail(key.status());
  auto pkey = keys::PKeyFromKeyMessage(*key);
  if (!pkey.ok()) return Fail(pkey.status());
  auto der = certifier::MakePolicyCertificate(pkey->get(), domain, NowSeconds() - 60, validity);
  if (!der.ok()) return Fail(der.status());
  key->set_certificate(AsString(*der));
  Status s = WriteFileAtomic(key_out, AsBytes(key->SerializeAsString()), 0600);
  if (!s.ok()) return Fail(s);
  s = WriteFileAtomic(cert_out, EndsWith(cert_out, ".pem") ? ToPem(*der) : *der, 0644);
  if (!s.ok()) return Fail(s);
  std::cerr << "cf-policy: wrote policy key " << key_out << " (" << key->key_type() << ") and certificate " << cert_out
            << " (O=" << domain << "/policyAuthority)\n";
  return 0;
}

int Compile(const std::string& in, const std::string& key_path, const std::string& out) {
  auto text = ReadFile(in, 1 << 20);
  if (!text.ok()) return Fail(text.status());
  auto key = ReadKey(key_path);
  if (!key.ok()) return Fail(key.status());
  auto seq = certifier::CompilePolicy(
      AsString(*text), *key, [](const std::string& p) { return ReadFile(p, 1 << 20); }, NowSeconds());
  if (!seq.ok()) return Fail(seq.status().Annotate(in));
  Status s = WriteFileAtomic(out, AsBytes(seq->SerializeAsString()), 0644);
  if (!s.ok()) return Fail(s);
  std::cerr << "cf-policy: wrote " << seq->claims_size() << " signed statements to " << out << "\n";
  return 0;
}

int Print(const std::string& policy_path, const std::string& key_path) {
  auto data = ReadFile(policy_path, 16 << 20);
  if (!data.ok()) return Fail(data.status());
  wire::key_message key;
  if (!key_path.empty()) {
    auto k = ReadKey(key_path);
    if (!k.ok()) return Fail(k.status());
    key = *k;
  } else {
    // Without a key, describe it under the key its first statement names (signatures still checked with it).
    wire::signed_claim_sequence seq;
    if (!seq.ParseFromArray(data->data(), static_cast<int>(data->size())) || seq.claims_size() == 0) {
      return Fail(Status(Code::kCorrupt, policy_path + " holds no signed statements"));
    }
    key = seq.claims(0).signing_key();
  }
  auto policy = certifier::Policy::Load(key, *data, NowSeconds());
  if (!policy.ok()) return Fail(policy.status());
  std::cout << policy->Describe();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (cf::Status ctx = cf::ossl::OpenLibCtx(); !ctx.ok()) {
    std::cerr << "cf-policy: " << ctx.ToString() << "\n";
    return 1;
  }
  CLI::App app{"cf-policy: policy keys and signed policies for the Certifier Service"};
  app.require_subcommand(1);
  std::string key_out, cert_out, domain, algorithm = "rsa-2048", in, key, out, policy;
  int years = 5;
  auto* make = app.add_subcommand("make-key", "make a policy key and its self-signed certificate");
  make->add_option("--key-out", key_out, "policy key (serialized key_message, private)")->required();
  make->add_option("--cert-out", cert_out, "certificate (DER; PEM if the name ends in .pem)")->required();
  make->add_option("--domain", domain, "policy domain name")->required();
  make->add_option("--algorithm", algorithm, "rsa-2048, rsa-3072 or ecc-384")
      ->check(CLI::IsMember({"rsa-2048", "rsa-3072", "rsa-4096", "ecc-256", "ecc-384"}));
  make->add_option("--years", years, "validity of key and certificate")->check(CLI::Range(1, 30));
  auto* compile = app.add_subcommand("compile", "sign a readable policy text");
  compile->add_option("--in", in, "policy text")->required();
  compile->add_option("--key", key, "policy key (serialized key_message)")->required();
  compile->add_option("--out", out, "signed policy (signed_claim_sequence)")->required();
  auto* print = app.add_subcommand("print", "print a signed policy in words");
  print->add_option("--policy", policy, "signed policy")->required();
  print->add_option("--key", key, "policy key to check the signatures with (default: the key named inside)");
  std::string policy_text;
  tools::MeasureFlags vm;
  auto* trust_vm = app.add_subcommand(
      "trust-vm", "add the SEV-SNP launch measurement of the VM built from these files to a policy text");
  trust_vm->add_option("--policy-text", policy_text, "policy text to append to (created if absent)")->required();
  vm.AddTo(*trust_vm);
  trust_vm->footer("The launch flags are cf-measure's (cf-measure --help).");
  CLI11_PARSE(app, argc, argv);
  if (*trust_vm) {
    auto request = vm.Request();
    if (!request.ok()) return Fail(request.status());
    return tools::TrustVm(policy_text, *request);
  }
  if (*make) return MakeKey(key_out, cert_out, domain, algorithm, years);
  if (*compile) return Compile(in, key, out);
  return Print(policy, key);
}
