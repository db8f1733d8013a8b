// One TLS connection of the key service over a non-blocking socket: handshake, the framework's length-prefixed
// frames (attest/framing.h: 4-byte little-endian length, then the message) inside TLS, and close. Every step has a
// deadline, so a stalled peer costs its connection's time budget and nothing more.
#pragma once

#include "attest/framing.h"
#include "common/bytes.h"
#include "common/status.h"
#include "keyservice/peer_check.h"
#include "keyservice/tls_context.h"

namespace cf::keysvc {

using attest::Clock;

class TlsChannel {
 public:
  // The handshake as server / as client on a connected socket (made non-blocking here). kPermissionDenied with
  // the reason when the peer's admission certificate is refused (or none is sent); kUnreachable past the deadline;
  // kIoError when the peer is no TLS peer or goes away.
  static Result<TlsChannel> Accept(SSL_CTX* ctx, attest::Socket socket, Clock::time_point deadline);
  static Result<TlsChannel> Connect(SSL_CTX* ctx, attest::Socket socket, Clock::time_point deadline);

  // kResourceExhausted when the frame announces more than max_bytes; kIoError on a truncated frame.
  Result<Bytes> ReadFrame(size_t max_bytes, Clock::time_point deadline);
  Status WriteFrame(ByteView data, Clock::time_point deadline);
  // Sends close_notify, waiting at most until the deadline; the socket closes with the channel.
  void Shutdown(Clock::time_point deadline);

  // The verified peer (its certificate passed the handshake's check).
  Result<PeerIdentity> Peer() { return IdentifyPeer(ssl_.get()); }

 private:
  TlsChannel(attest::Socket socket, Ssl ssl) : socket_(std::move(socket)), ssl_(std::move(ssl)) {}
  static Result<TlsChannel> Handshake(SSL_CTX* ctx, attest::Socket socket, Side side, Clock::time_point deadline);
  Status ReadExact(uint8_t* out, size_t n, Clock::time_point deadline);

  attest::Socket socket_;  // declared first: destroyed after ssl_, which refers to its descriptor
  Ssl ssl_;
};

}  // namespace cf::keysvc
