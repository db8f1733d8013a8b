// SNP: the page-info chain over the firmware pages, then each SNP metadata section as its type asks, then the
// VMSA pages (QEMU's order of SNP_LAUNCH_UPDATE calls). SEV-ES and SEV: SHA-256 over the firmware, the kernel
// hashes table when a kernel is measured, and (SEV-ES) the VMSA pages, in the order LAUNCH_UPDATE_* sees them.
#include "attest/sev_snp/measure/launch_digest.h"

#include <openssl/evp.h>

#include "attest/sev_snp/measure/page_chain.h"
#include "attest/sev_snp/measure/vmsa.h"
#include "common/ossl.h"
#include "common/ossl_context.h"

namespace cf::attest::snp::measure {
namespace {

Status Refuse(const std::string& why) { return Status(Code::kInvalidArgument, why); }

Status CheckCommonInputs(const OvmfFirmware& fw, const LaunchInputs& in) {
  if (in.mode != LaunchMode::kSev && (in.vcpus == 0 || in.vcpus > kMaxVcpus)) {
    return Refuse("vCPU count " + std::to_string(in.vcpus) + " is outside 1.." + std::to_string(kMaxVcpus));
  }
  if (in.mode != LaunchMode::kSev && in.vcpus > 1 && !fw.ap_reset_eip()) {
    return Refuse("the firmware has no SEV-ES reset block (footer entry 00f771de-...): its APs cannot start");
  }
  if (in.snp_firmware_hash && in.mode != LaunchMode::kSnp) return Refuse("a firmware hash applies to SNP only");
  return Status::Ok();
}

// Where the VMM writes the kernel hashes must exist and hold the table (QEMU refuses a smaller area).
Status CheckHashTableArea(const OvmfFirmware& fw, const LaunchInputs& in) {
  if (!in.kernel) return Status::Ok();
  if (!fw.hash_table_area()) {
    return Refuse("the firmware has no SEV hash table (footer entry 7255371f-...): it does not measure a kernel");
  }
  if (fw.hash_table_area()->size < BuildHashTable(*in.kernel).size()) {
    return Refuse("the firmware's SEV hash table area of " + std::to_string(fw.hash_table_area()->size) +
                  " bytes cannot hold the kernel hashes table");
  }
  return Status::Ok();
}

VmsaInputs VmsaInputsFor(const OvmfFirmware& fw, const LaunchInputs& in) {
  return VmsaInputs{in.vmm, in.cpuid_signature, in.mode == LaunchMode::kSnp ? in.guest_features : 0,
                    fw.ap_reset_eip().value_or(0)};
}

Status AddSnpSection(SnpPageChain& chain, const MetadataSection& s, const OvmfFirmware& fw, const LaunchInputs& in) {
  switch (s.type) {
    case SectionType::kSnpSecMem:
    case SectionType::kSvsmCaa:
      return chain.AddContentlessPages(PageType::kZero, s.gpa, s.size);
    case SectionType::kSnpSecrets:
      return chain.AddContentlessPages(PageType::kSecrets, s.gpa, kPageSize);
    case SectionType::kCpuid:
      // EC2 adds the CPUID page after all other sections (AddSnpMetadata).
      return in.vmm == Vmm::kEc2 ? Status::Ok() : chain.AddContentlessPages(PageType::kCpuid, s.gpa, kPageSize);
    case SectionType::kSnpKernelHashes: {
      if (!in.kernel) return chain.AddContentlessPages(PageType::kZero, s.gpa, s.size);
      if (s.size != kPageSize) return Refuse("the kernel-hashes section is not one 4 KiB page");
      CF_ASSIGN_OR_RETURN(Bytes page, BuildHashTablePage(*in.kernel, fw.hash_table_area()->gpa % kPageSize));
      return chain.AddNormalPages(s.gpa, page);
    }
  }
  return Status(Code::kInternal, "section type " + SectionTypeName(s.type) + " has no measurement rule");
}

Status AddSnpMetadata(SnpPageChain& chain, const OvmfFirmware& fw, const LaunchInputs& in) {
  const auto& sections = *fw.snp_sections();
  for (const MetadataSection& s : sections) CF_RETURN_IF_ERROR(AddSnpSection(chain, s, fw, in));
  if (in.vmm != Vmm::kEc2) return Status::Ok();
  for (const MetadataSection& s : sections) {
    if (s.type == SectionType::kCpuid)
      CF_RETURN_IF_ERROR(chain.AddContentlessPages(PageType::kCpuid, s.gpa, kPageSize));
  }
  return Status::Ok();
}

// The secrets and CPUID pages are single pages the PSP fills; a larger section is no launch QEMU or EC2 makes.
Status CheckSinglePageSections(const std::vector<MetadataSection>& sections) {
  for (const MetadataSection& s : sections) {
    const bool single = s.type == SectionType::kSnpSecrets || s.type == SectionType::kCpuid;
    if (single && s.size != kPageSize) {
      return Refuse("the firmware's " + SectionTypeName(s.type) + " section holds " + std::to_string(s.size) +
                    " bytes, one 4 KiB page expected");
    }
  }
  return Status::Ok();
}

Status CheckSnpFirmware(const OvmfFirmware& fw, const LaunchInputs& in) {
  if (!fw.snp_sections()) {
    return Refuse(
        "the firmware has no SNP metadata (footer entry dc886566-984a-4798-a75e-5585a7bf67cc): it is not "
        "an SEV-SNP capable OVMF build");
  }
  CF_RETURN_IF_ERROR(CheckSinglePageSections(*fw.snp_sections()));
  if (in.kernel && !fw.HasSection(SectionType::kSnpKernelHashes)) {
    return Refuse(
        "the firmware's SNP metadata has no kernel-hashes section: it does not measure a kernel, so "
        "--kernel cannot be part of its launch (use an OvmfPkg/AmdSev build)");
  }
  return CheckHashTableArea(fw, in);
}

Result<Bytes> SnpDigest(const OvmfFirmware& fw, const LaunchInputs& in) {
  CF_RETURN_IF_ERROR(CheckSnpFirmware(fw, in));
  SnpPageChain chain(in.snp_firmware_hash.value_or(Sha384Digest{}));
  if (!in.snp_firmware_hash) CF_RETURN_IF_ERROR(chain.AddNormalPages(fw.gpa(), fw.image()));
  CF_RETURN_IF_ERROR(AddSnpMetadata(chain, fw, in));
  for (const Bytes& page : BuildVmsaPages(VmsaInputsFor(fw, in), in.vcpus)) {
    CF_RETURN_IF_ERROR(chain.AddVmsaPage(page));
  }
  return Bytes(chain.digest().begin(), chain.digest().end());
}

// SEV and SEV-ES: GCTX.LD, one SHA-256 over everything LAUNCH_UPDATE_DATA and LAUNCH_UPDATE_VMSA encrypted.
Result<Bytes> SevDigest(const OvmfFirmware& fw, const LaunchInputs& in) {
  CF_RETURN_IF_ERROR(CheckHashTableArea(fw, in));
  ossl::Md md(EVP_MD_fetch(ossl::LibCtx(), "SHA256", ossl::kPropQuery));
  ossl::MdCtx ctx(EVP_MD_CTX_new());
  if (md == nullptr || ctx == nullptr || EVP_DigestInit_ex2(ctx.get(), md.get(), nullptr) != 1) {
    return ossl::Error("SHA256");
  }
  auto add = [&](ByteView data) { return EVP_DigestUpdate(ctx.get(), data.data(), data.size()) == 1; };
  bool ok = add(fw.image());
  if (in.kernel) ok = ok && add(BuildHashTable(*in.kernel));
  if (in.mode == LaunchMode::kSevEs) {
    for (const Bytes& page : BuildVmsaPages(VmsaInputsFor(fw, in), in.vcpus)) ok = ok && add(page);
  }
  Bytes out(32);
  unsigned int len = 0;
  if (!ok || EVP_DigestFinal_ex(ctx.get(), out.data(), &len) != 1 || len != out.size()) return ossl::Error("SHA256");
  return out;
}

}  // namespace

Result<Bytes> ComputeLaunchDigest(const OvmfFirmware& firmware, const LaunchInputs& inputs) {
  CF_RETURN_IF_ERROR(CheckCommonInputs(firmware, inputs));
  if (inputs.mode == LaunchMode::kSnp) return SnpDigest(firmware, inputs);
  return SevDigest(firmware, inputs);
}

Result<Sha384Digest> SnpFirmwareHash(const OvmfFirmware& firmware) {
  SnpPageChain chain;
  CF_RETURN_IF_ERROR(chain.AddNormalPages(firmware.gpa(), firmware.image()));
  return chain.digest();
}

}  // namespace cf::attest::snp::measure
