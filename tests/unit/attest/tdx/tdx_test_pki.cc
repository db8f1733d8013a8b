// Test PKI and quote writer for TDX tests. Test code: OpenSSL's default context is used freely here.
#include "tests/unit/attest/tdx/tdx_test_pki.h"

#include <openssl/ecdsa.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cstring>

#include "common/ossl_stacks.h"
#include "common/x509_der.h"

namespace cf::attest::tdx::testing {
namespace {

ossl::PKey NewKey() { return ossl::PKey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")); }

Bytes Tlv(uint8_t tag, const Bytes& content) {
  Bytes out{tag};
  if (content.size() < 128) {
    out.push_back(static_cast<uint8_t>(content.size()));
  } else if (content.size() < 256) {
    out.push_back(0x81);
    out.push_back(static_cast<uint8_t>(content.size()));
  } else {
    out.push_back(0x82);
    out.push_back(static_cast<uint8_t>(content.size() >> 8));
    out.push_back(static_cast<uint8_t>(content.size()));
  }
  out.insert(out.end(), content.begin(), content.end());
  return out;
}

Bytes Oid(const std::string& dotted) {
  ossl::Asn1Object obj(OBJ_txt2obj(dotted.c_str(), 1));
  unsigned char* der = nullptr;
  int n = i2d_ASN1_OBJECT(obj.get(), &der);
  Bytes out(der, der + n);
  OPENSSL_free(der);
  return out;
}

Bytes Integer(unsigned v) {
  Bytes content;
  if (v >= 256) content.push_back(static_cast<uint8_t>(v >> 8));
  content.push_back(static_cast<uint8_t>(v));
  if (content[0] & 0x80) content.insert(content.begin(), 0);
  return Tlv(0x02, content);
}

Bytes Pair(const std::string& oid, const Bytes& value) {
  Bytes c = Oid(oid);
  c.insert(c.end(), value.begin(), value.end());
  return Tlv(0x30, c);
}

Bytes Cat(const std::vector<Bytes>& parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

Bytes SgxExtension(const TestPki& pki) {
  const std::string base = "1.2.840.113741.1.13.1";
  std::vector<Bytes> tcb;
  for (int i = 0; i < 16; ++i)
    tcb.push_back(Pair(base + ".2." + std::to_string(i + 1), Integer(pki.sgx_components[i])));
  tcb.push_back(Pair(base + ".2.17", Integer(pki.pce_svn)));
  tcb.push_back(Pair(base + ".2.18", Tlv(0x04, Bytes(pki.sgx_components.begin(), pki.sgx_components.end()))));
  return Tlv(0x30, Cat({Pair(base + ".1", Tlv(0x04, Bytes(16, 0x77))), Pair(base + ".2", Tlv(0x30, Cat(tcb))),
                        Pair(base + ".3", Tlv(0x04, Bytes{0, 0})),
                        Pair(base + ".4", Tlv(0x04, Bytes(pki.fmspc.begin(), pki.fmspc.end()))),
                        Pair(base + ".5", Tlv(0x0a, Bytes{0}))}));
}

ossl::X509Ptr MakeCert(const std::string& cn, long serial, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key, bool ca,
                       const Bytes& sgx_ext = {}) {
  ossl::X509Ptr cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("cf-pkcs11 test"), -1, -1,
                             0);
  X509_set_issuer_name(cert.get(), issuer != nullptr ? X509_get_subject_name(issuer) : name);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -86400L);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400L * 3650);
  X509_set_pubkey(cert.get(), key);
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer != nullptr ? issuer : cert.get(), cert.get(), nullptr, nullptr, 0);
  ossl::X509Ext bc(X509V3_EXT_conf_nid(nullptr, &ctx, NID_basic_constraints, ca ? "critical,CA:TRUE" : "CA:FALSE"));
  X509_add_ext(cert.get(), bc.get(), -1);
  if (ca) {
    ossl::X509Ext ku(X509V3_EXT_conf_nid(nullptr, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign"));
    X509_add_ext(cert.get(), ku.get(), -1);
  }
  if (!sgx_ext.empty()) {
    ossl::Asn1Object oid(OBJ_txt2obj("1.2.840.113741.1.13.1", 1));
    ossl::Asn1OctetString value(ASN1_OCTET_STRING_new());
    ASN1_OCTET_STRING_set(value.get(), sgx_ext.data(), static_cast<int>(sgx_ext.size()));
    ossl::X509Ext ext(X509_EXTENSION_create_by_OBJ(nullptr, oid.get(), 0, value.get()));
    X509_add_ext(cert.get(), ext.get(), -1);
  }
  X509_sign(cert.get(), issuer_key, EVP_sha256());
  return cert;
}

std::string Pem(X509* cert) {
  ossl::Bio bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

// ECDSA P-256 over SHA-256(data) as r||s.
Bytes SignRs(EVP_PKEY* key, ByteView data) {
  ossl::MdCtx ctx(EVP_MD_CTX_new());
  size_t len = 0;
  EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key);
  EVP_DigestSign(ctx.get(), nullptr, &len, data.data(), data.size());
  Bytes der(len);
  EVP_DigestSign(ctx.get(), der.data(), &len, data.data(), data.size());
  const unsigned char* p = der.data();
  ossl::EcdsaSig sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(len)));
  Bytes rs(64);
  BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), rs.data(), 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), rs.data() + 32, 32);
  return rs;
}

void Le(Bytes* out, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) out->push_back(static_cast<uint8_t>(v >> (8 * i)));
}
template <size_t N>
void Put(Bytes* out, const std::array<uint8_t, N>& a) {
  out->insert(out->end(), a.begin(), a.end());
}

Bytes Sha256(ByteView a, ByteView b) {
  ossl::MdCtx ctx(EVP_MD_CTX_new());
  Bytes out(32);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  EVP_DigestUpdate(ctx.get(), a.data(), a.size());
  EVP_DigestUpdate(ctx.get(), b.data(), b.size());
  EVP_DigestFinal_ex(ctx.get(), out.data(), nullptr);
  return out;
}

}  // namespace

TestPki::TestPki()
    : root_key(NewKey()), ca_key(NewKey()), pck_key(NewKey()), signing_key(NewKey()), attestation_key(NewKey()) {
  root = MakeCert("Test SGX Root CA", 1, root_key.get(), nullptr, root_key.get(), true);
  ca = MakeCert("Test SGX PCK Platform CA", 2, ca_key.get(), root.get(), root_key.get(), true);
  pck = MakeCert("Test SGX PCK Certificate", pck_serial, pck_key.get(), ca.get(), ca_key.get(), false,
                 SgxExtension(*this));
  signing = MakeCert("Test SGX TCB Signing", 3, signing_key.get(), root.get(), root_key.get(), false);
}

Bytes TestPki::RootSha256() const {
  auto der = ossl::CertificateDer(root.get());
  return Sha256(*der, {});
}

std::string TestPki::PckChainPem() const { return Pem(pck.get()) + Pem(ca.get()) + Pem(root.get()); }
std::string TestPki::SigningChainPem() const { return Pem(signing.get()) + Pem(root.get()); }

Bytes TestPki::Crl(bool by_root, const std::vector<long>& revoked_serials) const {
  X509* issuer = by_root ? root.get() : ca.get();
  EVP_PKEY* key = by_root ? root_key.get() : ca_key.get();
  ossl::X509Crl crl(X509_CRL_new());
  X509_CRL_set_version(crl.get(), 1);
  X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(issuer));
  ossl::Asn1Time last(X509_gmtime_adj(nullptr, -3600));
  ossl::Asn1Time next(X509_gmtime_adj(nullptr, 86400L * 365));
  X509_CRL_set1_lastUpdate(crl.get(), last.get());
  X509_CRL_set1_nextUpdate(crl.get(), next.get());
  for (long serial : revoked_serials) {
    X509_REVOKED* r = X509_REVOKED_new();
    ossl::Asn1Integer s(ASN1_INTEGER_new());
    ASN1_INTEGER_set(s.get(), serial);
    X509_REVOKED_set_serialNumber(r, s.get());
    X509_REVOKED_set_revocationDate(r, last.get());
    X509_CRL_add0_revoked(crl.get(), r);  // the CRL owns r now
  }
  X509_CRL_sort(crl.get());
  X509_CRL_sign(crl.get(), key, EVP_sha256());
  unsigned char* der = nullptr;
  int n = i2d_X509_CRL(crl.get(), &der);
  Bytes out(der, der + n);
  OPENSSL_free(der);
  return out;
}

Bytes TestPki::Quote(const TdReport& b, uint16_t qe_svn) const {
  Bytes q;
  Le(&q, 4, 2);
  Le(&q, kAttestationKeyEcdsaP256, 2);
  Le(&q, kTeeTypeTdx, 4);
  Le(&q, 0, 4);
  Put(&q, kIntelQeVendorId);
  q.resize(kHeaderSize, 0);
  Put(&q, b.tee_tcb_svn);
  Put(&q, b.mr_seam);
  Put(&q, b.mr_signer_seam);
  Le(&q, b.seam_attributes, 8);
  Le(&q, b.td_attributes, 8);
  Le(&q, b.xfam, 8);
  Put(&q, b.mr_td);
  Put(&q, b.mr_config_id);
  Put(&q, b.mr_owner);
  Put(&q, b.mr_owner_config);
  for (const auto& r : b.rtmr) Put(&q, r);
  Put(&q, b.report_data);

  // The attestation key's public point x||y.
  size_t point_len = 0;
  EVP_PKEY_get_octet_string_param(attestation_key.get(), "encoded-pub-key", nullptr, 0, &point_len);
  Bytes point(point_len);
  EVP_PKEY_get_octet_string_param(attestation_key.get(), "encoded-pub-key", point.data(), point.size(), &point_len);
  Bytes ak(point.begin() + 1, point.end());
  Bytes auth(32, 0x3c);

  Bytes qe(kQeReportSize, 0);
  qe[48] = 0x11;                           // attributes
  std::memset(qe.data() + 128, 0x11, 32);  // MRSIGNER
  qe[256] = 2;                             // ISVPRODID
  qe[258] = static_cast<uint8_t>(qe_svn);  // ISVSVN
  Bytes binding = Sha256(ak, auth);
  std::memcpy(qe.data() + 320, binding.data(), 32);

  const std::string pem = PckChainPem();
  Bytes cert;
  cert.insert(cert.end(), qe.begin(), qe.end());
  Bytes qe_sig = SignRs(pck_key.get(), qe);
  cert.insert(cert.end(), qe_sig.begin(), qe_sig.end());
  Le(&cert, auth.size(), 2);
  cert.insert(cert.end(), auth.begin(), auth.end());
  Le(&cert, kCertDataPckChain, 2);
  Le(&cert, pem.size(), 4);
  cert.insert(cert.end(), pem.begin(), pem.end());

  Bytes sig = SignRs(attestation_key.get(), q);
  Bytes sig_data = sig;
  sig_data.insert(sig_data.end(), ak.begin(), ak.end());
  Le(&sig_data, kCertDataQeReport, 2);
  Le(&sig_data, cert.size(), 4);
  sig_data.insert(sig_data.end(), cert.begin(), cert.end());
  Le(&q, sig_data.size(), 4);
  q.insert(q.end(), sig_data.begin(), sig_data.end());
  return q;
}

std::string TestPki::SignedJson(const std::string& key, const std::string& value) const {
  Bytes sig = SignRs(signing_key.get(), AsBytes(value));
  return "{\"" + key + "\":" + value + ",\"signature\":\"" + HexEncode(sig) + "\"}";
}

std::string TestPki::TcbInfoValue(const std::vector<std::pair<int, std::string>>& levels,
                                  const std::string& next_update) const {
  auto components = [](const std::array<int, 16>& svn) {
    std::string out = "[";
    for (size_t i = 0; i < 16; ++i) out += std::string(i ? "," : "") + "{\"svn\":" + std::to_string(svn[i]) + "}";
    return out + "]";
  };
  std::array<int, 16> sgx{};
  for (size_t i = 0; i < 16; ++i) sgx[i] = sgx_components[i];
  std::string list;
  for (const auto& [tdx2, status] : levels) {
    std::array<int, 16> tdx{};
    tdx[0] = 3;
    tdx[2] = tdx2;
    list += std::string(list.empty() ? "" : ",") + "{\"tcb\":{\"sgxtcbcomponents\":" + components(sgx) +
            ",\"pcesvn\":" + std::to_string(pce_svn) + ",\"tdxtcbcomponents\":" + components(tdx) +
            "},\"tcbDate\":\"2024-03-13T00:00:00Z\",\"tcbStatus\":\"" + status + "\",\"advisoryIDs\":[" +
            (status == "UpToDate" ? "" : "\"INTEL-SA-00837\"") + "]}";
  }
  return "{\"id\":\"TDX\",\"version\":3,\"issueDate\":\"2024-01-01T00:00:00Z\",\"nextUpdate\":\"" + next_update +
         "\",\"fmspc\":\"" + HexEncode(ByteView(fmspc.data(), fmspc.size())) +
         "\",\"pceId\":\"0000\",\"tcbType\":0,\"tcbEvaluationDataNumber\":17,\"tdxModule\":{\"mrsigner\":\"" +
         std::string(96, '0') +
         "\",\"attributes\":\"0000000000000000\",\"attributesMask\":\"FFFFFFFFFFFFFFFF\"},\"tcbLevels\":[" + list +
         "]}";
}

std::string TestPki::QeIdentityValue(const std::string& next_update) const {
  return "{\"id\":\"TD_QE\",\"version\":2,\"issueDate\":\"2024-01-01T00:00:00Z\",\"nextUpdate\":\"" + next_update +
         "\",\"tcbEvaluationDataNumber\":17,\"miscselect\":\"00000000\",\"miscselectMask\":\"FFFFFFFF\","
         "\"attributes\":\"11000000000000000000000000000000\",\"attributesMask\":"
         "\"FBFFFFFFFFFFFFFF0000000000000000\",\"mrsigner\":\"" +
         std::string(64, '1') +
         "\",\"isvprodid\":2,\"tcbLevels\":[{\"tcb\":{\"isvsvn\":4},\"tcbDate\":\"2024-03-13T00:00:00Z\","
         "\"tcbStatus\":\"UpToDate\"}]}";
}

namespace {

class SigningSource : public snp::ReportSource {
 public:
  SigningSource(std::shared_ptr<const TestPki> pki, TdReport body) : pki_(std::move(pki)), body_(body) {}
  std::string Describe() const override { return "test quote source under a test root"; }
  Result<snp::FetchedReport> Fetch(const snp::ReportData& report_data) override {
    TdReport body = body_;
    std::copy(report_data.begin(), report_data.end(), body.report_data.begin());
    snp::FetchedReport out;
    out.report = pki_->Quote(body);
    return out;
  }

 private:
  std::shared_ptr<const TestPki> pki_;
  TdReport body_;
};

}  // namespace

std::unique_ptr<snp::ReportSource> SigningQuoteSource(std::shared_ptr<const TestPki> pki, TdReport body) {
  return std::make_unique<SigningSource>(std::move(pki), body);
}

TdReport SampleBody(ByteView report_data) {
  TdReport b;
  b.tee_tcb_svn = {3, 0, 4, 0};
  b.mr_seam.fill(0x21);
  b.mr_signer_seam.fill(0);
  b.td_attributes = 0x10000000;  // SEPT_VE_DISABLE, not debug
  b.xfam = 0x61ae7;
  b.mr_td.fill(0x5a);
  for (size_t i = 0; i < b.rtmr.size(); ++i) b.rtmr[i].fill(static_cast<uint8_t>(0x60 + i));
  std::memcpy(b.report_data.data(), report_data.data(), std::min(report_data.size(), b.report_data.size()));
  return b;
}

}  // namespace cf::attest::tdx::testing
