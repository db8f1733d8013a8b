// What every benchmark family receives: the run's options, the timing loop and the report. The benchmark ids
// here are the row names bench/run.sh joins the three columns on; keep them stable.
#pragma once

#include <string>
#include <vector>

#include "bench/p11bench/report.h"
#include "bench/p11bench/runner.h"

namespace cf::bench {

// The certification family (issue 14, our module only): a token directory holding a simulated platform the policy
// trusts, two cf-certifier processes on 127.0.0.1 (bench/p11bench/cert_bench.sh starts them) and the policy
// certificate. Empty token_dir: the family does not run.
struct CertificationOptions {
  std::string token_dir;
  std::string certifier;        // HOST:PORT of a service issuing long-lived certificates
  std::string short_certifier;  // HOST:PORT of one whose certificates are due for renewal at once
  std::string short_log;        // that service's log: its "admitted" lines count the renewals
  std::string policy_cert;
  double renewal_seconds = 3;  // timed seconds of each signing-throughput round (renewals come about once a second)
};

struct Options {
  std::string module;       // PKCS#11 module path (empty with --openssl)
  bool openssl = false;     // time OpenSSL EVP directly instead of a module
  double duration_s = 1.0;  // timed seconds per benchmark
  std::vector<int> object_counts = {100, 1000, 5000, 10000};
  int find_objects = 5000;         // object count for find-by-label and the cold start
  int rss_objects = 10000;         // object count for the peak RSS measurement
  double populate_budget_s = 600;  // most seconds spent growing the token; later counts are then n/a
  std::string only;                // comma-separated id prefixes; empty runs everything
  std::string token_label = "p11bench";
  bool reinit = false;  // allow wiping a token that is already initialised
  CertificationOptions certification;
};

struct Context {
  const Options& options;
  const Runner& runner;
  Report& report;
  // True when the benchmark id is selected by --only.
  bool Selected(const std::string& id) const;
};

// Ids shared by the backends (object and session ids are built from the counts in Options).
inline constexpr const char* kCryptoIds[] = {
    "sign_rsa2048_pkcs1",
    "sign_rsa2048_pss",
    "sign_ecdsa_p256",
    "sign_ecdsa_p384",
    "sign_ed25519",
    "verify_rsa2048_pkcs1",
    "verify_ecdsa_p256",
    "decrypt_rsa2048_oaep",
    "derive_ecdh_p256",
    "encrypt_aes_gcm_1k",
    "encrypt_aes_gcm_1m",
    "encrypt_aes_cbc_1m",
    "digest_sha256_1m",
    "mac_hmac_sha256_1k",
    "keygen_rsa2048",
    "keygen_ec_p256",
    "threads1_sign_ecdsa_p256",
    "threads2_sign_ecdsa_p256",
    "threads1_sign_rsa2048",
    "threads2_sign_rsa2048",
};

// The token-only benchmarks, in the order the PKCS#11 backend runs them.
std::vector<std::string> TokenIds(const Options& options);

}  // namespace cf::bench
