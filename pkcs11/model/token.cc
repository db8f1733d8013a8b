// Token info, PIN management and login (PKCS#11 3.0 sections 5.5 and 5.6), and token-object persistence.
#include "pkcs11/model/token.h"

#include <algorithm>
#include <cstring>

#include "common/log.h"
#include "common/random.h"
#include "pkcs11/include/cf_pkcs11.h"
#include "pkcs11/model/config.h"
#include "pkcs11/model/object_codec.h"

namespace cf::p11 {
namespace {

void Pad(CK_UTF8CHAR* field, size_t size, std::string_view text) {
  std::memset(field, ' ', size);
  std::memcpy(field, text.data(), std::min(size, text.size()));
}

}  // namespace

std::unique_ptr<Token> Token::Open(CK_SLOT_ID slot_id, const cf_pkcs11::TokenConfig& config) {
  std::unique_ptr<Token> token(new Token(slot_id, config));
  auto storage = tokendir::OpenTokenStorage(LocationFor(config));
  if (!storage.ok()) {
    token->open_error_ = storage.status().ToString();
    log::Warning("cf-pkcs11: slot " + std::to_string(slot_id) + ": token at " + config.directory() +
                 " cannot be opened, slot shows no token: " + token->open_error_);
    return token;
  }
  token->storage_ = std::move(*storage);
  store::Store& st = *token->storage_.store;
  // A stable serial, made once per store (checklist 12: unique per store, same across processes).
  if (auto serial = st.GetMeta("cf-pkcs11.serial"); serial.ok() && serial->has_value()) {
    token->serial_ = AsString(**serial);
  } else if (auto random = RandomBytes(8); random.ok()) {
    token->serial_ = HexEncode(*random);
    if (Status s = st.PutMeta("cf-pkcs11.serial", AsBytes(token->serial_)); !s.ok())
      log::Debug("cf-pkcs11: serial not persisted (read-only store?): " + s.ToString());
  }
  return token;
}

Status Token::NeedStore() const {
  if (storage_.store) return Status::Ok();
  return Rv(CKR_TOKEN_NOT_PRESENT, "slot " + std::to_string(slot_id_) + " has no usable token: " + open_error_);
}

void Token::FillSlotInfo(CK_SLOT_INFO* info) const {
  Pad(info->slotDescription, sizeof(info->slotDescription), "cf-pkcs11 slot " + config_.directory());
  Pad(info->manufacturerID, sizeof(info->manufacturerID), "cf-pkcs11");
  info->flags = present() ? CKF_TOKEN_PRESENT : 0;
  info->hardwareVersion = {0, 1};
  info->firmwareVersion = {0, 1};
}

Status Token::FillTokenInfo(CK_TOKEN_INFO* info) {
  CF_RETURN_IF_ERROR(NeedStore());
  store::Store& st = *storage_.store;
  std::string label = config_.label();
  if (auto meta = st.GetMeta("cf-pkcs11.label"); meta.ok() && meta->has_value()) label = AsString(**meta);
  Pad(info->label, sizeof(info->label), label);
  Pad(info->manufacturerID, sizeof(info->manufacturerID), "cf-pkcs11");
  Pad(info->model, sizeof(info->model), "cryptstore");
  Pad(info->serialNumber, sizeof(info->serialNumber), serial_);
  CF_ASSIGN_OR_RETURN(store::PinState so, st.GetPinState(store::Role::kSecurityOfficer));
  CF_ASSIGN_OR_RETURN(store::PinState user, st.GetPinState(store::Role::kUser));
  uint32_t max = config_.has_max_failed_logins() ? config_.max_failed_logins() : 10;
  // CKF_RESTORE_KEY_NOT_NEEDED: only digests save state, and C_SetOperationState never needs a key for one.
  CK_FLAGS flags = CKF_RNG | CKF_LOGIN_REQUIRED | CKF_RESTORE_KEY_NOT_NEEDED;
  if (so.initialized) flags |= CKF_TOKEN_INITIALIZED;
  if (user.initialized) flags |= CKF_USER_PIN_INITIALIZED;
  auto counter_flags = [&](const store::PinState& s, CK_FLAGS low, CK_FLAGS final_try, CK_FLAGS locked) {
    if (s.locked) return locked;
    if (s.failed_attempts > 0 && s.failed_attempts + 1 >= max) return final_try;
    return s.failed_attempts > 0 ? low : CK_FLAGS{0};
  };
  flags |= counter_flags(user, CKF_USER_PIN_COUNT_LOW, CKF_USER_PIN_FINAL_TRY, CKF_USER_PIN_LOCKED);
  flags |= counter_flags(so, CKF_SO_PIN_COUNT_LOW, CKF_SO_PIN_FINAL_TRY, CKF_SO_PIN_LOCKED);
  info->flags = flags;
  info->ulMaxSessionCount = CK_EFFECTIVELY_INFINITE;
  info->ulSessionCount = CK_UNAVAILABLE_INFORMATION;
  info->ulMaxRwSessionCount = CK_EFFECTIVELY_INFINITE;
  info->ulRwSessionCount = CK_UNAVAILABLE_INFORMATION;
  info->ulMaxPinLen = 256;
  info->ulMinPinLen = 4;
  info->ulTotalPublicMemory = CK_UNAVAILABLE_INFORMATION;
  info->ulFreePublicMemory = CK_UNAVAILABLE_INFORMATION;
  info->ulTotalPrivateMemory = CK_UNAVAILABLE_INFORMATION;
  info->ulFreePrivateMemory = CK_UNAVAILABLE_INFORMATION;
  info->hardwareVersion = {0, 1};
  info->firmwareVersion = {0, 1};
  std::memset(info->utcTime, ' ', sizeof(info->utcTime));  // no clock flag: blank per the specification
  return Status::Ok();
}

LoginState Token::login_state() const { return login_.load(std::memory_order_acquire); }

Status Token::MapPinStatus(const Status& s, const char* who) const {
  if (s.ok() || s.has_detail()) return s;
  switch (s.code()) {
    case Code::kUnauthenticated:
      return Rv(CKR_PIN_INCORRECT, std::string(who) + " PIN incorrect");
    case Code::kLocked:
      return Rv(CKR_PIN_LOCKED, std::string(who) + " PIN locked after too many failures" +
                                    (who[0] == 'u' ? "; the SO can reset it with C_InitPIN" : ""));
    case Code::kFailedPrecondition:
      return Rv(who[0] == 'u' ? CKR_USER_PIN_NOT_INITIALIZED : CKR_OPERATION_NOT_INITIALIZED,
                std::string(who) + " PIN not set: " + s.message());
    default:
      return s;
  }
}

Status Token::InitToken(const SecureString& so_pin, const std::string& label) {
  CF_RETURN_IF_ERROR(NeedStore());
  store::Store& st = *storage_.store;
  std::lock_guard<std::mutex> lock(mu_);
  CF_ASSIGN_OR_RETURN(store::PinState so, st.GetPinState(store::Role::kSecurityOfficer));
  // PKCS#11 destroys at C_InitToken what can be destroyed: the token's own objects. The OS's entries (written by
  // cf-osutility or the framework's tools, CKA_DESTROYABLE false) stay, and so does the user data key that protects
  // their PIN tier; the user PIN is gone until the SO sets one with C_InitPIN.
  if (so.initialized) {
    CF_RETURN_IF_ERROR(MapPinStatus(st.Login(store::Role::kSecurityOfficer, so_pin), "SO"));
    Status removed = st.RemoveTokenEntries();
    st.Logout();
    CF_RETURN_IF_ERROR(removed);
  } else {
    CF_RETURN_IF_ERROR(st.RemoveTokenEntries());
    CF_RETURN_IF_ERROR(st.SetSoPin(so_pin));
  }
  std::string trimmed = label;
  while (!trimmed.empty() && (trimmed.back() == ' ' || trimmed.back() == '\0')) trimmed.pop_back();
  CF_RETURN_IF_ERROR(st.PutMeta("cf-pkcs11.label", AsBytes(trimmed)));
  st.Logout();
  login_ = LoginState::kPublic;
  cache_.Invalidate();  // no session is open, so no user is logged in whose private handles would need ending
  return Status::Ok();
}

Status Token::InitPin(const SecureString& pin) {
  CF_RETURN_IF_ERROR(NeedStore());
  return storage_.store->InitUserPin(pin);
}

Status Token::SetPin(LoginState as, const SecureString& old_pin, const SecureString& new_pin) {
  CF_RETURN_IF_ERROR(NeedStore());
  bool so = as == LoginState::kSecurityOfficer;
  return MapPinStatus(
      storage_.store->ChangePin(so ? store::Role::kSecurityOfficer : store::Role::kUser, old_pin, new_pin),
      so ? "SO" : "user");
}

Status Token::Login(CK_USER_TYPE user, const SecureString& pin, bool ro_session_open) {
  CF_RETURN_IF_ERROR(NeedStore());
  std::lock_guard<std::mutex> lock(mu_);
  LoginState want = user == CKU_SO ? LoginState::kSecurityOfficer : LoginState::kUser;
  if (login_ == want) return Rv(CKR_USER_ALREADY_LOGGED_IN, "already logged in");
  if (login_ != LoginState::kPublic)
    return Rv(CKR_USER_ANOTHER_ALREADY_LOGGED_IN, "another user type is logged in; C_Logout first");
  if (want == LoginState::kSecurityOfficer && ro_session_open)
    return Rv(CKR_SESSION_READ_ONLY_EXISTS, "the SO cannot log in while a read-only session is open");
  store::Role role = want == LoginState::kSecurityOfficer ? store::Role::kSecurityOfficer : store::Role::kUser;
  // The PIN first: certification failures must never count as wrong PINs, and a wrong PIN must not reach the
  // Certifier Service.
  CF_RETURN_IF_ERROR(MapPinStatus(storage_.store->Login(role, pin), role == store::Role::kUser ? "user" : "SO"));
  if (want == LoginState::kUser) {
    Status admitted = admission_.OnLogin(storage_);
    if (!admitted.ok()) {
      storage_.store->Logout();  // the PIN was right, but the session is not logged in (issue 14)
      cache_.Invalidate();
      return admitted;
    }
  }
  login_ = want;
  cache_.Invalidate();
  return Status::Ok();
}

CK_FLAGS Token::MechanismFlags(const MechanismRow& row) const {
  if (config_.allow_rsa_pkcs1_v15_decrypt()) return row.info.flags;
  return row.info.flags & ~row.padding_oracle_flags;
}

Status Token::CheckMechanism(const MechanismRow& row, CK_FLAGS use) const {
  if (MechanismFlags(row) & use) return Status::Ok();
  if (!(row.info.flags & use)) return Rv(CKR_MECHANISM_INVALID, std::string(row.name) + " cannot do this operation");
  // Bleichenbacher (1998) and its descendants (ROBOT, Marvin): CKR_OK vs CKR_ENCRYPTED_DATA_INVALID answers
  // whether a chosen ciphertext is PKCS#1 v1.5 conforming, and enough answers decrypt or sign with the key.
  return Refuse(CKR_MECHANISM_INVALID, "CKR_MECHANISM_INVALID",
                std::string(row.name) + " decryption/unwrap is off on token " + config_.directory() +
                    ": PKCS#1 v1.5 decryption is a padding oracle. Use CKM_RSA_PKCS_OAEP, or (TLS 1.2 RSA key "
                    "exchange only) set allow_rsa_pkcs1_v15_decrypt: true in this token's configuration");
}

Status Token::VerifyUserPin(const SecureString& pin) {
  CF_RETURN_IF_ERROR(NeedStore());
  return MapPinStatus(storage_.store->Login(store::Role::kUser, pin), "user");
}

Status Token::Logout() {
  CF_RETURN_IF_ERROR(NeedStore());
  std::lock_guard<std::mutex> lock(mu_);
  if (login_ == LoginState::kPublic) return Rv(CKR_USER_NOT_LOGGED_IN, "not logged in");
  storage_.store->Logout();
  // Section 5.6.4: handles to private objects stay invalid after a later C_Login. Only the user sees private
  // objects (the SO works on public ones), so only the user's logout ends them.
  if (login_ == LoginState::kUser) {
    cache_.NewLoginEpoch();
  } else {
    cache_.Invalidate();
  }
  login_ = LoginState::kPublic;
  return Status::Ok();
}

Status Token::CheckKeyUse(const Object& key) {
  if (login_state() == LoginState::kUser) admission_.MaybeRenew(storage_);
  if (!key.attrs.GetBool(CKA_CF_REQUIRES_ADMISSION, false)) return Status::Ok();
  return admission_.CheckAdmitted(key.attrs.GetString(CKA_LABEL));
}

Result<ObjectPtr> Token::Get(CK_OBJECT_HANDLE handle) {
  CF_RETURN_IF_ERROR(NeedStore());
  CF_RETURN_IF_ERROR(cache_.Refresh(*storage_.store, false));
  CF_ASSIGN_OR_RETURN(ObjectPtr obj, cache_.Get(*storage_.store, handle));
  if (!obj) return Rv(CKR_OBJECT_HANDLE_INVALID, "no object with handle " + std::to_string(handle));
  return obj;
}

Result<ObjectPtr> Token::GetCached(CK_OBJECT_HANDLE handle) {
  CF_RETURN_IF_ERROR(NeedStore());
  CF_ASSIGN_OR_RETURN(ObjectPtr obj, cache_.GetIfValid(*storage_.store, handle));
  if (obj) return obj;
  return Get(handle);
}

Result<std::vector<ObjectCache::Hit>> Token::Candidates(const AttributeSet& pattern) {
  CF_RETURN_IF_ERROR(NeedStore());
  CF_RETURN_IF_ERROR(cache_.Refresh(*storage_.store, false));
  return cache_.Candidates(*storage_.store, pattern);
}

Result<ObjectPtr> Token::Create(const AttributeSet& attrs) {
  CF_RETURN_IF_ERROR(NeedStore());
  CF_ASSIGN_OR_RETURN(store::NewEntry entry, ObjectToEntry(attrs));
  // The counter before the write lets the cache take this one entry in without re-listing the store.
  CF_ASSIGN_OR_RETURN(uint64_t before, storage_.store->ObservedChangeCounter());
  auto info = storage_.store->Put(entry);
  if (!info.ok()) {
    if (info.status().code() == Code::kVersionConflict || info.status().code() == Code::kAlreadyExists)
      return Rv(CKR_ATTRIBUTE_VALUE_INVALID, "CKA_CF_VERSION: " + info.status().message());
    return info.status();
  }
  store::Entry written{*info, std::move(entry.blob)};
  CF_RETURN_IF_ERROR(cache_.ApplyOwnWrite(*storage_.store, before, &written, 0));
  CF_ASSIGN_OR_RETURN(ObjectPtr obj, cache_.GetWritten(*storage_.store, info->id));
  if (!obj) return Status(Code::kInternal, "entry " + std::to_string(info->id) + " vanished after it was written");
  return obj;
}

Result<std::pair<ObjectPtr, ObjectPtr>> Token::CreatePair(const AttributeSet& public_key,
                                                          const AttributeSet& private_key) {
  CF_RETURN_IF_ERROR(NeedStore());
  std::vector<store::NewEntry> entries(2);
  CF_ASSIGN_OR_RETURN(entries[0], ObjectToEntry(public_key));
  CF_ASSIGN_OR_RETURN(entries[1], ObjectToEntry(private_key));
  CF_ASSIGN_OR_RETURN(uint64_t before, storage_.store->ObservedChangeCounter());
  auto infos = storage_.store->PutMany(entries);
  if (!infos.ok()) {
    if (infos.status().code() == Code::kVersionConflict || infos.status().code() == Code::kAlreadyExists)
      return Rv(CKR_ATTRIBUTE_VALUE_INVALID, "CKA_CF_VERSION: " + infos.status().message());
    return infos.status();
  }
  store::Entry pub_written{(*infos)[0], std::move(entries[0].blob)};
  store::Entry priv_written{(*infos)[1], std::move(entries[1].blob)};
  CF_RETURN_IF_ERROR(cache_.ApplyOwnWrite(*storage_.store, before, {&pub_written, &priv_written}, 0));
  CF_ASSIGN_OR_RETURN(ObjectPtr pub, cache_.GetWritten(*storage_.store, (*infos)[0].id));
  CF_ASSIGN_OR_RETURN(ObjectPtr priv, cache_.GetWritten(*storage_.store, (*infos)[1].id));
  if (!pub || !priv) return Status(Code::kInternal, "a key pair's entries vanished after they were written");
  return std::make_pair(std::move(pub), std::move(priv));
}

Result<ObjectPtr> Token::Update(const Object& object, const AttributeSet& attrs) {
  CF_RETURN_IF_ERROR(NeedStore());
  // The label is the entry's tag: a new label moves the entry to that tag in place (Store::Retag), keeping its id,
  // so every handle to the object stays valid in this process and in others, and CKA_UNIQUE_ID stays the same.
  // Privacy (the tier) never changes after creation: CKA_PRIVATE is not modifiable.
  CF_ASSIGN_OR_RETURN(std::string tag, TagForLabel(attrs.GetString(CKA_LABEL), object.tag));
  CF_ASSIGN_OR_RETURN(SecureBytes blob, ObjectBlob(attrs));
  bool exportable = attrs.GetBool(CKA_EXTRACTABLE, !attrs.Has(CKA_SENSITIVE));
  CF_ASSIGN_OR_RETURN(uint64_t before, storage_.store->ObservedChangeCounter());
  auto info = storage_.store->Retag(object.entry_id, tag, blob, exportable);
  if (info.status().code() == Code::kNotFound) return Rv(CKR_OBJECT_HANDLE_INVALID, info.status().message());
  CF_RETURN_IF_ERROR(info.status());
  store::Entry written{*info, std::move(blob)};
  if (!cache_.ApplyOwnWrite(*storage_.store, before, &written, 0).ok()) cache_.Invalidate();
  return Get(object.handle);
}

Status Token::Destroy(const Object& object) {
  CF_RETURN_IF_ERROR(NeedStore());
  CF_ASSIGN_OR_RETURN(uint64_t before, storage_.store->ObservedChangeCounter());
  Status s = storage_.store->Remove(object.entry_id);
  if (s.code() == Code::kNotFound) return Rv(CKR_OBJECT_HANDLE_INVALID, s.message());
  CF_RETURN_IF_ERROR(s);
  // The object is gone whatever the cache says; a cache that cannot follow reloads on its next use.
  if (!cache_.ApplyOwnWrite(*storage_.store, before, nullptr, object.entry_id).ok()) cache_.Invalidate();
  return Status::Ok();
}

}  // namespace cf::p11
