// The user-agent parser against uap-core's own suites (issue 5 point 2), its cache,
// bot detection and the JSON shape `yzcloud parse-ua` prints.
//
// The suites are read at test time from Debian's uap-core package. Each suite prints
// its pass rate (stdout and a gtest property) and every failing case as a line
// starting "UAP-FAIL"; tests/unit/collect/uap_known_failures.md lists them.
#include "collect/user_agent.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <atomic>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

namespace yz::collect {
namespace {

constexpr const char* kSuiteDir = "/usr/share/uap-core/tests/";

class UapSuiteTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto p = UserAgentParser::Load(kDefaultRegexesPath, {.cache_capacity = 0});
    ASSERT_TRUE(p.ok()) << p.status().message();
    parser_ = p->release();
  }
  static void TearDownTestSuite() {
    delete parser_;
    parser_ = nullptr;
  }

  // A field in a test case: absent or null means "no value".
  static std::optional<std::string> Expected(const YAML::Node& c, const char* key) {
    const YAML::Node v = c[key];
    if (!v || v.IsNull()) return std::nullopt;
    return v.as<std::string>();
  }
  static std::string Show(const std::optional<std::string>& v) {
    return v ? "'" + *v + "'" : "null";
  }

  // Runs one suite; `check` compares one case and returns "" or what differed.
  // Returns the number of cases passed; `total` receives the count.
  template <typename Check>
  static int RunSuite(const std::string& name, Check check, int& total) {
    const YAML::Node root = YAML::LoadFile(std::string(kSuiteDir) + name);
    int passed = 0;
    total = 0;
    for (const YAML::Node& c : root["test_cases"]) {
      ++total;
      const std::string ua = c["user_agent_string"].as<std::string>();
      const std::string diff = check(c, parser_->ParseUncached(ua));
      if (diff.empty()) {
        ++passed;
      } else {
        std::printf("UAP-FAIL %s | %s | %s\n", name.c_str(), ua.c_str(), diff.c_str());
      }
    }
    const double rate = total == 0 ? 0 : 100.0 * passed / total;
    std::printf("uap-core %s: %d/%d passed (%.2f%%)\n", name.c_str(), passed, total, rate);
    // Property names become XML attribute names: no path.
    const std::string key = name.substr(name.rfind('/') + 1);
    ::testing::Test::RecordProperty(key + "_passed", passed);
    ::testing::Test::RecordProperty(key + "_total", total);
    return passed;
  }

  static void Compare(std::string& diff, const char* field, const std::optional<std::string>& want,
                      const std::optional<std::string>& got) {
    if (want == got) return;
    if (!diff.empty()) diff += "; ";
    diff += std::string(field) + " want " + Show(want) + " got " + Show(got);
  }

  // The fields uap-core's tests/test.js compares for browsers and for operating systems.
  // Browser patch_minor, present in 103 test_ua cases, is not among them;
  // BrowserPatchMinorAgreement reports it on its own.
  static std::string CheckBrowser(const YAML::Node& c, const UserAgent& got) {
    std::string diff;
    Compare(diff, "family", Expected(c, "family"), got.browser.family);
    Compare(diff, "major", Expected(c, "major"), got.browser.major);
    Compare(diff, "minor", Expected(c, "minor"), got.browser.minor);
    Compare(diff, "patch", Expected(c, "patch"), got.browser.patch);
    return diff;
  }
  static std::string CheckOs(const YAML::Node& c, const UserAgent& got) {
    std::string diff;
    Compare(diff, "family", Expected(c, "family"), got.os.family);
    Compare(diff, "major", Expected(c, "major"), got.os.major);
    Compare(diff, "minor", Expected(c, "minor"), got.os.minor);
    Compare(diff, "patch", Expected(c, "patch"), got.os.patch);
    Compare(diff, "patch_minor", Expected(c, "patch_minor"), got.os.patch_minor);
    return diff;
  }

  static UserAgentParser* parser_;
};
UserAgentParser* UapSuiteTest::parser_ = nullptr;

TEST_F(UapSuiteTest, AllRulesCompileWithRe2) {
  const RuleStats& s = parser_->stats();
  EXPECT_EQ(s.rejected, 0u) << s.first_rejection;
  EXPECT_GT(s.browser_rules, 0u);
  EXPECT_GT(s.os_rules, 0u);
  EXPECT_GT(s.device_rules, 0u);
  std::printf("uap-core rules: %zu browser, %zu os, %zu device, %zu rejected by RE2\n",
              s.browser_rules, s.os_rules, s.device_rules, s.rejected);
}

// Floors are the counts measured on Debian's uap-core 1:0.16.0-1 (all cases); a
// regression in the parser lowers the count and fails here.
TEST_F(UapSuiteTest, PassesUserAgentSuite) {
  int total = 0;
  int passed = RunSuite("test_ua.yaml", CheckBrowser, total);
  EXPECT_EQ(total, 1425);
  EXPECT_GE(passed, 1425);
}

// Not part of uap-core's check (see CheckBrowser); reported, with a measured floor, so a change
// shows. The differing cases are listed in uap_known_failures.md.
TEST_F(UapSuiteTest, BrowserPatchMinorAgreement) {
  const YAML::Node root = YAML::LoadFile(std::string(kSuiteDir) + "test_ua.yaml");
  int with_field = 0, agree = 0;
  for (const YAML::Node& c : root["test_cases"]) {
    if (!c["patch_minor"]) continue;
    ++with_field;
    const std::string ua = c["user_agent_string"].as<std::string>();
    const auto want = Expected(c, "patch_minor");
    const auto got = parser_->ParseUncached(ua).browser.patch_minor;
    if (want == got) {
      ++agree;
    } else {
      std::printf("UAP-NOTE test_ua.yaml patch_minor | %s | want %s got %s\n", ua.c_str(),
                  Show(want).c_str(), Show(got).c_str());
    }
  }
  std::printf("uap-core test_ua.yaml patch_minor (unchecked upstream): %d/%d agree\n", agree,
              with_field);
  EXPECT_EQ(with_field, 103);
  EXPECT_GE(agree, 94);
}

TEST_F(UapSuiteTest, PassesOsSuite) {
  int total = 0;
  int passed = RunSuite("test_os.yaml", CheckOs, total);
  EXPECT_EQ(total, 456);
  EXPECT_GE(passed, 456);
}

TEST_F(UapSuiteTest, PassesDeviceSuite) {
  int total = 0;
  int passed = RunSuite(
      "test_device.yaml",
      [](const YAML::Node& c, const UserAgent& got) {
        std::string diff;
        Compare(diff, "family", Expected(c, "family"), got.device.family);
        Compare(diff, "brand", Expected(c, "brand"), got.device.brand);
        Compare(diff, "model", Expected(c, "model"), got.device.model);
        return diff;
      },
      total);
  EXPECT_EQ(total, 16111);
  EXPECT_GE(passed, 16111);
}

// uap-core's test.js also runs these resource files (not named in issue 5); the floors
// are the counts measured on 1:0.16.0-1, failures listed in uap_known_failures.md.
TEST_F(UapSuiteTest, ReportsUpstreamResourceSuites) {
  struct Extra {
    const char* file;
    bool os;
    int total, floor;
  };
  const Extra extras[] = {
      {"../test_resources/firefox_user_agent_strings.yaml", false, 243, 243},
      {"../test_resources/opera_mini_user_agent_strings.yaml", false, 203, 203},
      {"../test_resources/podcasting_user_agent_strings.yaml", false, 144, 144},
      {"../test_resources/pgts_browser_list.yaml", false, 12500, 12500},
      {"../test_resources/additional_os_tests.yaml", true, 23, 23},
  };
  for (const Extra& e : extras) {
    int total = 0;
    int passed = RunSuite(e.file, e.os ? CheckOs : CheckBrowser, total);
    EXPECT_EQ(total, e.total) << e.file;
    EXPECT_GE(passed, e.floor) << e.file;
  }
}

class UserAgentParserTest : public ::testing::Test {
 protected:
  static std::unique_ptr<UserAgentParser> Make(std::size_t capacity) {
    auto p = UserAgentParser::Load(kDefaultRegexesPath, {.cache_capacity = capacity});
    EXPECT_TRUE(p.ok()) << p.status().message();
    return p.ok() ? std::move(*p) : nullptr;
  }
  static constexpr const char* kChrome =
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
      "Chrome/120.0.6099.109 Safari/537.36";
  static constexpr const char* kGooglebot =
      "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
};

TEST_F(UserAgentParserTest, MissingRulesFileIsNotFound) {
  auto p = UserAgentParser::Load("/nonexistent/regexes.yaml");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().code(), Code::kNotFound);
}

TEST_F(UserAgentParserTest, ParsesACommonBrowser) {
  auto parser = Make(100);
  ASSERT_NE(parser, nullptr);
  UserAgent ua = parser->Parse(kChrome);
  EXPECT_EQ(ua.browser.family, "Chrome");
  EXPECT_EQ(ua.browser.major, "120");
  EXPECT_EQ(ua.os.family, "Windows");
  EXPECT_EQ(ua.os.major, "10");
  EXPECT_EQ(ua.device.family, "Other");
  EXPECT_FALSE(IsBot(ua));
}

TEST_F(UserAgentParserTest, UnknownAgentIsOtherWithNulls) {
  auto parser = Make(100);
  ASSERT_NE(parser, nullptr);
  for (std::string_view s : {std::string_view(""), std::string_view("zz-nothing-known")}) {
    UserAgent ua = parser->Parse(s);
    EXPECT_EQ(ua, UserAgent{}) << s;
    EXPECT_EQ(ua.browser.family, "Other");
    EXPECT_FALSE(ua.browser.major.has_value());
  }
}

TEST_F(UserAgentParserTest, RecognisesCrawlersAsBots) {
  // Issue 5 point 3: uap-core's Spider device marks bots.
  auto parser = Make(100);
  ASSERT_NE(parser, nullptr);
  UserAgent bot = parser->Parse(kGooglebot);
  EXPECT_EQ(bot.device.family, "Spider");
  EXPECT_TRUE(IsBot(bot));
  EXPECT_TRUE(
      IsBot(parser->Parse("Mozilla/5.0 (compatible; bingbot/2.0; "
                          "+http://www.bing.com/bingbot.htm)")));
  EXPECT_FALSE(IsBot(parser->Parse(kChrome)));
}

TEST_F(UserAgentParserTest, CacheAnswersRepeatsAndStaysBounded) {
  auto parser = Make(64);
  ASSERT_NE(parser, nullptr);
  const UserAgent first = parser->Parse(kChrome);
  EXPECT_EQ(parser->cache_misses(), 1u);
  EXPECT_EQ(parser->Parse(kChrome), first);
  EXPECT_EQ(parser->cache_hits(), 1u);
  for (int i = 0; i < 1000; ++i) (void)parser->Parse("agent/" + std::to_string(i));
  // 64 entries over 16 shards: at most 4 a shard.
  EXPECT_LE(parser->cache_size(), 64u);
  EXPECT_GT(parser->cache_size(), 0u);
}

TEST_F(UserAgentParserTest, CacheDisabledWithZeroCapacity) {
  auto parser = Make(0);
  ASSERT_NE(parser, nullptr);
  EXPECT_EQ(parser->Parse(kChrome), parser->Parse(kChrome));
  EXPECT_EQ(parser->cache_size(), 0u);
  EXPECT_EQ(parser->cache_hits(), 0u);
}

TEST_F(UserAgentParserTest, CachedAndUncachedAgreeAcrossThreads) {
  auto parser = Make(128);
  ASSERT_NE(parser, nullptr);
  const std::vector<std::string> agents = {kChrome, kGooglebot, "curl/8.1.2",
                                           "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) "
                                           "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 "
                                           "Mobile/15E148 Safari/604.1"};
  std::vector<UserAgent> want;
  for (const auto& a : agents) want.push_back(parser->ParseUncached(a));
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        std::size_t k = static_cast<std::size_t>(i) % agents.size();
        if (!(parser->Parse(agents[k]) == want[k])) ++wrong;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_GT(parser->cache_hits(), 7000u);
}

TEST(UserAgentJsonTest, HasTheIssueShapeWithNulls) {
  UserAgent ua;
  ua.browser.family = "Chrome";
  ua.browser.major = "120";
  ua.device.brand = "Apple";
  EXPECT_EQ(ToJson(ua),
            "{\"browser\": {\"family\": \"Chrome\", \"major\": \"120\", \"minor\": null, "
            "\"patch\": null}, \"os\": {\"family\": \"Other\", \"major\": null, \"minor\": "
            "null, \"patch\": null, \"patch_minor\": null}, \"device\": {\"family\": "
            "\"Other\", \"brand\": \"Apple\", \"model\": null}}");
}

TEST(UserAgentJsonTest, EscapesQuotesControlsAndBadUtf8) {
  UserAgent ua;
  ua.device.model = std::string("a\"b\\c\n\x01 \xE4\xB8\xAD \xFF", 13);
  const std::string json = ToJson(ua);
  EXPECT_NE(json.find(R"("model": "a\"b\\c\n\u0001 )"
                      "\xE4\xB8\xAD \xEF\xBF\xBD\"}}"),
            std::string::npos)
      << json;
}

}  // namespace
}  // namespace yz::collect
