// Test helper: a synthetic AMD-shaped SEV-SNP platform (ARK/ASK, P-384 VCEK with the SPL and hwID
// extensions) that signs 0x4A0-byte reports exactly as the firmware lays them out, so the whole SEV proof path can
// be exercised positively. Genuine AMD data (fixtures) covers the verifiers; this covers the policy and the proof.
#pragma once

#include <openssl/ecdsa.h>
#include <openssl/sha.h>

#include <cstring>

#include "attest/sev_snp/report.h"
#include "attest/verify_sev.h"
#include "common/time_text.h"
#include "common/x509_der.h"
#include "proto/certifier.pb.h"
#include "proto/key_codec.h"

namespace cf::certifier::testing {

inline void AddRawExt(X509* cert, const char* oid, const Bytes& value) {
  ossl::Asn1Object obj(OBJ_txt2obj(oid, 1));
  ossl::Asn1OctetString os(ASN1_OCTET_STRING_new());
  ASN1_OCTET_STRING_set(os.get(), value.data(), static_cast<int>(value.size()));
  ossl::X509Ext ext(X509_EXTENSION_create_by_OBJ(nullptr, obj.get(), 0, os.get()));
  X509_add_ext(cert, ext.get(), -1);
}

inline ossl::X509Ptr MakeCert(EVP_PKEY* subject_key, const char* cn, const char* issuer_cn, EVP_PKEY* issuer_key,
                              uint64_t tcb = 0, const Bytes& chip_id = {}) {
  ossl::X509Ptr c(X509_new());
  X509_set_version(c.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(c.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(c.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(c.get()), 3600 * 24);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(c.get()), "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(cn), -1, -1, 0);
  X509_NAME_add_entry_by_txt(X509_get_issuer_name(c.get()), "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(issuer_cn), -1, -1, 0);
  X509_set_pubkey(c.get(), subject_key);
  if (!chip_id.empty()) {
    AddRawExt(c.get(), "1.3.6.1.4.1.3704.1.3.1", {0x02, 0x01, static_cast<uint8_t>(tcb)});
    AddRawExt(c.get(), "1.3.6.1.4.1.3704.1.3.2", {0x02, 0x01, static_cast<uint8_t>(tcb >> 8)});
    AddRawExt(c.get(), "1.3.6.1.4.1.3704.1.3.3", {0x02, 0x01, static_cast<uint8_t>(tcb >> 48)});
    AddRawExt(c.get(), "1.3.6.1.4.1.3704.1.3.8", {0x02, 0x02, 0x00, static_cast<uint8_t>(tcb >> 56)});
    AddRawExt(c.get(), "1.3.6.1.4.1.3704.1.4", chip_id);
  }
  X509_sign(c.get(), issuer_key, EVP_sha384());
  return c;
}

struct SevPlatform {
  ossl::PKey ark_key, ask_key, vcek_key;
  ossl::X509Ptr ark, ask, vcek;
  uint64_t tcb = 0x7308000000000003ull;
  Bytes chip_id = Bytes(64, 0xc1);

  static SevPlatform Make() {
    SevPlatform p;
    p.ark_key.reset(EVP_EC_gen("secp384r1"));  // AMD uses RSA-4096 PSS; P-384 keeps tests fast
    p.ask_key.reset(EVP_EC_gen("secp384r1"));
    p.vcek_key.reset(EVP_EC_gen("secp384r1"));
    p.ark = MakeCert(p.ark_key.get(), "ARK-Test", "ARK-Test", p.ark_key.get());
    p.ask = MakeCert(p.ask_key.get(), "SEV-Test", "ARK-Test", p.ark_key.get());
    p.vcek = MakeCert(p.vcek_key.get(), "SEV-VCEK", "SEV-Test", p.ask_key.get(), p.tcb, p.chip_id);
    return p;
  }

  // A report for `what_was_said`, laid out at the AMD ABI offsets and signed by the VCEK.
  Bytes Report(const std::string& what_was_said, const Bytes& measurement, uint64_t policy) const {
    Bytes r(attest::snp::kReportSize, 0);
    auto put = [&](size_t off, uint64_t v, size_t n) {
      for (size_t i = 0; i < n; ++i) r[off + i] = static_cast<uint8_t>(v >> (8 * i));
    };
    put(0x000, 2, 4);
    put(0x008, policy, 8);
    put(0x034, 1, 4);
    put(0x038, tcb, 8);
    SHA384(reinterpret_cast<const uint8_t*>(what_was_said.data()), what_was_said.size(), r.data() + 0x50);
    std::memcpy(r.data() + 0x90, measurement.data(), 48);
    put(0x180, tcb, 8);
    std::memcpy(r.data() + 0x1A0, chip_id.data(), 64);
    ossl::MdCtx ctx(EVP_MD_CTX_new());
    EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha384(), nullptr, vcek_key.get());
    size_t len = 0;
    EVP_DigestSign(ctx.get(), nullptr, &len, r.data(), attest::snp::kSignedSize);
    Bytes der(len);
    EVP_DigestSign(ctx.get(), der.data(), &len, r.data(), attest::snp::kSignedSize);
    const unsigned char* p = der.data();
    ossl::EcdsaSig sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(len)));
    BN_bn2lebinpad(ECDSA_SIG_get0_r(sig.get()), r.data() + 0x2A0, 48);
    BN_bn2lebinpad(ECDSA_SIG_get0_s(sig.get()), r.data() + 0x2A0 + 72, 48);
    return r;
  }

  wire::trust_request_message Request(const wire::key_message& enclave_key, const Bytes& measurement, uint64_t policy,
                                      const std::string& nonce, int64_t time) const {
    wire::attestation_user_data ud;
    ud.set_enclave_type("sev-enclave");
    ud.set_time(FormatTime(time));
    *ud.mutable_enclave_key() = *keys::PublicKeyMessage(enclave_key);
    ud.set_nonce(nonce);
    wire::sev_attestation_message att;
    att.set_what_was_said(ud.SerializeAsString());
    att.set_reported_attestation(AsString(Report(att.what_was_said(), measurement, policy)));
    wire::trust_request_message m;
    m.set_requesting_enclave_tag("requesting-enclave");
    m.set_providing_enclave_tag("providing-enclave");
    m.set_submitted_evidence_type("sev-platform-package");
    m.set_purpose("authentication");
    auto* pkg = m.mutable_support();
    pkg->set_prover_type("vse-verifier");
    pkg->set_enclave_type("sev-enclave");
    for (X509* c : {ark.get(), ask.get(), vcek.get()}) {
      auto* e = pkg->add_fact_assertion();
      e->set_evidence_type("cert");
      e->set_serialized_evidence(AsString(*ossl::CertificateDer(c)));
    }
    auto* e = pkg->add_fact_assertion();
    e->set_evidence_type("sev-attestation");
    e->set_serialized_evidence(att.SerializeAsString());
    return m;
  }
};

}  // namespace cf::certifier::testing
