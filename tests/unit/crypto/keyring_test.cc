// Master key file and Keystore. The Keystore cases run on both backends: SQLite in
// a temp file and the PostgreSQL named by YZCLOUD_TEST_PG (scripts/with-postgres).
#include "crypto/keyring.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <ostream>
#include <thread>
#include <vector>

#include "../test_util.h"
#include "crypto/aead.h"
#include "crypto/key_directory.h"

namespace yz::store {
void PrintTo(Backend b, std::ostream* os) {
  *os << (b == Backend::kSqlite ? "Sqlite" : "Postgres");
}
}  // namespace yz::store

namespace yz::crypto {
namespace {

namespace fs = std::filesystem;

std::string MakeTempDir() {
  std::string tmpl = ::testing::TempDir() + "yz_crypto_XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) return {};
  return tmpl;
}

mode_t ModeOf(const fs::path& p) {
  struct stat st {};
  stat(p.c_str(), &st);
  return st.st_mode & 07777;
}

void WriteFile(const fs::path& p, std::size_t n, mode_t mode) {
  std::ofstream(p, std::ios::binary) << std::string(n, 'k');
  chmod(p.c_str(), mode);
}

class MasterKeyFileTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_FALSE((dir_ = MakeTempDir()).empty()); }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(MasterKeyFileTest, FirstRunCreatesAPrivateKeyFileEvenUnderALaxUmask) {  // C2.4
  const mode_t old_umask = umask(0);
  auto created = LoadOrCreateKeyFile(dir_ / "master.key");
  umask(old_umask);
  ASSERT_OK(created.status());
  EXPECT_EQ(ModeOf(dir_ / "master.key"), 0600u);
  EXPECT_EQ(fs::file_size(dir_ / "master.key"), SecretKey::kSize);
  ASSERT_OK_AND_ASSIGN(SecretKey again, LoadOrCreateKeyFile(dir_ / "master.key"));
  EXPECT_TRUE(again.Equals(*created));
  // No temporary file is left behind.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1);
}

TEST_F(MasterKeyFileTest, GroupReadableKeyFileIsRefused) {  // C2.4
  WriteFile(dir_ / "master.key", SecretKey::kSize, 0640);
  auto r = LoadOrCreateKeyFile(dir_ / "master.key");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kPermissionDenied);
  EXPECT_NE(r.status().message().find((dir_ / "master.key").string()), std::string::npos);
  EXPECT_NE(r.status().message().find("0640"), std::string::npos) << r.status().message();
}

TEST_F(MasterKeyFileTest, WorldWritableKeyFileIsRefused) {
  WriteFile(dir_ / "master.key", SecretKey::kSize, 0602);
  EXPECT_EQ(LoadOrCreateKeyFile(dir_ / "master.key").status().code(), Code::kPermissionDenied);
}

TEST_F(MasterKeyFileTest, KeyFileOfTheWrongSizeIsRefused) {
  WriteFile(dir_ / "master.key", 31, 0600);
  auto r = LoadOrCreateKeyFile(dir_ / "master.key");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kFailedPrecondition);
  WriteFile(dir_ / "master.key", 0, 0600);
  EXPECT_FALSE(LoadOrCreateKeyFile(dir_ / "master.key").ok());
  // A refused file is left as it was, never overwritten.
  EXPECT_EQ(fs::file_size(dir_ / "master.key"), 0u);
}

TEST_F(MasterKeyFileTest, ConcurrentFirstRunsAgreeOnOneKey) {
  std::vector<std::optional<SecretKey>> keys(4);
  std::vector<std::thread> threads;
  for (auto& slot : keys) {
    threads.emplace_back([&] {
      auto k = LoadOrCreateKeyFile(dir_ / "master.key");
      if (k.ok()) slot.emplace(std::move(k).value());
    });
  }
  for (auto& t : threads) t.join();
  for (auto& k : keys) {
    ASSERT_TRUE(k.has_value());
    EXPECT_TRUE(k->Equals(*keys[0]));
  }
}

class KeystoreTest : public ::testing::TestWithParam<store::Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == store::Backend::kSqlite) {
      ASSERT_FALSE((dir_ = MakeTempDir()).empty());
      url_ = "sqlite:" + dir_ + "/keys.db";
    } else {
      const char* pg = std::getenv("YZCLOUD_TEST_PG");
      ASSERT_NE(pg, nullptr) << "YZCLOUD_TEST_PG is not set: run under scripts/with-postgres";
      url_ = pg;
    }
    ASSERT_OK_AND_ASSIGN(db_, store::Open(url_, 8));
    if (GetParam() == store::Backend::kPostgres) {
      ASSERT_OK_AND_ASSIGN(auto conn, db_->Acquire());
      ASSERT_OK(
          conn->ExecScript("DROP TABLE IF EXISTS data_keys; DROP TABLE IF EXISTS master_keys; "
                           "DROP TABLE IF EXISTS keystore_info"));
    }
    ASSERT_NO_FATAL_FAILURE(OpenKeystore(master_.Clone(), 1));
  }
  void TearDown() override {
    ks_.reset();
    db_.reset();
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  void OpenKeystore(SecretKey master, int version) {
    ks_.reset();
    ASSERT_OK_AND_ASSIGN(ks_, Keystore::Open(*db_, std::move(master), version));
  }
  void Reopen() {
    ks_.reset();
    db_.reset();
    ASSERT_OK_AND_ASSIGN(db_, store::Open(url_, 8));
    ASSERT_NO_FATAL_FAILURE(OpenKeystore(master_.Clone(), 1));
  }

  std::string dir_, url_;
  SecretKey master_ = SecretKey::Random();
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<Keystore> ks_;
};

TEST_P(KeystoreTest, DataKeyIsStableAcrossCallsAndReopening) {  // C2.4
  ASSERT_OK_AND_ASSIGN(SecretKey a, ks_->DataKey("acct-1"));
  ASSERT_OK_AND_ASSIGN(SecretKey b, ks_->DataKey("acct-1"));
  EXPECT_TRUE(a.Equals(b));
  ASSERT_OK_AND_ASSIGN(SecretKey other, ks_->DataKey("acct-2"));
  EXPECT_FALSE(a.Equals(other));
  ASSERT_NO_FATAL_FAILURE(Reopen());
  ASSERT_OK_AND_ASSIGN(SecretKey c, ks_->DataKey("acct-1"));
  EXPECT_TRUE(a.Equals(c));
}

TEST_P(KeystoreTest, WrongMasterKeyForARecordedVersionIsRefused) {
  ASSERT_OK(ks_->DataKey("acct-1").status());
  ks_.reset();
  auto r = Keystore::Open(*db_, SecretKey::Random(), 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kPermissionDenied);
}

TEST_P(KeystoreTest, EraseShredsTheSubjectsData) {  // PIPL Art. 47
  ASSERT_OK_AND_ASSIGN(SecretKey key, ks_->DataKey("acct-1"));
  const Binding where{"accounts", "phone", "acct-1"};
  ASSERT_OK_AND_ASSIGN(auto sealed, Seal(key, "13800138000", where));
  ASSERT_OK_AND_ASSIGN(SecretKey kept, ks_->DataKey("acct-2"));

  ASSERT_OK(ks_->Erase("acct-1"));
  ASSERT_OK_AND_ASSIGN(SecretKey fresh, ks_->DataKey("acct-1"));
  EXPECT_FALSE(fresh.Equals(key));
  EXPECT_EQ(Open(fresh, sealed, where).status().code(), Code::kPermissionDenied);
  // Also after a restart (nothing cached anywhere), and other subjects are untouched.
  ASSERT_NO_FATAL_FAILURE(Reopen());
  ASSERT_OK_AND_ASSIGN(SecretKey reread, ks_->DataKey("acct-1"));
  EXPECT_FALSE(Open(reread, sealed, where).ok());
  ASSERT_OK_AND_ASSIGN(SecretKey kept_again, ks_->DataKey("acct-2"));
  EXPECT_TRUE(kept.Equals(kept_again));
  ASSERT_OK(ks_->Erase("never-existed"));
}

TEST_P(KeystoreTest, RotateKeepsEveryDataKeyUsable) {  // C2.4
  std::vector<SecretKey> before;
  for (int i = 0; i < 600; ++i) {  // more than two batches
    ASSERT_OK_AND_ASSIGN(SecretKey k, ks_->DataKey("s" + std::to_string(i)));
    before.push_back(std::move(k));
  }
  SecretKey new_master = SecretKey::Random();
  ASSERT_OK_AND_ASSIGN(std::int64_t rewrapped, ks_->Rotate(new_master, 2));
  EXPECT_EQ(rewrapped, 600);
  EXPECT_EQ(ks_->master_version(), 2);

  // A fresh process with only the new master reads every key.
  ks_.reset();
  ASSERT_OK_AND_ASSIGN(ks_, Keystore::Open(*db_, new_master.Clone(), 2));
  for (int i = 0; i < 600; ++i) {
    ASSERT_OK_AND_ASSIGN(SecretKey k, ks_->DataKey("s" + std::to_string(i)));
    ASSERT_TRUE(k.Equals(before[i])) << i;
  }
  // The old master is retired.
  ks_.reset();
  EXPECT_EQ(Keystore::Open(*db_, master_.Clone(), 1).status().code(), Code::kFailedPrecondition);
}

TEST_P(KeystoreTest, DataKeyCallsDuringRotateSucceed) {  // C2.4
  constexpr int kSubjects = 400;
  std::vector<SecretKey> before;
  for (int i = 0; i < kSubjects; ++i) {
    ASSERT_OK_AND_ASSIGN(SecretKey k, ks_->DataKey("s" + std::to_string(i)));
    before.push_back(std::move(k));
  }
  // A keystore with no cache so every call reads and unwraps from the database.
  ks_.reset();
  ASSERT_OK_AND_ASSIGN(ks_, Keystore::Open(*db_, master_.Clone(), 1, /*cache_size=*/0));

  std::atomic<bool> done{false};
  std::atomic<int> failures{0}, calls{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&, t] {
      // Subjects from kSubjects on are created while the rotation runs.
      for (int i = t; !done.load(); i = (i + 7) % (kSubjects + 50)) {
        auto k = ks_->DataKey("s" + std::to_string(i));
        if (!k.ok() || (i < kSubjects && !k->Equals(before[i]))) ++failures;
        ++calls;
      }
    });
  }
  while (calls.load() < 30) std::this_thread::yield();  // readers are running
  SecretKey new_master = SecretKey::Random();
  const int calls_before = calls.load();
  Status rotated = ks_->Rotate(new_master, 2).status();
  const int calls_during = calls.load() - calls_before;
  done = true;
  for (auto& t : readers) t.join();
  ASSERT_OK(rotated);
  EXPECT_EQ(failures.load(), 0) << "of " << calls.load() << " calls";
  RecordProperty("data_key_calls_during_rotate", calls_during);

  ks_.reset();
  ASSERT_OK_AND_ASSIGN(ks_, Keystore::Open(*db_, new_master.Clone(), 2));
  for (int i = 0; i < kSubjects + 50; ++i) {
    auto k = ks_->DataKey("s" + std::to_string(i));
    ASSERT_OK(k.status());
    if (i < kSubjects) {
      EXPECT_TRUE(k->Equals(before[i])) << i;
    }
  }
}

TEST_P(KeystoreTest, AnotherProcessRotatesWhileThisOneServes) {  // C2.4
  // Two keystores on one database and one key directory stand for the server and
  // `yzcloud keys rotate`: neither shares memory with the other.
  ks_.reset();
  {
    ASSERT_OK_AND_ASSIGN(auto conn, db_->Acquire());
    ASSERT_OK(conn->ExecScript("DROP TABLE data_keys; DROP TABLE master_keys"));
  }
  const std::string keydir = (dir_.empty() ? MakeTempDir() : dir_) + "/keys";
  ASSERT_OK_AND_ASSIGN(KeyDirectory dir, KeyDirectory::Open(keydir));
  EXPECT_EQ(ModeOf(keydir), 0700u);
  ASSERT_OK_AND_ASSIGN(auto server, Keystore::Open(*db_, dir.Loader(), /*cache_size=*/0));
  EXPECT_EQ(ModeOf(dir.MasterPath(1)), 0600u);
  constexpr int kSubjects = 300;
  std::vector<SecretKey> before;
  for (int i = 0; i < kSubjects; ++i) {
    ASSERT_OK_AND_ASSIGN(SecretKey k, server->DataKey("s" + std::to_string(i)));
    before.push_back(std::move(k));
  }
  std::atomic<bool> done{false};
  std::atomic<int> failures{0}, created{0};
  std::vector<std::thread> traffic;
  std::mutex new_mu;
  std::map<std::string, SecretKey> made_during;
  for (int t = 0; t < 3; ++t) {
    traffic.emplace_back([&, t] {
      for (int i = t, n = 0; !done.load(); i = (i + 7) % kSubjects, ++n) {
        auto k = server->DataKey("s" + std::to_string(i));
        if (!k.ok() || !k->Equals(before[i])) ++failures;
        if (n % 5 == 0) {  // and new subjects, whose keys are wrapped under whichever is current
          const std::string subject = "new-" + std::to_string(t) + "-" + std::to_string(n);
          auto fresh = server->DataKey(subject);
          if (!fresh.ok()) {
            ++failures;
            continue;
          }
          std::lock_guard lock(new_mu);
          made_during.emplace(subject, std::move(*fresh));
          ++created;
        }
      }
    });
  }
  for (int version = 2; version <= 3; ++version) {
    ASSERT_OK_AND_ASSIGN(auto rotator, Keystore::Open(*db_, dir.Loader()));
    ASSERT_OK_AND_ASSIGN(SecretKey next, dir.Master(version, /*create=*/true));
    ASSERT_OK(rotator->Rotate(next, version).status());
    ASSERT_OK(dir.RemoveMastersBelow(version));
  }
  while (created.load() < 20) std::this_thread::yield();  // some keys were made after
  done = true;
  for (auto& t : traffic) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_FALSE(fs::exists(dir.MasterPath(1)));
  EXPECT_FALSE(fs::exists(dir.MasterPath(2)));

  // A fresh process holding only master 3 opens every key, old and new.
  server.reset();
  ASSERT_OK_AND_ASSIGN(auto fresh, Keystore::Open(*db_, dir.Loader()));
  EXPECT_EQ(fresh->master_version(), 3);
  for (int i = 0; i < kSubjects; ++i) {
    ASSERT_OK_AND_ASSIGN(SecretKey k, fresh->DataKey("s" + std::to_string(i)));
    EXPECT_TRUE(k.Equals(before[i])) << i;
  }
  for (const auto& [subject, key] : made_during) {
    ASSERT_OK_AND_ASSIGN(SecretKey k, fresh->DataKey(subject));
    EXPECT_TRUE(k.Equals(key)) << subject;
  }
  ASSERT_OK_AND_ASSIGN(auto counts, fresh->KeysByVersion());
  ASSERT_EQ(counts.size(), 1u);
  EXPECT_EQ(counts.begin()->first, 3);
  if (dir_.empty()) fs::remove_all(fs::path(keydir).parent_path());
}

TEST(KeyDirectoryTest, AMissingMasterIsNotFoundAndNotCreated) {  // C2.4
  const std::string root = MakeTempDir();
  ASSERT_OK_AND_ASSIGN(KeyDirectory dir, KeyDirectory::Open(root + "/k"));
  EXPECT_EQ(dir.Master(2, /*create=*/false).status().code(), Code::kNotFound);
  EXPECT_FALSE(fs::exists(dir.MasterPath(2)));
  ASSERT_OK_AND_ASSIGN(SecretKey blind, dir.BlindRoot());
  ASSERT_OK_AND_ASSIGN(SecretKey again, dir.BlindRoot());
  EXPECT_TRUE(blind.Equals(again));
  chmod((root + "/k/blind.key").c_str(), 0640);
  EXPECT_EQ(dir.BlindRoot().status().code(), Code::kPermissionDenied);
  fs::remove_all(root);
}

TEST(KeyDirectoryTest, ABlindKeyAskedForWithoutCreateIsNotMade) {  // C4.1; issue 15 defect 5
  const std::string root = MakeTempDir();
  ASSERT_OK_AND_ASSIGN(KeyDirectory dir, KeyDirectory::Open(root + "/k"));
  EXPECT_EQ(dir.Blind(/*create=*/false).status().code(), Code::kNotFound);
  EXPECT_FALSE(fs::exists(dir.BlindPath()));
  ASSERT_OK_AND_ASSIGN(SecretKey made, dir.Blind(/*create=*/true));
  ASSERT_OK_AND_ASSIGN(SecretKey read, dir.Blind(/*create=*/false));
  EXPECT_TRUE(made.Equals(read));
  fs::remove_all(root);
}

TEST(KeyDirectoryTest, MissingParentsAreMadePrivateWhateverTheUmask) {  // C4.1; defect 8
  const std::string root = MakeTempDir();
  const mode_t old = ::umask(022);
  auto dir = KeyDirectory::Open(root + "/data/more/keys");
  ::umask(old);
  ASSERT_OK(dir.status());
  for (const char* sub : {"/data", "/data/more", "/data/more/keys"}) {
    EXPECT_EQ(ModeOf(root + sub), 0700u) << sub;
  }
  fs::remove_all(root);
}

TEST(KeyFingerprintTest, TellsKeysApartWithoutRevealingThem) {  // C4.1; issue 15 defect 5
  const SecretKey a = SecretKey::Random();
  const SecretKey b = SecretKey::Random();
  EXPECT_EQ(KeyFingerprint(a), KeyFingerprint(a.Clone()));
  EXPECT_NE(KeyFingerprint(a), KeyFingerprint(b));
  EXPECT_EQ(KeyFingerprint(a).size(), 32u);
  std::string hex;
  for (std::uint8_t byte : a.bytes()) {
    hex += "0123456789abcdef"[byte >> 4];
    hex += "0123456789abcdef"[byte & 15];
  }
  EXPECT_EQ(hex.find(KeyFingerprint(a)), std::string::npos);
}

TEST_P(KeystoreTest, KeepsItsIdAndTellsItsMasterFromAnother) {  // C4.1; issue 15 defect 5
  const std::string id = ks_->id();
  EXPECT_EQ(id.size(), 32u);
  ASSERT_NO_FATAL_FAILURE(Reopen());
  EXPECT_EQ(ks_->id(), id);
  ASSERT_OK_AND_ASSIGN(std::vector<int> versions, ks_->MasterVersions());
  EXPECT_EQ(versions, std::vector<int>{1});
  EXPECT_TRUE(ks_->CheckMaster(1, master_).ok());
  EXPECT_EQ(ks_->CheckMaster(1, SecretKey::Random()).code(), Code::kPermissionDenied);
  EXPECT_EQ(ks_->CheckMaster(2, master_).code(), Code::kNotFound);
}

TEST_P(KeystoreTest, EmptyOrOverlongSubjectIsRefused) {
  EXPECT_EQ(ks_->DataKey("").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ks_->DataKey(std::string(257, 'x')).status().code(), Code::kInvalidArgument);
}

INSTANTIATE_TEST_SUITE_P(Backends, KeystoreTest,
                         ::testing::Values(store::Backend::kSqlite, store::Backend::kPostgres),
                         [](const auto& info) {
                           return info.param == store::Backend::kSqlite ? "Sqlite" : "Postgres";
                         });

}  // namespace
}  // namespace yz::crypto
