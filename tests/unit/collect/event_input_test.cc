// Reading the Plausible tracker's body and the batch body (issue 5 point 3).
#include "collect/event_input.h"

#include <gtest/gtest.h>

#include <string>

namespace yz::collect {
namespace {

TEST(ParsePlausibleEvent, WhatTheTrackerSends) {  // C2.1
  // As @plausible-analytics/tracker 0.4.6 sends a custom event.
  auto e =
      ParsePlausibleEvent(R"({"n":"Signup","u":"https://a.example/p?x=1","d":"a.example","r":null,)"
                          R"("p":{"plan":"free","seats":3,"trial":true},"v":36})");
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->name, "Signup");
  EXPECT_EQ(e->url, "https://a.example/p?x=1");
  EXPECT_EQ(e->site, "a.example");
  EXPECT_EQ(e->referrer, std::nullopt);
  EXPECT_EQ(e->props, R"({"plan":"free","seats":"3","trial":"true"})");
  EXPECT_EQ(e->at, std::nullopt);  // only the batch API may date events
}

TEST(ParsePlausibleEvent, LongNamesAndStringProps) {  // C2.1
  auto e =
      ParsePlausibleEvent(R"({"name":"pageview","url":"https://a.example/","domain":"a.example",)"
                          R"("referrer":"https://www.baidu.com/s?wd=x","props":"{\"k\":\"v\"}"})");
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->referrer, "https://www.baidu.com/s?wd=x");
  EXPECT_EQ(e->props, R"({"k":"v"})");
}

TEST(ParsePlausibleEvent, PropsNeverCarryContacts) {  // C2.4
  auto e = ParsePlausibleEvent(
      R"({"n":"x","u":"https://a.example/","d":"a.example",)"
      R"("p":{"mail":"zhang@example.cn","tel":"+86 138-1234-5678","ok":"yes"}})");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->props, R"({"ok":"yes"})");
}

TEST(ParsePlausibleEvent, PropsNeverCarryIdentities) {  // C2.4
  auto e = ParsePlausibleEvent(
      R"({"n":"x","u":"https://a.example/","d":"a.example","p":{"ip":"x","lat":"39.9",)"
      R"("Search":"my query","where":"203.0.113.77","dev":"aa:bb:cc:dd:ee:ff",)"
      R"("v6":"2001:db8::1","nul":"a\u0000b","plan":"pro"}})");
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->props, R"({"plan":"pro"})");
  EXPECT_TRUE(LooksPersonal("13812345678"));
  EXPECT_TRUE(LooksPersonal("zhang@example.cn"));
  EXPECT_FALSE(LooksPersonal("Outbound Link: Click"));
  EXPECT_FALSE(LooksPersonal("2026"));
}

TEST(ParsePlausibleEvent, RefusesWhatIsNotAnEvent) {
  for (const char* body :
       {"", "not json", "[]", R"({"u":"https://a/","d":"a"})", R"({"n":"x","d":"a"})",
        R"({"n":"x","u":"https://a/"})", R"({"n":1,"u":"https://a/","d":"a"})",
        R"({"n":"x","u":"https://a/","d":"a","r":5})",
        R"({"n":"x","u":"https://a/","d":"a","p":[1]})",
        R"({"n":"x","u":"https://a/","d":"a","p":{"k":{"nested":1}}})"}) {
    auto e = ParsePlausibleEvent(body);
    EXPECT_EQ(e.status().code(), Code::kInvalidArgument) << body;
  }
}

TEST(ParseEventBatch, OneToAThousand) {  // issue 5 point 3
  std::string body = R"({"events":[)";
  for (int i = 0; i < 1000; ++i) {
    if (i) body += ',';
    body += R"({"n":"pageview","u":"https://a.example/)" + std::to_string(i) +
            R"(","d":"a.example","timestamp":1800000000})";
  }
  body += "]}";
  auto events = ParseEventBatch(body);
  ASSERT_TRUE(events.ok()) << events.status().ToString();
  ASSERT_EQ(events->size(), 1000u);
  EXPECT_EQ((*events)[999].at, 1800000000);

  std::string too_many =
      body.substr(0, body.size() - 2) + R"(,{"n":"x","u":"https://a.example/","d":"a.example"}]})";
  auto refused = ParseEventBatch(too_many);
  EXPECT_EQ(refused.status().code(), Code::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("1001"), std::string::npos);
}

TEST(ParseEventBatch, NamesTheBadEvent) {
  auto r = ParseEventBatch(R"({"events":[{"n":"a","u":"https://a/","d":"a"},{"n":"b","d":"a"}]})");
  ASSERT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("event 1"), std::string::npos) << r.status().message();
  EXPECT_EQ(ParseEventBatch(R"({"events":[]})").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ParseEventBatch(R"({"event":[]})").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ParseEventBatch(R"({"events":[{"n":"a","u":"https://a/","d":"a","timestamp":"x"}]})")
                .status()
                .code(),
            Code::kInvalidArgument);
}

}  // namespace
}  // namespace yz::collect
