#include "store/database.h"

#include <charconv>

#include "store/postgres/pg_database.h"
#include "store/sqlite/sqlite_database.h"

namespace yz::store {

bool Row::IsNull(std::size_t i) const {
  return std::holds_alternative<std::monostate>(values_.at(i));
}

std::int64_t Row::Int(std::size_t i) const {
  const Value& v = values_.at(i);
  if (auto p = std::get_if<std::int64_t>(&v)) return *p;
  if (auto p = std::get_if<double>(&v)) return static_cast<std::int64_t>(*p);
  if (auto p = std::get_if<std::string>(&v)) {
    std::int64_t out = 0;
    std::from_chars(p->data(), p->data() + p->size(), out);
    return out;
  }
  return 0;
}

double Row::Real(std::size_t i) const {
  const Value& v = values_.at(i);
  if (auto p = std::get_if<double>(&v)) return *p;
  if (auto p = std::get_if<std::int64_t>(&v)) return static_cast<double>(*p);
  if (auto p = std::get_if<std::string>(&v)) return std::strtod(p->c_str(), nullptr);
  return 0;
}

std::string Row::Text(std::size_t i) const {
  const Value& v = values_.at(i);
  if (auto p = std::get_if<std::string>(&v)) return *p;
  if (auto p = std::get_if<std::int64_t>(&v)) return std::to_string(*p);
  if (auto p = std::get_if<double>(&v)) return std::to_string(*p);
  if (auto p = std::get_if<Blob>(&v)) return std::string(p->begin(), p->end());
  return {};
}

Blob Row::Bytes(std::size_t i) const {
  const Value& v = values_.at(i);
  if (auto p = std::get_if<Blob>(&v)) return *p;
  if (auto p = std::get_if<std::string>(&v)) return Blob(p->begin(), p->end());
  return {};
}

Result<std::int64_t> Connection::ExecRefs(std::string_view sql, std::span<const ValueRef> params) {
  std::vector<Value> values;
  values.reserve(params.size());
  for (const ValueRef& p : params) {
    std::visit(
        [&values](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::string_view>) {
            values.emplace_back(std::string(v));
          } else if constexpr (std::is_same_v<T, std::span<const std::uint8_t>>) {
            values.emplace_back(Blob(v.begin(), v.end()));
          } else {
            values.emplace_back(v);
          }
        },
        p);
  }
  return Exec(sql, values);
}

PooledConnection::~PooledConnection() {
  if (conn_ && owner_) owner_->Release(std::move(conn_));
}

Transaction::Transaction(Connection& conn) : conn_(conn), begin_status_(conn.Begin()) {
  done_ = !begin_status_.ok();
}

Transaction::~Transaction() {
  if (!done_) (void)conn_.Rollback();
}

Status Transaction::Commit() {
  if (done_) return FailedPrecondition("transaction already finished");
  done_ = true;
  Status s = conn_.Commit();
  if (!s.ok()) (void)conn_.Rollback();
  return s;
}

Status Database::Ping() {
  ASSIGN_OR_RETURN(auto conn, Acquire());
  ASSIGN_OR_RETURN(auto rows, conn->Query("SELECT 1"));
  if (rows.size() != 1 || rows[0].Int(0) != 1) return Unavailable("database ping gave no row");
  return Status::Ok();
}

Status Database::InTransaction(const std::function<Status(Connection&)>& fn) {
  ASSIGN_OR_RETURN(auto conn, Acquire());
  Transaction tx(*conn);
  RETURN_IF_ERROR(tx.begin_status());
  RETURN_IF_ERROR(fn(*conn));
  return tx.Commit();
}

Result<std::unique_ptr<Database>> Open(const std::string& url, int pool_size) {
  if (url.starts_with("postgres://") || url.starts_with("postgresql://")) {
    return postgres::OpenPostgres(url, pool_size);
  }
  std::string path = url.starts_with("sqlite:") ? url.substr(7) : url;
  if (path.empty()) return InvalidArgument("database: empty SQLite path");
  return sqlite::OpenSqlite(path, pool_size);
}

}  // namespace yz::store
