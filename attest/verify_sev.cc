// SEV-SNP verification with OpenSSL: X509_verify for each chain link (RSA-PSS parameters come from the
// certificates), ECDSA_SIG from the report's little-endian R/S, constant-time compare for the binding digest.
#include "attest/verify_sev.h"

#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/sha.h>

#include <algorithm>
#include <ctime>

#include "common/ossl_context.h"
#include "common/x509_der.h"

namespace cf::attest {
namespace {

Status VerifyLink(X509* subject, X509* issuer, const char* what, int64_t now) {
  if (X509_NAME_cmp(X509_get_issuer_name(subject), X509_get_subject_name(issuer)) != 0) {
    return Status(Code::kUnauthenticated, std::string(what) + ": '" + ossl::SubjectCommonName(subject) +
                                              "' is not issued by '" + ossl::SubjectCommonName(issuer) + "'");
  }
  EVP_PKEY* issuer_key = X509_get0_pubkey(issuer);
  if (issuer_key == nullptr || X509_verify(subject, issuer_key) != 1) {
    ERR_clear_error();
    return Status(Code::kUnauthenticated, std::string(what) + ": signature on '" + ossl::SubjectCommonName(subject) +
                                              "' does not verify under the key of '" + ossl::SubjectCommonName(issuer) +
                                              "'");
  }
  time_t t = static_cast<time_t>(now);
  if (X509_cmp_time(X509_get0_notBefore(subject), &t) > 0 || X509_cmp_time(X509_get0_notAfter(subject), &t) < 0) {
    return Status(Code::kPolicyDenied,
                  std::string(what) + ": '" + ossl::SubjectCommonName(subject) + "' is outside its validity period");
  }
  return Status::Ok();
}

Result<ByteView> ExtensionValue(X509* cert, const char* oid) {
  ossl::Asn1Object obj(OBJ_txt2obj(oid, 1));
  if (!obj) return ossl::Error("OBJ_txt2obj");
  int idx = X509_get_ext_by_OBJ(cert, obj.get(), -1);
  if (idx < 0) return Status(Code::kInvalidArgument, std::string("VCEK has no extension ") + oid);
  ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(X509_get_ext(cert, idx));
  return ByteView(ASN1_STRING_get0_data(data), static_cast<size_t>(ASN1_STRING_length(data)));
}

// AMD encodes each SPL as a DER INTEGER; the value fits one byte (a leading zero may precede it).
Result<uint8_t> SplByte(X509* cert, const char* oid) {
  CF_ASSIGN_OR_RETURN(ByteView v, ExtensionValue(cert, oid));
  if (v.size() < 3 || v.size() > 4 || v[0] != 0x02 || v[1] != v.size() - 2) {
    return Status(Code::kInvalidArgument, std::string("VCEK extension ") + oid + " is not a small INTEGER");
  }
  return v.back();
}

Result<ossl::Bn> LittleEndianBn(const std::array<uint8_t, 72>& field) {
  // Only the low 48 bytes are significant for P-384; the rest must be zero.
  for (size_t i = 48; i < field.size(); ++i) {
    if (field[i] != 0) return Status(Code::kUnauthenticated, "report signature component exceeds 384 bits");
  }
  ossl::Bn bn(BN_lebin2bn(field.data(), 48, nullptr));
  if (!bn) return ossl::Error("BN_lebin2bn");
  return bn;
}

}  // namespace

Result<ossl::X509Ptr> ParseCertificate(ByteView data) {
  const unsigned char* p = data.data();
  ossl::X509Ptr cert(ossl::D2iX509(&p, static_cast<long>(data.size())));
  if (cert && p == data.data() + data.size()) return cert;
  ERR_clear_error();
  ossl::Bio bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
  if (bio) cert.reset(ossl::PemReadX509(bio.get()));
  if (!cert) {
    ERR_clear_error();
    return Status(Code::kInvalidArgument,
                  "not a DER or PEM X.509 certificate (" + std::to_string(data.size()) + " bytes)");
  }
  return cert;
}

Status VerifySevChain(X509* ark, X509* ask, X509* vcek, int64_t now) {
  if (ark == nullptr || ask == nullptr || vcek == nullptr) {
    return Status(Code::kInvalidArgument, "SEV chain needs ARK, ASK and VCEK certificates");
  }
  CF_RETURN_IF_ERROR(VerifyLink(ark, ark, "ARK (self-signed)", now));
  CF_RETURN_IF_ERROR(VerifyLink(ask, ark, "ASK by ARK", now));
  CF_RETURN_IF_ERROR(VerifyLink(vcek, ask, "VCEK by ASK", now));
  EVP_PKEY* vk = X509_get0_pubkey(vcek);
  if (vk == nullptr || EVP_PKEY_get_base_id(vk) != EVP_PKEY_EC || EVP_PKEY_get_bits(vk) != 384) {
    return Status(Code::kInvalidArgument, "VCEK key is not ECDSA P-384");
  }
  return Status::Ok();
}

Result<VcekFacts> ReadVcekFacts(X509* vcek) {
  VcekFacts facts;
  const std::string cn = ossl::SubjectCommonName(vcek);
  if (cn != "SEV-VCEK" && cn != "SEV-VLEK") {
    return Status(Code::kInvalidArgument, "certificate '" + cn +
                                              "' is neither a VCEK nor a VLEK (subject CN "
                                              "SEV-VCEK / SEV-VLEK)");
  }
  facts.kind = cn.substr(4);
  if (auto product = ExtensionValue(vcek, "1.3.6.1.4.1.3704.1.2"); product.ok()) {
    ByteView v = *product;
    // An IA5String ("Turin"); some certificates carry the bare text.
    if (v.size() >= 2 && v[0] == 0x16 && v[1] == v.size() - 2) v = v.subspan(2);
    facts.product.assign(v.begin(), v.end());
  }
  CF_ASSIGN_OR_RETURN(uint8_t bl, SplByte(vcek, "1.3.6.1.4.1.3704.1.3.1"));
  CF_ASSIGN_OR_RETURN(uint8_t tee, SplByte(vcek, "1.3.6.1.4.1.3704.1.3.2"));
  CF_ASSIGN_OR_RETURN(uint8_t snp_spl, SplByte(vcek, "1.3.6.1.4.1.3704.1.3.3"));
  CF_ASSIGN_OR_RETURN(uint8_t ucode, SplByte(vcek, "1.3.6.1.4.1.3704.1.3.8"));
  auto fmc = SplByte(vcek, "1.3.6.1.4.1.3704.1.3.9");
  if (facts.product.rfind("Turin", 0) == 0 || fmc.ok()) {
    if (!fmc.ok()) return fmc.status();
    facts.tcb = uint64_t{*fmc} | (uint64_t{bl} << 8) | (uint64_t{tee} << 16) | (uint64_t{snp_spl} << 24) |
                (uint64_t{ucode} << 56);
  } else {
    facts.tcb = uint64_t{bl} | (uint64_t{tee} << 8) | (uint64_t{snp_spl} << 48) | (uint64_t{ucode} << 56);
  }
  if (facts.kind == "VLEK") return facts;  // a VLEK is the provider's key, not the chip's: no hwID
  CF_ASSIGN_OR_RETURN(ByteView hw, ExtensionValue(vcek, "1.3.6.1.4.1.3704.1.4"));
  // hwID is the raw id or a DER OCTET STRING holding it.
  if (hw.size() >= 2 && hw[0] == 0x04 && hw[1] == hw.size() - 2 && (hw.size() == 66 || hw.size() == 10)) {
    hw = hw.subspan(2);
  }
  if (hw.size() != 64 && hw.size() != 8) {
    return Status(Code::kInvalidArgument, "VCEK hwID extension is " + std::to_string(hw.size()) +
                                              " bytes, expected 64 (Milan, Genoa) or 8 (Turin)");
  }
  facts.chip_id.assign(hw.begin(), hw.end());
  return facts;
}

Result<snp::Report> VerifySevReport(ByteView raw, X509* vcek) {
  CF_ASSIGN_OR_RETURN(snp::Report report, snp::ParseReport(raw));
  if (report.signature_algo != 1) {
    return Status(Code::kInvalidArgument, "SNP report signature_algo " + std::to_string(report.signature_algo) +
                                              " is not 1 (ECDSA P-384 with SHA-384)");
  }
  // The rest of the 512-byte signature field is reserved (must be zero in the AMD ABI) and not signed: bytes there
  // would be unauthenticated, so a report carrying any is refused rather than half-trusted.
  for (size_t off = snp::kSignatureOffset + 2 * snp::kSignatureFieldSize; off < snp::kReportSize; ++off) {
    if (raw[off] != 0) {
      return Status(Code::kUnauthenticated, "SNP report reserved byte at offset " + std::to_string(off) +
                                                " is not zero (the unsigned tail of the signature field)");
    }
  }
  CF_ASSIGN_OR_RETURN(VcekFacts facts, ReadVcekFacts(vcek));
  const std::string signer = snp::SigningKeyName(report.signing_key());
  if (report.signing_key() != snp::SigningKey::kVcek && report.signing_key() != snp::SigningKey::kVlek) {
    return Status(Code::kUnauthenticated, "SNP report FLAGS.SIGNING_KEY says it is signed by " + signer +
                                              ": only VCEK- and VLEK-signed reports can be verified");
  }
  if (signer != facts.kind) {
    return Status(Code::kInvalidArgument, "SNP report is signed by the " + signer +
                                              " (FLAGS.SIGNING_KEY), but the "
                                              "certificate given is a " +
                                              facts.kind + ": give the " + signer +
                                              " certificate (the host's table lists it under the " + signer + " GUID)");
  }
  CF_ASSIGN_OR_RETURN(ossl::Bn r, LittleEndianBn(report.signature_r));
  CF_ASSIGN_OR_RETURN(ossl::Bn s, LittleEndianBn(report.signature_s));
  ossl::EcdsaSig sig(ECDSA_SIG_new());
  if (!sig || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) return ossl::Error("ECDSA_SIG_set0");
  r.release();  // now owned by sig
  s.release();
  int der_len = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (der_len <= 0) return ossl::Error("i2d_ECDSA_SIG");
  Bytes der(static_cast<size_t>(der_len));
  unsigned char* p = der.data();
  i2d_ECDSA_SIG(sig.get(), &p);

  EVP_PKEY* key = X509_get0_pubkey(vcek);
  if (key == nullptr || EVP_PKEY_get_base_id(key) != EVP_PKEY_EC || EVP_PKEY_get_bits(key) != 384) {
    return Status(Code::kInvalidArgument, "VCEK key is not ECDSA P-384");
  }
  ossl::MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx ||
      EVP_DigestVerifyInit_ex(ctx.get(), nullptr, "SHA384", ossl::LibCtx(), ossl::kPropQuery, key, nullptr) != 1) {
    return ossl::Error("initialising report signature check");
  }
  if (EVP_DigestVerify(ctx.get(), der.data(), der.size(), raw.data(), snp::kSignedSize) != 1) {
    ERR_clear_error();
    return Status(Code::kUnauthenticated, "SNP report signature does not verify under the " + signer);
  }
  if (facts.tcb != report.reported_tcb.raw) {
    char msg[160];
    snprintf(msg, sizeof(msg), "report's reported_tcb 0x%016llx differs from the %s's TCB 0x%016llx",
             static_cast<unsigned long long>(report.reported_tcb.raw), signer.c_str(),
             static_cast<unsigned long long>(facts.tcb));
    return Status(Code::kPolicyDenied, msg);
  }
  // A VLEK names no chip; a report with MASK_CHIP_ID carries zeros (the VCEK's signature still binds the chip).
  // On Turin the hwID is the chip id's first 8 bytes.
  if (!facts.chip_id.empty() && !report.chip_id_masked() &&
      !std::equal(facts.chip_id.begin(), facts.chip_id.end(), report.chip_id.begin())) {
    return Status(Code::kPolicyDenied, "report's chip_id " + HexEncode(ByteView(report.chip_id.data(), 8)) +
                                           "... differs from the VCEK's hwID " +
                                           HexEncode(ByteView(facts.chip_id.data(), 8)) + "...");
  }
  return report;
}

Result<SevAttestation> VerifySevAttestation(const wire::sev_attestation_message& message, X509* vcek) {
  CF_ASSIGN_OR_RETURN(snp::Report report, VerifySevReport(AsBytes(message.reported_attestation()), vcek));
  uint8_t digest[SHA384_DIGEST_LENGTH];
  SHA384(reinterpret_cast<const uint8_t*>(message.what_was_said().data()), message.what_was_said().size(), digest);
  if (!ConstantTimeEquals(ByteView(digest, 48), ByteView(report.report_data.data(), 48))) {
    return Status(Code::kUnauthenticated,
                  "report_data[0..48) is not SHA-384 of the attested user data: the report was made for "
                  "other data");
  }
  // The framework and our enclave put only the 48-byte digest there; anything in the tail would be unbound data.
  for (size_t i = 48; i < report.report_data.size(); ++i) {
    if (report.report_data[i] != 0) {
      return Status(Code::kUnauthenticated, "report_data[48..64) is not zero: the report carries unbound data");
    }
  }
  SevAttestation out;
  out.report = report;
  out.what_was_said = ToBytes(message.what_was_said());
  if (!out.user_data.ParseFromString(message.what_was_said())) {
    return Status(Code::kCorrupt, "attested user data is not an attestation_user_data");
  }
  return out;
}

}  // namespace cf::attest
