// Golden encodings written out by hand from the framework's field numbers (WIRE.md): if a field number or type
// drifts, these bytes stop matching. Tag byte = (field << 3) | wire type (0 varint, 2 length-delimited).
#include <gtest/gtest.h>

#include "common/bytes.h"
#include "proto/certifier.pb.h"

namespace cf::wire {
namespace {

std::string Hex(const std::string& s) { return HexEncode(AsBytes(s)); }

TEST(GoldenWire, EvidenceIsTypeThenBytes) {
  evidence e;
  e.set_evidence_type("cert");
  e.set_serialized_evidence(std::string("\x01\x02", 2));
  // 0a 04 "cert" | 12 02 01 02
  EXPECT_EQ(Hex(e.SerializeAsString()),
            "0a0463657274120201"
            "02");
}

TEST(GoldenWire, TrustResponseCarriesStatusArtifactAndOurReasonAtField16) {
  trust_response_message r;
  r.set_status("failed");
  r.set_artifact("A");
  r.set_reason("x");
  // 0a 06 "failed" | 22 01 "A" | field 16 length-delimited: tag 0x82 0x01, 01 "x"
  EXPECT_EQ(Hex(r.SerializeAsString()),
            "0a066661696c6564"
            "220141"
            "820101"
            "78");
}

TEST(GoldenWire, TrustRequestFieldNumbers) {
  trust_request_message m;
  m.set_requesting_enclave_tag("r");
  m.set_providing_enclave_tag("p");
  m.set_submitted_evidence_type("s");
  m.set_purpose("a");
  m.mutable_support()->set_prover_type("v");
  // 0a 01 r | 12 01 p | 1a 01 s | 22 01 a | 2a 03 (0a 01 v)
  EXPECT_EQ(Hex(m.SerializeAsString()),
            "0a0172"
            "120170"
            "1a0173"
            "220161"
            "2a030a0176");
}

TEST(GoldenWire, PropertyIntValueIsVarintField5) {
  property p;
  p.set_property_name("d");
  p.set_int_value(300);
  // 0a 01 d | 28 ac 02 (300 as varint)
  EXPECT_EQ(Hex(p.SerializeAsString()),
            "0a0164"
            "28ac02");
}

TEST(GoldenWire, KeyMessageSnpTcbVersionIsField11) {
  key_message k;
  k.set_key_type("ecc-384-public");
  k.set_snp_tcb_version(1);
  // 12 0e "ecc-384-public" | 58 01
  EXPECT_EQ(Hex(k.SerializeAsString()), "120e" + HexEncode(AsBytes("ecc-384-public")) + "5801");
}

TEST(GoldenWire, SevAttestationMessageAndUserDataNonce) {
  sev_attestation_message s;
  s.set_what_was_said("w");
  s.set_reported_attestation("r");
  EXPECT_EQ(Hex(s.SerializeAsString()),
            "0a0177"
            "120172");
  attestation_user_data u;
  u.set_enclave_type("e");
  u.set_time("t");
  u.set_nonce("n");
  // 0a 01 e | 12 01 t | field 16: 82 01 01 n
  EXPECT_EQ(Hex(u.SerializeAsString()),
            "0a0165"
            "120174"
            "820101"
            "6e");
}

TEST(GoldenWire, SignedClaimSequenceIsRepeatedField1LikeBufferSequence) {
  signed_claim_sequence seq;
  seq.add_claims()->set_signing_algorithm("a");
  // claims(1) = 0a 03 (1a 01 a): signing_algorithm is field 3
  EXPECT_EQ(Hex(seq.SerializeAsString()), "0a031a0161");
  buffer_sequence buf;
  buf.add_block(std::string("\x1a\x01\x61", 3));
  EXPECT_EQ(buf.SerializeAsString(), seq.SerializeAsString());
}

TEST(GoldenWire, VseClauseNestsClauseAtField4) {
  vse_clause c;
  c.mutable_subject()->set_entity_type("key");
  c.set_verb("says");
  c.mutable_clause()->set_verb("v");
  // 0a 05 (0a 03 key) | 12 04 says | 22 03 (12 01 v)
  EXPECT_EQ(Hex(c.SerializeAsString()),
            "0a050a036b6579"
            "120473617973"
            "2203120176");
}

}  // namespace
}  // namespace cf::wire
