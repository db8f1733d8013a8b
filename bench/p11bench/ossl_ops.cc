// The benchmarked algorithms over OpenSSL EVP, with a fresh context per call, which is what a PKCS#11 module has to
// do per C_*Init too, so the OpenSSL column is the limit a module can approach.
#include "bench/p11bench/ossl_ops.h"

#include <openssl/core_names.h>
#include <openssl/rsa.h>

#include <cstring>

namespace cf::bench {
namespace {

ByteView StripOctetString(ByteView point) {
  // DER OCTET STRING with a short or one-byte long form length; anything else is taken as the raw point.
  if (point.size() >= 2 && point[0] == 0x04) {
    if (point[1] < 0x80 && point.size() == 2u + point[1]) return point.subspan(2);
    if (point[1] == 0x81 && point.size() >= 3 && point.size() == 3u + point[2]) return point.subspan(3);
  }
  return point;
}

Result<Bytes> RsToDer(ByteView rs) {
  if (rs.empty() || rs.size() % 2 != 0) return Status(Code::kInvalidArgument, "ECDSA r||s of odd length");
  const int half = static_cast<int>(rs.size() / 2);
  ossl::EcdsaSig sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(rs.data(), half, nullptr);
  BIGNUM* s = BN_bin2bn(rs.data() + half, half, nullptr);
  if (!sig || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);  // ownership passes to sig only when set0 succeeds
    BN_free(s);
    return ossl::Error("ECDSA_SIG_set0");
  }
  int len = i2d_ECDSA_SIG(sig.get(), nullptr);
  Bytes der(len);
  unsigned char* p = der.data();
  i2d_ECDSA_SIG(sig.get(), &p);
  return der;
}

Status SetupSignCtx(SigKind kind, EVP_PKEY_CTX* pctx) {
  if (kind == SigKind::kRsaPssSha256) {
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
        EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) != 1 || EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32) != 1) {
      return ossl::Error("PSS parameters");
    }
  }
  return Status::Ok();
}

const EVP_MD* MdFor(SigKind kind) { return kind == SigKind::kEd25519 ? nullptr : EVP_sha256(); }

Result<Bytes> Cipher(const EVP_CIPHER* cipher, ByteView key, ByteView iv, ByteView plain, bool gcm) {
  ossl::CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), cipher, nullptr, nullptr, nullptr) != 1) return ossl::Error("cipher init");
  if (gcm && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(iv.size()), nullptr) != 1) {
    return ossl::Error("GCM IV length");
  }
  if (EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, key.data(), iv.data()) != 1) return ossl::Error("cipher key");
  Bytes out(plain.size() + 32);
  int n = 0, m = 0;
  if (EVP_EncryptUpdate(ctx.get(), out.data(), &n, plain.data(), static_cast<int>(plain.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), out.data() + n, &m) != 1) {
    return ossl::Error("encrypt");
  }
  out.resize(n + m);
  if (gcm) {
    out.resize(n + m + 16);
    if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, 16, out.data() + n + m) != 1) return ossl::Error("tag");
  }
  return out;
}

}  // namespace

Result<ossl::PKey> GenerateKey(const std::string& what) {
  EVP_PKEY* k = nullptr;
  if (what == "RSA") {
    k = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048));
  } else if (what == "ED25519") {
    k = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  } else {
    k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", what.c_str());
  }
  if (k == nullptr) return ossl::Error("generating " + what);
  return ossl::PKey(k);
}

Result<Bytes> Sign(SigKind kind, EVP_PKEY* key, ByteView data) {
  size_t len = 0;
  if (kind == SigKind::kEcdsaDigest) {
    ossl::PKeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
    if (!ctx || EVP_PKEY_sign_init(ctx.get()) != 1 ||
        EVP_PKEY_sign(ctx.get(), nullptr, &len, data.data(), data.size()) != 1) {
      return ossl::Error("ECDSA sign init");
    }
    Bytes sig(len);
    if (EVP_PKEY_sign(ctx.get(), sig.data(), &len, data.data(), data.size()) != 1) return ossl::Error("ECDSA sign");
    sig.resize(len);
    return sig;
  }
  ossl::MdCtx ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  if (!ctx || EVP_DigestSignInit(ctx.get(), &pctx, MdFor(kind), nullptr, key) != 1) {
    return ossl::Error("DigestSignInit");
  }
  CF_RETURN_IF_ERROR(SetupSignCtx(kind, pctx));
  if (EVP_DigestSign(ctx.get(), nullptr, &len, data.data(), data.size()) != 1) return ossl::Error("sign length");
  Bytes sig(len);
  if (EVP_DigestSign(ctx.get(), sig.data(), &len, data.data(), data.size()) != 1) return ossl::Error("DigestSign");
  sig.resize(len);
  return sig;
}

Status Verify(SigKind kind, EVP_PKEY* key, ByteView data, ByteView sig) {
  if (kind == SigKind::kEcdsaDigest) {
    Bytes der(sig.begin(), sig.end());
    if (sig.empty() || sig[0] != 0x30) {
      CF_ASSIGN_OR_RETURN(der, RsToDer(sig));
    }
    ossl::PKeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
    if (!ctx || EVP_PKEY_verify_init(ctx.get()) != 1 ||
        EVP_PKEY_verify(ctx.get(), der.data(), der.size(), data.data(), data.size()) != 1) {
      return ossl::Error("ECDSA signature does not verify");
    }
    return Status::Ok();
  }
  ossl::MdCtx ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), &pctx, MdFor(kind), nullptr, key) != 1) {
    return ossl::Error("DigestVerifyInit");
  }
  CF_RETURN_IF_ERROR(SetupSignCtx(kind, pctx));
  if (EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), data.data(), data.size()) != 1) {
    return ossl::Error("signature does not verify");
  }
  return Status::Ok();
}

Result<Bytes> OaepEncrypt(EVP_PKEY* key, ByteView plain, bool sha1) {
  ossl::PKeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  size_t len = 0;
  const EVP_MD* md = sha1 ? EVP_sha1() : EVP_sha256();
  if (!ctx || EVP_PKEY_encrypt_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_OAEP_PADDING) != 1 ||
      EVP_PKEY_CTX_set_rsa_oaep_md(ctx.get(), md) != 1 || EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), md) != 1 ||
      EVP_PKEY_encrypt(ctx.get(), nullptr, &len, plain.data(), plain.size()) != 1) {
    return ossl::Error("OAEP encrypt init");
  }
  Bytes out(len);
  if (EVP_PKEY_encrypt(ctx.get(), out.data(), &len, plain.data(), plain.size()) != 1) return ossl::Error("OAEP");
  out.resize(len);
  return out;
}

Result<SecureBytes> OaepDecrypt(EVP_PKEY* key, ByteView cipher) {
  ossl::PKeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  size_t len = 0;
  if (!ctx || EVP_PKEY_decrypt_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_OAEP_PADDING) != 1 ||
      EVP_PKEY_CTX_set_rsa_oaep_md(ctx.get(), EVP_sha256()) != 1 ||
      EVP_PKEY_CTX_set_rsa_mgf1_md(ctx.get(), EVP_sha256()) != 1 ||
      EVP_PKEY_decrypt(ctx.get(), nullptr, &len, cipher.data(), cipher.size()) != 1) {
    return ossl::Error("OAEP decrypt init");
  }
  SecureBytes out(len);
  if (EVP_PKEY_decrypt(ctx.get(), out.data(), &len, cipher.data(), cipher.size()) != 1) {
    return ossl::Error("OAEP decrypt");
  }
  out.resize(len);
  return out;
}

Result<SecureBytes> Ecdh(EVP_PKEY* mine, EVP_PKEY* peer) {
  ossl::PKeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, mine, nullptr));
  size_t len = 0;
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1 || EVP_PKEY_derive_set_peer(ctx.get(), peer) != 1 ||
      EVP_PKEY_derive(ctx.get(), nullptr, &len) != 1) {
    return ossl::Error("ECDH init");
  }
  SecureBytes out(len);
  if (EVP_PKEY_derive(ctx.get(), out.data(), &len) != 1) return ossl::Error("ECDH derive");
  out.resize(len);
  return out;
}

Result<Bytes> AesGcmEncrypt(ByteView key, ByteView iv, ByteView plain) {
  return Cipher(EVP_aes_256_gcm(), key, iv, plain, true);
}

Result<Bytes> AesCbcEncrypt(ByteView key, ByteView iv, ByteView plain) {
  return Cipher(EVP_aes_256_cbc(), key, iv, plain, false);
}

Result<Bytes> Sha256(ByteView data) {
  Bytes out(32);
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr) != 1) return ossl::Error("SHA-256");
  return out;
}

Result<Bytes> HmacSha256(ByteView key, ByteView data) {
  ossl::Mac mac(EVP_MAC_fetch(nullptr, "HMAC", nullptr));
  ossl::MacCtx ctx(mac ? EVP_MAC_CTX_new(mac.get()) : nullptr);
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_END};
  Bytes out(32);
  size_t len = 0;
  if (!ctx || EVP_MAC_init(ctx.get(), key.data(), key.size(), params) != 1 ||
      EVP_MAC_update(ctx.get(), data.data(), data.size()) != 1 ||
      EVP_MAC_final(ctx.get(), out.data(), &len, out.size()) != 1) {
    return ossl::Error("HMAC-SHA256");
  }
  out.resize(len);
  return out;
}

Result<ossl::PKey> RsaPublicKey(ByteView modulus, ByteView exponent) {
  ossl::Bn n(BN_bin2bn(modulus.data(), static_cast<int>(modulus.size()), nullptr));
  ossl::Bn e(BN_bin2bn(exponent.data(), static_cast<int>(exponent.size()), nullptr));
  ossl::ParamBld bld(OSSL_PARAM_BLD_new());
  if (!n || !e || !bld || OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1) {
    return ossl::Error("RSA public parameters");
  }
  ossl::Params params(OSSL_PARAM_BLD_to_param(bld.get()));
  ossl::PKeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  EVP_PKEY* key = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return ossl::Error("RSA public key from token attributes");
  }
  return ossl::PKey(key);
}

Result<ossl::PKey> EcPublicKey(const std::string& group, ByteView ec_point) {
  ByteView point = StripOctetString(ec_point);
  ossl::ParamBld bld(OSSL_PARAM_BLD_new());
  if (!bld || OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group.c_str(), 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1) {
    return ossl::Error("EC public parameters");
  }
  ossl::Params params(OSSL_PARAM_BLD_to_param(bld.get()));
  ossl::PKeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* key = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return ossl::Error("EC public key from CKA_EC_POINT (" + std::to_string(ec_point.size()) + " bytes)");
  }
  return ossl::PKey(key);
}

Result<ossl::PKey> Ed25519PublicKey(ByteView ec_point) {
  ByteView point = StripOctetString(ec_point);
  EVP_PKEY* key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, point.data(), point.size());
  if (key == nullptr) return ossl::Error("Ed25519 public key from CKA_EC_POINT");
  return ossl::PKey(key);
}

}  // namespace cf::bench
