// The AMD SEV-SNP attestation report (ATTESTATION_REPORT, 0x4A0 bytes, little-endian) as named fields, and the
// guest-policy bits by the AMD SEV-SNP ABI. Parsing checks only the size; what is trusted is decided by
// attest/verify_sev and the policy.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "common/bytes.h"
#include "common/status.h"

namespace cf::attest::snp {

inline constexpr size_t kReportSize = 0x4A0;
inline constexpr size_t kSignedSize = 0x2A0;  // the signature covers bytes [0, 0x2A0)
inline constexpr size_t kSignatureOffset = 0x2A0;
inline constexpr size_t kSignatureFieldSize = 72;  // R then S, each in a 72-byte little-endian field

// Guest policy bits (AMD SEV-SNP ABI, GUEST_POLICY): ABI minor 7:0, ABI major 15:8, then these.
inline constexpr uint64_t kPolicySmt = 1ull << 16;
inline constexpr uint64_t kPolicyReserved1 = 1ull << 17;  // must be one
inline constexpr uint64_t kPolicyMigrateMa = 1ull << 18;
inline constexpr uint64_t kPolicyDebug = 1ull << 19;
inline constexpr uint64_t kPolicySingleSocket = 1ull << 20;

// FLAGS (0x048) bits 4:2, SIGNING_KEY: which key signed the report. A VLEK is loaded by a cloud provider instead of
// the chip's VCEK; "none" reports are not signed at all.
enum class SigningKey : uint8_t { kVcek = 0, kVlek = 1, kNone = 7 };
// "VCEK", "VLEK", "no key", or "reserved key 2".
std::string SigningKeyName(SigningKey key);

// The TCB_VERSION word: byte 0 boot loader, 1 TEE, 6 SNP firmware, 7 microcode (Milan/Genoa layout; Turin's
// differs, see verify_sev.h ReadVcekFacts).
struct TcbVersion {
  uint64_t raw = 0;
  uint8_t bootloader() const { return static_cast<uint8_t>(raw); }
  uint8_t tee() const { return static_cast<uint8_t>(raw >> 8); }
  uint8_t snp() const { return static_cast<uint8_t>(raw >> 48); }
  uint8_t microcode() const { return static_cast<uint8_t>(raw >> 56); }
};

struct Report {
  uint32_t version = 0;
  uint32_t guest_svn = 0;
  uint64_t policy = 0;
  std::array<uint8_t, 16> family_id{};
  std::array<uint8_t, 16> image_id{};
  uint32_t vmpl = 0;
  uint32_t signature_algo = 0;
  TcbVersion current_tcb;      // 0x038 PLATFORM_VERSION
  uint64_t platform_info = 0;  // 0x040
  uint32_t flags = 0;          // 0x048: author key enabled (bit 0), mask chip key, signing key
  std::array<uint8_t, 64> report_data{};
  std::array<uint8_t, 48> measurement{};
  std::array<uint8_t, 32> host_data{};
  std::array<uint8_t, 48> id_key_digest{};
  std::array<uint8_t, 48> author_key_digest{};
  std::array<uint8_t, 32> report_id{};
  std::array<uint8_t, 32> report_id_ma{};
  TcbVersion reported_tcb;  // 0x180
  // Report version 3 and later: CPUID family (0x19 Milan/Genoa, 0x1A Turin), model and stepping; zero before.
  uint8_t cpuid_family_id = 0, cpuid_model_id = 0, cpuid_stepping = 0;  // 0x188..0x18A
  std::array<uint8_t, 64> chip_id{};
  TcbVersion committed_tcb;                                               // 0x1E0
  uint8_t current_build = 0, current_minor = 0, current_major = 0;        // 0x1E8..0x1EA
  uint8_t committed_build = 0, committed_minor = 0, committed_major = 0;  // 0x1EC..0x1EE
  TcbVersion launch_tcb;                                                  // 0x1F0
  std::array<uint8_t, 72> signature_r{};                                  // little-endian
  std::array<uint8_t, 72> signature_s{};

  SigningKey signing_key() const { return static_cast<SigningKey>((flags >> 2) & 7); }
  bool chip_id_masked() const { return flags & 2; }
  uint8_t abi_minor() const { return static_cast<uint8_t>(policy); }
  uint8_t abi_major() const { return static_cast<uint8_t>(policy >> 8); }
  bool smt_allowed() const { return policy & kPolicySmt; }
  bool migrate_ma_allowed() const { return policy & kPolicyMigrateMa; }
  bool debug_allowed() const { return policy & kPolicyDebug; }
  bool single_socket_required() const { return policy & kPolicySingleSocket; }
};

// kInvalidArgument unless `raw` is exactly 0x4A0 bytes.
Result<Report> ParseReport(ByteView raw);

// Every field in words, one "name: value" per line (cf-attest display).
std::string DescribeReport(const Report& report);

}  // namespace cf::attest::snp
