// Opening and creating the sqlite backend's database. A new database is built whole under a temporary name and
// linked into place, so an existing store file is always complete: an empty file or one without its key record
// is damage (a truncated copy, a failed restore) and is refused rather than silently becoming an empty token.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/atomic_file.h"
#include "common/process_id.h"
#include "common/random.h"
#include "cryptstore/sqlite_store.h"

namespace cf::store {
namespace {

constexpr char kSchema[] =
    "CREATE TABLE IF NOT EXISTS meta(name BLOB PRIMARY KEY, value BLOB NOT NULL);"
    "CREATE TABLE IF NOT EXISTS entries(id INTEGER PRIMARY KEY AUTOINCREMENT, lookup BLOB NOT NULL,"
    " version INTEGER NOT NULL, tier INTEGER NOT NULL, revision INTEGER NOT NULL,"
    " sealed_meta BLOB NOT NULL, sealed_blob BLOB NOT NULL);"
    "CREATE UNIQUE INDEX IF NOT EXISTS entries_lookup_version ON entries(lookup, version);"
    // Covers the listing at open (RefreshLocked): scanning it reads the metadata without the blobs' pages.
    "CREATE INDEX IF NOT EXISTS entries_meta ON entries(id, revision, version, tier, sealed_meta);";

std::string DirOf(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

// Removes the temporary database and the -wal/-shm files sqlite kept for it, on every path out of the creation.
class TempDatabase {
 public:
  explicit TempDatabase(std::string path) : path_(std::move(path)) {}
  ~TempDatabase() {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) ::unlink((path_ + suffix).c_str());
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace

Result<std::unique_ptr<Store>> SqliteStore::Open(const StoreOptions& options) {
  struct stat st {};
  const bool exists = ::stat(options.path.c_str(), &st) == 0;
  if (!exists && (!options.create_if_missing || options.read_only))
    return Status(Code::kNotFound, "sqlite store '" + options.path +
                                       "' does not exist; create it (create_if_missing) or check the path");
  // The caller logs these refusals (Token::Open, or the tool), as for every other open failure.
  if (exists && st.st_size == 0)
    return Status(Code::kCorrupt, "sqlite store '" + options.path +
                                      "' is empty (0 bytes): the store is damaged, not new; restore it from a "
                                      "backup, or remove the token directory to start a fresh token");
  std::unique_ptr<SqliteStore> store(new SqliteStore(options));
  std::lock_guard<std::mutex> lock(store->mu_);
  if (!exists) CF_RETURN_IF_ERROR(store->CreateFileLocked());
  CF_RETURN_IF_ERROR(store->Connect(false));
  auto keys = store->ReadKeysLocked();
  if (!keys.ok() && keys.status().code() == Code::kNotFound)
    return Status(Code::kCorrupt, "sqlite store '" + options.path +
                                      "' has no key record: the store is damaged (or was never completed); "
                                      "restore it from a backup, or remove the token directory to start fresh");
  if (!keys.ok()) return keys.status();
  CF_RETURN_IF_ERROR(store->UnsealPlatformKey(*keys));
  CF_RETURN_IF_ERROR(store->CheckRollbackOnReadLocked(*keys));
  CF_RETURN_IF_ERROR(store->RefreshLocked());
  return std::unique_ptr<Store>(std::move(store));
}

Status SqliteStore::CreateFileLocked() {
  const std::string dir = DirOf(options_.path);
  // sqlite reports a refused create as "unable to open" with a misleading errno: check the directory first.
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    return Status(errno == ENOENT ? Code::kNotFound : Code::kPermissionDenied,
                  "cannot create sqlite store '" + options_.path + "': directory '" + dir + "' " +
                      (errno == ENOENT ? "does not exist" : "is not writable by this user") +
                      "; create it or fix its permissions");
  uint8_t rnd[6];
  CF_RETURN_IF_ERROR(RandomFill(rnd, sizeof(rnd)));
  TempDatabase temp(options_.path + ".new-" + HexEncode(ByteView(rnd, sizeof(rnd))));
  // sqlite would create the file with the umask's mode (often 0644); a sealed store is 0600, and sqlite gives
  // its -wal/-shm files the database file's mode. link() below keeps the inode and so the mode.
  int fd = ::open(temp.path().c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Status(Code::kIoError, "cannot create '" + temp.path() + "': " + std::strerror(errno));
  ::close(fd);
  {
    SqliteDb db;
    CF_RETURN_IF_ERROR(db.Open(temp.path(), /*create=*/true, /*read_only=*/false));
    CF_RETURN_IF_ERROR(db.Exec("PRAGMA journal_mode=WAL"));
    CF_RETURN_IF_ERROR(db.Exec("PRAGMA synchronous=FULL"));
    CF_RETURN_IF_ERROR(db.Exec(kSchema));
    CF_ASSIGN_OR_RETURN(cf_pkcs11::StoreKeys fresh, NewKeysLocked());
    CF_ASSIGN_OR_RETURN(auto stmt, SqliteStmt::Prepare(db, "INSERT INTO meta VALUES('keys', ?)"));
    CF_RETURN_IF_ERROR(stmt->Bind(1, AsBytes(fresh.SerializeAsString())).Run());
    stmt.reset();
    // Everything into the main file (synced: synchronous=FULL) before it gets its real name.
    CF_RETURN_IF_ERROR(db.Exec("PRAGMA wal_checkpoint(TRUNCATE)"));
  }
  if (::link(temp.path().c_str(), options_.path.c_str()) != 0) {
    if (errno == EEXIST) return Status::Ok();  // another process created it first: open theirs
    return Status(Code::kIoError, "cannot link new sqlite store into '" + options_.path + "': " + std::strerror(errno));
  }
  if (int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dfd >= 0) {
    ::fsync(dfd);  // the new name survives a power cut
    ::close(dfd);
  }
  return Status::Ok();
}

Status SqliteStore::Connect(bool create) {
  db_ = std::make_unique<SqliteDb>();
  CF_RETURN_IF_ERROR(db_->Open(options_.path, create, options_.read_only));
  pid_ = CurrentPid();
  seen_data_version_ = -1;
  if (!options_.read_only) {
    CF_RETURN_IF_ERROR(db_->Exec("PRAGMA journal_mode=WAL"));
    CF_RETURN_IF_ERROR(db_->Exec("PRAGMA synchronous=FULL"));
    CF_RETURN_IF_ERROR(db_->Exec(kSchema));
  }
  return Status::Ok();
}

}  // namespace cf::store
