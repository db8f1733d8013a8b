// Field-by-field decoding of the TDX quote by Intel's "TDX DCAP Quote Generation Library and Quote Verification
// Library" layout (quote v4; v5 adds a body type and size before the body). A Reader takes each field from what is
// left of the input and refuses, naming the field, when it does not fit. No trust decisions here.
#include "attest/tdx/quote.h"

#include <cstring>
#include <sstream>

namespace cf::attest::tdx {
namespace {

class Reader {
 public:
  explicit Reader(ByteView data) : data_(data) {}
  size_t offset() const { return offset_; }
  size_t left() const { return data_.size() - offset_; }

  Result<ByteView> Take(size_t n, const char* what) {
    if (n > left()) {
      return Status(Code::kInvalidArgument, std::string("TDX quote truncated: ") + what + " needs " +
                                                std::to_string(n) + " bytes at offset " + std::to_string(offset_) +
                                                ", only " + std::to_string(left()) + " left");
    }
    ByteView v = data_.subspan(offset_, n);
    offset_ += n;
    return v;
  }
  template <size_t N>
  Status Copy(std::array<uint8_t, N>* out, const char* what) {
    CF_ASSIGN_OR_RETURN(ByteView v, Take(N, what));
    std::memcpy(out->data(), v.data(), N);
    return Status::Ok();
  }
  template <typename T>
  Result<T> Le(const char* what) {
    CF_ASSIGN_OR_RETURN(ByteView v, Take(sizeof(T), what));
    uint64_t x = 0;
    for (size_t i = 0; i < sizeof(T); ++i) x |= uint64_t{v[i]} << (8 * i);
    return static_cast<T>(x);
  }

 private:
  ByteView data_;
  size_t offset_ = 0;
};

Status ReadHeader(Reader* r, Header* h) {
  CF_ASSIGN_OR_RETURN(h->version, r->Le<uint16_t>("header.version"));
  CF_ASSIGN_OR_RETURN(h->attestation_key_type, r->Le<uint16_t>("header.attestation_key_type"));
  CF_ASSIGN_OR_RETURN(h->tee_type, r->Le<uint32_t>("header.tee_type"));
  CF_ASSIGN_OR_RETURN(h->qe_svn, r->Le<uint16_t>("header.qe_svn"));
  CF_ASSIGN_OR_RETURN(h->pce_svn, r->Le<uint16_t>("header.pce_svn"));
  CF_RETURN_IF_ERROR(r->Copy(&h->qe_vendor_id, "header.qe_vendor_id"));
  CF_RETURN_IF_ERROR(r->Copy(&h->user_data, "header.user_data"));
  if (h->version != 4 && h->version != 5) {
    return Status(Code::kInvalidArgument,
                  "TDX quote version " + std::to_string(h->version) + " is not supported (4 and 5 are)");
  }
  if (h->attestation_key_type != kAttestationKeyEcdsaP256) {
    return Status(Code::kInvalidArgument, "TDX quote attestation key type " + std::to_string(h->attestation_key_type) +
                                              " is not 2 (ECDSA P-256), the only one TDX uses");
  }
  if (h->tee_type != kTeeTypeTdx) {
    char msg[96];
    snprintf(msg, sizeof(msg), "quote TEE type 0x%x is not TDX (0x81): an SGX quote is not TD evidence", h->tee_type);
    return Status(Code::kInvalidArgument, msg);
  }
  return Status::Ok();
}

Status ReadBody(Reader* r, TdReport* b) {
  CF_RETURN_IF_ERROR(r->Copy(&b->tee_tcb_svn, "body.tee_tcb_svn"));
  CF_RETURN_IF_ERROR(r->Copy(&b->mr_seam, "body.mrseam"));
  CF_RETURN_IF_ERROR(r->Copy(&b->mr_signer_seam, "body.mrsignerseam"));
  CF_ASSIGN_OR_RETURN(b->seam_attributes, r->Le<uint64_t>("body.seam_attributes"));
  CF_ASSIGN_OR_RETURN(b->td_attributes, r->Le<uint64_t>("body.td_attributes"));
  CF_ASSIGN_OR_RETURN(b->xfam, r->Le<uint64_t>("body.xfam"));
  CF_RETURN_IF_ERROR(r->Copy(&b->mr_td, "body.mrtd"));
  CF_RETURN_IF_ERROR(r->Copy(&b->mr_config_id, "body.mrconfigid"));
  CF_RETURN_IF_ERROR(r->Copy(&b->mr_owner, "body.mrowner"));
  CF_RETURN_IF_ERROR(r->Copy(&b->mr_owner_config, "body.mrownerconfig"));
  for (Measurement& m : b->rtmr) CF_RETURN_IF_ERROR(r->Copy(&m, "body.rtmr"));
  CF_RETURN_IF_ERROR(r->Copy(&b->report_data, "body.report_data"));
  if (b->body_type == 3) {
    CF_RETURN_IF_ERROR(r->Copy(&b->tee_tcb_svn2, "body.tee_tcb_svn2"));
    CF_RETURN_IF_ERROR(r->Copy(&b->mr_service_td, "body.mrservicetd"));
  }
  return Status::Ok();
}

Status ReadQeReport(ByteView raw, QeReport* q) {
  Reader r(raw);
  CF_RETURN_IF_ERROR(r.Copy(&q->cpu_svn, "qe_report.cpu_svn"));
  CF_ASSIGN_OR_RETURN(q->misc_select, r.Le<uint32_t>("qe_report.misc_select"));
  CF_RETURN_IF_ERROR(r.Take(28, "qe_report.reserved1").status());
  CF_RETURN_IF_ERROR(r.Copy(&q->attributes, "qe_report.attributes"));
  CF_RETURN_IF_ERROR(r.Copy(&q->mr_enclave, "qe_report.mr_enclave"));
  CF_RETURN_IF_ERROR(r.Take(32, "qe_report.reserved2").status());
  CF_RETURN_IF_ERROR(r.Copy(&q->mr_signer, "qe_report.mr_signer"));
  CF_RETURN_IF_ERROR(r.Take(96, "qe_report.reserved3").status());
  CF_ASSIGN_OR_RETURN(q->isv_prod_id, r.Le<uint16_t>("qe_report.isv_prod_id"));
  CF_ASSIGN_OR_RETURN(q->isv_svn, r.Le<uint16_t>("qe_report.isv_svn"));
  CF_RETURN_IF_ERROR(r.Take(60, "qe_report.reserved4").status());
  return r.Copy(&q->report_data, "qe_report.report_data");
}

// Certification data of type 6: QE report, its signature, QE authentication data, then certification data of
// type 5 (the PEM chain). Every declared length must fill the enclosing field exactly.
Status ReadQeCertificationData(ByteView data, Quote* q) {
  Reader r(data);
  CF_ASSIGN_OR_RETURN(ByteView qe_report, r.Take(kQeReportSize, "qe_report"));
  q->qe_report_raw.assign(qe_report.begin(), qe_report.end());
  CF_RETURN_IF_ERROR(ReadQeReport(qe_report, &q->qe_report));
  CF_RETURN_IF_ERROR(r.Copy(&q->qe_report_signature, "qe_report_signature"));
  CF_ASSIGN_OR_RETURN(uint16_t auth_size, r.Le<uint16_t>("qe_auth_data.size"));
  CF_ASSIGN_OR_RETURN(ByteView auth, r.Take(auth_size, "qe_auth_data"));
  q->qe_auth_data.assign(auth.begin(), auth.end());
  CF_ASSIGN_OR_RETURN(uint16_t inner_type, r.Le<uint16_t>("pck_cert_data.type"));
  if (inner_type != kCertDataPckChain) {
    return Status(Code::kInvalidArgument, "QE certification data holds certification data of type " +
                                              std::to_string(inner_type) +
                                              ", not 5 (the PCK certificate chain): this verifier needs the chain "
                                              "in the quote");
  }
  CF_ASSIGN_OR_RETURN(uint32_t chain_size, r.Le<uint32_t>("pck_cert_data.size"));
  CF_ASSIGN_OR_RETURN(ByteView chain, r.Take(chain_size, "pck_cert_data (PEM chain)"));
  q->pck_chain_pem.assign(chain.begin(), chain.end());
  if (r.left() != 0) {
    return Status(Code::kInvalidArgument, "QE certification data has " + std::to_string(r.left()) +
                                              " bytes after the PCK chain (its declared size is too large)");
  }
  return Status::Ok();
}

Status ReadSignatureData(ByteView data, Quote* q) {
  Reader r(data);
  CF_RETURN_IF_ERROR(r.Copy(&q->signature, "quote_signature"));
  CF_RETURN_IF_ERROR(r.Copy(&q->attestation_key, "attestation_key"));
  CF_ASSIGN_OR_RETURN(uint16_t type, r.Le<uint16_t>("certification_data.type"));
  if (type != kCertDataQeReport) {
    return Status(Code::kInvalidArgument, "TDX quote certification data type " + std::to_string(type) +
                                              " is not 6 (QE report certification data)");
  }
  CF_ASSIGN_OR_RETURN(uint32_t size, r.Le<uint32_t>("certification_data.size"));
  CF_ASSIGN_OR_RETURN(ByteView cert_data, r.Take(size, "certification_data"));
  if (r.left() != 0) {
    return Status(Code::kInvalidArgument, "TDX quote signature data has " + std::to_string(r.left()) +
                                              " bytes after the certification data (its declared size is too large)");
  }
  return ReadQeCertificationData(cert_data, q);
}

template <size_t N>
std::string Hex(const std::array<uint8_t, N>& a) {
  return HexEncode(ByteView(a.data(), N));
}

std::string Hex64(uint64_t v) {
  char buf[24];
  snprintf(buf, sizeof(buf), "0x%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// The 8 bytes as they sit in the quote (little-endian), the way Intel's tools and the fixture README print them.
std::string LeHex(uint64_t v) {
  uint8_t b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<uint8_t>(v >> (8 * i));
  return HexEncode(ByteView(b, 8));
}

}  // namespace

Result<Quote> ParseQuote(ByteView raw) {
  if (raw.size() > kMaxQuoteSize) {
    return Status(Code::kInvalidArgument, "TDX quote of " + std::to_string(raw.size()) + " bytes exceeds the " +
                                              std::to_string(kMaxQuoteSize) + "-byte limit");
  }
  Quote q;
  Reader r(raw);
  CF_RETURN_IF_ERROR(ReadHeader(&r, &q.header));
  if (q.header.version == 5) {
    CF_ASSIGN_OR_RETURN(q.body.body_type, r.Le<uint16_t>("body_descriptor.type"));
    CF_ASSIGN_OR_RETURN(uint32_t body_size, r.Le<uint32_t>("body_descriptor.size"));
    const size_t expected = q.body.body_type == 2 ? kTdReport10Size : q.body.body_type == 3 ? kTdReport15Size : 0;
    if (expected == 0) {
      return Status(Code::kInvalidArgument, "TDX quote v5 body type " + std::to_string(q.body.body_type) +
                                                " is not a TD report (2: TDX 1.0, 3: TDX 1.5)");
    }
    if (body_size != expected) {
      return Status(Code::kInvalidArgument, "TDX quote v5 body of type " + std::to_string(q.body.body_type) + " says " +
                                                std::to_string(body_size) + " bytes, expected " +
                                                std::to_string(expected));
    }
  }
  CF_RETURN_IF_ERROR(ReadBody(&r, &q.body));
  q.signed_bytes.assign(raw.begin(), raw.begin() + static_cast<std::ptrdiff_t>(r.offset()));
  CF_ASSIGN_OR_RETURN(uint32_t sig_size, r.Le<uint32_t>("signature_data.size"));
  CF_ASSIGN_OR_RETURN(ByteView sig_data, r.Take(sig_size, "signature_data"));
  CF_RETURN_IF_ERROR(ReadSignatureData(sig_data, &q));
  q.quote_size = r.offset();
  q.trailing_bytes = r.left();
  return q;
}

std::string DescribeQuote(const Quote& q) {
  std::ostringstream o;
  const TdReport& b = q.body;
  char tee[16];
  snprintf(tee, sizeof(tee), "0x%x", q.header.tee_type);
  o << "version: " << q.header.version << "\n"
    << "attestation_key_type: " << q.header.attestation_key_type
    << (q.header.attestation_key_type == kAttestationKeyEcdsaP256 ? " (ECDSA P-256)" : "") << "\n"
    << "tee_type: " << tee << (q.header.tee_type == kTeeTypeTdx ? " (TDX)" : "") << "\n"
    << "qe_svn: " << q.header.qe_svn << "\n"
    << "pce_svn: " << q.header.pce_svn << "\n"
    << "qe_vendor_id: " << Hex(q.header.qe_vendor_id) << (q.header.qe_vendor_id == kIntelQeVendorId ? " (Intel)" : "")
    << "\n"
    << "user_data: " << Hex(q.header.user_data) << "\n"
    << "body_type: " << b.body_type << (b.body_type == 3 ? " (TDX 1.5)" : " (TDX 1.0)") << "\n"
    << "tee_tcb_svn: " << Hex(b.tee_tcb_svn) << "\n"
    << "mrseam: " << Hex(b.mr_seam) << "\n"
    << "mrsignerseam: " << Hex(b.mr_signer_seam) << "\n"
    << "seam_attributes: " << LeHex(b.seam_attributes) << "\n"
    << "td_attributes: " << LeHex(b.td_attributes) << " (" << Hex64(b.td_attributes) << "; debug "
    << (b.debug() ? "yes" : "no") << ")\n"
    << "xfam: " << LeHex(b.xfam) << " (" << Hex64(b.xfam) << ")\n"
    << "mrtd: " << Hex(b.mr_td) << "\n"
    << "mrconfigid: " << Hex(b.mr_config_id) << "\n"
    << "mrowner: " << Hex(b.mr_owner) << "\n"
    << "mrownerconfig: " << Hex(b.mr_owner_config) << "\n";
  for (size_t i = 0; i < b.rtmr.size(); ++i) o << "rtmr" << i << ": " << Hex(b.rtmr[i]) << "\n";
  o << "report_data: " << Hex(b.report_data) << "\n";
  if (b.body_type == 3) {
    o << "tee_tcb_svn2: " << Hex(b.tee_tcb_svn2) << "\n"
      << "mrservicetd: " << Hex(b.mr_service_td) << "\n";
  }
  o << "signature_data_size: " << (q.quote_size - q.signed_bytes.size() - 4) << "\n"
    << "quote_signature: " << Hex(q.signature) << "\n"
    << "attestation_key: " << Hex(q.attestation_key) << "\n"
    << "certification_data_type: 6 (QE report certification data)\n"
    << "qe_report.cpu_svn: " << Hex(q.qe_report.cpu_svn) << "\n"
    << "qe_report.misc_select: " << q.qe_report.misc_select << "\n"
    << "qe_report.attributes: " << Hex(q.qe_report.attributes) << "\n"
    << "qe_report.mr_enclave: " << Hex(q.qe_report.mr_enclave) << "\n"
    << "qe_report.mr_signer: " << Hex(q.qe_report.mr_signer) << "\n"
    << "qe_report.isv_prod_id: " << q.qe_report.isv_prod_id << "\n"
    << "qe_report.isv_svn: " << q.qe_report.isv_svn << "\n"
    << "qe_report.report_data: " << Hex(q.qe_report.report_data) << "\n"
    << "qe_report_signature: " << Hex(q.qe_report_signature) << "\n"
    << "qe_auth_data: " << HexEncode(q.qe_auth_data) << "\n"
    << "pck_chain: " << q.pck_chain_pem.size() << " bytes of PEM (certification data type 5)\n"
    << "quote_size: " << q.quote_size << "\n";
  if (q.trailing_bytes != 0) {
    o << "trailing_bytes: " << q.trailing_bytes << " after the quote's end (not part of the quote, not signed)\n";
  }
  return o.str();
}

}  // namespace cf::attest::tdx
