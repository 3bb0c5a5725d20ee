// Files nobody else may read (issue 15, defect 8; C4.1, PIPL 51): whatever the umask
// yzcloud is started with, every folder it creates in its data directory is 0700
// and every file 0600 (databases and their -wal/-shm, keys, keystore, outbox), and
// a data directory that already existed open to others gets a warning naming it.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <map>
#include <string>

#include "http_client.h"
#include "key_accounts.h"
#include "serve_run.h"

namespace yz::testing {
namespace {

namespace fs = std::filesystem;

// path -> mode (permission bits) of `root` and everything under it.
std::map<std::string, unsigned> Modes(const fs::path& root) {
  std::map<std::string, unsigned> modes;
  auto add = [&modes](const fs::path& p) {
    struct stat st {};
    if (::lstat(p.c_str(), &st) == 0) modes[p.string()] = st.st_mode & 07777;
  };
  add(root);
  for (const auto& e : fs::recursive_directory_iterator(root)) add(e.path());
  return modes;
}

void ExpectPrivate(const fs::path& root) {
  for (const auto& [path, mode] : Modes(root)) {
    const unsigned want = fs::is_directory(path) ? 0700 : 0600;
    EXPECT_EQ(mode, want) << path << " has mode " << std::oct << mode;
  }
}

class FileModesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "yz_modes_XXXXXX";
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    root_ = tmpl;
  }
  void TearDown() override { fs::remove_all(root_); }
  std::string root_;
};

TEST_F(FileModesTest, EverythingCreatedIsPrivateUnderUmask022) {  // C4.1; issue 15 defect 8
  // Not made beforehand: serve creates the data directory, and its parent too.
  const fs::path data = fs::path(root_) / "srv" / "data";
  ServeRun server({"--data-dir", data.string()}, "022");
  ASSERT_TRUE(server.listening()) << server.err();
  // An account (outbox file, sealed values) and a collected event (access log, events).
  ASSERT_TRUE(SignUpVerified(server.port(), data.string(), "modes@example.cn"));
  auto ev = Fetch(server.port(), "POST", "/api/event",
                  R"({"n":"pageview","u":"https://a.example/x","d":"a.example","r":null})",
                  {{"Content-Type", "text/plain"}, {"User-Agent", "Mozilla/5.0 Firefox/120.0"}});
  ASSERT_TRUE(ev.has_value());
  EXPECT_EQ(ev->status, 202);
  // While it runs, the -wal and -shm files exist: they must be private too.
  const auto running = Modes(data);
  for (const char* file :
       {"yzcloud.db", "yzcloud.db-wal", "yzcloud.db-shm", "keys.db", "keys.db-wal", "outbox.jsonl",
        "keys", "keys/blind.key", "keys/master-1.key"}) {
    EXPECT_TRUE(running.contains((data / file).string())) << file << " was not created";
  }
  ExpectPrivate(fs::path(root_) / "srv");
  EXPECT_EQ(server.Finish(), 0) << server.err();
  ExpectPrivate(fs::path(root_) / "srv");
  EXPECT_EQ(server.err().find("group or others"), std::string::npos) << server.err();
}

TEST_F(FileModesTest, AnOpenDataDirectoryIsNamedInAWarning) {  // C4.1; issue 15 defect 8
  const fs::path data = fs::path(root_) / "data";
  fs::create_directory(data);
  ASSERT_EQ(::chmod(data.c_str(), 0755), 0);
  ServeRun server({"--data-dir", data.string()}, "022");
  ASSERT_TRUE(server.listening()) << server.err();  // a warning, not a refusal
  EXPECT_EQ(server.Finish(), 0);
  EXPECT_NE(server.err().find(data.string() + " has mode 0755"), std::string::npos) << server.err();
  EXPECT_NE(server.err().find("chmod 700"), std::string::npos) << server.err();
  // What it made inside is private all the same.
  for (const auto& [path, mode] : Modes(data)) {
    if (path != data.string()) {
      EXPECT_EQ(mode & 077, 0u) << path;
    }
  }
}

}  // namespace
}  // namespace yz::testing
