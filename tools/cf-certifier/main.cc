// cf-certifier: the Certifier Service daemon. Loads the policy key, its certificate and the signed policy, serves
// the framework's protocol on TCP with a worker pool, logs one line per request, stops cleanly on SIGTERM/SIGINT,
// and reads the three files again on SIGHUP (a policy rollout) without closing a connection. With --tdx-*-file,
// Intel's TDX collateral and CRLs (offline: the operator fetches them), also read again on SIGHUP, on their own.
// Stateless between requests (apart from the per-process replay cache), so replicas scale behind a TCP balancer.
#include <CLI/CLI.hpp>
#include <iostream>

#include "certifier/server.h"
#include "certifier/service.h"
#include "common/atomic_file.h"
#include "common/daemon.h"
#include "common/log.h"
#include "common/ossl_context.h"
#include "common/time_text.h"

namespace {

using namespace cf;

int Fail(const Status& s) {
  log::Error("cf-certifier: " + s.ToString());
  return 1;
}

struct PolicyFiles {
  std::string key, cert, policy;
};

// The policy key, its certificate and the signed policy, read into `options` (checked later by the Service).
Status ReadPolicyFiles(const PolicyFiles& files, certifier::ServiceOptions& options) {
  auto key = ReadFile(files.key, 1 << 20);
  if (!key.ok()) return key.status().Annotate("--policy-key-file");
  if (!options.policy_key.ParseFromArray(key->data(), static_cast<int>(key->size()))) {
    return Status(Code::kCorrupt, files.key + " is not a serialized key_message");
  }
  auto cert = ReadFile(files.cert, 1 << 20);
  if (!cert.ok()) return cert.status().Annotate("--policy-cert-file");
  options.policy_cert_der = *cert;
  auto policy = ReadFile(files.policy, 16 << 20);
  if (!policy.ok()) return policy.status().Annotate("--policy-file");
  options.signed_policy = *policy;
  return Status::Ok();
}

void WarnExpired(const certifier::TdxCollateralSet& set) {
  for (const std::string& line : set.Expired(NowSeconds())) log::Warning("cf-certifier: TDX collateral " + line);
}

// SIGHUP for the TDX collateral: read and checked whole, apart from the policy (a refused one keeps the set in force,
// whatever happened to the policy).
void ReloadTdx(certifier::Service& service, const certifier::TdxCollateralFiles& files) {
  if (files.empty()) return;
  auto set = certifier::LoadTdxCollateral(files, NowSeconds());
  if (!set.ok()) {
    log::Error("cf-certifier: SIGHUP: new TDX collateral refused, the set in force stays: " + set.status().ToString());
    return;
  }
  service.SetTdxCollateral(*set);
  log::Warning("cf-certifier: SIGHUP: TDX collateral reloaded: " + (*set)->Describe());
  WarnExpired(**set);
}

// SIGHUP: the same files read again and checked whole; the set in force is replaced only when all of it holds.
void Reload(certifier::Service& service, const PolicyFiles& files, certifier::ServiceOptions options) {
  Status read = ReadPolicyFiles(files, options);
  Status loaded = read.ok() ? service.Reload(options, NowSeconds()) : read;
  if (!loaded.ok()) {
    log::Error("cf-certifier: SIGHUP: new policy refused, the one in force stays: " + loaded.ToString());
    return;
  }
  log::Warning("cf-certifier: SIGHUP: policy reloaded from " + files.policy + ", " +
               std::to_string(service.policy()->statements().size()) + " policy statements");
}

}  // namespace

int main(int argc, char** argv) {
  if (cf::Status ctx = cf::ossl::OpenLibCtx(); !ctx.ok()) {
    std::cerr << "cf-certifier: " << ctx.ToString() << "\n";
    return 1;
  }
  CLI::App app{"cf-certifier: Certifier Service (the Certifier Framework's protocol)"};
  PolicyFiles files;
  std::string host = "127.0.0.1", log_file, log_level = "info";
  int port = 8123, workers = 2, deadline_ms = 5000, freshness = 300, validity_days = 365;
  int64_t validity_seconds = 0, clock_offset = 0;
  size_t max_bytes = 1u << 20, max_connections = 512;
  bool require_nonce = false;
  certifier::TdxCollateralFiles tdx_files;
  app.add_option("--policy-key-file", files.key, "policy key (serialized key_message, private)")->required();
  app.add_option("--policy-cert-file", files.cert, "policy certificate (DER or PEM)")->required();
  app.add_option("--policy-file", files.policy,
                 "signed policy (cf-policy compile); all three files are read again on SIGHUP")
      ->required();
  app.add_option("--host", host, "address to listen on");
  app.add_option("--port", port, "TCP port (0: any free port, printed on stderr)")->check(CLI::Range(0, 65535));
  app.add_option("--workers", workers, "worker threads")->check(CLI::Range(1, 256));
  app.add_option("--max-message-bytes", max_bytes, "largest request accepted")->check(CLI::Range(64, 1 << 24));
  app.add_option("--deadline-ms", deadline_ms, "time to receive a whole request, and again to send the reply")
      ->check(CLI::Range(10, 600000));
  app.add_option("--max-connections", max_connections,
                 "client connections open at once; past it the oldest idle one is dropped (lowered to fit "
                 "RLIMIT_NOFILE)")
      ->check(CLI::Range(1, 1000000));
  app.add_option("--freshness-seconds", freshness, "how far attested time may be from ours")
      ->check(CLI::Range(1, 86400));
  app.add_option("--admission-validity-days", validity_days, "unless the policy says")->check(CLI::Range(1, 36500));
  // Certificates issued back-date not_before by 60 s (clock skew), so a validity must exceed 60 s to be valid now.
  app.add_option("--admission-validity-seconds", validity_seconds,
                 "overrides --admission-validity-days (renewal tests and demos; includes the 60 s back-dating)")
      ->check(CLI::Range(int64_t{61}, int64_t{36500} * 86400));
  app.add_option("--admission-clock-offset-seconds", clock_offset,
                 "shift issued certificates' validity by N s, as a service whose clock is off would (tests only)")
      ->check(CLI::Range(int64_t{-36500} * 86400, int64_t{36500} * 86400));
  app.add_flag("--require-nonce", require_nonce, "refuse evidence without a nonce");
  app.add_option("--tdx-tcb-info-file", tdx_files.tcb_info,
                 "Intel TDX: TCB info JSON (PCS /tdx/certification/v4/tcb) for an FMSPC; repeat for each FMSPC. With "
                 "--tdx-qe-identity-file and --tdx-tcb-chain-file, TDX quotes get tcb-status etc. (read again on "
                 "SIGHUP)");
  app.add_option("--tdx-qe-identity-file", tdx_files.qe_identity,
                 "Intel TDX: TD QE identity JSON (PCS /tdx/certification/v4/qe/identity)");
  app.add_option("--tdx-tcb-chain-file", tdx_files.tcb_chain,
                 "Intel TDX: the TCB-Info-Issuer-Chain PEM (TCB Signing certificate, then the root)");
  app.add_option("--tdx-crl-file", tdx_files.crls,
                 "Intel TDX: a CRL (DER or PEM); repeat: the PCK Platform/Processor CA CRL and the Intel SGX Root CA "
                 "CRL. With CRLs the PCK chain is checked for revocation (read again on SIGHUP)");
  app.add_option("--log-file", log_file, "append log lines here (default stderr)");
  app.add_option("--log-level", log_level, "error, warning, info, debug");
  CLI11_PARSE(app, argc, argv);

  if (Status logging = daemon::StartLog("cf-certifier", log_level, log_file); !logging.ok()) return Fail(logging);
  const sigset_t stop = daemon::BlockStopSignals(/*reload=*/true);

  certifier::ServiceOptions options;
  if (Status read = ReadPolicyFiles(files, options); !read.ok()) return Fail(read);
  options.freshness_seconds = freshness;
  options.admission_validity_seconds = validity_seconds > 0 ? validity_seconds : int64_t{validity_days} * 24 * 3600;
  options.admission_clock_offset_seconds = clock_offset;
  options.require_nonce = require_nonce;
  if (!tdx_files.empty()) {
    auto tdx = certifier::LoadTdxCollateral(tdx_files, NowSeconds());
    if (!tdx.ok()) return Fail(tdx.status());
    options.tdx_collateral = *tdx;
    log::Warning("cf-certifier: TDX collateral: " + (*tdx)->Describe());
    WarnExpired(**tdx);
  }
  auto service = certifier::Service::Create(options, NowSeconds());
  if (!service.ok()) return Fail(service.status());

  certifier::ServerOptions server_options;
  server_options.host = host;
  server_options.port = static_cast<uint16_t>(port);
  server_options.workers = workers;
  server_options.max_message_bytes = max_bytes;
  server_options.deadline_ms = deadline_ms;
  server_options.max_connections = max_connections;
  auto server = certifier::Server::Create(service->get(), server_options);
  if (!server.ok()) return Fail(server.status());
  (*server)->Start();
  log::Warning("cf-certifier: listening on " + host + ":" + std::to_string((*server)->port()) + " with " +
               std::to_string(workers) + " workers, at most " + std::to_string((*server)->max_connections()) +
               " connections, " + std::to_string((*service)->policy()->statements().size()) + " policy statements");
  std::string sig;
  while ((sig = daemon::WaitForStopSignal(stop)) == "SIGHUP") {
    Reload(**service, files, options);
    ReloadTdx(**service, tdx_files);
  }
  log::Warning(std::string("cf-certifier: stopping on ") + sig + " after " + std::to_string((*server)->admitted()) +
               " admitted, " + std::to_string((*server)->denied()) + " denied, " +
               std::to_string((*server)->dropped()) + " connections dropped without an answer");
  (*server)->Stop();
  return 0;
}
