// The per-class schemas and ApplyTemplate, without the ABI: footnote flags, defaults, one-way attributes, SO-only
// TRUSTED, role conflicts and the sensitivity rule of IsRevealable.
#include <gtest/gtest.h>

#include "pkcs11/model/attribute_table.h"
#include "pkcs11/model/object_schema.h"

namespace cf::p11 {
namespace {

AttributeSet Tmpl(std::initializer_list<std::pair<CK_ATTRIBUTE_TYPE, Bytes>> values) {
  AttributeSet out;
  for (const auto& [type, value] : values) out.Set(type, value);
  return out;
}
const Schema& Aes() { return **SchemaFor(CKO_SECRET_KEY, CKK_AES); }
CK_RV RvOf(const Status& s) { return s.has_detail() ? static_cast<CK_RV>(s.detail()) : CKR_GENERAL_ERROR; }

TEST(AttributeSchemaTest, GenerateFillsSecureDefaults) {
  auto out = ApplyTemplate(Aes(), AttributeSet(), TemplateOp::kGenerate, nullptr, false);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_TRUE(out->GetBool(CKA_SENSITIVE, false));
  EXPECT_FALSE(out->GetBool(CKA_EXTRACTABLE, true));
  EXPECT_TRUE(out->GetBool(CKA_PRIVATE, false));
  EXPECT_FALSE(out->GetBool(CKA_TOKEN, true));
  EXPECT_FALSE(out->GetBool(CKA_WRAP, true));
}

TEST(AttributeSchemaTest, CreateNeedsTheRequiredAttributes) {
  auto out =
      ApplyTemplate(Aes(), Tmpl({{CKA_CLASS, EncodeUlong(CKO_SECRET_KEY)}, {CKA_KEY_TYPE, EncodeUlong(CKK_AES)}}),
                    TemplateOp::kCreate, nullptr, false);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(RvOf(out.status()), CKR_TEMPLATE_INCOMPLETE);
  EXPECT_NE(out.status().message().find("CKA_VALUE"), std::string::npos) << out.status().message();
}

TEST(AttributeSchemaTest, UnknownAndForeignAttributesAreTypeInvalid) {
  auto out = ApplyTemplate(Aes(), Tmpl({{CKA_MODULUS, Bytes{1}}}), TemplateOp::kGenerate, nullptr, false);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(RvOf(out.status()), CKR_ATTRIBUTE_TYPE_INVALID);
}

TEST(AttributeSchemaTest, BadValueSizesAreValueInvalid) {
  auto out = ApplyTemplate(Aes(), Tmpl({{CKA_SENSITIVE, Bytes{2}}}), TemplateOp::kGenerate, nullptr, false);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(RvOf(out.status()), CKR_ATTRIBUTE_VALUE_INVALID);
  out = ApplyTemplate(Aes(), Tmpl({{CKA_VALUE_LEN, Bytes{1, 2}}}), TemplateOp::kGenerate, nullptr, false);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(RvOf(out.status()), CKR_ATTRIBUTE_VALUE_INVALID);
}

TEST(AttributeSchemaTest, TokenSetAttributesAreReadOnly) {
  for (CK_ATTRIBUTE_TYPE t : {CKA_LOCAL, CKA_ALWAYS_SENSITIVE, CKA_NEVER_EXTRACTABLE, CKA_KEY_GEN_MECHANISM}) {
    Bytes value = t == CKA_KEY_GEN_MECHANISM ? EncodeUlong(CKM_AES_KEY_GEN) : EncodeBool(true);
    auto out = ApplyTemplate(Aes(), Tmpl({{t, value}}), TemplateOp::kGenerate, nullptr, false);
    ASSERT_FALSE(out.ok()) << AttrName(t);
    EXPECT_EQ(RvOf(out.status()), CKR_ATTRIBUTE_READ_ONLY) << AttrName(t);
  }
}

TEST(AttributeSchemaTest, OneWayAttributesOnSet) {
  auto key = ApplyTemplate(Aes(), AttributeSet(), TemplateOp::kGenerate, nullptr, false);
  ASSERT_TRUE(key.ok());
  auto s = ApplyTemplate(Aes(), Tmpl({{CKA_SENSITIVE, EncodeBool(false)}}), TemplateOp::kSet, &*key, false);
  EXPECT_EQ(RvOf(s.status()), CKR_ATTRIBUTE_READ_ONLY);
  s = ApplyTemplate(Aes(), Tmpl({{CKA_EXTRACTABLE, EncodeBool(true)}}), TemplateOp::kSet, &*key, false);
  EXPECT_EQ(RvOf(s.status()), CKR_ATTRIBUTE_READ_ONLY);
  // Setting a value to what it already is is not a change.
  s = ApplyTemplate(Aes(), Tmpl({{CKA_SENSITIVE, EncodeBool(true)}}), TemplateOp::kSet, &*key, false);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  // CKA_TOKEN changes only in a copy.
  s = ApplyTemplate(Aes(), Tmpl({{CKA_TOKEN, EncodeBool(true)}}), TemplateOp::kSet, &*key, false);
  EXPECT_EQ(RvOf(s.status()), CKR_ATTRIBUTE_READ_ONLY);
  s = ApplyTemplate(Aes(), Tmpl({{CKA_TOKEN, EncodeBool(true)}}), TemplateOp::kCopy, &*key, false);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
}

TEST(AttributeSchemaTest, TrustedIsForTheSecurityOfficerOnly) {
  auto user = ApplyTemplate(Aes(), Tmpl({{CKA_TRUSTED, EncodeBool(true)}}), TemplateOp::kGenerate, nullptr, false);
  EXPECT_EQ(RvOf(user.status()), CKR_ATTRIBUTE_READ_ONLY);
  auto so = ApplyTemplate(Aes(), Tmpl({{CKA_TRUSTED, EncodeBool(true)}}), TemplateOp::kGenerate, nullptr, true);
  EXPECT_TRUE(so.ok()) << so.status().ToString();
}

TEST(AttributeSchemaTest, RoleConflictsAndTheWrapDefault) {
  auto both = ApplyTemplate(Aes(), Tmpl({{CKA_UNWRAP, EncodeBool(true)}, {CKA_ENCRYPT, EncodeBool(true)}}),
                            TemplateOp::kGenerate, nullptr, false);
  EXPECT_EQ(RvOf(both.status()), CKR_TEMPLATE_INCONSISTENT);
  auto wrap = ApplyTemplate(Aes(), Tmpl({{CKA_WRAP, EncodeBool(true)}}), TemplateOp::kGenerate, nullptr, false);
  ASSERT_TRUE(wrap.ok());
  EXPECT_FALSE(wrap->GetBool(CKA_DECRYPT, true));
  EXPECT_FALSE(wrap->GetBool(CKA_ENCRYPT, true));
}

TEST(AttributeSchemaTest, EcKeysDefaultToNoEncryptionRoles) {
  auto pub = ApplyTemplate(**SchemaFor(CKO_PUBLIC_KEY, CKK_EC), AttributeSet(), TemplateOp::kGenerate, nullptr, false);
  // CKA_EC_PARAMS is required to generate.
  EXPECT_EQ(RvOf(pub.status()), CKR_TEMPLATE_INCOMPLETE);
  pub = ApplyTemplate(**SchemaFor(CKO_PUBLIC_KEY, CKK_EC), Tmpl({{CKA_EC_PARAMS, Bytes{6, 1, 0}}}),
                      TemplateOp::kGenerate, nullptr, false);
  ASSERT_TRUE(pub.ok());
  EXPECT_FALSE(pub->GetBool(CKA_ENCRYPT, true));
  auto rsa = ApplyTemplate(**SchemaFor(CKO_PUBLIC_KEY, CKK_RSA), Tmpl({{CKA_MODULUS_BITS, EncodeUlong(2048)}}),
                           TemplateOp::kGenerate, nullptr, false);
  ASSERT_TRUE(rsa.ok()) << rsa.status().ToString();
  EXPECT_TRUE(rsa->GetBool(CKA_ENCRYPT, false));
}

TEST(AttributeSchemaTest, SensitiveValuesAreNotRevealable) {
  AttributeSet attrs = Tmpl({{CKA_SENSITIVE, EncodeBool(false)}, {CKA_EXTRACTABLE, EncodeBool(true)}});
  EXPECT_TRUE(IsRevealable(Aes(), attrs, CKA_VALUE));
  attrs.SetBool(CKA_SENSITIVE, true);
  EXPECT_FALSE(IsRevealable(Aes(), attrs, CKA_VALUE));
  attrs.SetBool(CKA_SENSITIVE, false);
  attrs.SetBool(CKA_EXTRACTABLE, false);
  EXPECT_FALSE(IsRevealable(Aes(), attrs, CKA_VALUE));
  EXPECT_TRUE(IsRevealable(Aes(), attrs, CKA_LABEL));
}

TEST(AttributeSchemaTest, UnsupportedClassesAndTypesAreNamed) {
  EXPECT_FALSE(SchemaFor(CKO_SECRET_KEY, CKK_DES3).ok());
  EXPECT_FALSE(SchemaFor(CKO_CERTIFICATE, CKC_WTLS).ok());
  EXPECT_FALSE(SchemaFor(CKO_MECHANISM, 0).ok());
  EXPECT_TRUE(SchemaFor(CKO_DATA, 1234).ok());  // the subtype is ignored for data objects
}

TEST(AttributeSetTest, NestedTemplatesRoundTripAndMatch) {
  AttributeSet nested = Tmpl({{CKA_EXTRACTABLE, EncodeBool(false)}, {CKA_KEY_TYPE, EncodeUlong(CKK_AES)}});
  SecureBytes flat = EncodeNested(nested);
  auto back = DecodeNested(ByteView(flat.data(), flat.size()));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->values(), nested.values());
  EXPECT_FALSE(DecodeNested(ByteView(flat.data(), flat.size() - 1)).ok());
  AttributeSet object = nested;
  object.SetBool(CKA_SENSITIVE, true);
  EXPECT_TRUE(object.Matches(nested));
  EXPECT_FALSE(nested.Matches(object));
  EXPECT_TRUE(CheckAttrValue(*FindAttr(CKA_UNWRAP_TEMPLATE), ByteView(flat.data(), flat.size())).ok());
}

}  // namespace
}  // namespace cf::p11
