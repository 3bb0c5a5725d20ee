// Fixtures for tests that run on both storage backends: SQLite files in a fresh
// temp folder, and the PostgreSQL named by YZCLOUD_TEST_PG (scripts/with-postgres),
// whose public schema is reset so each test starts from the migrations alone.
//
//   StoreTest  a migrated data store (db_), a per-test folder (dir_), a fake clock
//   GateTest   plus the privacy stack on it: key directory and keystore (keys.db in
//              dir_, apart from the data as in production), blind indexer, the
//              shipped inventory, consent ledger and gate
//
// Instantiate with INSTANTIATE_TEST_SUITE_P(Backends, X, kBothBackends, BackendName).
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "crypto/blind_index.h"
#include "crypto/keyring.h"
#include "privacy/consent.h"
#include "privacy/gate.h"
#include "privacy/inventory.h"
#include "store/database.h"

namespace yz::testing {

inline const auto kBothBackends =
    ::testing::Values(store::Backend::kSqlite, store::Backend::kPostgres);
std::string BackendName(const ::testing::TestParamInfo<store::Backend>& info);

class StoreTest : public ::testing::TestWithParam<store::Backend> {
 protected:
  void SetUp() override;
  void TearDown() override;
  // Rows of `sql`; a failure is a test failure (and no rows).
  store::Rows Query(const std::string& sql, std::vector<store::Value> params = {});
  // Forces what the database holds onto its files (SQLite checkpoint, PostgreSQL
  // CHECKPOINT) and returns the folder holding them, for plaintext searches.
  std::filesystem::path FlushToFiles();
  // C2.4: flushes, then fails the test for every file under the store's folder
  // that holds one of `secrets` in plaintext (and if there is no file at all).
  void ExpectNoPlaintext(const std::vector<std::string>& secrets);

  std::filesystem::path dir_;
  std::unique_ptr<store::Database> db_;
  std::atomic<std::int64_t> clock_{1'800'000'000};  // Unix seconds, 2027-01-15
  std::function<std::int64_t()> now_ = [this] { return clock_.load(); };
};

class GateTest : public StoreTest {
 protected:
  void SetUp() override;
  void TearDown() override;

  std::unique_ptr<store::Database> keys_db_;
  std::unique_ptr<crypto::Keystore> keys_;
  std::unique_ptr<crypto::BlindIndexer> blind_;
  std::unique_ptr<privacy::Inventory> inventory_;
  std::unique_ptr<privacy::ConsentLedger> consents_;
  std::unique_ptr<privacy::Gate> gate_;
};

// The shipped policy/inventory.toml, as text.
std::string ShippedInventoryText();

}  // namespace yz::testing
