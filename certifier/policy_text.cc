// Line-by-line compiler of the policy text. Statements are built first and signed at the end, so a bad line
// produces no output at all.
#include "certifier/policy_text.h"

#include <sstream>
#include <vector>

#include "attest/tpm/pcr.h"
#include "attest/verify_sev.h"
#include "attest/verify_signature.h"
#include "attest/verify_tpm.h"
#include "certifier/clause.h"
#include "certifier/policy.h"
#include "certifier/properties.h"
#include "proto/key_codec.h"

namespace cf::certifier {
namespace {

Status LineError(int line, const std::string& what) {
  return Status(Code::kInvalidArgument, "policy line " + std::to_string(line) + ": " + what);
}

Result<uint64_t> ParseNumber(const std::string& s) {
  if (s.empty()) return Status(Code::kInvalidArgument, "empty number");
  size_t used = 0;
  uint64_t v = 0;
  try {
    v = std::stoull(s, &used, 0);
  } catch (...) {
    used = 0;
  }
  if (used != s.size()) return Status(Code::kInvalidArgument, "'" + s + "' is not a number");
  return v;
}

bool LooksNumeric(const std::string& s) { return !s.empty() && (isdigit(static_cast<unsigned char>(s[0]))); }

// A measurement register (TDX RTMRs, MRCONFIGID...): 32 or more hex digits, too long for a number whatever its
// first digit; compared as lower-case text (the form the platform reports).
bool IsLongHex(const std::string& s) {
  return s.size() >= 32 && s.size() % 2 == 0 && s.find_first_not_of("0123456789abcdefABCDEF") == std::string::npos;
}

}  // namespace

Result<wire::key_message> LoadPlatformKey(ByteView data) {
  wire::key_message key;
  if (key.ParseFromArray(data.data(), static_cast<int>(data.size())) && (key.has_rsa_key() || key.has_ecc_key())) {
    return KeyEntity(key).key();
  }
  if (auto ak = attest::ParseAttestationKey(data); ak.ok()) return KeyEntity(ak->key_message).key();
  auto cert = attest::ParseCertificate(data);
  if (!cert.ok()) {
    return Status(Code::kInvalidArgument,
                  "neither a serialized key_message, a TPM attestation key (ak.pub) nor a PEM/DER certificate");
  }
  char cn[128] = "platformKey";
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert->get()), NID_commonName, cn, sizeof(cn));
  return keys::KeyMessageFromPKey(X509_get0_pubkey(cert->get()), false, cn);
}

Result<wire::signed_claim_sequence> CompilePolicy(std::string_view text, const wire::key_message& policy_key,
                                                  const FileReader& read_file, int64_t now) {
  std::vector<std::pair<wire::vse_clause, std::string>> statements;  // inner clause, descriptor
  std::vector<wire::platform> templates;
  int64_t admission_days = 0;
  int64_t statement_days = 3650;
  PropertyMapping mapping = PropertyMapping::kAmdAbi;
  bool settings = false;
  std::istringstream in{std::string(text)};
  std::string raw;
  int n = 0;
  while (std::getline(in, raw)) {
    ++n;
    if (auto hash = raw.find('#'); hash != std::string::npos) raw.resize(hash);
    std::istringstream words(raw);
    std::vector<std::string> w;
    for (std::string s; words >> s;) w.push_back(s);
    if (w.empty()) continue;
    const std::string& verb = w[0];
    if (verb == "trust-measurement" && w.size() == 2) {
      auto m = HexDecode(w[1]);
      if (!m.ok() || m->empty()) return LineError(n, "measurement '" + w[1] + "' is not hex");
      statements.emplace_back(Unary(MeasurementEntity(*m), kIsTrusted), "trusted-measurement");
    } else if (verb == "trust-tpm-pcrs" && w.size() >= 3) {
      // The TPM measurement (attest/tpm/pcr.h) of these PCR values: SHA-256(TPML_PCR_SELECTION || values).
      auto selection = attest::tpm::ParsePcrSelection(w[1]);
      if (!selection.ok()) return LineError(n, selection.status().message());
      if (attest::tpm::SelectedPcrCount(*selection) != w.size() - 2) {
        return LineError(n, "give one SHA-256 value (64 hex digits) per PCR in '" + w[1] + "', in ascending order");
      }
      std::vector<Bytes> values;
      for (size_t i = 2; i < w.size(); ++i) {
        auto v = HexDecode(w[i]);
        if (!v.ok() || v->size() != 32) return LineError(n, "PCR value '" + w[i] + "' is not 64 hex digits");
        values.push_back(*v);
      }
      auto m = attest::tpm::PcrMeasurement(*selection, values);
      if (!m.ok()) return LineError(n, m.status().message());
      statements.emplace_back(Unary(MeasurementEntity(*m), kIsTrusted), "trusted-measurement");
    } else if (verb == "trust-platform-key" && w.size() == 2) {
      auto data = read_file(w[1]);
      if (!data.ok()) return LineError(n, data.status().message());
      auto key = LoadPlatformKey(*data);
      if (!key.ok()) return LineError(n, w[1] + ": " + key.status().message());
      statements.emplace_back(Unary(KeyEntity(*key), kForAttestation), "trusted-platform-key");
    } else if (verb == "platform" && w.size() == 2) {
      templates.emplace_back().set_platform_type(w[1]);
    } else if (verb == "property" && w.size() == 4) {
      if (w[2] != "=" && w[2] != ">=" && w[2] != "<=") return LineError(n, "comparator must be =, >= or <=");
      if (templates.empty()) templates.emplace_back().set_platform_type(kSevPlatformType);
      auto* props = templates.back().mutable_props()->mutable_props();
      if (IsLongHex(w[3])) {
        if (w[2] != "=") return LineError(n, "hex property '" + w[1] + "' only compares with =");
        std::string lower = w[3];
        for (char& c : lower) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
        *props->Add() = StringProperty(w[1], lower);
      } else if (LooksNumeric(w[3])) {
        auto v = ParseNumber(w[3]);
        if (!v.ok()) return LineError(n, v.status().message());
        *props->Add() = IntProperty(w[1], w[2], *v);
      } else {
        if (w[2] != "=") return LineError(n, "text property '" + w[1] + "' only compares with =");
        *props->Add() = StringProperty(w[1], w[3]);
      }
    } else if (verb == "admission-validity-days" && w.size() == 2) {
      auto v = ParseNumber(w[1]);
      if (!v.ok() || *v == 0 || *v > 36500) return LineError(n, "days must be 1..36500");
      admission_days = static_cast<int64_t>(*v);
      settings = true;
    } else if (verb == "statement-validity-days" && w.size() == 2) {
      auto v = ParseNumber(w[1]);
      if (!v.ok() || *v == 0 || *v > 36500) return LineError(n, "days must be 1..36500");
      statement_days = static_cast<int64_t>(*v);
    } else if (verb == "property-mapping" && w.size() == 2 && (w[1] == "amd-abi" || w[1] == "cf-go-compat")) {
      mapping = w[1] == "cf-go-compat" ? PropertyMapping::kCfGoCompat : PropertyMapping::kAmdAbi;
      settings = true;
    } else {
      return LineError(n, "cannot read '" + raw + "' (see cf-policy --help for the statements)");
    }
  }
  for (const auto& t : templates) {
    statements.emplace_back(Unary(PlatformEntity(t), kHasTrustedPlatformProperty), "trusted-platform");
  }
  if (settings) {
    statements.emplace_back(SettingsClause(admission_days > 0 ? admission_days : 365, mapping), "service-settings");
  }
  if (statements.empty()) return Status(Code::kInvalidArgument, "policy text holds no statement");
  wire::entity_message signer = KeyEntity(policy_key);
  wire::signed_claim_sequence out;
  for (const auto& [clause, descriptor] : statements) {
    CF_ASSIGN_OR_RETURN(*out.add_claims(), attest::MakeSignedClaim(Says(signer, clause), policy_key, descriptor,
                                                                   now - 60, statement_days * 24 * 3600));
  }
  return out;
}

}  // namespace cf::certifier
