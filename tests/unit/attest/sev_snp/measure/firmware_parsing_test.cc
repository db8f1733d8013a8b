// What the recorded OVMF footers say (read by hand from the files with xxd), and the parsers' refusals of
// damaged tables: each refusal must name what is wrong, never fall back to a default.
#include <gtest/gtest.h>

#include "attest/sev_snp/measure/footer_table.h"
#include "attest/sev_snp/measure/ovmf_firmware.h"
#include "attest/sev_snp/measure/ovmf_metadata.h"
#include "tests/unit/attest/sev_snp/measure/measure_fixtures.h"

namespace cf::attest::snp::measure {
namespace {

using testing::FixtureBytes;

TEST(Guid, TextBecomesEfiByteOrder) {
  constexpr Guid g = GuidFromText("96b582de-1fb2-45f7-baea-a366c55a082d");
  EXPECT_EQ(HexEncode(g), "de82b596b21ff745baeaa366c55a082d");
}

TEST(OvmfFirmware, AmdSevFooterNamesResetBlockHashTableAndSevenSections) {
  OvmfFirmware fw = testing::Firmware(testing::kAmdSev);
  EXPECT_EQ(fw.gpa(), 0xFFFFF000u);
  ASSERT_TRUE(fw.ap_reset_eip());
  EXPECT_EQ(*fw.ap_reset_eip(), 0x80B004u);
  ASSERT_TRUE(fw.hash_table_area());
  EXPECT_EQ(fw.hash_table_area()->gpa, 0x810C00u);
  EXPECT_EQ(fw.hash_table_area()->size, 0x400u);
  ASSERT_TRUE(fw.snp_sections());
  const auto& s = *fw.snp_sections();
  ASSERT_EQ(s.size(), 7u);
  EXPECT_EQ(s[0].gpa, 0x800000u);
  EXPECT_EQ(s[0].size, 0x9000u);
  EXPECT_EQ(s[0].type, SectionType::kSnpSecMem);
  EXPECT_EQ(s[2].type, SectionType::kSnpSecrets);
  EXPECT_EQ(s[3].type, SectionType::kCpuid);
  EXPECT_EQ(s[4].type, SectionType::kSvsmCaa);
  EXPECT_EQ(s[5].type, SectionType::kSnpKernelHashes);
  EXPECT_EQ(s[5].gpa, 0x810000u);
  EXPECT_EQ(s[6].size, 0xF000u);
}

TEST(OvmfFirmware, OvmfX64HasNoKernelHashesAndAnEmptyHashTableEntry) {
  OvmfFirmware fw = testing::Firmware(testing::kOvmfX64);
  EXPECT_FALSE(fw.hash_table_area());
  EXPECT_FALSE(fw.HasSection(SectionType::kSnpKernelHashes));
  ASSERT_TRUE(fw.snp_sections());
  EXPECT_EQ(fw.snp_sections()->size(), 6u);
}

TEST(FooterTable, RefusesAnEntrySizeRunningOutsideTheTable) {
  Bytes image = FixtureBytes(testing::kAmdSev);
  image[0xFBC] = 0xFF;  // the SEV-ES reset block entry's size, the first entry read after the footer
  auto t = ReadFooterTable(image);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("runs outside the table"), std::string::npos) << t.status().message();
}

TEST(FooterTable, RefusesAFooterLargerThanTheImage) {
  Bytes image = FixtureBytes(testing::kAmdSev);
  image[0xFCE] = 0xFF;
  image[0xFCF] = 0xFF;
  EXPECT_FALSE(ReadFooterTable(image).ok());
}

TEST(SnpMetadata, RefusesAnUnknownSectionType) {
  Bytes image = FixtureBytes(testing::kAmdSev);
  image[0xAC4] = 0x7;  // first section's type (header at 0xAAC + 16 + 8)
  auto fw = OvmfFirmware::Parse(image);
  ASSERT_FALSE(fw.ok());
  EXPECT_NE(fw.status().message().find("unknown type 0x7"), std::string::npos) << fw.status().message();
}

TEST(SnpMetadata, RefusesAHeaderWhoseCountDoesNotMatchItsLength) {
  Bytes image = FixtureBytes(testing::kAmdSev);
  image[0xAAC + 12] = 8;  // 8 sections claimed in a 100-byte header that holds 7
  auto fw = OvmfFirmware::Parse(image);
  ASSERT_FALSE(fw.ok());
  EXPECT_NE(fw.status().message().find("does not fit"), std::string::npos) << fw.status().message();
}

TEST(SnpMetadata, RefusesAnUnalignedSection) {
  Bytes image = FixtureBytes(testing::kAmdSev);
  image[0xAC0] = 0x10;  // first section's size low byte: 0x9010
  EXPECT_FALSE(OvmfFirmware::Parse(image).ok());
}

TEST(SnpMetadata, RefusesAnOffsetOutsideTheImage) {
  Bytes image = FixtureBytes(testing::kAmdSev);
  image[0xF6F] = 0x40;  // metadata offset-from-end 0x4054 in a 4 KiB image
  auto fw = OvmfFirmware::Parse(image);
  ASSERT_FALSE(fw.ok());
  EXPECT_NE(fw.status().message().find("outside"), std::string::npos) << fw.status().message();
}

}  // namespace
}  // namespace cf::attest::snp::measure
