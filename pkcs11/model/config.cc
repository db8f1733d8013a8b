// Configuration sources in priority order, text-format parsing with errors that name line and column.
#include "pkcs11/model/config.h"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "common/atomic_file.h"

namespace cf::p11 {
namespace {

class ErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, google::protobuf::io::ColumnNumber column, const std::string& message) override {
    if (first.empty()) first = "line " + std::to_string(line + 1) + " column " + std::to_string(column + 1) +
                               ": " + message;
  }
  std::string first;
};

Result<LoadedConfig> FromFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Result<LoadedConfig>(Code::kIoError, "cannot read configuration file " + path);
  std::stringstream text;
  text << in.rdbuf();
  CF_ASSIGN_OR_RETURN(cf_pkcs11::Config config, ParseConfigText(text.str(), path));
  return LoadedConfig{std::move(config), path};
}

}  // namespace

Result<cf_pkcs11::Config> ParseConfigText(const std::string& text, const std::string& source) {
  cf_pkcs11::Config config;
  google::protobuf::TextFormat::Parser parser;
  ErrorCollector errors;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(text, &config))
    return Result<cf_pkcs11::Config>(Code::kInvalidArgument,
                                     "configuration from " + source + " is not a valid cf_pkcs11.Config: " +
                                         errors.first + " (see conf/cf-pkcs11.conf for the format)");
  for (int i = 0; i < config.tokens_size(); ++i) {
    if (config.tokens(i).directory().empty())
      return Result<cf_pkcs11::Config>(Code::kInvalidArgument, "configuration from " + source + ": token " +
                                                                   std::to_string(i) + " has no directory");
  }
  return config;
}

Result<LoadedConfig> LoadConfig(const char* reserved) {
  if (reserved != nullptr && *reserved != '\0') {
    std::string text(reserved);
    if (text[0] == '/' && FileExists(text)) return FromFile(text);
    CF_ASSIGN_OR_RETURN(cf_pkcs11::Config config, ParseConfigText(text, "CK_C_INITIALIZE_ARGS.pReserved"));
    return LoadedConfig{std::move(config), "pReserved"};
  }
  if (const char* env = std::getenv("CF_PKCS11_CONF"); env != nullptr && *env != '\0') return FromFile(env);
  if (FileExists(kSystemConfigPath)) return FromFile(kSystemConfigPath);
  LoadedConfig out;
  out.source = "default";
  auto* token = out.config.add_tokens();
  token->set_directory(DefaultTokenDirectory());
  token->set_certification(cf_pkcs11::CERTIFICATION_OFF);
  return out;
}

TokenLocation LocationFor(const cf_pkcs11::TokenConfig& token) {
  TokenLocation loc;
  loc.directory = token.directory();
  if (token.has_enclave_type()) loc.enclave_type = token.enclave_type();
  if (auto backend = ParseBackend(token.backend()); backend.ok()) loc.backend = *backend;
  if (token.has_pin_kdf_iterations()) loc.pin_kdf_iterations = token.pin_kdf_iterations();
  if (token.has_max_failed_logins()) loc.max_failed_logins = token.max_failed_logins();
  return loc;
}

}  // namespace cf::p11
