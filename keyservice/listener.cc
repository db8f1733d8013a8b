// getaddrinfo, bind and listen, with the address and the OS's reason in every failure.
#include "keyservice/listener.h"

#include <netdb.h>
#include <netinet/in.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace cf::keysvc {

Result<Listening> Listen(const std::string& host, uint16_t port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
  if (rc != 0) return Status(Code::kInvalidArgument, "cannot resolve " + host + ": " + gai_strerror(rc));
  std::unique_ptr<addrinfo, void (*)(addrinfo*)> list(found, freeaddrinfo);
  Listening out;
  out.socket = attest::Socket(socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!out.socket.valid()) return Status(Code::kIoError, std::string("socket: ") + std::strerror(errno));
  int one = 1;
  setsockopt(out.socket.fd(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  std::string where = host + ":" + std::to_string(port);
  if (bind(out.socket.fd(), found->ai_addr, found->ai_addrlen) != 0) {
    return Status(Code::kIoError, "cannot bind " + where + ": " + std::strerror(errno));
  }
  if (listen(out.socket.fd(), 256) != 0) return Status(Code::kIoError, std::string("listen: ") + std::strerror(errno));
  sockaddr_storage bound{};
  socklen_t len = sizeof(bound);
  getsockname(out.socket.fd(), reinterpret_cast<sockaddr*>(&bound), &len);
  out.port = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                               : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  return out;
}

std::string PeerName(const sockaddr_storage& address, socklen_t length) {
  char host[NI_MAXHOST] = "?", service[NI_MAXSERV] = "?";
  getnameinfo(reinterpret_cast<const sockaddr*>(&address), length, host, sizeof(host), service, sizeof(service),
              NI_NUMERICHOST | NI_NUMERICSERV);
  return std::string(host) + ":" + service;
}

}  // namespace cf::keysvc
