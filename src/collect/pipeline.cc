#include "collect/pipeline.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <map>
#include <set>
#include <string>
#include <vector>

namespace yz::collect {
namespace {

using store::Value;

constexpr std::size_t kChunkRows = 64;  // rows per multi-row INSERT

constexpr const char* kAccessColumns =
    "id, request_id, at, day, source, method, path, status, visitor, ip_prefix, ip_sealed, "
    "browser, browser_version, os, os_version, device, language, referrer_domain, bot, "
    "account_sealed";
constexpr std::size_t kAccessWidth = 20;
constexpr const char* kEventColumns =
    "id, at, day, source, site, name, path, referrer_domain, visitor, browser, browser_version, "
    "os, os_version, device, language, props";
constexpr std::size_t kEventWidth = 16;

using store::ValueRef;

// The parameters refer to the rows, which outlive the statement.
template <typename T>
ValueRef Opt(const std::optional<T>& v) {
  if (!v) return std::monostate{};
  if constexpr (std::is_same_v<T, std::string>) {
    return std::string_view(*v);
  } else {
    return std::span<const std::uint8_t>(*v);
  }
}

void AddAgent(std::vector<ValueRef>& p, const AgentFacts& a) {
  p.emplace_back(std::string_view(a.browser));
  p.push_back(Opt(a.browser_version));
  p.emplace_back(std::string_view(a.os));
  p.push_back(Opt(a.os_version));
  p.emplace_back(std::string_view(a.device));
}

void AddId(std::vector<ValueRef>& p, std::optional<std::int64_t> id) {
  if (id) {
    p.emplace_back(*id);
  } else {
    p.emplace_back(std::monostate{});  // SQLite's next rowid: the same id
  }
}

void AddRow(std::vector<ValueRef>& p, std::optional<std::int64_t> id, const AccessRow& r) {
  AddId(p, id);
  p.emplace_back(std::string_view(r.request_id));
  p.emplace_back(r.at);
  p.emplace_back(r.day);
  p.emplace_back(std::string_view(r.source));
  p.emplace_back(std::string_view(r.method));
  p.emplace_back(std::string_view(r.path));
  p.emplace_back(std::int64_t{r.status});
  p.push_back(Opt(r.visitor));
  p.emplace_back(std::string_view(r.ip_prefix));
  p.push_back(Opt(r.ip_sealed));
  AddAgent(p, r.agent);
  p.push_back(Opt(r.language));
  p.push_back(Opt(r.referrer_domain));
  p.emplace_back(std::int64_t{r.agent.bot ? 1 : 0});
  p.push_back(Opt(r.account_sealed));
}

void AddRow(std::vector<ValueRef>& p, std::optional<std::int64_t> id, const EventRow& r) {
  AddId(p, id);
  p.emplace_back(r.at);
  p.emplace_back(r.day);
  p.emplace_back(std::string_view(r.source));
  p.emplace_back(std::string_view(r.site));
  p.emplace_back(std::string_view(r.name));
  p.emplace_back(std::string_view(r.path));
  p.push_back(Opt(r.referrer_domain));
  p.push_back(Opt(r.visitor));
  AddAgent(p, r.agent);
  p.push_back(Opt(r.language));
  p.push_back(Opt(r.props));
}

// "INSERT INTO t (cols) VALUES ($1..$w), ($w+1..)" for `rows` rows.
std::string InsertSql(const char* table, const char* columns, std::size_t width, std::size_t rows) {
  std::string sql = std::string("INSERT INTO ") + table + " (" + columns + ") VALUES ";
  std::size_t n = 1;
  for (std::size_t r = 0; r < rows; ++r) {
    sql += r ? ",(" : "(";
    for (std::size_t c = 0; c < width; ++c) {
      if (c) sql += ',';
      sql += '$';
      sql += std::to_string(n++);
    }
    sql += ')';
  }
  return sql;
}

// Inserts `count` rows in chunks of kChunkRows, one statement per chunk;
// add(params, i) appends the values of row i.
template <typename AddFn>
Status InsertAll(store::Connection& conn, const char* table, const char* columns, std::size_t width,
                 std::size_t count, AddFn add, std::vector<std::string>& sql_by_size) {
  std::vector<ValueRef> params;
  for (std::size_t i = 0; i < count; i += kChunkRows) {
    const std::size_t n = std::min(kChunkRows, count - i);
    if (sql_by_size.size() <= n) sql_by_size.resize(n + 1);
    if (sql_by_size[n].empty()) sql_by_size[n] = InsertSql(table, columns, width, n);
    params.clear();
    params.reserve(n * width);
    for (std::size_t j = 0; j < n; ++j) add(params, i + j);
    auto done = conn.ExecRefs(sql_by_size[n], params);
    if (!done.ok()) return done.status();
  }
  return Status::Ok();
}

// The ids of `rows` in `table` (request_log or events; records.h): each day's
// rows numbered on from the day's last stored id. Writers of the table take
// turns for the rest of the transaction (SQLite's BEGIN IMMEDIATE; on PostgreSQL
// a transaction-level advisory lock taken here, which unlike a table lock leaves
// VACUUM alone), so a second writer of the same store, import-log beside serve
// or another node, numbers after this one's rows.
//
// nullopt marks a row whose id is one more than the largest in the table when it
// is inserted, in `rows` order: SQLite gives such a row that very id when none is
// bound (https://sqlite.org/autoinc.html), and appends it without the seek a
// bound id costs to check that it is new (about 6% of the writer). Live traffic
// and logs imported in time order are nearly all such rows. `appends` is false
// on PostgreSQL, which has no such rule: every id is bound there.
template <typename RowT>
Result<std::vector<std::optional<std::int64_t>>> NumberRows(store::Connection& conn,
                                                            const std::string& table,
                                                            const std::vector<RowT*>& rows) {
  std::vector<std::optional<std::int64_t>> ids;
  if (rows.empty()) return ids;
  const bool appends = conn.backend() == store::Backend::kSqlite;
  std::int64_t largest = 0;
  if (appends) {
    ASSIGN_OR_RETURN(store::Rows top, conn.Query("SELECT MAX(id) FROM " + table));
    largest = top[0].IsNull(0) ? 0 : top[0].Int(0);
  } else {
    // Key: the table's name, so the writers of the other table go on.
    const Value key[] = {"yzcloud row ids: " + table};
    RETURN_IF_ERROR(
        conn.Query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", key).status());
  }
  ids.reserve(rows.size());
  const std::string last_sql =
      "SELECT id FROM " + table + " WHERE id >= $1 AND id < $2 ORDER BY id DESC LIMIT 1";
  std::map<std::int64_t, std::int64_t> next;  // day -> its next id
  for (const RowT* r : rows) {
    auto [it, fresh] = next.try_emplace(r->day, 0);
    if (fresh) {
      const Value range[] = {DayRowIdBase(r->day), DayRowIdBase(r->day + 1)};
      ASSIGN_OR_RETURN(store::Rows last, conn.Query(last_sql, range));
      it->second = (last.empty() ? DayRowIdBase(r->day) : last[0].Int(0)) + 1;
    }
    if (it->second >= DayRowIdBase(r->day + 1)) {
      return ResourceExhausted(table + ": day " + std::to_string(r->day) +
                               " has no row ids left (2^32 a day)");
    }
    const std::int64_t id = it->second++;
    if (appends && largest > 0 && id == largest + 1) {
      ids.emplace_back(std::nullopt);
    } else {
      ids.emplace_back(id);
    }
    largest = std::max(largest, id);
  }
  return ids;
}

}  // namespace

Pipeline::Pipeline(store::Database& db, Options options)
    : db_(db), options_(options), writer_([this] { Run(); }) {}

Pipeline::~Pipeline() { Stop(); }

bool Pipeline::Submit(Batch batch, Done done) {
  const std::size_t rows = batch.size();
  {
    std::lock_guard lock(mu_);
    if (stopping_ || queued_rows_ + rows > options_.capacity) {
      ++stats_.rejected;
      return false;
    }
    queued_rows_ += rows;
    queue_.push_back({std::move(batch), std::move(done)});
  }
  wake_.notify_one();
  return true;
}

bool Pipeline::SubmitWait(Batch batch, Done done) {
  const std::size_t rows = std::min(batch.size(), options_.capacity);
  {
    std::unique_lock lock(mu_);
    space_.wait(lock, [&] { return stopping_ || queued_rows_ + rows <= options_.capacity; });
    if (stopping_) return false;
    queued_rows_ += batch.size();
    queue_.push_back({std::move(batch), std::move(done)});
  }
  wake_.notify_one();
  return true;
}

void Pipeline::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_ && !writer_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  space_.notify_all();
  if (writer_.joinable()) writer_.join();
}

Pipeline::Stats Pipeline::stats() const {
  std::lock_guard lock(mu_);
  Stats s = stats_;
  s.queued_rows = queued_rows_;
  return s;
}

Status Pipeline::Write(store::Connection& conn, std::deque<Item>& items) {
  std::vector<AccessRow*> access;
  std::vector<EventRow*> events;
  std::set<std::int64_t> new_days;
  for (Item& it : items) {
    for (AccessRow& r : it.batch.access) {
      access.push_back(&r);
      if (!known_days_.contains(r.day)) new_days.insert(r.day);
    }
    for (EventRow& r : it.batch.events) {
      events.push_back(&r);
      if (!known_days_.contains(r.day)) new_days.insert(r.day);
    }
  }
  store::Transaction tx(conn);
  RETURN_IF_ERROR(tx.begin_status());
  ASSIGN_OR_RETURN(auto access_ids, NumberRows(conn, "request_log", access));
  RETURN_IF_ERROR(InsertAll(
      conn, "request_log", kAccessColumns, kAccessWidth, access.size(),
      [&](std::vector<ValueRef>& p, std::size_t i) { AddRow(p, access_ids[i], *access[i]); },
      access_sql_));
  ASSIGN_OR_RETURN(auto event_ids, NumberRows(conn, "events", events));
  RETURN_IF_ERROR(InsertAll(
      conn, "events", kEventColumns, kEventWidth, events.size(),
      [&](std::vector<ValueRef>& p, std::size_t i) { AddRow(p, event_ids[i], *events[i]); },
      event_sql_));
  for (const Item& it : items) {
    for (const BotHit& b : it.batch.bots) {
      const Value p[] = {b.day, b.site, b.bot, b.hits};
      auto done = conn.Exec(
          "INSERT INTO bot_hits (day, site, bot, hits) VALUES ($1, $2, $3, $4) "
          "ON CONFLICT (day, site, bot) DO UPDATE SET hits = bot_hits.hits + excluded.hits",
          p);
      if (!done.ok()) return done.status();
    }
  }
  // The days whose salt and log key the retention job must destroy one day.
  for (std::int64_t day : new_days) {
    const Value p[] = {day};
    auto done = conn.Exec("INSERT INTO log_days (day) VALUES ($1) ON CONFLICT (day) DO NOTHING", p);
    if (!done.ok()) return done.status();
  }
  RETURN_IF_ERROR(tx.Commit());
  known_days_.insert(new_days.begin(), new_days.end());
  return Status::Ok();
}

void Pipeline::Run() {
  pthread_setname_np(pthread_self(), "collect-writer");  // in top -H and perf
  std::optional<store::PooledConnection> conn;
  for (;;) {
    std::deque<Item> items;
    std::size_t rows = 0;
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and everything is written
      while (!queue_.empty() &&
             (items.empty() || rows + queue_.front().batch.size() <= options_.max_batch_rows)) {
        rows += queue_.front().batch.size();
        items.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }

    Status s = Status::Ok();
    if (!conn) {
      auto acquired = db_.Acquire();
      if (acquired.ok()) {
        conn.emplace(std::move(*acquired));
        // What a 2xx promises (see the header).
        if ((*conn)->backend() == store::Backend::kSqlite) {
          // The commit that crosses wal_autocheckpoint pages copies them into
          // the database in line, and every waiting request waits with it: a
          // quarter of SQLite's default 1,000 keeps those pauses short (same
          // total work; event_ingest's p99 6 ms instead of 7-27 ms).
          s = (*conn)->ExecScript(
              options_.fsync ? "PRAGMA synchronous=FULL; PRAGMA wal_autocheckpoint=256;"
                             : "PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=256;");
        } else {
          s = (*conn)->ExecScript(options_.fsync ? "SET synchronous_commit = on"
                                                 : "SET synchronous_commit = off");
        }
      } else {
        s = acquired.status();
      }
    }
    if (s.ok()) {
      try {
        s = Write(**conn, items);
      } catch (const std::exception& e) {  // bad_alloc and the like: fail, never terminate
        s = Internal(std::string("collection writer: ") + e.what());
      }
    }
    if (!s.ok()) {
      spdlog::error("collection writer: {}", s.message());
      conn.reset();  // a broken connection is not reused
    }
    {
      std::lock_guard lock(mu_);
      queued_rows_ -= rows;
      if (s.ok())
        stats_.committed_rows += rows;
      else
        stats_.failed += items.size();
      ++stats_.transactions;
    }
    space_.notify_all();
    for (Item& item : items) {
      try {
        if (item.done) item.done(s);
      } catch (const std::exception& e) {
        spdlog::error("collection writer: a completion threw: {}", e.what());
      }
    }
  }
}

}  // namespace yz::collect
