// PAGE_INFO (0x70 bytes), the SHA-384 input of each step:
//   0x00 DIGEST_CUR[48]  0x30 CONTENTS[48]  0x60 LENGTH u16 (0x70)  0x62 PAGE_TYPE u8  0x63 IMI_PAGE u8
//   0x64 VMPL3_PERMS u8  0x65 VMPL2_PERMS u8  0x66 VMPL1_PERMS u8  0x67 reserved u8  0x68 GPA u64
// A launch by a VMM sets no IMI pages and no VMPL permissions, so those stay zero.
#include "attest/sev_snp/measure/page_chain.h"

#include <algorithm>
#include <array>

#include "attest/sev_snp/measure/little_endian.h"

namespace cf::attest::snp::measure {
namespace {

constexpr size_t kPageSize = 4096;
constexpr size_t kPageInfoSize = 0x70;
constexpr size_t kContentsAt = 0x30;
constexpr size_t kLengthAt = 0x60;
constexpr size_t kPageTypeAt = 0x62;
constexpr size_t kGpaAt = 0x68;

}  // namespace

Status SnpPageChain::Extend(PageType type, uint64_t gpa, const Sha384Digest& contents) {
  std::array<uint8_t, kPageInfoSize> info{};
  std::copy(digest_.begin(), digest_.end(), info.begin());
  std::copy(contents.begin(), contents.end(), info.begin() + kContentsAt);
  WriteLe(&info[kLengthAt], kPageInfoSize, 2);
  info[kPageTypeAt] = static_cast<uint8_t>(type);
  WriteLe(&info[kGpaAt], gpa, 8);
  CF_ASSIGN_OR_RETURN(digest_, Sha384(info));
  return Status::Ok();
}

Status SnpPageChain::AddNormalPages(uint64_t gpa, ByteView data) {
  if (data.size() % kPageSize != 0) {
    return Status(Code::kInvalidArgument, std::to_string(data.size()) + " bytes are not whole 4 KiB pages");
  }
  for (size_t at = 0; at < data.size(); at += kPageSize) {
    CF_ASSIGN_OR_RETURN(Sha384Digest page_hash, Sha384(data.subspan(at, kPageSize)));
    CF_RETURN_IF_ERROR(Extend(PageType::kNormal, gpa + at, page_hash));
  }
  return Status::Ok();
}

Status SnpPageChain::AddContentlessPages(PageType type, uint64_t gpa, uint64_t size) {
  if (size % kPageSize != 0) {
    return Status(Code::kInvalidArgument, std::to_string(size) + " bytes are not whole 4 KiB pages");
  }
  for (uint64_t at = 0; at < size; at += kPageSize) CF_RETURN_IF_ERROR(Extend(type, gpa + at, Sha384Digest{}));
  return Status::Ok();
}

Status SnpPageChain::AddVmsaPage(ByteView page) {
  if (page.size() != kPageSize) return Status(Code::kInternal, "a VMSA page must be 4 KiB");
  CF_ASSIGN_OR_RETURN(Sha384Digest page_hash, Sha384(page));
  return Extend(PageType::kVmsa, kVmsaGpa, page_hash);
}

}  // namespace cf::attest::snp::measure
