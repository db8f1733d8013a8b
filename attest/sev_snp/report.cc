// Field-by-field decoding of the SNP report at the offsets of the AMD SEV-SNP ABI (Table "ATTESTATION_REPORT"),
// and its description in words. No trust decisions here.
#include "attest/sev_snp/report.h"

#include <cstring>
#include <sstream>

namespace cf::attest::snp {
namespace {

uint64_t Le(ByteView b, size_t offset, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= uint64_t{b[offset + i]} << (8 * i);
  return v;
}

template <size_t N>
void Copy(ByteView b, size_t offset, std::array<uint8_t, N>* out) {
  std::memcpy(out->data(), b.data() + offset, N);
}

template <size_t N>
std::string Hex(const std::array<uint8_t, N>& a) {
  return HexEncode(ByteView(a.data(), N));
}

std::string Tcb(const TcbVersion& t) {
  std::ostringstream o;
  char raw[24];
  snprintf(raw, sizeof(raw), "0x%016llx", static_cast<unsigned long long>(t.raw));
  o << raw << " (boot loader " << int(t.bootloader()) << ", TEE " << int(t.tee()) << ", SNP " << int(t.snp())
    << ", microcode " << int(t.microcode()) << ")";
  return o.str();
}

const char* YesNo(bool b) { return b ? "yes" : "no"; }

}  // namespace

std::string SigningKeyName(SigningKey key) {
  switch (key) {
    case SigningKey::kVcek:
      return "VCEK";
    case SigningKey::kVlek:
      return "VLEK";
    case SigningKey::kNone:
      return "no key";
  }
  return "reserved key " + std::to_string(static_cast<int>(key));
}

Result<Report> ParseReport(ByteView raw) {
  if (raw.size() != kReportSize) {
    return Status(Code::kInvalidArgument,
                  "an SNP report is " + std::to_string(kReportSize) + " bytes, got " + std::to_string(raw.size()));
  }
  Report r;
  r.version = static_cast<uint32_t>(Le(raw, 0x000, 4));
  r.guest_svn = static_cast<uint32_t>(Le(raw, 0x004, 4));
  r.policy = Le(raw, 0x008, 8);
  Copy(raw, 0x010, &r.family_id);
  Copy(raw, 0x020, &r.image_id);
  r.vmpl = static_cast<uint32_t>(Le(raw, 0x030, 4));
  r.signature_algo = static_cast<uint32_t>(Le(raw, 0x034, 4));
  r.current_tcb.raw = Le(raw, 0x038, 8);
  r.platform_info = Le(raw, 0x040, 8);
  r.flags = static_cast<uint32_t>(Le(raw, 0x048, 4));
  Copy(raw, 0x050, &r.report_data);
  Copy(raw, 0x090, &r.measurement);
  Copy(raw, 0x0C0, &r.host_data);
  Copy(raw, 0x0E0, &r.id_key_digest);
  Copy(raw, 0x110, &r.author_key_digest);
  Copy(raw, 0x140, &r.report_id);
  Copy(raw, 0x160, &r.report_id_ma);
  r.reported_tcb.raw = Le(raw, 0x180, 8);
  if (r.version >= 3) {
    r.cpuid_family_id = raw[0x188];
    r.cpuid_model_id = raw[0x189];
    r.cpuid_stepping = raw[0x18A];
  }
  Copy(raw, 0x1A0, &r.chip_id);
  r.committed_tcb.raw = Le(raw, 0x1E0, 8);
  r.current_build = raw[0x1E8];
  r.current_minor = raw[0x1E9];
  r.current_major = raw[0x1EA];
  r.committed_build = raw[0x1EC];
  r.committed_minor = raw[0x1ED];
  r.committed_major = raw[0x1EE];
  r.launch_tcb.raw = Le(raw, 0x1F0, 8);
  Copy(raw, kSignatureOffset, &r.signature_r);
  Copy(raw, kSignatureOffset + kSignatureFieldSize, &r.signature_s);
  return r;
}

std::string DescribeReport(const Report& r) {
  std::ostringstream o;
  char policy[24];
  snprintf(policy, sizeof(policy), "0x%llx", static_cast<unsigned long long>(r.policy));
  o << "version: " << r.version << "\n"
    << "guest_svn: " << r.guest_svn << "\n"
    << "policy: " << policy << " (ABI " << int(r.abi_major()) << "." << int(r.abi_minor()) << ", SMT allowed "
    << YesNo(r.smt_allowed()) << ", migration agent allowed " << YesNo(r.migrate_ma_allowed()) << ", debug allowed "
    << YesNo(r.debug_allowed()) << ", single socket required " << YesNo(r.single_socket_required()) << ")\n"
    << "family_id: " << Hex(r.family_id) << "\n"
    << "image_id: " << Hex(r.image_id) << "\n"
    << "vmpl: " << r.vmpl << "\n"
    << "signature_algo: " << r.signature_algo << (r.signature_algo == 1 ? " (ECDSA P-384 with SHA-384)" : "") << "\n"
    << "current_tcb: " << Tcb(r.current_tcb) << "\n"
    << "platform_info: 0x" << std::hex << r.platform_info << std::dec << " (SMT enabled " << YesNo(r.platform_info & 1)
    << ", TSME enabled " << YesNo(r.platform_info & 2) << ")\n"
    << "flags: 0x" << std::hex << r.flags << std::dec << " (author key " << YesNo(r.flags & 1) << ", chip id masked "
    << YesNo(r.chip_id_masked()) << ", signed by " << SigningKeyName(r.signing_key()) << ")\n"
    << "report_data: " << Hex(r.report_data) << "\n"
    << "measurement: " << Hex(r.measurement) << "\n"
    << "host_data: " << Hex(r.host_data) << "\n"
    << "id_key_digest: " << Hex(r.id_key_digest) << "\n"
    << "author_key_digest: " << Hex(r.author_key_digest) << "\n"
    << "report_id: " << Hex(r.report_id) << "\n"
    << "report_id_ma: " << Hex(r.report_id_ma) << "\n"
    << "reported_tcb: " << Tcb(r.reported_tcb) << "\n"
    << "cpuid: family 0x" << std::hex << int(r.cpuid_family_id) << ", model 0x" << int(r.cpuid_model_id)
    << ", stepping 0x" << int(r.cpuid_stepping) << std::dec << (r.version < 3 ? " (not reported before version 3)" : "")
    << "\n"
    << "chip_id: " << Hex(r.chip_id) << "\n"
    << "committed_tcb: " << Tcb(r.committed_tcb) << "\n"
    << "current_version: " << int(r.current_major) << "." << int(r.current_minor) << " build " << int(r.current_build)
    << "\n"
    << "committed_version: " << int(r.committed_major) << "." << int(r.committed_minor) << " build "
    << int(r.committed_build) << "\n"
    << "launch_tcb: " << Tcb(r.launch_tcb) << "\n"
    << "signature_r: " << Hex(r.signature_r) << "\n"
    << "signature_s: " << Hex(r.signature_s) << "\n";
  return o.str();
}

}  // namespace cf::attest::snp
