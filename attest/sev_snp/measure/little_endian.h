// Little-endian integers in byte buffers: how OVMF's tables, the SNP PAGE_INFO and the VMSA store them. Callers
// check bounds first; these only assemble and spread bytes.
#pragma once

#include <cstddef>
#include <cstdint>

#include "common/bytes.h"

namespace cf::attest::snp::measure {

inline uint64_t ReadLe(ByteView data, size_t offset, size_t width) {
  uint64_t v = 0;
  for (size_t i = 0; i < width; ++i) v |= uint64_t{data[offset + i]} << (8 * i);
  return v;
}

inline void WriteLe(uint8_t* out, uint64_t value, size_t width) {
  for (size_t i = 0; i < width; ++i) out[i] = static_cast<uint8_t>(value >> (8 * i));
}

}  // namespace cf::attest::snp::measure
