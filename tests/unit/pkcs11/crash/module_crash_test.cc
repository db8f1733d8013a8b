// Crash consistency through the module (issue 17): a child process drives mixed token writes through
// libcf-pkcs11.so — create, destroy, set a value, relabel (a new version of the entry), generate AES keys and EC
// key pairs, change the user PIN — and is SIGKILLed at a random moment. After each kill the parent opens the token
// and checks: it opens, the PIN works (the last reported one, or the one being set when killed), every write the
// child reported as CKR_OK is there, and nothing else is — the write in flight happened wholly or not at all.
// CF_CRASH_INJECTIONS kills (default 50; 1000 under the `long` label); CF_CRASH_KEY_PAIRS=0 leaves key pairs out.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <random>
#include <thread>

#include "p11_fixture.h"
#include "token_model.h"

namespace cf::p11::test {
namespace {

class ModuleCrash : public ModuleTest {
 protected:
  // CF_CRASH_KEY_PAIRS=0 leaves C_GenerateKeyPair out (to tell its faults from others'). It once stored the two
  // halves in two writes, so a kill between them left a public key without its private key (found by this
  // harness; now one write: Token::CreatePair).
  const bool key_pairs_ = [] {
    const char* env = std::getenv("CF_CRASH_KEY_PAIRS");
    return env == nullptr || std::string(env) != "0";
  }();

  // The token's objects as the model describes them; labels decide which kind each object counts as.
  TokenModel Observe(CK_SESSION_HANDLE s) {
    TokenModel seen;
    for (CK_OBJECT_HANDLE h : Find(s, {Bool(CKA_TOKEN, true)})) {
      std::vector<unsigned char> label, value;
      if (GetAttr(s, h, CKA_LABEL, &label) != CKR_OK) continue;
      std::string name(label.begin(), label.end());
      CK_ULONG cls = GetUlong(s, h, CKA_CLASS);
      if (cls == CKO_DATA && GetAttr(s, h, CKA_VALUE, &value) == CKR_OK)
        seen.data[name] = std::string(value.begin(), value.end());
      else if (cls == CKO_SECRET_KEY)
        seen.aes.insert(name);
      else if (cls == CKO_PRIVATE_KEY || cls == CKO_PUBLIC_KEY)
        seen.pairs.insert(name + (cls == CKO_PRIVATE_KEY ? "" : "#pub"));
    }
    // A pair counts when both halves are there; a lone half stays visible as "<label>#pub" or a bare label.
    TokenModel out = seen;
    out.pairs.clear();
    for (const std::string& p : seen.pairs) {
      bool pub = p.size() > 4 && p.compare(p.size() - 4, 4, "#pub") == 0;
      std::string base = pub ? p.substr(0, p.size() - 4) : p;
      bool both = seen.pairs.count(base) && seen.pairs.count(base + "#pub");
      out.pairs.insert(both ? base : p + "#half");
    }
    return out;
  }

  CK_OBJECT_HANDLE FindLabel(CK_SESSION_HANDLE s, const std::string& label, CK_OBJECT_CLASS cls) {
    auto found = Find(s, {Str(CKA_LABEL, label), Ulong(CKA_CLASS, cls)});
    return found.size() == 1 ? found[0] : CK_INVALID_HANDLE;
  }

  CK_RV Perform(CK_SESSION_HANDLE s, const Write& w, const TokenModel& model) {
    switch (w.op) {
      case Op::kCreate: {
        std::vector<Attr> t = {Ulong(CKA_CLASS, CKO_DATA), Bool(CKA_TOKEN, true), Bool(CKA_PRIVATE, true),
                               Str(CKA_LABEL, w.label), Str(CKA_VALUE, w.arg)};
        auto v = View(t);
        CK_OBJECT_HANDLE h;
        return f_->C_CreateObject(s, v.data(), v.size(), &h);
      }
      case Op::kSetValue:
        return SetAttr(s, FindLabel(s, w.label, CKO_DATA), Str(CKA_VALUE, w.arg));
      case Op::kRelabel:
        return SetAttr(s, FindLabel(s, w.label, CKO_DATA), Str(CKA_LABEL, w.arg));
      case Op::kDestroy: {
        CK_RV rv = CKR_OK;
        for (CK_OBJECT_HANDLE h : Find(s, {Str(CKA_LABEL, w.label), Bool(CKA_TOKEN, true)}))
          if ((rv = f_->C_DestroyObject(s, h)) != CKR_OK) return rv;
        return rv;
      }
      case Op::kGenerateAes: {
        CK_OBJECT_HANDLE h;
        return GenerateAes(s, {Bool(CKA_TOKEN, true), Str(CKA_LABEL, w.label)}, &h);
      }
      case Op::kGeneratePair: {
        CK_OBJECT_HANDLE pub, priv;
        return GenerateEc(s, {Bool(CKA_TOKEN, true), Str(CKA_LABEL, w.label)},
                          {Bool(CKA_TOKEN, true), Str(CKA_LABEL, w.label)}, &pub, &priv);
      }
      case Op::kSetPin: {
        std::string old_pin = model.pin;
        return f_->C_SetPIN(s, Pin(old_pin.c_str()), old_pin.size(), Pin(w.arg.c_str()), w.arg.size());
      }
    }
    return CKR_GENERAL_ERROR;
  }

  // The next write: mostly object writes, sometimes a PIN change; destroys win when the token grows past 30.
  Write Choose(std::mt19937& rng, const TokenModel& model, int serial) {
    std::string fresh = "o" + std::to_string(serial);
    int pick = rng() % 20;
    if (model.objects() > 30) pick = 1;
    std::vector<std::string> labels;
    for (const auto& [label, value] : model.data) labels.push_back(label);
    std::string some = labels.empty() ? std::string() : labels[rng() % labels.size()];
    if (pick == 0) return {Op::kSetPin, "user", model.pin == "1234" ? "4321" : "1234"};
    if (pick <= 3 && model.objects() > 0) {
      std::vector<std::string> all = labels;
      all.insert(all.end(), model.aes.begin(), model.aes.end());
      all.insert(all.end(), model.pairs.begin(), model.pairs.end());
      return {Op::kDestroy, all[rng() % all.size()], "-"};
    }
    if (pick <= 6 && !some.empty()) return {Op::kSetValue, some, "v" + std::to_string(serial)};
    if (pick <= 8 && !some.empty()) return {Op::kRelabel, some, fresh};
    if (pick <= 10) return {Op::kGenerateAes, fresh, "-"};
    if (pick <= 12 && key_pairs_) return {Op::kGeneratePair, fresh, "-"};
    return {Op::kCreate, fresh, "v" + std::to_string(serial)};
  }

  [[noreturn]] void RunChild(int out, TokenModel model, unsigned seed, int round) {
    ::alarm(120);  // never outlives a parent that failed to kill it
    if (Initialize() != CKR_OK) ::_exit(10);
    CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
    if (f_->C_OpenSession(slot_, CKF_SERIAL_SESSION | CKF_RW_SESSION, nullptr, nullptr, &s) != CKR_OK) ::_exit(11);
    if (f_->C_Login(s, CKU_USER, Pin(model.pin.c_str()), model.pin.size()) != CKR_OK) ::_exit(12);
    if (::write(out, "R\n", 2) != 2) ::_exit(13);
    std::mt19937 rng(seed);
    for (int i = 0; i < 100000; ++i) {
      Write w = Choose(rng, model, round * 100000 + i);
      std::string line = Encode(w);
      if (::write(out, line.data(), line.size()) != static_cast<ssize_t>(line.size())) ::_exit(13);
      CK_RV rv = Perform(s, w, model);
      if (rv != CKR_OK) {
        fprintf(stderr, "crash child: %s of %s returned 0x%lx\n", line.c_str(), w.label.c_str(), rv);
        ::_exit(14);
      }
      if (::write(out, "C\n", 2) != 2) ::_exit(13);
      model.Apply(w);
    }
    ::_exit(0);
  }

  // Destroying a key pair takes two C_DestroyObject calls, so a kill between them leaves one half by the
  // application's doing, not the module's: the parent finishes the destroy as the application would.
  void FinishInterruptedPairDestroy(CK_SESSION_HANDLE s, const ChildReport& report) {
    if (!report.in_flight || report.in_flight->op != Op::kDestroy) return;
    auto halves = Find(s, {Str(CKA_LABEL, report.in_flight->label), Bool(CKA_TOKEN, true)});
    if (halves.size() != 1) return;
    CK_ULONG cls = GetUlong(s, halves[0], CKA_CLASS);
    if (cls == CKO_PUBLIC_KEY || cls == CKO_PRIVATE_KEY) {
      EXPECT_EQ(f_->C_DestroyObject(s, halves[0]), CKR_OK);
    }
  }

  // Logs in with the expected PIN, or the one being set when the child was killed; returns the one that worked.
  std::string LoginAfterCrash(CK_SESSION_HANDLE s, const TokenModel& model, const ChildReport& report) {
    CK_RV rv = f_->C_Login(s, CKU_USER, Pin(model.pin.c_str()), model.pin.size());
    if (rv == CKR_OK) return model.pin;
    if (rv == CKR_PIN_INCORRECT && report.in_flight && report.in_flight->op == Op::kSetPin) {
      const std::string& pin = report.in_flight->arg;
      if (f_->C_Login(s, CKU_USER, Pin(pin.c_str()), pin.size()) == CKR_OK) return pin;
    }
    ADD_FAILURE() << "no PIN works after the crash: C_Login returned 0x" << std::hex << rv;
    return {};
  }
};

TEST_F(ModuleCrash, EveryAcknowledgedWriteSurvivesSigkillAndNothingIsHalfThere) {
  const char* env = std::getenv("CF_CRASH_INJECTIONS");
  const int rounds = env != nullptr ? std::atoi(env) : 50;
  TokenModel model;
  std::mt19937 rng(20261204);
  size_t acknowledged = 0, in_flight_landed = 0;
  auto started = std::chrono::steady_clock::now();
  for (int round = 0; round < rounds; ++round) {
    ASSERT_LT(std::chrono::steady_clock::now() - started, std::chrono::minutes(90)) << "round " << round;
    ASSERT_EQ(f_->C_Finalize(nullptr), CKR_OK);
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      RunChild(fds[1], model, rng(), round);
    }
    ::close(fds[1]);
    char ready[2];
    ASSERT_EQ(::read(fds[0], ready, 2), 2) << "round " << round << ": the child could not log in";
    // Up to 150 ms: a key pair or a PIN change (two PBKDF2 runs) takes a few ms, so kills land inside each kind.
    std::this_thread::sleep_for(std::chrono::microseconds(rng() % 150000));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    std::string text;
    char buf[4096];
    for (ssize_t n; (n = ::read(fds[0], buf, sizeof(buf))) > 0;) text.append(buf, n);
    ::close(fds[0]);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "round " << round << ": the child stopped by itself (status " << status << ")";
    ChildReport report = ParseReport(text);
    for (const Write& w : report.committed) model.Apply(w);
    acknowledged += report.committed.size();

    ASSERT_EQ(Initialize(), CKR_OK) << "round " << round << ": the token does not open after the kill";
    CK_SESSION_HANDLE s = OpenRw();
    model.pin = LoginAfterCrash(s, model, report);
    ASSERT_FALSE(model.pin.empty()) << "round " << round;
    FinishInterruptedPairDestroy(s, report);
    TokenModel seen = Observe(s);
    if (!seen.SameObjects(model) && report.in_flight) {
      TokenModel with = model;
      with.Apply(*report.in_flight);
      if (seen.SameObjects(with)) {
        model = with;
        ++in_flight_landed;
      }
    }
    ASSERT_TRUE(seen.SameObjects(model)) << "round " << round << "\nexpected " << model.Describe() << "\nfound    "
                                         << seen.Describe()
                                         << "\nin flight: " << (report.in_flight ? Encode(*report.in_flight) : "none");
    ASSERT_EQ(f_->C_CloseSession(s), CKR_OK);
  }
  RecordProperty("acknowledged_writes", static_cast<int>(acknowledged));
  std::printf("crash harness: %d kills, %zu acknowledged writes checked, %zu in-flight writes landed\n", rounds,
              acknowledged, in_flight_landed);
  EXPECT_GT(acknowledged, static_cast<size_t>(rounds)) << "too few writes between kills: the test checked little";
}

}  // namespace
}  // namespace cf::p11::test
