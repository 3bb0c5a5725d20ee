// One storage suite, run against both backends (SQLite in a temp file and the
// PostgreSQL named by YZCLOUD_TEST_PG, which scripts/with-postgres provides).
// Each test drops and recreates its tables, so one PostgreSQL database serves
// every run.
#include "store/database.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <ostream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "../test_util.h"
#include "store/migrations.h"

namespace yz::store {

// Names the backend in gtest output ("GetParam() = Postgres").
void PrintTo(Backend b, std::ostream* os) {
  *os << (b == Backend::kSqlite ? "Sqlite" : "Postgres");
}

namespace {

std::string Describe(const Status& s) { return s.ToString(); }

class DatabaseTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(OpenDb(8)); }

  void TearDown() override {
    db_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  // (Re)opens the database under test with the given pool size.
  void OpenDb(int pool_size) {
    db_.reset();
    std::string url;
    if (GetParam() == Backend::kSqlite) {
      if (dir_.empty()) {
        std::string tmpl = ::testing::TempDir() + "yz_store_XXXXXX";
        ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
        dir_ = tmpl;
      }
      // A subdirectory that does not exist yet: Open must create it.
      url = "sqlite:" + dir_ + "/data/yz.db";
    } else {
      const char* pg = std::getenv("YZCLOUD_TEST_PG");
      ASSERT_NE(pg, nullptr)
          << "YZCLOUD_TEST_PG is not set: run the tests under scripts/with-postgres "
             "(e.g. scripts/with-postgres ctest --test-dir build) so the PostgreSQL "
             "backend is tested too";
      url = pg;
    }
    ASSERT_OK_AND_ASSIGN(db_, Open(url, pool_size));
  }

  bool pg() const { return GetParam() == Backend::kPostgres; }
  const char* BlobType() const { return pg() ? "BYTEA" : "BLOB"; }
  const char* IntType() const { return pg() ? "BIGINT" : "INTEGER"; }
  const char* RealType() const { return pg() ? "DOUBLE PRECISION" : "REAL"; }

  // Drops and recreates the table `t` used by most tests.
  void ResetTable() {
    ASSERT_OK_AND_ASSIGN(auto conn, db_->Acquire());
    ASSERT_OK(conn->ExecScript("DROP TABLE IF EXISTS t"));
    ASSERT_OK(conn->ExecScript(std::string("CREATE TABLE t (id ") + IntType() + " PRIMARY KEY, i " +
                               IntType() + ", r " + RealType() + ", s TEXT, b " + BlobType() +
                               ")"));
  }

  std::int64_t CountRows() {
    auto conn = db_->Acquire();
    EXPECT_TRUE(conn.ok()) << Describe(conn.status());
    if (!conn.ok()) return -1;
    auto rows = (*conn)->Query("SELECT count(*) FROM t");
    EXPECT_TRUE(rows.ok()) << Describe(rows.status());
    return rows.ok() ? (*rows)[0].Int(0) : -1;
  }

  std::unique_ptr<Database> db_;
  std::string dir_;
};

// Drops every table the migrations create, so a test can migrate from scratch on a
// PostgreSQL database that other suites have migrated before.
// Drops every table the migrations made (whatever they are, so new migrations need
// no edit here): on PostgreSQL the whole public schema, on SQLite each table.
Status DropMigratedTables(Connection& conn) {
  if (conn.backend() == Backend::kPostgres) {
    return conn.ExecScript("DROP SCHEMA public CASCADE; CREATE SCHEMA public");
  }
  ASSIGN_OR_RETURN(Rows tables, conn.Query("SELECT name FROM sqlite_master WHERE type = 'table' "
                                           "AND name NOT LIKE 'sqlite_%'"));
  for (const Row& t : tables) {
    RETURN_IF_ERROR(conn.ExecScript("DROP TABLE IF EXISTS \"" + t.Text(0) + "\""));
  }
  return Status::Ok();
}

TEST_P(DatabaseTest, ReportsItsBackend) { EXPECT_EQ(db_->backend(), GetParam()); }

TEST_P(DatabaseTest, PingWorks) { ASSERT_OK(db_->Ping()); }

TEST_P(DatabaseTest, RoundTripsEveryValueType) {
  ASSERT_NO_FATAL_FAILURE(ResetTable());
  Blob all_bytes;
  for (int i = 0; i < 256; ++i) all_bytes.push_back(static_cast<std::uint8_t>(i));
  const std::vector<std::vector<Value>> rows_in = {
      {std::int64_t{1}, std::int64_t{42}, 3.25, std::string("plain"), Blob{1, 2, 3}},
      {std::int64_t{2}, std::numeric_limits<std::int64_t>::max(), 0.1,
       std::string("中文 text, ünïcödé, emoji 🙂"), all_bytes},  // blob with embedded NULs
      {std::int64_t{3}, std::numeric_limits<std::int64_t>::min(), -1e300, std::string(),
       Blob{}},  // empty text and empty blob are not NULL
      {std::int64_t{4}, Null(), Null(), Null(), Null()},
      {std::int64_t{5}, std::int64_t{-7}, 123456.789012345678, std::string("a'b\"c\\d;--"),
       Blob{0, 0, 0}},
  };
  ASSERT_OK_AND_ASSIGN(auto conn, db_->Acquire());
  for (const auto& row : rows_in) {
    ASSERT_OK_AND_ASSIGN(
        std::int64_t n,
        conn->Exec("INSERT INTO t (id, i, r, s, b) VALUES ($1, $2, $3, $4, $5)", row));
    EXPECT_EQ(n, 1);
  }
  ASSERT_OK_AND_ASSIGN(Rows rows, conn->Query("SELECT id, i, r, s, b FROM t ORDER BY id"));
  ASSERT_EQ(rows.size(), rows_in.size());
  for (std::size_t r = 0; r < rows.size(); ++r) {
    ASSERT_EQ(rows[r].size(), 5u);
    for (std::size_t c = 0; c < 5; ++c) {
      EXPECT_EQ(rows[r].at(c), rows_in[r][c]) << "row " << r << " column " << c;
    }
  }
  EXPECT_TRUE(rows[3].IsNull(1));
  EXPECT_FALSE(rows[2].IsNull(3));
  EXPECT_FALSE(rows[2].IsNull(4));
  EXPECT_EQ(rows[1].Text(3), "中文 text, ünïcödé, emoji 🙂");
  EXPECT_EQ(rows[1].Bytes(4), all_bytes);
}

// ExecRefs binds the caller's bytes in place (the collection writer's rows):
// the same values land as through Exec, and the same bad calls are refused.
TEST_P(DatabaseTest, ExecRefsStoresWhatExecWould) {
  ASSERT_NO_FATAL_FAILURE(ResetTable());
  const std::string text = "中文 text";
  const std::string with_nul("before\0after", 12);
  const Blob bytes = {0, 1, 2, 255};
  const Blob empty;
  const std::vector<std::vector<ValueRef>> rows_in = {
      {std::int64_t{1}, std::int64_t{42}, 3.25, std::string_view(text), std::span(bytes)},
      {std::int64_t{2}, std::monostate{}, std::monostate{}, std::string_view(),
       std::span(empty)},  // empty text and empty blob are not NULL
  };
  ASSERT_OK_AND_ASSIGN(auto conn, db_->Acquire());
  for (const auto& row : rows_in) {
    ASSERT_OK_AND_ASSIGN(
        std::int64_t n,
        conn->ExecRefs("INSERT INTO t (id, i, r, s, b) VALUES ($1, $2, $3, $4, $5)", row));
    EXPECT_EQ(n, 1);
  }
  ASSERT_OK_AND_ASSIGN(Rows rows, conn->Query("SELECT id, i, r, s, b FROM t ORDER BY id"));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].Int(1), 42);
  EXPECT_EQ(rows[0].at(2), Value(3.25));
  EXPECT_EQ(rows[0].Text(3), text);
  EXPECT_EQ(rows[0].Bytes(4), bytes);
  EXPECT_TRUE(rows[1].IsNull(1));
  EXPECT_TRUE(rows[1].IsNull(2));
  EXPECT_FALSE(rows[1].IsNull(3));
  EXPECT_EQ(rows[1].Text(3), "");
  EXPECT_FALSE(rows[1].IsNull(4));
  const ValueRef nul[] = {std::int64_t{3}, std::string_view(with_nul)};
  EXPECT_EQ(conn->ExecRefs("INSERT INTO t (id, s) VALUES ($1, $2)", nul).status().code(),
            Code::kInvalidArgument);
  const ValueRef too_few[] = {std::int64_t{4}};
  EXPECT_EQ(conn->ExecRefs("INSERT INTO t (id, s) VALUES ($1, $2)", too_few).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(CountRows(), 2);
}

TEST_P(DatabaseTest, SelectsParametersWithoutATable) {
  ASSERT_OK_AND_ASSIGN(auto conn, db_->Acquire());
  const Value params[] = {std::int64_t{7}, std::string("中文")};
  ASSERT_OK_AND_ASSIGN(Rows rows, conn->Query("SELECT $1, $2, $2", params));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].Int(0), 7);  // PostgreSQL types an untyped $1 as text; Int() reads both
  EXPECT_EQ(rows[0].Text(1), "中文");
  EXPECT_EQ(rows[0].Text(2), "中文");
}

TEST_P(DatabaseTest, RoundTripsLargeBlob) {
  ASSERT_NO_FATAL_FAILURE(ResetTable());
  Blob big(8 << 20);
  std::mt19937_64 rng(1);
  for (auto& byte : big) byte = static_cast<std::uint8_t>(rng());
  ASSERT_OK_AND_ASSIGN(auto conn, db_->Acquire());
  const Value params[] = {std::int64_t{1}, big};
  ASSERT_OK(conn->Exec("INSERT INTO t (id, b) VALUES ($1, $2)", params).status());
  const Value key[] = {std::int64_t{1}};
  ASSERT_OK_AND_ASSIGN(Rows rows, conn->Query("SELECT b FROM t WHERE id = $1", key));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_TRUE(rows[0].Bytes(0) == big);
}

// Text is UTF-8 without NUL on both backends (PostgreSQL text cannot hold NUL);
// bytes with NULs belong in a Blob. Refused, never silently truncated.
TEST_P(DatabaseTest, RefusesTextWithEmbeddedNul) {
  ASSERT_NO_FATAL_FAILURE(ResetTable());
  ASSERT_OK_AND_ASSIGN(auto conn, db_->Acquire());
  const Value params[] = {std::int64_t{1}, std::string("before\0after", 12)};
  auto r = conn->Exec("INSERT INTO t (id, s) VALUES ($1, $2)", params);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << Describe(r.status());
  EXPECT_EQ(r.status().message().find("after"), std::string::npos);
  EXPECT_EQ(CountRows(), 0);
}

// C4.1: values travel apart from SQL text, so SQL inside a value is only data.
TEST_P(DatabaseTest, NeverInterpretsParametersAsSql) {
  ASSERT_NO_FATAL_FAILURE(ResetTable());
  const std::string attacks[] = {
      "x'); DROP TABLE t; --",
      "' OR '1'='1",
      "$1; DELETE FROM t",
      "\"; SELECT 1; --",
  };
  ASSERT_OK_AND_ASSIGN(auto conn, db_->Acquire());
  std::int64_t id = 0;
  for (const std::string& a : attacks) {
    const Value params[] = {++id, a};
    ASSERT_OK(conn->Exec("INSERT INTO t (id, s) VALUES ($1, $2)", params).status());
  }
  ASSERT_OK_AND_ASSIGN(Rows rows, conn->Query("SELECT s FROM t ORDER BY id"));
  ASSERT_EQ(rows.size(), std::size(attacks));
  for (std::size_t i = 0; i < rows.size(); ++i) EXPECT_EQ(rows[i].Text(0), attacks[i]);

  const Value probe[] = {std::string("' OR '1'='1' --")};
  ASSERT_OK_AND_ASSIGN(Rows none, conn->Query("SELECT id FROM t WHERE s = $1", probe));
  EXPECT_TRUE(none.empty());
}

TEST_P(DatabaseTest, RollsBackATransactionThatIsNotCommitted) {
  ASSERT_NO_FATAL_FAILURE(ResetTable());
  {
    ASSERT_OK_AND_ASSIGN(auto conn, db_->Acquire());
    Transaction tx(*conn);
    ASSERT_OK(tx.begin_status());
    const Value params[] = {std::int64_t{1}};
    ASSERT_OK(conn->Exec("INSERT INTO t (id) VALUES ($1)", params).status());
  }  // tx destroyed without Commit
  EXPECT_EQ(CountRows(), 0);
}

TEST_P(DatabaseTest, CommittedTransactionIsVisibleToOtherConnections) {
  ASSERT_NO_FATAL_FAILURE(ResetTable());
  ASSERT_OK_AND_ASSIGN(auto writer, db_->Acquire());
  {
    Transaction tx(*writer);
    ASSERT_OK(tx.begin_status());
    const Value a[] = {std::int64_t{1}};
    const Value b[] = {std::int64_t{2}};
    ASSERT_OK(writer->Exec("INSERT INTO t (id) VALUES ($1)", a).status());
    ASSERT_OK(writer->Exec("INSERT INTO t (id) VALUES ($1)", b).status());
    ASSERT_OK(tx.Commit());
    EXPECT_EQ(tx.Commit().code(), Code::kFailedPrecondition);  // only once
  }
  EXPECT_EQ(CountRows(), 2);  // counted on another pooled connection
}

// A commit on a pooled connection is flushed to disk before it returns, so a
// 2xx for what it stored (a consent, a device event) survives a power cut
// (issue 5 point 6): SQLite's synchronous=FULL, PostgreSQL's synchronous_commit.
TEST_P(DatabaseTest, PooledConnectionsCommitDurably) {
  ASSERT_OK_AND_ASSIGN(auto conn, db_->Acquire());
  if (GetParam() == Backend::kSqlite) {
    ASSERT_OK_AND_ASSIGN(auto rows, conn->Query("PRAGMA synchronous"));
    EXPECT_EQ(rows[0].Int(0), 2);  // FULL
  } else {
    ASSERT_OK_AND_ASSIGN(auto rows, conn->Query("SHOW synchronous_commit"));
    EXPECT_EQ(rows[0].Text(0), "on");
  }
}

TEST_P(DatabaseTest, InTransactionCommitsOnOkAndRollsBackOnError) {
  ASSERT_NO_FATAL_FAILURE(ResetTable());
  ASSERT_OK(db_->InTransaction([](Connection& c) {
    const Value p[] = {std::int64_t{1}};
    return c.Exec("INSERT INTO t (id) VALUES ($1)", p).status();
  }));
  Status s = db_->InTransaction([](Connection& c) {
    const Value p[] = {std::int64_t{2}};
    RETURN_IF_ERROR(c.Exec("INSERT INTO t (id) VALUES ($1)", p).status());
    return NotFound("changed my mind");
  });
  EXPECT_EQ(s.code(), Code::kNotFound);
  EXPECT_EQ(CountRows(), 1);
}

// A connection handed back mid-transaction (no guard) must not leak that
// transaction, or its uncommitted writes, to the next user of the pool.
TEST_P(DatabaseTest, ReleasedConnectionStartsClean) {
  ASSERT_NO_FATAL_FAILURE(OpenDb(1));
  ASSERT_NO_FATAL_FAILURE(ResetTable());
  {
    ASSERT_OK_AND_ASSIGN(auto conn, db_->Acquire());
    ASSERT_OK(conn->Begin());
    const Value p[] = {std::int64_t{1}};
    ASSERT_OK(conn->Exec("INSERT INTO t (id) VALUES ($1)", p).status());
  }
  ASSERT_OK_AND_ASSIGN(auto conn, db_->Acquire());
  ASSERT_OK(conn->Begin());  // would fail if still inside the old transaction
  ASSERT_OK(conn->Rollback());
  ASSERT_OK_AND_ASSIGN(Rows rows, conn->Query("SELECT count(*) FROM t"));
  EXPECT_EQ(rows[0].Int(0), 0);
}

TEST_P(DatabaseTest, UniqueViolationIsAlreadyExists) {
  ASSERT_NO_FATAL_FAILURE(ResetTable());
  ASSERT_OK_AND_ASSIGN(auto conn, db_->Acquire());
  ASSERT_OK(conn->ExecScript("CREATE UNIQUE INDEX t_s ON t (s)"));
  const Value first[] = {std::int64_t{1}, std::string("secret@example.com")};
  const Value same_id[] = {std::int64_t{1}, std::string("other@example.com")};
  const Value same_s[] = {std::int64_t{2}, std::string("secret@example.com")};
  ASSERT_OK(conn->Exec("INSERT INTO t (id, s) VALUES ($1, $2)", first).status());

  auto dup_key = conn->Exec("INSERT INTO t (id, s) VALUES ($1, $2)", same_id);
  EXPECT_EQ(dup_key.status().code(), Code::kAlreadyExists) << Describe(dup_key.status());
  auto dup_s = conn->Exec("INSERT INTO t (id, s) VALUES ($1, $2)", same_s);
  EXPECT_EQ(dup_s.status().code(), Code::kAlreadyExists) << Describe(dup_s.status());
  // Errors name the constraint, never the value (which may be personal data).
  EXPECT_EQ(dup_s.status().message().find("secret@example.com"), std::string::npos)
      << dup_s.status().message();
}

TEST_P(DatabaseTest, OtherConstraintViolationIsInvalidArgument) {
  ASSERT_OK_AND_ASSIGN(auto conn, db_->Acquire());
  ASSERT_OK(conn->ExecScript("DROP TABLE IF EXISTS nn"));
  ASSERT_OK(conn->ExecScript("CREATE TABLE nn (v TEXT NOT NULL CHECK (v <> 'bad'))"));
  const Value null_value[] = {Null()};
  const Value bad[] = {std::string("bad")};
  EXPECT_EQ(conn->Exec("INSERT INTO nn (v) VALUES ($1)", null_value).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(conn->Exec("INSERT INTO nn (v) VALUES ($1)", bad).status().code(),
            Code::kInvalidArgument);
}

TEST_P(DatabaseTest, MissingPlaceholderValueIsInvalidArgument) {
  ASSERT_NO_FATAL_FAILURE(ResetTable());
  ASSERT_OK_AND_ASSIGN(auto conn, db_->Acquire());
  const Value one[] = {std::int64_t{1}};
  auto missing = conn->Exec("INSERT INTO t (id, s) VALUES ($1, $2)", one);
  EXPECT_EQ(missing.status().code(), Code::kInvalidArgument) << Describe(missing.status());
  auto none = conn->Query("SELECT id FROM t WHERE id = $1");
  EXPECT_EQ(none.status().code(), Code::kInvalidArgument) << Describe(none.status());
  const Value three[] = {std::int64_t{1}, std::string("x"), std::string("extra")};
  auto extra = conn->Exec("INSERT INTO t (id, s) VALUES ($1, $2)", three);
  EXPECT_EQ(extra.status().code(), Code::kInvalidArgument) << Describe(extra.status());
  EXPECT_EQ(CountRows(), 0);
  // The cached statement still works once given its values.
  const Value two[] = {std::int64_t{1}, std::string("x")};
  ASSERT_OK(conn->Exec("INSERT INTO t (id, s) VALUES ($1, $2)", two).status());
}

TEST_P(DatabaseTest, ReusesPreparedStatementsAcrossCalls) {
  ASSERT_NO_FATAL_FAILURE(ResetTable());
  ASSERT_OK_AND_ASSIGN(auto conn, db_->Acquire());
  for (std::int64_t id = 1; id <= 100; ++id) {
    const Value p[] = {id, std::to_string(id)};
    ASSERT_OK(conn->Exec("INSERT INTO t (id, s) VALUES ($1, $2)", p).status());
  }
  const Value p[] = {std::int64_t{50}};
  ASSERT_OK_AND_ASSIGN(Rows rows, conn->Query("SELECT s FROM t WHERE id > $1 ORDER BY id", p));
  ASSERT_EQ(rows.size(), 50u);
  EXPECT_EQ(rows.front().Text(0), "51");
}

// The statement cache must not serve a plan for a table that has since changed shape.
TEST_P(DatabaseTest, CachedStatementFollowsSchemaChanges) {
  ASSERT_NO_FATAL_FAILURE(OpenDb(1));  // one connection, so the cache is shared
  ASSERT_OK_AND_ASSIGN(auto conn, db_->Acquire());
  ASSERT_OK(conn->ExecScript("DROP TABLE IF EXISTS shape"));
  ASSERT_OK(conn->ExecScript("CREATE TABLE shape (a TEXT)"));
  ASSERT_OK(conn->Exec("INSERT INTO shape VALUES ('x')").status());
  ASSERT_OK_AND_ASSIGN(Rows before, conn->Query("SELECT * FROM shape"));
  EXPECT_EQ(before[0].size(), 1u);
  ASSERT_OK(conn->ExecScript("DROP TABLE shape"));
  ASSERT_OK(conn->ExecScript(std::string("CREATE TABLE shape (a TEXT, b ") + IntType() + ")"));
  ASSERT_OK(conn->Exec("INSERT INTO shape VALUES ('y', 2)").status());
  ASSERT_OK_AND_ASSIGN(Rows after, conn->Query("SELECT * FROM shape"));
  ASSERT_EQ(after[0].size(), 2u);
  EXPECT_EQ(after[0].Int(1), 2);
}

TEST_P(DatabaseTest, MigrationsAreIdempotentAndSetTheVersion) {
  {
    ASSERT_OK_AND_ASSIGN(auto conn, db_->Acquire());
    ASSERT_OK(DropMigratedTables(*conn));
  }
  ASSERT_OK_AND_ASSIGN(int before, SchemaVersion(*db_));
  EXPECT_EQ(before, 0);

  const int latest = AllMigrations().back().version;
  ASSERT_OK(Migrate(*db_));
  ASSERT_OK_AND_ASSIGN(int after, SchemaVersion(*db_));
  EXPECT_EQ(after, latest);
  ASSERT_OK(Migrate(*db_));  // second run changes nothing
  ASSERT_OK_AND_ASSIGN(int again, SchemaVersion(*db_));
  EXPECT_EQ(again, latest);

  ASSERT_OK_AND_ASSIGN(auto conn, db_->Acquire());
  ASSERT_OK_AND_ASSIGN(Rows applied,
                       conn->Query("SELECT version, name, applied_at FROM schema_migrations "
                                   "ORDER BY version"));
  ASSERT_EQ(applied.size(), AllMigrations().size());
  EXPECT_EQ(applied[0].Int(0), 1);
  EXPECT_EQ(applied[0].Text(1), "init");
  EXPECT_GT(applied[0].Int(2), 1700000000);

  const Value kv[] = {std::string("site.name"), std::string("云")};
  ASSERT_OK(conn->Exec("INSERT INTO settings (key, value) VALUES ($1, $2)", kv).status());
}

TEST_P(DatabaseTest, MigrationsFromSeveralThreadsApplyOnce) {
  {
    ASSERT_OK_AND_ASSIGN(auto conn, db_->Acquire());
    ASSERT_OK(DropMigratedTables(*conn));
  }
  std::vector<Status> results(4);
  std::vector<std::thread> threads;
  for (auto& r : results) threads.emplace_back([&] { r = Migrate(*db_); });
  for (auto& t : threads) t.join();
  for (const auto& r : results) EXPECT_TRUE(r.ok()) << Describe(r);
  ASSERT_OK_AND_ASSIGN(int version, SchemaVersion(*db_));
  EXPECT_EQ(version, AllMigrations().back().version);
}

TEST_P(DatabaseTest, RefusesADatabaseNewerThanTheBinary) {
  ASSERT_OK(Migrate(*db_));
  ASSERT_OK_AND_ASSIGN(auto conn, db_->Acquire());
  const Value future[] = {std::int64_t{AllMigrations().back().version + 1},
                          std::string("from_the_future"), std::int64_t{0}};
  ASSERT_OK(conn->Exec("INSERT INTO schema_migrations (version, name, applied_at) "
                       "VALUES ($1, $2, $3)",
                       future)
                .status());
  EXPECT_EQ(Migrate(*db_).code(), Code::kFailedPrecondition);
  const Value v[] = {future[0]};
  ASSERT_OK(conn->Exec("DELETE FROM schema_migrations WHERE version = $1", v).status());
}

// C2.1 Migration 9 on a store made before it: each day's request_log and events
// rows are numbered day * 2^32 + 1, 2, ... in their old order
// (collect/records.h), their values stay, and new rows take the ids the
// collection writer gives them.
TEST_P(DatabaseTest, UpgradeNumbersCollectedRowsDayByDay) {
  ASSERT_OK_AND_ASSIGN(auto conn, db_->Acquire());
  ASSERT_OK(DropMigratedTables(*conn));
  for (const Migration& m : AllMigrations()) {
    if (m.version > 8) break;
    ASSERT_OK(conn->ExecScript(pg() ? m.postgres : m.sqlite));
    const Value record[] = {std::int64_t{m.version}, std::string(m.name), std::int64_t{0}};
    ASSERT_OK(conn->Exec("INSERT INTO schema_migrations (version, name, applied_at) "
                         "VALUES ($1, $2, $3)",
                         record)
                  .status());
  }
  // Rows of day 20000 around one of day 19999, as a late import leaves them.
  const std::pair<std::int64_t, const char*> rows_in[] = {
      {20000, "a"}, {19999, "b"}, {20000, "c"}, {20000, "d"}};
  for (const auto& [day, name] : rows_in) {
    const Value row[] = {std::string(name), day * 86400, day, Blob{1, 2, 3}};
    ASSERT_OK(conn->Exec("INSERT INTO request_log (request_id, at, day, source, method, path, "
                         "status, ip_prefix, ip_sealed, browser, os, device, bot) "
                         "VALUES ($1, $2, $3, 'web', 'GET', '/', 200, '203.0.113.0/24', $4, "
                         "'Chrome', 'Windows', 'Other', 0)",
                         row)
                  .status());
    ASSERT_OK(conn->Exec("INSERT INTO events (at, day, source, site, name, path, browser, os, "
                         "device) VALUES ($2, $3, 'tracker', 'cloud.example', $1, '/', "
                         "'Chrome', 'Windows', 'Other')",
                         std::span(row, 3))
                  .status());
  }

  ASSERT_OK(Migrate(*db_));
  constexpr std::int64_t k = std::int64_t{1} << 32;
  const std::pair<std::int64_t, const char*> want[] = {
      {19999 * k + 1, "b"}, {20000 * k + 1, "a"}, {20000 * k + 2, "c"}, {20000 * k + 3, "d"}};
  ASSERT_OK_AND_ASSIGN(Rows requests, conn->Query("SELECT id, request_id, day, ip_sealed "
                                                  "FROM request_log ORDER BY id"));
  ASSERT_OK_AND_ASSIGN(Rows events,
                       conn->Query("SELECT id, name, day, site FROM events ORDER BY id"));
  ASSERT_EQ(requests.size(), std::size(want));
  ASSERT_EQ(events.size(), std::size(want));
  for (std::size_t i = 0; i < std::size(want); ++i) {
    EXPECT_EQ(requests[i].Int(0), want[i].first);
    EXPECT_EQ(requests[i].Text(1), want[i].second);
    EXPECT_EQ(requests[i].Int(2), want[i].first / k);
    EXPECT_EQ(requests[i].Bytes(3), (Blob{1, 2, 3}));
    EXPECT_EQ(events[i].Int(0), want[i].first);
    EXPECT_EQ(events[i].Text(1), want[i].second);
    EXPECT_EQ(events[i].Int(2), want[i].first / k);
    EXPECT_EQ(events[i].Text(3), "cloud.example");
  }
  // Rows with the writer's next ids land. A row filed under another day's ids is
  // refused, such as one from a binary older than the migration, which leaves the
  // id to the store.
  auto insert_request = [&](std::int64_t id, std::int64_t day) {
    const Value p[] = {id, day};
    return conn->Exec(
        "INSERT INTO request_log (id, request_id, at, day, source, method, path, "
        "status, ip_prefix, browser, os, device, bot) "
        "VALUES ($1, 'e', 0, $2, 'web', 'GET', '/', 200, '203.0.113.0/24', "
        "'Chrome', 'Windows', 'Other', 0)",
        p);
  };
  auto insert_event = [&](Value id, std::int64_t day) {
    const Value p[] = {std::move(id), day};
    return conn->Exec(
        "INSERT INTO events (id, at, day, source, site, name, path, browser, os, "
        "device) VALUES ($1, 0, $2, 'tracker', 'cloud.example', 'e', '/', "
        "'Chrome', 'Windows', 'Other')",
        p);
  };
  EXPECT_TRUE(insert_request(20000 * k + 4, 20000).ok());
  EXPECT_TRUE(insert_event(20000 * k + 4, 20000).ok());
  EXPECT_FALSE(insert_request(20000 * k + 5, 20001).ok());
  EXPECT_FALSE(insert_event(std::monostate{}, 20001).ok());
}

// More writers than pooled connections: Acquire waits for a free one, and
// SQLite's single writer queues the rest on the busy timeout. Nothing is lost.
TEST_P(DatabaseTest, ConcurrentWritersFromEightThreadsAllLand) {
  ASSERT_NO_FATAL_FAILURE(OpenDb(4));
  ASSERT_NO_FATAL_FAILURE(ResetTable());
  constexpr int kThreads = 8;
  constexpr int kRowsPerThread = 50;
  std::atomic<int> failures{0};
  std::vector<std::string> errors(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRowsPerThread; ++i) {
        Status s = db_->InTransaction([&](Connection& c) {
          const Value p[] = {std::int64_t{t * 1000 + i}, std::int64_t{t}};
          return c.Exec("INSERT INTO t (id, i) VALUES ($1, $2)", p).status();
        });
        if (!s.ok()) {
          ++failures;
          errors[t] = s.ToString();
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  for (const auto& e : errors) EXPECT_EQ(e, "");
  EXPECT_EQ(CountRows(), kThreads * kRowsPerThread);
}

INSTANTIATE_TEST_SUITE_P(Backends, DatabaseTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                           return info.param == Backend::kSqlite ? "Sqlite" : "Postgres";
                         });

// PostgreSQL only: a connection the server dropped answers Unavailable and is not
// returned to the pool; the next Acquire gets a fresh, working connection.
TEST(PostgresPoolTest, DiscardsABrokenConnection) {
  const char* url = std::getenv("YZCLOUD_TEST_PG");
  ASSERT_NE(url, nullptr) << "YZCLOUD_TEST_PG is not set: run under scripts/with-postgres";
  ASSERT_OK_AND_ASSIGN(auto db, Open(url, 2));
  {
    ASSERT_OK_AND_ASSIGN(auto victim, db->Acquire());
    ASSERT_OK_AND_ASSIGN(Rows pid, victim->Query("SELECT pg_backend_pid()"));
    ASSERT_OK_AND_ASSIGN(auto killer, db->Acquire());
    const Value p[] = {pid[0].Int(0)};
    ASSERT_OK(killer->Query("SELECT pg_terminate_backend($1::integer)", p).status());
    auto r = victim->Query("SELECT 1");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), Code::kUnavailable) << Describe(r.status());
  }
  // With pool_size 2 this only passes if the dead connection freed its slot.
  ASSERT_OK_AND_ASSIGN(auto a, db->Acquire());
  ASSERT_OK_AND_ASSIGN(auto b, db->Acquire());
  ASSERT_OK(a->Query("SELECT 1").status());
  ASSERT_OK(b->Query("SELECT 1").status());
}

TEST(PostgresOpenTest, UnreachableServerIsUnavailableWithoutThePassword) {
  auto r = Open("postgres://someone:hunter2secret@127.0.0.1:1/nowhere?connect_timeout=2", 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  EXPECT_EQ(r.status().message().find("hunter2secret"), std::string::npos) << r.status().message();
}

TEST(SqliteOpenTest, RefusesInMemoryDatabase) {
  EXPECT_EQ(Open("sqlite::memory:").status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace yz::store
