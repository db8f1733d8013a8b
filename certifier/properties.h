// Platform properties: what an SEV-SNP report says about its platform (as the framework's `platform` message),
// and whether those satisfy a policy's platform template. Names follow the AMD SEV-SNP ABI bit positions; the
// framework Go service's shifted mapping is available as PropertyMapping::kCfGoCompat for its policies.
#pragma once

#include <map>
#include <string>

#include "attest/sev_snp/report.h"
#include "common/status.h"
#include "proto/certifier.pb.h"

namespace cf::certifier {

inline constexpr char kSevPlatformType[] = "amd-sev-snp";

enum class PropertyMapping { kAmdAbi, kCfGoCompat };

// Strings "yes"/"no": debug, migrate (migration agent), smt, single-socket. Ints (comparator "="): api-major,
// api-minor (the guest policy's minimum ABI), tcb-version (reported_tcb), tcb-bootloader, tcb-tee, tcb-snp,
// tcb-microcode, vmpl, firmware-major/-minor/-build (the firmware's API version in the report).
wire::platform SevPlatform(const attest::snp::Report& report, PropertyMapping mapping);

// Every property the template names must be reported with the same value type and satisfy its comparator
// ("=", ">=", "<="). Stricter than the framework, which ignored template properties the platform lacks.
// kPolicyDenied names the first property that failed, its value and the bound; for a property the platform does not
// report, `why_absent` (when given) may say why (a TDX certifier without TCB collateral).
Status SatisfiesTemplate(const wire::platform& templ, const wire::platform& actual,
                         const std::map<std::string, std::string>* why_absent = nullptr);

wire::property StringProperty(const std::string& name, const std::string& value);
wire::property IntProperty(const std::string& name, const std::string& comparator, uint64_t value);

}  // namespace cf::certifier
