// cf-attest's TPM 2.0 subcommands: `tpm-quote` records a quote on this TPM (the evidence the tpm-enclave sends),
// `tpm-display` prints a recorded one, `tpm-verify` checks it against an attestation key (ak.pub). Exit status 0
// only when the evidence is valid (tpm-verify) or was written/read (tpm-quote, tpm-display).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace cf::tools {

struct TpmCommands {
  CLI::App* quote = nullptr;
  CLI::App* display = nullptr;
  CLI::App* verify = nullptr;
  std::string evidence, ak, platform_dir, tcti, pcrs, out, ak_out;
};

void AddTpmCommands(CLI::App& app, TpmCommands& t);
// -1 when none of the TPM subcommands was chosen.
int RunTpmCommands(const TpmCommands& t);

}  // namespace cf::tools
