// The TDX paths of cf-attest: the same attest/verify_tdx and attest/tdx/collateral the certifier uses, so what
// this accepts is what the certifier accepts. Bytes after the quote are shown and ignored here (a stored quote may
// carry padding); the certifier refuses them.
#include "tools/cf-attest/tdx_command.h"

#include <iostream>

#include "attest/tdx/collateral.h"
#include "attest/tdx/quote.h"
#include "attest/verify_tdx.h"
#include "common/atomic_file.h"
#include "common/time_text.h"

namespace cf::tools {
namespace {

int Invalid(const std::string& what, const Status& s) {
  std::cout << "verdict: INVALID\nreason: " << what << ": " << s.message() << "\n";
  return 1;
}

int BadArgument(const std::string& message) {
  std::cerr << "cf-attest: " << message << "\n";
  return 2;
}

}  // namespace

bool LooksLikeTdxQuote(ByteView raw) {
  return raw.size() >= 8 && (raw[0] == 4 || raw[0] == 5) && raw[1] == 0 && raw[4] == 0x81 && raw[5] == 0 &&
         raw[6] == 0 && raw[7] == 0;
}

int DisplayTdxQuote(ByteView raw) {
  auto quote = attest::tdx::ParseQuote(raw);
  if (!quote.ok()) return BadArgument(quote.status().ToString());
  std::cout << attest::tdx::DescribeQuote(*quote);
  return 0;
}

int VerifyTdxQuoteCommand(ByteView raw, const TdxVerifyCommand& command) {
  attest::TdxVerifyOptions options;
  options.now = NowSeconds();
  options.allow_trailing_bytes = true;
  if (!command.at.empty()) {
    auto at = ParseTime(command.at);
    if (!at.ok()) return BadArgument("--at: " + at.status().message());
    options.now = *at;
  }
  if (!command.root_sha256.empty()) {
    auto pin = HexDecode(command.root_sha256);
    if (!pin.ok() || pin->size() != 32) return BadArgument("--root-sha256 is not 32 bytes of hex");
    options.root_sha256 = *pin;
  }
  for (const std::string& path : command.crls) {
    auto crl = ReadFile(path, 16 << 20);
    if (!crl.ok()) return BadArgument("--crl " + path + ": " + crl.status().ToString());
    options.crls.push_back(*crl);
  }
  const int collateral_given = !command.tcb_info.empty() + !command.qe_identity.empty() + !command.tcb_chain.empty();
  if (collateral_given != 0 && collateral_given != 3) {
    return BadArgument("give all of --tcb-info, --qe-identity and --tcb-chain, or none");
  }
  std::cout << "verification time: " << FormatTime(options.now) << "\n";
  auto verified = attest::VerifyTdxQuote(raw, options);
  if (!verified.ok()) return Invalid("quote", verified.status());
  const attest::tdx::Quote& q = verified->quote;
  if (q.trailing_bytes != 0) {
    std::cout << "note: " << q.trailing_bytes << " bytes after the quote's end ignored (not signed)\n";
  }
  std::cout << "chain: PCK certificate -> " << verified->pck_issuer << " -> root with the pinned SHA-256 "
            << (command.root_sha256.empty() ? attest::kIntelSgxRootCaSha256 : command.root_sha256)
            << ": ok (revocation "
            << (verified->revocation_checked ? "checked against the CRLs given" : "not checked: no --crl") << ")\n"
            << "qe report: ECDSA P-256 signature by the PCK key: ok\n"
            << "qe report: REPORTDATA binds the attestation key and QE authentication data: ok\n"
            << "quote: ECDSA P-256 signature by the attestation key over header and TD report: ok\n"
            << "pck: FMSPC " << HexEncode(verified->pck.fmspc) << ", PCESVN " << verified->pck.pce_svn
            << ", SGX TCB components " << HexEncode(verified->pck.sgx_tcb_components) << "\n"
            << "mrtd: " << HexEncode(q.body.mr_td) << "\n"
            << "td debug: " << (q.body.debug() ? "YES (its state is open to the host)" : "no") << "\n";
  if (collateral_given == 3) {
    attest::tdx::Collateral collateral;
    auto info = ReadFile(command.tcb_info, 4 << 20);
    auto qe = ReadFile(command.qe_identity, 4 << 20);
    auto chain = ReadFile(command.tcb_chain, 1 << 20);
    if (!info.ok() || !qe.ok() || !chain.ok()) return BadArgument("reading the collateral files failed");
    collateral.tcb_info_json = AsString(*info);
    collateral.qe_identity_json = AsString(*qe);
    collateral.issuer_chain_pem = *chain;
    auto verdict = attest::tdx::EvaluateTcb(*verified, collateral, options);
    if (!verdict.ok()) return Invalid("TCB collateral", verdict.status());
    std::cout << "tcb status: " << verdict->tcb_status << " (TCB date " << verdict->tcb_date
              << ", evaluation data number " << verdict->tcb_evaluation_data_number << ")\n";
    for (const std::string& a : verdict->advisory_ids) std::cout << "advisory: " << a << "\n";
    if (!verdict->tdx_module_status.empty()) std::cout << "tdx module status: " << verdict->tdx_module_status << "\n";
    std::cout << "qe identity status: " << verdict->qe_status << "\n";
  } else {
    std::cout << "tcb status: not evaluated (give --tcb-info, --qe-identity and --tcb-chain)\n";
  }
  std::cout << "verdict: VALID\n";
  return 0;
}

}  // namespace cf::tools
