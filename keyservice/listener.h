// A listening TCP socket for the key server, and the printable address of an accepted peer. Nothing about TLS.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>

#include "attest/framing.h"
#include "common/status.h"

namespace cf::keysvc {

struct Listening {
  attest::Socket socket;  // non-blocking, close-on-exec
  uint16_t port = 0;      // the bound port (the one asked for, or the one the OS picked for 0)
};

Result<Listening> Listen(const std::string& host, uint16_t port);

std::string PeerName(const sockaddr_storage& address, socklen_t length);

}  // namespace cf::keysvc
