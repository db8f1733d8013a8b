// What an Intel PCK certificate says about the platform, from its SGX extensions (OID 1.2.840.113741.1.13.1, a
// SEQUENCE of {OID, value} pairs): the FMSPC (.4, which platform model and TCB family: the key into Intel's TCB
// info), the TCB (.2: sixteen SGX TCB component SVNs .2.1-.2.16, PCESVN .2.17, CPUSVN .2.18), the PCE id (.3) and
// PPID (.1), and the SGX type (.5). Read with OpenSSL's ASN.1 parser; nothing is hand-decoded beyond the pairs.
#pragma once

#include <openssl/x509.h>

#include <array>
#include <cstdint>

#include "common/bytes.h"
#include "common/status.h"

namespace cf::attest::tdx {

inline constexpr char kSgxExtensionsOid[] = "1.2.840.113741.1.13.1";

struct PckFacts {
  std::array<uint8_t, 6> fmspc{};
  std::array<uint8_t, 16> sgx_tcb_components{};  // component SVNs 1..16
  uint16_t pce_svn = 0;
  std::array<uint8_t, 16> cpu_svn{};
  std::array<uint8_t, 2> pce_id{};
  Bytes ppid;
  int sgx_type = -1;  // 0 Standard, 1 Scalable, 2 Scalable with integrity; -1 absent
};

// kInvalidArgument naming the item when the extension is missing, not DER, or an item has the wrong type or size.
Result<PckFacts> ReadPckFacts(X509* pck);

}  // namespace cf::attest::tdx
