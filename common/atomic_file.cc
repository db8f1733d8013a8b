// POSIX file plumbing. Every descriptor is closed on every path; errors name the path and errno text.
#include "common/atomic_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

#include "common/random.h"

namespace cf {
namespace {

Status ErrnoStatus(const std::string& what, const std::string& path, int err) {
  Code code = Code::kIoError;
  if (err == ENOENT)
    code = Code::kNotFound;
  else if (err == EACCES || err == EPERM || err == EROFS)
    code = Code::kPermissionDenied;
  else if (err == ENOSPC || err == EFBIG || err == EDQUOT)
    code = Code::kResourceExhausted;
  return Status(code, what + " '" + path + "': " + std::strerror(err));
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }
  int release() {
    int f = fd_;
    fd_ = -1;
    return f;
  }

 private:
  int fd_;
};

std::string DirName(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

Result<Bytes> ReadFile(const std::string& path, size_t max_size) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoStatus("cannot open", path, errno);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return ErrnoStatus("cannot stat", path, errno);
  if (static_cast<uint64_t>(st.st_size) > max_size)
    return Result<Bytes>(Code::kResourceExhausted, "'" + path + "' is " + std::to_string(st.st_size) +
                                                       " bytes, more than the limit " + std::to_string(max_size));
  Bytes out(static_cast<size_t>(st.st_size));
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::read(fd.get(), out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus("cannot read", path, errno);
    if (n == 0) break;  // shrank under us: return what is there
    done += static_cast<size_t>(n);
  }
  out.resize(done);
  return out;
}

Status WriteFileAtomic(const std::string& path, ByteView data, int mode) {
  uint8_t rnd[6];
  CF_RETURN_IF_ERROR(RandomFill(rnd, sizeof(rnd)));
  std::string tmp = path + ".tmp-" + HexEncode(ByteView(rnd, sizeof(rnd)));
  Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
  if (fd.get() < 0) return ErrnoStatus("cannot create", tmp, errno);
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd.get(), data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status s = ErrnoStatus("cannot write", tmp, errno);
      ::unlink(tmp.c_str());
      return s;
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd.get()) != 0) {
    Status s = ErrnoStatus("cannot fsync", tmp, errno);
    ::unlink(tmp.c_str());
    return s;
  }
  ::close(fd.release());
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    Status s = ErrnoStatus("cannot rename into", path, errno);
    ::unlink(tmp.c_str());
    return s;
  }
  Fd dir(::open(DirName(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() >= 0) ::fsync(dir.get());
  return Status::Ok();
}

Result<int> RemoveStaleTempFiles(const std::string& path) {
  const std::string dir = DirName(path);
  size_t slash = path.rfind('/');
  const std::string prefix = (slash == std::string::npos ? path : path.substr(slash + 1)) + ".tmp-";
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return ErrnoStatus("cannot list directory", dir, errno);
  int removed = 0;
  Status first_error;
  while (const dirent* e = ::readdir(d)) {
    std::string_view name(e->d_name);
    if (name.size() != prefix.size() + 12 || name.substr(0, prefix.size()) != prefix) continue;
    if (name.substr(prefix.size()).find_first_not_of("0123456789abcdef") != std::string_view::npos) continue;
    std::string victim = dir + "/" + std::string(name);
    if (::unlink(victim.c_str()) == 0) {
      ++removed;
    } else if (errno != ENOENT && first_error.ok()) {
      first_error = ErrnoStatus("cannot remove stale temp file", victim, errno);
    }
  }
  ::closedir(d);
  if (!first_error.ok()) return first_error;
  return removed;
}

Status MakeDirectories(const std::string& path, int mode) {
  if (path.empty()) return Status(Code::kInvalidArgument, "empty directory path");
  std::string partial;
  size_t pos = 0;
  while (pos != std::string::npos) {
    pos = path.find('/', pos + 1);
    partial = path.substr(0, pos);
    if (partial.empty()) continue;
    if (::mkdir(partial.c_str(), static_cast<mode_t>(mode)) != 0 && errno != EEXIST)
      return ErrnoStatus("cannot create directory", partial, errno);
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return Status(Code::kIoError, "'" + path + "' is not a directory");
  return Status::Ok();
}

bool FileExists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

Result<FileLock> FileLock::Acquire(const std::string& path, bool exclusive) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0 && !exclusive) fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("cannot open lock file", path, errno);
  while (::flock(fd, exclusive ? LOCK_EX : LOCK_SH) != 0) {
    if (errno == EINTR) continue;
    int err = errno;
    ::close(fd);
    return ErrnoStatus("cannot lock", path, err);
  }
  return FileLock(fd);
}

Result<std::optional<FileLock>> FileLock::AcquireBy(const std::string& path,
                                                    std::chrono::steady_clock::time_point deadline) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoStatus("cannot open lock file", path, errno);
  // Polling, because flock has no timeout; 5 ms steps keep the wait close to the deadline without spinning.
  for (;;) {
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) return std::optional<FileLock>(FileLock(fd));
    int err = errno;
    if (err == EINTR) continue;
    if (err != EWOULDBLOCK) {
      ::close(fd);
      return ErrnoStatus("cannot lock", path, err);
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      ::close(fd);
      return std::optional<FileLock>();
    }
    ::usleep(5000);
  }
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

}  // namespace cf
