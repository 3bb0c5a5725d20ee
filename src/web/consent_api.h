// Cookie consent over HTTP (C2.3): the JSON API (GET/POST /api/v1/consent), the
// partner-embed endpoint (GET /api/v1/partner-embed), the banner's no-JavaScript
// form (POST /consent, answered 303 back to the page) and the cookie settings page
// (GET /privacy/cookies). The rules live in privacy/visitor_consent.h; handlers
// read the request (cookies, signals, who is logged in), call it, and set cookies.
//
// Cookies:
//  - `yz_aid`: the anonymous id, only with statistics or personalization
//    (SameSite=Lax; HttpOnly; Secure except on loopback; 180 days).
//  - `yz_consent`: the remembered choice and the policy version it was made under
//    ("s1.p0.m0.v2"), a necessary cookie that hides the banner once the visitor
//    has chosen under the version in force; it carries no identifier.
//
// Thread-safety: handlers are stateless; the ledger is thread-safe. The banner
// reads the policy version AddConsentRoutes recorded, through an atomic shared_ptr.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "privacy/visitor_consent.h"
#include "web/http.h"
#include "web/router.h"
#include "web/routes.h"

namespace yz::web {

inline constexpr std::string_view kAnonymousIdCookie = "yz_aid";
inline constexpr std::string_view kChoiceCookie = "yz_consent";
inline constexpr std::int64_t kConsentCookieMaxAge = 180 * 24 * 3600;

// Registers the consent routes listed above, and makes app.policy_version the
// version AddConsentBanner compares remembered choices with (one per process).
void AddConsentRoutes(Router& r, App& app);

// The choices the yz_consent cookie remembers, under whatever policy version;
// nullopt without a well-formed one.
std::optional<privacy::VisitorChoices> RememberedChoices(const Request& req);

// The anonymous id that counts the visitor instead of IP and agent (C2.3): the
// yz_aid cookie, only while the remembered choice allows statistics. An id given
// for personalization alone, or one left over without a choice, does not count
// anyone: counting is cookieless then. Empty when it does not apply.
std::string CountingId(const Request& req);

// For the page layout: until the visitor has chosen under the policy version in
// force, adds `consent_banner` (the banner's form values) to a page's `data`, with
// a CSRF token under `csrf` unless the page has one. Returns the Set-Cookie value
// for a fresh CSRF token, or "".
std::string AddConsentBanner(const Request& req, boost::json::object& data);

}  // namespace yz::web
