// Signature algorithms by the framework's names, and signed claims (claim_message under a signature over its
// serialization). Algorithm and key must agree: a name never silently switches digest or scheme.
#include "attest/verify_signature.h"

#include <openssl/err.h>
#include <openssl/rsa.h>

#include "common/ossl_context.h"
#include "common/time_text.h"
#include "proto/key_codec.h"

namespace cf::attest {
namespace {

struct Scheme {
  int key_id;  // EVP_PKEY_RSA or EVP_PKEY_EC
  const char* digest;
  int bits;  // EC: curve size; RSA: 0 = any size
};

Result<Scheme> SchemeFor(std::string_view algorithm) {
  if (algorithm == kRsa2048Sha256) return Scheme{EVP_PKEY_RSA, "SHA256", 0};
  if (algorithm == kRsa3072Sha384 || algorithm == kRsa4096Sha384) return Scheme{EVP_PKEY_RSA, "SHA384", 0};
  if (algorithm == kEcc256Sha256) return Scheme{EVP_PKEY_EC, "SHA256", 256};
  if (algorithm == kEcc384Sha384) return Scheme{EVP_PKEY_EC, "SHA384", 384};
  return Status(Code::kInvalidArgument, "unknown signing algorithm '" + std::string(algorithm) +
                                            "' (known: rsa-2048-sha256-pkcs-sign, rsa-3072-sha384-pkcs-sign, "
                                            "rsa-4096-sha384-pkcs-sign, ecc-256-sha256-pkcs-sign, "
                                            "ecc-384-sha384-pkcs-sign)");
}

Status CheckKeyFits(EVP_PKEY* key, const Scheme& s, std::string_view algorithm) {
  if (key == nullptr) return Status(Code::kInvalidArgument, "no key to check a signature with");
  if (EVP_PKEY_get_base_id(key) != s.key_id || (s.bits != 0 && EVP_PKEY_get_bits(key) != s.bits)) {
    return Status(Code::kInvalidArgument, "signing algorithm '" + std::string(algorithm) + "' does not fit a " +
                                              std::to_string(EVP_PKEY_get_bits(key)) + "-bit " +
                                              EVP_PKEY_get0_type_name(key) + " key");
  }
  return Status::Ok();
}

Result<ossl::MdCtx> InitCtx(EVP_PKEY* key, const Scheme& s, bool sign) {
  ossl::MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx) return ossl::Error("EVP_MD_CTX_new");
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  int ok = sign ? EVP_DigestSignInit_ex(ctx.get(), &pctx, s.digest, ossl::LibCtx(), ossl::kPropQuery, key, nullptr)
                : EVP_DigestVerifyInit_ex(ctx.get(), &pctx, s.digest, ossl::LibCtx(), ossl::kPropQuery, key, nullptr);
  if (ok != 1) return ossl::Error("initialising the signature context");
  if (s.key_id == EVP_PKEY_RSA && EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) {
    return ossl::Error("selecting PKCS#1 v1.5 padding");
  }
  return ctx;
}

}  // namespace

Result<std::string> SigningAlgorithmFor(EVP_PKEY* key) {
  if (key == nullptr) return Status(Code::kInvalidArgument, "no signing key");
  int bits = EVP_PKEY_get_bits(key);
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA:
      if (bits <= 2048) return std::string(kRsa2048Sha256);
      return std::string(bits <= 3072 ? kRsa3072Sha384 : kRsa4096Sha384);
    case EVP_PKEY_EC:
      if (bits == 256) return std::string(kEcc256Sha256);
      if (bits == 384) return std::string(kEcc384Sha384);
      break;
    default:
      break;
  }
  return Status(Code::kInvalidArgument, std::string("no framework signing algorithm for a ") + std::to_string(bits) +
                                            "-bit " + EVP_PKEY_get0_type_name(key) + " key (use RSA, P-256 or P-384)");
}

Status VerifySignature(EVP_PKEY* key, std::string_view algorithm, ByteView data, ByteView signature) {
  CF_ASSIGN_OR_RETURN(Scheme s, SchemeFor(algorithm));
  CF_RETURN_IF_ERROR(CheckKeyFits(key, s, algorithm));
  CF_ASSIGN_OR_RETURN(ossl::MdCtx ctx, InitCtx(key, s, false));
  if (EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), data.data(), data.size()) != 1) {
    ERR_clear_error();
    return Status(Code::kUnauthenticated, "signature (" + std::string(algorithm) + ", " +
                                              std::to_string(signature.size()) + " bytes) does not verify");
  }
  return Status::Ok();
}

Result<Bytes> Sign(EVP_PKEY* key, std::string_view algorithm, ByteView data) {
  CF_ASSIGN_OR_RETURN(Scheme s, SchemeFor(algorithm));
  CF_RETURN_IF_ERROR(CheckKeyFits(key, s, algorithm));
  CF_ASSIGN_OR_RETURN(ossl::MdCtx ctx, InitCtx(key, s, true));
  size_t len = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &len, data.data(), data.size()) != 1) return ossl::Error("sizing");
  Bytes sig(len);
  if (EVP_DigestSign(ctx.get(), sig.data(), &len, data.data(), data.size()) != 1) return ossl::Error("signing");
  sig.resize(len);
  return sig;
}

Result<VerifiedClaim> VerifySignedClaim(const wire::signed_claim_message& claim, const wire::key_message* verifying_key,
                                        int64_t now) {
  const wire::key_message& key = verifying_key != nullptr ? *verifying_key : claim.signing_key();
  if (verifying_key == nullptr && !claim.has_signing_key()) {
    return Status(Code::kInvalidArgument, "signed claim carries no signing key");
  }
  CF_ASSIGN_OR_RETURN(ossl::PKey pkey, keys::PKeyFromKeyMessage(key));
  Status sig = VerifySignature(pkey.get(), claim.signing_algorithm(), AsBytes(claim.serialized_claim_message()),
                               AsBytes(claim.signature()));
  if (!sig.ok()) return sig.Annotate("signed claim by key '" + key.key_name() + "'");
  wire::claim_message body;
  if (!body.ParseFromString(claim.serialized_claim_message())) {
    return Status(Code::kCorrupt, "signed claim's claim_message does not parse");
  }
  if (body.claim_format() != "vse-clause") {
    return Status(Code::kInvalidArgument, "claim format '" + body.claim_format() + "' is not vse-clause");
  }
  CF_ASSIGN_OR_RETURN(int64_t not_before, ParseTime(body.not_before()));
  CF_ASSIGN_OR_RETURN(int64_t not_after, ParseTime(body.not_after()));
  if (now < not_before || now > not_after) {
    return Status(Code::kPolicyDenied, "claim '" + body.claim_descriptor() + "' is valid from " + body.not_before() +
                                           " to " + body.not_after() + ", not at " + FormatTime(now));
  }
  VerifiedClaim out;
  if (!out.clause.ParseFromString(body.serialized_claim())) {
    return Status(Code::kCorrupt, "claim '" + body.claim_descriptor() + "' holds no parsable vse_clause");
  }
  CF_ASSIGN_OR_RETURN(out.signer, keys::PublicKeyMessage(key));
  out.descriptor = body.claim_descriptor();
  return out;
}

Result<wire::signed_claim_message> MakeSignedClaim(const wire::vse_clause& clause, const wire::key_message& private_key,
                                                   const std::string& descriptor, int64_t not_before,
                                                   int64_t validity_seconds) {
  wire::claim_message body;
  body.set_claim_format("vse-clause");
  body.set_claim_descriptor(descriptor);
  body.set_not_before(FormatTime(not_before));
  body.set_not_after(FormatTime(not_before + validity_seconds));
  body.set_serialized_claim(clause.SerializeAsString());
  CF_ASSIGN_OR_RETURN(ossl::PKey pkey, keys::PKeyFromKeyMessage(private_key));
  CF_ASSIGN_OR_RETURN(std::string algorithm, SigningAlgorithmFor(pkey.get()));
  wire::signed_claim_message out;
  out.set_serialized_claim_message(body.SerializeAsString());
  CF_ASSIGN_OR_RETURN(Bytes sig, Sign(pkey.get(), algorithm, AsBytes(out.serialized_claim_message())));
  CF_ASSIGN_OR_RETURN(*out.mutable_signing_key(), keys::PublicKeyMessage(private_key));
  out.set_signing_algorithm(algorithm);
  out.set_signature(AsString(sig));
  return out;
}

}  // namespace cf::attest
