// Accounts through the real server: the JSON API (/api/v1/accounts, sessions, me,
// guardian, misuse reports) and the HTML forms, with codes read from the outbox
// file the server writes (data_dir/outbox.jsonl), as a developer would.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <ctime>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "account_steps.h"
#include "http_client.h"
#include "page_text.h"
#include "server_process.h"

namespace yz::testing {
namespace {

using Headers = std::map<std::string, std::string>;

const std::string kPassword = "lantern-orchard-47";
const std::string kOrigin = "http://127.0.0.1";  // the client's Host is 127.0.0.1

// A login no other test (or earlier run against the same server) uses.
std::string UniqueLogin(const std::string& tag) {
  static std::atomic<int> n{0};
  return tag + "-" + std::to_string(getpid()) + "-" + std::to_string(++n) + "@example.com";
}

// The birth date of someone `years` old today (UTC), YYYY-MM-DD.
std::string BirthDateYearsAgo(int years) {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  tm.tm_year -= years;
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

class AccountsTest : public SharedServerTest {
 protected:
  static HttpResponse Call(int port, const std::string& method, const std::string& target,
                           const std::string& body = "", Headers headers = {}) {
    if (!body.empty() && !headers.count("Content-Type")) {
      headers["Content-Type"] = "application/json";
    }
    auto r = Fetch(port, method, target, body, headers);
    EXPECT_TRUE(r) << method << " " << target << ": no response";
    return r ? *r : HttpResponse{};
  }
  HttpResponse Call(const std::string& method, const std::string& target,
                    const std::string& body = "", Headers headers = {}) const {
    return Call(port(), method, target, body, std::move(headers));
  }
  static Headers Bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }

  // The code (or link token) of the next outbox message to `to`, once delivered.
  static std::string CodeFor(const std::string& data_dir, const std::string& to) {
    return NextCode(data_dir, to);
  }
  std::string CodeFor(const std::string& to) const { return CodeFor(server_->data_dir(), to); }

  static std::string RegisterJson(const std::string& login, const std::string& birth_date,
                                  const std::string& guardian = "") {
    std::string j = R"({"login":")" + login + R"(","password":")" + kPassword +
                    R"(","display_name":"张三","birth_date":")" + birth_date +
                    R"(","enterprise":"永州电机厂")";
    if (!guardian.empty()) j += R"(,"guardian":")" + guardian + "\"";
    return j + "}";
  }

  // Registers and verifies an adult; returns the account id.
  static std::string CreateAdult(int port, const std::string& data_dir, const std::string& login) {
    auto r = Call(port, "POST", "/api/v1/accounts", RegisterJson(login, "1985-06-01"));
    EXPECT_EQ(r.status, 201) << r.body;
    std::string code = CodeFor(data_dir, login);
    EXPECT_FALSE(code.empty());
    auto v = Call(port, "POST", "/api/v1/accounts/verify",
                  R"({"login":")" + login + R"(","code":")" + code + "\"}");
    EXPECT_EQ(v.status, 200) << v.body;
    EXPECT_EQ(JsonString(v.body, "status"), "active");
    return JsonString(r.body, "account_id");
  }
  std::string CreateAdult(const std::string& login) const {
    return CreateAdult(port(), server_->data_dir(), login);
  }

  static HttpResponse LoginCall(int port, const std::string& login, const std::string& password) {
    return Call(port, "POST", "/api/v1/sessions",
                R"({"login":")" + login + R"(","password":")" + password + "\"}");
  }
  // Logs in; returns the session token.
  std::string Login(const std::string& login) const {
    auto r = LoginCall(port(), login, kPassword);
    EXPECT_EQ(r.status, 201) << r.body;
    return JsonString(r.body, "token");
  }
};

// C1.1: registration with a one-time code, then login, the profile, and logout.
TEST_F(AccountsTest, RegisterVerifyLoginMeLogout) {
  std::string login = UniqueLogin("flow");
  auto reg = Call("POST", "/api/v1/accounts", RegisterJson(login, "1985-06-01"));
  ASSERT_EQ(reg.status, 201) << reg.body;
  EXPECT_EQ(JsonString(reg.body, "status"), "pending_verification");
  EXPECT_FALSE(JsonString(reg.body, "account_id").empty());

  // Not verified yet: no login.
  EXPECT_NE(LoginCall(port(), login, kPassword).status, 201);

  std::string code = CodeFor(login);
  ASSERT_FALSE(code.empty()) << "no code in the outbox for " << login;
  auto wrong =
      Call("POST", "/api/v1/accounts/verify", R"({"login":")" + login + R"(","code":"000000x"})");
  EXPECT_EQ(wrong.status, 400) << wrong.body;
  auto ok = Call("POST", "/api/v1/accounts/verify",
                 R"({"login":")" + login + R"(","code":")" + code + "\"}");
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(JsonString(ok.body, "status"), "active");

  auto session = LoginCall(port(), login, kPassword);
  ASSERT_EQ(session.status, 201) << session.body;
  std::string token = JsonString(session.body, "token");
  ASSERT_FALSE(token.empty());
  const std::string& set_cookie = session.headers["set-cookie"];
  EXPECT_TRUE(set_cookie.starts_with("yz_session=" + token + ";")) << set_cookie;
  EXPECT_NE(set_cookie.find("HttpOnly"), std::string::npos) << set_cookie;
  EXPECT_NE(set_cookie.find("SameSite=Lax"), std::string::npos) << set_cookie;
  EXPECT_NE(set_cookie.find("Path=/"), std::string::npos) << set_cookie;
  EXPECT_NE(set_cookie.find("Max-Age="), std::string::npos) << set_cookie;
  EXPECT_EQ(set_cookie.find("Secure"), std::string::npos) << "loopback: no Secure";
  EXPECT_FALSE(JsonString(session.body, "id").empty());

  // The same session by bearer token and by cookie.
  auto me = Call("GET", "/api/v1/me", "", Bearer(token));
  ASSERT_EQ(me.status, 200) << me.body;
  EXPECT_EQ(JsonString(me.body, "login"), login);
  EXPECT_EQ(JsonString(me.body, "display_name"), "张三");
  EXPECT_EQ(JsonString(me.body, "status"), "active");
  auto by_cookie = Call("GET", "/api/v1/me", "", {{"Cookie", "yz_session=" + token}});
  EXPECT_EQ(by_cookie.status, 200) << by_cookie.body;

  auto sessions = Call("GET", "/api/v1/me/sessions", "", Bearer(token));
  ASSERT_EQ(sessions.status, 200) << sessions.body;
  EXPECT_NE(sessions.body.find("\"current\":true"), std::string::npos) << sessions.body;

  auto out = Call("DELETE", "/api/v1/sessions/current", "", Bearer(token));
  EXPECT_EQ(out.status, 204) << out.body;
  auto after = Call("GET", "/api/v1/me", "", Bearer(token));
  EXPECT_EQ(after.status, 401) << after.body;
  EXPECT_EQ(JsonString(after.body, "code"), "unauthenticated");
}

// C1.1, C1.2: a profile update changes the profile and its history, never the
// registration record.
TEST_F(AccountsTest, RegistrationRecordUnchangedAfterProfileUpdate) {
  std::string login = UniqueLogin("record");
  CreateAdult(login);
  std::string token = Login(login);
  auto before = Call("GET", "/api/v1/me/registration", "", Bearer(token));
  ASSERT_EQ(before.status, 200) << before.body;
  EXPECT_EQ(JsonString(before.body, "display_name"), "张三");

  auto patch = Call("PATCH", "/api/v1/me", R"({"display_name":"李四","enterprise":"零陵机械"})",
                    Bearer(token));
  ASSERT_EQ(patch.status, 200) << patch.body;
  EXPECT_EQ(JsonString(patch.body, "display_name"), "李四");
  EXPECT_EQ(JsonString(patch.body, "enterprise"), "零陵机械");

  auto after = Call("GET", "/api/v1/me/registration", "", Bearer(token));
  ASSERT_EQ(after.status, 200);
  EXPECT_EQ(after.body, before.body);  // byte for byte
  EXPECT_EQ(JsonString(after.body, "enterprise"), "永州电机厂");

  auto history = Call("GET", "/api/v1/me/history", "", Bearer(token));
  ASSERT_EQ(history.status, 200) << history.body;
  EXPECT_NE(history.body.find("\"new_value\":\"李四\""), std::string::npos) << history.body;
  EXPECT_NE(history.body.find("\"old_value\":\"张三\""), std::string::npos) << history.body;

  // Wrong types are refused, naming the field.
  auto bad = Call("PATCH", "/api/v1/me", R"({"display_name":7})", Bearer(token));
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("display_name"), std::string::npos) << bad.body;
}

// C1.2: the login itself is kept current, proven by a code sent to the new one.
TEST_F(AccountsTest, ChangingTheLoginThroughTheApi) {
  std::string login = UniqueLogin("move");
  CreateAdult(login);
  std::string token = Login(login);
  std::string next = UniqueLogin("moved");
  auto sent = Call("POST", "/api/v1/me/login",
                   R"({"login":")" + next + R"(","password":")" + kPassword + "\"}", Bearer(token));
  ASSERT_EQ(sent.status, 202) << sent.body;
  std::string code = CodeFor(next);
  ASSERT_FALSE(code.empty()) << "no code sent to the new login";
  auto wrong = Call("POST", "/api/v1/me/login/confirm",
                    R"({"login":")" + next + R"(","code":"000000x"})", Bearer(token));
  EXPECT_EQ(wrong.status, 400) << wrong.body;
  auto done = Call("POST", "/api/v1/me/login/confirm",
                   R"({"login":")" + next + R"(","code":")" + code + "\"}", Bearer(token));
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(JsonString(done.body, "login"), next);
  EXPECT_EQ(LoginCall(port(), login, kPassword).status, 401);
  EXPECT_EQ(LoginCall(port(), next, kPassword).status, 201);
  auto missing = Call("POST", "/api/v1/me/login", "{}", Bearer(token));
  EXPECT_EQ(missing.status, 400);
  EXPECT_NE(missing.body.find("login"), std::string::npos) << missing.body;
}

// Issue 4, login: an unknown login and a wrong password get the same answer.
TEST_F(AccountsTest, EnumerationAnswersAreIdentical) {
  std::string login = UniqueLogin("enum");
  CreateAdult(login);
  auto unknown = LoginCall(port(), UniqueLogin("nobody"), kPassword);
  auto wrong = LoginCall(port(), login, "not-the-password-99");
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(unknown.status, wrong.status);
  EXPECT_EQ(unknown.body, wrong.body);
  EXPECT_EQ(unknown.headers["content-type"], wrong.headers["content-type"]);
  EXPECT_EQ(unknown.headers.count("set-cookie"), 0u);

  // Password reset requests answer the same whether the login exists or not.
  auto r1 = Call("POST", "/api/v1/password-resets", R"({"login":")" + login + "\"}");
  auto r2 =
      Call("POST", "/api/v1/password-resets", R"({"login":")" + UniqueLogin("nobody") + "\"}");
  EXPECT_EQ(r1.status, 202);
  EXPECT_EQ(r1.status, r2.status);
  EXPECT_EQ(r1.body, r2.body);
}

// Issue 4, login: repeated failures are throttled with 429 and Retry-After. Its
// own server, so that the per-IP failures do not spill into other tests.
// Issue 3 point 3: argon2id runs on the worker pool, never on an I/O thread. With one
// I/O thread and eight logins in flight (each ~35 ms of hashing, two workers), a
// /healthz answered on that thread comes back before any login does; if hashing ran
// on the I/O thread, /healthz would wait at least for the login being hashed.
TEST_F(AccountsTest, PasswordHashingNeverBlocksTheIoThread) {
  ServerProcess server({"--threads", "1", "--workers", "2"});
  ASSERT_TRUE(server.started()) << server.output();
  std::string login = UniqueLogin("pool");
  CreateAdult(server.port(), server.data_dir(), login);
  std::atomic<int> logins_done{0};
  std::vector<std::thread> logins;
  std::vector<std::unique_ptr<HttpClient>> clients;
  for (int i = 0; i < 8; ++i) {
    clients.push_back(std::make_unique<HttpClient>(server.port()));
    ASSERT_TRUE(clients.back()->connected());
  }
  // All eight connections are open before any request is sent, so the requests
  // arrive together and are in flight when /healthz is asked.
  const std::string body = R"({"login":")" + login + R"(","password":")" + kPassword + "\"}";
  for (auto& c : clients) {
    logins.emplace_back([&, client = c.get()] {
      auto r =
          client->Request("POST", "/api/v1/sessions", body, {{"Content-Type", "application/json"}});
      EXPECT_TRUE(r && r->status == 201);
      ++logins_done;
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto health = Fetch(server.port(), "GET", "/healthz");
  const int done_when_healthy = logins_done.load();
  for (auto& t : logins) t.join();
  ASSERT_TRUE(health.has_value());
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(logins_done.load(), 8);
  EXPECT_EQ(done_when_healthy, 0) << "/healthz waited for a login being hashed";
}

// C1.4: the sessions list names the browser with uap-core's rules (loaded beside the
// server at start; until then a small built-in table answers, so this waits for them).
TEST_F(AccountsTest, SessionsNameTheBrowserWithUapCoreRules) {
  std::string login = UniqueLogin("browser");
  CreateAdult(login);
  const Headers firefox_ios = {
      {"User-Agent",
       "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 "
       "(KHTML, like Gecko) FxiOS/121.0 Mobile/15E148 Safari/605.1.15"}};
  std::string browser;
  for (int i = 0; i < 50 && browser != "Firefox iOS 121"; ++i) {
    if (i > 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto r = Call("POST", "/api/v1/sessions",
                  R"({"login":")" + login + R"(","password":")" + kPassword + "\"}", firefox_ios);
    ASSERT_EQ(r.status, 201) << r.body;
    browser = JsonString(r.body, "browser");
  }
  EXPECT_EQ(browser, "Firefox iOS 121");
}

TEST_F(AccountsTest, ThrottlingAnswers429WithRetryAfter) {
  ServerProcess server;
  ASSERT_TRUE(server.started()) << server.output();
  std::string login = UniqueLogin("throttle");
  CreateAdult(server.port(), server.data_dir(), login);
  HttpResponse last;
  for (int i = 0; i < 8 && last.status != 429; ++i) {
    last = LoginCall(server.port(), login, "wrong-password-" + std::to_string(i));
  }
  ASSERT_EQ(last.status, 429) << last.body;
  EXPECT_EQ(JsonString(last.body, "code"), "resource_exhausted");
  ASSERT_TRUE(last.headers.count("retry-after"));
  EXPECT_GT(std::stol(last.headers["retry-after"]), 0);
  // Even the right password waits now.
  EXPECT_EQ(LoginCall(server.port(), login, kPassword).status, 429);
}

// C5.1: a minor stays pending until a guardian consents through the one-time
// link, and is suspended (sessions revoked) when the guardian withdraws.
TEST_F(AccountsTest, MinorPendingUntilGuardianConsentsAndSuspendedOnWithdrawal) {
  std::string login = UniqueLogin("minor");
  std::string guardian = UniqueLogin("parent");
  auto no_guardian = Call("POST", "/api/v1/accounts", RegisterJson(login, BirthDateYearsAgo(15)));
  EXPECT_EQ(no_guardian.status, 400) << no_guardian.body;
  EXPECT_NE(no_guardian.body.find("guardian"), std::string::npos) << no_guardian.body;

  auto reg = Call("POST", "/api/v1/accounts", RegisterJson(login, BirthDateYearsAgo(15), guardian));
  ASSERT_EQ(reg.status, 201) << reg.body;
  auto v = Call("POST", "/api/v1/accounts/verify",
                R"({"login":")" + login + R"(","code":")" + CodeFor(login) + "\"}");
  ASSERT_EQ(v.status, 200) << v.body;
  EXPECT_EQ(JsonString(v.body, "status"), "pending_guardian");

  // Pending: the right password still does not open the account.
  auto pending = LoginCall(port(), login, kPassword);
  EXPECT_EQ(pending.status, 412) << pending.body;

  std::string link = CodeFor(guardian);
  ASSERT_FALSE(link.empty()) << "no guardian message in the outbox";
  auto info = Call("GET", "/api/v1/guardian/" + link);
  ASSERT_EQ(info.status, 200) << info.body;
  EXPECT_EQ(JsonString(info.body, "child_display_name"), "张三");
  EXPECT_EQ(Call("GET", "/api/v1/guardian/" + std::string(64, '0')).status, 404);

  auto consent = Call("POST", "/api/v1/guardian/" + link + "/consent");
  ASSERT_EQ(consent.status, 200) << consent.body;
  EXPECT_NE(consent.body.find("\"confirmed\":true"), std::string::npos) << consent.body;
  std::string token = Login(login);
  EXPECT_EQ(Call("GET", "/api/v1/me", "", Bearer(token)).status, 200);

  auto withdraw = Call("POST", "/api/v1/guardian/" + link + "/withdraw");
  ASSERT_EQ(withdraw.status, 200) << withdraw.body;
  EXPECT_EQ(Call("GET", "/api/v1/me", "", Bearer(token)).status, 401);
  auto suspended = LoginCall(port(), login, kPassword);
  EXPECT_EQ(suspended.status, 412) << suspended.body;
}

// C1.3, C1.4: a misuse report revokes every live session at once; a request with
// an old session cookie is refused.
TEST_F(AccountsTest, MisuseReportKillsEverySession) {
  std::string login = UniqueLogin("misuse");
  CreateAdult(login);
  std::string a = Login(login);
  std::string b = Login(login);
  Headers cookie_b{{"Cookie", "yz_session=" + b}};
  ASSERT_EQ(Call("GET", "/api/v1/me", "", cookie_b).status, 200);

  auto report = Call("POST", "/api/v1/misuse-reports", R"({"note":"not me"})", Bearer(a));
  ASSERT_EQ(report.status, 201) << report.body;
  EXPECT_FALSE(JsonString(report.body, "report_id").empty());

  EXPECT_EQ(Call("GET", "/api/v1/me", "", cookie_b).status, 401);
  EXPECT_EQ(Call("GET", "/account", "", cookie_b).status, 303);  // the page sends to /login
  EXPECT_EQ(Call("GET", "/api/v1/me", "", Bearer(a)).status, 401);
  // A password reset is required before the account opens again.
  EXPECT_NE(LoginCall(port(), login, kPassword).status, 201);
  ASSERT_EQ(Call("POST", "/api/v1/password-resets", R"({"login":")" + login + "\"}").status, 202);
  auto reset = Call("POST", "/api/v1/password-resets/confirm",
                    R"({"login":")" + login + R"(","code":")" + CodeFor(login) +
                        R"(","password":"quiet-river-stones-12"})");
  ASSERT_EQ(reset.status, 204) << reset.body;
  EXPECT_EQ(LoginCall(port(), login, "quiet-river-stones-12").status, 201);
}

// C1.4 without a session: prove the login with a code, then report.
TEST_F(AccountsTest, MisuseReportWithCodeRevokesSessions) {
  std::string login = UniqueLogin("misuse-code");
  CreateAdult(login);
  std::string token = Login(login);
  ASSERT_EQ(Call("POST", "/api/v1/misuse-reports/code", R"({"login":")" + login + "\"}").status,
            202);
  auto bad = Call("POST", "/api/v1/misuse-reports",
                  R"({"login":")" + login + R"(","code":"nope","note":"x"})");
  EXPECT_EQ(bad.status, 400) << bad.body;
  auto report = Call("POST", "/api/v1/misuse-reports",
                     R"({"login":")" + login + R"(","code":")" + CodeFor(login) +
                         R"(","note":"someone logged in from elsewhere"})");
  ASSERT_EQ(report.status, 201) << report.body;
  EXPECT_EQ(Call("GET", "/api/v1/me", "", Bearer(token)).status, 401);
}

// Issue 4, account life: after deletion (with its confirmation) nothing of the
// account can be read through the API or the outbox.
TEST_F(AccountsTest, DeletedAccountCannotBeRead) {
  std::string login = UniqueLogin("delete");
  CreateAdult(login);
  std::string token = Login(login);
  CommandResult before = RunYzcloud({"outbox", "--data-dir", server_->data_dir()});
  ASSERT_EQ(before.exit_code, 0) << before.err;
  ASSERT_NE(before.out.find(login), std::string::npos) << "the outbox lists the account's code";
  auto unconfirmed =
      Call("DELETE", "/api/v1/me", R"({"confirm":"someone-else@example.com"})", Bearer(token));
  EXPECT_EQ(unconfirmed.status, 400) << unconfirmed.body;
  auto missing = Call("DELETE", "/api/v1/me", "{}", Bearer(token));
  EXPECT_EQ(missing.status, 400);
  EXPECT_NE(missing.body.find("confirm"), std::string::npos) << missing.body;

  auto del = Call("DELETE", "/api/v1/me", R"({"confirm":")" + login + "\"}", Bearer(token));
  ASSERT_EQ(del.status, 204) << del.body;
  EXPECT_EQ(Call("GET", "/api/v1/me", "", Bearer(token)).status, 401);
  EXPECT_EQ(Call("GET", "/api/v1/me/registration", "", Bearer(token)).status, 401);
  // Logging in answers as for a login that never existed.
  auto gone = LoginCall(port(), login, kPassword);
  auto never = LoginCall(port(), UniqueLogin("never"), kPassword);
  EXPECT_EQ(gone.status, 401);
  EXPECT_EQ(gone.body, never.body);
  // The outbox, read through the gate, no longer opens that account's messages.
  CommandResult out = RunYzcloud({"outbox", "--data-dir", server_->data_dir()});
  ASSERT_EQ(out.exit_code, 0) << out.err;
  EXPECT_EQ(out.out.find(login), std::string::npos) << out.out;
}

// Issue 4 / DESIGN "CSRF tokens on forms": a cookie-authenticated form post
// without the token is refused; cookie-authenticated JSON needs the header or a
// same-origin Origin; bearer calls are exempt.
TEST_F(AccountsTest, CsrfFormPostWithoutTokenIsRefused) {
  std::string login = UniqueLogin("csrf");
  CreateAdult(login);
  std::string token = Login(login);

  // A browser's first visit to a form page gets its csrf cookie.
  auto page = Call("GET", "/register");
  ASSERT_EQ(page.status, 200);
  std::string csrf = page.CookieValue("yz_csrf").value_or("");
  ASSERT_EQ(csrf.size(), 64u) << page.headers["set-cookie"];
  EXPECT_EQ(CsrfField(page.body), csrf);

  std::string cookies = "yz_session=" + token + "; yz_csrf=" + csrf;
  Headers form{{"Cookie", cookies},
               {"Origin", kOrigin},
               {"Content-Type", "application/x-www-form-urlencoded"}};
  auto forged = Call("POST", "/account", FormEncode({{"display_name", "Mallory"}}), form);
  EXPECT_EQ(forged.status, 403) << forged.body;
  auto wrong =
      Call("POST", "/account",
           FormEncode({{"csrf", std::string(64, 'f')}, {"display_name", "Mallory"}}), form);
  EXPECT_EQ(wrong.status, 403);
  Headers cross = form;
  cross["Origin"] = "http://evil.example";
  auto cross_site =
      Call("POST", "/account", FormEncode({{"csrf", csrf}, {"display_name", "Mallory"}}), cross);
  EXPECT_EQ(cross_site.status, 403);
  auto me = Call("GET", "/api/v1/me", "", Bearer(token));
  EXPECT_EQ(JsonString(me.body, "display_name"), "张三") << "a refused post changed nothing";

  auto real =
      Call("POST", "/account", FormEncode({{"csrf", csrf}, {"display_name", "王五"}}), form);
  EXPECT_EQ(real.status, 303) << real.body;
  EXPECT_EQ(real.headers["location"], "/account?done=saved");

  // JSON with the session cookie: header or same-origin Origin required.
  Headers json_cookie{{"Cookie", cookies}};
  auto bare = Call("PATCH", "/api/v1/me", R"({"enterprise":"x"})", json_cookie);
  EXPECT_EQ(bare.status, 403) << bare.body;
  EXPECT_EQ(JsonString(bare.body, "code"), "permission_denied");
  json_cookie["X-CSRF-Token"] = csrf;
  EXPECT_EQ(Call("PATCH", "/api/v1/me", R"({"enterprise":"x"})", json_cookie).status, 200);
  auto evil = Call("POST", "/api/v1/sessions",
                   R"({"login":")" + login + R"(","password":")" + kPassword + "\"}",
                   {{"Origin", "http://evil.example"}});
  EXPECT_EQ(evil.status, 403) << "login CSRF from another site";
  // Bearer: exempt.
  EXPECT_EQ(Call("PATCH", "/api/v1/me", R"({"enterprise":"y"})", Bearer(token)).status, 200);
}

// The JSON API refuses malformed bodies with 400 and the error envelope, naming the
// field; oversized bodies with 413.
TEST_F(AccountsTest, BadJsonIs400WithEnvelope) {
  auto malformed = Call("POST", "/api/v1/accounts", "{\"login\": ");
  EXPECT_EQ(malformed.status, 400);
  EXPECT_EQ(malformed.headers["content-type"], "application/json");
  EXPECT_EQ(JsonString(malformed.body, "code"), "invalid_argument");
  EXPECT_FALSE(JsonString(malformed.body, "message").empty());

  auto array = Call("POST", "/api/v1/sessions", "[1,2]");
  EXPECT_EQ(array.status, 400);

  auto wrong_type = Call("POST", "/api/v1/sessions", R"({"login":42,"password":"x"})");
  EXPECT_EQ(wrong_type.status, 400);
  EXPECT_TRUE(JsonString(wrong_type.body, "message").starts_with("login")) << wrong_type.body;

  auto missing = Call("POST", "/api/v1/accounts/verify", R"({"login":"a@example.com"})");
  EXPECT_EQ(missing.status, 400);
  EXPECT_TRUE(JsonString(missing.body, "message").starts_with("code")) << missing.body;

  auto big = Call("POST", "/api/v1/sessions", "{\"login\":\"" + std::string(20000, 'a') + "\"}");
  EXPECT_EQ(big.status, 413);

  auto anonymous = Call("GET", "/api/v1/me");
  EXPECT_EQ(anonymous.status, 401);
  EXPECT_EQ(anonymous.headers["www-authenticate"], "Bearer");
}

// C2.3: a browser that does not send cookies back is told that login needs cookies,
// while browsing still works.
TEST_F(AccountsTest, LoginTellsABrowserWithoutCookies) {
  auto first = Call("GET", "/login");
  ASSERT_EQ(first.status, 303);
  EXPECT_EQ(first.headers["location"], "/login?cookie_check=1");
  EXPECT_FALSE(first.CookieValue("yz_csrf").value_or("").empty());

  // The cookie did not come back: the page says so.
  auto check = Call("GET", "/login?cookie_check=1");
  ASSERT_EQ(check.status, 200);
  EXPECT_NE(check.body.find("登录需要启用 Cookie"), std::string::npos);
  auto en = Call("GET", "/login?cookie_check=1&lang=en");
  EXPECT_NE(en.body.find("Login needs cookies"), std::string::npos);

  // Posting the form without cookies: the same message, not an attempt to log in.
  auto post = Call("POST", "/login", FormEncode({{"login", "a@example.com"}, {"password", "x"}}),
                   {{"Content-Type", "application/x-www-form-urlencoded"}, {"Origin", kOrigin}});
  EXPECT_EQ(post.status, 400);
  EXPECT_NE(post.body.find("登录需要启用 Cookie"), std::string::npos);

  // A browser that keeps cookies sees the form without the message.
  std::string csrf = first.CookieValue("yz_csrf").value_or("");
  auto kept = Call("GET", "/login?cookie_check=1", "", {{"Cookie", "yz_csrf=" + csrf}});
  EXPECT_EQ(kept.status, 200);
  EXPECT_EQ(kept.body.find("登录需要启用 Cookie"), std::string::npos);

  // Browsing needs no cookie.
  EXPECT_EQ(Call("GET", "/").status, 200);
  EXPECT_EQ(Call("GET", "/privacy").status, 200);
}

// C1.1 through the HTML forms: register, verify, log in (303s), see the account
// page with the registration record, log out.
TEST_F(AccountsTest, HtmlFormsRegisterVerifyLoginLogout) {
  std::string login = UniqueLogin("html");
  auto page = Call("GET", "/register");
  std::string csrf = page.CookieValue("yz_csrf").value_or("");
  ASSERT_FALSE(csrf.empty());
  Headers form{{"Cookie", "yz_csrf=" + csrf},
               {"Origin", kOrigin},
               {"Content-Type", "application/x-www-form-urlencoded"}};
  auto bad = Call("POST", "/register",
                  FormEncode({{"csrf", csrf},
                              {"login", login},
                              {"password", "short"},
                              {"display_name", "赵六"},
                              {"birth_date", "1990-02-03"}}),
                  form);
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.body.find("role=\"alert\""), std::string::npos);
  EXPECT_NE(bad.body.find(login), std::string::npos) << "typed values are kept";

  auto reg = Call("POST", "/register",
                  FormEncode({{"csrf", csrf},
                              {"login", login},
                              {"password", kPassword},
                              {"display_name", "赵六"},
                              {"birth_date", "1990-02-03"}}),
                  form);
  ASSERT_EQ(reg.status, 303) << reg.body;
  EXPECT_EQ(reg.headers["location"], "/verify?done=sent");
  auto verify =
      Call("POST", "/verify",
           FormEncode({{"csrf", csrf}, {"login", login}, {"code", CodeFor(login)}}), form);
  ASSERT_EQ(verify.status, 303) << verify.body;
  EXPECT_EQ(verify.headers["location"], "/login?done=verified");

  auto wrong =
      Call("POST", "/login",
           FormEncode({{"csrf", csrf}, {"login", login}, {"password", "nope-nope-nope"}}), form);
  EXPECT_EQ(wrong.status, 401);
  auto in = Call("POST", "/login",
                 FormEncode({{"csrf", csrf},
                             {"login", login},
                             {"password", kPassword},
                             {"next", "/account/sessions"}}),
                 form);
  ASSERT_EQ(in.status, 303) << in.body;
  EXPECT_EQ(in.headers["location"], "/account/sessions");
  std::string session = in.CookieValue("yz_session").value_or("");
  ASSERT_FALSE(session.empty());

  Headers browser{{"Cookie", "yz_csrf=" + csrf + "; yz_session=" + session}};
  auto account = Call("GET", "/account", "", browser);
  ASSERT_EQ(account.status, 200);
  EXPECT_NE(account.body.find("id=\"registration-record\""), std::string::npos);
  EXPECT_NE(account.body.find(login), std::string::npos);
  auto sessions = Call("GET", "/account/sessions", "", browser);
  ASSERT_EQ(sessions.status, 200);
  EXPECT_NE(sessions.body.find("data-session="), std::string::npos);

  form["Cookie"] = browser["Cookie"];
  auto out = Call("POST", "/logout", FormEncode({{"csrf", csrf}}), form);
  EXPECT_EQ(out.status, 303);
  EXPECT_EQ(Call("GET", "/account", "", browser).status, 303);
  // An open redirect through ?next= is not possible.
  auto again = Call(
      "POST", "/login",
      FormEncode(
          {{"csrf", csrf}, {"login", login}, {"password", kPassword}, {"next", "//evil.example/"}}),
      form);
  EXPECT_EQ(again.headers["location"], "/account");
}

}  // namespace
}  // namespace yz::testing
