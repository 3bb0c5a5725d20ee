#include "web/i18n.h"

#include <gtest/gtest.h>

namespace yz::web {
namespace {

Request WithHeader(std::string accept_language) {
  Request r;
  r.headers.push_back({"accept-language", std::move(accept_language)});
  return r;
}

TEST(I18nTest, DefaultsToSimplifiedChinese) {
  EXPECT_EQ(PickLanguage(Request{}), Lang::kZhCN);
  EXPECT_EQ(PickLanguage(WithHeader("fr-FR")), Lang::kZhCN);
}

TEST(I18nTest, AcceptLanguageByQuality) {
  EXPECT_EQ(PickLanguage(WithHeader("en-US,en;q=0.9")), Lang::kEn);
  EXPECT_EQ(PickLanguage(WithHeader("en;q=0.5, zh-CN;q=0.8")), Lang::kZhCN);
}

TEST(I18nTest, ExplicitChoiceBeatsCookieBeatsHeader) {
  Request r = WithHeader("en");
  r.headers.push_back({"cookie", "yz_lang=zh-CN"});
  EXPECT_EQ(PickLanguage(r), Lang::kZhCN);
  r.query = "lang=en";
  EXPECT_EQ(PickLanguage(r), Lang::kEn);
}

TEST(I18nTest, BothLanguagesHaveTheSameKeys) {
  const auto& zh = Messages(Lang::kZhCN);
  const auto& en = Messages(Lang::kEn);
  ASSERT_FALSE(zh.empty());
  ASSERT_EQ(zh.size(), en.size());
  for (const auto& [k, v] : zh) {
    EXPECT_TRUE(en.count(k)) << "missing in en.toml: " << k;
    EXPECT_FALSE(v.empty()) << k;
  }
  EXPECT_EQ(zh.at("site_name"), "永州工业云");
}

}  // namespace
}  // namespace yz::web
