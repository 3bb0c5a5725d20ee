// Redirect targets (web/redirect_target.h): a `next` that a browser would resolve
// to another origin is refused, whatever it hides behind; a same-origin one comes
// back as a path-absolute target a browser reads the same way.
// C4.1, PIPL 51; issue 15 defect 3 (open redirect after login).
#include "web/redirect_target.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace yz::web {
namespace {

using std::string_literals::operator""s;

// C4.1; issue 15 defect 3: the shapes that leave the site although they look local.
TEST(SafeRedirectTargetTest, RefusesEveryTargetABrowserTakesOffSite) {
  const std::vector<std::string> off_site = {
      "//evil.example",
      "//evil.example/account",
      "/\t/evil.example",  // the tab is removed, leaving "//"
      "/\n/evil.example",
      "/\r\n/evil.example",
      "\t//evil.example",
      "/\\evil.example",  // "\" is "/" in http(s) URLs
      "\\\\evil.example",
      "\\/evil.example",
      "/\\/evil.example",
      " //evil.example",  // leading spaces and C0 controls are stripped
      "\x01//evil.example",
      "\x1f\x00//evil.example"s,
      "\x0b/\\evil.example",
      "///evil.example",
      "http://evil.example",
      "HTTP://evil.example",
      "http:/evil.example",  // a scheme is refused, even one a browser might read as local
      "http:\\\\evil.example",
      "https://evil.example",
      "https:evil.example",
      "java\tscript:alert(1)",  // the tab goes, leaving a scheme
      "javascript:alert(1)",
      " javascript:alert(1)",
      "data:text/html,<script>alert(1)</script>",
      "mailto:someone@evil.example",
      "evil.example:443",  // a scheme too ("evil.example")
      "localhost:8080/account",
  };
  for (const std::string& target : off_site) {
    EXPECT_FALSE(SafeRedirectTarget(target).has_value()) << "accepted: " << target;
  }
}

// C4.1: what is left after stripping decides; nothing at all is refused too.
TEST(SafeRedirectTargetTest, RefusesEmptyOversizedAndNonUtf8Targets) {
  EXPECT_FALSE(SafeRedirectTarget("").has_value());
  EXPECT_FALSE(SafeRedirectTarget(" \t\x01 ").has_value());
  EXPECT_FALSE(SafeRedirectTarget("/account\xff").has_value());
  EXPECT_FALSE(SafeRedirectTarget("/\xc0\xaf").has_value());  // an overlong "/"
  EXPECT_FALSE(SafeRedirectTarget("/" + std::string(kMaxRedirectTargetBytes, 'a')).has_value());
  EXPECT_TRUE(SafeRedirectTarget("/" + std::string(kMaxRedirectTargetBytes - 1, 'a')).has_value());
}

// Issue 15 defect 3: same-origin targets come back normalized the WHATWG way.
TEST(SafeRedirectTargetTest, KeepsSameOriginTargetsNormalized) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"/account", "/account"},
      {"/account/sessions", "/account/sessions"},
      {"/account?done=saved#top", "/account?done=saved#top"},
      {"/", "/"},
      {"  /account  ", "/account"},
      {"/acc\tount", "/account"},
      {"/account\\sessions", "/account/sessions"},  // "\" separates path segments
      {"\\account", "/account"},
      {"/a/./b/../c", "/a/c"},
      {"/a/%2e%2E/c", "/c"},
      {"/..", "/"},
      {"/a/..", "/"},
      {"/a/b/.", "/a/b/"},
      {"/.//evil.example", "/.//evil.example"},  // stays a path on this site
      {"/..//evil.example", "/.//evil.example"},
      {"/a/..//evil.example", "/.//evil.example"},
      {"/%2f%2fevil.example", "/%2f%2fevil.example"},  // percent-escapes are not decoded
      {"/%5cevil.example", "/%5cevil.example"},
      {"account", "/account"},  // relative to the site's root
      {"./account", "/account"},
      {"../../account", "/account"},
      {"?q=1", "/?q=1"},
      {"#top", "/#top"},
      {"1http://evil.example", "/1http://evil.example"},  // no scheme: a path
      {"/a b", "/a%20b"},
      {"/a?b c#d e", "/a?b%20c#d%20e"},
      {"/a\x01z", "/a%01z"},
      {"/a\x7f", "/a%7F"},
      {"/\xe6\xb0\xb8\xe5\xb7\x9e", "/%E6%B0%B8%E5%B7%9E"},  // 永州
      {"/a?x=\\y", "/a?x=\\y"},                              // "\" is not a separator in the query
      {"/a?b/../c", "/a?b/../c"},
      {"/a#b?c#d", "/a#b?c#d"},
      {"/a\"<>`{}^|", "/a\"<>`{}^|"},  // printable: the browser encodes as it would anyway
  };
  for (const auto& [target, want] : cases) {
    auto got = SafeRedirectTarget(target);
    ASSERT_TRUE(got.has_value()) << "refused: " << target;
    EXPECT_EQ(*got, want) << "for " << target;
  }
}

// C4.1: a Location built from any target holds printable ASCII only and starts
// with "/" but never with "//" or "/\".
TEST(SafeRedirectTargetTest, EveryAcceptedTargetIsAPlainLocalPath) {
  for (int a = 0; a < 256; ++a) {
    for (int b : {int{'/'}, int{'\\'}, int{'.'}, int{'a'}, int{'\t'}, int{' '}, 0, 0x7f}) {
      std::string t = "/";
      t += static_cast<char>(a);
      t += static_cast<char>(b);
      t += "evil.example";
      auto got = SafeRedirectTarget(t);
      if (!got) continue;
      ASSERT_FALSE(got->empty());
      EXPECT_EQ((*got)[0], '/');
      EXPECT_FALSE(got->size() > 1 && ((*got)[1] == '/' || (*got)[1] == '\\')) << *got;
      for (unsigned char c : *got) EXPECT_TRUE(c > 0x20 && c < 0x7f) << *got;
    }
  }
}

}  // namespace
}  // namespace yz::web
