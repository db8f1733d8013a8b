// cf-osutility's flags as one table: a row names a flag (the framework's spelling first, then aliases), says what
// it does and where its value goes. flags.cc builds the parser from the rows and Spellings(), so a new flag is a
// row and a new spelling style (the framework's gflags forms, "-flag=value", "--noflag") is one function.
#pragma once

#include <array>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "tools/cf-osutility/gflags_argv.h"
#include "tools/cf-osutility/options.h"

namespace cf::osutil {

// What the flags set, before flag_checks.cc turns it into one operation and checked Options.
struct CommandLine {
  Options options;  // flags that map onto one field write it directly
  bool init_trust = false, generate = false, get_item = false, print = false, earliest = false, latest = false;
  bool save = false;
  bool tpm_reseal = false;        // --tpm-reseal
  bool exportable = true;         // --exportable[=false]
  bool exportable_given = false;  // whether --exportable appeared at all (else the operation's default holds)
  std::string version_text, pin_text, pin_file, put_file, import_file, export_file;
  std::string policy_store_text;  // --policy-store-name / --policy_store_filename: each mode has its own default
  // The framework's own flags (cf_utility's gflags), read by framework_checks.cc.
  struct Framework {
    bool help = false, reinit_trust = false, generate_symmetric = false, generate_public = false;
    bool run_first_pass = false;
    std::string data_dir, trust_anchors, certifier_url, service_port, keyname, duration, input_file, print_level;
    std::string attest_key_file, measurement_file, endorsement_file, ark_cert_file, ask_cert_file, vcek_cert_file;
  } framework;
};

// Which command line a flag belongs to: both, only the framework's cf_utility (its presence selects framework
// mode: the framework's files in --data_dir), or only ours (the token directory). Mixing the two is refused.
enum class FlagMode { kShared, kFramework, kOurs };

struct FlagRow {
  std::array<std::string_view, 2> names;  // hyphenated, without dashes; an empty second name: no alias
  const char* help = "";
  std::string* (*value)(CommandLine&) = nullptr;  // a flag that takes a value: where it goes
  bool* (*on)(CommandLine&) = nullptr;            // a switch: set when given ("--flag=false" clears it)
  bool* (*given)(CommandLine&) = nullptr;         // optional: told whether the flag appeared
  FlagMode mode = FlagMode::kShared;
  bool framework_switch = false;  // a value flag ours, a switch the framework's (--put_item=true): gflags_argv.h
};

// How gflags_argv.h must treat a flag named `name` (hyphenated, no dashes); nullopt when no row has it.
std::optional<FlagKind> KindOfFlag(std::string_view name);

// Every flag, in the order --help lists them.
std::span<const FlagRow> FlagTable();

// A row's spellings as CLI11 takes them: "--init-trust,--init_trust,--reinit-trust,--reinit_trust" (the framework's
// utility accepts hyphens and underscores).
std::string Spellings(const FlagRow& row);

}  // namespace cf::osutil
