// PINs and tiers: wrong-PIN counting, lockout at the limit (durable across reopen), SO reset, ChangePin, Wipe.
#include <thread>
#include <vector>

#include "store_fixture.h"

namespace cf::store::testing {
namespace {

using StorePins = StoreTest;

void InitPins(Store& s) {
  ASSERT_TRUE(s.SetSoPin(SecureString("so-secret")).ok());
  ASSERT_TRUE(s.InitUserPin(SecureString("1111")).ok());
  s.Logout();
}

TEST_P(StorePins, WrongPinsCountAndLockAtTheLimitEvenAcrossReopen) {
  auto s = OpenOrDie();
  ASSERT_TRUE(s);
  InitPins(*s);
  EXPECT_EQ(s->Login(Role::kUser, SecureString("bad")).code(), Code::kUnauthenticated);
  EXPECT_EQ(s->GetPinState(Role::kUser)->failed_attempts, 1u);
  EXPECT_EQ(s->Login(Role::kUser, SecureString("bad")).code(), Code::kUnauthenticated);
  s.reset();
  s = OpenOrDie();  // the counter is durable
  EXPECT_EQ(s->GetPinState(Role::kUser)->failed_attempts, 2u);
  EXPECT_EQ(s->Login(Role::kUser, SecureString("bad")).code(), Code::kUnauthenticated);
  EXPECT_TRUE(s->GetPinState(Role::kUser)->locked);
  EXPECT_EQ(s->Login(Role::kUser, SecureString("1111")).code(), Code::kLocked);  // even the right PIN
  EXPECT_FALSE(s->user_key_open());
}

TEST_P(StorePins, RightPinResetsTheCounter) {
  auto s = OpenOrDie();
  ASSERT_TRUE(s);
  InitPins(*s);
  EXPECT_FALSE(s->Login(Role::kUser, SecureString("bad")).ok());
  ASSERT_TRUE(s->Login(Role::kUser, SecureString("1111")).ok());
  EXPECT_TRUE(s->user_key_open());
  EXPECT_EQ(s->GetPinState(Role::kUser)->failed_attempts, 0u);
}

// Every attempt is counted before its PIN is tried, so more processes logging in at once than the limit (nginx's
// workers after fork) fill the count with attempts about to succeed. None of them may be told the PIN is locked.
TEST_P(StorePins, MoreConcurrentRightLoginsThanTheLimitAllSucceed) {
  StoreOptions o = Options();
  o.pin_kdf_iterations = 100000;  // a PIN check long enough for the attempts to overlap
  {
    auto s = OpenOrDie(o);
    ASSERT_TRUE(s);
    InitPins(*s);
  }
  constexpr int kStores = 8;  // one Store each, as separate processes have (limit: 3)
  std::vector<std::unique_ptr<Store>> stores;
  for (int i = 0; i < kStores; ++i) stores.push_back(OpenOrDie(o));
  std::vector<Status> results(kStores * 3, Status::Ok());
  std::vector<std::thread> threads;
  for (int i = 0; i < kStores; ++i) {
    threads.emplace_back([&, i] {
      for (int round = 0; round < 3; ++round) {
        results[i * 3 + round] = stores[i]->Login(Role::kUser, SecureString("1111"));
        stores[i]->Logout();
      }
    });
  }
  for (std::thread& t : threads) t.join();
  for (const Status& r : results) EXPECT_TRUE(r.ok()) << r.ToString();
  EXPECT_EQ(stores[0]->GetPinState(Role::kUser)->failed_attempts, 0u);
}

TEST_P(StorePins, SecurityOfficerResetsALockedUserPinAndKeepsUserEntries) {
  auto s = OpenOrDie();
  ASSERT_TRUE(s);
  InitPins(*s);
  ASSERT_TRUE(s->Login(Role::kUser, SecureString("1111")).ok());
  ASSERT_TRUE(s->Put(MakeEntry("priv", "kept", 0, Tier::kUser)).ok());
  s->Logout();
  for (int i = 0; i < 3; ++i) (void)s->Login(Role::kUser, SecureString("bad"));
  ASSERT_TRUE(s->GetPinState(Role::kUser)->locked);
  EXPECT_EQ(s->InitUserPin(SecureString("2222")).code(), Code::kFailedPrecondition);  // not SO
  ASSERT_TRUE(s->Login(Role::kSecurityOfficer, SecureString("so-secret")).ok());
  ASSERT_TRUE(s->InitUserPin(SecureString("2222")).ok());
  s->Logout();
  EXPECT_FALSE(s->GetPinState(Role::kUser)->locked);
  ASSERT_TRUE(s->Login(Role::kUser, SecureString("2222")).ok());
  EXPECT_EQ(BlobText(*s->Get("priv", "binary-blob")), "kept");
}

TEST_P(StorePins, ChangePinChecksTheOldPinAndTheNewOneWorks) {
  auto s = OpenOrDie();
  ASSERT_TRUE(s);
  InitPins(*s);
  EXPECT_EQ(s->ChangePin(Role::kUser, SecureString("bad"), SecureString("3333")).code(), Code::kUnauthenticated);
  ASSERT_TRUE(s->ChangePin(Role::kUser, SecureString("1111"), SecureString("3333")).ok());
  EXPECT_EQ(s->Login(Role::kUser, SecureString("1111")).code(), Code::kUnauthenticated);
  EXPECT_TRUE(s->Login(Role::kUser, SecureString("3333")).ok());
}

TEST_P(StorePins, LoginWithoutPinIsFailedPreconditionAndSecondSoPinNeedsSoLogin) {
  auto s = OpenOrDie();
  ASSERT_TRUE(s);
  EXPECT_EQ(s->Login(Role::kUser, SecureString("x")).code(), Code::kFailedPrecondition);
  InitPins(*s);
  EXPECT_EQ(s->SetSoPin(SecureString("other")).code(), Code::kFailedPrecondition);
  EXPECT_EQ(s->SetSoPin(SecureString("")).code(), Code::kFailedPrecondition);
}

TEST_P(StorePins, WipeNeedsSoAndRemovesEntriesAndPins) {
  auto s = OpenOrDie();
  ASSERT_TRUE(s);
  ASSERT_TRUE(s->Put(MakeEntry("p", "x")).ok());
  InitPins(*s);
  EXPECT_EQ(s->Wipe().code(), Code::kFailedPrecondition);
  ASSERT_TRUE(s->Login(Role::kSecurityOfficer, SecureString("so-secret")).ok());
  ASSERT_TRUE(s->Wipe().ok());
  EXPECT_TRUE(s->List()->empty());
  EXPECT_FALSE(s->GetPinState(Role::kUser)->initialized);
  EXPECT_FALSE(s->GetPinState(Role::kSecurityOfficer)->initialized);
  EXPECT_TRUE(s->Put(MakeEntry("p", "after")).ok());  // platform key kept
}

INSTANTIATE_TEST_SUITE_P(Backends, StorePins, ::testing::Values(Backend::kSqlite, Backend::kCfFile), BackendName);

}  // namespace
}  // namespace cf::store::testing
