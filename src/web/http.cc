#include "web/http.h"

#include <boost/url/parse.hpp>

#include "core/ascii.h"

namespace yz::web {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string_view Request::HeaderValue(std::string_view name) const {
  for (const auto& h : headers) {
    if (AsciiIEquals(h.name, name)) return h.value;
  }
  return {};
}

std::string Request::Param(std::string_view name) const {
  for (const auto& [k, v] : params) {
    if (k == name) return v;
  }
  return {};
}

std::optional<std::string> Request::QueryValue(std::string_view name) const {
  std::string origin = "/?" + query;
  auto parsed = boost::urls::parse_origin_form(origin);
  if (!parsed) return std::nullopt;
  for (auto param : parsed->params()) {  // decoded view
    if (param.key == name) return std::string(param.value);
  }
  return std::nullopt;
}

std::optional<std::string> Request::CookieValue(std::string_view name) const {
  std::string_view all = HeaderValue("cookie");
  while (!all.empty()) {
    auto semi = all.find(';');
    std::string_view pair = Trim(all.substr(0, semi));
    all = semi == std::string_view::npos ? std::string_view{} : all.substr(semi + 1);
    auto eq = pair.find('=');
    if (eq == std::string_view::npos) continue;
    if (Trim(pair.substr(0, eq)) == name) return std::string(Trim(pair.substr(eq + 1)));
  }
  return std::nullopt;
}

bool Request::FromLoopback() const {
  auto loopback = [](std::string_view ip) {
    return ip.starts_with("127.") || ip == "::1" || ip.starts_with("::ffff:127.");
  };
  // Behind a trusted proxy on this host the peer is loopback but the client is not.
  return loopback(peer_ip) && loopback(client_ip.empty() ? peer_ip : client_ip);
}

std::string CookieHeader(const Request& req, std::string_view name, std::string_view value,
                         std::optional<std::int64_t> max_age, bool http_only) {
  std::string out = std::string(name) + "=" + std::string(value) + "; Path=/";
  if (http_only) out += "; HttpOnly";
  out += "; SameSite=Lax";
  if (max_age) out += "; Max-Age=" + std::to_string(*max_age);
  if (!req.FromLoopback()) out += "; Secure";
  return out;
}

Response Response::Json(int status, std::string body) {
  return Response{status, "application/json", std::move(body), {}};
}

Response Response::Html(int status, std::string body) {
  return Response{status, "text/html; charset=utf-8", std::move(body), {}};
}

Response Response::Text(int status, std::string body, std::string content_type) {
  return Response{status, std::move(content_type), std::move(body), {}};
}

namespace {

// The length of the well-formed UTF-8 sequence at the start of `s` (RFC 3629: no
// overlong forms, no surrogates, nothing above U+10FFFF), or 0 if there is none.
std::size_t Utf8SequenceLength(std::string_view s) {
  const auto b = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char c = b(0);
  if (c < 0x80) return 1;
  std::size_t n;
  unsigned char lo = 0x80, hi = 0xBF;  // the range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;  // overlong below U+0800
    if (c == 0xED) hi = 0x9F;  // U+D800..U+DFFF are surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;  // overlong below U+10000
    if (c == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    return 0;  // a continuation byte, C0/C1 (always overlong), F5..FF
  }
  if (s.size() < n || b(1) < lo || b(1) > hi) return 0;
  for (std::size_t i = 2; i < n; ++i) {
    if (b(i) < 0x80 || b(i) > 0xBF) return 0;
  }
  return n;
}

}  // namespace

std::string JsonEscape(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(s.size() + 8);
  while (!s.empty()) {
    const auto c = static_cast<unsigned char>(s.front());
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c == '\n') {
      out.append("\\n");
    } else if (c == '\r') {
      out.append("\\r");
    } else if (c == '\t') {
      out.append("\\t");
    } else if (c < 0x20 || c == 0x7F) {
      out.append("\\u00");
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    } else if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else if (std::size_t n = Utf8SequenceLength(s)) {
      out.append(s.substr(0, n));
      s.remove_prefix(n);
      continue;
    } else {
      // Not UTF-8 (a stray byte, an overlong form, an encoded surrogate): one
      // replacement character per byte, so the text stays valid and its length visible.
      out.append("\\ufffd");
    }
    s.remove_prefix(1);
  }
  return out;
}

Response Response::Error(int status, std::string_view code, std::string_view message) {
  std::string body = "{\"error\":{\"code\":\"" + JsonEscape(code) + "\",\"message\":\"" +
                     JsonEscape(message) + "\"}}";
  return Json(status, std::move(body));
}

int HttpStatusFor(Code code) {
  switch (code) {
    case Code::kOk:
      return 200;
    case Code::kInvalidArgument:
      return 400;
    case Code::kNotFound:
      return 404;
    case Code::kAlreadyExists:
      return 409;
    case Code::kUnauthenticated:
      return 401;
    case Code::kPermissionDenied:
      return 403;
    case Code::kFailedPrecondition:
      return 412;
    case Code::kResourceExhausted:
      return 429;
    case Code::kUnavailable:
      return 503;
    case Code::kInternal:
      return 500;
  }
  return 500;
}

Response Response::FromStatus(const Status& status) {
  // Internal details stay in the server log; the client gets a generic message.
  std::string_view message =
      status.code() == Code::kInternal ? std::string_view("internal error") : status.message();
  return Error(HttpStatusFor(status.code()), CodeName(status.code()), message);
}

}  // namespace yz::web
