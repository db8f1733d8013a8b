// A token's certification state: what C_Login(CKU_USER) does per configured mode, renewal in processes that stay
// logged in, and whether keys marked CKA_CF_REQUIRES_ADMISSION may be used. Owns no store and no thread: the
// Token hands in its storage, and renewal runs in the calling thread of an operation, bounded by the deadline.
// Lock order: Token::mu_ (logins) -> the certification lock file; renewal from operations takes neither mutex.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "common/status.h"
#include "entries/certification.h"
#include "proto/cf_pkcs11.pb.h"
#include "tokendir/token_storage.h"

namespace cf::p11 {

class Admission {
 public:
  explicit Admission(const cf_pkcs11::TokenConfig& config);

  bool enabled() const { return mode_ != cf_pkcs11::CERTIFICATION_OFF; }

  // C_Login(CKU_USER), after the PIN was accepted. required: certify now. cached: use a stored certificate valid
  // for this platform, measurement, policy and auth key unless it is in its renewal window; renew otherwise; keep
  // a still-valid one (with a warning) when renewal fails. A failure is a Status with a CKR_CF_* detail and one
  // log line saying what to fix; the caller then leaves the user logged out.
  Status OnLogin(tokendir::TokenStorage& storage);

  // From operations while the user is logged in: when the certificate entered its renewal window, one caller per
  // process (the others go on at once) takes the token's certification lock without waiting, adopts a certificate
  // another process stored meanwhile, or certifies with the configured deadline. Never fails the operation.
  void MaybeRenew(tokendir::TokenStorage& storage);

  // For keys with CKA_CF_REQUIRES_ADMISSION: CKR_KEY_FUNCTION_NOT_PERMITTED unless a valid certificate is held.
  Status CheckAdmitted(const std::string& key_label) const;

 private:
  // Checks the stored certificate against everything it must name; its validity when it holds.
  Result<entries::Validity> CheckStored(tokendir::TokenStorage& storage, const Bytes& policy_der) const;
  // Under the certification lock: adopt a fresh stored certificate (cached mode, or renewal) or certify.
  Result<entries::Validity> Renew(tokendir::TokenStorage& storage, const Bytes& policy_der, bool adopt_fresh,
                                  bool wait_for_lock);
  void Remember(const entries::Validity& v);
  int64_t RenewPoint(const entries::Validity& v) const;
  Status Failure(const Status& s, attest::CertifyStage stage) const;

  // The last stored certificate found good, with what it was checked against. A cached login that finds the
  // same bytes again skips parsing and verifying them (most of its cost, bench/RESULTS.md); the times are still
  // compared with the clock at every use.
  struct Checked {
    Bytes policy_der;
    Bytes cert_der;
    Bytes auth_key_digest;  // SHA-256 of the serialized auth key: the key itself is not kept twice
    entries::Validity validity;
  };
  mutable std::mutex checked_mu_;  // CheckStored runs under Token::mu_ (login) and without it (renewal)
  mutable std::optional<Checked> checked_;

  const cf_pkcs11::CertificationMode mode_;
  const std::string directory_;
  const std::string address_text_;
  const std::string policy_path_;
  const std::chrono::milliseconds deadline_;
  const uint32_t renewal_percent_;
  // Unix seconds. Read without a lock by every operation on the token (one atomic load per C_*Init).
  std::atomic<int64_t> valid_until_{0};
  std::atomic<int64_t> renew_at_{INT64_MAX};
  // The pid of the process whose thread is renewing (0: none). A pid, not a flag, so a child forked while its
  // parent was renewing does not inherit a renewal that will never finish in it.
  std::atomic<pid_t> renewing_{0};
};

}  // namespace cf::p11
