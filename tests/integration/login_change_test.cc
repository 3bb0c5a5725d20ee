// Changing the login through the real server, as an attacker with a stolen
// session (and, where they have it, the password) would try, then the owner
// recovering from the previous login (issue 15 defect 6). Codes and links are
// read from the outbox file the server writes. C1.2, C1.4, C4.1.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <string>
#include <thread>

#include "account_steps.h"
#include "http_client.h"
#include "page_text.h"
#include "server_process.h"

namespace yz::testing {
namespace {

using Headers = std::map<std::string, std::string>;

const std::string kPassword = "lantern-orchard-47";  // account_steps.h registers with it
const std::string kOrigin = "http://127.0.0.1";

std::string Unique(const std::string& tag) {
  static std::atomic<int> n{0};
  return tag + "-" + std::to_string(getpid()) + "-" + std::to_string(++n) + "@example.com";
}

class LoginChangeTest : public SharedServerTest {
 protected:
  HttpResponse Call(const std::string& method, const std::string& target,
                    const std::string& body = "", Headers headers = {}) const {
    if (!body.empty() && !headers.count("Content-Type")) {
      headers["Content-Type"] = "application/json";
    }
    auto r = Fetch(port(), method, target, body, headers);
    EXPECT_TRUE(r) << method << " " << target;
    return r ? *r : HttpResponse{};
  }
  static Headers Bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }

  // Messages to `to` in the outbox file: how many, and the newest one's code.
  int Count(const std::string& to) const {
    std::ifstream in(server_->data_dir() + "/outbox.jsonl");
    std::string line;
    int n = 0;
    while (std::getline(in, line)) n += JsonString(line, "to") == to;
    return n;
  }
  // The code (or link token) of the message to `to` after the first `seen`,
  // waiting a little for it: delivery may follow the answer.
  std::string Next(const std::string& to, int seen) const {
    for (int i = 0; i < 100; ++i) {
      std::ifstream in(server_->data_dir() + "/outbox.jsonl");
      std::string line, code;
      int n = 0;
      while (std::getline(in, line)) {
        if (JsonString(line, "to") == to && ++n > seen) code = JsonString(line, "code");
      }
      if (!code.empty()) return code;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return {};
  }
  HttpResponse LoginCall(const std::string& login, const std::string& password) const {
    return Call("POST", "/api/v1/sessions",
                R"({"login":")" + login + R"(","password":")" + password + "\"}");
  }
  // The attacker, holding a session and the password, moves the login of `owner`
  // to a fresh address; returns {attacker's login, attacker's session}.
  std::pair<std::string, std::string> Hijack(const std::string& owner) const {
    std::string session = JsonString(LoginCall(owner, kPassword).body, "token");
    std::string thief = Unique("thief");
    auto sent =
        Call("POST", "/api/v1/me/login",
             R"({"login":")" + thief + R"(","password":")" + kPassword + "\"}", Bearer(session));
    EXPECT_EQ(sent.status, 202) << sent.body;
    const int notices = Count(owner);
    auto done =
        Call("POST", "/api/v1/me/login/confirm",
             R"({"login":")" + thief + R"(","code":")" + Next(thief, 0) + "\"}", Bearer(session));
    EXPECT_EQ(done.status, 200) << done.body;
    // The previous login's notice is delivered after the answer: wait for it, so a
    // test counting messages to `owner` from here counts it.
    EXPECT_FALSE(Next(owner, notices).empty());
    return {thief, session};
  }
};

// Issue 15 defect 6: a stolen session without the password cannot move the
// account, and guessing the password runs into the login throttle.
TEST_F(LoginChangeTest, AStolenSessionAloneCannotChangeTheLogin) {
  const std::string owner = Unique("owner");
  const std::string session = LoggedInAdult(port(), server_->data_dir(), owner);
  const std::string thief = Unique("thief");
  auto missing = Call("POST", "/api/v1/me/login", R"({"login":")" + thief + "\"}", Bearer(session));
  EXPECT_EQ(missing.status, 400) << missing.body;
  EXPECT_NE(missing.body.find("password"), std::string::npos) << missing.body;
  int last = 0;
  for (int i = 0; i < 5; ++i) {
    auto wrong = Call(
        "POST", "/api/v1/me/login",
        R"({"login":")" + thief + R"(","password":"guess-)" + std::to_string(i) + "-password\"}",
        Bearer(session));
    last = wrong.status;
    EXPECT_EQ(wrong.status, 401) << wrong.body;
    EXPECT_NE(JsonString(wrong.body, "code"), "");
  }
  auto blocked =
      Call("POST", "/api/v1/me/login",
           R"({"login":")" + thief + R"(","password":")" + kPassword + "\"}", Bearer(session));
  EXPECT_EQ(blocked.status, 429) << "after " << last << ": " << blocked.body;
  EXPECT_FALSE(blocked.headers["retry-after"].empty());
  EXPECT_EQ(LoginCall(owner, kPassword).status, 429) << "the same count as logins";
  EXPECT_EQ(Count(thief), 0) << "no code went to the attacker's address";
  auto me = Call("GET", "/api/v1/me", "", Bearer(session));
  EXPECT_EQ(JsonString(me.body, "login"), owner);
}

// Issue 15 defect 6: the /account form asks for the password too.
TEST_F(LoginChangeTest, TheAccountPageFormAsksForThePassword) {
  const std::string owner = Unique("page");
  const std::string session = LoggedInAdult(port(), server_->data_dir(), owner);
  auto page = Fetch(port(), "GET", "/register");
  const std::string csrf = page ? page->CookieValue("yz_csrf").value_or("") : "";
  const Headers browser{{"Cookie", "yz_csrf=" + csrf + "; yz_session=" + session}};
  auto account = Call("GET", "/account", "", browser);
  ASSERT_EQ(account.status, 200);
  const auto form = account.body.find("action=\"/account/login\"");
  ASSERT_NE(form, std::string::npos);
  EXPECT_NE(account.body.find("name=\"password\" type=\"password\"", form), std::string::npos);

  Headers post = browser;
  post["Origin"] = kOrigin;
  post["Content-Type"] = "application/x-www-form-urlencoded";
  const std::string thief = Unique("thief");
  auto wrong =
      Call("POST", "/account/login",
           FormEncode({{"csrf", csrf}, {"login", thief}, {"password", "not-the-one-1"}}), post);
  EXPECT_EQ(wrong.status, 401) << wrong.body;
  EXPECT_NE(wrong.body.find("role=\"alert\""), std::string::npos);
  EXPECT_EQ(Count(thief), 0);
  auto right = Call("POST", "/account/login",
                    FormEncode({{"csrf", csrf}, {"login", thief}, {"password", kPassword}}), post);
  EXPECT_EQ(right.status, 200) << right.body;
  EXPECT_FALSE(Next(thief, 0).empty());
}

// Issue 15 defect 6: the previous login's link undoes the change through the
// JSON API: login back, every session revoked, the new login dead, once only.
TEST_F(LoginChangeTest, ThePreviousLoginsLinkUndoesTheChange) {
  const std::string owner = Unique("victim");
  const std::string mine = LoggedInAdult(port(), server_->data_dir(), owner);
  const int before = Count(owner);
  auto [thief, theirs] = Hijack(owner);
  const std::string token = Next(owner, before);
  ASSERT_FALSE(token.empty()) << "no link went to the previous login";
  // Before: the previous login cannot log in, the attacker's can.
  EXPECT_EQ(LoginCall(owner, kPassword).status, 401);
  EXPECT_EQ(LoginCall(thief, kPassword).status, 201);

  auto about = Call("GET", "/api/v1/login-change/revert/" + token);
  ASSERT_EQ(about.status, 200) << about.body;
  EXPECT_NE(about.body.find("\"expires_at\":"), std::string::npos);
  auto bad =
      Call("POST", "/api/v1/login-change/revert/" + token.substr(0, token.size() - 1) + "0", "{}");
  EXPECT_EQ(bad.status, 404) << bad.body;
  auto undo = Call("POST", "/api/v1/login-change/revert/" + token, "{}");
  ASSERT_EQ(undo.status, 200) << undo.body;

  EXPECT_EQ(Call("GET", "/api/v1/me", "", Bearer(theirs)).status, 401);
  EXPECT_EQ(Call("GET", "/api/v1/me", "", Bearer(mine)).status, 401);
  EXPECT_EQ(LoginCall(thief, kPassword).status, 401) << "the attacker's login no longer signs in";
  EXPECT_NE(LoginCall(owner, kPassword).status, 201) << "the known password must be replaced";
  EXPECT_EQ(Call("POST", "/api/v1/login-change/revert/" + token, "{}").status, 404) << "once";

  const int seen = Count(owner);
  ASSERT_EQ(Call("POST", "/api/v1/password-resets", R"({"login":")" + owner + "\"}").status, 202);
  auto reset = Call("POST", "/api/v1/password-resets/confirm",
                    R"({"login":")" + owner + R"(","code":")" + Next(owner, seen) +
                        R"(","password":"owner-again-2026"})");
  ASSERT_EQ(reset.status, 204) << reset.body;
  EXPECT_EQ(LoginCall(owner, "owner-again-2026").status, 201);
}

// Issue 15 defect 6: the same through the page a browser opens from the message.
TEST_F(LoginChangeTest, TheRevertPageUndoesTheChangeWithAPostForm) {
  const std::string owner = Unique("pageowner");
  LoggedInAdult(port(), server_->data_dir(), owner);
  const int before = Count(owner);
  auto [thief, theirs] = Hijack(owner);
  const std::string token = Next(owner, before);
  ASSERT_FALSE(token.empty());

  auto page = Call("GET", "/login-change/revert/" + token);
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_NE(page.body.find("action=\"/login-change/revert/" + token + "\" method=\"post\""),
            std::string::npos);
  EXPECT_EQ(LoginCall(thief, kPassword).status, 201) << "opening the page changes nothing";
  const std::string csrf = page.CookieValue("yz_csrf").value_or("");
  ASSERT_FALSE(csrf.empty());
  auto done = Call("POST", "/login-change/revert/" + token, FormEncode({{"csrf", csrf}}),
                   {{"Cookie", "yz_csrf=" + csrf},
                    {"Origin", kOrigin},
                    {"Content-Type", "application/x-www-form-urlencoded"}});
  ASSERT_EQ(done.status, 303) << done.body;
  EXPECT_EQ(done.headers["location"], "/password-reset?done=login_reverted");
  EXPECT_EQ(Call("GET", "/api/v1/me", "", Bearer(theirs)).status, 401);
  EXPECT_EQ(LoginCall(thief, kPassword).status, 401);
  EXPECT_EQ(Call("GET", "/login-change/revert/" + token).status, 404);
}

// Issue 15 defect 6: a password reset asked for the previous login reaches it
// and takes the account back.
TEST_F(LoginChangeTest, APasswordResetForThePreviousLoginRecoversTheAccount) {
  const std::string owner = Unique("resetter");
  LoggedInAdult(port(), server_->data_dir(), owner);
  auto [thief, theirs] = Hijack(owner);
  const int seen = Count(owner);
  ASSERT_EQ(Call("POST", "/api/v1/password-resets", R"({"login":")" + owner + "\"}").status, 202);
  const std::string code = Next(owner, seen);
  ASSERT_EQ(code.size(), 6u) << "the reset code reaches the previous login";
  auto reset =
      Call("POST", "/api/v1/password-resets/confirm",
           R"({"login":")" + owner + R"(","code":")" + code + R"(","password":"owner-back-2026"})");
  ASSERT_EQ(reset.status, 204) << reset.body;
  EXPECT_EQ(Call("GET", "/api/v1/me", "", Bearer(theirs)).status, 401);
  EXPECT_EQ(LoginCall(thief, "owner-back-2026").status, 401);
  auto back = LoginCall(owner, "owner-back-2026");
  ASSERT_EQ(back.status, 201) << back.body;
  auto me = Call("GET", "/api/v1/me", "", Bearer(JsonString(back.body, "token")));
  EXPECT_EQ(JsonString(me.body, "login"), owner);
}

// Issue 15 defect 6: a misuse report proven by the previous login ends every
// session and gives the account back.
TEST_F(LoginChangeTest, AMisuseReportFromThePreviousLoginRecoversTheAccount) {
  const std::string owner = Unique("reporter");
  LoggedInAdult(port(), server_->data_dir(), owner);
  auto [thief, theirs] = Hijack(owner);
  const int seen = Count(owner);
  ASSERT_EQ(Call("POST", "/api/v1/misuse-reports/code", R"({"login":")" + owner + "\"}").status,
            202);
  const std::string code = Next(owner, seen);
  ASSERT_EQ(code.size(), 6u) << "the misuse code reaches the previous login";
  auto report = Call("POST", "/api/v1/misuse-reports",
                     R"({"login":")" + owner + R"(","code":")" + code + R"(","note":"not me"})");
  ASSERT_EQ(report.status, 201) << report.body;
  EXPECT_EQ(Call("GET", "/api/v1/me", "", Bearer(theirs)).status, 401);
  EXPECT_EQ(LoginCall(thief, kPassword).status, 401);
  EXPECT_NE(LoginCall(owner, kPassword).status, 201) << "a reset is required first";
}

}  // namespace
}  // namespace yz::testing
