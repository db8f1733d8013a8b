// p11bench: times the operations of issue 7 through any PKCS#11 module (--module PATH) or directly through OpenSSL
// EVP (--openssl), one tab-separated row per benchmark on stdout. It initialises the module's first token itself,
// so point it only at a scratch token: C_InitToken wipes what the token held.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <sstream>

#include "bench/p11bench/bench_context.h"
#include "bench/p11bench/cert_login.h"
#include "bench/p11bench/cold_start.h"
#include "bench/p11bench/module.h"
#include "bench/p11bench/openssl_backend.h"
#include "bench/p11bench/p11_crypto.h"
#include "bench/p11bench/p11_objects.h"

namespace {

using cf::Status;

std::string SelfExe() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  return n > 0 ? std::string(buf, n) : std::string();
}

cf::Result<std::vector<int>> ParseCounts(const std::string& text) {
  std::vector<int> counts;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    try {
      int n = std::stoi(item);
      if (n <= 0) throw std::out_of_range("not positive");
      counts.push_back(n);
    } catch (const std::exception&) {
      return Status(cf::Code::kInvalidArgument, "--objects takes positive counts like 100,1000; got '" + item + "'");
    }
  }
  return counts;
}

Status RunModule(cf::bench::Context& ctx) {
  using namespace cf::bench;
  CF_ASSIGN_OR_RETURN(auto module, Module::Load(ctx.options.module));
  if (!ctx.options.certification.token_dir.empty()) {
    ctx.report.Header(ctx.options.module + " (certification on C_Login)");
    return RunCertification(ctx, *module);
  }
  CK_INFO info{};
  module->f()->C_GetInfo(&info);
  std::string maker(reinterpret_cast<const char*>(info.manufacturerID), sizeof(info.manufacturerID));
  maker.erase(maker.find_last_not_of(' ') + 1);
  ctx.report.Header(ctx.options.module + " (" + maker + " " + std::to_string(info.libraryVersion.major) + "." +
                    std::to_string(info.libraryVersion.minor) + ")");
  Pins pins;
  CF_ASSIGN_OR_RETURN(CK_SLOT_ID slot, module->InitToken(ctx.options.token_label, pins, ctx.options.reinit));
  CF_ASSIGN_OR_RETURN(CK_SESSION_HANDLE session, module->OpenSession(slot));
  CF_RETURN_IF_ERROR(module->Login(session, CKU_USER, pins.user));
  TokenOps ops(module->f(), session);
  CF_RETURN_IF_ERROR(RunP11Crypto(ctx, *module, slot, ops));
  CF_RETURN_IF_ERROR(RunP11Objects(ctx, *module, slot, ops, SelfExe()));
  return Status::Ok();
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"p11bench: a PKCS#11 module (or OpenSSL directly) timed on the operations of issue 7"};
  cf::bench::Options o;
  std::string counts = "100,1000,5000,10000";
  size_t min_ops = 3, max_ops = 1000000;
  bool cold_child = false;
  cf::bench::ColdRequest cold;
  auto* module_opt =
      app.add_option("--module", o.module, "PKCS#11 module to load (its first, uninitialised, token is initialised)");
  auto* openssl_opt = app.add_flag("--openssl", o.openssl, "time OpenSSL EVP directly instead of a module");
  module_opt->excludes(openssl_opt);
  app.add_option("--duration", o.duration_s, "timed seconds per benchmark")->check(CLI::Range(0.001, 3600.0));
  app.add_option("--objects", counts, "object counts at which create/destroy are timed (comma-separated)");
  app.add_option("--find-objects", o.find_objects, "object count for find-by-label and the fresh-process start")
      ->check(CLI::PositiveNumber);
  app.add_option("--rss-objects", o.rss_objects, "object count for the peak RSS measurement")
      ->check(CLI::PositiveNumber);
  app.add_option("--populate-budget", o.populate_budget_s,
                 "most seconds spent creating the objects the token grows by (a slow module stops early)");
  app.add_option("--only", o.only, "comma-separated benchmark id prefixes to run");
  app.add_flag("--reinit", o.reinit, "wipe the first token even if it is already initialised");
  app.add_option("--token-label", o.token_label, "label given to the token by C_InitToken");
  app.add_option("--min-ops", min_ops, "fewest timed operations per benchmark");
  app.add_option("--max-ops", max_ops, "most timed operations per benchmark");
  app.add_flag("--cold-child", cold_child, "internal: the fresh process of cold_start/peak_rss");
  app.add_option("--find-label", cold.find_label, "internal: label the fresh process finds");
  app.add_flag("--enumerate", cold.enumerate, "internal: the fresh process also lists every object");
  auto& c = o.certification;
  app.add_option("--cert-token-dir", c.token_dir,
                 "certification figures only (our module): token directory with a trusted simulated platform")
      ->needs(module_opt);
  app.add_option("--certifier", c.certifier, "certification: HOST:PORT of a cf-certifier (long-lived certificates)");
  app.add_option("--short-certifier", c.short_certifier,
                 "certification: HOST:PORT of a cf-certifier whose certificates are due for renewal at once");
  app.add_option("--short-certifier-log", c.short_log, "certification: that cf-certifier's --log-file");
  app.add_option("--policy-cert", c.policy_cert, "certification: the policy certificate (cf-policy make-key)");
  app.add_option("--renewal-seconds", c.renewal_seconds, "certification: timed seconds per throughput round")
      ->check(CLI::Range(0.05, 600.0));
  CLI11_PARSE(app, argc, argv);

  if (cold_child) {
    cold.module = o.module;
    cold.token_label = o.token_label;
    cold.pin = cf::bench::Pins().user;
    return cf::bench::ColdChildMain(cold);
  }
  if (!o.openssl && o.module.empty()) {
    std::fprintf(stderr, "p11bench: give --module PATH or --openssl\n");
    return 2;
  }
  auto parsed = ParseCounts(counts);
  if (!parsed.ok()) {
    std::fprintf(stderr, "p11bench: %s\n", parsed.status().message().c_str());
    return 2;
  }
  o.object_counts = *parsed;
  cf::bench::Runner runner(o.duration_s, min_ops, max_ops);
  cf::bench::Report report(stdout);
  cf::bench::Context ctx{o, runner, report};
  Status st = o.openssl ? cf::bench::RunOpenssl(ctx) : RunModule(ctx);
  if (!st.ok()) {
    std::fprintf(stderr, "p11bench: %s\n", st.message().c_str());
    return 1;
  }
  return 0;
}
