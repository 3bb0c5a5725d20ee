#include "store_fixture.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "crypto/key_directory.h"
#include "store/migrations.h"

namespace yz::testing {

std::string BackendName(const ::testing::TestParamInfo<store::Backend>& info) {
  return info.param == store::Backend::kSqlite ? "Sqlite" : "Postgres";
}

std::string ShippedInventoryText() {
  std::ifstream in(std::string(YZ_SOURCE_DIR) + "/policy/inventory.toml");
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void StoreTest::SetUp() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = std::string(info->test_suite_name()) + "_" + info->name();
  for (char& c : name) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  dir_ = std::filesystem::path(::testing::TempDir()) /
         ("yz_" + std::to_string(::getpid()) + "_" + name);
  std::filesystem::remove_all(dir_);
  std::filesystem::create_directories(dir_);
  std::string url = (dir_ / "data.db").string();
  if (GetParam() == store::Backend::kPostgres) {
    const char* pg = std::getenv("YZCLOUD_TEST_PG");
    ASSERT_NE(pg, nullptr) << "run under scripts/with-postgres (YZCLOUD_TEST_PG is unset)";
    url = pg;
  }
  auto db = store::Open(url, 4);
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  db_ = std::move(db).value();
  if (GetParam() == store::Backend::kPostgres) {
    auto conn = db_->Acquire();
    ASSERT_TRUE(conn.ok()) << conn.status().ToString();
    ASSERT_TRUE((*conn)->ExecScript("DROP SCHEMA public CASCADE; CREATE SCHEMA public").ok());
  }
  Status migrated = store::Migrate(*db_);
  ASSERT_TRUE(migrated.ok()) << migrated.ToString();
}

void StoreTest::TearDown() {
  db_.reset();
  std::filesystem::remove_all(dir_);
}

store::Rows StoreTest::Query(const std::string& sql, std::vector<store::Value> params) {
  auto conn = db_->Acquire();
  EXPECT_TRUE(conn.ok()) << conn.status().ToString();
  if (!conn.ok()) return {};
  auto rows = (*conn)->Query(sql, params);
  EXPECT_TRUE(rows.ok()) << sql << ": " << rows.status().ToString();
  return rows.ok() ? *rows : store::Rows{};
}

void StoreTest::ExpectNoPlaintext(const std::vector<std::string>& secrets) {
  const std::filesystem::path root = FlushToFiles();
  int files = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
    if (!e.is_regular_file()) continue;
    ++files;
    std::ifstream in(e.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), {});
    for (const std::string& secret : secrets) {
      EXPECT_EQ(bytes.find(secret), std::string::npos) << secret << " in " << e.path();
    }
  }
  EXPECT_GT(files, 0);
}

std::filesystem::path StoreTest::FlushToFiles() {
  auto conn = db_->Acquire();
  EXPECT_TRUE(conn.ok());
  if (!conn.ok()) return dir_;
  if (GetParam() == store::Backend::kSqlite) {
    // Fold the WAL into the main file too; both are searched either way.
    EXPECT_TRUE((*conn)->ExecScript("PRAGMA wal_checkpoint(TRUNCATE)").ok());
    return dir_;
  }
  const char* pgdata = std::getenv("YZCLOUD_TEST_PGDATA");
  EXPECT_NE(pgdata, nullptr) << "run under scripts/with-postgres (YZCLOUD_TEST_PGDATA unset)";
  EXPECT_TRUE((*conn)->ExecScript("CHECKPOINT").ok());
  return pgdata ? std::filesystem::path(pgdata) : dir_;
}

void GateTest::SetUp() {
  ASSERT_NO_FATAL_FAILURE(StoreTest::SetUp());
  auto kdb = store::Open((dir_ / "keys.db").string(), 4);
  ASSERT_TRUE(kdb.ok()) << kdb.status().ToString();
  keys_db_ = std::move(kdb).value();
  auto key_dir = crypto::KeyDirectory::Open(dir_ / "keys");
  ASSERT_TRUE(key_dir.ok()) << key_dir.status().ToString();
  auto ks = crypto::Keystore::Open(*keys_db_, key_dir->Loader());
  ASSERT_TRUE(ks.ok()) << ks.status().ToString();
  keys_ = std::move(ks).value();
  auto root = key_dir->BlindRoot();
  ASSERT_TRUE(root.ok()) << root.status().ToString();
  blind_ = std::make_unique<crypto::BlindIndexer>(*root);
  auto inv = privacy::Inventory::Parse(ShippedInventoryText(), "policy/inventory.toml");
  ASSERT_TRUE(inv.ok()) << inv.status().ToString();
  inventory_ = std::make_unique<privacy::Inventory>(std::move(inv).value());
  consents_ = std::make_unique<privacy::ConsentLedger>(*db_, now_);
  gate_ = std::make_unique<privacy::Gate>(*db_, *keys_, *blind_, *inventory_, *consents_, now_);
}

void GateTest::TearDown() {
  gate_.reset();
  consents_.reset();
  keys_.reset();
  keys_db_.reset();
  StoreTest::TearDown();
}

}  // namespace yz::testing
