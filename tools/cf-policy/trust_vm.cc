// The policy text stays the one place a policy is written down: this only appends a line `compile` reads.
#include "tools/cf-policy/trust_vm.h"

#include <sys/stat.h>

#include <algorithm>
#include <iostream>

#include "common/atomic_file.h"

namespace cf::tools {
namespace {

int Fail(const Status& s) {
  std::cerr << "cf-policy: " << s.message() << "\n";
  return 1;
}

// The comment must stay on its line: a command line could hold a newline.
std::string OneLine(std::string text) {
  std::replace_if(
      text.begin(), text.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  return text;
}

Result<Bytes> ExistingText(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return Bytes();
  return ReadFile(path, 1 << 20);
}

}  // namespace

int TrustVm(const std::string& policy_text, const attest::snp::measure::MeasureRequest& request) {
  if (request.mode != "snp") {
    return Fail(Status(Code::kInvalidArgument, "trust-vm adds SEV-SNP measurements only (--mode snp); a " +
                                                   request.mode + " launch digest is not what reports carry"));
  }
  auto digest = attest::snp::measure::Measure(request);
  if (!digest.ok()) return Fail(digest.status());
  auto text = ExistingText(policy_text);
  if (!text.ok()) return Fail(text.status());
  if (!text->empty() && text->back() != '\n') text->push_back('\n');
  const std::string line =
      "trust-measurement " + HexEncode(*digest) + "  # VM: " + OneLine(attest::snp::measure::DescribeRequest(request));
  text->insert(text->end(), line.begin(), line.end());
  text->push_back('\n');
  Status written = WriteFileAtomic(policy_text, *text, 0644);
  if (!written.ok()) return Fail(written);
  std::cerr << "cf-policy: added to " << policy_text << ": " << line << "\n";
  return 0;
}

}  // namespace cf::tools
