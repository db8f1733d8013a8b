// cf-measure: the launch measurement of a VM image, computed ahead of time, for a policy to trust. Prints the
// digest (hex, or raw with --output-format raw) on stdout and nothing else; every refusal is one line on stderr.
// Exit 0 done, 1 bad flags, 2 the inputs cannot be measured (the message says why), 3 a file could not be read.
#include <CLI/CLI.hpp>
#include <iostream>

#include "attest/sev_snp/measure/measure_request.h"
#include "common/ossl_context.h"
#include "tools/cf-measure/measure_flags.h"

namespace {

using namespace cf;

int Fail(const Status& s) {
  std::cerr << "cf-measure: " << s.message() << "\n";
  return s.code() == Code::kInvalidArgument ? 2 : 3;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "cf-measure: the AMD SEV-SNP launch measurement (the report's MEASUREMENT) of a VM built from an OVMF "
      "image, optionally a kernel, initrd and command line, its vCPUs and VMM; SEV-ES and SEV launch digests "
      "with --mode"};
  app.footer(tools::kMeasureExamples);
  tools::MeasureFlags flags;
  flags.AddTo(app);
  std::string format = "hex";
  app.add_option("--output-format", format, "hex (default) or raw bytes")->check(CLI::IsMember({"hex", "raw"}));
  bool firmware_pages_only = false;
  app.add_flag("--print-snp-ovmf-hash", firmware_pages_only,
               "print only the SNP digest of the firmware's pages (for a later --snp-ovmf-hash) and exit");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 1;
  }
  if (ossl::LibCtx() == nullptr) return Fail(Status(Code::kInternal, "cannot open the OpenSSL library context"));
  auto request = flags.Request();
  if (!request.ok()) return Fail(request.status());
  auto digest = firmware_pages_only ? attest::snp::measure::MeasureSnpFirmwarePages(request->ovmf)
                                    : attest::snp::measure::Measure(*request);
  if (!digest.ok()) return Fail(digest.status());
  if (format == "raw") {
    std::cout.write(reinterpret_cast<const char*>(digest->data()), static_cast<std::streamsize>(digest->size()));
  } else {
    std::cout << HexEncode(*digest) << "\n";
  }
  return std::cout.flush() ? 0 : 3;
}
