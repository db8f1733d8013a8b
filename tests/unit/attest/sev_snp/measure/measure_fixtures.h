// The recorded OVMF footers of tests/fixtures/sev-snp/measure and what the tests build from them.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <initializer_list>
#include <string>
#include <utility>

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

// An image written to a file of its own (the tools and Measure() take paths), removed with the object.
class TempFirmware {
 public:
  TempFirmware(const std::string& name, const Bytes& image)
      : path_(::testing::TempDir() + "/cf-measure-" + std::to_string(getpid()) + "-" + name) {
    std::ofstream(path_, std::ios::binary)
        .write(reinterpret_cast<const char*>(image.data()), static_cast<std::streamsize>(image.size()));
  }
  ~TempFirmware() { std::remove(path_.c_str()); }
  TempFirmware(const TempFirmware&) = delete;
  TempFirmware& operator=(const TempFirmware&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The AmdSev footer with bytes changed ({offset, value} pairs).
inline Bytes PatchedAmdSev(std::initializer_list<std::pair<size_t, uint8_t>> edits) {
  Bytes image = FixtureBytes(kAmdSev);
  for (auto [offset, value] : edits) image.at(offset) = value;
  return image;
}

}  // namespace cf::attest::snp::measure::testing
