// Output bytes and descriptions of entries. What may be written is judged by the one egress rule
// (entries/egress_rule.h): locally, the framework's entries whatever their exportable flag, never the token's.
#include "tools/cf-osutility/item_view.h"

#include <openssl/sha.h>
#include <openssl/x509.h>

#include "common/bytes.h"
#include "common/x509_der.h"
#include "entries/egress_rule.h"
#include "proto/cryptstore.pb.h"
#include "proto/key_codec.h"

namespace cf::osutil {
namespace {

std::string Name(const store::EntryInfo& info) {
  return "entry '" + info.tag + "' type '" + info.type + "' version " + std::to_string(info.version);
}

Result<wire::key_message> ParseKey(const store::Entry& entry) {
  wire::key_message key;
  if (!key.ParseFromArray(entry.blob.data(), static_cast<int>(entry.blob.size()))) {
    return Status(Code::kCorrupt, Name(entry.info) + " does not hold a serialized key_message");
  }
  return key;
}

Result<SecureBytes> Der(EVP_PKEY* pkey, bool private_part) {
  unsigned char* der = nullptr;
  int len = private_part ? i2d_PrivateKey(pkey, &der) : i2d_PUBKEY(pkey, &der);
  if (len <= 0) return ossl::Error("encoding the key as DER");
  SecureBytes out(der, der + len);
  OPENSSL_clear_free(der, static_cast<size_t>(len));
  return out;
}

Result<SecureBytes> PublicDer(const store::Entry& entry) {
  if (entry.info.type == kCertificateType) {
    const unsigned char* p = entry.blob.data();
    ossl::X509Ptr cert(ossl::D2iX509(&p, static_cast<long>(entry.blob.size())));
    if (!cert) return Status(Code::kCorrupt, Name(entry.info) + " is not a DER certificate");
    return Der(X509_get0_pubkey(cert.get()), false);
  }
  if (entry.info.type != kKeyMessageType) {
    return Status(Code::kInvalidArgument, Name(entry.info) + " is not a key or certificate; public-der needs one");
  }
  CF_ASSIGN_OR_RETURN(wire::key_message key, ParseKey(entry));
  if (keys::IsSymmetricAlgorithm(key.key_type())) {
    return Status(Code::kInvalidArgument,
                  Name(entry.info) + " is a symmetric key (" + key.key_type() + "); it has no public key");
  }
  CF_ASSIGN_OR_RETURN(ossl::PKey pkey, keys::PKeyFromKeyMessage(key));
  return Der(pkey.get(), false);
}

std::string Sha256Hex(ByteView data) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(data.data(), data.size(), md);
  return HexEncode(ByteView(md, sizeof(md)));
}

}  // namespace

Result<SecureBytes> ItemBytes(const store::Entry& entry, Format format) {
  if (format == Format::kPublicDer) return PublicDer(entry);
  // The OS reads the framework's entries on this VM whatever `exportable` says (the framework's rule); the
  // token's own objects are read through PKCS#11 only (egress_rule.h).
  CF_RETURN_IF_ERROR(entries::JudgeEgress(entry, entries::EgressPath::kLocalRead));
  if (format == Format::kCryptstoreEntry) {
    wire::cryptstore_entry out;
    out.set_tag(entry.info.tag);
    out.set_type(entry.info.type);
    out.set_version(entry.info.version);
    out.set_time_entered(entry.info.time_entered);
    out.set_blob(entry.blob.data(), entry.blob.size());
    out.set_exportable(entry.info.exportable);
    SecureBytes bytes(out.ByteSizeLong());
    out.SerializeToArray(bytes.data(), static_cast<int>(bytes.size()));
    out.mutable_blob()->assign(out.blob().size(), '\0');
    return bytes;
  }
  if (format == Format::kKeyMessage) {
    if (entry.info.type != kKeyMessageType) {
      return Status(Code::kInvalidArgument, Name(entry.info) +
                                                " is not a key_message entry; use raw, hex, base64 "
                                                "or cryptstore-entry");
    }
    return entry.blob;
  }
  // raw / hex / base64: the usable value, as the framework's raw output but with public keys as DER.
  if (entry.info.type != kKeyMessageType) return entry.blob;
  CF_ASSIGN_OR_RETURN(wire::key_message key, ParseKey(entry));
  if (keys::IsSymmetricAlgorithm(key.key_type()) || !key.secret_key_bits().empty()) {
    SecureBytes bits(key.secret_key_bits().begin(), key.secret_key_bits().end());
    key.mutable_secret_key_bits()->assign(key.secret_key_bits().size(), '\0');
    return bits;
  }
  CF_ASSIGN_OR_RETURN(ossl::PKey pkey, keys::PKeyFromKeyMessage(key));
  bool has_private = !key.rsa_key().private_exponent().empty() || !key.ecc_key().private_multiplier().empty();
  // A private key leaves as PKCS#8 DER (only when exportable, checked above); a public key as SubjectPublicKeyInfo.
  return Der(pkey.get(), has_private);
}

std::string DescribeEntry(const store::Entry& entry) {
  if (entry.info.type == kKeyMessageType) {
    wire::key_message key;
    if (!key.ParseFromArray(entry.blob.data(), static_cast<int>(entry.blob.size()))) {
      return "key_message that does not parse (" + std::to_string(entry.blob.size()) + " bytes)";
    }
    std::string out = "key " + key.key_type() + " '" + key.key_name() + "'";
    if (!key.secret_key_bits().empty()) out += " (" + std::to_string(key.secret_key_bits().size()) + "-byte secret)";
    if (!key.not_after().empty()) out += " valid until " + key.not_after();
    return out;
  }
  if (entry.info.type == kCertificateType) {
    const unsigned char* p = entry.blob.data();
    ossl::X509Ptr cert(ossl::D2iX509(&p, static_cast<long>(entry.blob.size())));
    if (cert) {
      char subject[512];
      X509_NAME_oneline(X509_get_subject_name(cert.get()), subject, sizeof(subject));
      return std::string("certificate subject ") + subject;
    }
  }
  return "blob " + std::to_string(entry.blob.size()) + " bytes sha256 " + Sha256Hex(entry.blob);
}

}  // namespace cf::osutil
