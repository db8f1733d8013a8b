// Whole-file reads and durable atomic replacement: write a temp file beside the target, fsync it, rename it over
// the target, fsync the directory. A crash leaves the old or the new file, never a mix.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "common/bytes.h"
#include "common/secure_bytes.h"
#include "common/status.h"

namespace cf {

// kNotFound when missing; kResourceExhausted above max_size.
Result<Bytes> ReadFile(const std::string& path, size_t max_size = 256u << 20);
// mode applies to a newly created file (e.g. 0600 for sealed keys).
Status WriteFileAtomic(const std::string& path, ByteView data, int mode = 0600);
// Removes "<path>.tmp-<12 hex>" files, the temp names WriteFileAtomic gives, left by a writer killed before its
// rename. The caller must hold the lock that serialises writers of `path` (else it could remove a live writer's
// file). Returns how many were removed.
Result<int> RemoveStaleTempFiles(const std::string& path);
Status MakeDirectories(const std::string& path, int mode = 0700);
bool FileExists(const std::string& path);

// An exclusive or shared flock on a lock file, released (and the descriptor closed) by the destructor.
class FileLock {
 public:
  static Result<FileLock> Acquire(const std::string& path, bool exclusive);
  // Exclusive, waiting no later than `deadline` (a past deadline: one try). nullopt: still held by someone else.
  // flock locks belong to the open file, so two threads of one process exclude each other too.
  static Result<std::optional<FileLock>> AcquireBy(const std::string& path,
                                                   std::chrono::steady_clock::time_point deadline);
  FileLock(FileLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  FileLock& operator=(FileLock&&) = delete;
  ~FileLock();

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace cf
