// The configfs-tsm source against a fake report root. A plain directory stands in for configfs: when the source
// makes its entry, the fake fills it with the attribute files configfs would show (provider, generation, inblob,
// privlevel) and makes outblob/auxblob FIFOs; a thread plays the kernel: once the source opens outblob (so inblob
// is written), it records inblob/privlevel, raises generation, and serves the recorded report and table.
// Covered: the write/read order, the 64-byte inblob, privlevel, provider and generation checks, a missing auxblob,
// outblob size. Not covered (only real configfs has them): that rmdir removes the entry (here it fails and is
// logged), the kernel's own errors, the report being generated from inblob.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <thread>

#include "attest/sev_snp/configfs_tsm_source.h"
#include "attest/sev_snp/sev_enclave.h"
#include "tests/unit/attest/sev_snp/sev_fixtures.h"

namespace cf::attest::snp {
namespace {

using testing::MilanData;

void WriteText(const std::string& path, const std::string& text) {
  ASSERT_TRUE(WriteFileAtomic(path, AsBytes(text), 0600).ok()) << path;
}

// Opens a FIFO for writing once a reader has it open; false after the deadline or when asked to stop.
int OpenFifoForWriting(const std::string& path, const std::atomic<bool>& stop) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!stop && std::chrono::steady_clock::now() < deadline) {
    int fd = open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0) {
      fcntl(fd, F_SETFL, 0);
      return fd;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return -1;
}

void Serve(int fd, const Bytes& data) {
  if (fd < 0) return;
  if (!data.empty()) {
    EXPECT_EQ(write(fd, data.data(), data.size()), static_cast<ssize_t>(data.size()));
  }
  close(fd);
}

class FakeTsm {
 public:
  FakeTsm() {
    root_ = ::testing::TempDir() + "/fake-tsm-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_);
  }
  ~FakeTsm() {
    stop_ = true;
    for (auto& t : kernels_) t.join();
    std::filesystem::remove_all(root_);
  }

  ConfigfsTsmOptions Options() {
    ConfigfsTsmOptions o;
    o.root = root_;
    o.on_entry_created = [this](const std::string& entry) { Populate(entry); };
    return o;
  }

  std::string root_;
  std::string provider = "sev_guest\n";
  uint64_t generation = 5;
  uint64_t foreign_writes = 0;  // writes by "another process" between ours and our last read
  Bytes report;
  std::optional<Bytes> auxblob;
  // What the source did, as the kernel saw it.
  std::mutex mu;
  std::vector<std::string> entries;
  Bytes inblob;
  std::string privlevel;

 private:
  void Populate(const std::string& entry) {
    {
      std::lock_guard<std::mutex> lock(mu);
      entries.push_back(entry);
    }
    WriteText(entry + "/provider", provider);
    WriteText(entry + "/generation", std::to_string(generation) + "\n");
    WriteText(entry + "/inblob", "");
    WriteText(entry + "/privlevel", "");
    ASSERT_EQ(mkfifo((entry + "/outblob").c_str(), 0600), 0);
    if (auxblob) {
      ASSERT_EQ(mkfifo((entry + "/auxblob").c_str(), 0600), 0);
    }
    kernels_.emplace_back([this, entry] { Kernel(entry); });
  }

  void Kernel(const std::string& entry) {
    int out = OpenFifoForWriting(entry + "/outblob", stop_);
    if (out < 0) return;  // the source stopped before reading the report
    auto in = ReadFile(entry + "/inblob");
    auto priv = ReadFile(entry + "/privlevel");
    uint64_t writes = 1 + (priv.ok() && !priv->empty() ? 1 : 0);
    {
      std::lock_guard<std::mutex> lock(mu);
      if (in.ok()) inblob = *in;
      if (priv.ok()) privlevel = AsString(*priv);
    }
    WriteText(entry + "/generation", std::to_string(generation + writes + foreign_writes) + "\n");
    Serve(out, report);
    if (auxblob) Serve(OpenFifoForWriting(entry + "/auxblob", stop_), *auxblob);
  }

  std::atomic<bool> stop_{false};
  std::vector<std::thread> kernels_;
};

ReportData SomeReportData() {
  ReportData rd;
  for (size_t i = 0; i < rd.size(); ++i) rd[i] = static_cast<uint8_t>(0xA0 + i);
  return rd;
}

TEST(ConfigfsTsm, FetchWritesInblobAndReadsReportAndTable) {
  MilanData m;
  FakeTsm fake;
  fake.report = m.report;
  fake.auxblob = m.Table();
  auto source = OpenConfigfsTsmSource(fake.Options());
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  EXPECT_EQ((*source)->Describe(), "configfs-tsm at " + fake.root_);
  auto fetched = (*source)->Fetch(SomeReportData());
  ASSERT_TRUE(fetched.ok()) << fetched.status().ToString();
  EXPECT_EQ(fetched->report, m.report);
  EXPECT_EQ(fetched->cert_table, m.Table());
  std::lock_guard<std::mutex> lock(fake.mu);
  ReportData asked = SomeReportData();
  EXPECT_EQ(fake.inblob, Bytes(asked.begin(), asked.end()));
  EXPECT_EQ(fake.privlevel, "");  // not set: left to the kernel's floor
  ASSERT_EQ(fake.entries.size(), 1u);
  EXPECT_EQ(std::filesystem::path(fake.entries[0]).filename().string().rfind("cf-pkcs11-", 0), 0u);
}

TEST(ConfigfsTsm, PrivlevelIsWrittenWhenAskedFor) {
  MilanData m;
  FakeTsm fake;
  fake.report = m.report;
  ConfigfsTsmOptions options = fake.Options();
  options.privlevel = 2;
  auto source = OpenConfigfsTsmSource(options);
  ASSERT_TRUE(source.ok());
  auto fetched = (*source)->Fetch(SomeReportData());
  ASSERT_TRUE(fetched.ok()) << fetched.status().ToString();
  std::lock_guard<std::mutex> lock(fake.mu);
  EXPECT_EQ(fake.privlevel, "2");
}

TEST(ConfigfsTsm, AnotherWriterIsDetectedByGeneration) {
  MilanData m;
  FakeTsm fake;
  fake.report = m.report;
  fake.auxblob = m.Table();
  fake.foreign_writes = 1;
  auto source = OpenConfigfsTsmSource(fake.Options());
  ASSERT_TRUE(source.ok());
  auto fetched = (*source)->Fetch(SomeReportData());
  ASSERT_FALSE(fetched.ok());
  EXPECT_EQ(fetched.status().code(), Code::kVersionConflict);
  EXPECT_NE(fetched.status().message().find("went from generation 5 to 7 while we wrote 1 time(s)"), std::string::npos)
      << fetched.status().message();
}

TEST(ConfigfsTsm, AnotherProviderIsNotAnSnpGuest) {
  FakeTsm fake;
  fake.provider = "tdx_guest\n";
  auto source = OpenConfigfsTsmSource(fake.Options());
  ASSERT_TRUE(source.ok());
  auto fetched = (*source)->Fetch(SomeReportData());
  ASSERT_FALSE(fetched.ok());
  EXPECT_EQ(fetched.status().code(), Code::kUnimplemented);
  EXPECT_NE(fetched.status().message().find("provided by 'tdx_guest', not 'sev_guest'"), std::string::npos)
      << fetched.status().message();
}

TEST(ConfigfsTsm, NoAuxblobMeansNoHostCertificates) {
  MilanData m;
  FakeTsm fake;
  fake.report = m.report;
  auto source = OpenConfigfsTsmSource(fake.Options());
  ASSERT_TRUE(source.ok());
  auto fetched = (*source)->Fetch(SomeReportData());
  ASSERT_TRUE(fetched.ok()) << fetched.status().ToString();
  EXPECT_TRUE(fetched->cert_table.empty());
}

TEST(ConfigfsTsm, OutblobOfTheWrongSizeIsRefused) {
  FakeTsm fake;
  fake.report = Bytes(1000, 7);
  auto source = OpenConfigfsTsmSource(fake.Options());
  ASSERT_TRUE(source.ok());
  auto fetched = (*source)->Fetch(SomeReportData());
  ASSERT_FALSE(fetched.ok());
  EXPECT_NE(fetched.status().message().find("outblob is 1000 bytes; an SNP report is 1184"), std::string::npos)
      << fetched.status().message();
}

TEST(ConfigfsTsm, MissingRootIsUnimplemented) {
  ConfigfsTsmOptions o;
  o.root = "/nonexistent/tsm/report";
  auto source = OpenConfigfsTsmSource(o);
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(source.status().code(), Code::kUnimplemented);
}

TEST(ReportSourceChoice, ConfigfsIsPreferredAndNeitherIsAClearError) {
  FakeTsm fake;
  ReportSourceOptions o;
  o.tsm_root = fake.root_;
  o.device = "/nonexistent/sev-guest";
  auto chosen = OpenReportSource(o);
  ASSERT_TRUE(chosen.ok()) << chosen.status().ToString();
  EXPECT_EQ((*chosen)->Describe(), "configfs-tsm at " + fake.root_);

  o.tsm_root = "/nonexistent/tsm";
  auto none = OpenReportSource(o);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), Code::kUnimplemented);
  EXPECT_EQ(none.status().message(),
            "not running in an SEV-SNP guest: neither /nonexistent/tsm nor /nonexistent/sev-guest exists");
}

TEST(ConfigfsTsm, TheEnclaveRunsOverConfigfsWithTheHostsCertificates) {
  MilanData m;
  FakeTsm fake;
  fake.report = m.report;
  fake.auxblob = m.Table();
  auto source = OpenConfigfsTsmSource(fake.Options());
  ASSERT_TRUE(source.ok());
  auto enclave = OpenSevEnclaveWith(std::move(source).value(), nullptr, "");
  ASSERT_TRUE(enclave.ok()) << enclave.status().ToString();
  EXPECT_EQ(HexEncode((*enclave)->measurement()), testing::kMilanMeasurement);
  auto evidence = (*enclave)->PlatformEvidence();
  ASSERT_TRUE(evidence.ok()) << evidence.status().ToString();
  ASSERT_EQ(evidence->size(), 3u);
  EXPECT_EQ(ToBytes((*evidence)[2].serialized_evidence()), m.vcek);
  // Init asked with all-zero REPORT_DATA.
  std::lock_guard<std::mutex> lock(fake.mu);
  EXPECT_EQ(fake.inblob, Bytes(64, 0));
}

}  // namespace
}  // namespace cf::attest::snp
