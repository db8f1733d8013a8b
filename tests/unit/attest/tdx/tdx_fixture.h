// The genuine TDX quote of tests/fixtures/tdx (a production Sapphire Rapids quote, v4) and ways to alter it:
// the quote without the 39 bytes go-tdx-guest's test data appends, and the same quote with another PEM chain
// (every enclosing length adjusted, so only the chain differs).
#pragma once

#include <algorithm>
#include <cstring>
#include <string>

#include "common/atomic_file.h"
#include "common/bytes.h"

namespace cf::attest::tdx::testing {

// Offsets in the fixture, from its README and the layout (all lengths as the quote declares them).
inline constexpr size_t kSignatureDataOffset = 632;  // u32 length, then the signature data
inline constexpr size_t kQuoteSignatureOffset = 636;
inline constexpr size_t kAttestationKeyOffset = 700;
inline constexpr size_t kCertDataOffset = 764;  // u16 type 6, u32 size, then the QE report
inline constexpr size_t kQeReportOffset = 770;
inline constexpr size_t kQeReportSignatureOffset = 1154;
inline constexpr size_t kQeAuthDataOffset = 1220;   // after its u16 size
inline constexpr size_t kPckCertDataOffset = 1252;  // u16 type 5, u32 size, then PEM
inline constexpr size_t kQuoteEnd = 4935;
inline constexpr size_t kFixtureTrailing = 39;

inline Bytes FixtureFile() {
  auto b = ReadFile(std::string(CF_TDX_FIXTURES) + "/quote-v4-spr.dat");
  return b.ok() ? *b : Bytes();
}

// The quote alone (the file carries "extra bytes(only for testing purpose)\n" after it).
inline Bytes GenuineQuote() {
  Bytes b = FixtureFile();
  if (b.size() > kQuoteEnd) b.resize(kQuoteEnd);
  return b;
}

inline void PutLe32(Bytes* b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) (*b)[at + i] = static_cast<uint8_t>(v >> (8 * i));
}

// The genuine quote with `pem` as its certification data of type 5.
inline Bytes WithChain(const Bytes& quote, const std::string& pem) {
  const size_t head = kPckCertDataOffset + 6;
  Bytes out(head + pem.size());  // sized once: GCC 12 warns falsely about a vector insert here
  std::memcpy(out.data(), quote.data(), std::min(head, quote.size()));
  std::memcpy(out.data() + head, pem.data(), pem.size());
  const size_t sig_data = out.size() - kQuoteSignatureOffset;
  PutLe32(&out, kSignatureDataOffset, static_cast<uint32_t>(sig_data));
  PutLe32(&out, kCertDataOffset + 2, static_cast<uint32_t>(out.size() - kQeReportOffset));
  PutLe32(&out, kPckCertDataOffset + 2, static_cast<uint32_t>(pem.size()));
  return out;
}

inline std::string ChainPem(const Bytes& quote) {
  return std::string(quote.begin() + kPckCertDataOffset + 6, quote.end());
}

}  // namespace cf::attest::tdx::testing
