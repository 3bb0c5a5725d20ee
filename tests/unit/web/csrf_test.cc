// CSRF rule of web/csrf.h: double-submit token plus same-origin check for forms;
// bearer calls exempt; cookie-authenticated JSON calls need the header or Origin.
// C4.1 (security measures): forged cross-site posts are refused.
#include "web/csrf.h"

#include <gtest/gtest.h>

#include <string>

#include "core/random.h"

namespace yz::web::csrf {
namespace {

const std::string kToken(64, 'a');

class CsrfTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { ASSERT_TRUE(InitRandom()); }

  static Request Post(std::vector<Header> headers) {
    Request req;
    req.method = "POST";
    req.path = "/login";
    req.peer_ip = "127.0.0.1";
    req.headers = std::move(headers);
    req.headers.push_back({"host", "portal.example:8080"});
    return req;
  }
};

TEST_F(CsrfTest, FreshTokenIsRandomHexAndReusedFromTheCookie) {
  Request none = Post({});
  Token a = EnsureToken(none);
  Token b = EnsureToken(none);
  EXPECT_TRUE(a.fresh);
  EXPECT_EQ(a.value.size(), 64u);
  EXPECT_NE(a.value, b.value);
  Request with = Post({{"cookie", "yz_csrf=" + a.value}});
  Token kept = EnsureToken(with);
  EXPECT_FALSE(kept.fresh);
  EXPECT_EQ(kept.value, a.value);
  // A malformed cookie is replaced, never trusted.
  EXPECT_TRUE(EnsureToken(Post({{"cookie", "yz_csrf=<script>"}})).fresh);
}

TEST_F(CsrfTest, CookieIsHttpOnlyLaxAndSecureOffLoopback) {
  Request req = Post({});
  EXPECT_EQ(SetCookie(req, kToken), "yz_csrf=" + kToken + "; Path=/; HttpOnly; SameSite=Lax");
  req.peer_ip = "203.0.113.9";
  EXPECT_TRUE(SetCookie(req, kToken).ends_with("; Secure"));
  // C2.3: behind a trusted proxy on the same host, the client is not local.
  req.peer_ip = "127.0.0.1";
  req.client_ip = "198.51.100.7";
  EXPECT_TRUE(SetCookie(req, kToken).ends_with("; Secure"));
  req.client_ip = "127.0.0.1";
  EXPECT_FALSE(SetCookie(req, kToken).ends_with("; Secure"));
}

TEST_F(CsrfTest, FormWithMatchingTokenAndSameOriginPasses) {
  Request req = Post({{"cookie", "yz_csrf=" + kToken}, {"origin", "http://portal.example:8080"}});
  EXPECT_TRUE(CheckForm(req, kToken).ok());
  // Without Origin, a same-origin Referer is accepted.
  Request ref = Post(
      {{"cookie", "yz_csrf=" + kToken}, {"referer", "http://portal.example:8080/login?lang=en"}});
  EXPECT_TRUE(CheckForm(ref, kToken).ok());
}

TEST_F(CsrfTest, FormWithoutTokenOrWithWrongTokenIsRefused) {
  Request req = Post({{"cookie", "yz_csrf=" + kToken}, {"origin", "http://portal.example:8080"}});
  EXPECT_EQ(CheckForm(req, "").code(), Code::kPermissionDenied);
  EXPECT_EQ(CheckForm(req, std::string(64, 'b')).code(), Code::kPermissionDenied);
  Request no_cookie = Post({{"origin", "http://portal.example:8080"}});
  EXPECT_EQ(CheckForm(no_cookie, kToken).code(), Code::kPermissionDenied);
}

TEST_F(CsrfTest, FormFromAnotherOriginIsRefusedEvenWithTheToken) {
  // A token planted by a sibling host (cookie tossing) still fails the origin check.
  Request req = Post({{"cookie", "yz_csrf=" + kToken}, {"origin", "http://evil.example"}});
  Status s = CheckForm(req, kToken);
  EXPECT_EQ(s.code(), Code::kPermissionDenied);
  EXPECT_NE(s.message().find("another site"), std::string::npos);
  EXPECT_FALSE(CheckForm(Post({{"cookie", "yz_csrf=" + kToken}, {"origin", "null"}}), kToken).ok());
  // Neither Origin nor Referer: refused.
  EXPECT_FALSE(CheckForm(Post({{"cookie", "yz_csrf=" + kToken}}), kToken).ok());
  // Another port is another origin.
  EXPECT_FALSE(
      CheckForm(Post({{"cookie", "yz_csrf=" + kToken}, {"origin", "http://portal.example:9090"}}),
                kToken)
          .ok());
}

TEST_F(CsrfTest, DefaultPortsCompareEqual) {
  Request req;
  req.method = "POST";
  req.headers = {{"host", "portal.example"}, {"origin", "https://portal.example:443"}};
  EXPECT_TRUE(SameOrigin(req));
  req.headers = {{"host", "Portal.Example:80"}, {"origin", "http://portal.example"}};
  EXPECT_TRUE(SameOrigin(req));
}

TEST_F(CsrfTest, BearerApiCallsAreExempt) {
  Request req = Post({{"authorization", "Bearer abc"}, {"origin", "http://evil.example"}});
  EXPECT_TRUE(CheckApi(req, false).ok());
}

TEST_F(CsrfTest, CookieApiCallNeedsHeaderOrSameOrigin) {
  Request bare = Post({{"cookie", "yz_session=s; yz_csrf=" + kToken}});
  EXPECT_EQ(CheckApi(bare, true).code(), Code::kPermissionDenied);
  Request header = Post({{"cookie", "yz_session=s; yz_csrf=" + kToken}, {"x-csrf-token", kToken}});
  EXPECT_TRUE(CheckApi(header, true).ok());
  Request wrong =
      Post({{"cookie", "yz_session=s; yz_csrf=" + kToken}, {"x-csrf-token", std::string(64, 'c')}});
  EXPECT_FALSE(CheckApi(wrong, true).ok());
  Request origin = Post({{"cookie", "yz_session=s"}, {"origin", "http://portal.example:8080"}});
  EXPECT_TRUE(CheckApi(origin, true).ok());
  // Safe methods are never checked.
  Request get = bare;
  get.method = "GET";
  EXPECT_TRUE(CheckApi(get, true).ok());
}

TEST_F(CsrfTest, CrossSiteOriginIsRefusedEvenWithoutASession) {
  // Login CSRF through a text/plain form post of JSON.
  EXPECT_FALSE(CheckApi(Post({{"origin", "http://evil.example"}}), false).ok());
  // curl or the app before login: no Origin, no session.
  EXPECT_TRUE(CheckApi(Post({}), false).ok());
}

TEST_F(CsrfTest, ConstantTimeEqualsComparesWholeStrings) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "ab"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
}

}  // namespace
}  // namespace yz::web::csrf
