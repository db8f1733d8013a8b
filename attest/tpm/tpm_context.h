// One connection to a TPM through the TPM Software Stack (ESAPI over a tctildr TCTI), with RAII for everything
// ESAPI hands out: the TCTI and ESYS contexts, transient objects and sessions (flushed on scope exit, since swtpm
// without a resource manager keeps transient objects across connections) and ESYS-allocated results (Esys_Free).
// A connection is opened per operation, so several processes can share a TPM. A TPM without the kernel's resource
// manager (swtpm, /dev/tpm0) interleaves the commands of its clients in one small object memory, so for any TCTI
// but device:/dev/tpmrm* an operation also holds the exclusive `.tpm.lock` of the platform directory it works for
// (directory_lock.h: bounded wait). Tokens in other platform directories on the same such TPM are not serialised
// with it: give each its own swtpm, or use the resource manager.
// The TSS reports TPM errors on stderr as well; set TSS2_LOG=all+NONE in the host's environment to silence it. The
// module does not set it, since setenv in a process whose other threads may call getenv is a data race; our own
// tools do, at start.
#pragma once

#include <tss2/tss2_esys.h>
#include <tss2/tss2_tctildr.h>

#include <memory>
#include <optional>
#include <string>

#include "common/atomic_file.h"
#include "common/status.h"

namespace cf::attest::tpm {

// The default TCTI when neither the configuration nor $CF_PKCS11_TPM_TCTI names one.
inline constexpr char kDefaultTcti[] = "device:/dev/tpmrm0";

// `configured` when non-empty, else $CF_PKCS11_TPM_TCTI, else kDefaultTcti.
std::string ResolveTcti(const std::string& configured);

// "what failed: TSS error text (0x...)", as kIoError; callers turn the TPM codes they expect into their own.
Status TssError(const std::string& what, TSS2_RC rc);

template <typename T>
struct EsysFree {
  void operator()(T* p) const { Esys_Free(p); }
};
template <typename T>
using EsysPtr = std::unique_ptr<T, EsysFree<T>>;

class TpmContext;

// A transient object or session handle, flushed when this goes out of scope.
class FlushedHandle {
 public:
  FlushedHandle() = default;
  FlushedHandle(ESYS_CONTEXT* ctx, ESYS_TR handle) : ctx_(ctx), handle_(handle) {}
  FlushedHandle(FlushedHandle&& o) noexcept : ctx_(o.ctx_), handle_(o.handle_) { o.handle_ = ESYS_TR_NONE; }
  FlushedHandle& operator=(FlushedHandle&& o) noexcept;
  FlushedHandle(const FlushedHandle&) = delete;
  FlushedHandle& operator=(const FlushedHandle&) = delete;
  ~FlushedHandle() { Reset(); }
  ESYS_TR get() const { return handle_; }
  void Reset();

 private:
  ESYS_CONTEXT* ctx_ = nullptr;
  ESYS_TR handle_ = ESYS_TR_NONE;
};

// An ECC P-256 key template with SHA-256 names, restricted, fixedTPM/fixedParent, TPM-generated, noDA, usable with
// an empty auth value, for `role` (TPMA_OBJECT_DECRYPT: a storage key; TPMA_OBJECT_SIGN_ENCRYPT: an attestation
// key); no symmetric algorithm, scheme or KDF, which the caller sets where the role needs one.
TPM2B_PUBLIC RestrictedEccP256Template(TPMA_OBJECT role);

class TpmContext {
 public:
  // kUnreachable naming the TCTI when the TPM cannot be opened (absent, no permission, swtpm not running), or when
  // another process held `lock_directory`'s TPM lock too long. `lock_directory` empty: no cross-process lock (for a
  // caller that owns the TPM alone, such as a test's own swtpm).
  static Result<std::unique_ptr<TpmContext>> Open(const std::string& tcti, const std::string& lock_directory);
  ~TpmContext();
  TpmContext(const TpmContext&) = delete;
  TpmContext& operator=(const TpmContext&) = delete;

  ESYS_CONTEXT* esys() const { return esys_; }
  const std::string& tcti() const { return tcti_; }

  // The storage primary key under the owner hierarchy from the standard ECC P-256 template: the TPM derives it
  // from its owner seed, so every call (and every process) gets the same key without persisting a handle.
  Result<FlushedHandle> StoragePrimary();
  // A policy (or trial) session with SHA-256, no salt, no bind.
  Result<FlushedHandle> StartPolicySession(bool trial);

 private:
  TpmContext() = default;
  std::optional<FileLock> lock_;
  TSS2_TCTI_CONTEXT* tcti_ctx_ = nullptr;
  ESYS_CONTEXT* esys_ = nullptr;
  std::string tcti_;
};

}  // namespace cf::attest::tpm
