// Exact, deadline-bounded reads and writes of length-prefixed frames over a socket (poll before each step).
// Nothing here knows what the frames hold.
#include "attest/framing.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace cf::attest {
namespace {

int MillisLeft(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  if (left <= 0) return 0;
  return left > 1000000 ? 1000000 : static_cast<int>(left);
}

// Waits until fd is ready for `events` or the deadline passes.
Status WaitFor(int fd, short events, Clock::time_point deadline, const char* what) {
  for (;;) {
    int ms = MillisLeft(deadline);
    if (ms == 0) return Status(Code::kUnreachable, std::string("deadline passed while ") + what);
    pollfd p{fd, events, 0};
    int r = poll(&p, 1, ms);
    if (r > 0) return Status::Ok();
    if (r == 0) continue;  // re-check the deadline
    if (errno == EINTR) continue;
    return Status(Code::kIoError, std::string("poll failed while ") + what + ": " + std::strerror(errno));
  }
}

Status ReadExact(int fd, uint8_t* out, size_t n, Clock::time_point deadline) {
  size_t got = 0;
  while (got < n) {
    CF_RETURN_IF_ERROR(WaitFor(fd, POLLIN, deadline, "reading a frame"));
    ssize_t r = recv(fd, out + got, n - got, MSG_DONTWAIT);
    if (r > 0) {
      got += static_cast<size_t>(r);
    } else if (r == 0) {
      return Status(Code::kIoError,
                    "peer closed the connection after " + std::to_string(got) + " of " + std::to_string(n) + " bytes");
    } else if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
      return Status(Code::kIoError, std::string("recv failed: ") + std::strerror(errno));
    }
  }
  return Status::Ok();
}

Status WriteExact(int fd, const uint8_t* data, size_t n, Clock::time_point deadline) {
  size_t sent = 0;
  while (sent < n) {
    CF_RETURN_IF_ERROR(WaitFor(fd, POLLOUT, deadline, "writing a frame"));
    ssize_t r = send(fd, data + sent, n - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (r > 0) {
      sent += static_cast<size_t>(r);
    } else if (r < 0 && errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
      return Status(Code::kIoError, std::string("send failed: ") + std::strerror(errno));
    }
  }
  return Status::Ok();
}

}  // namespace

Socket& Socket::operator=(Socket&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

Socket::~Socket() {
  if (fd_ >= 0) close(fd_);
}

Result<Socket> ConnectTcp(const std::string& host, uint16_t port, Clock::time_point deadline) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  std::string where = host + ":" + std::to_string(port);
  int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
  if (rc != 0) return Status(Code::kUnreachable, "cannot resolve " + where + ": " + gai_strerror(rc));
  std::unique_ptr<addrinfo, void (*)(addrinfo*)> list(found, freeaddrinfo);
  std::string last_error = "no address";
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    Socket s(socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol));
    if (!s.valid()) {
      last_error = std::strerror(errno);
      continue;
    }
    if (connect(s.fd(), a->ai_addr, a->ai_addrlen) != 0 && errno != EINPROGRESS) {
      last_error = std::strerror(errno);
      continue;
    }
    Status waited = WaitFor(s.fd(), POLLOUT, deadline, "connecting");
    if (!waited.ok()) {
      last_error = waited.message();
      continue;
    }
    int err = 0;
    socklen_t len = sizeof(err);
    getsockopt(s.fd(), SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      last_error = std::strerror(err);
      continue;
    }
    return s;
  }
  return Status(Code::kUnreachable,
                "cannot connect to " + where + ": " + last_error + " (is the Certifier Service running there?)");
}

Result<Bytes> EncodeFrame(ByteView data) {
  if (data.size() > kFrameLimit) {
    return Status(Code::kInvalidArgument, "frame of " + std::to_string(data.size()) +
                                              " bytes exceeds the framework's limit of " + std::to_string(kFrameLimit));
  }
  Bytes frame = {static_cast<uint8_t>(data.size()), static_cast<uint8_t>(data.size() >> 8),
                 static_cast<uint8_t>(data.size() >> 16), 0};
  frame.insert(frame.end(), data.begin(), data.end());
  return frame;
}

Status WriteFrame(int fd, ByteView data, Clock::time_point deadline) {
  CF_ASSIGN_OR_RETURN(Bytes frame, EncodeFrame(data));
  return WriteExact(fd, frame.data(), frame.size(), deadline);
}

Result<size_t> ParseFrameHeader(const uint8_t (&header)[kFrameHeaderBytes], size_t max_bytes) {
  uint32_t length = header[0] | (uint32_t{header[1]} << 8) | (uint32_t{header[2]} << 16) | (uint32_t{header[3]} << 24);
  if (length > max_bytes || length > kFrameLimit) {
    return Status(Code::kResourceExhausted, "frame announces " + std::to_string(length) +
                                                " bytes, more than the limit of " + std::to_string(max_bytes));
  }
  return size_t{length};
}

Result<Bytes> ReadFrame(int fd, size_t max_bytes, Clock::time_point deadline) {
  uint8_t header[kFrameHeaderBytes];
  CF_RETURN_IF_ERROR(ReadExact(fd, header, kFrameHeaderBytes, deadline));
  CF_ASSIGN_OR_RETURN(size_t length, ParseFrameHeader(header, max_bytes));
  Bytes body(length);
  CF_RETURN_IF_ERROR(ReadExact(fd, body.data(), length, deadline));
  return body;
}

}  // namespace cf::attest
