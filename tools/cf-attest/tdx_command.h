// `cf-attest display` and `verify` for Intel TDX quotes: kept apart from main.cc's SEV-SNP paths. A file is taken
// for a TDX quote when it starts like one (version 4 or 5, TEE type 0x81); an SNP report is exactly 0x4A0 bytes.
#pragma once

#include <string>
#include <vector>

#include "common/bytes.h"

namespace cf::tools {

bool LooksLikeTdxQuote(ByteView raw);

struct TdxVerifyCommand {
  std::string root_sha256;  // hex; empty: Intel SGX Root CA
  std::vector<std::string> crls;
  std::string tcb_info, qe_identity, tcb_chain;  // collateral files; all three or none
  std::string at;                                // RFC 3339 time to verify at; empty: now
};

// Prints every field; exit 0, or 2 when the quote does not parse.
int DisplayTdxQuote(ByteView raw);
// Prints each check that passed, the TCB verdict when collateral is given, and "verdict: VALID" (exit 0) or
// "verdict: INVALID" with the reason (exit 1); 2 for unreadable arguments.
int VerifyTdxQuoteCommand(ByteView raw, const TdxVerifyCommand& command);

}  // namespace cf::tools
