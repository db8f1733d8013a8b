// The SEV-SNP Enclave over /dev/sev-guest. Request/response layouts follow the AMD SEV-SNP ABI (MSG_REPORT_REQ,
// MSG_KEY_REQ) and the Linux sev-guest ioctl interface, declared here in our own structures. Sealing uses a key
// the firmware derives from the VCEK bound to our measurement and guest policy, so only this launch opens it.
#include "attest/sev_snp/sev_enclave.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "attest/sev_snp/report.h"
#include "common/aead.h"
#include "common/atomic_file.h"
#include "common/ossl.h"

namespace cf::attest {
namespace {

constexpr char kDevice[] = "/dev/sev-guest";

// The kernel's request wrapper: message version, user pointers to request and response, firmware error out.
struct GuestRequest {
  uint8_t msg_version;
  uint64_t request;
  uint64_t response;
  uint64_t exit_info;
};
struct ReportRequest {  // MSG_REPORT_REQ
  uint8_t user_data[64];
  uint32_t vmpl;
  uint8_t reserved[28];
};
struct ReportResponse {  // MSG_REPORT_RSP: status, size, 24 reserved bytes, the report; padded to 4000
  uint8_t data[4000];
};
struct KeyRequest {          // MSG_KEY_REQ
  uint32_t root_key_select;  // 0 = VCEK
  uint32_t reserved;
  uint64_t guest_field_select;
  uint32_t vmpl;
  uint32_t guest_svn;
  uint64_t tcb_version;
};
struct KeyResponse {  // MSG_KEY_RSP: status, 28 reserved bytes, 32-byte key
  uint8_t data[64];
};
constexpr unsigned long kGetReport = _IOWR('S', 0x0, GuestRequest);
constexpr unsigned long kGetDerivedKey = _IOWR('S', 0x1, GuestRequest);
// GUEST_FIELD_SELECT bits: guest policy (0), measurement (3).
constexpr uint64_t kSelectPolicyAndMeasurement = (1u << 0) | (1u << 3);

class SevEnclave : public Enclave {
 public:
  SevEnclave(int fd, std::string directory) : fd_(fd), directory_(std::move(directory)) {}
  ~SevEnclave() override { close(fd_); }

  Status Init() {
    CF_ASSIGN_OR_RETURN(Bytes raw, GetReport(ByteView()));
    CF_ASSIGN_OR_RETURN(snp::Report r, snp::ParseReport(raw));
    measurement_.assign(r.measurement.begin(), r.measurement.end());
    return Status::Ok();
  }

  const std::string& type() const override { return type_; }
  const Bytes& measurement() const override { return measurement_; }

  Result<Bytes> Seal(ByteView secret) override {
    CF_ASSIGN_OR_RETURN(SecureBytes key, DerivedKey());
    return aead::Seal(key, secret, AsBytes("cf-pkcs11 sev seal"));
  }

  Result<SecureBytes> Unseal(ByteView sealed) override {
    CF_ASSIGN_OR_RETURN(SecureBytes key, DerivedKey());
    auto opened = aead::Open(key, sealed, AsBytes("cf-pkcs11 sev seal"));
    if (!opened.ok() && opened.status().code() == Code::kCorrupt) {
      return Status(Code::kUnauthenticated,
                    "sealed blob does not open with this chip's key for this measurement and policy");
    }
    return opened;
  }

  Result<Bytes> Attest(ByteView what_to_say) override {
    uint8_t digest[48];
    unsigned int len = 0;
    if (EVP_Digest(what_to_say.data(), what_to_say.size(), digest, &len, EVP_sha384(), nullptr) != 1) {
      return ossl::Error("SHA-384 of the user data");
    }
    CF_ASSIGN_OR_RETURN(Bytes report, GetReport(ByteView(digest, 48)));
    wire::sev_attestation_message msg;
    msg.set_what_was_said(AsString(what_to_say));
    msg.set_reported_attestation(AsString(report));
    return ToBytes(msg.SerializeAsString());
  }

  Result<std::vector<wire::evidence>> PlatformEvidence() override {
    std::vector<wire::evidence> out;
    for (const char* name : {"ark.der", "ask.der", "vcek.der"}) {
      auto der = ReadFile(directory_ + "/" + name, 64 << 10);
      if (!der.ok()) {
        return der.status().Annotate(std::string("SEV platform certificate ") + name +
                                     " (fetch ARK/ASK/VCEK "
                                     "from AMD KDS into " +
                                     directory_ + ")");
      }
      wire::evidence e;
      e.set_evidence_type("cert");
      e.set_serialized_evidence(AsString(*der));
      out.push_back(std::move(e));
    }
    return out;
  }

  std::string evidence_type() const override { return "sev-platform-package"; }

 private:
  Status Call(unsigned long request, void* req, void* resp, const char* what) {
    GuestRequest g{};
    g.msg_version = 1;
    g.request = reinterpret_cast<uint64_t>(req);
    g.response = reinterpret_cast<uint64_t>(resp);
    if (ioctl(fd_, request, &g) != 0) {
      return Status(Code::kIoError, std::string(what) + " failed: " + std::strerror(errno) + " (firmware error " +
                                        std::to_string(g.exit_info) + ")");
    }
    return Status::Ok();
  }

  Result<Bytes> GetReport(ByteView user_data) {
    ReportRequest req{};
    std::memcpy(req.user_data, user_data.data(), std::min<size_t>(user_data.size(), 64));
    ReportResponse resp{};
    CF_RETURN_IF_ERROR(Call(kGetReport, &req, &resp, "SNP_GET_REPORT"));
    uint32_t status, size;
    std::memcpy(&status, resp.data, 4);
    std::memcpy(&size, resp.data + 4, 4);
    if (status != 0 || size < snp::kReportSize) {
      return Status(Code::kIoError,
                    "SNP_GET_REPORT returned status " + std::to_string(status) + ", size " + std::to_string(size));
    }
    return Bytes(resp.data + 32, resp.data + 32 + snp::kReportSize);
  }

  Result<SecureBytes> DerivedKey() {
    KeyRequest req{};
    req.guest_field_select = kSelectPolicyAndMeasurement;
    KeyResponse resp{};
    CF_RETURN_IF_ERROR(Call(kGetDerivedKey, &req, &resp, "SNP_GET_DERIVED_KEY"));
    uint32_t status;
    std::memcpy(&status, resp.data, 4);
    if (status != 0) return Status(Code::kIoError, "SNP_GET_DERIVED_KEY status " + std::to_string(status));
    SecureBytes key(resp.data + 32, resp.data + 64);
    OPENSSL_cleanse(&resp, sizeof(resp));
    return key;
  }

  int fd_;
  std::string directory_;
  std::string type_ = kSevEnclave;
  Bytes measurement_;
};

}  // namespace

Result<std::unique_ptr<Enclave>> OpenSevEnclave(const EnclaveOptions& options) {
  if (access(kDevice, F_OK) != 0) {
    return Status(Code::kUnimplemented, std::string("SEV-SNP is not available here: ") + kDevice +
                                            " does not exist (run inside an SNP guest, or use simulated-enclave)");
  }
  int fd = open(kDevice, O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    return Status(Code::kPermissionDenied, std::string("cannot open ") + kDevice + ": " + std::strerror(errno));
  }
  auto enclave = std::make_unique<SevEnclave>(fd, options.directory);
  CF_RETURN_IF_ERROR(enclave->Init());
  return std::unique_ptr<Enclave>(std::move(enclave));
}

}  // namespace cf::attest
