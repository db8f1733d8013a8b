// Entries written by cf-osutility in the framework's formats (a separate process on the same store), for tests
// of how the module shows them and what it lets out of them.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "common/ossl.h"
#include "p11_fixture.h"

namespace cf::p11::test {

class FrameworkEntryTest : public ModuleTest {
 protected:
  // Runs cf-osutility on the fixture's token; true on exit status 0. Its stderr goes to *err when given.
  bool OsUtility(const std::string& args, std::string* err = nullptr) {
    std::string err_path = dir_ + "/osutility.err";
    std::string cmd = std::string(CF_OSUTILITY) + " --token-dir " + dir_ + " " + args + " >/dev/null 2>" + err_path;
    bool ok = std::system(cmd.c_str()) == 0;
    if (err != nullptr) *err = ReadText(err_path);
    return ok;
  }
  static std::string ReadText(const std::string& path) {
    std::string out;
    if (FILE* f = std::fopen(path.c_str(), "rb")) {
      char buf[4096];
      size_t n;
      while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) out.append(buf, n);
      std::fclose(f);
    }
    return out;
  }
  bool PutFile(const std::string& tag, const std::string& type, const std::vector<unsigned char>& data,
               const std::string& flags = "") {
    std::string path = dir_ + "/put-" + tag;
    FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr) return false;
    std::fwrite(data.data(), 1, data.size(), f);
    std::fclose(f);
    bool ok = OsUtility("--put-item " + path + " --tag " + tag + " --type " + type + " " + flags);
    std::remove(path.c_str());
    return ok;
  }
  static std::vector<unsigned char> SelfSignedDer() {
    ossl::PKey key(EVP_EC_gen("P-256"));
    ossl::X509Ptr cert(X509_new());
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 7);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("fw"), -1, -1, 0);
    X509_set_issuer_name(cert.get(), name);
    X509_set_pubkey(cert.get(), key.get());
    X509_sign(cert.get(), key.get(), EVP_sha256());
    int len = i2d_X509(cert.get(), nullptr);
    std::vector<unsigned char> der(static_cast<size_t>(len));
    unsigned char* p = der.data();
    i2d_X509(cert.get(), &p);
    return der;
  }
};

}  // namespace cf::p11::test
