// cf-file backend: whole-file encryption exactly as the framework's cf_utility writes it (a fresh AES-256-GCM
// "cryptstore-sealing-key" per save, sealed by the platform; nonce||ciphertext||tag of the serialized cryptstore),
// plus a reserved entry for our own state. Slower than sqlite by design: every write rewrites the whole file.
#include "cryptstore/cf_file_store.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include "common/aead.h"
#include "common/atomic_file.h"
#include "common/log.h"
#include "common/random.h"
#include "common/time_text.h"
#include "cryptstore/entry_rules.h"
#include "cryptstore/envelope.h"
#include "proto/certifier.pb.h"
#include "proto/cryptstore.pb.h"

namespace cf::store {
namespace {

constexpr size_t kMaxFileSize = 1u << 30;

std::string ExtraKey(const std::string& tag, const std::string& type, int32_t version) {
  return std::to_string(tag.size()) + ":" + tag + std::to_string(type.size()) + ":" + type + "#" +
         std::to_string(version);
}

}  // namespace

Result<std::unique_ptr<Store>> CfFileStore::Open(const StoreOptions& options) {
  std::unique_ptr<CfFileStore> store(new CfFileStore(options));
  std::lock_guard<std::mutex> lock(store->mu_);
  const bool exists = FileExists(options.path);
  if (!exists && (!options.create_if_missing || options.read_only))
    return Status(Code::kNotFound, "cf-file store '" + options.path +
                                       "' does not exist; create it (create_if_missing) or check the path");
  if (!options.read_only) {
    // Writers hold this lock while their temp file exists, so any temp file seen under it is a dead writer's.
    CF_ASSIGN_OR_RETURN(FileLock flock, FileLock::Acquire(store->lock_path(), /*exclusive=*/true));
    store->RemoveStaleTempFilesLocked();
    if (!FileExists(options.path)) {  // another process may have created it while we waited
      Snapshot fresh;
      CF_ASSIGN_OR_RETURN(*fresh.meta.mutable_keys(), store->NewKeysLocked());
      fresh.meta.set_next_id(1);
      CF_RETURN_IF_ERROR(store->SaveLocked(fresh));
    }
  }
  // Written whole by rename, never truncated in place: an empty file is damage, not a new store. (The caller logs
  // the refusal: Token::Open, or the tool.)
  struct stat st {};
  if (::stat(options.path.c_str(), &st) == 0 && st.st_size == 0)
    return Status(Code::kCorrupt, "cf-file store '" + options.path +
                                      "' is empty (0 bytes): the store is damaged, not new; restore it from a "
                                      "backup, or remove the token directory to start a fresh token");
  CF_RETURN_IF_ERROR(store->FreshLocked());
  CF_RETURN_IF_ERROR(store->UnsealPlatformKey(store->snap_.meta.keys()));
  CF_RETURN_IF_ERROR(store->CheckRollbackOnReadLocked(store->snap_.meta.keys()));
  return std::unique_ptr<Store>(std::move(store));
}

Result<uint64_t> CfFileStore::FileIdentity() const {
  struct stat st {};
  if (::stat(options_.path.c_str(), &st) != 0)
    return Status(errno == ENOENT ? Code::kNotFound : Code::kIoError,
                  "cannot stat cf-file store '" + options_.path + "': " + std::strerror(errno));
  // A rewrite renames a new file into place: a new inode (and mtime) every time.
  uint64_t h = static_cast<uint64_t>(st.st_ino);
  h = h * 1000003u ^ static_cast<uint64_t>(st.st_size);
  h = h * 1000003u ^ static_cast<uint64_t>(st.st_mtim.tv_sec) * 1000000000u ^ static_cast<uint64_t>(st.st_mtim.tv_nsec);
  return h;
}

Result<CfFileStore::Snapshot> CfFileStore::ReadFileLocked() const {
  CF_ASSIGN_OR_RETURN(uint64_t identity, FileIdentity());
  CF_ASSIGN_OR_RETURN(Bytes raw, ReadFile(options_.path, kMaxFileSize));
  const std::string& path = options_.path;
  wire::protected_blob_message blob;
  if (raw.empty() || !blob.ParseFromArray(raw.data(), static_cast<int>(raw.size())) || !blob.has_encrypted_key() ||
      !blob.has_encrypted_data())
    return Status(Code::kCorrupt,
                  "cf-file store '" + path + "' (" + std::to_string(raw.size()) +
                      " bytes) is not a protected blob: truncated or damaged; restore it from a backup");
  auto key_bytes = options_.sealer->Unseal(AsBytes(blob.encrypted_key()));
  if (!key_bytes.ok())
    return key_bytes.status().Annotate("cannot unseal the file key of cf-file store '" + path +
                                       "': sealed on another platform or for another measurement, or damaged; "
                                       "open it where it was made, or restore that platform's state; nothing "
                                       "was changed");
  wire::key_message key;
  if (!key.ParseFromArray(key_bytes->data(), static_cast<int>(key_bytes->size())) || key.key_type() != "aes-256-gcm" ||
      key.secret_key_bits().size() != aead::kKeySize)
    return Status(Code::kUnimplemented, "cf-file store '" + path + "' is encrypted with '" + key.key_type() +
                                            "'; this build reads aes-256-gcm cryptstores only");
  SecureBytes file_key = ToSecure(key.secret_key_bits());
  OPENSSL_cleanse(key.mutable_secret_key_bits()->data(), key.secret_key_bits().size());
  auto plain = aead::Open(file_key, AsBytes(blob.encrypted_data()), {});
  if (!plain.ok())
    return Status(Code::kCorrupt, "cf-file store '" + path +
                                      "' fails authentication (a byte was changed or the "
                                      "file was truncated); restore it from a backup");
  wire::cryptstore store;
  if (!store.ParseFromArray(plain->data(), static_cast<int>(plain->size())))
    return Status(Code::kCorrupt, "cf-file store '" + path +
                                      "' decrypts but does not parse as a cryptstore (written by an "
                                      "incompatible tool, or damaged before encryption); restore it from a backup");
  Snapshot snap;
  snap.file_identity = identity;
  bool have_meta = false;
  for (const auto& e : store.entries()) {
    if (e.tag() == kMetadataTag && e.type() == kMetadataType) {
      if (!snap.meta.ParseFromString(e.blob()))
        return Status(Code::kCorrupt, "metadata entry of cf-file store '" + path + "' does not parse");
      have_meta = true;
    }
  }
  if (!have_meta)
    return Status(Code::kFailedPrecondition, "cf-file store '" + path +
                                                 "' has no cf-pkcs11 metadata entry: it was "
                                                 "written by the framework's tools; import it with ImportPlaintext");
  std::map<std::string, const cf_pkcs11::StoreEntryExtra*> extras;
  for (const auto& x : snap.meta.entries()) extras[ExtraKey(x.tag(), x.type(), x.version())] = &x;
  uint64_t next_id = snap.meta.next_id();
  for (const auto& e : store.entries()) {
    if (e.tag() == kMetadataTag && e.type() == kMetadataType) continue;
    EntryInfo info;
    info.tag = e.tag();
    info.type = e.type();
    info.version = e.version();
    info.time_entered = e.time_entered();
    info.exportable = e.exportable();
    auto x = extras.find(ExtraKey(e.tag(), e.type(), e.version()));
    if (x != extras.end()) {
      info.id = x->second->id();
      info.tier = static_cast<Tier>(x->second->tier());
      info.revision = x->second->revision();
      info.origin = x->second->token_object() ? Origin::kToken : Origin::kTool;
      info.requires_admission = x->second->requires_admission();
    } else {
      info.id = next_id++;  // an entry someone else added: ours from the next save on
      info.revision = 1;
    }
    snap.stored_blob[info.id] = e.blob();
    snap.index.Insert(info);
  }
  snap.meta.set_next_id(next_id);
  snap.meta.clear_entries();
  return snap;
}

Status CfFileStore::SaveLocked(Snapshot& snap) {
  wire::cryptstore store;
  cf_pkcs11::StoreMetadata meta = snap.meta;
  meta.set_generation(meta.generation() + 1);
  for (const auto& [id, info] : snap.index.infos()) {
    wire::cryptstore_entry* e = store.add_entries();
    e->set_tag(info.tag);
    e->set_type(info.type);
    e->set_version(info.version);
    e->set_time_entered(info.time_entered);
    e->set_blob(snap.stored_blob.at(id));
    e->set_exportable(info.exportable);
    cf_pkcs11::StoreEntryExtra* x = meta.add_entries();
    x->set_tag(info.tag);
    x->set_type(info.type);
    x->set_version(info.version);
    x->set_id(info.id);
    x->set_tier(static_cast<uint32_t>(info.tier));
    x->set_revision(info.revision);
    if (info.origin == Origin::kToken) x->set_token_object(true);
    if (info.requires_admission) x->set_requires_admission(true);
  }
  wire::cryptstore_entry* m = store.add_entries();
  m->set_tag(kMetadataTag);
  m->set_type(kMetadataType);
  m->set_version(1);
  m->set_time_entered(NowText());
  m->set_blob(meta.SerializeAsString());
  m->set_exportable(false);
  // The framework's container: a fresh file key every save, sealed to the platform.
  CF_ASSIGN_OR_RETURN(SecureBytes file_key, RandomSecret(aead::kKeySize));
  wire::key_message key;
  key.set_key_name("cryptstore-sealing-key");
  key.set_key_type("aes-256-gcm");
  key.set_key_format("vse-key");
  key.set_secret_key_bits(file_key.data(), file_key.size());
  SecureString key_ser(key.ByteSizeLong(), '\0');
  key.SerializeToArray(key_ser.data(), static_cast<int>(key_ser.size()));
  OPENSSL_cleanse(key.mutable_secret_key_bits()->data(), file_key.size());
  CF_ASSIGN_OR_RETURN(Bytes sealed_key, options_.sealer->Seal(AsBytes(std::string_view(key_ser))));
  SecureString plain(store.ByteSizeLong(), '\0');
  store.SerializeToArray(plain.data(), static_cast<int>(plain.size()));
  CF_ASSIGN_OR_RETURN(Bytes data, aead::Seal(file_key, AsBytes(std::string_view(plain)), {}));
  wire::protected_blob_message blob;
  blob.set_encrypted_key(AsString(sealed_key));
  blob.set_encrypted_data(AsString(data));
  // A rewrite is a new file: keep the old one's read bits and group, so readers the administrator allowed (nginx
  // workers as another user, read-only) can still read the store after it changes. Never group/other write; new
  // stores are owner-only.
  struct stat old_st {};
  const bool had_file = ::stat(options_.path.c_str(), &old_st) == 0;
  const int mode = had_file ? static_cast<int>(old_st.st_mode & 0644) : 0600;
  Status written = WriteFileAtomic(options_.path, AsBytes(blob.SerializeAsString()), mode);
  if (written.code() == Code::kResourceExhausted) {
    // The rename never happened: the old file is intact. Tell the operator that, and what to free.
    return Status(Code::kResourceExhausted, written.message() + "; cf-file store '" + options_.path +
                                                "' is unchanged: free disk space (or raise the file size limit) "
                                                "and retry");
  }
  CF_RETURN_IF_ERROR(written);
  if (had_file && old_st.st_gid != ::getegid() &&
      ::chown(options_.path.c_str(), static_cast<uid_t>(-1), old_st.st_gid) != 0)
    log::Warning("cf-file store '" + options_.path + "' was rewritten but could not keep group " +
                 std::to_string(old_st.st_gid) + " (" + std::strerror(errno) +
                 "); readers in that group lose access: make the directory setgid to that group");
  snap.meta.set_generation(meta.generation());
  CF_ASSIGN_OR_RETURN(snap.file_identity, FileIdentity());
  return Status::Ok();
}

Status CfFileStore::FreshLocked() {
  CF_ASSIGN_OR_RETURN(uint64_t identity, FileIdentity());
  if (identity == snap_.file_identity && snap_.file_identity != 0) return Status::Ok();
  // Readers need no lock to see a whole file (writers rename), but take a shared one when they may create it.
  std::optional<FileLock> shared;
  if (!options_.read_only) {
    CF_ASSIGN_OR_RETURN(FileLock l, FileLock::Acquire(lock_path(), /*exclusive=*/false));
    shared.emplace(std::move(l));
  }
  CF_ASSIGN_OR_RETURN(snap_, ReadFileLocked());
  return Status::Ok();
}

Status CfFileStore::WriteLocked(const std::function<Status(Snapshot&)>& fn) {
  if (options_.read_only) return ReadOnlyError(options_.path);
  CF_ASSIGN_OR_RETURN(FileLock flock, FileLock::Acquire(lock_path(), /*exclusive=*/true));
  CF_ASSIGN_OR_RETURN(Snapshot snap, ReadFileLocked());
  CF_RETURN_IF_ERROR(fn(snap));
  CF_RETURN_IF_ERROR(SaveLocked(snap));
  snap_ = std::move(snap);
  return Status::Ok();
}

Result<cf_pkcs11::StoreKeys> CfFileStore::ReadKeysLocked() {
  CF_RETURN_IF_ERROR(FreshLocked());
  return snap_.meta.keys();
}

Status CfFileStore::MutateKeysLocked(const std::function<Status(cf_pkcs11::StoreKeys&)>& fn) {
  return WriteLocked([&](Snapshot& s) { return fn(*s.meta.mutable_keys()); });
}

Status CfFileStore::WipeLocked(bool token_entries_only, const std::function<Status(cf_pkcs11::StoreKeys&)>& fn) {
  return WriteLocked([&](Snapshot& s) -> Status {
    if (token_entries_only) {
      std::vector<uint64_t> doomed;
      for (const auto& [id, info] : s.index.infos())
        if (info.origin == Origin::kToken) doomed.push_back(id);
      for (uint64_t id : doomed) {
        s.index.Erase(id);
        s.stored_blob.erase(id);
      }
    } else {
      s.index.Clear();
      s.stored_blob.clear();
    }
    return fn(*s.meta.mutable_keys());
  });
}

void CfFileStore::RemoveStaleTempFilesLocked() {
  auto removed = RemoveStaleTempFiles(options_.path);
  if (!removed.ok()) {
    log::Warning("cf-file store '" + options_.path + "': cannot clean temp files: " + removed.status().ToString());
  } else if (*removed > 0) {
    log::Info("cf-file store '" + options_.path + "': removed " + std::to_string(*removed) +
              " temp file(s) left by an interrupted write");
  }
}

Result<EntryInfo> CfFileStore::InsertLocked(Snapshot& s, const NewEntry& entry) {
  if (entry.tag == kMetadataTag && entry.type == kMetadataType)
    return Status(Code::kInvalidArgument, std::string("tag '") + kMetadataTag + "' type '" + kMetadataType +
                                              "' is reserved for the store's own metadata");
  CF_ASSIGN_OR_RETURN(ByteView key, TierKey(entry.tier));
  EntryInfo info;
  std::optional<int32_t> latest;
  auto range = s.index.Range(entry.tag, entry.type, options_.path);
  if (range.ok()) latest = range->latest;
  CF_ASSIGN_OR_RETURN(info.version, ChooseVersion(entry.tag, entry.type, entry.version, latest));
  if (s.index.Find(entry.tag, entry.type, info.version, options_.path).ok())
    return Status(Code::kVersionConflict, "tag '" + entry.tag + "' type '" + entry.type + "' version " +
                                              std::to_string(info.version) + " already exists in store '" +
                                              options_.path + "'; put version 0 for the next one");
  info.id = s.meta.next_id();
  s.meta.set_next_id(info.id + 1);
  info.revision = 1;
  info.tag = entry.tag;
  info.type = entry.type;
  info.time_entered = entry.time_entered.empty() ? NowText() : entry.time_entered;
  info.exportable = entry.exportable;
  info.tier = entry.tier;
  info.origin = entry.origin;
  info.requires_admission = entry.requires_admission;
  if (entry.tier == Tier::kUser) {
    CF_ASSIGN_OR_RETURN(Bytes sealed,
                        SealEntryBlob(key, info.id, info.tag, info.type, info.version, info.tier, entry.blob));
    s.stored_blob[info.id] = AsString(sealed);
  } else {
    s.stored_blob[info.id] = std::string(entry.blob.begin(), entry.blob.end());
  }
  s.index.Insert(info);
  return info;
}

Result<EntryInfo> CfFileStore::Put(const NewEntry& entry) {
  CF_ASSIGN_OR_RETURN(std::vector<EntryInfo> infos, PutMany({entry}));
  return infos.front();
}

Result<std::vector<EntryInfo>> CfFileStore::PutMany(const std::vector<NewEntry>& entries) {
  for (const NewEntry& e : entries) CF_RETURN_IF_ERROR(ValidateNewEntry(e));
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<EntryInfo> infos;
  CF_RETURN_IF_ERROR(WriteLocked([&](Snapshot& s) -> Status {
    for (const NewEntry& e : entries) {
      CF_ASSIGN_OR_RETURN(EntryInfo info, InsertLocked(s, e));
      infos.push_back(std::move(info));
    }
    return Status::Ok();
  }));
  return infos;
}

Status CfFileStore::Remove(uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  unpublished_epoch_ = 0;
  CF_RETURN_IF_ERROR(WriteLocked([&](Snapshot& s) -> Status {
    if (s.index.ById(id) == nullptr)
      return Status(Code::kNotFound, "no entry with id " + std::to_string(id) + " in store '" + options_.path + "'");
    // A destroyed key must not come back with an older copy of the file.
    CF_RETURN_IF_ERROR(NextEpochLocked(*s.meta.mutable_keys(), /*bump=*/true));
    s.index.Erase(id);
    s.stored_blob.erase(id);
    return Status::Ok();
  }));
  return PublishEpochLocked();
}

Result<size_t> CfFileStore::RemoveMany(const std::vector<uint64_t>& ids) {
  std::lock_guard<std::mutex> lock(mu_);
  if (ids.empty()) return size_t{0};
  unpublished_epoch_ = 0;
  size_t removed = 0;
  CF_RETURN_IF_ERROR(WriteLocked([&](Snapshot& s) -> Status {
    CF_RETURN_IF_ERROR(NextEpochLocked(*s.meta.mutable_keys(), /*bump=*/true));
    for (uint64_t id : ids) {
      if (s.index.ById(id) == nullptr) continue;
      s.index.Erase(id);
      s.stored_blob.erase(id);
      ++removed;
    }
    return Status::Ok();
  }));
  CF_RETURN_IF_ERROR(PublishEpochLocked());
  return removed;
}

Status CfFileStore::PutMeta(std::string_view name, ByteView value) {
  std::lock_guard<std::mutex> lock(mu_);
  return WriteLocked([&](Snapshot& s) -> Status {
    for (auto& m : *s.meta.mutable_meta()) {
      if (m.name() == name) {
        m.set_value(AsString(value));
        return Status::Ok();
      }
    }
    cf_pkcs11::StoreMetaValue* m = s.meta.add_meta();
    m->set_name(std::string(name));
    m->set_value(AsString(value));
    return Status::Ok();
  });
}

}  // namespace cf::store
