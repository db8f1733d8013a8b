// TPM connection set-up and the storage primary template (TCG "Provisioning Guidance" SRK shape: restricted
// decrypt, AES-128-CFB, no auth value, noDA), so the same key comes back on every call from the owner seed.
#include "attest/tpm/tpm_context.h"

#include <tss2/tss2_rc.h>

#include <cstdio>
#include <cstdlib>

#include "attest/tpm/directory_lock.h"

namespace cf::attest::tpm {

std::string ResolveTcti(const std::string& configured) {
  if (!configured.empty()) return configured;
  if (const char* env = std::getenv("CF_PKCS11_TPM_TCTI"); env != nullptr && *env != '\0') return env;
  return kDefaultTcti;
}

Status TssError(const std::string& what, TSS2_RC rc) {
  char hex[16];
  snprintf(hex, sizeof(hex), "0x%x", static_cast<unsigned>(rc));
  const char* text = Tss2_RC_Decode(rc);
  return Status(Code::kIoError, what + ": " + (text != nullptr ? text : "unknown TSS error") + " (" + hex + ")");
}

FlushedHandle& FlushedHandle::operator=(FlushedHandle&& o) noexcept {
  if (this != &o) {
    Reset();
    ctx_ = o.ctx_;
    handle_ = o.handle_;
    o.handle_ = ESYS_TR_NONE;
  }
  return *this;
}

void FlushedHandle::Reset() {
  if (ctx_ != nullptr && handle_ != ESYS_TR_NONE) (void)Esys_FlushContext(ctx_, handle_);
  handle_ = ESYS_TR_NONE;
}

Result<FileLock> LockPlatformFile(const std::string& path, const std::string& what, std::chrono::milliseconds wait) {
  CF_ASSIGN_OR_RETURN(std::optional<FileLock> lock, FileLock::AcquireBy(path, std::chrono::steady_clock::now() + wait));
  if (!lock) {
    return Status(Code::kUnreachable, "another process has held " + path + " (" + what + ") for over " +
                                          std::to_string(wait.count()) + " ms: it may hang; find it with `fuser " +
                                          path + "`");
  }
  return std::move(*lock);
}

Result<std::unique_ptr<TpmContext>> TpmContext::Open(const std::string& tcti, const std::string& lock_directory) {
  std::unique_ptr<TpmContext> out(new TpmContext());
  out->tcti_ = tcti;
  if (!lock_directory.empty() && tcti.rfind("device:/dev/tpmrm", 0) != 0) {
    CF_ASSIGN_OR_RETURN(FileLock lock, LockPlatformFile(lock_directory + "/.tpm.lock",
                                                        "the TPM without a resource manager at '" + tcti + "'"));
    out->lock_.emplace(std::move(lock));
  }
  TSS2_RC rc = Tss2_TctiLdr_Initialize(tcti.c_str(), &out->tcti_ctx_);
  if (rc != TSS2_RC_SUCCESS) {
    return Status(Code::kUnreachable, "cannot open the TPM through TCTI '" + tcti + "': " + Tss2_RC_Decode(rc) +
                                          " (is the TPM present and readable, or swtpm running? Set the TCTI with "
                                          "tpm_tcti in the token configuration or $CF_PKCS11_TPM_TCTI)");
  }
  rc = Esys_Initialize(&out->esys_, out->tcti_ctx_, nullptr);
  if (rc != TSS2_RC_SUCCESS) {
    return Status(Code::kUnreachable, "TPM through TCTI '" + tcti + "' does not answer: " + Tss2_RC_Decode(rc));
  }
  return out;
}

TpmContext::~TpmContext() {
  if (esys_ != nullptr) Esys_Finalize(&esys_);
  if (tcti_ctx_ != nullptr) Tss2_TctiLdr_Finalize(&tcti_ctx_);
}

TPM2B_PUBLIC RestrictedEccP256Template(TPMA_OBJECT role) {
  TPM2B_PUBLIC templ = {};
  templ.publicArea.type = TPM2_ALG_ECC;
  templ.publicArea.nameAlg = TPM2_ALG_SHA256;
  templ.publicArea.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN |
                                      TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_NODA | TPMA_OBJECT_RESTRICTED | role;
  TPMS_ECC_PARMS& ecc = templ.publicArea.parameters.eccDetail;
  ecc.symmetric.algorithm = TPM2_ALG_NULL;
  ecc.scheme.scheme = TPM2_ALG_NULL;
  ecc.curveID = TPM2_ECC_NIST_P256;
  ecc.kdf.scheme = TPM2_ALG_NULL;
  return templ;
}

Result<FlushedHandle> TpmContext::StoragePrimary() {
  TPM2B_PUBLIC templ = RestrictedEccP256Template(TPMA_OBJECT_DECRYPT);
  TPMS_ECC_PARMS& ecc = templ.publicArea.parameters.eccDetail;
  ecc.symmetric.algorithm = TPM2_ALG_AES;
  ecc.symmetric.keyBits.aes = 128;
  ecc.symmetric.mode.aes = TPM2_ALG_CFB;
  TPM2B_SENSITIVE_CREATE sensitive = {};
  TPM2B_DATA outside = {};
  TPML_PCR_SELECTION creation_pcr = {};
  ESYS_TR handle = ESYS_TR_NONE;
  TPM2_RC rc = Esys_CreatePrimary(esys_, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &sensitive,
                                  &templ, &outside, &creation_pcr, &handle, nullptr, nullptr, nullptr, nullptr);
  if (rc != TSS2_RC_SUCCESS) {
    return TssError(
        "creating the storage primary key under the owner hierarchy (an owner password set? cf-pkcs11 "
        "expects the owner hierarchy without one)",
        rc);
  }
  return FlushedHandle(esys_, handle);
}

Result<FlushedHandle> TpmContext::StartPolicySession(bool trial) {
  TPMT_SYM_DEF symmetric = {};
  symmetric.algorithm = TPM2_ALG_NULL;
  ESYS_TR session = ESYS_TR_NONE;
  TSS2_RC rc =
      Esys_StartAuthSession(esys_, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, nullptr,
                            trial ? TPM2_SE_TRIAL : TPM2_SE_POLICY, &symmetric, TPM2_ALG_SHA256, &session);
  if (rc != TSS2_RC_SUCCESS) return TssError("starting a policy session", rc);
  return FlushedHandle(esys_, session);
}

}  // namespace cf::attest::tpm
