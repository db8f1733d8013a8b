// Saving and restoring a session's digest (operation_state.h). The refusals are logged as warnings: a client that
// duplicates digest contexts (OpenSSL's pkcs11-provider, for every TLS 1.3 transcript hash) fails its handshake
// when the state cannot be saved, and the operator needs the reason.
#include "pkcs11/model/operation_state.h"

#include <atomic>
#include <cstdio>
#include <string>

#include "common/log.h"
#include "pkcs11/mech/digest_state.h"
#include "pkcs11/mech/registry.h"

namespace cf::p11 {
namespace {

const char* KindName(OpKind kind) {
  switch (kind) {
    case OpKind::kEncrypt:
      return "encryption";
    case OpKind::kDecrypt:
      return "decryption";
    case OpKind::kSign:
      return "signing";
    case OpKind::kVerify:
      return "verification";
    case OpKind::kDigest:
      return "digest";
    default:
      return "key";
  }
}

// Warnings for the first few per process, then debug lines: a client retrying in a loop must not flood the log.
constexpr int kUnsaveableWarnings = 20;
std::atomic<int> unsaveable_warned{0};

Status Unsaveable(const Session& session, const Status& why) {
  std::string line = "cf-pkcs11: C_GetOperationState on session " + std::to_string(session.handle()) +
                     " -> CKR_STATE_UNSAVEABLE: " + why.message();
  if (unsaveable_warned.fetch_add(1, std::memory_order_relaxed) < kUnsaveableWarnings)
    log::Warning(line);
  else
    log::Debug(line);
  return why;
}

}  // namespace

Result<SecureBytes> SaveOperationState(Session& session) {
  std::optional<ActiveOperation>* digest = nullptr;
  for (OpKind kind : kAllOpKinds) {
    auto& slot = session.op(kind);
    if (!slot) continue;
    if (kind != OpKind::kDigest) {
      return Unsaveable(session, Rv(CKR_STATE_UNSAVEABLE, std::string("a ") + KindName(kind) +
                                                              " operation is active; only a digest's state is saved"));
    }
    digest = &slot;
  }
  if (digest == nullptr) return Rv(CKR_OPERATION_NOT_INITIALIZED, "no cryptographic operation is active");
  if ((*digest)->pending) {
    return Unsaveable(session, Rv(CKR_STATE_UNSAVEABLE,
                                  "the digest is final and its result waits for a large enough buffer; fetch it"));
  }
  auto state = (*digest)->op->SaveState();
  if (!state.ok()) return Unsaveable(session, state.status());
  return state;
}

Status RestoreOperationState(Session& session, ByteView state, CK_OBJECT_HANDLE encryption_key,
                             CK_OBJECT_HANDLE authentication_key) {
  CF_ASSIGN_OR_RETURN(SavedDigest saved, DecodeDigestState(state));
  // Section 5.6: a key supplied for an operation the state does not have is CKR_KEY_NOT_NEEDED.
  if (encryption_key != CK_INVALID_HANDLE || authentication_key != CK_INVALID_HANDLE) {
    return Rv(CKR_KEY_NOT_NEEDED,
              "the saved state is a digest, which uses no key: pass 0 as hEncryptionKey and hAuthenticationKey");
  }
  const MechanismRow* row = Registry::Get().Find(saved.mechanism);
  if (row == nullptr || !(row->info.flags & CKF_DIGEST) || !session.token().CheckMechanism(*row, CKF_DIGEST).ok()) {
    char mechanism[24];
    std::snprintf(mechanism, sizeof(mechanism), "0x%lx", static_cast<unsigned long>(saved.mechanism));
    return Rv(CKR_SAVED_STATE_INVALID,
              std::string("saved operation state: mechanism ") + mechanism + " is not a digest this token offers");
  }
  CK_MECHANISM mechanism{saved.mechanism, nullptr, 0};
  CF_ASSIGN_OR_RETURN(std::unique_ptr<Operation> op, row->create(OpKind::kDigest, mechanism, nullptr));
  SecureBytes unused;
  CF_RETURN_IF_ERROR(op->Update(saved.input, &unused));
  session.EndAllOperations();
  ActiveOperation restored;
  restored.op = std::move(op);
  session.op(OpKind::kDigest) = std::move(restored);
  return Status::Ok();
}

}  // namespace cf::p11
