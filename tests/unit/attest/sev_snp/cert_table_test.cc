// The extended report's certificate table: a good table from the genuine Milan certificates parses to exactly
// them, and every malformed layout (truncated, no terminator, out of bounds, overlapping, ...) is refused with
// a reason naming the entry.
#include "attest/sev_snp/cert_table.h"

#include <gtest/gtest.h>

#include "tests/unit/attest/sev_snp/sev_fixtures.h"

namespace cf::attest::snp {
namespace {

using testing::MilanData;

void PutLe32(Bytes* b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) (*b)[at + i] = static_cast<uint8_t>(v >> (8 * i));
}
size_t OffsetField(size_t entry) { return entry * kCertTableEntrySize + 16; }
size_t LengthField(size_t entry) { return entry * kCertTableEntrySize + 20; }

void ExpectRefused(const Bytes& table, const std::string& reason) {
  auto parsed = ParseCertTable(table);
  ASSERT_FALSE(parsed.ok()) << "accepted a table that should fail with '" << reason << "'";
  EXPECT_EQ(parsed.status().code(), Code::kInvalidArgument);
  EXPECT_NE(parsed.status().message().find(reason), std::string::npos) << parsed.status().message();
}

TEST(CertTable, GuidsAreTheOnesTheGhcbSpecificationAssigns) {
  EXPECT_EQ(GuidText(kVcekGuid), "63da758d-e664-4564-adc5-f4b93be8accd");
  EXPECT_EQ(GuidText(kAskGuid), "4ab7b379-bbac-4fe4-a02f-05aef327c782");
  EXPECT_EQ(GuidText(kArkGuid), "c0b406a4-a803-4952-9743-3fb6014cd0ae");
  EXPECT_EQ(GuidName(kVlekGuid), "VLEK");
}

TEST(CertTable, ParsesATableOfTheGenuineMilanCertificates) {
  MilanData m;
  auto parsed = ParseCertTable(m.Table());
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->size(), 3u);
  ASSERT_NE(FindCert(*parsed, kVcekGuid), nullptr);
  EXPECT_EQ(FindCert(*parsed, kVcekGuid)->data, m.vcek);
  EXPECT_EQ(FindCert(*parsed, kAskGuid)->data, m.ask);
  EXPECT_EQ(FindCert(*parsed, kArkGuid)->data, m.ark);
  EXPECT_EQ(FindCert(*parsed, kVlekGuid), nullptr);
}

TEST(CertTable, ZeroPaddingAfterTheCertificatesIsAccepted) {
  // The driver hands back its whole page-rounded buffer.
  MilanData m;
  Bytes table = m.Table();
  table.resize(16 << 10, 0);
  auto parsed = ParseCertTable(table);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(FindCert(*parsed, kAskGuid)->data, m.ask);
}

TEST(CertTable, EmptyOrAllZeroMeansTheHostGaveNone) {
  auto empty = ParseCertTable(Bytes());
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
  auto zeros = ParseCertTable(Bytes(4096, 0));
  ASSERT_TRUE(zeros.ok()) << zeros.status().ToString();
  EXPECT_TRUE(zeros->empty());
}

TEST(CertTable, TruncatedCertificateIsRefused) {
  Bytes table = MilanData().Table();
  table.pop_back();  // the last certificate (ARK) now ends one byte past the end
  ExpectRefused(table, "entry 2 (ARK");
  ExpectRefused(table, "past the end of the");
}

TEST(CertTable, TruncatedEntryListIsRefused) {
  Bytes table = MilanData().Table();
  table.resize(kCertTableEntrySize + 10);
  ExpectRefused(table, "no terminating zero entry");
}

TEST(CertTable, MissingTerminatorIsRefused) {
  Bytes table = MilanData().Table();
  table.resize(3 * kCertTableEntrySize);  // three entries, the terminator cut off
  ExpectRefused(table, "no terminating zero entry: entry 3 at byte 72");
}

TEST(CertTable, OffsetPastTheEndIsRefused) {
  Bytes table = MilanData().Table();
  PutLe32(&table, OffsetField(0), static_cast<uint32_t>(table.size()));
  ExpectRefused(table, "entry 0 (VCEK");
  ExpectRefused(table, "past the end");
}

TEST(CertTable, OffsetAndLengthThatWouldWrapAre32BitSafe) {
  Bytes table = MilanData().Table();
  PutLe32(&table, OffsetField(1), 0xFFFFFF00u);
  PutLe32(&table, LengthField(1), 0x200u);  // wraps to 0x100 in 32-bit arithmetic
  ExpectRefused(table, "entry 1 (ASK");
  ExpectRefused(table, "past the end");
}

TEST(CertTable, CertificateInsideTheEntryListIsRefused) {
  Bytes table = MilanData().Table();
  PutLe32(&table, OffsetField(0), 0);
  ExpectRefused(table, "starts inside the entry list, which ends at byte 96");
}

TEST(CertTable, OverlappingCertificatesAreRefused) {
  Bytes table = MilanData().Table();
  // Point the ASK at the middle of the VCEK.
  uint32_t vcek_offset = 4 * kCertTableEntrySize;
  PutLe32(&table, OffsetField(1), vcek_offset + 10);
  PutLe32(&table, LengthField(1), 20);
  ExpectRefused(table, "overlap");
  ExpectRefused(table, "(VCEK");
}

TEST(CertTable, EmptyCertificateIsRefused) {
  Bytes table = MilanData().Table();
  PutLe32(&table, LengthField(2), 0);
  ExpectRefused(table, "entry 2 (ARK, offset");
  ExpectRefused(table, "is empty");
}

TEST(CertTable, DuplicateGuidIsRefused) {
  MilanData m;
  ExpectRefused(BuildCertTable({{kVcekGuid, m.vcek}, {kVcekGuid, m.ask}}), "VCEK appears twice");
}

TEST(CertTable, TerminatorWithAnOffsetIsRefused) {
  Bytes table = MilanData().Table();
  PutLe32(&table, OffsetField(3), 7);
  ExpectRefused(table, "terminator entry 3 has a zero GUID but offset 7");
}

TEST(CertTable, EndlessEntryListIsCapped) {
  std::vector<CertTableEntry> many;
  for (int i = 0; i < 70; ++i) {
    CertTableEntry e;
    e.guid[0] = static_cast<uint8_t>(i + 1);
    e.data = {1};
    many.push_back(e);
  }
  ExpectRefused(BuildCertTable(many), "more than 64 entries");
}

}  // namespace
}  // namespace cf::attest::snp
