// Drives OpenSSL's non-blocking calls: each WANT_READ / WANT_WRITE waits in poll() for the socket, never past the
// deadline. Failures keep OpenSSL's reason (a TLS alert names why the peer refused us).
#include "keyservice/tls_channel.h"

#include <fcntl.h>
#include <openssl/err.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>

#include "common/ossl.h"

namespace cf::keysvc {
namespace {

int MillisLeft(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left <= 0 ? 0 : static_cast<int>(std::min<long long>(left, 1000));
}

// Runs `step` (an SSL_* call returning > 0 on success) until it succeeds, fails or the deadline passes.
Status Drive(SSL* ssl, int fd, Clock::time_point deadline, const char* what, const std::function<int()>& step) {
  for (int rounds = 0; rounds < 1000000; ++rounds) {
    ERR_clear_error();
    int r = step();
    if (r > 0) return Status::Ok();
    int err = SSL_get_error(ssl, r);
    short events = err == SSL_ERROR_WANT_READ ? POLLIN : err == SSL_ERROR_WANT_WRITE ? POLLOUT : 0;
    if (events == 0) {
      if (err == SSL_ERROR_ZERO_RETURN)
        return Status(Code::kIoError, std::string("peer closed the channel while ") + what);
      if (err == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) {
        return Status(Code::kIoError, std::string("connection closed while ") + what +
                                          (errno != 0 ? std::string(": ") + std::strerror(errno) : ""));
      }
      return Status(Code::kIoError, ossl::ErrorString(what));
    }
    int ms = MillisLeft(deadline);
    if (ms == 0) return Status(Code::kUnreachable, std::string("deadline passed while ") + what);
    pollfd p{fd, events, 0};
    if (poll(&p, 1, ms) < 0 && errno != EINTR) {
      return Status(Code::kIoError, std::string("poll failed while ") + what + ": " + std::strerror(errno));
    }
  }
  return Status(Code::kInternal, std::string("no progress while ") + what);
}

// After a refused handshake the alert is on its way; closing with the peer's request still unread would send a
// reset that can overtake it. So: stop sending, and discard what arrives until the peer closes (bounded).
void LingerClose(int fd, Clock::time_point deadline) {
  shutdown(fd, SHUT_WR);
  auto until = std::min(deadline, Clock::now() + std::chrono::milliseconds(250));
  char sink[4096];
  for (int rounds = 0; rounds < 64; ++rounds) {
    pollfd p{fd, POLLIN, 0};
    int ms = MillisLeft(until);
    if (ms == 0 || poll(&p, 1, ms) <= 0) return;
    if (recv(fd, sink, sizeof(sink), MSG_DONTWAIT) <= 0) return;
  }
}

}  // namespace

Result<TlsChannel> TlsChannel::Handshake(SSL_CTX* ctx, attest::Socket socket, Side side, Clock::time_point deadline) {
  int flags = fcntl(socket.fd(), F_GETFL);
  if (flags < 0 || fcntl(socket.fd(), F_SETFL, flags | O_NONBLOCK) != 0) {
    return Status(Code::kIoError, std::string("making the socket non-blocking: ") + std::strerror(errno));
  }
  Ssl ssl(SSL_new(ctx));
  if (!ssl || SSL_set_fd(ssl.get(), socket.fd()) != 1) return ossl::Error("creating a TLS connection");
  SSL* s = ssl.get();
  Status done = Drive(s, socket.fd(), deadline, "in the TLS handshake",
                      [s, side] { return side == Side::kServer ? SSL_accept(s) : SSL_connect(s); });
  if (!done.ok()) {
    LingerClose(socket.fd(), deadline);
    // A refused certificate is the peer's fault, and the reason it most needs to hear.
    long verdict = SSL_get_verify_result(s);
    if (verdict != X509_V_OK) return Status(Code::kPermissionDenied, DescribeVerifyError(verdict));
    if (done.message().find("peer did not return a certificate") != std::string::npos) {
      return Status(Code::kPermissionDenied, "the peer presented no admission certificate");
    }
    return done;
  }
  return TlsChannel(std::move(socket), std::move(ssl));
}

Result<TlsChannel> TlsChannel::Accept(SSL_CTX* ctx, attest::Socket socket, Clock::time_point deadline) {
  return Handshake(ctx, std::move(socket), Side::kServer, deadline);
}

Result<TlsChannel> TlsChannel::Connect(SSL_CTX* ctx, attest::Socket socket, Clock::time_point deadline) {
  return Handshake(ctx, std::move(socket), Side::kClient, deadline);
}

Status TlsChannel::ReadExact(uint8_t* out, size_t n, Clock::time_point deadline) {
  size_t got = 0;
  SSL* s = ssl_.get();
  while (got < n) {
    size_t read = 0;
    CF_RETURN_IF_ERROR(Drive(s, socket_.fd(), deadline, "reading a frame", [&] {
                         return SSL_read_ex(s, out + got, n - got, &read);
                       }).Annotate(std::to_string(got) + " of " + std::to_string(n) + " bytes received"));
    got += read;
  }
  return Status::Ok();
}

Result<Bytes> TlsChannel::ReadFrame(size_t max_bytes, Clock::time_point deadline) {
  uint8_t header[attest::kFrameHeaderBytes];
  CF_RETURN_IF_ERROR(ReadExact(header, sizeof(header), deadline));
  CF_ASSIGN_OR_RETURN(size_t length, attest::ParseFrameHeader(header, max_bytes));
  Bytes body(length);
  CF_RETURN_IF_ERROR(ReadExact(body.data(), length, deadline));
  return body;
}

Status TlsChannel::WriteFrame(ByteView data, Clock::time_point deadline) {
  CF_ASSIGN_OR_RETURN(Bytes frame, attest::EncodeFrame(data));
  SSL* s = ssl_.get();
  size_t sent = 0;
  while (sent < frame.size()) {
    size_t wrote = 0;
    CF_RETURN_IF_ERROR(Drive(s, socket_.fd(), deadline, "writing a frame",
                             [&] { return SSL_write_ex(s, frame.data() + sent, frame.size() - sent, &wrote); }));
    sent += wrote;
  }
  OPENSSL_cleanse(frame.data(), frame.size());  // it may carry an entry's blob
  return Status::Ok();
}

void TlsChannel::Shutdown(Clock::time_point deadline) {
  SSL* s = ssl_.get();
  // close_notify only: waiting for the peer's would cost a slow peer's time for nothing.
  (void)Drive(s, socket_.fd(), deadline, "closing", [s] { return SSL_shutdown(s) >= 0 ? 1 : -1; });
}

}  // namespace cf::keysvc
