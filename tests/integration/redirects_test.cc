// Redirect targets through the real server (issue 15 defect 3): the login form's
// `next`, the login page that carries it, and the consent form's way back. Each
// target below starts with "/" or looks local, and each leaves the site once a
// browser parses it; the server must answer with its own default instead.
// C4.1, PIPL 51.
#include <gtest/gtest.h>
#include <unistd.h>

#include <map>
#include <string>
#include <vector>

#include "account_steps.h"
#include "http_client.h"
#include "page_text.h"
#include "server_process.h"

namespace yz::testing {
namespace {

using Headers = std::map<std::string, std::string>;
using std::string_literals::operator""s;

const std::string kOrigin = "http://127.0.0.1";

// Targets a browser takes to evil.example, though each passed the old check or
// hides a "//" behind what a browser strips.
const std::vector<std::string>& OffSite() {
  static const std::vector<std::string> targets = {
      "/\t/evil.example/",  "/\n/evil.example/",   "/\\evil.example/",     "\\\\evil.example/",
      " //evil.example/",   "\x01//evil.example/", "\x00/\\evil.example"s, "/\\\t\\evil.example",
      "http:/evil.example", "HTTPS:evil.example",  "java\tscript:alert(1)"};
  return targets;
}

class RedirectsTest : public SharedServerTest {
 protected:
  HttpResponse Post(const std::string& target, const std::string& body, const Headers& h) const {
    auto r = Fetch(port(), "POST", target, body, h);
    EXPECT_TRUE(r) << target;
    return r ? *r : HttpResponse{};
  }
  // A csrf cookie, as a browser's first visit to a form page gets one.
  std::string CsrfCookie() const {
    auto page = Fetch(port(), "GET", "/register");
    return page ? page->CookieValue("yz_csrf").value_or("") : "";
  }
};

// Issue 15 defect 3: after login, `next` never leaves the site.
TEST_F(RedirectsTest, LoginNextThatLeavesTheSiteGoesToTheAccountPage) {
  const std::string login = "redirect-" + std::to_string(getpid()) + "@example.com";
  LoggedInAdult(port(), server_->data_dir(), login);
  const std::string csrf = CsrfCookie();
  ASSERT_FALSE(csrf.empty());
  const Headers form{{"Cookie", "yz_csrf=" + csrf},
                     {"Origin", kOrigin},
                     {"Content-Type", "application/x-www-form-urlencoded"}};
  auto login_with = [&](const std::string& next) {
    return Post(
        "/login",
        FormEncode(
            {{"csrf", csrf}, {"login", login}, {"password", "lantern-orchard-47"}, {"next", next}}),
        form);
  };
  for (const std::string& next : OffSite()) {
    HttpResponse r = login_with(next);
    ASSERT_EQ(r.status, 303) << r.body;
    EXPECT_EQ(r.headers["location"], "/account") << "next=" << next;
  }
  // A local target survives, normalized the way a browser would read it.
  HttpResponse local = login_with("/account/sessions?done=x");
  EXPECT_EQ(local.headers["location"], "/account/sessions?done=x");
  HttpResponse dotted = login_with("/privacy/..//evil.example");
  EXPECT_EQ(dotted.headers["location"], "/.//evil.example") << "a path on this site, not a host";
}

// Issue 15 defect 3: the login page does not carry a bad target into its form.
TEST_F(RedirectsTest, LoginPageKeepsOnlyALocalNext) {
  const std::string csrf = CsrfCookie();
  const Headers browser{{"Cookie", "yz_csrf=" + csrf}};
  auto page = Fetch(port(), "GET", "/login?next=%2F%09%2Fevil.example%2F", "", browser);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->status, 200) << page->body;
  EXPECT_NE(page->body.find("name=\"next\" value=\"/account\""), std::string::npos) << page->body;
}

// Issue 15 defect 3: the consent banner's way back is held to the same rule.
TEST_F(RedirectsTest, ConsentFormNextThatLeavesTheSiteGoesHome) {
  const std::string csrf = CsrfCookie();
  const Headers form{{"Cookie", "yz_csrf=" + csrf},
                     {"Origin", kOrigin},
                     {"Content-Type", "application/x-www-form-urlencoded"}};
  for (const std::string& next : OffSite()) {
    HttpResponse r = Post(
        "/consent",
        FormEncode({{"csrf", csrf}, {"choice", "necessary"}, {"source", "banner"}, {"next", next}}),
        form);
    ASSERT_EQ(r.status, 303) << r.body;
    EXPECT_EQ(r.headers["location"], "/") << "next=" << next;
  }
  HttpResponse local = Post("/consent",
                            FormEncode({{"csrf", csrf},
                                        {"choice", "necessary"},
                                        {"source", "banner"},
                                        {"next", "/privacy?lang=en"}}),
                            form);
  EXPECT_EQ(local.headers["location"], "/privacy?lang=en");
}

}  // namespace
}  // namespace yz::testing
