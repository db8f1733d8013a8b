// Clause construction, equality and text. Equality is exact on everything but key names and leading zero bytes
// of key numbers, so an attacker cannot make two different keys or measurements compare equal.
#include "certifier/clause.h"

#include <openssl/sha.h>

#include <cstdio>
#include <string_view>

namespace cf::certifier {
namespace {

std::string_view StripZeros(const std::string& s) {
  size_t i = 0;
  while (i + 1 < s.size() && s[i] == '\0') ++i;
  return std::string_view(s).substr(i);
}

std::string PublicNumbers(const wire::key_message& k) {
  std::string out = k.key_type().substr(0, k.key_type().rfind('-')) + "|";
  if (k.has_rsa_key()) {
    out += std::string(StripZeros(k.rsa_key().public_modulus())) + "|" +
           std::string(StripZeros(k.rsa_key().public_exponent()));
  }
  if (k.has_ecc_key()) {
    out += k.ecc_key().curve_name() + "|" + std::string(StripZeros(k.ecc_key().public_point().x())) + "|" +
           std::string(StripZeros(k.ecc_key().public_point().y()));
  }
  return out;
}

bool SamePlatform(const wire::platform& a, const wire::platform& b) {
  return a.SerializeAsString() == b.SerializeAsString();
}

std::string PropertyText(const wire::property& p) {
  std::string v = p.value_type() == "int" ? std::to_string(p.int_value()) : p.string_value();
  if (p.value_type() == "int" && p.property_name() == "tcb-version") {
    // The packed TCB is read byte by byte (microcode, snp, tee, bootloader), which only hex shows.
    char hex[24];
    std::snprintf(hex, sizeof(hex), "0x%016llx", static_cast<unsigned long long>(p.int_value()));
    v = hex;
  }
  std::string cmp = p.comparator().empty() ? "=" : p.comparator();
  return p.property_name() + " " + cmp + " " + v;
}

std::string PlatformText(const wire::platform& p) {
  std::string out = "Platform[" + p.platform_type();
  for (const auto& prop : p.props().props()) out += ", " + PropertyText(prop);
  return out + "]";
}

}  // namespace

wire::entity_message KeyEntity(const wire::key_message& key) {
  wire::entity_message e;
  e.set_entity_type("key");
  wire::key_message* k = e.mutable_key();
  *k = key;
  if (k->has_rsa_key()) {
    wire::rsa_message pub;
    pub.set_public_modulus(key.rsa_key().public_modulus());
    pub.set_public_exponent(key.rsa_key().public_exponent());
    *k->mutable_rsa_key() = pub;
  }
  if (k->has_ecc_key()) k->mutable_ecc_key()->clear_private_multiplier();
  k->clear_secret_key_bits();
  auto dash = k->key_type().rfind("-private");
  if (dash != std::string::npos) k->set_key_type(k->key_type().substr(0, dash) + "-public");
  return e;
}

wire::entity_message MeasurementEntity(ByteView measurement) {
  wire::entity_message e;
  e.set_entity_type("measurement");
  e.set_measurement(AsString(measurement));
  return e;
}

wire::entity_message PlatformEntity(const wire::platform& platform) {
  wire::entity_message e;
  e.set_entity_type("platform");
  *e.mutable_platform_ent() = platform;
  return e;
}

wire::entity_message EnvironmentEntity(const wire::environment& environment) {
  wire::entity_message e;
  e.set_entity_type("environment");
  *e.mutable_environment_ent() = environment;
  return e;
}

wire::vse_clause Unary(const wire::entity_message& subject, const std::string& verb) {
  wire::vse_clause c;
  *c.mutable_subject() = subject;
  c.set_verb(verb);
  return c;
}

wire::vse_clause Simple(const wire::entity_message& subject, const std::string& verb,
                        const wire::entity_message& object) {
  wire::vse_clause c = Unary(subject, verb);
  *c.mutable_object() = object;
  return c;
}

wire::vse_clause Says(const wire::entity_message& speaker, const wire::vse_clause& what) {
  wire::vse_clause c = Unary(speaker, kSays);
  *c.mutable_clause() = what;
  return c;
}

bool SameKey(const wire::key_message& a, const wire::key_message& b) {
  if (!a.has_rsa_key() && !a.has_ecc_key()) return false;
  return PublicNumbers(a) == PublicNumbers(b);
}

bool SameEntity(const wire::entity_message& a, const wire::entity_message& b) {
  if (a.entity_type() != b.entity_type()) return false;
  const std::string& t = a.entity_type();
  if (t == "key") return a.has_key() && b.has_key() && SameKey(a.key(), b.key());
  if (t == "measurement") {
    return a.has_measurement() && b.has_measurement() && a.measurement() == b.measurement() &&
           a.registers() == b.registers();
  }
  if (t == "platform")
    return a.has_platform_ent() && b.has_platform_ent() && SamePlatform(a.platform_ent(), b.platform_ent());
  if (t == "environment") {
    return a.has_environment_ent() && b.has_environment_ent() &&
           a.environment_ent().the_measurement() == b.environment_ent().the_measurement() &&
           SamePlatform(a.environment_ent().the_platform(), b.environment_ent().the_platform());
  }
  return false;
}

bool SameClause(const wire::vse_clause& a, const wire::vse_clause& b) {
  if (a.verb() != b.verb() || a.has_subject() != b.has_subject() || a.has_object() != b.has_object() ||
      a.has_clause() != b.has_clause()) {
    return false;
  }
  if (a.has_subject() && !SameEntity(a.subject(), b.subject())) return false;
  if (a.has_object() && !SameEntity(a.object(), b.object())) return false;
  return !a.has_clause() || SameClause(a.clause(), b.clause());
}

bool IsUnary(const wire::vse_clause& c) {
  return c.has_subject() && !c.verb().empty() && !c.has_object() && !c.has_clause();
}

bool IsSays(const wire::vse_clause& c) { return c.has_subject() && c.verb() == kSays && c.has_clause(); }

std::string KeyFingerprint(const wire::key_message& key) {
  std::string numbers = PublicNumbers(key);
  uint8_t digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const uint8_t*>(numbers.data()), numbers.size(), digest);
  return HexEncode(ByteView(digest, 8));
}

std::string EntityText(const wire::entity_message& e) {
  const std::string& t = e.entity_type();
  if (t == "key") {
    return "Key[" + e.key().key_type() + ", " + e.key().key_name() + ", " + KeyFingerprint(e.key()) + "]";
  }
  if (t == "measurement") return "Measurement[" + HexEncode(AsBytes(e.measurement())) + "]";
  if (t == "platform") return PlatformText(e.platform_ent());
  if (t == "environment") {
    return "Environment[" + PlatformText(e.environment_ent().the_platform()) + ", Measurement[" +
           HexEncode(AsBytes(e.environment_ent().the_measurement())) + "]]";
  }
  return "Unknown[" + t + "]";
}

std::string ClauseText(const wire::vse_clause& c) {
  std::string out = EntityText(c.subject()) + " " + c.verb();
  if (c.has_object()) out += " " + EntityText(c.object());
  if (c.has_clause()) out += " " + ClauseText(c.clause());
  return out;
}

}  // namespace cf::certifier
