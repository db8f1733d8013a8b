// The SNP launch digest as the PSP builds it (AMD SEV-SNP firmware ABI, SNP_LAUNCH_UPDATE and the PAGE_INFO
// structure): every page the VMM adds extends the digest by SHA-384 over (digest so far, page contents hash, page
// type, GPA). This file knows that chaining and nothing about OVMF or the VMM.
#pragma once

#include <cstdint>

#include "attest/sev_snp/measure/digests.h"
#include "common/bytes.h"
#include "common/status.h"

namespace cf::attest::snp::measure {

// PAGE_TYPE values of SNP_LAUNCH_UPDATE.
enum class PageType : uint8_t {
  kNormal = 1,
  kVmsa = 2,
  kZero = 3,
  kUnmeasured = 4,
  kSecrets = 5,
  kCpuid = 6,
};

// The GPA recorded for VMSA pages: the VMM does not map them into the guest, and KVM reports this fixed address.
inline constexpr uint64_t kVmsaGpa = 0xFFFFFFFFF000;

class SnpPageChain {
 public:
  // seed: the digest to continue from. All zero for a fresh launch; a precomputed firmware hash (--snp-ovmf-hash)
  // stands for the firmware's normal pages already added.
  explicit SnpPageChain(const Sha384Digest& seed = {}) : digest_(seed) {}

  // data must be whole 4 KiB pages; each is measured by its SHA-384.
  Status AddNormalPages(uint64_t gpa, ByteView data);
  // Pages whose contents the measurement does not cover (zero, secrets, CPUID): type and GPA only.
  Status AddContentlessPages(PageType type, uint64_t gpa, uint64_t size);
  Status AddVmsaPage(ByteView page);

  const Sha384Digest& digest() const { return digest_; }

 private:
  Status Extend(PageType type, uint64_t gpa, const Sha384Digest& contents);

  Sha384Digest digest_;
};

}  // namespace cf::attest::snp::measure
