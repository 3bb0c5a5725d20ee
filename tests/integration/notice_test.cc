// The published privacy notice (GET /privacy) as a visitor sees it: generated from
// the shipped data inventory, in Chinese by default and in English on request.
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
  auto check = RunYzcloud({"policy", "check", std::string(YZ_SOURCE_DIR) + "/policy/inventory.toml"});
  ASSERT_EQ(check.exit_code, 0) << check.err;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(check.out, m, std::regex("sha256 ([0-9a-f]{64})"))) << check.out;
  std::string hash = m[1];

  auto zh = Fetch(port(), "GET", "/privacy");
  ASSERT_TRUE(zh);
  EXPECT_NE(zh->body.find("本声明根据数据清单版本 1 生成（sha256 " + hash + "）"), std::string::npos);
  auto en = Fetch(port(), "GET", "/privacy?lang=en");
  ASSERT_TRUE(en);
  EXPECT_NE(en->body.find("notice generated from inventory version 1 (sha256 " + hash + ")"),
            std::string::npos);
}

}  // namespace
}  // namespace yz::testing
