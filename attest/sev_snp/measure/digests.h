// SHA-256 and SHA-384 of byte strings for the launch measurement, through the module's private OpenSSL context
// (cf::ossl::LibCtx()), never the process's default one.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "common/bytes.h"
#include "common/status.h"

namespace cf::attest::snp::measure {

using Sha384Digest = std::array<uint8_t, 48>;
using Sha256Digest = std::array<uint8_t, 32>;

Result<Sha384Digest> Sha384(ByteView data);
Result<Sha256Digest> Sha256(ByteView data);
// The SHA-256 of a file's contents, read in pieces (kernels and initrds can be large). Fails naming the path.
Result<Sha256Digest> Sha256OfFile(const std::string& path);

}  // namespace cf::attest::snp::measure
