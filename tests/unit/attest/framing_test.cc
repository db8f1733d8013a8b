// The framework's framing over a socketpair: exact little-endian length with top byte 0, caps, deadlines and
// truncation.
#include "attest/framing.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

namespace cf::attest {
namespace {

struct Pair {
  Pair() {
    int fds[2];
    EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    a = Socket(fds[0]);
    b = Socket(fds[1]);
  }
  Socket a, b;
};

Clock::time_point Soon() { return Clock::now() + std::chrono::milliseconds(500); }

TEST(Framing, WritesLittleEndianLengthWithTopByteZero) {
  Pair p;
  Bytes body(0x010203, 0xab);
  std::thread reader([&] {
    uint8_t header[4];
    ASSERT_EQ(read(p.b.fd(), header, 4), 4);
    EXPECT_EQ(header[0], 0x03);
    EXPECT_EQ(header[1], 0x02);
    EXPECT_EQ(header[2], 0x01);
    EXPECT_EQ(header[3], 0x00);
    Bytes rest(body.size());
    size_t got = 0;
    while (got < rest.size()) {
      ssize_t r = read(p.b.fd(), rest.data() + got, rest.size() - got);
      ASSERT_GT(r, 0);
      got += r;
    }
  });
  EXPECT_TRUE(WriteFrame(p.a.fd(), body, Clock::now() + std::chrono::seconds(5)).ok());
  reader.join();
}

TEST(Framing, RoundTripsAFrame) {
  Pair p;
  Bytes body = ToBytes("hello certifier");
  ASSERT_TRUE(WriteFrame(p.a.fd(), body, Soon()).ok());
  auto got = ReadFrame(p.b.fd(), 1024, Soon());
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, body);
}

TEST(Framing, RefusesAnnouncedLengthAboveTheCap) {
  Pair p;
  uint8_t header[4] = {0x00, 0x00, 0x10, 0x00};  // 1 MiB
  ASSERT_EQ(write(p.a.fd(), header, 4), 4);
  EXPECT_EQ(ReadFrame(p.b.fd(), 1000, Soon()).status().code(), Code::kResourceExhausted);
}

TEST(Framing, RefusesTopByteSet) {
  Pair p;
  uint8_t header[4] = {0x01, 0x00, 0x00, 0x01};
  ASSERT_EQ(write(p.a.fd(), header, 4), 4);
  EXPECT_EQ(ReadFrame(p.b.fd(), kFrameLimit, Soon()).status().code(), Code::kResourceExhausted);
}

TEST(Framing, TruncatedBodyIsAnError) {
  Pair p;
  uint8_t data[6] = {0x10, 0x00, 0x00, 0x00, 'a', 'b'};
  ASSERT_EQ(write(p.a.fd(), data, 6), 6);
  p.a = Socket();  // close: the peer sees end of stream
  EXPECT_EQ(ReadFrame(p.b.fd(), 1024, Soon()).status().code(), Code::kIoError);
}

TEST(Framing, SilentPeerHitsTheDeadline) {
  Pair p;
  uint8_t partial[2] = {0x05, 0x00};
  ASSERT_EQ(write(p.a.fd(), partial, 2), 2);
  auto start = Clock::now();
  auto got = ReadFrame(p.b.fd(), 1024, Clock::now() + std::chrono::milliseconds(150));
  EXPECT_EQ(got.status().code(), Code::kUnreachable);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(2));
}

TEST(Framing, ConnectToAClosedPortIsUnreachable) {
  auto s = ConnectTcp("127.0.0.1", 1, Soon());
  EXPECT_EQ(s.status().code(), Code::kUnreachable);
}

}  // namespace
}  // namespace cf::attest
