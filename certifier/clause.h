// Entities and vse clauses of the framework's policy language: building them, comparing them the way the proof
// rules need (keys by public numbers, never by name), and writing them as text for logs and `cf-policy print`.
#pragma once

#include <string>

#include "common/bytes.h"
#include "proto/certifier.pb.h"

namespace cf::certifier {

inline constexpr char kIsTrusted[] = "is-trusted";
inline constexpr char kForAttestation[] = "is-trusted-for-attestation";
inline constexpr char kForAuthentication[] = "is-trusted-for-authentication";
inline constexpr char kForKeyProvision[] = "is-trusted-for-key-provision";
inline constexpr char kSays[] = "says";
inline constexpr char kSpeaksFor[] = "speaks-for";
inline constexpr char kIsEnvironment[] = "is-environment";
inline constexpr char kHasTrustedPlatformProperty[] = "has-trusted-platform-property";
inline constexpr char kEnvPlatformTrusted[] = "environment-platform-is-trusted";
inline constexpr char kEnvMeasurementTrusted[] = "environment-measurement-is-trusted";

wire::entity_message KeyEntity(const wire::key_message& key);  // keeps only the public part
wire::entity_message MeasurementEntity(ByteView measurement);
wire::entity_message PlatformEntity(const wire::platform& platform);
wire::entity_message EnvironmentEntity(const wire::environment& environment);

wire::vse_clause Unary(const wire::entity_message& subject, const std::string& verb);
wire::vse_clause Simple(const wire::entity_message& subject, const std::string& verb,
                        const wire::entity_message& object);
wire::vse_clause Says(const wire::entity_message& speaker, const wire::vse_clause& what);

// Keys are equal when type and public numbers are (leading zero bytes ignored); names never count.
bool SameKey(const wire::key_message& a, const wire::key_message& b);
bool SameEntity(const wire::entity_message& a, const wire::entity_message& b);
bool SameClause(const wire::vse_clause& a, const wire::vse_clause& b);

bool IsUnary(const wire::vse_clause& c);  // subject + verb, no object, no inner clause
bool IsSays(const wire::vse_clause& c);   // subject "says" inner clause

// A short key fingerprint: first 8 bytes of SHA-256 over the public numbers, in hex.
std::string KeyFingerprint(const wire::key_message& key);
std::string EntityText(const wire::entity_message& e);
std::string ClauseText(const wire::vse_clause& c);

}  // namespace cf::certifier
