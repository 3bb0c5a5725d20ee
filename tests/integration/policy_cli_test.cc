// `yzcloud policy check`: the shipped inventory validates; a broken one is refused
// with every problem named by file, line and key, and a non-zero exit.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

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
  text += "\n[[field]]\nid = \"test.undeclared_purpose\"\nrequirement = \"C2.1\"\n"
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

}  // namespace
}  // namespace yz::testing
