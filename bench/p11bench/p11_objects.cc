// Object and session benchmarks. The token grows through the configured counts (data objects "obj-NNNNNN", 32-byte
// private values); at each count creation and destruction are timed with the count held constant.
#include "bench/p11bench/p11_objects.h"

#include <algorithm>
#include <cstdio>
#include <memory>
#include <random>

#include "bench/p11bench/cold_start.h"

namespace cf::bench {
namespace {

std::string ObjectLabel(int i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "obj-%06d", i);
  return buf;
}

const Bytes kValue(32, 0xa5);

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
  for (const auto& id : TokenIds(o)) any_object_bench |= id.rfind("session", 0) != 0 && id != "login_user" && ctx.Selected(id);
  if (!any_object_bench) return Status::Ok();

  int present = 0;
  std::mt19937 rng(7);
  for (int count : counts) {
    // Grow the token to count objects (untimed; this is the slow part of a run on a durable token).
    for (; present < count; ++present) {
      Result<CK_OBJECT_HANDLE> h = ops.CreateData(ObjectLabel(present), kValue);
      if (!h.ok()) {
        for (const auto& id : TokenIds(o)) {
          if (id.rfind("session", 0) != 0 && id != "login_user" && ctx.Selected(id)) {
            ctx.report.NotApplicable(id, h.status().message() + " (populating " + std::to_string(count) + ")");
          }
        }
        return Status::Ok();
      }
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
    }
    if (count == o.find_objects && ctx.Selected("cold_start" + at)) {
      ColdRequest req{o.module, o.token_label, pins.user, ObjectLabel(count - 1), false};
      Result<Stats> r = ctx.runner.TimeReported([&]() -> Result<double> {
        CF_ASSIGN_OR_RETURN(ColdFigures fig, RunColdChild(self_exe, req));
        if (fig.found != 1) return Status(Code::kInternal, "fresh process found " + std::to_string(fig.found));
        return fig.ns;
      });
      ctx.report.Outcome("cold_start" + at, r, "dlopen + C_Initialize + C_OpenSession + C_Login + first find");
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
