// The storage interface: one small API over SQLite (embedded default) and
// PostgreSQL (deployments that outgrow one machine).
//
// Rules the interface enforces:
//  - Prepared statements only. SQL text carries `$1`, `$2`... placeholders on both
//    backends; values travel separately and are never spliced into SQL text.
//    Each connection caches its prepared statements by SQL text.
//  - Connections come from a pool; a Connection handle returns itself on destruction.
//  - A Transaction rolls back unless Commit() succeeded.
//
// Thread-safety: Database is thread-safe. A Connection (and anything obtained from
// it) belongs to one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/status.h"

namespace yz::store {

// Bytes as stored in BLOB (SQLite) or BYTEA (PostgreSQL) columns.
using Blob = std::vector<std::uint8_t>;

// A parameter or a column value. Text is UTF-8.
using Value = std::variant<std::monostate, std::int64_t, double, std::string, Blob>;

inline Value Null() { return std::monostate{}; }
// A parameter that refers to the caller's bytes instead of owning a copy: text
// is a string_view, a blob a span. For ExecRefs.
using ValueRef = std::variant<std::monostate, std::int64_t, double, std::string_view,
                              std::span<const std::uint8_t>>;

// One result row; columns by position, in SELECT order.
class Row {
 public:
  explicit Row(std::vector<Value> values) : values_(std::move(values)) {}
  std::size_t size() const { return values_.size(); }
  bool IsNull(std::size_t i) const;
  // Typed getters: a NULL column reads as 0 / "" / empty; a column of another
  // storage type is converted where lossless (integer text, text of a blob).
  std::int64_t Int(std::size_t i) const;
  double Real(std::size_t i) const;
  std::string Text(std::size_t i) const;
  Blob Bytes(std::size_t i) const;
  const Value& at(std::size_t i) const { return values_.at(i); }

 private:
  std::vector<Value> values_;
};

using Rows = std::vector<Row>;

enum class Backend { kSqlite, kPostgres };

class Connection {
 public:
  virtual ~Connection() = default;
  // Runs a statement that returns rows.
  virtual Result<Rows> Query(std::string_view sql, std::span<const Value> params = {}) = 0;
  // Runs a statement for its effect; returns the number of rows changed.
  virtual Result<std::int64_t> Exec(std::string_view sql, std::span<const Value> params = {}) = 0;
  // Exec with parameters the caller keeps alive for the call (the collection
  // writer binds the rows it holds rather than moving them into Values). The
  // same rules as Exec; by default the references are copied into Values.
  virtual Result<std::int64_t> ExecRefs(std::string_view sql, std::span<const ValueRef> params);
  // Runs several ';'-separated statements without parameters (migrations only).
  virtual Status ExecScript(std::string_view sql) = 0;
  // BEGIN for a transaction that will write (SQLite: BEGIN IMMEDIATE, so writers
  // queue on the busy timeout instead of failing at commit).
  virtual Status Begin() = 0;
  virtual Status Commit() = 0;
  virtual Status Rollback() = 0;
  virtual Backend backend() const = 0;
};

class Database;

// A pooled connection; returns to its pool when destroyed, so it must not outlive
// its Database. A connection handed back inside a transaction is rolled back; a
// broken one is closed rather than reused.
class PooledConnection {
 public:
  PooledConnection(Database* owner, std::unique_ptr<Connection> conn)
      : owner_(owner), conn_(std::move(conn)) {}
  PooledConnection(PooledConnection&&) noexcept = default;
  PooledConnection& operator=(PooledConnection&&) noexcept = default;
  ~PooledConnection();
  Connection* operator->() { return conn_.get(); }
  Connection& operator*() { return *conn_; }

 private:
  Database* owner_;
  std::unique_ptr<Connection> conn_;
};

// RAII transaction: Begin() in the constructor, rollback on destruction unless committed.
class Transaction {
 public:
  explicit Transaction(Connection& conn);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  // The status of BEGIN; check before using the transaction.
  const Status& begin_status() const { return begin_status_; }
  Status Commit();

 private:
  Connection& conn_;
  Status begin_status_;
  bool done_ = false;
};

class Database {
 public:
  virtual ~Database() = default;
  // A connection from the pool; Unavailable if none can be opened.
  virtual Result<PooledConnection> Acquire() = 0;
  virtual Backend backend() const = 0;
  // Cheap liveness probe used by /readyz.
  Status Ping();
  // Runs `fn` inside a transaction on a pooled connection; commits if it returns ok.
  Status InTransaction(const std::function<Status(Connection&)>& fn);

 protected:
  friend class PooledConnection;
  virtual void Release(std::unique_ptr<Connection> conn) = 0;
};

// Opens the database named by `url`:
//   "sqlite:PATH" or a plain path  -> SQLite file (created if missing), WAL mode
//   "postgres://..." / "postgresql://..." -> PostgreSQL via libpq
// `pool_size` bounds open connections.
Result<std::unique_ptr<Database>> Open(const std::string& url, int pool_size = 8);

}  // namespace yz::store
