#include "store/postgres/pg_database.h"

#include <libpq-fe.h>

#include <charconv>
#include <cmath>
#include <cstring>
#include <string>
#include <system_error>
#include <unordered_map>

#include "core/string_map.h"
#include "store/connection_pool.h"

namespace yz::store::postgres {
namespace {

// Type OIDs from pg_type.h (stable across server versions).
constexpr Oid kBoolOid = 16;
constexpr Oid kByteaOid = 17;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kOidOid = 26;
constexpr Oid kFloat4Oid = 700;
constexpr Oid kFloat8Oid = 701;
constexpr Oid kNumericOid = 1700;

// See sqlite_database.cc: a guard against SQL built at run time.
constexpr std::size_t kMaxCachedStatements = 512;

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;

// What error messages may say about the server: host, port and database, and
// the password to scrub should libpq ever echo it.
struct Target {
  std::string where;     // "host:port/dbname"
  std::string password;  // empty if none in the URL
};

std::string Scrub(std::string msg, const Target& target) {
  if (!target.password.empty()) {
    for (std::size_t at; (at = msg.find(target.password)) != std::string::npos;) {
      msg.replace(at, target.password.size(), "***");
    }
  }
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  return msg;
}

// Maps a failed result to a Status by SQLSTATE. Only the primary message is used:
// the DETAIL of a constraint error quotes the offending row, and data-exception
// messages quote the bad value, so those are cut at the first ':'.
Status ErrorStatus(const PGresult* res, PGconn* conn, std::string_view what, const Target& target) {
  const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  const char* primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  std::string msg = "postgres: ";
  msg += what;
  msg += ": ";
  if (state == nullptr || primary == nullptr) {
    // No server error: libpq itself failed, usually because the connection is gone.
    msg += Scrub(PQerrorMessage(conn), target);
    if (PQstatus(conn) != CONNECTION_OK) return Unavailable(std::move(msg));
    return Internal(std::move(msg));
  }
  const std::string_view code(state);
  std::string text(primary);
  if (code.starts_with("22")) text = text.substr(0, text.find(':'));
  msg += Scrub(std::move(text), target);
  msg += " (SQLSTATE ";
  msg += code;
  msg += ")";
  if (PQstatus(conn) != CONNECTION_OK) return Unavailable(std::move(msg));
  if (code == "23505") return AlreadyExists(std::move(msg));
  if (code.starts_with("23") || code.starts_with("22")) return InvalidArgument(std::move(msg));
  if (code.starts_with("08") || code.starts_with("57P") || code == "40001" || code == "40P01" ||
      code == "53300") {
    return Unavailable(std::move(msg));
  }
  return Internal(std::move(msg));
}

// Shortest text that parses back to the same double; PostgreSQL's spellings for
// the non-finite values.
std::string DoubleText(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, end);
}

Value DecodeColumn(const PGresult* res, int row, int col) {
  if (PQgetisnull(res, row, col)) return Null();
  const char* p = PQgetvalue(res, row, col);
  const int n = PQgetlength(res, row, col);
  switch (PQftype(res, col)) {
    case kInt2Oid:
    case kInt4Oid:
    case kInt8Oid:
    case kOidOid: {
      std::int64_t v = 0;
      std::from_chars(p, p + n, v);
      return v;
    }
    case kFloat4Oid:
    case kFloat8Oid:
    case kNumericOid: {
      double v = 0;
      std::from_chars(p, p + n, v);  // also reads "Infinity", "-Infinity", "NaN"
      return v;
    }
    case kBoolOid:
      return std::int64_t{n > 0 && p[0] == 't'};
    case kByteaOid: {
      std::size_t len = 0;
      unsigned char* bytes = PQunescapeBytea(reinterpret_cast<const unsigned char*>(p), &len);
      if (bytes == nullptr) return Null();  // only on out-of-memory
      Blob blob(bytes, bytes + len);
      PQfreemem(bytes);
      return blob;
    }
    default:
      return std::string(p, static_cast<std::size_t>(n));
  }
}

class PgConnection final : public Connection {
 public:
  PgConnection(PGconn* conn, const Target* target) : conn_(conn), target_(target) {}
  ~PgConnection() override { PQfinish(conn_); }

  Result<Rows> Query(std::string_view sql, std::span<const Value> params) override {
    ASSIGN_OR_RETURN(PgResult res, Run(sql, params));
    Rows rows;
    const int nrows = PQntuples(res.get());
    const int ncols = PQnfields(res.get());
    rows.reserve(nrows);
    for (int r = 0; r < nrows; ++r) {
      std::vector<Value> values;
      values.reserve(ncols);
      for (int c = 0; c < ncols; ++c) values.push_back(DecodeColumn(res.get(), r, c));
      rows.emplace_back(std::move(values));
    }
    return rows;
  }

  Result<std::int64_t> Exec(std::string_view sql, std::span<const Value> params) override {
    ASSIGN_OR_RETURN(PgResult res, Run(sql, params));
    const char* tuples = PQcmdTuples(res.get());
    std::int64_t n = 0;
    std::from_chars(tuples, tuples + std::strlen(tuples), n);
    return n;
  }

  Status ExecScript(std::string_view sql) override {
    const std::string text(sql);
    PgResult res(PQexec(conn_, text.c_str()));
    return Check(res.get(), "script");
  }

  Status Begin() override { return Simple("BEGIN"); }
  Status Commit() override { return Simple("COMMIT"); }
  Status Rollback() override { return Simple("ROLLBACK"); }
  Backend backend() const override { return Backend::kPostgres; }

  // Called on release. A broken connection is dropped; one handed back inside a
  // transaction is rolled back so its next user starts clean.
  bool ResetForReuse() {
    if (PQstatus(conn_) != CONNECTION_OK) return false;
    switch (PQtransactionStatus(conn_)) {
      case PQTRANS_IDLE:
        return true;
      case PQTRANS_INTRANS:
      case PQTRANS_INERROR:
        return Rollback().ok() && PQtransactionStatus(conn_) == PQTRANS_IDLE;
      default:
        return false;
    }
  }

 private:
  struct Prepared {
    std::string name;
    int nparams;
  };

  Status Simple(const char* sql) {
    PgResult res(PQexec(conn_, sql));
    return Check(res.get(), sql);
  }

  Status Check(const PGresult* res, std::string_view what) {
    const ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return Status::Ok();
    return ErrorStatus(res, conn_, what, *target_);
  }

  // Prepares (once per SQL text) and runs the statement. If a cached plan was
  // invalidated by a schema change (SQLSTATE 0A000) outside a transaction, the
  // statement is prepared afresh and run once more.
  Result<PgResult> Run(std::string_view sql, std::span<const Value> params) {
    const bool idle = PQtransactionStatus(conn_) == PQTRANS_IDLE;
    for (int attempt = 0;; ++attempt) {
      ASSIGN_OR_RETURN(const Prepared* prep, Prepare(sql, idle));
      Result<PgResult> res = Execute(*prep, params);
      if (res.ok() || attempt > 0 || !idle || last_sqlstate_ != "0A000") return res;
      cache_.erase(cache_.find(sql));
    }
  }

  // C4.1: statements are prepared on the server; values travel separately.
  Result<const Prepared*> Prepare(std::string_view sql, bool idle) {
    if (auto it = cache_.find(sql); it != cache_.end()) return &it->second;
    if (cache_.size() >= kMaxCachedStatements && idle) {
      RETURN_IF_ERROR(Simple("DEALLOCATE ALL"));
      cache_.clear();
    }
    const std::string name = "s" + std::to_string(++next_statement_);
    const std::string text(sql);
    PgResult res(PQprepare(conn_, name.c_str(), text.c_str(), 0, nullptr));
    RETURN_IF_ERROR(Check(res.get(), "prepare"));
    PgResult desc(PQdescribePrepared(conn_, name.c_str()));
    RETURN_IF_ERROR(Check(desc.get(), "describe"));
    auto [it, inserted] = cache_.emplace(text, Prepared{name, PQnparams(desc.get())});
    return &it->second;
  }

  Result<PgResult> Execute(const Prepared& prep, std::span<const Value> params) {
    last_sqlstate_.clear();
    if (static_cast<std::size_t>(prep.nparams) != params.size()) {
      if (params.size() < static_cast<std::size_t>(prep.nparams)) {
        return InvalidArgument("postgres: no value for placeholder $" +
                               std::to_string(params.size() + 1));
      }
      return InvalidArgument("postgres: " + std::to_string(params.size()) +
                             " values given for a statement using " + std::to_string(prep.nparams));
    }
    static const char kEmpty = 0;  // non-null pointer for an empty, non-NULL blob
    const std::size_t n = params.size();
    std::vector<std::string> numbers(n);
    std::vector<const char*> values(n, nullptr);
    std::vector<int> lengths(n, 0);
    std::vector<int> formats(n, 0);
    for (std::size_t i = 0; i < n; ++i) {
      const Value& v = params[i];
      if (auto p = std::get_if<std::int64_t>(&v)) {
        numbers[i] = std::to_string(*p);
        values[i] = numbers[i].c_str();
      } else if (auto p = std::get_if<double>(&v)) {
        numbers[i] = DoubleText(*p);
        values[i] = numbers[i].c_str();
      } else if (auto p = std::get_if<std::string>(&v)) {
        // Text parameters travel as C strings; a NUL would silently truncate.
        if (p->find('\0') != std::string::npos) {
          return InvalidArgument("postgres: text value contains a NUL byte (store it as a Blob)");
        }
        values[i] = p->c_str();
      } else if (auto p = std::get_if<Blob>(&v)) {
        if (p->size() > static_cast<std::size_t>(INT32_MAX)) {
          return InvalidArgument("postgres: blob larger than 2 GiB");
        }
        values[i] = p->empty() ? &kEmpty : reinterpret_cast<const char*>(p->data());
        lengths[i] = static_cast<int>(p->size());
        formats[i] = 1;  // binary: bytes as they are, no escaping
      }
    }
    PgResult res(PQexecPrepared(conn_, prep.name.c_str(), static_cast<int>(n), values.data(),
                                lengths.data(), formats.data(), /*resultFormat=*/0));
    Status s = Check(res.get(), "execute");
    if (!s.ok()) {
      const char* state = res ? PQresultErrorField(res.get(), PG_DIAG_SQLSTATE) : nullptr;
      if (state) last_sqlstate_ = state;
      return s;
    }
    return res;
  }

  PGconn* conn_;
  const Target* target_;  // owned by the database, which outlives its connections
  StringMap<Prepared> cache_;
  int next_statement_ = 0;
  std::string last_sqlstate_;  // of the last failed Execute, for Run's retry
};

Result<std::unique_ptr<PgConnection>> Connect(const std::string& url, const Target* target) {
  // Later entries override earlier ones, so the URL's own settings win.
  const char* keys[] = {"connect_timeout", "application_name", "client_encoding", "dbname",
                        nullptr};
  const char* values[] = {"5", "yzcloud", "UTF8", url.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (conn == nullptr) return Unavailable("postgres: out of memory connecting");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string msg = "postgres: cannot connect to " + target->where + ": " +
                      Scrub(PQerrorMessage(conn), *target);
    PQfinish(conn);
    return Unavailable(std::move(msg));
  }
  PQsetNoticeProcessor(
      conn, [](void*, const char*) {}, nullptr);  // e.g. "IF EXISTS" notes
  return std::make_unique<PgConnection>(conn, target);
}

class PgDatabase final : public Database {
 public:
  PgDatabase(std::string url, Target target, int pool_size)
      : url_(std::move(url)),
        target_(std::move(target)),
        pool_(pool_size, [this] { return Connect(url_, &target_); }) {}

  Result<PooledConnection> Acquire() override {
    ASSIGN_OR_RETURN(std::unique_ptr<PgConnection> conn, pool_.Take(kAcquireWait));
    return PooledConnection(this, std::move(conn));
  }
  Backend backend() const override { return Backend::kPostgres; }

 protected:
  void Release(std::unique_ptr<Connection> conn) override {
    std::unique_ptr<PgConnection> c(static_cast<PgConnection*>(conn.release()));
    const bool reusable = c->ResetForReuse();
    pool_.Put(std::move(c), reusable);
  }

 private:
  const std::string url_;
  const Target target_;
  ConnectionPool<PgConnection> pool_;  // last: its connections point at target_
};

}  // namespace

Result<std::unique_ptr<Database>> OpenPostgres(const std::string& url, int pool_size) {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(url.c_str(), &err);
  if (opts == nullptr) {
    if (err) PQfreemem(err);  // may quote the URL, password included
    return InvalidArgument("postgres: malformed connection URL");
  }
  std::string host = "localhost", port = "5432", dbname, user, password;
  for (PQconninfoOption* o = opts; o->keyword; ++o) {
    if (o->val == nullptr) continue;
    const std::string_view key(o->keyword);
    if (key == "host" || key == "hostaddr") host = o->val;
    if (key == "port") port = o->val;
    if (key == "dbname") dbname = o->val;
    if (key == "user") user = o->val;
    if (key == "password") password = o->val;
  }
  PQconninfoFree(opts);
  if (dbname.empty()) dbname = user;
  Target target{host + ":" + port + "/" + dbname, password};

  auto db = std::make_unique<PgDatabase>(url, std::move(target), pool_size);
  {
    // Connect once now so a wrong URL or a down server fails at start-up.
    ASSIGN_OR_RETURN(PooledConnection probe, db->Acquire());
  }
  return std::unique_ptr<Database>(std::move(db));
}

}  // namespace yz::store::postgres
