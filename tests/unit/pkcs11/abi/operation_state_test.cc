// C_GetOperationState / C_SetOperationState through the C ABI (PKCS#11 3.0 section 5.6): a digest saved in one
// session finishes identically in another (also after the module is finalised and initialised again), the buffer
// protocol, every malformed state refused, no key handle accepted, and the unsaveable cases — after C_DigestKey
// (the key never appears in a state), past the input bound, with another operation active. One test replays
// pkcs11-provider's digest dupctx exactly, the TLS 1.3 transcript-hash pattern that needs all this.
#include <openssl/evp.h>

#include <algorithm>

#include "p11_fixture.h"

namespace cf::p11::test {
namespace {

using Bytes = std::vector<unsigned char>;

constexpr size_t kBound = 256 * 1024;  // kMaxSavedDigestInput (pkcs11/mech/digest_state.h)
constexpr size_t kHeader = 18;         // the state's header: magic 4, version 1, kind 1, mechanism 8, length 4

Bytes Pattern(size_t n, unsigned seed) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<unsigned char>(seed + i * 13);
  return b;
}
Bytes Cat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// The reference: a one-shot digest by OpenSSL itself, not by the module.
Bytes OneShot(const char* md_name, const Bytes& data) {
  EVP_MD* md = EVP_MD_fetch(nullptr, md_name, nullptr);
  EXPECT_NE(md, nullptr) << md_name;
  Bytes out(EVP_MAX_MD_SIZE);
  unsigned int len = 0;
  EXPECT_EQ(EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr), 1);
  EVP_MD_free(md);
  out.resize(len);
  return out;
}

class OperationStateTest : public ModuleTest {
 protected:
  CK_SESSION_HANDLE Open() {
    CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
    EXPECT_EQ(f_->C_OpenSession(slot_, CKF_SERIAL_SESSION, nullptr, nullptr, &s), CKR_OK);
    return s;
  }
  void Begin(CK_SESSION_HANDLE s, CK_MECHANISM_TYPE type, const Bytes& data) {
    CK_MECHANISM m{type, nullptr, 0};
    ASSERT_EQ(f_->C_DigestInit(s, &m), CKR_OK);
    Update(s, data);
  }
  void Update(CK_SESSION_HANDLE s, const Bytes& data) {
    ASSERT_EQ(f_->C_DigestUpdate(s, const_cast<unsigned char*>(data.data()), data.size()), CKR_OK);
  }
  Bytes Final(CK_SESSION_HANDLE s) {
    Bytes out(64);
    CK_ULONG len = out.size();
    EXPECT_EQ(f_->C_DigestFinal(s, out.data(), &len), CKR_OK);
    out.resize(len);
    return out;
  }
  // Length query, then the state; the rv of the first call that fails.
  CK_RV Save(CK_SESSION_HANDLE s, Bytes* state) {
    CK_ULONG len = 0;
    CK_RV rv = f_->C_GetOperationState(s, nullptr, &len);
    if (rv != CKR_OK) return rv;
    state->assign(len, 0);
    rv = f_->C_GetOperationState(s, state->data(), &len);
    state->resize(len);
    return rv;
  }
  CK_RV Restore(CK_SESSION_HANDLE s, Bytes state, CK_OBJECT_HANDLE enc = 0, CK_OBJECT_HANDLE auth = 0) {
    return f_->C_SetOperationState(s, state.data(), state.size(), enc, auth);
  }
};

TEST_F(OperationStateTest, SavedDigestFinishesAlikeInBothSessionsForSha256Sha384Sha3) {
  const struct {
    CK_MECHANISM_TYPE type;
    const char* openssl;
  } hashes[] = {{CKM_SHA256, "SHA2-256"}, {CKM_SHA384, "SHA2-384"}, {CKM_SHA3_256, "SHA3-256"}};
  const Bytes head = Pattern(1000, 1), tail = Pattern(333, 7);
  for (const auto& h : hashes) {
    SCOPED_TRACE(h.openssl);
    CK_SESSION_HANDLE a = Open(), b = Open();
    Begin(a, h.type, head);
    Bytes state;
    ASSERT_EQ(Save(a, &state), CKR_OK);
    EXPECT_EQ(state.size(), kHeader + head.size());
    ASSERT_EQ(Restore(b, state), CKR_OK);
    Update(a, tail);
    Update(b, tail);
    const Bytes want = OneShot(h.openssl, Cat(head, tail));
    EXPECT_EQ(Final(b), want);
    EXPECT_EQ(Final(a), want);
  }
}

TEST_F(OperationStateTest, OneStateRestoresTwiceAndAfterReinitialisation) {
  CK_SESSION_HANDLE a = Open(), b = Open(), c = Open();
  const Bytes head = Pattern(70, 3);
  Begin(a, CKM_SHA256, head);
  Bytes state;
  ASSERT_EQ(Save(a, &state), CKR_OK);
  ASSERT_EQ(Restore(b, state), CKR_OK);
  ASSERT_EQ(Restore(c, state), CKR_OK);
  Update(c, Pattern(5, 9));
  EXPECT_EQ(Final(b), OneShot("SHA2-256", head));
  EXPECT_EQ(Final(c), OneShot("SHA2-256", Cat(head, Pattern(5, 9))));
  // Nothing of the state lives in the module: a fresh module instance (as in another process) restores it.
  ASSERT_EQ(f_->C_Finalize(nullptr), CKR_OK);
  ASSERT_EQ(Initialize(), CKR_OK);
  CK_SESSION_HANDLE d = Open();
  ASSERT_EQ(Restore(d, state), CKR_OK);
  EXPECT_EQ(Final(d), OneShot("SHA2-256", head));
}

TEST_F(OperationStateTest, LengthQueryAndShortBufferKeepTheDigest) {
  CK_SESSION_HANDLE a = Open();
  const Bytes head = Pattern(40, 5);
  Begin(a, CKM_SHA256, head);
  CK_ULONG len = 0;
  ASSERT_EQ(f_->C_GetOperationState(a, nullptr, &len), CKR_OK);
  EXPECT_EQ(len, kHeader + head.size());
  Bytes small(len - 1, 0);
  CK_ULONG small_len = small.size();
  EXPECT_EQ(f_->C_GetOperationState(a, small.data(), &small_len), CKR_BUFFER_TOO_SMALL);
  EXPECT_EQ(small_len, len);
  EXPECT_EQ(f_->C_GetOperationState(a, nullptr, nullptr), CKR_ARGUMENTS_BAD);
  Bytes exact(len, 0);
  CK_ULONG exact_len = exact.size();
  ASSERT_EQ(f_->C_GetOperationState(a, exact.data(), &exact_len), CKR_OK);
  EXPECT_EQ(exact_len, len);
  EXPECT_EQ(Final(a), OneShot("SHA2-256", head));
}

TEST_F(OperationStateTest, MalformedStatesAreInvalidAndLeaveTheSessionAsItWas) {
  CK_SESSION_HANDLE a = Open(), b = Open();
  Begin(a, CKM_SHA256, Pattern(20, 2));
  Bytes good;
  ASSERT_EQ(Save(a, &good), CKR_OK);
  auto with = [&](size_t at, unsigned char v) {
    Bytes s = good;
    s[at] = v;
    return s;
  };
  auto mechanism = [&](CK_ULONG m) {
    Bytes s = good;
    for (int i = 0; i < 8; ++i) s[6 + i] = static_cast<unsigned char>(static_cast<uint64_t>(m) >> (56 - 8 * i));
    return s;
  };
  Bytes oversized = Cat(Bytes(good.begin(), good.begin() + kHeader), Bytes(kBound + 1, 0x61));
  for (int i = 0; i < 4; ++i) oversized[14 + i] = static_cast<unsigned char>((kBound + 1) >> (24 - 8 * i));
  const std::pair<const char*, Bytes> bad[] = {
      {"truncated", Bytes(good.begin(), good.end() - 1)},
      {"header only in part", Bytes(good.begin(), good.begin() + 10)},
      {"one byte", Bytes(1, 'c')},
      {"trailing byte", Cat(good, Bytes(1, 0))},
      {"foreign magic", with(0, 'X')},
      {"unknown version", with(4, 9)},
      {"unknown kind", with(5, 9)},
      {"unknown mechanism", mechanism(0x7fff1234)},
      {"not a digest mechanism", mechanism(CKM_SHA256_HMAC)},
      {"oversized", oversized},
  };
  Begin(b, CKM_SHA384, Pattern(3, 4));  // b's own digest must survive every refused restore
  for (const auto& [what, state] : bad) {
    EXPECT_EQ(Restore(b, state), CKR_SAVED_STATE_INVALID) << what;
  }
  EXPECT_EQ(f_->C_SetOperationState(b, nullptr, 10, 0, 0), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(Final(b), OneShot("SHA2-384", Pattern(3, 4)));
}

TEST_F(OperationStateTest, KeyHandlesAreNotNeededForADigest) {
  CK_SESSION_HANDLE a = Open(), b = Open();
  Begin(a, CKM_SHA256, Pattern(10, 1));
  Bytes state;
  ASSERT_EQ(Save(a, &state), CKR_OK);
  EXPECT_EQ(Restore(b, state, /*enc=*/1, 0), CKR_KEY_NOT_NEEDED);
  EXPECT_EQ(Restore(b, state, 0, /*auth=*/1), CKR_KEY_NOT_NEEDED);
  CK_TOKEN_INFO info;
  ASSERT_EQ(f_->C_GetTokenInfo(slot_, &info), CKR_OK);
  EXPECT_TRUE(info.flags & CKF_RESTORE_KEY_NOT_NEEDED);
}

TEST_F(OperationStateTest, DigestKeyMakesTheDigestUnsaveableAndTheKeyNeverLeaves) {
  CK_SESSION_HANDLE s = OpenUser();
  const Bytes key = Pattern(32, 0xA5);
  CK_OBJECT_HANDLE k = 0;
  ASSERT_EQ(Create(s,
                   {Ulong(CKA_CLASS, CKO_SECRET_KEY), Ulong(CKA_KEY_TYPE, CKK_GENERIC_SECRET), Raw(CKA_VALUE, key),
                    Bool(CKA_SENSITIVE, false), Bool(CKA_EXTRACTABLE, true)},
                   &k),
            CKR_OK);
  const Bytes head = Pattern(16, 1), tail = Pattern(16, 2);
  Begin(s, CKM_SHA256, head);
  ASSERT_EQ(f_->C_DigestKey(s, k), CKR_OK);
  Update(s, tail);
  CK_ULONG len = 0;
  EXPECT_EQ(f_->C_GetOperationState(s, nullptr, &len), CKR_STATE_UNSAVEABLE);
  Bytes buffer(64 * 1024, 0);
  len = buffer.size();
  EXPECT_EQ(f_->C_GetOperationState(s, buffer.data(), &len), CKR_STATE_UNSAVEABLE);
  EXPECT_EQ(std::search(buffer.begin(), buffer.end(), key.begin(), key.end()), buffer.end());
  EXPECT_EQ(buffer, Bytes(buffer.size(), 0)) << "nothing was written";
  EXPECT_EQ(Final(s), OneShot("SHA2-256", Cat(Cat(head, key), tail))) << "the digest goes on";

  // The key enters no state either way round: a state saved before C_DigestKey holds only what came before.
  Begin(s, CKM_SHA256, head);
  Bytes before;
  ASSERT_EQ(Save(s, &before), CKR_OK);
  ASSERT_EQ(f_->C_DigestKey(s, k), CKR_OK);
  EXPECT_EQ(std::search(before.begin(), before.end(), key.begin(), key.end()), before.end());
  EXPECT_EQ(Final(s), OneShot("SHA2-256", Cat(head, key)));
}

TEST_F(OperationStateTest, UnsaveablePastTheInputBound) {
  CK_SESSION_HANDLE s = Open();
  const Bytes big = Pattern(kBound, 3);
  Begin(s, CKM_SHA256, big);
  CK_ULONG len = 0;
  ASSERT_EQ(f_->C_GetOperationState(s, nullptr, &len), CKR_OK) << "exactly the bound is still saved";
  EXPECT_EQ(len, kHeader + kBound);
  Update(s, Bytes(1, 0x42));
  EXPECT_EQ(f_->C_GetOperationState(s, nullptr, &len), CKR_STATE_UNSAVEABLE);
  EXPECT_EQ(Final(s), OneShot("SHA2-256", Cat(big, Bytes(1, 0x42))));
}

TEST_F(OperationStateTest, UnsaveableWithASignOperationActive) {
  CK_SESSION_HANDLE s = OpenUser();
  CK_OBJECT_HANDLE k = 0;
  ASSERT_EQ(Create(s,
                   {Ulong(CKA_CLASS, CKO_SECRET_KEY), Ulong(CKA_KEY_TYPE, CKK_GENERIC_SECRET),
                    Raw(CKA_VALUE, Pattern(32, 1)), Bool(CKA_SIGN, true)},
                   &k),
            CKR_OK);
  CK_MECHANISM hmac{CKM_SHA256_HMAC, nullptr, 0};
  ASSERT_EQ(f_->C_SignInit(s, &hmac, k), CKR_OK);
  CK_ULONG len = 0;
  EXPECT_EQ(f_->C_GetOperationState(s, nullptr, &len), CKR_STATE_UNSAVEABLE);
  Begin(s, CKM_SHA256, Pattern(8, 1));  // a digest beside it does not make the session saveable
  EXPECT_EQ(f_->C_GetOperationState(s, nullptr, &len), CKR_STATE_UNSAVEABLE);
  Bytes data = Pattern(8, 2), mac(32);
  CK_ULONG mac_len = mac.size();
  EXPECT_EQ(f_->C_Sign(s, data.data(), data.size(), mac.data(), &mac_len), CKR_OK) << "signing goes on";
  EXPECT_EQ(Final(s), OneShot("SHA2-256", Pattern(8, 1)));
}

TEST_F(OperationStateTest, NothingToSaveAndWhatARestoreCancels) {
  CK_SESSION_HANDLE a = Open(), b = OpenUser();
  CK_ULONG len = 0;
  EXPECT_EQ(f_->C_GetOperationState(a, nullptr, &len), CKR_OPERATION_NOT_INITIALIZED);
  // An object search is not a cryptographic operation (section 5.6): alone it leaves nothing to save, beside a
  // digest it does not stop the digest being saved.
  ASSERT_EQ(f_->C_FindObjectsInit(a, nullptr, 0), CKR_OK);
  EXPECT_EQ(f_->C_GetOperationState(a, nullptr, &len), CKR_OPERATION_NOT_INITIALIZED);
  Begin(a, CKM_SHA256, Pattern(12, 6));
  Bytes state;
  ASSERT_EQ(Save(a, &state), CKR_OK);
  // A digest whose result waits for a larger buffer is final: not saved.
  CK_BYTE out[32];
  CK_ULONG out_len = 4;
  ASSERT_EQ(f_->C_DigestFinal(a, out, &out_len), CKR_BUFFER_TOO_SMALL);
  EXPECT_EQ(f_->C_GetOperationState(a, nullptr, &len), CKR_STATE_UNSAVEABLE);
  // Restoring cancels the destination's operations, its search included ("abruptly cancelled", section 5.6).
  CK_OBJECT_HANDLE aes = 0;
  ASSERT_EQ(GenerateAes(b, {Bool(CKA_ENCRYPT, true)}, &aes), CKR_OK);
  Bytes iv(16, 0);
  CK_MECHANISM cbc{CKM_AES_CBC, iv.data(), iv.size()};
  ASSERT_EQ(f_->C_EncryptInit(b, &cbc, aes), CKR_OK);
  ASSERT_EQ(f_->C_FindObjectsInit(b, nullptr, 0), CKR_OK);
  Begin(b, CKM_SHA384, Pattern(5, 5));
  ASSERT_EQ(Restore(b, state), CKR_OK);
  Bytes block(16, 0), enc(32);
  CK_ULONG enc_len = enc.size();
  EXPECT_EQ(f_->C_EncryptUpdate(b, block.data(), block.size(), enc.data(), &enc_len), CKR_OPERATION_NOT_INITIALIZED);
  CK_OBJECT_HANDLE found[4];
  CK_ULONG n = 0;
  EXPECT_EQ(f_->C_FindObjects(b, found, 4, &n), CKR_OPERATION_NOT_INITIALIZED);
  EXPECT_EQ(Final(b), OneShot("SHA2-256", Pattern(12, 6))) << "the restored SHA-256, not b's own SHA-384";
}

// pkcs11-provider's digest dupctx, as OpenSSL's TLS 1.3 transcript hash drives it (EVP_MD_CTX_copy_ex, final on the
// copy, the original goes on): C_GetOperationState on session A, C_OpenSession B, C_SetOperationState on B; the
// copy is finalised, the original continues; several times over, as a handshake does.
TEST_F(OperationStateTest, TlsTranscriptHashDupctxPattern) {
  CK_SESSION_HANDLE a = Open();
  CK_MECHANISM sha256{CKM_SHA256, nullptr, 0};
  ASSERT_EQ(f_->C_DigestInit(a, &sha256), CKR_OK);
  Bytes transcript;
  for (unsigned message = 0; message < 6; ++message) {
    Bytes part = Pattern(200 + 300 * message, message);  // ClientHello, ServerHello, ..., Certificate, Finished
    Update(a, part);
    transcript = Cat(transcript, part);
    // dupctx
    CK_ULONG len = 0;
    ASSERT_EQ(f_->C_GetOperationState(a, nullptr, &len), CKR_OK);
    Bytes state(len);
    ASSERT_EQ(f_->C_GetOperationState(a, state.data(), &len), CKR_OK);
    CK_SESSION_HANDLE b = CK_INVALID_HANDLE;
    ASSERT_EQ(f_->C_OpenSession(slot_, CKF_SERIAL_SESSION, nullptr, nullptr, &b), CKR_OK);
    ASSERT_EQ(f_->C_SetOperationState(b, state.data(), len, CK_INVALID_HANDLE, CK_INVALID_HANDLE), CKR_OK);
    // the copy: the transcript hash so far
    EXPECT_EQ(Final(b), OneShot("SHA2-256", transcript)) << "message " << message;
    ASSERT_EQ(f_->C_CloseSession(b), CKR_OK);
  }
  // The original, untouched by its copies, goes on; and a copy updated further matches too.
  Bytes state;
  ASSERT_EQ(Save(a, &state), CKR_OK);
  CK_SESSION_HANDLE b = Open();
  ASSERT_EQ(Restore(b, state), CKR_OK);
  Update(b, Pattern(36, 99));
  EXPECT_EQ(Final(b), OneShot("SHA2-256", Cat(transcript, Pattern(36, 99))));
  Update(a, Pattern(52, 77));
  EXPECT_EQ(Final(a), OneShot("SHA2-256", Cat(transcript, Pattern(52, 77))));
}

}  // namespace
}  // namespace cf::p11::test
