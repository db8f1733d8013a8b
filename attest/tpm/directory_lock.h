// An exclusive flock on <platform directory>/.platform.lock, held for the life of the object: creating the
// attestation key or the sealing key, and replacing sealing-key files, happen under it, so processes that open a
// new platform at once end with one of each.
#pragma once

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <string>

#include "common/status.h"

namespace cf::attest::tpm {

class DirectoryLock {
 public:
  static Result<DirectoryLock> Take(const std::string& directory) {
    const std::string path = directory + "/.platform.lock";
    int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return Status(Code::kIoError, "cannot open the platform lock file " + path);
    if (flock(fd, LOCK_EX) != 0) {
      close(fd);
      return Status(Code::kIoError, "cannot lock " + path);
    }
    return DirectoryLock(fd);
  }
  DirectoryLock(DirectoryLock&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  DirectoryLock(const DirectoryLock&) = delete;
  DirectoryLock& operator=(const DirectoryLock&) = delete;
  DirectoryLock& operator=(DirectoryLock&&) = delete;
  ~DirectoryLock() {
    if (fd_ >= 0) close(fd_);  // releases the flock
  }

 private:
  explicit DirectoryLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace cf::attest::tpm
