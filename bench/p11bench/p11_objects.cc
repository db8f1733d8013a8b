// Object and session benchmarks. The token grows through the configured counts (data objects "obj-NNNNNN", 32-byte
// private values); at each count creation and destruction are timed with the count held constant.
#include "bench/p11bench/p11_objects.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <random>
#include <set>

#include "bench/p11bench/cold_start.h"

namespace cf::bench {
namespace {

std::string ObjectLabel(int i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "obj-%06d", i);
  return buf;
}

const Bytes kValue(32, 0xa5);

bool ObjectBench(const std::string& id) { return id.rfind("session", 0) != 0 && id != "login_user"; }

// Accumulates the time spent creating the population.
class Stopwatch {
 public:
  void Start() { t0_ = std::chrono::steady_clock::now(); }
  void Stop() { total_ += std::chrono::steady_clock::now() - t0_; }
  double elapsed_s() const { return std::chrono::duration<double>(total_).count(); }

 private:
  std::chrono::steady_clock::time_point t0_;
  std::chrono::steady_clock::duration total_{};
};

}  // namespace

Status RunP11Objects(Context& ctx, Module& module, CK_SLOT_ID slot, TokenOps& ops, const std::string& self_exe) {
  const Options& o = ctx.options;
  Pins pins;
  if (ctx.Selected("session_open_close")) {
    ctx.report.Outcome("session_open_close", ctx.runner.Time([&] {
      CF_ASSIGN_OR_RETURN(CK_SESSION_HANDLE s, module.OpenSession(slot));
      return Ck(module.f()->C_CloseSession(s), "C_CloseSession");
    }));
  }
  if (ctx.Selected("login_user")) {
    // Logging out ends the login of every session of this application, so log in again afterwards.
    Result<Stats> r = ctx.runner.Time([&] { return module.Login(ops.session(), CKU_USER, pins.user); },
                                      [&] { return Ck(module.f()->C_Logout(ops.session()), "C_Logout"); });
    CF_RETURN_IF_ERROR(module.Login(ops.session(), CKU_USER, pins.user));
    ctx.report.Outcome("login_user", r, "C_Login(USER) with the certification the token is configured for");
  }

  std::vector<int> counts = o.object_counts;
  for (int extra : {o.find_objects, o.rss_objects}) {
    if (std::find(counts.begin(), counts.end(), extra) == counts.end()) counts.push_back(extra);
  }
  std::sort(counts.begin(), counts.end());
  bool any_object_bench = false;
  for (const auto& id : TokenIds(o)) any_object_bench |= ObjectBench(id) && ctx.Selected(id);
  if (!any_object_bench) return Status::Ok();

  int present = 0;
  Stopwatch populate;
  std::set<std::string> reported;  // ids already given a row, so a budget stop does not repeat them
  std::mt19937 rng(7);
  for (int count : counts) {
    // Grow the token to count objects (untimed; this is the slow part of a run on a durable token). A module whose
    // creation slows with its size (SoftHSMv2 rescans its object files) could take hours, hence the budget.
    Status grown = Status::Ok();
    for (; present < count && grown.ok(); ++present) {
      if (populate.elapsed_s() > o.populate_budget_s) {
        grown = Status(Code::kResourceExhausted,
                       "populating stopped at " + std::to_string(present) + " objects after " +
                           std::to_string(static_cast<int>(o.populate_budget_s)) + " s (--populate-budget)");
        break;
      }
      populate.Start();
      Result<CK_OBJECT_HANDLE> h = ops.CreateData(ObjectLabel(present), kValue);
      populate.Stop();
      if (!h.ok()) grown = h.status().Annotate("populating " + std::to_string(count));
    }
    if (!grown.ok()) {
      for (const auto& id : TokenIds(o)) {
        if (ObjectBench(id) && ctx.Selected(id) && !reported.count(id)) ctx.report.NotApplicable(id, grown.message());
      }
      return Status::Ok();
    }
    const std::string at = "_at_" + std::to_string(count);
    const bool listed = std::find(o.object_counts.begin(), o.object_counts.end(), count) != o.object_counts.end();
    if (listed && (ctx.Selected("create_object" + at) || ctx.Selected("destroy_object" + at))) {
      auto made = std::make_shared<std::vector<CK_OBJECT_HANDLE>>();
      int serial = 0;
      Result<Stats> create = ctx.runner.Time([&] {
        CF_ASSIGN_OR_RETURN(CK_OBJECT_HANDLE h, ops.CreateData("tmp-" + std::to_string(serial++), kValue));
        made->push_back(h);
        return Status::Ok();
      });
      ctx.report.Outcome("create_object" + at, create, "durable token data object");
      reported.insert("create_object" + at);
      // Destroy what creation made; when that runs out, make one more untimed.
      Result<Stats> destroy = ctx.runner.Time(
          [&] {
            CK_OBJECT_HANDLE h = made->back();
            made->pop_back();
            return ops.Destroy(h);
          },
          [&]() -> Status {
            if (!made->empty()) return Status::Ok();
            CF_ASSIGN_OR_RETURN(CK_OBJECT_HANDLE h, ops.CreateData("tmp-" + std::to_string(serial++), kValue));
            made->push_back(h);
            return Status::Ok();
          });
      ctx.report.Outcome("destroy_object" + at, destroy);
      reported.insert("destroy_object" + at);
      for (CK_OBJECT_HANDLE h : *made) CF_RETURN_IF_ERROR(ops.Destroy(h));
    }
    if (count == o.find_objects && ctx.Selected("find_label" + at)) {
      Result<Stats> r = [&]() -> Result<Stats> {
        CF_ASSIGN_OR_RETURN(auto once, ops.FindByLabel(ObjectLabel(count / 2)));
        if (once.size() != 1) {
          return Status(Code::kInternal, "find by label returned " + std::to_string(once.size()) + " objects, not 1");
        }
        return ctx.runner.Time([&]() -> Status {
          std::uniform_int_distribution<int> pick(0, count - 1);
          return ops.FindByLabel(ObjectLabel(pick(rng))).status();
        });
      }();
      ctx.report.Outcome("find_label" + at, r, "C_FindObjectsInit + C_FindObjects + C_FindObjectsFinal");
      reported.insert("find_label" + at);
    }
    if (count == o.find_objects && ctx.Selected("cold_start" + at)) {
      ColdRequest req{o.module, o.token_label, pins.user, ObjectLabel(count - 1), false};
      Result<Stats> r = ctx.runner.TimeReported([&]() -> Result<double> {
        CF_ASSIGN_OR_RETURN(ColdFigures fig, RunColdChild(self_exe, req));
        if (fig.found != 1) return Status(Code::kInternal, "fresh process found " + std::to_string(fig.found));
        return fig.ns;
      });
      ctx.report.Outcome("cold_start" + at, r, "dlopen + C_Initialize + C_OpenSession + C_Login + first find");
      reported.insert("cold_start" + at);
    }
    if (count == o.rss_objects && ctx.Selected("peak_rss" + at)) {
      ColdRequest req{o.module, o.token_label, pins.user, ObjectLabel(0), true};
      Result<ColdFigures> fig = RunColdChild(self_exe, req);
      if (!fig.ok()) {
        ctx.report.NotApplicable("peak_rss" + at, fig.status().message());
      } else {
        ctx.report.Value("peak_rss" + at, static_cast<double>(fig->peak_rss_kib) / 1024.0,
                         "MiB VmHWM of a fresh process after login, a find and listing " +
                             std::to_string(fig->objects) + " objects");
      }
    }
  }
  return Status::Ok();
}

}  // namespace cf::bench
