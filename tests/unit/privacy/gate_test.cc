// The gate on both backends: SQLite temp files and the PostgreSQL named by
// YZCLOUD_TEST_PG (scripts/with-postgres).
#include "privacy/gate.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <ostream>

#include "../store_fixture.h"
#include "../test_util.h"

namespace yz::privacy {
namespace {

using store::Backend;

using GateTest = yz::testing::GateTest;

TEST_P(GateTest, RefusesUndeclaredFields) {  // DESIGN rule: one gate, driven by the inventory
  Status w = gate_->Write("acct-1", "registration.shoe_size", "42");
  EXPECT_EQ(w.code(), Code::kPermissionDenied);
  EXPECT_NE(w.message().find("registration.shoe_size"), std::string::npos);
  EXPECT_EQ(
      gate_->Read("acct-1", "registration.shoe_size", Purpose::kService, "acct-1").status().code(),
      Code::kPermissionDenied);
  EXPECT_TRUE(Query("SELECT * FROM personal_values").empty());
}

TEST_P(GateTest, StoresOnlyCiphertextAndTheSubjectReadsItBack) {  // C2.4
  ASSERT_TRUE(gate_->Write("acct-1", "registration.display_name", "李小龙").ok());
  auto rows = Query("SELECT value FROM personal_values");
  ASSERT_EQ(rows.size(), 1u);
  std::string stored = rows[0].Text(0);
  EXPECT_EQ(stored.find("李小龙"), std::string::npos);
  auto read = gate_->Read("acct-1", "registration.display_name", Purpose::kService, "acct-1");
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(*read, "李小龙");
  // The subject reading its own data is not an access by someone else.
  EXPECT_TRUE(gate_->Accesses("acct-1")->empty());
}

TEST_P(GateTest, CiphertextMovedToAnotherRowFailsToOpen) {  // C2.4, C4.1
  ASSERT_TRUE(gate_->Write("acct-1", "registration.display_name", "Alice").ok());
  ASSERT_TRUE(gate_->Write("acct-2", "registration.display_name", "Bob").ok());
  ASSERT_TRUE(gate_->Write("acct-1", "registration.birth_date", "1990-01-01").ok());
  auto conn = db_->Acquire();
  // acct-2's name row now holds acct-1's ciphertext; acct-1's birth date its name.
  ASSERT_TRUE((*conn)
                  ->ExecScript(
                      "UPDATE personal_values SET value = (SELECT value FROM personal_values WHERE "
                      "subject = 'acct-1' AND field = 'registration.display_name') WHERE subject = "
                      "'acct-2' "
                      "AND field = 'registration.display_name';"
                      "UPDATE personal_values SET value = (SELECT value FROM personal_values WHERE "
                      "subject = 'acct-1' AND field = 'registration.display_name') WHERE subject = "
                      "'acct-1' "
                      "AND field = 'registration.birth_date'")
                  .ok());
  EXPECT_EQ(gate_->Read("acct-2", "registration.display_name", Purpose::kService, "acct-2")
                .status()
                .code(),
            Code::kPermissionDenied);
  EXPECT_EQ(
      gate_->Read("acct-1", "registration.birth_date", Purpose::kService, "acct-1").status().code(),
      Code::kPermissionDenied);
  EXPECT_EQ(*gate_->Read("acct-1", "registration.display_name", Purpose::kService, "acct-1"),
            "Alice");
}

// A sealer does the checks and the key lookup once for a run of values (a
// chunk of log lines); what it seals opens through the gate, only where it rests.
TEST_P(GateTest, SealerSealsARunOfValuesThatOpenOnlyWhereTheyRest) {  // C2.1, C2.4
  ASSERT_OK_AND_ASSIGN(Gate::FieldSealer sealer, gate_->Sealer("log-day:20000", "log.ip_full"));
  const crypto::Binding first{"request_log", "ip_sealed", "run-1"};
  const crypto::Binding second{"request_log", "ip_sealed", "run-2"};
  ASSERT_OK_AND_ASSIGN(auto a, sealer.Seal("203.0.113.7", first));
  ASSERT_OK_AND_ASSIGN(auto b, sealer.Seal("2001:db8::7", second));
  EXPECT_EQ(*gate_->Open("log-day:20000", "log.ip_full", a, first, Purpose::kSecurity, "auditor"),
            "203.0.113.7");
  EXPECT_EQ(*gate_->Open("log-day:20000", "log.ip_full", b, second, Purpose::kSecurity, "auditor"),
            "2001:db8::7");
  EXPECT_EQ(gate_->Open("log-day:20000", "log.ip_full", a, second, Purpose::kSecurity, "auditor")
                .status()
                .code(),
            Code::kPermissionDenied);
  // The same refusals as Seal: an undeclared field, a field the gate keeps itself.
  EXPECT_EQ(gate_->Sealer("log-day:20000", "log.shoe_size").status().code(),
            Code::kPermissionDenied);
  EXPECT_EQ(gate_->Sealer("acct-1", "registration.login_phone").status().code(),
            Code::kFailedPrecondition);
}

TEST_P(GateTest, PurposeTheInventoryDoesNotAllowIsRefused) {  // C3.3
  ASSERT_TRUE(gate_->Write("dev-1", "device.imei", "490154203237518").ok());
  auto r = gate_->Read("dev-1", "device.imei", Purpose::kStatistics, "job:rollup");
  EXPECT_EQ(r.status().code(), Code::kPermissionDenied);
  EXPECT_TRUE(gate_->Read("dev-1", "device.imei", Purpose::kSecurity, "staff:sec").ok());
}

TEST_P(GateTest,
       ConsentPurposeNeedsConsentAndOthersReadsAreRecorded) {  // C3.1, C3.2, PIPL Art. 14-15
  ASSERT_TRUE(gate_->Write("acct-1", "registration.enterprise_name", "永州电机厂").ok());
  auto refused = gate_->Read("acct-1", "registration.enterprise_name", Purpose::kPersonalization,
                             "job:ranking");
  EXPECT_EQ(refused.status().code(), Code::kPermissionDenied);
  ASSERT_TRUE(
      consents_->Give("acct-1", Purpose::kPersonalization, "2026-11-29.1", ConsentSource::kBanner)
          .ok());
  clock_ += 60;
  auto allowed = gate_->Read("acct-1", "registration.enterprise_name", Purpose::kPersonalization,
                             "job:ranking");
  ASSERT_TRUE(allowed.ok()) << allowed.status().ToString();
  EXPECT_EQ(*allowed, "永州电机厂");
  auto log = gate_->Accesses("acct-1");
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log->size(), 1u);
  EXPECT_EQ((*log)[0].actor, "job:ranking");
  EXPECT_EQ((*log)[0].field, "registration.enterprise_name");
  EXPECT_EQ((*log)[0].purpose, Purpose::kPersonalization);
  EXPECT_EQ((*log)[0].at, clock_);

  ASSERT_TRUE(consents_->Withdraw("acct-1", Purpose::kPersonalization).ok());
  EXPECT_EQ(
      gate_
          ->Read("acct-1", "registration.enterprise_name", Purpose::kPersonalization, "job:ranking")
          .status()
          .code(),
      Code::kPermissionDenied);
  auto history = consents_->History("acct-1");
  ASSERT_EQ(history->size(), 1u);
  EXPECT_EQ((*history)[0].policy_version, "2026-11-29.1");
  EXPECT_EQ((*history)[0].source, "banner");
  EXPECT_EQ((*history)[0].withdrawn_at, clock_);
  EXPECT_EQ(consents_->Withdraw("acct-1", Purpose::kPersonalization).code(), Code::kNotFound);
}

TEST_P(GateTest, BlindIndexFindsTheSubjectWithoutPlaintext) {  // C1.1 login by phone
  ASSERT_TRUE(gate_->Write("acct-7", "registration.login_phone", "+86 138-0013-8000").ok());
  auto found = gate_->FindSubject("registration.login_phone", "13800138000");
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  EXPECT_EQ(found->value_or(""), "acct-7");
  EXPECT_FALSE(gate_->FindSubject("registration.login_phone", "13900000000")->has_value());
  for (const auto& r : Query("SELECT value, blind FROM personal_values")) {
    EXPECT_EQ(r.Text(0).find("13800138000"), std::string::npos);
    EXPECT_EQ(r.Text(1).find("13800138000"), std::string::npos);
  }
}

TEST_P(GateTest, TransformingProtectionsAreRefusedRatherThanStoredRaw) {
  EXPECT_EQ(gate_->Write("v-1", "log.ip_truncated", "203.0.113.9").code(),
            Code::kFailedPrecondition);
  EXPECT_TRUE(Query("SELECT * FROM personal_values").empty());
}

TEST_P(GateTest, EraseShredsEvenACopyTakenBefore) {  // PIPL Art. 47, C2.4
  ASSERT_TRUE(gate_->Write("acct-1", "registration.display_name", "Alice").ok());
  ASSERT_TRUE(gate_->Write("acct-2", "registration.display_name", "Bob").ok());
  auto backup = Query("SELECT subject, field, value, updated_at FROM personal_values");
  ASSERT_EQ(backup.size(), 2u);
  ASSERT_TRUE(gate_->Erase("acct-1").ok());
  EXPECT_EQ(gate_->Read("acct-1", "registration.display_name", Purpose::kService, "acct-1")
                .status()
                .code(),
            Code::kNotFound);
  // Restore the backup: acct-1's row is back, but its key is gone for good.
  auto conn = db_->Acquire();
  ASSERT_TRUE((*conn)->Exec("DELETE FROM personal_values").ok());
  for (const auto& r : backup) {
    const store::Value p[] = {r.Text(0), r.Text(1), r.Bytes(2), r.Int(3)};
    ASSERT_TRUE((*conn)
                    ->Exec("INSERT INTO personal_values (subject, field, value, updated_at) "
                           "VALUES ($1, $2, $3, $4)",
                           p)
                    .ok());
  }
  EXPECT_EQ(gate_->Read("acct-1", "registration.display_name", Purpose::kService, "acct-1")
                .status()
                .code(),
            Code::kPermissionDenied);
  EXPECT_EQ(*gate_->Read("acct-2", "registration.display_name", Purpose::kService, "acct-2"),
            "Bob");
}

TEST_P(GateTest, EraseShredsACopyOfTheDatabaseTakenBefore) {  // PIPL Art. 47, C2.4
  ASSERT_TRUE(gate_->Write("acct-1", "registration.display_name", "Alice").ok());
  ASSERT_TRUE(gate_->Write("acct-2", "registration.display_name", "Bob").ok());
  // The copy: the SQLite file itself, or on PostgreSQL the table copied into its
  // own schema. Either way the keystore (a separate database) is not in it.
  std::string copy_url;
  {
    auto conn = db_->Acquire();
    if (GetParam() == Backend::kSqlite) {
      ASSERT_TRUE((*conn)->ExecScript("PRAGMA wal_checkpoint(TRUNCATE)").ok());
      std::filesystem::copy_file(dir_ / "data.db", dir_ / "copy.db");
      copy_url = (dir_ / "copy.db").string();
    } else {
      ASSERT_TRUE((*conn)
                      ->ExecScript("DROP SCHEMA IF EXISTS backup_copy CASCADE; "
                                   "CREATE SCHEMA backup_copy; "
                                   "CREATE TABLE backup_copy.personal_values AS "
                                   "SELECT * FROM personal_values")
                      .ok());
      copy_url = std::string(std::getenv("YZCLOUD_TEST_PG")) +
                 "?options=-csearch_path%3Dbackup_copy,public";
    }
  }
  ASSERT_TRUE(gate_->Erase("acct-1").ok());

  auto copy = store::Open(copy_url, 2);
  ASSERT_TRUE(copy.ok()) << copy.status().ToString();
  ConsentLedger consents(**copy, [] { return std::int64_t{0}; });
  Gate from_copy(**copy, *keys_, *blind_, *inventory_, consents, [] { return std::int64_t{0}; });
  auto gone = from_copy.Read("acct-1", "registration.display_name", Purpose::kService, "acct-1");
  EXPECT_EQ(gone.status().code(), Code::kPermissionDenied) << gone.status().ToString();
  auto kept = from_copy.Read("acct-2", "registration.display_name", Purpose::kService, "acct-2");
  ASSERT_TRUE(kept.ok()) << kept.status().ToString();
  EXPECT_EQ(*kept, "Bob");
  if (GetParam() == Backend::kPostgres) {
    auto conn = db_->Acquire();
    ASSERT_TRUE((*conn)->ExecScript("DROP SCHEMA backup_copy CASCADE").ok());
  }
}

// Every byte of every file under `root` (recursively), for plaintext searches.
std::vector<std::pair<std::string, std::string>> ReadTree(const std::filesystem::path& root) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    out.emplace_back(e.path().string(), std::string(std::istreambuf_iterator<char>(in), {}));
  }
  return out;
}

TEST_P(GateTest, NoPlaintextPersonalValueReachesTheDatabaseFiles) {  // C2.4, C4.1
  const std::vector<std::pair<std::string, std::string>> values = {
      {"registration.login_phone", "13912345678"},
      {"registration.login_email", "zhang.wei.test@example.cn"},
      {"registration.display_name", "张伟测试用户"},
      {"registration.birth_date", "2001-02-03"},
      {"log.ip_full", "203.0.113.77"},
      {"device.imei", "490154203237518"},
      {"device.mac", "00:1a:2b:3c:4d:5e"},
  };
  for (const auto& [field, value] : values) {
    ASSERT_TRUE(gate_->Write("subject-np", field, value).ok()) << field;
  }
  const std::filesystem::path root = FlushToFiles();
  auto files = ReadTree(root);
  ASSERT_FALSE(files.empty());
  for (const auto& [field, value] : values) {
    for (const auto& needle : {value, std::string("001a2b3c4d5e")}) {
      for (const auto& [path, bytes] : files) {
        EXPECT_EQ(bytes.find(needle), std::string::npos) << field << " in plaintext in " << path;
      }
    }
  }
  // The values are really there: the gate reads them back.
  EXPECT_EQ(
      *gate_->Read("subject-np", "registration.display_name", Purpose::kService, "subject-np"),
      "张伟测试用户");
}

INSTANTIATE_TEST_SUITE_P(Backends, GateTest, yz::testing::kBothBackends, yz::testing::BackendName);

}  // namespace
}  // namespace yz::privacy
