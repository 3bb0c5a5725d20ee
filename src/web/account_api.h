// Accounts over HTTP: the JSON API under /api/v1 (accounts, sessions, me,
// password resets, misuse reports, guardian consent) and, through
// account_pages.h, the HTML pages. Handlers parse, check CSRF (csrf.h), call one
// AccountService method on the worker pool, and map the result; the rules live in
// accounts::AccountService.
//
// Credentials: `Authorization: Bearer TOKEN` (the app) or the `yz_session` cookie
// (browsers): HttpOnly; SameSite=Lax; Path=/; Secure unless the peer is loopback.
// A successful login also sets `yz_device`, the OWASP device cookie that keeps this
// browser's own login allowance for that login (accounts/login_guard.h).
//
// Thread-safety: handlers are stateless; the service is thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "accounts/accounts.h"
#include "web/http.h"
#include "web/routes.h"

namespace yz::web {

inline constexpr std::string_view kSessionCookie = "yz_session";
inline constexpr std::string_view kDeviceCookie = "yz_device";
// Account calls carry a few short strings: anything larger is refused with 413.
inline constexpr std::size_t kMaxAccountBody = 16 * 1024;

// The session token of a request: a bearer token first, else the yz_session cookie.
struct Credentials {
  std::string token;
  bool bearer = false;  // from Authorization: Bearer (exempt from CSRF checks)
};
std::optional<Credentials> RequestCredentials(const Request& req);

// Who is asking, for sessions, throttling and messages (in the page's language).
accounts::Client ClientOf(const Request& req);

// Set-Cookie values that set and clear the session cookie.
std::string SessionCookie(const Request& req, std::string_view token, std::int64_t max_age);
std::string ClearSessionCookie(const Request& req);
// Set-Cookie value of a device cookie (a login's NewSession::device_cookie).
std::string DeviceCookie(const Request& req, std::string_view value);

// The response for a failed service call: Response::FromStatus, plus Retry-After
// on a throttled call when `retry_after` > 0.
Response StatusResponse(const Status& status, std::int64_t retry_after = 0);

// Registers every account route: the JSON API here and the pages of
// account_pages.h.
void AddAccountRoutes(Router& r, App& app);

}  // namespace yz::web
