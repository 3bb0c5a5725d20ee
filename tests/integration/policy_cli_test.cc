// `yzcloud policy check`: the shipped inventory validates; a broken one is refused
// with every problem named by file, line and key, and a non-zero exit.
// `yzcloud policy publish` / `versions`: publishing notice versions from the CLI.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "server_process.h"

namespace yz::testing {
namespace {

TEST(PolicyCheckTest, ShippedInventoryPasses) {
  auto r = RunYzcloud({"policy", "check", std::string(YZ_SOURCE_DIR) + "/policy/inventory.toml"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(": ok, "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("sha256 "), std::string::npos);
}

TEST(PolicyCheckTest, BrokenInventoryNamesFileLineAndKey) {
  // C2.4: an inventory that would let statistics see raw values is refused.
  std::string path = std::filesystem::temp_directory_path() / "yz-bad-inventory.toml";
  std::ifstream in(std::string(YZ_SOURCE_DIR) + "/policy/inventory.toml");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  text +=
      "\n[[field]]\nid = \"test.undeclared_purpose\"\nrequirement = \"C2.1\"\n"
      "category = \"log\"\ndescription_zh = \"测试\"\ndescription_en = \"test\"\n"
      "purposes = [\"gossip\"]\nprotection = \"encrypt\"\nretention = \"7d\"\n"
      "sensitive = false\nconsent_purposes = []\nrecipients = []\n";
  std::ofstream(path) << text;
  auto r = RunYzcloud({"policy", "check", path});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(path + ":"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("purposes"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("gossip"), std::string::npos) << r.err;
  std::filesystem::remove(path);
}

TEST(PolicyCheckTest, MissingFileIsAClearError) {
  auto r = RunYzcloud({"policy", "check", "/nonexistent/inventory.toml"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("/nonexistent/inventory.toml"), std::string::npos) << r.err;
}

// A temp data directory for the CLI's SQLite store, removed afterwards.
class PolicyPublishTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (std::filesystem::temp_directory_path() / "yz-publish-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  CommandResult Policy(const std::string& command, const std::string& file = "") {
    std::vector<std::string> args = {"policy", command};
    if (!file.empty()) args.push_back(file);
    args.insert(args.end(), {"--data-dir", dir_});
    return RunYzcloud(args);
  }
  std::string dir_;
};

// C6.1: with no FILE the embedded inventory is published; the same texts again are
// refused with the version they match and a distinct exit code.
TEST_F(PolicyPublishTest, PublishesTheEmbeddedNoticeOnceThenRefusesNoChange) {
  auto first = Policy("publish");
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.out.find("published version 1 (sha256 "), std::string::npos) << first.out;
  auto again = Policy("publish");
  EXPECT_EQ(again.exit_code, 3);
  EXPECT_NE(again.err.find("nothing changed since version 1"), std::string::npos) << again.err;
  auto list = Policy("versions");
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_EQ(list.out.rfind("1  ", 0), 0u) << list.out;
  EXPECT_NE(list.out.find("policy/inventory.toml (embedded)"), std::string::npos) << list.out;
}

// C2.4: publish refuses what `policy check` refuses, with file, line and key, and
// publishes nothing.
TEST_F(PolicyPublishTest, BrokenInventoryIsRefusedWithFileLineAndKey) {
  std::string path = dir_ + "/bad.toml";
  std::ifstream in(std::string(YZ_SOURCE_DIR) + "/policy/inventory.toml");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto at = text.find("retention = \"7d\"");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 16, "retention = \"a week\"");
  std::ofstream(path) << text;
  EXPECT_EQ(RunYzcloud({"policy", "check", path}).exit_code, 1);
  auto r = Policy("publish", path);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find(path + ":"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("retention"), std::string::npos) << r.err;
  auto list = Policy("versions");
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find("no version published yet"), std::string::npos) << list.out;
}

}  // namespace
}  // namespace yz::testing
