// The Certifier Framework's TCP framing: a 4-byte little-endian length (top byte 0, as the framework writes it)
// then the serialized message. Reads are exact, sizes are capped and every socket operation has a deadline, so a
// slow or oversized peer costs one connection its time budget and nothing more.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "common/bytes.h"
#include "common/status.h"

namespace cf::attest {

inline constexpr size_t kDefaultMaxFrameBytes = 1u << 20;
// The framework's readers use only the low three length bytes.
inline constexpr size_t kFrameLimit = (1u << 24) - 1;

using Clock = std::chrono::steady_clock;

// Owns a connected socket descriptor; closes it on destruction.
class Socket {
 public:
  Socket() = default;
  explicit Socket(int fd) : fd_(fd) {}
  Socket(Socket&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  Socket& operator=(Socket&& other) noexcept;
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  ~Socket();
  int fd() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  // Gives up ownership: the caller closes the descriptor.
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_ = -1;
};

// kUnreachable when the connection is not made before the deadline (names host, port and the OS reason).
Result<Socket> ConnectTcp(const std::string& host, uint16_t port, Clock::time_point deadline);

// kInvalidArgument if data exceeds the framework's 16 MiB limit; kUnreachable on timeout; kIoError otherwise.
Status WriteFrame(int fd, ByteView data, Clock::time_point deadline);
// kResourceExhausted when the announced length exceeds max_bytes (or has the top byte set); kUnreachable on
// timeout; kIoError / kCorrupt on a short or broken stream.
Result<Bytes> ReadFrame(int fd, size_t max_bytes, Clock::time_point deadline);

inline constexpr size_t kFrameHeaderBytes = 4;
// The body length a frame header announces; kResourceExhausted as in ReadFrame. Shared with readers that
// assemble frames from non-blocking sockets, so both apply the same caps.
Result<size_t> ParseFrameHeader(const uint8_t (&header)[kFrameHeaderBytes], size_t max_bytes);
// Header and data in one buffer, for writers that send from a non-blocking loop; kInvalidArgument as WriteFrame.
Result<Bytes> EncodeFrame(ByteView data);

}  // namespace cf::attest
