// Certification on C_Login timed through the C ABI. The module is re-initialised with a configuration text per
// mode (pReserved, as p11-kit passes x-init-reserved), so every figure is of the same token, keys and process.
// The certification part of a login is its time minus the certification-off login on the same token (same PIN
// KDF, same store): the module offers no hook to time it from inside, and needs none.
#include "bench/p11bench/cert_login.h"

#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "bench/p11bench/token_ops.h"

namespace cf::bench {
namespace {

using Clock = std::chrono::steady_clock;

constexpr char kLabel[] = "p11bench-cert";
constexpr char kRsaLabel[] = "cert-bench-rsa";
constexpr char kEcLabel[] = "cert-bench-p256";
// Alternating rounds of steady / renewing signing: a burst of someone else's work on this shared machine then
// cannot land on one side only. The ratio reported is the median of the per-round ratios.
constexpr int kThroughputRounds = 5;

// The token's configuration in the module's text format. The PIN KDF is cheap (1000 iterations) so that a login
// minus the certification-off login is the certification part, not KDF noise; the KDF is subtracted anyway.
std::string Config(const CertificationOptions& c, const std::string& mode, const std::string& address,
                   const std::string& extra = "") {
  return std::string("tokens { label: \"") + kLabel + "\" directory: \"" + c.token_dir +
         "\" pin_kdf_iterations: 1000 certification: " + mode + " certifier_address: \"" + address +
         "\" policy_certificate: \"" + c.policy_cert + "\" " + extra + " }";
}

// The short-lived service's admissions so far (each is one renewal once the bench is logged in).
int Admissions(const std::string& log_path) {
  std::ifstream in(log_path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  int n = 0;
  for (size_t at = 0; (at = s.find("admitted vse-attestation-package", at)) != std::string::npos; ++at) ++n;
  return n;
}

struct Handles {
  CK_SESSION_HANDLE signer = CK_INVALID_HANDLE;  // the measured thread's session
  CK_SESSION_HANDLE driver = CK_INVALID_HANDLE;  // the other thread's
  CK_OBJECT_HANDLE rsa = CK_INVALID_HANDLE;
  CK_OBJECT_HANDLE ec = CK_INVALID_HANDLE;
};

// Re-initialises under `config`, opens both sessions, logs in (certifying as the mode says) and finds the keys.
Result<Handles> LogIn(Module& module, const std::string& config) {
  CF_RETURN_IF_ERROR(module.Reinitialize(config));
  CF_ASSIGN_OR_RETURN(CK_SLOT_ID slot, module.FindSlot(kLabel));
  Handles h;
  CF_ASSIGN_OR_RETURN(h.signer, module.OpenSession(slot));
  CF_ASSIGN_OR_RETURN(h.driver, module.OpenSession(slot));
  CF_RETURN_IF_ERROR(module.Login(h.signer, CKU_USER, Pins().user));
  TokenOps ops(module.f(), h.signer);
  CF_ASSIGN_OR_RETURN(auto rsa, ops.FindByLabel(kRsaLabel, 4));
  CF_ASSIGN_OR_RETURN(auto ec, ops.FindByLabel(kEcLabel, 4));
  for (CK_OBJECT_HANDLE o : rsa) {
    if (ops.Attribute(o, CKA_SIGN).ok()) h.rsa = o;
  }
  for (CK_OBJECT_HANDLE o : ec) {
    if (ops.Attribute(o, CKA_SIGN).ok()) h.ec = o;
  }
  if (h.rsa == CK_INVALID_HANDLE || h.ec == CK_INVALID_HANDLE) {
    return Status(Code::kNotFound, "the bench keys are not on the token after re-initialisation");
  }
  return h;
}

Status SignRsa(CK_FUNCTION_LIST* f, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE key) {
  static const uint8_t kMessage[32] = {1, 2, 3};
  CK_MECHANISM m{CKM_SHA256_RSA_PKCS, nullptr, 0};
  return TokenOps(f, s).Sign(&m, key, ByteView(kMessage, sizeof(kMessage))).status();
}

// RSA-2048 signatures in this thread for `seconds` while a second thread signs with P-256 every 2 ms: every key
// use checks whether renewal is due, so whichever thread calls first renews: often this one, which calls more often.
Result<Stats> SignWhileDriving(Module& module, const Handles& h, double seconds) {
  std::atomic<bool> stop{false};
  Status driver_status;
  std::thread driver([&] {
    static const uint8_t kDigest[32] = {9};
    CK_MECHANISM m{CKM_ECDSA, nullptr, 0};
    TokenOps ops(module.f(), h.driver);
    // Bounded by the flag and by a generous count (2 ms apart: far more than any duration needs).
    for (int i = 0; i < 1000000 && !stop.load(); ++i) {
      auto sig = ops.Sign(&m, h.ec, ByteView(kDigest, sizeof(kDigest)));
      if (!sig.ok()) {
        driver_status = sig.status();
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  std::vector<double> lat;
  Status st;
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration<double>(seconds);
  while (Clock::now() < end && lat.size() < 10000000) {
    auto t0 = Clock::now();
    st = SignRsa(module.f(), h.signer, h.rsa);
    if (!st.ok()) break;
    lat.push_back(std::chrono::duration<double, std::nano>(Clock::now() - t0).count());
  }
  const double wall = std::chrono::duration<double>(Clock::now() - start).count();
  stop.store(true);
  driver.join();
  CF_RETURN_IF_ERROR(st);
  CF_RETURN_IF_ERROR(driver_status);
  return Summarise(lat, wall);
}

// Wipes the token, sets the PINs and makes the two signing keys, with certification off.
Status PrepareToken(Module& module, const CertificationOptions& c) {
  CF_RETURN_IF_ERROR(module.Reinitialize(Config(c, "CERTIFICATION_OFF", c.certifier)));
  CF_ASSIGN_OR_RETURN(CK_SLOT_ID slot, module.InitToken(kLabel, Pins(), true));
  CF_ASSIGN_OR_RETURN(CK_SESSION_HANDLE s, module.OpenSession(slot));
  CF_RETURN_IF_ERROR(module.Login(s, CKU_USER, Pins().user));
  TokenOps ops(module.f(), s);
  CF_RETURN_IF_ERROR(ops.GenerateRsa(kRsaLabel).status());
  return ops.GenerateEc(CKK_EC, kP256Params, kEcLabel).status();
}

double ThreadCpuNs() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

// Wall-clock and this thread's CPU time of the same operations. On a shared machine wall time counts whatever
// else ran meanwhile; CPU time does not, but misses waits (fsync, the service's answer).
struct Timed {
  Stats wall;
  Stats cpu;
};

// Runs op (timed) then after (untimed) for the run's duration, at least 3 times, at most 100 000.
Result<Timed> TimeWallAndCpu(Context& ctx, const Step& op, const Step& after = {}) {
  std::vector<double> wall, cpu;
  double wall_total = 0, cpu_total = 0;
  const auto give_up = Clock::now() + std::chrono::duration<double>(ctx.runner.duration_s() * 10 + 1);
  while (wall.size() < 100000) {
    if (wall.size() >= 3 && (wall_total >= ctx.runner.duration_s() * 1e9 || Clock::now() > give_up)) break;
    const double c0 = ThreadCpuNs();
    const auto t0 = Clock::now();
    Status st = op();
    const double w = std::chrono::duration<double, std::nano>(Clock::now() - t0).count();
    const double c = ThreadCpuNs() - c0;
    CF_RETURN_IF_ERROR(st);
    if (after) CF_RETURN_IF_ERROR(after());
    wall.push_back(w), cpu.push_back(c);
    wall_total += w, cpu_total += c;
  }
  return Timed{Summarise(wall, wall_total / 1e9), Summarise(cpu, cpu_total / 1e9)};
}

// C_Login timed (C_Logout untimed after each), after one untimed login that certifies when the mode wants it.
Result<Timed> TimeLogins(Context& ctx, Module& module, const std::string& config) {
  CF_ASSIGN_OR_RETURN(Handles h, LogIn(module, config));
  CK_FUNCTION_LIST* f = module.f();
  CF_RETURN_IF_ERROR(Ck(f->C_Logout(h.signer), "C_Logout"));
  const std::string pin = Pins().user;
  auto p = reinterpret_cast<CK_UTF8CHAR_PTR>(const_cast<char*>(pin.data()));
  return TimeWallAndCpu(
      ctx, [&] { return Ck(f->C_Login(h.signer, CKU_USER, p, pin.size()), "C_Login(USER)"); },
      [&] { return Ck(f->C_Logout(h.signer), "C_Logout"); });
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[(v.size() - 1) / 2];
}

// Rounds pooled: all operations over all timed seconds, the median of the rounds' medians, the worst p99.
struct Pooled {
  Stats total;
  double seconds = 0;
  std::vector<double> medians;
  void Add(const Stats& s) {
    total.count += s.count;
    seconds += s.ops_per_s > 0 ? static_cast<double>(s.count) / s.ops_per_s : 0;
    medians.push_back(s.median_us);
    total.p99_us = std::max(total.p99_us, s.p99_us);
  }
  Stats Get() const {
    Stats s = total;
    s.ops_per_s = seconds > 0 ? static_cast<double>(s.count) / seconds : 0;
    s.median_us = Median(medians);
    return s;
  }
};

Status RunThroughput(Context& ctx, Module& module) {
  const CertificationOptions& c = ctx.options.certification;
  // With a 1000 ms deadline the module renews about once a second (its pause between attempts), each time a full
  // certification with the short-lived service (its certificates expire ~4 s after issue).
  const std::string steady = Config(c, "CERTIFICATION_CACHED", c.certifier);
  // renewal_percent 100: the stored certificate is always in its renewal window, so the login certifies with the
  // short-lived service (not keeping the steady rounds' year-long certificate) and renewal is due once logged in.
  const std::string renewing = Config(c, "CERTIFICATION_CACHED", c.short_certifier,
                                      "certification_deadline_ms: 1000 certification_renewal_percent: 100");
  std::vector<double> ratios;
  Pooled without_all, with_all;
  const int admissions_before = Admissions(c.short_log);
  for (int round = 0; round < kThroughputRounds; ++round) {
    CF_ASSIGN_OR_RETURN(Handles a, LogIn(module, steady));
    CF_ASSIGN_OR_RETURN(Stats without, SignWhileDriving(module, a, c.renewal_seconds));
    CF_ASSIGN_OR_RETURN(Handles b, LogIn(module, renewing));
    CF_ASSIGN_OR_RETURN(Stats with, SignWhileDriving(module, b, c.renewal_seconds));
    ratios.push_back(without.ops_per_s > 0 ? with.ops_per_s / without.ops_per_s : 0);
    without_all.Add(without);
    with_all.Add(with);
  }
  // Each renewing round's login certified too; the rest happened while signing.
  const int renewals = Admissions(c.short_log) - admissions_before - kThroughputRounds;
  ctx.report.Row("cert_sign_rsa2048_steady", without_all.Get(), "cached, long-lived certificate, P-256 driver thread");
  ctx.report.Row("cert_sign_rsa2048_renewing", with_all.Get(), "cached, renewal due about every second");
  char rounds[96];
  std::snprintf(rounds, sizeof(rounds), "%d alternating rounds of %.1f s", kThroughputRounds, c.renewal_seconds);
  ctx.report.Value("cert_renewing_throughput_ratio", Median(ratios),
                   std::string("RSA-2048 ops/s renewing / steady, median of the ratios of ") + rounds);
  const double steady_ops = without_all.Get().ops_per_s;
  ctx.report.Value("cert_renewing_throughput_ratio_pooled", steady_ops > 0 ? with_all.Get().ops_per_s / steady_ops : 0,
                   std::string("the same from all signatures of the ") + rounds);
  char during[64];
  std::snprintf(during, sizeof(during), "renewals during %.1f s of signing while renewing", with_all.seconds);
  ctx.report.Value("cert_renewals", renewals, during);
  return Status::Ok();
}

// Rows for one timed thing: its wall-clock row and, as "<id>_cpu", its thread-CPU row.
void Rows(Context& ctx, const std::string& id, const Result<Timed>& t, const std::string& note) {
  if (!t.ok()) return ctx.report.NotApplicable(id, t.status().message());
  ctx.report.Row(id, t->wall, note);
  ctx.report.Row(id + "_cpu", t->cpu, "this thread's CPU time; " + note);
}

// (median login - median certification-off login) / median sign: the certification part in RSA-2048 signatures.
double PerSign(const Result<Timed>& login, const Timed& off, const Timed& sign, bool cpu) {
  if (!login.ok()) return -1;
  const Stats& l = cpu ? login->cpu : login->wall;
  const Stats& o = cpu ? off.cpu : off.wall;
  const Stats& s = cpu ? sign.cpu : sign.wall;
  return s.median_us > 0 ? (l.median_us - o.median_us) / s.median_us : -1;
}

}  // namespace

Status RunCertification(Context& ctx, Module& module) {
  const CertificationOptions& c = ctx.options.certification;
  CF_RETURN_IF_ERROR(PrepareToken(module, c));
  const std::string off = Config(c, "CERTIFICATION_OFF", c.certifier);
  CF_ASSIGN_OR_RETURN(Handles h, LogIn(module, off));
  // The reference and the certification-off login always run: every ratio needs them.
  auto sign = TimeWallAndCpu(ctx, [&] { return SignRsa(module.f(), h.signer, h.rsa); });
  Rows(ctx, "cert_sign_rsa2048", sign, "the reference: one RSA-2048 C_Sign on this token");
  CF_RETURN_IF_ERROR(sign.status());
  auto login_off = TimeLogins(ctx, module, off);
  Rows(ctx, "login_cert_off", login_off, "PIN KDF (1000 iterations) and store login only");
  CF_RETURN_IF_ERROR(login_off.status());
  if (ctx.Selected("login_cert_cached")) {
    auto cached = TimeLogins(ctx, module, Config(c, "CERTIFICATION_CACHED", c.certifier));
    Rows(ctx, "login_cert_cached", cached, "stored admission certificate checked");
    ctx.report.Value("cert_login_cached_per_sign", PerSign(cached, *login_off, *sign, true),
                     "(median CPU of C_Login cached - certification off) / median CPU of RSA-2048 C_Sign");
    ctx.report.Value("cert_login_cached_per_sign_wall", PerSign(cached, *login_off, *sign, false),
                     "the same from wall-clock medians");
  }
  if (ctx.Selected("login_cert_required")) {
    auto required = TimeLogins(ctx, module, Config(c, "CERTIFICATION_REQUIRED", c.certifier));
    Rows(ctx, "login_cert_required", required, "a full certification with cf-certifier on 127.0.0.1");
    ctx.report.Value("cert_login_required_per_sign", PerSign(required, *login_off, *sign, false),
                     "(median wall C_Login required - certification off) / median wall RSA-2048 C_Sign");
  }
  if (!ctx.Selected("cert_sign_rsa2048_renewing")) return Status::Ok();
  return RunThroughput(ctx, module);
}

}  // namespace cf::bench
