// Crypto benchmarks through PKCS#11. A benchmark whose key or mechanism the module refuses is reported as
// "n/a (CKR_...)"; one whose first result does not check out against OpenSSL is reported n/a with that reason, since
// timing a wrong answer would be meaningless.
#include "bench/p11bench/p11_crypto.h"

#include <memory>
#include <mutex>

#include "bench/p11bench/ossl_ops.h"

namespace cf::bench {
namespace {

Bytes Filled(size_t n, uint8_t seed) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(seed + i * 31);
  return b;
}

// Runs a prepared benchmark, or reports why it could not be prepared.
// note is read after prepare(), which may set it (the OAEP hash a module accepted).
void Run(Context& ctx, const std::string& id, const std::function<Result<Step>()>& prepare, const Step& after = {},
         const std::string* note = nullptr) {
  if (!ctx.Selected(id)) return;
  Result<Step> op = prepare();
  if (!op.ok()) return ctx.report.NotApplicable(id, op.status().message());
  ctx.report.Outcome(id, ctx.runner.Time(*op, {}, after), note ? *note : "");
}

Result<ossl::PKey> PublicOf(TokenOps& ops, CK_KEY_TYPE type, const std::string& group, CK_OBJECT_HANDLE pub) {
  if (type == CKK_RSA) {
    CF_ASSIGN_OR_RETURN(Bytes n, ops.Attribute(pub, CKA_MODULUS));
    CF_ASSIGN_OR_RETURN(Bytes e, ops.Attribute(pub, CKA_PUBLIC_EXPONENT));
    return RsaPublicKey(n, e);
  }
  CF_ASSIGN_OR_RETURN(Bytes point, ops.Attribute(pub, CKA_EC_POINT));
  return type == CKK_EC ? EcPublicKey(group, point) : Ed25519PublicKey(point);
}

struct SignKey {
  Result<KeyPair> pair = Status(Code::kFailedPrecondition, "not generated");
  ossl::PKey pub;
};

SignKey MakeKey(TokenOps& ops, CK_KEY_TYPE type, const Bytes& params, const std::string& group,
                const std::string& label) {
  SignKey k;
  k.pair = type == CKK_RSA ? ops.GenerateRsa(label) : ops.GenerateEc(type, params, label);
  if (!k.pair.ok()) return k;
  Result<ossl::PKey> pub = PublicOf(ops, type, group, k.pair->pub);
  if (!pub.ok()) {
    k.pair = pub.status().Annotate("reading the public key of " + label);
  } else {
    k.pub = std::move(pub).value();
  }
  return k;
}

// Signs once, checks the signature with OpenSSL, and returns the timed step.
std::function<Result<Step>()> SignBench(TokenOps& ops, const SignKey& key, CK_MECHANISM mech, SigKind kind,
                                        const Bytes& data) {
  // Pointers, not reference captures: the closures outlive this function's parameters.
  return [ops = &ops, key = &key, mech, kind, data = &data]() -> Result<Step> {
    if (!key->pair.ok()) return key->pair.status();
    CK_MECHANISM m = mech;
    CF_ASSIGN_OR_RETURN(Bytes sig, ops->Sign(&m, key->pair->priv, *data));
    CF_RETURN_IF_ERROR(Verify(kind, key->pub.get(), *data, sig).Annotate("module's signature checked with OpenSSL"));
    const CK_OBJECT_HANDLE priv = key->pair->priv;
    return Step([ops, mech, priv, data] {
      CK_MECHANISM m = mech;
      return ops->Sign(&m, priv, *data).status();
    });
  };
}

}  // namespace

Status RunP11Crypto(Context& ctx, Module& module, CK_SLOT_ID slot, TokenOps& ops) {
  const Bytes msg = Filled(32, 1), key_bytes = Filled(32, 7), iv = Filled(16, 9);
  const Bytes kib = Filled(1024, 3), mib = Filled(1 << 20, 5);
  CF_ASSIGN_OR_RETURN(Bytes d256, Sha256(msg));
  const Bytes d384(48, 0x5a);

  SignKey rsa = MakeKey(ops, CKK_RSA, {}, "", "bench-rsa");
  SignKey p256 = MakeKey(ops, CKK_EC, kP256Params, "P-256", "bench-p256");
  SignKey p384 = MakeKey(ops, CKK_EC, kP384Params, "P-384", "bench-p384");
  SignKey ed = MakeKey(ops, CKK_EC_EDWARDS, kEd25519Params, "", "bench-ed25519");

  CK_RSA_PKCS_PSS_PARAMS pss = {CKM_SHA256, CKG_MGF1_SHA256, 32};
  CK_RSA_PKCS_OAEP_PARAMS oaep = {CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, nullptr, 0};
  const CK_MECHANISM rsa_pkcs = {CKM_SHA256_RSA_PKCS, nullptr, 0};
  const CK_MECHANISM rsa_pss = {CKM_SHA256_RSA_PKCS_PSS, &pss, sizeof(pss)};
  const CK_MECHANISM ecdsa = {CKM_ECDSA, nullptr, 0};
  const CK_MECHANISM eddsa = {CKM_EDDSA, nullptr, 0};

  Run(ctx, "sign_rsa2048_pkcs1", SignBench(ops, rsa, rsa_pkcs, SigKind::kRsaPkcs1Sha256, msg));
  Run(ctx, "sign_rsa2048_pss", SignBench(ops, rsa, rsa_pss, SigKind::kRsaPssSha256, msg));
  Run(ctx, "sign_ecdsa_p256", SignBench(ops, p256, ecdsa, SigKind::kEcdsaDigest, d256));
  Run(ctx, "sign_ecdsa_p384", SignBench(ops, p384, ecdsa, SigKind::kEcdsaDigest, d384));
  Run(ctx, "sign_ed25519", SignBench(ops, ed, eddsa, SigKind::kEd25519, msg));

  auto verify = [&ops](const SignKey& key_ref, CK_MECHANISM mech, SigKind kind, const Bytes& data_ref) {
    return [&ops, key = &key_ref, mech, kind, data = &data_ref]() -> Result<Step> {
      if (!key->pair.ok()) return key->pair.status();
      // A signature the token made and OpenSSL accepted; the token must accept it once before it is timed.
      CK_MECHANISM m = mech;
      CF_ASSIGN_OR_RETURN(Bytes sig, ops.Sign(&m, key->pair->priv, *data));
      CF_RETURN_IF_ERROR(Verify(kind, key->pub.get(), *data, sig));
      auto shared = std::make_shared<Bytes>(std::move(sig));
      CF_RETURN_IF_ERROR(ops.Verify(&m, key->pair->pub, *data, *shared));
      const CK_OBJECT_HANDLE pub = key->pair->pub;
      return Step([&ops, mech, pub, data, shared] {
        CK_MECHANISM m = mech;
        return ops.Verify(&m, pub, *data, *shared);
      });
    };
  };
  Run(ctx, "verify_rsa2048_pkcs1", verify(rsa, rsa_pkcs, SigKind::kRsaPkcs1Sha256, msg));
  Run(ctx, "verify_ecdsa_p256", verify(p256, ecdsa, SigKind::kEcdsaDigest, d256));

  // OAEP with SHA-256 (the OpenSSL column's); a module that takes only SHA-1 (SoftHSMv2 2.6) is timed with SHA-1,
  // noted in the row: the RSA private-key operation dominates either way.
  CK_RSA_PKCS_OAEP_PARAMS oaep_sha1 = {CKM_SHA_1, CKG_MGF1_SHA1, CKZ_DATA_SPECIFIED, nullptr, 0};
  std::string oaep_note = "OAEP SHA-256";
  Run(
      ctx, "decrypt_rsa2048_oaep",
      [&]() -> Result<Step> {
        if (!rsa.pair.ok()) return rsa.pair.status();
        CK_RSA_PKCS_OAEP_PARAMS* params = &oaep;
        CF_ASSIGN_OR_RETURN(Bytes c, OaepEncrypt(rsa.pub.get(), msg, false));
        CK_MECHANISM m = {CKM_RSA_PKCS_OAEP, params, sizeof(oaep)};
        Result<Bytes> plain = ops.Decrypt(&m, rsa.pair->priv, c);
        if (!plain.ok() &&
            (plain.status().detail() == CKR_ARGUMENTS_BAD || plain.status().detail() == CKR_MECHANISM_PARAM_INVALID)) {
          params = &oaep_sha1;
          oaep_note = "OAEP SHA-1: the module refused SHA-256 with " + CkrName(plain.status().detail());
          CF_ASSIGN_OR_RETURN(c, OaepEncrypt(rsa.pub.get(), msg, true));
          m.pParameter = params;
          plain = ops.Decrypt(&m, rsa.pair->priv, c);
        }
        if (!plain.ok()) return plain.status();
        if (*plain != msg) return Status(Code::kInternal, "OAEP decryption by the module differs from the plaintext");
        auto cipher = std::make_shared<Bytes>(std::move(c));
        const CK_OBJECT_HANDLE priv = rsa.pair->priv;
        return Step([&ops, params, priv, cipher] {
          CK_MECHANISM m = {CKM_RSA_PKCS_OAEP, params, sizeof(*params)};
          return ops.Decrypt(&m, priv, *cipher).status();
        });
      },
      {}, &oaep_note);

  // ECDH: the derived key is a session object the untimed step destroys, so the timed part is C_DeriveKey alone.
  auto derived = std::make_shared<CK_OBJECT_HANDLE>(CK_INVALID_HANDLE);
  Result<ossl::PKey> peer = GenerateKey("P-256");
  Bytes peer_point(65);
  if (peer.ok()) {
    size_t len = 0;
    EVP_PKEY_get_octet_string_param(peer->get(), "encoded-pub-key", peer_point.data(), peer_point.size(), &len);
    peer_point.resize(len);
  }
  CK_ECDH1_DERIVE_PARAMS ecdh = {CKD_NULL, 0, nullptr, peer_point.size(), peer_point.data()};
  Run(
      ctx, "derive_ecdh_p256",
      [&]() -> Result<Step> {
        if (!p256.pair.ok()) return p256.pair.status();
        if (!peer.ok()) return peer.status();
        CK_MECHANISM m = {CKM_ECDH1_DERIVE, &ecdh, sizeof(ecdh)};
        CF_ASSIGN_OR_RETURN(CK_OBJECT_HANDLE h, ops.DeriveSecret(&m, p256.pair->priv, 32));
        Result<Bytes> value = ops.Attribute(h, CKA_VALUE);
        (void)ops.Destroy(h);
        CF_ASSIGN_OR_RETURN(SecureBytes expect, Ecdh(peer->get(), p256.pub.get()));
        if (!value.ok() || !ConstantTimeEquals(*value, expect)) {
          return Status(Code::kInternal, "ECDH secret from the module differs from OpenSSL's");
        }
        const CK_OBJECT_HANDLE priv = p256.pair->priv;
        return Step([&ops, &ecdh, priv, derived] {
          CK_MECHANISM m = {CKM_ECDH1_DERIVE, &ecdh, sizeof(ecdh)};
          CF_ASSIGN_OR_RETURN(*derived, ops.DeriveSecret(&m, priv, 32));
          return Status::Ok();
        });
      },
      [&] { return ops.Destroy(*derived); });

  Result<CK_OBJECT_HANDLE> aes = ops.CreateSecret(CKK_AES, key_bytes, "bench-aes");
  Result<CK_OBJECT_HANDLE> hmac = ops.CreateSecret(CKK_GENERIC_SECRET, key_bytes, "bench-hmac");
  CK_GCM_PARAMS gcm = {const_cast<uint8_t*>(iv.data()), 12, 96, nullptr, 0, 128};
  auto cipher = [&](CK_MECHANISM_TYPE type, void* param, CK_ULONG param_len, const Bytes& data_ref,
                    std::function<Result<Bytes>()> expect) {
    return [&ops, &aes, type, param, param_len, expect, data = &data_ref]() -> Result<Step> {
      if (!aes.ok()) return aes.status();
      CK_MECHANISM m = {type, param, param_len};
      CF_ASSIGN_OR_RETURN(Bytes got, ops.Encrypt(&m, *aes, *data));
      CF_ASSIGN_OR_RETURN(Bytes want, expect());
      if (got != want) return Status(Code::kInternal, "ciphertext from the module differs from OpenSSL's");
      const CK_OBJECT_HANDLE key = *aes;
      return Step([&ops, type, param, param_len, key, data] {
        CK_MECHANISM m = {type, param, param_len};
        return ops.Encrypt(&m, key, *data).status();
      });
    };
  };
  const ByteView iv12 = ByteView(iv).first(12);
  Run(ctx, "encrypt_aes_gcm_1k",
      cipher(CKM_AES_GCM, &gcm, sizeof(gcm), kib, [&] { return AesGcmEncrypt(key_bytes, iv12, kib); }));
  Run(ctx, "encrypt_aes_gcm_1m",
      cipher(CKM_AES_GCM, &gcm, sizeof(gcm), mib, [&] { return AesGcmEncrypt(key_bytes, iv12, mib); }));
  Run(ctx, "encrypt_aes_cbc_1m", cipher(CKM_AES_CBC_PAD, const_cast<uint8_t*>(iv.data()), 16, mib, [&] {
        return AesCbcEncrypt(key_bytes, iv, mib);
      }));

  Run(ctx, "digest_sha256_1m", [&]() -> Result<Step> {
    CK_MECHANISM m = {CKM_SHA256, nullptr, 0};
    CF_ASSIGN_OR_RETURN(Bytes got, ops.Digest(&m, mib));
    CF_ASSIGN_OR_RETURN(Bytes want, Sha256(mib));
    if (got != want) return Status(Code::kInternal, "SHA-256 from the module differs from OpenSSL's");
    return Step([&ops, &mib] {
      CK_MECHANISM m = {CKM_SHA256, nullptr, 0};
      return ops.Digest(&m, mib).status();
    });
  });
  Run(ctx, "mac_hmac_sha256_1k", [&]() -> Result<Step> {
    if (!hmac.ok()) return hmac.status();
    CK_MECHANISM m = {CKM_SHA256_HMAC, nullptr, 0};
    CF_ASSIGN_OR_RETURN(Bytes got, ops.Sign(&m, *hmac, kib));
    CF_ASSIGN_OR_RETURN(Bytes want, HmacSha256(key_bytes, kib));
    if (got != want) return Status(Code::kInternal, "HMAC from the module differs from OpenSSL's");
    const CK_OBJECT_HANDLE key = *hmac;
    return Step([&ops, key, &kib] {
      CK_MECHANISM m = {CKM_SHA256_HMAC, nullptr, 0};
      return ops.Sign(&m, key, kib).status();
    });
  });

  // Key generation as token objects; the pair is destroyed untimed so the token does not grow.
  auto made = std::make_shared<KeyPair>();
  auto destroy_made = [&ops, made] {
    CF_RETURN_IF_ERROR(ops.Destroy(made->pub));
    return ops.Destroy(made->priv);
  };
  Run(
      ctx, "keygen_rsa2048",
      [&]() -> Result<Step> {
        return Step([&ops, made] {
          CF_ASSIGN_OR_RETURN(*made, ops.GenerateRsa("bench-keygen"));
          return Status::Ok();
        });
      },
      destroy_made);
  Run(
      ctx, "keygen_ec_p256",
      [&]() -> Result<Step> {
        return Step([&ops, made] {
          CF_ASSIGN_OR_RETURN(*made, ops.GenerateEc(CKK_EC, kP256Params, "bench-keygen"));
          return Status::Ok();
        });
      },
      destroy_made);

  // Scaling: each thread has its own session (PKCS#11 sessions are single-threaded) over the same token key.
  struct Parallel {
    const char* id;
    int threads;
    const SignKey* key;
    CK_MECHANISM mech;
    const Bytes* data;
  };
  const Parallel parallel[] = {
      {"threads1_sign_ecdsa_p256", 1, &p256, ecdsa, &d256},
      {"threads2_sign_ecdsa_p256", 2, &p256, ecdsa, &d256},
      {"threads1_sign_rsa2048", 1, &rsa, rsa_pkcs, &msg},
      {"threads2_sign_rsa2048", 2, &rsa, rsa_pkcs, &msg},
  };
  for (const auto& p : parallel) {
    if (!ctx.Selected(p.id)) continue;
    if (!p.key->pair.ok()) {
      ctx.report.NotApplicable(p.id, p.key->pair.status().message());
      continue;
    }
    std::vector<std::unique_ptr<TokenOps>> sessions;
    std::mutex mu;
    Result<Stats> r = ctx.runner.TimeParallel(p.threads, [&](int) -> Result<Step> {
      CF_ASSIGN_OR_RETURN(CK_SESSION_HANDLE s, module.OpenSession(slot));
      std::lock_guard<std::mutex> lock(mu);
      sessions.push_back(std::make_unique<TokenOps>(module.f(), s));
      TokenOps* t = sessions.back().get();
      const CK_OBJECT_HANDLE priv = p.key->pair->priv;
      const CK_MECHANISM mech = p.mech;
      const Bytes* data = p.data;
      return Step([t, priv, mech, data] {
        CK_MECHANISM m = mech;
        return t->Sign(&m, priv, *data).status();
      });
    });
    for (auto& t : sessions) module.f()->C_CloseSession(t->session());
    ctx.report.Outcome(p.id, r);
  }
  return Status::Ok();
}

}  // namespace cf::bench
