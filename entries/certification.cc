// The certification step shared by C_Login and cf-osutility --init-trust: auth key (reused or new), attest::Certify
// against the Certifier Service, and every entry it produces stored in one write, so a failure changes nothing.
#include "entries/certification.h"

#include <openssl/asn1.h>
#include <openssl/x509.h>

#include <algorithm>
#include <charconv>
#include <ctime>

#include "attest/verify_sev.h"
#include "common/atomic_file.h"
#include "common/log.h"
#include "common/ossl.h"
#include "common/x509_der.h"
#include "entries/entry_types.h"
#include "proto/key_codec.h"

namespace cf::entries {

Result<HostPort> ParseCertifierAddress(const std::string& text, const std::string& what) {
  size_t colon = text.rfind(':');
  HostPort out;
  unsigned port = 0;
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size()) {
    return Status(Code::kInvalidArgument, what + " '" + text + "' is not HOST:PORT; give e.g. 127.0.0.1:8123");
  }
  auto [end, ec] = std::from_chars(text.data() + colon + 1, text.data() + text.size(), port);
  if (ec != std::errc() || end != text.data() + text.size() || port == 0 || port > 65535) {
    return Status(Code::kInvalidArgument, what + " '" + text + "' has no port in 1..65535 after ':'");
  }
  out.host = text.substr(0, colon);
  out.port = static_cast<uint16_t>(port);
  return out;
}

Result<std::vector<attest::CertifierAddress>> ParseCertifierAddresses(const std::string& text,
                                                                      const std::string& what) {
  std::vector<attest::CertifierAddress> out;
  size_t from = 0;
  for (;;) {
    size_t comma = text.find(',', from);
    std::string item = text.substr(from, comma == std::string::npos ? std::string::npos : comma - from);
    size_t first = item.find_first_not_of(" \t");
    size_t last = item.find_last_not_of(" \t");
    item = first == std::string::npos ? "" : item.substr(first, last - first + 1);
    if (item.empty()) {
      return Status(Code::kInvalidArgument, what + " '" + text +
                                                "' has an empty address; give HOST:PORT, or several separated by "
                                                "commas, e.g. 10.0.0.5:8123,10.0.0.6:8123");
    }
    CF_ASSIGN_OR_RETURN(HostPort one, ParseCertifierAddress(item, what));
    for (const auto& seen : out) {
      if (seen.host == one.host && seen.port == one.port) {
        return Status(Code::kInvalidArgument, what + " names " + item + " twice");
      }
    }
    out.push_back(attest::CertifierAddress{one.host, one.port});
    if (out.size() > kMaxCertifierAddresses) {
      return Status(Code::kInvalidArgument, what + " names more than " + std::to_string(kMaxCertifierAddresses) +
                                                " addresses; put a load balancer in front of the replicas");
    }
    if (comma == std::string::npos) return out;
    from = comma + 1;
  }
}

Result<Bytes> LoadPolicyCertificate(const std::string& path, const std::string& what) {
  if (path.empty()) {
    return Status(Code::kNotFound, "no " + what +
                                       " is configured; give the policy certificate made by cf-policy "
                                       "make-key");
  }
  auto data = ReadFile(path, 1 << 20);
  if (!data.ok()) {
    return data.status().Annotate("reading " + what + " '" + path +
                                  "' (give the policy certificate made by cf-policy make-key)");
  }
  auto cert = attest::ParseCertificate(*data);
  if (!cert.ok()) {
    return Status(Code::kInvalidArgument, what + " '" + path +
                                              "' is not an X.509 certificate (DER or PEM): " + cert.status().message() +
                                              "; give the policy certificate made by cf-policy make-key");
  }
  auto der = ossl::CertificateDer(cert->get());
  if (!der.ok()) return Status(Code::kInternal, "re-encoding the policy certificate as DER failed");
  return der;
}

Result<std::optional<wire::key_message>> LoadAuthKey(store::Store& store) {
  auto existing = store.Get(kAuthKeyTag, kFrameworkKeyMessage, 0);
  if (!existing.ok()) {
    if (existing.status().code() == Code::kNotFound) return std::optional<wire::key_message>();
    return existing.status().Annotate("reading the auth key");
  }
  wire::key_message key;
  if (!key.ParseFromArray(existing->blob.data(), static_cast<int>(existing->blob.size()))) {
    return Status(Code::kCorrupt, "the stored '" + std::string(kAuthKeyTag) + "' entry version " +
                                      std::to_string(existing->info.version) +
                                      " is not a key_message; remove it (cf-osutility) or use another policy domain");
  }
  return std::optional<wire::key_message>(std::move(key));
}

Result<std::optional<Bytes>> LoadAdmissionCertificate(store::Store& store) {
  auto existing = store.Get(kAdmissionCertTag, kFrameworkCertificate, 0);
  if (!existing.ok()) {
    if (existing.status().code() == Code::kNotFound) return std::optional<Bytes>();
    return existing.status().Annotate("reading the admission certificate");
  }
  return std::optional<Bytes>(Bytes(existing->blob.begin(), existing->blob.end()));
}

Result<CertifyOutcome> CertifyStore(store::Store& store, attest::Enclave& enclave, const CertifyOptions& options,
                                    attest::CertifyTrace* trace) {
  attest::CertifyTrace local;
  attest::CertifyTrace& t = trace != nullptr ? *trace : local;
  t.failed_at = attest::CertifyStage::kRequest;
  attest::CertificationRequest request;
  request.addresses = options.addresses;
  request.deadline = options.deadline;
  request.policy_cert_der = options.policy_cert_der;
  request.expected_measurement = enclave.measurement();
  request.expected_platform = enclave.type();
  CertifyOutcome outcome;
  CF_ASSIGN_OR_RETURN(std::optional<wire::key_message> existing, LoadAuthKey(store));
  if (existing) {
    request.auth_key = std::move(*existing);
    outcome.auth_key_reused = true;
  } else {
    CF_ASSIGN_OR_RETURN(request.auth_key, keys::GenerateKeyMessage(options.new_key_algorithm, kAuthKeyTag));
  }
  CF_ASSIGN_OR_RETURN(outcome.certificate_der, attest::Certify(enclave, request, &t));

  auto entry = [](const char* tag, const char* type, ByteView blob, bool exportable, store::Tier tier) {
    store::NewEntry e;
    e.tag = tag;
    e.type = type;
    e.blob.assign(blob.begin(), blob.end());
    e.exportable = exportable;
    e.tier = tier;
    e.origin = store::Origin::kTool;  // the framework's entries: they outlive C_InitToken (DESIGN-NOTES.md)
    return e;
  };
  std::vector<store::NewEntry> entries;
  // Public material: the framework marks certificates exportable.
  entries.push_back(entry(kAdmissionCertTag, kFrameworkCertificate, outcome.certificate_der, true, options.cert_tier));
  std::string sent = t.sent.SerializeAsString();
  entries.push_back(entry(kEvidenceTag, kEvidenceType, AsBytes(sent), true, options.cert_tier));
  auto stored_policy = store.Get(kPolicyCertTag, kFrameworkCertificate, 0);
  if (!stored_policy.ok() || !std::equal(stored_policy->blob.begin(), stored_policy->blob.end(),
                                         options.policy_cert_der.begin(), options.policy_cert_der.end())) {
    entries.push_back(entry(kPolicyCertTag, kFrameworkCertificate, options.policy_cert_der, true, options.cert_tier));
  }
  if (!outcome.auth_key_reused) {
    std::string key = request.auth_key.SerializeAsString();
    // The framework stores the private auth key non-exportable; the proto's copy is wiped after use.
    entries.push_back(entry(kAuthKeyTag, kFrameworkKeyMessage, AsBytes(key), false, options.key_tier));
    OPENSSL_cleanse(key.data(), key.size());
  }
  auto infos = store.PutMany(entries);
  if (!infos.ok()) return infos.status().Annotate("storing the admission certificate");
  outcome.certificate_version = (*infos)[0].version;
  return outcome;
}

void PruneCertificationEntries(store::Store& store, int32_t keep, int32_t slack) {
  const std::pair<const char*, const char*> kinds[] = {{kAdmissionCertTag, kFrameworkCertificate},
                                                       {kEvidenceTag, kEvidenceType}};
  std::vector<std::pair<std::string_view, std::string_view>> due;
  std::vector<int32_t> newest_kept;
  for (const auto& [tag, type] : kinds) {
    auto range = store.Versions(tag, type);
    if (!range.ok() || range->latest - range->earliest + 1 <= keep + std::max(slack, 0)) continue;
    due.emplace_back(tag, type);
    newest_kept.push_back(range->latest - keep + 1);
  }
  if (due.empty()) return;
  std::vector<uint64_t> doomed;
  Status listed = store.ForEachInfo([&](const store::EntryInfo& info) {
    for (size_t i = 0; i < due.size(); ++i) {
      if (info.tag == due[i].first && info.type == due[i].second && info.version < newest_kept[i])
        doomed.push_back(info.id);
    }
  });
  if (!listed.ok()) {
    log::Debug("cf-pkcs11: pruning old certification entries: " + listed.ToString());
    return;
  }
  auto removed = store.RemoveMany(doomed);
  if (!removed.ok()) log::Debug("cf-pkcs11: pruning old certification entries: " + removed.status().ToString());
}

Result<Validity> CertificateValidity(ByteView der) {
  const unsigned char* p = der.data();
  ossl::X509Ptr cert(ossl::D2iX509(&p, static_cast<long>(der.size())));
  if (!cert) return Status(Code::kCorrupt, "the stored admission certificate is not X.509");
  auto seconds = [](const ASN1_TIME* t) -> std::optional<int64_t> {
    std::tm tm{};
    if (ASN1_TIME_to_tm(t, &tm) != 1) return std::nullopt;
    return static_cast<int64_t>(timegm(&tm));
  };
  auto nb = seconds(X509_get0_notBefore(cert.get()));
  auto na = seconds(X509_get0_notAfter(cert.get()));
  if (!nb || !na) return Status(Code::kCorrupt, "the admission certificate's validity does not parse");
  return Validity{*nb, *na};
}

}  // namespace cf::entries

namespace cf::entries {

FrameworkCertificationTags FrameworkCertificationTagsFor(const std::string& domain) {
  return {domain + "-admission-certificate", domain + "-private-auth-key"};
}

}  // namespace cf::entries
