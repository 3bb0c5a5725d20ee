// Key files that go missing or are swapped (issue 15, defect 5; C4.1, PIPL 51): once
// a data directory (or PostgreSQL database) holds data, every command that opens
// keys refuses to start when blind.key, a master key the keystore records, or the
// keystore itself is missing or not the one the data was written with, names the
// file, and changes nothing; putting the file back brings everything back. A fresh
// directory still starts, and so does one whose master key was rotated.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "key_accounts.h"
#include "serve_run.h"
#include "server_process.h"
#include "store/database.h"

namespace yz::testing {
namespace {

namespace fs = std::filesystem;

constexpr const char* kLogin = "owner@example.cn";

class KeyFilesTest : public ::testing::TestWithParam<store::Backend> {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "yz_keyfiles_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    args_ = {"--data-dir", dir_};
    if (GetParam() == store::Backend::kPostgres) {
      const char* pg = std::getenv("YZCLOUD_TEST_PG");
      ASSERT_NE(pg, nullptr) << "run under scripts/with-postgres (YZCLOUD_TEST_PG is unset)";
      pg_ = pg;
      args_.insert(args_.end(), {"--database", pg_});
      auto db = store::Open(pg_, 1);
      ASSERT_TRUE(db.ok()) << db.status().ToString();
      auto conn = (*db)->Acquire();
      ASSERT_TRUE(conn.ok());
      ASSERT_TRUE((*conn)
                      ->ExecScript("DROP SCHEMA IF EXISTS yz_keys CASCADE; "
                                   "DROP SCHEMA public CASCADE; CREATE SCHEMA public")
                      .ok());
    }
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Starts a server on the directory, makes a verified account, and stops it.
  void Populate() {
    ServeRun server(args_);
    ASSERT_TRUE(server.listening()) << server.err();
    ASSERT_TRUE(SignUpVerified(server.port(), dir_, kLogin));
    ASSERT_EQ(LogIn(server.port(), kLogin), 201);
    ASSERT_EQ(server.Finish(), 0) << server.err();
  }

  // `serve` must refuse: exit != 0, never listening, stderr naming `name`.
  void ExpectServeRefuses(const std::string& name, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = args_;
    args.insert(args.end(), extra.begin(), extra.end());
    ServeRun server(args);
    EXPECT_FALSE(server.listening()) << "served without " << name;
    EXPECT_NE(server.Finish(), 0);
    EXPECT_NE(server.err().find(name), std::string::npos) << server.err();
    EXPECT_NE(server.err().find("restore"), std::string::npos) << server.err();
  }

  // `serve` must start and the account made by Populate must log in.
  void ExpectServeWorks() {
    ServeRun server(args_);
    ASSERT_TRUE(server.listening()) << server.err();
    EXPECT_EQ(LogIn(server.port(), kLogin), 201);
    // The login is known: registering it again makes no second account.
    EXPECT_NE(Register(server.port(), kLogin), 201);
    EXPECT_EQ(server.Finish(), 0) << server.err();
  }

  std::vector<std::string> Command(std::vector<std::string> cmd) const {
    cmd.insert(cmd.end(), args_.begin(), args_.end());
    return cmd;
  }

  std::string Read(const fs::path& p) const {
    std::ifstream in(p, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), {});
  }

  fs::path keys() const { return fs::path(dir_) / "keys"; }

  // Runs `sql` on the data database (the server is stopped); its rows into `rows`.
  void Sql(const std::string& sql, store::Rows* rows = nullptr) const {
    auto db = store::Open(pg_.empty() ? dir_ + "/yzcloud.db" : pg_, 1);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    auto conn = (*db)->Acquire();
    ASSERT_TRUE(conn.ok());
    auto result = (*conn)->Query(sql);
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    if (rows) *rows = std::move(result).value();
  }

  std::string dir_;
  std::string pg_;
  std::vector<std::string> args_;
};

TEST_P(KeyFilesTest, AFreshDirectoryStartsAndMakesItsKeys) {  // C4.1
  ServeRun server(args_);
  ASSERT_TRUE(server.listening()) << server.err();
  EXPECT_EQ(server.Finish(), 0) << server.err();
  EXPECT_TRUE(fs::exists(keys() / "blind.key"));
  EXPECT_TRUE(fs::exists(keys() / "master-1.key"));
  if (GetParam() == store::Backend::kSqlite) {
    EXPECT_TRUE(fs::exists(fs::path(dir_) / "keys.db"));
  }
  // And starts again on them.
  ServeRun again(args_);
  EXPECT_TRUE(again.listening()) << again.err();
  EXPECT_EQ(again.Finish(), 0);
}

TEST_P(KeyFilesTest, AMissingBlindKeyIsNotRecreated) {  // C4.1, PIPL 51; issue 15 defect 5
  ASSERT_NO_FATAL_FAILURE(Populate());
  const std::string saved = Read(keys() / "blind.key");
  fs::remove(keys() / "blind.key");
  ASSERT_NO_FATAL_FAILURE(ExpectServeRefuses("blind.key"));
  EXPECT_FALSE(fs::exists(keys() / "blind.key")) << "a new blind.key was made";
  // Every command that opens keys refuses the same way.
  for (const auto& cmd : std::vector<std::vector<std::string>>{
           {"keys", "status"}, {"keys", "rotate"}, {"outbox"}, {"import-log", "-"}}) {
    CommandResult r = RunYzcloud(Command(cmd));
    EXPECT_NE(r.exit_code, 0) << cmd[0];
    EXPECT_NE(r.err.find("blind.key"), std::string::npos) << cmd[0] << ": " << r.err;
  }
  EXPECT_FALSE(fs::exists(keys() / "blind.key"));
  EXPECT_TRUE(fs::exists(keys() / "master-1.key")) << "keys rotate ran without blind.key";
  // Restored, the data was untouched: the owner logs in, and the login stays taken.
  {
    std::ofstream out(keys() / "blind.key", std::ios::binary);
    out << saved;
  }
  fs::permissions(keys() / "blind.key", fs::perms::owner_read | fs::perms::owner_write);
  ASSERT_NO_FATAL_FAILURE(ExpectServeWorks());
}

TEST_P(KeyFilesTest, DataFromBeforeFingerprintsIsGuardedToo) {  // C4.1; issue 15 defect 5
  // A directory written by an older yzcloud holds data but no fingerprints: its
  // keys must exist all the same, and are recorded at the next start.
  ASSERT_NO_FATAL_FAILURE(Populate());
  const std::string forget = "DELETE FROM settings WHERE key LIKE 'key_fingerprint:%'";
  ASSERT_NO_FATAL_FAILURE(Sql(forget));
  const std::string saved = Read(keys() / "blind.key");
  fs::remove(keys() / "blind.key");
  ASSERT_NO_FATAL_FAILURE(ExpectServeRefuses("blind.key"));
  EXPECT_FALSE(fs::exists(keys() / "blind.key"));
  {
    std::ofstream out(keys() / "blind.key", std::ios::binary);
    out << saved;
  }
  fs::permissions(keys() / "blind.key", fs::perms::owner_read | fs::perms::owner_write);
  ASSERT_NO_FATAL_FAILURE(ExpectServeWorks());
  store::Rows recorded;
  ASSERT_NO_FATAL_FAILURE(
      Sql("SELECT key FROM settings WHERE key LIKE 'key_fingerprint:%' ORDER BY key", &recorded));
  ASSERT_EQ(recorded.size(), 3u);
  EXPECT_EQ(recorded[0].Text(0), "key_fingerprint:blind.key");
  EXPECT_EQ(recorded[1].Text(0), "key_fingerprint:keystore");
  EXPECT_EQ(recorded[2].Text(0), "key_fingerprint:master-1.key");
}

TEST_P(KeyFilesTest, AnotherBlindKeyIsRefused) {  // C4.1; issue 15 defect 5
  ASSERT_NO_FATAL_FAILURE(Populate());
  fs::remove(keys() / "blind.key");
  // A valid key file, but not the one the logins were indexed under.
  ASSERT_EQ(RunYzcloud({"keys", "status", "--data-dir", dir_ + "/other"}).exit_code, 0);
  fs::copy_file(fs::path(dir_) / "other/keys/blind.key", keys() / "blind.key");
  ASSERT_NO_FATAL_FAILURE(ExpectServeRefuses("blind.key"));
  CommandResult r = RunYzcloud(Command({"keys", "status"}));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("blind.key is not the one"), std::string::npos) << r.err;
}

TEST_P(KeyFilesTest, AMissingMasterKeyIsRefused) {  // C4.1; issue 15 defect 5
  ASSERT_NO_FATAL_FAILURE(Populate());
  const std::string saved = Read(keys() / "master-1.key");
  fs::remove(keys() / "master-1.key");
  ASSERT_NO_FATAL_FAILURE(ExpectServeRefuses("master-1.key"));
  EXPECT_FALSE(fs::exists(keys() / "master-1.key"));
  {
    std::ofstream out(keys() / "master-1.key", std::ios::binary);
    out << saved;
  }
  fs::permissions(keys() / "master-1.key", fs::perms::owner_read | fs::perms::owner_write);
  ASSERT_NO_FATAL_FAILURE(ExpectServeWorks());
}

TEST_P(KeyFilesTest, AMissingKeystoreIsNotRecreated) {  // C4.1, PIPL 51; issue 15 defect 5
  ASSERT_NO_FATAL_FAILURE(Populate());
  if (GetParam() == store::Backend::kSqlite) {
    const fs::path keystore = fs::path(dir_) / "keys.db";
    fs::rename(keystore, fs::path(dir_) / "keys.db.bak");
    ASSERT_NO_FATAL_FAILURE(ExpectServeRefuses("keys.db"));
    EXPECT_FALSE(fs::exists(keystore)) << "a new, empty keystore was made";
    CommandResult r = RunYzcloud(Command({"outbox"}));
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find("keys.db is missing"), std::string::npos) << r.err;
    fs::rename(fs::path(dir_) / "keys.db.bak", keystore);
  } else {
    // The keystore schema of the same database, saved aside and put back.
    auto db = store::Open(pg_, 1);
    ASSERT_TRUE(db.ok());
    auto conn = (*db)->Acquire();
    ASSERT_TRUE(conn.ok());
    ASSERT_TRUE((*conn)->ExecScript("ALTER SCHEMA yz_keys RENAME TO yz_keys_saved").ok());
    ASSERT_NO_FATAL_FAILURE(ExpectServeRefuses("yz_keys"));
    auto schema = (*conn)->Query("SELECT 1 FROM pg_namespace WHERE nspname = 'yz_keys'");
    ASSERT_TRUE(schema.ok());
    EXPECT_TRUE(schema->empty()) << "a new, empty keystore schema was made";
    ASSERT_TRUE((*conn)->ExecScript("ALTER SCHEMA yz_keys_saved RENAME TO yz_keys").ok());
  }
  ASSERT_NO_FATAL_FAILURE(ExpectServeWorks());
}

TEST_P(KeyFilesTest, AnotherKeystoreIsRefused) {  // C4.1; issue 15 defect 5
  ASSERT_NO_FATAL_FAILURE(Populate());
  if (GetParam() == store::Backend::kPostgres) {
    // The schema of one database can hold one keystore: give it another's identity.
    auto db = store::Open(pg_, 1);
    ASSERT_TRUE(db.ok());
    auto conn = (*db)->Acquire();
    ASSERT_TRUE(conn.ok());
    ASSERT_TRUE((*conn)->ExecScript("UPDATE yz_keys.keystore_info SET value = 'another'").ok());
    ASSERT_NO_FATAL_FAILURE(
        ExpectServeRefuses("yz_keys of the PostgreSQL database is not the one"));
    return;
  }
  // Another installation's keystore, with the master key that opens it.
  ASSERT_EQ(RunYzcloud({"keys", "status", "--data-dir", dir_ + "/other"}).exit_code, 0);
  fs::copy_file(fs::path(dir_) / "other/keys.db", fs::path(dir_) / "keys.db",
                fs::copy_options::overwrite_existing);
  fs::copy_file(fs::path(dir_) / "other/keys/master-1.key", keys() / "master-1.key",
                fs::copy_options::overwrite_existing);
  ASSERT_NO_FATAL_FAILURE(ExpectServeRefuses("keys.db is not the one"));
}

TEST_P(KeyFilesTest, RotatedKeysStartAndTheRetiredMasterIsNotNeeded) {  // C2.4; defect 5
  ASSERT_NO_FATAL_FAILURE(Populate());
  CommandResult rotate = RunYzcloud(Command({"keys", "rotate"}));
  ASSERT_EQ(rotate.exit_code, 0) << rotate.err;
  EXPECT_FALSE(fs::exists(keys() / "master-1.key"));
  ASSERT_NO_FATAL_FAILURE(ExpectServeWorks());
  // The new master is required like the first one was.
  const std::string saved = Read(keys() / "master-2.key");
  fs::remove(keys() / "master-2.key");
  ASSERT_NO_FATAL_FAILURE(ExpectServeRefuses("master-2.key"));
}

TEST_P(KeyFilesTest, KeysMayLiveInAnotherDirectory) {  // C4.1; issue 15 defect 5
  // Nodes mount a shared key volume: --key-dir on every command that opens keys.
  const std::string shared = dir_ + "-keys";
  args_.insert(args_.end(), {"--key-dir", shared});
  ASSERT_NO_FATAL_FAILURE(Populate());
  EXPECT_TRUE(fs::exists(fs::path(shared) / "blind.key"));
  EXPECT_FALSE(fs::exists(keys()));
  for (const auto& cmd : std::vector<std::vector<std::string>>{{"keys", "status"}, {"outbox"}}) {
    CommandResult r = RunYzcloud(Command(cmd));
    EXPECT_EQ(r.exit_code, 0) << cmd[0] << ": " << r.err;
  }
  ASSERT_NO_FATAL_FAILURE(ExpectServeWorks());
  // Without the flag the keys are looked for, and not made, in DATA_DIR/keys.
  args_.resize(args_.size() - 2);
  ASSERT_NO_FATAL_FAILURE(ExpectServeRefuses(dir_ + "/keys/"));
  EXPECT_FALSE(fs::exists(keys() / "blind.key"));
  fs::remove_all(shared);
}

INSTANTIATE_TEST_SUITE_P(Backends, KeyFilesTest,
                         ::testing::Values(store::Backend::kSqlite, store::Backend::kPostgres),
                         [](const auto& info) {
                           return info.param == store::Backend::kSqlite ? "Sqlite" : "Postgres";
                         });

}  // namespace
}  // namespace yz::testing
