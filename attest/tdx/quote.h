// The Intel TDX DCAP quote (version 4, and version 5 where it differs) as named fields: the 48-byte header, the TD
// report body (TDX 1.0, 584 bytes; TDX 1.5 adds TEE_TCB_SVN2 and MRSERVICETD, 648 bytes), and the ECDSA quote
// signature data with its certification data of type 6 (the QE report, its signature, the QE authentication data
// and the inner type-5 PEM chain of the PCK certificate). All integers are little-endian. Parsing checks every
// length against what is left of the input and names what did not fit; whether anything is trusted is decided by
// attest/verify_tdx and the policy.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "common/bytes.h"
#include "common/status.h"

namespace cf::attest::tdx {

inline constexpr size_t kHeaderSize = 48;
inline constexpr size_t kTdReport10Size = 584;      // TD report body of TDX 1.0 (quote v4, v5 body type 2)
inline constexpr size_t kTdReport15Size = 648;      // TDX 1.5 (v5 body type 3)
inline constexpr size_t kQeReportSize = 384;        // an SGX REPORT body
inline constexpr size_t kMaxQuoteSize = 64 * 1024;  // real quotes are ~5 KiB; anything far larger is refused
inline constexpr uint16_t kAttestationKeyEcdsaP256 = 2;
inline constexpr uint32_t kTeeTypeTdx = 0x81;
inline constexpr uint16_t kCertDataPckChain = 5;
inline constexpr uint16_t kCertDataQeReport = 6;
// The Intel QE's vendor id.
inline constexpr std::array<uint8_t, 16> kIntelQeVendorId = {0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9,
                                                             0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07};
// TDATTRIBUTES bit 0: the TD is debuggable (its state can be read and written by the host). Never trust one.
inline constexpr uint64_t kTdAttributeDebug = 1ull << 0;

using Measurement = std::array<uint8_t, 48>;

struct Header {
  uint16_t version = 0;
  uint16_t attestation_key_type = 0;
  uint32_t tee_type = 0;
  uint16_t qe_svn = 0;   // bytes 8..9 ("reserved" in the TDX v4 layout; the QE SVN in SGX quotes)
  uint16_t pce_svn = 0;  // bytes 10..11
  std::array<uint8_t, 16> qe_vendor_id{};
  std::array<uint8_t, 20> user_data{};
};

struct TdReport {
  uint16_t body_type = 2;  // 2: TDX 1.0; 3: TDX 1.5 (version 5 names it; version 4 is always 2)
  std::array<uint8_t, 16> tee_tcb_svn{};
  Measurement mr_seam{};
  Measurement mr_signer_seam{};
  uint64_t seam_attributes = 0;
  uint64_t td_attributes = 0;
  uint64_t xfam = 0;
  Measurement mr_td{};
  Measurement mr_config_id{};
  Measurement mr_owner{};
  Measurement mr_owner_config{};
  std::array<Measurement, 4> rtmr{};
  std::array<uint8_t, 64> report_data{};
  // TDX 1.5 only (body type 3); zero otherwise.
  std::array<uint8_t, 16> tee_tcb_svn2{};
  Measurement mr_service_td{};

  bool debug() const { return td_attributes & kTdAttributeDebug; }
};

// The enclave report of the Quoting Enclave (an SGX REPORT body).
struct QeReport {
  std::array<uint8_t, 16> cpu_svn{};
  uint32_t misc_select = 0;
  std::array<uint8_t, 16> attributes{};
  std::array<uint8_t, 32> mr_enclave{};
  std::array<uint8_t, 32> mr_signer{};
  uint16_t isv_prod_id = 0;
  uint16_t isv_svn = 0;
  std::array<uint8_t, 64> report_data{};
};

struct Quote {
  Header header;
  TdReport body;
  // The bytes the attestation key signs: header and body (v5: with the body type and size between them).
  Bytes signed_bytes;
  std::array<uint8_t, 64> signature{};        // ECDSA P-256 r||s, big-endian, over SHA-256(signed_bytes)
  std::array<uint8_t, 64> attestation_key{};  // P-256 public point x||y, big-endian
  QeReport qe_report;
  Bytes qe_report_raw;  // the 384 bytes the PCK key signs
  std::array<uint8_t, 64> qe_report_signature{};
  Bytes qe_auth_data;
  Bytes pck_chain_pem;    // PCK certificate, then the Platform/Processor CA, then the root (as the quote carries it)
  size_t quote_size = 0;  // where the quote's declared structure ends
  size_t trailing_bytes = 0;  // bytes after it (not part of the quote, not signed)
};

// kInvalidArgument with the field and the lengths when the input is too short, a length runs past the end, the
// version, key type, TEE type or certification data type is not one this verifier knows, or the input exceeds
// kMaxQuoteSize. Bytes after the declared end are counted in trailing_bytes, not refused here (the verifier decides).
Result<Quote> ParseQuote(ByteView raw);

// Every field in words, one "name: value" per line (cf-attest display).
std::string DescribeQuote(const Quote& quote);

}  // namespace cf::attest::tdx
