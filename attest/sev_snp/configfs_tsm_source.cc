// The configfs-tsm report source. Each Fetch uses its own freshly made entry (mode 0700, random name), so the
// only writers it can meet are privileged processes writing into it on purpose; `generation` still catches them,
// because the kernel raises it on every write to inblob or an option and a report read after someone else's write
// would be for their data. configfs attributes report no size, so files are read to EOF under a cap.
#include "attest/sev_snp/configfs_tsm_source.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "attest/sev_snp/report.h"
#include "common/log.h"
#include "common/random.h"

namespace cf::attest::snp {
namespace {

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// Removes the entry on every way out: configfs keeps an entry (and its report) until rmdir.
class EntryDir {
 public:
  explicit EntryDir(std::string path) : path_(std::move(path)) {}
  ~EntryDir() {
    if (rmdir(path_.c_str()) != 0) {
      log::Warning("could not remove configfs-tsm entry " + path_ + ": " + std::strerror(errno));
    }
  }
  EntryDir(const EntryDir&) = delete;
  EntryDir& operator=(const EntryDir&) = delete;

 private:
  std::string path_;
};

Status Errno(const std::string& what, const std::string& path, int err) {
  Code code = err == ENOENT                     ? Code::kNotFound
              : (err == EACCES || err == EPERM) ? Code::kPermissionDenied
                                                : Code::kIoError;
  return Status(code, what + " " + path + ": " + std::strerror(err));
}

Result<Bytes> ReadAttribute(const std::string& path, size_t cap) {
  Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return Errno("cannot open", path, errno);
  Bytes out;
  uint8_t buf[4096];
  for (;;) {
    ssize_t n = read(fd.get(), buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno("cannot read", path, errno);
    if (n == 0) return out;
    if (out.size() + static_cast<size_t>(n) > cap) {
      return Status(Code::kResourceExhausted, path + " holds more than " + std::to_string(cap) + " bytes");
    }
    out.insert(out.end(), buf, buf + n);
  }
}

Status WriteAttribute(const std::string& path, ByteView data) {
  Fd fd(open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (fd.get() < 0) return Errno("cannot open", path, errno);
  // One write: configfs binary attributes take the value of a single write (a second would replace inblob).
  ssize_t n;
  do {
    n = write(fd.get(), data.data(), data.size());
  } while (n < 0 && errno == EINTR);
  if (n < 0) return Errno("cannot write", path, errno);
  if (static_cast<size_t>(n) != data.size()) {
    return Status(Code::kIoError, "short write to " + path + ": " + std::to_string(n) + " of " +
                                      std::to_string(data.size()) + " bytes");
  }
  return Status::Ok();
}

std::string Trimmed(const Bytes& b) {
  std::string s = AsString(b);
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\0')) s.pop_back();
  return s;
}

Result<uint64_t> ReadGeneration(const std::string& entry) {
  CF_ASSIGN_OR_RETURN(Bytes raw, ReadAttribute(entry + "/generation", 64));
  std::string text = Trimmed(raw);
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos || text.size() > 19) {
    return Status(Code::kIoError, entry + "/generation is '" + text + "', not a number");
  }
  return std::stoull(text);
}

class ConfigfsTsmSource : public ReportSource {
 public:
  explicit ConfigfsTsmSource(ConfigfsTsmOptions options) : options_(std::move(options)) {}
  std::string Describe() const override { return "configfs-tsm at " + options_.root; }

  Result<FetchedReport> Fetch(const ReportData& report_data) override {
    CF_ASSIGN_OR_RETURN(Bytes rnd, RandomBytes(8));
    const std::string entry = options_.root + "/cf-pkcs11-" + std::to_string(getpid()) + "-" + HexEncode(rnd);
    if (mkdir(entry.c_str(), 0700) != 0) {
      return Errno("cannot make configfs-tsm entry (reports need root)", entry, errno);
    }
    EntryDir remove_on_exit(entry);
    if (options_.on_entry_created) options_.on_entry_created(entry);

    CF_ASSIGN_OR_RETURN(Bytes provider_raw, ReadAttribute(entry + "/provider", 256));
    const std::string provider = Trimmed(provider_raw);
    if (provider != options_.provider) {
      return Status(Code::kUnimplemented, "configfs-tsm at " + options_.root + " is provided by '" + provider +
                                              "', not '" + options_.provider + "': this is not an " +
                                              options_.platform_name + " guest");
    }
    CF_ASSIGN_OR_RETURN(uint64_t before, ReadGeneration(entry));
    uint64_t writes = 0;
    if (options_.privlevel) {
      CF_RETURN_IF_ERROR(WriteAttribute(entry + "/privlevel", AsBytes(std::to_string(*options_.privlevel))));
      ++writes;
    }
    CF_RETURN_IF_ERROR(WriteAttribute(entry + "/inblob", ByteView(report_data.data(), report_data.size())));
    ++writes;
    FetchedReport out;
    CF_ASSIGN_OR_RETURN(out.report, ReadAttribute(entry + "/outblob", kTsmBlobMax));
    auto aux = ReadAttribute(entry + "/auxblob", kTsmBlobMax);
    if (aux.ok()) {
      out.cert_table = std::move(aux).value();
    } else if (aux.status().code() != Code::kNotFound) {  // kernels before 6.7 have no auxblob
      return aux.status();
    }
    CF_ASSIGN_OR_RETURN(uint64_t after, ReadGeneration(entry));
    if (after != before + writes) {
      return Status(Code::kVersionConflict,
                    "configfs-tsm entry " + entry + " went from generation " + std::to_string(before) + " to " +
                        std::to_string(after) + " while we wrote " + std::to_string(writes) +
                        " time(s): another process wrote to it, so the report may be for its data");
    }
    if (options_.outblob_size != 0 && out.report.size() != options_.outblob_size) {
      return Status(Code::kIoError, entry + "/outblob is " + std::to_string(out.report.size()) + " bytes; an " +
                                        (options_.platform_name == "SEV-SNP" ? std::string("SNP report")
                                                                             : options_.platform_name + " report") +
                                        " is " + std::to_string(options_.outblob_size));
    }
    return out;
  }

 private:
  ConfigfsTsmOptions options_;
};

}  // namespace

Result<std::unique_ptr<ReportSource>> OpenConfigfsTsmSource(const ConfigfsTsmOptions& options) {
  struct stat st {};
  if (stat(options.root.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return Status(Code::kUnimplemented, "configfs-tsm report root " + options.root + " is not a directory here");
  }
  return std::unique_ptr<ReportSource>(std::make_unique<ConfigfsTsmSource>(options));
}

}  // namespace cf::attest::snp
