// What cf-osutility's framework mode works on (the Certifier Framework's cf_utility command line, checked by
// framework_checks.cc): the framework's files, resolved to paths, and the framework's settings with its defaults.
#pragma once

#include <cstdint>
#include <string>

namespace cf::osutil {

struct FrameworkOptions {
  bool active = false;            // the command line is the framework's: work on its files in place
  bool reinit = false;            // --reinit_trust: certify again even when certified
  std::string domain;             // --policy_domain_name (default datica)
  std::string data_dir;           // --data_dir, ending in '/'
  std::string cryptstore_path;    // <data_dir><--encrypted_cryptstore_filename>
  std::string policy_store_path;  // <data_dir><--policy_store_filename>
  std::string policy_cert_path;   // --policy_key_cert_file, found in <data_dir>cf_data/ or <data_dir>
  std::string trust_anchors_path;
  std::string host;
  uint16_t port = 0;
  std::string file_key_type;      // --symmetric_key_algorithm when given: seal rewritten files with it
  std::string new_file_key_type;  // a new file's (the flag's value or the framework's default)
  std::string keyname;
  std::string generate_algorithm;  // --generate_symmetric_key / --generate_public_key: the key's algorithm
  int64_t validity_seconds = 0;    // --duration hours
  std::string input_file;
  bool output_file_given = false;
  int print_level = 1;
  // The platform: simulated-enclave's files, or sev-enclave's certificate directory.
  std::string attest_key_file, measurement_file, endorsement_file;
  std::string sev_cert_directory;
};

}  // namespace cf::osutil
