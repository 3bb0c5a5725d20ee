#include "core/config.h"

#include <gtest/gtest.h>

namespace yz {
namespace {

TEST(ConfigTest, TomlThenEnvThenFlagsOverride) {
  Config c;
  ASSERT_TRUE(
      ApplyToml(c, "port = 9000\nthreads = 3\ndata_dir = \"/srv/yz\"\n", "yzcloud.toml").ok());
  EXPECT_EQ(c.port, 9000);
  ASSERT_TRUE(
      ApplyEnv(c, {{"YZ_PORT", "9100"}, {"YZ_TRUSTED_PROXIES", "10.0.0.0/8, 192.168.1.1"}}).ok());
  EXPECT_EQ(c.port, 9100);
  ASSERT_EQ(c.trusted_proxies.size(), 2u);
  EXPECT_EQ(c.trusted_proxies[1], "192.168.1.1");
  ASSERT_TRUE(ApplyValue(c, "port", "9200", "flag --port").ok());
  EXPECT_EQ(c.port, 9200);
  EXPECT_EQ(c.threads, 3);
  EXPECT_EQ(c.DatabaseUrl(), "/srv/yz/yzcloud.db");
}

TEST(ConfigTest, UnknownTomlKeyNamesFileLineAndKey) {
  Config c;
  Status s = ApplyToml(c, "port = 1\n\nprot = 2\n", "yzcloud.toml");
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.message(), "yzcloud.toml:3: prot: unknown key");
}

TEST(ConfigTest, BadValuesNameTheKey) {
  Config c;
  EXPECT_EQ(ApplyToml(c, "port = 70000\n", "f.toml").message(),
            "f.toml:1: port: must be 0..65535, got 70000");
  EXPECT_EQ(ApplyToml(c, "port = \"80\"\n", "f.toml").message(),
            "f.toml:1: port: must be an integer");
  EXPECT_EQ(ApplyEnv(c, {{"YZ_THREADS", "two"}}).message(),
            "environment YZ_THREADS: threads: must be an integer, got 'two'");
  EXPECT_EQ(ApplyEnv(c, {{"YZ_NO_SUCH", "1"}}).message(),
            "environment YZ_NO_SUCH: no_such: unknown key");
  // Issue 5 point 6: a queue smaller than two full batches would refuse them.
  EXPECT_EQ(ApplyEnv(c, {{"YZ_COLLECT_QUEUE_ROWS", "1000"}}).message(),
            "environment YZ_COLLECT_QUEUE_ROWS: collect_queue_rows: must be 2000..100000000, got "
            "1000");
  EXPECT_EQ(ApplyToml(c, "trusted_proxies = [1]\n", "f.toml").message(),
            "f.toml:1: trusted_proxies: must be an array of strings");
}

TEST(ConfigTest, SyntaxErrorNamesTheLine) {
  Config c;
  Status s = ApplyToml(c, "port = 1\nthreads = = 2\n", "yzcloud.toml");
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_TRUE(s.message().starts_with("yzcloud.toml:2:")) << s.message();
}

TEST(ConfigTest, PostgresUrlSelectsPostgres) {
  Config c;
  ASSERT_TRUE(ApplyValue(c, "database", "postgres://u@h/db", "flag --database").ok());
  EXPECT_EQ(c.DatabaseUrl(), "postgres://u@h/db");
}

}  // namespace
}  // namespace yz
