// Export/import between backends: versions, times, flags and blobs survive; duplicates are refused or skipped.
#include "cryptstore/transfer.h"

#include "store_fixture.h"

namespace cf::store::testing {
namespace {

class TransferTest : public StoreTest {};

Status AllowAll(const Entry&) { return Status::Ok(); }

TEST_P(TransferTest, ExportThenImportIntoTheOtherBackendKeepsEverything) {
  auto src = OpenOrDie();
  ASSERT_TRUE(src);
  NewEntry e = MakeEntry("key", "v1");
  e.exportable = true;
  e.time_entered = "2025-05-05T05:05:05Z";
  ASSERT_TRUE(src->Put(e).ok());
  ASSERT_TRUE(src->Put(MakeEntry("key", "v5", 5)).ok());
  ASSERT_TRUE(src->SetSoPin(SecureString("so")).ok());
  ASSERT_TRUE(src->Put(MakeEntry("private", "p", 0, Tier::kUser)).ok());
  auto platform_only = ExportPlaintext(*src, false, AllowAll);
  ASSERT_TRUE(platform_only.ok());
  EXPECT_EQ(platform_only->entries.entries_size(), 2);
  auto all = ExportPlaintext(*src, true, AllowAll);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->entries.entries_size(), 3);

  StoreOptions o = Options();
  o.backend = GetParam() == Backend::kSqlite ? Backend::kCfFile : Backend::kSqlite;
  o.path = dir_ + "/converted";
  auto dst = OpenOrDie(o);
  ASSERT_TRUE(dst);
  auto imported = ImportPlaintext(*dst, platform_only->entries, Tier::kPlatform);
  ASSERT_TRUE(imported.ok()) << imported.status().ToString();
  EXPECT_EQ(imported->imported, 2u);
  auto v1 = dst->Get("key", "binary-blob", 1);
  ASSERT_TRUE(v1.ok());
  EXPECT_EQ(BlobText(*v1), "v1");
  EXPECT_TRUE(v1->info.exportable);
  EXPECT_EQ(v1->info.time_entered, "2025-05-05T05:05:05Z");
  EXPECT_EQ(BlobText(*dst->Get("key", "binary-blob", 0)), "v5");

  EXPECT_EQ(ImportPlaintext(*dst, platform_only->entries, Tier::kPlatform).status().code(), Code::kVersionConflict);
  auto skipped = ImportPlaintext(*dst, platform_only->entries, Tier::kPlatform, OnDuplicate::kSkip);
  ASSERT_TRUE(skipped.ok());
  EXPECT_EQ(skipped->skipped, 2u);
  EXPECT_EQ(dst->List()->size(), 2u);
}

TEST_P(TransferTest, ExportOfUserTierNeedsLogin) {
  auto s = OpenOrDie();
  ASSERT_TRUE(s->SetSoPin(SecureString("so")).ok());
  ASSERT_TRUE(s->Put(MakeEntry("private", "p", 0, Tier::kUser)).ok());
  s->Logout();
  EXPECT_EQ(ExportPlaintext(*s, true, AllowAll).status().code(), Code::kFailedPrecondition);
  EXPECT_TRUE(ExportPlaintext(*s, false, AllowAll).ok());
}

TEST_P(TransferTest, ImportRefusesNegativeVersions) {
  auto s = OpenOrDie();
  wire::cryptstore in;
  auto* e = in.add_entries();
  e->set_tag("t");
  e->set_type("binary-blob");
  e->set_version(-3);
  EXPECT_EQ(ImportPlaintext(*s, in, Tier::kPlatform).status().code(), Code::kInvalidArgument);
}

INSTANTIATE_TEST_SUITE_P(Backends, TransferTest, ::testing::Values(Backend::kSqlite, Backend::kCfFile), BackendName);

TEST_P(TransferTest, ExportLeavesOutWhatTheRuleWithholdsAndSaysWhy) {
  auto s = OpenOrDie();
  ASSERT_TRUE(s);
  NewEntry keep = MakeEntry("may-leave", "a");
  keep.exportable = true;
  ASSERT_TRUE(s->Put(keep).ok());
  ASSERT_TRUE(s->Put(MakeEntry("stays", "b")).ok());
  auto only_exportable = [](const Entry& e) {
    return e.info.exportable ? Status::Ok() : Status(Code::kPermissionDenied, "'" + e.info.tag + "' stays");
  };
  auto out = ExportPlaintext(*s, false, only_exportable);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  ASSERT_EQ(out->entries.entries_size(), 1);
  EXPECT_EQ(out->entries.entries(0).tag(), "may-leave");
  ASSERT_EQ(out->withheld.size(), 1u);
  EXPECT_EQ(out->withheld[0], "'stays' stays");
}

}  // namespace
}  // namespace cf::store::testing
