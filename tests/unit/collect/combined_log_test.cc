// The combined/common log line parser of `yzcloud import-log` (issue 5 point 7):
// the fields of valid lines, escapes, time zones, and a reason for every kind of
// malformed line (the importer reports them by number and carries on).
#include "collect/combined_log.h"

#include <gtest/gtest.h>

#include <string>

namespace yz::collect {
namespace {

constexpr std::string_view kApacheExample =
    R"(127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 )"
    R"L("http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)")L";

// 2000-10-10 20:55:36 UTC, Apache's documented example line in UTC.
constexpr std::int64_t kApacheExampleUtc = 971211336;

class CombinedLogTest : public ::testing::Test {
 protected:
  // The reason `text` is refused; "" if it parses.
  std::string Why(std::string_view text) {
    LogLine line;
    return parser_.Parse(text, line) ? "" : std::string(parser_.error());
  }
  CombinedLogParser parser_;
  LogLine line_;
};

TEST_F(CombinedLogTest, ParsesApacheDocumentedCombinedLine) {
  ASSERT_TRUE(parser_.Parse(kApacheExample, line_)) << parser_.error();
  EXPECT_EQ(line_.client, "127.0.0.1");
  EXPECT_EQ(line_.user, "frank");
  EXPECT_EQ(line_.at, kApacheExampleUtc);
  EXPECT_EQ(line_.method, "GET");
  EXPECT_EQ(line_.target, "/apache_pb.gif");
  EXPECT_EQ(line_.path, "/apache_pb.gif");
  EXPECT_EQ(line_.query, "");
  EXPECT_EQ(line_.protocol, "HTTP/1.0");
  EXPECT_EQ(line_.status, 200);
  EXPECT_EQ(line_.bytes, 2326);
  EXPECT_TRUE(line_.combined);
  EXPECT_EQ(line_.referer, "http://www.example.com/start.html");
  EXPECT_EQ(line_.user_agent, "Mozilla/4.08 [en] (Win98; I ;Nav)");
}

TEST_F(CombinedLogTest, ParsesNginxLineWithIpv6QueryAndDashes) {
  ASSERT_TRUE(parser_.Parse(R"(2001:db8:85a3::8a2e:370:7334 - - [29/Feb/2024:23:59:59 +0800] )"
                            R"("GET /search?q=%E6%B0%B8%E5%B7%9E&page=2 HTTP/2.0" 304 - "-" "-")",
                            line_))
      << parser_.error();
  EXPECT_EQ(line_.client, "2001:db8:85a3::8a2e:370:7334");
  EXPECT_EQ(line_.user, "");
  EXPECT_EQ(line_.path, "/search");
  EXPECT_EQ(line_.query, "q=%E6%B0%B8%E5%B7%9E&page=2");
  EXPECT_EQ(line_.status, 304);
  EXPECT_EQ(line_.bytes, -1);
  EXPECT_TRUE(line_.combined);
  EXPECT_EQ(line_.referer, "");
  EXPECT_EQ(line_.user_agent, "");
  // 2024-02-29 15:59:59 UTC (a leap day).
  EXPECT_EQ(line_.at, 1709222399);
}

TEST_F(CombinedLogTest, ParsesCommonFormat) {
  ASSERT_TRUE(parser_.Parse(
      R"(192.0.2.7 - - [01/Jan/2024:00:00:00 +0000] "POST /api/event HTTP/1.1" 202 0)", line_))
      << parser_.error();
  EXPECT_FALSE(line_.combined);
  EXPECT_EQ(line_.method, "POST");
  EXPECT_EQ(line_.status, 202);
  EXPECT_EQ(line_.bytes, 0);
  EXPECT_EQ(line_.at, 1704067200);
  EXPECT_EQ(line_.referer, "");
  EXPECT_EQ(line_.user_agent, "");
}

TEST_F(CombinedLogTest, AppliesTimeZoneOffsets) {
  // The same instant written in four zones.
  for (std::string_view stamp : {"[01/Jan/2024:08:30:00 +0800]", "[01/Jan/2024:00:30:00 +0000]",
                                 "[31/Dec/2023:19:30:00 -0500]", "[01/Jan/2024:06:15:00 +0545]"}) {
    std::string text = "10.0.0.1 - - " + std::string(stamp) + " \"GET / HTTP/1.1\" 200 5";
    ASSERT_TRUE(parser_.Parse(text, line_)) << stamp << ": " << parser_.error();
    EXPECT_EQ(line_.at, 1704069000) << stamp;
  }
}

TEST_F(CombinedLogTest, DecodesEscapedQuotesAndBackslashes) {
  ASSERT_TRUE(parser_.Parse(
      R"(10.0.0.1 - - [01/Jan/2024:00:00:00 +0000] "GET /a\"b HTTP/1.1" 200 1 )"
      R"("https://ref.example/\"x\"" "Agent \"quoted\" back\\slash \x41\xe4\xb8\xad")",
      line_))
      << parser_.error();
  EXPECT_EQ(line_.target, "/a\"b");
  EXPECT_EQ(line_.referer, "https://ref.example/\"x\"");
  EXPECT_EQ(line_.user_agent, "Agent \"quoted\" back\\slash A\xe4\xb8\xad");
  // An unknown escape stays as written.
  ASSERT_TRUE(parser_.Parse(
                  R"(10.0.0.1 - - [01/Jan/2024:00:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "a\tb\")",
                  line_) == false);
  ASSERT_TRUE(parser_.Parse(
      R"(10.0.0.1 - - [01/Jan/2024:00:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "a\tb")", line_))
      << parser_.error();
  EXPECT_EQ(line_.user_agent, "a\\tb");
}

TEST_F(CombinedLogTest, AcceptsAbsoluteTargetsHttp09AndExtraFields) {
  ASSERT_TRUE(parser_.Parse(
      R"(10.0.0.1 - - [01/Jan/2024:00:00:00 +0000] "GET http://proxy.example:8080/p/q?x=1 HTTP/1.1" 200 1 "-" "ua" "203.0.113.9")",
      line_))
      << parser_.error();
  EXPECT_EQ(line_.path, "/p/q");
  EXPECT_EQ(line_.query, "x=1");
  EXPECT_EQ(line_.user_agent, "ua");
  ASSERT_TRUE(parser_.Parse(R"(10.0.0.1 - - [01/Jan/2024:00:00:00 +0000] "GET /old" 200 1)", line_))
      << parser_.error();
  EXPECT_EQ(line_.path, "/old");
  EXPECT_EQ(line_.protocol, "");
  ASSERT_TRUE(
      parser_.Parse(R"(10.0.0.1 - - [01/Jan/2024:00:00:00 +0000] "OPTIONS * HTTP/1.1" 200 0)"
                    "\r",
                    line_))
      << parser_.error();
  EXPECT_EQ(line_.target, "*");
}

TEST_F(CombinedLogTest, ViewsOfEscapedFieldsSurviveLaterFieldsOfTheSameLine) {
  // Decoding several fields of one line must not move the earlier ones.
  std::string ua(5000, 'u');
  std::string text = R"(10.0.0.1 - - [01/Jan/2024:00:00:00 +0000] "GET /\"a HTTP/1.1" 200 1 )"
                     R"("\"r" "\")" +
                     ua + "\"";
  ASSERT_TRUE(parser_.Parse(text, line_)) << parser_.error();
  EXPECT_EQ(line_.target, "/\"a");
  EXPECT_EQ(line_.referer, "\"r");
  EXPECT_EQ(line_.user_agent, "\"" + ua);
}

TEST_F(CombinedLogTest, NamesEveryKindOfMalformedLine) {
  const std::string t = "[01/Jan/2024:00:00:00 +0000]";
  EXPECT_EQ(Why(""), "empty line");
  EXPECT_EQ(Why("\r"), "empty line");
  EXPECT_EQ(Why("garbage"), "missing fields after the client address");
  EXPECT_EQ(Why("example.com - - " + t + R"( "GET / HTTP/1.1" 200 1)"),
            "client is not an IP address");
  EXPECT_EQ(Why("300.1.2.3 - - " + t + R"( "GET / HTTP/1.1" 200 1)"),
            "client is not an IP address");
  EXPECT_EQ(Why(R"(10.0.0.1 - - "GET / HTTP/1.1" 200 1)"), "missing [time]");
  EXPECT_EQ(Why("10.0.0.1 - " + t + R"( "GET / HTTP/1.1" 200 1)"), "missing ident or user field");
  EXPECT_EQ(Why(R"(10.0.0.1 - - [1/Jan/2024:00:00:00 +0000] "GET / HTTP/1.1" 200 1)"),
            "bad time: expected [dd/Mon/yyyy:HH:MM:SS +zzzz]");
  EXPECT_EQ(Why(R"(10.0.0.1 - - [01/Foo/2024:00:00:00 +0000] "GET / HTTP/1.1" 200 1)"),
            "bad time: expected [dd/Mon/yyyy:HH:MM:SS +zzzz]");
  EXPECT_EQ(Why(R"(10.0.0.1 - - [01/Jan/2024:00:00)"),
            "bad time: expected [dd/Mon/yyyy:HH:MM:SS +zzzz]");
  EXPECT_EQ(Why(R"(10.0.0.1 - - [29/Feb/2023:00:00:00 +0000] "GET / HTTP/1.1" 200 1)"),
            "time out of range");
  EXPECT_EQ(Why(R"(10.0.0.1 - - [01/Jan/2024:24:00:00 +0000] "GET / HTTP/1.1" 200 1)"),
            "time out of range");
  EXPECT_EQ(Why(R"(10.0.0.1 - - [01/Jan/2024:00:00:00 0800] "GET / HTTP/1.1" 200 1)"),
            "bad time: expected [dd/Mon/yyyy:HH:MM:SS +zzzz]");
  EXPECT_EQ(Why(R"(10.0.0.1 - - [01/Jan/2024:00:00:00 *0800] "GET / HTTP/1.1" 200 1)"),
            "bad time zone: expected +hhmm or -hhmm");
  EXPECT_EQ(Why(R"(10.0.0.1 - - [01/Jan/2024:00:00:00 +0860] "GET / HTTP/1.1" 200 1)"),
            "bad time zone: expected +hhmm or -hhmm");
  EXPECT_EQ(Why("10.0.0.1 - - " + t), "missing request line");
  EXPECT_EQ(Why("10.0.0.1 - - " + t + " GET / HTTP/1.1 200 1"),
            "missing or unterminated request line");
  EXPECT_EQ(Why("10.0.0.1 - - " + t + R"( "GET / HTTP/1.1 200 1)"),
            "missing or unterminated request line");
  EXPECT_EQ(Why("10.0.0.1 - - " + t + R"( "-" 400 0)"), "no request line");
  EXPECT_EQ(Why("10.0.0.1 - - " + t + R"( "" 400 0)"), "no request line");
  EXPECT_EQ(Why("10.0.0.1 - - " + t + R"( "\x16\x03\x01" 400 0)"),
            "request line is not METHOD TARGET PROTOCOL");
  EXPECT_EQ(Why("10.0.0.1 - - " + t + R"( "get / HTTP/1.1" 200 1)"), "bad request method");
  EXPECT_EQ(Why("10.0.0.1 - - " + t + R"( "GET / SPDY/3" 200 1)"),
            "request line is not METHOD TARGET PROTOCOL");
  EXPECT_EQ(Why("10.0.0.1 - - " + t + R"( "GET index.html HTTP/1.1" 200 1)"), "bad request target");
  EXPECT_EQ(Why("10.0.0.1 - - " + t + R"( "GET / HTTP/1.1")"), "bad status");
  EXPECT_EQ(Why("10.0.0.1 - - " + t + R"( "GET / HTTP/1.1" OK 1)"), "bad status");
  EXPECT_EQ(Why("10.0.0.1 - - " + t + R"( "GET / HTTP/1.1" 999 1)"), "bad status");
  EXPECT_EQ(Why("10.0.0.1 - - " + t + R"( "GET / HTTP/1.1" 2000 1)"), "bad status");
  EXPECT_EQ(Why("10.0.0.1 - - " + t + R"( "GET / HTTP/1.1" 200)"), "missing size");
  EXPECT_EQ(Why("10.0.0.1 - - " + t + R"( "GET / HTTP/1.1" 200 x)"), "bad size");
  EXPECT_EQ(Why("10.0.0.1 - - " + t + R"( "GET / HTTP/1.1" 200 12x)"), "bad size");
  EXPECT_EQ(Why("10.0.0.1 - - " + t + R"( "GET / HTTP/1.1" 200 1 -)"),
            "missing or unterminated referer");
  EXPECT_EQ(Why("10.0.0.1 - - " + t + R"( "GET / HTTP/1.1" 200 1 "-)"),
            "missing or unterminated referer");
  EXPECT_EQ(Why("10.0.0.1 - - " + t + R"( "GET / HTTP/1.1" 200 1 "-")"), "missing user agent");
  EXPECT_EQ(Why("10.0.0.1 - - " + t + R"( "GET / HTTP/1.1" 200 1 "-" "Mozilla)"),
            "missing or unterminated user agent");
  EXPECT_EQ(Why("10.0.0.1 - - " + t + R"( "GET / HTTP/1.1" 200 1 "-" "ua"x)"),
            "unexpected text after the user agent");
}

TEST_F(CombinedLogTest, ParserRecoversAfterAMalformedLine) {
  EXPECT_FALSE(parser_.Parse("nonsense", line_));
  ASSERT_TRUE(parser_.Parse(kApacheExample, line_)) << parser_.error();
  EXPECT_EQ(line_.at, kApacheExampleUtc);
}

TEST(DaysFromCivilTest, MatchesKnownDates) {
  EXPECT_EQ(DaysFromCivil(1970, 1, 1), 0);
  EXPECT_EQ(DaysFromCivil(2000, 3, 1), 11017);
  EXPECT_EQ(DaysFromCivil(2024, 2, 29), 19782);
  EXPECT_EQ(DaysFromCivil(2100, 3, 1), 47541);
}

}  // namespace
}  // namespace yz::collect
