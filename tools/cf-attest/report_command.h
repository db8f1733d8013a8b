// `cf-attest report`: fetch an attestation report on this SEV-SNP guest and show it; say plainly when this is not
// one. Kept apart from main.cc, which only looks at reports it is given.
#pragma once

#include <optional>
#include <string>

namespace cf::tools {

struct ReportCommand {
  std::string out;          // where to write the raw report; empty: do not write
  std::string certs_dir;    // where to write the host's vcek.der/ask.der/ark.der; empty: do not write
  std::string report_data;  // hex, up to 64 bytes; empty: 64 random bytes
  std::string tsm_root;     // empty: /sys/kernel/config/tsm/report
  std::string device;       // empty: /dev/sev-guest
  std::optional<unsigned> vmpl;
};

// Exit codes: 0 done; 2 bad arguments; 3 the guest interface failed; 4 not an SEV-SNP guest.
inline constexpr int kExitNotAGuest = 4;

int RunReport(const ReportCommand& command);

}  // namespace cf::tools
