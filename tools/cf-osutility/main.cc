// cf-osutility: the Certifier Framework's VM-model OS utility (cf_utility) over the cf-pkcs11 token store.
// Parses the command line, runs one operation, maps its Status to an exit code: 0 ok, 1 usage, 2 not found,
// 3 other failure; each failure is one line on stderr.
#include <cstdlib>
#include <iostream>

#include "common/log.h"
#include "common/ossl_context.h"
#include "tools/cf-osutility/commands.h"
#include "tools/cf-osutility/flags.h"
#include "tools/cf-osutility/framework_commands.h"
#include "tools/cf-osutility/tpm_reseal.h"

namespace {

using cf::osutil::Operation;

cf::Status Run(const cf::osutil::Options& o) {
  switch (o.operation) {
    case Operation::kInitTrust:
      return cf::osutil::InitTrust(o);
    case Operation::kGenerateKey:
      return cf::osutil::GenerateAndSaveKey(o);
    case Operation::kGetItem:
      return cf::osutil::GetItem(o);
    case Operation::kPutItem:
      return cf::osutil::PutItem(o);
    case Operation::kPrint:
      return cf::osutil::PrintCryptstore(o);
    case Operation::kEarliestVersion:
      return cf::osutil::PrintVersion(o, true);
    case Operation::kLatestVersion:
      return cf::osutil::PrintVersion(o, false);
    case Operation::kImport:
      return cf::osutil::ImportCryptstore(o);
    case Operation::kExport:
      return cf::osutil::ExportCryptstore(o);
    case Operation::kTpmPrepareReseal:
    case Operation::kTpmReseal:
      return cf::osutil::TpmReseal(o);
    case Operation::kNone:
      break;
  }
  return cf::Status(cf::Code::kInvalidArgument, "no operation given; see --help");
}

}  // namespace

int main(int argc, char** argv) {
  // The TSS would print TPM errors on stderr beside our own message about them; a user's own TSS2_LOG wins. Here,
  // before any thread exists, setenv is safe (the module never calls it: attest/tpm/tpm_context.h).
  setenv("TSS2_LOG", "all+NONE", 0);
  if (cf::Status ctx = cf::ossl::OpenLibCtx(); !ctx.ok()) {
    std::cerr << "cf-osutility: " << ctx.ToString() << "\n";
    return cf::osutil::kExitFailure;
  }
  cf::log::UseStderr(true);
  cf::log::SetIdent("cf-osutility");
  cf::osutil::ParseOutcome parsed = cf::osutil::ParseCommandLine(argc, argv);
  if (parsed.exit_code >= 0) return parsed.exit_code;
  const cf::osutil::Options& options = parsed.options;
  cf::Status status;
  if (options.framework.active) {
    status = cf::osutil::RunFramework(options);
  } else {
    status = Run(options);
    if (status.ok() && options.print_after) status = cf::osutil::PrintCryptstore(options);
  }
  if (!status.ok()) std::cerr << "cf-osutility: " << status.ToString() << "\n";
  // The framework's closing word (its usage notes: "succeeded" / "failed" on standard output), unless the
  // requested output itself went to stdout.
  if (options.framework.active && options.framework.print_level > 0 && options.output_file != "-")
    std::cout << (status.ok() ? "succeeded" : "failed") << std::endl;
  if (status.ok()) return cf::osutil::kExitOk;
  return status.code() == cf::Code::kNotFound ? cf::osutil::kExitNotFound : cf::osutil::kExitFailure;
}
