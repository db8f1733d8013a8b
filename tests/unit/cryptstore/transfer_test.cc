// Export/import between backends: versions, times, flags and blobs survive; duplicates are refused or skipped.
#include "cryptstore/transfer.h"

#include "store_fixture.h"

namespace cf::store::testing {
namespace {

class TransferTest : public StoreTest {};

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
  auto platform_only = ExportPlaintext(*src, false);
  ASSERT_TRUE(platform_only.ok());
  EXPECT_EQ(platform_only->entries_size(), 2);
  auto all = ExportPlaintext(*src, true);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->entries_size(), 3);

  StoreOptions o = Options();
  o.backend = GetParam() == Backend::kSqlite ? Backend::kCfFile : Backend::kSqlite;
  o.path = dir_ + "/converted";
  auto dst = OpenOrDie(o);
  ASSERT_TRUE(dst);
  auto imported = ImportPlaintext(*dst, *platform_only, Tier::kPlatform);
  ASSERT_TRUE(imported.ok()) << imported.status().ToString();
  EXPECT_EQ(imported->imported, 2u);
  auto v1 = dst->Get("key", "binary-blob", 1);
  ASSERT_TRUE(v1.ok());
  EXPECT_EQ(BlobText(*v1), "v1");
  EXPECT_TRUE(v1->info.exportable);
  EXPECT_EQ(v1->info.time_entered, "2025-05-05T05:05:05Z");
  EXPECT_EQ(BlobText(*dst->Get("key", "binary-blob", 0)), "v5");

  EXPECT_EQ(ImportPlaintext(*dst, *platform_only, Tier::kPlatform).status().code(), Code::kVersionConflict);
  auto skipped = ImportPlaintext(*dst, *platform_only, Tier::kPlatform, OnDuplicate::kSkip);
  ASSERT_TRUE(skipped.ok());
  EXPECT_EQ(skipped->skipped, 2u);
  EXPECT_EQ(dst->List()->size(), 2u);
}

TEST_P(TransferTest, ExportOfUserTierNeedsLogin) {
  auto s = OpenOrDie();
  ASSERT_TRUE(s->SetSoPin(SecureString("so")).ok());
  ASSERT_TRUE(s->Put(MakeEntry("private", "p", 0, Tier::kUser)).ok());
  s->Logout();
  EXPECT_EQ(ExportPlaintext(*s, true).status().code(), Code::kFailedPrecondition);
  EXPECT_TRUE(ExportPlaintext(*s, false).ok());
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

}  // namespace
}  // namespace cf::store::testing
