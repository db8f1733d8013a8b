// Object <-> entry mapping. Our own entries carry every attribute in a StoredObject; framework entries get their
// attributes derived from the payload (DER certificate fields) and are read-only views.
#include "pkcs11/model/object_codec.h"

#include "common/log.h"
#include "common/ossl.h"
#include "common/random.h"
#include "common/x509_der.h"
#include "entries/egress_rule.h"
#include "pkcs11/include/cf_pkcs11.h"
#include "pkcs11/include/pkcs11_types.h"
#include "pkcs11/model/attribute_table.h"
#include "pkcs11/model/framework_objects.h"
#include "proto/cf_pkcs11.pb.h"

namespace cf::p11 {
namespace {

void SetEntryAttributes(const store::EntryInfo& info, Object* obj) {
  obj->token = true;
  obj->entry_id = info.id;
  obj->revision = info.revision;
  obj->tag = info.tag;
  obj->type = info.type;
  obj->version = info.version;
  obj->attrs.SetBool(CKA_TOKEN, true);
  obj->attrs.SetUlong(CKA_CF_VERSION, static_cast<CK_ULONG>(info.version));
  obj->attrs.Set(CKA_CF_ENTRY_TYPE, AsBytes(info.type));
  obj->attrs.Set(CKA_UNIQUE_ID, AsBytes(std::to_string(info.id)));
}

template <typename T, int (*I2d)(const T*, unsigned char**)>
Bytes ToDer(const T* value) {
  int len = I2d(value, nullptr);
  if (len <= 0) return {};
  Bytes out(static_cast<size_t>(len));
  unsigned char* p = out.data();
  I2d(value, &p);
  return out;
}

// Framework DER certificate -> certificate object; unparsable -> nullptr (the caller shows a data object).
std::shared_ptr<Object> CertificateObject(const store::Entry& entry) {
  const unsigned char* p = entry.blob.data();
  ossl::X509Ptr cert(ossl::D2iX509(&p, static_cast<long>(entry.blob.size())));
  if (!cert) return nullptr;
  auto obj = std::make_shared<Object>();
  obj->attrs.SetUlong(CKA_CLASS, CKO_CERTIFICATE);
  obj->attrs.SetUlong(CKA_CERTIFICATE_TYPE, CKC_X_509);
  obj->attrs.Set(CKA_VALUE, ByteView(entry.blob.data(), entry.blob.size()));
  obj->attrs.Set(CKA_SUBJECT, ToDer<X509_NAME, i2d_X509_NAME>(X509_get_subject_name(cert.get())));
  obj->attrs.Set(CKA_ISSUER, ToDer<X509_NAME, i2d_X509_NAME>(X509_get_issuer_name(cert.get())));
  obj->attrs.Set(CKA_SERIAL_NUMBER, ToDer<ASN1_INTEGER, i2d_ASN1_INTEGER>(X509_get0_serialNumber(cert.get())));
  obj->attrs.Set(CKA_PUBLIC_KEY_INFO, ToDer<X509_PUBKEY, i2d_X509_PUBKEY>(X509_get_X509_PUBKEY(cert.get())));
  obj->attrs.Set(CKA_LABEL, AsBytes(entry.info.tag));
  // The admission certificate shares the auth key's CKA_ID so a TLS server that picks its key by certificate
  // finds the pair; the policy certificate is the trust anchor (authority). Other certificates: their tag.
  bool admission = entry.info.tag == entries::kAdmissionCertTag;
  obj->attrs.Set(CKA_ID, AsBytes(admission ? std::string(entries::kAuthKeyTag) : entry.info.tag));
  obj->attrs.SetUlong(CKA_CERTIFICATE_CATEGORY, admission ? 1 : entry.info.tag == entries::kPolicyCertTag ? 2 : 0);
  return obj;
}

}  // namespace

bool IsUnlabelledTag(std::string_view tag) { return tag.rfind(entries::kUnlabelledTagPrefix, 0) == 0; }

const char* EntryTypeFor(CK_OBJECT_CLASS object_class) {
  switch (object_class) {
    case CKO_CERTIFICATE:
      return entries::kTypeCertificate;
    case CKO_PUBLIC_KEY:
      return entries::kTypePublicKey;
    case CKO_PRIVATE_KEY:
      return entries::kTypePrivateKey;
    case CKO_SECRET_KEY:
      return entries::kTypeSecretKey;
    default:
      return entries::kTypeData;
  }
}

Result<SecureBytes> ObjectBlob(const AttributeSet& attrs) {
  cf_pkcs11::StoredObject stored;
  for (const auto& [type, value] : attrs.values()) {
    // Entry-derived attributes are recomputed from the entry on load; storing them would let them go stale.
    if (type == CKA_TOKEN || type == CKA_CF_VERSION || type == CKA_CF_ENTRY_TYPE || type == CKA_UNIQUE_ID) continue;
    auto* a = stored.add_attributes();
    a->set_type(type);
    a->set_value(std::string(value.begin(), value.end()));
  }
  SecureBytes blob(stored.ByteSizeLong());
  if (!stored.SerializeToArray(blob.data(), static_cast<int>(blob.size())))
    return Result<SecureBytes>(Code::kInternal, "serializing a StoredObject failed");
  // The proto's own string copies hold secrets too: clear them before they are freed.
  for (auto& a : *stored.mutable_attributes()) OPENSSL_cleanse(a.mutable_value()->data(), a.value().size());
  return blob;
}

Result<std::string> TagForLabel(std::string_view label, std::string_view current) {
  if (!label.empty()) return std::string(label);
  if (IsUnlabelledTag(current)) return std::string(current);
  CF_ASSIGN_OR_RETURN(Bytes random, RandomBytes(8));
  return entries::kUnlabelledTagPrefix + HexEncode(random);
}

Result<store::NewEntry> ObjectToEntry(const AttributeSet& attrs) {
  store::NewEntry entry;
  CK_OBJECT_CLASS object_class = attrs.GetUlong(CKA_CLASS).value_or(CKO_DATA);
  entry.type = EntryTypeFor(object_class);
  CF_ASSIGN_OR_RETURN(entry.tag, TagForLabel(attrs.GetString(CKA_LABEL)));
  if (auto v = attrs.GetUlong(CKA_CF_VERSION)) {
    if (*v == 0 || *v > 0x7fffffffUL)
      return Rv(CKR_ATTRIBUTE_VALUE_INVALID, "CKA_CF_VERSION must be 1..2^31-1, got " + std::to_string(*v));
    entry.version = static_cast<int32_t>(*v);
  }
  entry.exportable = attrs.GetBool(CKA_EXTRACTABLE, object_class != CKO_PRIVATE_KEY && object_class != CKO_SECRET_KEY);
  entry.tier = attrs.GetBool(CKA_PRIVATE, false) ? store::Tier::kUser : store::Tier::kPlatform;
  entry.origin = store::Origin::kToken;
  CF_ASSIGN_OR_RETURN(entry.blob, ObjectBlob(attrs));
  return entry;
}

std::vector<std::shared_ptr<Object>> EntryToObjects(const store::Entry& entry) {
  std::vector<std::shared_ptr<Object>> out;
  const std::string& type = entry.info.type;
  entries::EntryKind kind = entries::ClassifyEntry(entry);
  if (kind == entries::EntryKind::kForgedObject) {
    // Our object format from another writer (cf-osutility --put-item, an import): its attributes would be
    // whatever the writer chose (wrap+decrypt, CKA_TRUSTED, a false NEVER_EXTRACTABLE). The cache loads an entry
    // once, so this is logged once per process.
    log::Warning("cf-pkcs11: " + entries::JudgeEgress(entry, entries::EgressPath::kPkcs11View).message());
    return out;
  }
  bool ours = kind == entries::EntryKind::kTokenObject;
  std::shared_ptr<Object> obj;
  if (ours) {
    cf_pkcs11::StoredObject stored;
    if (stored.ParseFromArray(entry.blob.data(), static_cast<int>(entry.blob.size()))) {
      obj = std::make_shared<Object>();
      for (auto& a : *stored.mutable_attributes()) {
        obj->attrs.Set(a.type(), AsBytes(a.value()));
        OPENSSL_cleanse(a.mutable_value()->data(), a.value().size());
      }
      // The label is the tag (a relabel retags the entry in place); holding to it here keeps the cache's label
      // index exact even for an entry whose stored attributes say otherwise.
      bool unlabelled = obj->attrs.GetString(CKA_LABEL).empty() && IsUnlabelledTag(entry.info.tag);
      obj->attrs.Set(CKA_LABEL, unlabelled ? ByteView() : AsBytes(entry.info.tag));
    }
  } else if (type == entries::kFrameworkCertificate) {
    obj = CertificateObject(entry);
    if (obj) obj->read_only = true;
  }
  if (type == entries::kFrameworkKeyMessage) {
    std::vector<std::shared_ptr<Object>> keys = FrameworkKeyObjects(entry);
    unsigned sub = 0;
    for (auto& key : keys) {
      key->read_only = true;
      SetEntryAttributes(entry.info, key.get());
      CK_OBJECT_CLASS c = key->object_class();
      auto schema = SchemaFor(c, key->attrs.GetUlong(CKA_KEY_TYPE).value_or(0));
      if (!schema.ok()) continue;
      key->schema = *schema;
      // The public half of a private key message gets sub-handle 1 (object.h).
      key->handle = TokenHandle(entry.info.id, sub++);
      out.push_back(std::move(key));
    }
    if (!out.empty()) return out;
  }
  // Anything else (or a key message this module cannot read) is shown as a data object, so nothing stored is
  // ever hidden.
  if (!obj) {
    obj = std::make_shared<Object>();
    obj->read_only = true;
    obj->attrs.SetUlong(CKA_CLASS, CKO_DATA);
    obj->attrs.Set(CKA_LABEL, AsBytes(entry.info.tag));
    obj->attrs.Set(CKA_APPLICATION, AsBytes(type));
    obj->attrs.Set(CKA_OBJECT_ID, Bytes{});
    // A secret the framework may not let leave the VM is not readable through PKCS#11 either (egress_rule.h);
    // it is left out of the object altogether, so no copy or digest can reach it.
    // A token object whose message does not parse may still hold key bytes: its value is withheld too.
    if (!ours && entries::JudgeEgress(entry, entries::EgressPath::kPkcs11View).ok()) {
      obj->attrs.Set(CKA_VALUE, ByteView(entry.blob.data(), entry.blob.size()));
    } else {
      obj->value_withheld = true;
    }
  }
  if (obj->read_only) {
    // ARCHITECTURE.md: entries the framework's tools write appear private (login to see them) unless they are
    // public by nature; a certificate is, an opaque payload may be a key in clear.
    bool is_certificate = obj->object_class() == CKO_CERTIFICATE;
    obj->attrs.SetBool(CKA_PRIVATE, !is_certificate || entry.info.tier == store::Tier::kUser);
    obj->attrs.SetBool(CKA_MODIFIABLE, false);
    obj->attrs.SetBool(CKA_COPYABLE, !obj->value_withheld);
    // The OS's entries (a volume key, a host key) are managed by cf-osutility and survive C_InitToken.
    obj->attrs.SetBool(CKA_DESTROYABLE, false);
  }
  SetEntryAttributes(entry.info, obj.get());
  CK_OBJECT_CLASS object_class = obj->object_class();
  CK_ULONG subtype = object_class == CKO_CERTIFICATE ? obj->attrs.GetUlong(CKA_CERTIFICATE_TYPE).value_or(0)
                                                     : obj->attrs.GetUlong(CKA_KEY_TYPE).value_or(0);
  auto schema = SchemaFor(object_class, subtype);
  obj->schema = schema.ok() ? *schema : *SchemaFor(CKO_DATA, 0);
  obj->handle = TokenHandle(entry.info.id, 0);
  out.push_back(std::move(obj));
  return out;
}

}  // namespace cf::p11
