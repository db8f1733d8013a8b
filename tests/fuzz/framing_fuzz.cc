// Fuzz target: the Certifier Framework's TCP framing as a peer sends it (the service reads requests, the token
// reads replies): the bytes go through a pipe to ReadFrame with the default cap and a short deadline, and the first
// four to ParseFrameHeader.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstring>

#include "attest/framing.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // A pipe holds 64 KiB without a reader; larger inputs add nothing a frame header cannot already say.
  if (size > 60000) return 0;
  if (size >= cf::attest::kFrameHeaderBytes) {
    uint8_t header[cf::attest::kFrameHeaderBytes];
    std::memcpy(header, data, sizeof(header));
    (void)cf::attest::ParseFrameHeader(header, cf::attest::kDefaultMaxFrameBytes);
  }
  int fds[2];
  if (::pipe(fds) != 0) return 0;
  if (size > 0 && ::write(fds[1], data, size) != static_cast<ssize_t>(size)) {
    ::close(fds[0]);
    ::close(fds[1]);
    return 0;
  }
  ::close(fds[1]);  // end of stream after the input: a short frame is kIoError/kCorrupt, never a wait
  auto deadline = cf::attest::Clock::now() + std::chrono::milliseconds(200);
  (void)cf::attest::ReadFrame(fds[0], cf::attest::kDefaultMaxFrameBytes, deadline);
  ::close(fds[0]);
  return 0;
}
