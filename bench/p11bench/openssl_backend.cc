// OpenSSL EVP timings with fresh contexts per operation (what a module's C_*Init must also pay) over keys made
// once, as a token holds them.
#include "bench/p11bench/openssl_backend.h"

#include <functional>
#include <map>

#include "bench/p11bench/ossl_ops.h"

namespace cf::bench {
namespace {

Bytes Filled(size_t n, uint8_t seed) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(seed + i * 31);
  return b;
}

}  // namespace

Status RunOpenssl(Context& ctx) {
  ctx.report.Header(std::string("openssl ") + OpenSSL_version(OPENSSL_VERSION));
  CF_ASSIGN_OR_RETURN(ossl::PKey rsa, GenerateKey("RSA"));
  CF_ASSIGN_OR_RETURN(ossl::PKey p256, GenerateKey("P-256"));
  CF_ASSIGN_OR_RETURN(ossl::PKey p384, GenerateKey("P-384"));
  CF_ASSIGN_OR_RETURN(ossl::PKey ed, GenerateKey("ED25519"));
  CF_ASSIGN_OR_RETURN(ossl::PKey peer, GenerateKey("P-256"));
  const Bytes msg = Filled(32, 1), key = Filled(32, 7), iv = Filled(16, 9);
  const Bytes kib = Filled(1024, 3), mib = Filled(1 << 20, 5);
  CF_ASSIGN_OR_RETURN(Bytes d256, Sha256(msg));
  Bytes d384(48, 0x5a);  // ECDSA P-384 over a SHA-384-sized digest, as CKM_ECDSA gets it
  CF_ASSIGN_OR_RETURN(Bytes rsa_sig, Sign(SigKind::kRsaPkcs1Sha256, rsa.get(), msg));
  CF_ASSIGN_OR_RETURN(Bytes ec_sig, Sign(SigKind::kEcdsaDigest, p256.get(), d256));
  CF_ASSIGN_OR_RETURN(Bytes oaep, OaepEncrypt(rsa.get(), msg));

  auto sign = [&](SigKind k, EVP_PKEY* pk, const Bytes& data) -> Step {
    return [=] { return Sign(k, pk, data).status(); };
  };
  std::vector<std::pair<std::string, Step>> cases = {
      {"sign_rsa2048_pkcs1", sign(SigKind::kRsaPkcs1Sha256, rsa.get(), msg)},
      {"sign_rsa2048_pss", sign(SigKind::kRsaPssSha256, rsa.get(), msg)},
      {"sign_ecdsa_p256", sign(SigKind::kEcdsaDigest, p256.get(), d256)},
      {"sign_ecdsa_p384", sign(SigKind::kEcdsaDigest, p384.get(), d384)},
      {"sign_ed25519", sign(SigKind::kEd25519, ed.get(), msg)},
      {"verify_rsa2048_pkcs1", [&] { return Verify(SigKind::kRsaPkcs1Sha256, rsa.get(), msg, rsa_sig); }},
      {"verify_ecdsa_p256", [&] { return Verify(SigKind::kEcdsaDigest, p256.get(), d256, ec_sig); }},
      {"decrypt_rsa2048_oaep", [&] { return OaepDecrypt(rsa.get(), oaep).status(); }},
      {"derive_ecdh_p256", [&] { return Ecdh(p256.get(), peer.get()).status(); }},
      {"encrypt_aes_gcm_1k", [&] { return AesGcmEncrypt(key, ByteView(iv).first(12), kib).status(); }},
      {"encrypt_aes_gcm_1m", [&] { return AesGcmEncrypt(key, ByteView(iv).first(12), mib).status(); }},
      {"encrypt_aes_cbc_1m", [&] { return AesCbcEncrypt(key, iv, mib).status(); }},
      {"digest_sha256_1m", [&] { return Sha256(mib).status(); }},
      {"mac_hmac_sha256_1k", [&] { return HmacSha256(key, kib).status(); }},
      {"keygen_rsa2048", [&] { return GenerateKey("RSA").status(); }},
      {"keygen_ec_p256", [&] { return GenerateKey("P-256").status(); }},
  };
  for (auto& [id, op] : cases) {
    if (ctx.Selected(id)) ctx.report.Outcome(id, ctx.runner.Time(op));
  }
  // Scaling: every thread signs with the one shared key, as a module's sessions share one EVP_PKEY.
  struct Parallel {
    const char* id;
    int threads;
    SigKind kind;
    EVP_PKEY* key;
    const Bytes* data;
  };
  const Parallel parallel[] = {
      {"threads1_sign_ecdsa_p256", 1, SigKind::kEcdsaDigest, p256.get(), &d256},
      {"threads2_sign_ecdsa_p256", 2, SigKind::kEcdsaDigest, p256.get(), &d256},
      {"threads1_sign_rsa2048", 1, SigKind::kRsaPkcs1Sha256, rsa.get(), &msg},
      {"threads2_sign_rsa2048", 2, SigKind::kRsaPkcs1Sha256, rsa.get(), &msg},
  };
  for (const auto& p : parallel) {
    if (!ctx.Selected(p.id)) continue;
    ctx.report.Outcome(
        p.id, ctx.runner.TimeParallel(p.threads, [&](int) -> Result<Step> { return sign(p.kind, p.key, *p.data); }));
  }
  for (const auto& id : TokenIds(ctx.options)) {
    if (ctx.Selected(id)) ctx.report.NotApplicable(id, "no token (OpenSSL column)");
  }
  return Status::Ok();
}

}  // namespace cf::bench
