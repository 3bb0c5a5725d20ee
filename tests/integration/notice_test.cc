// The published privacy notice (GET /privacy) as a visitor sees it: generated from
// the shipped data inventory, in Chinese by default and in English on request; and
// its published versions (/privacy/versions), revised with `yzcloud policy publish`.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "http_client.h"
#include "server_process.h"

namespace yz::testing {
namespace {

std::size_t Count(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = haystack.find(needle); pos != std::string::npos;
       pos = haystack.find(needle, pos + needle.size())) {
    ++n;
  }
  return n;
}

std::string InventoryText() {
  std::ifstream in(std::string(YZ_SOURCE_DIR) + "/policy/inventory.toml");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

using NoticeTest = SharedServerTest;

// C6.1: the notice is published on the site, in Chinese by default.
// C2.1-C2.4: every declared field (logs, device, cookies, ...) appears with its
// Chinese description, one table row per inventory field.
TEST_F(NoticeTest, ChineseByDefaultWithEveryInventoryField) {
  auto r = Fetch(port(), "GET", "/privacy");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_EQ(r->headers["content-type"], "text/html; charset=utf-8");
  EXPECT_EQ(r->headers["content-language"], "zh-CN");
  EXPECT_NE(r->body.find("<html lang=\"zh-CN\">"), std::string::npos);
  EXPECT_NE(r->body.find("<h1>隐私声明</h1>"), std::string::npos);

  // Controller and contact from [meta].
  EXPECT_NE(r->body.find("永州工业云"), std::string::npos);
  EXPECT_NE(r->body.find("privacy@yzcloud.example"), std::string::npos);

  // A few known descriptions (C2.2 device data, C2.1 logs, C5.1 guardian).
  EXPECT_NE(r->body.find("设备 IMEI 号，仅用于识别涉及欺诈或攻击的设备"), std::string::npos);
  EXPECT_NE(r->body.find("设备的精确位置，仅在使用附近服务时处理，用户无需手动输入坐标"),
            std::string::npos);
  EXPECT_NE(r->body.find("完整的访问 IP 地址，仅用于安全调查和依法调取"), std::string::npos);
  EXPECT_NE(r->body.find("未满十八周岁用户的监护人联系方式"), std::string::npos);

  // One row per [[field]] table of the shipped inventory.
  std::size_t fields = Count(InventoryText(), "\n[[field]]");
  ASSERT_GT(fields, 0u);
  EXPECT_EQ(Count(r->body, "<tr class=\"field\""), fields);

  // C2.4: how each field is protected and how long it lives, readably.
  EXPECT_NE(r->body.find("<td>7 天</td>"), std::string::npos);  // log.ip_full
  EXPECT_NE(r->body.find("<td>账户存续期间及其后 30 天</td>"), std::string::npos);
  EXPECT_NE(r->body.find("加密保存"), std::string::npos);
  EXPECT_NE(r->body.find("假名化"), std::string::npos);
  // C3.3: the one declared recipient, with its contact.
  EXPECT_NE(r->body.find("地图服务合作方"), std::string::npos);
  EXPECT_NE(r->body.find("partners@yzcloud.example"), std::string::npos);
  EXPECT_EQ(Count(r->body, "<tr class=\"recipient\""), Count(InventoryText(), "\n[[recipient]]"));
}

// C6.1: the English version, chosen like every page's language.
TEST_F(NoticeTest, EnglishWithLangParameter) {
  auto r = Fetch(port(), "GET", "/privacy?lang=en");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  EXPECT_NE(r->body.find("<html lang=\"en\">"), std::string::npos);
  EXPECT_NE(r->body.find("<h1>Privacy notice</h1>"), std::string::npos);
  EXPECT_NE(r->body.find("Yongzhou Industrial Cloud"), std::string::npos);
  EXPECT_NE(r->body.find("Device IMEI, only to recognise a device involved in fraud or attacks"),
            std::string::npos);
  EXPECT_NE(r->body.find("Precise device location, processed only while a nearby service is used"),
            std::string::npos);
  EXPECT_EQ(r->body.find("设备 IMEI 号"), std::string::npos);
  EXPECT_NE(r->body.find("<td>7 days</td>"), std::string::npos);
  EXPECT_NE(r->body.find("<td>account life + 30 days</td>"), std::string::npos);
  EXPECT_EQ(Count(r->body, "<tr class=\"field\""), Count(InventoryText(), "\n[[field]]"));

  auto al = Fetch(port(), "GET", "/privacy", "", {{"Accept-Language", "en-US,en;q=0.9"}});
  ASSERT_TRUE(al);
  EXPECT_NE(al->body.find("<html lang=\"en\">"), std::string::npos);
}

// C3.5: the six bases on which information may be disclosed, as a list.
// C5.1: guardian consent under 18. C4.1: encryption, pseudonymization, access control.
TEST_F(NoticeTest, ListsTheSixDisclosureBasesAndMinorsRule) {
  auto r = Fetch(port(), "GET", "/privacy");
  ASSERT_TRUE(r);
  auto start = r->body.find("<ol class=\"disclosure-bases\">");
  ASSERT_NE(start, std::string::npos);
  auto end = r->body.find("</ol>", start);
  ASSERT_NE(end, std::string::npos);
  std::string list = r->body.substr(start, end - start);
  EXPECT_EQ(Count(list, "<li>"), 6u);
  EXPECT_NE(list.find("学术研究"), std::string::npos);
  EXPECT_NE(list.find("欺诈"), std::string::npos);
  EXPECT_NE(r->body.find("未满十八周岁"), std::string::npos);
  EXPECT_NE(r->body.find("十四周岁"), std::string::npos);

  auto en = Fetch(port(), "GET", "/privacy?lang=en");
  ASSERT_TRUE(en);
  start = en->body.find("<ol class=\"disclosure-bases\">");
  ASSERT_NE(start, std::string::npos);
  EXPECT_EQ(Count(en->body.substr(start, en->body.find("</ol>", start) - start), "<li>"), 6u);
  EXPECT_NE(en->body.find("under 18"), std::string::npos);
}

// C6.1 (versions): the notice names the exact inventory it was generated from,
// the same SHA-256 `yzcloud policy check` reports for the shipped file.
TEST_F(NoticeTest, ShowsInventoryVersionAndSha256) {
  auto check =
      RunYzcloud({"policy", "check", std::string(YZ_SOURCE_DIR) + "/policy/inventory.toml"});
  ASSERT_EQ(check.exit_code, 0) << check.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(check.out, m, std::regex("sha256 ([0-9a-f]{64})"))) << check.out;
  std::string hash = m[1];

  auto zh = Fetch(port(), "GET", "/privacy");
  ASSERT_TRUE(zh);
  EXPECT_NE(zh->body.find("本声明根据数据清单版本 1 生成（sha256 " + hash + "）"),
            std::string::npos);
  auto en = Fetch(port(), "GET", "/privacy?lang=en");
  ASSERT_TRUE(en);
  EXPECT_NE(en->body.find("notice generated from inventory version 1 (sha256 " + hash + ")"),
            std::string::npos);
}

// C6.1: the notice in force names its published version, date and hash, and links
// to every published version.
TEST_F(NoticeTest, ShowsPublishedVersionDateAndHash) {
  auto r = Fetch(port(), "GET", "/privacy");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200) << r->body;
  EXPECT_NE(r->body.find("<dd class=\"published-number\">1</dd>"), std::string::npos);
  EXPECT_TRUE(std::regex_search(r->body, std::regex("本声明为第 1 版，发布于 \\d{4}-\\d\\d-\\d\\d "
                                                    "\\d\\d:\\d\\d UTC（sha256 [0-9a-f]{64}）")))
      << r->body;
  EXPECT_NE(r->body.find("<a href=\"/privacy/versions\">"), std::string::npos);

  auto en = Fetch(port(), "GET", "/privacy/versions?lang=en");
  ASSERT_TRUE(en);
  ASSERT_EQ(en->status, 200) << en->body;
  EXPECT_NE(en->body.find("<h1>Published versions of the privacy notice</h1>"), std::string::npos);
  EXPECT_EQ(Count(en->body, "<tr class=\"version\""), 1u);
  EXPECT_NE(en->body.find("<a href=\"/privacy/versions/1\">Version 1</a> (current)"),
            std::string::npos);

  auto api = Fetch(port(), "GET", "/api/v1/privacy/versions");
  ASSERT_TRUE(api);
  EXPECT_EQ(api->status, 200);
  EXPECT_EQ(api->headers["content-type"], "application/json");
  EXPECT_NE(api->body.find("\"latest\":1"), std::string::npos) << api->body;
}

// Bad version numbers answer with the JSON error envelope: 400 when not a number,
// 404 when no such version was ever published.
TEST_F(NoticeTest, UnknownOrMalformedVersionIsAnError) {
  for (const char* path :
       {"/privacy/versions/99", "/api/v1/privacy/versions/99", "/privacy/versions/1/diff/99"}) {
    auto r = Fetch(port(), "GET", path);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 404) << path;
    EXPECT_NE(r->body.find("\"code\":\"not_found\""), std::string::npos) << r->body;
  }
  for (const char* path :
       {"/privacy/versions/abc", "/privacy/versions/0", "/api/v1/privacy/versions/-1",
        "/privacy/versions/1/diff/x", "/privacy/versions/diff?from=1"}) {
    auto r = Fetch(port(), "GET", path);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400) << path;
    EXPECT_NE(r->body.find("\"code\":\"invalid_argument\""), std::string::npos) << r->body;
  }
}

// A server of its own: these tests publish revisions into its database.
class NoticeRevisionTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.started()) << server_.output(); }
  CommandResult Publish(const std::string& file) {
    return RunYzcloud({"policy", "publish", file, "--data-dir", server_.data_dir()});
  }
  std::string WriteInventory(const std::string& name, const std::string& text) {
    std::string path = server_.data_dir() + "/" + name;
    std::ofstream(path) << text;
    return path;
  }
  ServerProcess server_;
};

// C6.1: a revision published with `yzcloud policy publish` becomes the notice in force
// at once, both versions stay listed, the old one readable as it was, and the diff
// names the changed field and attribute.
TEST_F(NoticeRevisionTest, PublishedRevisionIsShownListedAndDiffed) {
  std::string revised = InventoryText();
  auto at = revised.find("retention = \"7d\"");  // log.ip_full, the first 7-day field
  ASSERT_NE(at, std::string::npos);
  revised.replace(at, 16, "retention = \"14d\"");
  auto published = Publish(WriteInventory("revised.toml", revised));
  ASSERT_EQ(published.exit_code, 0) << published.err;
  EXPECT_TRUE(std::regex_search(published.out,
                                std::regex("^published version 2 \\(sha256 [0-9a-f]{64}\\)\n$")))
      << published.out;

  auto now = Fetch(server_.port(), "GET", "/privacy");
  ASSERT_TRUE(now);
  ASSERT_EQ(now->status, 200) << now->body;
  EXPECT_NE(now->body.find("<dd class=\"published-number\">2</dd>"), std::string::npos);
  EXPECT_NE(now->body.find("<td>14 天</td>"), std::string::npos);
  EXPECT_EQ(now->body.find("notice-superseded"), std::string::npos);

  auto old = Fetch(server_.port(), "GET", "/privacy/versions/1");
  ASSERT_TRUE(old);
  ASSERT_EQ(old->status, 200) << old->body;
  EXPECT_NE(old->body.find("<dd class=\"published-number\">1</dd>"), std::string::npos);
  EXPECT_NE(old->body.find("<td>7 天</td>"), std::string::npos);
  EXPECT_NE(old->body.find("该版本已被第 2 版取代"), std::string::npos);

  auto list = Fetch(server_.port(), "GET", "/privacy/versions");
  ASSERT_TRUE(list);
  EXPECT_EQ(Count(list->body, "<tr class=\"version\""), 2u);
  EXPECT_NE(list->body.find("<a href=\"/privacy/versions/1/diff/2\">"), std::string::npos);

  auto diff = Fetch(server_.port(), "GET", "/privacy/versions/1/diff/2?lang=en");
  ASSERT_TRUE(diff);
  ASSERT_EQ(diff->status, 200) << diff->body;
  EXPECT_NE(diff->body.find("<h1>What changed from version 1 to version 2</h1>"),
            std::string::npos);
  EXPECT_EQ(Count(diff->body, "<tr class=\"change\""), 1u);
  EXPECT_NE(diff->body.find("<tr class=\"change\" data-id=\"log.ip_full\" "
                            "data-attribute=\"retention\">"),
            std::string::npos)
      << diff->body;
  EXPECT_NE(diff->body.find("<td class=\"before\">7d</td>"), std::string::npos);
  EXPECT_NE(diff->body.find("<td class=\"after\">14d</td>"), std::string::npos);

  auto json = Fetch(server_.port(), "GET", "/api/v1/privacy/versions/1/diff/2");
  ASSERT_TRUE(json);
  EXPECT_NE(json->body.find("\"fields_changed\":[{\"id\":\"log.ip_full\",\"changes\":[{"
                            "\"attribute\":\"retention\",\"before\":\"7d\",\"after\":\"14d\"}]}]"),
            std::string::npos)
      << json->body;

  // The compare form's GET lands on the diff's own address, language kept.
  auto form = Fetch(server_.port(), "GET", "/privacy/versions/diff?from=1&to=2&lang=en");
  ASSERT_TRUE(form);
  EXPECT_EQ(form->status, 303);
  EXPECT_EQ(form->headers["location"], "/privacy/versions/1/diff/2?lang=en");

  auto again = Publish(WriteInventory("again.toml", revised));
  EXPECT_EQ(again.exit_code, 3);
  EXPECT_NE(again.err.find("nothing changed since version 2"), std::string::npos) << again.err;
}

// C2.4: an invalid inventory is never published: the validator's file:line and key,
// a failing exit, and the versions in force unchanged.
TEST_F(NoticeRevisionTest, InvalidInventoryIsRefusedAndNothingIsPublished) {
  std::string bad = InventoryText();
  auto at = bad.find("protection = \"encrypt\"");
  ASSERT_NE(at, std::string::npos);
  bad.replace(at, 22, "protection = \"rot13\"");
  std::string path = WriteInventory("bad.toml", bad);
  auto r = Publish(path);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_TRUE(std::regex_search(r.err, std::regex(path + ":\\d+: .*protection"))) << r.err;
  EXPECT_NE(r.err.find("rot13"), std::string::npos) << r.err;

  auto api = Fetch(server_.port(), "GET", "/api/v1/privacy/versions");
  ASSERT_TRUE(api);
  EXPECT_NE(api->body.find("\"latest\":1"), std::string::npos) << api->body;
  EXPECT_EQ(Count(api->body, "\"number\":"), 1u);
}

}  // namespace
}  // namespace yz::testing
