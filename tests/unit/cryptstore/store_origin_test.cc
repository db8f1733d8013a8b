// Who wrote an entry (Origin) is kept across reopen and by updates on both backends, and RemoveTokenEntries
// (C_InitToken) removes the token's entries only, keeping the tools' entries and the user data key. The
// requires-admission flag (cf-osutility --requires-admission) is kept the same way, also by Retag.
#include "store_fixture.h"

namespace cf::store::testing {
namespace {

class StoreOriginTest : public StoreTest {};

TEST_P(StoreOriginTest, OriginSurvivesReopenAndUpdate) {
  uint64_t token_id = 0, tool_id = 0;
  {
    auto s = OpenOrDie();
    ASSERT_TRUE(s);
    NewEntry token = MakeEntry("obj", "t");
    token.type = "cf-pkcs11-data";
    token.origin = Origin::kToken;
    auto put = s->Put(token);
    ASSERT_TRUE(put.ok()) << put.status().ToString();
    EXPECT_EQ(put->origin, Origin::kToken);
    token_id = put->id;
    auto tool = s->Put(MakeEntry("os", "o"));
    ASSERT_TRUE(tool.ok());
    tool_id = tool->id;
    ASSERT_TRUE(s->Update(token_id, AsBytes(std::string("t2")), false).ok());
  }
  auto s = OpenOrDie();
  ASSERT_TRUE(s);
  auto token = s->GetById(token_id);
  ASSERT_TRUE(token.ok()) << token.status().ToString();
  EXPECT_EQ(token->info.origin, Origin::kToken);
  EXPECT_EQ(BlobText(*token), "t2");
  auto tool = s->GetById(tool_id);
  ASSERT_TRUE(tool.ok());
  EXPECT_EQ(tool->info.origin, Origin::kTool);
}

TEST_P(StoreOriginTest, RemoveTokenEntriesKeepsToolEntriesAndTheUserKey) {
  auto s = OpenOrDie();
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->SetSoPin(SecureString("so")).ok());
  ASSERT_TRUE(s->InitUserPin(SecureString("user")).ok());
  NewEntry token = MakeEntry("obj", "t", 0, Tier::kUser);
  token.origin = Origin::kToken;
  ASSERT_TRUE(s->Put(token).ok());
  ASSERT_TRUE(s->Put(MakeEntry("os-pin-tier", "p", 0, Tier::kUser)).ok());
  ASSERT_TRUE(s->Put(MakeEntry("os", "o")).ok());
  s->Logout();
  EXPECT_EQ(s->RemoveTokenEntries().code(), Code::kFailedPrecondition) << "needs the SO";
  ASSERT_TRUE(s->Login(Role::kSecurityOfficer, SecureString("so")).ok());
  ASSERT_TRUE(s->RemoveTokenEntries().ok());
  s->Logout();
  auto listed = s->List();
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  for (const EntryInfo& info : *listed) EXPECT_EQ(info.origin, Origin::kTool) << info.tag;
  EXPECT_FALSE(s->GetPinState(Role::kUser)->initialized);
  // The SO sets a new user PIN; the PIN-tier tool entry is readable under it (same user data key).
  ASSERT_TRUE(s->Login(Role::kSecurityOfficer, SecureString("so")).ok());
  ASSERT_TRUE(s->InitUserPin(SecureString("new")).ok());
  s->Logout();
  EXPECT_EQ(s->Login(Role::kUser, SecureString("user")).code(), Code::kUnauthenticated);
  ASSERT_TRUE(s->Login(Role::kUser, SecureString("new")).ok());
  auto kept = s->Get("os-pin-tier", "binary-blob");
  ASSERT_TRUE(kept.ok()) << kept.status().ToString();
  EXPECT_EQ(BlobText(*kept), "p");
}

TEST_P(StoreOriginTest, RequiresAdmissionSurvivesReopenUpdateAndRetag) {
  uint64_t guarded_id = 0, plain_id = 0;
  {
    auto s = OpenOrDie();
    ASSERT_TRUE(s);
    NewEntry guarded = MakeEntry("guarded", "g");
    guarded.requires_admission = true;
    auto put = s->Put(guarded);
    ASSERT_TRUE(put.ok()) << put.status().ToString();
    EXPECT_TRUE(put->requires_admission);
    guarded_id = put->id;
    auto plain = s->Put(MakeEntry("plain", "p"));
    ASSERT_TRUE(plain.ok());
    EXPECT_FALSE(plain->requires_admission);
    plain_id = plain->id;
    ASSERT_TRUE(s->Update(guarded_id, AsBytes(std::string("g2")), false).ok());
    auto moved = s->Retag(guarded_id, "guarded-renamed", AsBytes(std::string("g3")), false);
    ASSERT_TRUE(moved.ok()) << moved.status().ToString();
    EXPECT_TRUE(moved->requires_admission);
  }
  auto s = OpenOrDie();
  ASSERT_TRUE(s);
  auto guarded = s->GetById(guarded_id);
  ASSERT_TRUE(guarded.ok()) << guarded.status().ToString();
  EXPECT_TRUE(guarded->info.requires_admission);
  EXPECT_EQ(guarded->info.tag, "guarded-renamed");
  EXPECT_EQ(BlobText(*guarded), "g3");
  auto plain = s->GetById(plain_id);
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(plain->info.requires_admission);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreOriginTest, ::testing::Values(Backend::kSqlite, Backend::kCfFile), BackendName);

}  // namespace
}  // namespace cf::store::testing
