// Operation lifecycle: one per kind per session; any error other than a short buffer ends it (section 5.2).
#include "pkcs11/model/crypto_ops.h"

#include <cstring>

#include "pkcs11/mech/registry.h"
#include "pkcs11/model/object_ops.h"

namespace cf::p11 {
namespace {

struct KindRule {
  CK_ATTRIBUTE_TYPE usage;  // attribute the key must have TRUE
  CK_FLAGS row_flag;        // what the mechanism row must support
  CK_OBJECT_CLASS classes[2];
  const char* name;
};

const KindRule& RuleFor(OpKind kind) {
  static const KindRule kEncrypt{CKA_ENCRYPT, CKF_ENCRYPT, {CKO_PUBLIC_KEY, CKO_SECRET_KEY}, "encrypt"};
  static const KindRule kDecrypt{CKA_DECRYPT, CKF_DECRYPT, {CKO_PRIVATE_KEY, CKO_SECRET_KEY}, "decrypt"};
  static const KindRule kSign{CKA_SIGN, CKF_SIGN, {CKO_PRIVATE_KEY, CKO_SECRET_KEY}, "sign"};
  static const KindRule kVerify{CKA_VERIFY, CKF_VERIFY, {CKO_PUBLIC_KEY, CKO_SECRET_KEY}, "verify"};
  static const KindRule kDigest{0, CKF_DIGEST, {0, 0}, "digest"};
  switch (kind) {
    case OpKind::kEncrypt:
      return kEncrypt;
    case OpKind::kDecrypt:
      return kDecrypt;
    case OpKind::kSign:
      return kSign;
    case OpKind::kVerify:
      return kVerify;
    default:
      return kDigest;
  }
}

}  // namespace

Status OperationInit(Module& module, Session& session, OpKind kind, const CK_MECHANISM& mechanism,
                     CK_OBJECT_HANDLE key_handle) {
  auto& slot = session.op(kind);
  if (slot) return Rv(CKR_OPERATION_ACTIVE, std::string(RuleFor(kind).name) + " operation already active");
  const MechanismRow* row = Registry::Get().Find(mechanism.mechanism);
  const KindRule& rule = RuleFor(kind);
  if (row == nullptr)
    return Rv(CKR_MECHANISM_INVALID, "mechanism 0x" + std::to_string(mechanism.mechanism) + " cannot " + rule.name);
  CF_RETURN_IF_ERROR(session.token().CheckMechanism(*row, rule.row_flag));
  ActiveOperation active;
  std::shared_ptr<const KeyMaterial> material;
  if (kind != OpKind::kDigest) {
    // Cached: no store change check per C_*Init (issue 7: the signing gap and 2-thread scaling were that sqlite
    // read under the store mutex). Finds and attribute reads still see other processes' changes.
    auto obj = ResolveCachedObject(module, session, key_handle);
    if (!obj.ok()) {
      if (obj.status().detail() == CKR_OBJECT_HANDLE_INVALID) return Rv(CKR_KEY_HANDLE_INVALID, obj.status().message());
      return obj.status();
    }
    const Object& key = **obj;
    CK_OBJECT_CLASS c = key.object_class();
    if (c != rule.classes[0] && c != rule.classes[1])
      return Rv(CKR_KEY_TYPE_INCONSISTENT, std::string("this key's class cannot ") + rule.name);
    if (!key.attrs.GetBool(rule.usage, false))
      return Rv(CKR_KEY_FUNCTION_NOT_PERMITTED, std::string("the key does not allow ") + rule.name);
    CK_KEY_TYPE key_type = key.attrs.GetUlong(CKA_KEY_TYPE).value_or(CK_UNAVAILABLE_INFORMATION);
    bool type_ok = false;
    for (CK_KEY_TYPE t : row->key_types) type_ok = type_ok || t == key_type;
    if (!type_ok) return Rv(CKR_KEY_TYPE_INCONSISTENT, std::string(row->name) + " does not take this key type");
    if (auto allowed = key.attrs.View(CKA_ALLOWED_MECHANISMS); allowed && !allowed->empty()) {
      bool found = false;
      for (size_t i = 0; i + sizeof(CK_MECHANISM_TYPE) <= allowed->size(); i += sizeof(CK_MECHANISM_TYPE)) {
        CK_MECHANISM_TYPE m;
        std::memcpy(&m, allowed->data() + i, sizeof(m));
        found = found || m == mechanism.mechanism;
      }
      if (!found) return Rv(CKR_MECHANISM_INVALID, std::string(row->name) + " is not in CKA_ALLOWED_MECHANISMS");
    }
    CF_RETURN_IF_ERROR(session.token().CheckKeyUse(key));
    CF_ASSIGN_OR_RETURN(material, key.Key());
    active.key = *obj;
    // Only private keys carry CKA_ALWAYS_AUTHENTICATE, so this is signing and decryption here.
    active.needs_context_login = NeedsContextLogin(key);
    session.context_gate.reset();  // "right before": an operation in between ends an open gate
  }
  CF_ASSIGN_OR_RETURN(active.op, row->create(kind, mechanism, material.get()));
  slot = std::move(active);
  return Status::Ok();
}

bool NeedsContextLogin(const Object& key) { return key.attrs.GetBool(CKA_ALWAYS_AUTHENTICATE, false); }

Status ContextLogin(Session& session, const SecureString& pin) {
  for (OpKind kind : {OpKind::kSign, OpKind::kDecrypt}) {
    auto& slot = session.op(kind);
    if (slot && slot->needs_context_login) {
      CF_RETURN_IF_ERROR(session.token().VerifyUserPin(pin));
      slot->needs_context_login = false;
      return Status::Ok();
    }
  }
  if (session.context_gate && !session.context_gate->open) {
    CF_RETURN_IF_ERROR(session.token().VerifyUserPin(pin));
    session.context_gate->open = true;
    return Status::Ok();
  }
  return Rv(CKR_OPERATION_NOT_INITIALIZED, "no operation waits for a context-specific login");
}

Status PassContextGate(Session& session, const Object& key, const char* use) {
  if (!NeedsContextLogin(key)) return Status::Ok();
  std::optional<ContextGate>& gate = session.context_gate;
  if (gate && gate->open && gate->key == key.handle) {
    gate.reset();
    return Status::Ok();
  }
  gate = ContextGate{.key = key.handle, .open = false};
  return Refuse(CKR_USER_NOT_LOGGED_IN, "CKR_USER_NOT_LOGGED_IN",
                std::string(use) + " with key " + std::to_string(key.handle) +
                    " (CKA_ALWAYS_AUTHENTICATE): C_Login(CKU_CONTEXT_SPECIFIC), then repeat the call");
}

Result<StepOutput> RunStep(Session& session, OpKind kind, Step step, ByteView input, std::optional<size_t> capacity,
                           uint8_t* dest) {
  auto& slot = session.op(kind);
  if (!slot) return Rv(CKR_OPERATION_NOT_INITIALIZED, "no operation of this kind is active");
  if (slot->needs_context_login) {
    slot.reset();
    return Rv(CKR_USER_NOT_LOGGED_IN, "the key has CKA_ALWAYS_AUTHENTICATE: C_Login(CKU_CONTEXT_SPECIFIC) first");
  }
  if (step == Step::kUpdate && !slot->op->multi_part())
    return Rv(CKR_FUNCTION_NOT_SUPPORTED, "this mechanism is single-part only");
  StepOutput out;
  if (!slot->pending) {
    if (!capacity) {
      out.length_only = true;
      out.length = slot->op->MaxOutputLength(step == Step::kFinal ? 0 : input.size());
      return out;
    }
    // The caller's buffer holds the worst case: write there directly, with no intermediate SecureBytes (perf:
    // zero-filling, faulting in, copying and wiping one per call was most of C_Encrypt's time at 1 MiB).
    if (step == Step::kOneShot && dest != nullptr && slot->op->one_shot_into() &&
        *capacity >= slot->op->MaxOutputLength(input.size())) {
      auto written = slot->op->OneShotInto(input, std::span<uint8_t>(dest, *capacity));
      slot.reset();
      if (!written.ok()) return written.status();
      out.length = *written;
      out.written = true;
      return out;
    }
    SecureBytes produced;
    // Sized once: appending a tag or final block to a grown buffer would reallocate it, and SecureBytes copies
    // byte by byte and wipes the old copy (perf: most of C_Encrypt's time for AES-GCM over 1 MiB).
    if (step == Step::kOneShot) produced.reserve(slot->op->MaxOutputLength(input.size()));
    Status s = step == Step::kOneShot  ? slot->op->OneShot(input, &produced)
               : step == Step::kUpdate ? slot->op->Update(input, &produced)
                                       : slot->op->Final(&produced);
    if (!s.ok()) {
      slot.reset();
      return s;
    }
    slot->pending = std::move(produced);
  }
  out.length = slot->pending->size();
  if (!capacity) {
    out.length_only = true;
    return out;
  }
  if (*capacity < out.length) {
    out.rv = CKR_BUFFER_TOO_SMALL;
    out.length_only = true;
    return out;
  }
  out.data = std::move(*slot->pending);
  slot->pending.reset();
  if (step != Step::kUpdate) slot.reset();
  return out;
}

Status AccumulateStep(Session& session, OpKind kind, ByteView input) {
  auto& slot = session.op(kind);
  if (!slot) return Rv(CKR_OPERATION_NOT_INITIALIZED, "no operation of this kind is active");
  if (!slot->op->multi_part()) return Rv(CKR_FUNCTION_NOT_SUPPORTED, "this mechanism is single-part only");
  SecureBytes ignored;
  Status s = slot->op->Update(input, &ignored);
  if (!s.ok()) slot.reset();
  return s;
}

Status RunVerify(Session& session, ByteView data, ByteView signature, bool final) {
  auto& slot = session.op(OpKind::kVerify);
  if (!slot) return Rv(CKR_OPERATION_NOT_INITIALIZED, "no verify operation is active");
  Status s = final ? slot->op->VerifyFinal(signature) : slot->op->OneShotVerify(data, signature);
  slot.reset();
  return s;
}

Status DigestKey(Module& module, Session& session, CK_OBJECT_HANDLE key_handle) {
  auto& slot = session.op(OpKind::kDigest);
  if (!slot) return Rv(CKR_OPERATION_NOT_INITIALIZED, "no digest operation is active");
  auto obj = ResolveObject(module, session, key_handle);
  if (!obj.ok()) return Rv(CKR_KEY_HANDLE_INVALID, obj.status().message());
  const SecureBytes* value = (*obj)->attrs.Find(CKA_VALUE);
  if ((*obj)->object_class() != CKO_SECRET_KEY || value == nullptr)
    return Rv(CKR_KEY_INDIGESTIBLE, "only secret keys can be digested");
  // A digest of the value is the value to anyone who can guess it, and a key's own check value when not: the
  // same protection as reading CKA_VALUE (section 4.10), so only a key that could be read may be digested.
  if ((*obj)->attrs.GetBool(CKA_SENSITIVE, true) || !(*obj)->attrs.GetBool(CKA_EXTRACTABLE, false))
    return Refuse(CKR_KEY_INDIGESTIBLE, "CKR_KEY_INDIGESTIBLE",
                  "C_DigestKey of a sensitive or unextractable key (object " + std::to_string(key_handle) + ")");
  // As secret input: the digest stops keeping its input, so no saved state (C_GetOperationState) can carry the key.
  Status s = slot->op->UpdateSecret(ByteView(value->data(), value->size()));
  if (!s.ok()) slot.reset();
  return s;
}

}  // namespace cf::p11
