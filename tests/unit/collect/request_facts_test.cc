// What the access log keeps of a request (C2.1): truncated IPs, the primary
// language, the referrer's domain, paths without sensitive values, bots.
#include "collect/request_facts.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/address_v6.hpp>
#include <boost/url/parse.hpp>
#include <cctype>
#include <string>
#include <vector>

namespace yz::collect {
namespace {

const std::vector<std::string> kRedact = {"token", "code", "q", "email"};

TEST(TruncateIp, KeepsTheNetworkOnly) {  // C2.1
  EXPECT_EQ(TruncateIp("203.0.113.77"), "203.0.113.0/24");
  EXPECT_EQ(TruncateIp("::ffff:198.51.100.9"), "198.51.100.0/24");
  EXPECT_EQ(TruncateIp("2001:db8:abcd:12:3456:789a:bcde:f012"), "2001:db8:abcd::/48");
  EXPECT_EQ(TruncateIp("::1"), "::/48");
  EXPECT_EQ(TruncateIp("not an ip"), std::nullopt);
  EXPECT_EQ(TruncateIp(""), std::nullopt);
}

TEST(PrimaryLanguage, FirstRangesPrimarySubtag) {  // C2.1
  EXPECT_EQ(PrimaryLanguage("zh-CN,zh;q=0.9,en;q=0.8"), "zh");
  EXPECT_EQ(PrimaryLanguage("EN-us"), "en");
  EXPECT_EQ(PrimaryLanguage(" fr;q=1"), "fr");
  EXPECT_EQ(PrimaryLanguage("*"), std::nullopt);
  EXPECT_EQ(PrimaryLanguage(""), std::nullopt);
  EXPECT_EQ(PrimaryLanguage("x"), std::nullopt);
  EXPECT_EQ(PrimaryLanguage("english"), std::nullopt);
  EXPECT_EQ(PrimaryLanguage("zh_CN"), std::nullopt);
}

TEST(UrlDomain, HostOnly) {  // C2.1
  EXPECT_EQ(UrlDomain("https://www.Baidu.com/s?wd=secret"), "baidu.com");
  EXPECT_EQ(UrlDomain("http://news.example.cn:8080/a/b"), "news.example.cn");
  EXPECT_EQ(UrlDomain("android-app://com.tencent.mm"), std::nullopt);
  EXPECT_EQ(UrlDomain("/relative"), std::nullopt);
  EXPECT_EQ(UrlDomain(""), std::nullopt);
  EXPECT_EQ(UrlDomain("https://m.example.cn/#/news/1"), "m.example.cn");  // hash routing
}

TEST(RedactedTarget, RemovesSensitiveValuesOnly) {  // C2.1
  EXPECT_EQ(RedactedTarget("/search", "q=%E6%B0%B8%E5%B7%9E&page=2", {}, kRedact),
            "/search?q=&page=2");
  EXPECT_EQ(RedactedTarget("/login", "next=%2Fa&EMAIL=a%40b.cn", {}, kRedact),
            "/login?next=%2Fa&EMAIL=");
  EXPECT_EQ(RedactedTarget("/", "", {}, kRedact), "/");
  EXPECT_EQ(RedactedTarget("", "", {}, kRedact), "/");
  // A path segment a route captured under a sensitive name.
  const std::vector<std::pair<std::string, std::string>> params = {{"token", "s3cr3tT0ken"}};
  EXPECT_EQ(RedactedTarget("/guardian/s3cr3tT0ken/consent", "", params, kRedact),
            "/guardian/{token}/consent");
  const std::vector<std::pair<std::string, std::string>> harmless = {{"n", "3"}};
  EXPECT_EQ(RedactedTarget("/privacy/versions/3", "", harmless, kRedact), "/privacy/versions/3");
  // Bounded.
  EXPECT_LE(RedactedTarget("/" + std::string(4000, 'a'), "", {}, kRedact).size(), 512u);
}

TEST(RedactedTarget, NamesAreComparedAsTheServerReadsThem) {  // C2.1
  // Percent-encoded names, '+', and ';' separators hide nothing.
  EXPECT_EQ(RedactedTarget("/search", "%71=secret&a=1;q=semi&Q%75ery=enc", {},
                           std::vector<std::string>{"q", "query"}),
            "/search?%71=&a=1&q=&Q%75ery=");
  EXPECT_EQ(RedactedTarget("/x", "to+ken=abc", {}, std::vector<std::string>{"to ken"}),
            "/x?to+ken=");
}

TEST(RedactedTarget, KeepsOnlyStorableText) {  // C2.1: NUL and invalid UTF-8 never reach a store
  EXPECT_EQ(RedactedTarget(std::string("/a\0b", 4), "", {}, kRedact), "/a%00b");
  EXPECT_EQ(RedactedTarget("/a\xC3(b", "", {}, kRedact), "/a%C3(b");
  EXPECT_EQ(RedactedTarget("/\xE6\xB0\xB8\xE5\xB7\x9E", "x=\n", {}, kRedact),
            "/\xE6\xB0\xB8\xE5\xB7\x9E?x=%0A");
  EXPECT_TRUE(Printable("永州 ok"));
  EXPECT_FALSE(Printable(std::string("a\0", 2)));
  EXPECT_EQ(Storable("\xFF\x7F"), "%FF%7F");
}

TEST(TruncateIp, SixToFourKeepsOnlyTheEmbeddedSlash24) {  // C2.1
  EXPECT_EQ(TruncateIp("2002:cb00:7107:1234::1"), "203.0.113.0/24");
}

// Dotted quads take a hand-written path; it must agree with the system parser
// (inet_pton through Asio) on every spelling, valid or not.
TEST(TruncateIp, DottedQuadsAgreeWithTheSystemParser) {  // C2.1
  const char* cases[] = {
      "0.0.0.0",   "255.255.255.255", "10.1.2.3",     "256.1.2.3",  "1.2.3.256",   "01.2.3.4",
      "1.2.3.04",  "1.2.3",           "1.2.3.4.5",    "1..2.3",     ".1.2.3",      "1.2.3.",
      "1.2.3.4 ",  " 1.2.3.4",        "1.2.3.4x",     "1234.1.1.1", "1.2.3.-4",    "+1.2.3.4",
      "0x1.2.3.4", "999.999.999.999", "100.200.30.4", "1.2.3.00",   "192.168.1.1", "1.2.3.4/24"};
  for (const char* ip : cases) {
    boost::system::error_code ec;
    auto a = boost::asio::ip::make_address_v4(ip, ec);
    std::optional<std::string> oracle;
    if (!ec) {
      auto b = a.to_bytes();
      oracle =
          std::to_string(b[0]) + "." + std::to_string(b[1]) + "." + std::to_string(b[2]) + ".0/24";
    }
    EXPECT_EQ(TruncateIp(ip), oracle) << ip;
  }
}

// Plain IPv6 addresses take a hand-written formatter; it must write the /48
// exactly as inet_ntop (through Asio) writes the address with the rest zeroed.
TEST(TruncateIp, Ipv6PrefixesAgreeWithTheSystemFormatter) {  // C2.1
  const char* cases[] = {"2001:db8:abcd:12::1",
                         "2001:db8::1",
                         "2001:0:5::9",
                         "2001::",
                         "0:0:1::",
                         "0:1:0:2::",
                         "1::",
                         "fe80::1",
                         "240e:3a5:8c2a::1",
                         "ABCD:EF01:2345:6789:ABCD:EF01:2345:6789",
                         "2001:db8:0:1:1:1:1:1",
                         "0:0:0:0:0:0:0:1",
                         "::ffff:102:304",
                         "::",
                         "fe80::1%eth0",
                         "2001:db8:::1",
                         "2001:db8::g",
                         "1:2:3:4:5:6:7:8:9",
                         "2002:cb00:7107::1",
                         ":2001:db8::1",
                         "::0:a:b:c:d:e"};
  for (const char* ip : cases) {
    boost::system::error_code ec;
    auto a = boost::asio::ip::make_address(ip, ec);
    std::optional<std::string> oracle;
    if (!ec) {
      if (a.is_v6() && a.to_v6().is_v4_mapped()) {
        a = boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, a.to_v6());
      }
      if (a.is_v4()) {
        auto b = a.to_v4().to_bytes();
        oracle = std::to_string(b[0]) + "." + std::to_string(b[1]) + "." + std::to_string(b[2]) +
                 ".0/24";
      } else {
        auto b = a.to_v6().to_bytes();
        if (b[0] == 0x20 && b[1] == 0x02) {
          oracle = std::to_string(b[2]) + "." + std::to_string(b[3]) + "." + std::to_string(b[4]) +
                   ".0/24";
        } else {
          std::fill(b.begin() + 6, b.end(), 0);
          oracle = boost::asio::ip::address_v6(b).to_string() + "/48";
        }
      }
    }
    EXPECT_EQ(TruncateIp(ip), oracle) << ip;
  }
}

TEST(RedactedUrlPath, FromTrackerUrls) {  // C2.1
  EXPECT_EQ(RedactedUrlPath("https://site.example/products?q=bearing&token=x#top", kRedact),
            "/products?q=&token=");
  EXPECT_EQ(RedactedUrlPath("https://site.example", kRedact), "/");
  EXPECT_EQ(RedactedUrlPath("not a url", kRedact), std::nullopt);
  EXPECT_EQ(RedactedUrlPath("ftp://site.example/a", kRedact), std::nullopt);
}

// URLs are split by a fast path when they are plain http(s) URLs and by
// Boost.URL otherwise; side by side with Boost.URL alone (the oracle below),
// both functions must answer the same for every URL.
std::optional<boost::urls::url_view> OracleHttpUrl(std::string_view url) {
  auto u = boost::urls::parse_absolute_uri(url.substr(0, url.find('#')));
  if (!u) return std::nullopt;
  std::string scheme(u->scheme());
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme != "http" && scheme != "https") return std::nullopt;
  return *u;
}

std::optional<std::string> OracleUrlDomain(std::string_view url) {
  auto u = OracleHttpUrl(url);
  if (!u) return std::nullopt;
  std::string host(u->encoded_host());
  for (char& c : host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (host.empty()) return std::nullopt;
  if (host.starts_with("www.")) host.erase(0, 4);
  return host;
}

std::optional<std::string> OracleRedactedUrlPath(std::string_view url) {
  auto u = OracleHttpUrl(url);
  if (!u) return std::nullopt;
  return RedactedTarget(u->encoded_path(), u->encoded_query(), {}, kRedact);
}

TEST(UrlParsing, FastPathAgreesWithBoostUrl) {  // C2.1
  const char* urls[] = {
      "https://site.example/products?q=bearing&token=x#top",
      "HTTPS://Site.Example:8443/a/b/../c?x=1&y=%41",
      "http://www.Baidu.com/s?wd=secret",
      "https://site.example",
      "https://site.example?only=query",
      "https://site.example#frag",
      "https://site.example/p?a=1#f?g",
      "https://site.example/?",
      "https://site.example/a?b?c/d&token=t",
      "https://site.example/path;params=1/x:y@z",
      "https://site.example/%7e/%7E",
      "https://site.example/%",
      "https://site.example/%zz",
      "https://site.example/a b",
      "https://site.example/\xC3\xA9",
      "https://site.example/a\"b",
      "https://user:pw@site.example/a",
      "https://[::1]:8080/x",
      "https://site.example:/x",
      "https://site.example:99999/x",
      "https://site.example:8a/x",
      "https://h%41st/x",
      "https://-host-/x",
      "https://host./x",
      "http://1.2.3.4/x?code=9",
      "http:///path",
      "http://",
      "https:/site.example/x",
      "ftp://site.example/a",
      "android-app://com.tencent.mm",
      "not a url",
      "",
  };
  for (const char* url : urls) {
    EXPECT_EQ(UrlDomain(url), OracleUrlDomain(url)) << url;
    EXPECT_EQ(RedactedUrlPath(url, kRedact), OracleRedactedUrlPath(url)) << url;
  }
}

TEST(BotName, CrawlersScriptsAndEmptyAgents) {  // C2.1 point 3
  UserAgent spider;
  spider.device.family = "Spider";
  spider.browser.family = "Googlebot";
  EXPECT_EQ(BotName("Mozilla/5.0 (compatible; Googlebot/2.1)", spider), "Googlebot");
  UserAgent plain;
  EXPECT_EQ(BotName("", plain), "(no user agent)");
  EXPECT_EQ(BotName("curl/8.1.2", plain), "curl");
  EXPECT_EQ(BotName("python-requests/2.31", plain), "python-requests");
  EXPECT_TRUE(BotName("Mozilla/5.0 (compatible; Baiduspider/2.0)", plain).has_value());
  EXPECT_EQ(BotName("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like "
                    "Gecko) Chrome/120.0.0.0 Safari/537.36",
                    plain),
            std::nullopt);
}

}  // namespace
}  // namespace yz::collect
