// The framework's policy store entries, with the tags and type strings its trust manager uses ("auth-key"/"key",
// "all-certifiers"/"certifiers_message", "public-key-algorithm"/"string", ...), as the fixture's file holds them.
#include "tools/cf-osutility/framework_policy_store.h"

#include "common/atomic_file.h"
#include "cryptstore/framework_file.h"

namespace cf::osutil {
namespace {

constexpr char kFileKeyName[] = "protect-key";
constexpr int32_t kFrameworkMaxEntries = 500;  // what the framework's store holds as max_ents

}  // namespace

Result<FrameworkPolicyStore> FrameworkPolicyStore::Open(const std::string& path,
                                                        std::shared_ptr<store::Sealer> sealer) {
  FrameworkPolicyStore out(path, std::move(sealer));
  out.content_.set_max_ents(kFrameworkMaxEntries);
  if (!FileExists(path)) return out;
  CF_ASSIGN_OR_RETURN(store::FrameworkFileContent file,
                      store::ReadFrameworkFile(path, *out.sealer_, "the framework's policy store"));
  if (!out.content_.ParseFromArray(file.plaintext.data(), static_cast<int>(file.plaintext.size())))
    return Status(Code::kCorrupt, "the framework's policy store '" + path + "' is not a policy_store_message");
  return out;
}

const wire::policy_store_entry* FrameworkPolicyStore::Find(const std::string& tag, const std::string& type) const {
  for (const auto& e : content_.entries())
    if (e.tag() == tag && e.type() == type) return &e;
  return nullptr;
}

void FrameworkPolicyStore::Set(const std::string& tag, const std::string& type, const std::string& value) {
  for (auto& e : *content_.mutable_entries()) {
    if (e.tag() == tag && e.type() == type) {
      e.set_value(value);
      return;
    }
  }
  wire::policy_store_entry* e = content_.add_entries();
  e->set_tag(tag);
  e->set_type(type);
  e->set_value(value);
}

std::optional<wire::certifier_entry> FrameworkPolicyStore::CertifiedDomain(const std::string& domain) const {
  const wire::policy_store_entry* all = Find("all-certifiers", "certifiers_message");
  wire::certifiers_message certifiers;
  if (all == nullptr || !certifiers.ParseFromString(all->value())) return std::nullopt;
  for (const auto& c : certifiers.my_certifiers())
    if (c.domain_name() == domain && c.is_certified() && !c.admissions_cert().empty()) return c;
  return std::nullopt;
}

std::optional<wire::key_message> FrameworkPolicyStore::AuthKey() const {
  const wire::policy_store_entry* e = Find("auth-key", "key");
  wire::key_message key;
  if (e == nullptr || !key.ParseFromString(e->value())) return std::nullopt;
  return key;
}

void FrameworkPolicyStore::Record(const FrameworkTrust& trust) {
  Set("public-key-algorithm", "string", trust.public_key_algorithm);
  Set("symmetric-key-algorithm", "string", trust.symmetric_key_algorithm);
  Set("auth-key", "key", trust.auth_key.SerializeAsString());
  if (Find("app-symmetric-key", "key") == nullptr)
    Set("app-symmetric-key", "key", trust.app_symmetric_key.SerializeAsString());
  wire::certifiers_message certifiers;
  if (const wire::policy_store_entry* all = Find("all-certifiers", "certifiers_message")) {
    if (!certifiers.ParseFromString(all->value())) certifiers.Clear();
  }
  wire::certifier_entry* mine = nullptr;
  for (auto& c : *certifiers.mutable_my_certifiers())
    if (c.domain_name() == trust.domain) mine = &c;
  if (mine == nullptr) mine = certifiers.add_my_certifiers();
  mine->set_domain_name(trust.domain);
  mine->set_domain_cert(AsString(trust.policy_cert_der));
  mine->set_domain_host(trust.host);
  mine->set_domain_port(trust.port);
  mine->set_purpose("authentication");
  mine->set_is_certified(true);
  mine->set_is_initialized(true);
  mine->set_admissions_cert(AsString(trust.admission_cert_der));
  Set("all-certifiers", "certifiers_message", certifiers.SerializeAsString());
}

Status FrameworkPolicyStore::Save(const std::string& key_type) {
  SecureString plain(content_.ByteSizeLong(), '\0');
  content_.SerializeToArray(plain.data(), static_cast<int>(plain.size()));
  return store::WriteFrameworkFile(path_, *sealer_, AsBytes(std::string_view(plain)), key_type, kFileKeyName);
}

}  // namespace cf::osutil
