// SqliteDb and SqliteStmt: RAII over a sqlite3 connection and prepared statements, with sqlite result codes turned
// into cf::Status (disk full -> kResourceExhausted, corruption -> kCorrupt, access -> kPermissionDenied), and a
// per-connection cache of prepared statements for fixed SQL. Owns no schema and no crypto: the sqlite backend
// (sqlite_store.cc) decides what the tables mean.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/bytes.h"
#include "common/status.h"

namespace cf::store {

class SqliteStmt;

// A statement lent from the connection's cache (or, when that statement is already lent out, a fresh one). Going
// out of scope resets it and clears its bindings, so no read transaction outlives the call that used it.
class CachedStmt {
 public:
  CachedStmt(CachedStmt&& other) noexcept;
  CachedStmt& operator=(CachedStmt&&) = delete;
  CachedStmt(const CachedStmt&) = delete;
  ~CachedStmt();
  SqliteStmt* operator->() const { return stmt_; }
  SqliteStmt& operator*() const { return *stmt_; }

 private:
  friend class SqliteDb;
  CachedStmt(SqliteStmt* lent, std::unique_ptr<SqliteStmt> owned);
  SqliteStmt* stmt_;
  std::unique_ptr<SqliteStmt> owned_;  // set only when the cached one was busy
};

class SqliteDb {
 public:
  SqliteDb() = default;
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;
  ~SqliteDb();

  // read_only: SQLITE_OPEN_READONLY (no lock or journal file is created by this connection).
  Status Open(const std::string& path, bool create, bool read_only);
  // After fork the child must not touch the parent's connection (sqlite's rule): forget it, and the statements
  // cached on it, without closing or finalizing anything.
  void Abandon();
  bool is_open() const { return db_ != nullptr; }
  sqlite3* get() const { return db_; }

  Status Exec(const std::string& sql);
  // A prepared statement for fixed SQL, parsed once per connection (each write runs ~8 statements; parsing them
  // every time was a measurable part of a C_CreateObject on tmpfs). Not for SQL built from variable parts.
  Result<CachedStmt> Cached(std::string_view sql);
  // A Status for the connection's last error, prefixed by `what`.
  Status Error(const std::string& what) const;

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
  std::unordered_map<std::string, std::unique_ptr<SqliteStmt>> cache_;  // finalized before db_ is closed
};

class SqliteStmt {
 public:
  SqliteStmt(const SqliteStmt&) = delete;
  SqliteStmt& operator=(const SqliteStmt&) = delete;
  ~SqliteStmt();
  static Result<std::unique_ptr<SqliteStmt>> Prepare(SqliteDb& db, std::string_view sql);

  SqliteStmt& Bind(int index, int64_t value);
  SqliteStmt& Bind(int index, ByteView value);
  SqliteStmt& BindText(int index, std::string_view value);
  // true: a row is available; false: done. Errors (including constraint violations) come back as Status.
  Result<bool> Step();
  // Runs to completion, expecting no rows.
  Status Run();
  int64_t Int(int col) const;
  Bytes Blob(int col) const;
  bool IsNull(int col) const;
  // The extended result code of the last failed Step (SQLITE_CONSTRAINT_UNIQUE etc.).
  int last_code() const { return last_code_; }

 private:
  friend class SqliteDb;
  friend class CachedStmt;
  SqliteStmt(SqliteDb& db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  // Back to the state after Prepare: ends the statement's read transaction, drops bound copies.
  void Reset();
  SqliteDb& db_;
  sqlite3_stmt* stmt_;
  int last_code_ = SQLITE_OK;
  bool lent_ = false;  // a CachedStmt is using it
};

}  // namespace cf::store
