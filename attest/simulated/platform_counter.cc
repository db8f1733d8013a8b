// Reading and raising the simulated platform's counter file. Strict parsing: a damaged counter is an error, never
// silently 0, since 0 would disable the rollback check of the store it guards.
#include "attest/simulated/platform_counter.h"

#include <openssl/evp.h>

#include <charconv>

#include "common/atomic_file.h"
#include "common/ossl.h"
#include "common/ossl_context.h"

namespace cf::attest::simulated {
namespace {

Result<uint64_t> ReadPath(const std::string& path) {
  auto raw = ReadFile(path, 64);
  if (!raw.ok() && raw.status().code() == Code::kNotFound) return uint64_t{0};
  if (!raw.ok()) return raw.status().Annotate("reading the simulated platform counter");
  std::string text(raw->begin(), raw->end());
  if (!text.empty() && text.back() == '\n') text.pop_back();
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size())
    return Status(Code::kCorrupt, "simulated platform counter '" + path + "' is damaged (" +
                                      std::to_string(raw->size()) +
                                      " bytes, not a decimal number); restore the "
                                      "platform directory from a backup");
  return value;
}

}  // namespace

Result<std::string> CounterPath(const std::string& directory, const std::string& name) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(name.data(), name.size(), digest, &len, ossl::FetchedDigest("SHA2-256"), nullptr) != 1)
    return ossl::Error("SHA-256 of a counter name");
  return directory + "/" + kCounterFilePrefix + HexEncode(ByteView(digest, 8));
}

Result<uint64_t> ReadCounter(const std::string& directory, const std::string& name) {
  CF_ASSIGN_OR_RETURN(std::string path, CounterPath(directory, name));
  return ReadPath(path);
}

Status AdvanceCounter(const std::string& directory, const std::string& name, uint64_t to) {
  CF_ASSIGN_OR_RETURN(std::string path, CounterPath(directory, name));
  CF_ASSIGN_OR_RETURN(FileLock lock, FileLock::Acquire(path + ".lock", /*exclusive=*/true));
  // Under the lock: any temp file beside the counter is a killed writer's.
  (void)RemoveStaleTempFiles(path);
  CF_ASSIGN_OR_RETURN(uint64_t current, ReadPath(path));
  if (to <= current) return Status::Ok();
  return WriteFileAtomic(path, AsBytes(std::to_string(to) + "\n"), 0600)
      .Annotate("raising the simulated platform counter to " + std::to_string(to));
}

}  // namespace cf::attest::simulated
