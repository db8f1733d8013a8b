// The recorded OVMF footers of tests/fixtures/sev-snp/measure and what the tests build from them.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "attest/sev_snp/measure/ovmf_firmware.h"
#include "common/atomic_file.h"

namespace cf::attest::snp::measure::testing {

inline std::string FixturePath(const std::string& name) { return std::string(CF_MEASURE_FIXTURES) + "/" + name; }

inline constexpr char kAmdSev[] = "ovmf_AmdSev_suffix.bin";
inline constexpr char kOvmfX64[] = "ovmf_OvmfX64_suffix.bin";

inline Bytes FixtureBytes(const std::string& name) {
  auto b = ReadFile(FixturePath(name));
  EXPECT_TRUE(b.ok()) << name << ": " << b.status().ToString();
  return b.ok() ? *b : Bytes();
}

inline OvmfFirmware Firmware(const std::string& name) {
  auto fw = OvmfFirmware::Parse(FixtureBytes(name));
  if (!fw.ok()) ADD_FAILURE() << name << ": " << fw.status().ToString();
  return std::move(fw).value();
}

}  // namespace cf::attest::snp::measure::testing
