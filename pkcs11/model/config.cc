// Configuration sources in priority order, text-format parsing with errors that name line and column.
#include "pkcs11/model/config.h"

#include <fcntl.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "common/atomic_file.h"

namespace cf::p11 {
namespace {

class ErrorCollector : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, google::protobuf::io::ColumnNumber column, const std::string& message) override {
    if (first.empty())
      first = "line " + std::to_string(line + 1) + " column " + std::to_string(column + 1) + ": " + message;
  }
  std::string first;
};

// The configuration path comes from the environment or p11-kit: it may name anything. Opened non-blocking so a
// FIFO cannot hang C_Initialize, only regular files are read, and never more than kMaxConfigSize (/dev/zero, or a
// file that grows while read, would otherwise be read forever).
Result<std::string> ReadConfigFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    return Result<std::string>(Code::kIoError, "cannot read configuration file " + path + ": " + std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0)
    return Result<std::string>(Code::kIoError, "cannot stat configuration file " + path + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode))
    return Result<std::string>(Code::kInvalidArgument, "configuration file " + path +
                                                           " is not a regular file (a device, FIFO or directory); "
                                                           "point CF_PKCS11_CONF at a cf-pkcs11.conf file");
  std::string text;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      return Result<std::string>(Code::kIoError,
                                 "cannot read configuration file " + path + ": " + std::strerror(errno));
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > kMaxConfigSize)
      return Result<std::string>(Code::kResourceExhausted, "configuration file " + path + " is larger than " +
                                                               std::to_string(kMaxConfigSize) +
                                                               " bytes; a cf-pkcs11.conf is a few lines");
  }
  return text;
}

Result<LoadedConfig> FromFile(const std::string& path) {
  CF_ASSIGN_OR_RETURN(std::string text, ReadConfigFile(path));
  CF_ASSIGN_OR_RETURN(cf_pkcs11::Config config, ParseConfigText(text, path));
  return LoadedConfig{std::move(config), path};
}

}  // namespace

Result<cf_pkcs11::Config> ParseConfigText(const std::string& text, const std::string& source) {
  cf_pkcs11::Config config;
  google::protobuf::TextFormat::Parser parser;
  ErrorCollector errors;
  parser.RecordErrorsTo(&errors);
  if (!parser.ParseFromString(text, &config))
    return Result<cf_pkcs11::Config>(Code::kInvalidArgument, "configuration from " + source +
                                                                 " is not a valid cf_pkcs11.Config: " + errors.first +
                                                                 " (see conf/cf-pkcs11.conf for the format)");
  for (int i = 0; i < config.tokens_size(); ++i) {
    if (config.tokens(i).directory().empty())
      return Result<cf_pkcs11::Config>(Code::kInvalidArgument, "configuration from " + source + ": token " +
                                                                   std::to_string(i) + " has no directory");
    const auto& t = config.tokens(i);
    if (t.has_certification_deadline_ms() &&
        (t.certification_deadline_ms() < 1 || t.certification_deadline_ms() > 600000))
      return Result<cf_pkcs11::Config>(Code::kInvalidArgument, "configuration from " + source + ": token " +
                                                                   std::to_string(i) + " certification_deadline_ms " +
                                                                   std::to_string(t.certification_deadline_ms()) +
                                                                   " is not in 1..600000");
    if (t.has_certification_renewal_percent() &&
        (t.certification_renewal_percent() < 1 || t.certification_renewal_percent() > 100))
      return Result<cf_pkcs11::Config>(Code::kInvalidArgument,
                                       "configuration from " + source + ": token " + std::to_string(i) +
                                           " certification_renewal_percent " +
                                           std::to_string(t.certification_renewal_percent()) + " is not in 1..100");
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
  token->set_directory(tokendir::DefaultTokenDirectory());
  token->set_certification(cf_pkcs11::CERTIFICATION_OFF);
  return out;
}

tokendir::TokenLocation LocationFor(const cf_pkcs11::TokenConfig& token) {
  tokendir::TokenLocation loc;
  loc.directory = token.directory();
  if (token.has_enclave_type()) loc.enclave_type = token.enclave_type();
  loc.tpm_tcti = token.tpm_tcti();
  loc.tpm_pcrs = token.tpm_pcrs();
  if (auto backend = tokendir::ParseBackend(token.backend()); backend.ok()) loc.backend = *backend;
  if (token.has_pin_kdf_iterations()) loc.pin_kdf_iterations = token.pin_kdf_iterations();
  if (token.has_max_failed_logins()) loc.max_failed_logins = token.max_failed_logins();
  return loc;
}

}  // namespace cf::p11
