// One-shot digests fetched from the private library context.
#include "attest/sev_snp/measure/digests.h"

#include <openssl/evp.h>

#include <filesystem>
#include <fstream>
#include <vector>

#include "common/ossl.h"
#include "common/ossl_context.h"

namespace cf::attest::snp::measure {
namespace {

template <size_t N>
Result<std::array<uint8_t, N>> Digest(const char* name, ByteView data) {
  ossl::Md md(EVP_MD_fetch(ossl::LibCtx(), name, ossl::kPropQuery));
  if (md == nullptr || EVP_MD_get_size(md.get()) != static_cast<int>(N)) {
    return ossl::Error(std::string("fetching ") + name);
  }
  std::array<uint8_t, N> out{};
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, md.get(), nullptr) != 1 || len != N) {
    return ossl::Error(std::string(name) + " digest");
  }
  return out;
}

}  // namespace

Result<Sha256Digest> Sha256OfFile(const std::string& path) {
  // A directory opens and then reads as empty: it must not measure as an empty kernel.
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return Status(Code::kInvalidArgument, "'" + path + "' is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status(Code::kNotFound, "cannot open '" + path + "'");
  ossl::Md md(EVP_MD_fetch(ossl::LibCtx(), "SHA256", ossl::kPropQuery));
  ossl::MdCtx ctx(EVP_MD_CTX_new());
  if (md == nullptr || ctx == nullptr || EVP_DigestInit_ex2(ctx.get(), md.get(), nullptr) != 1) {
    return ossl::Error("SHA256 of '" + path + "'");
  }
  std::vector<char> chunk(1 << 20);
  // Bounded by the file's size: every pass consumes up to one chunk, and a file beyond kMaxFile is refused.
  constexpr uint64_t kMaxFile = uint64_t{16} << 30;
  uint64_t total = 0;
  while (in.read(chunk.data(), static_cast<std::streamsize>(chunk.size())) || in.gcount() > 0) {
    total += static_cast<uint64_t>(in.gcount());
    if (total > kMaxFile) return Status(Code::kInvalidArgument, "'" + path + "' is larger than 16 GiB");
    if (EVP_DigestUpdate(ctx.get(), chunk.data(), static_cast<size_t>(in.gcount())) != 1) {
      return ossl::Error("SHA256 of '" + path + "'");
    }
  }
  if (in.bad()) return Status(Code::kIoError, "reading '" + path + "' failed");
  Sha256Digest out{};
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx.get(), out.data(), &len) != 1 || len != out.size()) {
    return ossl::Error("SHA256 of '" + path + "'");
  }
  return out;
}

Result<Sha384Digest> Sha384(ByteView data) { return Digest<48>("SHA384", data); }
Result<Sha256Digest> Sha256(ByteView data) { return Digest<32>("SHA256", data); }

}  // namespace cf::attest::snp::measure
