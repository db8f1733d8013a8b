// Sealing-key files. Every change (create, promote, re-seal) happens under the platform directory's lock, so two
// processes opening a new platform at once end with one key, and a promotion racing a re-seal cannot lose the key
// (directory_lock.h). Nothing here deletes a file that is the only copy of the key; a replaced sealing is gone at
// once, since it still unseals the key in the boot state it was sealed to, which the change meant to leave behind.
#include "attest/tpm/sealing_key.h"

#include <tss2/tss2_mu.h>
#include <unistd.h>

#include <cstdio>

#include "attest/tpm/directory_lock.h"
#include "attest/tpm/pcr.h"
#include "attest/tpm/tpm_ops.h"
#include "common/atomic_file.h"
#include "common/random.h"
#include "proto/cf_pkcs11.pb.h"

namespace cf::attest::tpm {
namespace {

constexpr size_t kKeySize = 32;

std::string Current(const std::string& d) { return d + "/sealing-key.tpm"; }
std::string Next(const std::string& d) { return d + "/sealing-key.next.tpm"; }
// Kept by earlier versions on every replacement; removed wherever found (see Replace).
std::string Prev(const std::string& d) { return d + "/sealing-key.prev.tpm"; }

Result<cf_pkcs11::TpmSealed> SealKey(TpmContext& tpm, const TPML_PCR_SELECTION& selection, ByteView key,
                                     const std::vector<Bytes>& values, bool expected) {
  CF_ASSIGN_OR_RETURN(Bytes digest, PcrDigest(values));
  CF_ASSIGN_OR_RETURN(TpmObject sealed, SealUnderPcrs(tpm, selection, key, expected ? ByteView(digest) : ByteView()));
  CF_ASSIGN_OR_RETURN(Bytes marshalled, MarshalSelection(selection));
  cf_pkcs11::TpmSealed out;
  out.set_tpm_public(AsString(sealed.public_area));
  out.set_tpm_private(AsString(sealed.private_area));
  out.set_pcr_selection(AsString(marshalled));
  out.set_pcr_digest(AsString(digest));
  return out;
}

Result<cf_pkcs11::TpmSealed> ReadSealed(const std::string& path) {
  CF_ASSIGN_OR_RETURN(Bytes raw, ReadFile(path, 1 << 16));
  cf_pkcs11::TpmSealed in;
  if (!in.ParseFromArray(raw.data(), static_cast<int>(raw.size())) || !in.has_tpm_public() || !in.has_tpm_private() ||
      !in.has_pcr_selection()) {
    return Status(Code::kCorrupt, path + " is not a TPM-sealed key (TpmSealed)");
  }
  return in;
}

Result<SecureBytes> UnsealFile(TpmContext& tpm, const std::string& path, std::string* refusal) {
  CF_ASSIGN_OR_RETURN(cf_pkcs11::TpmSealed in, ReadSealed(path));
  TPML_PCR_SELECTION selection = {};
  size_t offset = 0;
  if (Tss2_MU_TPML_PCR_SELECTION_Unmarshal(reinterpret_cast<const uint8_t*>(in.pcr_selection().data()),
                                           in.pcr_selection().size(), &offset, &selection) != TSS2_RC_SUCCESS ||
      offset != in.pcr_selection().size()) {
    return Status(Code::kCorrupt, path + ": its PCR selection does not unmarshal");
  }
  auto key = UnsealUnderPcrs(tpm, selection, TpmObject{ToBytes(in.tpm_public()), ToBytes(in.tpm_private())});
  if (key.ok() && key->size() != kKeySize) return Status(Code::kCorrupt, path + ": the sealed key is not 32 bytes");
  if (!key.ok() && key.status().code() == Code::kUnauthenticated && refusal != nullptr) {
    std::string now = "unknown";
    if (auto pcrs = ReadPcrs(tpm, selection); pcrs.ok()) {
      if (auto d = PcrDigest(*pcrs); d.ok()) now = HexEncode(*d);
    }
    *refusal += "; " + path + ": " + key.status().message() + " (it expects PCR digest " +
                HexEncode(AsBytes(in.pcr_digest())) + ", the TPM's is now " + now + ")";
  }
  return key;
}

// The new sealing replaces the current one in one rename; the old one is not kept anywhere, or booting the old
// (perhaps vulnerable) firmware or kernel again would still unseal the key.
Status Replace(const std::string& directory, const cf_pkcs11::TpmSealed& sealed) {
  CF_RETURN_IF_ERROR(WriteFileAtomic(Current(directory), AsBytes(sealed.SerializeAsString())));
  for (const std::string& stale : {Next(directory), Prev(directory)}) {
    if (FileExists(stale) && unlink(stale.c_str()) != 0) {
      return Status(Code::kIoError, "re-sealed, but cannot remove " + stale +
                                        ", which still unseals the key in the boot state it was sealed to: delete it");
    }
  }
  return Status::Ok();
}

Result<SecureBytes> UnsealLocked(TpmContext& tpm, const std::string& directory) {
  if (!FileExists(Current(directory))) {
    return Status(Code::kNotFound, "TPM platform directory '" + directory + "' has no sealing-key.tpm");
  }
  std::string refusal;
  auto key = UnsealFile(tpm, Current(directory), &refusal);
  if (key.ok() || key.status().code() != Code::kUnauthenticated) return key;
  if (FileExists(Next(directory))) {
    auto next = UnsealFile(tpm, Next(directory), &refusal);
    if (next.ok()) {
      // The planned boot change happened: the key sealed ahead becomes the current one.
      CF_ASSIGN_OR_RETURN(cf_pkcs11::TpmSealed sealed, ReadSealed(Next(directory)));
      CF_RETURN_IF_ERROR(Replace(directory, sealed));
      return next;
    }
    if (next.status().code() != Code::kUnauthenticated) return next;
  }
  return Status(Code::kUnauthenticated,
                "the TPM refuses to unseal the platform sealing key: the boot state differs from the one it was "
                "sealed to" +
                    refusal +
                    ". Nothing was changed or deleted: boot into that state again, or, before a planned change, "
                    "seal ahead with `cf-osutility --tpm-prepare-reseal` (attest/tpm/README.md)");
}

}  // namespace

Status CreateSealingKeyIfMissing(TpmContext& tpm, const std::string& directory, const TPML_PCR_SELECTION& selection) {
  CF_ASSIGN_OR_RETURN(FileLock lock, LockPlatformDirectory(directory));
  if (FileExists(Current(directory))) return Status::Ok();
  CF_ASSIGN_OR_RETURN(SecureBytes key, RandomSecret(kKeySize));
  CF_ASSIGN_OR_RETURN(std::vector<Bytes> values, ReadPcrs(tpm, selection));
  CF_ASSIGN_OR_RETURN(cf_pkcs11::TpmSealed sealed, SealKey(tpm, selection, key, values, false));
  return WriteFileAtomic(Current(directory), AsBytes(sealed.SerializeAsString()));
}

Result<SecureBytes> UnsealSealingKey(TpmContext& tpm, const std::string& directory) {
  CF_ASSIGN_OR_RETURN(FileLock lock, LockPlatformDirectory(directory));
  return UnsealLocked(tpm, directory);
}

Status PrepareNextBootState(TpmContext& tpm, const std::string& directory, const TPML_PCR_SELECTION& selection,
                            const std::vector<Bytes>& expected_values) {
  if (expected_values.size() != SelectedPcrCount(selection)) {
    return Status(Code::kInvalidArgument, "give one expected value per PCR of " + PcrSelectionText(selection));
  }
  for (const Bytes& v : expected_values) {
    if (v.size() != 32) return Status(Code::kInvalidArgument, "an expected PCR value is not 32 bytes (SHA-256)");
  }
  CF_ASSIGN_OR_RETURN(FileLock lock, LockPlatformDirectory(directory));
  CF_ASSIGN_OR_RETURN(SecureBytes key, UnsealLocked(tpm, directory));
  CF_ASSIGN_OR_RETURN(cf_pkcs11::TpmSealed sealed, SealKey(tpm, selection, key, expected_values, true));
  return WriteFileAtomic(Next(directory), AsBytes(sealed.SerializeAsString()));
}

Status ResealToCurrentBootState(TpmContext& tpm, const std::string& directory, const TPML_PCR_SELECTION& selection) {
  CF_ASSIGN_OR_RETURN(FileLock lock, LockPlatformDirectory(directory));
  CF_ASSIGN_OR_RETURN(SecureBytes key, UnsealLocked(tpm, directory));
  CF_ASSIGN_OR_RETURN(std::vector<Bytes> values, ReadPcrs(tpm, selection));
  CF_ASSIGN_OR_RETURN(cf_pkcs11::TpmSealed sealed, SealKey(tpm, selection, key, values, false));
  return Replace(directory, sealed);
}

}  // namespace cf::attest::tpm
