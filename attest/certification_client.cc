// Certification exchange, client side. Every step has the request's deadline; the answer is never trusted until
// the certificate checks against the policy certificate we were configured with.
#include "attest/certification_client.h"

#include <openssl/err.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <optional>
#include <thread>

#include "attest/framing.h"
#include "attest/verify_sev.h"
#include "common/log.h"
#include "common/random.h"
#include "common/time_text.h"
#include "proto/key_codec.h"

namespace cf::attest {
namespace {

std::optional<int64_t> UnixSeconds(const ASN1_TIME* t) {
  std::tm tm{};
  if (ASN1_TIME_to_tm(t, &tm) != 1) return std::nullopt;
  return static_cast<int64_t>(timegm(&tm));
}

// Both ends of the validity, by this machine's clock, with the times: a certificate that is not valid yet or no
// longer valid right after issue means one of the two clocks is off, and the message must say so.
Status CheckValidityNow(X509* cert) {
  auto not_before = UnixSeconds(X509_get0_notBefore(cert));
  auto not_after = UnixSeconds(X509_get0_notAfter(cert));
  if (!not_before || !not_after) return Status(Code::kCorrupt, "admission certificate validity does not parse");
  const int64_t now = NowSeconds();
  if (now < *not_before) {
    return Status(Code::kCorrupt, "admission certificate is not valid before " + FormatTime(*not_before) + ", " +
                                      std::to_string(*not_before - now) + " s after this machine's time " +
                                      FormatTime(now) + ": this clock or the Certifier Service's is off");
  }
  if (now >= *not_after) {
    return Status(Code::kCorrupt, "admission certificate expired at " + FormatTime(*not_after) + ", " +
                                      std::to_string(now - *not_after) + " s before this machine's time " +
                                      FormatTime(now) +
                                      " (if it was just issued, this clock or the Certifier "
                                      "Service's is off)");
  }
  return Status::Ok();
}

constexpr std::chrono::milliseconds kRetryPause{250};

// The addresses to try, in a random order: replicas share the load, and a dead one is not always tried first.
Result<std::vector<CertifierAddress>> ShuffledAddresses(const CertificationRequest& request) {
  std::vector<CertifierAddress> order = request.addresses;
  if (order.empty()) order.push_back(CertifierAddress{request.host, request.port});
  if (order.size() > 1) {
    CF_ASSIGN_OR_RETURN(Bytes random, RandomBytes(4 * order.size()));
    for (size_t i = order.size() - 1; i > 0; --i) {  // Fisher-Yates; the modulo bias is of no concern here
      uint32_t r = 0;
      std::memcpy(&r, random.data() + 4 * i, 4);
      std::swap(order[i], order[r % (i + 1)]);
    }
  }
  return order;
}

std::string Milliseconds(Clock::duration d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(d).count()) + " ms";
}

// Tries the addresses in turn until one answers (any answer: a refusal is the service's verdict, not a reason to
// ask another replica). Each connection may take its share of the time left, so an address that never answers a
// SYN cannot use up the whole deadline; once connected, the exchange may use all of it. A request that went out
// gets a fresh nonce before the next attempt: the next replica (or the same one behind a balancer) must not see it
// as a replay.
Result<wire::trust_response_message> ExchangeInTurn(Enclave& enclave, const CertificationRequest& request,
                                                    Clock::time_point deadline, CertifyTrace& t) {
  CF_ASSIGN_OR_RETURN(std::vector<CertifierAddress> order, ShuffledAddresses(request));
  const int max_attempts = request.max_attempts > 0 ? request.max_attempts : static_cast<int>(order.size()) + 1;
  const auto started = Clock::now();
  std::string failures;
  bool resend = false;
  bool ever_connected = false;
  for (int attempt = 0; attempt < max_attempts; ++attempt) {
    if (attempt >= static_cast<int>(order.size())) {
      // Every address refused the connection or did not take it in time: nothing listens, asking again is no use.
      if (!ever_connected) break;
      // Asking an address again (a balancer, or replicas that all failed): a replica killed a moment ago still
      // completes handshakes and resets them while the kernel tears it down, and a balancer needs a moment to
      // route around it. Pause, but never for more than half the time left.
      const auto pause = std::min<Clock::duration>(kRetryPause, (deadline - Clock::now()) / 2);
      if (pause > Clock::duration::zero()) std::this_thread::sleep_for(pause);
    }
    const auto now = Clock::now();
    if (now >= deadline) break;
    if (resend) {
      CF_ASSIGN_OR_RETURN(t.sent, BuildTrustRequest(enclave, request));
    }
    const CertifierAddress& address = order[static_cast<size_t>(attempt) % order.size()];
    const auto connect_by = now + (deadline - now) / (max_attempts - attempt);
    ++t.attempts;
    auto response = ExchangeWith(t.sent, address, request.max_response_bytes, connect_by, deadline, &resend);
    ever_connected = ever_connected || resend;
    if (response.ok()) {
      t.answered_by = address.Text();
      std::string line = "certification: answered by the Certifier Service at " + t.answered_by + " at attempt " +
                         std::to_string(t.attempts) + " after " + Milliseconds(Clock::now() - started);
      if (t.attempts > 1) {
        log::Warning(line + " (" + failures + ")");
      } else {
        log::Info(line);
      }
      return response;
    }
    if (response.status().code() != Code::kUnreachable) {
      t.answered_by = address.Text();
      t.failed_at = CertifyStage::kAnswer;
      return response.status();
    }
    failures += (failures.empty() ? "" : "; ") + response.status().message();
  }
  t.failed_at = CertifyStage::kConnection;
  std::string tried;
  for (size_t i = 0; i < order.size() && i < static_cast<size_t>(t.attempts); ++i) {
    tried += (i == 0 ? "" : ", ") + order[i].Text();
  }
  return Status(Code::kUnreachable, "no Certifier Service answered within " + Milliseconds(request.deadline) +
                                        " after " + std::to_string(t.attempts) + " attempt(s) at " +
                                        (tried.empty() ? order[0].Text() : tried) + ": " +
                                        (failures.empty() ? "no time left for an attempt" : failures));
}

}  // namespace

Result<wire::trust_request_message> BuildTrustRequest(Enclave& enclave, const CertificationRequest& request) {
  wire::attestation_user_data ud;
  ud.set_enclave_type(enclave.type());
  ud.set_time(NowText());
  CF_ASSIGN_OR_RETURN(*ud.mutable_enclave_key(), keys::PublicKeyMessage(request.auth_key));
  if (request.send_policy_key && !request.policy_cert_der.empty()) {
    CF_ASSIGN_OR_RETURN(ossl::X509Ptr cert, ParseCertificate(request.policy_cert_der));
    CF_ASSIGN_OR_RETURN(*ud.mutable_policy_key(),
                        keys::KeyMessageFromPKey(X509_get0_pubkey(cert.get()), false, "policyKey"));
  }
  CF_ASSIGN_OR_RETURN(Bytes nonce, RandomBytes(32));
  ud.set_nonce(AsString(nonce));
  CF_ASSIGN_OR_RETURN(std::vector<wire::evidence> platform, enclave.PlatformEvidence());
  CF_ASSIGN_OR_RETURN(Bytes attestation, enclave.Attest(AsBytes(ud.SerializeAsString())));

  wire::trust_request_message msg;
  msg.set_requesting_enclave_tag("requesting-enclave");
  msg.set_providing_enclave_tag("providing-enclave");
  msg.set_submitted_evidence_type(enclave.evidence_type());
  msg.set_purpose("authentication");
  msg.set_nonce(AsString(nonce));
  wire::evidence_package* pkg = msg.mutable_support();
  pkg->set_prover_type("vse-verifier");
  pkg->set_enclave_type(enclave.type());
  for (auto& e : platform) *pkg->add_fact_assertion() = std::move(e);
  wire::evidence* att = pkg->add_fact_assertion();
  att->set_evidence_type(enclave.type() == kSevEnclave   ? "sev-attestation"
                         : enclave.type() == kTpmEnclave ? "tpm-attestation"
                         : enclave.type() == kTdxEnclave ? "tdx-attestation"
                                                         : "signed-vse-attestation-report");
  att->set_serialized_evidence(AsString(attestation));
  return msg;
}

Status CheckAdmissionCertificate(ByteView der, const CertificationRequest& request, CertifyStage* failed_at) {
  CertifyStage ignored;
  CertifyStage& stage = failed_at != nullptr ? *failed_at : ignored;
  stage = CertifyStage::kAnswer;
  auto cert = ParseCertificate(der);
  if (!cert.ok()) return Status(Code::kCorrupt, "admission certificate: " + cert.status().message());
  stage = CertifyStage::kRequest;
  auto policy = ParseCertificate(request.policy_cert_der);
  if (!policy.ok()) return policy.status().Annotate("policy certificate");
  stage = CertifyStage::kSignature;
  if (X509_NAME_cmp(X509_get_issuer_name(cert->get()), X509_get_subject_name(policy->get())) != 0) {
    return Status(Code::kCorrupt, "admission certificate is not issued under the policy certificate's subject");
  }
  if (X509_verify(cert->get(), X509_get0_pubkey(policy->get())) != 1) {
    ERR_clear_error();
    return Status(Code::kCorrupt, "admission certificate is not signed by the policy key");
  }
  CF_RETURN_IF_ERROR(CheckValidityNow(cert->get()));
  stage = CertifyStage::kSubject;
  CF_ASSIGN_OR_RETURN(ossl::PKey ours, keys::PKeyFromKeyMessage(request.auth_key));
  if (EVP_PKEY_eq(X509_get0_pubkey(cert->get()), ours.get()) != 1) {
    return Status(Code::kCorrupt, "admission certificate certifies another key than our authentication key");
  }
  const X509_NAME* subject = X509_get_subject_name(cert->get());
  auto entry_text = [&](int nid) -> std::optional<std::string> {
    int at = X509_NAME_get_index_by_NID(subject, nid, -1);
    if (at < 0) return std::nullopt;
    const ASN1_STRING* v = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, at));
    return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(v)), ASN1_STRING_length(v));
  };
  if (!request.expected_measurement.empty()) {
    std::string want = "Measured-" + HexEncode(request.expected_measurement);
    auto got = entry_text(NID_organizationName);
    if (!got || *got != want) {
      return Status(Code::kCorrupt, "admission certificate names measurement '" + got.value_or("(none)") +
                                        "', this platform reports '" + want + "'");
    }
  }
  if (!request.expected_platform.empty()) {
    auto got = entry_text(NID_organizationalUnitName);
    if (got && *got != "Platform-" + request.expected_platform) {
      return Status(Code::kCorrupt, "admission certificate is for '" + *got + "', this token runs on '" +
                                        request.expected_platform + "'");
    }
  }
  return Status::Ok();
}

Result<wire::trust_response_message> ExchangeWith(const wire::trust_request_message& message,
                                                  const CertifierAddress& address, size_t max_response_bytes,
                                                  Clock::time_point connect_by, Clock::time_point deadline,
                                                  bool* sent) {
  if (sent != nullptr) *sent = false;
  CF_ASSIGN_OR_RETURN(Socket sock, ConnectTcp(address.host, address.port, std::min(connect_by, deadline)));
  std::string where = address.Text();
  if (sent != nullptr) *sent = true;  // from here the service may have seen the nonce
  Status written = WriteFrame(sock.fd(), AsBytes(message.SerializeAsString()), deadline);
  if (!written.ok())
    return Status(Code::kUnreachable, "sending to the Certifier Service at " + where + ": " + written.message());
  auto answer = ReadFrame(sock.fd(), max_response_bytes, deadline);
  if (!answer.ok()) {
    Code code = answer.status().code() == Code::kResourceExhausted ? Code::kCorrupt : Code::kUnreachable;
    return Status(code, "reading the answer of the Certifier Service at " + where + ": " + answer.status().message());
  }
  wire::trust_response_message response;
  if (!response.ParseFromArray(answer->data(), static_cast<int>(answer->size()))) {
    return Status(Code::kCorrupt, "the Certifier Service at " + where +
                                      " answered with something that is not a "
                                      "trust_response_message");
  }
  return response;
}

Result<wire::trust_response_message> Exchange(const wire::trust_request_message& message,
                                              const CertificationRequest& request) {
  auto deadline = Clock::now() + request.deadline;
  return ExchangeWith(message, CertifierAddress{request.host, request.port}, request.max_response_bytes, deadline,
                      deadline);
}

Result<Bytes> Certify(Enclave& enclave, const CertificationRequest& request, CertifyTrace* trace) {
  CertifyTrace local;
  CertifyTrace& t = trace != nullptr ? *trace : local;
  t.failed_at = CertifyStage::kRequest;
  t.attempts = 0;
  t.answered_by.clear();
  const auto deadline = Clock::now() + request.deadline;
  CF_ASSIGN_OR_RETURN(t.sent, BuildTrustRequest(enclave, request));
  CF_ASSIGN_OR_RETURN(wire::trust_response_message response, ExchangeInTurn(enclave, request, deadline, t));
  return JudgeAnswer(response, request, t.answered_by, &t.failed_at);
}

Result<Bytes> JudgeAnswer(const wire::trust_response_message& response, const CertificationRequest& request,
                          const std::string& answered_by, CertifyStage* failed_at) {
  if (response.status() == "failed") {
    *failed_at = CertifyStage::kVerdict;
    return Status(Code::kPolicyDenied, "the Certifier Service at " + answered_by + " refused: " +
                                           (response.has_reason() ? response.reason() : "(no reason given)"));
  }
  if (response.status() != "succeeded") {
    *failed_at = CertifyStage::kAnswer;
    return Status(Code::kCorrupt,
                  "the Certifier Service at " + answered_by + " answered status '" + response.status() + "'");
  }
  Bytes der = ToBytes(response.artifact());
  CF_RETURN_IF_ERROR(CheckAdmissionCertificate(der, request, failed_at));
  return der;
}

}  // namespace cf::attest
