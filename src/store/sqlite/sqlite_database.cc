#include "store/sqlite/sqlite_database.h"

#include <sqlite3.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <string>
#include <system_error>
#include <unordered_map>
#include <vector>

#include "core/private_files.h"
#include "core/string_map.h"
#include "store/connection_pool.h"

namespace yz::store::sqlite {
namespace {

// Distinct SQL texts are program constants, so the per-connection cache stays
// small; the bound only guards against SQL built at run time.
constexpr std::size_t kMaxCachedStatements = 512;

// Maps an SQLite result code (extended codes enabled) to a Status. The message
// comes from sqlite3_errmsg, which names tables and columns but not bound values.
Status ErrorStatus(int rc, sqlite3* db, std::string_view what) {
  std::string msg = "sqlite: ";
  msg += what;
  msg += ": ";
  msg += db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
      return Unavailable(std::move(msg));
    case SQLITE_CONSTRAINT:
      if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return AlreadyExists(std::move(msg));
      }
      return InvalidArgument(std::move(msg));
    case SQLITE_TOOBIG:
    case SQLITE_MISMATCH:
    case SQLITE_RANGE:
      return InvalidArgument(std::move(msg));
    default:
      return Internal(std::move(msg));
  }
}

// "$12" -> 12; 0 if the name is not of that form.
int PlaceholderNumber(const char* name) {
  if (name == nullptr || name[0] != '$') return 0;
  std::string_view digits(name + 1);
  int n = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc() || end != digits.data() + digits.size() || n < 1) return 0;
  return n;
}

class SqliteConnection final : public Connection {
 public:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  ~SqliteConnection() override {
    ClearCache();
    sqlite3_close_v2(db_);
  }

  Result<Rows> Query(std::string_view sql, std::span<const Value> params) override {
    ASSIGN_OR_RETURN(const Statement* prepared, Prepare(sql));
    sqlite3_stmt* stmt = prepared->stmt;
    StatementReset reset{stmt};
    RETURN_IF_ERROR(Bind(*prepared, params));
    Rows rows;
    for (;;) {
      const int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) return ErrorStatus(rc, db_, "query");
      // Read after step: a schema change re-prepares the statement inside step.
      const int ncols = sqlite3_column_count(stmt);
      std::vector<Value> values;
      values.reserve(ncols);
      for (int i = 0; i < ncols; ++i) values.push_back(ColumnValue(stmt, i));
      rows.emplace_back(std::move(values));
    }
    return rows;
  }

  Result<std::int64_t> Exec(std::string_view sql, std::span<const Value> params) override {
    return Run(sql, params);
  }

  // Binds the caller's bytes as they are (SQLITE_STATIC), without Values.
  Result<std::int64_t> ExecRefs(std::string_view sql, std::span<const ValueRef> params) override {
    return Run(sql, params);
  }

  Status ExecScript(std::string_view sql) override {
    const std::string text(sql);
    const int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) return ErrorStatus(sqlite3_extended_errcode(db_), db_, "script");
    return Status::Ok();
  }

  // IMMEDIATE takes the write lock now, so a second writer waits on the busy
  // timeout here rather than failing with SQLITE_BUSY at its first write.
  Status Begin() override { return Simple("BEGIN IMMEDIATE"); }
  Status Commit() override { return Simple("COMMIT"); }
  Status Rollback() override { return Simple("ROLLBACK"); }
  Backend backend() const override { return Backend::kSqlite; }

  // Called on release: a connection handed back inside a transaction (no
  // Transaction guard was used) must not carry that transaction to its next user.
  bool ResetForReuse() {
    if (sqlite3_get_autocommit(db_)) return true;
    return Rollback().ok();
  }

 private:
  // A prepared statement and, for each of its parameters in order, the N of its
  // `$N` (read once here: sqlite3_bind_parameter_name is linear in the number of
  // parameters, which made binding a multi-row INSERT quadratic).
  struct Statement {
    sqlite3_stmt* stmt = nullptr;
    std::vector<int> numbers;
    int highest = 0;
  };

  struct StatementReset {
    sqlite3_stmt* stmt;
    ~StatementReset() {
      sqlite3_reset(stmt);
      sqlite3_clear_bindings(stmt);
    }
  };

  Status Simple(const char* sql) {
    auto r = Exec(sql, {});
    return r.ok() ? Status::Ok() : r.status();
  }

  // C4.1: every statement is prepared; values only ever travel through Bind().
  Result<const Statement*> Prepare(std::string_view sql) {
    if (auto it = cache_.find(sql); it != cache_.end()) return &it->second;
    if (cache_.size() >= kMaxCachedStatements) ClearCache();
    sqlite3_stmt* stmt = nullptr;
    const char* tail = nullptr;
    const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &stmt, &tail);
    if (rc != SQLITE_OK) return ErrorStatus(rc, db_, "prepare");
    if (stmt == nullptr) return Internal("sqlite: empty statement");
    for (const char* p = tail; p && p < sql.data() + sql.size(); ++p) {
      if (*p != ' ' && *p != '\n' && *p != '\t' && *p != '\r' && *p != ';') {
        sqlite3_finalize(stmt);
        return Internal("sqlite: one statement per call (use ExecScript for scripts)");
      }
    }
    Statement prepared{stmt, {}, 0};
    const int count = sqlite3_bind_parameter_count(stmt);
    prepared.numbers.reserve(static_cast<std::size_t>(count));
    for (int i = 1; i <= count; ++i) {
      const int n = PlaceholderNumber(sqlite3_bind_parameter_name(stmt, i));
      if (n == 0) {
        sqlite3_finalize(stmt);
        return Internal("sqlite: placeholders must be written $1, $2, ...");
      }
      prepared.numbers.push_back(n);
      prepared.highest = std::max(prepared.highest, n);
    }
    return &cache_.emplace(std::string(sql), std::move(prepared)).first->second;
  }

  template <typename V>
  Result<std::int64_t> Run(std::string_view sql, std::span<const V> params) {
    ASSIGN_OR_RETURN(const Statement* prepared, Prepare(sql));
    sqlite3_stmt* stmt = prepared->stmt;
    StatementReset reset{stmt};
    RETURN_IF_ERROR(Bind(*prepared, params));
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    }
    if (rc != SQLITE_DONE) return ErrorStatus(rc, db_, "exec");
    return static_cast<std::int64_t>(sqlite3_changes64(db_));
  }

  // Binds params[N-1] to each `$N`. Every placeholder needs a value and every
  // value a placeholder, as on PostgreSQL, so the backends agree on bad calls.
  template <typename V>
  Status Bind(const Statement& prepared, std::span<const V> params) {
    if (static_cast<std::size_t>(prepared.highest) > params.size()) {
      return InvalidArgument("sqlite: no value for placeholder $" +
                             std::to_string(params.size() + 1));
    }
    if (static_cast<std::size_t>(prepared.highest) != params.size()) {
      return InvalidArgument("sqlite: " + std::to_string(params.size()) +
                             " values given for a statement using " +
                             std::to_string(prepared.highest));
    }
    for (std::size_t i = 0; i < prepared.numbers.size(); ++i) {
      RETURN_IF_ERROR(
          BindOne(prepared.stmt, static_cast<int>(i + 1), params[prepared.numbers[i] - 1]));
    }
    return Status::Ok();
  }

  Status BindOne(sqlite3_stmt* stmt, int index, const Value& v) {
    return BindOne(stmt, index,
                   std::visit(
                       [](const auto& x) -> ValueRef {
                         using T = std::decay_t<decltype(x)>;
                         if constexpr (std::is_same_v<T, std::string>) {
                           return std::string_view(x);
                         } else if constexpr (std::is_same_v<T, Blob>) {
                           return std::span<const std::uint8_t>(x);
                         } else {
                           return x;
                         }
                       },
                       v));
  }

  // SQLITE_STATIC: the values outlive the statement's use (Query and Exec reset
  // and clear its bindings before returning), so SQLite need not copy them.
  Status BindOne(sqlite3_stmt* stmt, int index, const ValueRef& v) {
    int rc = SQLITE_OK;
    if (std::holds_alternative<std::monostate>(v)) {
      rc = sqlite3_bind_null(stmt, index);
    } else if (auto p = std::get_if<std::int64_t>(&v)) {
      rc = sqlite3_bind_int64(stmt, index, *p);
    } else if (auto p = std::get_if<double>(&v)) {
      rc = sqlite3_bind_double(stmt, index, *p);
    } else if (auto p = std::get_if<std::string_view>(&v)) {
      // PostgreSQL text cannot hold NUL; refusing it here keeps both backends alike.
      if (p->find('\0') != std::string_view::npos) {
        return InvalidArgument("sqlite: text value contains a NUL byte (store it as a Blob)");
      }
      // A default string_view has no data pointer, which SQLite would bind as
      // NULL: empty text stays empty text.
      rc = sqlite3_bind_text64(stmt, index, p->data() ? p->data() : "", p->size(), SQLITE_STATIC,
                               SQLITE_UTF8);
    } else if (auto p = std::get_if<std::span<const std::uint8_t>>(&v)) {
      // A zero-length blob bound through bind_blob with no data pointer reads back
      // as NULL; zeroblob(0) keeps it an empty, non-NULL blob.
      rc = p->empty() ? sqlite3_bind_zeroblob(stmt, index, 0)
                      : sqlite3_bind_blob64(stmt, index, p->data(), p->size(), SQLITE_STATIC);
    }
    if (rc != SQLITE_OK) return ErrorStatus(rc, db_, "bind");
    return Status::Ok();
  }

  static Value ColumnValue(sqlite3_stmt* stmt, int i) {
    switch (sqlite3_column_type(stmt, i)) {
      case SQLITE_INTEGER:
        return static_cast<std::int64_t>(sqlite3_column_int64(stmt, i));
      case SQLITE_FLOAT:
        return sqlite3_column_double(stmt, i);
      case SQLITE_TEXT: {
        const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
        const int n = sqlite3_column_bytes(stmt, i);
        return std::string(p ? p : "", static_cast<std::size_t>(n));
      }
      case SQLITE_BLOB: {
        const auto* p = static_cast<const std::uint8_t*>(sqlite3_column_blob(stmt, i));
        const int n = sqlite3_column_bytes(stmt, i);
        return p ? Blob(p, p + n) : Blob{};
      }
      default:
        return Null();
    }
  }

  void ClearCache() {
    for (auto& [sql, prepared] : cache_) sqlite3_finalize(prepared.stmt);
    cache_.clear();
  }

  sqlite3* db_;
  StringMap<Statement> cache_;
};

Result<std::unique_ptr<SqliteConnection>> Connect(const std::string& path) {
  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Status s = ErrorStatus(rc, db, "open " + path);
    sqlite3_close_v2(db);
    return s;
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, 5000);
  auto conn = std::make_unique<SqliteConnection>(db);
  // journal_mode=WAL lets readers run beside the one writer. synchronous=FULL
  // fsyncs the WAL at every commit, so a 2xx for a stored record (a consent, a
  // device event, an account change) survives a power cut too, as on PostgreSQL;
  // NORMAL would be durable only at checkpoints. The collection writer sets its
  // own (collect_sync).
  rc = sqlite3_exec(db,
                    "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; "
                    "PRAGMA synchronous=FULL;",
                    nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return ErrorStatus(sqlite3_extended_errcode(db), db, "configure " + path);
  return conn;
}

class SqliteDatabase final : public Database {
 public:
  SqliteDatabase(std::string path, int pool_size)
      : pool_(pool_size, [path = std::move(path)] { return Connect(path); }) {}

  Result<PooledConnection> Acquire() override {
    ASSIGN_OR_RETURN(std::unique_ptr<SqliteConnection> conn, pool_.Take(kAcquireWait));
    return PooledConnection(this, std::move(conn));
  }
  Backend backend() const override { return Backend::kSqlite; }

 protected:
  void Release(std::unique_ptr<Connection> conn) override {
    std::unique_ptr<SqliteConnection> c(static_cast<SqliteConnection*>(conn.release()));
    const bool reusable = c->ResetForReuse();
    pool_.Put(std::move(c), reusable);
  }

 private:
  ConnectionPool<SqliteConnection> pool_;
};

}  // namespace

Result<std::unique_ptr<Database>> OpenSqlite(const std::string& path, int pool_size) {
  if (path == ":memory:" || path.starts_with("file:")) {
    // Each pooled connection would see its own private database.
    return InvalidArgument("sqlite: give a file path (in-memory and URI names are not supported)");
  }
  // The file is made 0600 (its folders 0700) before SQLite opens it: SQLite would
  // create it 0644 minus the umask, and gives its -wal, -shm and -journal files the
  // mode of the database file, so this one mode covers all four.
  if (Status s = CreatePrivateFile(path); !s.ok()) {
    return Status(s.code(), "sqlite: " + s.message());
  }

  auto db = std::make_unique<SqliteDatabase>(path, pool_size);
  // Open one connection now so a bad path or unreadable file fails at start-up.
  { ASSIGN_OR_RETURN(PooledConnection probe, db->Acquire()); }
  return std::unique_ptr<Database>(std::move(db));
}

}  // namespace yz::store::sqlite
