#include "web/account_api.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "accounts/login_guard.h"
#include "core/ascii.h"
#include "web/account_pages.h"
#include "web/csrf.h"
#include "web/i18n.h"

namespace yz::web {
namespace {

namespace json = boost::json;
using accounts::AccountService;

// ---- Request bodies -------------------------------------------------------------

// A JSON object body whose string members are read by name. Errors name the field.
class JsonBody {
 public:
  static Result<JsonBody> Parse(const Request& req) {
    boost::system::error_code ec;
    json::value v = json::parse(req.body, ec);
    if (ec) return InvalidArgument("the body is not valid JSON: " + ec.message());
    if (!v.is_object()) return InvalidArgument("the body must be a JSON object");
    return JsonBody(std::move(v.get_object()));
  }

  // A required string member (may be empty only if `allow_empty`).
  Result<std::string> Required(std::string_view name, bool allow_empty = false) const {
    const json::value* v = obj_.if_contains(name);
    if (!v || v->is_null()) return InvalidArgument(std::string(name) + ": is required");
    if (!v->is_string()) return InvalidArgument(std::string(name) + ": must be a string");
    if (!allow_empty && v->get_string().empty()) {
      return InvalidArgument(std::string(name) + ": must not be empty");
    }
    return std::string(v->get_string());
  }

  // An optional string member: nullopt when absent or null.
  Result<std::optional<std::string>> Optional(std::string_view name) const {
    const json::value* v = obj_.if_contains(name);
    if (!v || v->is_null()) return std::optional<std::string>();
    if (!v->is_string()) return InvalidArgument(std::string(name) + ": must be a string");
    return std::optional<std::string>(std::string(v->get_string()));
  }

 private:
  explicit JsonBody(json::object obj) : obj_(std::move(obj)) {}
  json::object obj_;
};

// Declares `lhs` from a Result, or returns the error response from the handler.
#define YZ_TRY(lhs, rexpr) YZ_TRY_IMPL(YZ_CONCAT(yz_try_, __LINE__), lhs, rexpr)
#define YZ_TRY_IMPL(tmp, lhs, rexpr)                             \
  auto tmp = (rexpr);                                            \
  if (!tmp.ok()) return ::yz::web::StatusResponse(tmp.status()); \
  lhs = std::move(tmp).value()
#define YZ_TRY_STATUS(expr)                                   \
  do {                                                        \
    ::yz::Status yz_s_ = (expr);                              \
    if (!yz_s_.ok()) return ::yz::web::StatusResponse(yz_s_); \
  } while (0)

// ---- Responses ------------------------------------------------------------------

Response JsonOf(int status, const json::value& v) {
  return Response::Json(status, json::serialize(v));
}

Response NoContent() { return Response::Json(204, ""); }

json::object SessionJson(const accounts::Session& s) {
  return json::object{{"id", s.id},
                      {"created_at", s.created_at},
                      {"last_seen", s.last_seen},
                      {"expires_at", s.expires_at},
                      {"place", s.place},
                      {"browser", s.browser},
                      {"current", s.current}};
}

json::object ProfileJson(const accounts::Profile& p) {
  return json::object{{"account_id", p.account_id}, {"status", accounts::AccountStateName(p.state)},
                      {"login", p.login},           {"display_name", p.display_name},
                      {"enterprise", p.enterprise}, {"birth_date", p.birth_date},
                      {"minor", p.minor},           {"must_reset_password", p.must_reset_password},
                      {"created_at", p.created_at}};
}

json::object RegisteredJson(const accounts::Registered& r) {
  return json::object{{"account_id", r.account_id},
                      {"status", accounts::AccountStateName(r.state)}};
}

// ---- Handler wrappers -----------------------------------------------------------

struct Principal {
  std::string token;
  accounts::Session session;
  bool bearer = false;
};

using AuthedHandler = std::function<Response(Request&, const Principal&)>;

Response TooLarge() {
  return Response::Error(
      413, "body_too_large",
      "an account request body is at most " + std::to_string(kMaxAccountBody) + " bytes");
}

Response NeedLogin(std::string_view why) {
  return Response::Error(401, "unauthenticated", why).With("WWW-Authenticate", "Bearer");
}

// A call without credentials (register, login, resets): body limit and CSRF rule 2.
Handler Anonymous(Handler h) {
  return [h = std::move(h)](Request& req) {
    if (req.body.size() > kMaxAccountBody) return TooLarge();
    if (Status s = csrf::CheckApi(req, false); !s.ok()) return StatusResponse(s);
    return h(req);
  };
}

// A call on behalf of the logged-in account: credentials, CSRF, live session.
Handler Authed(AccountService& accounts, AuthedHandler h) {
  return [&accounts, h = std::move(h)](Request& req) {
    if (req.body.size() > kMaxAccountBody) return TooLarge();
    auto cred = RequestCredentials(req);
    if (!cred) {
      return NeedLogin("log in first: send the yz_session cookie or Authorization: Bearer TOKEN");
    }
    if (Status s = csrf::CheckApi(req, !cred->bearer); !s.ok()) return StatusResponse(s);
    auto session = accounts.Authenticate(cred->token);
    if (!session.ok()) {
      Response res = StatusResponse(session.status());
      if (res.status == 401) {
        res.With("WWW-Authenticate", "Bearer");
        if (!cred->bearer) res.With("Set-Cookie", ClearSessionCookie(req));
      }
      return res;
    }
    req.account_id = session->account_id;
    return h(req, Principal{cred->token, *std::move(session), cred->bearer});
  };
}

// ---- Handlers -------------------------------------------------------------------

Response Register(AccountService& accounts, Request& req) {
  YZ_TRY(JsonBody body, JsonBody::Parse(req));
  accounts::Registration r;
  YZ_TRY(r.login, body.Required("login"));
  YZ_TRY(r.password, body.Required("password"));
  YZ_TRY(r.display_name, body.Required("display_name"));
  YZ_TRY(r.birth_date, body.Required("birth_date"));
  YZ_TRY(auto enterprise, body.Optional("enterprise"));
  YZ_TRY(auto guardian, body.Optional("guardian"));
  r.enterprise = enterprise.value_or("");
  r.guardian = guardian.value_or("");
  YZ_TRY(auto registered, accounts.Register(r, ClientOf(req)));
  return JsonOf(201, RegisteredJson(registered)).With("Location", "/api/v1/me");
}

Response Verify(AccountService& accounts, Request& req) {
  YZ_TRY(JsonBody body, JsonBody::Parse(req));
  YZ_TRY(auto login, body.Required("login"));
  YZ_TRY(auto code, body.Required("code"));
  std::int64_t retry_after = 0;
  auto registered = accounts.Verify(login, code, ClientOf(req), &retry_after);
  if (!registered.ok()) return StatusResponse(registered.status(), retry_after);
  return JsonOf(200, RegisteredJson(*registered));
}

// 202 once queued, whether or not the login exists (issue 15 defect 4).
Response CodeRequest(Request& req,
                     Status (AccountService::*request)(std::string_view, const accounts::Client&,
                                                       std::int64_t*),
                     AccountService& accounts) {
  YZ_TRY(JsonBody body, JsonBody::Parse(req));
  YZ_TRY(auto login, body.Required("login"));
  std::int64_t retry_after = 0;
  Status s = (accounts.*request)(login, ClientOf(req), &retry_after);
  if (!s.ok()) return StatusResponse(s, retry_after);
  return JsonOf(202, json::object{{"status", "sent"}});
}

Response Resend(AccountService& accounts, Request& req) {
  return CodeRequest(req, &AccountService::ResendVerification, accounts);
}

Response Login(AccountService& accounts, Request& req) {
  YZ_TRY(JsonBody body, JsonBody::Parse(req));
  YZ_TRY(auto login, body.Required("login"));
  YZ_TRY(auto password, body.Required("password"));
  std::int64_t retry_after = 0;
  auto session = accounts.Login(login, password, ClientOf(req), &retry_after);
  if (!session.ok()) return StatusResponse(session.status(), retry_after);
  json::object out{{"token", session->token}, {"session", SessionJson(session->session)}};
  return JsonOf(201, out)
      .With("Set-Cookie", DeviceCookie(req, session->device_cookie))
      .With("Set-Cookie", SessionCookie(req, session->token, accounts.session_max_seconds()));
}

Response Logout(AccountService& accounts, Request& req, const Principal& p) {
  YZ_TRY_STATUS(accounts.Logout(p.token));
  return NoContent().With("Set-Cookie", ClearSessionCookie(req));
}

Response Me(AccountService& accounts, const Principal& p) {
  YZ_TRY(auto profile, accounts.GetProfile(p.session.account_id));
  return JsonOf(200, ProfileJson(profile));
}

Response UpdateMe(AccountService& accounts, Request& req, const Principal& p) {
  YZ_TRY(JsonBody body, JsonBody::Parse(req));
  accounts::ProfileUpdate update;
  YZ_TRY(update.display_name, body.Optional("display_name"));
  YZ_TRY(update.enterprise, body.Optional("enterprise"));
  if (!update.display_name && !update.enterprise) {
    return StatusResponse(InvalidArgument("display_name, enterprise: give at least one"));
  }
  YZ_TRY_STATUS(accounts.UpdateProfile(p.session.account_id, update));
  return Me(accounts, p);
}

Response Registration(AccountService& accounts, const Principal& p) {
  YZ_TRY(auto rec, accounts.GetRegistrationRecord(p.session.account_id));
  return JsonOf(200, json::object{{"login", rec.login},
                                  {"display_name", rec.display_name},
                                  {"enterprise", rec.enterprise},
                                  {"birth_date", rec.birth_date},
                                  {"guardian", rec.guardian},
                                  {"registered_at", rec.registered_at}});
}

Response History(AccountService& accounts, const Principal& p) {
  YZ_TRY(auto changes, accounts.ProfileHistory(p.session.account_id));
  json::array out;
  for (const auto& c : changes) {
    out.push_back(json::object{
        {"field", c.field}, {"old_value", c.old_value}, {"new_value", c.new_value}, {"at", c.at}});
  }
  return JsonOf(200, json::object{{"changes", std::move(out)}});
}

Response Sessions(AccountService& accounts, const Principal& p) {
  YZ_TRY(auto sessions, accounts.Sessions(p.session.account_id, p.token));
  json::array out;
  for (const auto& s : sessions) out.push_back(SessionJson(s));
  return JsonOf(200, json::object{{"sessions", std::move(out)}});
}

Response RevokeSession(AccountService& accounts, Request& req, const Principal& p) {
  std::string id = req.Param("id");
  YZ_TRY_STATUS(accounts.RevokeSession(p.session.account_id, id));
  Response res = NoContent();
  if (id == p.session.id && !p.bearer) res.With("Set-Cookie", ClearSessionCookie(req));
  return res;
}

Response RevokeAll(AccountService& accounts, Request& req, const Principal& p) {
  YZ_TRY_STATUS(accounts.RevokeAllSessions(p.session.account_id));
  Response res = NoContent();
  if (!p.bearer) res.With("Set-Cookie", ClearSessionCookie(req));
  return res;
}

Response ChangePassword(AccountService& accounts, Request& req, const Principal& p) {
  YZ_TRY(JsonBody body, JsonBody::Parse(req));
  YZ_TRY(auto current, body.Required("current"));
  YZ_TRY(auto next, body.Required("new"));
  YZ_TRY_STATUS(accounts.ChangePassword(p.session.account_id, current, next, p.token));
  return NoContent();
}

// Issue 15 defect 6: the password again, so a session alone cannot move the account.
Response RequestLoginChange(AccountService& accounts, Request& req, const Principal& p) {
  YZ_TRY(JsonBody body, JsonBody::Parse(req));
  YZ_TRY(auto login, body.Required("login"));
  YZ_TRY(auto password, body.Required("password"));
  std::int64_t retry_after = 0;
  Status s = accounts.RequestLoginChange(p.session.account_id, login, password, ClientOf(req),
                                         &retry_after);
  if (!s.ok()) return StatusResponse(s, retry_after);
  return JsonOf(202, json::object{{"sent", true}});
}

Response ConfirmLoginChange(AccountService& accounts, Request& req, const Principal& p) {
  YZ_TRY(JsonBody body, JsonBody::Parse(req));
  YZ_TRY(auto login, body.Required("login"));
  YZ_TRY(auto code, body.Required("code"));
  YZ_TRY_STATUS(accounts.ConfirmLoginChange(p.session.account_id, login, code));
  return Me(accounts, p);
}

// The previous login's link (accounts/login_change.h): what it undoes, and undoing it.
Response LoginRevert(AccountService& accounts, Request& req) {
  YZ_TRY(auto r, accounts.GetLoginRevert(req.Param("token")));
  return JsonOf(200, json::object{{"changed_at", r.changed_at}, {"expires_at", r.expires_at}});
}

Response RevertLoginChange(AccountService& accounts, Request& req) {
  YZ_TRY_STATUS(accounts.RevertLoginChange(req.Param("token")));
  Response res = JsonOf(200, json::object{{"status", "reverted"}});
  if (req.CookieValue(kSessionCookie)) res.With("Set-Cookie", ClearSessionCookie(req));
  return res;
}

Response RequestReset(AccountService& accounts, Request& req) {
  return CodeRequest(req, &AccountService::RequestPasswordReset, accounts);
}

Response ConfirmReset(AccountService& accounts, Request& req) {
  YZ_TRY(JsonBody body, JsonBody::Parse(req));
  YZ_TRY(auto login, body.Required("login"));
  YZ_TRY(auto code, body.Required("code"));
  YZ_TRY(auto password, body.Required("password"));
  std::int64_t retry_after = 0;
  Status s = accounts.ResetPassword(login, code, password, ClientOf(req), &retry_after);
  if (!s.ok()) return StatusResponse(s, retry_after);
  return NoContent();
}

Response Logins(AccountService& accounts, const Principal& p) {
  YZ_TRY(auto events, accounts.RecentLogins(p.session.account_id));
  json::array out;
  for (const auto& e : events) {
    out.push_back(json::object{
        {"at", e.at}, {"place", e.place}, {"browser", e.browser}, {"succeeded", e.succeeded}});
  }
  return JsonOf(200, json::object{{"logins", std::move(out)}});
}

// Logged in: {note}. Without a session: {login, code, note} after
// POST /api/v1/misuse-reports/code.
Response ReportMisuse(AccountService& accounts, Request& req) {
  YZ_TRY(JsonBody body, JsonBody::Parse(req));
  YZ_TRY(auto note, body.Optional("note"));
  YZ_TRY(auto login, body.Optional("login"));
  if (login) {
    if (Status s = csrf::CheckApi(req, false); !s.ok()) return StatusResponse(s);
    YZ_TRY(auto code, body.Required("code"));
    std::int64_t retry_after = 0;
    auto id =
        accounts.ReportMisuseWithCode(*login, code, note.value_or(""), ClientOf(req), &retry_after);
    if (!id.ok()) return StatusResponse(id.status(), retry_after);
    return JsonOf(201, json::object{{"report_id", *id}});
  }
  return Authed(accounts, [&](Request& r, const Principal& p) -> Response {
    YZ_TRY(auto id, accounts.ReportMisuse(p.session.account_id, note.value_or("")));
    Response res = JsonOf(201, json::object{{"report_id", id}});
    if (!p.bearer) res.With("Set-Cookie", ClearSessionCookie(r));
    return res;
  })(req);
}

Response MisuseCode(AccountService& accounts, Request& req) {
  return CodeRequest(req, &AccountService::RequestMisuseCode, accounts);
}

Response DeleteMe(AccountService& accounts, Request& req, const Principal& p) {
  YZ_TRY(JsonBody body, JsonBody::Parse(req));
  YZ_TRY(auto confirm, body.Required("confirm"));
  YZ_TRY_STATUS(accounts.DeleteAccount(p.session.account_id, confirm));
  Response res = NoContent();
  if (!p.bearer) res.With("Set-Cookie", ClearSessionCookie(req));
  return res;
}

Response Guardian(AccountService& accounts, Request& req) {
  YZ_TRY(auto g, accounts.GetGuardianRequest(req.Param("token")));
  return JsonOf(200, json::object{{"child_display_name", g.child_display_name},
                                  {"under_sensitive_age", g.under_sensitive_age},
                                  {"confirmed", g.confirmed},
                                  {"withdrawn", g.withdrawn}});
}

Response GuardianAct(AccountService& accounts, Request& req, bool consent) {
  std::string token = req.Param("token");
  YZ_TRY_STATUS(consent ? accounts.GuardianConsent(token) : accounts.GuardianWithdraw(token));
  return Guardian(accounts, req);
}

}  // namespace

std::optional<Credentials> RequestCredentials(const Request& req) {
  std::string_view auth = req.HeaderValue("authorization");
  if (auth.size() > 7) {
    if (AsciiLowered(auth.substr(0, 7)) == "bearer ") {
      std::string_view token = auth.substr(7);
      while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
      if (!token.empty()) return Credentials{std::string(token), true};
    }
  }
  if (auto cookie = req.CookieValue(kSessionCookie); cookie && !cookie->empty()) {
    return Credentials{*cookie, false};
  }
  return std::nullopt;
}

accounts::Client ClientOf(const Request& req) {
  accounts::Client c;
  c.ip = req.client_ip;
  c.user_agent = std::string(req.HeaderValue("user-agent").substr(0, 512));
  c.lang = std::string(LangTag(PickLanguage(req)));
  if (auto device = req.CookieValue(kDeviceCookie)) c.device_cookie = device->substr(0, 256);
  return c;
}

std::string SessionCookie(const Request& req, std::string_view token, std::int64_t max_age) {
  // The server enforces idle and absolute expiry itself; the cookie lives as long
  // as the longest session may.
  return CookieHeader(req, kSessionCookie, token, max_age);
}

std::string ClearSessionCookie(const Request& req) {
  return CookieHeader(req, kSessionCookie, "", 0);
}

std::string DeviceCookie(const Request& req, std::string_view value) {
  return CookieHeader(req, kDeviceCookie, value, accounts::kDeviceCookieSeconds);
}

Response StatusResponse(const Status& status, std::int64_t retry_after) {
  Response res = Response::FromStatus(status);
  if (status.code() == Code::kResourceExhausted && retry_after > 0) {
    res.With("Retry-After", std::to_string(retry_after));
  }
  return res;
}

void AddAccountRoutes(Router& r, App& app) {
  AccountService& a = app.accounts;
  auto anon = [&a](Response (*fn)(AccountService&, Request&)) {
    return Anonymous([&a, fn](Request& req) { return fn(a, req); });
  };
  auto authed = [&a](Response (*fn)(AccountService&, Request&, const Principal&)) {
    return Authed(a, [&a, fn](Request& req, const Principal& p) { return fn(a, req, p); });
  };
  auto authed_get = [&a](Response (*fn)(AccountService&, const Principal&)) {
    return Authed(a, [&a, fn](Request&, const Principal& p) { return fn(a, p); });
  };

  r.Add("POST", "/api/v1/accounts", anon(Register));
  r.Add("POST", "/api/v1/accounts/verify", anon(Verify));
  r.Add("POST", "/api/v1/accounts/resend", anon(Resend));
  r.Add("POST", "/api/v1/sessions", anon(Login));
  r.Add("DELETE", "/api/v1/sessions/current", authed(Logout));
  r.Add("GET", "/api/v1/me", authed_get(Me));
  r.Add("PATCH", "/api/v1/me", authed(UpdateMe));
  r.Add("DELETE", "/api/v1/me", authed(DeleteMe));
  r.Add("GET", "/api/v1/me/registration", authed_get(Registration));
  r.Add("GET", "/api/v1/me/history", authed_get(History));
  r.Add("GET", "/api/v1/me/sessions", authed_get(Sessions));
  r.Add("DELETE", "/api/v1/me/sessions", authed(RevokeAll));
  r.Add("DELETE", "/api/v1/me/sessions/{id}", authed(RevokeSession));
  r.Add("POST", "/api/v1/me/password", authed(ChangePassword));
  r.Add("POST", "/api/v1/me/login", authed(RequestLoginChange));
  r.Add("POST", "/api/v1/me/login/confirm", authed(ConfirmLoginChange));
  r.Add("GET", "/api/v1/login-change/revert/{token}",
        [&a](Request& req) { return LoginRevert(a, req); });
  r.Add("POST", "/api/v1/login-change/revert/{token}", anon(RevertLoginChange));
  r.Add("GET", "/api/v1/me/logins", authed_get(Logins));
  r.Add("POST", "/api/v1/password-resets", anon(RequestReset));
  r.Add("POST", "/api/v1/password-resets/confirm", anon(ConfirmReset));
  // Either a logged-in report or one proven with a code: the handler decides.
  r.Add("POST", "/api/v1/misuse-reports", [&a](Request& req) {
    if (req.body.size() > kMaxAccountBody) return TooLarge();
    return ReportMisuse(a, req);
  });
  r.Add("POST", "/api/v1/misuse-reports/code", anon(MisuseCode));
  r.Add("GET", "/api/v1/guardian/{token}", [&a](Request& req) { return Guardian(a, req); });
  r.Add("POST", "/api/v1/guardian/{token}/consent",
        Anonymous([&a](Request& req) { return GuardianAct(a, req, true); }));
  r.Add("POST", "/api/v1/guardian/{token}/withdraw",
        Anonymous([&a](Request& req) { return GuardianAct(a, req, false); }));

  AddAccountPages(r, app);
}

}  // namespace yz::web
