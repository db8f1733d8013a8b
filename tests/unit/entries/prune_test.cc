// PruneCertificationEntries: a token that certifies at every login keeps its newest admission certificates and
// evidence, lets a few more pile up, then removes the old ones in one write; other entries are never touched.
#include "entries/certification.h"
#include "entries/entry_types.h"
#include "store_fixture.h"

namespace cf::store::testing {
namespace {

using PruneTest = StoreTest;

NewEntry Typed(const std::string& tag, const std::string& type, const std::string& blob) {
  NewEntry e = MakeEntry(tag, blob);
  e.type = type;
  return e;
}

// One certification's worth of entries, as CertifyStore writes them.
void Certify(Store& s, int round) {
  auto put =
      s.PutMany({Typed(entries::kAdmissionCertTag, entries::kFrameworkCertificate, "cert" + std::to_string(round)),
                 Typed(entries::kEvidenceTag, entries::kEvidenceType, "evidence" + std::to_string(round))});
  ASSERT_TRUE(put.ok()) << put.status().ToString();
}

int32_t Count(Store& s, const char* tag, const char* type) {
  auto range = s.Versions(tag, type);
  if (!range.ok()) return 0;
  int32_t n = 0;
  for (int32_t v = range->earliest; v <= range->latest; ++v) n += s.Get(tag, type, v).ok() ? 1 : 0;
  return n;
}

TEST_P(PruneTest, WaitsForTheSlackThenKeepsOnlyTheNewest) {
  auto s = OpenOrDie();
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->Put(Typed("web-cert", entries::kFrameworkCertificate, "other")).ok());
  for (int round = 1; round <= 10; ++round) {
    Certify(*s, round);
    entries::PruneCertificationEntries(*s, /*keep=*/2, /*slack=*/8);
  }
  EXPECT_EQ(Count(*s, entries::kAdmissionCertTag, entries::kFrameworkCertificate), 10);  // keep + slack: not yet
  Certify(*s, 11);
  entries::PruneCertificationEntries(*s, 2, 8);
  EXPECT_EQ(Count(*s, entries::kAdmissionCertTag, entries::kFrameworkCertificate), 2);
  EXPECT_EQ(Count(*s, entries::kEvidenceTag, entries::kEvidenceType), 2);
  auto newest = s->Get(entries::kAdmissionCertTag, entries::kFrameworkCertificate, 0);
  ASSERT_TRUE(newest.ok());
  EXPECT_EQ(BlobText(*newest), "cert11");
  EXPECT_EQ(BlobText(*s->Get(entries::kAdmissionCertTag, entries::kFrameworkCertificate, newest->info.version - 1)),
            "cert10");
  EXPECT_TRUE(s->Get("web-cert", entries::kFrameworkCertificate).ok());
}

TEST_P(PruneTest, RemoveManySkipsIdsAlreadyGoneAndIsSeenByAnotherConnection) {
  auto s = OpenOrDie();
  ASSERT_TRUE(s);
  auto a = s->Put(MakeEntry("a", "1"));
  auto b = s->Put(MakeEntry("b", "2"));
  auto c = s->Put(MakeEntry("c", "3"));
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  ASSERT_TRUE(s->Remove(b->id).ok());  // as if another process pruned it first
  auto removed = s->RemoveMany({a->id, b->id, 999999});
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  EXPECT_EQ(*removed, 1u);
  auto other = OpenOrDie();
  ASSERT_TRUE(other);
  EXPECT_EQ(other->Get("a", "binary-blob").status().code(), Code::kNotFound);
  EXPECT_TRUE(other->Get("c", "binary-blob").ok());
}

INSTANTIATE_TEST_SUITE_P(Backends, PruneTest, ::testing::Values(Backend::kSqlite, Backend::kCfFile), BackendName);

}  // namespace
}  // namespace cf::store::testing
