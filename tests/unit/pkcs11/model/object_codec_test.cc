// Object <-> entry mapping: our objects round trip through an entry, tiers and exportability follow the
// attributes, unlabelled objects get a generated tag, foreign payloads are never hidden.
#include "pkcs11/model/object_codec.h"

#include <gtest/gtest.h>

#include "pkcs11/include/cf_pkcs11.h"
#include "pkcs11/model/attribute_table.h"

namespace cf::p11 {
namespace {

store::Entry AsEntry(const store::NewEntry& e, uint64_t id) {
  store::Entry out;
  out.info.id = id;
  out.info.tag = e.tag;
  out.info.type = e.type;
  out.info.version = e.version == 0 ? 1 : e.version;
  out.info.tier = e.tier;
  out.info.exportable = e.exportable;
  out.info.origin = e.origin;
  out.blob = e.blob;
  return out;
}

TEST(ObjectCodecTest, SecretKeyRoundTripsThroughAnEntry) {
  AttributeSet attrs;
  attrs.SetUlong(CKA_CLASS, CKO_SECRET_KEY);
  attrs.SetUlong(CKA_KEY_TYPE, CKK_AES);
  attrs.Set(CKA_LABEL, AsBytes(std::string("disk")));
  attrs.Set(CKA_VALUE, Bytes(32, 9));
  attrs.SetBool(CKA_PRIVATE, true);
  attrs.SetBool(CKA_EXTRACTABLE, false);
  attrs.SetBool(CKA_SENSITIVE, true);
  auto entry = ObjectToEntry(attrs);
  ASSERT_TRUE(entry.ok()) << entry.status().ToString();
  EXPECT_EQ(entry->tag, "disk");
  EXPECT_EQ(entry->type, "cf-pkcs11-secret-key");
  EXPECT_EQ(entry->tier, store::Tier::kUser);
  EXPECT_FALSE(entry->exportable);
  auto objects = EntryToObjects(AsEntry(*entry, 21));
  ASSERT_EQ(objects.size(), 1u);
  const Object& obj = *objects[0];
  EXPECT_EQ(obj.handle, TokenHandle(21, 0));
  EXPECT_TRUE(obj.token);
  EXPECT_EQ(*obj.attrs.Find(CKA_VALUE), SecureBytes(32, 9));
  EXPECT_EQ(obj.attrs.GetUlong(CKA_CF_VERSION), 1u);
  EXPECT_EQ(obj.attrs.GetString(CKA_CF_ENTRY_TYPE), "cf-pkcs11-secret-key");
  EXPECT_FALSE(obj.read_only);
}

TEST(ObjectCodecTest, PublicObjectsArePlatformTierAndUnlabelledGetATag) {
  AttributeSet attrs;
  attrs.SetUlong(CKA_CLASS, CKO_DATA);
  attrs.Set(CKA_VALUE, AsBytes(std::string("v")));
  auto entry = ObjectToEntry(attrs);
  ASSERT_TRUE(entry.ok());
  EXPECT_EQ(entry->tier, store::Tier::kPlatform);
  EXPECT_EQ(entry->tag.rfind("cf-pkcs11-unlabelled-", 0), 0u) << entry->tag;
}

TEST(ObjectCodecTest, VersionAttributeBecomesTheEntryVersion) {
  AttributeSet attrs;
  attrs.SetUlong(CKA_CLASS, CKO_DATA);
  attrs.SetUlong(CKA_CF_VERSION, 4);
  auto entry = ObjectToEntry(attrs);
  ASSERT_TRUE(entry.ok());
  EXPECT_EQ(entry->version, 4);
  attrs.SetUlong(CKA_CF_VERSION, 0);
  EXPECT_FALSE(ObjectToEntry(attrs).ok());
}

TEST(ObjectCodecTest, ForeignPayloadIsAPrivateReadOnlyDataObject) {
  store::Entry e;
  e.info.id = 3;
  e.info.tag = "note";
  e.info.type = "binary-blob";
  e.info.version = 2;
  e.blob = SecureBytes{1, 2, 3};
  auto objects = EntryToObjects(e);
  ASSERT_EQ(objects.size(), 1u);
  EXPECT_EQ(objects[0]->object_class(), CKO_DATA);
  EXPECT_TRUE(objects[0]->read_only);
  EXPECT_TRUE(objects[0]->is_private());
  EXPECT_EQ(objects[0]->attrs.GetString(CKA_APPLICATION), "binary-blob");
  // An undecodable key message is still shown, never dropped.
  e.info.type = "key-message-serialized-protobuf";
  e.blob = SecureBytes{0xff, 0xff};
  EXPECT_EQ(EntryToObjects(e).size(), 1u);
}

TEST(ObjectCodecTest, CorruptOwnBlobIsShownNotDropped) {
  store::Entry e;
  e.info.id = 5;
  e.info.tag = "t";
  e.info.type = "cf-pkcs11-data";
  e.info.origin = store::Origin::kToken;  // the module's own entry (any other writer's is no object: issue 11)
  e.blob = SecureBytes{0xff, 0xff, 0xff};
  auto objects = EntryToObjects(e);
  ASSERT_EQ(objects.size(), 1u);
  // Shown, but its bytes (which may be a key's) are not its value.
  EXPECT_TRUE(objects[0]->value_withheld);
  EXPECT_EQ(objects[0]->attrs.Find(CKA_VALUE), nullptr);
}

TEST(ObjectCodecTest, ObjectFormatWrittenByAnotherWriterIsNeverAnObject) {
  // Issue 11 item 4: a hand-built StoredObject (wrap + decrypt on one key, CKA_TRUSTED without the SO, a false
  // NEVER_EXTRACTABLE) put by a tool loads as nothing; the same bytes written by the module load.
  AttributeSet attrs;
  attrs.SetUlong(CKA_CLASS, CKO_SECRET_KEY);
  attrs.SetUlong(CKA_KEY_TYPE, CKK_AES);
  attrs.Set(CKA_LABEL, AsBytes(std::string("forged")));
  attrs.Set(CKA_VALUE, Bytes(32, 7));
  attrs.SetBool(CKA_WRAP, true);
  attrs.SetBool(CKA_DECRYPT, true);
  attrs.SetBool(CKA_TRUSTED, true);
  attrs.SetBool(CKA_NEVER_EXTRACTABLE, true);
  auto entry = ObjectToEntry(attrs);
  ASSERT_TRUE(entry.ok()) << entry.status().ToString();
  EXPECT_EQ(entry->origin, store::Origin::kToken);
  EXPECT_EQ(EntryToObjects(AsEntry(*entry, 5)).size(), 1u);
  store::NewEntry forged = *entry;
  forged.origin = store::Origin::kTool;
  EXPECT_TRUE(EntryToObjects(AsEntry(forged, 6)).empty());
  EXPECT_EQ(entries::ClassifyEntry(AsEntry(forged, 6)), entries::EntryKind::kForgedObject);
  EXPECT_EQ(entries::JudgeEgress(AsEntry(forged, 6), entries::EgressPath::kLocalRead).code(), Code::kPermissionDenied);
}

}  // namespace
}  // namespace cf::p11
