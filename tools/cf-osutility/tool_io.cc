// What goes in and out of cf-osutility as bytes: --output-file / stdout writes, --put-item / --import-cryptstore
// reads (capped just above the store's blob limit), and the checks on what is stored (key entries parse as
// key_message, certificates as DER, the PKCS#11 module's types refused). Shared by both command lines.
#include "tools/cf-osutility/tool_io.h"

#include <openssl/x509.h>
#include <unistd.h>

#include <cstdio>

#include "common/atomic_file.h"
#include "common/log.h"
#include "common/ossl.h"
#include "common/x509_der.h"
#include "entries/egress_rule.h"
#include "proto/certifier.pb.h"
#include "tools/cf-osutility/formats.h"

namespace cf::osutil {

Status WriteOutput(const std::string& path, ByteView data) {
  if (path.empty() || path == "-") {
    if (std::fwrite(data.data(), 1, data.size(), stdout) != data.size() || std::fflush(stdout) != 0) {
      return Status(Code::kIoError, "writing " + std::to_string(data.size()) + " bytes to stdout failed");
    }
    return Status::Ok();
  }
  return WriteFileAtomic(path, data, 0600).Annotate("writing --output-file '" + path + "'");
}

Result<SecureBytes> ReadInput(const std::string& path) {
  if (path == "-") {
    SecureBytes out;
    char buf[65536];
    ssize_t n;
    while ((n = read(STDIN_FILENO, buf, sizeof(buf))) > 0) {
      out.insert(out.end(), buf, buf + n);
      if (out.size() > store::kMaxBlobSize) break;
    }
    if (n < 0) return Status(Code::kIoError, "reading stdin failed");
    return out;
  }
  auto data = ReadFile(path, store::kMaxBlobSize + 1);
  if (!data.ok()) {
    if (data.status().code() == Code::kNotFound) {
      return Status(Code::kNotFound, "input file '" + path + "' does not exist; give an existing file");
    }
    return data.status().Annotate("reading input file '" + path + "'");
  }
  SecureBytes out(data->begin(), data->end());
  std::fill(data->begin(), data->end(), 0);
  return out;
}

Status CheckBlobSize(size_t size, const std::string& source) {
  if (size > store::kMaxBlobSize) {
    return Status(Code::kResourceExhausted, source + " is larger than the store's limit of " +
                                                std::to_string(store::kMaxBlobSize) + " bytes; store a smaller item");
  }
  return Status::Ok();
}

// The payload checks the framework's readers rely on: key entries parse as key_message, certificates as DER.
Status CheckPayload(const std::string& type, ByteView blob, const std::string& source) {
  if (type == kKeyMessageType) {
    wire::key_message key;
    if (!key.ParseFromArray(blob.data(), static_cast<int>(blob.size())) || key.key_type().empty()) {
      return Status(Code::kInvalidArgument, source +
                                                " is not a serialized key_message with a key_type (malformed "
                                                "protobuf); give a key_message or another --type");
    }
  } else if (type == kCertificateType) {
    const unsigned char* p = blob.data();
    ossl::X509Ptr cert(ossl::D2iX509(&p, static_cast<long>(blob.size())));
    if (!cert || p != blob.data() + blob.size()) {
      return Status(Code::kInvalidArgument, source +
                                                " is not one DER X.509 certificate; convert it (openssl x509 "
                                                "-outform DER) or use another --type");
    }
  }
  return Status::Ok();
}

// The PKCS#11 module's object format is the module's alone: a payload written here would load as a token object
// with whatever attributes its author chose (SECURITY.md: forged objects).
Status RefuseTokenType(const std::string& type, const std::string& command) {
  if (!entries::IsOwnEntryType(type)) return Status::Ok();
  log::Warning("cf-osutility: refused " + command + " of type '" + type + "': reserved for the PKCS#11 module");
  return Status(Code::kInvalidArgument, "type '" + type + "' is reserved for objects the PKCS#11 module writes; " +
                                            command + " stores the framework's types (or any other type name)");
}

}  // namespace cf::osutil
