// Fixture and helpers for the conformance suite: every test starts from an initialised module with no session
// open and nobody logged in, and leaves it so (C_CloseAllSessions logs out, spec 3.0 section 5.6).
#include "p11_test.h"

#include <cstdio>
#include <cstring>

namespace cf::conformance {

CK_ATTRIBUTE AttrStr(CK_ATTRIBUTE_TYPE type, const char* text) {
  return CK_ATTRIBUTE{type, const_cast<char*>(text), std::strlen(text)};
}

CK_ATTRIBUTE AttrBytes(CK_ATTRIBUTE_TYPE type, const Bytes& bytes) {
  return CK_ATTRIBUTE{type, const_cast<CK_BYTE*>(bytes.data()), bytes.size()};
}

std::string ParamName(const ::testing::TestParamInfo<std::string>& info) { return info.param; }

void P11Test::SetUp() {
  m_ = &GetModule(GetParam());
  ASSERT_EQ(m_->setup_error, "") << "setting up " << m_->name << " (" << m_->path << ") failed";
  f_ = m_->fl;
  ASSERT_EQ(m_->EnsureInitialized(), CKR_OK);
  slot_ = m_->slot;
}

void P11Test::TearDown() {
  if (m_ != nullptr && m_->initialized) f_->C_CloseAllSessions(m_->slot);
}

void P11Test::ExpectRv(CK_RV got, CK_RV want, CK_RV softhsm_got, const char* deviation) {
  if (IsSoftHsm() && got == softhsm_got && got != want) {
    std::printf("[ DEVIATION] softhsm: %s (0x%lx where the specification says 0x%lx)\n", deviation, got, want);
    return;
  }
  EXPECT_EQ(got, want) << "got 0x" << std::hex << got << ", the specification says 0x" << want;
}

CK_SESSION_HANDLE P11Test::OpenSession(bool rw) {
  CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
  CK_FLAGS flags = CKF_SERIAL_SESSION | (rw ? CKF_RW_SESSION : 0);
  EXPECT_EQ(f_->C_OpenSession(slot_, flags, nullptr, nullptr, &s), CKR_OK);
  return s;
}

CK_RV P11Test::Login(CK_SESSION_HANDLE s, CK_USER_TYPE who, const char* pin) {
  return f_->C_Login(s, who, Pin(pin), std::strlen(pin));
}

CK_SESSION_HANDLE P11Test::UserSession() {
  CK_SESSION_HANDLE s = OpenSession(true);
  EXPECT_EQ(Login(s, CKU_USER, kUserPin), CKR_OK);
  return s;
}

CK_ULONG P11Test::GetUlong(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type) {
  CK_ULONG v = ~0UL;
  CK_ATTRIBUTE a = Attr(type, v);
  EXPECT_EQ(f_->C_GetAttributeValue(s, o, &a, 1), CKR_OK) << "attribute 0x" << std::hex << type;
  return v;
}

CK_BBOOL P11Test::GetBool(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type) {
  CK_BBOOL v = 0xff;
  CK_ATTRIBUTE a = Attr(type, v);
  EXPECT_EQ(f_->C_GetAttributeValue(s, o, &a, 1), CKR_OK) << "attribute 0x" << std::hex << type;
  return v;
}

Bytes P11Test::GetBytes(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE type) {
  CK_ATTRIBUTE a{type, nullptr, 0};
  if (f_->C_GetAttributeValue(s, o, &a, 1) != CKR_OK || a.ulValueLen == CK_UNAVAILABLE_INFORMATION) return {};
  Bytes out(a.ulValueLen);
  a.pValue = out.data();
  EXPECT_EQ(f_->C_GetAttributeValue(s, o, &a, 1), CKR_OK);
  out.resize(a.ulValueLen);
  return out;
}

std::vector<CK_OBJECT_HANDLE> P11Test::Find(CK_SESSION_HANDLE s, std::vector<CK_ATTRIBUTE> tmpl) {
  std::vector<CK_OBJECT_HANDLE> found;
  EXPECT_EQ(f_->C_FindObjectsInit(s, tmpl.empty() ? nullptr : tmpl.data(), tmpl.size()), CKR_OK);
  CK_OBJECT_HANDLE batch[16];
  for (int guard = 0; guard < 1000; ++guard) {  // bounded: a module that never ends a search fails, not hangs
    CK_ULONG n = 0;
    if (f_->C_FindObjects(s, batch, 16, &n) != CKR_OK || n == 0) break;
    found.insert(found.end(), batch, batch + n);
  }
  EXPECT_EQ(f_->C_FindObjectsFinal(s), CKR_OK);
  return found;
}

bool P11Test::HasMechanism(CK_MECHANISM_TYPE type) {
  CK_MECHANISM_INFO info{};
  return f_->C_GetMechanismInfo(slot_, type, &info) == CKR_OK;
}

CK_OBJECT_HANDLE P11Test::MakeAesKey(CK_SESSION_HANDLE s, std::vector<CK_ATTRIBUTE> extra) {
  static CK_ULONG len = 32;
  // Defaults first, each dropped when the caller gives the same attribute: a template naming one attribute
  // twice with different values is inconsistent (section 5.7).
  std::vector<CK_ATTRIBUTE> tmpl = extra;
  for (CK_ATTRIBUTE d : {Attr(CKA_VALUE_LEN, len), Attr(CKA_ENCRYPT, kTrue), Attr(CKA_DECRYPT, kTrue)}) {
    bool given = false;
    for (const CK_ATTRIBUTE& e : extra) given |= e.type == d.type;
    if (!given) tmpl.push_back(d);
  }
  CK_MECHANISM mech{CKM_AES_KEY_GEN, nullptr, 0};
  CK_OBJECT_HANDLE key = CK_INVALID_HANDLE;
  EXPECT_EQ(f_->C_GenerateKey(s, &mech, tmpl.data(), tmpl.size(), &key), CKR_OK);
  return key;
}

CK_OBJECT_HANDLE P11Test::MakeDataObject(CK_SESSION_HANDLE s, const char* label, CK_BBOOL token, CK_BBOOL priv) {
  static CK_OBJECT_CLASS cls = CKO_DATA;
  static const char kValue[] = "conformance data";
  std::vector<CK_ATTRIBUTE> tmpl = {Attr(CKA_CLASS, cls), Attr(CKA_TOKEN, token), Attr(CKA_PRIVATE, priv),
                                    AttrStr(CKA_LABEL, label), AttrStr(CKA_VALUE, kValue)};
  CK_OBJECT_HANDLE o = CK_INVALID_HANDLE;
  EXPECT_EQ(f_->C_CreateObject(s, tmpl.data(), tmpl.size(), &o), CKR_OK) << "creating data object " << label;
  return o;
}

bool P11Test::SharedKeyPair(CK_SESSION_HANDLE s, const std::string& kind, CK_OBJECT_HANDLE* pub,
                            CK_OBJECT_HANDLE* priv) {
  std::string label = "conf-shared-" + kind;
  CK_OBJECT_CLASS pub_class = CKO_PUBLIC_KEY, priv_class = CKO_PRIVATE_KEY;
  auto pubs = Find(s, {Attr(CKA_CLASS, pub_class), AttrStr(CKA_LABEL, label.c_str())});
  auto privs = Find(s, {Attr(CKA_CLASS, priv_class), AttrStr(CKA_LABEL, label.c_str())});
  if (pubs.size() == 1 && privs.size() == 1) {
    *pub = pubs[0];
    *priv = privs[0];
    return true;
  }
  static CK_ULONG bits = 2048;
  static CK_BYTE exponent[] = {0x01, 0x00, 0x01};
  static CK_BYTE p256_oid[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
  static CK_BYTE id[] = {0xc0, 0x0f};
  id[1] = kind == "rsa" ? 0x01 : 0x02;
  bool rsa = kind == "rsa";
  CK_MECHANISM mech{rsa ? CKM_RSA_PKCS_KEY_PAIR_GEN : CKM_EC_KEY_PAIR_GEN, nullptr, 0};
  std::vector<CK_ATTRIBUTE> pub_t = {Attr(CKA_TOKEN, kTrue), Attr(CKA_VERIFY, kTrue), AttrStr(CKA_LABEL, label.c_str()),
                                     Attr(CKA_ID, id)};
  std::vector<CK_ATTRIBUTE> priv_t = {Attr(CKA_TOKEN, kTrue), Attr(CKA_SIGN, kTrue), Attr(CKA_PRIVATE, kTrue),
                                      AttrStr(CKA_LABEL, label.c_str()), Attr(CKA_ID, id)};
  if (rsa) {
    pub_t.push_back(Attr(CKA_MODULUS_BITS, bits));
    pub_t.push_back(Attr(CKA_PUBLIC_EXPONENT, exponent));
    pub_t.push_back(Attr(CKA_ENCRYPT, kTrue));
    priv_t.push_back(Attr(CKA_DECRYPT, kTrue));
  } else {
    pub_t.push_back(Attr(CKA_EC_PARAMS, p256_oid));
  }
  CK_RV rv = f_->C_GenerateKeyPair(s, &mech, pub_t.data(), pub_t.size(), priv_t.data(), priv_t.size(), pub, priv);
  EXPECT_EQ(rv, CKR_OK) << "generating the shared " << kind << " key pair";
  return rv == CKR_OK;
}

}  // namespace cf::conformance
