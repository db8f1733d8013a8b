// The C_GetAttributeValue buffer protocol (PKCS#11 3.0 section 5.7, C_GetAttributeValue): null pValue reports lengths;
// a short buffer is CKR_BUFFER_TOO_SMALL for that attribute only; sensitive and unknown attributes give
// CK_UNAVAILABLE_INFORMATION with their own CKR_ while every other attribute of the call is still filled.
#include <cstring>

#include "p11_test.h"

namespace cf::conformance {
namespace {

class AttributeTest : public P11Test {};

constexpr char kValue[] = "conformance data";  // MakeDataObject's CKA_VALUE

TEST_P(AttributeTest, NullValuePointersReportLengths) {
  CK_SESSION_HANDLE s = OpenSession(true);
  CK_OBJECT_HANDLE o = MakeDataObject(s, "conf-attr-len", kFalse, kFalse);
  CK_ATTRIBUTE t[] = {{CKA_LABEL, nullptr, 0}, {CKA_VALUE, nullptr, 0}, {CKA_CLASS, nullptr, 0}};
  ASSERT_EQ(f_->C_GetAttributeValue(s, o, t, 3), CKR_OK);
  EXPECT_EQ(t[0].ulValueLen, std::strlen("conf-attr-len"));
  EXPECT_EQ(t[1].ulValueLen, std::strlen(kValue));
  EXPECT_EQ(t[2].ulValueLen, sizeof(CK_OBJECT_CLASS));
}

TEST_P(AttributeTest, ShortBufferFailsThatAttributeOnlyAndFillsTheOthers) {
  CK_SESSION_HANDLE s = OpenSession(true);
  CK_OBJECT_HANDLE o = MakeDataObject(s, "conf-attr-short", kFalse, kFalse);
  CK_BYTE tiny[2];
  CK_OBJECT_CLASS cls = 0xdead;
  CK_BYTE label[64];
  CK_ATTRIBUTE t[] = {{CKA_VALUE, tiny, sizeof(tiny)}, Attr(CKA_CLASS, cls), {CKA_LABEL, label, sizeof(label)}};
  // Section 5.7 (C_GetAttributeValue), the too-small case: that ulValueLen becomes CK_UNAVAILABLE_INFORMATION, the call
  // returns CKR_BUFFER_TOO_SMALL, and the other attributes are still processed.
  EXPECT_EQ(f_->C_GetAttributeValue(s, o, t, 3), CKR_BUFFER_TOO_SMALL);
  EXPECT_EQ(t[0].ulValueLen, CK_UNAVAILABLE_INFORMATION);
  EXPECT_EQ(cls, CKO_DATA);
  EXPECT_EQ(t[1].ulValueLen, sizeof(CK_OBJECT_CLASS));
  ASSERT_EQ(t[2].ulValueLen, std::strlen("conf-attr-short"));
  EXPECT_EQ(std::memcmp(label, "conf-attr-short", t[2].ulValueLen), 0);
}

TEST_P(AttributeTest, UnknownAttributeIsTypeInvalidAndTheOthersAreFilled) {
  CK_SESSION_HANDLE s = OpenSession(true);
  CK_OBJECT_HANDLE o = MakeDataObject(s, "conf-attr-unknown", kFalse, kFalse);
  CK_BYTE junk[16];
  CK_OBJECT_CLASS cls = 0xdead;
  CK_ATTRIBUTE t[] = {{CKA_VENDOR_DEFINED | 0x7a7a0002, junk, sizeof(junk)}, Attr(CKA_CLASS, cls)};
  EXPECT_EQ(f_->C_GetAttributeValue(s, o, t, 2), CKR_ATTRIBUTE_TYPE_INVALID);
  EXPECT_EQ(t[0].ulValueLen, CK_UNAVAILABLE_INFORMATION);
  EXPECT_EQ(cls, CKO_DATA);
  // An attribute valid for another class is as invalid for this object as an unknown one.
  CK_ULONG bits = 0;
  CK_ATTRIBUTE modulus_bits = Attr(CKA_MODULUS_BITS, bits);
  EXPECT_EQ(f_->C_GetAttributeValue(s, o, &modulus_bits, 1), CKR_ATTRIBUTE_TYPE_INVALID);
  EXPECT_EQ(modulus_bits.ulValueLen, CK_UNAVAILABLE_INFORMATION);
}

TEST_P(AttributeTest, SensitiveValueIsWithheldAndTheOthersAreFilled) {
  CK_SESSION_HANDLE s = UserSession();
  CK_OBJECT_HANDLE key = MakeAesKey(s, {Attr(CKA_SENSITIVE, kTrue)});
  ASSERT_NE(key, CK_INVALID_HANDLE);
  CK_BYTE value[32];
  CK_ULONG len = 0;
  CK_ATTRIBUTE t[] = {{CKA_VALUE, value, sizeof(value)}, Attr(CKA_VALUE_LEN, len)};
  EXPECT_EQ(f_->C_GetAttributeValue(s, key, t, 2), CKR_ATTRIBUTE_SENSITIVE);
  EXPECT_EQ(t[0].ulValueLen, CK_UNAVAILABLE_INFORMATION);
  EXPECT_EQ(len, 32u);
  CK_ATTRIBUTE len_query = {CKA_VALUE, nullptr, 0};
  EXPECT_EQ(f_->C_GetAttributeValue(s, key, &len_query, 1), CKR_ATTRIBUTE_SENSITIVE);
  EXPECT_EQ(len_query.ulValueLen, CK_UNAVAILABLE_INFORMATION);
}

TEST_P(AttributeTest, PrivateKeyPartsAreWithheldPublicPartsAreNot) {
  CK_SESSION_HANDLE s = UserSession();
  CK_OBJECT_HANDLE pub = 0, priv = 0;
  ASSERT_TRUE(SharedKeyPair(s, "rsa", &pub, &priv));
  for (CK_ATTRIBUTE_TYPE secret : {CKA_PRIVATE_EXPONENT, CKA_PRIME_1, CKA_PRIME_2, CKA_COEFFICIENT}) {
    CK_ATTRIBUTE a{secret, nullptr, 0};
    EXPECT_EQ(f_->C_GetAttributeValue(s, priv, &a, 1), CKR_ATTRIBUTE_SENSITIVE) << "attribute 0x" << std::hex << secret;
    EXPECT_EQ(a.ulValueLen, CK_UNAVAILABLE_INFORMATION);
  }
  Bytes modulus = GetBytes(s, pub, CKA_MODULUS);
  EXPECT_EQ(modulus.size(), 256u);
  EXPECT_EQ(GetBytes(s, priv, CKA_MODULUS), modulus);
  EXPECT_EQ(GetBytes(s, pub, CKA_PUBLIC_EXPONENT), (Bytes{0x01, 0x00, 0x01}));
  EXPECT_EQ(GetUlong(s, pub, CKA_MODULUS_BITS), 2048u);
}

TEST_P(AttributeTest, GetAttributeValueChecksHandlesAndArguments) {
  CK_SESSION_HANDLE s = OpenSession(true);
  CK_OBJECT_HANDLE o = MakeDataObject(s, "conf-attr-args", kFalse, kFalse);
  CK_OBJECT_CLASS cls = 0;
  CK_ATTRIBUTE a = Attr(CKA_CLASS, cls);
  EXPECT_EQ(f_->C_GetAttributeValue(s, o, nullptr, 1), CKR_ARGUMENTS_BAD);
  EXPECT_EQ(f_->C_GetAttributeValue(s, 0x7ffd0002, &a, 1), CKR_OBJECT_HANDLE_INVALID);
  EXPECT_EQ(f_->C_GetAttributeValue(0x7ffe4321, o, &a, 1), CKR_SESSION_HANDLE_INVALID);
}

}  // namespace

CF_CONFORMANCE_INSTANTIATE(AttributeTest);

}  // namespace cf::conformance
