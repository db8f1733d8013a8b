// sqlite connection and statement plumbing; every error names the database path and sqlite's own reason.
#include "cryptstore/sqlite_db.h"

#include <cerrno>
#include <cstring>
#include <memory>
#include <utility>

namespace cf::store {
namespace {

Code CodeFor(int rc, int sys_errno) {
  switch (rc & 0xff) {
    case SQLITE_FULL:
      return Code::kResourceExhausted;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Code::kCorrupt;
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      return Code::kPermissionDenied;
    case SQLITE_CONSTRAINT:
      return Code::kAlreadyExists;
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
      if (sys_errno == EACCES || sys_errno == EPERM || sys_errno == EROFS) return Code::kPermissionDenied;
      if (sys_errno == ENOSPC || sys_errno == EFBIG || sys_errno == EDQUOT) return Code::kResourceExhausted;
      if (sys_errno == ENOENT) return Code::kNotFound;
      return Code::kIoError;
    case SQLITE_NOMEM:
      return Code::kResourceExhausted;
    default:
      return Code::kIoError;
  }
}

}  // namespace

SqliteDb::~SqliteDb() {
  cache_.clear();  // statements first: closing a connection with live statements would leave it a zombie
  if (db_ != nullptr) sqlite3_close_v2(db_);
}

void SqliteDb::Abandon() {
  // The parent's statements belong to the parent's connection: finalizing them here would touch its memory from
  // a process that must not use it. They are leaked with the connection (once per fork).
  for (auto& [sql, stmt] : cache_) stmt->stmt_ = nullptr;
  cache_.clear();
  db_ = nullptr;
}

Result<CachedStmt> SqliteDb::Cached(std::string_view sql) {
  auto it = cache_.find(std::string(sql));
  if (it == cache_.end()) {
    CF_ASSIGN_OR_RETURN(auto stmt, SqliteStmt::Prepare(*this, sql));
    it = cache_.emplace(std::string(sql), std::move(stmt)).first;
  }
  if (it->second->lent_) {
    // The same SQL nested inside its own use: resetting the lent statement would cut its caller's rows short.
    CF_ASSIGN_OR_RETURN(auto fresh, SqliteStmt::Prepare(*this, sql));
    SqliteStmt* raw = fresh.get();
    return CachedStmt(raw, std::move(fresh));
  }
  it->second->lent_ = true;
  return CachedStmt(it->second.get(), nullptr);
}

CachedStmt::CachedStmt(SqliteStmt* lent, std::unique_ptr<SqliteStmt> owned) : stmt_(lent), owned_(std::move(owned)) {}

CachedStmt::CachedStmt(CachedStmt&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)), owned_(std::move(other.owned_)) {}

CachedStmt::~CachedStmt() {
  if (stmt_ == nullptr || owned_ != nullptr) return;  // moved from, or a one-off finalized by owned_
  stmt_->Reset();
  stmt_->lent_ = false;
}

Status SqliteDb::Open(const std::string& path, bool create, bool read_only) {
  path_ = path;
  int flags = SQLITE_OPEN_NOMUTEX;  // the Store serialises its own calls
  flags |= read_only ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0));
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    int err = db != nullptr ? sqlite3_system_errno(db) : 0;
    std::string reason = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    if (err != 0) reason += std::string(" (") + std::strerror(err) + ")";
    if (db != nullptr) sqlite3_close_v2(db);
    return Status(CodeFor(rc, err), "cannot open sqlite store '" + path + "': " + reason +
                                        "; check that the directory exists and is writable by this user");
  }
  db_ = db;
  sqlite3_extended_result_codes(db_, 1);
  if (!read_only) {
    // Keep the -wal and -shm files after the last writer closes: a read-only reader (an nginx worker as another
    // user, a directory it cannot write) can open a WAL database only when they already exist.
    int persist = 1;
    sqlite3_file_control(db_, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
  }
  sqlite3_busy_timeout(db_, 10000);  // several processes write: wait for the lock instead of failing
  return Status::Ok();
}

Status SqliteDb::Error(const std::string& what) const {
  int rc = sqlite3_extended_errcode(db_);
  int err = sqlite3_system_errno(db_);
  std::string reason = sqlite3_errmsg(db_);
  if (err != 0 && ((rc & 0xff) == SQLITE_IOERR || (rc & 0xff) == SQLITE_CANTOPEN || (rc & 0xff) == SQLITE_FULL))
    reason += std::string(" (") + std::strerror(err) + ")";
  Code code = CodeFor(rc, err);
  // A damaged file cannot be repaired here: say so, so the operator reaches for the backup, not the tool again.
  if (code == Code::kCorrupt) reason += "; the file is damaged or not a cf-pkcs11 store: restore it from a backup";
  // The transaction rolled back: nothing of this write is stored and earlier entries are intact.
  if (code == Code::kResourceExhausted)
    reason += "; the write was rolled back: free disk space (or raise the file size limit) and retry";
  return Status(code, what + " in sqlite store '" + path_ + "': " + reason);
}

Status SqliteDb::Exec(const std::string& sql) {
  char* msg = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &msg);
  if (msg != nullptr) sqlite3_free(msg);
  if (rc != SQLITE_OK) return Error("'" + sql + "' failed");
  return Status::Ok();
}

SqliteStmt::~SqliteStmt() {
  if (stmt_ != nullptr) sqlite3_finalize(stmt_);
}

void SqliteStmt::Reset() {
  if (stmt_ == nullptr) return;
  sqlite3_reset(stmt_);  // its return repeats the last Step's error, which that Step already reported
  sqlite3_clear_bindings(stmt_);
  last_code_ = SQLITE_OK;
}

Result<std::unique_ptr<SqliteStmt>> SqliteStmt::Prepare(SqliteDb& db, std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db.get(), sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) return db.Error("preparing '" + std::string(sql) + "'");
  return std::unique_ptr<SqliteStmt>(new SqliteStmt(db, stmt));
}

SqliteStmt& SqliteStmt::Bind(int index, int64_t value) {
  sqlite3_bind_int64(stmt_, index, value);
  return *this;
}

SqliteStmt& SqliteStmt::Bind(int index, ByteView value) {
  // An empty blob must still be a blob, not NULL: pass a non-null pointer.
  static const uint8_t kEmpty = 0;
  sqlite3_bind_blob64(stmt_, index, value.empty() ? &kEmpty : value.data(), value.size(), SQLITE_TRANSIENT);
  return *this;
}

SqliteStmt& SqliteStmt::BindText(int index, std::string_view value) {
  sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  return *this;
}

Result<bool> SqliteStmt::Step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  last_code_ = sqlite3_extended_errcode(db_.get());
  return db_.Error("statement '" + std::string(sqlite3_sql(stmt_)) + "' failed");
}

Status SqliteStmt::Run() {
  CF_ASSIGN_OR_RETURN(bool row, Step());
  (void)row;
  return Status::Ok();
}

int64_t SqliteStmt::Int(int col) const { return sqlite3_column_int64(stmt_, col); }

Bytes SqliteStmt::Blob(int col) const {
  const auto* p = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_, col));
  int n = sqlite3_column_bytes(stmt_, col);
  return p == nullptr ? Bytes() : Bytes(p, p + n);
}

bool SqliteStmt::IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

}  // namespace cf::store
