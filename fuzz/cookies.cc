// Fuzzes what the server reads from a request's cookies and credentials: the
// Cookie header split into pairs (Request::CookieValue), the remembered consent
// `yz_consent` (web::RememberedChoices, web::CountingId), the session `yz_session`
// or a bearer token (web::RequestCredentials), the CSRF cookie `yz_csrf` and its
// checks, the language cookie `yz_lang` (web::PickLanguage), the anonymous id
// `yz_aid`, and the privacy signals.
//
// Input: header lines "name: value" separated by '\n' (a realistic seed is the
// header block of a browser's request). Names are lower-cased as server.cc does.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "privacy/visitor_consent.h"
#include "web/account_api.h"
#include "web/consent_api.h"
#include "web/csrf.h"
#include "web/http.h"
#include "web/i18n.h"

namespace {

yz::web::Request RequestOf(std::string_view text) {
  yz::web::Request req;
  req.method = "POST";
  req.target = "/api/v1/consent";
  req.path = req.target;
  req.peer_ip = "203.0.113.9";
  req.client_ip = req.peer_ip;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string name(line.substr(0, colon));
    for (char& c : name) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    req.headers.push_back({std::move(name), std::string(value)});
  }
  return req;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const yz::web::Request req =
      RequestOf(std::string_view(reinterpret_cast<const char*>(data), size));
  for (std::string_view name : {yz::web::kChoiceCookie, yz::web::kSessionCookie,
                                yz::web::kAnonymousIdCookie, yz::web::csrf::kCookie,
                                std::string_view("yz_lang"), std::string_view("")}) {
    if (auto v = req.CookieValue(name); v && v->find(';') != std::string::npos) std::abort();
  }
  (void)yz::web::RememberedChoices(req);
  const std::string counting = yz::web::CountingId(req);
  if (!counting.empty() && !yz::privacy::WellFormedAnonymousId(counting)) std::abort();
  if (auto cred = yz::web::RequestCredentials(req); cred && cred->token.empty()) std::abort();
  (void)yz::web::PickLanguage(req);
  (void)yz::web::csrf::HasCookie(req);
  (void)yz::web::csrf::SameOrigin(req);
  (void)yz::web::csrf::CheckApi(req, /*cookie_authenticated=*/true);
  (void)yz::web::csrf::CheckForm(req, req.HeaderValue("x-csrf-token"));
  (void)yz::web::csrf::EnsureToken(req);
  (void)yz::privacy::SignalOn(req.HeaderValue("sec-gpc"));
  (void)yz::privacy::SignalOn(req.HeaderValue("dnt"));
  (void)req.FromLoopback();
  return 0;
}
