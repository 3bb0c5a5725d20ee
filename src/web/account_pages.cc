#include "web/account_pages.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/url/encoding_opts.hpp>
#include <boost/url/parse_query.hpp>
#include <cstdint>
#include <ctime>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "web/account_api.h"
#include "web/csrf.h"
#include "web/i18n.h"
#include "web/pages.h"
#include "web/redirect_target.h"

namespace yz::web {
namespace {

namespace json = boost::json;
using accounts::AccountService;
using Messages_t = std::map<std::string, std::string>;

// ---- Small helpers ---------------------------------------------------------------

// An application/x-www-form-urlencoded body; a malformed one reads as empty.
class Form {
 public:
  explicit Form(std::string_view body) {
    auto parsed = boost::urls::parse_query(body);
    if (!parsed) return;
    boost::urls::encoding_opts opt;
    opt.space_as_plus = true;
    for (auto p : *parsed) {
      std::string key = p.key.decode(opt);
      if (!values_.count(key)) values_[key] = p.has_value ? p.value.decode(opt) : std::string();
    }
  }
  std::string Get(const std::string& name) const {
    auto it = values_.find(name);
    return it == values_.end() ? std::string() : it->second;
  }

 private:
  std::map<std::string, std::string> values_;
};

Response Redirect(std::string location) {
  return Response::Text(303, "", "text/plain; charset=utf-8").With("Location", std::move(location));
}

// A page of this site to return to after login (redirect_target.h); anything
// that would leave the site becomes /account.
std::string SafeNext(std::string_view next) {
  return SafeRedirectTarget(next).value_or("/account");
}

std::string UrlEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '/') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// ---- Rendering -------------------------------------------------------------------

// The message for a failed call: a sentence in the page's language, plus the
// service's own (English) detail where it helps (which field, which rule).
json::object ErrorData(const Request& req, const Status& s, std::string_view context = {},
                       std::int64_t retry_after = 0) {
  const Messages_t& m = Messages(PickLanguage(req));
  std::string key;
  bool detail = false;
  switch (s.code()) {
    case Code::kInvalidArgument:
      key = "err_invalid";
      detail = true;
      break;
    case Code::kUnauthenticated:
      key = context == "login" ? "err_login_failed" : "err_unauthenticated";
      break;
    case Code::kAlreadyExists:
      key = "err_exists";
      break;
    case Code::kFailedPrecondition:
      key = "err_not_active";
      break;
    case Code::kResourceExhausted:
      key = "err_throttled";
      break;
    case Code::kNotFound:
      key = "err_not_found";
      break;
    case Code::kPermissionDenied:
      key = "err_forbidden";
      detail = true;
      break;
    default:
      key = "err_unavailable";
      break;
  }
  json::object e;
  e["text"] = Fill(Msg(m, key), "n", std::to_string(retry_after > 0 ? retry_after : 60));
  if (detail && !s.message().empty()) e["detail"] = s.message();
  return e;
}

// Renders an account page with the CSRF token for its forms, setting the token's
// cookie when the browser has none yet.
Response Show(const Request& req, std::string_view name, std::string_view title_key,
              json::object data = {}, int status = 200) {
  csrf::Token token = csrf::EnsureToken(req);
  data["csrf"] = token.value;
  if (auto done = req.QueryValue("done"); done && !done->empty() && done->size() < 40) {
    const Messages_t& m = Messages(PickLanguage(req));
    auto it = m.find("done_" + *done);
    if (it != m.end()) data["notice"] = it->second;
  }
  Response res = RenderPage(req, name, title_key, std::move(data));
  res.status = status;
  if (token.fresh) res.With("Set-Cookie", csrf::SetCookie(req, token.value));
  return res;
}

// Re-renders a form after a failed call, with the status's HTTP code.
Response ShowError(const Request& req, std::string_view name, std::string_view title_key,
                   json::object data, const Status& s, std::string_view context = {},
                   std::int64_t retry_after = 0) {
  data["error"] = ErrorData(req, s, context, retry_after);
  Response res = Show(req, name, title_key, std::move(data), HttpStatusFor(s.code()));
  if (s.code() == Code::kResourceExhausted && retry_after > 0) {
    res.With("Retry-After", std::to_string(retry_after));
  }
  return res;
}

json::object CookiesNeeded(const Request& req) {
  return json::object{{"text", Msg(Messages(PickLanguage(req)), "err_cookies_needed")}};
}

// ---- Wrappers --------------------------------------------------------------------

struct PageSession {
  std::string token;
  accounts::Session session;
};

using FormHandler = std::function<Response(Request&, const Form&)>;
using PageHandler = std::function<Response(Request&, const PageSession&)>;
using SessionFormHandler = std::function<Response(Request&, const Form&, const PageSession&)>;

std::optional<PageSession> CurrentSession(AccountService& accounts, const Request& req) {
  auto token = req.CookieValue(kSessionCookie);
  if (!token || token->empty()) return std::nullopt;
  auto session = accounts.Authenticate(*token);
  if (!session.ok()) return std::nullopt;
  req.account_id = session->account_id;
  return PageSession{*token, *std::move(session)};
}

Response ToLogin(const Request& req) {
  Response res = Redirect("/login?next=" + UrlEncode(req.path));
  if (req.CookieValue(kSessionCookie)) res.With("Set-Cookie", ClearSessionCookie(req));
  return res;
}

// A form post: body limit and CSRF. Without the yz_csrf cookie at all the page is
// re-rendered saying that the form needs cookies (C2.3) rather than a bare 403.
Handler FormPost(std::string_view page, std::string_view title, FormHandler h) {
  return [page = std::string(page), title = std::string(title), h = std::move(h)](Request& req) {
    if (req.body.size() > kMaxAccountBody) {
      return Response::Error(413, "body_too_large", "the form is too large");
    }
    Form form(req.body);
    if (!csrf::HasCookie(req)) {
      return Show(req, page, title, json::object{{"error", CookiesNeeded(req)}}, 400);
    }
    if (Status s = csrf::CheckForm(req, form.Get(std::string(csrf::kFormField))); !s.ok()) {
      return ShowError(req, page, title, {}, s);
    }
    return h(req, form);
  };
}

Handler SessionPage(AccountService& accounts, PageHandler h) {
  return [&accounts, h = std::move(h)](Request& req) {
    auto session = CurrentSession(accounts, req);
    if (!session) return ToLogin(req);
    return h(req, *session);
  };
}

Handler SessionForm(AccountService& accounts, std::string_view page, std::string_view title,
                    SessionFormHandler h) {
  return FormPost(page, title, [&accounts, h = std::move(h)](Request& req, const Form& form) {
    auto session = CurrentSession(accounts, req);
    if (!session) return ToLogin(req);
    return h(req, form, *session);
  });
}

// ---- Register and verify ---------------------------------------------------------

json::object RegisterValues(const Form& f) {
  // The password is never echoed back.
  return json::object{{"login", f.Get("login")},
                      {"display_name", f.Get("display_name")},
                      {"birth_date", f.Get("birth_date")},
                      {"enterprise", f.Get("enterprise")},
                      {"guardian", f.Get("guardian")}};
}

Response RegisterPost(AccountService& a, Request& req, const Form& f) {
  accounts::Registration r{f.Get("login"),      f.Get("password"),   f.Get("display_name"),
                           f.Get("birth_date"), f.Get("enterprise"), f.Get("guardian")};
  auto registered = a.Register(r, ClientOf(req));
  if (!registered.ok()) {
    return ShowError(req, "register", "register_title", json::object{{"values", RegisterValues(f)}},
                     registered.status());
  }
  return Redirect("/verify?done=sent");
}

Response VerifyPost(AccountService& a, Request& req, const Form& f) {
  std::int64_t retry_after = 0;
  auto verified = a.Verify(f.Get("login"), f.Get("code"), ClientOf(req), &retry_after);
  if (!verified.ok()) {
    return ShowError(req, "verify", "verify_title", json::object{{"login", f.Get("login")}},
                     verified.status(), {}, retry_after);
  }
  return Redirect(verified->state == accounts::AccountState::kPendingGuardian
                      ? "/login?done=guardian_pending"
                      : "/login?done=verified");
}

Response ResendPost(AccountService& a, Request& req, const Form& f) {
  std::int64_t retry_after = 0;
  Status s = a.ResendVerification(f.Get("login"), ClientOf(req), &retry_after);
  if (!s.ok()) {
    return ShowError(req, "verify", "verify_title", json::object{{"login", f.Get("login")}}, s, {},
                     retry_after);
  }
  return Redirect("/verify?done=sent");
}

// ---- Login and logout ------------------------------------------------------------

Response LoginPage(Request& req) {
  json::object data{{"next", SafeNext(req.QueryValue("next").value_or(""))}};
  if (!csrf::HasCookie(req)) {
    if (req.QueryValue("cookie_check")) {
      // C2.3: the cookie set one redirect ago did not come back.
      data["error"] = CookiesNeeded(req);
      data["cookies_blocked"] = true;
      return Show(req, "login", "login_title", std::move(data));
    }
    // Set the cookie (Show does) and come back once to see whether the browser kept it.
    Response res = Show(req, "login", "login_title", std::move(data));
    res.status = 303;
    res.body.clear();
    res.With("Location", "/login?" + req.query + (req.query.empty() ? "" : "&") + "cookie_check=1");
    return res;
  }
  return Show(req, "login", "login_title", std::move(data));
}

Response LoginPost(AccountService& a, Request& req) {
  Form f(req.body);
  json::object data{{"login", f.Get("login")}, {"next", SafeNext(f.Get("next"))}};
  if (req.body.size() > kMaxAccountBody) {
    return Response::Error(413, "body_too_large", "the form is too large");
  }
  if (!csrf::HasCookie(req)) {
    // C2.3: a browser that refuses cookies cannot keep a session: say so.
    data["error"] = CookiesNeeded(req);
    data["cookies_blocked"] = true;
    return Show(req, "login", "login_title", std::move(data), 400);
  }
  if (Status s = csrf::CheckForm(req, f.Get(std::string(csrf::kFormField))); !s.ok()) {
    return ShowError(req, "login", "login_title", std::move(data), s);
  }
  std::int64_t retry_after = 0;
  auto session = a.Login(f.Get("login"), f.Get("password"), ClientOf(req), &retry_after);
  if (!session.ok()) {
    return ShowError(req, "login", "login_title", std::move(data), session.status(), "login",
                     retry_after);
  }
  return Redirect(SafeNext(f.Get("next")))
      .With("Set-Cookie", DeviceCookie(req, session->device_cookie))
      .With("Set-Cookie", SessionCookie(req, session->token, a.session_max_seconds()));
}

Response LogoutPost(AccountService& a, Request& req, const Form&) {
  if (auto token = req.CookieValue(kSessionCookie); token && !token->empty()) {
    (void)a.Logout(*token);  // an unknown or expired session is logged out already
  }
  return Redirect("/login?done=logged_out").With("Set-Cookie", ClearSessionCookie(req));
}

// ---- The account page ------------------------------------------------------------

Response AccountPage(AccountService& a, Request& req, const PageSession& s, json::object data = {},
                     std::optional<Status> error = std::nullopt, std::string_view context = {},
                     std::int64_t retry_after = 0) {
  const Messages_t& m = Messages(PickLanguage(req));
  auto profile = a.GetProfile(s.session.account_id);
  if (!profile.ok()) return ShowError(req, "account", "account_title", {}, profile.status());
  auto record = a.GetRegistrationRecord(s.session.account_id);
  if (!record.ok()) return ShowError(req, "account", "account_title", {}, record.status());
  auto history = a.ProfileHistory(s.session.account_id);
  if (!history.ok()) return ShowError(req, "account", "account_title", {}, history.status());

  data["profile"] = json::object{
      {"login", profile->login},
      {"display_name", profile->display_name},
      {"enterprise", profile->enterprise},
      {"birth_date", profile->birth_date},
      {"status", Msg(m, "status_" + std::string(accounts::AccountStateName(profile->state)))},
      {"must_reset_password", profile->must_reset_password}};
  if (!data.contains("values")) {
    data["values"] =
        json::object{{"display_name", profile->display_name}, {"enterprise", profile->enterprise}};
  }
  data["record"] = json::object{{"login", record->login},
                                {"display_name", record->display_name},
                                {"enterprise", record->enterprise},
                                {"birth_date", record->birth_date},
                                {"guardian", record->guardian},
                                {"registered_at", UtcText(record->registered_at)},
                                {"registered_iso", UtcIso(record->registered_at)}};
  json::array changes;
  for (const auto& c : *history) {
    changes.push_back(json::object{{"field", Msg(m, "history_field_" + c.field)},
                                   {"old_value", c.old_value},
                                   {"new_value", c.new_value},
                                   {"at", UtcText(c.at)},
                                   {"iso", UtcIso(c.at)}});
  }
  data["has_changes"] = !changes.empty();
  data["changes"] = std::move(changes);
  if (error) {
    return ShowError(req, "account", "account_title", std::move(data), *error, context,
                     retry_after);
  }
  return Show(req, "account", "account_title", std::move(data));
}

Response AccountPost(AccountService& a, Request& req, const Form& f, const PageSession& s) {
  accounts::ProfileUpdate update{f.Get("display_name"), f.Get("enterprise")};
  if (Status st = a.UpdateProfile(s.session.account_id, update); !st.ok()) {
    json::object data{{"values", json::object{{"display_name", f.Get("display_name")},
                                              {"enterprise", f.Get("enterprise")}}}};
    return AccountPage(a, req, s, std::move(data), st);
  }
  return Redirect("/account?done=saved");
}

// C1.2: a new login, proven with a code sent to it.
json::object LoginChangeData(const Request& req, const std::string& login) {
  const Messages_t& m = Messages(PickLanguage(req));
  return json::object{
      {"login_change", json::object{{"login", login},
                                    {"confirm_intro", Fill(Msg(m, "account_login_confirm_intro"),
                                                           "login", login)}}}};
}

Response LoginChangePost(AccountService& a, Request& req, const Form& f, const PageSession& s) {
  const std::string login = f.Get("login");
  std::int64_t retry_after = 0;
  // Issue 15 defect 6: the password again; a wrong one counts as a failed login.
  Status st = a.RequestLoginChange(s.session.account_id, login, f.Get("password"), ClientOf(req),
                                   &retry_after);
  if (!st.ok()) {
    return AccountPage(a, req, s, json::object{{"values", json::object{{"new_login", login}}}}, st,
                       {}, retry_after);
  }
  json::object data = LoginChangeData(req, login);
  data["notice"] = Msg(Messages(PickLanguage(req)), "done_login_code_sent");
  return AccountPage(a, req, s, std::move(data));
}

Response LoginConfirmPost(AccountService& a, Request& req, const Form& f, const PageSession& s) {
  const std::string login = f.Get("login");
  if (Status st = a.ConfirmLoginChange(s.session.account_id, login, f.Get("code")); !st.ok()) {
    return AccountPage(a, req, s, LoginChangeData(req, login), st);
  }
  return Redirect("/account?done=login_changed");
}

// Issue 15 defect 6: the previous login's link. GET only shows what it would undo
// (link scanners fetch links); the POST undoes it.
Response RevertPage(AccountService& a, Request& req, std::optional<Status> error = {}) {
  const Messages_t& m = Messages(PickLanguage(req));
  const std::string token = req.Param("token");
  auto revert = a.GetLoginRevert(token);
  if (!revert.ok()) return ShowError(req, "login_revert", "revert_title", {}, revert.status());
  json::object data{
      {"token", token},
      {"revert",
       json::object{
           {"intro", Fill(Msg(m, "revert_intro"), "changed", UtcText(revert->changed_at))},
           {"until", Fill(Msg(m, "revert_until"), "expires", UtcText(revert->expires_at))}}}};
  if (error) return ShowError(req, "login_revert", "revert_title", std::move(data), *error);
  return Show(req, "login_revert", "revert_title", std::move(data));
}

Response RevertPost(AccountService& a, Request& req) {
  if (Status st = a.RevertLoginChange(req.Param("token")); !st.ok()) return RevertPage(a, req, st);
  Response res = Redirect("/password-reset?done=login_reverted");
  if (req.CookieValue(kSessionCookie)) res.With("Set-Cookie", ClearSessionCookie(req));
  return res;
}

// ---- Sessions --------------------------------------------------------------------

Response SessionsPage(AccountService& a, Request& req, const PageSession& s) {
  auto sessions = a.Sessions(s.session.account_id, s.token);
  if (!sessions.ok()) return ShowError(req, "sessions", "sessions_title", {}, sessions.status());
  json::array rows;
  for (const auto& x : *sessions) {
    rows.push_back(json::object{{"id", x.id},
                                {"created", UtcText(x.created_at)},
                                {"created_iso", UtcIso(x.created_at)},
                                {"last_seen", UtcText(x.last_seen)},
                                {"last_seen_iso", UtcIso(x.last_seen)},
                                {"place", x.place},
                                {"browser", x.browser},
                                {"current", x.current}});
  }
  return Show(req, "sessions", "sessions_title", json::object{{"sessions", std::move(rows)}});
}

Response RevokePost(AccountService& a, Request& req, const Form&, const PageSession& s) {
  std::string id = req.Param("id");
  if (Status st = a.RevokeSession(s.session.account_id, id); !st.ok()) {
    return ShowError(req, "sessions", "sessions_title", {}, st);
  }
  if (id == s.session.id) {
    return Redirect("/login?done=logged_out").With("Set-Cookie", ClearSessionCookie(req));
  }
  return Redirect("/account/sessions?done=revoked");
}

Response RevokeAllPost(AccountService& a, Request& req, const Form&, const PageSession& s) {
  if (Status st = a.RevokeAllSessions(s.session.account_id); !st.ok()) {
    return ShowError(req, "sessions", "sessions_title", {}, st);
  }
  return Redirect("/login?done=sessions_revoked").With("Set-Cookie", ClearSessionCookie(req));
}

// ---- Passwords -------------------------------------------------------------------

Response PasswordPost(AccountService& a, Request& req, const Form& f, const PageSession& s) {
  if (f.Get("new") != f.Get("new_again")) {
    json::object data{{"error", json::object{{"text", Msg(Messages(PickLanguage(req)),
                                                          "err_password_mismatch")}}}};
    return Show(req, "password", "password_title", std::move(data), 400);
  }
  Status st = a.ChangePassword(s.session.account_id, f.Get("current"), f.Get("new"), s.token);
  if (!st.ok()) return ShowError(req, "password", "password_title", {}, st);
  return Redirect("/account?done=password_changed");
}

Response ResetRequestPost(AccountService& a, Request& req, const Form& f) {
  std::int64_t retry_after = 0;
  Status st = a.RequestPasswordReset(f.Get("login"), ClientOf(req), &retry_after);
  if (!st.ok()) {
    return ShowError(req, "password_reset", "reset_title", json::object{{"login", f.Get("login")}},
                     st, {}, retry_after);
  }
  return Redirect("/password-reset?done=sent");
}

Response ResetConfirmPost(AccountService& a, Request& req, const Form& f) {
  std::int64_t retry_after = 0;
  Status st = a.ResetPassword(f.Get("login"), f.Get("code"), f.Get("password"), ClientOf(req),
                              &retry_after);
  if (!st.ok()) {
    return ShowError(req, "password_reset", "reset_title", json::object{{"login", f.Get("login")}},
                     st, {}, retry_after);
  }
  return Redirect("/login?done=password_reset");
}

// ---- Security and misuse ---------------------------------------------------------

Response SecurityPage(AccountService& a, Request& req, const PageSession& s) {
  const Messages_t& m = Messages(PickLanguage(req));
  auto logins = a.RecentLogins(s.session.account_id);
  if (!logins.ok()) return ShowError(req, "security", "security_title", {}, logins.status());
  json::array rows;
  for (const auto& e : *logins) {
    rows.push_back(json::object{{"at", UtcText(e.at)},
                                {"iso", UtcIso(e.at)},
                                {"place", e.place},
                                {"browser", e.browser},
                                {"result", Msg(m, e.succeeded ? "login_ok" : "login_failed")}});
  }
  json::object data{{"has_logins", !rows.empty()}, {"logins", std::move(rows)}};
  return Show(req, "security", "security_title", std::move(data));
}

Response SecurityReportPost(AccountService& a, Request& req, const Form& f, const PageSession& s) {
  auto report = a.ReportMisuse(s.session.account_id, f.Get("note"));
  if (!report.ok()) return ShowError(req, "security", "security_title", {}, report.status());
  return Redirect("/password-reset?done=misuse_reported")
      .With("Set-Cookie", ClearSessionCookie(req));
}

Response MisuseCodePost(AccountService& a, Request& req, const Form& f) {
  std::int64_t retry_after = 0;
  Status st = a.RequestMisuseCode(f.Get("login"), ClientOf(req), &retry_after);
  if (!st.ok()) {
    return ShowError(req, "report_misuse", "misuse_title", json::object{{"login", f.Get("login")}},
                     st, {}, retry_after);
  }
  return Redirect("/report-misuse?done=sent");
}

Response MisuseReportPost(AccountService& a, Request& req, const Form& f) {
  std::int64_t retry_after = 0;
  auto report = a.ReportMisuseWithCode(f.Get("login"), f.Get("code"), f.Get("note"), ClientOf(req),
                                       &retry_after);
  if (!report.ok()) {
    return ShowError(req, "report_misuse", "misuse_title", json::object{{"login", f.Get("login")}},
                     report.status(), {}, retry_after);
  }
  Response res = Redirect("/password-reset?done=misuse_reported");
  if (req.CookieValue(kSessionCookie)) res.With("Set-Cookie", ClearSessionCookie(req));
  return res;
}

// ---- Deletion --------------------------------------------------------------------

Response DeletePost(AccountService& a, Request& req, const Form& f, const PageSession& s) {
  if (Status st = a.DeleteAccount(s.session.account_id, f.Get("confirm")); !st.ok()) {
    return ShowError(req, "delete", "delete_title", {}, st);
  }
  return Redirect("/account/deleted").With("Set-Cookie", ClearSessionCookie(req));
}

// ---- Guardian --------------------------------------------------------------------

Response GuardianPage(AccountService& a, Request& req, std::optional<Status> error = {}) {
  const Messages_t& m = Messages(PickLanguage(req));
  std::string token = req.Param("token");
  auto g = a.GetGuardianRequest(token);
  if (!g.ok()) return ShowError(req, "guardian", "guardian_title", {}, g.status());
  json::object data{{"token", token},
                    {"intro", Fill(Msg(m, "guardian_intro"), "name", g->child_display_name)},
                    {"sensitive", g->under_sensitive_age},
                    {"confirmed", g->confirmed && !g->withdrawn},
                    {"withdrawn", g->withdrawn},
                    {"can_consent", !g->confirmed || g->withdrawn},
                    {"can_withdraw", g->confirmed && !g->withdrawn}};
  if (error) return ShowError(req, "guardian", "guardian_title", std::move(data), *error);
  return Show(req, "guardian", "guardian_title", std::move(data));
}

Response GuardianPost(AccountService& a, Request& req, bool consent) {
  std::string token = req.Param("token");
  Status st = consent ? a.GuardianConsent(token) : a.GuardianWithdraw(token);
  if (!st.ok()) return GuardianPage(a, req, st);
  return Redirect("/guardian/" + UrlEncode(token) +
                  (consent ? "?done=consented" : "?done=withdrawn"));
}

}  // namespace

void AddAccountPages(Router& r, App& app) {
  AccountService& a = app.accounts;
  auto page = [](std::string name, std::string title) {
    return [name, title](Request& req) { return Show(req, name, title); };
  };
  auto form = [&a](std::string_view name, std::string_view title,
                   Response (*fn)(AccountService&, Request&, const Form&)) {
    return FormPost(name, title, [&a, fn](Request& req, const Form& f) { return fn(a, req, f); });
  };
  auto session_page = [&a](Response (*fn)(AccountService&, Request&, const PageSession&)) {
    return SessionPage(a, [&a, fn](Request& req, const PageSession& s) { return fn(a, req, s); });
  };
  auto session_form = [&a](std::string_view name, std::string_view title,
                           Response (*fn)(AccountService&, Request&, const Form&,
                                          const PageSession&)) {
    return SessionForm(a, name, title, [&a, fn](Request& req, const Form& f, const PageSession& s) {
      return fn(a, req, f, s);
    });
  };

  r.Add("GET", "/register", page("register", "register_title"));
  r.Add("POST", "/register", form("register", "register_title", RegisterPost));
  r.Add("GET", "/verify", page("verify", "verify_title"));
  r.Add("POST", "/verify", form("verify", "verify_title", VerifyPost));
  r.Add("POST", "/verify/resend", form("verify", "verify_title", ResendPost));
  r.Add("GET", "/login", LoginPage);
  r.Add("POST", "/login", [&a](Request& req) { return LoginPost(a, req); });
  r.Add("POST", "/logout", form("login", "login_title", LogoutPost));

  r.Add("GET", "/account", SessionPage(a, [&a](Request& req, const PageSession& s) {
          return AccountPage(a, req, s);
        }));
  r.Add("POST", "/account", session_form("account", "account_title", AccountPost));
  r.Add("POST", "/account/login", session_form("account", "account_title", LoginChangePost));
  r.Add("POST", "/account/login/confirm",
        session_form("account", "account_title", LoginConfirmPost));
  r.Add("GET", "/login-change/revert/{token}", [&a](Request& req) { return RevertPage(a, req); });
  r.Add("POST", "/login-change/revert/{token}",
        FormPost("login_revert", "revert_title",
                 [&a](Request& req, const Form&) { return RevertPost(a, req); }));
  r.Add("GET", "/account/sessions", session_page(SessionsPage));
  r.Add("POST", "/account/sessions/revoke-all",
        session_form("sessions", "sessions_title", RevokeAllPost));
  r.Add("POST", "/account/sessions/{id}/revoke",
        session_form("sessions", "sessions_title", RevokePost));
  r.Add("GET", "/account/password", SessionPage(a, [](Request& req, const PageSession&) {
          return Show(req, "password", "password_title");
        }));
  r.Add("POST", "/account/password", session_form("password", "password_title", PasswordPost));
  r.Add("GET", "/account/security", session_page(SecurityPage));
  r.Add("POST", "/account/security/report",
        session_form("security", "security_title", SecurityReportPost));
  r.Add("GET", "/account/delete", SessionPage(a, [](Request& req, const PageSession&) {
          return Show(req, "delete", "delete_title");
        }));
  r.Add("POST", "/account/delete", session_form("delete", "delete_title", DeletePost));
  r.Add("GET", "/account/deleted", page("deleted", "deleted_title"));

  r.Add("GET", "/password-reset", page("password_reset", "reset_title"));
  r.Add("POST", "/password-reset", form("password_reset", "reset_title", ResetRequestPost));
  r.Add("POST", "/password-reset/confirm", form("password_reset", "reset_title", ResetConfirmPost));
  r.Add("GET", "/report-misuse", page("report_misuse", "misuse_title"));
  r.Add("POST", "/report-misuse/code", form("report_misuse", "misuse_title", MisuseCodePost));
  r.Add("POST", "/report-misuse", form("report_misuse", "misuse_title", MisuseReportPost));

  r.Add("GET", "/guardian/{token}", [&a](Request& req) { return GuardianPage(a, req); });
  r.Add("POST", "/guardian/{token}/consent",
        FormPost("guardian", "guardian_title",
                 [&a](Request& req, const Form&) { return GuardianPost(a, req, true); }));
  r.Add("POST", "/guardian/{token}/withdraw",
        FormPost("guardian", "guardian_title",
                 [&a](Request& req, const Form&) { return GuardianPost(a, req, false); }));
}

}  // namespace yz::web
