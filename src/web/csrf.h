// Cross-site request forgery protection for HTML forms and cookie-authenticated
// JSON calls.
//
// The rule:
//  - HTML form posts (every POST to a page handler): the browser's random token in
//    the `yz_csrf` cookie (256 bits as 64 hex digits; SameSite=Lax; HttpOnly; Secure
//    except on loopback) must equal the hidden form field `csrf` (double submit,
//    compared in constant time), AND the request must be same-origin: its Origin
//    header names this host, or, without Origin, its Referer does. A post with
//    neither header is refused (every current browser sends Origin on a POST).
//    A cross-site page can neither read the cookie nor make the browser send a
//    matching field, and the Origin check also stops a token planted by a sibling
//    host (cookie tossing).
//  - JSON API calls with an unsafe method (anything but GET, HEAD, OPTIONS):
//     1. `Authorization: Bearer ...`: exempt. Browsers never attach it by
//        themselves, so a forged cross-site request cannot carry it.
//     2. An Origin header naming another site: refused, authenticated or not
//        (this also stops login CSRF through a text/plain form post of JSON).
//     3. Authenticated by the `yz_session` cookie: must carry `X-CSRF-Token`
//        equal to the `yz_csrf` cookie, or a same-origin Origin header.
//     4. Anonymous without Origin (curl, the app before login): allowed.
//  "This host" is the request's Host header (host[:port]); a reverse proxy must
//  pass Host through unchanged. Failures are PermissionDenied (403) with a message
//  saying what was missing.
//
// Thread-safety: free functions over immutable inputs.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"
#include "web/http.h"

namespace yz::web::csrf {

inline constexpr std::string_view kCookie = "yz_csrf";
inline constexpr std::string_view kFormField = "csrf";
inline constexpr std::string_view kHeader = "x-csrf-token";

// The browser's token: its `yz_csrf` cookie if well-formed, else a new random one
// (`fresh` true: the caller must send SetCookie(req, value) with the page).
struct Token {
  std::string value;
  bool fresh = false;
};
Token EnsureToken(const Request& req);

// The Set-Cookie value for the token: a session cookie (gone when the browser
// closes) holding only the random value, no personal data.
std::string SetCookie(const Request& req, std::string_view token);

// True if the request carries a well-formed `yz_csrf` cookie: the browser keeps
// cookies (the login page uses this to tell users who refuse cookies, C2.3).
bool HasCookie(const Request& req);

// Equality in time independent of where the inputs differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// True if Origin (or, without Origin, Referer) names the request's Host; false if
// neither header is present or either names another origin.
bool SameOrigin(const Request& req);

// Checks an HTML form post whose hidden `csrf` field is `form_token`.
// PermissionDenied naming what failed.
Status CheckForm(const Request& req, std::string_view form_token);

// Checks a JSON API call (see the rule above). `cookie_authenticated`: the call is
// authenticated by the yz_session cookie rather than a bearer token.
Status CheckApi(const Request& req, bool cookie_authenticated);

}  // namespace yz::web::csrf
