// Wire compatibility of proto/cryptstore.proto with the Certifier Framework's: the bytes of a cryptstore_entry and
// a cryptstore are pinned by hand from the field numbers and wire types the framework uses, so renumbering or
// retyping a field (which would make our stores unreadable by cf_utility and vice versa) fails here.
#include <gtest/gtest.h>

#include <string>

#include "proto/cryptstore.pb.h"

namespace cf::wire {
namespace {

using namespace std::string_literals;

// tag=1 string, type=2 string, version=3 int32 (varint), time_entered=4 string, blob=5 bytes, exportable=6 bool.
const std::string kEntryBytes =
    "\x0a\x01t"s             // field 1, length-delimited: "t"
    "\x12\x02ty"s            // field 2: "ty"
    "\x18\x96\x01"s          // field 3, varint: 150
    "\x22\x01Z"s             // field 4: "Z"
    "\x2a\x03\x00\x01\xff"s  // field 5: bytes 00 01 ff
    "\x30\x01"s;             // field 6, varint: true

TEST(CryptstoreWire, EntrySerializesToTheFrameworkBytes) {
  cryptstore_entry e;
  e.set_tag("t");
  e.set_type("ty");
  e.set_version(150);
  e.set_time_entered("Z");
  e.set_blob("\x00\x01\xff"s);
  e.set_exportable(true);
  EXPECT_EQ(e.SerializeAsString(), kEntryBytes);
}

TEST(CryptstoreWire, FrameworkBytesParseIntoEveryField) {
  cryptstore store;
  // field 1 of cryptstore: repeated cryptstore_entry, length-delimited.
  ASSERT_TRUE(store.ParseFromString("\x0a"s + static_cast<char>(kEntryBytes.size()) + kEntryBytes));
  ASSERT_EQ(store.entries_size(), 1);
  const cryptstore_entry& e = store.entries(0);
  EXPECT_EQ(e.tag(), "t");
  EXPECT_EQ(e.type(), "ty");
  EXPECT_EQ(e.version(), 150);
  EXPECT_EQ(e.time_entered(), "Z");
  EXPECT_EQ(e.blob(), "\x00\x01\xff"s);
  EXPECT_TRUE(e.exportable());
}

// int32 on the wire: a negative version is a 10-byte varint the framework also writes; it must survive a round
// trip so the store can refuse it by value, not by a parse failure.
TEST(CryptstoreWire, NegativeVersionIsATenByteVarint) {
  cryptstore_entry e;
  e.set_version(-1);
  EXPECT_EQ(e.SerializeAsString(), "\x18\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"s);
  cryptstore_entry back;
  ASSERT_TRUE(back.ParseFromString(e.SerializeAsString()));
  EXPECT_EQ(back.version(), -1);
}

}  // namespace
}  // namespace cf::wire
