#include "web/csrf.h"

#include <algorithm>
#include <string>

#include "core/ascii.h"
#include "core/random.h"

namespace yz::web::csrf {
namespace {

constexpr std::size_t kTokenHexChars = 64;

bool WellFormed(std::string_view token) {
  return token.size() == kTokenHexChars && std::all_of(token.begin(), token.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// "host[:port]" without a default port, lower-case.
std::string NormalAuthority(std::string_view authority, std::string_view scheme) {
  std::string a = AsciiLowered(authority);
  if (scheme == "http" && a.ends_with(":80")) a.resize(a.size() - 3);
  if (scheme == "https" && a.ends_with(":443")) a.resize(a.size() - 4);
  return a;
}

// The normalised authority of an absolute http(s) URL or origin; empty if it is not one.
std::string AuthorityOf(std::string_view url, std::string* scheme_out) {
  auto sep = url.find("://");
  if (sep == std::string_view::npos) return {};
  std::string scheme = AsciiLowered(url.substr(0, sep));
  if (scheme != "http" && scheme != "https") return {};
  std::string_view rest = url.substr(sep + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (rest.empty() || rest.find('@') != std::string_view::npos) return {};
  if (scheme_out) *scheme_out = scheme;
  return NormalAuthority(rest, scheme);
}

bool SameAuthority(const Request& req, std::string_view url) {
  std::string scheme;
  std::string authority = AuthorityOf(url, &scheme);
  std::string_view host = req.HeaderValue("host");
  if (authority.empty() || host.empty()) return false;
  return authority == NormalAuthority(host, scheme);
}

bool UnsafeMethod(std::string_view method) {
  return method != "GET" && method != "HEAD" && method != "OPTIONS";
}

}  // namespace

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  // The length is not secret (every token has the same length); the contents are.
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}

bool HasCookie(const Request& req) {
  auto c = req.CookieValue(kCookie);
  return c && WellFormed(*c);
}

Token EnsureToken(const Request& req) {
  if (auto c = req.CookieValue(kCookie); c && WellFormed(*c)) return {*c, false};
  return {RandomHex(kTokenHexChars / 2), true};
}

std::string SetCookie(const Request& req, std::string_view token) {
  return CookieHeader(req, kCookie, token);  // a session cookie
}

bool SameOrigin(const Request& req) {
  std::string_view origin = req.HeaderValue("origin");
  if (!origin.empty()) return SameAuthority(req, origin);
  std::string_view referer = req.HeaderValue("referer");
  if (!referer.empty()) return SameAuthority(req, referer);
  return false;
}

Status CheckForm(const Request& req, std::string_view form_token) {
  auto cookie = req.CookieValue(kCookie);
  if (!cookie || !WellFormed(*cookie)) {
    return PermissionDenied(
        "this form needs the yz_csrf cookie: enable cookies for this site and reload the page");
  }
  if (!ConstantTimeEquals(*cookie, form_token)) {
    return PermissionDenied("the form's csrf token does not match this browser's: reload the page");
  }
  if (req.HeaderValue("origin").empty() && req.HeaderValue("referer").empty()) {
    return PermissionDenied("a form post must carry an Origin or Referer header");
  }
  if (!SameOrigin(req)) return PermissionDenied("a form post from another site is refused");
  return Status::Ok();
}

Status CheckApi(const Request& req, bool cookie_authenticated) {
  if (!UnsafeMethod(req.method)) return Status::Ok();
  std::string_view auth = req.HeaderValue("authorization");
  if (auth.size() > 7 && AsciiLowered(auth.substr(0, 7)) == "bearer ") return Status::Ok();
  std::string_view origin = req.HeaderValue("origin");
  if (!origin.empty() && !SameAuthority(req, origin)) {
    return PermissionDenied("a call from another site (Origin " +
                            std::string(origin.substr(0, 100)) + ") is refused");
  }
  if (!cookie_authenticated || !origin.empty())
    return Status::Ok();  // same-origin Origin, or anonymous
  auto cookie = req.CookieValue(kCookie);
  std::string_view header = req.HeaderValue(kHeader);
  if (cookie && WellFormed(*cookie) && ConstantTimeEquals(*cookie, header)) return Status::Ok();
  return PermissionDenied(
      "a call authenticated by the session cookie needs the X-CSRF-Token header (the yz_csrf "
      "cookie's value) or a same-origin Origin header; the app uses Authorization: Bearer");
}

}  // namespace yz::web::csrf
