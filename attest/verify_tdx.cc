// TDX quote verification with OpenSSL in the private library context: X509_STORE for the PCK chain (the pinned
// root the only trust anchor, CRLs checked when given), ECDSA_SIG from the quote's big-endian r||s, the attestation
// key built from its raw P-256 point, constant-time compares for the QE binding.
#include "attest/verify_tdx.h"

#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include <ctime>

#include "common/ossl_context.h"
#include "common/pkey_check.h"
#include "common/pkey_from_parts.h"
#include "common/x509_der.h"

namespace cf::attest {
namespace {

Result<Bytes> Sha256(ByteView a, ByteView b = {}) {
  ossl::MdCtx ctx(EVP_MD_CTX_new());
  Bytes out(32);
  unsigned int len = 0;
  if (!ctx || EVP_DigestInit_ex2(ctx.get(), ossl::FetchedDigest("SHA2-256"), nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), a.data(), a.size()) != 1 || EVP_DigestUpdate(ctx.get(), b.data(), b.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), out.data(), &len) != 1 || len != 32) {
    return ossl::Error("SHA-256");
  }
  return out;
}

// The store's verdict in words, naming the certificate it concerns.
Status DescribeStoreError(X509_STORE_CTX* ctx) {
  const int err = X509_STORE_CTX_get_error(ctx);
  X509* at = X509_STORE_CTX_get_current_cert(ctx);
  const std::string who = at != nullptr ? "'" + ossl::SubjectCommonName(at) + "'" : "a certificate";
  switch (err) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return Status(Code::kPolicyDenied, "PCK chain: " + who + " has expired at the verification time");
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return Status(Code::kPolicyDenied, "PCK chain: " + who + " is not valid yet at the verification time");
    case X509_V_ERR_CERT_REVOKED:
      return Status(Code::kPolicyDenied, "PCK chain: " + who + " is revoked by its issuer's CRL");
    case X509_V_ERR_UNABLE_TO_GET_CRL:
      return Status(Code::kPolicyDenied,
                    "PCK chain: no CRL given for the issuer of " + who +
                        " (with CRLs, give both the PCK Platform/Processor CA CRL and the Intel SGX Root CA CRL)");
    case X509_V_ERR_CRL_HAS_EXPIRED:
    case X509_V_ERR_CRL_NOT_YET_VALID:
      return Status(Code::kPolicyDenied, "PCK chain: the CRL for " + who + " is outside its validity period (" +
                                             X509_verify_cert_error_string(err) + "): fetch a current one");
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
    case X509_V_ERR_CRL_SIGNATURE_FAILURE:
      return Status(Code::kUnauthenticated, "PCK chain: signature on " + who + " (or its CRL) does not verify");
    default:
      return Status(Code::kUnauthenticated, "PCK chain refused at " + who + ": " + X509_verify_cert_error_string(err));
  }
}

// r||s (big-endian, 32 bytes each) as the DER ECDSA-Sig-Value EVP_DigestVerify takes.
Result<Bytes> DerSignature(ByteView rs) {
  if (rs.size() != 64) return Status(Code::kUnauthenticated, "an ECDSA P-256 signature is 64 bytes (r||s)");
  ossl::Bn r(BN_bin2bn(rs.data(), 32, nullptr));
  ossl::Bn s(BN_bin2bn(rs.data() + 32, 32, nullptr));
  ossl::EcdsaSig sig(ECDSA_SIG_new());
  if (!r || !s || !sig || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) return ossl::Error("ECDSA_SIG_set0");
  r.release();  // now owned by sig
  s.release();
  int len = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (len <= 0) return ossl::Error("i2d_ECDSA_SIG");
  Bytes der(static_cast<size_t>(len));
  unsigned char* p = der.data();
  i2d_ECDSA_SIG(sig.get(), &p);
  return der;
}

}  // namespace

Status VerifyP256Signature(EVP_PKEY* key, ByteView rs, ByteView data, const std::string& what) {
  CF_ASSIGN_OR_RETURN(Bytes der, DerSignature(rs));
  ossl::MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx ||
      EVP_DigestVerifyInit_ex(ctx.get(), nullptr, "SHA256", ossl::LibCtx(), ossl::kPropQuery, key, nullptr) != 1) {
    return ossl::Error("initialising the " + what + " check");
  }
  if (EVP_DigestVerify(ctx.get(), der.data(), der.size(), data.data(), data.size()) != 1) {
    ERR_clear_error();
    return Status(Code::kUnauthenticated, what + " does not verify");
  }
  return Status::Ok();
}

namespace {

Result<ossl::PKey> AttestationKey(const std::array<uint8_t, 64>& xy) {
  Bytes point(65);
  point[0] = 0x04;  // uncompressed
  std::copy(xy.begin(), xy.end(), point.begin() + 1);
  ossl::KeyParts parts;
  parts.key_type = ossl::kEcKeyType;
  parts.group_name = "P-256";
  parts.public_point = point;
  auto key = ossl::PKeyFromParts(parts, "the quote's attestation key");
  if (!key.ok())
    return Status(Code::kUnauthenticated, "attestation key is not a P-256 point: " + key.status().message());
  return key;
}

bool IsP256(EVP_PKEY* key) {
  return key != nullptr && EVP_PKEY_get_base_id(key) == EVP_PKEY_EC && EVP_PKEY_get_bits(key) == 256;
}

}  // namespace

Result<ossl::X509Stack> ReadPemChain(ByteView pem) {
  ossl::X509Stack chain(sk_X509_new_null());
  ossl::Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!chain || !bio) return ossl::Error("reading the PCK chain");
  for (int i = 0; i < 8; ++i) {
    ossl::X509Ptr cert(ossl::PemReadX509(bio.get()));
    if (!cert) break;
    if (sk_X509_push(chain.get(), cert.get()) <= 0) return ossl::Error("sk_X509_push");
    cert.release();
  }
  ERR_clear_error();
  if (sk_X509_num(chain.get()) == 0) {
    return Status(Code::kInvalidArgument, "the quote's PCK chain (certification data type 5) holds no PEM certificate");
  }
  return chain;
}

Result<ossl::X509Crl> ParseCrl(ByteView data) {
  ossl::X509Crl crl(X509_CRL_new_ex(ossl::LibCtx(), ossl::kPropQuery));
  if (!crl) return ossl::Error("X509_CRL_new_ex");
  X509_CRL* into = crl.get();
  const unsigned char* p = data.data();
  if (d2i_X509_CRL(&into, &p, static_cast<long>(data.size())) != nullptr && p == data.data() + data.size()) {
    return crl;
  }
  ERR_clear_error();
  crl.reset(X509_CRL_new_ex(ossl::LibCtx(), ossl::kPropQuery));
  into = crl.get();
  ossl::Bio bio(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
  if (!crl || !bio || PEM_read_bio_X509_CRL(bio.get(), &into, nullptr, nullptr) == nullptr) {
    ERR_clear_error();
    return Status(Code::kInvalidArgument, "not a DER or PEM CRL (" + std::to_string(data.size()) + " bytes)");
  }
  return crl;
}

Result<Bytes> CertificateSha256(X509* cert) {
  CF_ASSIGN_OR_RETURN(Bytes der, ossl::CertificateDer(cert));
  return Sha256(der);
}

Status CheckReportDataBinding(const tdx::TdReport& body, ByteView what_was_said) {
  ossl::MdCtx ctx(EVP_MD_CTX_new());
  uint8_t digest[48];
  unsigned int len = 0;
  if (!ctx || EVP_DigestInit_ex2(ctx.get(), ossl::FetchedDigest("SHA2-384"), nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), what_was_said.data(), what_was_said.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), digest, &len) != 1 || len != 48) {
    return ossl::Error("SHA-384");
  }
  const std::array<uint8_t, 16> zeros{};
  if (!ConstantTimeEquals(ByteView(digest, 48), ByteView(body.report_data.data(), 48))) {
    return Status(Code::kUnauthenticated,
                  "TD REPORTDATA[0..48) is not SHA-384 of the attested user data: the quote was made for other data");
  }
  if (!ConstantTimeEquals(zeros, ByteView(body.report_data.data() + 48, 16))) {
    return Status(Code::kUnauthenticated, "TD REPORTDATA[48..64) is not zero: the quote carries unbound data");
  }
  return Status::Ok();
}

Status VerifyPckChain(STACK_OF(X509) * chain, const TdxVerifyOptions& options) {
  const int n = sk_X509_num(chain);
  if (n < 2) {
    return Status(Code::kUnauthenticated,
                  "PCK chain has " + std::to_string(n) + " certificate(s); a PCK and its CA chain to the root needed");
  }
  X509* root = sk_X509_value(chain, n - 1);
  X509* pck = sk_X509_value(chain, 0);
  CF_ASSIGN_OR_RETURN(Bytes root_hash, CertificateSha256(root));
  Bytes pin = options.root_sha256;
  if (pin.empty()) {
    CF_ASSIGN_OR_RETURN(pin, HexDecode(kIntelSgxRootCaSha256));
  }
  if (!ConstantTimeEquals(root_hash, pin)) {
    return Status(Code::kUnauthenticated, "PCK chain ends in '" + ossl::SubjectCommonName(root) +
                                              "' with DER SHA-256 " + HexEncode(root_hash) + ", not the pinned root " +
                                              HexEncode(pin) +
                                              " (a certificate that only names itself Intel is not Intel's root)");
  }
  ossl::X509Store anchors(X509_STORE_new());
  ossl::X509Stack untrusted(sk_X509_new_null());
  ossl::X509CrlStack crls(sk_X509_CRL_new_null());
  if (!anchors || !untrusted || !crls || X509_STORE_add_cert(anchors.get(), root) != 1) {
    return ossl::Error("preparing the PCK chain check");
  }
  for (int i = 1; i < n - 1; ++i) {
    X509* ca = sk_X509_value(chain, i);
    if (X509_up_ref(ca) != 1 || sk_X509_push(untrusted.get(), ca) <= 0) return ossl::Error("sk_X509_push");
  }
  for (const Bytes& data : options.crls) {
    CF_ASSIGN_OR_RETURN(ossl::X509Crl crl, ParseCrl(data));
    if (sk_X509_CRL_push(crls.get(), crl.get()) <= 0) return ossl::Error("sk_X509_CRL_push");
    crl.release();
  }
  ossl::X509StoreCtx ctx(X509_STORE_CTX_new_ex(ossl::LibCtx(), ossl::kPropQuery));
  if (!ctx || X509_STORE_CTX_init(ctx.get(), anchors.get(), pck, untrusted.get()) != 1) {
    return ossl::Error("preparing the PCK chain check");
  }
  X509_STORE_CTX_set_time(ctx.get(), 0, static_cast<time_t>(options.now));
  if (!options.crls.empty()) {
    X509_STORE_CTX_set0_crls(ctx.get(), crls.get());
    X509_STORE_CTX_set_flags(ctx.get(), X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
  }
  // The chain OpenSSL builds must be the one the quote carries: same length, ending in the pinned root.
  if (X509_verify_cert(ctx.get()) != 1) {
    Status s = DescribeStoreError(ctx.get());
    ERR_clear_error();
    return s;
  }
  STACK_OF(X509)* built = X509_STORE_CTX_get0_chain(ctx.get());
  if (sk_X509_num(built) != n || X509_cmp(sk_X509_value(built, n - 1), root) != 0) {
    return Status(Code::kUnauthenticated, "PCK chain: the certificates do not form the chain the quote lists");
  }
  if (!IsP256(X509_get0_pubkey(pck))) return Status(Code::kUnauthenticated, "PCK key is not ECDSA P-256");
  return Status::Ok();
}

Result<TdxVerification> VerifyTdxQuote(ByteView raw, const TdxVerifyOptions& options) {
  TdxVerification out;
  CF_ASSIGN_OR_RETURN(out.quote, tdx::ParseQuote(raw));
  const tdx::Quote& q = out.quote;
  if (q.trailing_bytes != 0 && !options.allow_trailing_bytes) {
    return Status(Code::kInvalidArgument, "TDX quote is followed by " + std::to_string(q.trailing_bytes) +
                                              " bytes after its end at " + std::to_string(q.quote_size) +
                                              " (unsigned data): give the quote alone");
  }
  CF_ASSIGN_OR_RETURN(out.chain, ReadPemChain(q.pck_chain_pem));
  CF_RETURN_IF_ERROR(VerifyPckChain(out.chain.get(), options));
  out.revocation_checked = !options.crls.empty();
  X509* pck = sk_X509_value(out.chain.get(), 0);
  out.pck_issuer = ossl::SubjectCommonName(sk_X509_value(out.chain.get(), 1));
  CF_ASSIGN_OR_RETURN(out.pck, tdx::ReadPckFacts(pck));
  CF_RETURN_IF_ERROR(VerifyP256Signature(X509_get0_pubkey(pck), q.qe_report_signature, q.qe_report_raw,
                                         "QE report signature by the PCK certificate's key"));
  CF_ASSIGN_OR_RETURN(Bytes binding, Sha256(q.attestation_key, q.qe_auth_data));
  const std::array<uint8_t, 32> zeros{};
  if (!ConstantTimeEquals(binding, ByteView(q.qe_report.report_data.data(), 32)) ||
      !ConstantTimeEquals(zeros, ByteView(q.qe_report.report_data.data() + 32, 32))) {
    return Status(Code::kUnauthenticated,
                  "QE report REPORTDATA is not SHA-256(attestation key || QE authentication data) followed by zeros: "
                  "the attestation key is not the one the Quoting Enclave vouched for");
  }
  CF_ASSIGN_OR_RETURN(ossl::PKey key, AttestationKey(q.attestation_key));
  CF_RETURN_IF_ERROR(VerifyP256Signature(key.get(), q.signature, q.signed_bytes,
                                         "quote signature by the attestation key over header and TD report"));
  return out;
}

}  // namespace cf::attest
