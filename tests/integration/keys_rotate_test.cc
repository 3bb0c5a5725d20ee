// `yzcloud keys rotate` while traffic runs: threads write and read personal data
// through the same Gate, Keystore and key directory the server uses (with no key
// cache, so every call goes to the keystore), while the real binary rotates the
// master key twice in its own process. Nothing may fail or be lost, the old master
// files must be gone, and a fresh process holding only the newest master must open
// every value. On SQLite (keys.db next to the data) and PostgreSQL (schema yz_keys).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "core/config.h"
#include "http_client.h"
#include "privacy/gate.h"
#include "privacy/keys.h"
#include "server_process.h"
#include "store/migrations.h"

namespace yz::testing {
namespace {

namespace fs = std::filesystem;
using privacy::Purpose;

// The value a subject's display name is given in round `n`.
std::string NameOf(const std::string& subject, int n) {
  return "名字-" + subject + "-" + std::to_string(n);
}

class KeysRotateTest : public ::testing::TestWithParam<store::Backend> {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "yz_rotate_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    config_.data_dir = dir_;
    config_.key_cache = 0;
    args_ = {"--data-dir", dir_};
    if (GetParam() == store::Backend::kPostgres) {
      const char* pg = std::getenv("YZCLOUD_TEST_PG");
      ASSERT_NE(pg, nullptr) << "run under scripts/with-postgres (YZCLOUD_TEST_PG is unset)";
      config_.database = pg;
      args_.insert(args_.end(), {"--database", pg});
    }
    auto db = store::Open(config_.DatabaseUrl(), 8);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    if (GetParam() == store::Backend::kPostgres) {
      // A fresh database for each test: its data and the key fingerprints it records
      // go with the keys, which this test makes anew in its own directory.
      auto conn = db_->Acquire();
      ASSERT_TRUE(conn.ok());
      ASSERT_TRUE((*conn)
                      ->ExecScript("DROP SCHEMA IF EXISTS yz_keys CASCADE; "
                                   "DROP SCHEMA public CASCADE; CREATE SCHEMA public")
                      .ok());
    }
    ASSERT_TRUE(store::Migrate(*db_).ok());
    auto inv = privacy::Inventory::Load(fs::path(YZ_SOURCE_DIR) / "policy/inventory.toml");
    ASSERT_TRUE(inv.ok()) << inv.status().ToString();
    inventory_ = std::make_unique<privacy::Inventory>(std::move(inv).value());
    ASSERT_NO_FATAL_FAILURE(OpenGate());
  }
  void TearDown() override {
    CloseGate();
    db_.reset();
    fs::remove_all(dir_);
  }
  void OpenGate() {
    auto keys = privacy::OpenKeys(config_, *db_);
    ASSERT_TRUE(keys.ok()) << keys.status().ToString();
    keys_ = std::make_unique<privacy::Keys>(std::move(keys).value());
    auto now = [] { return std::int64_t{1'800'000'000}; };
    consents_ = std::make_unique<privacy::ConsentLedger>(*db_, now);
    gate_ = std::make_unique<privacy::Gate>(*db_, *keys_->keystore, *keys_->blind, *inventory_,
                                            *consents_, now);
  }
  void CloseGate() {
    gate_.reset();
    consents_.reset();
    keys_.reset();
  }

  std::string dir_;
  Config config_;
  std::vector<std::string> args_;
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<privacy::Inventory> inventory_;
  std::unique_ptr<privacy::Keys> keys_;
  std::unique_ptr<privacy::ConsentLedger> consents_;
  std::unique_ptr<privacy::Gate> gate_;
};

TEST_P(KeysRotateTest, RotationDuringLiveTrafficLosesNothing) {  // C2.4
  constexpr int kSubjects = 603;  // three rotation batches; a multiple of the 3 threads
  const char* kField = "registration.display_name";
  for (int i = 0; i < kSubjects; ++i) {
    const std::string s = "rot-" + std::to_string(i);
    ASSERT_TRUE(gate_->Write(s, kField, NameOf(s, 0)).ok());
  }

  // Traffic: every thread owns its subjects, rewrites one, reads it back, and adds
  // new subjects; `latest` is what each subject must hold at the end.
  std::atomic<bool> done{false};
  std::atomic<int> failures{0}, ops{0};
  std::mutex mu;
  std::map<std::string, std::string> latest;
  for (int i = 0; i < kSubjects; ++i) {
    const std::string s = "rot-" + std::to_string(i);
    latest[s] = NameOf(s, 0);
  }
  std::string first_failure;
  auto fail = [&](const std::string& what) {
    std::lock_guard lock(mu);
    if (failures++ == 0) first_failure = what;
  };
  std::vector<std::thread> traffic;
  for (int t = 0; t < 3; ++t) {
    traffic.emplace_back([&, t] {
      for (int n = 1; !done.load(); ++n) {
        // Thread t owns the subjects i with i % 3 == t, so `latest` has one writer each.
        const std::string s = "rot-" + std::to_string((t + 3 * n) % kSubjects);
        const std::string fresh = "rot-new-" + std::to_string(t) + "-" + std::to_string(n);
        for (const std::string& subject : {s, fresh}) {
          const std::string value = NameOf(subject, n);
          Status w = gate_->Write(subject, kField, value);
          if (!w.ok()) {
            fail("write " + subject + ": " + w.ToString());
            continue;
          }
          auto r = gate_->Read(subject, kField, Purpose::kService, subject);
          if (!r.ok() || *r != value) {
            fail("read " + subject + ": " + (r.ok() ? *r : r.status().ToString()));
            continue;
          }
          std::lock_guard lock(mu);
          latest[subject] = value;
        }
        ++ops;
      }
    });
  }
  while (ops.load() < 20) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  for (int version = 2; version <= 3; ++version) {
    const int before = ops.load();
    std::vector<std::string> cmd = {"keys", "rotate"};
    cmd.insert(cmd.end(), args_.begin(), args_.end());
    CommandResult r = RunYzcloud(cmd);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("to " + std::to_string(version)), std::string::npos) << r.out;
    RecordProperty("ops_during_rotation_" + std::to_string(version), ops.load() - before);
  }
  const int after = ops.load();
  while (ops.load() < after + 20) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  done = true;
  for (auto& th : traffic) th.join();
  EXPECT_EQ(failures.load(), 0) << "first: " << first_failure << " (of " << ops.load() << ")";

  const fs::path keydir = fs::path(dir_) / "keys";
  EXPECT_FALSE(fs::exists(keydir / "master-1.key"));
  EXPECT_FALSE(fs::exists(keydir / "master-2.key"));
  EXPECT_TRUE(fs::exists(keydir / "master-3.key"));

  // A new process: only master-3.key exists, and every latest value opens.
  CloseGate();
  ASSERT_NO_FATAL_FAILURE(OpenGate());
  EXPECT_EQ(keys_->keystore->master_version(), 3);
  for (const auto& [subject, value] : latest) {
    auto r = gate_->Read(subject, kField, Purpose::kService, subject);
    ASSERT_TRUE(r.ok()) << subject << ": " << r.status().ToString();
    EXPECT_EQ(*r, value) << subject;
  }
  std::vector<std::string> status = {"keys", "status"};
  status.insert(status.end(), args_.begin(), args_.end());
  CommandResult s = RunYzcloud(status);
  EXPECT_EQ(s.exit_code, 0) << s.err;
  EXPECT_NE(s.out.find("current master version 3"), std::string::npos) << s.out;
  EXPECT_NE(s.out.find(std::to_string(latest.size()) + " data key(s) under version 3"),
            std::string::npos)
      << s.out;
}

TEST_P(KeysRotateTest, ServerStartsOnTheRotatedKeys) {  // C2.4
  ASSERT_TRUE(gate_->Write("rot-a", "registration.display_name", "王五").ok());
  CloseGate();
  std::vector<std::string> cmd = {"keys", "rotate"};
  cmd.insert(cmd.end(), args_.begin(), args_.end());
  ASSERT_EQ(RunYzcloud(cmd).exit_code, 0);
  // The server keeps its own data directory; its keys are this test's, rotated.
  std::vector<std::string> server_args = {"--key-dir", dir_ + "/keys"};
  if (GetParam() == store::Backend::kSqlite) {
    server_args.insert(server_args.end(), {"--keystore", dir_ + "/keys.db"});
  } else {
    server_args.insert(server_args.end(), {"--database", config_.database});
  }
  ServerProcess server(server_args);
  ASSERT_TRUE(server.started()) << server.output();
  server.Signal(SIGTERM);
  EXPECT_EQ(server.Wait(std::chrono::seconds(10)), 0);
}

// The newest code the server's outbox file holds for `to`, waiting up to 10 s for
// the delivery worker to write one.
std::string OutboxCode(const std::string& data_dir, const std::string& to) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::string code;
  while (code.empty() && std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(data_dir + "/outbox.jsonl");
    std::string line;
    const std::string want = "\"to\":\"" + to + "\"";
    while (std::getline(in, line)) {
      if (line.find(want) == std::string::npos) continue;
      const auto at = line.find("\"code\":\"");
      if (at != std::string::npos) code = line.substr(at + 8, line.find('"', at + 8) - at - 8);
    }
    if (code.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return code;
}

// A registered, verified, logged-in account of the running server: its bearer token.
std::string SignUp(int port, const std::string& data_dir, const std::string& login) {
  const std::string password = "Rotate-Keys-2026!";
  auto reg = Fetch(port, "POST", "/api/v1/accounts",
                   "{\"login\":\"" + login + "\",\"password\":\"" + password +
                       "\",\"display_name\":\"名字-0\",\"birth_date\":\"1988-08-08\"}",
                   {{"Content-Type", "application/json"}});
  if (!reg || reg->status != 201) return "";
  auto ver = Fetch(port, "POST", "/api/v1/accounts/verify",
                   "{\"login\":\"" + login + "\",\"code\":\"" + OutboxCode(data_dir, login) + "\"}",
                   {{"Content-Type", "application/json"}});
  if (!ver || ver->status != 200) return "";
  auto session = Fetch(port, "POST", "/api/v1/sessions",
                       "{\"login\":\"" + login + "\",\"password\":\"" + password + "\"}",
                       {{"Content-Type", "application/json"}});
  if (!session || session->status != 201) return "";
  const auto at = session->body.find("\"token\":\"");
  return at == std::string::npos ? "" : session->body.substr(at + 9, 64);
}

TEST_P(KeysRotateTest, TheServerKeepsServingWhileKeysRotate) {  // C2.4
  // The server reads every data key from the keystore (no cache), while clients read
  // and change their profiles and new accounts register; `yzcloud keys rotate` runs
  // twice as a separate process.
  std::vector<std::string> server_args;
  std::vector<std::string> cli_db;
  if (GetParam() == store::Backend::kPostgres) cli_db = {"--database", config_.database};
  server_args = cli_db;
  CloseGate();  // the server's keys, not this fixture's
  if (GetParam() == store::Backend::kPostgres) {
    auto conn = db_->Acquire();
    ASSERT_TRUE(conn.ok());
    // The server makes its own keys: forget the fixture's (this database holds no data).
    ASSERT_TRUE((*conn)
                    ->ExecScript("DROP SCHEMA yz_keys CASCADE; "
                                 "DELETE FROM settings WHERE key LIKE 'key_fingerprint:%'")
                    .ok());
  }
  ServerProcess server(server_args, {{"YZ_KEY_CACHE", "0"}});
  ASSERT_TRUE(server.started()) << server.output();
  const int port = server.port();
  std::vector<std::string> tokens;
  for (int i = 0; i < 3; ++i) {
    tokens.push_back(SignUp(port, server.data_dir(), "rot" + std::to_string(i) + "@example.cn"));
    ASSERT_EQ(tokens.back().size(), 64u) << "sign-up " << i << " failed";
  }
  std::atomic<bool> done{false};
  std::atomic<int> failures{0}, ops{0}, signups{0};
  std::mutex mu;
  std::string first_failure;
  auto fail = [&](const std::string& what) {
    std::lock_guard lock(mu);
    if (failures++ == 0) first_failure = what;
  };
  std::vector<std::thread> clients;
  for (int t = 0; t < 3; ++t) {
    clients.emplace_back([&, t] {
      const std::map<std::string, std::string> auth = {{"Authorization", "Bearer " + tokens[t]},
                                                       {"Content-Type", "application/json"}};
      for (int n = 1; !done.load(); ++n) {
        const std::string name = "名字-" + std::to_string(n);
        auto patch =
            Fetch(port, "PATCH", "/api/v1/me", "{\"display_name\":\"" + name + "\"}", auth);
        if (!patch || patch->status != 200) {
          fail("PATCH " +
               (patch ? std::to_string(patch->status) + " " + patch->body : "no answer"));
          continue;
        }
        auto me = Fetch(port, "GET", "/api/v1/me", "", auth);
        if (!me || me->status != 200 || me->body.find(name) == std::string::npos) {
          fail("GET /me " + (me ? std::to_string(me->status) + " " + me->body : "no answer"));
        }
        ++ops;
      }
    });
  }
  clients.emplace_back([&] {  // new data keys, wrapped under whichever master is current
    for (int n = 0; !done.load(); ++n) {
      if (SignUp(port, server.data_dir(), "new" + std::to_string(n) + "@example.cn").empty()) {
        fail("sign-up new" + std::to_string(n));
      }
      ++signups;
    }
  });
  while (ops.load() < 10) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  for (int version = 2; version <= 3; ++version) {
    std::vector<std::string> cmd = {"keys", "rotate", "--data-dir", server.data_dir()};
    cmd.insert(cmd.end(), cli_db.begin(), cli_db.end());
    CommandResult r = RunYzcloud(cmd);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("to " + std::to_string(version)), std::string::npos) << r.out;
  }
  const int after = ops.load();
  while (ops.load() < after + 10) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  done = true;
  for (auto& c : clients) c.join();
  EXPECT_EQ(failures.load(), 0) << "first: " << first_failure << " (of " << ops.load()
                                << " profile rounds, " << signups.load() << " sign-ups)";
  EXPECT_GT(signups.load(), 0);
  EXPECT_FALSE(fs::exists(fs::path(server.data_dir()) / "keys/master-1.key"));
  EXPECT_FALSE(fs::exists(fs::path(server.data_dir()) / "keys/master-2.key"));
  server.Signal(SIGTERM);
  ASSERT_EQ(server.Wait(std::chrono::seconds(10)), 0);
  std::vector<std::string> status_cmd = {"keys", "status", "--data-dir", server.data_dir()};
  status_cmd.insert(status_cmd.end(), cli_db.begin(), cli_db.end());
  CommandResult status = RunYzcloud(status_cmd);
  EXPECT_NE(status.out.find("current master version 3"), std::string::npos) << status.out;
  EXPECT_EQ(status.out.find("under version 1"), std::string::npos) << status.out;
  EXPECT_EQ(status.out.find("under version 2"), std::string::npos) << status.out;
}

TEST(KeysCliTest, AKeyFileOthersCanReadIsRefused) {  // C2.4
  std::string tmpl = ::testing::TempDir() + "yz_keyperm_XXXXXX";
  ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
  ASSERT_EQ(RunYzcloud({"keys", "status", "--data-dir", tmpl}).exit_code, 0);
  fs::permissions(fs::path(tmpl) / "keys/master-1.key", fs::perms::others_read,
                  fs::perm_options::add);
  CommandResult r = RunYzcloud({"keys", "rotate", "--data-dir", tmpl});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("master-1.key has mode 0604"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("chmod 600"), std::string::npos) << r.err;
  fs::remove_all(tmpl);
}

INSTANTIATE_TEST_SUITE_P(Backends, KeysRotateTest,
                         ::testing::Values(store::Backend::kSqlite, store::Backend::kPostgres),
                         [](const auto& info) {
                           return info.param == store::Backend::kSqlite ? "Sqlite" : "Postgres";
                         });

}  // namespace
}  // namespace yz::testing
