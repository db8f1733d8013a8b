// cf-attest: look at AMD SEV-SNP reports and Intel TDX quotes. `display FILE` prints every field; `verify REPORT
// --vcek --ask --ark` checks an SNP chain and report signature, `verify QUOTE [--crl ...] [--tcb-info ...]` a TDX
// quote (tdx_command.cc), and each says why it fails. Exit status 0 only when valid.
// `platform-key --platform-dir DIR --out FILE` exports the simulated platform's public key for cf-policy.
// `report` fetches a report on this SEV-SNP guest (report_command.cc). `tpm-quote`, `tpm-display`, `tpm-verify`:
// TPM 2.0 quote evidence (tpm_command.cc).
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>

#include "attest/enclave.h"
#include "attest/sev_snp/report.h"
#include "attest/verify_sev.h"
#include "common/atomic_file.h"
#include "common/ossl_context.h"
#include "common/time_text.h"
#include "tools/cf-attest/report_command.h"
#include "tools/cf-attest/tdx_command.h"
#include "tools/cf-attest/tpm_command.h"

namespace {

using namespace cf;

int Fail(const std::string& what, const Status& s) {
  std::cout << "verdict: INVALID\nreason: " << what << ": " << s.message() << "\n";
  return 1;
}

Result<ossl::X509Ptr> LoadCert(const std::string& path) {
  CF_ASSIGN_OR_RETURN(Bytes data, ReadFile(path, 1 << 20));
  return attest::ParseCertificate(data);
}

// The public platform key of a simulated platform: the signer of its "attestKey is-trusted-for-attestation"
// claim, the first item of its platform evidence. Written as a serialized key_message (cf-policy's input).
int ExportPlatformKey(const std::string& platform_dir, const std::string& out) {
  attest::EnclaveOptions options;
  options.directory = platform_dir;
  options.create_if_missing = false;
  auto enclave = attest::OpenEnclave(options);
  if (!enclave.ok()) {
    std::cerr << "cf-attest: opening the simulated platform in '" << platform_dir
              << "': " << enclave.status().ToString()
              << " (give the token's platform directory, e.g. <token-dir>/platform, "
              << "after cf-osutility --init-trust)\n";
    return 2;
  }
  auto evidence = (*enclave)->PlatformEvidence();
  wire::signed_claim_message claim;
  if (!evidence.ok() || evidence->empty() || !claim.ParseFromString((*evidence)[0].serialized_evidence()) ||
      !claim.has_signing_key()) {
    std::cerr << "cf-attest: the platform in '" << platform_dir << "' has no platform claim with a signing key"
              << (evidence.ok() ? "" : ": " + evidence.status().ToString()) << "\n";
    return 3;
  }
  Status written = WriteFileAtomic(out, AsBytes(claim.signing_key().SerializeAsString()), 0644);
  if (!written.ok()) {
    std::cerr << "cf-attest: writing --out '" << out << "': " << written.ToString() << "\n";
    return 3;
  }
  std::cerr << "cf-attest: wrote the platform key (" << claim.signing_key().key_type() << ") of '" << platform_dir
            << "' to " << out << "; use it as cf-policy's trust-platform-key\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // The TSS would print TPM errors on stderr beside our own message about them; a user's own TSS2_LOG wins. Here,
  // before any thread exists, setenv is safe (the module never calls it: attest/tpm/tpm_context.h).
  setenv("TSS2_LOG", "all+NONE", 0);
  if (cf::Status ctx = cf::ossl::OpenLibCtx(); !ctx.ok()) {
    std::cerr << "cf-attest: " << ctx.ToString() << "\n";
    return 1;
  }
  CLI::App app{
      "cf-attest: fetch, display and verify AMD SEV-SNP attestation reports, display and verify Intel TDX quotes; "
      "export a simulated platform key"};
  app.require_subcommand(1);
  std::string report_path, vcek, ask, ark;
  auto* display = app.add_subcommand("display", "print every field of an SNP report or a TDX quote");
  display->add_option("REPORT", report_path, "raw 0x4A0-byte SNP report, or a TDX quote (v4/v5)")->required();
  auto* verify = app.add_subcommand(
      "verify",
      "SNP: check the ARK -> ASK -> VCEK chain and the report signature; TDX: the PCK chain to the pinned "
      "Intel root, QE report, binding, quote signature, and the TCB status from collateral files");
  verify->add_option("REPORT", report_path, "raw 0x4A0-byte SNP report, or a TDX quote")->required();
  verify->add_option("--vcek", vcek, "SNP: VCEK certificate (DER or PEM)");
  verify->add_option("--ask", ask, "SNP: ASK certificate");
  verify->add_option("--ark", ark, "SNP: ARK certificate (the root you trust)");
  tools::TdxVerifyCommand tdx;
  verify->add_option("--root-sha256", tdx.root_sha256, "TDX: the root's DER SHA-256 (default: Intel SGX Root CA)");
  verify->add_option("--crl", tdx.crls, "TDX: a CRL (DER/PEM); give the PCK CA's and the root CA's");
  verify->add_option("--tcb-info", tdx.tcb_info, "TDX: Intel's TCB info JSON for the PCK's FMSPC");
  verify->add_option("--qe-identity", tdx.qe_identity, "TDX: Intel's TD QE identity JSON");
  verify->add_option("--tcb-chain", tdx.tcb_chain, "TDX: the TCB-Info-Issuer-Chain PEM (TCB Signing, root)");
  verify->add_option("--at", tdx.at, "TDX: verify at this RFC 3339 time instead of now");
  std::string platform_dir, key_out;
  auto* platform_key =
      app.add_subcommand("platform-key",
                         "write the simulated platform's public key (serialized key_message) for cf-policy's "
                         "trust-platform-key line");
  platform_key->add_option("--platform-dir", platform_dir, "the platform state directory (<token-dir>/platform)")
      ->required();
  platform_key->add_option("--out", key_out, "where to write the key")->required();
  tools::ReportCommand fetch;
  auto* report_cmd = app.add_subcommand(
      "report",
      "fetch a report on this SEV-SNP guest (configfs-tsm, else /dev/sev-guest) and print every field; "
      "exit 4 when this is not an SEV-SNP guest");
  report_cmd->add_option("--out", fetch.out, "write the raw 0x4A0-byte report here");
  report_cmd->add_option("--certs-dir", fetch.certs_dir, "write the host's vcek.der, ask.der, ark.der here");
  report_cmd->add_option("--report-data", fetch.report_data, "REPORT_DATA in hex, up to 64 bytes (default: random)");
  report_cmd->add_option("--tsm-root", fetch.tsm_root, "configfs-tsm report directory")
      ->default_str("/sys/kernel/config/tsm/report");
  report_cmd->add_option("--device", fetch.device, "the sev-guest device")->default_str("/dev/sev-guest");
  report_cmd->add_option("--vmpl", fetch.vmpl, "the VMPL to ask for (default: the kernel's floor, or 0)");
  tools::TpmCommands tpm;
  tools::AddTpmCommands(app, tpm);
  CLI11_PARSE(app, argc, argv);
  if (int rc = tools::RunTpmCommands(tpm); rc >= 0) return rc;
  if (*platform_key) return ExportPlatformKey(platform_dir, key_out);
  if (*report_cmd) return tools::RunReport(fetch);

  auto raw = ReadFile(report_path, 1 << 20);
  if (!raw.ok()) {
    std::cerr << "cf-attest: " << raw.status().ToString() << "\n";
    return 2;
  }
  if (tools::LooksLikeTdxQuote(*raw)) {
    return *display ? tools::DisplayTdxQuote(*raw) : tools::VerifyTdxQuoteCommand(*raw, tdx);
  }
  if (*display) {
    auto report = attest::snp::ParseReport(*raw);
    if (!report.ok()) {
      std::cerr << "cf-attest: " << report.status().ToString() << "\n";
      return 2;
    }
    std::cout << attest::snp::DescribeReport(*report);
    return 0;
  }
  if (vcek.empty() || ask.empty() || ark.empty()) {
    std::cerr << "cf-attest: verifying an SNP report needs --vcek, --ask and --ark\n";
    return 2;
  }
  auto ark_cert = LoadCert(ark);
  if (!ark_cert.ok()) return Fail("ARK " + ark, ark_cert.status());
  auto ask_cert = LoadCert(ask);
  if (!ask_cert.ok()) return Fail("ASK " + ask, ask_cert.status());
  auto vcek_cert = LoadCert(vcek);
  if (!vcek_cert.ok()) return Fail("VCEK " + vcek, vcek_cert.status());
  Status chain = attest::VerifySevChain(ark_cert->get(), ask_cert->get(), vcek_cert->get(), NowSeconds());
  if (!chain.ok()) return Fail("certificate chain", chain);
  std::cout << "chain: ARK self-signed, ASK signed by ARK, VCEK signed by ASK: ok\n";
  auto report = attest::VerifySevReport(*raw, vcek_cert->get());
  if (!report.ok()) return Fail("report", report.status());
  std::cout << "report: ECDSA P-384/SHA-384 signature by the VCEK over bytes 0x000-0x29F: ok\n"
            << "report: reported TCB and chip id match the VCEK: ok\n"
            << "measurement: " << HexEncode(ByteView(report->measurement.data(), 48)) << "\n"
            << "verdict: VALID\n";
  return 0;
}
