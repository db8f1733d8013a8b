// Certification on C_Login and renewal while logged in (ARCHITECTURE.md "Keys and login"; DESIGN-NOTES.md).
// Every failure leaves one log line naming what to fix and a CKR_CF_* code (cf_pkcs11.h); nothing here touches
// the PIN counter, and a failed renewal never removes what is stored.
#include "pkcs11/model/admission.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <algorithm>
#include <ctime>

#include "common/atomic_file.h"
#include "common/log.h"
#include "common/process_id.h"
#include "pkcs11/include/cf_pkcs11.h"
#include "pkcs11/model/object.h"

namespace cf::p11 {
namespace {

constexpr char kDefaultAddress[] = "127.0.0.1:8123";
// Versions of the admission certificate and evidence kept: the newest and the one before, so an object handle
// another process found a moment ago still names something.
constexpr int32_t kKeepVersions = 2;

int64_t Now() { return static_cast<int64_t>(std::time(nullptr)); }

Bytes KeyDigest(const wire::key_message& key) {
  std::string serialized = key.SerializeAsString();
  Bytes digest(SHA256_DIGEST_LENGTH);
  SHA256(reinterpret_cast<const uint8_t*>(serialized.data()), serialized.size(), digest.data());
  OPENSSL_cleanse(serialized.data(), serialized.size());
  return digest;
}

std::string TimeText(int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace

Admission::Admission(const cf_pkcs11::TokenConfig& config)
    : mode_(config.certification()),
      directory_(config.directory()),
      address_text_(config.certifier_address().empty() ? kDefaultAddress : config.certifier_address()),
      policy_path_(config.policy_certificate()),
      deadline_(config.has_certification_deadline_ms() ? config.certification_deadline_ms() : 5000),
      renewal_percent_(config.has_certification_renewal_percent() ? config.certification_renewal_percent() : 20) {}

int64_t Admission::RenewPoint(const entries::Validity& v) const {
  int64_t span = v.not_after - v.not_before;
  return v.not_after - span * static_cast<int64_t>(renewal_percent_) / 100;
}

void Admission::Remember(const entries::Validity& v) {
  valid_until_.store(v.not_after, std::memory_order_release);
  // Not before the retry pause: a certificate issued already inside its window (a service with a validity shorter
  // than the window) must not make every operation certify again.
  int64_t pause = std::max<int64_t>(1, deadline_.count() / 1000);
  renew_at_.store(std::max(RenewPoint(v), Now() + pause), std::memory_order_release);
}

Status Admission::Failure(const Status& s, attest::CertifyStage stage) const {
  std::string where = "the Certifier Service at " + address_text_;
  CK_RV rv = CKR_DEVICE_ERROR;
  std::string name = "CKR_DEVICE_ERROR", fix;
  switch (stage) {
    case attest::CertifyStage::kConnection:
      rv = CKR_CF_CERTIFIER_UNREACHABLE, name = "CKR_CF_CERTIFIER_UNREACHABLE";
      fix = "start cf-certifier at " + address_text_ +
            " (or another replica), fix certifier_address, or raise certification_deadline_ms (" +
            std::to_string(deadline_.count()) + " ms)";
      break;
    case attest::CertifyStage::kVerdict:
      rv = CKR_CF_POLICY_DENIED, name = "CKR_CF_POLICY_DENIED";
      fix = "add this platform's key and measurement to the policy of " + where + " (cf-policy compile)";
      break;
    case attest::CertifyStage::kAnswer:
      rv = CKR_CF_CERTIFIER_BAD_ANSWER, name = "CKR_CF_CERTIFIER_BAD_ANSWER";
      fix = "certifier_address " + address_text_ + " must name a Certifier Service (cf-certifier)";
      break;
    case attest::CertifyStage::kSignature:
      rv = CKR_CF_ADMISSION_CERT_INVALID, name = "CKR_CF_ADMISSION_CERT_INVALID";
      fix = "policy_certificate must be the certificate of the policy key " + where +
            " signs with, and this machine's clock must be right";
      break;
    case attest::CertifyStage::kSubject:
      rv = CKR_CF_ADMISSION_CERT_MISMATCH, name = "CKR_CF_ADMISSION_CERT_MISMATCH";
      fix = where +
            " certified something other than this token's auth key and platform; check which service "
            "certifier_address names";
      break;
    case attest::CertifyStage::kRequest:
      fix = "the token's platform or store failed before anything was sent";
      break;
  }
  std::string line =
      "token " + directory_ + ": certification failed, not logged in (" + name + "): " + s.message() + "; " + fix;
  log::Error("cf-pkcs11: " + line);
  return Status(s.code(), line, rv);
}

Result<entries::Validity> Admission::CheckStored(tokendir::TokenStorage& storage, const Bytes& policy_der) const {
  CF_ASSIGN_OR_RETURN(std::optional<wire::key_message> key, entries::LoadAuthKey(*storage.store));
  if (!key) return Status(Code::kNotFound, "no auth key stored yet");
  CF_ASSIGN_OR_RETURN(std::optional<Bytes> der, entries::LoadAdmissionCertificate(*storage.store));
  if (!der) return Status(Code::kNotFound, "no admission certificate stored yet");
  Bytes key_digest = KeyDigest(*key);
  {
    std::lock_guard<std::mutex> lock(checked_mu_);
    if (checked_ && checked_->cert_der == *der && checked_->policy_der == policy_der &&
        checked_->auth_key_digest == key_digest) {
      const entries::Validity& v = checked_->validity;
      int64_t now = Now();
      if (now >= v.not_before && now < v.not_after) return v;
      // Outside its validity now: the full check below says how, with the times.
    }
  }
  attest::CertificationRequest expect;
  expect.auth_key = std::move(*key);
  expect.policy_cert_der = policy_der;
  expect.expected_measurement = storage.enclave->measurement();
  expect.expected_platform = storage.enclave->type();
  CF_RETURN_IF_ERROR(attest::CheckAdmissionCertificate(*der, expect));
  CF_ASSIGN_OR_RETURN(entries::Validity validity, entries::CertificateValidity(*der));
  std::lock_guard<std::mutex> lock(checked_mu_);
  checked_ = Checked{policy_der, std::move(*der), std::move(key_digest), validity};
  return validity;
}

Result<entries::Validity> Admission::Renew(tokendir::TokenStorage& storage, const Bytes& policy_der, bool adopt_fresh,
                                           bool wait_for_lock) {
  auto start = std::chrono::steady_clock::now();
  auto deadline = start + deadline_;
  // One certification at a time per token, across threads and processes: the loser of a race waits (login) or
  // goes on (renewal from an operation), then finds the winner's certificate in the store.
  auto lock = FileLock::AcquireBy(directory_ + "/certification.lock", wait_for_lock ? deadline : start);
  std::optional<FileLock> held;
  if (lock.ok()) {
    if (!*lock) {
      return Status(Code::kUnreachable,
                    "another process has been certifying this token for longer than "
                    "certification_deadline_ms (" +
                        std::to_string(deadline_.count()) + " ms)");
    }
    held.emplace(std::move(**lock));
  } else {
    // A read-only token directory: certify without the lock (the store's own locking orders the writes).
    log::Debug("cf-pkcs11: token " + directory_ + ": no certification lock: " + lock.status().ToString());
  }
  if (adopt_fresh) {
    auto stored = CheckStored(storage, policy_der);
    if (stored.ok() && Now() < RenewPoint(*stored)) return stored;
  }
  entries::CertifyOptions options;
  CF_ASSIGN_OR_RETURN(options.addresses, entries::ParseCertifierAddresses(address_text_, "certifier_address"));
  options.policy_cert_der = policy_der;
  options.deadline = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  if (options.deadline.count() <= 0) {
    return Status(Code::kUnreachable, "no time left within certification_deadline_ms after waiting for the lock");
  }
  // The auth key is the token's (PIN and platform); the certificates are public material.
  options.key_tier = store::Tier::kUser;
  options.cert_tier = store::Tier::kPlatform;
  attest::CertifyTrace trace;
  auto done = entries::CertifyStore(*storage.store, *storage.enclave, options, &trace);
  if (!done.ok()) return Failure(done.status(), trace.failed_at);
  entries::PruneCertificationEntries(*storage.store, kKeepVersions);
  return entries::CertificateValidity(done->certificate_der);
}

Status Admission::OnLogin(tokendir::TokenStorage& storage) {
  if (!enabled()) return Status::Ok();
  auto policy = entries::LoadPolicyCertificate(policy_path_, "policy_certificate");
  if (!policy.ok()) {
    std::string line = "token " + directory_ + ": certification failed, not logged in " +
                       "(CKR_CF_POLICY_CERT_UNUSABLE): " + policy.status().message() +
                       "; fix policy_certificate in the token configuration";
    log::Error("cf-pkcs11: " + line);
    return Status(policy.status().code(), line, CKR_CF_POLICY_CERT_UNUSABLE);
  }
  Result<entries::Validity> stored = Status(Code::kNotFound, "not looked up (certification required)");
  if (mode_ == cf_pkcs11::CERTIFICATION_CACHED) {
    stored = CheckStored(storage, *policy);
    if (stored.ok() && Now() < RenewPoint(*stored)) {
      Remember(*stored);
      return Status::Ok();
    }
  }
  auto renewed = Renew(storage, *policy, mode_ == cf_pkcs11::CERTIFICATION_CACHED, true);
  if (renewed.ok()) {
    Remember(*renewed);
    log::Info("cf-pkcs11: token " + directory_ + ": admission certificate valid until " + TimeText(renewed->not_after));
    return Status::Ok();
  }
  if (stored.ok() && Now() < stored->not_after) {
    log::Warning("cf-pkcs11: token " + directory_ + ": renewing the admission certificate failed (" +
                 renewed.status().message() + "); logged in with the stored one, valid until " +
                 TimeText(stored->not_after));
    Remember(*stored);
    return Status::Ok();
  }
  if (renewed.status().has_detail()) return renewed.status();
  // Lock timeouts and store failures: the first is the slow-service case, the rest are the store's own codes.
  if (renewed.status().code() == Code::kUnreachable)
    return Failure(renewed.status(), attest::CertifyStage::kConnection);
  return Failure(renewed.status(), attest::CertifyStage::kRequest);
}

void Admission::MaybeRenew(tokendir::TokenStorage& storage) {
  if (!enabled() || Now() < renew_at_.load(std::memory_order_acquire)) return;
  pid_t me = CurrentPid();
  pid_t busy = renewing_.load(std::memory_order_acquire);
  if (busy == me) return;  // another thread of this process is on it
  if (!renewing_.compare_exchange_strong(busy, me, std::memory_order_acq_rel)) return;
  // Whatever happens, do not try again on every call: wait a little before the next attempt.
  renew_at_.store(Now() + std::max<int64_t>(1, deadline_.count() / 1000), std::memory_order_release);
  auto policy = entries::LoadPolicyCertificate(policy_path_, "policy_certificate");
  Result<entries::Validity> renewed =
      policy.ok() ? Renew(storage, *policy, true, false) : Result<entries::Validity>(policy.status());
  if (renewed.ok()) {
    Remember(*renewed);
    log::Info("cf-pkcs11: token " + directory_ + ": admission certificate renewed, valid until " +
              TimeText(renewed->not_after));
  } else {
    log::Warning("cf-pkcs11: token " + directory_ +
                 ": renewing the admission certificate failed, will retry: " + renewed.status().message());
  }
  renewing_.store(0, std::memory_order_release);
}

Status Admission::CheckAdmitted(const std::string& key_label) const {
  std::string why;
  if (!enabled()) {
    why = "its token has certification off (set certification: CERTIFICATION_CACHED or _REQUIRED)";
  } else if (Now() >= valid_until_.load(std::memory_order_acquire)) {
    why = valid_until_.load() == 0 ? "the token holds no admission certificate in this session (log in first)"
                                   : "the token's admission certificate expired at " + TimeText(valid_until_.load()) +
                                         " and was not renewed (is the Certifier Service reachable?)";
  } else {
    return Status::Ok();
  }
  return Refuse(CKR_KEY_FUNCTION_NOT_PERMITTED, "CKR_KEY_FUNCTION_NOT_PERMITTED",
                "key '" + key_label + "' has CKA_CF_REQUIRES_ADMISSION and " + why);
}

}  // namespace cf::p11
