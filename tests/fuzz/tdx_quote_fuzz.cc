// Fuzz target: what a TDX guest or a client hands the verifier as a quote: ParseQuote, DescribeQuote, and
// VerifyTdxQuote (chain to the pinned Intel root, QE report, binding, quote signature) at a fixed instant, so the
// genuine seed verifies all the way and mutations reach every check.
#include <cstdint>

#include "attest/tdx/quote.h"
#include "attest/verify_tdx.h"
#include "fuzz_clock.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  cf::ByteView input(data, size);
  auto quote = cf::attest::tdx::ParseQuote(input);
  if (quote.ok()) (void)cf::attest::tdx::DescribeQuote(*quote);
  cf::attest::TdxVerifyOptions options;
  options.now = cf::fuzz::kFuzzNow;
  options.allow_trailing_bytes = true;
  (void)cf::attest::VerifyTdxQuote(input, options);
  return 0;
}
